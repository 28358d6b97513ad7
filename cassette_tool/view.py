"""The meaning of an interaction as plain, ordered data: what `diff` compares and what the
git text conversion prints.

Volatile noise is left out unless `strict`: response and tool-call ids, timestamps,
durations, headers (request ids, rate limits, dates), system fingerprints and how a stream
was chunked (the reply is compared after reassembly). The key order is the order in which
changes are reported: request, prompt, reply, usage, cost.
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
from .source import plain_data, text_of, try_json

# Request parameters that name a previous server-side state, not the question asked.
NOISY_PARAMS = frozenset({"previous_response_id", "user", "metadata", "prompt_cache_key",
                          "safety_identifier"})
# Keys of non-LLM JSON bodies and websocket frames that change on every recording.
_NOISY_KEY = re.compile(r"^(id|.*_id|.*Id|created|created_at|createdAt|timestamp|ts|date|"
                        r"expires.*|system_fingerprint|latency.*|.*_ms|rid)$")


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
        view["websocket"] = [{"direction": m.direction, "data": _scrub(m.data, strict)}
                             for m in interaction.websocket]
    if strict:
        view["strict"] = _strict_extras(interaction)
    return view


def _url(url: str) -> str:
    """Host and path: query strings carry API versions and keys more than meaning."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if not parts.netloc:
        return url.split("?", 1)[0]
    return f"{parts.netloc}{parts.path}"


def _exchange_view(exchange: Exchange, strict: bool) -> dict[str, Any]:
    reply = exchange.reply
    prompt = exchange.prompt
    params = {k: plain_data(v) for k, v in prompt.params if strict or k not in NOISY_PARAMS}
    return {
        "api": exchange.api,
        "model": exchange.model,
        "request_model": exchange.request_model,
        "streamed": exchange.streamed,
        "prompt": {
            "messages": [message_view(m, strict) for m in prompt.messages],
            "tools": [{"name": t.name, "description": t.description,
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
        "usage": None if exchange.usage is None else {
            "input_tokens": exchange.usage.input_tokens,
            "output_tokens": exchange.usage.output_tokens,
            "cache_read_tokens": exchange.usage.cache_read_tokens,
            "cache_write_tokens": exchange.usage.cache_write_tokens,
            "reasoning_tokens": exchange.usage.reasoning_tokens,
        },
        "cost": None if exchange.cost is None else {
            "usd": exchange.cost.usd, "source": exchange.cost.source},
    }


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
    return {part.kind: {"media_type": part.media_type, "size": part.size, "url": part.url}}


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
    return text if text is not None else {"binary_bytes": len(body.data)}


def _scrub(value: Any, strict: bool) -> Any:
    if strict:
        return plain_data(value)
    if isinstance(value, dict):
        return {str(k): _scrub(v, strict) for k, v in value.items()
                if not _NOISY_KEY.match(str(k))}
    if isinstance(value, list):
        return [_scrub(v, strict) for v in value]
    return plain_data(value)


def _strict_extras(interaction: Interaction) -> dict[str, Any]:
    response, exchange = interaction.response, interaction.exchange
    return {
        "request_headers": [list(h) for h in interaction.request.headers],
        "response_headers": [list(h) for h in response.headers] if response else None,
        "duration_ms": response.duration_ms if response else None,
        "response_id": exchange.response_id if exchange else None,
        "native_finish_reason": exchange.reply.native_finish_reason if exchange else None,
        "notes": list(exchange.reply.notes) if exchange else None,
    }
