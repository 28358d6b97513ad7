"""VCR.py / pytest-recording cassettes, with pydantic-ai's dialects.

Wire facts: `version: 1` usually sits at the end; `response.body.string` may be `!!binary`
gzip or brotli (VCR.py keeps the compressed bytes unless `decode_compressed_response`);
a request body is a plain string, `!!binary` or null; pydantic-ai writes `parsed_body:`
(the JSON as YAML) instead of `body:`, and records realtime websocket sessions as
`interactions: [{kind, direction, data}]` with no URL; OpenTelemetry's cassettes
pretty-print JSON bodies.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..model import Body, Headers, Interaction, Request, Response, WsMessage
from ..source import Source
from .common import (
    Layout,
    Numbered,
    as_list,
    as_map,
    as_text,
    headers_from_map,
    item_lines,
    make_body,
    numbered,
    status_code,
    ws_direction,
)

NAME = "vcrpy"
LAYOUT = Layout(
    url=(("request", "uri"),), status=(("response", "status", "code"), ("response", "status")),
    request_headers=(("request", "headers"),), response_headers=(("response", "headers"),),
    request_body=(("request", "parsed_body"), ("request", "body", "string"), ("request", "body")),
    response_body=(("response", "parsed_body"), ("response", "body", "string"),
                   ("response", "body")),
)


def sniff(tree: Any) -> bool:
    if not isinstance(tree, dict) or not isinstance(tree.get("interactions"), list):
        return False
    items = tree["interactions"]
    if not items:
        return "version" in tree
    first = items[0]
    if not isinstance(first, dict):
        return False
    if _is_ws(first):
        return True
    request = first.get("request")
    return isinstance(request, dict) and "uri" in request


def _is_ws(item: Any) -> bool:
    return isinstance(item, dict) and "direction" in item and "data" in item


def _body(part: dict[str, Any], headers: Headers) -> Body:
    if "parsed_body" in part:
        return make_body(part["parsed_body"], headers)
    body = part.get("body")
    if isinstance(body, dict) and ("string" in body or not body):
        body = body.get("string")
    return make_body(body, headers)


def _status(value: Any) -> tuple[int | None, str]:
    if isinstance(value, dict):
        return status_code(value.get("code")), as_text(value.get("message"))
    return status_code(value), ""  # a bare code, as some converters write it


def read(tree: Any, source: Source) -> list[Interaction]:
    items = as_list(tree.get("interactions"), "interactions")
    lines = item_lines(source.data, "interactions")
    return [interaction for interaction, _ in read_items(tree, numbered(items, lines))]


def read_items(top: dict[str, Any], items: Numbered) -> Iterator[tuple[Interaction, Any]]:
    """Each interaction of the `interactions` list, with its item as stored (websocket
    frames in a row make one interaction, whose item is None)."""
    count = 0
    session: list[WsMessage] = []
    session_line: int | None = None
    for position, (line, item) in enumerate(items):
        if _is_ws(item):
            if not session:
                session_line = line
            session.append(_ws_message(item))
            continue
        if session:  # websocket frames end where an HTTP interaction starts
            yield _websocket(count, session, top, session_line), None
            count, session = count + 1, []
        yield _http(count, item, line, position), item
        count += 1
    if session:
        yield _websocket(count, session, top, session_line), None


def _http(index: int, item: Any, line: int | None, position: int) -> Interaction:
    item = as_map(item, f"interaction {index}")
    req = as_map(item.get("request"), f"interaction {index} request")
    resp = as_map(item.get("response"), f"interaction {index} response")
    req_headers = headers_from_map(req.get("headers"))
    resp_headers = headers_from_map(resp.get("headers"))
    code, reason = _status(resp.get("status"))
    return Interaction(
        index=index,
        request=Request(
            method=as_text(req.get("method") or "GET").upper(),
            url=as_text(req.get("uri")),
            headers=req_headers,
            body=_body(req, req_headers),
        ),
        response=Response(
            status=code,
            reason=reason,
            headers=resp_headers,
            body=_body(resp, resp_headers),
        ),
        line=line,
        where=("interactions", position),
    )


def _ws_message(item: dict[str, Any]) -> WsMessage:
    return WsMessage(direction=ws_direction(item.get("direction")), data=item.get("data"),
                     kind=as_text(item.get("kind") or "message"))


def _websocket(index: int, messages: list[WsMessage], tree: dict[str, Any],
               line: int | None) -> Interaction:
    # pydantic-ai does not record the socket's URL; a hand-edited file may add one on top.
    url = as_text(tree.get("url") or tree.get("uri"))
    return Interaction(index=index, request=Request(method="WEBSOCKET", url=url),
                       response=None, websocket=tuple(messages), line=line)
