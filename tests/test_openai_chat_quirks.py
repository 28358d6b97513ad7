"""Wire quirks of the Chat Completions family (wire-formats.md section 2)."""

from decimal import Decimal

from cassette_tool.load import _rebuild
from cassette_tool.model import ToolCall, Usage

from conftest import http_interaction, sse

CHAT = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True}


def chunk(delta: dict | None = None, finish: str | None = None, **top: object) -> dict:
    choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
    return {"id": "c1", "model": "m", "choices": choices, **top}


def exchange(url: str, body: str, request: dict = CHAT, **kw: object):
    kw.setdefault("content_type", "text/event-stream")
    result = _rebuild(http_interaction(url, request, body, **kw), priced=True).exchange
    assert result is not None
    return result


def test_azure_first_chunk_has_no_id_model_or_choices() -> None:
    # Azure: first chunk carries prompt_filter_results, empty id and model.
    body = sse({"id": "", "model": "", "choices": [], "prompt_filter_results": []},
               chunk({"content": "Hi"}, id="chatcmpl-9", model="gpt-4o-2024-08-06"),
               chunk({}, "stop", id="chatcmpl-9", model="gpt-4o-2024-08-06"))
    result = exchange("https://x.openai.azure.com/openai/v1/chat/completions", body)
    assert (result.model, result.response_id, result.provider) == (
        "gpt-4o-2024-08-06", "chatcmpl-9", "azure")
    assert result.reply.text == "Hi"


def test_usage_sent_twice_is_replaced_not_added() -> None:
    # Groq sends usage on the finish chunk and again in a choices: [] chunk.
    usage = {"prompt_tokens": 10, "completion_tokens": 3, "total_tokens": 13}
    body = sse(chunk({"content": "ok"}), chunk({}, "stop", usage=usage), chunk(None, usage=usage))
    result = exchange("https://api.groq.com/openai/v1/chat/completions", body)
    assert result.usage == Usage(10, 3, None, None, None)


def test_xai_counts_reasoning_outside_completion_and_reports_ticks() -> None:
    # xAI: completion_tokens excludes reasoning; cost_in_usd_ticks is 1e-10 USD.
    usage = {"prompt_tokens": 470, "completion_tokens": 68, "total_tokens": 723,
             "prompt_tokens_details": {"cached_tokens": 192},
             "completion_tokens_details": {"reasoning_tokens": 185},
             "cost_in_usd_ticks": 4389400}
    body = sse(chunk({"reasoning_content": "think"}), chunk({"content": "4"}, "stop"),
               chunk(None, usage=usage))
    result = exchange("https://api.x.ai/v1/chat/completions", body)
    assert result.usage == Usage(470, 253, 192, None, 185)
    assert result.reply.reasoning == "think"
    assert result.cost is not None
    assert (result.cost.usd, result.cost.source) == (Decimal("0.00043894"), "reported")


def test_vercel_counts_reasoning_outside_completion() -> None:
    # Vercel AI Gateway: output = completion + reasoning; usage.cost is the charge.
    usage = {"prompt_tokens": 9, "completion_tokens": 2, "total_tokens": 11, "cost": 0.0000702,
             "completion_tokens_details": {"reasoning_tokens": 25}}
    body = sse(chunk({"content": "ok"}, "stop", usage=usage), done=False)
    result = exchange("https://ai-gateway.vercel.sh/v1/chat/completions", body)
    assert result.usage == Usage(9, 27, None, None, 25)
    assert result.cost is not None and result.cost.usd == Decimal("0.0000702")


def test_openrouter_byok_cost_adds_upstream_inference_cost() -> None:
    # OpenRouter BYOK: `cost` is only OpenRouter's fee.
    usage = {"prompt_tokens": 5, "completion_tokens": 1, "cost": 0.00001, "is_byok": True,
             "cost_details": {"upstream_inference_cost": 0.0002}}
    body = sse(chunk({"content": "ok"}, "stop", usage=usage))
    result = exchange("https://openrouter.ai/api/v1/chat/completions", body)
    assert result.cost is not None and result.cost.usd == Decimal("0.00021")


def test_reasoning_details_do_not_double_the_reasoning_text() -> None:
    # OpenRouter / Vercel send `reasoning` and `reasoning_details` with the same text.
    body = sse(chunk({"reasoning": "Let me see",
                      "reasoning_details": [{"type": "reasoning.text", "text": "Let me see"}]}),
               chunk({"content": "42"}, "stop"))
    assert exchange("https://openrouter.ai/api/v1/chat/completions", body).reply.reasoning == \
        "Let me see"


def test_first_non_empty_id_is_kept_when_it_changes_mid_stream() -> None:
    # Avian switches the chunk id after the first chunk.
    body = sse(chunk({"content": "a"}, id="chatcmpl-1"), chunk({"content": "b"}, "stop", id="gen-2"))
    assert exchange("https://api.avian.io/v1/chat/completions", body).response_id == "chatcmpl-1"


