"""Every regular expression in the package, on hostile text: none may take more than linear
time, whatever a cassette holds.

Python's `re` backtracks, and counts no steps we could assert on; so the tests look at each
pattern's *structure* (its parse tree, `re._parser`: private, but the only view of a compiled
pattern) for the two shapes that cost more than linear time, then run every pattern on
adversarial text of a megabyte built from its own pieces, under a hang guard (a timeout that
only catches a hang; timings are measured in `benchmarks/fuzz_corpus.py --regex`):

* ambiguity: a repeat whose iterations can split the same text in several ways (`(a+)+b`,
  `(a|ab)*c`) tries them all before failing: exponential time;
* rescanning: a pattern used with `search`, `finditer`, `findall`, `sub` or `split` whose
  unbounded run can fail after it, and whose run can itself start a new match: each start
  inside the run scans the rest of it again, quadratic time (`[a-z]*1` on `aaaa…`).

A run that nothing after it can fail is fine either way (`\\s+` at the end), and so is a
possessive or atomic one for ambiguity. test_secrets.py holds more checks of the secret
patterns (bounded repeats, a literal first); the secret scanners are run here too.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from re import _compiler, _parser  # type: ignore[attr-defined]
from typing import Any

import pytest

import cassette_tool

from conftest import hang_guard

PACKAGE = Path(cassette_tool.__file__).parent
SEARCHES = frozenset({"search", "finditer", "findall", "sub", "subn", "split"})
REPEATS = ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")
# Characters tried against each character class: all of Latin-1, and a few beyond it that
# patterns name (ellipsis, bullet, micro sign, line separator) or that no class names.
ALPHABET = "".join(map(chr, range(256))) + "\u2028\u2026\u2022\u03bc\u0100\uffff\U0001f600"
SIZE = 1_000_000  # a line of the wrappers' tests
NEAR_MISS = 250_000  # quadratic work on this many characters takes minutes, linear work ms
HANG_GUARD = 60  # seconds: only catches a hang, measures nothing


# --- finding every pattern ------------------------------------------------------------------

@dataclass(frozen=True)
class Site:
    """A compiled pattern of the package and how its module uses it."""

    where: str  # module.NAME, or module:line for a pattern written inline in a call
    pattern: re.Pattern[Any]
    uses: frozenset[str]  # the methods called on it; every method when it is passed around

    def __str__(self) -> str:
        return self.where

    @property
    def searched(self) -> bool:
        return bool(self.uses & SEARCHES)


def _modules() -> Iterator[Any]:
    for info in pkgutil.walk_packages(cassette_tool.__path__, "cassette_tool."):
        if not info.name.endswith("__main__"):  # importing it runs the command
            yield importlib.import_module(info.name)


def _patterns_in(value: Any, depth: int = 0) -> Iterator[tuple[str, re.Pattern[Any]]]:
    """(where inside, pattern) for the patterns a module-level name holds: directly, in a
    dict, tuple or list, or as the `pattern` of a value (a secrets.Rule, named by its code)."""
    if isinstance(value, re.Pattern):
        yield "", value
    elif depth < 3 and isinstance(value, dict):
        for key, item in value.items():
            yield from ((f"[{key}]{w}", p) for w, p in _patterns_in(item, depth + 1))
    elif depth < 3 and isinstance(value, list | tuple):
        for i, item in enumerate(value):
            label = f"[{getattr(item, 'code', i)}]"
            yield from ((label + w, p) for w, p in _patterns_in(item, depth + 1))
    elif isinstance(getattr(value, "pattern", None), re.Pattern):
        yield "", value.pattern


def _methods_called_on(tree: ast.AST, name: str) -> frozenset[str]:
    """`NAME.method(…)` and `NAME[key].method(…)` in a module; all methods when the name is
    used any other way (passed to a function, put in a Rule)."""
    names = {name}  # and the local names it is given: `run = _RUNS[style]`
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and \
                isinstance(node.targets[0], ast.Name):
            value = node.value.value if isinstance(node.value, ast.Subscript) else node.value
            if isinstance(value, ast.Name) and value.id == name:
                names.add(node.targets[0].id)
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            target = node.value.value if isinstance(node.value, ast.Subscript) else node.value
            if isinstance(target, ast.Name) and target.id in names:
                found.add(node.attr)
    return frozenset(found) if found and found <= SEARCHES | {"match", "fullmatch", "pattern",
                                                              "groupindex", "flags"} \
        else frozenset(SEARCHES | {"match", "fullmatch"})


def _call_sites(tree: ast.AST) -> Iterator[tuple[str, ast.Call]]:
    """`re.FUNCTION(pattern, …)` calls, with the function they sit in."""
    owners: dict[int, str] = {}
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef):
            for node in ast.walk(function):
                owners.setdefault(id(node), function.name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                isinstance(node.func.value, ast.Name) and node.func.value.id == "re" and \
                node.func.attr not in ("escape", "error") and node.args:
            yield owners.get(id(node), "<module>"), node


def _flags(call: ast.Call) -> int:
    flags = 0
    for node in [*call.args[1:], *(k.value for k in call.keywords if k.arg == "flags")]:
        for name in ast.walk(node):
            if isinstance(name, ast.Attribute) and isinstance(getattr(re, name.attr, None),
                                                               re.RegexFlag):
                flags |= getattr(re, name.attr)
    return flags


def _sites() -> tuple[list[Site], set[tuple[str, str, str]]]:
    """Every pattern of the package, and the calls that build one from a variable."""
    sites: dict[tuple[Any, int], Site] = {}
    dynamic: set[tuple[str, str, str]] = set()
    for module in _modules():
        path = Path(module.__file__)
        tree = ast.parse(path.read_text())
        short = module.__name__.removeprefix("cassette_tool.")
        # public names first: SHAPES rather than the _SHAPES it is made from
        for name, value in sorted(vars(module).items(), key=lambda i: (i[0][0] == "_", i[0])):
            for inside, pattern in _patterns_in(value):
                sites.setdefault((pattern.pattern, pattern.flags), Site(
                    f"{short}.{name}{inside}", pattern, _methods_called_on(tree, name)))
        for owner, call in _call_sites(tree):
            if isinstance(call.args[0], ast.Constant):
                pattern = re.compile(call.args[0].value, _flags(call))
                uses = frozenset({call.func.attr} if call.func.attr != "compile"
                                 else SEARCHES | {"match", "fullmatch"})
                sites.setdefault((pattern.pattern, pattern.flags),
                                 Site(f"{short}:{call.lineno}", pattern, uses))
            else:
                dynamic.add((str(path.relative_to(PACKAGE)), owner, call.func.attr))
    return sorted(sites.values(), key=str), dynamic


SITES, DYNAMIC = _sites()

# Patterns built from a variable at run time, each reviewed: they cannot be listed above.
REVIEWED_DYNAMIC = {
    # a rule's own regex: key shapes (module-level Rules, each checked here through its
    # `pattern`) and the user's (secrets.nested_repeat refuses repeated unbounded groups)
    ("secrets.py", "pattern", "compile"): "a Rule's regex, checked here or refused if risky",
    ("secrets.py", "<module>", "compile"): "escaped literals, and Bearer/Basic (checked here)",
    ("secrets.py", "_field_pattern", "compile"): "field names as escaped literals",
    ("secrets.py", "_anchored", "compile"): "escaped literals in look-arounds: no repeat",
    ("secrets.py", "_custom_rule", "compile"): "the user's; secrets.nested_repeat refuses "
                                               "repeated unbounded groups",
    ("formats/common.py", "item_lines", "compile"): "an indent of spaces between literals",
    ("treeedit.py", "_occurrences", "finditer"): "an escaped literal: no repeat",
    ("view.py", "_mask_quoted_ids", "sub"): "escaped literals joined by |: no repeat",
}

# Shapes the checks flag whose cost is still linear, with the reason.
LINEAR_ANYWAY = {
    # a lookahead after the run fails only at the run's last letter; one letter less succeeds
    "secrets._WORDS": SIZE,
    # callers pass at most 200 characters (view.looks_generated)
    "view._GENERATED_RUN": 200,
}

# Patterns found quadratic on text a cassette can hold, as strict xfails until fixed: the
# four these tests found (formats.common._JSON_TOKEN, _DURATION_PART, bedrock_converse._PATH,
# providers.common._PLACEHOLDER) are fixed; none is known now.
QUADRATIC: dict[str, tuple[str, str]] = {}  # where: (the check that flags it, what it costs)


def test_every_dynamic_pattern_is_reviewed() -> None:
    # A new pattern built at run time needs a look, then an entry here.
    assert set(REVIEWED_DYNAMIC) == DYNAMIC


def test_the_collection_finds_the_patterns_it_must() -> None:
    names = {site.where for site in SITES}
    assert {"secrets._BEARER", "secrets.RULES[S101]", "spans._JSON_STRING",
            "formats.common._JSON_TOKEN", "validate._TERMINATORS[openai-chat]",
            "view._UUID"} <= names
    assert len(SITES) > 60


# --- the shape of a pattern -------------------------------------------------------------------

class Shape:
    """Character sets of a parsed pattern's pieces, to tell how its repeats can overlap."""

    def __init__(self, pattern: re.Pattern[Any]) -> None:
        self.pattern = pattern
        self.bytes = isinstance(pattern.pattern, bytes)
        self.tree = _parser.parse(pattern.pattern, pattern.flags)
        self._leaves: dict[int, frozenset[str]] = {}

    def leaf(self, node: Any) -> frozenset[str]:
        """The characters of ALPHABET that one character class (or literal) matches."""
        if id(node) not in self._leaves:
            alone = _compiler.compile(_parser.SubPattern(self.tree.state, [node]),
                                      self.tree.state.flags)
            self._leaves[id(node)] = frozenset(
                c for c in ALPHABET if (ord(c) < 256 or not self.bytes) and alone.fullmatch(
                    c.encode("latin-1") if self.bytes else c))
        return self._leaves[id(node)]

    def first(self, sequences: list[Any]) -> tuple[frozenset[str], bool]:
        """(characters a match of these sequences, one after the other, can start with;
        whether they can match the empty string)."""
        found: set[str] = set()
        for sequence in sequences:
            for node in sequence:
                chars, empty = self._first(node)
                found |= chars
                if not empty:
                    return frozenset(found), False
        return frozenset(found), True

    def _first(self, node: Any) -> tuple[frozenset[str], bool]:
        op, arg = str(node[0]), node[1]
        if op in ("LITERAL", "NOT_LITERAL", "ANY", "IN"):
            return self.leaf(node), False
        if op in ("AT", "ASSERT", "ASSERT_NOT"):
            return frozenset(), True
        if op == "SUBPATTERN":
            return self.first([arg[-1]])
        if op == "ATOMIC_GROUP":
            return self.first([arg])
        if op in REPEATS:
            chars, empty = self.first([arg[2]])
            return chars, empty or arg[0] == 0
        if op == "BRANCH":
            parts = [self.first([branch]) for branch in arg[1]]
            return frozenset().union(*(c for c, _ in parts)), any(e for _, e in parts)
        return frozenset(ALPHABET), True  # group references: anything

    def chars(self, sequence: list[Any]) -> frozenset[str]:
        """Every character some match of the sequence can consume."""
        found: set[str] = set()
        for node in sequence:
            op = str(node[0])
            if op in ("LITERAL", "NOT_LITERAL", "ANY", "IN"):
                found |= self.leaf(node)
            elif op in ("SUBPATTERN", "ATOMIC_GROUP", *REPEATS, "BRANCH"):
                for part in _children(node):
                    found |= self.chars(part)
        return frozenset(found)

    def cannot_fail(self, sequences: list[Any]) -> bool:
        """True when the sequences always match (each node optional: a `*` run, an empty
        group): a run followed by them never backtracks."""
        return all(self._cannot_fail(node) for sequence in sequences for node in sequence)

    def _cannot_fail(self, node: Any) -> bool:
        op, arg = str(node[0]), node[1]
        if op in REPEATS:
            return bool(arg[0] == 0)
        if op == "SUBPATTERN":
            return self.cannot_fail([arg[-1]])
        if op == "BRANCH":
            return any(self.cannot_fail([branch]) for branch in arg[1])
        return False

    def repeats(self, sequence: list[Any], after: tuple[Any, ...] = (), atomic: bool = False
                ) -> Iterator[tuple[Any, tuple[Any, ...], bool]]:
        """(repeat node, what follows it up to the end of `sequence`'s scope, whether it is
        possessive or inside an atomic group), for every repeat in the sequence."""
        for i, node in enumerate(sequence):
            op, arg = str(node[0]), node[1]
            rest = (sequence[i + 1:], *after)
            if op in REPEATS:
                yield node, rest, atomic or op == "POSSESSIVE_REPEAT"
                yield from self.repeats(arg[2], rest, atomic or op == "POSSESSIVE_REPEAT")
            elif op in ("SUBPATTERN", "BRANCH"):
                for part in _children(node):
                    yield from self.repeats(part, rest, atomic)
            elif op == "ATOMIC_GROUP":
                yield from self.repeats(arg, rest, True)
            elif op in ("ASSERT", "ASSERT_NOT"):
                yield from self.repeats(arg[1], (), atomic)

    @cached_property
    def branches(self) -> list[Any]:
        """The top-level alternatives (one when the pattern has no top-level `|`)."""
        data = self.tree.data
        if len(data) == 1 and str(data[0][0]) == "BRANCH":
            return list(data[0][1][1])
        return [data]

    def ambiguities(self) -> list[str]:
        """Unbounded repeats that can split the same text into iterations in more than one
        way and then fail: exponential backtracking."""
        found = []
        for node, after, atomic in self.repeats(self.tree.data):
            low, high, body = node[1]
            if atomic or high != _parser.MAXREPEAT or self.cannot_fail(list(after)):
                continue
            start, empty = self.first([body])
            if empty:
                found.append("a repeated group that can match nothing")
            for inner, inner_after, inner_atomic in self.repeats(body):
                i_low, i_high, i_body = inner[1]
                if inner_atomic or i_low == i_high or not self.first(list(inner_after))[1]:
                    continue  # fixed length, or something it cannot match must follow
                if self.chars(i_body) & start:
                    found.append("an inner run that can also begin the next iteration")
            for inner in _walk(body):  # `(a|aa)*`, which the parser writes `(a(?:|a))*`
                if str(inner[0]) == "BRANCH" and any(not b for b in inner[1][1]) and \
                        self.chars([inner]) & start:
                    found.append("an optional ending that can also begin the next iteration")
            while len(body) == 1 and str(body[0][0]) == "SUBPATTERN":
                body = body[0][1][-1]
            if len(body) == 1 and str(body[0][0]) == "BRANCH":
                starts = [self.first([branch])[0] for branch in body[0][1][1]]
                if any(a & b for i, a in enumerate(starts) for b in starts[i + 1:]):
                    found.append("alternatives that can begin with the same character")
        return found

    def runs_in_a_row(self) -> list[str]:
        """An unbounded run followed by another variable run that can begin with the same
        characters, then something that can fail: each character the first gives back, the
        second takes again (`<[a-z]+[a-z_]*>` on `<aaaa…`): quadratic time from one start."""
        found = []
        for node, after, atomic in self.repeats(self.tree.data):
            low, high, body = node[1]
            # A repeated group gives back whole iterations: only a run of single characters
            # gives back one at a time (and a possessive one gives back nothing).
            single = _parser.SubPattern(self.tree.state, body).getwidth() == (1, 1)
            if atomic or high != _parser.MAXREPEAT or not single or \
                    self.cannot_fail(list(after)):
                continue
            chars = self.chars(body)
            for following in (n for sequence in after for n in sequence):
                if not self.first([[following]])[1]:
                    break  # something it must match comes first
                width = _parser.SubPattern(self.tree.state, [following]).getwidth()
                if width[0] != width[1] and self.first([[following]])[0] & chars:
                    found.append(f"{_show(body)} then {_show([following])}")
        return found

    def rescans(self) -> list[str]:
        """Unbounded runs that can fail after them and can restart a match inside
        themselves: quadratic time under `search` and friends."""
        found = []
        for branch in self.branches:
            if branch and str(branch[0][0]) == "AT" and str(branch[0][1]) in (
                    "AT_BEGINNING_STRING", "AT_BEGINNING") and \
                    not self.tree.state.flags & re.MULTILINE:
                continue  # anchored: one start only
            start = self.first([branch])[0]
            guard = self._refused_before(branch)
            for node, after, _ in self.repeats(branch):
                low, high, body = node[1]
                if high == _parser.MAXREPEAT and not self.cannot_fail(list(after)) and \
                        self.chars(body) & start and not self.chars(body) <= guard:
                    found.append(f"the run {_show(body)} can restart a match")
        return found

    def _refused_before(self, branch: list[Any]) -> frozenset[str]:
        """Characters a leading lookbehind `(?<![…])` refuses before a start: a match cannot
        start inside a run of them."""
        if branch and str(branch[0][0]) == "ASSERT_NOT" and branch[0][1][0] == -1:
            behind = branch[0][1][1]
            if _parser.SubPattern(self.tree.state, behind).getwidth() == (1, 1):
                return self.chars(behind)
        return frozenset()


