from decimal import Decimal

from cassette_tool import load
from cassette_tool.model import TextPart, ToolCall, ToolResult, Usage

from conftest import sample


def test_openrouter_streamed_tool_call_then_answer() -> None:
    cassette = load(sample("go-vcr/openrouter_tool_streaming.yaml"))
    assert cassette.format == "go-vcr"
    first, second = cassette.exchanges
    assert (first.api, first.provider, first.model, first.streamed) == (
        "openai-chat", "openrouter", "openai/gpt-4o-mini", True)
    assert first.reply.text == ""
    assert first.reply.tool_calls == (ToolCall("get_weather", {"city": "Lisbon", "unit": "celsius"}),)
    assert first.reply.tool_calls[0].id == "call_Qm4vT8sLx2"
    assert first.reply.finish_reason == "tool_calls"
    assert first.usage == Usage(84, 19, 0, None, 0)
    assert first.cost is not None and (first.cost.usd, first.cost.source) == (
        Decimal("0.0000240"), "reported")
    assert second.reply.text == "Yes — light rain in Lisbon, 17 °C. Take an umbrella."
    assert second.reply.finish_reason == "stop"
    assert second.usage == Usage(131, 16, 0, None, 0)
    tool_message = second.prompt.messages[-1]
    assert tool_message.role == "tool"
    assert tool_message.parts == (ToolResult('{"condition":"light rain","temperature":17}'),)
    assert second.prompt.messages[0].parts == (TextPart("You are a concise travel assistant."),)
    assert [t.name for t in second.prompt.tools] == ["get_weather"]


def test_durations_and_statuses_come_from_go_vcr_fields() -> None:
    cassette = load(sample("go-vcr/openrouter_tool_streaming.yaml"))
    responses = [i.response for i in cassette.interactions]
    assert [(r.status, r.reason, r.duration_ms) for r in responses if r] == [
        (200, "OK", 412.08), (200, "OK", 389.5)]


def test_deepseek_streamed_reasoning_content() -> None:
    exchange, = load(sample("vcrpy/deepseek_reasoning_streaming.yaml")).exchanges
    assert (exchange.provider, exchange.model, exchange.streamed) == (
        "deepseek", "deepseek-reasoner", True)
    assert exchange.reply.reasoning == ("The user wants 3 cups of flour in grams. All-purpose flour "
                                        "is about 125 g per cup, so 3 × 125 = 375 g.")
    assert exchange.reply.text == "3 cups of all-purpose flour is about **375 g** (125 g per cup)."
    assert exchange.usage == Usage(32, 71, 0, None, 48)
    assert exchange.cost is not None and exchange.cost.source == "estimated"
    assert exchange.cost.usd > 0


def test_names_that_are_not_strings_in_the_json_become_strings() -> None:
    # A tool-call id takes no part in ToolCall equality: it must be made a string anyway.
    import json

    from cassette_tool.providers import read_exchange

    from conftest import http_interaction

    body = json.dumps({"model": "gpt-4o", "choices": [{"finish_reason": "tool_calls", "message": {
        "role": "assistant", "tool_calls": [{"id": True, "type": "function", "function": {
            "name": "f", "arguments": "{}"}}]}}]}).encode()
    exchange = read_exchange(http_interaction("https://api.openai.com/v1/chat/completions",
                                              b'{"model":"gpt-4o","messages":[]}', body))
    assert exchange is not None
    [call] = exchange.reply.tool_calls
    assert (call.id, call.name, exchange.reply.finish_reason) == ("true", "f", "tool_calls")
