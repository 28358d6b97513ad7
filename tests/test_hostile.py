"""Bad and hostile input: `validate`, `show` and `diff` answer with a finding or a clear
one-line error, in bounded time and memory, never with a traceback, and never change a file.

Cheap cases run in-process over every sample; the cases that could hang or exhaust memory
run the installed `cassette` command in a child process with a hang guard (a timeout, not a
timing assertion) and read the child's peak memory from `wait4`.
"""

from __future__ import annotations

import base64
import json
import os
import re
import resource
import signal
import subprocess
import sys
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from cassette_tool.validate import check_file

from conftest import SAMPLES

CASSETTE = Path(sys.executable).parent / "cassette"
HANG_GUARD = 120  # seconds: only catches a hang, it measures nothing
SAMPLE_FILES = sorted(p for p in SAMPLES.rglob("*") if p.is_file())
_FINDING_LINE = re.compile(r"^\S.*?(:\d+){0,2}: [CBTSW]\d{3} \S")
_ERROR_LINE = re.compile(r"^\S.*?(:\d+){0,2}: \S")


@dataclass
class Child:
    code: int
    out: str
    err: str
    peak_bytes: int

    def __str__(self) -> str:
        return (f"exit {self.code}, peak {self.peak_bytes >> 20} MiB\n--- stdout\n"
                f"{self.out[:2000]}\n--- stderr\n{self.err[:2000]}")


def run_child(tmp: Path, *args: str) -> Child:
    """`cassette ARGS` in a child process; output goes to files so that a large output
    cannot block the child while we wait for it."""
    out_path, err_path = tmp / "child.out", tmp / "child.err"
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}
    with out_path.open("wb") as out, err_path.open("wb") as err:
        child = subprocess.Popen([str(CASSETTE), *args], stdout=out, stderr=err,
                                 stdin=subprocess.DEVNULL, env=env)
    timer = threading.Timer(HANG_GUARD, os.kill, (child.pid, signal.SIGKILL))
    timer.start()
    try:
        _, status, usage = os.wait4(child.pid, 0)
    finally:
        timer.cancel()
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4, not by Popen
    assert child.returncode != -signal.SIGKILL, f"cassette {' '.join(args)} still ran after " \
                                                f"{HANG_GUARD} s"
    # Linux keeps a process's peak RSS across fork and exec, so the child's figure starts at
    # this (test runner) process's own peak: count only what the child added above it.
    inherited = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return Child(child.returncode, out_path.read_text(errors="replace"),
                 err_path.read_text(errors="replace"),
                 max(usage.ru_maxrss * 1024 - inherited, 0))


def snapshot(paths: list[Path]) -> dict[Path, tuple[bytes, int]]:
    return {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in paths}


def assert_clear(run: object, out: str, err: str) -> None:
    """No traceback, no internal error; every stderr line a one-line `path: message`."""
    assert "Traceback" not in out + err and "internal error" not in err, run
    for line in err.splitlines():
        assert _ERROR_LINE.match(line), (line, run)


def said(output: str) -> str:
    # diff reports an unreadable side in its own (wrapped) output, not as one stderr line
    return " ".join(output.split())


def assert_findings_output(run: object, out: str) -> None:
    for line in out.splitlines():
        assert _FINDING_LINE.match(line), (line, run)


# --- truncated files and invalid bytes, over every sample --------------------------------------