def _children(node: Any) -> list[Any]:
    op, arg = str(node[0]), node[1]
    if op == "SUBPATTERN":
        return [arg[-1]]
    if op == "ATOMIC_GROUP":
        return [arg]
    if op in REPEATS:
        return [arg[2]]
    if op == "BRANCH":
        return list(arg[1])
    return []


def _show(body: Any) -> str:
    return str(body)[:60]


def test_the_shape_checks_catch_the_textbook_cases() -> None:
    # What the checks must see, and what they must let through.
    def flags(text: str) -> tuple[bool, bool]:
        shape = Shape(re.compile(text))
        return bool(shape.ambiguities()), bool(shape.rescans())

    assert flags(r"(a+)+b") == (True, True)
    assert flags(r"(a|aa)*c") == (True, True)
    assert flags(r"(a|ab)*c") == (False, True)  # `a(?:|b)`: one way to split
    assert flags(r"(?:x?)*y") == (True, True)
    assert flags(r'"[^"]*"') == (False, False)
    assert flags(r"[a-z]*1") == (False, True)  # quadratic on "aaaa…" under search
    assert flags(r"^[a-z]*1") == (False, False)  # anchored
    assert flags(r"\w+") == (False, False)  # nothing after the run can fail
    assert flags(r"(?:a++)+b") == (False, True)  # possessive inside: no ambiguity
    # Iterations that start (or end) with a character the inner run cannot match do not
    # overlap; under search, each `_` (each line end) still restarts a scan of the rest.
    assert flags(r"(?:_[A-Z]+)*_x") == (False, True)
    assert flags(r"(?:[ \t]*#?\n)*-") == (False, True)
    in_a_row = [Shape(re.compile(p)).runs_in_a_row() != [] for p in (
        r"<[a-z]+[a-z_]*>", r"a+\s*a*b", r"x.+?y*z", r"[ \t]*(?:#[^\n]*)?\n", r"a+b*c",
        r"( *)([^\n]*)(\n|)")]
    assert in_a_row == [True, True, True, False, False, False]
    assert Shape(re.compile(r"<[a-z]++[a-z_]*>")).runs_in_a_row() == []  # nothing given back
    assert Shape(re.compile(r"(?<![0-9])[0-9]+s")).rescans() == []  # no start inside a run


