"""Byte edits of httprr records, for `redact`: each record is a line `REQ_LEN RESP_LEN` and
that many bytes of raw HTTP/1.1 request and response (wire-formats.md, formats/httprr.py).

A secret is replaced where the raw message holds it: in the request line's target, in a
header line's value, or in the body. A body whose length changes gets its Content-Length
rewritten (when it was right before), or its chunk sizes when it is chunked; a compressed
body is compressed again (recode.py). Then the record's length line gives the new lengths:
httprr reads exactly that many bytes, so a stale count would cut the next record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import recode, spans
from .formats.httprr import MAGIC
from .sites import Site, Spot
from .spans import Edit, SpanError

_At = tuple[Site, str, int]  # a site, what replaced it, the byte where


@dataclass(frozen=True, slots=True)
class _Record:
    line_start: int  # the length line, without its "\n"
    line_end: int
    start: int  # the request
    middle: int  # the response
    end: int


def redact(data: bytes, sites: list[Site],
           placeholder: Callable[[Site], str]) -> tuple[list[Edit], list[Spot]]:
    """Edits of the whole file and where each secret was replaced."""
    records = _records(data)
    groups: dict[int, list[Site]] = {}
    for site in sites:
        groups.setdefault(site.interaction, []).append(site)
    edits: list[Edit] = []
    spots: list[_At] = []
    for index, group in sorted(groups.items()):
        if index >= len(records):
            raise SpanError(f"no record for interaction {index}")
        record = records[index]
        asked = [s for s in group if s.part in ("url", "request header", "request body")]
        answered = [s for s in group if s not in asked]
        request = _Message(data, record.start, record.middle).redact(asked, placeholder, spots)
        response = _Message(data, record.middle, record.end).redact(answered, placeholder, spots)
        edits.append(_trimmed(record.start, data[record.start:record.end], request + response))
        if (len(request), len(response)) != (record.middle - record.start,
                                              record.end - record.middle):
            edits.append(Edit(record.line_start, record.line_end,
                              f"{len(request)} {len(response)}".encode()))
    return edits, [(site, new, *_line_col(data, at)) for site, new, at in spots]


def _line_col(data: bytes, offset: int) -> tuple[int, int]:
    line_start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode("utf-8", errors="replace")) + 1
    return data.count(b"\n", 0, offset) + 1, column


def _records(data: bytes) -> list[_Record]:
    records: list[_Record] = []
    offset = len(MAGIC)
    while data[offset:].strip():
        line_end = data.find(b"\n", offset)
        try:
            request, response = (int(n) for n in data[offset:line_end].split())
        except ValueError as exc:
            raise SpanError(f"bad httprr length line at byte {offset}") from exc
        start = line_end + 1
        records.append(_Record(offset, line_end, start, start + request,
                               start + request + response))
        offset = start + request + response
    return records


def _trimmed(offset: int, old: bytes, new: bytes) -> Edit:
    """One edit from the first to the last byte that differ."""
    prefix = 0
    limit = min(len(old), len(new))
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    return Edit(offset + prefix, offset + len(old) - suffix, new[prefix:len(new) - suffix])


class _Message:
    """One raw HTTP message: the start line, header lines, a blank line, the body."""

    def __init__(self, data: bytes, start: int, end: int) -> None:
        self.start = start
        self.raw = data[start:end]
        head_end, gap = self.raw.find(b"\r\n\r\n"), 4
        if head_end < 0:
            head_end, gap = self.raw.find(b"\n\n"), 2
        if head_end < 0:
            head_end, gap = len(self.raw), 0
        self.body_start = head_end + gap
        self.lines: list[tuple[int, str]] = []  # (offset of the line, its text)
        pos = 0
        for line in self.raw[:head_end].split(b"\n"):
            self.lines.append((pos, line.removesuffix(b"\r").decode("utf-8", "surrogateescape")))
            pos += len(line) + 1

    def redact(self, sites: list[Site], placeholder: Callable[[Site], str],
               spots: list[_At]) -> bytes:
        edits: list[Edit] = []
        in_body: list[tuple[Site, str]] = []
        for site in sites:
            new = placeholder(site)
            if site.part == "url":
                edits.append(self._target(site, new))
            elif site.part.endswith("header"):
                edits += self._header(site, new)
            else:
                in_body.append((site, new))
                continue
            spots.append((site, new, self.start + edits[-1].start))
        if in_body:
            edits += self._body(in_body, spots)
        unique = sorted(set(edits), key=lambda e: (e.start, e.end))
        return spans.apply(self.raw, unique)

    def _target(self, site: Site, new: str) -> Edit:
        # Go's Request.WriteProxy writes the absolute URL; a hand-written trace may have the
        # path alone, which the reader prefixed with the Host header.
        line = self.lines[0][1]
        method, _, rest = line.partition(" ")
        target = rest.rsplit(" ", 1)[0] if " HTTP/" in rest else rest
        shift = len(site.text) - len(target)
        if not site.text.endswith(target) or site.finding.start < shift:
            raise SpanError(f"{site.label}: the secret is not in the recorded request line")
        return self._edit(len(method) + 1, target, site.finding.start - shift,
                          site.finding.end - shift, new)

    def _header(self, site: Site, new: str) -> list[Edit]:
        # Every line of that header with that value (a header sent twice is replaced twice).
        edits = [self._edit(column, value, site.finding.start, site.finding.end, new, number)
                 for number, name, column, value in self._fields()
                 if name == site.header.lower() and value == site.text]
        if not edits:
            raise SpanError(f"{site.label}: the header is not in the recorded message")
        return edits

    def _fields(self) -> list[tuple[int, str, int, str]]:
        """(line number, lower-case name, column of the value, value) of each header."""
        fields = []
        for number, (_, line) in enumerate(self.lines[1:], 1):
            name, colon, value = line.partition(":")
            if colon:
                column = len(name) + 1 + len(value) - len(value.lstrip())
                fields.append((number, name.strip().lower(), column, value.strip()))
        return fields

    def _edit(self, column: int, text: str, a: int, b: int, new: str, number: int = 0) -> Edit:
        start, line = self.lines[number]
        base = start + len(line[:column].encode("utf-8", "surrogateescape"))
        return Edit(base + len(text[:a].encode("utf-8", "surrogateescape")),
                    base + len(text[:b].encode("utf-8", "surrogateescape")), new.encode("utf-8"))

    def _field(self, name: str) -> tuple[int, str, int, str] | None:
        return next((field for field in self._fields() if field[1] == name), None)

    def _body(self, found: list[tuple[Site, str]], spots: list[_At]) -> list[Edit]:
        body, text = found[0][0].body, found[0][0].text
        if body is None or any(note not in recode.ENCODINGS for note in body.notes):
            raise SpanError(f"{found[0][0].label}: the body is stored in a way that cannot "
                            "be written again")
        stored = self.raw[self.body_start:]
        encoding = self._field("transfer-encoding")
        chunked = encoding is not None and "chunked" in encoding[3].lower()
        payload, sizes, tail = _dechunk(stored) if chunked else (stored, [], b"")
        pieces = [(s.finding.start, s.finding.end, new) for s, new in found]
        if body.notes:  # compressed: the whole payload is written again
            new_payload = recode.reencode(payload, body.notes, body.data,
                                          recode.replace_all(text, pieces).encode("utf-8"))
            changes = [Edit(0, len(payload), new_payload)]
        elif payload == body.data:
            changes = sorted({Edit(len(text[:a].encode()), len(text[:b].encode()), new.encode())
                              for a, b, new in pieces}, key=lambda e: e.start)
        else:
            raise SpanError(f"{found[0][0].label}: the recorded body is not the checked text")
        new_payload = spans.apply(payload, changes)
        spots += [(site, new, self.start + self.body_start + (
            len(text[:site.finding.start].encode()) if not body.notes else 0))
            for site, new in found]
        if chunked:
            return [Edit(self.body_start, len(self.raw), _rechunk(sizes, tail, changes,
                                                                  new_payload))]
        edits = [Edit(self.body_start + e.start, self.body_start + e.end, e.new) for e in changes]
        length = self._field("content-length")
        if length is not None and length[3] == str(len(payload)) != str(len(new_payload)):
            number, _, column, value = length
            edits.append(self._edit(column, value, 0, len(value), str(len(new_payload)), number))
        return edits


def _dechunk(stored: bytes) -> tuple[bytes, list[int], bytes]:
    """The payload of a chunked body, its chunk sizes, and the last chunk with trailers."""
    pieces: list[bytes] = []
    pos = 0
    while pos < len(stored):
        line_end = stored.find(b"\r\n", pos)
        if line_end < 0:
            break  # a recording cut short: what is left stays as it is
        try:
            size = int(stored[pos:line_end].split(b";")[0].strip(), 16)
        except ValueError as exc:
            raise SpanError("the body is not valid chunked encoding") from exc
        if size == 0:
            break
        pieces.append(stored[line_end + 2:line_end + 2 + size])
        pos = line_end + 2 + size + 2
    return b"".join(pieces), [len(p) for p in pieces], stored[pos:]


def _rechunk(sizes: list[int], tail: bytes, changes: list[Edit], payload: bytes) -> bytes:
    """The new payload in the old chunks: each boundary moves with the edits before it."""
    bounds, total = [0], 0
    for size in sizes:
        total += size
        bounds.append(total)
    moved = [_moved(bound, changes) for bound in bounds]
    moved[-1] = len(payload)
    out = b"".join(f"{b - a:x}\r\n".encode() + payload[a:b] + b"\r\n"
                   for a, b in zip(moved, moved[1:], strict=False) if b > a)
    return out + tail


def _moved(pos: int, changes: list[Edit]) -> int:
    shift = 0
    for change in changes:
        if change.end <= pos:
            shift += len(change.new) - (change.end - change.start)
        elif change.start < pos:
            return change.start + shift + len(change.new)  # inside an edit: after its text
        else:
            break
    return pos + shift
