"""go-vcr cassettes: `version: 1` (go-vcr v1 and v2) and `version: 2` (go-vcr v3 and v4).

Wire facts (wire-formats.md section 0): `code` is an integer beside a `status` string
("200 OK"); `duration` is Go's duration text ("1.02s", "594ms"), absent before go-vcr v1.1;
a request may have no `body` key but a `form` of url-encoded values instead; Bedrock
event-stream bodies are `!!binary`. Version 1 files start with `---`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from ..model import Interaction, Request, Response
from ..source import Source
from .common import (
    Layout,
    Numbered,
    as_list,
    as_map,
    as_text,
    go_duration_ms,
    headers_from_map,
    item_lines,
    make_body,
    numbered,
    status_code,
)

NAME = "go-vcr"
LAYOUT = Layout(
    url=(("request", "url"),), status=(("response", "code"),),
    request_headers=(("request", "headers"),), response_headers=(("response", "headers"),),
    request_body=(("request", "body"),), response_body=(("response", "body"),),
)


def sniff(tree: Any) -> bool:
    if not isinstance(tree, dict) or tree.get("version") not in (1, 2, "1", "2"):
        return False
    items = tree.get("interactions")
    if not isinstance(items, list):
        return False
    first = items[0] if items else {}
    request = first.get("request") if isinstance(first, dict) else None
    # VCR.py also writes `version: 1`; go-vcr requests carry `url`, VCR.py's `uri`.
    return not items or (isinstance(request, dict) and "url" in request)


def _form(value: Any) -> str:
    if not isinstance(value, dict):
        return ""
    return urlencode([(as_text(k), as_text(v)) for k, vs in value.items()
                      for v in (vs if isinstance(vs, list) else [vs])])


def read(tree: Any, source: Source) -> list[Interaction]:
    items = as_list(tree.get("interactions"), "interactions")
    lines = item_lines(source.data, "interactions")
    return [interaction for interaction, _ in read_items(tree, numbered(items, lines))]


def read_items(top: dict[str, Any], items: Numbered) -> Iterator[tuple[Interaction, Any]]:
    """Each interaction of the `interactions` list, with its item as stored."""
    for index, (line, stored) in enumerate(items):
        item = as_map(stored, f"interaction {index}")
        req = as_map(item.get("request"), f"interaction {index} request")
        resp = as_map(item.get("response"), f"interaction {index} response")
        req_headers = headers_from_map(req.get("headers"))
        resp_headers = headers_from_map(resp.get("headers"))
        reason = as_text(resp.get("status"))
        status = status_code(resp.get("code"))
        if status is None:
            status = status_code(reason)
        if reason[:3].isdigit():
            reason = reason[3:].strip()
        body = req.get("body")
        if body in (None, ""):
            body = _form(req.get("form")) or body
        yield Interaction(
            index=index,
            request=Request(
                method=as_text(req.get("method") or "GET").upper(),
                url=as_text(req.get("url")),
                headers=req_headers,
                body=make_body(body, req_headers),
            ),
            response=Response(
                status=status,
                reason=reason,
                headers=resp_headers,
                body=make_body(resp.get("body"), resp_headers),
                duration_ms=go_duration_ms(resp.get("duration")),
            ),
            line=line,
            where=("interactions", index),
        ), stored
