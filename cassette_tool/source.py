"""Read a file once, turn its text into plain data, and undo body encodings.

Owns: file reading, YAML and JSON parsing (safe: no tag ever constructs an object), and
decoding of stored bodies (base64, gzip, brotli, deflate). Knows nothing of cassette
formats or LLM APIs.
"""

from __future__ import annotations

import base64
import binascii
import gc
import json
import re
import zlib
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import orjson

from .errors import CassetteError


@dataclass(frozen=True, slots=True)
class Source:
    path: str
    data: bytes

    @property
    def text(self) -> str:
        return self.data.decode("utf-8", errors="replace")


def read_source(path: str | Path) -> Source:
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except IsADirectoryError:
        raise CassetteError("is a directory", name) from None
    except FileNotFoundError:
        raise CassetteError("no such file", name) from None
    except OSError as exc:
        raise CassetteError(f"cannot read: {exc.strerror or exc}", name) from exc
    return Source(name, data)


@cache
def _loader() -> Any:
    """A YAML loader for YAML's safe data types only, on libyaml. Tags that would build an
    object (`!!python/object:…`, `!ruby/object:…`) are refused: a cassette is untrusted input
    and must never run code.

    PyYAML's C loader, not ruamel's: it reads cassettes 2.5 times as fast (ruamel's composer
    and resolver run in Python), and its YAML 1.1 rules for plain scalars are those of the
    recorders that write cassettes (PyYAML, Psych, go-yaml). Positions for findings and
    byte-exact splices come from this loader's composer in `spans`, only when needed."""
    import yaml
    from yaml.constructor import SafeConstructor

    base = getattr(yaml, "CSafeLoader", None)
    if base is None:
        warn_pure_python("PyYAML")
        base = yaml.SafeLoader

    resolved: dict[str, str] = {}  # plain scalar -> tag: cassettes repeat their values

    class Loader(base):  # type: ignore[misc,valid-type]
        may_alias = True
        resolved_plain = resolved

        def resolve(self, kind: Any, value: str, implicit: tuple[bool, bool]) -> Any:
            if kind is not yaml.ScalarNode or not implicit[0]:
                return super().resolve(kind, value, implicit)
            tag = resolved.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(value) < 64 and len(resolved) < 65536:
                    resolved[value] = tag
            return tag

        def construct_document(self, node: Any) -> Any:
            # Before anything is built: see MAX_DEPTH. Without anchors the nodes form a tree
            # and only their depth needs a look, at a fifth of the cost.
            (_check_graph if self.may_alias else _check_depth)(node)
            try:
                return _Builder(self, self.may_alias).build(node)
            except _Unusual:  # merge keys, !!set, !!omap, an unhashable key: PyYAML's way
                return super().construct_document(node)

    # Ruby's Psych writes binary bodies with the local tag `!binary` (VCR.py: `!!binary`).
    Loader.add_constructor("!binary", _binary)
    Loader.add_constructor("tag:yaml.org,2002:binary", _binary)
    # Python 2 VCR.py cassettes tag plain strings `!!python/unicode` and `!!python/str`.
    for tag in ("python/unicode", "python/str", "value"):
        Loader.add_constructor(f"tag:yaml.org,2002:{tag}", SafeConstructor.construct_yaml_str)
    # Bodies are JSON data: an unquoted date stays the text it was, not a datetime.
    Loader.add_constructor("tag:yaml.org,2002:timestamp", SafeConstructor.construct_yaml_str)
    Loader.add_constructor(None, _refuse)
    return Loader


class _Unusual(Exception):
    """A node the fast builder leaves to PyYAML's constructor."""


_YAML = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (_YAML + t for t in ("str", "int", "float", "bool", "null"))
_MAP, _SEQ, _MERGE = _YAML + "map", _YAML + "seq", _YAML + "merge"


