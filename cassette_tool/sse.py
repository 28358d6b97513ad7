"""`text/event-stream` bodies to events. Knows nothing of providers.

Follows the WHATWG rules the providers rely on: `\\r\\n` or `\\n` line ends (Gemini sends
CRLF), `:` comment lines (OpenRouter's `: OPENROUTER PROCESSING`), one optional space after
the field colon, several `data:` lines joined by newlines, and a final event dispatched even
without its blank line (truncated recordings).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Event:
    data: str
    event: str | None = None
    id: str | None = None


def parse_sse(text: str) -> list[Event]:
    return list(iter_sse(text))


def iter_sse(text: str) -> Iterator[Event]:
    """The events of a stream, one at a time: a long reply need not be held as a list."""
    data: list[str] = []
    name: str | None = None
    event_id: str | None = None
    for line in _lines(text):
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


def _lines(text: str) -> Iterator[str]:
    # Not str.splitlines(): JSON strings may hold U+2028 and other characters it splits on;
    # not str.split either: a list of every line of a long stream would double its memory.
    start, size = 0, len(text)
    while start <= size:
        end = text.find("\n", start)
        if end < 0:
            end = size
        yield text[start:end]
        start = end + 1


def looks_like_sse(text: str) -> bool:
    head = text.lstrip()[:16]
    return head.startswith(("data:", "event:", ":", "id:"))
