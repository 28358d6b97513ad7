"""source.py: reading files, safe YAML and JSON with positions, and body decoding."""

from __future__ import annotations

import gzip
import warnings
import zlib
from pathlib import Path

import brotli
import pytest

import cassette_tool
from cassette_tool import CassetteError, load
from cassette_tool.source import (
    MAX_INFLATION,
    MIN_INFLATION_LIMIT,
    PureParserWarning,
    Source,
    decode_base64,
    decode_content,
    dump_json,
    inflation_limit,
    parse_json_document,
    parse_yaml,
    read_source,
    uses_c_parser,
)

TEXT = b'{"id":"chatcmpl-1","choices":[{"message":{"content":"Rest it for 5 minutes."}}]}'


def yaml(text: str) -> object:
    return parse_yaml(Source("c.yaml", text.encode()))


def yaml_error(text: str) -> CassetteError:
    with pytest.raises(CassetteError) as caught:
        yaml(text)
    return caught.value


# --- content-encoding --------------------------------------------------------------------

def test_gzip_body_is_decoded() -> None:
    assert decode_content(gzip.compress(TEXT), "gzip") == (TEXT, ("gzip",))


def test_brotli_body_is_decoded() -> None:
    assert decode_content(brotli.compress(TEXT), "br") == (TEXT, ("br",))


def test_deflate_body_is_decoded_zlib_wrapped_or_raw() -> None:
    # quirk: RFC 9110 deflate is zlib-wrapped, but some servers send raw deflate
    raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    raw_deflate = raw.compress(TEXT) + raw.flush()
    assert decode_content(zlib.compress(TEXT), "deflate") == (TEXT, ("deflate",))
    assert decode_content(raw_deflate, "deflate") == (TEXT, ("deflate",))


def test_header_says_gzip_but_body_was_stored_decoded() -> None:
    # quirk: VCR.py decode_compressed_response, Polly and cassetter keep the header
    for encoding in ("gzip", "br", "deflate", "zstd"):
        assert decode_content(TEXT, encoding) == (TEXT, ())


def test_gzip_without_a_header_is_sniffed_by_its_magic_bytes() -> None:
    assert decode_content(gzip.compress(TEXT), None) == (TEXT, ("gzip",))


def test_encodings_are_undone_last_applied_first() -> None:
    twice = gzip.compress(zlib.compress(TEXT))
    assert decode_content(twice, "deflate, gzip") == (TEXT, ("gzip", "deflate"))


def test_truncated_gzip_keeps_the_text_up_to_the_cut() -> None:
    long_text = b"data: {\"delta\": \"word\"}\n\n" * 400
    cut = gzip.compress(long_text)[:60]
    data, notes = decode_content(cut, "gzip")
    assert notes == ("gzip (stream truncated)",)
    assert data and long_text.startswith(data)


def test_concatenated_gzip_members_are_all_read() -> None:
    assert decode_content(gzip.compress(b"ab") + gzip.compress(b"cd"), "gzip") == (
        b"abcd", ("gzip",))


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br"])
def test_a_decompression_bomb_is_refused_past_the_inflation_limit(encoding: str) -> None:
    plain = b" " * (MIN_INFLATION_LIMIT + 1)
    packed = {"gzip": gzip.compress, "deflate": zlib.compress, "br": brotli.compress}[encoding](plain)
    assert len(packed) * MAX_INFLATION < MIN_INFLATION_LIMIT  # the floor is the bound here
    data, notes = decode_content(packed, encoding)
    assert data == packed
    assert notes == (f"could not decode {encoding}: it expands past {MIN_INFLATION_LIMIT:,} "
                     f"bytes, over {MAX_INFLATION} times its recorded size (a decompression "
                     "bomb?)",)


def test_a_body_at_the_inflation_limit_is_decoded() -> None:
    plain = b"x" * MIN_INFLATION_LIMIT
    assert decode_content(gzip.compress(plain), "gzip") == (plain, ("gzip",))
    assert inflation_limit(1 << 20) == MAX_INFLATION << 20


