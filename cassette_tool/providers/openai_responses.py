"""OpenAI Responses API (`/v1/responses`) as served by OpenAI, Azure, xAI, DeepSeek, OpenRouter,
Bedrock Mantle and gateways: the request's `instructions` and `input` items as a conversation,
and the reply rebuilt from the `response` object or its SSE stream.

Built-in tools the server runs itself (web search, file search, code interpreter, MCP…) are
reported as notes, never as tool calls the client had to answer. Citations (`url_citation`
annotations) are read but not kept: `Reply` has no place for them yet.
See wire-formats.md section 3.
"""

from __future__ import annotations

import json
import mimetypes
import re
from copy import deepcopy
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
from ..source import try_json
from ..sse import iter_sse
from .common import (
    as_int,
    body_json,
    dig,
    error_from,
    media_from_base64,
    media_from_url,
    normalize_finish,
    parse_arguments,
    pick_params,
    provider_of,
    reported_cost,
    stream_error,
    text_content,
)

API = "openai-responses"
PARAMS = ("max_output_tokens", "temperature", "top_p", "tool_choice", "parallel_tool_calls",
          "stream", "store", "previous_response_id", "truncation", "service_tier")
# Items the model produces on the assistant side of the conversation.
_CALLS = ("function_call", "custom_tool_call")
_TERMINAL = ("response.completed", "response.incomplete", "response.failed",
             "response.cancelled")


# POST /responses, plus GET /responses/{id} and POST /responses/{id}/cancel, which return a
# response object too; /responses/{id}/input_items returns a list and is left alone.
_PATH = re.compile(r"/responses(/resp_[^/]+(/cancel)?)?$")


def matches(url: str, body: Any) -> bool:
    return bool(_PATH.search(url.split("?", 1)[0].rstrip("/")))


# --- prompt ---------------------------------------------------------------------------------

def prompt_of(body: Any) -> Prompt:
    if not isinstance(body, dict):
        return Prompt()
    messages: list[Message] = []
    if isinstance(body.get("instructions"), str) and body["instructions"]:
        messages.append(Message("system", (TextPart(body["instructions"]),)))
    reference = body.get("prompt")
    if isinstance(reference, dict) and reference.get("id"):
        messages.append(Message("system", (TextPart(f"[stored prompt {reference['id']}]"),)))
    items = body.get("input")
    if isinstance(items, str):
        messages.append(Message("user", (TextPart(items),)))
    elif isinstance(items, list):
        messages.extend(_conversation([i for i in items if isinstance(i, dict)]))
    tools = tuple(t for raw in body.get("tools") or [] if isinstance(raw, dict)
                  for t in _tools(raw))
    return Prompt(tuple(messages), tools, pick_params(body, PARAMS) + _nested_params(body))


