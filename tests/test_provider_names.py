import pytest

from cassette_tool.providers.common import normalize_finish, provider_of


@pytest.mark.parametrize(("url", "provider"), [
    ("https://api.openai.com/v1/chat/completions", "openai"),
    ("https://res.openai.azure.com/openai/deployments/d/chat/completions?api-version=1", "azure"),
    ("https://openrouter.ai/api/v1/chat/completions", "openrouter"),
    ("https://api.groq.com/openai/v1/chat/completions", "groq"),
    ("https://api.x.ai/v1/chat/completions", "xai"),
    ("https://ai-gateway.vercel.sh/v1/chat/completions", "vercel"),
    ("https://us-east5-aiplatform.googleapis.com/v1/projects/p/locations/l/x", "vertex"),
    ("https://generativelanguage.googleapis.com/v1beta/models/m:generateContent", "google"),
    ("https://bedrock-runtime.us-east-1.amazonaws.com:443/model/m/converse", "bedrock"),
    ("https://bedrock-mantle.us-east-1.api.aws/v1/responses", "bedrock"),
    ("http://localhost:11434/api/chat", "ollama"),
    ("http://localhost:8080/v1/chat/completions", "local"),
    # Ruby VCR placeholders, with and without a scheme.
    ("<OLLAMA_API_BASE>/api/chat", "ollama"),
    ("https://<GPUSTACK_API_BASE>/v1/chat/completions", "gpustack"),
    ("https://api.example-llm.io/v1/chat/completions", "example-llm"),
])
def test_provider_from_host(url: str, provider: str) -> None:
    assert provider_of(url) == provider


@pytest.mark.parametrize(("raw", "tools", "normalized"), [
    ("stop", False, "stop"), ("end_turn", False, "stop"), ("STOP", True, "tool_calls"),
    ("max_tokens", False, "length"), ("MAX_TOKENS", False, "length"), ("tool_use", True, "tool_calls"),
    ("SAFETY", False, "content_filter"), ("refusal", False, "content_filter"),
    ("error", False, "error"), ("pause_turn", False, "other"), (None, False, None),
])
def test_finish_reasons_are_normalized(raw: str | None, tools: bool, normalized: str | None) -> None:
    assert normalize_finish(raw, tools) == normalized
