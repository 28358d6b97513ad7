"""Cohere v2 Chat (wire-formats.md section 8): samples, wire quirks, corpus properties."""

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
from cassette_tool.providers import cohere, read_exchange

from conftest import corpus_or_skip, http_interaction, sample

URL = "https://api.cohere.com/v2/chat"
CHAT = {"model": "command-a-03-2025", "messages": [{"role": "user", "content": "hi"}],
        "stream": True}
USAGE = {"billed_units": {"input_tokens": 10, "output_tokens": 4},
         "tokens": {"input_tokens": 700, "output_tokens": 9}, "cached_tokens": 640}


def events(*data: dict[str, object], done: bool = True) -> str:
    text = "".join(f"event: {d['type']}\ndata: {json.dumps(d)}\n\n" for d in data)
    return text + ("data: [DONE]\n\n" if done else "")


def delta(kind: str, index: int | None = None, **message: object) -> dict[str, object]:
    event: dict[str, object] = {"type": kind, "delta": {"message": message}}
    if index is not None:
        event["index"] = index
    return event


def end(finish: str = "COMPLETE", **extra: object) -> dict[str, object]:
    return {"type": "message-end", "delta": {"finish_reason": finish, "usage": USAGE, **extra}}


def exchange(body: str, request: object = CHAT, url: str = URL, **kw: object) -> Exchange:
    kw.setdefault("content_type", "text/event-stream")
    result = read_exchange(http_interaction(url, request, body, **kw))  # type: ignore[arg-type]
    assert result is not None
    return result


# --- samples --------------------------------------------------------------------------------

def test_streamed_tool_call_then_answer() -> None:
    first, second = load(sample("vcrpy/cohere_tool_stream.yaml")).exchanges
    assert (first.api, first.provider, first.model, first.request_model, first.streamed) == (
        "cohere", "cohere", "command-a-03-2025", "command-a-03-2025", True)
    assert first.response_id == "5b0f7c1e-9d2a-4c8b-a6f3-2e41d8c09b77"
    plan = "I will check the current weather in Toronto and then advise the user."
    assert (first.reply.text, first.reply.reasoning) == ("", plan)
    assert first.reply.tool_calls == (ToolCall("get_weather", {"city": "Toronto"}),)
    assert first.reply.tool_calls[0].id == "get_weather_q4t7wd2m9xkz"
    assert (first.reply.finish_reason, first.reply.native_finish_reason) == (
        "tool_calls", "TOOL_CALL")
    assert first.reply.notes == ()
    assert first.usage == Usage(31, 25)
    assert first.prompt.messages == (
        Message("system", (TextPart("You are a practical commuting assistant."),)),
        Message("user", (TextPart("Should I bike to work in Toronto today?"),)))
    assert first.prompt.tools == (Tool("get_weather", "Current weather for a city", {
        "type": "object", "properties": {"city": {"type": "string",
                                                  "description": "City name, e.g. Toronto"}},
        "required": ["city"]}),)
    assert first.prompt.params == (("temperature", 0.3), ("stream", True))

    assert second.reply.text == (
        "It's a damp day in Toronto: light rain at 9°C with winds around 24 km/h. Biking is "
        "doable with a rain jacket and fenders, but transit would keep you dry.")
    assert (second.reply.reasoning, second.reply.tool_calls) == ("", ())
    assert (second.reply.finish_reason, second.reply.native_finish_reason) == (
        "stop", "COMPLETE")
    assert second.usage == Usage(84, 44)
    assert second.prompt.messages[2:] == (
        Message("assistant", (ReasoningPart(plan), ToolCall("get_weather", {"city": "Toronto"}))),
        Message("tool", (ToolResult('{"city": "Toronto", "condition": "light rain", '
                                    '"temperature_c": 9, "wind_kph": 24}'),)))
    result_part = second.prompt.messages[3].parts[0]
    assert isinstance(result_part, ToolResult)
    assert result_part.tool_call_id == "get_weather_q4t7wd2m9xkz"