class _Builder:
    """Plain data from composed nodes, as PyYAML's safe constructor builds it, at twice its
    speed: one direct walk (the depth is bounded before), no generators or bookkeeping, and
    the common plain scalars (decimal integers, floats, booleans, null) converted in place.
    Every other tag goes to the loader's own constructors, so refused tags stay refused."""

    def __init__(self, loader: Any, may_alias: bool) -> None:
        self.loader = loader
        self.constructors = loader.yaml_constructors
        self.memo: dict[int, Any] | None = {} if may_alias else None

    def build(self, node: Any) -> Any:
        memo = self.memo
        if memo is not None and id(node) in memo:
            return memo[id(node)]  # an alias: the same object, as PyYAML gives
        kind = node.id
        if kind == "scalar":
            value = self.scalar(node)
        elif kind == "mapping":
            if node.tag != _MAP:
                raise _Unusual
            value = {}
            for key_node, value_node in node.value:
                if key_node.tag == _MERGE:
                    raise _Unusual
                key = self.build(key_node)
                try:
                    value[key] = self.build(value_node)
                except TypeError:  # unhashable: PyYAML says where
                    raise _Unusual from None
        elif kind == "sequence":
            if node.tag != _SEQ:
                raise _Unusual
            value = [self.build(item) for item in node.value]
        else:
            raise _Unusual
        if memo is not None:
            memo[id(node)] = value
        return value

    def scalar(self, node: Any) -> Any:
        return self.convert(node.tag, node.value, node)

    def convert(self, tag: str, text: str, origin: Any) -> Any:
        """The value of a scalar, from its node or its parser event (`origin`)."""
        if tag == _STR:
            return text
        if tag == _INT and text.lstrip("-").isdigit() and text[text[:1] == "-":][:1] != "0":
            return int(text)  # decimal without a leading zero (YAML 1.1 reads 012 as octal)
        if tag == _NULL:
            return None
        if tag == _BOOL:
            return self.loader.bool_values[text.lower()]
        if tag == _FLOAT and ":" not in text and "." in text and "inf" not in text.lower() \
                and "nan" not in text.lower():
            return float(text)
        constructor = self.constructors.get(tag) or self.constructors[None]
        if not hasattr(origin, "id"):  # an event: PyYAML's constructors take a node
            import yaml

            origin = yaml.ScalarNode(tag, text, origin.start_mark, origin.end_mark,
                                     style=origin.style)
        return constructor(self.loader, origin)


class _EventReader:
    """Plain data straight from the parser's events, without composing nodes first: half
    the time of composing and walking, and no tree of nodes beside the data (on 20,000
    interactions the nodes take 16 times the file's size). For documents without anchors;
    an alias, a merge key, a tag on a collection or an unhashable key raises `_Unusual`,
    and the caller reads the file the composing way."""

    def __init__(self, loader: Any) -> None:
        import yaml

        self.loader, self.yaml = loader, yaml
        self.get_event, self.peek_event = loader.get_event, loader.peek_event
        self.convert = _Builder(loader, False).convert

    def close(self) -> None:
        """Let go of the parser and the text it reads."""
        self.loader.dispose()
        del self.loader, self.convert, self.get_event, self.peek_event

    def document(self) -> Any:
        """The one document of the stream (None for an empty stream)."""
        first = self.start_document()
        if first is None:
            return None
        root = self.value(first)
        self.end_document()
        return root

    def start_document(self) -> Any:
        """The first event of the document's content (None for an empty stream)."""
        yaml, get_event = self.yaml, self.get_event
        while not isinstance(self.peek_event(), (yaml.DocumentStartEvent, yaml.StreamEndEvent)):
            get_event()  # the stream's start
        return None if isinstance(get_event(), yaml.StreamEndEvent) else get_event()

    def end_document(self) -> None:
        self.get_event()  # the document's end
        following = self.peek_event()
        if not isinstance(following, self.yaml.StreamEndEvent):  # PyYAML's words
            raise self.yaml.composer.ComposerError(
                "expected a single document in the stream", None, "but found another document",
                following.start_mark)

    def value(self, event: Any, depth: int = 0) -> Any:
        """The value that starts with `event` (a scalar, or a collection's start) inside
        `depth` enclosing collections."""
        yaml, loader = self.yaml, self.loader
        convert, resolve, resolved_tag = self.convert, loader.resolve, loader.resolved_plain.get
        scalar_node, get_event = yaml.ScalarNode, self.get_event
        scalar_event, alias_event = yaml.ScalarEvent, yaml.AliasEvent
        mapping_start, sequence_start = yaml.MappingStartEvent, yaml.SequenceStartEvent
        mapping_end, sequence_end = yaml.MappingEndEvent, yaml.SequenceEndEvent
        no_key = _NO_KEY

        stack: list[tuple[Any, Any]] = []  # enclosing (container, pending key) pairs
        container: Any = None
        key: Any = no_key
        limit = MAX_DEPTH - depth
        while True:
            kind = event.__class__
            if kind is scalar_event:
                if event.anchor is not None:
                    raise _Unusual
                tag, value = event.tag, event.value
                if tag is None or tag == "!":  # untagged: plain scalars are resolved, others str
                    tag = (resolved_tag(value) or resolve(scalar_node, value, event.implicit)
                           ) if event.implicit[0] else _STR
                if tag != _STR:
                    if key is no_key and tag == _MERGE and container.__class__ is dict:
                        raise _Unusual
                    value = convert(tag, value, event)
            elif kind is mapping_start or kind is sequence_start:
                if event.anchor is not None or event.tag not in (
                        None, "!", _MAP if kind is mapping_start else _SEQ):
                    raise _Unusual
                if len(stack) >= limit:
                    raise _refused(event, f"it nests deeper than {MAX_DEPTH} levels")
                stack.append((container, key))
                container, key = ({} if kind is mapping_start else []), no_key
                event = get_event()
                continue
            elif kind is mapping_end or kind is sequence_end:
                value = container
                container, key = stack.pop()
            elif kind is alias_event:
                raise _Unusual
            else:  # a document that ends early: PyYAML's composer says why
                raise _Unusual
            if container is None:
                return value
            if container.__class__ is list:
                container.append(value)
            elif key is no_key:
                key = value
            else:
                try:
                    container[key] = value
                except TypeError:  # unhashable: PyYAML says where
                    raise _Unusual from None
                key = no_key
            event = get_event()


