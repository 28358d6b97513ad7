"""OpenAI Responses API: samples, wire quirks (wire-formats.md section 3) and the corpus."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from cassette_tool import expand_paths, load
from cassette_tool.model import (
    Body,
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
from cassette_tool.providers import openai_responses, read_exchange

from conftest import corpus_or_skip, http_interaction, sample

URL = "https://api.openai.com/v1/responses"
REQUEST = {"model": "gpt-5-mini", "input": "hi", "stream": True}


def events(*events: dict[str, Any]) -> str:
    """An SSE body as OpenAI writes it: `event:` line plus JSON with the same type."""
    return "".join(f"event: {e['type']}\ndata: {json.dumps({**e, 'sequence_number': n})}\n\n"
                   for n, e in enumerate(events))


def read(body: str | dict[str, Any], request: dict[str, Any] = REQUEST, url: str = URL,
         status: int = 200) -> Exchange:
    streamed = isinstance(body, str)
    interaction = http_interaction(
        url, request, body if streamed else json.dumps(body), status=status,
        content_type="text/event-stream" if streamed else "application/json")
    exchange = read_exchange(interaction)
    assert exchange is not None
    return exchange


def response(status: str = "completed", output: list[Any] | None = None,
             **extra: Any) -> dict[str, Any]:
    return {"id": "resp_1", "object": "response", "model": "gpt-5-mini-2025-08-07",
            "status": status, "output": output or [], "usage": None, **extra}


def message(text: str, item_id: str = "msg_1") -> dict[str, Any]:
    return {"id": item_id, "type": "message", "role": "assistant", "status": "completed",
            "content": [{"type": "output_text", "text": text, "annotations": []}]}


# --- samples --------------------------------------------------------------------------------

def test_streamed_reasoning_and_tool_call_then_answer() -> None:
    cassette = load(sample("go-vcr/openai_responses_tool_streaming.yaml"))
    first, second = cassette.exchanges
    assert (first.api, first.provider, first.model, first.request_model, first.streamed) == (
        "openai-responses", "openai", "gpt-5-mini-2025-08-07", "gpt-5-mini", True)
    assert first.response_id == "resp_0c4e2f8a91b7d3560068f59a3612e88190a7c5b3d1e9f2a4c6"
    assert first.reply.reasoning == (
        "**Converting flour cups to grams**\n\nThe user wants grams for 2.5 cups of flour. "
        "Flour density matters, so I'll call convert_units with the ingredient set to "
        "all-purpose flour.")
    assert first.reply.text == ""
    assert first.reply.tool_calls == (ToolCall("convert_units", {
        "quantity": 2.5, "from_unit": "cup", "to_unit": "g", "ingredient": "all-purpose flour"}),)
    assert first.reply.tool_calls[0].id == "call_Vq3kR8mNw2LxT5yPzB7cHd1J"
    assert (first.reply.finish_reason, first.reply.native_finish_reason) == (
        "tool_calls", "completed")
    assert first.usage == Usage(148, 91, 0, None, 64)
    assert first.reported_cost is None
    assert first.prompt.messages == (
        Message("developer", (TextPart("You are a kitchen assistant. Use the tools for every "
                                       "conversion."),)),
        Message("user", (TextPart("My bread recipe needs 2.5 cups of flour. How many grams "
                                  "is that?"),)))
    assert first.prompt.tools[0].name == "convert_units"
    assert first.prompt.tools[0].parameters["required"] == ["quantity", "from_unit", "to_unit"]
    assert dict(first.prompt.params) == {
        "tool_choice": "auto", "stream": True, "store": False, "reasoning.effort": "low",
        "reasoning.summary": "auto"}

    assert second.reply.text == (
        "2.5 cups of all-purpose flour is about **313 g** (125 g per cup, spooned and "
        "levelled). If you scoop straight from the bag, it can be closer to 350 g, so weighing "
        "is the safer bet.")
    assert second.reply.reasoning == ""  # encrypted only: no summary came back
    assert (second.reply.finish_reason, second.reply.tool_calls, second.reply.notes) == (
        "stop", (), ())
    assert second.usage == Usage(262, 58, 128, None, 12)
    assistant, tool = second.prompt.messages[2:]
    assert assistant == Message("assistant", (ReasoningPart(first.reply.reasoning),
                                              first.reply.tool_calls[0]))
    assert tool == Message("tool", (ToolResult(
        '{"quantity":312.5,"unit":"g","basis":"125 g per US cup, spooned and levelled"}',
        name="convert_units"),))
    result = tool.parts[0]
    assert isinstance(result, ToolResult) and result.tool_call_id == "call_Vq3kR8mNw2LxT5yPzB7cHd1J"


def test_non_streamed_text_with_instructions() -> None:
    cassette = load(sample("vcrpy/openai_responses_text.yaml"))
    (exchange,) = cassette.exchanges
    assert (exchange.api, exchange.provider, exchange.model, exchange.streamed) == (
        "openai-responses", "openai", "gpt-4.1-mini-2025-04-14", False)
    assert exchange.reply.text.startswith("Make a spinach and feta frittata. Soften the diced")
    assert exchange.reply.text.endswith("it also keeps well for tomorrow's lunch.")
    assert exchange.reply.text.count("\n\n") == 2
    assert (exchange.reply.finish_reason, exchange.reply.reasoning) == ("stop", "")
    assert exchange.usage == Usage(52, 112, 0, None, 0)
    assert exchange.prompt.messages == (
        Message("system", (TextPart("You are a practical home cook. Answer in at most three "
                                    "short paragraphs."),)),
        Message("user", (TextPart("I have 6 eggs, spinach, feta and half an onion. What can I "
                                  "make for dinner in 20 minutes?"),)))
    assert dict(exchange.prompt.params) == {"max_output_tokens": 300, "temperature": 0.4}


def test_streamed_reply_cut_by_max_output_tokens() -> None:
    (exchange,) = load(sample("ruby-vcr/openai_responses_incomplete_streaming.yml")).exchanges
    assert (exchange.model, exchange.request_model) == ("o4-mini-2025-04-16", "o4-mini")
    assert (exchange.reply.finish_reason, exchange.reply.native_finish_reason) == (
        "length", "max_output_tokens")
    assert exchange.reply.text.endswith("- Lunch: leftover lentil bolognese\n- Dinner: black bean")
    assert exchange.usage == Usage(27, 320, 0, None, 192)
    assert exchange.reply.notes == ()


def test_azure_v1_responses_with_an_image() -> None:
    (exchange,) = load(sample("go-vcr/azure_responses_image.yaml")).exchanges
    assert (exchange.api, exchange.provider, exchange.model) == (
        "openai-responses", "azure", "gpt-4.1-mini")
    assert exchange.prompt.messages[1].parts == (
        TextPart("What dish is this, and what should I drink with it?"),
        MediaPart("image", None, None,
                  "https://images.contoso-kitchen.example/uploads/2025/10/risotto-4411.jpg"))
    assert exchange.reply.text.startswith("This looks like a mushroom risotto")
    assert exchange.usage == Usage(614, 43, 0, None, 0)


# --- recognition ----------------------------------------------------------------------------

@pytest.mark.parametrize(("url", "expected"), [
    ("https://api.openai.com/v1/responses", True),
    ("https://x.openai.azure.com/openai/v1/responses", True),
    ("https://x.openai.azure.com/openai/responses?api-version=2025-04-01-preview", True),
    ("https://api.openai.com/v1/responses/resp_abc123", True),
    ("https://api.openai.com/v1/responses/resp_abc123/cancel", True),
    ("https://api.openai.com/v1/responses/resp_abc123/input_items", False),
    ("https://api.openai.com/v1/chat/completions", False),
])
def test_recognised_paths(url: str, expected: bool) -> None:
    # wire-formats.md 3.1: /v1/responses, Azure v1 and api-version paths; stored-response GETs.
    assert openai_responses.matches(url, None) is expected


# --- stream quirks --------------------------------------------------------------------------

def cut_before_terminal(interaction: Interaction) -> Interaction:
    assert interaction.response is not None
    text = interaction.response.body.data.decode()
    kept = text[:text.index("event: response.completed")]
    return replace(interaction, response=replace(interaction.response,
                                                 body=Body(kept.encode())))


def test_truncated_stream_is_rebuilt_from_deltas() -> None:
    # No terminal event: text, summary and arguments come from the accumulated deltas.
    first, second = load(sample("go-vcr/openai_responses_tool_streaming.yaml")).interactions
    complete = first.exchange
    assert complete is not None
    cut = read_exchange(cut_before_terminal(first))
    assert cut is not None
    assert cut.reply.reasoning == complete.reply.reasoning
    assert cut.reply.tool_calls == complete.reply.tool_calls
    assert (cut.reply.finish_reason, cut.usage, cut.model) == (
        None, None, "gpt-5-mini-2025-08-07")
    assert cut.reply.notes == ("stream ended before response.completed; reply rebuilt from the "
                               "2 streamed item(s), usage unknown",)
    answer = read_exchange(cut_before_terminal(second))
    assert answer is not None and second.exchange is not None
    assert answer.reply.text == second.exchange.reply.text


def test_deltas_without_item_events_and_sequence_gaps() -> None:
    # A recording that lost events: deltas with no output_item.added, numbering gaps noted.
    body = ("data: " + json.dumps({"type": "response.output_text.delta", "output_index": 0,
                                   "content_index": 0, "delta": "Hel", "sequence_number": 4})
            + "\n\ndata: " + json.dumps({"type": "response.output_text.delta", "output_index": 0,
                                         "content_index": 0, "delta": "lo",
                                         "sequence_number": 7}) + "\n\n")
    exchange = read(body)
    assert exchange.reply.text == "Hello"
    assert exchange.model == "gpt-5-mini"  # only the request names it
    assert "6 stream event(s) missing (sequence_number gaps)" in exchange.reply.notes


def test_bedrock_mantle_reasoning_part_events_and_content_index_one() -> None:
    # Bedrock Mantle: `response.reasoning_part.*` and a message whose first part is index 1.
    body = events(
        {"type": "response.output_item.added", "output_index": 0,
         "item": {"id": "r1", "type": "reasoning", "summary": []}},
        {"type": "response.reasoning_part.added", "output_index": 0, "content_index": 0,
         "item_id": "r1", "part": {"type": "reasoning_text", "text": ""}},
        {"type": "response.reasoning_text.delta", "output_index": 0, "content_index": 0,
         "item_id": "r1", "delta": "Count"},
        {"type": "response.reasoning_part.done", "output_index": 0, "content_index": 0,
         "item_id": "r1", "part": {"type": "reasoning_text", "text": "Count up."}},
        {"type": "response.output_item.added", "output_index": 1,
         "item": {"id": "m1", "type": "message", "role": "assistant", "content": []}},
        {"type": "response.content_part.added", "output_index": 1, "content_index": 1,
         "item_id": "m1", "part": {"type": "output_text", "text": ""}},
        {"type": "response.output_text.delta", "output_index": 1, "content_index": 1,
         "item_id": "m1", "delta": "1 2 3"})
    exchange = read(body)
    assert (exchange.reply.reasoning, exchange.reply.text) == ("Count up.", "1 2 3")


def test_error_event_keeps_partial_text() -> None:
    # An `error` event ends the stream: recorded as the reply's error, partial text kept.
    body = events(
        {"type": "response.created", "response": response("in_progress")},
        {"type": "response.output_item.added", "output_index": 0,
         "item": {"id": "m1", "type": "message", "role": "assistant", "content": []}},
        {"type": "response.output_text.delta", "output_index": 0, "content_index": 0,
         "item_id": "m1", "delta": "Partial"},
        {"type": "error", "code": "server_error", "message": "The server had an error",
         "param": None})
    reply = read(body).reply
    assert (reply.text, reply.finish_reason) == ("Partial", "error")
    assert reply.error is not None
    assert (reply.error.message, reply.error.type) == ("The server had an error", "server_error")


def test_response_failed_is_terminal_and_carries_the_error() -> None:
    # response.failed: status failed, response.error {code, message}.
    failed = response("failed", error={"code": "rate_limit_exceeded", "message": "Slow down"})
    body = events({"type": "response.created", "response": response("in_progress")},
                  {"type": "response.failed", "response": failed})
    reply = read(body).reply
    assert (reply.finish_reason, reply.native_finish_reason, reply.notes) == (
        "error", "failed", ())
    assert reply.error is not None and reply.error.message == "Slow down"


def test_refusal_deltas() -> None:
    # Refusals are content parts of type refusal, streamed with refusal.delta / .done.
    body = events(
        {"type": "response.output_item.added", "output_index": 0,
         "item": {"id": "m1", "type": "message", "role": "assistant", "content": []}},
        {"type": "response.content_part.added", "output_index": 0, "content_index": 0,
         "item_id": "m1", "part": {"type": "refusal", "refusal": ""}},
        {"type": "response.refusal.delta", "output_index": 0, "content_index": 0,
         "item_id": "m1", "delta": "I can't "},
        {"type": "response.refusal.delta", "output_index": 0, "content_index": 0,
         "item_id": "m1", "delta": "help with that."})
    reply = read(body).reply
    assert (reply.refusal, reply.text) == ("I can't help with that.", "")


def test_custom_tool_call_input_is_raw_text() -> None:
    # custom_tool_call: free-form `input`, streamed with custom_tool_call_input.delta.
    item = {"id": "ctc_1", "type": "custom_tool_call", "call_id": "call_9", "name": "run_sql",
            "input": ""}
    body = events(
        {"type": "response.output_item.added", "output_index": 0, "item": item},
        {"type": "response.custom_tool_call_input.delta", "output_index": 0, "item_id": "ctc_1",
         "delta": "SELECT 1"},
        {"type": "response.custom_tool_call_input.delta", "output_index": 0, "item_id": "ctc_1",
         "delta": " FROM dual"})
    reply = read(body).reply
    assert reply.tool_calls == (ToolCall("run_sql", "SELECT 1 FROM dual", kind="custom"),)
    final = response(output=[{**item, "input": "SELECT 1 FROM dual"}])
    done = read(events({"type": "response.completed", "response": final})).reply
    assert (done.tool_calls, done.finish_reason) == (reply.tool_calls, "tool_calls")


def test_built_in_tools_are_notes_not_tool_calls() -> None:
    # web_search_call items run on the server: the client answers nothing.
    search = {"id": "ws_1", "type": "web_search_call", "status": "completed",
              "action": {"type": "search", "query": "Lisbon weather"}}
    final = response(output=[search, message("Sunny, 24 °C.")])
    reply = read(events({"type": "response.completed", "response": final})).reply
    assert (reply.tool_calls, reply.finish_reason, reply.text) == ((), "stop", "Sunny, 24 °C.")
    assert reply.notes == ("built-in tool item: web_search_call (search: Lisbon weather)",)


def test_terminal_event_with_empty_output_defers_to_streamed_items() -> None:
    # Some gateways send response.completed with `output: []`.
    body = events(
        {"type": "response.output_item.done", "output_index": 0, "item": message("Done.")},
        {"type": "response.completed", "response": response(
            usage={"input_tokens": 5, "output_tokens": 2})})
    exchange = read(body)
    assert (exchange.reply.text, exchange.reply.finish_reason) == ("Done.", "stop")
    assert exchange.usage == Usage(5, 2, None, None, None)


def test_separate_message_items_stay_separate_paragraphs() -> None:
    # DeepSeek: a `commentary` message, then tool work, then the final answer.
    final = response(output=[message("Let me check.", "m1"), message("It is 4.", "m2")])
    assert read(final).reply.text == "Let me check.\n\nIt is 4."


# --- non-streamed quirks --------------------------------------------------------------------

def test_incomplete_for_content_filter() -> None:
    # status incomplete, incomplete_details.reason content_filter.
    body = response("incomplete", [message("Partial")],
                    incomplete_details={"reason": "content_filter"})
    reply = read(body).reply
    assert (reply.finish_reason, reply.native_finish_reason) == (
        "content_filter", "content_filter")


def test_background_response_still_in_progress() -> None:
    # background: true replies at once with status queued / in_progress.
    reply = read(response("queued")).reply
    assert reply.finish_reason is None
    assert reply.notes == ("response is still queued (background mode: fetch it later by id)",)


def test_http_error_envelope() -> None:
    body = {"error": {"message": "The requested model 'nope' does not exist.",
                      "type": "invalid_request_error", "param": "model",
                      "code": "model_not_found"}}
    exchange = read(body, status=400)
    assert exchange.reply.error is not None
    assert (exchange.reply.error.message, exchange.reply.finish_reason, exchange.usage) == (
        "The requested model 'nope' does not exist.", "error", None)
    assert exchange.model == "gpt-5-mini"


def test_error_envelope_with_status_200() -> None:
    reply = read({"error": {"message": "overloaded", "type": "server_error"}}).reply
    assert reply.error is not None and reply.error.message == "overloaded"


def test_usage_with_cache_write_and_reported_costs() -> None:
    # xAI: cost_in_usd_ticks (1e-10 USD); OpenRouter: usage.cost in USD; cache_write_tokens.
    usage = {"input_tokens": 340, "input_tokens_details": {"cached_tokens": 192},
             "output_tokens": 127, "output_tokens_details": {"reasoning_tokens": 105},
             "total_tokens": 467, "cost_in_usd_ticks": 5409000}
    xai = read(response(output=[message("ok")], usage=usage), url="https://api.x.ai/v1/responses")
    assert (xai.provider, xai.reported_cost) == ("xai", Decimal("0.0005409"))
    assert xai.usage == Usage(340, 127, 192, None, 105)
    usage = {"input_tokens": 4020, "input_tokens_details": {"cached_tokens": 0,
                                                           "cache_write_tokens": 4012},
             "output_tokens": 5, "cost": 0.025265, "is_byok": False}
    router = read(response(output=[message("ok")], usage=usage),
                  url="https://openrouter.ai/api/v1/responses")
    assert (router.reported_cost, router.usage) == (
        Decimal("0.025265"), Usage(4020, 5, 0, 4012, None))


# --- prompt ---------------------------------------------------------------------------------

def test_prompt_items_become_messages() -> None:
    # Input items: one assistant turn is several items (reasoning, text, calls) joined.
    request = {
        "model": "gpt-5", "instructions": "Be brief.",
        "input": [
            {"role": "user", "content": [
                {"type": "input_text", "text": "Compare these."},
                {"type": "input_image", "image_url": "data:image/png;base64,iVBORw0KGgo="},
                {"type": "input_image", "file_id": "file-img1"},
                {"type": "input_file", "filename": "menu.pdf", "file_data": "JVBERi0xLjQK"},
                {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}}]},
            {"type": "reasoning", "id": "rs_1", "summary": [
                {"type": "summary_text", "text": "First."}, {"type": "summary_text",
                                                             "text": "Second."}]},
            {"type": "message", "role": "assistant", "content": [
                {"type": "output_text", "text": "Checking the menu."}]},
            {"type": "function_call", "call_id": "call_1", "name": "lookup",
             "arguments": "{\"dish\": \"soup\"}"},
            {"type": "function_call_output", "call_id": "call_1",
             "output": [{"type": "input_text", "text": "Tomato soup"}]},
            {"type": "item_reference", "id": "msg_old"},
            {"role": "developer", "content": "Answer in French."}],
        "tools": [
            {"type": "function", "name": "lookup", "description": "Find a dish",
             "parameters": {"type": "object"}},
            {"type": "web_search"},
            {"type": "custom", "name": "run_sql", "description": "Run SQL"},
            {"type": "mcp", "server_label": "kitchen", "server_url": "https://mcp.example"},
            {"type": "namespace", "name": "tools", "tools": [
                {"type": "function", "name": "convert", "parameters": None}]}],
        "reasoning": {"effort": "minimal"}, "text": {"format": {"type": "json_schema"}},
        "previous_response_id": "resp_0", "max_output_tokens": 100}
    prompt = openai_responses.prompt_of(request)
    assert prompt.messages == (
        Message("system", (TextPart("Be brief."),)),
        Message("user", (TextPart("Compare these."), MediaPart("image", "image/png", 8),
                         MediaPart("image", None, None, "file-img1"),
                         MediaPart("file", "application/pdf", 9, "menu.pdf"),
                         MediaPart("audio", "audio/wav", 4))),
        Message("assistant", (ReasoningPart("First.\n\nSecond."),
                              TextPart("Checking the menu."),
                              ToolCall("lookup", {"dish": "soup"}))),
        Message("tool", (ToolResult("Tomato soup", name="lookup"),)),
        Message("assistant", (TextPart("[item msg_old]"),)),
        Message("developer", (TextPart("Answer in French."),)))
    assert prompt.tools == (
        Tool("lookup", "Find a dish", {"type": "object"}), Tool("web_search", "built-in tool"),
        Tool("run_sql", "Run SQL"), Tool("mcp:kitchen", "https://mcp.example"), Tool("convert"))
    assert dict(prompt.params) == {
        "max_output_tokens": 100, "previous_response_id": "resp_0",
        "reasoning.effort": "minimal", "text.format": "json_schema"}


def test_two_assistant_messages_stay_two() -> None:
    # A second assistant message item starts a new message; calls after text join it.
    prompt = openai_responses.prompt_of({"input": [
        {"type": "message", "role": "assistant", "content": "One."},
        {"type": "function_call", "call_id": "c", "name": "f", "arguments": ""},
        {"type": "message", "role": "assistant", "content": "Two."}]})
    assert prompt.messages == (
        Message("assistant", (TextPart("One."), ToolCall("f", {}))),
        Message("assistant", (TextPart("Two."),)))


# --- corpus ---------------------------------------------------------------------------------

def corpus_exchanges() -> list[tuple[str, int, Exchange | None]]:
    root = corpus_or_skip()
    found = []
    for path in expand_paths([str(root)]):
        if "/history/" in path:
            continue
        with open(path, "rb") as handle:
            if b"/responses" not in handle.read():
                continue
        try:
            cassette = load(path, priced=False)
        except Exception:  # not a cassette: another test's business
            continue
        for interaction in cassette.interactions:
            if "/responses" in interaction.request.url.split("?", 1)[0]:
                found.append((path, interaction.index, interaction.exchange))
    return found


def test_corpus_responses_interactions() -> None:
    found = corpus_exchanges()
    assert len(found) >= 150
    bad = []
    for path, index, exchange in found:
        where = f"{path}#{index}"
        if exchange is None or exchange.api != "openai-responses" or not exchange.model:
            bad.append(f"{where}: not read")
            continue
        reply = exchange.reply
        if not (reply.text or reply.tool_calls or reply.error):
            bad.append(f"{where}: empty reply")
        usage = exchange.usage
        if reply.error is None and usage is None:
            bad.append(f"{where}: no usage")
        if usage is not None:
            counts = (usage.input_tokens, usage.output_tokens, usage.cache_read_tokens,
                      usage.cache_write_tokens, usage.reasoning_tokens)
            if any(c is not None and c < 0 for c in counts) or \
                    (usage.cache_read_tokens or 0) + (usage.cache_write_tokens or 0) > \
                    (usage.input_tokens or 0) or \
                    (usage.reasoning_tokens or 0) > (usage.output_tokens or 0):
                bad.append(f"{where}: usage {usage}")
    assert not bad, bad[:10]
