"""Anthropic Messages API, direct (`/v1/messages`) and on Vertex AI (`:rawPredict`,
`:streamRawPredict`), plus the legacy `/v1/complete` text completions.

Owns the Messages request and reply shapes; `bedrock_invoke` reads Claude on Bedrock with
`prompt_of`, `rebuild_message` and `rebuild_stream` (it claims those URLs before this module
is asked). Server-side tools (web search, code execution) are reported in `Reply.notes`, not
as the client's tool calls. See wire-formats.md section 4.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import unquote, urlsplit

from ..model import (
    ApiError,
    Exchange,
    Interaction,
    MediaPart,
    Message,
    Part,
    Prompt,
    ReasoningPart,
    Reply,
    Response,
    TextPart,
    Tool,
    ToolCall,
    ToolResult,
    Usage,
)
from ..source import try_json
from ..sse import iter_sse, looks_like_sse
from .common import (
    as_int,
    body_json,
    dig,
    error_from,
    items,
    mapping,
    media_from_base64,
    normalize_finish,
    parse_arguments,
    pick_params,
    provider_of,
    stream_error,
)

API = "anthropic"
PARAMS = ("max_tokens", "max_tokens_to_sample", "temperature", "top_p", "top_k", "stream",
          "stop_sequences", "tool_choice", "thinking", "output_config", "output_format",
          "service_tier")

# Vertex puts the model in the URL: `.../publishers/anthropic/models/{model}:rawPredict`.
_VERTEX = re.compile(r"/publishers/anthropic/models/([^/:]+):(?:stream)?[rR]aw[pP]redict$")
# Bedrock's `/model/{id}/{action}` paths belong to the bedrock_* modules, even when the body
# is a Messages body with `anthropic_version` (wire-formats.md 1.4).
_BEDROCK = re.compile(r"/model/[^/]+/[\w-]+$")
# Blocks whose `input` arrives as `input_json_delta` fragments in a stream (4.4 step 2).
_TOOL_USE_BLOCKS = ("tool_use", "server_tool_use", "mcp_tool_use")
# Legacy text-completion prompts mark turns with these (`/v1/complete`, Claude 2 on Bedrock).
_TURN = re.compile(r"\n\n(Human|Assistant):")
_SHOWN = 160  # characters of a server tool's input shown in its note


def matches(url: str, body: Any) -> bool:
    path = url_path(url)
    if _BEDROCK.search(path):
        return False
    vertex = _VERTEX.search(path)
    if vertex:
        return vertex.group(1) != "count-tokens"
    if path.endswith(("/v1/messages", "/v1/complete")):
        return True
    return isinstance(body, dict) and "anthropic_version" in body and "messages" in body


def url_path(url: str) -> str:
    """The path of a URL, also for recorders' placeholder hosts (`<ANTHROPIC_API_BASE>/v1/…`)."""
    try:
        path = urlsplit(url).path if "://" in url else url.split("?", 1)[0]
    except ValueError:
        path = url.split("?", 1)[0]
    return path.rstrip("/")


def request_model(url: str, body: Any) -> str | None:
    """The model asked for: the body's `model`, else the Vertex URL's (`claude-x@date`)."""
    if isinstance(body, dict) and isinstance(body.get("model"), str) and body["model"]:
        return str(body["model"])
    vertex = _VERTEX.search(url_path(url))
    return unquote(vertex.group(1)) if vertex else None


# --- prompt ---------------------------------------------------------------------------------

def prompt_of(body: Any) -> Prompt:
    """A Messages request body (or a legacy `prompt` string) as a `Prompt`."""
    if not isinstance(body, dict):
        return Prompt()
    messages: list[Message] = []
    system = body.get("system")
    if system:
        messages.append(Message("system", _parts(system)))
    for message in items(body.get("messages")):
        if isinstance(message, dict):
            role = str(message.get("role") or "user")
            content = message.get("content")
            if role == "assistant" and isinstance(content, list):
                content = _joined(content)
            messages.append(Message(role, _parts(content)))
    if isinstance(body.get("prompt"), str) and not messages:
        messages.extend(_legacy_turns(body["prompt"]))
    tools = tuple(_tool(t) for t in items(body.get("tools")) if isinstance(t, dict))
    return Prompt(tuple(messages), tools, pick_params(body, PARAMS))


def _legacy_turns(prompt: str) -> list[Message]:
    # "\n\nHuman: …\n\nAssistant:" text prompts; an empty last Assistant turn is the cue.
    pieces = _TURN.split(prompt)
    turns = [Message("user", (TextPart(pieces[0].strip()),))] if pieces[0].strip() else []
    for speaker, text in zip(pieces[1::2], pieces[2::2], strict=False):
        if text.strip():
            role = "user" if speaker == "Human" else "assistant"
            turns.append(Message(role, (TextPart(text.strip()),)))
    return turns


