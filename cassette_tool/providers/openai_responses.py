"""PLACEHOLDER: being written. Reads the openai-responses API."""

from __future__ import annotations

from typing import Any

from ..model import Exchange, Interaction

API = "openai-responses"


def matches(url: str, body: Any) -> bool:
    return False


def read(interaction: Interaction, request_body: Any, streamed: bool) -> Exchange:
    raise NotImplementedError
