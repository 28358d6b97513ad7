"""Positions of characters inside YAML and JSON scalar values, and byte-exact splices into them.

The foundation of `validate` (report `path:line:col` at a character inside a value) and
`redact` (replace part of a value by splicing new text into the original bytes; every other
byte stays the same, nothing is re-dumped). The facts this module implements, and what was
measured on the corpus, are in `../shared/docs/yaml-spans.md` (cited below as §n).

API
- `compose(data) -> Document`: YAML with positions (PyYAML's composer on libyaml, as
  source.py reads files: no tag is refused and no object is built). `compose_json(data)`
  does the same for JSON files (HAR, nock) with a small tokenizer of our own, exact about
  JSON escapes and surrogate pairs.
- `Document.scalar(path)` walks to one scalar, e.g. `("interactions", 0, "request", "body")`;
  `Document.scalars()` yields every scalar (mapping keys too, `key=True`) in file order, each
  node once even when aliases repeat it.
- `value_map(scalar) -> PositionMap`: the §3 atoms of the scalar's source. Checked against the
  parser's value on every call (`PositionMap.ok`); when the check fails every position is the
  scalar's first character and splicing refuses. It takes a `Scalar`, not a bare node: the
  map also needs the file's text, whether the scalar sits in a flow collection (what a plain
  scalar may hold) and the enclosing block's column (what `|2` means).
- `PositionMap.line_col(k)`: 1-based line and column of value character k; the column counts
  code points (not bytes, not display cells).
- `PositionMap.splice_mask(a, b, ch)` (same-shape mask, §4; `masked()` says what `value[a:b]`
  becomes) and `splice_replace(a, b, text)` (any length, §4-§5) return an `Edit`; every edit is
  re-parsed by this module's own model of YAML folding before it is returned, so a splice that
  would change any other character of the value raises `SpanError` instead.
- `json_in(map) -> Document`: the JSON text inside a value (or inside a JSON string), with
  maps that go through both layers: `line_col` lands in the file and splices escape the text
  for JSON first, then for the YAML style around it (§3, last paragraph).
- `rewrite_binary(scalar, data) -> Edit`: a new `!!binary` / `!binary` block for new bytes (§6).
- `apply(data, edits) -> bytes` and `changed_scalars(old, new)` to check the result.

Index units: `Document` and `Atom` indexes are code points into the BOM-less text (what the
parser's marks use); an `Edit` holds byte offsets into the original file, BOM included (into
the text's UTF-8 bytes when `compose` was given a str).

Limits (each one refuses or falls back, never guesses): raw U+0085/U+2028/U+2029 line breaks
inside a scalar are not modelled (the §3 check fails: positions fall back to the scalar's
start); a comment between a tag and a block header likewise; complex mapping keys are not
walked; a plain scalar inside a flow collection never receives `:`; JSON numbers and literals
are located but not spliced; a `>` edit that would join or create a more-indented line, or a
blank at a line edge in plain and single-quoted scalars, is refused (§7).

Not owned here: what a secret looks like (secrets.py), choosing edits and writing files
(redact.py), reporting (validate.py), rewriting a whole scalar in another style.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from itertools import accumulate
from typing import Any

from .errors import CassetteError

NodePath = tuple[str | int, ...]
_BOM = b"\xef\xbb\xbf"
STR = "tag:yaml.org,2002:str"

# Atom kinds (§3): a run of source characters that are their own value, one value character
# written as an escape or `''`, a fold, a double-quoted escaped break, a block's final breaks.
RUN, ESC, FOLD, XBREAK, FINAL = "run", "esc", "fold", "xbreak", "final"


class SpanError(ValueError):
    """A position or splice this module will not produce; the message says why."""


@dataclass(frozen=True, slots=True)
class Atom:
    s: int  # source span [s, e), code points into the text the scalar lives in
    e: int
    value: str
    kind: str


@dataclass(frozen=True, slots=True)
class Edit:
    start: int  # byte offsets into the original file
    end: int
    new: bytes


def apply(data: bytes, edits: list[Edit] | tuple[Edit, ...]) -> bytes:
    """Apply non-overlapping edits (computed on the same original bytes) in one pass."""
    out: list[bytes] = []
    pos = 0
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        if edit.start < pos:
            raise SpanError(f"edits overlap at byte {edit.start}")
        out += [data[pos:edit.start], edit.new]
        pos = edit.end
    out.append(data[pos:])
    return b"".join(out)


# --- documents and scalars ---------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Document:
    """A parsed file (or the JSON text inside a value: then `outer` maps it to the file)."""

    text: str  # without the BOM
    root: Any  # PyYAML nodes (JSON: the same node classes, built by our tokenizer)
    kind: str  # "yaml" or "json"
    bom: int = 0  # bytes of BOM before `text` in the file (0 or 3)
    outer: PositionMap | None = None
    _lines: list[int] = field(init=False, repr=False)
    _bytes: list[int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Line starts split on "\n" only (§1); byte offsets of line starts for byte_offset().
        parts = self.text.split("\n")[:-1]  # the last line's end starts nothing
        lines = list(accumulate((len(line) + 1 for line in parts), initial=0))
        if self.text.isascii():
            offsets = [self.bom + start for start in lines]
        else:
            offsets = list(accumulate((len(line.encode("utf-8", "surrogatepass")) + 1
                                       for line in parts), initial=self.bom))
        object.__setattr__(self, "_lines", lines)
        object.__setattr__(self, "_bytes", offsets)

    def line_col(self, i: int) -> tuple[int, int]:
        """1-based line and code-point column of text index i (in the file, through `outer`)."""
        if self.outer is not None:
            return self.outer.line_col(min(i, len(self.text) - 1)) if self.text else (1, 1)
        line = bisect_right(self._lines, i) - 1
        return line + 1, i - self._lines[line] + 1

    def line_start(self, i: int) -> int:
        return self._lines[bisect_right(self._lines, i) - 1]

    def byte_offset(self, i: int) -> int:
        """Byte offset in the file of text index i (file-level documents only)."""
        line = bisect_right(self._lines, i) - 1
        start = self._lines[line]
        return self._bytes[line] + len(self.text[start:i].encode("utf-8", "surrogatepass"))

    def scalars(self) -> Iterator[Scalar]:
        """Every scalar in file order; a mapping key comes just before its value."""
        seen: set[int] = set()
        stack: list[tuple[Any, NodePath, bool, int]] = [(self.root, (), False, -1)]
        while stack:
            node, path, flow, parent = stack.pop()
            key = isinstance(node, _KeyMark)
            node = node.node if key else node
            if node is None or id(node) in seen:
                continue  # an alias repeats a node: editing it once edits every use
            seen.add(id(node))
            if node.id == "scalar":
                yield Scalar(self, path, node, key, flow, parent)
                continue
            flow = flow or bool(node.flow_style)
            inner = parent if flow else self._column(node.start_mark.index)
            children: list[tuple[Any, NodePath, bool, int]] = []
            if node.id == "mapping":
                for key, value in node.value:
                    if key.id != "scalar":
                        continue  # a complex key has no path of its own; cassettes have none
                    entry = (*path, key.value)
                    children.append((_KeyMark(key), entry, flow, inner))
                    children.append((value, entry, flow, inner))
            else:
                children = [(item, (*path, i), flow, inner) for i, item in enumerate(node.value)]
            stack.extend(reversed(children))

    def scalar(self, path: NodePath) -> Scalar:
        """The scalar at `path` (mapping keys match by their source text; last duplicate wins)."""
        node, flow, parent = self.root, False, -1
        for part in path:
            if node is None or node.id == "scalar":
                raise KeyError(path)
            flow = flow or bool(node.flow_style)
            parent = parent if flow else self._column(node.start_mark.index)
            if node.id == "mapping":
                found = [v for k, v in node.value if k.id == "scalar" and k.value == str(part)]
                if not found:
                    raise KeyError(path)
                node = found[-1]
            elif isinstance(part, int) and -len(node.value) <= part < len(node.value):
                node = node.value[part]
            else:
                raise KeyError(path)
        if node is None or node.id != "scalar":
            raise KeyError(path)
        return Scalar(self, path, node, False, flow, parent)

    def _column(self, i: int) -> int:
        i = _skip_properties(self.text, i)  # a tagged or anchored mapping starts at its tag
        return i - self.line_start(i)


class _KeyMark:
    """Wraps a key node on the walk stack so that `scalars()` yields it with key=True."""

    def __init__(self, node: Any) -> None:
        self.node = node


@dataclass(frozen=True, eq=False)
class Scalar:
    doc: Document
    path: NodePath
    node: Any
    key: bool  # a mapping key (its path is the path of its entry)
    flow: bool  # inside a flow collection: plain scalars may not receive `, [ ] { }`
    parent: int  # column of the enclosing block collection, -1 at the top (block `|2`, §2)

    @property
    def value(self) -> str:
        return str(self.node.value)

    @property
    def tag(self) -> str:
        return str(self.node.tag)

    @property
    def style(self) -> str:
        """"plain", "'", '"', "|", ">", or "json" for a JSON string."""
        style = self.node.style
        return style if style in ("'", '"', "|", ">", "json") else "plain"

    @property
    def start(self) -> int:
        """First character of the scalar itself, after any tag or anchor."""
        return _skip_properties(self.doc.text, self.node.start_mark.index)

    @property
    def end(self) -> int:
        return int(self.node.end_mark.index)

    @property
    def explicit_tag(self) -> bool:
        properties = self.doc.text[self.node.start_mark.index:self.start].split()
        return any(p.startswith("!") for p in properties)

    def line_col(self) -> tuple[int, int]:
        return self.doc.line_col(self.start)


_PROPERTY = re.compile(r"(?:[!&][^ \t\r\n]*[ \t\r\n]+)*")


def _skip_properties(text: str, i: int) -> int:
    return _PROPERTY.match(text, i).end()  # type: ignore[union-attr]  # always matches


# --- parsing -----------------------------------------------------------------------------

def uses_c_parser() -> bool:
    from .source import uses_c_parser as source_uses_c_parser

    return source_uses_c_parser()


def compose(data: bytes | str, path: str | None = None) -> Document:
    """Parse YAML into nodes with positions, with the loader that reads cassettes
    (source.py: libyaml through PyYAML, YAML 1.1 tags). Composing builds no objects, so no
    tag (`!binary`, `!!python/…`, `!ruby/object:…`) is refused here."""
    import yaml

    from .source import _check_nesting, _loader, _yaml_error, gc_paused

    text, bom = _decode(data, path)
    try:
        # libyaml skips a BOM without counting it, the pure parser counts it (§1): parse the
        # BOM-less str and keep the BOM's bytes aside.
        _check_nesting(data if isinstance(data, bytes) else text.encode("utf-8", "surrogatepass"),
                       path or "")
        loader = _loader()(text)
        try:
            with gc_paused():
                root = loader.get_single_node()
        finally:
            loader.dispose()
    except (yaml.YAMLError, ValueError, RecursionError, CassetteError) as exc:
        raise _yaml_error(exc, path) from exc
    return Document(text, root, "yaml", bom)


def compose_file(data: bytes, path: str | None = None) -> Document:
    """A cassette file's document with positions, JSON or YAML as it reads: a file that
    opens with a bracket (after a BOM and blanks) by our JSON tokenizer, exact about
    escapes, unless it is YAML in flow style (`{version: 1, interactions: []}`); any other
    by PyYAML."""
    from .source import opens_with_bracket

    if opens_with_bracket(data):
        with contextlib.suppress(CassetteError):
            return compose_json(data, path)
    return compose(data, path)


def compose_json(data: bytes | str, path: str | None = None) -> Document:
    """Parse a JSON file (HAR, nock) into the same kind of nodes, with positions."""
    text, bom = _decode(data, path)
    try:
        root = _JsonParser(text).document()
    except _JsonError as exc:
        doc = Document(text, None, "json", bom)
        line, col = doc.line_col(exc.index)
        raise CassetteError(f"invalid JSON: {exc.args[0]}", path, line, col) from None
    return Document(text, root, "json", bom)


def json_in(outer: PositionMap) -> Document:
    """The JSON text that is `outer`'s value, as a document whose positions and splices go
    through `outer` to the file. Raises SpanError when the value is not JSON."""
    if not outer.ok:
        raise SpanError("no position map for this scalar (its check failed)")
    try:
        root = _JsonParser(outer.value).document()
    except _JsonError as exc:
        raise SpanError(f"value is not JSON: {exc.args[0]} at character {exc.index}") from None
    return Document(outer.value, root, "json", outer=outer)


def _decode(data: bytes | str, path: str | None) -> tuple[str, int]:
    if isinstance(data, str):
        return data.removeprefix("\ufeff"), 0
    try:
        return data.decode("utf-8-sig"), 3 if data.startswith(_BOM) else 0
    except UnicodeDecodeError as exc:
        raise CassetteError(f"not UTF-8: byte {exc.start} cannot be decoded", path) from exc


class _JsonError(Exception):
    def __init__(self, message: str, index: int) -> None:
        super().__init__(message)
        self.index = index


class _Mark:
    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


def _mark(index: int) -> Any:
    """A mark for PyYAML's node classes, which only `index` of is read (typed as PyYAML's
    `Mark`, which needs a buffer and a line)."""
    return _Mark(index)


_JSON_WS = re.compile(r"[ \t\r\n]*")
_JSON_STRING = re.compile(r'"(?:[^"\\\x00-\x1f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"')
_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_JSON_WORDS = {"true": "bool", "false": "bool", "null": "null"}


class _JsonParser:
    """Recursive descent over the text, building PyYAML nodes whose marks carry `index`."""

    def __init__(self, text: str) -> None:
        from yaml.nodes import MappingNode, ScalarNode, SequenceNode

        self.text = text
        self.i = 0
        self.scalar_node, self.mapping_node, self.sequence_node = (
            ScalarNode, MappingNode, SequenceNode)

    def document(self) -> Any:
        node = self.value(0)
        self.i = _JSON_WS.match(self.text, self.i).end()  # type: ignore[union-attr]
        if self.i != len(self.text):
            raise _JsonError("extra data after the JSON value", self.i)
        return node

    def value(self, depth: int) -> Any:
        if depth > 500:
            raise _JsonError("nested too deeply", self.i)
        ch = self.peek()
        if ch == '"':
            return self.string()
        if ch in ("{", "["):
            return self.collection(ch == "{", depth)
        i = self.i
        number = _JSON_NUMBER.match(self.text, i)
        word = next((w for w in _JSON_WORDS if self.text.startswith(w, i)), None)
        if number is None and word is None:
            raise _JsonError("expected a JSON value", i)
        self.i = number.end() if number else i + len(word or "")
        raw = self.text[i:self.i]
        tag = _JSON_WORDS.get(raw) or ("float" if set(raw) & set(".eE") else "int")
        return self.scalar_node(f"tag:yaml.org,2002:{tag}", raw, _mark(i), _mark(self.i),
                                style="")

    def collection(self, mapping: bool, depth: int) -> Any:
        start, close = self.i, "}" if mapping else "]"
        self.i += 1
        items: list[Any] = []
        while not (self.peek() == close and not items):
            if mapping:
                if self.peek() != '"':
                    raise _JsonError("expected a string key", self.i)
                key = self.string()
                self.expect(":")
                items.append((key, self.value(depth + 1)))
            else:
                items.append(self.value(depth + 1))
            if self.peek() != ",":
                break
            self.i += 1
        self.expect(close)
        cls, tag = (self.mapping_node, "map") if mapping else (self.sequence_node, "seq")
        return cls(f"tag:yaml.org,2002:{tag}", items, _mark(start), _mark(self.i),
                   flow_style=True)

    def string(self) -> Any:
        match = _JSON_STRING.match(self.text, self.i)
        if match is None:
            raise _JsonError("bad string", self.i)
        self.i = match.end()
        raw = match.group()
        # Without an escape the text between the quotes is the value (most strings).
        value = json.loads(raw) if "\\" in raw else raw[1:-1]
        return self.scalar_node(STR, value, _mark(match.start()), _mark(match.end()),
                                style="json")

    def peek(self) -> str:
        char = self.text[self.i:self.i + 1]
        if char and char in " \t\r\n":
            self.i = _JSON_WS.match(self.text, self.i).end()  # type: ignore[union-attr]
            char = self.text[self.i:self.i + 1]
        return char

    def expect(self, ch: str) -> None:
        if self.peek() != ch:
            raise _JsonError(f"expected {ch!r}", self.i)
        self.i += 1


# --- atoms (§3) --------------------------------------------------------------------------

_BREAK = re.compile(r"\r\n|\r|\n")
_FOLD = re.compile(r"[ \t]*(?:(?:\r\n|\r|\n)[ \t]*)+")
_BLANKS = re.compile(r"[ \t]*")
_XBREAK = re.compile(r"\\(?:\r\n|\r|\n)[ \t]*(?:(?:\r\n|\r|\n)[ \t]*)*")
# Characters that are their own value, with the blanks between them (blanks are content
# unless a line break follows them).
_RUNS = {
    "plain": re.compile(r"(?:[^ \t\r\n]+|[ \t]+(?=[^ \t\r\n]))+"),
    "'": re.compile(r"(?:[^ \t\r\n']+|[ \t]+(?=[^ \t\r\n]))+"),
    '"': re.compile(r'(?:[^ \t\r\n"\\]+|[ \t]+(?=[^ \t\r\n]))+'),
    "json": re.compile(r'[^"\\]+'),
}
_YAML_ESCAPES = {
    "0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v", "f": "\f",
    "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85",
    "_": "\xa0", "L": "\u2028", "P": "\u2029",
}
_JSON_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r",
                 "t": "\t"}
_HEX = {"x": 2, "u": 4, "U": 8}
_JSON_PAIR = re.compile(r"\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})")


def _breaks(fold: str) -> int:
    return len(_BREAK.findall(fold))


def _flow_atoms(text: str, i: int, end: int, style: str) -> list[Atom] | None:
    """Atoms of a plain, quoted or JSON string body between `i` and `end` (§3 rule 1)."""
    atoms: list[Atom] = []
    run = _RUNS[style]
    while i < end:
        match = run.match(text, i, end)
        if match:
            atoms.append(Atom(i, match.end(), match.group(), RUN))
            i = match.end()
            continue
        ch = text[i]
        if style == "json":
            atom = _json_escape_atom(text, i, end)
        elif ch in " \t\r\n":
            blanks = _BLANKS.match(text, i, end).end()  # type: ignore[union-attr]
            if blanks < end and text[blanks] in "\r\n":
                fold = _FOLD.match(text, i, end).end()  # type: ignore[union-attr]
                count = _breaks(text[i:fold])
                atom = Atom(i, fold, " " if count == 1 else "\n" * (count - 1), FOLD)
            else:
                atom = Atom(i, blanks, text[i:blanks], RUN)
        elif style == "'" and text.startswith("''", i, end):
            atom = Atom(i, i + 2, "'", ESC)
        elif style == '"' and ch == "\\":
            atom = _yaml_escape_atom(text, i, end)
        else:
            return None
        if atom is None:
            return None
        atoms.append(atom)
        i = atom.e
    return atoms


def _yaml_escape_atom(text: str, i: int, end: int) -> Atom | None:
    xbreak = _XBREAK.match(text, i, end)
    if xbreak:
        # `\` + break joins the lines with nothing; each empty line after it is a "\n" (§2).
        return Atom(i, xbreak.end(), "\n" * (_breaks(xbreak.group()) - 1), XBREAK)
    code = text[i + 1:i + 2]
    if code in _YAML_ESCAPES:
        return Atom(i, i + 2, _YAML_ESCAPES[code], ESC)
    digits = _HEX.get(code, 0)
    hexa = text[i + 2:i + 2 + digits]
    if not digits or len(hexa) != digits or not all(c in "0123456789abcdefABCDEF" for c in hexa):
        return None
    value = int(hexa, 16)
    if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF:
        return None
    return Atom(i, i + 2 + digits, chr(value), ESC)


def _json_escape_atom(text: str, i: int, end: int) -> Atom | None:
    pair = _JSON_PAIR.match(text, i, end)
    if pair:  # a surrogate pair is one code point, as json.loads decodes it
        high, low = int(pair.group(1), 16), int(pair.group(2), 16)
        return Atom(i, pair.end(), chr(0x10000 + (high - 0xD800) * 0x400 + low - 0xDC00), ESC)
    code = text[i + 1:i + 2]
    if code in _JSON_ESCAPES:
        return Atom(i, i + 2, _JSON_ESCAPES[code], ESC)
    hexa = text[i + 2:i + 6]
    if code == "u" and len(hexa) == 4 and all(c in "0123456789abcdefABCDEF" for c in hexa):
        return Atom(i, i + 6, chr(int(hexa, 16)), ESC)
    return None


_HEADER = re.compile(r"([|>])(?:([1-9])([+-]?)|([+-])([1-9]?))?[ \t]*(?:#[^\r\n]*)?"
                     r"(\r\n|\r|\n|$)")
_LINE = re.compile(r"( *)([^\r\n]*)(\r\n|\r|\n|)")


@dataclass(frozen=True, slots=True)
class _Line:
    start: int  # first character of the line
    spaces: int  # leading spaces
    brk: int  # where the line break starts (or the end)
    next: int  # start of the next line

    def content_start(self, n: int) -> int:
        return self.start + min(self.spaces, n)


@dataclass(frozen=True, slots=True)
class _Block:
    folded: bool
    chomp: str  # "", "+" or "-"
    n: int  # content indentation
    eol: str  # the header's line break, to write new lines the way the file does
    lines: tuple[_Line, ...]
    content: tuple[int, ...]  # indexes of the content lines


def _block(text: str, i: int, end: int, parent: int) -> _Block | None:
    header = _HEADER.match(text, _skip_properties(text, i), end)
    if header is None:
        return None
    digit = header.group(2) or header.group(5)
    chomp = header.group(3) or header.group(4) or ""
    lines: list[_Line] = []
    pos = header.end()
    while pos < end:
        match = _LINE.match(text, pos, end)
        assert match is not None  # the pattern matches the empty string
        spaces, rest = len(match.group(1)), match.group(2)
        lines.append(_Line(pos, spaces, pos + spaces + len(rest), match.end()))
        pos = match.end()
        if not match.group(3):
            break
    if digit:  # libyaml: the enclosing block's indentation + the digit (§2)
        n = max(parent, 0) + int(digit)
    else:  # libyaml: the widest leading empty line or the first content line, at least parent+1
        widest = 0
        for line in lines:
            widest = max(widest, line.spaces)
            if text.startswith("\t", line.start + line.spaces):
                return None  # libyaml: a tab where the indentation is still being detected
            if line.brk > line.start + line.spaces:
                break
        n = max(widest, parent + 1, 1)
    content = []
    for j, line in enumerate(lines):
        if line.spaces > n or line.brk > line.start + line.spaces:
            if line.spaces < n:
                return None  # a less indented line cannot be inside the scalar
            content.append(j)
    return _Block(header.group(1) == ">", chomp, n, header.group(6) or "\n", tuple(lines),
                  tuple(content))


def _block_atoms(text: str, block: _Block, end: int) -> list[Atom]:
    """Atoms of a `|` or `>` scalar (§3 rule 2)."""
    lines, n, content = block.lines, block.n, block.content

    def cs(j: int) -> int:
        return lines[j].content_start(n) if j < len(lines) else end

    if not content:
        keep = block.chomp == "+"
        return [Atom(line.brk, cs(j + 1), "\n", FINAL) for j, line in enumerate(lines)
                if keep and line.next > line.brk]
    atoms = [Atom(lines[j].brk, cs(j + 1), "\n", FOLD) for j in range(content[0])]
    previous = -1
    for j in content:
        if previous >= 0:
            if block.folded:
                atoms.append(_folded_break(text, lines, previous, j, n))
            else:  # literal: each break is its own "\n", with the next line's indentation
                atoms += [Atom(lines[t].brk, cs(t + 1), "\n", FOLD) for t in range(previous, j)]
        atoms.append(Atom(cs(j), lines[j].brk, text[cs(j):lines[j].brk], RUN))
        previous = j
    last = content[-1]
    if lines[last].next == lines[last].brk or block.chomp == "-":
        return atoms  # no final break (end of file), or strip: the breaks give nothing
    if block.chomp == "":
        atoms.append(Atom(lines[last].brk, end, "\n", FINAL))
    else:
        atoms += [Atom(lines[t].brk, cs(t + 1), "\n", FINAL) for t in range(last, len(lines))
                  if lines[t].next > lines[t].brk]
    return atoms


def _folded_break(text: str, lines: tuple[_Line, ...], i: int, j: int, n: int) -> Atom:
    # libyaml: a break between two normal lines is a space, or nothing when empty lines follow
    # (each gives "\n"); next to a more-indented line (blank at column n) every break is kept.
    empty = j - i - 1
    normal = text[lines[i].start + n] not in " \t" and text[lines[j].start + n] not in " \t"
    value = (" " if not empty else "\n" * empty) if normal else "\n" * (empty + 1)
    return Atom(lines[i].brk, lines[j].content_start(n), value, FOLD)


def _atoms(text: str, start: int, end: int, style: str, parent: int) -> list[Atom] | None:
    """Atoms of the scalar whose source is text[start:end] (start at its tag, if any)."""
    i = _skip_properties(text, start)
    if style in ("|", ">"):
        block = _block(text, start, end, parent)
        return None if block is None else _block_atoms(text, block, end)
    if style == "plain":
        return _flow_atoms(text, i, end, style)
    if end - i < 2 or text[i] != text[end - 1] or text[i] not in "'\"":
        return None
    return _flow_atoms(text, i + 1, end - 1, style)


# --- the position map --------------------------------------------------------------------

def value_map(scalar: Scalar) -> PositionMap:
    """The §3 position map of a scalar, checked against the parser's value."""
    text, start, end = scalar.doc.text, scalar.node.start_mark.index, scalar.end
    block = None
    if scalar.style in ("|", ">"):
        block = _block(text, start, end, scalar.parent)
        atoms = None if block is None else _block_atoms(text, block, end)
    else:
        atoms = _atoms(text, start, end, scalar.style, scalar.parent)
    ok = atoms is not None and "".join(a.value for a in atoms) == scalar.value
    atoms = atoms if ok and atoms is not None else []
    starts, pos = [], 0
    for atom in atoms:
        starts.append(pos)
        pos += len(atom.value)
    return PositionMap(scalar, tuple(atoms), tuple(starts), ok, block)


