import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cassette_tool import load
from cassette_tool.errors import CassetteError
from cassette_tool.load import expand_paths
from cassette_tool.model import (
    ApiError,
    Body,
    Cost,
    Exchange,
    Interaction,
    MediaPart,
    Message,
    ReasoningPart,
    Request,
    Response,
    TextPart,
    Tool,
    ToolCall,
    ToolResult,
    Usage,
)
from cassette_tool.pricing import price
from cassette_tool.providers import anthropic, read_exchange

from conftest import corpus_or_skip, sample

MESSAGES = "https://api.anthropic.com/v1/messages"
VERTEX = ("https://us-east5-aiplatform.googleapis.com/v1/projects/p/locations/us-east5/"
          "publishers/anthropic/models/claude-sonnet-4-5@20250929:streamRawPredict")


def _exchange(body: Any, reply: str | dict[str, Any], *, url: str = MESSAGES,
              status: int = 200) -> Exchange:
    """One interaction through the provider registry: a dict reply is sent as JSON, a string
    as an SSE stream."""
    streamed = isinstance(reply, str)
    data = reply.encode() if isinstance(reply, str) else json.dumps(reply).encode()
    content_type = "text/event-stream" if streamed else "application/json"
    interaction = Interaction(
        0, Request("POST", url, body=Body(json.dumps(body).encode())),
        Response(status, headers=(("Content-Type", content_type),), body=Body(data)))
    exchange = read_exchange(interaction)
    assert exchange is not None
    return exchange


def _sse(*events: dict[str, Any]) -> str:
    return "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events)


ASK = {"model": "claude-haiku-4-5", "max_tokens": 100, "stream": True,
       "messages": [{"role": "user", "content": "Hi"}]}
START = {"type": "message_start", "message": {
    "id": "msg_1", "model": "claude-haiku-4-5-20251001", "role": "assistant", "content": [],
    "usage": {"input_tokens": 12, "cache_creation_input_tokens": 0,
              "cache_read_input_tokens": 0, "output_tokens": 1}}}
TEXT_START = {"type": "content_block_start", "index": 0,
              "content_block": {"type": "text", "text": ""}}
STOP = {"type": "message_stop"}


def _text(text: str, index: int = 0) -> dict[str, Any]:
    return {"type": "content_block_delta", "index": index,
            "delta": {"type": "text_delta", "text": text}}


def _end(stop_reason: str = "end_turn", **usage: int) -> dict[str, Any]:
    return {"type": "message_delta", "delta": {"stop_reason": stop_reason},
            "usage": usage or {"output_tokens": 5}}


# --- samples --------------------------------------------------------------------------------

def test_direct_thinking_then_tool_call_then_answer() -> None:
    cassette = load(sample("vcrpy/anthropic_thinking_tool.yaml"))
    first, second = cassette.exchanges
    assert (first.api, first.provider, first.model, first.request_model, first.streamed) == (
        "anthropic", "anthropic", "claude-sonnet-4-5-20250929", "claude-sonnet-4-5", False)
    assert first.reply.reasoning.startswith("The user wants 150 g of caster sugar in US cups.")
    assert first.reply.reasoning.endswith("instead of guessing.")
    assert first.reply.text == "I'll convert that using the density of caster sugar."
    assert first.reply.tool_calls == (ToolCall("convert_units", {
        "quantity": 150, "from_unit": "g", "to_unit": "us_cup", "ingredient": "caster sugar"}),)
    assert first.reply.tool_calls[0].id == "toolu_01Vd9Qm3hTzW8bLkR2xNcE5f"
    assert (first.reply.finish_reason, first.reply.native_finish_reason) == ("tool_calls",
                                                                             "tool_use")
    assert first.usage == Usage(689, 171, 0, 0, None)
    assert first.response_id == "msg_01HqZ4vN8bKcT2mW7sYd3RxE"
    assert first.prompt.messages[0] == Message("system", (TextPart(
        "You are a careful kitchen assistant. Always use the convert_units tool for "
        "conversions and round to practical kitchen measures."),))
    assert dict(first.prompt.params) == {
        "max_tokens": 2048, "thinking": {"type": "enabled", "budget_tokens": 1024}}
    assert [t.name for t in first.prompt.tools] == ["convert_units"]
    assert first.prompt.tools[0].parameters["required"] == ["quantity", "from_unit", "to_unit"]

    assert second.reply.text.startswith("150 g of caster sugar is about **0.72 US cups**")
    assert (second.reply.reasoning, second.reply.tool_calls) == ("", ())
    assert second.reply.finish_reason == "stop"
    assert second.usage == Usage(905, 74, 0, 0, None)
    assistant, result = second.prompt.messages[2:]
    assert [type(p) for p in assistant.parts] == [ReasoningPart, TextPart, ToolCall]
    assert result == Message("user", (ToolResult(
        '{"quantity":0.72,"unit":"us_cup","density_g_per_ml":0.88}'),))
    assert result.parts[0].tool_call_id == "toolu_01Vd9Qm3hTzW8bLkR2xNcE5f"


