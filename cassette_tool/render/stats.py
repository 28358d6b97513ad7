"""`cassette stats` output: rich tables for the terminal, Markdown, and JSON (shape below),
plus the progress bar shown on stderr while a large tree is read.

JSON (`--format json`), one object:

    {"totals": {"cassettes", "unreadable", "bytes", **counts},
     "groups": {"format": [group], <each --by key>: [group]},   # most interactions first
     "largest": [path], "most_expensive": [path],                # --top of each
     "unreadable": [{"path", "message", "line", "column"}],
     "files": [{"path", "format", "bytes", "error": null | {"message", "line", "column"},
                **counts, "rows": [{"api", "provider", "model", **counts}]}]}

where a group is `{"name", "cassettes", "bytes", **counts}` and counts are `interactions`,
`llm_calls`, `streamed`, `errors`, `input_tokens`, `output_tokens`, `cached_tokens`,
`reasoning_tokens`, `reported_usd`, `estimated_usd`, `reported_calls`, `estimated_calls`,
`unpriced_calls`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.filesize import decimal as file_size
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from ..source import dump_json
from ..stats import Counts, FileSummary, Grouping, Row, Stats
from ..stats import Group as StatsGroup
from .console import Indent

# What each table's first column is called.
_KEY_TITLE = {"format": "format", "model": "model", "provider": "provider", "api": "API",
              "directory": "directory"}
_FILE_KEYS = ("format", "directory")  # groups of whole files: show their size and LLM share
_MARKDOWN_OPEN_ROWS = 20
# In a narrow terminal these columns make way, in this order, for names up to _NAME_ROOM.
_OPTIONAL_COLUMNS = ("reasoning", "cached", "streamed", "LLM", "size")
_NAME_ROOM = 48


# --- terminal ---------------------------------------------------------------------------


def render_text(console: Console, stats: Stats, *, top: int = 10) -> None:
    title = Text.assemble(("cassette stats", "bold"), f" · {_plural(len(stats.files), 'file')}")
    console.print(Rule(title, align="left", style="blue"))
    sections: list[tuple[str, RenderableType]] = [("", _summary(stats))]
    for grouping in stats.groupings:
        base = _directory_base(grouping)
        heading = f"by {_KEY_TITLE[grouping.key]}" + (f" under {base}" if base else "")
        table, left_out = _group_table(grouping, console.width, base)
        if left_out:
            note = Text(f"left out at this width: {', '.join(left_out)} (see --width, or "
                        "--format markdown)", style="dim")
            sections.append((heading, Group(table, note)))
        else:
            sections.append((heading, table))
    if stats.total.cassettes and top > 0:
        sections.append(("largest cassettes", _largest_table(stats.largest(top))))
        expensive = stats.most_expensive(top)
        if expensive:
            sections.append(("most expensive cassettes", _expensive_table(expensive)))
    for heading, body in sections:
        if heading:
            console.print()
            console.print(Text(heading, style="bold"))
        console.print(Indent(body, 0))  # Indent strips the padding rich leaves at line ends


def _summary(stats: Stats) -> Table:
    total, counts = stats.total, stats.total.counts
    read = Text(f"{_plural(total.cassettes, 'cassette')} ({file_size(total.size)})")
    if stats.unreadable:
        read.append(f" · {len(stats.unreadable)} could not be read (listed on stderr)",
                    style="bold red")
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column()
    grid.add_row("read", read)
    grid.add_row("calls", _calls_text(counts))
    grid.add_row("tokens", _tokens_text(counts))
    grid.add_row("cost", _cost_text(counts))
    return grid


def _calls_text(counts: Counts) -> str:
    other = counts.interactions - counts.llm
    errors = _plural(counts.errors, "error reply", "error replies")
    return (f"{_plural(counts.interactions, 'interaction')}: {counts.llm:,} LLM "
            f"({counts.streamed:,} streamed, {errors}), {other:,} other")


def _tokens_text(counts: Counts) -> str:
    return (f"{counts.input_tokens:,} in ({counts.cached_tokens:,} cached) → "
            f"{counts.output_tokens:,} out ({counts.reasoning_tokens:,} reasoning)")


def _cost_text(counts: Counts) -> str:
    parts = [f"{_total_usd(counts.reported_usd)} reported ({_plural(counts.reported, 'call')})",
             f"{_total_usd(counts.estimated_usd)} estimated ({_plural(counts.estimated, 'call')})"]
    parts = [p for p, n in zip(parts, (counts.reported, counts.estimated), strict=True) if n]
    if counts.unpriced:
        parts.append(f"{_plural(counts.unpriced, 'LLM call')} without a cost")
    return " · ".join(parts) or "none"


def _directory_base(grouping: Grouping) -> str | None:
    """The folder all directories are under, which their rows then leave out."""
    names = [g.name for g in grouping.groups]
    if grouping.key != "directory" or len(names) < 2:
        return None
    try:
        base = os.path.commonpath(names)
    except ValueError:  # relative and absolute directories mixed
        return None
    return base if base not in ("", ".", os.sep) else None


def _group_table(grouping: Grouping, width: int,
                 base: str | None = None) -> tuple[Table, list[str]]:
    """The table, and the headers of the columns left out so that names keep their room."""
    columns = _group_columns(grouping, base)
    names = columns[0][1]
    # Room for the names (up to _NAME_ROOM) comes before the optional columns.
    name_width = min(max((cell.cell_len for cell in names), default=0), _NAME_ROOM)
    left_out: list[str] = []
    for header in _OPTIONAL_COLUMNS:
        if _table_width(columns[1:]) + name_width + 1 <= width:
            break
        if any(h == header for h, _ in columns):
            columns = [(h, cells) for h, cells in columns if h != header]
            left_out.append(header)
    table = _table()
    for index, (header, _) in enumerate(columns):
        if index == 0:
            table.add_column(header, overflow="fold")
        else:
            table.add_column(header, justify="right", no_wrap=True)
    for row in zip(*(cells for _, cells in columns), strict=True):
        table.add_row(*row)
    return table, left_out


def _group_columns(grouping: Grouping, base: str | None) -> list[tuple[str, list[Text]]]:
    """Each column as its header and cells, most important first."""
    groups = grouping.groups
    counts = [g.counts for g in groups]
    names = [os.path.relpath(g.name, base) if base else g.name for g in groups]
    columns = [
        (_KEY_TITLE[grouping.key],
         [Text(name, style="dim" if name.startswith("(") else "") for name in names]),
        ("files", [Text(f"{g.cassettes:,}") for g in groups]),
        ("size", [Text(file_size(g.size)) for g in groups]),
        ("calls", [Text(f"{c.interactions:,}") for c in counts]),
        ("LLM", [Text(f"{c.llm:,}") for c in counts]),
        ("streamed", [_count(c.streamed) for c in counts]),
        ("errors", [_error_count(c.errors) for c in counts]),
        ("in", [_tokens(c.input_tokens) for c in counts]),
        ("out", [_tokens(c.output_tokens) for c in counts]),
        ("cached", [_tokens(c.cached_tokens) for c in counts]),
        ("reasoning", [_tokens(c.reasoning_tokens) for c in counts]),
        ("reported", [_usd_cell(c.reported_usd, c.reported) for c in counts]),
        ("estimated", [_usd_cell(c.estimated_usd, c.estimated) for c in counts]),
    ]
    if grouping.key not in _FILE_KEYS:  # every group is all LLM calls or none
        columns = [c for c in columns if c[0] not in ("size", "LLM")]
    return columns


def _table_width(columns: list[tuple[str, list[Text]]]) -> int:
    widths = [max([len(h), *(cell.cell_len for cell in cells)]) for h, cells in columns]
    return sum(widths) + len(widths)  # one space before each column


def _largest_table(files: list[FileSummary]) -> Table:
    table = _table()
    table.add_column("cassette", overflow="fold")
    table.add_column("format")
    table.add_column("size", justify="right")
    table.add_column("calls", justify="right")
    table.add_column("cost", justify="right")
    for file in files:
        c = file.counts
        table.add_row(file.path, file.format, file_size(file.size), f"{c.interactions:,}",
                      _usd_cell(c.cost_usd, c.reported + c.estimated))
    return table


def _expensive_table(files: list[FileSummary]) -> Table:
    table = _table()
    table.add_column("cassette", overflow="fold")
    table.add_column("calls", justify="right")
    table.add_column("in", justify="right")
    table.add_column("out", justify="right")
    table.add_column("reported", justify="right")
    table.add_column("estimated", justify="right")
    for file in files:
        c = file.counts
        table.add_row(file.path, f"{c.interactions:,}", _tokens(c.input_tokens),
                      _tokens(c.output_tokens), _usd_cell(c.reported_usd, c.reported),
                      _usd_cell(c.estimated_usd, c.estimated))
    return table


def _table() -> Table:
    return Table(box=None, header_style="dim", pad_edge=False, padding=(0, 1),
                 collapse_padding=True)


def _count(value: int) -> Text:
    return Text(f"{value:,}", style="dim" if value == 0 else "")


def _error_count(value: int) -> Text:
    return Text(f"{value:,}", style="red" if value else "dim")


def _tokens(value: int) -> Text:
    """Compact in tables (25.6k, 1.23M); the summary lines and JSON keep exact counts."""
    if value < 10_000:
        return Text(f"{value:,}", style="dim" if value == 0 else "")
    for scale, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "k")):
        if value >= scale:
            amount = value / scale
            digits = 2 if amount < 10 else 1 if amount < 100 else 0
            return Text(f"{amount:.{digits}f}{suffix}")
    return Text(str(value))  # not reached


def _usd_cell(value: Decimal, calls: int) -> Text:
    # No priced call at all reads differently from calls that cost nothing (local models).
    return Text(_usd(value), style="") if calls else Text("–", style="dim")


def _usd(value: Decimal, significant: int = 2) -> str:
    """Cents from a dollar up ($12.35); below, `significant` digits ($0.043, $0.00005325):
    sums of many small costs carry digits no one reads. JSON keeps them all."""
    if value == 0:
        return "$0"
    if value >= 1:
        return f"${value:,.2f}"
    digits = max(2, significant - 1 - value.adjusted())
    whole, fraction = f"{value:.{digits}f}".split(".")
    return f"${whole}.{fraction.rstrip('0').ljust(2, '0')}"


def _total_usd(value: Decimal) -> str:
    return _usd(value, 4)


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count:,} {word if count == 1 else plural or word + 's'}"


@contextmanager
def progress_bar(console: Console, *, after: float = 0.5) -> Iterator[Callable[[int, int], None]]:
    """A `progress(done, total)` callback that draws a transient bar on `console` (stderr),
    only when it is a terminal and only once the work has taken `after` seconds."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    progress = Progress("reading", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                        console=console, transient=True)
    started = time.monotonic()
    task: list[Any] = []

    def advance(done: int, total: int) -> None:
        if not console.is_terminal:
            return
        if not task:
            if time.monotonic() - started < after:
                return
            task.append(progress.add_task("reading", total=total))
            progress.start()
        progress.update(task[0], completed=done)

    try:
        yield advance
    finally:
        if task:
            progress.stop()


