"""Ruby VCR cassettes (`http_interactions`, `recorded_with`), in YAML or JSON.

Wire facts: bodies are `{encoding, string}` or `{encoding, base64_string}` (VCR's
`preserve_exact_body_bytes`); binary strings may carry Psych's local `!binary` tag;
methods are lower-case; hosts are often replaced by placeholders such as
`<OLLAMA_API_BASE>`; there is no duration, only `recorded_at`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..model import Body, Headers, Interaction, Request, Response
from ..source import Source
from .common import (
    Layout,
    Numbered,
    as_list,
    as_map,
    as_text,
    base64_body,
    headers_from_map,
    item_lines,
    json_item_lines,
    make_body,
    numbered,
    status_code,
)

NAME = "ruby-vcr"
LAYOUT = Layout(
    url=(("request", "uri"),), status=(("response", "status", "code"), ("response", "status")),
    request_headers=(("request", "headers"),), response_headers=(("response", "headers"),),
    request_body=(("request", "body", "string"), ("request", "body", "base64_string")),
    response_body=(("response", "body", "string"), ("response", "body", "base64_string")),
)


def sniff(tree: Any) -> bool:
    return isinstance(tree, dict) and isinstance(tree.get("http_interactions"), list)


def _body(value: Any, headers: Headers) -> Body:
    if not isinstance(value, dict):
        return make_body(value, headers)
    if "base64_string" in value:
        return base64_body(value["base64_string"], headers)
    return make_body(value.get("string"), headers)


def read(tree: Any, source: Source) -> list[Interaction]:
    items = as_list(tree.get("http_interactions"), "http_interactions")
    if source.data.lstrip()[:1] == b"{":
        lines = json_item_lines(source.data, ("http_interactions",))
    else:
        lines = item_lines(source.data, "http_interactions")
    return [interaction for interaction, _ in read_items(tree, numbered(items, lines))]


def read_items(top: dict[str, Any], items: Numbered) -> Iterator[tuple[Interaction, Any]]:
    """Each interaction of the `http_interactions` list, with its item as stored."""
    for index, (line, stored) in enumerate(items):
        item = as_map(stored, f"interaction {index}")
        req = as_map(item.get("request"), f"interaction {index} request")
        resp = as_map(item.get("response"), f"interaction {index} response")
        req_headers = headers_from_map(req.get("headers"))
        resp_headers = headers_from_map(resp.get("headers"))
        status = resp.get("status")
        code = status.get("code") if isinstance(status, dict) else status
        reason = status.get("message") if isinstance(status, dict) else ""
        yield Interaction(
            index=index,
            request=Request(
                method=as_text(req.get("method") or "get").upper(),
                url=as_text(req.get("uri")),
                headers=req_headers,
                body=_body(req.get("body"), req_headers),
            ),
            response=Response(
                status=status_code(code),
                reason=as_text(reason),
                headers=resp_headers,
                body=_body(resp.get("body"), resp_headers),
            ),
            line=line,
            where=("http_interactions", index),
        ), stored
