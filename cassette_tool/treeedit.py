"""Edits for the secrets of a YAML or JSON cassette, for `redact`: which scalar holds each
secret, and the splice that puts the placeholder there (spans.py; yaml-spans.md §4-§5).

A secret written as it is becomes a splice into its scalar, or a same-shape mask of `X` where
a different length cannot be written in place (a `>` fold, a blank at a line edge, §7); two
secrets in one plain scalar that must be quoted whole become one edit. A secret whose node
is not known (websocket frames, a form body) is looked for in every string of the file, and
every other string that holds a secret that was found gets it replaced too (HAR repeats
cookies and query parameters). A body stored encoded is written again by recode.py.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

from . import recode, spans
from .sites import Site, Spot
from .spans import Document, Edit, PositionMap, Scalar, SpanError


@dataclass
class _Target:
    """Ranges of one scalar's value to replace, and the sites that asked for each."""

    map: PositionMap
    ranges: dict[tuple[int, int], list[Site]] = field(default_factory=dict)


def plan(document: Document, sites: list[Site],
         placeholder: Callable[[Site], str]) -> tuple[list[Edit], list[Spot]]:
    """Edits of the file for every site, and where each secret was replaced."""
    return _Planner(document, placeholder).plan(sites)


class _Planner:
    def __init__(self, document: Document, placeholder: Callable[[Site], str]) -> None:
        self.document = document
        self.placeholder = placeholder
        self.targets: dict[int, _Target] = {}  # by node: an alias reaches the same node twice
        self.encoded: dict[tuple[str | int, ...], list[Site]] = {}
        self.replaced: list[Spot] = []

    def plan(self, sites: list[Site]) -> tuple[list[Edit], list[Spot]]:
        for site in sites:
            found = self._verbatim(site)
            if found is not None:
                self._add(site, *found)
            elif site.node is not None and site.body is not None and \
                    recode.stored_encoded(site.body):
                self.encoded.setdefault(site.node, []).append(site)
            else:
                self._search(site)
        self._copies(sites)
        edits: list[Edit] = []
        for target in self.targets.values():
            edits += self._text_edits(target)
        for node, group in self.encoded.items():
            edits += self._encoded_edits(node, group)
        return edits, self.replaced

    def _verbatim(self, site: Site) -> tuple[Scalar, int, int] | None:
        span = site.span
        if span is None or site.node is None:
            return None
        try:
            scalar = self.document.scalar(site.node)
        except KeyError:
            return None
        return (scalar, *span) if scalar.value[span[0]:span[1]] == site.finding.value else None

    def _search(self, site: Site) -> None:
        """A secret whose node is not known (websocket frames, a form body, a URL part
        stored elsewhere): every string in the file that holds it."""
        found = list(self._occurrences(site.finding.value))
        if not found:
            raise SpanError(f"{site.label}: cannot find where the {site.finding.rule.name} "
                            "is stored in the file")
        for scalar, a, b in found:
            self._add(site, scalar, a, b)

    def _copies(self, sites: list[Site]) -> None:
        """Other strings that hold a secret that was found: HAR repeats cookies in
        `cookies` and query parameters in `queryString`, go-vcr a form body in `form`.
        A short value (an organisation name) is replaced only where it is the whole string,
        a longer one wherever it occurs."""
        secrets = {site.finding.value: site for site in sites}
        for secret, site in secrets.items():
            whole = len(secret) < 16
            for scalar, a, b in self._occurrences(secret, whole):
                target = self.targets.get(id(scalar.node))
                if target is None or all(b <= x or y <= a for x, y in target.ranges):
                    self._add(replace(site, label=f"{site.label}, copied in "
                                      + ".".join(map(str, scalar.path))), scalar, a, b)

    def _occurrences(self, secret: str, whole: bool = False) -> Iterator[tuple[Scalar, int, int]]:
        for scalar in self.document.scalars():
            if scalar.key or scalar.tag != spans.STR or secret not in scalar.value:
                continue
            if whole:
                if scalar.value == secret:
                    yield scalar, 0, len(secret)
                continue
            for match in re.finditer(re.escape(secret), scalar.value):
                yield scalar, match.start(), match.end()

    def _add(self, site: Site, scalar: Scalar, a: int, b: int) -> None:
        target = self.targets.get(id(scalar.node))
        if target is None:
            target = self.targets[id(scalar.node)] = _Target(spans.value_map(scalar))
        target.ranges.setdefault((a, b), []).append(site)

    def _text_edits(self, target: _Target) -> list[Edit]:
        position = target.map
        kept: list[tuple[int, int, str]] = []
        for a, b in sorted(target.ranges):
            if not kept or a >= kept[-1][1]:  # overlapping findings: the first one stands
                kept.append((a, b, self.placeholder(target.ranges[a, b][0])))
        edits, written = _splices(position, kept)
        for (a, b, _), text in zip(kept, written, strict=True):
            line, column = position.line_col(a) if position.ok else \
                position.scalar.line_col()
            self.replaced += [(site, text, line, column)
                              for site in target.ranges[a, b]]
        return edits

    def _encoded_edits(self, node: tuple[str | int, ...], group: list[Site]) -> list[Edit]:
        scalars = _scalars_at(self.document, node)
        body, text = group[0].body, group[0].text
        assert body is not None  # grouped only when it is
        pieces = [(s.finding.start, s.finding.end, self.placeholder(s))
                  for s in group]
        line, column = scalars[0].line_col()
        self.replaced += [(site, new, line, column)
                          for site, (_, _, new) in zip(group, pieces, strict=True)]
        return recode.rewrite(scalars, body, text, pieces)