# --- Markdown ---------------------------------------------------------------------------


def render_markdown(stats: Stats, *, top: int = 10) -> str:
    counts = stats.total.counts
    out = ["## Cassette stats\n"]
    read = f"**{_plural(stats.total.cassettes, 'cassette')}** ({file_size(stats.total.size)})"
    if stats.unreadable:
        read += f", {len(stats.unreadable)} could not be read (below)"
    out.append(f"- {read}\n- **calls** {_calls_text(counts)}\n"
               f"- **tokens** {_tokens_text(counts)}\n- **cost** {_cost_text(counts)}\n")
    for grouping in stats.groupings:
        out.append(_markdown_grouping(grouping))
    if stats.total.cassettes and top > 0:
        out.append(_markdown_table(
            "Largest cassettes", ["cassette", "format", "size", "calls", "cost"], "llrrr",
            [[f"`{f.path}`", f.format or "", file_size(f.size), f"{f.counts.interactions:,}",
              _md_usd(f.counts.cost_usd, f.counts.reported + f.counts.estimated)]
             for f in stats.largest(top)]))
        expensive = stats.most_expensive(top)
        if expensive:
            out.append(_markdown_table(
                "Most expensive cassettes",
                ["cassette", "calls", "in", "out", "reported", "estimated"], "lrrrrr",
                [[f"`{f.path}`", f"{f.counts.interactions:,}", f"{f.counts.input_tokens:,}",
                  f"{f.counts.output_tokens:,}",
                  _md_usd(f.counts.reported_usd, f.counts.reported),
                  _md_usd(f.counts.estimated_usd, f.counts.estimated)] for f in expensive]))
    if stats.unreadable:
        out.append(_markdown_table("Could not be read", ["cassette", "reason"], "ll",
                                   [_unreadable_row(f) for f in stats.unreadable]))
    return "\n".join(out)


