"""`cassette diff` output: the changes of each cassette pair as terminal text, Markdown for a
pull request, or JSON."""

from __future__ import annotations

import json
from decimal import Decimal
from difflib import SequenceMatcher
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.text import Text

from ..diff import MISSING, CassetteDiff, Change
from ..source import plain_data
from .console import Indent, usd


def summary_line(results: list[CassetteDiff]) -> str:
    counts = {s: sum(1 for r in results if r.status == s)
              for s in ("changed", "unchanged", "added", "removed", "error")}
    words = {"unchanged": "without semantic change", "error": "unreadable"}
    parts = [f"{n} {words.get(s, s)}" for s, n in counts.items() if n]
    head = f"{len(results)} cassette{'s' if len(results) != 1 else ''} compared"
    return f"{head}: {', '.join(parts)}" if parts else head


# --- terminal ---------------------------------------------------------------------------------

def render_text(console: Console, results: list[CassetteDiff], *, summary: bool) -> None:
    # Without colour, word changes are marked the way `git diff --word-diff=plain` does.
    markers = console.color_system is None or console.no_color
    for result in results:
        if result.status == "unchanged":
            if not summary:  # a lone pair says it in one line; many pairs only count it
                # One line whatever the width: scripts and hooks read it.
                console.print(Text(f"{result.name}: no semantic change", style="dim"),
                              soft_wrap=True)
            continue
        if result.status in ("added", "removed", "error"):
            mark, style = {"added": ("+", "green"), "removed": ("-", "red"),
                           "error": ("!", "bold red")}[result.status]
            detail = f": {result.detail}" if result.detail else ""
            console.print(Text(f"{mark} {result.name} ({result.status}{detail})", style=style))
            continue
        console.print(Text(f"~ {result.name}", style="bold yellow"))
        for change in result.changes:
            console.print(Indent(_change_text(change, markers)))
    if summary:
        console.print(Text(summary_line(results), style="bold"))


def _change_text(change: Change, markers: bool) -> RenderableType:
    where = "" if change.interaction is None else f"#{change.interaction} "
    head = Text.assemble((where, "bold"), (change.path, "cyan"), " ")
    old, new = change.old, change.new
    if old is MISSING:
        return Text.assemble(head, ("added ", "green"), (_compact(new), "green"))
    if new is MISSING:
        return Text.assemble(head, ("removed ", "red"), (_compact(old), "red"))
    if isinstance(old, str) and isinstance(new, str):
        if old.count("\n") >= 2 or new.count("\n") >= 2:
            # Each line under its `-`/`+`: a wrapped line's rest hangs under its text, not
            # under the marker, where it would read as a line of its own.
            return Group(head, *(Indent(Text(line, style), 2, label=Text(mark, style))
                                 for mark, line, style in line_diff(old, new)))
        return Text.assemble(head, "\n", word_diff(old, new, markers))
    return Text.assemble(head, _scalar_change(change.path, old, new))


def word_diff(old: str, new: str, markers: bool = False) -> Text:
    """Removed words struck through in red, added ones in green, the rest as is; a text
    rewritten through and through is shown as the old block, then the new one."""
    a, b = _words(old), _words(new)
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    removed = ("[-", "-]") if markers else ("", "")
    added = ("{+", "+}") if markers else ("", "")
    text = Text()
    if matcher.ratio() < 0.5:
        text.append(f"{removed[0]}{old}{removed[1]}", style="red")
        text.append("\n")
        text.append(f"{added[0]}{new}{added[1]}", style="green")
        return text
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            text.append("".join(a[i1:i2]))
            continue
        if i2 > i1:
            text.append(f"{removed[0]}{''.join(a[i1:i2])}{removed[1]}", style="red strike")
        if j2 > j1:
            text.append(f"{added[0]}{''.join(b[j1:j2])}{added[1]}", style="green")
    return text


def line_diff(old: str, new: str, context: int = 2) -> list[tuple[str, str, str]]:
    """(marker, line, style) for removed (`-`) and added (`+`) lines and the unchanged ones
    around them (`  `), long unchanged runs shortened to `…`."""
    a, b = old.split("\n"), new.split("\n")
    rows: list[tuple[str, str, str]] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            lines = a[i1:i2]
            if len(lines) > 2 * context + 1:
                head = lines[:context] if i1 else []
                tail = lines[-context:] if i2 < len(a) else []
                lines = [*head, "…", *tail] if head or tail else ["…"]
            rows += [("  ", line, "dim") for line in lines]
            continue
        rows += [("- ", line, "red") for line in a[i1:i2]]
        rows += [("+ ", line, "green") for line in b[j1:j2]]
    return rows


def _words(text: str) -> list[str]:
    import re

    return re.findall(r"\s+|\w+|[^\w\s]", text)


def _scalar_change(path: str, old: Any, new: Any) -> str:
    if path.endswith("cost.usd") and isinstance(old, Decimal) and isinstance(new, Decimal):
        delta = new - old
        sign = "+" if delta >= 0 else "-"
        return f"{usd(old)} → {usd(new)} ({sign}{usd(abs(delta))})"
    if isinstance(old, int) and isinstance(new, int) and not isinstance(old, bool) \
            and not isinstance(new, bool):
        return f"{old:,} → {new:,} ({new - old:+,})"
    return f"{_compact(old)} → {_compact(new)}"


def _compact(value: Any) -> str:
    if value is MISSING:
        return "(none)"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    text = json.dumps(plain_data(value), ensure_ascii=False)
    return text if len(text) <= 300 else text[:299] + "…"


# --- Markdown ---------------------------------------------------------------------------------

def render_markdown(results: list[CassetteDiff]) -> str:
    out = [f"### cassette diff: {summary_line(results)}\n"]
    for result in results:
        if result.status == "unchanged":
            continue
        if result.status != "changed":
            out.append(f"- `{result.name}`: {result.status}"
                       f"{' (' + result.detail + ')' if result.detail else ''}\n")
            continue
        count = len(result.changes)
        out.append(f"<details><summary><code>{result.name}</code>: {count} "
                   f"change{'s' if count != 1 else ''}</summary>\n\n```diff")
        for change in result.changes:
            out.extend(_diff_lines(change))
        out.append("```\n</details>\n")
    return "\n".join(out) + "\n"


def _diff_lines(change: Change) -> list[str]:
    where = "" if change.interaction is None else f"#{change.interaction} "
    lines = [f"@@ {where}{change.path} @@"]
    for sign, value in (("-", change.old), ("+", change.new)):
        if value is MISSING:
            continue
        shown = value if isinstance(value, str) else _compact(value)
        if change.path.endswith("cost.usd") and isinstance(value, Decimal):
            shown = usd(value)
        lines.extend(f"{sign} {line}" for line in str(shown).split("\n"))
    return lines


# --- JSON -------------------------------------------------------------------------------------

def changes_data(results: list[CassetteDiff]) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = []
    for result in results:
        if result.status in ("added", "removed", "error"):
            data.append({"cassette": result.name, "interaction": None, "path": None,
                         "change": result.status, "old": None, "new": None,
                         "detail": result.detail})
        for change in result.changes:
            kind = "added" if change.old is MISSING else (
                "removed" if change.new is MISSING else "changed")
            data.append({"cassette": change.cassette, "interaction": change.interaction,
                         "path": change.path, "change": kind,
                         "old": None if change.old is MISSING else plain_data(change.old),
                         "new": None if change.new is MISSING else plain_data(change.new)})
    return data
