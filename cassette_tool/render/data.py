"""Cassettes as plain JSON-ready data: the stable `--format json` interface (see README)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

from ..errors import CassetteError
from ..load import InteractionStream
from ..model import (
    Body,
    Cassette,
    Exchange,
    Interaction,
    MediaPart,
    Message,
    Part,
    ReasoningPart,
    TextPart,
    ToolCall,
    ToolResult,
    Usage,
)
from ..source import dump_json, plain_data, text_of, try_json

SCHEMA_VERSION = 1


def loaded_data(item: Cassette | CassetteError, *, raw: bool = False,
                only: int | None = None) -> dict[str, Any]:
    if isinstance(item, CassetteError):
        return {"path": item.path, "format": None,
                "error": {"message": item.message, "line": item.line},
                "interactions": []}
    interactions = [i for i in item.interactions if only is None or i.index == only]
    return {"path": item.path, "format": item.format, "error": None,
            "interactions": [interaction_data(i, raw=raw) for i in interactions]}


def loaded_json(item: Cassette | InteractionStream | CassetteError, *, raw: bool = False,
                only: int | None = None) -> Iterator[str]:
    """`loaded_data` as JSON text (the same text), written an interaction at a time."""
    if not isinstance(item, InteractionStream):
        yield dump_json(loaded_data(item, raw=raw, only=only))
        return
    head = dump_json({"path": item.path, "format": item.format, "error": None})
    yield head[:-1] + ',"interactions":['
    separator = ""
    for interaction, _ in item.items:
        if only is None or interaction.index == only:
            yield separator + dump_json(interaction_data(interaction, raw=raw))
            separator = ","
    yield "]}"


def interaction_data(interaction: Interaction, *, raw: bool = False) -> dict[str, Any]:
    request, response, exchange = interaction.request, interaction.response, interaction.exchange
    data: dict[str, Any] = {
        "index": interaction.index,
        "line": interaction.line,
        "request": {"method": request.method, "url": request.url},
        "response": None if response is None else {
            "status": response.status, "duration_ms": response.duration_ms},
        "api": exchange.api if exchange else None,
        "provider": exchange.provider if exchange else None,
        "model": exchange.model if exchange else None,
        "streamed": exchange.streamed if exchange else False,
        "prompt": None,
        "reply": None,
        "usage": None,
        "cost": None,
    }
    if exchange is not None:
        data.update(exchange_data(exchange))
    if interaction.websocket:
        data["websocket"] = [{"direction": m.direction, "kind": m.kind, "data": plain_data(m.data)}
                             for m in interaction.websocket]
    if raw or exchange is None:
        data["request"].update(headers=[list(h) for h in request.headers],
                               body=body_data(request.body))
        if response is not None:
            data["response"].update(reason=response.reason,
                                    headers=[list(h) for h in response.headers],
                                    body=body_data(response.body))
    return data


def exchange_data(exchange: Exchange) -> dict[str, Any]:
    reply = exchange.reply
    return {
        "request_model": exchange.request_model,
        "response_id": exchange.response_id,
        "prompt": {
            "messages": [message_data(m) for m in exchange.prompt.messages],
            "tools": [{"name": t.name, "description": t.description,
                       "parameters": plain_data(t.parameters)} for t in exchange.prompt.tools],
            "params": {name: plain_data(value) for name, value in exchange.prompt.params},
        },
        "reply": {
            "text": reply.text,
            "reasoning": reply.reasoning,
            "tool_calls": [tool_call_data(c) for c in reply.tool_calls],
            "refusal": reply.refusal,
            "finish_reason": reply.finish_reason,
            "native_finish_reason": reply.native_finish_reason,
            "error": None if reply.error is None else {
                "message": reply.error.message, "type": reply.error.type},
            "notes": list(reply.notes),
        },
        "usage": usage_data(exchange.usage),
        "cost": None if exchange.cost is None else {
            "usd": float(exchange.cost.usd), "source": exchange.cost.source},
        "cost_note": exchange.cost_note,
    }


def usage_data(usage: Usage | None) -> dict[str, Any] | None:
    if usage is None:
        return None
    return {"input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens,
            "cache_read_tokens": usage.cache_read_tokens,
            "cache_write_tokens": usage.cache_write_tokens,
            "reasoning_tokens": usage.reasoning_tokens}


def tool_call_data(call: ToolCall) -> dict[str, Any]:
    return {"id": call.id, "name": call.name, "arguments": plain_data(call.arguments)}


def message_data(message: Message) -> dict[str, Any]:
    return {"role": message.role, "content": [part_data(p) for p in message.parts]}


def part_data(part: Part) -> dict[str, Any]:
    if isinstance(part, TextPart):
        return {"type": "text", "text": part.text}
    if isinstance(part, ReasoningPart):
        return {"type": "reasoning", "text": part.text}
    if isinstance(part, ToolCall):
        return {"type": "tool_call", **tool_call_data(part)}
    if isinstance(part, ToolResult):
        return {"type": "tool_result", "tool_call_id": part.tool_call_id, "name": part.name,
                "content": part.content, "is_error": part.is_error}
    assert isinstance(part, MediaPart)
    return {"type": part.kind, "media_type": part.media_type, "size": part.size,
            "url": part.url}


def body_data(body: Body) -> dict[str, Any]:
    text = text_of(body.data)
    if text is not None:
        return {"text": text, "notes": list(body.notes)}
    data: dict[str, Any] = {"base64": base64.b64encode(body.data).decode(),
                            "size": len(body.data), "notes": list(body.notes)}
    frames = eventstream_frames(body.data)
    if frames is not None:
        data["frames"] = frames
    return data


def eventstream_frames(data: bytes) -> list[dict[str, Any]] | None:
    """An AWS event-stream body as its frames, payloads decoded; None for other bodies."""
    from ..eventstream import decode, looks_like_eventstream

    if not looks_like_eventstream(data):
        return None
    decoded = decode(data)
    frames: list[dict[str, Any]] = []
    for frame in decoded.frames:
        payload: Any = text_of(frame.payload)
        parsed = try_json(frame.payload) if payload else None
        if isinstance(parsed, dict) and isinstance(parsed.get("bytes"), str):
            # Bedrock InvokeModelWithResponseStream wraps each native event in base64.
            inner = try_json(base64.b64decode(parsed["bytes"]))
            payload = inner if inner is not None else parsed
        elif parsed is not None:
            payload = parsed
        frames.append({"offset": frame.offset, "headers": plain_data(frame.headers),
                       "crc_ok": frame.crc_ok, "payload": plain_data(payload)})
    if decoded.problems:
        frames.append({"problems": list(decoded.problems)})
    return frames