def _unreadable_row(file: FileSummary) -> list[str]:
    assert file.error is not None
    where = ":".join(str(n) for n in (file.error.line, file.error.column) if n is not None)
    return [f"`{file.path}{':' + where if where else ''}`", _cell(file.error.message)]


def _markdown_grouping(grouping: Grouping) -> str:
    whole_files = grouping.key in _FILE_KEYS
    header = [_KEY_TITLE[grouping.key], "files"] + (["size"] if whole_files else [])
    header += ["calls"] + (["LLM"] if whole_files else [])
    header += ["streamed", "errors", "in", "out", "cached", "reasoning", "reported", "estimated"]
    rows = []
    for group in grouping.groups:
        c = group.counts
        name = group.name if group.name.startswith("(") else f"`{group.name}`"
        row = [_cell(name), f"{group.cassettes:,}"]
        row += [file_size(group.size)] if whole_files else []
        row += [f"{c.interactions:,}"] + ([f"{c.llm:,}"] if whole_files else [])
        row += [f"{n:,}" for n in (c.streamed, c.errors, c.input_tokens, c.output_tokens,
                                   c.cached_tokens, c.reasoning_tokens)]
        row += [_md_usd(c.reported_usd, c.reported), _md_usd(c.estimated_usd, c.estimated)]
        rows.append(row)
    return _markdown_table(f"By {_KEY_TITLE[grouping.key]}", header,
                           "l" + "r" * (len(header) - 1), rows)


