"""AWS event-stream framing (`application/vnd.amazon.eventstream`), as Bedrock streams use.

Each message: total length (u32), headers length (u32), prelude CRC-32, headers, payload,
message CRC-32; big-endian throughout (wire-formats.md 6.1). Knows nothing of Bedrock's
payloads.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from typing import Any

PRELUDE = 12
MIN_MESSAGE = 16


@dataclass(frozen=True, slots=True)
class Frame:
    headers: dict[str, Any]
    payload: bytes
    offset: int = field(compare=False)
    crc_ok: bool = True

    @property
    def message_type(self) -> str:
        return str(self.headers.get(":message-type", "event"))

    @property
    def event_type(self) -> str | None:
        value = self.headers.get(":event-type") or self.headers.get(":exception-type")
        return str(value) if value is not None else None


@dataclass(frozen=True, slots=True)
class Decoded:
    frames: tuple[Frame, ...]
    problems: tuple[str, ...]  # truncation and CRC mismatches, with byte offsets


def decode(data: bytes) -> Decoded:
    frames: list[Frame] = []
    problems: list[str] = []
    offset = 0
    while offset < len(data):
        if len(data) - offset < PRELUDE:
            problems.append(f"truncated frame at byte {offset}")
            break
        total, header_len, prelude_crc = struct.unpack_from(">III", data, offset)
        if zlib.crc32(data[offset:offset + 8]) != prelude_crc:
            # The lengths cannot be trusted: say so rather than misreport a truncation.
            problems.append(f"CRC mismatch in frame prelude at byte {offset}")
            break
        if total < MIN_MESSAGE or header_len > total - MIN_MESSAGE:
            problems.append(f"bad frame length at byte {offset}")
            break
        if len(data) - offset < total:
            problems.append(f"truncated frame at byte {offset}")
            break
        message_crc = struct.unpack_from(">I", data, offset + total - 4)[0]
        crc_ok = zlib.crc32(data[offset:offset + total - 4]) == message_crc
        if not crc_ok:
            problems.append(f"CRC mismatch in frame at byte {offset}")
        start = offset + PRELUDE
        try:
            headers = _headers(data[start:start + header_len])
        except (struct.error, UnicodeDecodeError, ValueError, IndexError):
            problems.append(f"bad headers in frame at byte {offset}")
            headers = {}
        payload = data[start + header_len:offset + total - 4]
        frames.append(Frame(headers, payload, offset, crc_ok))
        offset += total
    return Decoded(tuple(frames), tuple(problems))


def _headers(raw: bytes) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    pos = 0
    while pos < len(raw):
        name_len = raw[pos]
        name = raw[pos + 1:pos + 1 + name_len].decode("ascii")
        pos += 1 + name_len
        kind = raw[pos]
        pos += 1
        value: Any
        if kind in (0, 1):
            value = kind == 0
        elif kind == 2:
            value = struct.unpack_from(">b", raw, pos)[0]
            pos += 1
        elif kind == 3:
            value = struct.unpack_from(">h", raw, pos)[0]
            pos += 2
        elif kind == 4:
            value = struct.unpack_from(">i", raw, pos)[0]
            pos += 4
        elif kind in (5, 8):
            value = struct.unpack_from(">q", raw, pos)[0]
            pos += 8
        elif kind in (6, 7):
            length = struct.unpack_from(">H", raw, pos)[0]
            if pos + 2 + length > len(raw):
                raise ValueError("header value overruns the header section")
            chunk = raw[pos + 2:pos + 2 + length]
            value = chunk.decode("utf-8") if kind == 7 else chunk
            pos += 2 + length
        elif kind == 9:
            value = raw[pos:pos + 16].hex()
            pos += 16
        else:
            raise ValueError(f"unknown header type {kind}")
        headers[name] = value
    return headers


def encode(headers: dict[str, str], payload: bytes) -> bytes:
    """One message with string headers: for writing samples and tests."""
    raw = b"".join(
        bytes([len(name)]) + name.encode() + b"\x07" + struct.pack(">H", len(value.encode()))
        + value.encode() for name, value in headers.items())
    total = PRELUDE + len(raw) + len(payload) + 4
    prelude = struct.pack(">II", total, len(raw))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    body = prelude + raw + payload
    return body + struct.pack(">I", zlib.crc32(body))


def looks_like_eventstream(data: bytes) -> bool:
    if len(data) < MIN_MESSAGE:
        return False
    total, _, prelude_crc = struct.unpack_from(">III", data, 0)
    return bool(zlib.crc32(data[:8]) == prelude_crc and total >= MIN_MESSAGE)
