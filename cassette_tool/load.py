"""The one door: a path to a `Cassette` whose LLM interactions are rebuilt and priced."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import CassetteError

if TYPE_CHECKING:
    from .model import Cassette, Interaction
    from .source import Source

# Formats, providers and prices are imported when a file is read, not with the package:
# `cassette --version` and `validate` of one file start faster (python -X importtime).

CASSETTE_SUFFIXES = (".yaml", ".yml", ".json", ".har", ".httprr")


def load(path: str | Path, *, priced: bool = True) -> Cassette:
    """Read one cassette file. Raises `CassetteError` when it cannot be read."""
    from .source import read_source

    return load_source(read_source(path), priced=priced)


def load_bytes(name: str, data: bytes, *, priced: bool = True) -> Cassette:
    """Read a cassette held in memory (a git blob, say); `name` is used in messages."""
    from .source import Source

    return load_source(Source(name, data), priced=priced)


def load_source(source: Source, *, priced: bool = True) -> Cassette:
    from . import formats
    from .model import Cassette
    from .source import gc_paused

    path = source.path
    with gc_paused():
        name, interactions, _ = formats.parse_tree(source)
        # The file's bytes and its parsed tree go before the replies are rebuilt: with a
        # long stream, each is as large as the file.
        del source, _
        return Cassette(path, name, tuple(_rebuild(i, priced) for i in interactions))


def load_tree(source: Source, *, priced: bool = True,
              rebuilt: bool = True) -> tuple[Cassette, Any]:
    """`load_source`, and the file as plain data (None for httprr), for checks that look
    at the stored nodes: parsing a file costs more than everything else done with it.
    `rebuilt=False` leaves the LLM exchanges out (checks of the stored bytes need none)."""
    from . import formats
    from .model import Cassette
    from .source import gc_paused

    with gc_paused():
        name, interactions, tree = formats.parse_tree(source)
        if rebuilt:
            interactions = [_rebuild(i, priced) for i in interactions]
        return Cassette(source.path, name, tuple(interactions)), tree


# From this size on, a YAML cassette whose interactions are one list is read an interaction
# at a time by `open_stream`: its data is never whole in memory (20,000 interactions read
# whole take ten times the file's size).
STREAM_FROM = 4 << 20


@dataclass(frozen=True, slots=True)
class InteractionStream:
    """A cassette's interactions as they are read, each with its item as stored (plain
    data; None for formats without one). Iterate `items` once."""

    path: str
    format: str
    count: int | None  # how many interactions, when known before they are read
    items: Iterator[tuple[Interaction, Any]]


def open_stream(source: Source, *, priced: bool = True, rebuilt: bool = True,
                stream_from: int | None = None) -> InteractionStream:
    """The interactions of a file one at a time: straight from the parser for a long file
    that allows it (`formats.stream`), else from the whole file, loaded. Raises
    `CassetteError` for a file that cannot be read; reading `items` may raise it too, for
    a long file whose later part is broken."""
    from . import formats
    from .formats.common import node_at

    large = len(source.data) >= (STREAM_FROM if stream_from is None else stream_from)
    streamed = formats.stream(source) if large else None
    if streamed is not None:
        items = ((_rebuild(interaction, priced) if rebuilt else interaction, item)
                 for interaction, item in streamed.items)
        return InteractionStream(source.path, streamed.name, streamed.count, items)
    cassette, tree = load_tree(source, priced=priced, rebuilt=rebuilt)
    return InteractionStream(
        cassette.path, cassette.format, len(cassette.interactions),
        iter([(interaction, node_at(tree, interaction.where) if interaction.where else None)
              for interaction in cassette.interactions]))


def _rebuild(interaction: Interaction, priced: bool) -> Interaction:
    from dataclasses import replace

    from .pricing import price
    from .providers import read_exchange

    exchange = read_exchange(interaction)
    if exchange is None:
        return interaction
    if priced:
        exchange = price(exchange, interaction.request.url)
    return replace(interaction, exchange=exchange)


def expand_paths(paths: list[str]) -> list[str]:
    """Files as given, and every cassette-like file under each directory, sorted."""
    result: list[str] = []
    for path in paths:
        if os.path.isdir(path):
            found: list[str] = []
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found.extend(os.path.join(root, f) for f in files
                             if f.endswith(CASSETTE_SUFFIXES) and not f.startswith("."))
            result.extend(sorted(found))
        else:
            result.append(path)
    return result


__all__ = ["load", "load_bytes", "load_source", "expand_paths", "CassetteError"]
