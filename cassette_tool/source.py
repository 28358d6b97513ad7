"""Read a file once, turn its text into plain data, and undo body encodings.

Owns: file reading, YAML and JSON parsing (safe: no tag ever constructs an object), and
decoding of stored bodies (base64, gzip, brotli, deflate). Knows nothing of cassette
formats or LLM APIs.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import re
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import orjson

from .errors import CassetteError


@dataclass(frozen=True, slots=True)
class Source:
    path: str
    data: bytes

    @property
    def text(self) -> str:
        return self.data.decode("utf-8", errors="replace")


def read_source(path: str | Path) -> Source:
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except IsADirectoryError:
        raise CassetteError("is a directory", name) from None
    except FileNotFoundError:
        raise CassetteError("no such file", name) from None
    except OSError as exc:
        raise CassetteError(f"cannot read: {exc.strerror or exc}", name) from exc
    return Source(name, data)


@cache
def _yaml() -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.constructor import SafeConstructor

    yaml = YAML(typ="safe", pure=False)
    # Ruby's Psych writes binary bodies with the local tag `!binary` (VCR.py: `!!binary`).
    yaml.constructor.add_constructor("!binary", SafeConstructor.construct_yaml_binary)
    return yaml


def uses_c_parser() -> bool:
    """Whether YAML parsing runs on libyaml (the pure-Python parser is ~8x slower)."""
    return "CParser" in _yaml().Parser.__name__


def parse_yaml(source: Source) -> Any:
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        return _yaml().load(source.data)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        column = mark.column + 1 if mark is not None else None
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        raise CassetteError(f"invalid YAML: {problem}", source.path, line, column) from exc
    except YAMLError as exc:
        raise CassetteError(f"invalid YAML: {exc}", source.path) from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise CassetteError(f"invalid YAML: {exc}", source.path) from exc
    except RecursionError as exc:
        raise CassetteError("invalid YAML: nested too deeply", source.path) from exc


def parse_json_document(source: Source) -> Any:
    try:
        return orjson.loads(source.data)
    except orjson.JSONDecodeError as exc:
        raise CassetteError(f"invalid JSON: {exc.msg}", source.path,
                            exc.lineno, exc.colno) from exc


def loads_json(data: bytes | str) -> Any:
    """Parse JSON, raising ValueError; tolerant of leading padding (OpenRouter sends some)."""
    return orjson.loads(data.strip() if isinstance(data, bytes) else data.strip().encode())


def try_json(data: bytes | str) -> Any:
    """The parsed JSON, or None when it is not JSON."""
    try:
        return loads_json(data)
    except (ValueError, TypeError):
        return None


def dump_json(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


# --- body decoding -----------------------------------------------------------------------

_BASE64 = re.compile(rb"[A-Za-z0-9+/=\s]+")


def decode_base64(text: str | bytes) -> bytes:
    raw = text.encode() if isinstance(text, str) else text
    try:
        return base64.b64decode(raw, validate=False)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"invalid base64: {exc}") from exc


def decode_content(data: bytes, content_encoding: str | None) -> tuple[bytes, tuple[str, ...]]:
    """Undo HTTP content-encoding. Bodies recorded compressed without a header are sniffed
    by their magic bytes (gzip `1f 8b`). Returns the bytes and a note of what was done."""
    encodings = [e.strip().lower() for e in (content_encoding or "").split(",") if e.strip()]
    if not encodings and data[:2] == b"\x1f\x8b":
        encodings = ["gzip"]
    notes: list[str] = []
    for encoding in reversed(encodings):
        if encoding in ("identity", "chunked"):
            continue
        try:
            data = _decompress(data, encoding)
        except Exception as exc:  # every decompressor has its own error type
            return data, (*notes, f"could not decode {encoding}: {exc}")
        notes.append(encoding)
    return data, tuple(notes)


def _decompress(data: bytes, encoding: str) -> bytes:
    if encoding in ("gzip", "x-gzip"):
        if data[:2] != b"\x1f\x8b":
            return data  # header says gzip, recorder stored it already decoded
        return gzip.decompress(data)
    if encoding == "deflate":
        try:
            return zlib.decompress(data)
        except zlib.error:
            return zlib.decompress(data, -zlib.MAX_WBITS)
    if encoding == "br":
        import brotli  # type: ignore[import-untyped]

        try:
            return bytes(brotli.decompress(data))
        except brotli.error:
            if _looks_textual(data):
                return data  # already decoded by the recording client
            raise
    if encoding == "zstd":
        raise ValueError("zstd is not supported")
    raise ValueError(f"unknown content-encoding {encoding!r}")


def _looks_textual(data: bytes) -> bool:
    head = data[:64].lstrip()
    return head[:1] in (b"{", b"[", b"<", b"d", b"e", b":") or not head


def text_of(data: bytes) -> str | None:
    """The body as text when it is UTF-8, else None (binary)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None
