"""Reading a long cassette an interaction at a time (load.open_stream, formats.stream,
source.stream_yaml): the same interactions as reading the file whole, never the whole file
as data, and errors further on reported when reached."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cassette_tool import CassetteError, source
from cassette_tool.load import expand_paths, open_stream
from cassette_tool.source import Source, parse_yaml, read_source, stream_yaml

from conftest import SAMPLES, corpus_or_skip

load_module = importlib.import_module("cassette_tool.load")  # the package's `load` is a function
KEYS = ("interactions", "http_interactions")


def both_ways(path: str) -> tuple[Any, Any]:
    """What open_stream gives for a file read whole, and read item by item."""
    source = read_source(path)

    def read(stream_from: int) -> Any:
        try:
            opened = open_stream(source, stream_from=stream_from)
            items = list(opened.items)
        except CassetteError as exc:
            return str(exc)
        return (opened.format, [i for i, _ in items], [stored for _, stored in items],
                [(i.line, i.where) for i, _ in items])

    return read(1 << 62), read(0)


def differing(paths: list[str]) -> list[str]:
    return [path for path in paths if (lambda pair: pair[0] != pair[1])(both_ways(path))]


def test_every_sample_reads_the_same_item_by_item() -> None:
    paths = expand_paths([str(SAMPLES)])
    assert len(paths) > 30
    assert differing(paths) == []


def test_every_corpus_file_reads_the_same_item_by_item() -> None:
    paths = expand_paths([str(corpus_or_skip())])
    assert differing(paths) == []


GO_VCR = """---
version: 2
interactions:
- id: 0
  request:
    url: https://api.openai.com/v1/chat/completions
    method: POST
    body: '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hi"}]}'
  response:
    code: 200
    body: '{"model":"gpt-4o-mini","choices":[{"message":{"role":"assistant","content":"Hello"},"finish_reason":"stop"}]}'
- id: 1
  request:
    url: https://api.openai.com/v1/chat/completions
    method: POST
    body: '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Bye"}]}'
  response:
    code: 200
    body: '{"model":"gpt-4o-mini","choices":[{"message":{"role":"assistant","content":"Bye!"},"finish_reason":"stop"}]}'
"""


def streamed(text: str) -> Any:
    listed = stream_yaml(Source("c.yaml", text.encode()), KEYS)
    assert listed is not None
    return listed


def test_items_come_with_their_lines_and_the_keys_after_the_list_at_the_end() -> None:
    listed = streamed("interactions:\n- a: 1\n-\n  b: 2\nversion: 1\n")
    assert listed.key == "interactions" and listed.top == {}
    assert next(listed.items) == (2, {"a": 1})
    assert listed.top == {}  # not read yet
    assert list(listed.items) == [(4, {"b": 2})]  # where its content starts
    assert listed.top == {"version": 1}


def test_an_interaction_starts_at_its_dash_as_when_read_whole() -> None:
    text = GO_VCR.replace("- id: 1\n", "-\n  id: 1\n")
    for stream_from in (0, 1 << 62):
        opened = open_stream(Source("c.yaml", text.encode()), stream_from=stream_from)
        assert [(i.line, i.index) for i, _ in opened.items] == [(4, 0), (12, 1)]


def test_an_item_is_handed_out_before_the_rest_of_the_file_is_read() -> None:
    broken = GO_VCR.replace("- id: 1\n", "- id: 1\n  oops: [unclosed\n")
    listed = streamed(broken)
    line, first = next(listed.items)
    assert (line, first["id"]) == (4, 0)
    with pytest.raises(CassetteError) as caught:
        next(listed.items)
    assert caught.value.message.startswith("invalid YAML: ")
    assert caught.value.path == "c.yaml" and caught.value.line is not None


@pytest.mark.parametrize("text", [
    "interactions: &list\n- a\n",  # an anchor
    "interactions:\n- !!omap [a: 1]\n",  # a tag the event reader leaves to PyYAML
    "interactions:\n- <<: {a: 1}\n",  # a merge key
    "interactions:\n- ? [a]\n  : b\n",  # a complex key
    "- a\n- b\n",  # no mapping on top
    "version: 1\n",  # no list
    "interactions: {a: 1}\n",  # not a list
])
def test_what_only_the_whole_file_reader_reads_is_not_streamed(text: str) -> None:
    assert stream_yaml(Source("c.yaml", text.encode()), KEYS) is None


# What the reader must leave to the whole-file path, said once as one readable (and slow)
# pattern: a tag other than the scalar tags recorders write, a merge key or a complex key,
# each at the start of the data, of a line, after a space or a tab, or as a flow item.
UNUSUAL = re.compile(rb"(?:^|[ \t\[{,])(?:!(?!!?binary[ \t\n]|!python/(?:unicode|str)[ \t\n]"
                     rb"|!str[ \t\n])|<<[ \t]?:|\?[ \t\n])", re.MULTILINE)
PIECES = [b"!", b"?", b"<<", b" ", b"\t", b"\n", b"\r", b"[", b"{", b",", b":", b"a", b"-",
          b"binary", b"!binary", b"!!binary", b"!python/str", b"!python/unicode", b"!str",
          b"!!str", b"!!omap"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=10))
@example([b"a", b"<<", b":"]).via("inside a word: no merge key")
@example([b"a", b"!", b"a"]).via("inside a word: no tag")
@example([b"a", b"?", b" "]).via("inside a word: no complex key")
@example([b"!", b"a"]).via("a tag at the very start")
@example([b"\r", b"<<", b":"]).via("a carriage return does not start a line for YAML here")
def test_unusual_syntax_is_found_as_the_readable_pattern_finds_it(pieces: list[bytes]) -> None:
    data = b"".join(pieces)
    found = any(pattern.search(data) for pattern in source._UNUSUAL_SYNTAX)
    assert found == bool(UNUSUAL.search(data))


def test_binary_bodies_are_streamed() -> None:
    listed = streamed("interactions:\n- body: !!binary aGk=\n- body: !binary aGk=\n")
    assert [item for _, item in listed.items] == [{"body": b"hi"}, {"body": b"hi"}]


def test_the_list_key_twice_is_an_error() -> None:
    listed = streamed("interactions:\n- a\ninteractions:\n- b\n")
    with pytest.raises(CassetteError, match="`interactions` appears twice"):
        list(listed.items)


def test_a_second_document_is_an_error_at_the_end() -> None:
    text = "interactions:\n- a\n---\nb: 1\n"
    with pytest.raises(CassetteError) as whole:
        parse_yaml(Source("c.yaml", text.encode()))
    with pytest.raises(CassetteError) as item_by_item:
        list(streamed(text).items)
    assert str(item_by_item.value) == str(whole.value)
    assert whole.value.message == "invalid YAML: but found another document"
    assert whole.value.line == 3


@pytest.fixture
def long_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file counts as long: read item by item wherever the format allows."""
    monkeypatch.setattr(load_module, "STREAM_FROM", 0)


