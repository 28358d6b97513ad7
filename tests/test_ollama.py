"""Ollama's native API (wire-formats.md section 7): samples, wire quirks, corpus properties."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from cassette_tool import CassetteError, load
from cassette_tool.model import (
    ApiError,
    Exchange,
    Interaction,
    MediaPart,
    Message,
    ReasoningPart,
    TextPart,
    Tool,
    ToolCall,
    ToolResult,
    Usage,
)
from cassette_tool.providers import ollama, read_exchange

from conftest import corpus_or_skip, http_interaction, sample

CHAT_URL = "http://localhost:11434/api/chat"
CHAT = {"model": "qwen3:8b", "messages": [{"role": "user", "content": "hi"}]}


def ndjson(*objects: object) -> str:
    return "".join(json.dumps(o) + "\n" for o in objects)


def chunk(content: str = "", done: bool = False, message: dict[str, object] | None = None,
          **extra: object) -> dict[str, object]:
    return {"model": "qwen3:8b", "created_at": "2025-09-18T14:02:31Z",
            "message": {"role": "assistant", "content": content, **(message or {})},
            "done": done, **extra}


def last(**extra: object) -> dict[str, object]:
    return {**chunk(done=True), "done_reason": "stop", "prompt_eval_count": 12,
            "eval_count": 3, **extra}


def exchange(body: str, request: object = CHAT, url: str = CHAT_URL, **kw: object) -> Exchange:
    kw.setdefault("content_type", "application/x-ndjson")
    result = read_exchange(http_interaction(url, request, body, **kw))  # type: ignore[arg-type]
    assert result is not None
    return result


# --- samples --------------------------------------------------------------------------------

def test_streamed_thinking_then_tool_call_then_answer() -> None:
    cassette = load(sample("ruby-vcr/ollama_thinking_tool_stream.yml"))
    first, second = cassette.exchanges
    assert (first.api, first.provider, first.model, first.request_model, first.streamed) == (
        "ollama", "ollama", "qwen3:8b", "qwen3:8b", True)
    assert first.reply.reasoning == (
        "Okay, the user wants to know how many grams are in 2 cups of flour. Flour density "
        "varies, so I should use the convert_units tool with the ingredient set to all-purpose "
        "flour.")
    assert first.reply.text == ""
    assert first.reply.tool_calls == (ToolCall("convert_units", {
        "from_unit": "cup", "ingredient": "all-purpose flour", "quantity": 2, "to_unit": "g"}),)
    assert first.reply.tool_calls[0].id == "call_x7rk2m4q"
    assert (first.reply.finish_reason, first.reply.native_finish_reason) == ("tool_calls", "stop")
    assert first.usage == Usage(231, 67)
    assert first.reply.notes == ()
    assert first.prompt.messages == (
        Message("system", (TextPart("You are a kitchen assistant. Use the tools for unit "
                                    "conversions."),)),
        Message("user", (TextPart("How many grams is 2 cups of flour?"),)))
    assert first.prompt.params == (("temperature", 0.6), ("think", True), ("stream", True))
    assert [(t.name, t.description) for t in first.prompt.tools] == [
        ("convert_units", "Convert a kitchen quantity between units")]
    assert first.cost is not None and first.cost.usd == 0

    assert second.reply.reasoning == ("The tool says 250 grams. I'll give that and mention "
                                      "spooning the flour.")
    assert second.reply.text == (
        "Two cups of all-purpose flour weigh about **250 g** (125 g per cup). Spoon the flour "
        "into the cup and level it off for the most accurate measure.")
    assert second.reply.tool_calls == ()
    assert second.reply.finish_reason == "stop"
    assert second.usage == Usage(289, 61)
    assistant, tool = second.prompt.messages[2:]
    assert assistant == Message("assistant", first.reply.tool_calls)
    assert tool == Message("tool", (ToolResult('{"grams": 250, "per_cup": 125}',
                                               name="convert_units"),))


def test_non_streamed_generate_with_system_and_options() -> None:
    (result,) = load(sample("vcrpy/ollama_generate.yaml")).exchanges
    assert (result.api, result.provider, result.model, result.streamed) == (
        "ollama", "ollama", "llama3.2:3b", False)
    assert result.reply.text == (
        "350 °F is about 175 °C, so preheat your oven to 175 °C (or 160 °C for a fan oven).")
    assert (result.reply.finish_reason, result.reply.reasoning) == ("stop", "")
    assert result.usage == Usage(47, 33)
    assert result.prompt.messages == (
        Message("system", (TextPart("You are a precise baking assistant. Round temperatures "
                                    "to the nearest 5 degrees."),)),
        Message("user", (TextPart("Convert 350 degrees Fahrenheit to Celsius for my oven. "
                                  "Answer in one sentence."),)))
    assert result.prompt.params == (("temperature", 0.2), ("num_predict", 128),
                                    ("keep_alive", "5m"), ("stream", False))


def test_model_not_found_is_an_error_reply() -> None:
    (result,) = load(sample("vcrpy/ollama_model_not_found.yaml")).exchanges
    assert result.reply.error == ApiError('model "llama3.3:70b" not found, try pulling it first')
    assert result.reply.finish_reason == "error"
    assert (result.model, result.usage, result.streamed) == ("llama3.3:70b", None, False)


# --- wire quirks ----------------------------------------------------------------------------

def test_stream_is_the_default_when_the_request_does_not_say() -> None:
    # Quirk: `stream` defaults to true; with no content type the NDJSON lines show it.
    body = ndjson(chunk("Hel"), chunk("lo"), last())
    result = exchange(body, content_type="")
    assert (result.streamed, result.reply.text, result.reply.notes) == (True, "Hello", ())


def test_missing_done_line_is_noted_as_truncated() -> None:
    # Quirk: no terminator; only the `"done": true` object shows the stream finished.
    result = exchange(ndjson(chunk("Hel"), chunk("lo")))
    assert result.reply.text == "Hello"
    assert result.reply.finish_reason is None and result.usage is None
    assert result.reply.notes == ('stream ended without a "done": true line (truncated)',)


def test_error_line_in_the_middle_of_a_stream() -> None:
    # Quirk: errors mid-stream arrive as a bare `{"error": "..."}` line.
    result = exchange(ndjson(chunk("Par"), {"error": "an error was encountered while running "
                                                     "the model: unexpected EOF"}))
    assert result.reply.error == ApiError(
        "an error was encountered while running the model: unexpected EOF")
    assert (result.reply.finish_reason, result.reply.text, result.reply.notes) == (
        "error", "Par", ())


def test_generate_stream_uses_top_level_response_and_thinking() -> None:
    # Quirk: /api/generate has `response` and `thinking` at the top, no `message`.
    lines = [{"model": "qwen3:8b", "thinking": "Hm", "response": "", "done": False},
             {"model": "qwen3:8b", "response": "Yes", "done": False},
             {"model": "qwen3:8b", "response": "", "done": True, "done_reason": "stop",
              "context": [1, 2], "prompt_eval_count": 9, "eval_count": 4}]
    request = {"model": "qwen3:8b", "prompt": "Is it?", "think": True}
    result = exchange(ndjson(*lines), request, "http://gpu-box:11434/api/generate")
    assert (result.reply.text, result.reply.reasoning, result.usage) == ("Yes", "Hm", Usage(9, 4))
    assert result.prompt.messages == (Message("user", (TextPart("Is it?"),)),)
    assert result.provider == "ollama"


def test_tool_calls_are_keyed_by_id_else_appended() -> None:
    # Quirk: calls arrive whole; newer versions add `id`/`function.index`, older ones neither.
    call = {"function": {"name": "f", "arguments": {"a": 1}}}
    with_id = {"id": "call_1", "function": {"index": 0, "name": "f", "arguments": {"a": 1}}}
    result = exchange(ndjson(chunk(message={"tool_calls": [with_id]}),
                             chunk(message={"tool_calls": [with_id]}),
                             chunk(message={"tool_calls": [call]}),
                             chunk(message={"tool_calls": [call]}), last()))
    assert result.reply.tool_calls == (ToolCall("f", {"a": 1}),) * 3
    assert result.reply.finish_reason == "tool_calls"


def test_prompt_served_from_cache_has_no_prompt_eval_count() -> None:
    # Quirk: prompt_eval_count is omitted when the whole prompt came from the KV cache.
    result = exchange(ndjson(chunk("ok"), chunk(done=True, done_reason="stop", eval_count=2)))
    assert result.usage == Usage(None, 2)
    assert result.reply.notes == ("no prompt_eval_count: prompt served from the KV cache",)


@pytest.mark.parametrize(("done_reason", "finish"), [("length", "length"), ("load", "other"),
                                                     ("unload", "other")])
def test_done_reasons(done_reason: str, finish: str) -> None:
    result = exchange(ndjson(chunk("x"), last(done_reason=done_reason)))
    assert (result.reply.finish_reason, result.reply.native_finish_reason) == (
        finish, done_reason)


def test_images_are_bare_base64_with_sniffed_media_type() -> None:
    # Quirk: `images` holds base64 strings with no media type; the first bytes tell it.
    png = "iVBORw0KGgoAAAANSUhEUg=="
    request = {"model": "llava", "messages": [{"role": "user", "content": "What is this?",
                                               "images": [png, "/9j/4AAQ"]}], "stream": False}
    result = exchange(json.dumps(last()), request, content_type="application/json")
    assert result.prompt.messages[0].parts == (
        TextPart("What is this?"), MediaPart("image", "image/png", 16),
        MediaPart("image", "image/jpeg", 6))


def test_assistant_history_keeps_thinking_and_object_arguments() -> None:
    request = {"model": "m", "stream": False, "messages": [
        {"role": "assistant", "content": "", "thinking": "plan",
         "tool_calls": [{"function": {"name": "f", "arguments": {"x": [1]}}}]},
        {"role": "tool", "content": "42", "tool_name": "f"}],
        "tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}]}
    result = exchange(json.dumps(last()), request, content_type="application/json")
    assert result.prompt.messages == (
        Message("assistant", (ReasoningPart("plan"), ToolCall("f", {"x": [1]}))),
        Message("tool", (ToolResult("42", name="f"),)))
    assert result.prompt.tools == (Tool("f", None, {}),)


def test_top_level_temperature_is_shown_and_options_win() -> None:
    # Quirk: langchainrb sends `temperature` at the top level, where Ollama ignores it.
    top = ollama.prompt_of({"model": "m", "temperature": 0.0, "stream": True})
    both = ollama.prompt_of({"model": "m", "temperature": 0.0, "options": {"temperature": 0.7}})
    assert top.params == (("temperature", 0.0), ("stream", True))
    assert both.params == (("temperature", 0.7),)


def test_plain_text_error_and_bad_lines() -> None:
    text_error = exchange("404 page not found", status=404, content_type="text/plain")
    assert text_error.reply.error == ApiError("404 page not found")
    bad = exchange("{not json\n" + ndjson(chunk("ok"), last()))
    assert (bad.reply.text, bad.reply.notes) == ("ok", ("1 line(s) were not JSON",))


@pytest.mark.parametrize(("url", "matched"), [
    ("http://localhost:11434/api/chat", True),
    ("<OLLAMA_API_BASE>/api/chat", True),
    ("https://ollama.com/api/generate?x=1", True),
    ("http://127.0.0.1:11434/api/embed", False),
    ("http://127.0.0.1:11434/api/tags", False),
    ("http://127.0.0.1:11434/api/show", False),
    ("http://127.0.0.1:11434/api/pull", False),
    ("http://localhost:11434/v1/chat/completions", False),
])
def test_matches_only_generation_endpoints(url: str, matched: bool) -> None:
    assert ollama.matches(url, None) is matched


# --- corpus ---------------------------------------------------------------------------------

@cache
def _corpus_interactions() -> tuple[tuple[str, Interaction], ...]:
    root = corpus_or_skip()
    found: list[tuple[str, Interaction]] = []
    for folder in ("ruby-vcr/patterns-ai-core__langchainrb", "ruby-vcr/crmne__ruby_llm",
                   "vcrpy/pydantic__pydantic-ai/tests/models/cassettes/test_ollama",
                   "httprr/golang__oscar/internal/ollama"):
        for path in sorted(Path(root, folder).rglob("*")):
            if path.suffix not in (".yml", ".yaml", ".httprr"):
                continue
            try:
                cassette = load(str(path))
            except CassetteError:
                continue  # a few corpus files are not cassettes: test_corpus covers them
            found += [(f"{path}#{i.index}", i) for i in cassette.interactions]
    return tuple(found)


def test_corpus_ollama_exchanges_are_complete() -> None:
    found = [(where, i.exchange) for where, i in _corpus_interactions()
             if i.exchange is not None and i.exchange.api == "ollama"]
    assert len(found) == 6  # langchainrb: chat and generate, streamed and not
    for where, result in found:
        reply, usage = result.reply, result.usage
        assert result.model and result.provider == "ollama", where
        assert reply.text or reply.tool_calls or reply.error, where
        assert reply.notes == () and reply.finish_reason == "stop", where
        assert usage is not None and usage.cache_read_tokens is None, where
        assert (usage.input_tokens or 0) > 0 and (usage.output_tokens or 0) > 0, where


def test_corpus_ollama_embeddings_are_not_generation() -> None:
    embeds = [i for _, i in _corpus_interactions() if i.request.url.endswith("/api/embed")]
    assert embeds and all(i.exchange is None for i in embeds)