def test_streamed_web_search_with_citations() -> None:
    (exchange,) = load(sample("ruby-vcr/anthropic_web_search_streaming.yml")).exchanges
    assert (exchange.api, exchange.model, exchange.streamed) == (
        "anthropic", "claude-haiku-4-5-20251001", True)
    assert exchange.reply.text == (
        "The Rijksmuseum is open every day, including Sundays: it opens from 9:00 a.m. to "
        "5:00 p.m. Booking a timed ticket online in advance is recommended.")
    assert exchange.reply.tool_calls == ()  # web_search ran on Anthropic's side
    assert exchange.reply.notes == (
        'server tool web_search {"query": "Rijksmuseum opening hours Sunday"} → 2 result(s)',)
    assert exchange.reply.finish_reason == "stop"
    # message_delta repeats input_tokens with the search results counted: 6412, not 2187.
    assert exchange.usage == Usage(6412, 96, 0, 0, None)
    assert exchange.prompt.tools == (
        Tool("web_search", "built-in web_search_20250305", None),)


def test_overloaded_then_retried() -> None:
    failed, retried = load(sample("vcrpy/anthropic_overloaded_retry.yaml")).exchanges
    assert failed.reply.error == ApiError("Overloaded", "overloaded_error")
    assert (failed.reply.finish_reason, failed.usage, failed.model) == (
        "error", None, "claude-haiku-4-5")
    assert retried.reply.error is None
    assert retried.reply.text.startswith("Trim the stems and stand the basil in a glass")
    assert retried.usage == Usage(21, 33, 0, 0, None)
    assert failed.prompt == retried.prompt


def test_vertex_streamed_thinking() -> None:
    (exchange,) = load(sample("go-vcr/vertex_anthropic_thinking_streaming.yaml")).exchanges
    assert (exchange.api, exchange.provider, exchange.model, exchange.request_model) == (
        "anthropic", "vertex", "claude-sonnet-4-5-20250929", "claude-sonnet-4-5@20250929")
    assert exchange.reply.reasoning == (
        "The recipe uses 2 eggs for 12 muffins, so that is 6 muffins per egg. With 3 eggs: "
        "3 × 6 = 18 muffins. Every other ingredient scales by 3/2 = 1.5.")
    assert exchange.reply.text == (
        "That makes **18 muffins**. The recipe uses 2 eggs per 12 muffins, so 3 eggs is 1.5× "
        "the recipe: multiply every other ingredient by 1.5 too.")
    assert exchange.usage == Usage(61, 118, 0, 0, None)
    assert exchange.reply.notes == ()


# --- stream quirks --------------------------------------------------------------------------

def test_usage_merges_field_by_field() -> None:
    # Quirk: message_delta.usage replaces message_start's keys one by one (wire-formats.md 4.4).
    exchange = _exchange(ASK, _sse(START, TEXT_START, _text("Hello"), _end(output_tokens=7),
                                   STOP))
    assert exchange.usage == Usage(12, 7, 0, 0, None)
    later = _exchange(ASK, _sse(START, _end(input_tokens=40, output_tokens=9), STOP))
    assert later.usage == Usage(40, 9, 0, 0, None)


