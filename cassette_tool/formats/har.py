"""HAR 1.2 archives as Polly.js writes them (`log.entries`).

Wire facts: `response.content.text` may be base64 (`encoding: base64`); Polly stores
compressed responses as a JSON array of base64 chunks of the gzip stream.
"""

from __future__ import annotations

from typing import Any

from ..model import Body, Headers, Interaction, Request, Response
from ..source import Source, decode_base64, try_json
from .common import as_list, as_map, headers_from_pairs, make_body

NAME = "har"


def sniff(tree: Any) -> bool:
    return isinstance(tree, dict) and isinstance(tree.get("log"), dict) and isinstance(
        tree["log"].get("entries"), list)


def _content(content: dict[str, Any], headers: Headers) -> Body:
    text = content.get("text")
    if text is None:
        return Body()
    if content.get("encoding") != "base64":
        return make_body(text, headers)
    chunks = try_json(text) if isinstance(text, str) and text.startswith("[") else None
    try:
        if isinstance(chunks, list) and all(isinstance(c, str) for c in chunks):
            data = b"".join(decode_base64(c) for c in chunks)
            return make_body(data, headers, stored_as="base64 chunks")
        return make_body(decode_base64(str(text)), headers, stored_as="base64")
    except ValueError as exc:
        return Body(data=str(text).encode(), notes=(str(exc),))


def read(tree: Any, source: Source) -> list[Interaction]:
    entries = as_list(tree["log"].get("entries"), "log.entries")
    result = []
    for index, entry in enumerate(entries):
        entry = as_map(entry, f"entry {index}")
        req = as_map(entry.get("request"), f"entry {index} request")
        resp = as_map(entry.get("response"), f"entry {index} response")
        req_headers = headers_from_pairs(req.get("headers"))
        resp_headers = headers_from_pairs(resp.get("headers"))
        post = as_map(req.get("postData"), f"entry {index} postData")
        status = resp.get("status")
        duration = entry.get("time")
        result.append(Interaction(
            index=index,
            request=Request(str(req.get("method") or "GET").upper(), str(req.get("url") or ""),
                            req_headers, make_body(post.get("text"), req_headers)),
            response=Response(
                status if isinstance(status, int) else None,
                str(resp.get("statusText") or ""),
                resp_headers,
                _content(as_map(resp.get("content"), f"entry {index} content"), resp_headers),
                duration_ms=float(duration) if isinstance(duration, (int, float)) else None,
            ),
        ))
    return result
