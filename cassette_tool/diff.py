"""What changed in meaning between two recordings of the same cassette.

`compare(old, new)` pairs interactions (in order, or by content when the counts differ),
compares their views (`view.py`: noise already left out) and returns one `Change`
per differing leaf: a message added or removed, a word of the reply, a tool argument, a
token count. `diff_paths` does the same for two directories, pairing files by relative
path.
"""

from __future__ import annotations

import fnmatch
import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from .errors import CassetteError
from .load import expand_paths, load
from .model import Cassette, Interaction
from .source import dump_json
from .view import interaction_view

MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING"})()
# Longer lists of numbers (embeddings) are compared as one value.
VECTOR_LENGTH = 16


@dataclass(frozen=True, slots=True)
class Change:
    """One difference. `path` is dotted (`reply.tool_calls[0].arguments.city`); `old` or
    `new` is `MISSING` when the thing was added or removed."""

    cassette: str
    interaction: int | None  # index on the new side (old side when removed); None: whole file
    path: str
    old: Any
    new: Any
    old_interaction: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class CassetteDiff:
    """The outcome for one pair of files."""

    name: str
    status: str  # changed, unchanged, added, removed, error
    changes: tuple[Change, ...] = ()
    detail: str = ""  # interaction count of an added or removed file, or the error


@dataclass(frozen=True, slots=True)
class Options:
    strict: bool = False
    ignore: tuple[str, ...] = ()  # paths or globs: `usage`, `reply.reasoning`, `prompt.params.*`

    def ignored(self, path: str) -> bool:
        bare = _without_indexes(path)
        return any(bare == pattern or bare.startswith(pattern + ".")
                   or fnmatch.fnmatchcase(bare, pattern) for pattern in self.ignore)


def compare(old: Cassette, new: Cassette, options: Options = Options(),
            name: str | None = None) -> list[Change]:
    name = name or new.path
    changes: list[Change] = []
    for before, after in pair_interactions(old.interactions, new.interactions):
        if before is None:
            assert after is not None
            changes.append(Change(name, after.index, "interaction", MISSING, _summary(after)))
            continue
        if after is None:
            changes.append(Change(name, before.index, "interaction", _summary(before), MISSING,
                                  before.index))
            continue
        old_view = interaction_view(before, strict=options.strict)
        new_view = interaction_view(after, strict=options.strict)
        for path, was, now in diff_values(old_view, new_view, ""):
            if not options.ignored(path):
                changes.append(Change(name, after.index, path, was, now, before.index))
    return changes


def pair_interactions(old: tuple[Interaction, ...], new: tuple[Interaction, ...]
                      ) -> list[tuple[Interaction | None, Interaction | None]]:
    """In order when the counts agree (a re-recording makes the same calls). Otherwise
    aligned by content, so that one inserted or dropped call does not make every later one
    look changed: LLM calls mostly share one method and URL, so those alone cannot tell them
    apart, but their prompts, replies and statuses can."""
    if len(old) == len(new):
        return list(zip(old, new, strict=True))
    if len(old) * len(new) > _ALIGN_LIMIT:
        return _pair_by_key(old, new)
    return _align(old, new)


# Aligning costs: pairing two calls costs how unlike they are (0: the same; past 2: less
# alike than one removed and one added call).
_SKIP = 1.0
_ALIGN_LIMIT = 40_000  # cells of the alignment table; past it, method and URL only


@dataclass(frozen=True, slots=True)
class _Shape:
    key: str  # method and URL
    messages: Counter[str]  # the prompt's messages (or the request body), as JSON
    reply: str
    status: Any


def _shape(interaction: Interaction) -> _Shape:
    view = interaction_view(interaction)
    prompt = view.get("prompt")
    parts = prompt["messages"] if prompt else [view["request"].get("body"),
                                               view.get("websocket")]
    reply = view.get("reply", view.get("response_body"))
    return _Shape(f"{view['request']['method']} {view['request']['url']}",
                  Counter(dump_json(p) for p in parts), dump_json(reply), view.get("status"))