# --- no pattern may be ambiguous, no searched one may rescan ------------------------------------

def _expect_linear(site: Site, check: str) -> Any:
    kind, reason = QUADRATIC.get(site.where, ("", ""))
    return pytest.param(site, id=site.where, marks=[pytest.mark.xfail(strict=True,
                                                                      reason=reason)]
                        if kind == check else [])


@pytest.mark.parametrize("site", SITES, ids=str)
def test_no_repeat_can_split_text_in_two_ways(site: Site) -> None:
    assert Shape(site.pattern).ambiguities() == [], site.pattern.pattern


@pytest.mark.parametrize("site", [_expect_linear(s, "in a row") for s in SITES])
def test_no_run_gives_back_what_the_next_takes_again(site: Site) -> None:
    assert Shape(site.pattern).runs_in_a_row() == [], site.pattern.pattern


@pytest.mark.parametrize("site", [_expect_linear(s, "rescans") for s in SITES
                                  if s.searched and s.where not in LINEAR_ANYWAY])
def test_no_searched_pattern_rescans_its_own_runs(site: Site) -> None:
    assert Shape(site.pattern).rescans() == [], site.pattern.pattern


def test_the_flagged_but_linear_patterns_are_still_flagged() -> None:
    # When one of them changes shape, its entry in LINEAR_ANYWAY must go.
    for site in SITES:
        if site.where in LINEAR_ANYWAY:
            assert Shape(site.pattern).rescans(), site.where



