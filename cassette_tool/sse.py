"""`text/event-stream` bodies to events. Knows nothing of providers.

Follows the WHATWG rules the providers rely on: `\\r\\n` or `\\n` line ends (Gemini sends
CRLF), `:` comment lines (OpenRouter's `: OPENROUTER PROCESSING`), one optional space after
the field colon, several `data:` lines joined by newlines, and a final event dispatched even
without its blank line (truncated recordings).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Event:
    data: str
    event: str | None = None
    id: str | None = None


def parse_sse(text: str) -> list[Event]:
    return list(iter_sse(text))


# The event nearly every stream is made of: one `data:` line and a blank line (or the end).
_PLAIN_EVENT = re.compile(r"data: ?([^\r\n]*)\n(?:\n|\Z)")


def iter_sse(text: str) -> Iterator[Event]:
    """The events of a stream, one at a time: a long reply need not be held as a list.

    Lines are found one at a time (not str.splitlines(): JSON strings may hold U+2028 and
    other characters it splits on; not str.split either: a list of every line of a long
    stream would double its memory)."""
    data: list[str] = []
    name: str | None = None
    event_id: str | None = None
    plain, size = _PLAIN_EVENT.match, len(text)
    start = 0
    while start <= size:
        if not data and name is None:  # between events: the common shape, in one step
            found = plain(text, start)
            if found is not None:
                yield Event(found.group(1), None, event_id)
                start = found.end()
                continue
        end = text.find("\n", start)
        if end < 0:
            end = size
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
