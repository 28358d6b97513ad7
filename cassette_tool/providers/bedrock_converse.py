"""AWS Bedrock Converse and ConverseStream (`POST /model/{modelId}/converse[-stream]`), the
model-agnostic Bedrock API, whatever model family answers behind it.

Owns: the request body (system blocks, messages of content blocks, toolConfig,
inferenceConfig), the non-streamed reply, and the reassembly of ConverseStream events.
The binary framing is `eventstream.py`'s; InvokeModel (native bodies) is `bedrock_invoke.py`'s.
See wire-formats.md 6.1, 6.3 and 6.4.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any
from urllib.parse import unquote

from ..eventstream import Frame, decode
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
from ..source import dump_json, try_json
from .common import (
    as_int,
    body_json,
    dig,
    error_from,
    media_from_base64,
    normalize_finish,
    parse_arguments,
    pick_params,
    text_content,
)

API = "bedrock-converse"
PROVIDER = "bedrock"
PARAMS = ("maxTokens", "temperature", "topP", "stopSequences", "toolChoice", "outputConfig",
          "serviceTier", "performanceConfig", "guardrailConfig")

# The model id may be an ARN holding slashes when the client did not URL-encode it.
# Anchored, the first `/model/` taken atomically: a search would retry at every `/model/`.
_PATH = re.compile(r"^(?>.*?/model/)(?P<model>.+)/converse(?:-stream)?/?$")
_DOCUMENT_TYPES = {
    "pdf": "application/pdf", "csv": "text/csv", "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html", "txt": "text/plain", "md": "text/markdown",
}


def matches(url: str, body: Any) -> bool:
    return _PATH.search(url.split("?", 1)[0]) is not None


def model_id(url: str) -> str | None:
    """The URL-decoded `{modelId}`: a model id, an inference-profile id or an ARN."""
    match = _PATH.search(url.split("?", 1)[0])
    return unquote(match.group("model")) if match else None


def _model_name(requested: str | None) -> str | None:
    # Foundation-model and system inference-profile ARNs end in the model id that prices
    # the call; other ARNs (application profiles, provisioned throughput) name no model.
    if requested and requested.startswith("arn:") and "/" in requested:
        kind, _, resource = requested.rpartition("/")
        if kind.endswith((":foundation-model", ":inference-profile")):
            return resource
    return requested


# --- prompt ---------------------------------------------------------------------------------

def prompt_of(body: Any) -> Prompt:
    if not isinstance(body, dict):
        return Prompt()
    raw_messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
    names = _tool_names(raw_messages)
    messages: list[Message] = []
    system = _parts(body.get("system"), names)
    if system:
        messages.append(Message("system", system))
    for message in raw_messages:
        messages.append(Message(str(message.get("role") or "user"),
                                _parts(message.get("content"), names)))
    tools = tuple(tool for tool in map(_tool, dig(body, "toolConfig", "tools") or [])
                  if tool is not None)
    return Prompt(tuple(messages), tools, _params(body))


def _tool_names(messages: list[dict[str, Any]]) -> dict[str, str]:
    """toolUseId -> tool name, so a toolResult can say which tool it answers."""
    names: dict[str, str] = {}
    for message in messages:
        for block in message.get("content") or []:
            use = block.get("toolUse") if isinstance(block, dict) else None
            if isinstance(use, dict) and use.get("toolUseId") and use.get("name"):
                names[str(use["toolUseId"])] = str(use["name"])
    return names


def _parts(blocks: Any, names: dict[str, str]) -> tuple[Part, ...]:
    if not isinstance(blocks, list):
        return ()
    parts = (_part(block, names) for block in blocks if isinstance(block, dict))
    return tuple(part for part in parts if part is not None)


def _part(block: dict[str, Any], names: dict[str, str]) -> Part | None:
    """One content block; each is a union with exactly one member key."""
    if "text" in block:
        return TextPart(str(block["text"]))
    if "cachePoint" in block:
        return None  # a prompt-caching marker, not content
    if isinstance(block.get("toolUse"), dict):
        use = block["toolUse"]
        return ToolCall(str(use.get("name") or ""), parse_arguments(use.get("input")),
                        use.get("toolUseId"))
    if isinstance(block.get("toolResult"), dict):
        result = block["toolResult"]
        call_id = result.get("toolUseId")
        return ToolResult(_result_text(result.get("content")), call_id,
                          names.get(str(call_id)), result.get("status") == "error")
    if isinstance(block.get("reasoningContent"), dict):
        reasoning = block["reasoningContent"]
        text = dig(reasoning, "reasoningText", "text")
        return ReasoningPart(str(text) if text is not None else "[redacted reasoning]")
    for kind in ("image", "document", "video", "audio"):
        if isinstance(block.get(kind), dict):
            return _media(kind, block[kind])
    if isinstance(block.get("guardContent"), dict):  # text a guardrail assesses
        return TextPart(str(dig(block, "guardContent", "text", "text") or "[guarded content]"))
    if isinstance(block.get("citationsContent"), dict):
        return TextPart(text_content(dig(block, "citationsContent", "content")))
    return TextPart(f"[{next(iter(block), 'empty')} part]")


def _result_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    pieces: list[str] = []
    for item in content if isinstance(content, list) else []:
        if not isinstance(item, dict):
            continue
        if "text" in item:
            pieces.append(str(item["text"]))
        elif "json" in item:
            pieces.append(dump_json(item["json"]))
        else:
            pieces.append(f"[{next(iter(item), 'empty')}]")
    return "\n".join(pieces)


def _media(kind: str, block: dict[str, Any]) -> MediaPart:
    form = str(block.get("format") or "")
    part_kind = "file" if kind == "document" else kind
    media_type = _DOCUMENT_TYPES.get(form) if kind == "document" else \
        (f"{kind}/{form}" if form else None)
    source = block.get("source")
    if not isinstance(source, dict):
        source = {}
    label = dig(source, "s3Location", "uri") or block.get("name")
    if "bytes" in source:  # blobs travel as base64 in the JSON body
        part = media_from_base64(source["bytes"], media_type, part_kind)
        return replace(part, url=label)
    if isinstance(source.get("text"), str):  # a document given as plain text
        return MediaPart(part_kind, media_type, len(source["text"].encode()), label)
    return MediaPart(part_kind, media_type, None, label)


def _tool(tool: Any) -> Tool | None:
    if not isinstance(tool, dict):
        return None
    spec = tool.get("toolSpec")
    if isinstance(spec, dict):
        return Tool(str(spec.get("name") or ""), spec.get("description"),
                    dig(spec, "inputSchema", "json"))
    if isinstance(tool.get("systemTool"), dict):  # a tool Bedrock runs itself (Nova grounding)
        return Tool(str(tool["systemTool"].get("name") or ""))
    return None  # cachePoint


def _params(body: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    config = body.get("inferenceConfig")
    flat = dict(config) if isinstance(config, dict) else {}
    flat["toolChoice"] = dig(body, "toolConfig", "toolChoice")
    flat.update({name: body[name] for name in PARAMS if name in body})
    params = pick_params(flat, PARAMS)
    extra = body.get("additionalModelRequestFields")  # model-specific: thinking, top_k…
    if isinstance(extra, dict):
        params += tuple((name, value) for name, value in extra.items() if value is not None)
    return params


# --- reply ----------------------------------------------------------------------------------

class _Block:
    __slots__ = ("kind", "text", "call_id", "name", "server", "input", "redacted")

    def __init__(self) -> None:
        self.kind = "text"  # text, reasoning, tool_use, tool_result
        self.text: list[str] = []
        self.call_id: str | None = None
        self.name = ""
        self.server = False
        self.input: Any = ""
        self.redacted = False


class _Message:
    """The assistant message as blocks keyed by contentBlockIndex (wire-formats.md 6.3)."""

    def __init__(self) -> None:
        self.blocks: dict[int, _Block] = {}
        self.stop: str | None = None
        self.usage: Any = None
        self.error: ApiError | None = None

    def block(self, index: int) -> _Block:
        # Text blocks often come with no contentBlockStart: the first delta creates them.
        return self.blocks.setdefault(index, _Block())

    def start(self, index: int, start: dict[str, Any]) -> None:
        block = self.block(index)
        use = start.get("toolUse")
        if isinstance(use, dict):
            block.kind = "tool_use"
            block.call_id = use.get("toolUseId")
            block.name = str(use.get("name") or "")
            block.server = use.get("type") == "server_tool_use"
        elif "toolResult" in start:
            block.kind = "tool_result"  # a server tool's output (Nova grounding), not the model's

    def delta(self, index: int, delta: dict[str, Any]) -> None:
        block = self.block(index)
        if isinstance(delta.get("text"), str):
            block.text.append(delta["text"])
        use = delta.get("toolUse")
        if isinstance(use, dict):
            block.kind = "tool_use"
            fragment = use.get("input")
            if isinstance(fragment, str) and isinstance(block.input, str):
                block.input += fragment  # partial JSON, parsed once the block is complete
            elif fragment is not None:
                block.input = fragment  # a non-streamed reply's input is already an object
        reasoning = delta.get("reasoningContent")
        if isinstance(reasoning, dict):
            block.kind = "reasoning"
            if isinstance(reasoning.get("text"), str):
                block.text.append(reasoning["text"])
            if reasoning.get("redactedContent"):
                block.redacted = True
            # `signature` is opaque (it lets the client send the reasoning back): not shown.

    def add_content(self, content: Any) -> None:
        """A non-streamed `output.message.content`, fed through the stream's block logic."""
        for index, block in enumerate(content if isinstance(content, list) else []):
            if not isinstance(block, dict):
                continue
            if isinstance(block.get("toolUse"), dict):
                self.start(index, {"toolUse": block["toolUse"]})
                self.delta(index, {"toolUse": {"input": block["toolUse"].get("input")}})
            elif isinstance(block.get("reasoningContent"), dict):
                reasoning = block["reasoningContent"]
                self.delta(index, {"reasoningContent": {
                    "text": dig(reasoning, "reasoningText", "text"),
                    "redactedContent": reasoning.get("redactedContent")}})
            elif isinstance(block.get("citationsContent"), dict):
                self.delta(index, {"text": text_content(
                    dig(block, "citationsContent", "content"))})
            elif isinstance(block.get("text"), str):
                self.delta(index, {"text": block["text"]})

    def reply(self, notes: tuple[str, ...]) -> Reply:
        blocks = [self.blocks[index] for index in sorted(self.blocks)]
        calls = tuple(ToolCall(b.name, parse_arguments(b.input), b.call_id)
                      for b in blocks if b.kind == "tool_use")
        # A server tool (Nova grounding) already ran: it does not make this a tool-call turn.
        client_calls = any(b.kind == "tool_use" and not b.server for b in blocks)
        redacted = sum(1 for b in blocks if b.redacted)
        if redacted:
            notes = (*notes, f"{redacted} reasoning block(s) redacted by the provider")
        finish = normalize_finish(self.stop, client_calls)
        if self.stop is None and self.error is not None:
            finish = "error"
        return Reply(
            text="".join("".join(b.text) for b in blocks if b.kind == "text"),
            reasoning="".join("".join(b.text) for b in blocks if b.kind == "reasoning"),
            tool_calls=calls,
            finish_reason=finish,
            native_finish_reason=self.stop,
            error=self.error,
            notes=notes,
        )