@dataclass(frozen=True, eq=False)
class PositionMap:
    scalar: Scalar
    atoms: tuple[Atom, ...]
    starts: tuple[int, ...]  # value index of each atom's first character
    ok: bool  # the §3 check held; when False, positions fall back to the scalar's start
    block: _Block | None = field(repr=False)

    @property
    def value(self) -> str:
        return self.scalar.value

    def atom_at(self, k: int) -> Atom:
        """The atom that writes value character k."""
        return self.atoms[self._atom(k)]

    def source_index(self, k: int) -> int:
        """Index in the document text where value character k is written."""
        i = self._atom(k)
        atom = self.atoms[i]
        return atom.s + k - self.starts[i] if atom.kind == RUN else atom.s

    def source_span(self, a: int, b: int) -> tuple[int, int]:
        """Document-text span [S, E) of the atoms that write value[a:b]."""
        i = self._atom(b - 1)
        atom = self.atoms[i]
        end = atom.s + b - self.starts[i] if atom.kind == RUN else atom.e
        return self.source_index(a), end

    def line_col(self, k: int) -> tuple[int, int]:
        """1-based line and column (code points) of value character k in the file."""
        if not 0 <= k < len(self.value):
            raise IndexError(f"character {k} of a value of {len(self.value)}")
        return self.scalar.doc.line_col(self.source_index(k) if self.ok else self.scalar.start)

    def masked(self, a: int, b: int, placeholder: str) -> str:
        """What value[a:b] becomes under splice_mask: content characters replaced, fold
        characters (and the leading blanks of a more-indented `>` line) kept."""
        self._require(a, b)
        outer = self.scalar.doc.outer
        if outer is not None and self._runs_only(a, b):
            return outer.masked(*self.source_span(a, b), placeholder)
        return self._mask_plan(a, b, placeholder)[3]

    def splice_mask(self, a: int, b: int, placeholder: str) -> Edit:
        """Replace each content character of value[a:b] by `placeholder`, keeping every line
        break and fold where it is (§4, same-shape mask)."""
        outer = self.scalar.doc.outer
        if outer is not None:
            return self._nested_mask(outer, a, b, placeholder)
        start, end, piece, masked = self._mask_plan(a, b, placeholder)
        return self._finish(start, end, piece, a, b, masked)

    def splice_replace(self, a: int, b: int, replacement: str) -> Edit:
        """Replace value[a:b] by `replacement` (§4): folds inside the range are deleted (lines
        join), the text is escaped for the scalar's style, a plain scalar whose type would
        change is single-quoted (§5). Raises SpanError when no splice gives exactly
        value[:a] + replacement + value[b:]."""
        start, end, piece = self._replace_plan(a, b, replacement)
        return self._finish(start, end, piece, a, b, replacement)

    # -- internals --

    def _atom(self, k: int) -> int:
        # bisect_right skips the empty atoms (escaped breaks) that share a start with k's atom
        return bisect_right(self.starts, k) - 1

    def _require(self, a: int, b: int) -> None:
        if not self.ok:
            raise SpanError("no position map: the scalar's source does not give its value")
        if not 0 <= a < b <= len(self.value):
            raise SpanError(f"bad range [{a}, {b}) for a value of {len(self.value)} characters")
        if self.scalar.doc.kind == "json" and self.scalar.style != "json":
            raise SpanError("only JSON strings can be spliced, not numbers or literals")

    def _mask_plan(self, a: int, b: int, ph: str) -> tuple[int, int, str, str]:
        self._require(a, b)
        if len(ph) != 1 or ph in " \t\r\n\x85\u2028\u2029":
            raise SpanError("the placeholder must be one character, not a blank or break")
        style, text = self.scalar.style, self.scalar.doc.text
        written = _escape(ph, style)
        start = pos = self.source_index(a)
        piece: list[str] = []
        masked: list[str] = []
        for i in range(self._atom(a), self._atom(b - 1) + 1):
            atom, first = self.atoms[i], self.starts[i]
            lo, hi = max(a, first) - first, min(b, first + len(atom.value)) - first
            if atom.kind == RUN:
                chunk = atom.value[lo:hi]
                # §7: a `>` line that starts with a blank is more-indented; masking its blanks
                # would turn the breaks around the line into spaces. Mask from the first
                # non-blank character.
                keep = len(chunk) - len(chunk.lstrip(" \t")) if style == ">" and lo == 0 else 0
                piece += [text[pos:atom.s + lo], chunk[:keep], written * (len(chunk) - keep)]
                masked += [chunk[:keep], ph * (len(chunk) - keep)]
                pos = atom.s + hi
            elif atom.kind == ESC:
                piece += [text[pos:atom.s], written]
                masked.append(ph)
                pos = atom.e
            else:  # folds, escaped and final breaks stay as they are
                piece.append(text[pos:atom.e])
                masked.append(atom.value[lo:hi])
                pos = atom.e
        return start, pos, "".join(piece), "".join(masked)

    def _nested_mask(self, outer: PositionMap, a: int, b: int, ph: str) -> Edit:
        self._require(a, b)
        if _escape(ph, "json") != ph:
            raise SpanError(f"the placeholder {ph!r} needs escaping in JSON")
        start, end = self.source_span(a, b)
        if self._runs_only(a, b):  # the same characters one layer out: mask them there
            return outer.splice_mask(start, end, ph)
        # JSON escapes shrink to one placeholder each: a different-length edit one layer out.
        return outer.splice_replace(start, end, ph * (b - a))

    def _runs_only(self, a: int, b: int) -> bool:
        return all(self.atoms[i].kind == RUN for i in range(self._atom(a), self._atom(b - 1) + 1))

    def _replace_plan(self, a: int, b: int, new: str) -> tuple[int, int, str]:
        self._require(a, b)
        text, atoms, starts = self.scalar.doc.text, self.atoms, self.starts
        fi, li = self._atom(a), self._atom(b - 1)
        if any(atoms[i].kind == FINAL for i in range(fi, li + 1)):
            raise SpanError("the range covers the block scalar's final line break, which "
                            "cannot be deleted (§4): end the range before it")
        start, end = self.source_span(a, b)
        left = right = ""
        first, last = atoms[fi], atoms[li]
        starts_inside = first.kind in (FOLD, XBREAK) and a > starts[fi]
        ends_inside = last.kind in (FOLD, XBREAK) and b < starts[li] + len(last.value)
        if fi == li and (starts_inside or ends_inside):
            raise SpanError("the range lies inside one line fold: it is whitespace only")
        if starts_inside:  # keep the fold, minus one empty line per newline covered
            left = _drop_empty_lines(text[first.s:first.e], starts[fi] + len(first.value) - a)
        if ends_inside:
            right = _drop_empty_lines(text[last.s:last.e], b - starts[li])
        body = _escape(new, self.scalar.style)
        if self.block is not None:
            body = self._indent(start, left, body + right, end) + body
        elif self.scalar.style != "json":  # a JSON string has no line breaks
            body = self._line_edges(start, left, body, right, end)
        return start, end, left + body + right

    def _indent(self, start: int, left: str, following: str, end: int) -> str:
        # §4: text that would begin a line of a block scalar must be indented to its column n.
        doc, n = self.scalar.doc, self.block.n if self.block else 0
        prefix = doc.text[doc.line_start(start):start]
        rest = following + doc.text[end:end + 1]
        if left or prefix.strip(" ") or len(prefix) >= n or rest[:1] in ("", "\r", "\n"):
            return ""
        return " " * (n - len(prefix))

    def _line_edges(self, start: int, left: str, body: str, right: str, end: int) -> str:
        # §4: a blank at the start or end of a line is folded away in plain and quoted
        # scalars; double quotes can write it as an escape, the others cannot keep it.
        if not body:
            return body
        doc, style = self.scalar.doc, self.scalar.style
        before = doc.text[doc.line_start(start):start] + left
        at_start = not before[max(before.rfind("\n"), before.rfind("\r")) + 1:].strip(" \t")
        at_end = bool(right) or bool(_LINE_END.match(doc.text, end))
        head, tail = body[0] in " \t" and at_start, body[-1] in " \t" and at_end
        if not (head or tail):
            return body
        if style != '"':
            raise SpanError("a blank at the start or end of a line would be folded away in a "
                            f"{_STYLE_NAMES[style]} scalar")
        chars = list(body)
        for i in ([0] if head else []) + ([len(chars) - 1] if tail else []):
            chars[i] = _BLANK_ESCAPES.get(chars[i], chars[i])
        return "".join(chars)

    def _finish(self, start: int, end: int, piece: str, a: int, b: int, new: str) -> Edit:
        scalar, style = self.scalar, self.scalar.style
        expected = self.value[:a] + new + self.value[b:]
        if style == "plain":
            problem = _plain_problem(expected, a, a + len(new), scalar.flow)
            old_tags = None if scalar.explicit_tag else _tags(scalar.value)
            if old_tags and not problem and _tags(expected) != old_tags:
                problem = (f"the plain value would change type ({_short(old_tags[0])} -> "
                           f"{_short(_tags(expected)[0])})")
            if problem:
                if old_tags and set(old_tags) != {STR}:
                    raise SpanError(f"{problem}; quoting would make it a string (§5)")
                # §5: quote the whole scalar in the same edit; plain and '…' fold alike.
                text = scalar.doc.text
                inner = text[scalar.start:start] + piece + text[end:scalar.end]
                start, end, piece, style = scalar.start, scalar.end, _quote(inner), "'"
        self._self_check(start, end, piece, expected, style)
        return self._emit(start, end, piece)

    def _self_check(self, start: int, end: int, piece: str, expected: str, style: str) -> None:
        # Re-read the edited scalar with the same model that passed the §3 check: any blank
        # folded away, line joined with a more-indented one or indentation change shows here.
        scalar = self.scalar
        text, origin = scalar.doc.text, scalar.node.start_mark.index
        segment = text[origin:start] + piece + text[end:scalar.end]
        if _DOCUMENT_MARKER.search(segment):
            # Flow scalars written at the top level continue at column 0 (PyYAML's flow style).
            raise SpanError("the edit would put '---' or '...' at the start of a line, where "
                            "it ends the YAML document")
        atoms = _atoms(segment, 0, len(segment), style, scalar.parent)
        if atoms is None or "".join(a.value for a in atoms) != expected:
            raise SpanError("this splice would change the value beyond the range (a blank at a "
                            "line edge, joined or emptied lines, or a changed indentation)")

    def _emit(self, start: int, end: int, piece: str) -> Edit:
        doc = self.scalar.doc
        if doc.outer is not None:  # the JSON text is the outer scalar's value
            return doc.outer.splice_replace(start, end, piece)
        return Edit(doc.byte_offset(start), doc.byte_offset(end), piece.encode("utf-8"))


