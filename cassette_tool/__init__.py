"""cassette: read, review and keep safe recorded LLM API traffic (VCR cassettes).

    >>> from cassette_tool import load
    >>> cassette = load("samples/go-vcr/openrouter_tool_streaming.yaml")
    >>> cassette.exchanges[0].reply.tool_calls
"""

from .errors import CassetteError, ExitCode
from .load import expand_paths, load
from .model import Cassette, Exchange, Interaction, Reply, Usage

__version__ = "0.1.0"
__all__ = ["load", "expand_paths", "Cassette", "Exchange", "Interaction", "Reply", "Usage",
           "CassetteError", "ExitCode", "__version__"]
