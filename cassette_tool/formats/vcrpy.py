"""VCR.py / pytest-recording cassettes, with pydantic-ai's dialects.

Wire facts: `version: 1` usually sits at the end; `response.body.string` may be `!!binary`
gzip or brotli; pydantic-ai writes `parsed_body:` (the JSON as YAML) instead of `body:`
and records realtime websocket sessions as `interactions: [{kind, direction, data}]`;
OpenTelemetry's cassettes pretty-print JSON bodies.
"""

from __future__ import annotations

from typing import Any

from ..model import Body, Headers, Interaction, Request, Response, WsMessage
from ..source import Source
from .common import as_list, as_map, headers_from_map, item_lines, make_body

NAME = "vcrpy"


def sniff(tree: Any) -> bool:
    if not isinstance(tree, dict) or not isinstance(tree.get("interactions"), list):
        return False
    items = tree["interactions"]
    if not items:
        return "version" in tree
    first = items[0]
    if not isinstance(first, dict):
        return False
    if "direction" in first and "data" in first:
        return True
    request = first.get("request")
    return isinstance(request, dict) and "uri" in request and (
        "body" in request or "parsed_body" in request or "method" in request)


def _body(part: dict[str, Any], headers: Headers) -> Body:
    if "parsed_body" in part:
        return make_body(part["parsed_body"], headers)
    body = part.get("body")
    if isinstance(body, dict) and ("string" in body or not body):
        body = body.get("string")
    return make_body(body, headers)


def read(tree: Any, source: Source) -> list[Interaction]:
    items = as_list(tree.get("interactions"), "interactions")
    lines = item_lines(source.text, "interactions")
    line_of = (lambda i: lines[i]) if len(lines) == len(items) else (lambda i: None)
    if items and isinstance(items[0], dict) and "direction" in items[0]:
        return [_websocket(items, tree, line_of(0))]
    result = []
    for index, item in enumerate(items):
        item = as_map(item, f"interaction {index}")
        req = as_map(item.get("request"), f"interaction {index} request")
        resp = as_map(item.get("response"), f"interaction {index} response")
        req_headers = headers_from_map(req.get("headers"))
        resp_headers = headers_from_map(resp.get("headers"))
        status = as_map(resp.get("status"), f"interaction {index} response status")
        code = status.get("code")
        result.append(Interaction(
            index=index,
            request=Request(
                method=str(req.get("method") or "GET").upper(),
                url=str(req.get("uri") or ""),
                headers=req_headers,
                body=_body(req, req_headers),
            ),
            response=Response(
                status=code if isinstance(code, int) else None,
                reason=str(status.get("message") or ""),
                headers=resp_headers,
                body=_body(resp, resp_headers),
            ),
            line=line_of(index),
        ))
    return result


def _websocket(items: list[Any], tree: dict[str, Any], line: int | None) -> Interaction:
    messages = []
    for item in items:
        if not isinstance(item, dict):
            continue
        direction = "sent" if str(item.get("direction")) in ("sent", "send") else "received"
        messages.append(WsMessage(direction=direction, data=item.get("data"),
                                  kind=str(item.get("kind") or "message")))
    url = str(tree.get("url") or tree.get("uri") or "")
    return Interaction(index=0, request=Request(method="WEBSOCKET", url=url), response=None,
                       websocket=tuple(messages), line=line)