_STYLE_NAMES = {"plain": "plain", "'": "single-quoted", '"': "double-quoted", "|": "literal",
                ">": "folded", "json": "JSON string"}
_BLANK_ESCAPES = {" ": "\\ ", "\t": "\\t"}
_LINE_END = re.compile(r"[ \t]*(?:\r\n|\r|\n)")
_DOCUMENT_MARKER = re.compile(r"[\r\n](?:---|\.\.\.)(?![^ \t\r\n])")
# YAML's printable set (PyYAML's reader), minus the line breaks: what may stand raw in a
# plain, single-quoted or block scalar.
_UNWRITABLE = re.compile("[^\t\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_DOUBLE_ESCAPES = {"\\": "\\\\", '"': '\\"', "\0": "\\0", "\a": "\\a", "\b": "\\b", "\n": "\\n",
                   "\v": "\\v", "\f": "\\f", "\r": "\\r", "\x1b": "\\e", "\x85": "\\N",
                   "\u2028": "\\L", "\u2029": "\\P", "\ufeff": "\\uFEFF"}


def _escape(text: str, style: str) -> str:
    """`text` written for a scalar of `style` (§4, what R may contain)."""
    if style == "json":
        dumped = json.dumps(text, ensure_ascii=False)[1:-1]
        return re.sub("[\ud800-\udfff]", lambda m: f"\\u{ord(m.group()):04x}", dumped)
    if re.search("[\ud800-\udfff]", text):
        raise SpanError("a lone surrogate cannot be written in YAML")
    if style == '"':
        return "".join(_DOUBLE_ESCAPES.get(c) or (
            c if not _UNWRITABLE.match(c) else f"\\x{ord(c):02x}" if ord(c) < 0x100
            else f"\\u{ord(c):04x}") for c in text)
    bad = _UNWRITABLE.search(text)
    if bad:
        raise SpanError(f"{bad.group()!r} cannot be written in a {_STYLE_NAMES[style]} scalar")
    return text.replace("'", "''") if style == "'" else text