def test_undecodable_binary_body_is_kept_with_a_note() -> None:
    data, notes = decode_content(b"\x00\x01\x02\x03", "br")
    assert data == b"\x00\x01\x02\x03"
    assert notes == ("could not decode br: no complete block",)
    assert decode_content(b"\x89PNG\x00", "compress")[1] == (
        "could not decode compress: unknown content-encoding 'compress'",)


def test_identity_and_empty_encodings_change_nothing() -> None:
    assert decode_content(TEXT, "identity") == (TEXT, ())
    assert decode_content(TEXT, "") == (TEXT, ())
    assert decode_content(b"", "gzip") == (b"", ())


# --- base64 ------------------------------------------------------------------------------

def test_base64_with_line_breaks_and_without_padding() -> None:
    assert decode_base64("aGVs\nbG8=\n") == b"hello"
    assert decode_base64(b"aGVsbG8") == b"hello"


def test_base64_errors_name_the_problem() -> None:
    with pytest.raises(ValueError, match=r"invalid base64: unexpected b'!' at offset 4"):
        decode_base64("aGVs!bG8=")
    with pytest.raises(ValueError, match="truncated"):
        decode_base64("aGVsb")


# --- YAML --------------------------------------------------------------------------------

def test_yaml_syntax_error_gives_line_and_column() -> None:
    error = yaml_error("interactions:\n- request:\n    method: [POST\n")
    assert (error.path, error.line, error.column) == ("c.yaml", 4, 1)
    assert error.message.startswith("invalid YAML: ")
    assert str(error).startswith("c.yaml:4:1: invalid YAML")


def test_yaml_mapping_error_points_at_the_value() -> None:
    error = yaml_error("version: 1\nuri: a: b\n")
    assert (error.line, error.column) == (2, 7)


def test_ruby_binary_tag_and_pyyaml_binary_tag_give_bytes() -> None:
    # quirk: Ruby's Psych writes `!binary`, PyYAML `!!binary`
    assert yaml("a: !binary |-\n  aGVsbG8=\nb: !!binary aGk=\n") == {"a": b"hello", "b": b"hi"}


def test_bad_binary_value_is_a_yaml_error_with_position() -> None:
    error = yaml_error("body:\n  string: !!binary |\n    @@@@\n")
    assert error.line == 2 and "bad !!binary value: invalid base64" in error.message


def test_python_object_tags_are_refused_and_never_constructed() -> None:
    text = ("interactions:\n- request: !!python/object/apply:builtins.exec\n"
            "  - \"import cassette_tool; cassette_tool.PWNED = True\"\n")
    error = yaml_error(text)
    assert not hasattr(cassette_tool, "PWNED")
    assert error.message == ("refusing the YAML tag !!python/object/apply:builtins.exec: cassette "
                             "never builds objects from a file (only plain data and !!binary)")
    assert error.line == 2


def test_ruby_object_tags_are_refused_too() -> None:
    error = yaml_error("http_interactions:\n- !ruby/object:VCR::HTTPInteraction {}\n")
    assert error.message.startswith("refusing the YAML tag !ruby/object:VCR::HTTPInteraction")


def test_python2_string_tags_are_plain_strings() -> None:
    # quirk: VCR.py cassettes written under Python 2 tag strings !!python/unicode
    assert yaml("a: !!python/unicode 'caf\\xe9'\nb: !!python/str x\n") == {"a": "caf\\xe9", "b": "x"}


def test_unquoted_dates_stay_text() -> None:
    assert yaml("recorded_at: 2025-06-20T09:12:44Z\nday: 2025-06-20\n") == {
        "recorded_at": "2025-06-20T09:12:44Z", "day": "2025-06-20"}


def test_yaml_only_shapes_still_dump_as_json() -> None:
    assert dump_json({(1, 2): {3}, "b": b"x"}) == '{"(1, 2)":[3],"b":"x"}'


