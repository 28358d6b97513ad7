"""No tracebacks, ever: broken inputs through every command and output format of the real
`cassette` command end with a documented exit code, and every unreadable file is named on
one stderr line `path[:line[:col]]: reason`. An internal error is one line and exit 3, and
`--debug` shows its traceback.

The broken inputs are a few deterministic mutations of one sample per format (cut short,
a byte flipped, a line duplicated or indented, line ends mixed, invalid UTF-8, NULs, tags
that would build objects, huge numbers, nesting past the limit); the property tests in
test_properties.py vary them far more, in-process.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import SAMPLES, Run

SOURCES = ["go-vcr/openrouter_tool_streaming.yaml", "vcrpy/openai_chat_gzip.yaml",
           "ruby-vcr/openai_chat_streaming.yml", "har/openai_chat.har", "nock/openai_chat.json",
           "httprr/openai_chat.httprr", "cassetter/openai_chat.yaml",
           "go-vcr/bedrock_claude_tool_streaming.yaml"]
ERROR_LINE = re.compile(r"^(?P<path>\S.*?)(:\d+){0,2}: \S.*$")
TIMEOUT = 300  # a hang guard, not a measurement


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


MUTATIONS: dict[str, Callable[[bytes], bytes]] = {
    "cut": lambda d: d[:len(d) // 2],
    "cut-last-byte": lambda d: d[:-1],
    "flip": lambda d: d[:len(d) // 3] + bytes([d[len(d) // 3] ^ 0xFF]) + d[len(d) // 3 + 1:],
    "duplicate-line": lambda d: b"".join(_lines(d)[:4] + _lines(d)[3:]),
    "indent": lambda d: b"".join(_lines(d)[:5] + [b" " + _lines(d)[5]] + _lines(d)[6:]),
    "mixed-line-ends": lambda d: b"".join(
        line[:-1] + (b"\r\n" if i % 2 else b"\r") if line.endswith(b"\n") and i % 3 else line
        for i, line in enumerate(_lines(d))),
    "invalid-utf8": lambda d: d[:len(d) // 2] + b"\xff\xfe\xc3(" + d[len(d) // 2:],
    "nul": lambda d: d[:len(d) // 4] + b"\x00" * 8 + d[len(d) // 4:],
    "empty": lambda d: b"",
    "swap-halves": lambda d: b"".join(_lines(d)[len(_lines(d)) // 2:]
                                      + _lines(d)[:len(_lines(d)) // 2]),
}
# Whole files, not mutations: hostile shapes that every command must refuse in one line.
HOSTILE = {
    "object-tag.yaml": b"interactions:\n- request: !!python/object/apply:os.system ['true']\n",
    "ruby-object.yml": b"http_interactions:\n- request: !ruby/object:Kernel {a: 1}\n",
    "huge-numbers.json": b'[{"scope": "https://api.openai.com:443", "method": "POST", "path": '
                         b'"/v1/chat/completions", "body": {"model": "gpt-4o", "n": '
                         + b"9" * 5000 + b', "t": 1e999999}, "status": 200, "response": '
                         b'{"usage": {"prompt_tokens": ' + b"9" * 400 + b'}}}]\n',
    "deep.json": b'[{"scope": "https://api.openai.com:443", "method": "POST", "path": "/v1", '
                 b'"body": ' + b"[" * 300 + b"]" * 300 + b', "status": 200}]\n',
    "not-a-cassette.yaml": b"name: demo\nversion: 3\n",
    "binary.yaml": bytes(range(256)) * 4,
    "bom-utf16.yaml": "interactions: []\n".encode("utf-16"),
}


@pytest.fixture(scope="module")
def trees(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[Path]]:
    """`old/` holds the samples, `new/` their broken twins under the same names (so that
    `diff old new` pairs them) and the hostile files."""
    root = tmp_path_factory.mktemp("no-traceback")
    old, new = root / "old", root / "new"
    broken: list[Path] = []
    for source in SOURCES:
        data = (SAMPLES / source).read_bytes()
        stem, suffix = Path(source).stem, Path(source).suffix
        for name, mutate in MUTATIONS.items():
            relative = f"{Path(source).parent}-{stem}.{name}{suffix}"
            (old / relative).parent.mkdir(parents=True, exist_ok=True)
            (new / relative).parent.mkdir(parents=True, exist_ok=True)
            (old / relative).write_bytes(data)
            (new / relative).write_bytes(mutate(data))
            broken.append(new / relative)
    for name, data in HOSTILE.items():
        (new / name).write_bytes(data)
        broken.append(new / name)
    return old, new, sorted(broken)


def cassette(*args: str, cwd: Path | None = None) -> Run:
    """The real command in a child process (`python -m cassette_tool`)."""
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100", "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run([sys.executable, "-m", "cassette_tool", *args], capture_output=True,
                          env=env, timeout=TIMEOUT, cwd=cwd, stdin=subprocess.DEVNULL)
    return Run(done.returncode, done.stdout.decode("utf-8", "replace"),
               done.stderr.decode("utf-8", "replace"))


def assert_no_traceback(run: Run) -> None:
    assert "Traceback" not in run.out + run.err, run
    assert "internal error" not in run.err, run


def error_lines(run: Run) -> dict[str, str]:
    """stderr as one `path: reason` line per file: {path: line}."""
    named: dict[str, str] = {}
    for line in run.err.splitlines():
        match = ERROR_LINE.match(line)
        assert match, (line, str(run))
        assert match.group("path") not in named, (line, str(run))
        named[match.group("path")] = line
    return named


# --- show --------------------------------------------------------------------------------------

@pytest.mark.parametrize("options", [["-f", "text"], ["-f", "text", "--raw"], ["-f", "json"],
                                     ["-f", "json", "--raw"], ["-f", "markdown"]])
def test_show_names_each_unreadable_file_on_one_line(trees, options: list[str]) -> None:
    _, new, broken = trees
    run = cassette("show", "--no-pager", "--color", "never", *options, str(new))
    assert run.code == 2, run
    assert_no_traceback(run)
    named = error_lines(run)
    assert set(named) <= {str(p) for p in broken}
    assert len(named) > len(broken) // 2  # most broken files cannot be read
    for path in HOSTILE:
        assert str(new / path) in named, (path, str(run))
    if options[1] == "json":  # the same files are the ones with an error in the output
        shown = json.loads(run.out)
        assert {item["path"] for item in shown if item["error"]} == set(named)
        assert all("\n" not in item["error"]["message"] for item in shown if item["error"])


def test_show_reads_the_good_twins_and_exits_0(trees) -> None:
    old, _, _ = trees
    run = cassette("show", "--no-pager", "-f", "json", str(old))
    assert run.code == 0 and run.err == "", run


@pytest.mark.parametrize("hostile", sorted(HOSTILE))
def test_show_canonical_passes_what_is_no_cassette_through(trees, hostile: str) -> None:
    # git's textconv: a file that is no cassette is printed as it is, exit 0.
    _, new, _ = trees
    run = cassette("show", "--canonical", str(new / hostile))
    assert run.code == 0, run
    assert_no_traceback(run)


@pytest.mark.parametrize("what", ["directory", "missing"])
def test_show_canonical_on_a_directory_or_missing_file_is_a_one_line_error(
        tmp_path: Path, what: str) -> None:
    path = tmp_path if what == "directory" else tmp_path / "missing.yaml"
    run = cassette("show", "--canonical", str(path))
    assert_no_traceback(run)
    assert run.code == 2 and list(error_lines(run)) == [str(path)], run


# --- diff --------------------------------------------------------------------------------------

@pytest.mark.parametrize("format", ["text", "json", "markdown"])
def test_diff_of_broken_twins_reports_and_exits_2(trees, format: str) -> None:
    old, new, _ = trees
    run = cassette("diff", "-f", format, "--color", "never", str(old), str(new))
    assert run.code == 2, run
    assert_no_traceback(run)
    if format == "json":
        json.loads(run.out)


def test_diff_of_one_broken_pair_names_the_file(trees) -> None:
    old, new, broken = trees
    path = next(p for p in broken if p.name == "go-vcr-openrouter_tool_streaming.empty.yaml")
    run = cassette("diff", str(old / path.relative_to(new)), str(path))
    assert run.code == 2, run
    assert_no_traceback(run)
    assert str(path) in run.out + run.err


# --- validate ----------------------------------------------------------------------------------

@pytest.mark.parametrize("format", ["text", "json", "github", "sarif"])
def test_validate_reports_every_broken_file_as_findings(trees, format: str) -> None:
    _, new, broken = trees
    run = cassette("validate", "-f", format, str(new))
    assert run.code == 1, run
    assert_no_traceback(run)
    assert run.err == "", run
    if format == "text":
        for line in run.out.splitlines():
            assert re.match(r"^\S.*?(:\d+){0,2}: [CBTSW]\d{3} \S", line), line
        assert {str(p) for p in broken if p.stat().st_size == 0} <= {
            line.split(":", 1)[0] for line in run.out.splitlines()}
    elif format in ("json", "sarif"):
        json.loads(run.out)


# --- redact ------------------------------------------------------------------------------------

@pytest.mark.parametrize("options", [["--check"], ["--diff"], []])
def test_redact_refuses_broken_files_in_one_line_and_changes_none(trees, tmp_path: Path,
                                                                  options: list[str]) -> None:
    _, new, _ = trees
    copy = tmp_path / "copy"
    shutil.copytree(new, copy)
    before = {p: p.read_bytes() for p in copy.rglob("*") if p.is_file()}
    run = cassette("redact", *options, str(copy))
    assert run.code == 2, run
    assert_no_traceback(run)
    for line in run.err.splitlines():
        if not re.match(r"^(would )?redact(ed)? \d+ secret", line):
            assert ERROR_LINE.match(line), (line, str(run))
    assert {p: p.read_bytes() for p in copy.rglob("*") if p.is_file()} == before


# --- usage errors and internal errors ----------------------------------------------------------

@pytest.mark.parametrize("args", [["show"], ["show", "-f", "yaml", "x.yaml"], ["diff", "a"],
                                  ["validate", "--severity", "fatal", "x"], ["redact"],
                                  ["redact", "--placeholder", "{oops", "x.yaml"], ["nonsense"],
                                  ["show", "-i", "many", "x.yaml"]])
def test_usage_errors_exit_2_without_a_traceback(args: list[str]) -> None:
    run = cassette(*args)
    assert run.code == 2, run
    assert_no_traceback(run)


def _boom(*args: object, **kwargs: object) -> None:
    raise RuntimeError("boom in the reader")


INTERNAL = {  # command -> (the function it calls, as imported at call time)
    ("show", "SAMPLE"): "cassette_tool.load.open_stream",
    ("show", "-f", "json", "SAMPLE"): "cassette_tool.load.open_stream",
    ("diff", "SAMPLE", "OTHER"): "cassette_tool.diff.compare",
    ("validate", "SAMPLE"): "cassette_tool.validate.check_file",
    ("redact", "--check", "SAMPLE"): "cassette_tool.redact.redact_file",
}


def _args(args: tuple[str, ...]) -> list[str]:
    files = {"SAMPLE": str(SAMPLES / SOURCES[0]),
             "OTHER": str(SAMPLES / "diff/cross-format/vcrpy/anthropic_umbrella_tool_stream.yaml")}
    return [files.get(arg, arg) for arg in args]


@pytest.mark.parametrize("args", sorted(INTERNAL))
def test_an_internal_error_is_one_line_and_exit_3(cli, monkeypatch: pytest.MonkeyPatch,
                                                  args: tuple[str, ...]) -> None:
    module, name = INTERNAL[args].rsplit(".", 1)
    monkeypatch.setattr(importlib.import_module(module), name, _boom)
    run = cli("--no-debug", *_args(args))
    assert run.code == 3 and run.out == "", run
    assert run.err == ("cassette: internal error: RuntimeError: boom in the reader (run with "
                       "--debug for the traceback)\n"), run


def test_debug_lets_the_traceback_through(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    # (the package exports a function `load` that hides the module of that name)
    monkeypatch.setattr(importlib.import_module("cassette_tool.load"), "open_stream", _boom)
    with pytest.raises(RuntimeError, match="boom in the reader"):
        cli("--debug", "show", str(SAMPLES / SOURCES[0]))


def test_debug_prints_the_traceback_in_a_real_process() -> None:
    # The same, in a child process, to see what the user sees: Python's own traceback.
    script = ("import importlib, sys\nload = importlib.import_module('cassette_tool.load')\n"
              "def boom(*a, **k):\n    raise RuntimeError('boom in the reader')\n"
              "load.open_stream = boom\n"
              "from cassette_tool.cli import main\n"
              "sys.argv = ['cassette', *sys.argv[1:]]\nmain()\n")
    for debug, code in (("--debug", 1), ("--no-debug", 3)):
        done = subprocess.run([sys.executable, "-c", script, debug, "show",
                               str(SAMPLES / SOURCES[0])], capture_output=True, text=True,
                              timeout=TIMEOUT)
        assert done.returncode == code, done
        if debug == "--debug":
            assert "Traceback (most recent call last)" in done.stderr
            assert done.stderr.rstrip().endswith("RuntimeError: boom in the reader")
        else:
            assert "Traceback" not in done.stderr and len(done.stderr.splitlines()) == 1


def test_an_interrupt_is_exit_130(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    import cassette_tool.validate

    def interrupt(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cassette_tool.validate, "check_file", interrupt)
    run = cli("validate", str(SAMPLES / SOURCES[0]))
    assert run.code == 130 and "Traceback" not in run.err, run


@pytest.mark.parametrize("format", ["text", "json", "markdown"])
def test_output_cut_short_by_a_closed_pipe_is_not_an_error(trees, format: str) -> None:
    # `cassette show … | head -1`: the reader goes away; no BrokenPipeError traceback.
    old, _, _ = trees
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}
    # Four times the samples: far more output than a pipe holds, so the write must fail.
    with subprocess.Popen([sys.executable, "-m", "cassette_tool", "show", "--no-pager", "-f",
                           format, *[str(old)] * 4], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, env=env) as child:
        assert child.stdout is not None and child.stderr is not None
        child.stdout.read(100)  # not a line: the JSON interface is one line long
        child.stdout.close()
        err = child.stderr.read().decode()
        code = child.wait(timeout=TIMEOUT)
    assert code == 0 and "Traceback" not in err and "Broken" not in err, (code, err)