def _short(tag: str) -> str:
    return tag.replace("tag:yaml.org,2002:", "!!")


def _quote(plain_source: str) -> str:
    return "'" + plain_source.replace("'", "''") + "'"


def _drop_empty_lines(fold: str, count: int) -> str:
    """The fold's source without `count` of the empty lines after its first break."""
    breaks = list(_BREAK.finditer(fold))
    return fold[:breaks[0].end()] + fold[breaks[count].end():]


_PLAIN_ENDERS = re.compile(r":[ \t\n]|[ \t\n]#")


def _plain_problem(value: str, lo: int, hi: int, flow: bool) -> str | None:
    """Why `value` cannot stand as a plain scalar after value[lo:hi] was rewritten (§4)."""
    if not value:
        return "an empty plain scalar reads as null"
    if value[0] in " \t\n" or value[-1] in " \t\n":
        return "a plain scalar cannot start or end with a blank"
    first, second = value[0], value[1:2]
    if lo <= 1 and (first in "!&*|>'\"%@`#,[]{}" or first in "-?:" and (
            second in ("", " ", "\t", "\n") or flow and second in ",[]{}")):
        return f"a plain scalar cannot start with {first!r}"
    if _PLAIN_ENDERS.search(value[max(lo - 1, 0):hi + 1]) or value.endswith(":"):
        return "': ' or ' #' would end the plain scalar"
    if flow and set(value[lo:hi]) & set(",[]{}:"):
        return "',[]{}:' cannot stand in a plain scalar inside a flow collection"
    return None


