"""`cassette show` in the terminal: each cassette as a conversation, with rich."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from weakref import WeakKeyDictionary

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.rule import Rule
from rich.segment import Segment
from rich.text import Text

from ..errors import CassetteError
from ..load import InteractionStream
from ..model import (
    Body,
    Cassette,
    Exchange,
    Interaction,
    MediaPart,
    Message,
    Part,
    ReasoningPart,
    TextPart,
    ToolCall,
    ToolResult,
    Usage,
    WsMessage,
)
from ..source import dump_json, text_of, try_json
from . import shared_prefix


class Indent:
    """Indents a renderable (wrapped lines included) without padding lines on the right,
    so copied output carries no trailing spaces. An optional label fills the first
    line's indentation (a hanging indent).

    Indents inside indents (through groups) are laid out in one pass: each text is
    wrapped once, at its own width, instead of once per level (a third of the time)."""

    def __init__(self, renderable: RenderableType, size: int = 2,
                 label: Text | None = None) -> None:
        self.renderable, self.size, self.label = renderable, size, label

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        rows = [(0, self)] if self.label is not None else _rows(self.renderable, self.size)
        for indent, row in rows:
            label, size = (row.label, row.size) if isinstance(row, Indent) else (None, 0)
            leaf = row.renderable if isinstance(row, Indent) else row
            width = max(options.max_width - indent - size, 10)
            if isinstance(leaf, Text):
                lines: Iterable[list[Segment]] = _wrapped(console, options, leaf, width)
            elif leaf is _REPLY_RULE:  # the same on every interaction: drawn once per width
                drawn = _rules.setdefault(console, {})
                if width not in drawn:
                    drawn[width] = console.render_lines(leaf, options.update_width(width),
                                                        pad=False)
                lines = drawn[width]
            else:
                lines = console.render_lines(leaf, options.update_width(width), pad=False)
            for number, line in enumerate(lines):
                if number == 0 and label is not None:
                    line = [Segment(" " * indent), *label.render(console),
                            Segment(" " * max(size - label.cell_len, 0)), *line]
                else:
                    line = [Segment(" " * (indent + size)), *line]
                if indent + size + width > options.max_width:  # narrower than 10 columns
                    line = Segment.adjust_line_length(line, options.max_width, pad=False)
                line = _rstrip(line)
                yield from line
                yield Segment.line()


_REPLY_RULE = Rule("reply", align="left", style="dim")
_rules: WeakKeyDictionary[Console, dict[int, list[list[Segment]]]] = WeakKeyDictionary()


def _wrapped(console: Console, options: ConsoleOptions, text: Text,
             width: int) -> Iterator[list[Segment]]:
    """The lines of `text` as rich renders it at `width` (Text.__rich_console__ and
    Console.render_lines), without joining its lines only to split them again."""
    no_wrap = text.no_wrap if text.no_wrap is not None else bool(options.no_wrap)
    justify = text.justify or options.justify or "default"
    plain = text.plain
    if justify in ("default", "left") and "\n" not in plain and "\t" not in plain and \
            cell_len(plain) <= width:
        lines: Iterable[Text] = (text,)  # one line that fits: most are, and wrapping is slow
    else:
        lines = text.wrap(console, width, justify=justify,
                          overflow=text.overflow or options.overflow or "fold",
                          tab_size=(console.tab_size if text.tab_size is None
                                    else text.tab_size) or 8,
                          no_wrap=no_wrap)
    for line in lines:
        # Text.render leaves a text's own style out when it has no spans (join adds it).
        segments = (list(line.render(console)) if line.spans or not line.style
                    else [Segment(line.plain, console.get_style(line.style))])
        yield Segment.adjust_line_length(segments, width) if no_wrap else segments


def _rows(renderable: RenderableType, indent: int) -> list[tuple[int, RenderableType]]:
    """The leaves of nested groups and unlabelled indents, each with its indentation; a
    labelled indent is a leaf (its label goes on its first line)."""
    if isinstance(renderable, Indent) and renderable.label is None:
        return _rows(renderable.renderable, indent + renderable.size)
    if isinstance(renderable, Group):
        return [row for part in renderable.renderables for row in _rows(part, indent)]
    return [(indent, renderable)]


def _rstrip(line: list[Segment]) -> list[Segment]:
    """A rendered line without the spaces that wrapping leaves at its end."""
    line = list(line)
    while line and not line[-1].control and not line[-1].text.rstrip():
        line.pop()
    if line and not line[-1].control:
        last = line[-1]
        line[-1] = Segment(last.text.rstrip(), last.style)
    return line


ROLE_STYLE = {"system": "magenta", "developer": "magenta", "user": "green",
              "assistant": "cyan", "tool": "yellow", "model": "cyan"}
BODY_LINES = 40  # of a non-LLM body, unless --raw


Shown = Cassette | InteractionStream  # a cassette loaded whole, or read as it is shown


def render(console: Console, loaded: Iterable[Shown | CassetteError], *, raw: bool = False,
           only: int | None = None) -> None:
    first = True
    for item in loaded:
        if isinstance(item, CassetteError):
            continue  # reported on stderr by the caller
        if not first:
            console.print()
        first = False
        render_cassette(console, item, raw=raw, only=only)


def render_cassette(console: Console, cassette: Shown, *, raw: bool = False,
                    only: int | None = None, canonical: bool = False) -> None:
    """`canonical` leaves out what changes on every recording (durations) and the path (git
    hands textconv a temporary file), for git."""
    if isinstance(cassette, Cassette):
        count: int | None = len(cassette.interactions)
        interactions: Iterable[Interaction] = cassette.interactions
    else:
        count, interactions = cassette.count, (i for i, _ in cassette.items)
    title = Text.assemble(("cassette" if canonical else cassette.path, "bold"),
                          f" · {cassette.format}")
    if count is not None:
        title.append(f" · {count} interaction{'s' if count != 1 else ''}")
    console.print(Rule(title, align="left", style="blue"))
    totals = Totals()
    previous: Exchange | None = None
    for interaction in interactions:
        totals.add(interaction)
        if only is None or interaction.index == only:
            # Lines come out of Indent no wider than the console (from 32 columns on):
            # cropping them again costs a quarter of the time.
            console.print(interaction_view(interaction, previous, raw=raw, canonical=canonical),
                          crop=console.width < 32)
        previous = interaction.exchange
    console.print(Indent(footer(totals), 0))


def interaction_view(interaction: Interaction, previous: Exchange | None, *,
                     raw: bool = False, canonical: bool = False) -> RenderableType:
    parts: list[RenderableType] = [_request_line(interaction, canonical)]
    exchange = interaction.exchange
    if exchange is not None:
        parts.append(Indent(_api_line(exchange), 3))  # under the method, wrapped lines too
        parts.append(Indent(_exchange_view(exchange, previous)))
    elif interaction.websocket:
        parts.append(Indent(_websocket_view(interaction)))
    if raw or (exchange is None and not interaction.websocket):
        parts.append(Indent(_http_view(interaction, raw)))
    return Group(*parts, Text())


def _request_line(interaction: Interaction, canonical: bool = False) -> Indent:
    """`#0 POST URL  200 OK  412 ms`; a URL too long for the line goes on under itself,
    not back at the margin under `#0`."""
    request, response = interaction.request, interaction.response
    url = (request.url, "underline") if request.url else ("(URL not recorded)", "dim")
    label = Text(f"#{interaction.index} {request.method}", style="bold")
    line = Text.assemble(url)
    if response is not None:
        status = response.status
        style = "green" if status is not None and status < 400 else "bold red"
        line.append(f"  {status if status is not None else '?'}", style=style)
        if response.reason:
            line.append(f" {response.reason}", style=style)
        if response.duration_ms is not None and not canonical:
            line.append(f"  {_duration(response.duration_ms)}", style="dim")
    return Indent(line, label.cell_len + 1, label=label)


def _api_line(exchange: Exchange) -> Text:
    bits = [exchange.api, exchange.provider or "unknown provider", exchange.model or "no model"]
    if exchange.request_model and exchange.model and exchange.request_model != exchange.model:
        bits[-1] = f"{exchange.model} (asked for {exchange.request_model})"
    bits.append("streamed" if exchange.streamed else "not streamed")
    return Text(" · ".join(bits), style="dim")


def _exchange_view(exchange: Exchange, previous: Exchange | None) -> RenderableType:
    out: list[RenderableType] = []
    prompt = exchange.prompt
    if prompt.params:  # wrapped lines hang under the first parameter
        out.append(Indent(Text("  ".join(f"{k}={_compact(v)}" for k, v in prompt.params)),
                          len("params "), label=Text("params", style="dim")))
    if prompt.tools:
        if previous is not None and previous.prompt.tools == prompt.tools:
            out.append(Text(f"tools   {len(prompt.tools)} as before", style="dim"))
        else:
            out.append(Text("tools", style="dim"))
            for tool in prompt.tools:
                out.append(Indent(_tool_line(tool.name, tool.description, tool.parameters)))
    messages = prompt.messages
    skip = shared_prefix(messages, previous)
    if skip:
        out.append(Text(f"… {skip} earlier message{'s' if skip != 1 else ''} as in the "
                        "previous interaction", style="dim"))
    for message in messages[skip:]:
        out.append(_message_view(message))
    out.append(_REPLY_RULE)
    out.extend(_reply_view(exchange))
    out.append(_usage_line(exchange))
    return Group(*out)


def _tool_line(name: str, description: str | None, parameters: Any) -> Text:
    line = Text.assemble((name, "bold yellow"), f"({_signature(parameters)})")
    if description:
        first = description.strip().split("\n", 1)[0]
        line.append(f" — {first}", style="dim")
    return line


def _signature(parameters: Any) -> str:
    if not isinstance(parameters, dict):
        return ""
    props = parameters.get("properties")
    if not isinstance(props, dict):
        return ""
    required = set(parameters.get("required") or [])
    out = []
    for key, spec in props.items():
        kind = spec.get("type", "any") if isinstance(spec, dict) else "any"
        if isinstance(kind, list):
            kind = "|".join(map(str, kind))
        out.append(f"{key}{'' if key in required else '?'}: {kind}")
    return ", ".join(out)


def _message_view(message: Message) -> RenderableType:
    style = ROLE_STYLE.get(message.role, "white")
    label = Text(f"{message.role:<9} ", style=f"bold {style}")
    if not message.parts:
        return Text.assemble(label, ("(empty)", "dim"))
    rows: list[RenderableType] = []
    for number, part in enumerate(message.parts):
        head = label if number == 0 else Text(" " * 10)
        rows.append(_part_view(head, part))
    return Group(*rows)


def _part_view(head: Text, part: Part) -> RenderableType:
    if isinstance(part, TextPart):
        return _hanging(head, Text(part.text))
    if isinstance(part, ReasoningPart):
        return _hanging(head, Text(part.text, style="italic dim"), "thinking: ")
    if isinstance(part, ToolCall):
        return _hanging(head, _call_text(part))
    if isinstance(part, ToolResult):
        label = f"result{' (error)' if part.is_error else ''}"
        if part.name:
            label += f" of {part.name}"
        return _hanging(head, Text(_pretty_text(part.content)), f"{label}: ")
    assert isinstance(part, MediaPart)
    return _hanging(head, Text(_media(part), style="dim"))


def _hanging(head: Text, body: Text, prefix: str = "") -> RenderableType:
    if prefix:
        body = Text.assemble((prefix, "dim"), body)
    return Indent(body, len(head.plain), head)


def _call_text(call: ToolCall) -> Text:
    text = Text.assemble(("→ ", "yellow"), (call.name, "bold yellow"), " ")
    arguments = call.arguments
    if isinstance(arguments, (dict, list)):
        compact = display_json(arguments)
        text.append(compact if len(compact) <= 100 else _indent_json(arguments))
    elif call.kind == "custom":
        text.append(str(arguments))
    else:
        text.append(str(arguments), style="red")
        text.append("  (arguments are not valid JSON)", style="dim red")
    return text


def display_json(value: Any) -> str:
    """One-line JSON as people write it: `{"location": "Florence"}`."""
    return json.dumps(_jsonable(value), ensure_ascii=False)


def _indent_json(value: Any) -> str:
    return json.dumps(_jsonable(value), ensure_ascii=False, indent=2)


def _pretty_text(text: str) -> str:
    parsed = try_json(text) if text[:1] in ("{", "[") else None
    if isinstance(parsed, (dict, list)):
        compact = display_json(parsed)
        return compact if len(compact) <= 100 else _indent_json(parsed)
    return text


def _media(part: MediaPart) -> str:
    bits = [part.kind]
    if part.media_type:
        bits.append(part.media_type)
    if part.size is not None:
        bits.append(_size(part.size))
    if part.url:
        bits.append(part.url if len(part.url) <= 80 else part.url[:77] + "…")
    return f"[{', '.join(bits)}]"


def _reply_view(exchange: Exchange) -> list[RenderableType]:
    reply = exchange.reply
    out: list[RenderableType] = []
    label = Text(f"{'assistant':<10}", style="bold cyan")
    pad = Text(" " * 10)
    shown = False
    if reply.reasoning.strip():
        out.append(_hanging(label, Text(reply.reasoning.strip(), style="italic dim"), "thinking: "))
        shown = True
    if reply.text.strip():
        out.append(_hanging(pad if shown else label, Text(reply.text.strip())))
        shown = True
    for call in reply.tool_calls:
        out.append(_hanging(pad if shown else label, _call_text(call)))
        shown = True
    if reply.refusal:
        out.append(_hanging(pad if shown else label, Text(reply.refusal, style="red"),
                            "refusal: "))
        shown = True
    if reply.error is not None:
        kind = f" ({reply.error.type})" if reply.error.type else ""
        out.append(Text(f"error{kind}: {reply.error.message}", style="bold red"))
        shown = True
    if not shown:
        out.append(Text.assemble(label, ("(empty reply)", "dim")))
    for note in reply.notes:
        out.append(Text(f"note: {note}", style="yellow"))
    return out


def _usage_line(exchange: Exchange) -> Text:
    reply = exchange.reply
    line = Text()
    if reply.finish_reason:
        native = reply.native_finish_reason
        line.append("finish ", style="dim")
        line.append(reply.finish_reason)
        if native and native.lower() != reply.finish_reason:
            line.append(f" ({native})", style="dim")
        line.append("   ")
    line.append("usage ", style="dim")
    line.append(usage_text(exchange.usage))
    line.append("   cost ", style="dim")
    line.append(cost_text(exchange))
    return line


def usage_text(usage: Usage | None) -> str:
    if usage is None:
        return "not reported"
    text = f"{_n(usage.input_tokens)} in → {_n(usage.output_tokens)} out"
    extras = []
    if usage.cache_read_tokens:
        extras.append(f"cache read {usage.cache_read_tokens:,}")
    if usage.cache_write_tokens:
        extras.append(f"cache write {usage.cache_write_tokens:,}")
    if usage.reasoning_tokens:
        extras.append(f"reasoning {usage.reasoning_tokens:,}")
    return f"{text} ({', '.join(extras)})" if extras else text


def cost_text(exchange: Exchange) -> str:
    if exchange.cost is None:
        return f"unknown ({exchange.cost_note})" if exchange.cost_note else "unknown"
    text = f"{usd(exchange.cost.usd)} {exchange.cost.source}"
    return f"{text} ({exchange.cost_note})" if exchange.cost_note else text


def usd(value: Decimal) -> str:
    if value == 0:
        return "$0"
    if abs(value) >= 1:
        return f"${value:,.4f}"
    # Small costs keep their significant digits: $0.00002925, not $0.000029.
    text = f"{value:.10f}".rstrip("0")
    decimals = len(text.split(".", 1)[1])
    return f"${value:.{max(6, min(decimals, 10))}f}"


@dataclass
class Totals:
    """What a cassette's footer sums up, added an interaction at a time."""

    interactions: int = 0
    llm: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    usd: Decimal = Decimal(0)
    priced: int = 0
    sources: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, interactions: Iterable[Interaction]) -> Totals:
        totals = cls()
        for interaction in interactions:
            totals.add(interaction)
        return totals

    def add(self, interaction: Interaction) -> None:
        self.interactions += 1
        exchange = interaction.exchange
        if exchange is None:
            return
        self.llm += 1
        if exchange.usage:
            self.tokens_in += exchange.usage.input_tokens or 0
            self.tokens_out += exchange.usage.output_tokens or 0
        if exchange.cost is not None:
            self.usd += exchange.cost.usd
            self.priced += 1
            self.sources.add(exchange.cost.source)


