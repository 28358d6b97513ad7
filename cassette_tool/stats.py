"""`cassette stats`: counts, tokens and cost over many cassettes, grouped.

Each file is reduced in a worker process to a small `FileSummary` (a few numbers per
api/provider/model seen in it), pickled back and combined here into `Stats`. Reading,
rebuilding and pricing is `load()`'s job; what an interaction's API, provider, model, usage
and cost are is decided there, never again here. Rendering lives in `render/stats.py`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from decimal import Decimal

from .errors import CassetteError
from .load import expand_paths, open_stream
from .model import Interaction, Usage
from .parallel import map_files
from .pricing import load_price_data
from .source import read_source

# Group names for interactions that have no value for the key; JSON carries them as they are.
NOT_LLM = "(not an LLM call)"
UNKNOWN = "(unknown)"

BY_KEYS = ("model", "provider", "api", "directory")
_FILE_KEYS = ("format", "directory")  # keys of the file, so a file without interactions counts


@dataclass(frozen=True, slots=True)
class Counts:
    """Interactions and what they used. Counts add up: `a + b`."""

    interactions: int = 0
    llm: int = 0  # interactions read as a call to an LLM API
    streamed: int = 0
    errors: int = 0  # error replies; for other interactions, an HTTP status of 400 or more
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0  # cache reads, part of input_tokens
    reasoning_tokens: int = 0  # part of output_tokens
    reported_usd: Decimal = Decimal(0)
    estimated_usd: Decimal = Decimal(0)
    reported: int = 0  # LLM calls whose cost the provider reported
    estimated: int = 0  # LLM calls whose cost was estimated from prices

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(getattr(self, f) + getattr(other, f) for f in _COUNT_FIELDS))

    @property
    def unpriced(self) -> int:
        """LLM calls with no cost at all: no usage in the reply, or no known price."""
        return self.llm - self.reported - self.estimated

    @property
    def cost_usd(self) -> Decimal:
        return self.reported_usd + self.estimated_usd


_COUNT_FIELDS = tuple(f.name for f in fields(Counts))


@dataclass(frozen=True, slots=True)
class Row:
    """The interactions of one file that share an API, provider and model (None: not an LLM
    call, or not recorded)."""

    api: str | None
    provider: str | None
    model: str | None
    counts: Counts


@dataclass(frozen=True, slots=True)
class FileError:
    message: str
    line: int | None = None
    column: int | None = None


@dataclass(frozen=True, slots=True)
class FileSummary:
    """One file, small enough to pickle back from a worker cheaply."""

    path: str
    format: str | None  # None when the file could not be read
    size: int  # bytes on disk
    rows: tuple[Row, ...] = ()
    error: FileError | None = None

    @property
    def counts(self) -> Counts:
        return sum((r.counts for r in self.rows), Counts())

    def error_line(self) -> str:
        """`path:line:col: reason`, as every command reports an unreadable file."""
        assert self.error is not None
        return str(CassetteError(self.error.message, self.path, self.error.line,
                                 self.error.column))


@dataclass(frozen=True, slots=True)
class Group:
    """Interactions sharing a value of the key. `cassettes` are the files with at least one
    of them (by format and directory: every file read there), `size` their bytes."""

    name: str
    cassettes: int
    size: int
    counts: Counts


@dataclass(frozen=True, slots=True)
class Grouping:
    key: str  # format, model, provider, api or directory
    groups: tuple[Group, ...]  # most interactions first


@dataclass(frozen=True, slots=True)
class Stats:
    files: tuple[FileSummary, ...]  # in the order given
    total: Group
    groupings: tuple[Grouping, ...]  # by format first, then each key asked for

    @property
    def unreadable(self) -> tuple[FileSummary, ...]:
        return tuple(f for f in self.files if f.error is not None)

    def largest(self, count: int) -> list[FileSummary]:
        read = [f for f in self.files if f.error is None]
        return sorted(read, key=lambda f: (-f.size, f.path))[:count]

    def most_expensive(self, count: int) -> list[FileSummary]:
        costly = [(f.counts.cost_usd, f) for f in self.files if f.error is None]
        costly = [(usd, f) for usd, f in costly if usd > 0]
        return [f for _, f in sorted(costly, key=lambda c: (-c[0], c[1].path))][:count]


def summarise_file(path: str) -> FileSummary:
    """Read one cassette and reduce it to counts. Never raises for a bad file: a file that
    cannot be read comes back with its one-line `error`."""
    size = 0  # of a file that cannot be read at all
    counts: dict[tuple[str | None, str | None, str | None], Counts] = {}
    try:
        source = read_source(path)
        size = len(source.data)
        opened = open_stream(source)
        del source
        for interaction, _ in opened.items:
            key, one = _count(interaction)
            counts[key] = counts[key] + one if key in counts else one
    except CassetteError as exc:
        return FileSummary(path, None, size, error=FileError(exc.message, exc.line, exc.column))
    rows = tuple(Row(api, provider, model, c) for (api, provider, model), c in counts.items())
    return FileSummary(path, opened.format, size, rows)


def _count(interaction: Interaction) -> tuple[tuple[str | None, str | None, str | None], Counts]:
    exchange = interaction.exchange
    if exchange is None:
        status = interaction.response.status if interaction.response else None
        return (None, None, None), Counts(interactions=1,
                                          errors=int(status is not None and status >= 400))
    usage = exchange.usage or Usage()
    usd = exchange.cost.usd if exchange.cost else Decimal(0)
    source = exchange.cost.source if exchange.cost else None
    counts = Counts(
        interactions=1, llm=1, streamed=int(exchange.streamed),
        errors=int(exchange.reply.error is not None),
        input_tokens=usage.input_tokens or 0, output_tokens=usage.output_tokens or 0,
        cached_tokens=usage.cache_read_tokens or 0,
        reasoning_tokens=usage.reasoning_tokens or 0,
        reported_usd=usd if source == "reported" else Decimal(0),
        estimated_usd=usd if source == "estimated" else Decimal(0),
        reported=int(source == "reported"), estimated=int(source == "estimated"))
    return (exchange.api, exchange.provider, exchange.model), counts


def summarise(paths: Iterable[str], *, by: Sequence[str] = ("model",), jobs: int | None = None,
              progress: Callable[[int, int], None] | None = None) -> Stats:
    """Stats over files and directories (every cassette under them), on every core.

    `by` are grouping keys from `BY_KEYS`; `progress(done, total)` is called after each file."""
    _check_keys(by)
    files = expand_paths(list(paths))
    summaries: list[FileSummary] = []
    for summary in map_files(summarise_file, files, jobs=jobs, before_fork=load_price_data):
        summaries.append(summary)
        if progress is not None:
            progress(len(summaries), len(files))
    return combine(summaries, by)


def combine(summaries: Sequence[FileSummary], by: Sequence[str] = ("model",)) -> Stats:
    """The files' counts in total, by format, and by each key of `by`."""
    _check_keys(by)
    read = [f for f in summaries if f.error is None]
    total = Group("all", len(read), sum(f.size for f in read),
                  sum((f.counts for f in read), Counts()))
    keys = dict.fromkeys(("format", *by))  # in order, once each
    return Stats(tuple(summaries), total, tuple(_grouping(key, read) for key in keys))


