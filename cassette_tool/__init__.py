"""cassette: read, review and keep safe recorded LLM API traffic (VCR cassettes).

    >>> from cassette_tool import load
    >>> cassette = load("samples/go-vcr/openrouter_tool_streaming.yaml")
    >>> cassette.exchanges[0].reply.tool_calls

Names are imported on first use, so `cassette --version` and other light commands do not pay
for the readers they do not need.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "load": "load", "load_bytes": "load", "expand_paths": "load",
    "Cassette": "model", "Exchange": "model", "Interaction": "model", "Reply": "model",
    "Usage": "model", "CassetteError": "errors", "ExitCode": "errors",
}
__all__ = [*_EXPORTS, "__version__"]

if TYPE_CHECKING:
    from .errors import CassetteError, ExitCode
    from .load import expand_paths, load, load_bytes
    from .model import Cassette, Exchange, Interaction, Reply, Usage


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'cassette_tool' has no attribute {name!r}")
    return getattr(import_module(f".{module}", __name__), name)