def footer(totals: Totals) -> Text:
    count = totals.interactions
    text = Text(f"{count} interaction{'s' if count != 1 else ''}", style="bold")
    if totals.llm:
        text.append(f" ({totals.llm} LLM)")
        tokens_in, tokens_out = totals.tokens_in, totals.tokens_out
        text.append(f" · {tokens_in + tokens_out:,} tokens ({tokens_in:,} in, {tokens_out:,} out)")
        if totals.priced:
            text.append(f" · {usd(totals.usd)} {'+'.join(sorted(totals.sources))}")
            missing = totals.llm - totals.priced
            if missing:
                text.append(f" (+{missing} without a cost)", style="dim")
        else:
            text.append(" · cost unknown")
    return text


def _websocket_view(interaction: Interaction) -> RenderableType:
    rows: list[RenderableType] = []
    for direction, kind, count, data in _grouped_frames(interaction.websocket):
        arrow = Text("→ sent     " if direction == "sent" else "← received ",
                     style="cyan" if direction == "sent" else "green")
        if kind is not None:
            label = Text.assemble((kind, "bold"), (f" ×{count}" if count > 1 else "", "dim"), " ")
            rows.append(_hanging(arrow, Text.assemble(label, (_frame_detail(data), "dim"))))
        else:
            rows.append(_hanging(arrow, Text(_frame_detail(data))))
    return Group(*rows) if rows else Text("(no messages)", style="dim")