_NO_KEY = object()


@dataclass(frozen=True, slots=True)
class ListStream:
    """A YAML document whose top level is a mapping holding one long list (`key`), read an
    item at a time: `items` gives each item with the 1-based line its content starts on.
    `top` holds the other top-level keys: those written before the list at once, those
    after it once `items` is exhausted."""

    top: dict[Any, Any]
    key: str
    items: Generator[tuple[int, Any], None, None]


# Anything that the event reader leaves to PyYAML's composer (see _EventReader), found in
# the bytes: an anchor (`_may_have_anchors`), a tag other than the scalar tags recorders
# write, a merge key or a complex key. Reading item by item cannot go back to the composer
# once items have been handed out. Each starts at the start of the data, a line, a word or a
# flow item. One pattern per literal, each starting with it, and the character before it
# checked by a look-behind: re then jumps from one literal to the next (an alternation
# would try every space of a 50 MB file: 1.8 s, not 0.06 s).
_UNUSUAL_SYNTAX = (
    re.compile(rb"!(?<![^ \t\n\[{,]!)(?!!?binary[ \t\n]|!python/(?:unicode|str)[ \t\n]"
               rb"|!str[ \t\n])"),  # a tag
    re.compile(rb"<<(?<![^ \t\n\[{,]<<)[ \t]?:"),  # a merge key
    re.compile(rb"\?(?<![^ \t\n\[{,]\?)[ \t\n]"),  # a complex key
)


def stream_yaml(source: Source, keys: tuple[str, ...]) -> ListStream | None:
    """The file as a `ListStream` when its top level is a mapping whose list under one of
    `keys` can be read item by item, else None (read it whole with `parse_yaml`). Errors in
    the items are raised by `items` as `CassetteError`s, once reached."""
    import yaml

    data = source.data
    if _may_have_anchors(data) or any(pattern.search(data) for pattern in _UNUSUAL_SYNTAX):
        return None
    reader = _EventReader(_loader()(data))
    get_event, peek_event = reader.get_event, reader.peek_event
    try:
        _check_nesting(data, source.path)
        start = reader.start_document()
        if not isinstance(start, yaml.MappingStartEvent) or start.anchor is not None or \
                start.tag not in (None, "!", _MAP):
            reader.close()
            return None
        top: dict[Any, Any] = {}
        while not isinstance(peek_event(), yaml.MappingEndEvent):
            key = reader.value(get_event(), 1)
            following = peek_event()
            if key in keys and isinstance(following, yaml.SequenceStartEvent) and \
                    following.anchor is None and following.tag in (None, "!", _SEQ):
                get_event()
                return ListStream(top, key, _stream_items(reader, top, key, source.path))
            top[key] = reader.value(get_event(), 1)
    except _Unusual:
        pass
    except (yaml.YAMLError, ValueError, TypeError, RecursionError, CassetteError) as exc:
        reader.close()
        raise _yaml_error(exc, source.path) from exc
    reader.close()
    return None  # no list to stream (or something only the composer reads)


