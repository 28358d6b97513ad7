"""yaml-spans.md §7 on the real cassettes: the §3 check on every scalar, line/column on the
character itself, and splices (mask and different-length) that reload to exactly the value
asked for while nothing else changes. Skipped when the shared corpus is absent."""

from __future__ import annotations

import base64
import json
import random
from collections import Counter, defaultdict
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from cassette_tool.spans import (
    FINAL,
    FOLD,
    RUN,
    XBREAK,
    Document,
    Edit,
    PositionMap,
    Scalar,
    SpanError,
    apply,
    compose,
    compose_json,
    json_in,
    rewrite_binary,
    value_map,
)

from conftest import corpus_or_skip

CORPORA = ("go-vcr-v2", "vcrpy", "ruby-vcr", "history")
PER_STYLE = 200  # ranges per style and corpus, as in §7
BINARY = ("tag:yaml.org,2002:binary", "!binary")
STR = "tag:yaml.org,2002:str"


@cache
def documents(corpus: str) -> tuple[tuple[Path, bytes, Document], ...]:
    root = corpus_or_skip() / corpus
    files = sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml"))
    result = []
    for path in files:
        data = path.read_bytes()
        result.append((path, data, compose(data, str(path))))
    return tuple(result)


@cache
def maps(corpus: str) -> tuple[tuple[int, Scalar, PositionMap], ...]:
    """Every scalar of the corpus with its position map and the index of its file."""
    return tuple((index, scalar, value_map(scalar))
                 for index, (_, _, doc) in enumerate(documents(corpus))
                 for scalar in doc.scalars())


@pytest.mark.parametrize("corpus", [*CORPORA, "seed", "cassetter"])
def test_the_position_map_gives_every_scalars_value(corpus: str) -> None:
    everything = maps(corpus)
    failed = [f"{documents(corpus)[i][0]}:{s.line_col()} {s.style}"
              for i, s, pm in everything if not pm.ok]
    print(f"\n{corpus}: §3 check on {len(everything)} scalars, {len(failed)} failed")
    assert len(everything) > 50
    assert not failed, failed[:10]


@pytest.mark.parametrize("corpus", CORPORA[:3])
def test_line_and_column_land_on_the_character(corpus: str) -> None:
    rng = random.Random(7)
    lines = [doc.text.split("\n") for _, _, doc in documents(corpus)]
    checked = 0
    for index, scalar, pm in rng.sample(maps(corpus), 3000):
        if not scalar.value:
            continue
        k = rng.randrange(len(scalar.value))
        if pm.atom_at(k).kind != RUN:
            continue  # an escape or a fold is not written as the character itself
        line, col = pm.line_col(k)
        assert lines[index][line - 1][col - 1] == scalar.value[k]
        checked += 1
    assert checked > 2000


def style_of(scalar: Scalar) -> str:
    return "binary" if scalar.tag in BINARY else scalar.style


def candidates(corpus: str) -> dict[str, list[tuple[int, Scalar, PositionMap]]]:
    """Scalar values worth splicing, by style; plain ones only when they are strings (§7)."""
    by_style = defaultdict(list)
    for index, scalar, pm in maps(corpus):
        if scalar.key or not scalar.value.strip():
            continue
        if scalar.style == "plain" and scalar.tag != STR:
            continue
        by_style[style_of(scalar)].append((index, scalar, pm))
    return by_style


def pick_range(rng: random.Random, pm: PositionMap, cross: bool) -> tuple[int, int]:
    """A random range; with `cross`, one that covers a fold or break when the value has one."""
    value = pm.value
    breaks = [i for i, a in enumerate(pm.atoms) if a.kind in (FOLD, XBREAK) and a.value]
    if cross and breaks:
        i = rng.choice(breaks)
        start, length = pm.starts[i], len(pm.atoms[i].value)
        a = rng.randint(max(0, start - 20), start)
        return a, rng.randint(start + length, min(len(value), start + length + 20))
    a = rng.randrange(len(value))
    return a, rng.randint(a + 1, min(len(value), a + 40))