def test_cached_tokens_are_added_to_input() -> None:
    # Quirk: Anthropic's input_tokens excludes cache reads and writes (wire-formats.md 4.5).
    reply = {"type": "message", "role": "assistant", "model": "m", "stop_reason": "end_turn",
             "content": [{"type": "text", "text": "ok"}],
             "usage": {"input_tokens": 10, "cache_creation_input_tokens": 8,
                       "cache_read_input_tokens": 5, "output_tokens": 15}}
    assert _exchange(ASK, reply).usage == Usage(23, 15, 5, 8, None)


def test_thinking_tokens_detail_is_reasoning() -> None:
    # Quirk: newer replies carry output_tokens_details.thinking_tokens, inside output_tokens.
    reply = {"type": "message", "role": "assistant", "model": "m", "stop_reason": "end_turn",
             "content": [{"type": "text", "text": "ok"}],
             "usage": {"input_tokens": 10, "output_tokens": 40,
                       "output_tokens_details": {"thinking_tokens": 25}}}
    assert _exchange(ASK, reply).usage == Usage(10, 40, None, None, 25)


def test_gateway_cost_is_reported() -> None:
    # Quirk: Pydantic AI Gateway puts its price in usage.pydantic_ai_gateway.cost_estimate.
    reply = {"type": "message", "role": "assistant", "model": "m", "stop_reason": "end_turn",
             "content": [{"type": "text", "text": "ok"}],
             "usage": {"input_tokens": 14, "output_tokens": 10,
                       "pydantic_ai_gateway": {"cost_estimate": 0.000192}}}
    url = "http://localhost:8787/anthropic/v1/messages"
    exchange = _exchange(ASK, reply, url=url)
    assert exchange.reported_cost == Decimal("0.000192")
    assert price(exchange, url).cost == Cost(Decimal("0.000192"), "reported")


def test_padded_json_and_ping_are_read() -> None:
    # Quirk: Anthropic pads SSE JSON with spaces before the closing brace; ping carries nothing.
    stream = _sse(START, TEXT_START).replace('"text": ""}}', '"text": ""}      }')
    assert '""}      }' in stream
    stream += 'event: ping\ndata: {"type": "ping"}\n\n' + _sse(_text("Olá"), _end(), STOP)
    exchange = _exchange(ASK, stream)
    assert (exchange.reply.text, exchange.reply.notes) == ("Olá", ())


def test_tool_input_arrives_in_fragments() -> None:
    # Quirk: tool_use input streams as input_json_delta strings, parsed at content_block_stop.
    start = {"type": "content_block_start", "index": 0, "content_block": {
        "type": "tool_use", "id": "toolu_1", "name": "weather", "input": {}}}
    pieces = ["", '{"city": "Li', 'sbon"}']
    deltas = [{"type": "content_block_delta", "index": 0,
               "delta": {"type": "input_json_delta", "partial_json": p}} for p in pieces]
    stop = {"type": "content_block_stop", "index": 0}
    exchange = _exchange(ASK, _sse(START, start, *deltas, stop, _end("tool_use"), STOP))
    assert exchange.reply.tool_calls == (ToolCall("weather", {"city": "Lisbon"}),)
    assert exchange.reply.finish_reason == "tool_calls"


def test_bad_tool_json_is_kept_raw() -> None:
    # Quirk: arguments that are not JSON after reassembly stay a string, flagged.
    start = {"type": "content_block_start", "index": 0, "content_block": {
        "type": "tool_use", "id": "toolu_1", "name": "weather", "input": {}}}
    delta = {"type": "content_block_delta", "index": 0,
             "delta": {"type": "input_json_delta", "partial_json": '{"city": "Lis'}}
    stop = {"type": "content_block_stop", "index": 0}
    exchange = _exchange(ASK, _sse(START, start, delta, stop, _end("tool_use"), STOP))
    assert exchange.reply.tool_calls == (ToolCall("weather", '{"city": "Lis'),)
    assert exchange.reply.notes == ("arguments of tool call weather are not valid JSON",)


