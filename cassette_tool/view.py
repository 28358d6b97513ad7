"""The meaning of an interaction as plain, ordered data: what `diff` compares and what the
git text conversion prints.

Volatile noise is left out unless `strict`: response and tool-call ids, timestamps,
durations, headers (request ids, rate limits, dates), system fingerprints and how a stream
was chunked (the reply is compared after reassembly). Ids a server made up are also masked
where they show through: in URL paths (`/v1/files/file_…`), as file references in a prompt,
and where a client quoted a tool call's id in a message. The key order is the order in
which changes are reported: request, prompt, reply, usage, cost.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from .model import (
    Body,
    Exchange,
    Interaction,
    MediaPart,
    Message,
    Part,
    ReasoningPart,
    TextPart,
    ToolCall,
    ToolResult,
)
from .source import dump_json, plain_data, text_of, try_json
from .sse import iter_sse, looks_like_sse

# Request parameters that name a previous server-side state, not the question asked.
NOISY_PARAMS = frozenset({"previous_response_id", "user", "metadata", "prompt_cache_key",
                          "safety_identifier"})
# Keys of non-LLM JSON bodies and websocket frames that change on every recording: times,
# dates and durations (`createTime`, `expires_at`, `response_time`, `took`)…
_NOISY_KEY = re.compile(r"^(created|.*_at|.*At|.*Time|timestamp|ts|date|expires.*|expire.*|"
                        r"system_fingerprint|latency.*|.*_ms|.*Ms|.*_duration|duration|"
                        r"elapsed.*|took|rid|etag)$")
# … numbers at `*_time` keys (a timestamp or a duration, either way noise) …
_NOISY_NUMBER_KEY = re.compile(r"^(time|.*_time)$")
# … and identifiers, when they look made up: a model list's `id: gpt-4o` is its content.
_ID_KEY = re.compile(r"^(id|.*_id|.*Id|.*ID)$")
# What a server-made id looks like: a run of 8+ letters and digits that mixes both
# (`file_011CYiV4nBS5`, `resp_68a1…`), or a UUID. Model names have no such run.
_GENERATED_RUN = re.compile(r"[A-Za-z0-9]*(?:[A-Za-z][0-9]|[0-9][A-Za-z])[A-Za-z0-9]*")
_UUID = re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
ID_MASK = "<id>"
# Usage counts that a provider may leave out or report as zero: the same to a reader.
_ZERO_OR_NONE = ("cache_read_tokens", "cache_write_tokens", "reasoning_tokens")


def interaction_view(interaction: Interaction, *, strict: bool = False) -> dict[str, Any]:
    request, response, exchange = interaction.request, interaction.response, interaction.exchange
    view: dict[str, Any] = {"request": {"method": request.method,
                                        "url": request.url if strict else _url(request.url)}}
    if exchange is not None:
        view.update(_exchange_view(exchange, strict))
    if response is not None:
        view["status"] = response.status
    if exchange is None and not interaction.websocket:
        view["request"]["body"] = body_view(request.body, strict)
        if response is not None:
            view["response_body"] = body_view(response.body, strict)
    if interaction.websocket:
        frames = [{"direction": m.direction, "data": _scrub(m.data, strict)}
                  for m in interaction.websocket]
        # An error that names an item ("transcription failed for item 'item_…'") quotes an id.
        view["websocket"] = frames if strict else _mask_quoted_ids(
            frames, _frame_ids([m.data for m in interaction.websocket]))
    if strict:
        view["strict"] = _strict_extras(interaction)
    return view


def _url(url: str) -> str:
    """Host and path: query strings carry API versions and keys more than meaning; path
    segments that are server-made ids (`/v1/responses/resp_…`) are masked."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    path = parts.path if parts.netloc else url.split("?", 1)[0].split("#", 1)[0]
    path = "/".join(ID_MASK if looks_generated(segment) else segment
                    for segment in path.split("/"))
    return f"{parts.netloc}{path}"


