"""cassette: read, review and keep safe recorded LLM API traffic (VCR cassettes).

    >>> from cassette_tool import load
    >>> cassette = load("samples/go-vcr/openrouter_tool_streaming.yaml")
    >>> cassette.exchanges[0].reply.tool_calls
"""

from typing import TYPE_CHECKING, Any

from .errors import CassetteError, ExitCode
from .load import expand_paths, load

if TYPE_CHECKING:
    from .model import Cassette, Exchange, Interaction, Reply, Usage

_MODEL = ("Cassette", "Exchange", "Interaction", "Reply", "Usage")


def __getattr__(name: str) -> Any:
    # The model's classes load with the first cassette, not with `cassette --version`.
    if name in _MODEL:
        from . import model

        return getattr(model, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__version__ = "0.1.0"
__all__ = ["load", "expand_paths", "Cassette", "Exchange", "Interaction", "Reply", "Usage",
           "CassetteError", "ExitCode", "__version__"]