def test_thinking_and_signature_deltas() -> None:
    # Quirk: thinking streams as thinking_delta, then one signature_delta on the same block.
    start = {"type": "content_block_start", "index": 0,
             "content_block": {"type": "thinking", "thinking": "", "signature": ""}}
    deltas = [{"type": "content_block_delta", "index": 0, "delta": d} for d in (
        {"type": "thinking_delta", "thinking": "Two plus"},
        {"type": "thinking_delta", "thinking": " two is four."},
        {"type": "signature_delta", "signature": "EqQB"})]
    exchange = _exchange(ASK, _sse(START, start, *deltas, {"type": "content_block_stop",
                                                           "index": 0},
                                   {**TEXT_START, "index": 1}, _text("4", 1), _end(), STOP))
    assert (exchange.reply.reasoning, exchange.reply.text) == ("Two plus two is four.", "4")


def test_citations_split_text_is_joined() -> None:
    # Quirk: citations cut one answer into several text blocks: join without separators.
    blocks = [{"type": "text", "text": "Paris is "},
              {"type": "text", "text": "the capital", "citations": [{"cited_text": "…"}]},
              {"type": "text", "text": " of France."}]
    reply = {"type": "message", "role": "assistant", "model": "m", "content": blocks,
             "stop_reason": "end_turn", "usage": {"input_tokens": 1, "output_tokens": 1}}
    assert _exchange(ASK, reply).reply.text == "Paris is the capital of France."


def test_error_event_mid_stream_keeps_partial_text() -> None:
    # Quirk: an `error` event can follow a 200 and partial content (wire-formats.md 4.6).
    error = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    exchange = _exchange(ASK, _sse(START, TEXT_START, _text("Once upon"), error))
    assert exchange.reply.text == "Once upon"
    assert exchange.reply.error == ApiError("Overloaded", "overloaded_error")
    assert (exchange.reply.finish_reason, exchange.reply.notes) == ("error", ())


def test_truncated_stream_is_flagged() -> None:
    # Quirk: a recording cut before message_stop is rebuilt as far as it goes, with a note.
    exchange = _exchange(ASK, _sse(START, TEXT_START, _text("Once upon")) + "data: {\"ty")
    assert exchange.reply.text == "Once upon"
    assert exchange.reply.notes == ("stream ended before message_stop",
                                    "1 stream event(s) were not JSON")


def test_refusal_stop_reason() -> None:
    # Quirk: a refusal is stop_reason "refusal", explained in stop_details when present.
    reply = {"type": "message", "role": "assistant", "model": "m", "content": [],
             "stop_reason": "refusal", "usage": {"input_tokens": 9, "output_tokens": 0},
             "stop_details": {"type": "refusal", "category": "cyber",
                              "explanation": "This request asks for malware."}}
    result = _exchange(ASK, reply).reply
    assert (result.finish_reason, result.native_finish_reason) == ("content_filter", "refusal")
    assert result.refusal == "This request asks for malware."


def test_server_tool_result_joins_its_call_and_redacted_thinking_is_noted() -> None:
    # Quirk: server tools (code execution) and redacted thinking are not client tool calls.
    blocks = [{"type": "redacted_thinking", "data": "EmwKAhgB"},
              {"type": "server_tool_use", "id": "srv_1", "name": "bash_code_execution",
               "input": {"command": "echo 42"}},
              {"type": "bash_code_execution_tool_result", "tool_use_id": "srv_1",
               "content": {"type": "bash_code_execution_result", "stdout": "42\n",
                           "return_code": 0}},
              {"type": "text", "text": "42"}]
    reply = {"type": "message", "role": "assistant", "model": "m", "content": blocks,
             "stop_reason": "end_turn", "usage": {"input_tokens": 1, "output_tokens": 1}}
    result = _exchange(ASK, reply).reply
    assert (result.text, result.tool_calls, result.reasoning) == ("42", (), "")
    assert result.notes == ("redacted thinking block (encrypted)",
                            'server tool bash_code_execution {"command": "echo 42"} → exit code 0')