def _stream_items(reader: _EventReader, top: dict[Any, Any], key: str,
                  path: str) -> Generator[tuple[int, Any], None, None]:
    import yaml

    last: tuple[int, Any] | None = None
    try:
        while not isinstance(reader.peek_event(), yaml.SequenceEndEvent):
            event = reader.get_event()
            if last is not None:
                yield last
            last = event.start_mark.line + 1, reader.value(event, 2)
        reader.get_event()
        while not isinstance(reader.peek_event(), yaml.MappingEndEvent):
            name = reader.value(reader.get_event(), 1)
            if name == key:
                raise CassetteError(f"`{key}` appears twice at the top of the file")
            top[name] = reader.value(reader.get_event(), 1)
        reader.get_event()
        reader.end_document()
    except _Unusual:
        raise CassetteError("invalid YAML: an alias, a tag or a merge key that cannot be read "
                            "item by item", path) from None
    except (yaml.YAMLError, ValueError, TypeError, RecursionError, CassetteError) as exc:
        raise _yaml_error(exc, path) from exc
    finally:
        reader.close()
    # The parser (and with it the file's bytes) is gone before the last item is handed
    # out: a file of one long stream is not held twice while its reply is read.
    if last is not None:
        yield last


# A cassette is untrusted input, and YAML can describe far more data than its size: aliases
# repeat a node without copying it (nine levels of nine aliases are 9^9 strings, the "billion
# laughs"), and every consumer of the data (JSON output, the secret scan, the renderers) walks
# each repetition. Nesting is bounded too: libyaml's composer recurses in C (a crash past some
# tens of thousands of levels, unless libyaml stops at 1,000 itself, as 0.2.5 and later do),
# its scanner's time per token grows with the depth, and the JSON writers recurse (orjson
# refuses past 254 levels; the fallback through `plain_data` takes two Python frames a
# level). Real cassettes nest a few dozen levels and repeat little.
MAX_DEPTH = 200
MAX_ALIAS_NODES = 1_000_000  # nodes that aliases may add to the document, once expanded
# Fewer collection indicators than this cannot nest deep enough to reach libyaml's limits.
_CHEAP_INDICATORS = 5_000
_INDICATORS = (b"[", b"{", b"- ", b"-\n", b"-\t", b"? ", b"?\n", b"?\t")


_AMPERSAND = re.compile(rb"&\S")  # starts with a literal: scans at memchr speed


def _may_have_anchors(data: bytes) -> bool:
    """Whether an anchor may start somewhere (`&name` after a space, a flow indicator, or at
    the start): without one, no alias can follow and the document is a tree."""
    for match in _AMPERSAND.finditer(data):
        start = match.start()
        if start == 0 or data[start - 1] in b" \t\r\n[{,":
            return True
    return False