# --- JSON --------------------------------------------------------------------------------

def test_json_error_gives_line_and_column() -> None:
    with pytest.raises(CassetteError) as caught:
        parse_json_document(Source("c.json", b'[\n  {"scope": "x",\n   "method" "POST"}\n]\n'))
    error = caught.value
    assert (error.line, error.column) == (3, 13)
    assert error.message.startswith("invalid JSON: ")


def test_json_with_a_byte_order_mark_parses() -> None:
    assert parse_json_document(Source("c.json", b'\xef\xbb\xbf{"log": {}}')) == {"log": {}}


# --- files -------------------------------------------------------------------------------

def test_missing_file_and_directory_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(CassetteError, match="no such file"):
        read_source(tmp_path / "absent.yaml")
    with pytest.raises(CassetteError, match="is a directory"):
        read_source(tmp_path)


def test_load_reports_a_broken_json_cassette_with_its_position(tmp_path: Path) -> None:
    path = tmp_path / "recording.har"
    path.write_text('{\n  "log": {\n    "entries": [\n      {"request": }\n')
    with pytest.raises(CassetteError) as caught:
        load(path)
    assert str(caught.value).startswith(f"{path}:4:")
    assert "\n" not in str(caught.value)


def test_yaml_flow_mapping_starting_with_a_brace_is_read_as_yaml(tmp_path: Path) -> None:
    path = tmp_path / "flow.yaml"
    path.write_text("{version: 1, interactions: [{request: {method: GET, uri: 'https://x.test/'},"
                    " response: {status: {code: 204, message: No Content}}}]}\n")
    cassette = load(path)
    assert cassette.format == "vcrpy"
    assert cassette.interactions[0].response is not None
    assert cassette.interactions[0].response.status == 204


def test_a_list_as_a_mapping_key_is_a_yaml_error() -> None:
    assert yaml_error("? [1, [2]]\n: x\n").message.startswith("invalid YAML: ")


def test_yaml_is_read_by_libyaml() -> None:
    # yaml-facts.md: a YAML library without its C extension runs ~8x slower without a word.
    assert uses_c_parser()


def test_reading_without_libyaml_warns_once_and_still_reads(monkeypatch: pytest.MonkeyPatch,
                                                             tmp_path: Path) -> None:
    import yaml as pyyaml

    from cassette_tool import source

    monkeypatch.delattr(pyyaml, "CSafeLoader")
    source._loader.cache_clear()
    try:
        with pytest.warns(PureParserWarning, match="PyYAML runs without its C parser"):
            assert yaml("a: [1, !!binary aGk=]") == {"a": [1, b"hi"]}
        assert not uses_c_parser()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert yaml("b: 2") == {"b": 2}  # the loader is made once: no second warning
    finally:
        source._loader.cache_clear()


