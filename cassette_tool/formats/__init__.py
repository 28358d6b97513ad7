"""Cassette formats: one module per recorder, each with `NAME`, `sniff(tree)` and
`read(tree, source) -> list[Interaction]`, tried in `FORMATS` order.

Detection looks at the parsed tree, never at the file name: the same recorder writes
`.yaml`, `.yml` and `.json`, and a file name says nothing about which dialect is inside.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain
from types import ModuleType
from typing import Any, Protocol

from ..errors import CassetteError
from ..model import Interaction
from ..source import Source, opens_with_bracket, parse_json_document, parse_yaml, stream_yaml
from . import cassetter, govcr, har, httprr, nock, rubyvcr, vcrpy
from .common import item_lines


class Format(Protocol):
    NAME: str

    def sniff(self, tree: Any) -> bool: ...

    def read(self, tree: Any, source: Source) -> list[Interaction]: ...


# Order matters: go-vcr (`url`) and cassetter (typed bodies) files also look like VCR.py's
# `interactions` list, so they are tried first.
FORMATS: tuple[ModuleType, ...] = (govcr, cassetter, rubyvcr, vcrpy, har, nock, httprr)
FORMAT_BY_NAME: dict[str, ModuleType] = {module.NAME: module for module in FORMATS}


def parse(source: Source) -> tuple[str, list[Interaction]]:
    """Detect the format of a file and read its interactions."""
    name, interactions, _ = parse_tree(source)
    return name, interactions


def parse_tree(source: Source) -> tuple[str, list[Interaction], Any]:
    """`parse`, and the file as plain data (None for httprr's raw records), which the
    readers leave as they found it."""
    if httprr.sniff_bytes(source.data):
        return httprr.NAME, httprr.read(None, source), None
    tree = _tree(source)
    for module in FORMATS:
        if module.sniff(tree):
            try:
                return module.NAME, module.read(tree, source), tree
            except CassetteError as exc:
                raise exc.with_path(source.path) from exc
    raise CassetteError(_not_a_cassette(tree), source.path)


# Formats whose interactions are one list at the top of a YAML mapping, by its key: a long
# file of theirs can be read an interaction at a time (`stream`).
_LISTED: dict[str, tuple[ModuleType, ...]] = {
    "interactions": (govcr, vcrpy), "http_interactions": (rubyvcr,)}
# cassetter keeps other lists beside `interactions`, which decide its format.
_OTHER_LISTS = (b"ws_interactions:", b"grpc_interactions:")


@dataclass(frozen=True, slots=True)
class Streamed:
    """A cassette's interactions read one at a time, each with its item as stored."""

    name: str
    count: int | None  # items in the list, counted in the file's lines (None: not known)
    items: Iterator[tuple[Interaction, Any]]


def stream(source: Source) -> Streamed | None:
    """`parse_tree` an interaction at a time, for YAML files of the formats in `_LISTED`
    (the same interactions, from the same data); None for any other file, which is then
    read whole. Errors in later items are raised as `CassetteError`s when reached."""
    data = source.data
    if httprr.sniff_bytes(data) or opens_with_bracket(data) or any(
            key in data for key in _OTHER_LISTS):
        return None
    listed = stream_yaml(source, tuple(_LISTED))
    if listed is None:
        return None
    first = next(listed.items, None)
    probe = {**listed.top, listed.key: [] if first is None else [first[1]]}
    module = next((m for m in FORMATS if m.sniff(probe)), None)
    if module not in _LISTED[listed.key]:
        listed.items.close()
        return None
    # The lines `parse_tree` gives: where each item's dash is (the parser's line is where
    # its content starts, which may be the next line).
    lines = item_lines(data, listed.key)
    items = ((lines[index] if index < len(lines) else line, item) for index, (line, item)
             in enumerate(chain(() if first is None else (first,), listed.items)))
    return Streamed(module.NAME, len(lines) or None,
                    _with_path(module.read_items(listed.top, items), source.path))


def _with_path(items: Iterator[tuple[Interaction, Any]],
               path: str) -> Iterator[tuple[Interaction, Any]]:
    try:
        yield from items
    except CassetteError as exc:
        raise exc.with_path(path) from exc


def _tree(source: Source) -> Any:
    if not opens_with_bracket(source.data):
        return parse_yaml(source)
    try:
        return parse_json_document(source)
    except CassetteError as json_error:
        try:  # YAML flow style also opens with a bracket: `{version: 1, interactions: []}`
            return parse_yaml(source)
        except CassetteError:
            raise json_error from None


# pydantic-ai records the xAI SDK's gRPC calls in a YAML file of its own beside VCR.py's.
_XAI_GRPC_KEYS = {"request_sample", "request_stream", "collections_method"}


def _not_a_cassette(tree: Any) -> str:
    if tree is None:
        return "not a cassette: the file is empty"
    if isinstance(tree, dict):
        items = tree.get("interactions")
        if isinstance(items, list) and items and isinstance(items[0], dict):
            keys = sorted(map(str, items[0]))
            if any(_XAI_GRPC_KEYS & set(item) for item in items if isinstance(item, dict)):
                return ("not an HTTP cassette: pydantic-ai's recording of xAI gRPC calls "
                        f"(interactions hold {', '.join(keys)})")
            if "request" in keys:
                return "not a cassette: the first request has neither `url` (go-vcr) nor `uri`"
            return f"not a cassette: interactions hold {', '.join(keys)}, not request/response"
        names = ", ".join(list(map(str, tree))[:5])
        return f"not a cassette: a mapping with keys {names} (no interactions list)"
    if isinstance(tree, list):
        return "not a cassette: a list whose items are not recorded requests"
    return f"not a cassette: the document is a {type(tree).__name__}"
