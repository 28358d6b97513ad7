"""The values everything else passes around: frozen dataclasses, no I/O, no rendering.

Two levels: the HTTP level (`Cassette`, `Interaction`, `Request`, `Response`, `Body`) that a
format reader produces, and the LLM level (`Exchange` with its `Prompt`, `Reply`, `Usage`,
`Cost`) that a provider reader rebuilds from one interaction. Identifiers, timestamps and
durations are kept for display but left out of equality, so two recordings of the same
conversation compare equal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Body:
    """A body as the application saw it: storage encoding (base64, `!!binary`) and HTTP
    content-encoding (gzip, br, deflate) undone.

    `parsed` holds the structure when the recorder stored JSON as data (VCR.py's
    `parsed_body`, nock, cassetter) instead of as bytes. `notes` say how it was stored or
    why it could not be decoded.
    """

    data: bytes = b""
    parsed: Any = None
    notes: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.data and self.parsed is None


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    url: str
    headers: Headers = ()
    body: Body = Body()

    def header(self, name: str) -> str | None:
        return header_value(self.headers, name)


@dataclass(frozen=True, slots=True)
class Response:
    status: int | None
    reason: str = ""
    headers: Headers = ()
    body: Body = Body()
    duration_ms: float | None = field(default=None, compare=False)

    def header(self, name: str) -> str | None:
        return header_value(self.headers, name)

    @property
    def content_type(self) -> str:
        value = self.header("content-type") or ""
        return value.split(";", 1)[0].strip().lower()


def header_value(headers: Headers, name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers:
        if key.lower() == wanted:
            return value
    return None


@dataclass(frozen=True, slots=True)
class WsMessage:
    """One websocket frame of a recorded realtime session."""

    direction: Literal["sent", "received"]
    data: Any
    kind: str = "message"


# --- the LLM level ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TextPart:
    text: str
    type: Literal["text"] = "text"


@dataclass(frozen=True, slots=True)
class ReasoningPart:
    text: str
    type: Literal["reasoning"] = "reasoning"


@dataclass(frozen=True, slots=True)
class MediaPart:
    """An image, audio clip or file in a prompt, shown as a placeholder."""

    kind: str  # image, audio, file, video
    media_type: str | None = None
    size: int | None = None  # bytes of data when inline
    url: str | None = None
    type: Literal["media"] = "media"


@dataclass(frozen=True, slots=True)
class ToolCall:
    name: str
    arguments: Any  # parsed JSON when the arguments were JSON, else the raw string
    id: str | None = field(default=None, compare=False)
    type: Literal["tool_call"] = "tool_call"
    kind: str = "function"  # "custom": free-text input (OpenAI custom tools), not JSON


@dataclass(frozen=True, slots=True)
class ToolResult:
    content: str
    tool_call_id: str | None = field(default=None, compare=False)
    name: str | None = None
    is_error: bool = False
    type: Literal["tool_result"] = "tool_result"


Part = TextPart | ReasoningPart | MediaPart | ToolCall | ToolResult


@dataclass(frozen=True, slots=True)
class Message:
    role: str  # system, user, assistant, tool
    parts: tuple[Part, ...]


@dataclass(frozen=True, slots=True)
class Tool:
    name: str
    description: str | None = None
    parameters: Any = None


@dataclass(frozen=True, slots=True)
class Prompt:
    messages: tuple[Message, ...] = ()
    tools: tuple[Tool, ...] = ()
    params: tuple[tuple[str, Any], ...] = ()  # temperature, max tokens, stream, …


@dataclass(frozen=True, slots=True)
class ApiError:
    message: str
    type: str | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    text: str = ""
    reasoning: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    refusal: str | None = None
    # Normalised: stop, length, tool_calls, content_filter, error or other.
    finish_reason: str | None = None
    native_finish_reason: str | None = None
    error: ApiError | None = None
    # Why the reply could not be rebuilt in full (truncated stream, bad frame, …).
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts in one convention whatever the provider's: `input_tokens` is the whole
    prompt (cached tokens included), `output_tokens` everything billed as output (reasoning
    included)."""

    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_read_tokens: int | None = None
    cache_write_tokens: int | None = None
    reasoning_tokens: int | None = None

    @property
    def total_tokens(self) -> int:
        return (self.input_tokens or 0) + (self.output_tokens or 0)


@dataclass(frozen=True, slots=True)
class Cost:
    usd: Decimal
    source: Literal["reported", "estimated"]


@dataclass(frozen=True, slots=True)
class Exchange:
    """One LLM call as a person reads it: what was asked, what came back, what it cost."""

    api: str
    provider: str | None
    model: str | None  # the model that answered when the reply says, else the one asked for
    request_model: str | None
    streamed: bool
    prompt: Prompt
    reply: Reply
    usage: Usage | None = None
    reported_cost: Decimal | None = None  # USD, as the provider put it in the reply
    cost: Cost | None = None
    cost_note: str | None = None  # why there is no cost
    response_id: str | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Interaction:
    index: int
    request: Request
    response: Response | None
    websocket: tuple[WsMessage, ...] = ()
    line: int | None = field(default=None, compare=False)  # 1-based, where it starts in the file
    exchange: Exchange | None = None
    # Where the interaction sits in the parsed file (`("interactions", 3)`), for positions.
    where: tuple[str | int, ...] = field(default=(), compare=False)


@dataclass(frozen=True, slots=True)
class Cassette:
    path: str
    format: str
    interactions: tuple[Interaction, ...]

    @property
    def exchanges(self) -> tuple[Exchange, ...]:
        return tuple(i.exchange for i in self.interactions if i.exchange is not None)