def test_reply_that_is_not_json_is_noted() -> None:
    interaction = Interaction(0, Request("POST", MESSAGES, body=Body(json.dumps(ASK).encode())),
                              Response(200, body=Body(b"<html>gateway timeout</html>")))
    exchange = read_exchange(interaction)
    assert exchange is not None
    assert exchange.reply.notes == ("reply body is not a JSON object",)


def test_vertex_error_uses_google_envelope() -> None:
    error = {"error": {"code": 429, "message": "Quota exceeded for aiplatform.googleapis.com",
                       "status": "RESOURCE_EXHAUSTED"}}
    body = {"anthropic_version": "vertex-2023-10-16", "max_tokens": 10,
            "messages": [{"role": "user", "content": "Hi"}]}
    exchange = _exchange(body, error, url=VERTEX, status=429)
    assert exchange.reply.error == ApiError("Quota exceeded for aiplatform.googleapis.com",
                                            "RESOURCE_EXHAUSTED")
    assert exchange.request_model == "claude-sonnet-4-5@20250929"


def test_legacy_text_completion() -> None:
    # Quirk: /v1/complete takes a "\n\nHuman: … \n\nAssistant:" prompt, answers `completion`.
    body = {"model": "claude-2", "max_tokens_to_sample": 5,
            "prompt": "\n\nHuman: How high is the sky?\n\nAssistant:"}
    reply = {"type": "completion", "completion": " Very high.", "stop_reason": "stop_sequence",
             "model": "claude-2.1"}
    exchange = _exchange(body, reply, url="https://api.anthropic.com/v1/complete")
    assert exchange.prompt.messages == (Message("user", (TextPart("How high is the sky?"),)),)
    assert (exchange.reply.text, exchange.model, exchange.usage) == (" Very high.", "claude-2.1",
                                                                     None)


# --- recognition and prompt -----------------------------------------------------------------

@pytest.mark.parametrize(("url", "body", "expected"), [
    (MESSAGES, None, True),
    ("https://api.anthropic.com/v1/messages?beta=true", None, True),
    ("<ANTHROPIC_API_BASE>/v1/messages", None, True),
    (VERTEX, None, True),
    (VERTEX.replace(":streamRawPredict", ":rawPredict"), None, True),
    (VERTEX.replace("claude-sonnet-4-5@20250929", "count-tokens"), None, False),
    ("https://api.anthropic.com/v1/messages/count_tokens", None, False),
    ("https://api.anthropic.com/v1/messages/batches", None, False),
    ("https://proxy.example/llm", {"anthropic_version": "x", "messages": []}, True),
    ("https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-v2/invoke",
     {"anthropic_version": "bedrock-2023-05-31", "messages": []}, False),
    ("https://api.openai.com/v1/chat/completions", {"messages": []}, False),
])
def test_matches(url: str, body: Any, expected: bool) -> None:
    assert anthropic.matches(url, body) is expected


def test_prompt_history_keeps_server_tool_blocks_apart() -> None:
    # Quirk: only consecutive text blocks are one answer; server tool blocks stay separate.
    content = [{"type": "text", "text": "Let me run it."},
               {"type": "server_tool_use", "id": "s1", "name": "bash_code_execution",
                "input": {"command": "ls"}},
               {"type": "bash_code_execution_tool_result", "tool_use_id": "s1",
                "content": {"return_code": 0}},
               {"type": "text", "text": "Done."}]
    prompt = anthropic.prompt_of({"messages": [{"role": "assistant", "content": content}]})
    assert prompt.messages[0].parts == (
        TextPart("Let me run it."), TextPart('[server tool bash_code_execution {"command": "ls"}]'),
        TextPart("[bash_code_execution_tool_result: exit code 0]"), TextPart("Done."))