def _scalars_at(document: Document, node: tuple[str | int, ...]) -> list[Scalar]:
    """The scalar at `node`, or the items of the sequence there (nock's hex chunks)."""
    try:
        return [document.scalar(node)]
    except KeyError:
        pass
    items: list[Scalar] = []
    with contextlib.suppress(KeyError):
        while True:
            items.append(document.scalar((*node, len(items))))
    if not items:
        raise SpanError(f"no value at {'.'.join(map(str, node))}")
    return items


def _splices(position: PositionMap,
             ranges: list[tuple[int, int, str]]) -> tuple[list[Edit], list[str]]:
    """Edits that replace each range of one value, and the text each range becomes."""
    edits: list[Edit] = []
    written: list[str] = []
    for a, b, placeholder in ranges:
        try:
            edits.append(_replace(position, a, b, placeholder))
            written.append(placeholder)
        except SpanError:
            # A different length cannot always be written in place (a `>` fold, a blank at
            # a line edge, §7): mask the characters instead; X…X reads as a placeholder.
            edits.append(position.splice_mask(a, b, "X"))
            written.append(position.masked(a, b, "X"))
    ordered = sorted(edits, key=lambda e: e.start)
    if all(x.end <= y.start for x, y in zip(ordered, ordered[1:], strict=False)):
        return edits, written
    # Two secrets in one plain scalar that must be quoted whole (§5): one edit for both.
    value, start = position.value, ranges[0][0]
    text, pos = "", start
    for a, b, placeholder in ranges:
        text += value[pos:a] + placeholder
        pos = b
    try:
        return [_replace(position, start, pos, text)], [p for _, _, p in ranges]
    except SpanError:
        return ([position.splice_mask(a, b, "X") for a, b, _ in ranges],
                [position.masked(a, b, "X") for a, b, _ in ranges])


def _replace(position: PositionMap, a: int, b: int, placeholder: str) -> Edit:
    return _json_splice(position, a, b, placeholder) or position.splice_replace(a, b, placeholder)


def _json_splice(position: PositionMap, a: int, b: int, placeholder: str) -> Edit | None:
    """A placeholder that needs escaping in JSON, for a secret inside a JSON string in the
    value: spliced through the JSON layer so that it is escaped for both (spans.json_in)."""
    if json.dumps(placeholder)[1:-1] == placeholder or position.value.lstrip()[:1] not in "{[":
        return None
    try:
        inner = spans.json_in(position)
    except SpanError:
        return None
    for scalar in inner.scalars():
        if scalar.style == "json" and not scalar.key and scalar.start < a and b < scalar.end:
            inside = spans.value_map(scalar)
            first, last = _value_index(inside, a), _value_index(inside, b - 1)
            if first is None or last is None:
                return None
            return inside.splice_replace(first, last + 1, placeholder)
    return None


def _value_index(position: PositionMap, source: int) -> int | None:
    """The value character written at `source` (a character of the JSON text), if any."""
    for atom, start in zip(position.atoms, position.starts, strict=True):
        if atom.s <= source < atom.e:
            return start + source - atom.s if atom.kind == spans.RUN else start
    return None