def _grouped_frames(messages: tuple[WsMessage, ...]) -> list[tuple[str, str | None, int, Any]]:
    """Consecutive text deltas of one event type are joined, as a stream is."""
    groups: list[tuple[str, str | None, int, Any]] = []
    for message in messages:
        data = message.data
        kind = str(data["type"]) if isinstance(data, dict) and "type" in data else None
        delta = data.get("delta") if isinstance(data, dict) else None
        if groups and kind and isinstance(delta, str) and kind.endswith(".delta"):
            last_direction, last_kind, count, last = groups[-1]
            if (last_direction, last_kind) == (message.direction, kind):
                joined = {**last, "delta": last["delta"] + delta}
                groups[-1] = (last_direction, kind, count + 1, joined)
                continue
        groups.append((message.direction, kind, 1, data))
    return groups


_FRAME_NOISE = ("type", "event_id", "item_id", "response_id", "previous_item_id", "rid", "ts",
                "content_index", "output_index")


def _frame_detail(data: Any) -> str:
    if isinstance(data, bytes):
        return f"[binary, {_size(len(data))}]"
    if isinstance(data, str):
        return data if len(data) <= 160 else data[:159] + "…"
    if isinstance(data, dict):
        kind = str(data.get("type", ""))
        data = {k: v for k, v in data.items() if k not in _FRAME_NOISE}
        delta = data.get("delta")
        if isinstance(delta, str) and "audio" in kind and "transcript" not in kind:
            data["delta"] = f"[{_size(len(delta) * 3 // 4)} of base64 audio]"
        elif isinstance(delta, str) and len(data) == 1:
            return repr(delta) if len(delta) <= 300 else repr(delta[:299] + "…")
    detail = display_json(data)
    return detail if len(detail) <= 160 else detail[:159] + "…"