def test_prompt_blocks() -> None:
    body = {
        "system": [{"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral"}}],
        "messages": [
            {"role": "user", "content": [
                {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                             "data": "iVBORw0KGgo="}},
                {"type": "image", "source": {"type": "url", "url": "https://x.test/cat.jpg"}},
                {"type": "document", "source": {"type": "base64",
                                                "media_type": "application/pdf",
                                                "data": "JVBERi0xLjQK"}},
                {"type": "text", "text": "Compare them."}]},
            {"role": "assistant", "content": [
                {"type": "thinking", "thinking": "", "signature": "EqQB"},
                {"type": "text", "text": "The cat "}, {"type": "text", "text": "is larger."},
                {"type": "tool_use", "id": "t1", "name": "measure", "input": {"what": "cat"}}]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "t1", "is_error": True, "content": [
                    {"type": "text", "text": "sensor offline"}, {"type": "image"}]}]},
            {"role": "system", "content": [{"type": "text", "text": "Answer in French."}]},
        ],
        "tools": [{"name": "measure", "description": "Measure a thing",
                   "input_schema": {"type": "object"}}],
        "temperature": 0.2, "top_k": 5, "stop_sequences": ["END"],
    }
    prompt = anthropic.prompt_of(body)
    assert prompt.messages == (
        Message("system", (TextPart("Be brief."),)),
        Message("user", (MediaPart("image", "image/png", 8),
                         MediaPart("image", None, None, "https://x.test/cat.jpg"),
                         MediaPart("file", "application/pdf", 9), TextPart("Compare them."))),
        Message("assistant", (TextPart("The cat is larger."),
                              ToolCall("measure", {"what": "cat"}))),
        Message("user", (ToolResult("sensor offline\n[image]", is_error=True),)),
        Message("system", (TextPart("Answer in French."),)),
    )
    assert prompt.tools == (Tool("measure", "Measure a thing", {"type": "object"}),)
    assert dict(prompt.params) == {"temperature": 0.2, "top_k": 5, "stop_sequences": ["END"]}


_WORDS = st.sampled_from(["type", "index", "delta", "content_block", "message", "usage",
                          "content", "text", "input", "partial_json", "tool_use_id", "id",
                          "message_start", "content_block_delta", "text_delta", "tool_use",
                          "input_json_delta", "message_delta", "server_tool_use", "image"])
ODD_JSON = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-3, 3), _WORDS),
                        lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                st.dictionaries(_WORDS, inner, max_size=5)),
                        max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(ODD_JSON, st.lists(ODD_JSON, max_size=6))
def test_odd_input_never_raises(body: Any, events: list[Any]) -> None:
    stream = "".join(f"data: {json.dumps(e)}\n\n" for e in events)
    streamed = _exchange(body, stream)
    assert streamed.api == "anthropic"
    whole = _exchange(body, {"content": events, "usage": body})
    assert whole.reply.error is None


# --- the corpus -----------------------------------------------------------------------------

def _corpus_exchanges(root: Path, api: str, hint: bytes) -> list[tuple[str, Exchange]]:
    found = []
    for path in expand_paths([str(root)]):
        if "/history/" in path or hint not in Path(path).read_bytes():
            continue
        try:
            cassette = load(path, priced=False)
        except CassetteError:
            continue
        found.extend((path, e) for e in cassette.exchanges if e.api == api)
    return found


def test_corpus_properties() -> None:
    exchanges = _corpus_exchanges(corpus_or_skip(), "anthropic", b"anthropic")
    assert len(exchanges) >= 140
    for path, exchange in exchanges:
        where = f"{path}: {exchange.response_id}"
        assert exchange.model, where
        reply = exchange.reply
        assert reply.text or reply.tool_calls or reply.error, where
        usage = exchange.usage
        if usage is None:
            continue
        assert min(usage.input_tokens or 0, usage.output_tokens or 0) >= 0, where
        cached = (usage.cache_read_tokens or 0) + (usage.cache_write_tokens or 0)
        assert cached <= (usage.input_tokens or 0), where
        assert (usage.reasoning_tokens or 0) <= (usage.output_tokens or 0), where
    assert sum(e.usage is not None for _, e in exchanges) >= len(exchanges) - 1
