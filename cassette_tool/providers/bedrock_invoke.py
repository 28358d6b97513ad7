"""AWS Bedrock InvokeModel and InvokeModelWithResponseStream (`/model/{id}/invoke…`).

The body is the model family's native request and reply. Claude's is the Anthropic Messages
shape, read by `anthropic`; other families (Meta Llama, Amazon Titan and Nova, Mistral,
Cohere…) get a generic reading: their text fields, stop reason and token counts. Streams are
AWS event-stream frames whose `chunk` payloads wrap one native event in base64. See
wire-formats.md sections 6.1, 6.2 and 6.4. Converse belongs to `bedrock_converse`.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import replace
from typing import Any
from urllib.parse import unquote

from ..eventstream import Frame, decode, looks_like_eventstream
from ..model import (
    ApiError,
    Exchange,
    Interaction,
    Message,
    Part,
    Prompt,
    Reply,
    Response,
    TextPart,
    Tool,
    ToolCall,
    ToolResult,
    Usage,
)
from ..source import try_json
from . import anthropic
from .common import (
    as_int,
    body_json,
    dig,
    error_from,
    items,
    normalize_finish,
    parse_arguments,
    pick_params,
)

API = "bedrock-invoke"
PROVIDER = "bedrock"
PARAMS = ("max_tokens", "max_gen_len", "max_new_tokens", "maxTokens", "maxTokenCount",
          "temperature", "top_p", "topP", "p", "top_k", "topK", "k", "stop", "stop_sequences",
          "stopSequences", "stream")

_PATH = re.compile(r"/model/([^/]+)/(invoke|invoke-with-response-stream)$")
# Embedding and image models share the invoke URL but hold no conversation to show.
_NOT_CHAT = re.compile(r"embed|image-generator|canvas|reel|stability\.", re.I)
# Anthropic stream event types: a stream made of these is Claude's (wire-formats.md 6.2).
_CLAUDE_EVENTS = ("message_start", "content_block_start", "content_block_delta",
                  "message_delta", "message_stop", "completion")
_METRICS = "amazon-bedrock-invocationMetrics"


def model_id(url: str) -> str | None:
    """The URL's model id, URL-decoded: a model, an inference profile or a full ARN."""
    found = _PATH.search(anthropic.url_path(url))
    return unquote(found.group(1)) if found else None


def matches(url: str, body: Any) -> bool:
    model = model_id(url)
    return model is not None and not _NOT_CHAT.search(model)


# --- prompt ---------------------------------------------------------------------------------

def prompt_of(body: Any) -> Prompt:
    if not isinstance(body, dict):
        return Prompt()
    if "anthropic_version" in body or "max_tokens_to_sample" in body:
        return anthropic.prompt_of(body)
    params = pick_params(body, PARAMS)
    for nested in ("textGenerationConfig", "inferenceConfig"):  # Titan, Nova
        params += pick_params(body.get(nested), PARAMS)
    messages: list[Message] = []
    system = body.get("system")
    if isinstance(system, str) and system:
        messages.append(Message("system", (TextPart(system),)))
    elif isinstance(system, list):
        messages.append(Message("system", _nova_parts(system)))
    for message in items(body.get("messages")):
        if isinstance(message, dict):
            messages.append(Message(str(message.get("role") or "user"),
                                    _nova_parts(message.get("content"))))
    for key in ("prompt", "inputText", "message"):  # Llama, Mistral, Cohere; Titan; Cohere R
        if isinstance(body.get(key), str):
            messages.append(Message("user", (TextPart(body[key]),)))
    tools = tuple(_nova_tool(t) for t in items(dig(body, "toolConfig", "tools"))
                  if isinstance(t, dict))
    return Prompt(tuple(messages), tools, params)


def _nova_parts(content: Any) -> tuple[Part, ...]:
    """Nova's Converse-like content blocks: `{text}`, `{toolUse}`, `{toolResult}`, media."""
    if isinstance(content, str):
        return (TextPart(content),)
    parts: list[Part] = []
    for block in content if isinstance(content, list) else []:
        if not isinstance(block, dict):
            continue
        if isinstance(block.get("text"), str):
            parts.append(TextPart(block["text"]))
        elif isinstance(block.get("toolUse"), dict):
            use = block["toolUse"]
            parts.append(ToolCall(str(use.get("name") or ""), parse_arguments(use.get("input")),
                                  use.get("toolUseId")))
        elif isinstance(block.get("toolResult"), dict):
            result = block["toolResult"]
            text = "\n".join(str(c.get("text") if "text" in c else c.get("json"))
                             for c in items(result.get("content")) if isinstance(c, dict))
            parts.append(ToolResult(text, result.get("toolUseId"),
                                    is_error=result.get("status") == "error"))
        else:
            parts.append(TextPart(f"[{next(iter(block), 'unknown')} block]"))
    return tuple(parts)


def _nova_tool(tool: dict[str, Any]) -> Tool:
    spec: dict[str, Any] = tool["toolSpec"] if isinstance(tool.get("toolSpec"), dict) else tool
    return Tool(str(spec.get("name") or ""), spec.get("description"),
                dig(spec, "inputSchema", "json"))


