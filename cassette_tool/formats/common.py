"""Helpers shared by the format readers: field coercion, headers, bodies, durations, and
the line where each interaction starts.

Readers get untrusted trees: every helper here turns an odd value into an empty one or a
`CassetteError`, never into another exception.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Literal

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


def as_text(value: Any) -> str:
    """A scalar field (method, URL, reason) as text; bytes from `!!binary` are decoded."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value if isinstance(value, str) else str(value)


def status_code(value: Any) -> int | None:
    """An HTTP status from an integer, or from text such as "200" or "200 OK"."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value[:3].isdigit():
        return int(value[:3])
    return None


def standard_reason(code: int | None) -> str:
    """The standard reason phrase, for formats that store only the code (cassetter, nock:
    "derivable from the code", as cassetter's specification puts it)."""
    try:
        return HTTPStatus(code).phrase if code is not None else ""
    except ValueError:
        return ""


def ws_direction(value: Any) -> Literal["sent", "received"]:
    """cassetter writes `send`/`recv`, pydantic-ai `sent`/`received`."""
    return "sent" if as_text(value) in ("sent", "send") else "received"


def headers_from_map(value: Any) -> Headers:
    """`{name: [v1, v2]}` (go-vcr, VCR.py, Ruby VCR, cassetter) or `{name: v}` (nock) to
    pairs. VCR.py may store a value as `!!binary`; a null value is an empty one."""
    if not isinstance(value, dict):
        return ()
    pairs: list[tuple[str, str]] = []
    for name, values in value.items():
        for item in values if isinstance(values, list) else [values]:
            pairs.append((as_text(name), as_text(item)))
    return tuple(pairs)


def headers_from_pairs(value: Any) -> Headers:
    """HAR's `[{name, value}]`."""
    if not isinstance(value, list):
        return ()
    return tuple((as_text(h.get("name")), as_text(h.get("value"))) for h in value
                 if isinstance(h, dict))


def make_body(value: Any, headers: Headers, stored_as: str | None = None) -> Body:
    """A stored body as a Body: text, bytes from `!!binary`, or JSON kept as data.

    `stored_as` names how the bytes were stored (base64, hex) when the caller decoded them.
    """
    if value is None:
        return Body(notes=(stored_as,) if stored_as else ())
    if isinstance(value, (dict, list)):
        return Body(data=dump_json(value).encode(), parsed=value, notes=("parsed",))
    if isinstance(value, bytes):
        return raw_body(value, headers, (stored_as or "!!binary",))
    if isinstance(value, str):
        # surrogateescape: a body the YAML held as text goes back to the bytes it came from
        return raw_body(value.encode("utf-8", errors="surrogateescape"), headers)
    # a scalar the loader typed (a number or boolean body, a JSON string stored as data)
    return raw_body(dump_json(value).encode(), headers)


def raw_body(data: bytes, headers: Headers, notes: tuple[str, ...] = ()) -> Body:
    """Bytes as sent on the wire: only the HTTP content-encoding is undone."""
    decoded, done = decode_content(data, header_value(headers, "content-encoding"))
    return Body(data=decoded, notes=(*notes, *done))


def base64_body(text: Any, headers: Headers) -> Body:
    try:
        data = decode_base64(as_text(text))
    except ValueError as exc:
        return Body(data=as_text(text).encode(), notes=(f"could not decode base64: {exc}",))
    return make_body(data, headers, stored_as="base64")


def hex_body(text: Any, headers: Headers) -> Body:
    """A body stored as hex digits (cassetter, nock); the digits themselves when they
    are not hex."""
    digits = "".join(as_text(text).split())
    try:
        return make_body(bytes.fromhex(digits), headers, stored_as="hex")
    except ValueError as exc:
        return Body(data=digits.encode(), notes=(f"could not decode hex: {exc}",))


# Never starting inside a number: a long run of digits is passed once, not once a digit.
_DURATION_PART = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)(ns|us|µs|μs|ms|s|m|h)")
_UNIT_MS = {"ns": 1e-6, "us": 1e-3, "µs": 1e-3, "μs": 1e-3, "ms": 1.0, "s": 1000.0,
            "m": 60000.0, "h": 3600000.0}