def _read_stream(data: bytes) -> tuple[Reply, Any]:
    decoded = decode(data)
    message = _Message()
    notes = list(decoded.problems)  # truncation and CRC mismatches, with byte offsets
    seen: set[str] = set()
    not_json = 0
    for frame in decoded.frames:
        payload = try_json(frame.payload) if frame.payload.strip() else {}
        if frame.message_type in ("exception", "error"):
            message.error = _stream_error(frame, payload)
            continue
        if not isinstance(payload, dict):
            not_json += 1
            continue
        name = frame.event_type or ""
        seen.add(name)
        index = as_int(payload.get("contentBlockIndex")) or 0
        if name == "contentBlockStart" and isinstance(payload.get("start"), dict):
            message.start(index, payload["start"])
        elif name == "contentBlockDelta" and isinstance(payload.get("delta"), dict):
            message.delta(index, payload["delta"])
        elif name == "messageStop":
            message.stop = _str_or_none(payload.get("stopReason"))
        elif name == "metadata":  # the last event: the only one with usage
            message.usage = payload.get("usage")
    if not_json:
        notes.append(f"{not_json} stream event(s) were not JSON")
    if message.error is None and "messageStop" not in seen:
        notes.append("stream ended before messageStop")
    elif message.error is None and "metadata" not in seen:
        notes.append("stream ended before the metadata event (no usage)")
    return message.reply(tuple(notes)), message.usage