def _cuts(data: bytes) -> dict[str, bytes]:
    # Cut at a few offsets: inside the header, a body, a multi-byte character, the last line.
    return {f"cut{k}": data[:len(data) * k // 8] for k in (1, 3, 5, 7)} | {"cut-1": data[:-1]}


def _invalid_bytes(data: bytes) -> dict[str, bytes]:
    middle = len(data) // 2
    return {
        "ff-start": b"\xff\xfe" + data,
        "ff-middle": data[:middle] + b"\xff\xc3(" + data[middle:],
        "nul": data[:middle] + b"\x00" + data[middle:],
        "utf16": data.decode("utf-8", "replace").encode("utf-16"),
        "latin1": data.decode("utf-8", "replace").encode("latin-1", "replace") + b"\xe9\n",
    }


@pytest.fixture(scope="module")
def broken_files(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, Path]:
    """Each broken variant of each sample, with the sample it came from."""
    root = tmp_path_factory.mktemp("broken")
    variants: dict[Path, Path] = {}
    for number, sample in enumerate(SAMPLE_FILES):
        data = sample.read_bytes()
        for name, variant in (_cuts(data) | _invalid_bytes(data)).items():
            path = root / f"{number:02d}-{sample.stem}.{name}{sample.suffix}"
            path.write_bytes(variant)
            variants[path] = sample
    return variants


def test_every_broken_variant_gives_findings_without_raising(broken_files: dict[Path, Path]
                                                            ) -> None:
    files = sorted(broken_files)
    before = snapshot(files)
    unread = 0
    for path in files:
        findings = check_file(str(path))  # never raises: a broken file is itself a finding
        unread += any(f.code in ("C001", "C002", "C003") for f in findings)
        for f in findings:
            assert "\n" not in f.message, str(f)
    assert snapshot(files) == before
    # A cut can leave a shorter valid file, and a bad byte inside a !!binary body is data:
    # those validate; most variants are refused as unreadable.
    assert unread > len(files) // 2


def test_validate_show_and_diff_on_broken_variants_speak_in_one_line(
        cli, broken_files: dict[Path, Path]) -> None:
    files = sorted(broken_files)
    root = str(files[0].parent)
    before = snapshot(files)
    run = cli("validate", root)
    assert run.code == 1, run
    assert_clear(run, run.out, run.err)
    assert_findings_output(run, run.out)
    for fmt in ("text", "json", "markdown"):
        run = cli("show", "--no-pager", "-f", fmt, root)
        assert run.code == 2, run
        assert_clear(run, run.out, run.err)
    for path in files[::5]:  # diff reads both sides through the same loader
        run = cli("diff", str(broken_files[path]), str(path))
        assert run.code in (0, 1, 2), run
        assert_clear(run, run.out, run.err)
    assert snapshot(files) == before


def test_a_body_with_invalid_utf8_is_read_as_bytes(tmp_path: Path) -> None:
    # A body stored as !!binary may hold any bytes: not text, so no JSON or secret check,
    # and no crash.
    body = base64.b64encode(b'{"id": "\xff\xfe\xfd"}').decode()
    path = tmp_path / "binary.yaml"
    path.write_text(_vcrpy(f"!!binary |\n        {body}", "application/json"))
    assert [f.code for f in check_file(str(path))] == ["B101"]


# --- YAML that expands: aliases, nesting, tags -------------------------------------------------

def _vcrpy(response_body: str, content_type: str = "application/json",
           request_extra: str = "") -> str:
    return f"""interactions:
- request:
    body: '{{"model":"gpt-4o","messages":[{{"role":"user","content":"hi"}}]}}'
    headers:
      Content-Type:
      - application/json
    method: POST
    uri: https://api.openai.com/v1/chat/completions
{request_extra}  response:
    body:
      string: {response_body}
    headers:
      Content-Type:
      - {content_type}
    status:
      code: 200
      message: OK
version: 1
"""


def _laughs(indent: str, levels: int = 9, width: int = 9) -> list[str]:
    lines = [f"{indent}l0: &l0 [" + ", ".join(['"lol"'] * width) + "]"]
    lines += [f"{indent}l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]"
              for i in range(1, levels + 1)]
    return lines


BOMBS = {
    # 9 levels of 9 aliases: 9^9 = 387 million strings once expanded.
    "go-vcr-headers": "\n".join([
        "---", "version: 2", "interactions:", "- id: 0", "  request:", "    body: ''",
        "    headers:", *_laughs("      "), "    url: https://api.openai.com/v1/models",
        "    method: GET", "  response:", "    body: '{}'", "    headers: {}",
        "    status: 200 OK", "    code: 200", "    duration: 1s", ""]),
    "vcrpy-parsed-body": _vcrpy("'{}'", request_extra="\n".join(
        ["    parsed_body:", *_laughs("      "), ""])).replace(
        "    body: '{\"model\"", "    ignored: '{\"model\"", 1),
    "ruby-vcr-bodies": "\n".join([
        "---", "http_interactions:", "- request:", "    method: post",
        "    uri: https://api.openai.com/v1/chat/completions", "    body:",
        "      encoding: UTF-8", "      string: '{}'", "    headers:", *_laughs("      "),
        "  response:", "    status:", "      code: 200", "      message: OK",
        "    headers: {}", "    body:", "      encoding: UTF-8", "      string: '{}'",
        "  recorded_at: Thu, 19 Jun 2025 08:46:03 GMT", "recorded_with: VCR 6.3.1", ""]),
    "top-level": "\n".join([*_laughs(""), "interactions: [*l9]", ""]),
}
DEEP = {
    "flow-sequences.yaml": "interactions: " + "[" * 100_000 + "]" * 100_000 + "\n",
    "block-sequences.yaml": "interactions:\n" + "- " * 100_000 + "x\n",
    "flow-mappings.yaml": "interactions: " + "{a: " * 100_000 + "b" + "}" * 100_000 + "\n",
    "har.json": '{"log": {"entries": ' + "[" * 100_000 + "]" * 100_000 + "}}\n",
    "nock.json": '[{"scope": "https://api.openai.com:443", "method": "POST", "path": "/v1",'
                 ' "body": ' + "[" * 100_000 + "]" * 100_000 + ', "status": 200}]\n',
    "nock-1000.json": '[{"scope": "https://api.openai.com:443", "method": "POST", "path": "/v1",'
                      ' "body": {"messages": ' + "[" * 1000 + "]" * 1000 + '}, "status": 200}]\n',
    "body-string.yaml": _vcrpy("'" + "[" * 100_000 + "'"),
    "parsed-body-700.yaml": _vcrpy("'{}'", request_extra="    parsed_body: " + "[" * 700
                                   + "]" * 700 + "\n"),
    "recursive-alias.yaml": _vcrpy("'{}'", request_extra="    parsed_body: &a [*a]\n"),
    "alias-chain.yaml": "\n".join(["a0: &a0 []", *(f"a{i}: &a{i} [*a{i - 1}]"
                                                   for i in range(1, 700)),
                                   "interactions: [*a699]", ""]),
}


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_alias_bomb_is_refused_without_expanding(tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.yaml"
    path.write_text(BOMBS[name])
    before = snapshot([path])
    for args in (("validate", str(path)), ("validate", "-f", "json", str(path)),
                 ("show", "-f", "json", str(path)), ("show", "--no-pager", str(path)),
                 ("diff", str(path), str(path))):
        run = run_child(tmp_path, *args)
        assert run.code in (1, 2), run
        assert_clear(run, run.out, run.err)
        assert "billion laughs" in said(run.out + run.err), run
        assert len(run.out) + len(run.err) < 10_000, run
        assert run.peak_bytes < 300 << 20, run
    assert snapshot([path]) == before


@pytest.mark.parametrize("name", sorted(DEEP))
def test_deep_nesting_is_refused_or_read(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text(DEEP[name])
    for args in (("validate", str(path)), ("show", "-f", "json", str(path)),
                 ("show", "--no-pager", str(path))):
        run = run_child(tmp_path, *args)
        # validate: a finding (1) or unreadable (2); show: read (0) or unreadable (2)
        assert run.code in ((1, 2) if args[0] == "validate" else (0, 2)), run
        assert_clear(run, run.out, run.err)
        assert run.peak_bytes < 300 << 20, run


def test_nesting_just_under_the_limit_is_read_by_every_command(cli, tmp_path: Path) -> None:
    # A parsed body and a tool schema nested 180 levels: deeper than any real cassette, and
    # still within what every reader, renderer and writer handles (source.MAX_DEPTH).
    from cassette_tool.source import MAX_DEPTH

    levels = MAX_DEPTH - 20
    path = tmp_path / "nested.yaml"
    path.write_text(_vcrpy("'{}'", request_extra=(
        "    parsed_body:\n      model: gpt-4o\n      messages: [{role: user, content: "
        + "[" * levels + "]" * levels + "}]\n      tools: [{type: function, function: "
        "{name: f, parameters: " + "{a: " * levels + "b" + "}" * levels + "}}]\n")))
    other = tmp_path / "nested-other.yaml"
    other.write_text(path.read_text().replace("{a: b}", "{a: c}"))
    for args in (("validate", str(path)), ("show", "--no-pager", "--raw", str(path)),
                 ("show", "-f", "json", "--raw", str(path)), ("show", "-f", "markdown", str(path)),
                 ("diff", str(path), str(other)), ("diff", "-f", "json", str(path), str(other))):
        run = cli(*args)
        assert run.code == (1 if args[0] == "diff" else 0), run
        assert_clear(run, run.out, run.err)


def test_a_body_nested_too_deeply_for_json_is_invalid_json(tmp_path: Path) -> None:
    path = tmp_path / "deep-body.yaml"
    path.write_text(DEEP["body-string.yaml"])
    assert [f.code for f in check_file(str(path))] == ["B101"]


@pytest.mark.parametrize("tag", [
    "!!python/object/apply:os.system [{command!r}]",
    "!!python/object/new:os.system [{command!r}]",
    "!!python/object/apply:subprocess.check_call [[sh, -c, {command!r}]]",
    "!!python/name:os.system",
    "!ruby/object:Kernel {{command: {command!r}}}",
])
def test_object_tags_are_refused_and_nothing_runs(cli, tmp_path: Path, tag: str) -> None:
    marker = tmp_path / "marker"
    command = f"touch {marker}"
    path = tmp_path / "tagged.yaml"
    path.write_text(_vcrpy("'{}'", request_extra=f"    extra: {tag.format(command=command)}\n"))
    before = snapshot([path])
    finding, = check_file(str(path))
    assert finding.code == "C001" and "refusing the YAML tag" in finding.message
    for args in (("validate", str(path)), ("show", "--no-pager", str(path)),
                 ("show", "-f", "json", str(path)), ("diff", str(path), str(path))):
        run = cli(*args)
        assert run.code in (1, 2), run
        assert_clear(run, run.out, run.err)
        assert "refusing the YAML tag" in said(run.out + run.err), run
    run = run_child(tmp_path, "validate", str(path))  # and in a fresh interpreter
    assert run.code == 1 and "refusing the YAML tag" in run.out, run
    assert not marker.exists()
    assert snapshot([path]) == before


# --- large bodies ------------------------------------------------------------------------------

def _go_vcr_big(path: Path, body_lines: list[str] | str, content_type: str) -> None:
    with path.open("w") as f:
        f.write("---\nversion: 2\ninteractions:\n- id: 0\n  request:\n"
                "    body: '{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[{\"role\":"
                "\"user\",\"content\":\"Tell me a long story.\"}]}'\n"
                "    headers:\n      Content-Type:\n      - application/json\n"
                "    url: https://api.openai.com/v1/chat/completions\n    method: POST\n"
                "  response:\n")
        if isinstance(body_lines, str):
            f.write(f"    body: '{body_lines}'\n")
        else:
            f.write("    body: |\n")
            f.writelines(f"      {line}\n" if line else "\n" for line in body_lines)
        f.write(f"    headers:\n      Content-Type:\n      - {content_type}\n"
                "    status: 200 OK\n    code: 200\n    duration: 41.5s\n")


def test_a_100_mb_json_reply_validates_in_bounded_memory(tmp_path: Path) -> None:
    sentence = "The lighthouse keeper counted the ships again. "
    content = sentence * (100_000_000 // len(sentence))
    body = json.dumps({"id": "chatcmpl-9xLm2", "object": "chat.completion", "model": "gpt-4o",
                       "choices": [{"index": 0, "message": {"role": "assistant",
                                                            "content": content},
                                    "finish_reason": "stop"}],
                       "usage": {"prompt_tokens": 14, "completion_tokens": 19_600_000,
                                 "total_tokens": 19_600_014}})
    del content
    path = tmp_path / "big-reply.yaml"
    _go_vcr_big(path, body, "application/json")
    del body
    size = path.stat().st_size
    run = run_child(tmp_path, "validate", str(path))
    assert run.code == 0 and run.out == "", run
    assert run.peak_bytes < 8 * size, run
    run = run_child(tmp_path, "show", "-f", "json", str(path))
    assert run.code == 0 and run.err == "", run
    assert run.peak_bytes < 8 * size, run


def test_a_100_mb_stream_validates_in_bounded_memory(tmp_path: Path) -> None:
    chunk = ('data: {"id":"chatcmpl-9xLm2","object":"chat.completion.chunk","created":1750410763,'
             '"model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"content":" ship"},'
             '"finish_reason":null}]}')
    count = 100_000_000 // (len(chunk) + 2)
    path = tmp_path / "big-stream.yaml"
    _go_vcr_big(path, [chunk, ""] * count + ["data: [DONE]", ""], "text/event-stream")
    size = path.stat().st_size
    run = run_child(tmp_path, "validate", str(path))
    assert run.code == 0 and run.out == "", run
    # The file's bytes, its parsed tree and the body: never a list of every event.
    assert run.peak_bytes < 4 * size, run


def test_millions_of_tiny_chunks_are_read_in_linear_time_and_bounded_memory(
        tmp_path: Path) -> None:
    chunk = 'data: {"choices":[{"index":0,"delta":{"content":"a"}}]}'
    count = 2_000_000
    path = tmp_path / "tiny-chunks.yaml"
    _go_vcr_big(path, [chunk, ""] * count + [
        'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}', "",
        "data: [DONE]", ""], "text/event-stream")
    size = path.stat().st_size
    run = run_child(tmp_path, "show", "-f", "json", str(path))
    assert run.code == 0 and run.err == "", run
    reply = json.loads(run.out)[0]["interactions"][0]["reply"]
    assert reply["text"] == "a" * count and reply["finish_reason"] == "stop"
    assert run.peak_bytes < 4 * size, run


def test_a_gzip_bomb_is_not_inflated_without_bound(tmp_path: Path) -> None:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b" " * (1 << 20)
    gz = compressor.compress(b'{"id":"') + b"".join(
        compressor.compress(block) for _ in range(128)) + compressor.compress(b'"}')
    gz += compressor.flush()  # 128 MiB of JSON in about 128 KB
    encoded = base64.b64encode(gz).decode()
    lines = "\n".join("        " + encoded[i:i + 76] for i in range(0, len(encoded), 76))
    path = tmp_path / "gzip-bomb.yaml"
    path.write_text(_vcrpy("!!binary |\n" + lines).replace(
        "    headers:\n      Content-Type:\n      - application/json\n    status",
        "    headers:\n      Content-Encoding:\n      - gzip\n      Content-Type:\n"
        "      - application/json\n    status"))
    run = run_child(tmp_path, "validate", str(path))
    assert run.code == 1 and "B102" in run.out, run
    assert run.peak_bytes < 200 << 20, run