def looks_generated(value: str) -> bool:
    """An identifier a server made up, as a whole value (`file-abc123XYZ789`), not a name
    (`gpt-4o-2024-08-06`) nor an encoded path (`arn%3Aaws…`)."""
    if not 8 <= len(value) <= 200 or any(c in value for c in " .:%/@+="):
        return False
    if _UUID.fullmatch(value):
        return True
    return any(len(run) >= 8 for run in _GENERATED_RUN.findall(value))


def _exchange_view(exchange: Exchange, strict: bool) -> dict[str, Any]:
    reply = exchange.reply
    prompt = exchange.prompt
    params = {k: plain_data(v) for k, v in prompt.params if strict or k not in NOISY_PARAMS}
    view: dict[str, Any] = {
        "api": exchange.api,
        "model": exchange.model,
        "request_model": exchange.request_model,
        "streamed": exchange.streamed,
        "prompt": {
            "messages": [message_view(m, strict) for m in prompt.messages],
            # An empty description is no description (clients differ in which they send).
            "tools": [{"name": t.name,
                       "description": t.description if strict else t.description or None,
                       "parameters": plain_data(t.parameters)} for t in prompt.tools],
            "params": params,
        },
        "reply": {
            "text": reply.text,
            "reasoning": reply.reasoning,
            "tool_calls": [_call_view(c, strict) for c in reply.tool_calls],
            "refusal": reply.refusal,
            "finish_reason": reply.finish_reason,
            "error": None if reply.error is None else {"message": reply.error.message,
                                                        "type": reply.error.type},
        },
        "usage": None if exchange.usage is None else _usage_view(exchange, strict),
        "cost": None if exchange.cost is None else {
            "usd": exchange.cost.usd, "source": exchange.cost.source},
    }
    return view if strict else _mask_quoted_ids(view, _call_ids(exchange))


def _usage_view(exchange: Exchange, strict: bool) -> dict[str, int | None]:
    assert exchange.usage is not None
    usage = exchange.usage
    view = {"input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens,
            "cache_read_tokens": usage.cache_read_tokens,
            "cache_write_tokens": usage.cache_write_tokens,
            "reasoning_tokens": usage.reasoning_tokens}
    if not strict:  # a provider that starts reporting `cache_read_tokens: 0` changed nothing
        view.update({k: view[k] or 0 for k in _ZERO_OR_NONE})
    return view


def _call_ids(exchange: Exchange) -> list[str]:
    """The tool-call ids of an exchange that are made up (some APIs use the tool's name)."""
    ids = [c.id for c in exchange.reply.tool_calls if c.id]
    for message in exchange.prompt.messages:
        for part in message.parts:
            if isinstance(part, ToolCall) and part.id:
                ids.append(part.id)
            elif isinstance(part, ToolResult) and part.tool_call_id:
                ids.append(part.tool_call_id)
    return sorted({i for i in ids if isinstance(i, str) and looks_generated(i)}, key=len,
                  reverse=True)


def _frame_ids(value: Any) -> list[str]:
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, item in node.items():
                if isinstance(item, str) and _ID_KEY.match(str(key)) and looks_generated(item):
                    found.add(item)
                walk(item)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(value)
    return sorted(found, key=len, reverse=True)


