"""The seed cassette (OpenRouter → Groq, kimi-k2) as the issue's acceptance describes it."""

import json
from decimal import Decimal

from cassette_tool import load

from conftest import corpus_or_skip


def seed_path() -> str:
    return str(corpus_or_skip() / "seed" / "tool_streaming_kimi-k2_groq.yaml")


def test_seed_reassembles_tool_call_answer_usage_and_reported_cost() -> None:
    first, second = load(seed_path()).exchanges
    call, = first.reply.tool_calls
    assert (call.name, call.arguments) == ("weather", {"location": "Florence"})
    assert second.reply.text == ("It’s currently 40 °C (104 °F) in Florence, Italy—so it’s "
                                 "quite hot right now.")
    assert first.usage and (first.usage.input_tokens, first.usage.output_tokens) == (99, 29)
    assert second.usage and (second.usage.input_tokens, second.usage.output_tokens) == (147, 26)
    assert first.cost and (first.cost.usd, first.cost.source) == (Decimal("0.000186"), "reported")
    assert second.cost and (second.cost.usd, second.cost.source) == (Decimal("0.000225"), "reported")


def test_seed_text_output(cli) -> None:
    run = cli("show", seed_path())
    assert run.code == 0, run
    assert 'weather {"location": "Florence"}' in run.out
    assert "It’s currently 40 °C (104 °F) in Florence, Italy—so it’s quite hot right now." in run.out
    assert "99 in → 29 out" in run.out and "147 in → 26 out" in run.out
    assert "$0.000186 reported" in run.out and "$0.000225 reported" in run.out


def test_seed_json_output(cli) -> None:
    run = cli("show", "--format", "json", seed_path())
    assert run.code == 0, run
    [cassette] = json.loads(run.out)
    assert cassette["format"] == "go-vcr" and cassette["error"] is None
    first, second = cassette["interactions"]
    assert first["reply"]["tool_calls"][0]["name"] == "weather"
    assert first["reply"]["tool_calls"][0]["arguments"] == {"location": "Florence"}
    assert first["usage"]["input_tokens"] == 99
    assert second["cost"] == {"usd": 0.000225, "source": "reported"}