def _check_keys(by: Sequence[str]) -> None:
    unknown = [key for key in by if key not in BY_KEYS]
    if unknown:
        raise ValueError(f"cannot group by {', '.join(unknown)}; use {', '.join(BY_KEYS)}")


def _grouping(key: str, files: list[FileSummary]) -> Grouping:
    counts: dict[str, Counts] = {}
    members: dict[str, dict[str, int]] = {}  # group -> path -> size
    for file in files:
        if key in _FILE_KEYS:
            name = _file_group(key, file)
            counts[name] = counts.get(name, Counts()) + file.counts
            members.setdefault(name, {})[file.path] = file.size
            continue
        for row in file.rows:
            name = _row_group(key, row)
            counts[name] = counts.get(name, Counts()) + row.counts
            members.setdefault(name, {})[file.path] = file.size
    groups = [Group(name, len(members[name]), sum(members[name].values()), c)
              for name, c in counts.items()]
    groups.sort(key=lambda g: (-g.counts.interactions, -g.cassettes, g.name))
    return Grouping(key, tuple(groups))


def _file_group(key: str, file: FileSummary) -> str:
    if key == "format":
        return file.format or UNKNOWN
    return os.path.normpath(os.path.dirname(file.path))


def _row_group(key: str, row: Row) -> str:
    if row.api is None:
        return NOT_LLM
    value = {"api": row.api, "provider": row.provider, "model": row.model}[key]
    return value or UNKNOWN
