"""Renderers: each takes loaded cassettes (or the error that stopped one) and writes to a
Console or returns text. Nothing here reads files."""

from __future__ import annotations

from ..errors import CassetteError
from ..model import Cassette, Exchange, Message

Loaded = Cassette | CassetteError


def shared_prefix(messages: tuple[Message, ...], previous: Exchange | None) -> int:
    """How many leading messages repeat the whole prompt of the previous exchange: an agent
    loop resends the conversation each turn, and a reader wants only what is new."""
    if previous is None:
        return 0
    before = previous.prompt.messages
    if len(before) > len(messages) or messages[:len(before)] != before:
        return 0
    return len(before)