def _check_depth(root: Any) -> None:
    """Refuse a tree of nodes (no aliases) deeper than MAX_DEPTH; visits collections only."""
    stack: list[tuple[Any, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _refused(node, f"it nests deeper than {MAX_DEPTH} levels")
        if node.id == "mapping":
            for key, value in node.value:
                if value.id != "scalar":
                    stack.append((value, depth + 1))
                if key.id != "scalar":
                    stack.append((key, depth + 1))
        elif node.id == "sequence":
            stack.extend((item, depth + 1) for item in node.value if item.id != "scalar")


def _check_graph(root: Any) -> None:
    """Refuse a composed document that nests too deeply or repeats itself through aliases
    past MAX_ALIAS_NODES once expanded, or that contains itself (`&a [*a]`). One pass over
    the distinct nodes; sizes and heights are counted as if every alias were a copy."""
    expanded: dict[int, tuple[int, int]] = {}  # node id -> (node count, height), expanded
    open_nodes: set[int] = set()  # the current node's ancestors: meeting one again is a cycle
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        children = ([n for pair in node.value for n in pair] if node.id == "mapping"
                    else node.value if node.id == "sequence" else ())
        if done:
            open_nodes.discard(key)
            below = [expanded[id(child)] for child in children]
            size, height = 1 + sum(s for s, _ in below), 1 + max(h for _, h in below)
            if height > MAX_DEPTH:
                raise _refused(node, f"it nests deeper than {MAX_DEPTH} levels")
            if size - len(expanded) > MAX_ALIAS_NODES:
                raise _refused(node, f"its aliases expand to more than {MAX_ALIAS_NODES:,} "
                               "nodes (a \"billion laughs\" document)")
            expanded[key] = (size, height)
        elif key in open_nodes:
            raise _refused(node, "an alias refers to a node that contains it")
        elif key not in expanded:
            if children:
                open_nodes.add(key)
                stack.append((node, True))
                stack.extend((child, False) for child in children)
            else:
                expanded[key] = (1, 1)


@cache
def _libyaml_caps_nesting() -> bool:
    """Whether libyaml refuses nesting past 1,000 levels by itself (0.2.5 and later): asked
    of the library, not of its version string."""
    import yaml

    try:
        for _ in yaml.parse("[" * 1001, Loader=_loader()):
            pass
    except yaml.YAMLError as exc:
        return "nesting depth" in str(exc)
    return False


def _check_nesting(data: bytes, path: str) -> None:
    """Refuse deep nesting before a libyaml without its own limit composes it (see
    MAX_DEPTH); stops reading at the first level too many. With the limit, composing is
    safe and the composed tree is checked instead: this pass would read the file twice."""
    if _libyaml_caps_nesting():
        return
    if len(data) < _CHEAP_INDICATORS or sum(
            data.count(indicator) for indicator in _INDICATORS) < _CHEAP_INDICATORS:
        return
    import yaml

    depth = 0
    for event in yaml.parse(data, Loader=_loader()):
        kind = event.__class__
        if kind is yaml.SequenceStartEvent or kind is yaml.MappingStartEvent:
            depth += 1
            if depth > MAX_DEPTH:
                mark: Any = event.start_mark
                raise CassetteError(f"refusing the YAML document: it nests deeper than "
                                    f"{MAX_DEPTH} levels", path, mark.line + 1, mark.column + 1)
        elif kind is yaml.SequenceEndEvent or kind is yaml.MappingEndEvent:
            depth -= 1


def _refused(node: Any, why: str) -> CassetteError:
    mark = node.start_mark
    return CassetteError(f"refusing the YAML document: {why}", None, mark.line + 1,
                         mark.column + 1)


def _binary(constructor: Any, node: Any) -> bytes:
    from yaml.constructor import ConstructorError

    try:
        return decode_base64(constructor.construct_scalar(node))
    except ValueError as exc:
        raise ConstructorError(None, None, f"bad !!binary value: {exc}", node.start_mark) from exc


def _refuse(constructor: Any, node: Any) -> Any:
    tag = str(node.tag).replace("tag:yaml.org,2002:", "!!")
    mark = node.start_mark
    # Not a YAML error: the file is well-formed, we just will not build what it asks for.
    raise CassetteError(f"refusing the YAML tag {tag}: cassette never builds objects from a "
                        "file (only plain data and !!binary)", None, mark.line + 1, mark.column + 1)


def uses_c_parser() -> bool:
    """Whether YAML parsing runs on libyaml (the pure-Python parser is ~8x slower)."""
    return any(base.__name__ == "CParser" for base in _loader().__mro__)


def warn_pure_python(package: str) -> None:
    """Say once (per process and package) that YAML is read without libyaml: never slow down
    eight times without a word."""
    import warnings

    warnings.warn(f"{package} runs without its C parser (libyaml): reading YAML is about 8 "
                  f"times slower; reinstall {package} from a wheel", PureParserWarning,
                  stacklevel=3)


class PureParserWarning(RuntimeWarning):
    pass


@contextmanager
def gc_paused() -> Iterator[None]:
    """Building a large tree of containers sets off Python's cycle collector again and again,
    each time walking every object built so far: three times the cost of reading a cassette
    of 20,000 interactions. Parsed data holds no cycles (self-containing aliases are
    refused), so nothing is lost by not looking for them meanwhile."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def parse_yaml(source: Source) -> Any:
    import yaml

    try:
        _check_nesting(source.data, source.path)
        may_alias = _may_have_anchors(source.data)
        if not may_alias:
            loader = _loader()(source.data)
            try:
                with gc_paused():
                    return _EventReader(loader).document()
            except _Unusual:
                pass
            finally:
                loader.dispose()
        loader = _loader()(source.data)
        try:
            loader.may_alias = may_alias
            with gc_paused():
                return loader.get_single_data()
        finally:
            loader.dispose()
    except (yaml.YAMLError, ValueError, TypeError, RecursionError, CassetteError) as exc:
        raise _yaml_error(exc, source.path) from exc


def _yaml_error(exc: Exception, path: str | None) -> CassetteError:
    """A YAML reading error as one line, with the line and column the parser gives."""
    import yaml

    if isinstance(exc, CassetteError):
        return exc.with_path(path) if path else exc
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        column = mark.column + 1 if mark is not None else None
        problem = _one_line(exc.problem or exc.context or "invalid YAML")
        return CassetteError(f"invalid YAML: {problem}", path, line, column)
    if isinstance(exc, RecursionError):
        return CassetteError("invalid YAML: nested too deeply", path)
    # TypeError: a list as a mapping key
    return CassetteError(f"invalid YAML: {_one_line(exc)}", path)


def parse_json_document(source: Source) -> Any:
    try:
        data = orjson.loads(source.data.removeprefix(_BOM))
    except orjson.JSONDecodeError as exc:
        raise CassetteError(f"invalid JSON: {exc.msg}", source.path,
                            exc.lineno, exc.colno) from exc
    if source.data.count(b"[") + source.data.count(b"{") > MAX_DEPTH:
        _check_json_depth(data, source.path)
    return data


def _check_json_depth(data: Any, path: str) -> None:
    """orjson reads up to 1024 levels; the rest of the tool is bounded by MAX_DEPTH."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise CassetteError(f"refusing the JSON document: it nests deeper than "
                                f"{MAX_DEPTH} levels", path)
        if isinstance(value, dict):
            stack.extend((item, depth + 1) for item in value.values()
                         if isinstance(item, (dict, list)))
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value if isinstance(item, (dict, list)))