def test_whole_tool_calls_in_one_fragment_and_parallel_calls() -> None:
    # Groq / xAI / Z.ai send each call whole, one fragment per parallel call.
    calls = [{"index": 0, "id": "functions.add:0", "type": "function",
              "function": {"name": "add", "arguments": '{"a": 1, "b": 2}'}},
             {"index": 1, "id": "functions.add:1", "type": "function",
              "function": {"name": "add", "arguments": '{"a": 3, "b": 4}'}}]
    body = sse(chunk({"tool_calls": calls}), chunk({}, "tool_calls"))
    reply = exchange("https://api.groq.com/openai/v1/chat/completions", body).reply
    assert reply.tool_calls == (ToolCall("add", {"a": 1, "b": 2}), ToolCall("add", {"a": 3, "b": 4}))
    assert [c.id for c in reply.tool_calls] == ["functions.add:0", "functions.add:1"]
    assert reply.finish_reason == "tool_calls"


def test_invalid_tool_arguments_keep_the_raw_string() -> None:
    body = sse(chunk({"tool_calls": [{"index": 0, "id": "c", "function": {
        "name": "f", "arguments": '{"a": 1'}}]}), chunk({}, "tool_calls"))
    reply = exchange("https://api.openai.com/v1/chat/completions", body).reply
    assert reply.tool_calls == (ToolCall("f", '{"a": 1'),)


def test_truncated_stream_keeps_what_arrived_with_a_note() -> None:
    body = sse(chunk({"content": "The answer is"}), done=False)
    reply = exchange("https://api.openai.com/v1/chat/completions", body).reply
    assert reply.text == "The answer is"
    assert reply.finish_reason is None
    assert any("without [DONE]" in note for note in reply.notes)


def test_in_stream_error_is_reported_with_partial_content() -> None:
    # OpenRouter: a chunk with a top-level error and finish_reason "error", HTTP 200.
    body = sse(chunk({"content": "Par"}),
               {"id": "c1", "error": {"code": "server_error", "message": "upstream died"},
                "choices": [{"index": 0, "delta": {"content": ""}, "finish_reason": "error"}]})
    reply = exchange("https://openrouter.ai/api/v1/chat/completions", body).reply
    assert reply.text == "Par"
    assert reply.error is not None and reply.error.message == "upstream died"
    assert reply.finish_reason == "error"


def test_non_streamed_body_with_leading_padding() -> None:
    # OpenRouter pads non-streamed JSON with whitespace before the object.
    body = '\n         \n\n{"id":"gen-1","model":"m","choices":[{"index":0,"message":' \
           '{"role":"assistant","content":"Hello"},"finish_reason":"stop"}]}'
    result = exchange("https://openrouter.ai/api/v1/chat/completions", body,
                      {"model": "m", "messages": []}, content_type="application/json")
    assert (result.reply.text, result.streamed) == ("Hello", False)


def test_http_error_envelope() -> None:
    body = '{"error":{"message":"Incorrect API key provided","type":"invalid_request_error",' \
           '"code":"invalid_api_key"}}'
    result = exchange("https://api.openai.com/v1/chat/completions", body,
                      {"model": "gpt-4o", "messages": []}, status=401)
    assert result.reply.error is not None
    assert (result.reply.error.message, result.reply.error.type) == (
        "Incorrect API key provided", "invalid_request_error")
    assert result.usage is None and result.cost is None and result.cost_note == "error reply"


def test_legacy_function_call() -> None:
    body = '{"id":"c","model":"gpt-4-0613","choices":[{"index":0,"message":{"role":"assistant",' \
           '"content":null,"function_call":{"name":"weather","arguments":"{\\"city\\": \\"Oslo\\"}"}},' \
           '"finish_reason":"function_call"}]}'
    reply = exchange("https://api.openai.com/v1/chat/completions", body,
                     {"model": "gpt-4", "messages": []}, content_type="application/json").reply
    assert reply.tool_calls == (ToolCall("weather", {"city": "Oslo"}),)
    assert (reply.finish_reason, reply.native_finish_reason) == ("tool_calls", "function_call")


def test_perplexity_message_beside_empty_delta_and_cost_object() -> None:
    # Perplexity: complete replies carry an empty `delta` beside `message`, and a cost object.
    body = '{"id":"p","model":"sonar","usage":{"prompt_tokens":25,"completion_tokens":259,' \
           '"cost":{"request_cost":0.005,"total_cost":0.00528}},"choices":[{"index":0,' \
           '"message":{"role":"assistant","content":"Sunny."},"delta":{"role":"assistant",' \
           '"content":""},"finish_reason":"stop"}]}'
    result = exchange("https://api.perplexity.ai/chat/completions", body,
                      {"model": "sonar", "messages": []}, content_type="application/json")
    assert result.reply.text == "Sunny."
    assert result.cost is not None and result.cost.usd == Decimal("0.00528")


def test_cached_tokens_above_prompt_tokens_are_added_to_the_input() -> None:
    # Grok on Azure AI Foundry: prompt_tokens excludes cached tokens (cached > prompt).
    body = '{"id":"c","model":"grok-4-1-fast-non-reasoning","choices":[{"index":0,"message":' \
           '{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":' \
           '208,"completion_tokens":27,"total_tokens":235,"prompt_tokens_details":{"cached_tokens":314}}}'
    result = exchange("https://r.services.ai.azure.com/openai/v1/chat/completions", body,
                      {"model": "grok-4-1-fast-non-reasoning", "messages": []},
                      content_type="application/json")
    assert result.usage == Usage(522, 27, 314, None, None)
