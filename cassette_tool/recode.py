"""Write a stored body again the way it was stored, with new text: for `redact`, whose secrets
may sit inside a body the file holds encoded.

The storage (`!!binary`, Ruby VCR's `base64_string`, HAR base64 and Polly's base64 chunk
arrays, cassetter and nock hex, nock's hex chunk lists) and the HTTP content-encodings
(gzip, deflate, brotli) that `source.decode_content` undid are redone in reverse order. A
change inside a compressed stream changes the whole stream, so the whole value is written
again (yaml-spans.md §6): a `!!binary` block keeps its header, chomping, indentation and
line width; base64 keeps its line width and final break; chunk lists keep their number of
chunks, each holding about the share of the bytes it held before.

Not owned here: finding secrets, decoding bodies for reading (source.py).
"""

from __future__ import annotations

import base64
import gzip
import json
import zlib

from . import spans
from .model import Body
from .source import decode_base64, decode_content
from .spans import Edit, Scalar, SpanError

STORAGE = ("!!binary", "base64", "base64 chunks", "hex")
ENCODINGS = ("gzip", "x-gzip", "deflate", "br")


def stored_encoded(body: Body) -> bool:
    """Whether the body's notes say how to store it again (and nothing else)."""
    notes = body.notes
    return bool(notes) and notes[0] in STORAGE and all(n in ENCODINGS for n in notes[1:])


def rewrite(scalars: list[Scalar], body: Body, text: str,
            pieces: list[tuple[int, int, str]]) -> list[Edit]:
    """Edits that store `body` again with text[a:b] replaced by each piece. `scalars` hold
    the stored value: one scalar, or the items of a chunk list."""
    storage, encodings = body.notes[0], body.notes[1:]
    stored = _unstore(storage, [s.value for s in scalars])
    data = reencode(stored, encodings, body.data, replace_all(text, pieces).encode("utf-8"))
    return _store(storage, scalars, data)


def replace_all(text: str, pieces: list[tuple[int, int, str]]) -> str:
    out: list[str] = []
    pos = 0
    for a, b, new in sorted(pieces):
        if a < pos:
            continue  # overlaps the piece before: the secret was reached twice
        out += [text[pos:a], new]
        pos = b
    out.append(text[pos:])
    return "".join(out)


def reencode(stored: bytes, encodings: tuple[str, ...], old: bytes, new: bytes) -> bytes:
    """`new` under the content-encodings that turned `stored` into `old` (listed in the order
    they were undone). Raises SpanError when `stored` does not decode to `old` again."""
    layers = [stored]
    for encoding in encodings:
        decoded, notes = decode_content(layers[-1], encoding)
        if notes != (encoding,):
            raise SpanError(f"the body does not decode as {encoding} again")
        layers.append(decoded)
    if layers[-1] != old:
        raise SpanError("the stored body does not decode to the text that was checked")
    data = new
    for encoding, original in zip(reversed(encodings), reversed(layers[:-1]), strict=True):
        data = _compress(encoding, data, original)
    return data


def _compress(encoding: str, data: bytes, original: bytes) -> bytes:
    if encoding in ("gzip", "x-gzip"):
        # Keep the recorded stream's timestamp: the header then differs only where it must.
        return gzip.compress(data, mtime=int.from_bytes(original[4:8], "little"))
    if encoding == "deflate":
        if len(original) >= 2 and original[0] & 0x0F == 8 and \
                (original[0] << 8 | original[1]) % 31 == 0:
            return zlib.compress(data)
        raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)  # the servers that send raw deflate
        return raw.compress(data) + raw.flush()
    if encoding == "br":
        import brotli  # type: ignore[import-untyped]

        return bytes(brotli.compress(data))
    raise SpanError(f"cannot encode {encoding} again")


def _unstore(storage: str, values: list[str]) -> bytes:
    try:
        if storage == "hex":
            return bytes.fromhex("".join("".join(values).split()))
        if storage == "base64 chunks":
            return b"".join(decode_base64(chunk) for chunk in json.loads(values[0]))
        return decode_base64(values[0])
    except (ValueError, TypeError) as exc:
        raise SpanError(f"the stored body does not decode ({exc})") from exc


def _store(storage: str, scalars: list[Scalar], data: bytes) -> list[Edit]:
    first = scalars[0]
    if storage == "hex":
        digits = "".join(s.value for s in scalars)
        upper = not any(c in "abcdef" for c in digits) and any(c in "ABCDEF" for c in digits)
        sizes = [len("".join(s.value.split())) // 2 for s in scalars]
        return [edit for scalar, piece in zip(scalars, _split(data, sizes), strict=True)
                for edit in _whole(scalar, piece.hex().upper() if upper else piece.hex())]
    if storage == "base64 chunks":
        sizes = [len(decode_base64(chunk)) for chunk in json.loads(first.value)]
        chunks = [base64.b64encode(piece).decode("ascii") for piece in _split(data, sizes)]
        separators = (", ", ": ") if '", "' in first.value else (",", ":")
        return _whole(first, json.dumps(chunks, separators=separators))
    if first.style == "|" and first.doc.outer is None:
        return [spans.rewrite_binary(first, data)]
    return _whole(first, _base64_like(first.value, data))


def _whole(scalar: Scalar, text: str) -> list[Edit]:
    if scalar.value == text:
        return []
    return [spans.value_map(scalar).splice_replace(0, len(scalar.value), text)]


def _base64_like(original: str, data: bytes) -> str:
    """Base64 of `data` wrapped as `original` is: one line (strict), or lines of the first
    line's width (Ruby's `Base64.encode64`: 60, with a final break)."""
    encoded = base64.b64encode(data).decode("ascii")
    lines = original.split("\n")
    if len(lines) == 1:
        return encoded
    width = len(lines[0]) if len([line for line in lines if line]) > 1 else 60
    wrapped = "\n".join(encoded[i:i + width] for i in range(0, len(encoded), width))
    return wrapped + "\n" if original.endswith("\n") else wrapped


def _split(data: bytes, sizes: list[int]) -> list[bytes]:
    """`data` in as many pieces as `sizes`, each with about the same share of the bytes."""
    total = sum(sizes)
    if total == 0:
        return [data] + [b""] * (len(sizes) - 1)
    bounds, cumulative = [0], 0
    for size in sizes:
        cumulative += size
        bounds.append(round(len(data) * cumulative / total))
    return [data[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
