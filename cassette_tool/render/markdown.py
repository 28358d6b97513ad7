"""`cassette show --format markdown`: for pull-request comments and job summaries."""

from __future__ import annotations

from ..errors import CassetteError
from ..model import (
    Cassette,
    Exchange,
    Interaction,
    MediaPart,
    Part,
    ReasoningPart,
    TextPart,
    ToolCall,
    ToolResult,
)
from ..source import dump_json, plain_data
from . import shared_prefix
from .console import Totals, cost_text, footer, usage_text


def render(loaded: list[Cassette | CassetteError], *, only: int | None = None) -> str:
    out: list[str] = []
    for item in loaded:
        if isinstance(item, CassetteError):
            out.append(f"### ⚠️ `{item.path}`\n\n{_escape(str(item))}\n")
            continue
        out.append(f"### `{item.path}` ({item.format})\n")
        previous: Exchange | None = None
        for interaction in item.interactions:
            if only is None or interaction.index == only:
                out.append(_interaction(interaction, previous))
            previous = interaction.exchange
        out.append(f"**{footer(Totals.of(item.interactions)).plain}**\n")
    return "\n".join(out)


def _interaction(interaction: Interaction, previous: Exchange | None) -> str:
    request, response, exchange = interaction.request, interaction.response, interaction.exchange
    status = "" if response is None else f" → {response.status}"
    lines = [f"#### #{interaction.index} `{request.method} {request.url}`{status}\n"]
    if exchange is None:
        if interaction.websocket:
            lines.append(f"websocket session, {len(interaction.websocket)} messages\n")
        else:
            lines.append("not an LLM call\n")
        return "\n".join(lines)
    lines.append(f"{exchange.api} · {exchange.provider} · `{exchange.model}` · "
                 f"{'streamed' if exchange.streamed else 'not streamed'}\n")
    if exchange.prompt.tools:
        names = ", ".join(f"`{t.name}`" for t in exchange.prompt.tools)
        lines.append(f"Tools: {names}\n")
    skip = shared_prefix(exchange.prompt.messages, previous)
    if skip:
        lines.append(f"_… {skip} earlier message{'s' if skip != 1 else ''} as in the previous "
                     "interaction_\n")
    for message in exchange.prompt.messages[skip:]:
        body = "\n".join(_part(p) for p in message.parts)
        lines.append(f"**{message.role}**\n\n{_quote(body)}\n")
    reply = exchange.reply
    reply_parts: list[str] = []
    if reply.reasoning:
        reply_parts.append(f"<details><summary>thinking</summary>\n\n{reply.reasoning}\n\n"
                           "</details>")
    if reply.text:
        reply_parts.append(_quote(reply.text))
    for call in reply.tool_calls:
        reply_parts.append(_part(call))
    if reply.refusal:
        reply_parts.append(f"refusal: {reply.refusal}")
    if reply.error:
        reply_parts.append(f"**error**: {_escape(reply.error.message)}")
    lines.append("**reply**\n\n" + ("\n\n".join(reply_parts) or "_(empty)_") + "\n")
    lines.append(f"finish `{reply.finish_reason}` · usage {usage_text(exchange.usage)} · "
                 f"cost {cost_text(exchange)}\n")
    return "\n".join(lines)


def _part(part: Part) -> str:
    if isinstance(part, TextPart):
        return part.text
    if isinstance(part, ReasoningPart):
        return f"_thinking:_ {part.text}"
    if isinstance(part, ToolCall):
        return f"→ `{part.name}` `{dump_json(plain_data(part.arguments))}`"
    if isinstance(part, ToolResult):
        return f"result: `{part.content[:500]}`"
    assert isinstance(part, MediaPart)
    return f"[{part.kind} {part.media_type or ''} {part.size or ''}]".replace("  ", " ")


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.split("\n"))


def _escape(text: str) -> str:
    return text.replace("<", "&lt;").replace(">", "&gt;")
