"""Rendered output compared with reviewed files under tests/golden/.

Regenerate with `UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py`, then review the diff
of the golden files like code before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from rich.console import Console

from cassette_tool import load
from cassette_tool.render.console import render
from cassette_tool.render.markdown import render as render_markdown

from conftest import SAMPLES

GOLDEN = Path(__file__).parent / "golden"
CASES = [
    "go-vcr/openrouter_tool_streaming.yaml",
    "go-vcr/openai_responses_tool_streaming.yaml",
    "vcrpy/anthropic_thinking_tool.yaml",
    "go-vcr/gemini_thinking_tool_streaming.yaml",
    "go-vcr/bedrock_claude_tool_streaming.yaml",
    "nock/bedrock_converse_stream_tool.json",
    "ruby-vcr/ollama_thinking_tool_stream.yml",
    "vcrpy/cohere_tool_stream.yaml",
    "vcrpy/openai_chat_error.yaml",
    "vcrpy/openai_realtime_ws.yaml",
    "go-vcr/v1_openai_chat.yaml",
    "ruby-vcr/openai_image_base64.yml",
]


def rendered(sample: str) -> str:
    console = Console(width=100, color_system=None, force_terminal=False, record=True,
                      highlight=False, file=open(os.devnull, "w"))  # noqa: SIM115
    render(console, [load(relative(sample))])
    return console.export_text()


def relative(sample: str) -> str:
    # Paths as a user types them, so the golden files do not depend on the checkout's place.
    return os.path.relpath(SAMPLES / sample, SAMPLES.parent)


@pytest.fixture(autouse=True)
def _in_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(SAMPLES.parent)


def check(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path}: run with UPDATE_GOLDEN=1 and review it"
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("sample", CASES)
def test_console_rendering(sample: str) -> None:
    check(sample.replace("/", "__") + ".txt", rendered(sample))


def test_markdown_rendering() -> None:
    text = render_markdown([load(relative("go-vcr/openrouter_tool_streaming.yaml"))])
    check("openrouter_tool_streaming.md", text)