def _jsonable(value: Any) -> Any:
    from ..source import plain_data

    return plain_data(value)


def _http_view(interaction: Interaction, raw: bool) -> RenderableType:
    out: list[RenderableType] = []
    request, response = interaction.request, interaction.response
    if raw:
        out.append(Text("request headers", style="dim"))
        out.extend(Text(f"  {k}: {v}") for k, v in request.headers)
    if not request.body.is_empty:
        out.append(Text("request body", style="dim"))
        out.append(_body_view(request.body, raw))
    if response is not None:
        if raw:
            out.append(Text("response headers", style="dim"))
            out.extend(Text(f"  {k}: {v}") for k, v in response.headers)
        notes = f" ({', '.join(response.body.notes)})" if response.body.notes else ""
        out.append(Text(f"response body{notes}", style="dim"))
        out.append(_body_view(response.body, raw))
    return Group(*out)


def _body_view(body: Body, raw: bool) -> RenderableType:
    if body.is_empty:
        return Text("  (empty)", style="dim")
    text = text_of(body.data)
    if text is None:
        from .data import eventstream_frames

        frames = eventstream_frames(body.data)
        if frames is None:
            return Text(f"  [binary, {_size(len(body.data))}]", style="dim")
        text = "\n".join(_frame_line(frame) for frame in frames)
        raw = True  # already one line per frame
    parsed = try_json(body.data) if text.lstrip()[:1] in ("{", "[") else None
    if isinstance(parsed, (dict, list)) and not raw:
        text = _indent_json(parsed)
    lines = text.split("\n")
    if not raw and len(lines) > BODY_LINES:
        lines = [*lines[:BODY_LINES], f"… {len(lines) - BODY_LINES} more lines (--raw shows all)"]
    return Indent(Text("\n".join(lines)))


def _frame_line(frame: dict[str, Any]) -> str:
    if "problems" in frame:
        return "problems: " + "; ".join(frame["problems"])
    headers = frame["headers"]
    kind = headers.get(":event-type") or headers.get(":exception-type") or "?"
    crc = "" if frame["crc_ok"] else " (bad CRC)"
    return f"[{headers.get(':message-type', 'event')} {kind}{crc}] {display_json(frame['payload'])}"


def _duration(ms: float) -> str:
    return f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.2f} s"


def _size(size: int) -> str:
    for unit in ("B", "KB", "MB"):
        if size < 1024 or unit == "MB":
            return f"{size} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return f"{size} B"


def _n(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"


def _compact(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        text = dump_json(_jsonable(value))
        return text if len(text) <= 60 else text[:57] + "…"
    return str(value)