def _joined(blocks: list[Any]) -> list[Any]:
    # An answer sent back as history keeps its citation split into many text blocks: one
    # text, as in the reply (wire-formats.md 4.2).
    joined: list[Any] = []
    for block in blocks:
        if _is_text(block) and joined and _is_text(joined[-1]):
            joined[-1] = {"type": "text", "text": joined[-1]["text"] + block["text"]}
        else:
            joined.append(block)
    return joined


def _is_text(block: Any) -> bool:
    return isinstance(block, dict) and block.get("type") == "text" and \
        isinstance(block.get("text"), str)


def _tool(tool: dict[str, Any]) -> Tool:
    kind = tool.get("type")
    description = tool.get("description")
    if kind and kind != "custom" and not description:
        # Anthropic-defined tools: run by Anthropic (web_search_…) or the client (computer_…).
        description = f"built-in {kind}"
    return Tool(str(tool.get("name") or kind or ""), description, tool.get("input_schema"))


def _parts(content: Any) -> tuple[Part, ...]:
    if isinstance(content, str):
        return (TextPart(content),) if content else ()
    if not isinstance(content, list):
        return ()
    parts = (_part(block) for block in content if isinstance(block, dict))
    return tuple(part for part in parts if part is not None)


def _part(block: dict[str, Any]) -> Part | None:
    kind = block.get("type")
    if kind == "text" or kind is None and isinstance(block.get("text"), str):
        return TextPart(str(block.get("text") or ""))
    if kind in ("image", "document"):
        return _media(block, "image" if kind == "image" else "file")
    if kind == "tool_use":
        return ToolCall(str(block.get("name") or ""), parse_arguments(block.get("input")),
                        block.get("id"))
    if kind == "tool_result":
        return ToolResult(_result_text(block.get("content")), block.get("tool_use_id"),
                          is_error=bool(block.get("is_error")))
    if kind == "thinking":
        # Omitted thinking (only a signature) comes back empty: nothing to show.
        return ReasoningPart(str(block["thinking"])) if block.get("thinking") else None
    if kind == "redacted_thinking":
        return ReasoningPart("[redacted thinking]")
    if kind == "container_upload":
        return MediaPart("file", None, None, block.get("file_id"))
    return TextPart(f"[{_server_summary(block)}]")


def _media(block: dict[str, Any], kind: str) -> MediaPart:
    source = mapping(block.get("source"))
    media_type = source.get("media_type")
    match source.get("type"):
        case "base64":
            return media_from_base64(source.get("data"), media_type, kind)
        case "text":  # a plain-text document inlined in the request
            return MediaPart(kind, media_type or "text/plain",
                             len(str(source.get("data") or "").encode()))
        case "url":
            return MediaPart(kind, media_type, None, source.get("url"))
        case "file":
            return MediaPart(kind, media_type, None, source.get("file_id"))
    return MediaPart(kind, media_type)


def _result_text(content: Any) -> str:
    """A tool result's content: a string, or blocks (text, images, documents)."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return "" if content is None else json.dumps(content)
    pieces = []
    for block in content:
        if isinstance(block, dict) and block.get("type", "text") == "text":
            pieces.append(str(block.get("text") or ""))
        elif isinstance(block, dict):
            pieces.append(f"[{block.get('type')}]")
    return "\n".join(pieces)


def _server_summary(block: dict[str, Any]) -> str:
    """One line for a block Anthropic's servers ran (web search, code execution, MCP…):
    these are not the client's tool calls (wire-formats.md 4.2)."""
    kind = str(block.get("type"))
    if kind in _TOOL_USE_BLOCKS:
        arguments = block.get("input")
        shown = json.dumps(arguments, ensure_ascii=False) if arguments not in (None, {}) else ""
        if len(shown) > _SHOWN:
            shown = shown[:_SHOWN - 1] + "…"
        return f"server tool {block.get('name')} {shown}".rstrip()
    return f"{kind}: {_result_summary(block)}"


def _result_summary(block: dict[str, Any]) -> str:
    content = block.get("content")
    if isinstance(content, list):
        return f"{len(content)} result(s)"
    if isinstance(content, dict) and content.get("error_code"):
        return f"error {content['error_code']}"
    if isinstance(content, dict) and "return_code" in content:
        return f"exit code {content['return_code']}"
    return "done"