def cut_before_final_break(pm: PositionMap, a: int, b: int) -> int:
    """§4: a block's final break is never spliced; end the range before it."""
    finals = [pm.starts[i] for i, atom in enumerate(pm.atoms) if atom.kind == FINAL]
    return min([b, *finals])


def check_file(data: bytes, old: list[Scalar], targets: dict[int, str], edits: list[Edit]) -> str:
    """Reload after the edits: (a) each target has its new value and old tag, (b) every other
    scalar is unchanged, (c) no byte outside the edits moved. Returns a problem or ""."""
    new = apply(data, edits)
    pos = shift = 0
    for edit in sorted(edits, key=lambda e: e.start):
        if new[pos + shift:edit.start + shift] != data[pos:edit.start]:
            return "bytes outside the edits changed"
        shift += len(edit.new) - (edit.end - edit.start)
        pos = edit.end
    if new[pos + shift:] != data[pos:]:
        return "bytes after the edits changed"
    after = list(compose(new).scalars())
    if len(old) != len(after):
        return "scalar count changed"
    for i, (x, y) in enumerate(zip(old, after, strict=True)):
        want = targets.get(i, x.value)
        if y.value != want:
            return f"scalar {i} at {x.path}: {y.value[:60]!r} != {want[:60]!r}"
        # Only a plain scalar's tag depends on its text (the rest is explicit or str), and
        # reading a tag is slow in ruamel: compare those.
        if (x.style == "plain" or i in targets) and y.tag != x.tag:
            return f"scalar {i} at {x.path}: tag {y.tag} != {x.tag}"
    return ""


@pytest.mark.parametrize("corpus", CORPORA[:3])
def test_splices_reload_to_exactly_the_value_asked_for(corpus: str) -> None:
    rng = random.Random(corpus)
    docs = documents(corpus)
    stats: Counter[str] = Counter()
    # Ranges of all styles, grouped by file: one reload per file checks them all at once.
    by_file: dict[int, list[tuple[str, Scalar, PositionMap, int, int]]] = defaultdict(list)
    for style, pool in sorted(candidates(corpus).items()):
        for n, (index, scalar, pm) in enumerate(rng.sample(pool, len(pool))):
            a, b = pick_range(rng, pm, cross=n % 2 == 0)
            if stats[f"{style} ranges"] == PER_STYLE or not scalar.value[a:b].strip():
                continue
            by_file[index].append((style, scalar, pm, a, b))
            stats[f"{style} ranges"] += 1
            stats[f"{style} crossing a fold"] += any(
                pm.atom_at(k).kind in (FOLD, XBREAK) for k in range(a, b))
    problems = []
    for index, items in by_file.items():
        path, data, doc = docs[index]
        old = list(doc.scalars())
        order = {id(s.node): i for i, s in enumerate(old) if not s.key}
        for kind in ("mask", "replace"):
            targets, edits = {}, []
            for n, (style, scalar, pm, a, b) in enumerate(items):
                if kind == "replace":
                    b2 = cut_before_final_break(pm, a, b)
                    stats[f"{style} cut before the final break"] += b2 < b
                    if b2 <= a or not scalar.value[a:b2].strip():
                        continue
                    b, new = b2, f"REDACTED{n:02d}"
                    edits.append(pm.splice_replace(a, b, new))
                else:
                    new = pm.masked(a, b, "X")
                    assert len(new) == b - a
                    edits.append(pm.splice_mask(a, b, "X"))
                targets[order[id(scalar.node)]] = scalar.value[:a] + new + scalar.value[b:]
                stats[f"{style} {kind} ok"] += 1
            problem = check_file(data, old, targets, edits)
            if problem:
                problems.append(f"{path} {kind}: {problem}")
    print(f"\n{corpus}: {dict(sorted(stats.items()))}")
    assert not problems, problems[:10]
    assert {key.split()[0] for key in stats} >= {"plain", "'", "|"}