# --- adversarial text, a megabyte of each pattern's own pieces -----------------------------------

PREFERRED = " aA0_-./:\\\"'=&?{[<#\n\t"


class Pieces(Shape):
    """Strings made of a pattern's own parts: its literals, one character of each class, the
    body of each repeat after what leads to it. Repeated, they are the near-misses that make
    a backtracking matcher work hardest."""

    def sample(self, node: Any) -> str:
        chars = self.leaf(node)
        literals = "".join(chr(n[1]) for n in _walk(self.tree.data) if str(n[0]) == "LITERAL")
        return next((c for c in literals + PREFERRED if c in chars), min(chars, default=""))

    def shortest(self, sequence: list[Any]) -> str:
        out = []
        for node in sequence:
            op, arg = str(node[0]), node[1]
            if op in ("LITERAL", "NOT_LITERAL", "ANY", "IN"):
                out.append(self.sample(node))
            elif op in REPEATS:
                out.append(self.shortest(arg[2]) * min(arg[0], 64))
            elif op == "BRANCH":
                out.append(self.shortest(arg[1][0]))
            elif op in ("SUBPATTERN", "ATOMIC_GROUP"):
                out.append(self.shortest(_children(node)[0]))
        return "".join(out)

    def texts(self, size: int) -> dict[str, str]:
        """name -> adversarial text of `size` characters."""
        units: dict[str, tuple[str, str]] = {}  # name -> (said once, then repeated)
        for number, branch in enumerate(self.branches):
            whole = self.shortest(branch)
            units |= {f"{number} whole": ("", whole), f"{number} all but the last":
                      ("", whole[:-1]), f"{number} all but the first": ("", whole[1:])}
            for i, node in enumerate(branch):  # what leads to a run, then the run
                if str(node[0]) in REPEATS:
                    body = self.shortest(node[1][2]) or self.sample(node[1][2][0])
                    units[f"{number} lead and run {i}"] = (self.shortest(branch[:i]), body)
            for node in _walk(branch):
                if str(node[0]) in REPEATS and (body := self.shortest(node[1][2])):
                    units[f"{number} run {body!r}"] = ("", body)
        units |= {f"only {c!r}": ("", c) for c in "a0 \"\\<"}  # and plain runs
        return {name: (lead + body * (size // len(body) + 1))[:size]
                for name, (lead, body) in units.items() if body}


def _walk(sequence: list[Any]) -> Iterator[Any]:
    for node in sequence:
        yield node
        for part in _children(node):
            yield from _walk(part)
        if str(node[0]) in ("ASSERT", "ASSERT_NOT"):
            yield from _walk(node[1][1])


def _run(site: Site, text: str) -> None:
    data: Any = text.encode("latin-1", "replace") if isinstance(site.pattern.pattern, bytes) \
        else text
    if site.searched:
        for _ in site.pattern.finditer(data):
            pass
    else:
        site.pattern.match(data)
        site.pattern.fullmatch(data)
        site.pattern.match(data, len(data) // 2)


@pytest.mark.parametrize("site", [s for s in SITES if s.where not in QUADRATIC], ids=str)
def test_a_megabyte_of_near_misses_finishes(site: Site) -> None:
    size = min(LINEAR_ANYWAY.get(site.where, NEAR_MISS), NEAR_MISS)
    texts = Pieces(site.pattern).texts(size)
    assert texts, site
    for name, text in texts.items():
        with hang_guard(f"{site} on {name}", HANG_GUARD):
            _run(site, text)


# --- the functions that wrap them, on a megabyte line ------------------------------------------

LINE = {
    "colons": ":" * SIZE, "quotes": '"' * SIZE, "escaped quotes": '"' + '\\"' * (SIZE // 2),
    "spaces": " " * SIZE, "letters": "a" * SIZE, "digits": "1" * SIZE,
    "dashes": "- " * (SIZE // 2), "hashes": "#" * SIZE, "breaks": "\n \r\n\t" * (SIZE // 4),
    "keys": "interactions:\n" + "- a\n  " * (SIZE // 6),
}


@pytest.mark.parametrize("name", sorted(LINE))
def test_the_wrappers_on_a_megabyte_line(name: str) -> None:
    from cassette_tool.formats.common import item_lines
    from cassette_tool.secrets import find_in_text, is_placeholder
    from cassette_tool.sse import parse_sse
    from cassette_tool.view import looks_generated

    text = LINE[name]
    with hang_guard(name, HANG_GUARD):
        item_lines(text.encode("utf-8", "surrogatepass"), "interactions")
        find_in_text(text)
        parse_sse(text)
        for start in range(0, SIZE, 16_384):  # what view and secrets look at: short values
            looks_generated(text[start:start + 200])
            is_placeholder(text[start:start + 16_384])
