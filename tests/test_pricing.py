"""Cost: reported beats estimated; estimates reproduce the costs providers reported
(wire-formats.md 10.2 worked checks); unknown models get a note, never a guess."""

from decimal import Decimal

import pytest

from cassette_tool.model import Exchange, Prompt, Reply, Usage
from cassette_tool.pricing import price


def exchange(model: str, usage: Usage | None, provider: str, reported: str | None = None,
             error: bool = False) -> Exchange:
    from cassette_tool.model import ApiError

    reply = Reply(error=ApiError("boom")) if error else Reply()
    return Exchange("openai-chat", provider, model, model, False, Prompt(), reply, usage,
                    Decimal(reported) if reported else None)


@pytest.mark.parametrize(("model", "usage", "provider", "url", "expected"), [
    ("anthropic/claude-4.5-haiku-20251001", Usage(607, 143), "openrouter",
     "https://openrouter.ai/api/v1/chat/completions", "0.001322"),
    ("grok-code-fast-1", Usage(470, 253, 192, None, 185), "xai",
     "https://api.x.ai/v1/chat/completions", "0.00043894"),
    ("google/gemini-2.5-flash", Usage(9, 27, None, None, 25), "vercel",
     "https://ai-gateway.vercel.sh/v1/chat/completions", "0.0000702"),
    ("z-ai/glm-5-turbo", Usage(275, 76, 192), "openrouter",
     "https://openrouter.ai/api/v1/chat/completions", "0.00044968"),
    ("claude-sonnet-4-20250514", Usage(424, 109), "anthropic",
     "https://api.anthropic.com/v1/messages", "0.002907"),
])
def test_estimates_match_costs_providers_reported(model, usage, provider, url, expected) -> None:
    priced = price(exchange(model, usage, provider), url)
    assert priced.cost is not None
    assert (priced.cost.usd, priced.cost.source) == (Decimal(expected), "estimated")


def test_reported_cost_wins() -> None:
    priced = price(exchange("gpt-4o", Usage(10, 10), "openrouter", reported="0.5"),
                   "https://openrouter.ai/api/v1/chat/completions")
    assert priced.cost is not None and (priced.cost.usd, priced.cost.source) == (
        Decimal("0.5"), "reported")


def test_unknown_model_gets_a_note_not_a_guess() -> None:
    priced = price(exchange("acme-llm-9000", Usage(10, 10), "openai"),
                   "https://api.openai.com/v1/chat/completions")
    assert priced.cost is None
    assert priced.cost_note == "no price known for acme-llm-9000"


def test_local_models_cost_nothing() -> None:
    priced = price(exchange("llama3.2", Usage(10, 10), "ollama"), "http://localhost:11434/api/chat")
    assert priced.cost is not None and priced.cost.usd == 0
    assert priced.cost_note == "local model"


def test_no_usage_means_no_cost() -> None:
    assert price(exchange("gpt-4o", None, "openai"), "https://api.openai.com/v1/x").cost_note == \
        "no usage in the reply"
    assert price(exchange("gpt-4o", None, "openai", error=True),
                 "https://api.openai.com/v1/x").cost_note == "error reply"