def _one_line(problem: object) -> str:
    return " ".join(str(problem).split())


def loads_json(data: bytes | str) -> Any:
    """Parse JSON, raising ValueError; tolerant of leading padding (OpenRouter sends some)."""
    try:
        return orjson.loads(data)  # JSON's own white space is allowed around the value
    except orjson.JSONDecodeError:
        stripped = data.strip()  # Python's white space is more than JSON's
        if len(stripped) == len(data):
            raise
        return orjson.loads(stripped)


def opens_with_bracket(data: bytes) -> bool:
    """JSON, or YAML in flow style: `{` or `[` first, after a BOM and blanks (looked for in
    the first 256 bytes, without copying a long file)."""
    return data[:256].removeprefix(b"\xef\xbb\xbf").lstrip()[:1] in (b"{", b"[")


def blank(data: bytes | str) -> bool:
    """Empty or only whitespace, told without the copy `data.strip()` makes of a long body."""
    return not data or data.isspace()


def try_json(data: bytes | str) -> Any:
    """The parsed JSON, or None when it is not JSON."""
    try:
        return loads_json(data)
    except (ValueError, TypeError):
        return None


def dump_json(value: Any) -> str:
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:  # YAML-only shapes: sets, complex keys, bytes, integers past 64 bits
        return json.dumps(plain_data(value), ensure_ascii=False, separators=(",", ":"), default=str)


def plain_data(value: Any) -> Any:
    """Values the YAML loader typed (bytes, sets, odd keys, Decimals) as JSON-safe data."""
    if isinstance(value, dict):
        return {str(k): plain_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain_data(v) for v in value]
    if isinstance(value, bytes):
        text = text_of(value)
        return text if text is not None else {"base64": base64.b64encode(value).decode()}
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


# --- body decoding -----------------------------------------------------------------------

_BOM = b"\xef\xbb\xbf"
_GZIP_MAGIC = b"\x1f\x8b"
_NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/=]")