# --- reply ----------------------------------------------------------------------------------

class _Generic:
    """Folds the native replies or stream chunks of non-Claude families into one reply."""

    __slots__ = ("text", "reasoning", "calls", "finish", "usage")

    def __init__(self) -> None:
        self.text: list[str] = []
        self.reasoning: list[str] = []
        self.calls: dict[int, dict[str, Any]] = {}
        self.finish: str | None = None
        self.usage: dict[str, int] = {}

    def add(self, data: dict[str, Any]) -> None:
        self._text_fields(data)
        self._nova(data)
        self._finish(data)
        # Token counts, native first; streamed Llama counts are cumulative: keep the last.
        self._count("input", data.get("prompt_token_count"), data.get("inputTextTokenCount"),
                    dig(data, "usage", "inputTokens"))
        self._count("output", data.get("generation_token_count"),
                    data.get("totalOutputTextTokenCount"), dig(data, "usage", "outputTokens"))
        self._count("cache_read", dig(data, "usage", "cacheReadInputTokenCount"),
                    dig(data, "usage", "cacheReadInputTokens"))
        self._count("cache_write", dig(data, "usage", "cacheWriteInputTokenCount"),
                    dig(data, "usage", "cacheWriteInputTokens"))

    def _text_fields(self, data: dict[str, Any]) -> None:
        for key in ("generation", "outputText", "text"):  # Llama; Titan; Cohere stream
            if isinstance(data.get(key), str):
                self.text.append(data[key])
        for key in ("results", "outputs", "generations"):  # Titan; Mistral; Cohere
            for item in items(data.get(key)):
                if isinstance(item, dict):
                    self.text.append(str(item.get("outputText") or item.get("text") or ""))
                    self._finish(item)
                    self._count("output", item.get("tokenCount"))
        for choice in items(data.get("choices")):  # Mistral Large, AI21 Jamba: OpenAI-like
            if isinstance(choice, dict):
                message = choice.get("message") or choice.get("delta") or {}
                self.text.append(str(message.get("content") or "")
                                 if isinstance(message, dict) else "")
                self._finish(choice)

    def _nova(self, data: dict[str, Any]) -> None:
        # Nova answers in Converse-like objects: whole (`output.message`) or as stream events
        # (`contentBlockDelta`, `messageStop`, `metadata`) (wire-formats.md 6.3).
        for index, block in enumerate(items(dig(data, "output", "message", "content"))):
            if isinstance(block, dict):
                self._nova_block(index, block)
        start = data.get("contentBlockStart")
        if isinstance(start, dict) and isinstance(dig(start, "start", "toolUse"), dict):
            use = start["start"]["toolUse"]
            self.calls[as_int(start.get("contentBlockIndex")) or 0] = {
                "name": use.get("name"), "id": use.get("toolUseId"), "input": ""}
        delta = data.get("contentBlockDelta")
        if isinstance(delta, dict) and isinstance(delta.get("delta"), dict):
            self._nova_block(as_int(delta.get("contentBlockIndex")) or 0, delta["delta"])
        if isinstance(data.get("messageStop"), dict):
            self._finish(data["messageStop"])
        if isinstance(data.get("metadata"), dict):
            self.add(data["metadata"])

    def _nova_block(self, index: int, block: dict[str, Any]) -> None:
        if isinstance(block.get("text"), str):
            self.text.append(block["text"])
        reasoning = dig(block, "reasoningContent", "reasoningText", "text") or \
            dig(block, "reasoningContent", "text")
        if isinstance(reasoning, str):
            self.reasoning.append(reasoning)
        use = block.get("toolUse")
        if isinstance(use, dict):
            call = self.calls.setdefault(index, {"name": None, "id": None, "input": ""})
            call["name"] = use.get("name") or call["name"]
            call["id"] = use.get("toolUseId") or call["id"]
            arguments = use.get("input")
            call["input"] = call["input"] + arguments if isinstance(arguments, str) else arguments

    def _finish(self, data: dict[str, Any]) -> None:
        for key in ("stop_reason", "completionReason", "finish_reason", "stopReason"):
            if isinstance(data.get(key), str) and data[key]:
                self.finish = data[key]

    def _count(self, name: str, *values: Any) -> None:
        for value in values:
            if as_int(value) is not None:
                self.usage[name] = as_int(value) or 0
                return

    def rebuilt(self, notes: tuple[str, ...], error: ApiError | None) -> anthropic.Rebuilt:
        calls = tuple(ToolCall(str(c["name"] or ""), parse_arguments(c["input"]),
                               c["id"]) for _, c in sorted(self.calls.items()))
        native = self.finish.lower() if self.finish else None
        finish = normalize_finish(native, bool(calls))
        reply = Reply(text="".join(self.text), reasoning="".join(self.reasoning),
                      tool_calls=calls, finish_reason="error" if error else finish,
                      native_finish_reason=self.finish, error=error, notes=notes)
        return anthropic.Rebuilt(reply, usage=_usage(self.usage))