def binary_blocks() -> list[tuple[Path, bytes, Document, Scalar]]:
    return [(path, data, doc, s) for corpus in CORPORA[:3]
            for path, data, doc in documents(corpus)
            for s in doc.scalars() if s.tag in BINARY and s.style == "|"]


def test_binary_blocks_rewrite_byte_for_byte_with_the_recorders_width() -> None:
    blocks = binary_blocks()
    different = [f"{path}:{s.line_col()}" for path, data, _, s in blocks
                 if apply(data, [rewrite_binary(s, base64.b64decode(s.value))]) != data]
    assert len(blocks) > 150
    assert not different, different[:10]


def test_binary_blocks_take_new_bytes() -> None:
    for path, data, _, scalar in binary_blocks()[::10]:
        new_bytes = base64.b64decode(scalar.value) + b"-redacted-" * 40
        edit = rewrite_binary(scalar, new_bytes)
        reloaded = compose(apply(data, [edit])).scalar(scalar.path)
        assert base64.b64decode(reloaded.value) == new_bytes, path
        assert reloaded.tag == scalar.tag


def test_splicing_refuses_rather_than_breaks_a_block_final_break() -> None:
    # §4: the final break of a `|` scalar cannot be deleted.
    for _, _, _, scalar in binary_blocks()[:20]:
        pm = value_map(scalar)
        if pm.atoms and pm.atoms[-1].kind == FINAL:
            with pytest.raises(SpanError, match="final line break"):
                pm.splice_replace(len(pm.value) - 2, len(pm.value), "x")


def plain(node: Any) -> Any:
    """The JSON data a composed JSON node stands for."""
    if node.id == "mapping":
        return {k.value: plain(v) for k, v in node.value}
    if node.id == "sequence":
        return [plain(v) for v in node.value]
    return node.value if node.style == "json" else json.loads(node.value)


def test_json_files_and_the_json_in_their_strings_have_positions() -> None:
    # HAR (Polly) and nock files; request and response texts are often JSON themselves.
    root = corpus_or_skip()
    files = sorted([*root.glob("har/**/*.har"), *root.glob("nock/**/*.json")])
    rng = random.Random(3)
    stats: Counter[str] = Counter()
    for path in files:
        data = path.read_bytes()
        doc = compose_json(data, str(path))
        assert plain(doc.root) == json.loads(data), path
        lines = doc.text.split("\n")
        for scalar in doc.scalars():
            pm = value_map(scalar)
            assert pm.ok, f"{path}:{scalar.line_col()}"
            stats["strings" if scalar.style == "json" else "other scalars"] += 1
            if scalar.style != "json" or scalar.key or not scalar.value:
                continue
            k = rng.randrange(len(scalar.value))
            if pm.atom_at(k).kind == RUN:
                line, col = pm.line_col(k)
                assert lines[line - 1][col - 1] == scalar.value[k]
            if scalar.value.lstrip()[:1] in ("{", "["):
                try:
                    inner = json_in(pm)
                except SpanError:
                    stats["JSON-looking strings that are not JSON"] += 1
                    continue
                stats["strings holding JSON"] += 1
                for nested in inner.scalars():
                    assert value_map(nested).ok
                    stats["strings inside those"] += 1
            a = rng.randrange(len(scalar.value))
            b = rng.randint(a + 1, min(len(scalar.value), a + 30))
            node = json.loads(apply(data, [pm.splice_replace(a, b, 'RE"D\\')]))
            for part in scalar.path:
                node = node[part]
            assert node == scalar.value[:a] + 'RE"D\\' + scalar.value[b:]
            stats["splices"] += 1
    print(f"\nHAR/nock: {len(files)} files, {dict(stats)}")
    assert len(files) > 40 and stats["splices"] > 1000
