"""cassetter cassettes (`version: 1`, typed bodies `{type: json|text|binary|none, content}`).

Wire facts: `status` is an integer; binary content is hex; the file may also hold
`grpc_interactions` (shown as exchanges keyed by their method) and `ws_interactions`
(shown as their frames).
"""

from __future__ import annotations

from typing import Any

from ..model import Body, Headers, Interaction, Request, Response, WsMessage
from ..source import Source, try_json
from .common import as_list, as_map, headers_from_map, item_lines, make_body

NAME = "cassetter"


def sniff(tree: Any) -> bool:
    if not isinstance(tree, dict):
        return False
    if "grpc_interactions" in tree or "ws_interactions" in tree:
        return True
    items = tree.get("interactions")
    if not isinstance(items, list) or not items or not isinstance(items[0], dict):
        return False
    body = (items[0].get("request") or {}).get("body") if isinstance(
        items[0].get("request"), dict) else None
    return isinstance(body, dict) and "type" in body


def typed_body(value: Any, headers: Headers) -> Body:
    if not isinstance(value, dict):
        return make_body(value, headers)
    kind = value.get("type")
    content = value.get("content")
    if kind == "none" or content is None:
        return Body()
    if kind == "json":
        return make_body(content, headers)
    if kind == "binary":
        text = content if isinstance(content, str) else str(content)
        try:
            return make_body(bytes.fromhex(text), headers, stored_as="hex")
        except ValueError as exc:
            return Body(data=text.encode(), notes=(f"could not decode hex: {exc}",))
    return make_body(content, headers)


def read(tree: Any, source: Source) -> list[Interaction]:
    items = as_list(tree.get("interactions"), "interactions")
    lines = item_lines(source.text, "interactions")
    result = []
    for index, item in enumerate(items):
        item = as_map(item, f"interaction {index}")
        req = as_map(item.get("request"), f"interaction {index} request")
        resp = as_map(item.get("response"), f"interaction {index} response")
        req_headers = headers_from_map(req.get("headers"))
        resp_headers = headers_from_map(resp.get("headers"))
        status = resp.get("status")
        result.append(Interaction(
            index=index,
            request=Request(str(req.get("method") or "GET").upper(), str(req.get("uri") or ""),
                            req_headers, typed_body(req.get("body"), req_headers)),
            response=Response(status if isinstance(status, int) else None, "", resp_headers,
                              typed_body(resp.get("body"), resp_headers)),
            line=lines[index] if len(lines) == len(items) else None,
        ))
    for item in as_list(tree.get("grpc_interactions"), "grpc_interactions"):
        item = as_map(item, "grpc interaction")
        req = as_map(item.get("request"), "grpc request")
        resp = as_map(item.get("response"), "grpc response")
        debug = as_map(item.get("json_debug"), "json_debug")
        req_body = typed_body(req.get("body"), ())
        resp_body = typed_body(resp.get("body"), ())
        if "request" in debug:
            req_body = make_body(debug["request"], ())
        if "response" in debug:
            resp_body = make_body(debug["response"], ())
        code = resp.get("status_code")
        result.append(Interaction(
            index=len(result),
            request=Request("GRPC", str(req.get("method") or ""),
                            headers_from_map(req.get("metadata")), req_body),
            response=Response(code if isinstance(code, int) else None,
                              str(resp.get("status_message") or ""),
                              headers_from_map(resp.get("metadata")), resp_body),
        ))
    for item in as_list(tree.get("ws_interactions"), "ws_interactions"):
        item = as_map(item, "ws interaction")
        frames = []
        for frame in as_list(item.get("frames"), "frames"):
            frame = as_map(frame, "frame")
            body = typed_body(frame.get("body"), ())
            data: Any = body.parsed
            if data is None:
                text = body.data.decode("utf-8", errors="replace")
                parsed = try_json(body.data) if frame.get("frame_type") == "text" else None
                data = parsed if parsed is not None else (
                    text if frame.get("frame_type") != "binary" else body.data)
            direction = "sent" if str(frame.get("direction")) in ("send", "sent") else "received"
            frames.append(WsMessage(direction, data, str(frame.get("frame_type") or "text")))
        result.append(Interaction(
            index=len(result),
            request=Request("WEBSOCKET", str(item.get("uri") or ""),
                            headers_from_map(item.get("headers"))),
            response=None,
            websocket=tuple(frames),
        ))
    return result
