"""Ollama's native API: `/api/chat` and `/api/generate` on any host (wire-formats.md section 7).

Owns the NDJSON stream (one JSON object per line, the `"done": true` object last, no
terminator), the single object of `"stream": false`, and both endpoints' request shapes.
Ollama's OpenAI-compatible `/v1/...` endpoints belong to openai_chat and openai_responses;
`/api/embed`, `/api/tags`, `/api/show`, `/api/pull` are not generation and are not matched.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..model import (
    ApiError,
    Exchange,
    Interaction,
    Message,
    Part,
    Prompt,
    ReasoningPart,
    Reply,
    TextPart,
    Tool,
    ToolCall,
    ToolResult,
    Usage,
)
from ..source import try_json
from .common import (
    as_int,
    error_from,
    items,
    mapping,
    media_from_base64,
    nonempty_str,
    normalize_finish,
    parse_arguments,
    pick_params,
    stream_error,
    text_content,
)

API = "ollama"
_PATHS = ("/api/chat", "/api/generate")
# Sampling settings live under `options`; a few clients (langchainrb) also send
# `temperature` at the top level, which Ollama ignores but the request still shows.
_OPTIONS = ("temperature", "num_predict", "top_p", "top_k", "num_ctx", "seed", "stop")
_TOP_PARAMS = ("think", "format", "keep_alive", "stream")
# Ollama takes images as bare base64 without a media type: sniff it from the first bytes.
_IMAGE_MAGIC = (("iVBORw0KGgo", "image/png"), ("/9j/", "image/jpeg"), ("R0lGOD", "image/gif"),
                ("UklGR", "image/webp"))


def matches(url: str, body: Any) -> bool:
    path = url.split("?", 1)[0].rstrip("/")
    return path.endswith(_PATHS)


# Odd input never raises: a field of the wrong JSON type reads as empty.
# --- prompt ---------------------------------------------------------------------------------

def prompt_of(body: Any) -> Prompt:
    if not isinstance(body, dict):
        return Prompt()
    if isinstance(body.get("messages"), list):
        messages = tuple(_message(m) for m in body["messages"] if isinstance(m, dict))
    else:
        messages = _generate_messages(body)
    tools = tuple(_tool(t) for t in items(body.get("tools")) if isinstance(t, dict))
    return Prompt(messages, tools, _params(body))


def _params(body: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    options = mapping(body.get("options"))
    merged = {name: options.get(name, body.get(name)) for name in _OPTIONS}
    return (*pick_params(merged, _OPTIONS), *pick_params(body, _TOP_PARAMS))


def _generate_messages(body: dict[str, Any]) -> tuple[Message, ...]:
    # /api/generate: a `system` string and one `prompt` (with top-level `images`).
    messages: list[Message] = []
    if isinstance(body.get("system"), str) and body["system"]:
        messages.append(Message("system", (TextPart(body["system"]),)))
    parts: list[Part] = []
    if isinstance(body.get("prompt"), str) and body["prompt"]:
        parts.append(TextPart(body["prompt"]))
    parts.extend(_images(body.get("images")))
    if parts:
        messages.append(Message("user", tuple(parts)))
    return tuple(messages)


def _message(message: dict[str, Any]) -> Message:
    role = str(message.get("role") or "user")
    if role == "tool":
        # Results name their tool with `tool_name` (older clients: `name`); newer
        # versions may carry `tool_call_id` too.
        name = message.get("tool_name") or message.get("name")
        return Message(role, (ToolResult(text_content(message.get("content")),
                                         nonempty_str(message.get("tool_call_id")),
                                         str(name) if name else None),))
    parts: list[Part] = []
    if isinstance(message.get("thinking"), str) and message["thinking"]:
        parts.append(ReasoningPart(message["thinking"]))
    text = text_content(message.get("content"))
    if text:
        parts.append(TextPart(text))
    parts.extend(_images(message.get("images")))
    parts.extend(_call(c) for c in items(message.get("tool_calls")) if isinstance(c, dict))
    return Message(role, tuple(parts))


def _images(images: Any) -> list[Part]:
    if not isinstance(images, list):
        return []
    return [media_from_base64(image, _image_type(image), "image") for image in images]


def _image_type(data: Any) -> str | None:
    if isinstance(data, str):
        for magic, media_type in _IMAGE_MAGIC:
            if data.startswith(magic):
                return media_type
    return None


def _call(call: dict[str, Any]) -> ToolCall:
    function = mapping(call.get("function"))
    # Arguments are a JSON object on this API, not a string: kept as data.
    return ToolCall(str(function.get("name") or ""), parse_arguments(function.get("arguments")),
                    nonempty_str(call.get("id")))


def _tool(tool: dict[str, Any]) -> Tool:
    function = mapping(tool.get("function")) or tool
    return Tool(str(function.get("name") or ""), function.get("description"),
                function.get("parameters"))


# --- reply ----------------------------------------------------------------------------------

def objects_of(data: bytes, parsed: Any) -> list[Any]:
    """The JSON objects of a reply: one for `"stream": false`, one per NDJSON line else;
    None stands for a line that is not JSON."""
    if isinstance(parsed, dict):
        return [parsed]
    text = data.decode("utf-8", errors="replace")
    return [try_json(line) for line in text.split("\n") if line.strip()]


def _reassemble(objects: list[Any]) -> tuple[Reply, dict[str, Any], str | None]:
    """The reply, the `done: true` object (usage, done_reason) and the model named."""
    text: list[str] = []
    reasoning: list[str] = []
    calls: dict[Any, ToolCall] = {}
    error: ApiError | None = None
    final: dict[str, Any] = {}
    model: str | None = None
    for obj in objects:
        if not isinstance(obj, dict):
            continue
        error = stream_error(obj) or error  # mid-stream `{"error": "..."}` line
        model = model or (obj.get("model") if isinstance(obj.get("model"), str) else None)
        message = mapping(obj.get("message")) or obj
        content = message.get("content") if "message" in obj else obj.get("response")
        if isinstance(content, str):
            text.append(content)
        if isinstance(message.get("thinking"), str):
            reasoning.append(message["thinking"])
        for raw in items(message.get("tool_calls")):
            if isinstance(raw, dict):
                _add_call(calls, raw)
        if obj.get("done") is True:
            final = obj
    tool_calls = tuple(calls.values())
    done_reason = final.get("done_reason")
    finish = "error" if error else normalize_finish(done_reason, bool(tool_calls))
    if final and finish is None:
        finish = "stop"  # older versions sent no done_reason
    reply = Reply(text="".join(text), reasoning="".join(reasoning), tool_calls=tool_calls,
                  finish_reason=finish, native_finish_reason=done_reason, error=error)
    return reply, final, model


def _add_call(calls: dict[Any, ToolCall], raw: dict[str, Any]) -> None:
    # Calls arrive whole. Newer versions add `id` and `function.index`: key by those so a
    # repeated call replaces itself; without them every call is a new one.
    function = mapping(raw.get("function"))
    key: Any = nonempty_str(raw.get("id"))
    if key is None:
        key = as_int(function.get("index"))
    if key is None:
        key = ("position", len(calls))
    calls[key] = _call(raw)


def _usage(final: dict[str, Any]) -> tuple[Usage | None, tuple[str, ...]]:
    prompt = as_int(final.get("prompt_eval_count"))
    output = as_int(final.get("eval_count"))
    if prompt is None and output is None:
        return None, ()
    # prompt_eval_count is left out when the whole prompt came from the KV cache.
    note = ("no prompt_eval_count: prompt served from the KV cache",) if prompt is None else ()
    return Usage(prompt, output), note


def read(interaction: Interaction, request_body: Any, streamed: bool) -> Exchange:
    response = interaction.response
    request_model = request_body.get("model") if isinstance(request_body, dict) else None
    final: dict[str, Any] = {}
    model: str | None = None
    if response is None:
        reply = Reply()
    else:
        objects = objects_of(response.body.data, response.body.parsed)
        http_error = error_from(response, objects[0] if len(objects) == 1 else None)
        if http_error:
            reply = Reply(error=http_error, finish_reason="error")
        else:
            reply, final, model = _reassemble(objects)
            reply = replace(reply, notes=_notes(objects, final, reply))
        # No content type and no explicit `"stream": true` (the default): the lines tell.
        streamed = streamed or len(objects) > 1
    usage, usage_note = _usage(final)
    if usage_note:
        reply = replace(reply, notes=(*reply.notes, *usage_note))
    return Exchange(
        api=API,
        provider="ollama",  # only Ollama serves this API, on whatever host
        model=model or request_model,
        request_model=request_model,
        streamed=streamed,
        prompt=prompt_of(request_body),
        reply=reply,
        usage=usage,
    )


def _notes(objects: list[Any], final: dict[str, Any], reply: Reply) -> tuple[str, ...]:
    notes: list[str] = []
    if not objects:
        notes.append("empty reply body")
    elif not final and reply.error is None:
        notes.append('stream ended without a "done": true line (truncated)')
    bad = sum(1 for obj in objects if obj is None)
    if bad:
        notes.append(f"{bad} line(s) were not JSON")
    return tuple(notes)