def _usage(counts: dict[str, int]) -> Usage | None:
    """Bedrock-style counts (`inputTokenCount` excludes cache reads and writes, as Converse's
    `inputTokens` does: wire-formats.md 6.3) in our convention."""
    if "input" not in counts and "output" not in counts:
        return None
    cache_read, cache_write = counts.get("cache_read"), counts.get("cache_write")
    total = None
    if "input" in counts:
        total = counts["input"] + (cache_read or 0) + (cache_write or 0)
    return Usage(total, counts.get("output"), cache_read, cache_write, None)


def _metrics_counts(metrics: Any) -> dict[str, int]:
    names = {"input": "inputTokenCount", "output": "outputTokenCount",
             "cache_read": "cacheReadInputTokenCount", "cache_write": "cacheWriteInputTokenCount"}
    counts = {}
    for ours, theirs in names.items():
        value = as_int(dig(metrics, theirs))
        if value is not None:
            counts[ours] = value
    return counts


def _chunks(frames: tuple[Frame, ...]) -> tuple[list[Any], ApiError | None, int]:
    """Native events from `chunk` frames, the first exception, and how many payloads were
    unreadable."""
    events: list[Any] = []
    error: ApiError | None = None
    bad = 0
    for frame in frames:
        if frame.message_type == "exception":
            data = try_json(frame.payload)
            message = dig(data, "message") or dig(data, "Message") or \
                frame.payload.decode("utf-8", errors="replace")
            error = error or ApiError(str(message), frame.event_type)
            continue
        if frame.message_type == "error":
            error = error or ApiError(str(frame.headers.get(":error-message") or "error"),
                                      frame.headers.get(":error-code"))
            continue
        payload = try_json(frame.payload)
        wrapped = payload.get("bytes") if isinstance(payload, dict) else None
        if isinstance(wrapped, str):
            # {"bytes": base64 of one native event, "p": random padding} (wire-formats.md 6.2)
            try:
                payload = try_json(base64.b64decode(wrapped))
            except (binascii.Error, ValueError):
                payload = None
        if isinstance(payload, dict):
            events.append(payload)
        else:
            bad += 1
    return events, error, bad


def _rebuild_stream(data: bytes) -> anthropic.Rebuilt:
    decoded = decode(data)
    events, error, bad = _chunks(decoded.frames)
    notes = list(decoded.problems)
    if bad:
        notes.append(f"{bad} stream chunk(s) were not readable JSON")
    metrics = _metrics_counts(next((e[_METRICS] for e in reversed(events) if _METRICS in e), {}))
    if any(event.get("type") in _CLAUDE_EVENTS for event in events):
        rebuilt = anthropic.rebuild_stream(events, error)
        reply = replace(rebuilt.reply, notes=(*rebuilt.reply.notes, *notes))
        # Prefer Anthropic's own usage; the invocation metrics are the fallback (6.2).
        return replace(rebuilt, reply=reply, usage=rebuilt.usage or _usage(metrics))
    generic = _Generic()
    for event in events:
        generic.add(event)
    rebuilt = generic.rebuilt(tuple(notes), error)
    return replace(rebuilt, usage=rebuilt.usage or _usage(metrics))


def _rebuild_response(response: Response, streamed: bool) -> anthropic.Rebuilt:
    if response.status is not None and response.status >= 400:
        return anthropic.Rebuilt(Reply(error=_http_error(response), finish_reason="error"))
    if streamed and looks_like_eventstream(response.body.data):
        return _rebuild_stream(response.body.data)
    data = body_json(response.body)
    claude = "role" in data or "completion" in data if isinstance(data, dict) else True
    if claude:
        rebuilt = anthropic.rebuild_message(data)
    else:
        generic = _Generic()
        generic.add(data)
        rebuilt = generic.rebuilt((), None)
    # Non-streamed replies also carry the counts in headers, when the recorder kept them.
    headers = {"input": response.header("x-amzn-bedrock-input-token-count"),
               "output": response.header("x-amzn-bedrock-output-token-count")}
    counts = {k: int(v) for k, v in headers.items() if v and v.strip().isdigit()}
    return replace(rebuilt, usage=rebuilt.usage or _usage(counts))


def _http_error(response: Response) -> ApiError | None:
    error = error_from(response, body_json(response.body))
    # The error's type lives in a header (`ValidationException:http://…`) (6.4).
    kind = (response.header("x-amzn-errortype") or "").split(":", 1)[0]
    if error is not None and error.type is None and kind:
        return ApiError(error.message, kind)
    return error


def read(interaction: Interaction, request_body: Any, streamed: bool) -> Exchange:
    url = interaction.request.url
    asked = model_id(url)
    response = interaction.response
    rebuilt = _rebuild_response(response, streamed) if response is not None \
        else anthropic.Rebuilt(Reply())
    return Exchange(
        api=API,
        provider=PROVIDER,
        model=rebuilt.model or asked,
        request_model=asked,
        streamed=streamed,
        prompt=prompt_of(request_body),
        reply=rebuilt.reply,
        usage=rebuilt.usage,
        response_id=rebuilt.response_id,
    )