def test_show_validate_and_stats_read_long_files_item_by_item(
        cli, long_files: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from cassette_tool import formats

    path = tmp_path / "long.yaml"
    path.write_text(GO_VCR)
    calls: list[object] = []
    real = formats.stream
    monkeypatch.setattr(formats, "stream", lambda source: calls.append(real(source)) or calls[-1])
    text = cli("show", str(path))
    assert text.code == 0 and "assistant Hello" in text.out and "assistant Bye!" in text.out
    assert "2 interactions" in text.out
    assert cli("validate", str(path)).code == 0
    stats = cli("stats", "-f", "json", str(path))
    assert stats.code == 0 and '"interactions": 2' in stats.out.replace('":2', '": 2')
    assert len(calls) == 3 and all(calls)  # each command read it item by item


def test_show_of_a_long_file_broken_further_on_shows_what_it_read(
        cli, long_files: None, tmp_path: Path) -> None:
    path = tmp_path / "long.yaml"
    path.write_text(GO_VCR.replace("- id: 1\n", "- id: 1\n  oops: [unclosed\n"))
    run = cli("show", str(path))
    assert run.code == 2
    assert "assistant Hello" in run.out
    assert run.err.startswith(f"{path}:") and "invalid YAML" in run.err
    assert run.err.count("\n") == 1
    found = cli("validate", str(path))
    assert found.code == 1 and "C001" in found.out and "invalid YAML" in found.out
    stats = cli("stats", str(path))
    assert stats.code == 2 and "invalid YAML" in stats.err


def test_show_json_and_text_are_the_same_read_whole_or_item_by_item(
        cli, monkeypatch: pytest.MonkeyPatch) -> None:
    files = [str(p) for p in sorted((SAMPLES / "go-vcr").glob("*.yaml"))]
    files += [str(p) for p in sorted((SAMPLES / "ruby-vcr").glob("*.yml"))]
    whole = [cli("show", "-f", fmt, *files) for fmt in ("json", "text")]
    monkeypatch.setattr(load_module, "STREAM_FROM", 0)
    item_by_item = [cli("show", "-f", fmt, *files) for fmt in ("json", "text")]
    assert [(r.code, r.out) for r in item_by_item] == [(r.code, r.out) for r in whole]
    assert whole[0].code == 0 and whole[0].out.count('"path":') == len(files)
