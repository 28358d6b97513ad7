from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
CORPUS = ROOT.parent / "shared" / "corpus"


@dataclass
class Run:
    code: int
    out: str
    err: str

    def __str__(self) -> str:
        return f"exit {self.code}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """Run `cassette ARGS…` in-process; the result prints itself when an assert fails."""
    from cassette_tool.cli import main

    def run(*args: str) -> Run:
        monkeypatch.setattr(sys, "argv", ["cassette", *args])
        monkeypatch.setenv("NO_COLOR", "1")
        monkeypatch.setenv("COLUMNS", "100")
        capsys.readouterr()
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


def corpus_or_skip() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not present at {CORPUS} (only on the developers' machines)")
    return CORPUS


def sample(relative: str) -> str:
    return str(SAMPLES / relative)


def http_interaction(url: str, request: object, response: str | bytes, *,
                     content_type: str = "application/json", status: int = 200):
    """An in-memory interaction, for unit tests of the API readers."""
    import json

    from cassette_tool.model import Body, Interaction, Request, Response

    request_bytes = request if isinstance(request, bytes) else json.dumps(request).encode()
    response_bytes = response.encode() if isinstance(response, str) else response
    return Interaction(
        index=0,
        request=Request("POST", url, (("Content-Type", "application/json"),), Body(request_bytes)),
        response=Response(status, "", (("Content-Type", content_type),), Body(response_bytes)),
    )


def sse(*chunks: object, done: bool = True) -> str:
    import json

    lines = [f"data: {c if isinstance(c, str) else json.dumps(c)}\n\n" for c in chunks]
    return "".join(lines) + ("data: [DONE]\n\n" if done else "")


def load_script(name: str):
    """A script under scripts/ imported as a module, for tests of what it measures."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


@contextmanager
def hang_guard(what: str = "", seconds: int = 30) -> Iterator[None]:
    """Fail instead of hanging (a regular expression backtracking catastrophically, say):
    catches a hang, measures nothing."""
    def stop(signum: int, frame: object) -> None:
        raise TimeoutError(f"{what + ': ' if what else ''}no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def go_vcr(request_headers: str = "", url: str = "https://api.openai.com/v1/chat/completions",
           body: str = "'{\"model\":\"gpt-4o\",\"messages\":[]}'", response_headers: str = "",
           response_body: str = "'{\"id\":\"chatcmpl-1\",\"choices\":[]}'",
           content_type: str = "application/json", code: str = "200") -> str:
    """A go-vcr cassette of one chat completion; header lines are given already indented."""
    return f"""---
version: 2
interactions:
    - id: 0
      request:
        proto: HTTP/1.1
        body: {body}
        headers:
            Content-Type:
                - application/json
{request_headers}        url: {url}
        method: POST
      response:
        body: {response_body}
        headers:
            Content-Type:
                - {content_type}
{response_headers}        status: {code} OK
        code: {code}
        duration: 812ms
"""
