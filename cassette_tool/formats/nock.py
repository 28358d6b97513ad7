"""nock recorder output (a JSON array of `{scope, method, path, body, status, response}`).

Wire facts: `rawHeaders` is a flat `[name, value, name, value…]` list; binary responses
(Bedrock event streams) are hex strings with `responseIsBinary: true`; JSON bodies are
stored as data.
"""

from __future__ import annotations

from typing import Any

from ..model import Body, Headers, Interaction, Request, Response
from ..source import Source
from .common import as_map, headers_from_map, make_body

NAME = "nock"


def sniff(tree: Any) -> bool:
    return (isinstance(tree, list) and bool(tree) and isinstance(tree[0], dict)
            and "scope" in tree[0] and "method" in tree[0])


def _raw_headers(value: Any) -> Headers:
    if isinstance(value, dict):
        return headers_from_map(value)
    if not isinstance(value, list):
        return ()
    return tuple((str(value[i]), str(value[i + 1])) for i in range(0, len(value) - 1, 2))


def _response_body(entry: dict[str, Any], headers: Headers) -> Body:
    value = entry.get("response")
    if entry.get("responseIsBinary") and isinstance(value, str):
        try:
            return make_body(bytes.fromhex(value), headers, stored_as="hex")
        except ValueError as exc:
            return Body(data=value.encode(), notes=(f"could not decode hex: {exc}",))
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value) and \
            (dict(headers).get("Content-Encoding") or dict(headers).get("content-encoding")):
        # nock stores compressed bodies as a list of hex chunks
        try:
            return make_body(bytes.fromhex("".join(value)), headers, stored_as="hex")
        except ValueError:
            pass
    return make_body(value, headers)


def read(tree: Any, source: Source) -> list[Interaction]:
    result = []
    for index, entry in enumerate(tree):
        entry = as_map(entry, f"entry {index}")
        req_headers = headers_from_map(entry.get("reqheaders"))
        resp_headers = _raw_headers(entry.get("rawHeaders") or entry.get("headers"))
        scope = str(entry.get("scope") or "").rstrip("/")
        path = str(entry.get("path") or "/")
        status = entry.get("status")
        result.append(Interaction(
            index=index,
            request=Request(str(entry.get("method") or "GET").upper(), scope + path,
                            req_headers, make_body(entry.get("body"), req_headers)),
            response=Response(status if isinstance(status, int) else None, "", resp_headers,
                              _response_body(entry, resp_headers)),
        ))
    return result
