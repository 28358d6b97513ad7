"""Pieces every LLM API reader needs: JSON bodies, finish reasons, tool arguments, error
envelopes, media placeholders and the provider behind a host."""

from __future__ import annotations

import base64
import re
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from ..model import ApiError, Body, MediaPart, Response
from ..source import loads_json, try_json

# Normalised finish reasons (wire-formats.md 1.3); the raw value is kept beside them.
_FINISH = {
    "stop": "stop", "end_turn": "stop", "stop_sequence": "stop", "complete": "stop",
    "eos": "stop", "finish_reason_unspecified": "stop", "finish": "stop",  # Titan: FINISH
    "length": "length", "max_tokens": "length", "max_output_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_calls": "tool_calls", "function_call": "tool_calls", "tool_use": "tool_calls",
    "tool_call": "tool_calls",
    "content_filter": "content_filter", "refusal": "content_filter", "safety": "content_filter",
    "recitation": "content_filter", "prohibited_content": "content_filter",
    "blocklist": "content_filter", "spii": "content_filter", "image_safety": "content_filter",
    "guardrail_intervened": "content_filter", "content_filtered": "content_filter",
    "error": "error", "failed": "error",
}


def normalize_finish(raw: Any, has_tool_calls: bool = False) -> str | None:
    if raw is None or raw == "":
        return "tool_calls" if has_tool_calls else None
    value = _FINISH.get(str(raw).lower(), "other")
    if value == "stop" and has_tool_calls:
        return "tool_calls"  # Gemini (and some compatible servers) say STOP for tool calls
    return value


def body_json(body: Body) -> Any:
    """The body as JSON data, or None. Leading padding is skipped (OpenRouter)."""
    if body.parsed is not None:
        return body.parsed
    if not body.data:
        return None
    return try_json(body.data)


def parse_arguments(raw: Any) -> Any:
    """Tool-call arguments as data when they are JSON, else the raw string."""
    if not isinstance(raw, str):
        return raw
    if not raw.strip():
        return {}
    try:
        return loads_json(raw)
    except ValueError:
        return raw


def error_from(response: Response | None, data: Any) -> ApiError | None:
    """The API error of an HTTP error reply, from any of the common envelopes."""
    if response is None or response.status is None or response.status < 400:
        return None
    message, kind = _error_fields(data)
    if message is None:
        text = response.body.data.decode("utf-8", errors="replace").strip()
        message = text[:500] if text else f"HTTP {response.status} {response.reason}".strip()
    return ApiError(message=message, type=kind)


def _error_fields(data: Any) -> tuple[str | None, str | None]:
    if isinstance(data, list) and len(data) == 1:
        data = data[0]  # Vertex sometimes wraps the envelope in an array
    if not isinstance(data, dict):
        return None, None
    error = data.get("error", data)
    if isinstance(error, str):
        return error, None
    if not isinstance(error, dict):
        return None, None
    message = error.get("message") or error.get("Message") or data.get("detail") or \
        data.get("message")
    kind = error.get("type") or error.get("status") or error.get("code")
    if isinstance(message, (dict, list)):
        message = str(message)
    return (str(message) if message is not None else None,
            str(kind) if kind is not None else None)


def stream_error(data: Any) -> ApiError | None:
    """An error object carried inside a stream event, if any."""
    if not isinstance(data, dict) or not data.get("error"):
        return None
    message, kind = _error_fields(data)
    return ApiError(message or "error", kind)


_DATA_URL = re.compile(r"data:([^;,]+)?(;base64)?,", re.I)


def media_from_url(url: str, kind: str | None = None) -> MediaPart:
    """A media placeholder for a URL or a `data:` URL (type and decoded size)."""
    match = _DATA_URL.match(url)
    if match:
        media_type = match.group(1)
        payload = url[match.end():]
        size = len(payload) * 3 // 4 - payload[-2:].count("=") if match.group(2) else len(payload)
        return MediaPart(kind or _kind_of(media_type), media_type, size)
    return MediaPart(kind or "image", None, None, url)


def media_from_base64(data: Any, media_type: str | None, kind: str | None = None) -> MediaPart:
    size = None
    if isinstance(data, str):
        size = len(data) * 3 // 4 - data[-2:].count("=")
    elif isinstance(data, bytes):
        size = len(data)
    return MediaPart(kind or _kind_of(media_type), media_type, size)


def _kind_of(media_type: str | None) -> str:
    if not media_type:
        return "file"
    major = media_type.split("/", 1)[0]
    return major if major in ("image", "audio", "video") else "file"


def decode_b64_json(text: str) -> Any:
    return try_json(base64.b64decode(text))