def _cost(a: _Shape, b: _Shape) -> float:
    total = max(a.messages.total(), b.messages.total(), 1)
    unlike = 1 - (a.messages & b.messages).total() / total
    differ = (a.key != b.key, a.reply != b.reply, bool(a.status != b.status))
    return unlike + differ[0] + 0.25 * differ[1] + 0.25 * differ[2]


def _align(old: tuple[Interaction, ...], new: tuple[Interaction, ...]
           ) -> list[tuple[Interaction | None, Interaction | None]]:
    """The cheapest alignment (edit distance with `_cost` as the price of a pair)."""
    a, b = [_shape(i) for i in old], [_shape(i) for i in new]
    table = [[j * _SKIP for j in range(len(b) + 1)]]
    for i in range(1, len(a) + 1):
        row = [i * _SKIP]
        for j in range(1, len(b) + 1):
            row.append(min(table[i - 1][j - 1] + _cost(a[i - 1], b[j - 1]),
                           table[i - 1][j] + _SKIP, row[j - 1] + _SKIP))
        table.append(row)
    pairs: list[tuple[Interaction | None, Interaction | None]] = []
    i, j = len(a), len(b)
    while i or j:
        if i and j and table[i][j] == table[i - 1][j - 1] + _cost(a[i - 1], b[j - 1]):
            i, j = i - 1, j - 1
            pairs.append((old[i], new[j]))
        elif j and table[i][j] == table[i][j - 1] + _SKIP:
            j -= 1  # walking backwards: an added call goes after a removed one, as in diff(1)
            pairs.append((None, new[j]))
        else:
            i -= 1
            pairs.append((old[i], None))
    return pairs[::-1]


