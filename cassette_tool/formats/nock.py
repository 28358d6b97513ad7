"""nock recorder output (a JSON array of `{scope, method, path, body, status, response}`).

Wire facts: `rawHeaders` is a flat `[name, value, name, value…]` list (older nock: a
`headers` mapping); `scope` keeps the port (`https://host:443`); binary responses (Bedrock
event streams) are hex strings with `responseIsBinary: true`; a compressed response is a
list of hex chunks of the compressed stream; JSON bodies are stored as data.
"""

from __future__ import annotations

import re
from typing import Any

from ..model import Body, Headers, Interaction, Request, Response, header_value
from ..source import Source
from .common import (
    Layout,
    as_map,
    as_text,
    headers_from_map,
    hex_body,
    json_item_lines,
    make_body,
    standard_reason,
    status_code,
)

NAME = "nock"
LAYOUT = Layout(
    url=(("path",),), status=(("status",),),
    request_headers=(("reqheaders",),), response_headers=(("rawHeaders",), ("headers",)),
    request_body=(("body",),), response_body=(("response",),),
    request_headers_shape="map", response_headers_shape="flat",
)
_HEX = re.compile(r"(?:[0-9a-fA-F]{2})+")


def sniff(tree: Any) -> bool:
    return (isinstance(tree, list) and bool(tree) and isinstance(tree[0], dict)
            and "scope" in tree[0] and "method" in tree[0])


def _origin(scope: Any) -> str:
    origin = as_text(scope).rstrip("/")
    # nock always writes the port; the URL the client used had none when it was the default
    for scheme, port in (("https://", ":443"), ("http://", ":80")):
        if origin.startswith(scheme) and origin.endswith(port):
            return origin[:-len(port)]
    return origin


def _raw_headers(value: Any) -> Headers:
    if isinstance(value, dict):
        return headers_from_map(value)
    if not isinstance(value, list):
        return ()
    return tuple((as_text(value[i]), as_text(value[i + 1])) for i in range(0, len(value) - 1, 2))


def _response_body(entry: dict[str, Any], headers: Headers) -> Body:
    value = entry.get("response")
    if entry.get("responseIsBinary") and isinstance(value, str):
        return hex_body(value, headers)
    if isinstance(value, list) and value and header_value(headers, "content-encoding") and \
            all(isinstance(v, str) and _HEX.fullmatch(v) for v in value):
        return hex_body("".join(value), headers)
    return make_body(value, headers)


def read(tree: Any, source: Source) -> list[Interaction]:
    lines = json_item_lines(source.data, ())
    result = []
    for index, entry in enumerate(tree):
        entry = as_map(entry, f"entry {index}")
        req_headers = headers_from_map(entry.get("reqheaders"))
        resp_headers = _raw_headers(entry.get("rawHeaders") or entry.get("headers"))
        path = as_text(entry.get("path") or "/")
        status = status_code(entry.get("status"))
        result.append(Interaction(
            index=index,
            request=Request(as_text(entry.get("method") or "GET").upper(),
                            _origin(entry.get("scope")) + path, req_headers,
                            make_body(entry.get("body"), req_headers)),
            response=Response(status, standard_reason(status), resp_headers,
                              _response_body(entry, resp_headers)),
            line=lines[index] if len(lines) == len(tree) else None,
            where=(index,),
        ))
    return result