def go_duration_ms(value: Any) -> float | None:
    """Go's `time.Duration` text ("1.02s", "594ms", "1m2.5s") in milliseconds.

    go-vcr writes the text form in both of its formats; an integer is read as Go counts a
    Duration, in nanoseconds (hand-written or converted cassettes).
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value) / 1e6
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text.lstrip("+"):
        return None
    return sum(float(n) * _UNIT_MS[unit] for n, unit in parts)


Numbered = Iterable[tuple[int | None, Any]]  # items of a cassette's list, with their lines


def numbered(items: list[Any], lines: list[int]) -> Numbered:
    """Each item with the line it starts on, when `lines` has one for each (else None)."""
    if len(lines) == len(items):
        return zip(lines, items, strict=True)
    return ((None, item) for item in items)


def item_lines(data: bytes, key: str) -> list[int]:
    """1-based lines where the items of the top-level block sequence `key:` start.

    Cheap positions without a position-tracking parser (a few regular-expression scans of
    the file's bytes, not decoded: lines are the same); callers use them only when the count
    matches the number of items they read.
    """
    name = key.encode()
    if data.startswith(name + b":"):
        at = 0
    else:
        at = data.find(b"\n" + name + b":") + 1
        if at == 0:
            return []
    first = _FIRST_ITEM.match(data, at + len(name) + 1)
    if first is None:
        return []
    indent = re.escape(first.group("indent"))
    # Both patterns start at a line break, which the engine finds at memchr speed; `^` would
    # be tried at every character. The sequence ends at the first line that is neither an
    # item, nor inside one, nor blank or a comment.
    stop = re.compile(rb"\n(?!" + indent + rb"-(?: |$)|" + indent + rb" |[ \t]*(?:#|$))",
                      re.MULTILINE)
    items = re.compile(rb"\n" + indent + rb"-(?: |$)", re.MULTILINE)
    start = first.start("indent") - 1  # the line break before the first item
    ending = stop.search(data, start)
    end = ending.start() if ending is not None else len(data)
    found: list[int] = []
    line, pos = 1, 0
    for item in items.finditer(data, start, end):
        line += data.count(b"\n", pos, item.start() + 1)
        pos = item.start() + 1
        found.append(line)
    return found


# The rest of the key's line, blank and comment lines, then the first item's dash.
_FIRST_ITEM = re.compile(rb"[^\n]*\n(?:[ \t]*(?:#[^\n]*)?\n)*(?P<indent> *)-(?: |$)",
                         re.MULTILINE)


# A JSON string (escapes included) or one structural character: strings are skipped whole,
# so brackets inside bodies never count.
# An unterminated string runs to the end (possessively): the scan never restarts inside it.
_JSON_TOKEN = re.compile(rb'"(?:[^"\\]|\\.?)*+"?|[{}\[\]:]', re.DOTALL)


def json_item_lines(data: bytes, path: tuple[str, ...]) -> list[int]:
    """1-based lines where the objects of the JSON array at `path` (object keys from the
    root; `()` for a top-level array) start. Same contract as `item_lines`."""
    stack: list[tuple[bytes, str | None]] = []  # open containers: bracket, key it sits under
    found: list[int] = []
    last_string: bytes | None = None
    key: str | None = None
    line, counted = 1, 0
    for match in _JSON_TOKEN.finditer(data):
        token = match.group()
        if token[:1] == b'"':
            last_string = token
        elif token == b":":
            key = last_string[1:-1].decode("utf-8", "replace") if last_string else None
        elif token in (b"{", b"["):
            if token == b"{" and _in_array_at(stack, path):
                line += data.count(b"\n", counted, match.start())
                counted = match.start()
                found.append(line)
            inside_object = bool(stack) and stack[-1][0] == b"{"
            stack.append((token, key if inside_object else None))
            key = None
        elif stack:
            stack.pop()
    return found


def _in_array_at(stack: list[tuple[bytes, str | None]], path: tuple[str, ...]) -> bool:
    if not stack or stack[-1][0] != b"[":
        return False
    keys = [key for _, key in stack[1:]]  # the root sits under no key
    return None not in keys and tuple(keys) == path


# --- where things are inside one interaction's node (for validate and redact) -----------------

NodePath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Layout:
    """Paths, relative to an interaction's node, of the parts `validate` and `redact` point
    at. Each part lists alternatives; the first that exists in the node is used. Header
    shapes: `lists` ({name: [values]}), `pairs` ([{name, value}]), `map` ({name: value}),
    `flat` ([name, value, name, value…])."""

    url: tuple[NodePath, ...] = ()
    request_headers: tuple[NodePath, ...] = ()
    response_headers: tuple[NodePath, ...] = ()
    request_body: tuple[NodePath, ...] = ()
    response_body: tuple[NodePath, ...] = ()
    status: tuple[NodePath, ...] = ()
    request_headers_shape: str = "lists"
    response_headers_shape: str = "lists"
    # HAR keeps cookies a second time as [{name, value}] pairs (they may be there alone).
    request_cookies: tuple[NodePath, ...] = ()
    response_cookies: tuple[NodePath, ...] = ()


def node_at(tree: Any, path: NodePath) -> Any:
    """The plain-data node at `path`, or None."""
    for key in path:
        if isinstance(tree, dict):
            tree = tree.get(key)
        elif isinstance(tree, list) and isinstance(key, int) and key < len(tree):
            tree = tree[key]
        else:
            return None
    return tree


def locate(node: Any, alternatives: tuple[NodePath, ...]) -> NodePath | None:
    for path in alternatives:
        here = node
        for key in path:
            if isinstance(here, dict) and key in here:
                here = here[key]
            elif isinstance(here, list) and isinstance(key, int) and key < len(here):
                here = here[key]
            else:
                break
        else:
            return path
    return None


def header_nodes(headers: Any, shape: str) -> list[tuple[str, Any, NodePath]]:
    """(name, value, path relative to the headers node) for every header value."""
    found: list[tuple[str, Any, NodePath]] = []
    if shape == "lists" and isinstance(headers, dict):
        for name, values in headers.items():
            if isinstance(values, list):
                found.extend((str(name), v, (name, j)) for j, v in enumerate(values))
            else:
                found.append((str(name), values, (name,)))
    elif shape == "map" and isinstance(headers, dict):
        found.extend((str(name), value, (name,)) for name, value in headers.items())
    elif shape == "pairs" and isinstance(headers, list):
        found.extend((str(h.get("name", "")), h.get("value"), (k, "value"))
                     for k, h in enumerate(headers) if isinstance(h, dict))
    elif shape == "flat" and isinstance(headers, list):
        found.extend((str(headers[k]), headers[k + 1], (k + 1,))
                     for k in range(0, len(headers) - 1, 2))
    return found