def _pair_by_key(old: tuple[Interaction, ...], new: tuple[Interaction, ...]
                 ) -> list[tuple[Interaction | None, Interaction | None]]:
    keys_old = [_key(i) for i in old]
    keys_new = [_key(i) for i in new]
    pairs: list[tuple[Interaction | None, Interaction | None]] = []
    matcher = SequenceMatcher(None, keys_old, keys_new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            pairs.extend(zip(old[i1:i2], new[j1:j2], strict=True))
            continue
        shared = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        pairs.extend(zip(old[i1:i1 + shared], new[j1:j1 + shared], strict=True))
        pairs.extend((o, None) for o in old[i1 + shared:i2])
        pairs.extend((None, n) for n in new[j1 + shared:j2])
    return pairs


def _key(interaction: Interaction) -> str:
    view = interaction_view(interaction)
    return f"{view['request']['method']} {view['request']['url']}"


def _summary(interaction: Interaction) -> str:
    exchange = interaction.exchange
    text = f"{interaction.request.method} {interaction.request.url}"
    return f"{text} ({exchange.model})" if exchange and exchange.model else text


# --- structural comparison ------------------------------------------------------------------

def diff_values(old: Any, new: Any, path: str) -> Iterator[tuple[str, Any, Any]]:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in dict.fromkeys([*old, *new]):
            child = f"{path}.{key}" if path else str(key)
            yield from diff_values(old.get(key, MISSING), new.get(key, MISSING), child)
    elif isinstance(old, list) and isinstance(new, list):
        if _is_vector(old) and _is_vector(new):
            # An embedding re-recorded differs in most of its numbers: one change, not 1,536.
            if len(old) != len(new) or not all(map(_same, old, new)):
                yield path, old, new
            return
        yield from _diff_lists(old, new, path)
    elif not _same(old, new):
        yield path, old, new


def _diff_lists(old: list[Any], new: list[Any], path: str) -> Iterator[tuple[str, Any, Any]]:
    if len(old) == len(new):
        for index, (a, b) in enumerate(zip(old, new, strict=True)):
            yield from diff_values(a, b, f"{path}[{index}]")
        return
    # Added or removed items (a message inserted mid-conversation): align them first.
    keys_old, keys_new = [dump_json(x) for x in old], [dump_json(x) for x in new]
    matcher = SequenceMatcher(None, keys_old, keys_new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        shared = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for k in range(shared):
            yield from diff_values(old[i1 + k], new[j1 + k], f"{path}[{j1 + k}]")
        for k in range(i1 + shared, i2):
            yield f"{path}[{k}]", old[k], MISSING
        for k in range(j1 + shared, j2):
            yield f"{path}[{k}]", MISSING, new[k]


def _is_vector(value: list[Any]) -> bool:
    return len(value) > VECTOR_LENGTH and all(
        isinstance(x, (int, float, Decimal)) and not isinstance(x, bool) for x in value)


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        try:
            return Decimal(str(old)) == Decimal(str(new))
        except ArithmeticError:
            return False
    if isinstance(old, bool) or isinstance(new, bool):
        return old is new
    return bool(old == new)


def _without_indexes(path: str) -> str:
    out, depth = [], 0
    for char in path:
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        elif depth == 0:
            out.append(char)
    return "".join(out)


# --- files and directories --------------------------------------------------------------------

Loader = Callable[[str], Cassette]


def diff_pair(name: str, old: str | None, new: str | None, options: Options = Options(),
              loader: Loader = load) -> CassetteDiff:
    """Compare two files (either may be absent: added or removed), never raising for a file
    that cannot be read: that is an `error` outcome."""
    try:
        if old is None or new is None:
            present = loader(new or old or "")
            count = len(present.interactions)
            return CassetteDiff(name, "added" if old is None else "removed",
                                detail=f"{count} interaction{'s' if count != 1 else ''}")
        changes = compare(loader(old), loader(new), options, name)
    except CassetteError as exc:
        return CassetteDiff(name, "error", detail=str(exc))
    return CassetteDiff(name, "changed" if changes else "unchanged", tuple(changes))


def diff_paths(old: str, new: str, options: Options = Options()) -> list[CassetteDiff]:
    """Two files, or two directories compared file by file."""
    if os.path.isdir(old) and os.path.isdir(new):
        pairs = pair_files(expand_paths([old]), old, expand_paths([new]), new)
        return [_diff_files(p.name, p.old, p.new, options) for p in pairs]
    return [diff_pair(new, old, new, options)]


def _diff_files(name: str, old: str | None, new: str | None, options: Options) -> CassetteDiff:
    # Most files of two checkouts are byte-identical: no need to read them as cassettes.
    if old and new and _same_bytes(old, new):
        return CassetteDiff(name, "unchanged")
    return diff_pair(name, old, new, options)


def _same_bytes(old: str, new: str) -> bool:
    try:
        return os.path.getsize(old) == os.path.getsize(new) and \
            Path(old).read_bytes() == Path(new).read_bytes()
    except OSError:
        return False


# --- directories ----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class FilePair:
    name: str  # relative path shown to the user
    old: str | None
    new: str | None


def pair_files(old_files: list[str], old_root: str, new_files: list[str],
               new_root: str) -> list[FilePair]:
    """Files paired by relative path, then by path without extension (a suite that moved
    from `.yaml` to `.json` cassettes); the rest are added or removed."""
    old_rel = {os.path.relpath(f, old_root): f for f in old_files}
    new_rel = {os.path.relpath(f, new_root): f for f in new_files}
    pairs: dict[str, FilePair] = {}
    for rel in old_rel.keys() & new_rel.keys():
        pairs[rel] = FilePair(rel, old_rel.pop(rel), new_rel.pop(rel))
    old_stems = {os.path.splitext(rel)[0]: rel for rel in old_rel}
    for rel in list(new_rel):
        stem = os.path.splitext(rel)[0]
        if stem in old_stems and old_stems[stem] in old_rel:
            pairs[rel] = FilePair(rel, old_rel.pop(old_stems[stem]), new_rel.pop(rel))
    for rel, path in old_rel.items():
        pairs[rel] = FilePair(rel, path, None)
    for rel, path in new_rel.items():
        pairs[rel] = FilePair(rel, None, path)
    return [pairs[k] for k in sorted(pairs)]
