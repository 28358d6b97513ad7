"""`text/event-stream` bodies to events. Knows nothing of providers.

Follows the WHATWG rules the providers rely on: `\\r\\n` or `\\n` line ends (Gemini sends
CRLF), `:` comment lines (OpenRouter's `: OPENROUTER PROCESSING`), one optional space after
the field colon, several `data:` lines joined by newlines, and a final event dispatched even
without its blank line (truncated recordings).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple


class Event(NamedTuple):
    """One event. A tuple: a long stream makes hundreds of thousands of them, and a tuple is
    made in half the time of a frozen dataclass."""

    data: str
    event: str | None = None
    id: str | None = None


def parse_sse(text: str) -> list[Event]:
    return list(iter_sse(text))


def iter_sse(text: str) -> Iterator[Event]:
    """The events of a stream, one at a time: a long reply need not be held as a list.

    Lines are found one at a time (not str.splitlines(): JSON strings may hold U+2028 and
    other characters it splits on; not str.split either: a list of every line of a long
    stream would double its memory)."""
    data: list[str] = []
    name: str | None = None
    event_id: str | None = None
    find, size = text.find, len(text)
    start = 0
    while start <= size:
        end = find("\n", start)
        if end < 0:
            end = size
        # Between events, the common shape in one step: a `data:` line (no CR in it), then a
        # blank line or the end. Found with str.find (memchr), not a regular expression that
        # would test every character of a 50 MB stream against a class.
        if not data and name is None and end < size and text.startswith("data:", start) \
                and (end + 1 == size or text[end + 1] == "\n"):
            value = text[start + 5:end]
            if "\r" not in value:
                yield Event(value[1:] if value[:1] == " " else value, None, event_id)
                start = end + 2
                continue
        line = text[start:end]
        start = end + 1
        if line.endswith("\r"):
            line = line[:-1]
        if not line:
            if data:
                yield Event("\n".join(data), name, event_id)
            data, name = [], None
            continue
        if line[0] == ":":
            continue
        field, colon, value = line.partition(":")
        if colon and value[:1] == " ":
            value = value[1:]
        if field == "data":
            data.append(value)
        elif field == "event":
            name = value
        elif field == "id":
            event_id = value
    if data:
        yield Event("\n".join(data), name, event_id)


def looks_like_sse(text: str) -> bool:
    head = text.lstrip()[:16]
    return head.startswith(("data:", "event:", ":", "id:"))
