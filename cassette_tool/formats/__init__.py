"""Cassette formats: one module per recorder, each with `NAME`, `sniff(tree)` and
`read(tree, source) -> list[Interaction]`, tried in `FORMAT_BY_NAME` order."""

from __future__ import annotations

from types import ModuleType
from typing import Any, Protocol

from ..errors import CassetteError
from ..model import Interaction
from ..source import Source, parse_json_document, parse_yaml
from . import cassetter, govcr, har, httprr, nock, rubyvcr, vcrpy


class Format(Protocol):
    NAME: str

    def sniff(self, tree: Any) -> bool: ...

    def read(self, tree: Any, source: Source) -> list[Interaction]: ...


# Order matters: cassetter and go-vcr files also look like VCR.py's `interactions` list.
FORMATS: tuple[ModuleType, ...] = (govcr, cassetter, rubyvcr, vcrpy, har, nock, httprr)
FORMAT_BY_NAME: dict[str, ModuleType] = {module.NAME: module for module in FORMATS}


def parse(source: Source) -> tuple[str, list[Interaction]]:
    """Detect the format of a file and read its interactions."""
    if httprr.sniff_bytes(source.data):
        return httprr.NAME, httprr.read(None, source)
    head = source.data[:256].lstrip()
    if head[:1] in (b"{", b"[") and not head.startswith(b"[["):
        tree = parse_json_document(source)
    else:
        tree = parse_yaml(source)
    for module in FORMATS:
        if module.sniff(tree):
            try:
                return module.NAME, module.read(tree, source)
            except CassetteError as exc:
                raise exc.with_path(source.path) from exc
    raise CassetteError(_not_a_cassette(tree), source.path)


def _not_a_cassette(tree: Any) -> str:
    if tree is None:
        return "not a cassette: the file is empty"
    if isinstance(tree, dict):
        keys = ", ".join(list(map(str, tree))[:5])
        return f"not a cassette: a mapping with keys {keys} (no interactions list)"
    return f"not a cassette: the document is a {type(tree).__name__}"