def test_non_streamed_answer_grounded_in_documents() -> None:
    (result,) = load(sample("ruby-vcr/cohere_citations.yml")).exchanges
    assert (result.api, result.model, result.streamed) == ("cohere", "command-a-03-2025", False)
    assert result.reply.text == (
        "If you keep your starter in the fridge, feed it once a week. Before baking, take it "
        "out a day ahead and give it two feedings at room temperature; it is ready when it has "
        "roughly doubled, usually 4 to 8 hours after a feeding.")
    assert (result.reply.finish_reason, result.reply.reasoning) == ("stop", "")
    assert result.usage == Usage(127, 52)
    assert result.response_id == "c2d8e5a1-4b7f-4e39-9a06-d15f3b8c7e42"
    assert result.prompt.params == (("temperature", 0.3), ("max_tokens", 400),
                                    ("stream", False), ("documents", 2))
    assert [m.role for m in result.prompt.messages] == ["system", "user"]


def test_rate_limit_error() -> None:
    (result,) = load(sample("vcrpy/cohere_rate_limited.yaml")).exchanges
    assert result.reply.error == ApiError(
        "You are using a Trial key, which is limited to 10 API calls / minute. You can continue "
        "to use the Trial key for free or upgrade to a Production key with higher rate limits.")
    assert (result.reply.finish_reason, result.usage) == ("error", None)


# --- wire quirks ----------------------------------------------------------------------------

def test_recorded_streams_end_with_done_although_the_docs_say_none() -> None:
    # Quirk: Cohere's docs promise no terminator; recorded streams end with `data: [DONE]`.
    body = events(delta("content-delta", 0, content={"text": "Hi"}), end())
    result = exchange(body)
    assert (result.reply.text, result.reply.notes) == ("Hi", ())


def test_stream_without_message_end_is_truncated() -> None:
    result = exchange(events(delta("content-delta", 0, content={"text": "Hi"}), done=False))
    assert result.reply.text == "Hi" and result.usage is None
    assert result.reply.notes == ("stream ended without message-end (truncated)",)


def test_error_inside_message_end() -> None:
    # Quirk: a failure mid-stream is finish_reason ERROR with `delta.error` on message-end.
    result = exchange(events(end("ERROR", error="internal server error")))
    assert result.reply.error == ApiError("internal server error")
    assert (result.reply.finish_reason, result.reply.native_finish_reason) == ("error", "ERROR")


def test_thinking_and_text_are_content_items_by_index() -> None:
    # Quirk: thinking streams as its own content item (`content.thinking`), keyed by index.
    body = events(
        delta("content-start", 0, content={"type": "thinking", "thinking": ""}),
        delta("content-delta", 0, content={"thinking": "Think"}),
        delta("content-start", 1, content={"type": "text", "text": ""}),
        delta("content-delta", 1, content={"text": "Ans"}),
        delta("content-delta", 0, content={"thinking": "ing"}),
        delta("content-delta", 1, content={"text": "wer"}),
        end())
    result = exchange(body)
    assert (result.reply.reasoning, result.reply.text) == ("Thinking", "Answer")


def test_tool_call_fragments_are_keyed_by_index() -> None:
    start = {"id": "f_1", "type": "function", "function": {"name": "f", "arguments": ""}}
    body = events(
        delta("tool-plan-delta", tool_plan="Two calls."),
        delta("tool-call-start", 0, tool_calls=start),
        delta("tool-call-start", 1, tool_calls={**start, "id": "f_2"}),
        delta("tool-call-delta", 1, tool_calls={"function": {"arguments": '{"n": 2}'}}),
        delta("tool-call-delta", 0, tool_calls={"function": {"arguments": '{"n":'}}),
        delta("tool-call-delta", 0, tool_calls={"function": {"arguments": " 1}"}}),
        {"type": "tool-call-end", "index": 0}, end("TOOL_CALL"))
    result = exchange(body)
    assert result.reply.tool_calls == (ToolCall("f", {"n": 1}), ToolCall("f", {"n": 2}))
    assert [c.id for c in result.reply.tool_calls] == ["f_1", "f_2"]
    assert result.reply.reasoning == "Two calls."


def test_event_type_from_the_event_line_when_data_has_none() -> None:
    body = "event: content-delta\ndata: {\"index\": 0, \"delta\": {\"message\": " \
           "{\"content\": {\"text\": \"Hi\"}}}}\n\n" + events(end())
    assert exchange(body).reply.text == "Hi"


def test_usage_bills_on_billed_units_not_raw_tokens() -> None:
    # Quirk: `tokens` include Cohere's prompt template; `cached_tokens` counts against them
    # and can exceed the billed input, so it is not a cache read.
    usage = {**USAGE, "tokens": {"input_tokens": 700, "output_tokens": 9, "reasoning_tokens": 3}}
    assert cohere._usage(usage) == Usage(10, 4, None, None, 3)
    assert cohere._usage({"tokens": {"input_tokens": 7, "output_tokens": 2}}) == Usage(7, 2)
    assert cohere._usage(None) is None