def _stream_error(frame: Frame, payload: Any) -> ApiError:
    # `exception` frames name the type in `:exception-type` and carry {"message": …};
    # `error` frames carry everything in headers (wire-formats.md 6.1).
    if frame.message_type == "error":
        return ApiError(str(frame.headers.get(":error-message") or "stream error"),
                        _str_or_none(frame.headers.get(":error-code")))
    fields = payload if isinstance(payload, dict) else {}
    text = fields.get("message") or fields.get("Message") or fields.get("originalMessage")
    return ApiError(str(text or "stream exception"), _str_or_none(frame.event_type))


def _str_or_none(value: Any) -> str | None:
    return str(value) if value is not None else None


def _http_error(response: Response, data: Any) -> ApiError | None:
    error = error_from(response, data)
    if error is None:
        return None
    # The body is only {"message": …}; the type travels in `x-amzn-ErrorType`, e.g.
    # `ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/` (6.4).
    kind = response.header("x-amzn-ErrorType") or \
        (data.get("__type") if isinstance(data, dict) else None)
    if isinstance(kind, str) and kind:
        return ApiError(error.message, kind.split(":", 1)[0].rsplit("#", 1)[-1])
    return error


def _usage(raw: Any) -> Usage | None:
    if not isinstance(raw, dict):
        return None
    # `inputTokens` excludes cache reads and writes (wire-formats.md 6.3); older replies
    # spell the cache counters `…InputTokenCount`.
    cache_read = _first_int(raw, "cacheReadInputTokens", "cacheReadInputTokenCount")
    cache_write = _first_int(raw, "cacheWriteInputTokens", "cacheWriteInputTokenCount")
    fresh = as_int(raw.get("inputTokens"))
    total_input = None if fresh is None else fresh + (cache_read or 0) + (cache_write or 0)
    return Usage(total_input, as_int(raw.get("outputTokens")), cache_read, cache_write, None)


