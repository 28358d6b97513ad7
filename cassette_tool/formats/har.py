"""HAR 1.2 archives (`log.entries`), as Polly.js and browsers write them.

Wire facts: `response.content.text` may be base64 (`encoding: base64`); Polly stores a
compressed response as a JSON array of base64 chunks of the still-compressed stream, one
per chunk the server sent, so the chunks are decoded one by one and joined before the
gzip or brotli is undone. `time` is the entry's duration in milliseconds; a form post may
carry `postData.params` instead of `text`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from ..model import Body, Headers, Interaction, Request, Response
from ..source import Source, decode_base64, try_json
from .common import (
    Layout,
    as_list,
    as_map,
    as_text,
    headers_from_pairs,
    json_item_lines,
    make_body,
    status_code,
)

NAME = "har"
LAYOUT = Layout(
    url=(("request", "url"),), status=(("response", "status"),),
    request_headers=(("request", "headers"),), response_headers=(("response", "headers"),),
    request_body=(("request", "postData", "text"),),
    response_body=(("response", "content", "text"),),
    request_headers_shape="pairs", response_headers_shape="pairs",
    request_cookies=(("request", "cookies"),), response_cookies=(("response", "cookies"),),
)


def sniff(tree: Any) -> bool:
    return isinstance(tree, dict) and isinstance(tree.get("log"), dict) and isinstance(
        tree["log"].get("entries"), list)


def _content(content: dict[str, Any], headers: Headers) -> Body:
    text = content.get("text")
    if text is None:
        return Body()
    if content.get("encoding") != "base64":
        return make_body(text, headers)
    text = as_text(text)
    chunks = try_json(text) if text.lstrip().startswith("[") else None
    try:
        if isinstance(chunks, list) and all(isinstance(c, str) for c in chunks):
            data = b"".join(decode_base64(c) for c in chunks)
            return make_body(data, headers, stored_as="base64 chunks")
        return make_body(decode_base64(text), headers, stored_as="base64")
    except ValueError as exc:
        return Body(data=text.encode(), notes=(f"could not decode {exc}",))


def _post_data(post: dict[str, Any], headers: Headers) -> Body:
    if post.get("text") is not None:
        return make_body(as_text(post["text"]), headers)
    params = [(as_text(p.get("name")), as_text(p.get("value")))
              for p in as_list(post.get("params"), "postData.params") if isinstance(p, dict)]
    return make_body(urlencode(params) if params else None, headers)


def _duration(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        return None  # HAR writes -1 for "not known"
    return float(value)


def read(tree: Any, source: Source) -> list[Interaction]:
    entries = as_list(tree["log"].get("entries"), "log.entries")
    lines = json_item_lines(source.data, ("log", "entries"))
    result = []
    for index, entry in enumerate(entries):
        entry = as_map(entry, f"entry {index}")
        req = as_map(entry.get("request"), f"entry {index} request")
        resp = as_map(entry.get("response"), f"entry {index} response")
        req_headers = headers_from_pairs(req.get("headers"))
        resp_headers = headers_from_pairs(resp.get("headers"))
        result.append(Interaction(
            index=index,
            request=Request(as_text(req.get("method") or "GET").upper(), as_text(req.get("url")),
                            req_headers,
                            _post_data(as_map(req.get("postData"), f"entry {index} postData"),
                                       req_headers)),
            response=Response(
                status_code(resp.get("status")),
                as_text(resp.get("statusText")),
                resp_headers,
                _content(as_map(resp.get("content"), f"entry {index} content"), resp_headers),
                duration_ms=_duration(entry.get("time")),
            ),
            line=lines[index] if len(lines) == len(entries) else None,
            where=("log", "entries", index),
        ))
    return result