def decode_base64(text: str | bytes) -> bytes:
    """Standard base64, line breaks allowed (Ruby and PyYAML wrap it), padding optional.
    Raises ValueError naming the first character that is not base64."""
    raw = b"".join((text.encode() if isinstance(text, str) else text).split())
    bad = _NOT_BASE64.search(raw)
    if bad:
        raise ValueError(f"invalid base64: unexpected {bad.group()!r} at offset {bad.start()}")
    raw = raw.rstrip(b"=")
    if len(raw) % 4 == 1:
        raise ValueError("invalid base64: truncated (length is 1 more than a multiple of 4)")
    try:
        return base64.b64decode(raw + b"=" * (-len(raw) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"invalid base64: {exc}") from exc


def decode_content(data: bytes, content_encoding: str | None) -> tuple[bytes, tuple[str, ...]]:
    """Undo HTTP content-encoding (gzip, deflate, br; several in the order listed).

    Returns the bytes and notes: each encoding undone, or why one could not be (the bytes
    are then as far as decoding got). A body recorded compressed without a header is
    sniffed by gzip's magic bytes. A header whose body was stored already decoded (VCR.py's
    `decode_compressed_response`, Polly, cassetter) is recognised by the body being text.
    """
    encodings = [e.strip().lower() for e in (content_encoding or "").split(",") if e.strip()]
    if not encodings and data[:2] == _GZIP_MAGIC:
        encodings = ["gzip"]
    notes: list[str] = []
    for encoding in reversed(encodings):
        if encoding in ("identity", "chunked", "none"):
            continue
        try:
            decoded, complete = _decompress(data, encoding)
            if not decoded and data:
                raise ValueError("no complete block")
        except Exception as exc:  # each decompressor has its own error type
            if _looks_textual(data):
                continue  # already decoded by the recording client
            return data, (*notes, f"could not decode {encoding}: {_one_line(exc)}")
        if not complete and _looks_textual(data):
            continue  # raw deflate and brotli "decode" some text: it was never compressed
        data = decoded
        notes.append(encoding if complete else f"{encoding} (stream truncated)")
    return data, tuple(notes)


def _decompress(data: bytes, encoding: str) -> tuple[bytes, bool]:
    """The decoded bytes and whether the compressed stream was complete."""
    if encoding in ("gzip", "x-gzip"):
        if data[:2] != _GZIP_MAGIC:
            raise ValueError("not a gzip stream")
        return _inflate(data, 16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        try:  # RFC 9110 says zlib-wrapped; some servers send raw deflate
            return _inflate(data, zlib.MAX_WBITS)
        except zlib.error:
            return _inflate(data, -zlib.MAX_WBITS)
    if encoding == "br":
        import brotli  # type: ignore[import-untyped]

        limit = inflation_limit(len(data))
        decompressor = brotli.Decompressor()
        out = bytes(decompressor.process(data, output_buffer_limit=limit + 1))
        if len(out) > limit:
            raise ValueError(_too_large(limit))
        return out, bool(decompressor.is_finished())
    if encoding == "zstd":
        raise ValueError("zstd is not supported")
    raise ValueError(f"unknown content-encoding {encoding!r}")


# A body is refused past this many bytes decoded per byte recorded (with a floor): real
# JSON and event streams compress 5 to 50 times, a "zip bomb" about 1,000 times, and
# whatever is decoded is then parsed and scanned, so the limit keeps work linear in the file.
MAX_INFLATION = 200
MIN_INFLATION_LIMIT = 32 << 20


def inflation_limit(compressed: int) -> int:
    return max(MIN_INFLATION_LIMIT, MAX_INFLATION * compressed)


def _too_large(limit: int) -> str:
    return (f"it expands past {limit:,} bytes, over {MAX_INFLATION} times its recorded size "
            "(a decompression bomb?)")


def _inflate(data: bytes, wbits: int) -> tuple[bytes, bool]:
    # A decompressor object, not zlib.decompress: a recording cut short still gives the text
    # up to the cut. Concatenated gzip members (allowed by RFC 1952) are read one by one.
    limit = inflation_limit(len(data))
    out = bytearray()
    rest = data
    while True:
        decompressor = zlib.decompressobj(wbits)
        out += decompressor.decompress(rest, limit + 1 - len(out))
        if len(out) > limit:
            raise ValueError(_too_large(limit))
        if not decompressor.eof:
            return bytes(out), False
        rest = decompressor.unused_data
        if rest[:2] != _GZIP_MAGIC or wbits <= zlib.MAX_WBITS:
            return bytes(out), True  # anything after the stream is padding, not body


def _looks_textual(data: bytes) -> bool:
    sample = data[:512]
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 3:  # not just a character cut by the sample's end
            return False
        text = sample[:exc.start].decode("utf-8")
    return not any(ord(c) < 32 and c not in "\t\n\r\f" for c in text)


def text_of(data: bytes) -> str | None:
    """The body as text when it is UTF-8, else None (binary)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None