def _first_int(raw: dict[str, Any], *names: str) -> int | None:
    for name in names:
        value = as_int(raw.get(name))
        if value is not None:
            return value
    return None


def read(interaction: Interaction, request_body: Any, streamed: bool) -> Exchange:
    response = interaction.response
    usage_raw: Any = None
    if response is None:
        reply = Reply()
    else:
        failed = response.status is not None and response.status >= 400
        data = body_json(response.body) if failed or not streamed else None
        http_error = _http_error(response, data)
        if http_error is not None:
            reply = Reply(error=http_error, finish_reason="error")
        elif streamed:
            reply, usage_raw = _read_stream(response.body.data)
        elif isinstance(data, dict):
            message = _Message()
            message.add_content(dig(data, "output", "message", "content"))
            message.stop = _str_or_none(data.get("stopReason"))
            reply, usage_raw = message.reply(()), data.get("usage")
        else:
            reply = Reply(notes=("reply body is not JSON",))
    requested = model_id(interaction.request.url)
    return Exchange(
        api=API,
        provider=PROVIDER,
        model=_model_name(requested),  # Converse replies never name the model
        request_model=requested,
        streamed=streamed,
        prompt=prompt_of(request_body),
        reply=reply,
        usage=_usage(usage_raw),
        # Converse has no response id; the request id is what AWS support asks for.
        response_id=response.header("x-amzn-RequestId") if response is not None else None,
    )
