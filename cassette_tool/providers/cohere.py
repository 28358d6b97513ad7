"""Cohere's v2 Chat API: `POST /v2/chat` on api.cohere.com or api.cohere.ai (wire-formats.md
section 8), streamed as typed SSE events or returned as one JSON object.

Not here: Cohere's OpenAI-compatible `/compatibility/v1/chat/completions` (openai_chat),
Cohere models on Bedrock (bedrock_*), the legacy v1 `/v1/chat` (absent from every recording
we have), and the non-chat endpoints (`/v2/embed`, `/v2/rerank`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

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
    TextPart,
    Tool,
    ToolCall,
    ToolResult,
    Usage,
)
from ..source import dump_json, try_json
from ..sse import iter_sse
from .common import (
    as_int,
    body_json,
    dig,
    error_from,
    host_of,
    items,
    mapping,
    media_from_url,
    nonempty_str,
    normalize_finish,
    parse_arguments,
    pick_params,
    text_content,
)

API = "cohere"
PARAMS = ("temperature", "max_tokens", "p", "k", "seed", "stop_sequences", "stream",
          "tool_choice", "thinking", "response_format", "safety_mode")


def matches(url: str, body: Any) -> bool:
    path = url.split("?", 1)[0].rstrip("/")
    # The host, or the placeholder Ruby VCR puts in its place (`<COHERE_API_BASE>/v2/chat`).
    host = host_of(url) or url.split("/", 1)[0]
    return path.endswith("/v2/chat") and "cohere" in host.lower()


# Odd input never raises: a field of the wrong JSON type reads as empty.
# --- prompt ---------------------------------------------------------------------------------

def prompt_of(body: Any) -> Prompt:
    if not isinstance(body, dict):
        return Prompt()
    messages = tuple(_message(m) for m in items(body.get("messages")) if isinstance(m, dict))
    tools = tuple(_tool(t) for t in items(body.get("tools")) if isinstance(t, dict))
    params = pick_params(body, PARAMS)
    if isinstance(body.get("documents"), list):
        # Grounding documents sit beside the messages, not in one: shown as a count.
        params = (*params, ("documents", len(body["documents"])))
    return Prompt(messages, tools, params)


def _tool(tool: dict[str, Any]) -> Tool:
    function = mapping(tool.get("function")) or tool
    return Tool(str(function.get("name") or ""), function.get("description"),
                function.get("parameters"))


def _message(message: dict[str, Any]) -> Message:
    role = str(message.get("role") or "user")
    content = message.get("content")
    if role == "tool":
        call_id = nonempty_str(message.get("tool_call_id"))
        return Message(role, (ToolResult(_tool_output(content), call_id),))
    parts: list[Part] = []
    if isinstance(content, str):
        if content:
            parts.append(TextPart(content))
    elif isinstance(content, list):
        parts.extend(p for p in (_content_part(i) for i in content if isinstance(i, dict)) if p)
    # The plan the model wrote before its tool calls, sent back with them.
    if isinstance(message.get("tool_plan"), str) and message["tool_plan"]:
        parts.append(ReasoningPart(message["tool_plan"]))
    parts.extend(_call(c) for c in items(message.get("tool_calls")) if isinstance(c, dict))
    return Message(role, tuple(parts))


def _call(call: dict[str, Any]) -> ToolCall:
    function = mapping(call.get("function"))
    return ToolCall(str(function.get("name") or ""), parse_arguments(function.get("arguments")),
                    nonempty_str(call.get("id")))


def _content_part(item: dict[str, Any]) -> Part | None:
    kind = item.get("type")
    if kind == "text":
        text = str(item.get("text") or "")
        return TextPart(text) if text else None  # clients send "" beside tool calls
    if kind == "thinking":
        thinking = str(item.get("thinking") or "")
        return ReasoningPart(thinking) if thinking else None
    if kind == "image_url":
        image = item.get("image_url")
        url = image.get("url") if isinstance(image, dict) else image
        return media_from_url(str(url or ""), "image")
    if kind == "document":
        data = dig(item, "document", "data")
        return MediaPart("file", None, len(_as_text(data).encode()) if data is not None else None)
    return TextPart(f"[{kind} part]")


def _tool_output(content: Any) -> str:
    # A tool result is a string or a list of text and document items.
    if not isinstance(content, list):
        return text_content(content)
    pieces = []
    for item in content:
        if isinstance(item, dict) and item.get("type") == "document":
            pieces.append(_as_text(dig(item, "document", "data")))
        elif isinstance(item, dict):
            pieces.append(str(item.get("text") or ""))
    return "\n".join(pieces)


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else dump_json(value)


# --- reply ----------------------------------------------------------------------------------

class _Message:
    """The reply as events fill it: content items and tool calls keyed by `index`."""

    def __init__(self) -> None:
        self.content: dict[int, dict[str, str]] = {}
        self.plan: list[str] = []
        self.calls: dict[int, dict[str, Any]] = {}
        self.finish: str | None = None
        self.usage: Any = None
        self.error: ApiError | None = None
        self.id: str | None = None
        self.ended = False

    def event(self, data: dict[str, Any], name: str | None) -> None:
        kind = data.get("type") or name
        index = as_int(data.get("index")) or 0
        message = mapping(dig(data, "delta", "message"))
        if kind == "message-start":
            self.id = nonempty_str(data.get("id")) or self.id
        elif kind in ("content-start", "content-delta"):
            self._add_content(index, message.get("content"))
        elif kind == "tool-plan-delta" and isinstance(message.get("tool_plan"), str):
            self.plan.append(message["tool_plan"])
        elif kind in ("tool-call-start", "tool-call-delta"):
            self._add_call(index, message.get("tool_calls"))
        elif kind == "message-end":
            self.ended = True
            delta = mapping(data.get("delta"))
            self.finish = nonempty_str(delta.get("finish_reason")) or self.finish
            self.usage = delta.get("usage") or self.usage
            if delta.get("error"):
                self.error = ApiError(str(delta["error"]))

    def _add_content(self, index: int, content: Any) -> None:
        if not isinstance(content, dict):
            return
        slot = self.content.setdefault(index, {"type": "text", "text": ""})
        if content.get("type"):
            slot["type"] = str(content["type"])
        if isinstance(content.get("thinking"), str):
            slot["type"] = "thinking"
            slot["text"] += content["thinking"]
        elif isinstance(content.get("text"), str):
            slot["text"] += content["text"]

    def _add_call(self, index: int, call: Any) -> None:
        if not isinstance(call, dict):
            return
        slot = self.calls.setdefault(index, {"id": None, "name": "", "arguments": ""})
        slot["id"] = nonempty_str(call.get("id")) or slot["id"]
        function = mapping(call.get("function"))
        slot["name"] = nonempty_str(function.get("name")) or slot["name"]
        if isinstance(function.get("arguments"), str):
            slot["arguments"] += function["arguments"]

    def whole(self, data: dict[str, Any]) -> None:
        """Fill from a non-streamed reply."""
        self.ended = True
        self.id = nonempty_str(data.get("id"))
        self.finish, self.usage = nonempty_str(data.get("finish_reason")), data.get("usage")
        message = mapping(data.get("message"))
        for index, item in enumerate(items(message.get("content"))):
            self._add_content(index, item)
        if isinstance(message.get("tool_plan"), str):
            self.plan.append(message["tool_plan"])
        for index, call in enumerate(items(message.get("tool_calls"))):
            self._add_call(index, call)

    def reply(self, notes: tuple[str, ...]) -> Reply:
        blocks = [self.content[i] for i in sorted(self.content)]
        calls = tuple(ToolCall(c["name"], parse_arguments(c["arguments"]), c["id"])
                      for c in (self.calls[i] for i in sorted(self.calls)))
        thinking = "".join(i["text"] for i in blocks if i["type"] == "thinking")
        plan = "".join(self.plan)
        return Reply(
            text="".join(i["text"] for i in blocks if i["type"] != "thinking"),
            # The tool plan is the model's reasoning about which tools to call.
            reasoning="\n\n".join(r for r in (thinking, plan) if r),
            tool_calls=calls,
            finish_reason=normalize_finish(self.finish, bool(calls)),
            native_finish_reason=self.finish,
            error=self.error,
            notes=notes,
        )


def _stream(text: str) -> tuple[_Message, tuple[str, ...]]:
    state = _Message()
    bad = 0
    for event in iter_sse(text):
        if event.data.strip() == "[DONE]":
            continue  # not in Cohere's docs, but recorded streams end with it
        data = try_json(event.data)
        if isinstance(data, dict):
            state.event(data, event.event)
        else:
            bad += 1
    notes = () if state.ended else ("stream ended without message-end (truncated)",)
    if bad:
        notes = (*notes, f"{bad} stream event(s) were not JSON")
    return state, notes


def _usage(usage: Any) -> Usage | None:
    if not isinstance(usage, dict):
        return None
    # Billing is on billed_units; `tokens` are raw counts including Cohere's prompt template,
    # used only when billed_units is absent. `cached_tokens` counts against the raw prompt
    # (it can exceed billed input), so it is not reported as a cache read.
    counts = usage.get("billed_units")
    if not isinstance(counts, dict) or not counts:
        counts = mapping(usage.get("tokens"))
    return Usage(as_int(counts.get("input_tokens")), as_int(counts.get("output_tokens")),
                 reasoning_tokens=as_int(dig(usage, "tokens", "reasoning_tokens")))


def read(interaction: Interaction, request_body: Any, streamed: bool) -> Exchange:
    response = interaction.response
    state = _Message()
    data = body_json(response.body) if response is not None else None
    http_error = error_from(response, data)
    if response is None:
        reply = Reply()
    elif http_error:
        reply = Reply(error=http_error, finish_reason="error")
    elif streamed:
        state, notes = _stream(response.body.data.decode("utf-8", errors="replace"))
        reply = state.reply(notes)
    elif isinstance(data, dict):
        state.whole(data)
        reply = state.reply(())
    else:
        reply = Reply(notes=("reply body is not JSON",))
    if reply.error and reply.finish_reason is None:
        reply = replace(reply, finish_reason="error")
    request_model = request_body.get("model") if isinstance(request_body, dict) else None
    return Exchange(
        api=API,
        provider=API,  # matched on Cohere's own hosts only
        model=request_model,  # the reply never names the model
        request_model=request_model,
        streamed=streamed,
        prompt=prompt_of(request_body),
        reply=reply,
        usage=_usage(state.usage),
        response_id=state.id,
    )
