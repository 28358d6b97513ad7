"""Cost in USD of one exchange: the provider's reported figure when it gave one, else an
estimate from the `genai-prices` bundled price data (imported only when needed; its
updater is never started, so it works offline)."""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from functools import lru_cache
from typing import Any

from .model import Cost, Exchange
from .providers.common import host_of

# Our provider names where genai-prices spells them differently.
_PRICE_PROVIDER = {"xai": "x-ai", "bedrock": "aws", "vertex": "google", "zai": "zhipu",
                   "huggingface": "huggingface", "vercel": "vercel"}
_BEDROCK_REGION = re.compile(r"^(us|eu|apac|global|us-gov|jp|au|ca)\.")
_BEDROCK_VENDOR = re.compile(r"^(anthropic|meta|amazon|cohere|mistral|ai21|deepseek|openai|qwen|"
                             r"writer|twelvelabs|stability)\.")
_BEDROCK_VERSION = re.compile(r"-v\d+(:\d+)?$")
_LOCAL = ("ollama", "local", "llamacpp", "lmstudio")


def price(exchange: Exchange, url: str) -> Exchange:
    """The exchange with `cost` (or `cost_note`) filled in."""
    if exchange.reported_cost is not None:
        return replace(exchange, cost=Cost(exchange.reported_cost, "reported"))
    usage = exchange.usage
    if usage is None:
        note = "error reply" if exchange.reply.error else "no usage in the reply"
        return replace(exchange, cost_note=note)
    if exchange.provider in _LOCAL and not host_of(url).endswith("ollama.com"):  # cloud bills
        return replace(exchange, cost=Cost(Decimal(0), "estimated"), cost_note="local model")
    for model in _candidates(exchange.model, exchange.request_model):
        usd = _estimate(model, exchange, url)
        if usd is not None:
            return replace(exchange, cost=Cost(usd, "estimated"))
    name = exchange.model or exchange.request_model or "?"
    return replace(exchange, cost_note=f"no price known for {name}")


def _candidates(*names: str | None) -> list[str]:
    """Model names to look up, most specific first: the answering model, the requested one,
    then each without a gateway prefix (`google/gemini-2.5-flash`) or Vertex's `@` date."""
    found = [n for n in names if isinstance(n, str) and n]
    for name in list(found):
        bare = name.rsplit("/", 1)[-1].replace("@", "-")
        found.append(bare)
        # Bedrock ids: `us.meta.llama3-8b-instruct-v1:0` -> `llama3-8b-instruct`.
        bedrock = _BEDROCK_REGION.sub("", bare)
        bedrock = _BEDROCK_VENDOR.sub("", bedrock)
        found.append(_BEDROCK_VERSION.sub("", bedrock))
    return list(dict.fromkeys(found))


def _estimate(model: str, exchange: Exchange, url: str) -> Decimal | None:
    usage = exchange.usage
    assert usage is not None
    api_url = None
    if host_of(url) and "<" not in url.split("/", 3)[2]:
        # nock writes default ports (`https://…amazonaws.com:443`), which genai-prices's
        # URL matching does not expect; only the origin and path matter to it.
        api_url = re.sub(r":(443|80)(?=/|$)", "", url.split("?", 1)[0], count=1)
    provider = _PRICE_PROVIDER.get(exchange.provider, exchange.provider) if exchange.provider \
        else None
    return _estimate_usd(model, api_url, provider, usage.input_tokens or 0,
                         usage.output_tokens or 0, usage.cache_read_tokens or None,
                         usage.cache_write_tokens or None)


def load_price_data() -> None:
    """Import genai-prices and its price data now (about 0.4 s: pydantic, httpx) rather than
    at the first estimate: done once before forking, the workers share it."""
    import genai_prices  # noqa: F401


# genai-prices takes about a millisecond a call; test suites repeat the same calls.
@lru_cache(maxsize=4096)
def _estimate_usd(model: str, api_url: str | None, provider: str | None, input_tokens: int,
                  output_tokens: int, cache_read: int | None,
                  cache_write: int | None) -> Decimal | None:
    from genai_prices import Usage as PriceUsage
    from genai_prices import calc_price

    if min(input_tokens, output_tokens, cache_read or 0, cache_write or 0) < 0:
        return None  # not a count anyone was billed for
    price_usage = PriceUsage(input_tokens=input_tokens, output_tokens=output_tokens,
                             cache_read_tokens=cache_read, cache_write_tokens=cache_write)
    attempts: list[dict[str, Any]] = []
    if api_url:
        attempts.append({"provider_api_url": api_url})
    if provider:
        attempts.append({"provider_id": provider})
    attempts.append({})
    for attempt in attempts:
        try:
            result = calc_price(price_usage, model, **attempt)
        except LookupError:
            continue
        except (ValueError, TypeError, ArithmeticError):
            return None
        return Decimal(result.total_price)
    return None