# --- reply ----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Rebuilt:
    """What a reply turns into, whichever host or framing carried it."""

    reply: Reply
    model: str | None = None
    response_id: str | None = None
    usage: Usage | None = None
    reported_cost: Decimal | None = None


def rebuild_message(message: Any, notes: tuple[str, ...] = (),
                    error: ApiError | None = None) -> Rebuilt:
    """A complete Messages reply (`"type": "message"`), or a legacy `completion` reply."""
    if not isinstance(message, dict):
        return Rebuilt(Reply(error=error, finish_reason="error" if error else None,
                             notes=(*notes, "reply body is not a JSON object")))
    text: list[str] = []
    reasoning: list[str] = []
    calls: list[ToolCall] = []
    server: list[str] = []
    server_calls: dict[str, int] = {}  # server tool call id -> its note in `server`
    for block in items(message.get("content")):
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "text":
            # Citations split one answer into many text blocks: join without separators (4.2).
            text.append(str(block.get("text") or ""))
        elif kind == "thinking":
            reasoning.append(str(block.get("thinking") or ""))
        elif kind == "redacted_thinking":
            server.append("redacted thinking block (encrypted)")
        elif kind == "tool_use":
            calls.append(ToolCall(str(block.get("name") or ""), block.get("input"),
                                  block.get("id")))
        elif str(block.get("tool_use_id")) in server_calls:  # a result joins its call's note
            server[server_calls[str(block["tool_use_id"])]] += f" → {_result_summary(block)}"
        else:
            if kind in _TOOL_USE_BLOCKS and block.get("id"):
                server_calls[str(block["id"])] = len(server)
            server.append(_server_summary(block))
    if isinstance(message.get("completion"), str):  # legacy text completions
        text.append(message["completion"])
    stop = message.get("stop_reason")
    refusal = None
    if stop == "refusal":  # stop_details: {type: refusal, category, explanation}
        refusal = dig(message, "stop_details", "explanation") or \
            dig(message, "stop_details", "category")
    finish = "error" if error and not stop else normalize_finish(stop, bool(calls))
    reply = Reply(
        text="".join(text),
        reasoning="\n\n".join(r for r in reasoning if r),  # separate thoughts, not fragments
        tool_calls=tuple(calls),
        refusal=str(refusal) if refusal else None,
        finish_reason=finish,
        native_finish_reason=stop,
        error=error,
        notes=(*server, *notes),
    )
    model = message.get("model")
    response_id = message.get("id")
    return Rebuilt(reply, str(model) if model else None,
                   str(response_id) if response_id else None, usage_of(message.get("usage")),
                   _reported_cost(message.get("usage")))


def _reported_cost(usage: Any) -> Decimal | None:
    # Pydantic AI Gateway adds its price to the reply's usage.
    cost = dig(usage, "pydantic_ai_gateway", "cost_estimate")
    if not isinstance(cost, (int, float)) or isinstance(cost, bool):
        return None
    try:
        return Decimal(str(cost))
    except InvalidOperation:
        return None


def rebuild_stream(events: Iterable[Any], error: ApiError | None = None) -> Rebuilt:
    """Reassemble decoded stream events (SSE data or Bedrock chunks) per wire-formats.md 4.4.
    Items that are not JSON objects count as unreadable events; `error` is one the framing
    reported (a Bedrock exception frame)."""
    stream = _Stream()
    stream.error = error
    for event in events:
        stream.add(event)
    return stream.finish()


