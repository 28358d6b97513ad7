"""PLACEHOLDER: being written. Reads the gemini API."""

from __future__ import annotations

from typing import Any

from ..model import Exchange, Interaction

API = "gemini"


def matches(url: str, body: Any) -> bool:
    return False


def read(interaction: Interaction, request_body: Any, streamed: bool) -> Exchange:
    raise NotImplementedError
