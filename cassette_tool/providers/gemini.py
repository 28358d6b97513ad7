"""Google Gemini `generateContent` / `streamGenerateContent`, on AI Studio
(`generativelanguage.googleapis.com`) and on Vertex AI (`…/publishers/google/models/…`).

Reads the three reply encodings (one JSON object, SSE with `alt=sse`, and the JSON-array
stream without it) into the same chunk list and reduces it (wire-formats.md 5.2–5.5).
Other methods on the same hosts (`:embedContent`, `:countTokens`, uploads, caches) are not
generation calls and are left to show as plain HTTP exchanges.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any
from urllib.parse import unquote

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
from ..source import blank, dump_json, try_json
from ..sse import iter_sse, looks_like_sse
from .common import (
    as_int,
    body_json,
    error_from,
    media_from_base64,
    normalize_finish,
    parse_arguments,
    provider_of,
    stream_error,
)

API = "gemini"

_METHOD = re.compile(r"/([^/]+):(generateContent|streamGenerateContent)$")
# Old clients sent function responses under role "function".
_ROLES = {"model": "assistant", "function": "tool"}
_GENERATION_PARAMS = ("temperature", "maxOutputTokens", "topP", "topK", "candidateCount",
                      "stopSequences", "seed", "presencePenalty", "frequencyPenalty",
                      "responseMimeType", "responseModalities", "thinkingConfig")
# Vertex answers `$alt=json;enum-encoding=int` requests with enum numbers (wire-formats.md 5.2):
# google.cloud.aiplatform Candidate.FinishReason and PromptFeedback.BlockedReason.
_FINISH_NUMBERS = ("FINISH_REASON_UNSPECIFIED", "STOP", "MAX_TOKENS", "SAFETY", "RECITATION",
                   "OTHER", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "MALFORMED_FUNCTION_CALL")
_BLOCK_NUMBERS = ("BLOCKED_REASON_UNSPECIFIED", "SAFETY", "OTHER", "BLOCKLIST",
                  "PROHIBITED_CONTENT")


def matches(url: str, body: Any) -> bool:
    path = url.split("?", 1)[0].rstrip("/")
    # Claude on Vertex shares the host and path shape; the anthropic module reads it.
    return _METHOD.search(path) is not None and "/publishers/anthropic/" not in path


def model_of(url: str) -> str | None:
    found = _METHOD.search(url.split("?", 1)[0].rstrip("/"))
    return unquote(found.group(1)) if found else None


def _get(data: Any, camel: str) -> Any:
    """A field by its JSON name or its proto name: the REST API accepts both
    (`functionCall` / `function_call`), and clients such as llm-gemini send the latter."""
    if not isinstance(data, dict):
        return None
    if camel in data:
        return data[camel]
    return data.get(re.sub(r"[A-Z]", lambda m: "_" + m.group(0).lower(), camel))


def _items(value: Any) -> list[Any]:
    """A repeated field that a lenient client may also send as a single object."""
    if isinstance(value, list):
        return value
    return [value] if value is not None else []


# --- prompt ---------------------------------------------------------------------------------

def prompt_of(body: Any) -> Prompt:
    if not isinstance(body, dict):
        return Prompt()
    messages: list[Message] = []
    system = _get(body, "systemInstruction")
    if isinstance(system, str):
        messages.append(Message("system", (TextPart(system),)))
    elif isinstance(system, dict):
        messages.append(Message("system", _parts(_get(system, "parts"))))
    for content in _items(body.get("contents")):
        if isinstance(content, dict):
            role = str(content.get("role") or "user")
            messages.append(Message(_ROLES.get(role, role), _parts(_get(content, "parts"))))
    tools = tuple(tool for entry in _items(body.get("tools")) for tool in _tools(entry))
    return Prompt(tuple(messages), tools, _params(body))


def _params(body: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    config = _get(body, "generationConfig")
    params = [(name, _get(config, name)) for name in _GENERATION_PARAMS]
    params += [(name, _get(body, name)) for name in ("toolConfig", "cachedContent")]
    return tuple((name, value) for name, value in params if value is not None)


def _tools(entry: Any) -> list[Tool]:
    if not isinstance(entry, dict):
        return []
    tools: list[Tool] = []
    for key, value in entry.items():
        if key in ("functionDeclarations", "function_declarations"):
            tools.extend(Tool(str(_get(d, "name") or ""), _get(d, "description"),
                              _get(d, "parameters") or _get(d, "parametersJsonSchema"))
                         for d in _items(value) if isinstance(d, dict))
        else:
            tools.append(Tool(key))  # built-in tools: googleSearch, codeExecution, urlContext…
    return tools


def _parts(parts: Any) -> tuple[Part, ...]:
    result: list[Part] = []
    for part in _items(parts):
        if isinstance(part, str):
            result.append(TextPart(part))
        elif isinstance(part, dict):
            result.extend(_part(part))
    return tuple(result)


def _part(part: dict[str, Any]) -> list[Part]:
    if isinstance(part.get("text"), str):
        if part.get("thought") is True:
            return [ReasoningPart(part["text"])]
        return [TextPart(part["text"])] if part["text"] else []
    call = _get(part, "functionCall")
    if isinstance(call, dict):
        return [ToolCall(str(call.get("name") or ""), parse_arguments(call.get("args") or {}),
                         call.get("id"))]
    response = _get(part, "functionResponse")
    if isinstance(response, dict):
        # Gemini 3 multimodal function responses carry media beside the JSON response.
        return [ToolResult(dump_json(response.get("response")), response.get("id"),
                           response.get("name")), *_parts(response.get("parts"))]
    inline = _get(part, "inlineData")
    if isinstance(inline, dict):
        return [media_from_base64(inline.get("data"), _get(inline, "mimeType"))]
    file = _get(part, "fileData")
    if isinstance(file, dict):
        media = media_from_base64(None, _get(file, "mimeType"))
        return [replace(media, url=_get(file, "fileUri"))]
    server = _server_side_text(part)
    if server is not None:
        return [TextPart(server)]
    known = [key for key in part if key not in ("thoughtSignature", "thought_signature")]
    return [TextPart(f"[{known[0]} part]")] if known else []


def _server_side_text(part: dict[str, Any]) -> str | None:
    """What the server ran itself (code execution, Gemini 3 `toolCall` / `toolResponse` for
    built-in tools) as text: these are not calls the client must answer."""
    code = _get(part, "executableCode")
    if isinstance(code, dict):
        language = str(code.get("language") or "").lower().replace("language_unspecified", "")
        return f"```{language}\n{code.get('code') or ''}\n```\n"
    result = _get(part, "codeExecutionResult")
    if isinstance(result, dict):
        return f"```\n{result.get('output') or ''}\n```\n"
    call = _get(part, "toolCall")
    if isinstance(call, dict):
        return f"[{_get(call, 'toolType') or 'server tool'} {dump_json(call.get('args') or {})}]\n"
    response = _get(part, "toolResponse")
    if isinstance(response, dict):  # search suggestions HTML and the like: too long to show
        return f"[{_get(response, 'toolType') or 'server tool'} result]\n"
    return None


# --- reply ----------------------------------------------------------------------------------

class _Candidate:
    __slots__ = ("text", "reasoning", "calls", "finish", "finish_message")

    def __init__(self) -> None:
        self.text: list[str] = []
        self.reasoning: list[str] = []
        self.calls: list[ToolCall] = []
        self.finish: str | None = None
        self.finish_message: str | None = None

    def add(self, candidate: dict[str, Any]) -> None:
        for part in _items(_get(candidate.get("content"), "parts")):
            if not isinstance(part, dict):
                continue
            call = _get(part, "functionCall")
            if isinstance(call, dict):
                # A function call arrives whole in one part; ids exist from Gemini 3 on only.
                self.calls.append(ToolCall(str(call.get("name") or ""),
                                           parse_arguments(call.get("args") or {}),
                                           call.get("id") or f"call_{len(self.calls) + 1}"))
            elif isinstance(part.get("text"), str):
                (self.reasoning if part.get("thought") is True else self.text).append(part["text"])
            else:
                self.text.extend(_placeholder(p) for p in _part(part))
        finish = _enum(_get(candidate, "finishReason"), _FINISH_NUMBERS)
        if finish:
            self.finish = finish
        if _get(candidate, "finishMessage"):
            self.finish_message = str(_get(candidate, "finishMessage"))

    def reply(self) -> Reply:
        calls = tuple(self.calls)
        # After STOP it only says "Model generated function call(s)."; after
        # MALFORMED_FUNCTION_CALL and the like it holds the why (and the bad call's text).
        notes = (self.finish_message,) if self.finish_message and self.finish != "STOP" else ()
        return Reply(text="".join(self.text), reasoning="".join(self.reasoning), tool_calls=calls,
                     finish_reason=normalize_finish(self.finish, bool(calls)),
                     native_finish_reason=self.finish, notes=notes)


def _placeholder(part: Part) -> str:
    """Reply parts that are neither text nor calls (generated images, code runs) as text."""
    if isinstance(part, TextPart):
        return part.text
    if isinstance(part, MediaPart):
        size = f", {part.size} bytes" if part.size is not None else ""
        return f"[{part.kind} {part.media_type or part.url or ''}{size}]"
    return ""


def _enum(value: Any, names: tuple[str, ...]) -> str | None:
    number = as_int(value)
    if number is not None:
        return names[number] if 0 <= number < len(names) else str(number)
    return str(value) if value else None


class _Stream:
    """The state reduced from a list of GenerateContentResponse chunks (wire-formats.md 5.5)."""

    def __init__(self) -> None:
        self.candidates: dict[int, _Candidate] = {}
        self.usage: dict[str, Any] = {}
        self.model: str | None = None
        self.response_id: str | None = None
        self.block: str | None = None
        self.block_message: str | None = None
        self.error: ApiError | None = None

    def add(self, chunk: Any) -> None:
        if isinstance(chunk, list):  # Vertex may wrap an error envelope in an array
            for item in chunk:
                self.add(item)
            return
        if not isinstance(chunk, dict):
            return
        self.error = stream_error(chunk) or self.error
        self.model = self.model or _get(chunk, "modelVersion") or None
        self.response_id = self.response_id or _get(chunk, "responseId") or None
        usage = _get(chunk, "usageMetadata")
        if isinstance(usage, dict):
            # Cumulative, and partial on Vertex's early chunks: replace field-wise, never add.
            self.usage.update(usage)
        feedback = _get(chunk, "promptFeedback")
        block = _enum(_get(feedback, "blockReason"), _BLOCK_NUMBERS)
        if block:
            self.block, self.block_message = block, _get(feedback, "blockReasonMessage")
        for candidate in _items(chunk.get("candidates")):
            if isinstance(candidate, dict):
                state = self.candidates.setdefault(as_int(candidate.get("index")) or 0,
                                                   _Candidate())
                state.add(candidate)

    @property
    def finished(self) -> bool:
        return bool(self.error or self.block or any(c.finish for c in self.candidates.values()))

    def reply(self) -> Reply:
        first = self.candidates.get(0) or (self.candidates[min(self.candidates)]
                                           if self.candidates else _Candidate())
        reply = first.reply()
        notes = list(reply.notes)
        if len(self.candidates) > 1:
            notes.append(f"{len(self.candidates)} candidates; showing candidate 0")
        if self.block:
            # A blocked prompt has no candidates at all; it is a filter, not an error.
            notes.append(f"prompt blocked: {self.block}"
                         + (f" ({self.block_message})" if self.block_message else ""))
            reply = replace(reply, finish_reason="content_filter",
                            native_finish_reason=self.block)
        if self.error:
            reply = replace(reply, error=self.error, finish_reason="error")
        return replace(reply, notes=tuple(notes))


def _json_array(text: str) -> tuple[list[Any], str | None]:
    """The elements of a JSON-array stream, read one at a time so a recording cut off
    mid-array still yields its complete elements (wire-formats.md 5.4)."""
    decoder = json.JSONDecoder()
    items: list[Any] = []
    position = 0
    opened = False
    while True:
        while position < len(text) and (text[position].isspace() or text[position] == ","):
            position += 1
        if position >= len(text):
            return items, "JSON-array stream ended without its closing ]"
        if text[position] == "[" and not opened:
            opened, position = True, position + 1
            continue
        if text[position] == "]":
            return items, None
        try:
            item, position = decoder.raw_decode(text, position)
        except ValueError:
            return items, f"JSON-array stream cut off after {len(items)} element(s)"
        items.append(item)


def _chunks(response: Response) -> tuple[list[Any], list[str], bool]:
    """Chunks of the reply, notes on what could not be read, and whether it was a stream."""
    parsed = response.body.parsed
    if parsed is not None:
        return (parsed, [], True) if isinstance(parsed, list) else ([parsed], [], False)
    text = response.body.data.decode("utf-8", errors="replace")
    if response.content_type == "text/event-stream" or looks_like_sse(text):
        # CRLF line ends, no terminator: the last chunk carries finishReason (5.3).
        chunks = [try_json(e.data) for e in iter_sse(text) if e.data.strip()]
        bad = sum(1 for c in chunks if c is None)
        return chunks, [f"{bad} stream event(s) were not JSON"] if bad else [], True
    if text.lstrip().startswith("["):
        items, note = _json_array(text)
        return items, [note] if note else [], True
    data = body_json(response.body)
    if data is None:
        return [], ["empty response body" if blank(text) else "response body is not JSON"], False
    return [data], [], False


def _reply(interaction: Interaction) -> tuple[Reply, _Stream, bool]:
    response = interaction.response
    state = _Stream()
    if response is None:
        return Reply(), state, False
    streamed = ":streamGenerateContent" in interaction.request.url
    http_error = error_from(response, body_json(response.body))
    if http_error:
        return Reply(error=http_error, finish_reason="error"), state, streamed
    chunks, notes, was_stream = _chunks(response)
    for chunk in chunks:
        state.add(chunk)
    if was_stream and not state.finished:  # cut before the first chunk ended, too
        notes.append("stream ended before a finish reason")
    reply = state.reply()
    return replace(reply, notes=(*reply.notes, *notes)), state, streamed or was_stream


def read(interaction: Interaction, request_body: Any, streamed: bool) -> Exchange:
    url = interaction.request.url
    reply, state, was_stream = _reply(interaction)
    requested = model_of(url)
    return Exchange(
        api=API,
        provider=provider_of(url),
        model=state.model or requested,
        request_model=requested,
        # A complete JSON-array stream looks like a plain JSON reply to the generic check.
        streamed=streamed or was_stream,
        prompt=prompt_of(request_body),
        reply=reply,
        usage=_usage(state.usage),
        response_id=state.response_id,
    )


def _usage(usage: dict[str, Any]) -> Usage | None:
    # wire-formats.md 5.6: candidates exclude thoughts; tool-use prompt tokens are input;
    # a count absent from the latest usageMetadata means 0.
    counts = {key: as_int(_get(usage, key)) for key in (
        "promptTokenCount", "toolUsePromptTokenCount", "cachedContentTokenCount",
        "candidatesTokenCount", "thoughtsTokenCount")}
    if all(value is None for value in counts.values()):
        return None
    count = {key: value or 0 for key, value in counts.items()}
    return Usage(
        input_tokens=count["promptTokenCount"] + count["toolUsePromptTokenCount"],
        output_tokens=count["candidatesTokenCount"] + count["thoughtsTokenCount"],
        cache_read_tokens=count["cachedContentTokenCount"],
        reasoning_tokens=count["thoughtsTokenCount"],
    )