def test_the_cli_prints_a_warning_on_one_line(monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    import sys

    from cassette_tool import cli

    def warn_and_exit() -> None:
        warnings.warn("something is slow", PureParserWarning, stacklevel=1)
        raise SystemExit(0)

    monkeypatch.setattr(cli, "app", lambda **_: warn_and_exit())
    monkeypatch.setattr(sys, "argv", ["cassette", "--version"])
    with pytest.raises(SystemExit):
        cli.main()
    assert capsys.readouterr().err == "cassette: warning: something is slow\n"


@pytest.mark.parametrize("document", [
    "a: 1", "a: -5", "a: 012", "a: 0x1F", "a: 0b101", "a: 1_000", "a: 190:20:30", "a: 0", "a: -0",
    "a: +5", "a: 1.5", "a: -1.5e+3", "a: .inf", "a: -.Inf", "a: .NaN", "a: 1_0.5", "a: 1:30.5",
    "a: yes", "a: No", "a: on", "a: ~", "a: null", "a:", "a: 2024-01-01", "a: !!binary aGk=",
    "a: !binary aGk=", "a: !!python/unicode x", "a: &x [1, 2]\nb: *x",
    "a: &x {k: v}\nb:\n  <<: *x\n  z: 1", "? [1, 2]\n: x", "!!set {a, b}", "!!omap [a: 1, b: 2]",
    "a: '012'", 'a: "1.5"', "- 1\n- [2, {3: 4}]", "1: a\n2.5: b\ntrue: c\n~: d", "a: !!str 5",
    "a: !!int '7'", "a: !!float '7'", "a: !!python/object:os.system x"])
def test_the_fast_builder_gives_what_pyyaml_s_constructor_gives(document: str) -> None:
    import yaml as pyyaml
    from yaml.constructor import SafeConstructor

    from cassette_tool.source import _loader

    class Reference(_loader()):  # type: ignore[misc]
        def construct_document(self, node: object) -> object:
            return SafeConstructor.construct_document(self, node)

    def outcome(loader: type) -> tuple[str, str]:
        try:
            return "data", repr(pyyaml.load(document, Loader=loader))
        except Exception as exc:  # the same refusal or error either way
            return type(exc).__name__, str(exc)

    assert outcome(_loader()) == outcome(Reference)


@pytest.mark.parametrize("document", [
    "", "---\n", "a: 1", "a: 1\na: 2", "- 1\n- [2, {3: 4}]", "1: a\n2.5: b\ntrue: c\n~: d",
    "a: !!map {b: 1}", "a: !!seq [1]", "a: !!map [1]", "a: !!seq {b: 1}", "a: ! {b: 1}",
    "a: !!str 5", "a: !!binary aGk=", "a: !binary aGk=", "a: 012", "a: yes", "a: <<",
    "<<: {a: 1}", "b:\n  <<: {a: 1}\n  z: 1", "? [1, 2]\n: x", "? {a: 1}\n: x", "[a, b]: c",
    "!!set {a, b}", "!!omap [a: 1, b: 2]", "a: !!python/object:os.system x", "a: 1\n---\nb: 2",
    "--- a\n...\n", "a: [1, {b: [c, d]}, '', \"\", ~]", "a: &x 1\nb: *x", "a: *x",
    "a: &x [1]\nb: &x [2]", "a: |\n  text\n  more\n", "k: 'héllo 👋'", "%YAML 1.1\n--- {a: 1}",
    "a: [" * 3 + "]" * 3, "a: {b: [1, 2", "a: b: c"])
def test_reading_from_parser_events_gives_what_pyyaml_s_constructor_gives(document: str) -> None:
    import yaml as pyyaml
    from yaml.constructor import SafeConstructor

    from cassette_tool.source import Source, _loader, parse_yaml

    class Reference(_loader()):  # type: ignore[misc]
        def construct_document(self, node: object) -> object:
            return SafeConstructor.construct_document(self, node)

    try:
        expected: object = pyyaml.load(document, Loader=Reference)
    except Exception:  # noqa: BLE001  # the same document must be refused by us too
        with pytest.raises(CassetteError):
            parse_yaml(Source("t.yaml", document.encode()))
    else:
        assert parse_yaml(Source("t.yaml", document.encode())) == expected


def test_a_document_nested_past_the_limit_is_refused_at_the_first_level_too_many() -> None:
    from cassette_tool.source import MAX_DEPTH

    def nested(levels: int) -> str:  # a mapping, then block sequences inside each other
        return "a:\n" + "".join("  " * i + "- \n" for i in range(1, levels))

    assert yaml(nested(MAX_DEPTH))  # the mapping and MAX_DEPTH - 1 sequences
    problem = yaml_error(nested(MAX_DEPTH + 5))
    assert problem.message == f"refusing the YAML document: it nests deeper than {MAX_DEPTH} levels"
    assert (problem.line, problem.column) == (MAX_DEPTH + 1, 2 * MAX_DEPTH + 1)