def _markdown_table(title: str, header: list[str], align: str, rows: list[list[str]]) -> str:
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    table = "\n".join(lines)
    if len(rows) > _MARKDOWN_OPEN_ROWS:  # long tables fold away in a PR comment
        return (f"<details><summary><b>{title}</b> ({len(rows)})</summary>\n\n"
                f"{table}\n\n</details>\n")
    return f"### {title}\n\n{table}\n"


def _md_usd(value: Decimal, calls: int) -> str:
    return _total_usd(value) if calls else "–"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;").replace("\n", " ")


# --- JSON -------------------------------------------------------------------------------


def render_json(stats: Stats, *, top: int = 10) -> str:
    data = {
        "totals": {"cassettes": stats.total.cassettes, "unreadable": len(stats.unreadable),
                   "bytes": stats.total.size, **_counts_data(stats.total.counts)},
        "groups": {g.key: [_group_data(group) for group in g.groups] for g in stats.groupings},
        "largest": [f.path for f in stats.largest(top)],
        "most_expensive": [f.path for f in stats.most_expensive(top)],
        "unreadable": [{"path": f.path, **_error_data(f)} for f in stats.unreadable],
        "files": [_file_data(f) for f in stats.files],
    }
    return dump_json(data) + "\n"


def _group_data(group: StatsGroup) -> dict[str, Any]:
    return {"name": group.name, "cassettes": group.cassettes, "bytes": group.size,
            **_counts_data(group.counts)}


def _file_data(file: FileSummary) -> dict[str, Any]:
    return {"path": file.path, "format": file.format, "bytes": file.size,
            "error": _error_data(file) if file.error else None,
            **_counts_data(file.counts), "rows": [_row_data(r) for r in file.rows]}


def _row_data(row: Row) -> dict[str, Any]:
    return {"api": row.api, "provider": row.provider, "model": row.model,
            **_counts_data(row.counts)}


def _error_data(file: FileSummary) -> dict[str, Any]:
    assert file.error is not None
    return {"message": file.error.message, "line": file.error.line,
            "column": file.error.column}


def _counts_data(c: Counts) -> dict[str, Any]:
    return {"interactions": c.interactions, "llm_calls": c.llm, "streamed": c.streamed,
            "errors": c.errors, "input_tokens": c.input_tokens,
            "output_tokens": c.output_tokens, "cached_tokens": c.cached_tokens,
            "reasoning_tokens": c.reasoning_tokens, "reported_usd": float(c.reported_usd),
            "estimated_usd": float(c.estimated_usd), "reported_calls": c.reported,
            "estimated_calls": c.estimated, "unpriced_calls": c.unpriced}
