"""`text/event-stream` bodies to events. Knows nothing of providers.

Follows the WHATWG rules the providers rely on: `\\r\\n` or `\\n` line ends (Gemini sends
CRLF), `:` comment lines (OpenRouter's `: OPENROUTER PROCESSING`), one optional space after
the field colon, several `data:` lines joined by newlines, and a final event dispatched even
without its blank line (truncated recordings).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Event:
    data: str
    event: str | None = None
    id: str | None = None


def parse_sse(text: str) -> list[Event]:
    events: list[Event] = []
    data: list[str] = []
    name: str | None = None
    event_id: str | None = None
    # Not str.splitlines(): JSON strings may hold U+2028 and other characters it splits on.
    for line in text.split("\n"):
        if line.endswith("\r"):
            line = line[:-1]
        if not line:
            if data:
                events.append(Event("\n".join(data), name, event_id))
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
        events.append(Event("\n".join(data), name, event_id))
    return events


def looks_like_sse(text: str) -> bool:
    head = text.lstrip()[:16]
    return head.startswith(("data:", "event:", ":", "id:"))