def _mask_quoted_ids(value: Any, ids: list[str]) -> Any:
    """A client that writes a tool call's id into a message ("attachments from tool call
    call_…") changes that text on every recording: the id is masked there too."""
    if not ids:
        return value
    if isinstance(value, dict):
        return {k: _mask_quoted_ids(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_quoted_ids(v, ids) for v in value]
    if isinstance(value, str) and any(i in value for i in ids):
        return re.sub("|".join(map(re.escape, ids)), ID_MASK, value)
    return value


def message_view(message: Message, strict: bool = False) -> dict[str, Any]:
    return {"role": message.role, "content": [_part_view(p, strict) for p in message.parts]}


def _part_view(part: Part, strict: bool) -> dict[str, Any]:
    if isinstance(part, TextPart):
        return {"text": part.text}
    if isinstance(part, ReasoningPart):
        return {"reasoning": part.text}
    if isinstance(part, ToolCall):
        return {"tool_call": _call_view(part, strict)}
    if isinstance(part, ToolResult):
        result: dict[str, Any] = {"content": _maybe_json(part.content)}
        if part.name:
            result["name"] = part.name
        if part.is_error:
            result["is_error"] = True
        if strict:
            result["tool_call_id"] = part.tool_call_id
        return {"tool_result": result}
    assert isinstance(part, MediaPart)
    # A file uploaded beforehand is named by the id the upload got: new on every recording.
    url = ID_MASK if part.url and not strict and looks_generated(part.url) else part.url
    return {part.kind: {"media_type": part.media_type, "size": part.size, "url": url}}


def _call_view(call: ToolCall, strict: bool) -> dict[str, Any]:
    view = {"name": call.name, "arguments": plain_data(call.arguments)}
    if strict:
        view["id"] = call.id
    return view


def _maybe_json(text: str) -> Any:
    """A tool result's JSON compared as data, so key order and spacing are no change."""
    parsed = try_json(text) if text[:1] in ("{", "[") else None
    return plain_data(parsed) if parsed is not None else text


def body_view(body: Body, strict: bool) -> Any:
    if body.parsed is not None:
        return _scrub(body.parsed, strict)
    if not body.data:
        return None
    parsed = try_json(body.data)
    if parsed is not None:
        return _scrub(parsed, strict)
    text = text_of(body.data)
    if text is not None and not strict:
        if looks_like_sse(text):
            return _events_view(text)
        lines = [try_json(line) if line.startswith("{") else None
                 for line in text.splitlines() if line.strip()]
        if len(lines) > 1 and all(isinstance(line, dict) for line in lines):
            return _scrub(lines, strict)  # JSON lines: a batch's results, say
    return text if text is not None else {"binary_bytes": len(body.data)}


def _events_view(text: str) -> str:
    """A stream of an API we cannot reassemble: one line per event with its noise left out,
    so a change shows as a line diff (its chunking still shows: nothing says which field
    holds the text)."""
    lines = []
    for event in iter_sse(text):
        parsed = try_json(event.data) if event.data[:1] in ("{", "[") else None
        data = dump_json(_scrub(parsed, False)) if parsed is not None else event.data
        lines.append(f"{event.event}: {data}" if event.event else data)
    return "\n".join(lines)


def _scrub(value: Any, strict: bool) -> Any:
    if strict:
        return plain_data(value)
    if isinstance(value, dict):
        return {str(k): _scrub(v, strict) for k, v in value.items() if not _noisy(str(k), v)}
    if isinstance(value, list):
        return [_scrub(v, strict) for v in value]
    if isinstance(value, str) and value.startswith(("https://", "http://")):
        return _mask_url(value)
    return plain_data(value)


def _noisy(key: str, value: Any) -> bool:
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if _ID_KEY.match(key):
        return looks_generated(value) if isinstance(value, str) else number
    if _NOISY_NUMBER_KEY.match(key):
        return number
    return _NOISY_KEY.match(key) is not None


def _mask_url(url: str) -> str:
    """A URL inside a body (`results_url`), its server-made ids masked."""
    head, sep, query = url.partition("?")
    scheme, _, rest = head.partition("://")
    masked = "/".join(ID_MASK if looks_generated(s) else s for s in rest.split("/"))
    return f"{scheme}://{masked}{sep}{query}"


def _strict_extras(interaction: Interaction) -> dict[str, Any]:
    response, exchange = interaction.response, interaction.exchange
    return {
        "request_headers": [list(h) for h in interaction.request.headers],
        "response_headers": [list(h) for h in response.headers] if response else None,
        "duration_ms": response.duration_ms if response else None,
        "response_id": exchange.response_id if exchange else None,
        "native_finish_reason": exchange.reply.native_finish_reason if exchange else None,
        "notes": list(exchange.reply.notes) if exchange else None,
        # The bodies as recorded: chunk boundaries, `created`, fingerprints and the like.
        "request_body": body_view(interaction.request.body, True) if exchange else None,
        "response_body": body_view(response.body, True) if exchange and response else None,
    }