def test_non_streamed_thinking_plan_and_calls() -> None:
    reply = {"id": "r1", "finish_reason": "TOOL_CALL", "usage": USAGE, "message": {
        "role": "assistant", "content": [{"type": "thinking", "thinking": "Need data."}],
        "tool_plan": "Look it up.", "tool_calls": [
            {"id": "t1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}}
    request = {**CHAT, "stream": False}
    result = exchange(json.dumps(reply), request, content_type="application/json")
    assert result.reply.reasoning == "Need data.\n\nLook it up."
    assert result.reply.tool_calls == (ToolCall("f", {}),)
    assert (result.reply.finish_reason, result.usage, result.streamed) == (
        "tool_calls", Usage(10, 4), False)


def test_prompt_content_items() -> None:
    body = {"model": "m", "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": [
            {"type": "text", "text": "Describe"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0K"}},
            {"type": "document", "document": {"data": "abcd", "id": "d1"}}]},
        {"role": "assistant", "content": [{"type": "text", "text": ""}],
         "tool_calls": [{"id": "c", "type": "function",
                         "function": {"name": "f", "arguments": "{\"a\": 1}"}}]},
        {"role": "tool", "tool_call_id": "c", "content": [
            {"type": "text", "text": "ok"},
            {"type": "document", "document": {"data": {"x": 1}}}]}]}
    prompt = cohere.prompt_of(body)
    assert prompt.messages == (
        Message("system", (TextPart("Be brief."),)),
        Message("user", (TextPart("Describe"), MediaPart("image", "image/png", 6),
                         MediaPart("file", None, 4))),
        Message("assistant", (ToolCall("f", {"a": 1}),)),
        Message("tool", (ToolResult('ok\n{"x":1}'),)))


@pytest.mark.parametrize(("url", "matched"), [
    ("https://api.cohere.com/v2/chat", True),
    ("https://api.cohere.ai/v2/chat/", True),
    ("<COHERE_API_BASE>/v2/chat", True),
    ("https://api.cohere.com/v2/rerank", False),
    ("https://api.cohere.com/v2/embed", False),
    ("https://api.cohere.com/v1/chat", False),
    ("https://api.cohere.ai/compatibility/v1/chat/completions", False),
    ("https://example.com/v2/chat", False),
])
def test_matches_only_v2_chat_on_cohere(url: str, matched: bool) -> None:
    assert cohere.matches(url, None) is matched


# --- corpus ---------------------------------------------------------------------------------

@cache
def _corpus_interactions() -> tuple[tuple[str, Interaction], ...]:
    root = corpus_or_skip()
    found: list[tuple[str, Interaction]] = []
    for folder in ("ruby-vcr/crmne__ruby_llm", "vcrpy/pydantic__pydantic-ai"):
        for path in sorted(Path(root, folder).rglob("*")):
            if path.suffix not in (".yml", ".yaml"):
                continue
            try:
                cassette = load(str(path))
            except CassetteError:
                continue  # a few corpus files are not cassettes: test_corpus covers them
            found += [(f"{path}#{i.index}", i) for i in cassette.interactions]
    return tuple(found)


def test_corpus_cohere_exchanges_are_complete() -> None:
    found = [(where, i.exchange) for where, i in _corpus_interactions()
             if i.exchange is not None and i.exchange.api == "cohere"]
    assert len(found) == 21  # ruby_llm 18 (4 streamed), pydantic-ai 3
    assert sum(result.streamed for _, result in found) == 4
    for where, result in found:
        reply, usage = result.reply, result.usage
        assert result.model and result.provider == "cohere", where
        assert reply.text or reply.tool_calls or reply.error, where
        assert reply.notes == () and reply.finish_reason in ("stop", "tool_calls"), where
        assert usage is not None and usage.cache_read_tokens is None, where
        assert (usage.input_tokens or 0) > 0 and (usage.output_tokens or 0) > 0, where
        assert (usage.reasoning_tokens or 0) <= (usage.output_tokens or 0), where


def test_corpus_cohere_rerank_is_not_chat() -> None:
    reranks = [i for _, i in _corpus_interactions() if i.request.url.endswith("/v2/rerank")]
    assert reranks and all(i.exchange is None for i in reranks)
