"""Go `httprr` traces (golang/oscar, rsc.io/httprr): the line `httprr trace v1`, then per
exchange a line `REQ_LEN RESP_LEN` and exactly that many bytes of HTTP/1.1 request and
response, back to back with no separator.

Wire facts: the request is Go's `Request.WriteProxy` output, so its first line carries the
absolute URL; the response is `Response.Write` output: `Content-Length` when the length was
known, else chunked (HTTP/1.1) or raw to the end of the record (HTTP/2.0 status line).
Go's client already undid gzip unless the caller asked for it, so most bodies are plain.
"""

from __future__ import annotations

from typing import Any

from ..errors import CassetteError
from ..model import Body, Headers, Interaction, Request, Response, header_value
from ..source import Source
from .common import Layout, raw_body

NAME = "httprr"
LAYOUT = Layout()  # raw HTTP records: no tree to point into
MAGIC = b"httprr trace v1\n"


def sniff_bytes(data: bytes) -> bool:
    return data.startswith(MAGIC)


def sniff(tree: Any) -> bool:
    return False  # recognised from its bytes, before any parsing


def read(tree: Any, source: Source) -> list[Interaction]:
    data = source.data
    offset, line = len(MAGIC), 2
    result: list[Interaction] = []
    while data[offset:].strip():
        line_end = data.find(b"\n", offset)
        if line_end < 0:
            line_end = len(data)
        sizes = data[offset:line_end].split()
        if len(sizes) != 2 or not all(s.isdigit() for s in sizes):
            raise CassetteError("httprr: expected 'REQUEST_LENGTH RESPONSE_LENGTH'",
                                source.path, line)
        req_len, resp_len = int(sizes[0]), int(sizes[1])
        start = line_end + 1
        end = start + req_len + resp_len
        if end > len(data):
            raise CassetteError(f"httprr: record is truncated ({end - len(data)} bytes missing)",
                                source.path, line)
        result.append(_interaction(len(result), data[start:start + req_len],
                                   data[start + req_len:end], line))
        line += 1 + data.count(b"\n", start, end)
        offset = end
    return result


def _interaction(index: int, raw_req: bytes, raw_resp: bytes, line: int) -> Interaction:
    request_line, req_headers, req_body = _split_message(raw_req)
    status_line, resp_headers, resp_body = _split_message(raw_resp)
    method, _, target = request_line.partition(" ")
    target = target.rsplit(" ", 1)[0] if " HTTP/" in target else target
    if target.startswith("/"):
        # origin form, as hand-written traces have it: the host is in its header, the
        # scheme is not recorded at all
        target = f"https://{header_value(req_headers, 'host') or ''}{target}"
    notes: tuple[str, ...] = ()
    if "chunked" in (header_value(resp_headers, "transfer-encoding") or "").lower():
        try:
            resp_body = _dechunk(resp_body)
        except ValueError:
            notes = ("body is not valid chunked encoding; shown as recorded",)
    parts = status_line.split(" ", 2)
    status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
    return Interaction(
        index=index,
        request=Request(method.upper(), target, req_headers, raw_body(req_body, req_headers)),
        response=Response(status, parts[2] if len(parts) > 2 else "", resp_headers,
                          _with_notes(raw_body(resp_body, resp_headers), notes)),
        line=line,
    )


def _with_notes(body: Body, notes: tuple[str, ...]) -> Body:
    return Body(body.data, body.parsed, (*notes, *body.notes)) if notes else body


def _split_message(raw: bytes) -> tuple[str, Headers, bytes]:
    head, found, body = raw.partition(b"\r\n\r\n")
    if not found:
        head, _, body = raw.partition(b"\n\n")
    lines = head.decode("utf-8", errors="replace").replace("\r\n", "\n").split("\n")
    headers = tuple((name.strip(), value.strip()) for name, colon, value in
                    (line.partition(":") for line in lines[1:]) if colon and name.strip())
    return lines[0].strip(), headers, body


def _dechunk(body: bytes) -> bytes:
    out = bytearray()
    rest = body
    while rest:
        size_line, found, rest = rest.partition(b"\r\n")
        if not found:
            raise ValueError("chunk size line without CRLF")
        size = int(size_line.split(b";")[0].strip(), 16)
        if size == 0:
            break  # trailers may follow; they are not body
        if len(rest) < size:
            raise ValueError("chunk longer than the record")
        out += rest[:size]
        rest = rest[size + 2:]
    return bytes(out)