def _nested_params(body: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    found = (("reasoning.effort", dig(body, "reasoning", "effort")),
             ("reasoning.summary", dig(body, "reasoning", "summary")),
             ("text.format", dig(body, "text", "format", "type")),
             ("text.verbosity", dig(body, "text", "verbosity")))
    return tuple((name, value) for name, value in found if value is not None)


def _tools(tool: dict[str, Any]) -> list[Tool]:
    kind = str(tool.get("type") or "function")
    if kind == "function":
        return [Tool(str(tool.get("name") or ""), tool.get("description"), tool.get("parameters"))]
    if kind == "custom":  # free-form input, optionally constrained by a grammar
        return [Tool(str(tool.get("name") or ""), tool.get("description"), tool.get("format"))]
    if kind == "namespace":  # a named group of tools (tool search); list what it holds
        return [t for inner in tool.get("tools") or [] if isinstance(inner, dict)
                for t in _tools(inner)]
    if kind == "mcp":
        return [Tool(f"mcp:{tool.get('server_label') or '?'}",
                     tool.get("server_description") or tool.get("server_url"))]
    return [Tool(kind, "built-in tool")]


def _conversation(items: list[dict[str, Any]]) -> list[Message]:
    """Input items as messages. Items of one assistant turn (reasoning, text, calls) are
    separate on the wire; they are merged into one assistant message."""
    messages: list[Message] = []
    names: dict[Any, str] = {}  # call_id -> tool name, to label results
    turn_has_text = False
    for item in items:
        kind = item.get("type") or ("message" if "role" in item else None)
        if kind in _CALLS:
            names[item.get("call_id")] = str(item.get("name") or "")
        if kind == "message":
            message = Message(str(item.get("role") or "user"), _content(item.get("content")))
        elif kind in ("function_call_output", "custom_tool_call_output"):
            output = item.get("output")
            message = Message("tool", (ToolResult(_output_text(output), item.get("call_id"),
                                                  names.get(item.get("call_id"))),))
        elif kind == "additional_tools":
            listed = ", ".join(str(t.get("name") or t.get("type")) for t in
                               item.get("tools") or [] if isinstance(t, dict))
            message = Message(str(item.get("role") or "developer"),
                              (TextPart(f"[more tools: {listed}]"),))
        elif isinstance(kind, str) and kind.endswith("_output") and \
                item.get("execution") != "server":  # hosted tool search answers itself
            message = Message("tool", (ToolResult(_output_text(item.get("output")),
                                                  item.get("call_id"), kind),))
        else:
            part = _assistant_part(item, str(kind))
            message = Message("assistant", (part,) if part else ())
        # One assistant turn is several items on the wire (reasoning, text, calls): join
        # them, but let a second assistant message item start a new message.
        joins = message.role == "assistant" and bool(messages) and \
            messages[-1].role == "assistant" and not (kind == "message" and turn_has_text)
        if joins:
            messages[-1] = Message("assistant", messages[-1].parts + message.parts)
        else:
            messages.append(message)
        turn_has_text = (turn_has_text and joins) or kind == "message"
    return [m for m in messages if m.parts or m.role != "assistant"]


def _assistant_part(item: dict[str, Any], kind: str) -> Part | None:
    if kind in _CALLS:
        return _call(item)
    if kind == "reasoning":
        text = _reasoning_text(item)
        if text:
            return ReasoningPart(text)
        return ReasoningPart("[encrypted reasoning]") if item.get("encrypted_content") else None
    if kind == "item_reference":  # stored output of an earlier response, by id
        return TextPart(f"[item {item.get('id')}]")
    return TextPart(f"[{_describe_builtin(item)}]")


def _content(content: Any) -> tuple[Part, ...]:
    if isinstance(content, str):
        return (TextPart(content),) if content else ()
    if not isinstance(content, list):
        return ()
    return tuple(_input_part(p) for p in content if isinstance(p, dict))


def _input_part(part: dict[str, Any]) -> Part:
    kind = part.get("type")
    if kind in ("input_text", "output_text", "text", "summary_text", "reasoning_text"):
        return TextPart(str(part.get("text") or ""))
    if kind == "refusal":
        return TextPart(str(part.get("refusal") or ""))
    if kind == "input_image":
        url = part.get("image_url")
        if isinstance(url, dict):
            url = url.get("url")
        if isinstance(url, str) and url:
            return media_from_url(url, "image")
        return MediaPart("image", None, None, part.get("file_id"))
    if kind == "input_file":
        return _file(part)
    if kind == "input_audio":
        nested = part.get("input_audio")
        audio: dict[str, Any] = nested if isinstance(nested, dict) else part
        return media_from_base64(audio.get("data"), f"audio/{audio.get('format') or 'wav'}",
                                 "audio")
    return TextPart(f"[{kind} part]")


def _file(part: dict[str, Any]) -> MediaPart:
    data = part.get("file_data")
    filename = part.get("filename")
    if isinstance(data, str) and data.startswith("data:"):
        return replace(media_from_url(data, "file"), url=filename)
    if isinstance(data, str) and data:
        guessed = mimetypes.guess_type(filename)[0] if isinstance(filename, str) else None
        return replace(media_from_base64(data, guessed, "file"), url=filename)
    return MediaPart("file", None, None, part.get("file_url") or part.get("file_id") or filename)


def _output_text(output: Any) -> str:
    """A tool result: a string, or content parts (text, images, files) as text."""
    if isinstance(output, dict):
        return json.dumps(output, ensure_ascii=False)
    if not isinstance(output, list):
        return text_content(output)
    texts = []
    for part in output:
        if isinstance(part, dict) and part.get("type") in ("input_text", "output_text", "text"):
            texts.append(str(part.get("text") or ""))
        elif isinstance(part, dict):
            texts.append(f"[{part.get('type')}]")
    return "".join(texts)


def _call(item: dict[str, Any]) -> ToolCall:
    if item.get("type") == "custom_tool_call":  # free-form text input, not JSON
        return ToolCall(str(item.get("name") or ""), item.get("input") or "", item.get("call_id"),
                        kind="custom")
    return ToolCall(str(item.get("name") or ""), parse_arguments(item.get("arguments")),
                    item.get("call_id") or item.get("id"))


def _reasoning_text(item: dict[str, Any]) -> str:
    # Summaries when asked for; raw `reasoning_text` content from open-weight models.
    summary = [str(p.get("text") or "") for p in item.get("summary") or [] if isinstance(p, dict)]
    if any(summary):
        return "\n\n".join(s for s in summary if s)
    content = [str(p.get("text") or "") for p in item.get("content") or []
               if isinstance(p, dict) and p.get("type") == "reasoning_text"]
    return "".join(content)


def _describe_builtin(item: dict[str, Any]) -> str:
    kind = str(item.get("type") or "item")
    found = item.get("action")
    action: dict[str, Any] = found if isinstance(found, dict) else {}
    detail = None
    if kind == "web_search_call":
        queries = action.get("queries") or ([action["query"]] if action.get("query") else [])
        target = "; ".join(map(str, queries)) or action.get("url") or action.get("pattern")
        detail = ": ".join(str(x) for x in (action.get("type"), target) if x)
    elif kind == "file_search_call":
        detail = "; ".join(map(str, item.get("queries") or []))
    elif kind in ("mcp_call", "mcp_approval_request"):
        detail = f"{item.get('server_label')}.{item.get('name')}"
    elif kind == "code_interpreter_call" and isinstance(item.get("code"), str):
        detail = item["code"].strip().split("\n", 1)[0][:80]
    elif kind == "tool_search_call":
        arguments = item.get("arguments")
        detail = json.dumps(arguments, ensure_ascii=False) if arguments else None
    return f"{kind} ({detail})" if detail else kind


# --- reply ----------------------------------------------------------------------------------

def reply_of(response: dict[str, Any], items: list[Any]) -> Reply:
    """The reply in a final `response` object whose `output` is `items`."""
    texts: list[str] = []
    reasoning: list[str] = []
    refusals: list[str] = []
    calls: list[ToolCall] = []
    notes: list[str] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        kind = item.get("type")
        if kind == "message":
            parts = [p for p in item.get("content") or [] if isinstance(p, dict)]
            text = "".join(str(p.get("text") or "") for p in parts
                           if p.get("type") == "output_text")
            if text:
                texts.append(text)
            refusals.extend(str(p.get("refusal") or "") for p in parts
                            if p.get("type") == "refusal")
        elif kind == "reasoning":
            reasoning.append(_reasoning_text(item))
        elif kind in _CALLS:
            calls.append(_call(item))
        elif kind:
            notes.append(f"built-in tool item: {_describe_builtin(item)}")
    status = response.get("status")
    finish, native = _finish(response, bool(calls))
    error = stream_error(response)  # `error` is null unless the response failed
    if status in ("in_progress", "queued"):
        notes.append(f"response is still {status} (background mode: fetch it later by id)")
    return Reply(
        # Separate message items (commentary, then a final answer) stay separate paragraphs.
        text="\n\n".join(texts),
        reasoning="\n\n".join(r for r in reasoning if r),
        tool_calls=tuple(calls),
        refusal="".join(refusals) or None,
        finish_reason=finish,
        native_finish_reason=native,
        error=error,
        notes=tuple(notes),
    )


def _finish(response: dict[str, Any], has_calls: bool) -> tuple[str | None, str | None]:
    # No finish field on the wire: derive it from status (wire-formats.md 3.2).
    status = response.get("status")
    if status == "completed":
        return ("tool_calls" if has_calls else "stop"), "completed"
    if status == "incomplete":
        reason = dig(response, "incomplete_details", "reason")
        return normalize_finish(reason or "length"), reason or status
    if status == "failed":
        return "error", status
    if status == "cancelled":
        return "other", status
    if status is None and has_calls:
        return "tool_calls", None
    return None, status if isinstance(status, str) else None


# Text events: which list of the item holds the part, its index key, the part's type.
_TEXT_PARTS = {
    "output_text": ("content", "content_index", "output_text"),
    "refusal": ("content", "content_index", "refusal"),
    "reasoning_text": ("content", "content_index", "reasoning_text"),
    "reasoning_summary_text": ("summary", "summary_index", "summary_text"),
}


class _Stream:
    """Output items rebuilt from stream events (wire-formats.md 3.4). The terminal event's
    `response` is authoritative; the accumulated items only serve when it never came."""

    def __init__(self) -> None:
        self.response: dict[str, Any] = {}
        self.terminal: dict[str, Any] | None = None
        self.items: dict[int, dict[str, Any]] = {}
        self.index_of: dict[str, int] = {}
        self.error: ApiError | None = None
        self.last_sequence: int | None = None
        self.gaps = 0

    def feed(self, event: dict[str, Any], name: str | None) -> None:
        kind = str(event.get("type") or name or "")
        self._count(as_int(event.get("sequence_number")))
        snapshot = event.get("response")
        if isinstance(snapshot, dict):
            self.response = snapshot
            if kind in _TERMINAL:
                self.terminal = snapshot
        if kind == "error":
            code = event.get("code")
            self.error = stream_error(event) or ApiError(
                str(event.get("message") or "error"), str(code) if code is not None else None)
        elif kind in ("response.output_item.added", "response.output_item.done"):
            self._set_item(event)
        elif kind.startswith("response."):
            self._delta(kind[len("response."):], event)

    def _count(self, sequence: int | None) -> None:
        if sequence is None:
            return
        previous = -1 if self.last_sequence is None else self.last_sequence  # streams start at 0
        if sequence > previous + 1:
            self.gaps += sequence - previous - 1
        self.last_sequence = sequence

    def _set_item(self, event: dict[str, Any]) -> None:
        item = event.get("item")
        if not isinstance(item, dict):
            return
        index = as_int(event.get("output_index"))
        if index is None:
            index = self.index_of.get(str(item.get("id")), len(self.items))
        self.items[index] = deepcopy(item)  # `.done` carries the authoritative final item
        if item.get("id"):
            self.index_of[str(item["id"])] = index

    def _item(self, event: dict[str, Any], kind: str) -> dict[str, Any]:
        index = as_int(event.get("output_index"))
        if index is None:
            index = self.index_of.get(str(event.get("item_id")), len(self.items))
        if index not in self.items:  # a delta whose `output_item.added` was not recorded
            self.items[index] = {"type": kind, "id": event.get("item_id")}
        return self.items[index]

    def _delta(self, kind: str, event: dict[str, Any]) -> None:
        # Bedrock Mantle names reasoning content-part events `reasoning_part.*` (seen in
        # the corpus; not in OpenAI's docs).
        if kind in ("content_part.added", "content_part.done", "reasoning_part.added",
                    "reasoning_part.done"):
            part = event.get("part")
            owner = "reasoning" if kind.startswith("reasoning") else "message"
            if isinstance(part, dict):
                _put(self._item(event, owner), "content", event, deepcopy(part))
        elif kind in ("reasoning_summary_part.added", "reasoning_summary_part.done"):
            part = event.get("part")
            if isinstance(part, dict):
                _put(self._item(event, "reasoning"), "summary", event, deepcopy(part),
                     "summary_index")
        elif kind.startswith(("output_text.", "refusal.", "reasoning_text.",
                              "reasoning_summary_text.")):
            self._text(kind, event)
        elif kind.startswith(("function_call_arguments.", "custom_tool_call_input.",
                              "mcp_call_arguments.", "code_interpreter_call_code.")):
            self._call_text(kind, event)

    def _text(self, kind: str, event: dict[str, Any]) -> None:
        family, _, step = kind.rpartition(".")
        if family == "output_text.annotation":
            part = _get(self._item(event, "message"), "content", event)
            if isinstance(event.get("annotation"), dict):
                part.setdefault("annotations", []).append(event["annotation"])
            return
        owner = "reasoning" if family.startswith("reasoning") else "message"
        where, key, part_type = _TEXT_PARTS[family]
        part = _get(self._item(event, owner), where, event, key)
        part.setdefault("type", part_type)
        field = "refusal" if family == "refusal" else "text"
        if step == "delta" and isinstance(event.get("delta"), str):
            part[field] = str(part.get(field) or "") + event["delta"]
        elif step == "done" and isinstance(event.get(field), str):
            part[field] = event[field]

    def _call_text(self, kind: str, event: dict[str, Any]) -> None:
        family, _, step = kind.rpartition(".")
        field = {"custom_tool_call_input": "input", "code_interpreter_call_code": "code"}.get(
            family, "arguments")
        owner = {"function_call_arguments": "function_call",
                 "custom_tool_call_input": "custom_tool_call"}.get(family, family)
        item = self._item(event, owner)
        if step == "delta" and isinstance(event.get("delta"), str):
            item[field] = str(item.get(field) or "") + event["delta"]
        elif step == "done" and isinstance(event.get(field), str):
            item[field] = event[field]

    def reply(self) -> tuple[Reply, dict[str, Any]]:
        final = self.terminal or self.response
        output = final.get("output")
        streamed = [self.items[i] for i in sorted(self.items)]
        # Defensive: a terminal event with an empty `output` (a proxy that drops the echo)
        # defers to the items the stream delivered.
        items = output if isinstance(output, list) and (output or not streamed) else streamed
        if self.terminal is not None:
            reply = reply_of(final, items)
        else:
            # An in-progress snapshot says nothing of how it ended; calls may be cut short.
            reply = replace(reply_of({**final, "status": None}, items), finish_reason=None)
        if self.error is not None:
            return replace(reply, error=self.error, finish_reason="error"), final
        if self.terminal is None:
            notes = ["stream ended before response.completed; reply rebuilt from the "
                     f"{len(streamed)} streamed item(s), usage unknown"]
            if self.gaps:
                notes.append(f"{self.gaps} stream event(s) missing (sequence_number gaps)")
            reply = replace(reply, notes=(*reply.notes, *notes))
        return reply, final


def _get(item: dict[str, Any], where: str, event: dict[str, Any],
         key: str = "content_index") -> dict[str, Any]:
    if not isinstance(item.get(where), list):
        item[where] = []
    parts: list[Any] = item[where]
    index = as_int(event.get(key)) or 0
    if index < 0 or index > len(parts) + 1:
        index = len(parts)  # a part index from nowhere is the next part, never a gap to fill
    while len(parts) <= index:  # Bedrock Mantle starts a message's parts at index 1
        parts.append({})
    if not isinstance(parts[index], dict):
        parts[index] = {}
    part: dict[str, Any] = parts[index]
    return part


def _put(item: dict[str, Any], where: str, event: dict[str, Any], part: dict[str, Any],
         key: str = "content_index") -> None:
    current = _get(item, where, event, key)
    current.clear()
    current.update(part)


# --- the exchange ---------------------------------------------------------------------------

def read(interaction: Interaction, request_body: Any, streamed: bool) -> Exchange:
    response = interaction.response
    url = interaction.request.url
    final: dict[str, Any] = {}
    if response is None:
        reply = Reply()
    elif response.status is not None and response.status >= 400:
        reply = Reply(error=error_from(response, body_json(response.body)),
                      finish_reason="error")
    elif streamed:
        reply, final = _read_stream(response.body.data.decode("utf-8", errors="replace"))
    else:
        reply, final = _read_object(body_json(response.body))
    request_model = request_body.get("model") if isinstance(request_body, dict) else None
    return Exchange(
        api=API,
        provider=provider_of(url),
        model=final.get("model") or request_model,
        request_model=request_model,
        streamed=streamed,
        prompt=prompt_of(request_body),
        reply=reply,
        usage=_usage(final.get("usage")),
        reported_cost=reported_cost(final.get("usage")),
        response_id=final.get("id") or None,
    )


def _read_object(data: Any) -> tuple[Reply, dict[str, Any]]:
    if not isinstance(data, dict):
        return Reply(notes=("response body is not a JSON object",)), {}
    if "output" not in data and stream_error(data):  # an error envelope sent with HTTP 200
        return Reply(error=stream_error(data), finish_reason="error"), {}
    output = data.get("output")
    return reply_of(data, output if isinstance(output, list) else []), data


def _read_stream(text: str) -> tuple[Reply, dict[str, Any]]:
    stream = _Stream()
    bad = 0
    for event in iter_sse(text):
        data = try_json(event.data)
        if isinstance(data, dict):
            stream.feed(data, event.event)
        elif event.data.strip() != "[DONE]":  # not sent by OpenAI, but harmless from proxies
            bad += 1
    reply, final = stream.reply()
    if bad:
        reply = replace(reply, notes=(*reply.notes, f"{bad} stream event(s) were not JSON"))
    return reply, final


def _usage(usage: Any) -> Usage | None:
    # wire-formats.md 3.5: input includes cached tokens, output includes reasoning.
    if not isinstance(usage, dict):
        return None
    return Usage(
        input_tokens=as_int(usage.get("input_tokens")),
        output_tokens=as_int(usage.get("output_tokens")),
        cache_read_tokens=as_int(dig(usage, "input_tokens_details", "cached_tokens")),
        cache_write_tokens=as_int(dig(usage, "input_tokens_details", "cache_write_tokens")),
        reasoning_tokens=as_int(dig(usage, "output_tokens_details", "reasoning_tokens")),
    )
