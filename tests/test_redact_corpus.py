"""`cassette redact` over every real cassette in the shared corpus (skipped when it is absent):
files without secrets stay byte-identical, files with secrets lose them and change only
where they were, and a second run changes nothing.

The corpus was recorded by projects that filter their credentials: what is left are a few
real leftovers (SigV4 signatures, one AWS session, one cookie) and many identifying values
(organisation and project ids, CDN cookies), all in headers and URLs.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from cassette_tool.load import expand_paths
from cassette_tool.redact import Options, Result, redact_source
from cassette_tool.secrets import Rules
from cassette_tool.source import Source, read_source
from cassette_tool.validate import check_file

from conftest import corpus_or_skip


@cache
def results() -> tuple[Result, ...]:
    """Every corpus file redacted with warnings included (the widest run)."""
    root = corpus_or_skip()
    options = Options(include_warnings=True)
    return tuple(redact_source(read_source(path), Rules(), options)
                 for path in expand_paths([str(root)]))


@cache
def secrets_by_validate() -> dict[str, set[str]]:
    """The secret codes validate reports for each file that has any."""
    found: dict[str, set[str]] = {}
    for result in results():
        if result.changed:
            codes = {f.code for f in check_file(result.path) if f.code[0] in "SW"}
            found[result.path] = codes
    return found


def test_files_without_secrets_stay_byte_identical() -> None:
    clean = [r for r in results() if not r.replaced]
    assert len(clean) >= 900, len(clean)  # 928 files when this was written, 10 not cassettes
    assert all(r.new == r.old and not r.edits for r in clean)
    assert sum(1 for r in clean if r.skipped) >= 10


def test_files_with_secrets_change_only_where_the_secrets_were() -> None:
    redacted = [r for r in results() if r.replaced]
    assert len(redacted) >= 170, len(redacted)  # 176 files, 434 secrets
    for result in redacted:
        # Every secret is written verbatim in a header or URL: the new file is the old one
        # with each secret replaced by its placeholder, and nothing else.
        expected = result.old
        for item in result.replaced:
            expected = expected.replace(item.secret.encode(), item.placeholder.encode())
        assert result.new == expected, result.path
        pos, shift = 0, 0
        for edit in result.edits:
            assert result.new[pos + shift:edit.start + shift] == result.old[pos:edit.start]
            shift += len(edit.new) - (edit.end - edit.start)
            pos = edit.end
        assert result.new[pos + shift:] == result.old[pos:]


def test_redacted_files_have_nothing_left_for_validate(tmp_path: Path) -> None:
    assert secrets_by_validate(), "validate finds secrets in the corpus"
    for number, result in enumerate(r for r in results() if r.changed):
        copy = tmp_path / f"{number}{Path(result.path).suffix}"
        copy.write_bytes(result.new)
        assert [f.code for f in check_file(str(copy)) if f.code[0] in "SW"] == [], result.path


def test_redacting_twice_changes_nothing() -> None:
    options = Options(include_warnings=True)
    for result in results():
        if result.changed:
            again = redact_source(Source(result.path, result.new), Rules(), options)
            assert not again.changed, result.path


def test_by_default_only_errors_are_replaced() -> None:
    # A file that the widest run leaves alone has nothing for a narrower one either.
    errors_only = [redacted for result in results() if result.changed
                   if (redacted := redact_source(Source(result.path, result.old), Rules(),
                                                 Options())).changed]
    with_errors = {path for path, codes in secrets_by_validate().items()
                   if any(code.startswith("S") for code in codes)}
    assert {r.path for r in errors_only} == with_errors
    assert all(item.code.startswith("S") for r in errors_only for item in r.replaced)
    assert len(errors_only) >= 10  # 11: SigV4 signatures, an AWS session, a cookie