@cache
def _resolvers() -> tuple[Any, ...]:
    from ruamel.yaml.resolver import VersionedResolver

    return VersionedResolver(version=(1, 1)), VersionedResolver(version=(1, 2))


def _tags(value: str) -> tuple[str, str]:
    """The tags a plain `value` resolves to under YAML 1.1 (PyYAML, Psych, go-yaml v2) and
    1.2 (ruamel): a splice must keep both (§5)."""
    from ruamel.yaml.nodes import ScalarNode

    v11, v12 = (str(r.resolve(ScalarNode, value, (True, False))) for r in _resolvers())
    return v11, v12


# --- binary blocks and checks ------------------------------------------------------------

def rewrite_binary(scalar: Scalar, data: bytes, width: int | None = None) -> Edit:
    """Replace the base64 text of a `!!binary |` / `!binary |-` block by `data`, keeping the
    header, chomping, indentation and line endings (§6). Lines are `width` characters long;
    by default as long as the block's first line when it has several (go-vcr 70, VCR.py 76),
    else one line (Psych)."""
    if scalar.doc.outer is not None or scalar.style != "|":
        raise SpanError("not a literal block scalar in a file")
    text = scalar.doc.text
    block = _block(text, scalar.node.start_mark.index, scalar.end, scalar.parent)
    if block is None or not block.content:
        raise SpanError("the block has no base64 lines to replace")
    lines, n = block.lines, block.n
    first, last = lines[block.content[0]], lines[block.content[-1]]
    if width is None and len(block.content) > 1:
        width = first.brk - first.content_start(n)
    encoded = base64.b64encode(data).decode("ascii")
    step = width or len(encoded) or 1
    chunks = [encoded[i:i + step] for i in range(0, len(encoded), step)]
    piece = block.eol.join(" " * n + chunk for chunk in chunks)
    segment = text[scalar.node.start_mark.index:first.start] + piece + text[last.brk:scalar.end]
    new = _block(segment, 0, len(segment), scalar.parent)
    value = "".join(a.value for a in _block_atoms(segment, new, len(segment))) if new else None
    if value is None or base64.b64decode("".join(value.split())) != data:
        raise SpanError("the rewritten block does not read back as the new bytes")
    return Edit(scalar.doc.byte_offset(first.start), scalar.doc.byte_offset(last.brk),
                piece.encode("ascii"))


def changed_scalars(old: Document, new: Document) -> list[tuple[Scalar, Scalar]]:
    """The scalars whose value or tag differ between two versions of a file, in order.
    Raises SpanError when the structure changed (other scalars, other nesting)."""
    before, after = list(old.scalars()), list(new.scalars())
    if [(s.key, len(s.path)) for s in before] != [(s.key, len(s.path)) for s in after]:
        raise SpanError("the edit changed the document's structure")
    return [(x, y) for x, y in zip(before, after, strict=True)
            if (x.value, x.tag) != (y.value, y.tag)]