class _Stream:
    __slots__ = ("message", "blocks", "json", "usage", "error", "stopped", "bad", "legacy")

    def __init__(self) -> None:
        self.message: dict[str, Any] = {}
        self.blocks: dict[int, dict[str, Any]] = {}
        self.json: dict[int, str] = {}
        self.usage: dict[str, Any] = {}
        self.error: ApiError | None = None
        self.stopped = False
        self.bad = 0
        self.legacy: list[str] = []

    def add(self, event: Any) -> None:
        if not isinstance(event, dict):
            self.bad += 1
            return
        kind = event.get("type")
        index = as_int(event.get("index")) or 0
        if kind == "message_start" and isinstance(event.get("message"), dict):
            self.message = dict(event["message"])
            self.usage = dict(self.message.get("usage") or {})
        elif kind == "content_block_start" and isinstance(event.get("content_block"), dict):
            block = self.blocks[index] = dict(event["content_block"])
            if block.get("type") in _TOOL_USE_BLOCKS:
                self.json[index] = ""
        elif kind == "content_block_delta" and isinstance(event.get("delta"), dict):
            self._delta(index, event["delta"])
        elif kind == "content_block_stop":
            self._close(index)
        elif kind == "message_delta":
            delta = mapping(event.get("delta"))
            self.message.update({k: v for k, v in delta.items() if v is not None})
            # Field-wise merge: each key replaces the message_start value, never adds (4.4).
            usage = mapping(event.get("usage"))
            self.usage.update({k: v for k, v in usage.items() if v is not None})
        elif kind == "message_stop":
            self.stopped = True
        elif kind == "error":
            self.error = stream_error(event) or ApiError("error in stream")
        elif kind == "completion":  # legacy `/v1/complete` stream
            self.legacy.append(str(event.get("completion") or ""))
            self.message["model"] = event.get("model") or self.message.get("model")
            if event.get("stop_reason"):
                self.message["stop_reason"] = event["stop_reason"]
                self.stopped = True
        # `ping` and unknown event types carry nothing to keep.

    def _delta(self, index: int, delta: dict[str, Any]) -> None:
        kind = delta.get("type")
        block = self.blocks.setdefault(index, {"type": "thinking" if kind in (
            "thinking_delta", "signature_delta") else "text"})
        if kind == "text_delta":
            block["text"] = str(block.get("text") or "") + str(delta.get("text") or "")
        elif kind == "thinking_delta":
            block["thinking"] = str(block.get("thinking") or "") + str(delta.get("thinking") or "")
        elif kind == "signature_delta":
            block["signature"] = str(block.get("signature") or "") + str(
                delta.get("signature") or "")
        elif kind == "input_json_delta":
            self.json[index] = self.json.get(index, "") + str(delta.get("partial_json") or "")
        elif kind == "citations_delta":
            block.setdefault("citations", []).append(delta.get("citation"))

    def _close(self, index: int) -> None:
        raw = self.json.pop(index, "")
        if raw.strip() and index in self.blocks:
            self.blocks[index]["input"] = parse_arguments(raw)

    def finish(self) -> Rebuilt:
        for index in list(self.json):
            self._close(index)  # a truncated stream: parse what arrived
        message = dict(self.message)
        message["content"] = [self.blocks[i] for i in sorted(self.blocks)]
        message["usage"] = self.usage or None
        if self.legacy:
            message["completion"] = "".join(self.legacy)
        notes = []
        if not self.stopped and self.error is None:
            notes.append("stream ended before message_stop")
        if self.bad:
            notes.append(f"{self.bad} stream event(s) were not JSON")
        for block in message["content"]:
            if block.get("type") == "tool_use" and isinstance(block.get("input"), str):
                notes.append(f"arguments of tool call {block.get('name')} are not valid JSON")
        return rebuild_message(message, tuple(notes), self.error)


def usage_of(usage: Any) -> Usage | None:
    """Anthropic usage in our convention: `input_tokens` excludes cache reads and writes on
    the wire, so they are added back (wire-formats.md 4.5)."""
    if not isinstance(usage, dict):
        return None
    uncached = as_int(usage.get("input_tokens"))
    cache_read = as_int(usage.get("cache_read_input_tokens"))
    cache_write = as_int(usage.get("cache_creation_input_tokens"))
    if cache_write is None and isinstance(usage.get("cache_creation"), dict):
        cache_write = sum(as_int(v) or 0 for v in usage["cache_creation"].values())
    total = None
    if uncached is not None:
        total = uncached + (cache_read or 0) + (cache_write or 0)
    # Newer replies split out thinking tokens (output_tokens already includes them).
    reasoning = as_int(dig(usage, "output_tokens_details", "thinking_tokens"))
    return Usage(total, as_int(usage.get("output_tokens")), cache_read, cache_write, reasoning)


def _rebuild_response(response: Response, streamed: bool) -> Rebuilt:
    if response.status is not None and response.status >= 400:
        return Rebuilt(Reply(error=error_from(response, body_json(response.body)),
                             finish_reason="error"))
    text = response.body.data.decode("utf-8", errors="replace") if response.body.data else ""
    if streamed and response.body.parsed is None and looks_like_sse(text):
        return rebuild_stream(try_json(event.data) for event in iter_sse(text))
    return rebuild_message(body_json(response.body))


def read(interaction: Interaction, request_body: Any, streamed: bool) -> Exchange:
    url = interaction.request.url
    asked = request_model(url, request_body)
    response = interaction.response
    rebuilt = _rebuild_response(response, streamed) if response is not None else Rebuilt(Reply())
    return Exchange(
        api=API,
        provider=provider_of(url),
        model=rebuilt.model or asked,
        request_model=asked,
        streamed=streamed,
        prompt=prompt_of(request_body),
        reply=rebuilt.reply,
        usage=rebuilt.usage,
        reported_cost=rebuilt.reported_cost,
        response_id=rebuilt.response_id,
    )
