"""LLM APIs: one module per API, each with `API`, `matches(url, request_body)` and
`read(interaction, request_body, streamed) -> Exchange`, tried in `APIS` order
(wire-formats.md 1.4: the most specific URL shapes first)."""

from __future__ import annotations

from dataclasses import replace
from types import ModuleType
from typing import Any, Protocol

from ..model import Exchange, Interaction, Prompt, Reply
from ..source import dump_json
from . import (
    anthropic,
    bedrock_converse,
    bedrock_invoke,
    cohere,
    gemini,
    ollama,
    openai_chat,
    openai_responses,
)
from .common import body_json, provider_of


class Api(Protocol):
    API: str

    def matches(self, url: str, body: Any) -> bool: ...

    def read(self, interaction: Interaction, request_body: Any, streamed: bool) -> Exchange: ...


# Most specific URL shapes first: Bedrock and Vertex paths, then Gemini's `:generateContent`,
# then path suffixes; every OpenAI-compatible `/chat/completions` last.
APIS: tuple[ModuleType, ...] = (bedrock_converse, bedrock_invoke, anthropic, gemini,
                                openai_responses, ollama, cohere, openai_chat)
API_BY_NAME: dict[str, ModuleType] = {module.API: module for module in APIS}

_STREAM_TYPES = ("text/event-stream", "application/vnd.amazon.eventstream",
                 "application/x-ndjson", "application/jsonl", "application/x-jsonlines")


def api_for(interaction: Interaction) -> tuple[ModuleType, Any] | None:
    """The API module that reads this interaction and the parsed request body."""
    if interaction.response is None and not interaction.websocket:
        return None
    request = interaction.request
    body = body_json(request.body)
    url = request.url.split("#", 1)[0]  # pydantic-ai marks streamed calls with `#stream`
    for module in APIS:
        if module.matches(url, body):
            return module, body
    return None


def is_streamed(interaction: Interaction, body: Any) -> bool:
    response = interaction.response
    if response is None:
        return False
    url = interaction.request.url
    if response.content_type in _STREAM_TYPES or ":streamGenerateContent" in url:
        return True  # Gemini without alt=sse streams a JSON array as application/json
    if response.content_type in ("application/json", "") and body_json(response.body) is not None:
        return False
    head = response.body.data[:64].lstrip()
    if head.startswith((b"data:", b"event:", b": ")):
        return True
    return "-stream" in url.split("?", 1)[0] \
        or (isinstance(body, dict) and body.get("stream") is True)


def classify(interaction: Interaction) -> tuple[str, bool] | None:
    """The API of an LLM interaction and whether its reply is streamed, without reading the
    reply: what a check of the stored bytes needs, at a fraction of `read_exchange`'s cost."""
    found = api_for(interaction)
    if found is None:
        return None
    module, body = found
    return module.API, is_streamed(interaction, body)


def read_exchange(interaction: Interaction) -> Exchange | None:
    found = api_for(interaction)
    if found is None:
        return None
    module, body = found
    streamed = is_streamed(interaction, body)
    try:
        exchange: Exchange = module.read(interaction, body, streamed)
    except (TypeError, AttributeError, KeyError, IndexError, ValueError) as exc:
        # The readers follow each API's documented shapes; a body that is valid JSON of
        # another shape (hand-edited, fuzzed, a new API version) is shown as not read, with
        # the reason, rather than stopping the whole file.
        return _unread(module.API, interaction, body, streamed, exc)
    return _plain(exchange)


def _unread(api: str, interaction: Interaction, body: Any, streamed: bool,
            exc: Exception) -> Exchange:
    model = body.get("model") if isinstance(body, dict) else None
    note = f"the {api} body has an unexpected shape ({type(exc).__name__}: {exc})"
    return Exchange(api=api, provider=provider_of(interaction.request.url),
                    model=model if isinstance(model, str) else None,
                    request_model=model if isinstance(model, str) else None,
                    streamed=streamed, prompt=Prompt(), reply=Reply(notes=(" ".join(
                        note.split())[:300],)))


def _plain(exchange: Exchange) -> Exchange:
    """The exchange with every name a string or None, whatever the JSON held there: the
    renderers, prices and diffs rely on it."""
    reply = exchange.reply
    names = (reply.finish_reason, reply.native_finish_reason, exchange.model,
             exchange.request_model, exchange.provider,
             *(name for call in reply.tool_calls for name in (call.name, call.id)))
    if all(name is None or isinstance(name, str) for name in names):
        return exchange
    calls = tuple(replace(call, name=_text(call.name) or "?", id=_text(call.id))
                  for call in reply.tool_calls)
    return replace(exchange, model=_text(exchange.model),
                   request_model=_text(exchange.request_model),
                   provider=_text(exchange.provider),
                   reply=replace(reply, tool_calls=calls,
                                 finish_reason=_text(reply.finish_reason),
                                 native_finish_reason=_text(reply.native_finish_reason)))


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return dump_json(value)
