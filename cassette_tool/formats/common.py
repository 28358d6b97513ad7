"""Helpers shared by the format readers: headers, bodies, durations, item line numbers."""

from __future__ import annotations

import re
from typing import Any

from ..errors import CassetteError
from ..model import Body, Headers, header_value
from ..source import decode_base64, decode_content, dump_json


def as_map(value: Any, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise CassetteError(f"{what} is {type(value).__name__}, expected a mapping")
    return value


def as_list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise CassetteError(f"{what} is {type(value).__name__}, expected a list")
    return value


def headers_from_map(value: Any) -> Headers:
    """`{name: [v1, v2]}` (go-vcr, VCR.py, Ruby VCR) or `{name: v}` (nock) to pairs."""
    if not isinstance(value, dict):
        return ()
    pairs: list[tuple[str, str]] = []
    for name, values in value.items():
        for item in values if isinstance(values, list) else [values]:
            pairs.append((str(name), "" if item is None else str(item)))
    return tuple(pairs)


def headers_from_pairs(value: Any) -> Headers:
    """HAR's `[{name, value}]`."""
    if not isinstance(value, list):
        return ()
    return tuple((str(h.get("name", "")), str(h.get("value", ""))) for h in value
                 if isinstance(h, dict))


def make_body(value: Any, headers: Headers, stored_as: str | None = None) -> Body:
    """A stored body (text, bytes from `!!binary`, or JSON kept as data) as a Body."""
    notes: list[str] = [stored_as] if stored_as else []
    if value is None:
        return Body(notes=tuple(notes))
    if isinstance(value, (dict, list)):
        return Body(data=dump_json(value).encode(), parsed=value, notes=(*notes, "parsed"))
    if isinstance(value, bytes):
        data = value
        if not stored_as:
            notes.append("binary")
    elif isinstance(value, str):
        data = value.encode("utf-8", errors="surrogateescape")
    else:  # a scalar the YAML loader typed: a number or a boolean body
        data = str(value).encode()
    decoded, done = decode_content(data, header_value(headers, "content-encoding"))
    return Body(data=decoded, notes=(*notes, *done))


def base64_body(text: Any, headers: Headers) -> Body:
    try:
        data = decode_base64(str(text))
    except ValueError as exc:
        return Body(data=str(text).encode(), notes=(f"could not decode base64: {exc}",))
    return make_body(data, headers, stored_as="base64")


_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNIT_MS = {"ns": 1e-6, "us": 1e-3, "µs": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0,
            "h": 3600000.0}


def go_duration_ms(value: Any) -> float | None:
    """Go's `time.Duration` string ("1.02s", "594ms", "1m2.5s") in milliseconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value) / 1e6  # go-vcr v1 wrote nanoseconds
    if not isinstance(value, str) or not value:
        return None
    parts = _DURATION_PART.findall(value)
    if not parts:
        return None
    return sum(float(n) * _UNIT_MS[unit] for n, unit in parts)


def item_lines(text: str, key: str) -> list[int]:
    """1-based lines where the items of the top-level block sequence `key:` start.

    Cheap positions without a position-tracking parser; callers use them only when the
    count matches the number of items they read.
    """
    lines = text.split("\n")
    start = None
    for number, line in enumerate(lines):
        if line.startswith(f"{key}:"):
            start = number + 1
            break
    if start is None:
        return []
    found: list[int] = []
    indent: str | None = None
    for number in range(start, len(lines)):
        line = lines[number]
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if indent is None:
            match = re.match(r"( *)- ", line) or re.match(r"( *)-$", line)
            if not match:
                return found
            indent = match.group(1)
        if line.startswith(indent + "-") and (len(line) == len(indent) + 1
                                              or line[len(indent) + 1] == " "):
            found.append(number + 1)
        elif not line.startswith(indent + " ") and not line.startswith(" " * (len(indent) + 1)):
            break
    return found
