"""cassetter cassettes (`version: 1`, typed bodies `{type: json|text|binary|none, content}`).

Wire facts (Kludex/cassetter SPECIFICATION.md): `status` is a bare integer; binary content
is hex; bodies are stored decompressed; the file may also hold `grpc_interactions` (shown as
exchanges keyed by their method, with `json_debug` as the readable body) and
`ws_interactions` (shown as their frames, directions `send`/`recv`).
"""

from __future__ import annotations

from typing import Any

from ..model import Body, Headers, Interaction, Request, Response, WsMessage
from ..source import Source, dump_json, try_json
from .common import (
    Layout,
    as_list,
    as_map,
    as_text,
    headers_from_map,
    hex_body,
    item_lines,
    make_body,
    standard_reason,
    status_code,
    ws_direction,
)

NAME = "cassetter"
LAYOUT = Layout(
    url=(("request", "uri"), ("uri",)), status=(("response", "status"),),
    request_headers=(("request", "headers"), ("headers",)),
    response_headers=(("response", "headers"),),
    request_body=(("request", "body", "content"),),
    response_body=(("response", "body", "content"),),
)
BODY_TYPES = ("json", "text", "binary", "none")


def sniff(tree: Any) -> bool:
    if not isinstance(tree, dict):
        return False
    if "grpc_interactions" in tree or "ws_interactions" in tree:
        return True
    items = tree.get("interactions")
    if not isinstance(items, list) or not items or not isinstance(items[0], dict):
        return False
    request, response = items[0].get("request"), items[0].get("response")
    if not isinstance(request, dict) or "uri" not in request:
        return False
    response = response if isinstance(response, dict) else {}
    return _is_typed(request.get("body")) or _is_typed(response.get("body")) or (
        isinstance(response.get("status"), int) and "parsed_body" not in response)


def _is_typed(body: Any) -> bool:
    return isinstance(body, dict) and body.get("type") in BODY_TYPES and set(body) <= {
        "type", "content"}


def typed_body(value: Any, headers: Headers) -> Body:
    if not _is_typed(value):
        return make_body(value, headers)
    kind, content = value.get("type"), value.get("content")
    if kind == "none" or content is None:
        return Body()
    if kind == "binary":
        return hex_body(content, headers)
    if kind == "json" and not isinstance(content, (dict, list)):
        return make_body(dump_json(content), headers)  # a JSON scalar, kept as its JSON text
    return make_body(content, headers)


def read(tree: Any, source: Source) -> list[Interaction]:
    result = _http(tree, source)
    result.extend(_grpc(tree, source, len(result)))
    result.extend(_ws(tree, source, len(result)))
    return result


def _lines(source: Source, key: str, count: int) -> list[int | None]:
    lines = item_lines(source.data, key)
    return list(lines) if len(lines) == count else [None] * count


def _http(tree: dict[str, Any], source: Source) -> list[Interaction]:
    items = as_list(tree.get("interactions"), "interactions")
    lines = _lines(source, "interactions", len(items))
    result = []
    for index, item in enumerate(items):
        item = as_map(item, f"interaction {index}")
        req = as_map(item.get("request"), f"interaction {index} request")
        resp = as_map(item.get("response"), f"interaction {index} response")
        req_headers = headers_from_map(req.get("headers"))
        resp_headers = headers_from_map(resp.get("headers"))
        status = resp.get("status")
        if isinstance(status, dict):  # cassetter also reads VCR.py's `{code, message}`
            status = status.get("code")
        result.append(Interaction(
            index=index,
            request=Request(as_text(req.get("method") or "GET").upper(), as_text(req.get("uri")),
                            req_headers, typed_body(req.get("body"), req_headers)),
            response=Response(status_code(status), standard_reason(status_code(status)),
                              resp_headers, typed_body(resp.get("body"), resp_headers)),
            line=lines[index],
            where=("interactions", index),
        ))
    return result


def _grpc(tree: dict[str, Any], source: Source, start: int) -> list[Interaction]:
    items = as_list(tree.get("grpc_interactions"), "grpc_interactions")
    lines = _lines(source, "grpc_interactions", len(items))
    result = []
    for number, item in enumerate(items):
        item = as_map(item, f"grpc interaction {number}")
        req = as_map(item.get("request"), f"grpc interaction {number} request")
        resp = as_map(item.get("response"), f"grpc interaction {number} response")
        debug = as_map(item.get("json_debug"), f"grpc interaction {number} json_debug")
        req_body = typed_body(req.get("body"), ())
        resp_body = typed_body(resp.get("body"), ())
        # The messages are protobuf bytes; json_debug is the same message as JSON.
        if "request" in debug:
            req_body = make_body(debug["request"], ())
        if "response" in debug:
            resp_body = make_body(debug["response"], ())
        result.append(Interaction(
            index=start + number,
            request=Request("GRPC", as_text(req.get("method")),
                            headers_from_map(req.get("metadata")), req_body),
            response=Response(status_code(resp.get("status_code")),
                              as_text(resp.get("status_message")),
                              headers_from_map(resp.get("metadata")), resp_body),
            line=lines[number],
            where=("grpc_interactions", number),
        ))
    return result


def _ws(tree: dict[str, Any], source: Source, start: int) -> list[Interaction]:
    items = as_list(tree.get("ws_interactions"), "ws_interactions")
    lines = _lines(source, "ws_interactions", len(items))
    result = []
    for number, item in enumerate(items):
        item = as_map(item, f"ws interaction {number}")
        frames = tuple(_frame(as_map(frame, "ws frame"))
                       for frame in as_list(item.get("frames"), "frames"))
        result.append(Interaction(
            index=start + number,
            request=Request("WEBSOCKET", as_text(item.get("uri")),
                            headers_from_map(item.get("headers"))),
            response=None,
            websocket=frames,
            line=lines[number],
            where=("ws_interactions", number),
        ))
    return result


def _frame(frame: dict[str, Any]) -> WsMessage:
    kind = as_text(frame.get("frame_type") or "text")
    body = typed_body(frame.get("body"), ())
    data: Any = body.parsed
    if data is None and kind == "binary":
        data = body.data
    elif data is None:
        text = body.data.decode("utf-8", errors="replace")
        parsed = try_json(body.data) if text.lstrip()[:1] in ("{", "[") else None
        data = parsed if parsed is not None else text
    return WsMessage(ws_direction(frame.get("direction")), data, kind)