def text_content(value: Any) -> str:
    """Text of a content value that may be a string or a list of typed parts."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(str(p.get("text", "")) for p in value if isinstance(p, dict))
    return str(value)


def mapping(value: Any) -> dict[str, Any]:
    """The value when it is a JSON object, else an empty one: recorded bodies are untrusted."""
    return value if isinstance(value, dict) else {}


def items(value: Any) -> list[Any]:
    """The value when it is a JSON array, else an empty one."""
    return value if isinstance(value, list) else []


def nonempty_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def dig(data: Any, *keys: str | int) -> Any:
    for key in keys:
        if isinstance(data, dict) and isinstance(key, str):
            data = data.get(key)
        elif isinstance(data, list) and isinstance(key, int) and -len(data) <= key < len(data):
            data = data[key]
        else:
            return None
    return data


def reported_cost(usage: Any, gateway: Any = None) -> Decimal | None:
    """The cost a provider put in its usage object, in USD (wire-formats.md 10.1):
    xAI `cost_in_usd_ticks` (1e-10 USD), OpenRouter / Vercel / Avian `cost` (plus the
    upstream cost under BYOK), Perplexity `cost.total_cost`, Vercel's gateway metadata."""
    if isinstance(usage, dict):
        ticks = as_int(usage.get("cost_in_usd_ticks"))
        if ticks is not None:
            return Decimal(ticks) / Decimal(10**10)
        cost = usage.get("cost")
        if isinstance(cost, dict):  # Perplexity: {input_tokens_cost, …, total_cost}
            cost = cost.get("total_cost")
        total = _decimal(cost)
        if total is not None:
            upstream = _decimal(dig(usage, "cost_details", "upstream_inference_cost"))
            if usage.get("is_byok") and upstream is not None:
                total += upstream  # BYOK: `cost` is only OpenRouter's fee
            return total
    return _decimal(dig(gateway, "gateway", "cost"))


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def pick_params(body: Any, names: tuple[str, ...]) -> tuple[tuple[str, Any], ...]:
    if not isinstance(body, dict):
        return ()
    return tuple((name, body[name]) for name in names if body.get(name) is not None)


# --- who served it ------------------------------------------------------------------------

_HOSTS = (
    ("openrouter.ai", "openrouter"), ("ai-gateway.vercel.sh", "vercel"),
    ("api.openai.com", "openai"), ("openai.azure.com", "azure"), ("azure.com", "azure"),
    ("azure-api.net", "azure"), ("api.groq.com", "groq"), ("api.x.ai", "xai"),
    ("together.xyz", "together"), ("together.ai", "together"), ("deepseek.com", "deepseek"),
    ("mistral.ai", "mistral"), ("huggingface.co", "huggingface"), ("api.z.ai", "zai"),
    ("bigmodel.cn", "zai"), ("avian.io", "avian"), ("anthropic.com", "anthropic"),
    ("generativelanguage.googleapis.com", "google"), ("aiplatform.googleapis.com", "vertex"),
    ("amazonaws.com", "bedrock"), ("cohere.com", "cohere"), ("cohere.ai", "cohere"),
    ("perplexity.ai", "perplexity"), ("cerebras.ai", "cerebras"), ("fireworks.ai", "fireworks"),
    ("moonshot.ai", "moonshot"), ("moonshot.cn", "moonshot"), ("dashscope", "alibaba"),
    ("deepinfra.com", "deepinfra"), ("novita.ai", "novita"), ("nebius", "nebius"),
    ("sambanova.ai", "sambanova"), ("githubusercontent", "github"), ("models.github.ai", "github"),
    ("inference.ai.azure.com", "github"), ("bedrock-mantle", "bedrock"),
)
_PLACEHOLDER = re.compile(r"<([A-Za-z]++)[A-Za-z_]*+>")  # possessive: no retries inside a run


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def provider_of(url: str) -> str | None:
    """The service that answered, from the URL's host (or a VCR placeholder host such as
    `<OLLAMA_API_BASE>`)."""
    # `<OLLAMA_API_BASE>/api/chat`: Ruby VCR placeholders often replace the scheme too.
    authority = url.split("/", 3)[2] if "://" in url else url.split("/", 1)[0]
    host = host_of(url) or authority.lower()
    for suffix, name in _HOSTS:
        if suffix in host:
            return name
    placeholder = _PLACEHOLDER.search(authority)
    if placeholder:
        return placeholder.group(1).lower()
    if host in ("localhost", "127.0.0.1", "0.0.0.0", "::1") or host.endswith(".local"):
        return "ollama" if ":11434" in url else "local"
    parts = [p for p in host.split(".") if p not in ("api", "www")]
    return parts[-2] if len(parts) >= 2 else (parts[0] if parts else None)
