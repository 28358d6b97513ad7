"""Go `httprr` traces (golang/oscar): `httprr trace v1`, then per exchange a line
`REQ_LEN RESP_LEN` followed by the raw HTTP/1.1 request and response bytes."""

from __future__ import annotations

from typing import Any

from ..errors import CassetteError
from ..model import Headers, Interaction, Request, Response, header_value
from ..source import Source
from .common import make_body

NAME = "httprr"
MAGIC = b"httprr trace v1\n"


def sniff_bytes(data: bytes) -> bool:
    return data.startswith(MAGIC)


def sniff(tree: Any) -> bool:
    return False  # recognised from its bytes, before any parsing


def _split_message(raw: bytes) -> tuple[str, Headers, bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    if not _:
        head, _, body = raw.partition(b"\n\n")
    lines = head.decode("utf-8", errors="replace").replace("\r\n", "\n").split("\n")
    headers = tuple((name.strip(), value.strip()) for name, _, value in
                    (line.partition(":") for line in lines[1:] if line))
    return lines[0], headers, body


def _dechunk(body: bytes) -> bytes:
    out = bytearray()
    rest = body
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0].strip() or b"0", 16)
        if size == 0:
            break
        out += rest[:size]
        rest = rest[size + 2:]
    return bytes(out)


def read(tree: Any, source: Source) -> list[Interaction]:
    data = source.data
    offset = len(MAGIC)
    result = []
    while offset < len(data):
        line_end = data.find(b"\n", offset)
        header = data[offset:line_end if line_end >= 0 else len(data)]
        line = source.data.count(b"\n", 0, offset) + 1
        try:
            req_len, resp_len = (int(x) for x in header.split())
        except ValueError:
            raise CassetteError("httprr: expected 'REQUEST_LENGTH RESPONSE_LENGTH'",
                                source.path, line) from None
        start = line_end + 1
        raw_req = data[start:start + req_len]
        raw_resp = data[start + req_len:start + req_len + resp_len]
        if len(raw_req) + len(raw_resp) < req_len + resp_len:
            raise CassetteError("httprr: record is truncated", source.path, line)
        offset = start + req_len + resp_len
        request_line, req_headers, req_body = _split_message(raw_req)
        status_line, resp_headers, resp_body = _split_message(raw_resp)
        method, _, rest = request_line.partition(" ")
        url = rest.rsplit(" ", 1)[0]
        if "chunked" in (header_value(resp_headers, "transfer-encoding") or ""):
            try:
                resp_body = _dechunk(resp_body)
            except ValueError:
                pass
        parts = status_line.split(" ", 2)
        status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        result.append(Interaction(
            index=len(result),
            request=Request(method.upper(), url, req_headers, make_body(req_body, req_headers)),
            response=Response(status, parts[2] if len(parts) > 2 else "", resp_headers,
                              make_body(resp_body, resp_headers)),
            line=line,
        ))
    return result
