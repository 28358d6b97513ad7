import json
from pathlib import Path
from typing import Any

import pytest

from cassette_tool import load
from cassette_tool.load import expand_paths
from cassette_tool.model import (
    ApiError,
    Body,
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
from cassette_tool.providers import gemini, read_exchange

from conftest import corpus_or_skip, sample

STUDIO = "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash"
VERTEX = ("https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1"
          "/publishers/google/models/gemini-2.5-pro")


def _exchange(url: str, reply: bytes | Any, *, status: int = 200,
              content_type: str = "application/json", request: Any = None) -> Exchange:
    data = reply if isinstance(reply, bytes) else json.dumps(reply).encode()
    interaction = Interaction(
        0,
        Request("POST", url, (("Content-Type", "application/json"),),
                Body(json.dumps(request or {"contents": []}).encode())),
        Response(status, "", (("Content-Type", content_type),), Body(data)))
    exchange = read_exchange(interaction)
    assert exchange is not None
    return exchange


def _sse(*chunks: Any) -> bytes:
    return "".join(f"data: {json.dumps(c)}\r\n\r\n" for c in chunks).encode()


def _chunk(*parts: Any, finish: str | int | None = None, **top: Any) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": list(parts)}, "index": 0}
    if finish is not None:
        candidate["finishReason"] = finish
    return {"candidates": [candidate], **top}


# --- samples --------------------------------------------------------------------------------

WEATHER_SYSTEM = "You are a kitchen assistant. Use the convert_units tool for every unit conversion."
CONVERT_ARGS = {"value": 750, "from_unit": "ml", "to_unit": "cup"}


def test_ai_studio_sse_stream_with_thoughts_then_function_call() -> None:
    first, second = load(sample("go-vcr/gemini_thinking_tool_streaming.yaml")).exchanges
    assert (first.api, first.provider, first.model, first.request_model, first.streamed) == (
        "gemini", "google", "gemini-2.5-flash", "gemini-2.5-flash", True)
    assert first.response_id == "k7TZaN2vL4mFvdIPp8Kj-Qw"
    assert first.reply.text == ""
    assert first.reply.reasoning == (
        "**Planning the Conversion**\n\nThe user wants 750 ml of milk expressed in US cups. I "
        "should not do the arithmetic myself: the instructions say to call `convert_units` for "
        "every conversion.\n\n\n**Preparing the Tool Call**\n\nI'll pass `value` 750, "
        "`from_unit` \"ml\" and `to_unit` \"cup\". That covers everything the tool requires.\n\n\n")
    assert first.reply.tool_calls == (ToolCall("convert_units", CONVERT_ARGS),)
    assert first.reply.tool_calls[0].id == "call_1"
    assert (first.reply.finish_reason, first.reply.native_finish_reason) == ("tool_calls", "STOP")
    assert first.reply.notes == ()
    assert first.usage == Usage(88, 101, 0, None, 74)
    assert first.reported_cost is None
    assert first.cost is not None and first.cost.source == "estimated"
    assert first.prompt.messages == (
        Message("system", (TextPart(WEATHER_SYSTEM),)),
        Message("user", (TextPart("How many US cups is 750 ml of milk?"),)))
    (tool,) = first.prompt.tools
    assert (tool.name, tool.description) == ("convert_units",
                                             "Convert a quantity between cooking units")
    assert tool.parameters["required"] == ["value", "from_unit", "to_unit"]
    assert dict(first.prompt.params) == {
        "temperature": 0.3, "maxOutputTokens": 2048,
        "thinkingConfig": {"includeThoughts": True, "thinkingBudget": 512},
        "toolConfig": {"functionCallingConfig": {"mode": "AUTO"}}}

    assert second.reply.text == ("750 ml of milk is about **3.17 US cups** — call it 3 cups plus "
                                 "2½ tablespoons. In metric cups (250 ml) it is exactly 3.")
    assert second.reply.reasoning.startswith("**Answering with the Result**\n\n")
    assert (second.reply.finish_reason, second.reply.tool_calls) == ("stop", ())
    assert second.usage == Usage(151, 71, 0, None, 38)
    assert second.prompt.messages[2:] == (
        Message("assistant", (ToolCall("convert_units", CONVERT_ARGS),)),
        Message("user", (ToolResult('{"unit":"cup","value":3.17}', name="convert_units"),)))


def test_vertex_non_streamed_pretty_printed_reply() -> None:
    (exchange,) = load(sample("vcrpy/vertex_gemini_generate.yaml")).exchanges
    assert (exchange.api, exchange.provider, exchange.model, exchange.streamed) == (
        "gemini", "vertex", "gemini-2.5-pro", False)
    assert exchange.response_id == "6-62aJ-sKNa0nvgPk6KwwQk"
    assert exchange.reply.text == (
        "Banana oat cookies!\n\n1. Mash 2 ripe bananas.\n2. Stir in 1 cup of rolled oats and a "
        "handful of the chocolate chips.\n3. Scoop onto a lined tray and bake at 180 °C for 15 "
        "minutes.")
    assert exchange.reply.reasoning == ""  # thoughts billed but not asked for
    assert (exchange.reply.finish_reason, exchange.reply.native_finish_reason) == ("stop", "STOP")
    assert exchange.usage == Usage(276, 455, 0, None, 403)
    assert exchange.prompt.messages == (
        Message("system", (TextPart("You are a friendly baking coach. Answer in plain text."),)),
        Message("user", (MediaPart("image", "image/jpeg", 1460),
                         TextPart("What can I bake with what is on this shelf? One recipe, short."))))
    assert exchange.prompt.params == (("temperature", 0.4), ("maxOutputTokens", 1024),
                                      ("topP", 0.95))
    assert exchange.prompt.tools == ()


def test_json_array_stream_sample() -> None:
    (exchange,) = load(sample("vcrpy/gemini_json_array_stream.yaml")).exchanges
    assert (exchange.provider, exchange.model, exchange.streamed) == (
        "google", "gemini-2.0-flash", True)
    assert exchange.reply.text == ("Clint Yeastwood — because it is tough, patient and always "
                                   "rises to the occasion.\n")
    assert (exchange.reply.finish_reason, exchange.reply.notes) == ("stop", ())
    assert exchange.usage == Usage(17, 17, 0, None, 0)
    # generation_config / max_output_tokens: the proto field names the API also accepts
    assert exchange.prompt.params == (("temperature", 1.0), ("maxOutputTokens", 256))


def test_rate_limited_error_sample() -> None:
    (exchange,) = load(sample("ruby-vcr/gemini_rate_limited.yml")).exchanges
    assert (exchange.api, exchange.model, exchange.streamed) == ("gemini", "gemini-2.5-pro", False)
    assert exchange.reply.error == ApiError(
        "You exceeded your current quota, please check your plan and billing details. For more "
        "information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.",
        "RESOURCE_EXHAUSTED")
    assert exchange.reply.finish_reason == "error"
    assert exchange.usage is None and exchange.cost is None
    assert exchange.prompt.messages == (
        Message("user", (TextPart("Give me three quick weeknight pasta ideas."),)),)


# --- recognition ----------------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    f"{STUDIO}:generateContent",
    f"{STUDIO}:streamGenerateContent?alt=sse",
    f"{STUDIO}:streamGenerateContent",
    "https://generativelanguage.googleapis.com/v1/models/gemini-1.5-pro:generateContent",
    f"{VERTEX}:streamGenerateContent?alt=sse",
    "https://aiplatform.googleapis.com/v1beta1/projects/p/locations/global/publishers/google"
    "/models/gemini-3-pro-preview:generateContent",
])
def test_generation_urls_match(url: str) -> None:
    assert gemini.matches(url, None)


@pytest.mark.parametrize("url", [
    # Claude on Vertex: the anthropic module's (its methods are rawPredict, but never ours)
    "https://us-east5-aiplatform.googleapis.com/v1/projects/p/locations/us-east5/publishers"
    "/anthropic/models/claude-sonnet-4@20250514:generateContent",
    f"{STUDIO}:embedContent",
    f"{STUDIO}:batchEmbedContents",
    f"{STUDIO}:countTokens",
    "https://generativelanguage.googleapis.com/upload/v1beta/files",
    "https://generativelanguage.googleapis.com/v1beta/cachedContents",
    "https://generativelanguage.googleapis.com/v1beta/models",
])
def test_other_endpoints_do_not_match(url: str) -> None:
    assert not gemini.matches(url, None)


def test_model_comes_from_url_and_answering_model_from_model_version() -> None:
    # quirk: modelVersion can name another model than the URL (wire-formats.md 5.2)
    exchange = _exchange(f"{STUDIO}:generateContent",
                         _chunk({"text": "hi"}, finish="STOP", modelVersion="gemini-2.5-flash-001"))
    assert (exchange.model, exchange.request_model) == ("gemini-2.5-flash-001", "gemini-2.5-flash")


# --- reply quirks ---------------------------------------------------------------------------

def test_crlf_sse_text_deltas_are_joined() -> None:
    # quirk: Gemini SSE uses CRLF line ends and sends no terminator
    exchange = _exchange(f"{STUDIO}:streamGenerateContent?alt=sse",
                         _sse(_chunk({"text": "Hel"}), _chunk({"text": "lo"}, finish="STOP")),
                         content_type="text/event-stream")
    assert (exchange.reply.text, exchange.reply.finish_reason, exchange.reply.notes) == (
        "Hello", "stop", ())
    assert exchange.streamed


def test_stream_without_finish_reason_is_flagged() -> None:
    # quirk: no terminator, so a cut recording shows only by the missing finishReason
    exchange = _exchange(f"{STUDIO}:streamGenerateContent?alt=sse", _sse(_chunk({"text": "Hel"})),
                         content_type="text/event-stream")
    assert exchange.reply.text == "Hel"
    assert exchange.reply.notes == ("stream ended before a finish reason",)


def test_thought_parts_are_reasoning_and_signatures_stay_hidden() -> None:
    # quirk: thoughtSignature rides on text parts, even empty ones; it is opaque
    exchange = _exchange(f"{STUDIO}:generateContent", _chunk(
        {"text": "Let me ", "thought": True}, {"text": "think.", "thought": True},
        {"text": "Answer", "thoughtSignature": "CiQB"}, {"text": "", "thoughtSignature": "Cp0"},
        finish="STOP"))
    assert (exchange.reply.reasoning, exchange.reply.text) == ("Let me think.", "Answer")


def test_function_call_ids_are_kept_or_synthesized() -> None:
    # quirk: functionCall has an id from Gemini 3 on only; finishReason is STOP for calls
    exchange = _exchange(f"{STUDIO}:generateContent", _chunk(
        {"functionCall": {"name": "add", "args": {"a": 1}}},
        {"functionCall": {"name": "mul", "args": {"a": 2}, "id": "9d53"}}, finish="STOP"))
    assert exchange.reply.tool_calls == (ToolCall("add", {"a": 1}), ToolCall("mul", {"a": 2}))
    assert [c.id for c in exchange.reply.tool_calls] == ["call_1", "9d53"]
    assert (exchange.reply.finish_reason, exchange.reply.native_finish_reason) == (
        "tool_calls", "STOP")


def test_vertex_partial_usage_is_merged_field_wise_never_added() -> None:
    # quirk: Vertex early chunks carry usageMetadata with only trafficType
    exchange = _exchange(f"{VERTEX}:streamGenerateContent?alt=sse", _sse(
        _chunk({"text": "a"}, usageMetadata={"trafficType": "ON_DEMAND"}),
        _chunk({"text": "b"}, usageMetadata={"promptTokenCount": 9, "candidatesTokenCount": 1}),
        _chunk({"text": "c"}, finish="STOP",
               usageMetadata={"candidatesTokenCount": 2, "thoughtsTokenCount": 5})),
        content_type="text/event-stream")
    assert exchange.usage == Usage(9, 7, 0, None, 5)
    assert exchange.provider == "vertex"


def test_usage_counts_tool_use_prompt_as_input_and_cache_as_part_of_it() -> None:
    # quirk: toolUsePromptTokenCount (search grounding) is input outside promptTokenCount
    exchange = _exchange(f"{STUDIO}:generateContent", _chunk({"text": "4.0.6"}, finish="STOP",
        usageMetadata={"promptTokenCount": 328, "cachedContentTokenCount": 220,
                       "toolUsePromptTokenCount": 73, "candidatesTokenCount": 30,
                       "thoughtsTokenCount": 109, "totalTokenCount": 540}))
    assert exchange.usage == Usage(401, 139, 220, None, 109)


def test_blocked_prompt_is_a_content_filter_with_a_note() -> None:
    # quirk: a blocked prompt has no candidates, only promptFeedback.blockReason
    exchange = _exchange(f"{STUDIO}:generateContent", {
        "promptFeedback": {"blockReason": "PROHIBITED_CONTENT"},
        "usageMetadata": {"promptTokenCount": 12, "totalTokenCount": 12}})
    assert (exchange.reply.finish_reason, exchange.reply.native_finish_reason) == (
        "content_filter", "PROHIBITED_CONTENT")
    assert exchange.reply.notes == ("prompt blocked: PROHIBITED_CONTENT",)
    assert exchange.reply.error is None
    assert exchange.usage == Usage(12, 0, 0, None, 0)


def test_enum_numbers_from_vertex_int_encoding() -> None:
    # quirk: `$alt=json;enum-encoding=int` makes finishReason a number (2 = MAX_TOKENS)
    exchange = _exchange(f"{VERTEX}:generateContent?%24alt=json%3Benum-encoding%3Dint",
                         {"candidates": [{"content": {"role": "model"}, "finishReason": 2}],
                          "usageMetadata": {"promptTokenCount": 5, "thoughtsTokenCount": 4}})
    assert (exchange.reply.finish_reason, exchange.reply.native_finish_reason) == (
        "length", "MAX_TOKENS")
    assert exchange.usage == Usage(5, 4, 0, None, 4)


def test_finish_message_explains_a_malformed_call() -> None:
    # quirk: after MALFORMED_FUNCTION_CALL the finishMessage holds the reason
    reply = _chunk(finish="MALFORMED_FUNCTION_CALL")
    reply["candidates"][0]["finishMessage"] = "Malformed function call: print(add(1, 2))"
    exchange = _exchange(f"{STUDIO}:generateContent", reply)
    assert (exchange.reply.finish_reason, exchange.reply.notes) == (
        "other", ("Malformed function call: print(add(1, 2))",))


def test_http_error_envelope_wrapped_in_an_array() -> None:
    # quirk: Vertex sometimes wraps the error envelope in a one-element array
    exchange = _exchange(f"{VERTEX}:streamGenerateContent", [
        {"error": {"code": 400, "message": "Please use a valid role: user, model.",
                   "status": "INVALID_ARGUMENT"}}], status=400)
    assert exchange.reply.error == ApiError("Please use a valid role: user, model.",
                                            "INVALID_ARGUMENT")
    assert (exchange.reply.finish_reason, exchange.usage, exchange.streamed) == ("error", None, True)


def test_error_in_the_middle_of_a_stream() -> None:
    # quirk: a stream can end with an SSE event holding an error envelope
    exchange = _exchange(f"{STUDIO}:streamGenerateContent?alt=sse", _sse(
        _chunk({"text": "Once upon"}),
        {"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}}),
        content_type="text/event-stream")
    assert exchange.reply.text == "Once upon"
    assert exchange.reply.error == ApiError("The model is overloaded.", "UNAVAILABLE")
    assert (exchange.reply.finish_reason, exchange.reply.notes) == ("error", ())


def test_complete_json_array_stream_counts_as_streamed() -> None:
    # quirk: without alt=sse the stream is one JSON array served as application/json
    body = "[" + "\n,\r\n".join(json.dumps(c) for c in (
        _chunk({"text": "One"}), _chunk({"text": " two"}, finish="STOP"))) + "\n]"
    exchange = _exchange(f"{STUDIO}:streamGenerateContent", body.encode())
    assert (exchange.reply.text, exchange.streamed, exchange.reply.notes) == (
        "One two", True, ())


def test_truncated_json_array_stream_keeps_complete_elements() -> None:
    # quirk: a JSON-array stream cut mid-element is not JSON; read it element by element
    whole = json.dumps(_chunk({"text": " two"}, finish="STOP"))
    body = "[" + json.dumps(_chunk({"text": "One"})) + "\n,\r\n" + whole[:25]
    exchange = _exchange(f"{STUDIO}:streamGenerateContent", body.encode())
    assert exchange.reply.text == "One"
    assert exchange.reply.notes == ("JSON-array stream cut off after 1 element(s)",
                                    "stream ended before a finish reason")


def test_code_execution_parts_show_as_fenced_text() -> None:
    # quirk: executableCode / codeExecutionResult ran on the server; they are not tool calls
    exchange = _exchange(f"{STUDIO}:generateContent", _chunk(
        {"executableCode": {"language": "PYTHON", "code": "print(6*7)"}},
        {"codeExecutionResult": {"outcome": "OUTCOME_OK", "output": "42\n"}},
        {"text": "It is 42."}, finish="STOP"))
    assert exchange.reply.text == "```python\nprint(6*7)\n```\n```\n42\n\n```\nIt is 42."
    assert exchange.reply.tool_calls == ()


# --- prompt ---------------------------------------------------------------------------------

def test_prompt_parts_in_either_field_spelling() -> None:
    # quirk: the REST API also takes proto names (function_call, inline_data), llm-gemini sends them
    request = {
        "system_instruction": {"parts": [{"text": "Be brief."}]},
        "contents": [
            {"role": "user", "parts": [
                {"text": "What is in these?"},
                {"inline_data": {"mime_type": "image/png", "data": "iVBORw0KGgo="}},
                {"fileData": {"mimeType": "application/pdf",
                              "fileUri": "gs://bucket/menu.pdf"}}]},
            {"role": "model", "parts": [
                {"text": "Checking the menu.", "thought": True},
                {"function_call": {"name": "lookup", "args": {"q": "menu"}},
                 "thoughtSignature": "CiQB"}]},
            {"role": "user", "parts": [
                {"functionResponse": {"name": "lookup", "id": "c1",
                                      "response": {"output": "soup"}}}]}],
        "tools": [{"functionDeclarations": [
                      {"name": "lookup", "description": "Search the menu",
                       "parametersJsonSchema": {"type": "object"}}]},
                  {"googleSearch": {}}],
        "generationConfig": {"responseMimeType": "application/json", "topK": 40},
        "cachedContent": "cachedContents/abc123",
    }
    exchange = _exchange(f"{STUDIO}:generateContent", _chunk({"text": "ok"}, finish="STOP"),
                         request=request)
    assert exchange.prompt.messages == (
        Message("system", (TextPart("Be brief."),)),
        Message("user", (TextPart("What is in these?"), MediaPart("image", "image/png", 8),
                         MediaPart("file", "application/pdf", None, "gs://bucket/menu.pdf"))),
        Message("assistant", (ReasoningPart("Checking the menu."),
                              ToolCall("lookup", {"q": "menu"}))),
        Message("user", (ToolResult('{"output":"soup"}', name="lookup"),)))
    result = exchange.prompt.messages[3].parts[0]
    assert isinstance(result, ToolResult) and result.tool_call_id == "c1"
    assert exchange.prompt.tools == (
        Tool("lookup", "Search the menu", {"type": "object"}), Tool("googleSearch"))
    assert exchange.prompt.params == (("topK", 40), ("responseMimeType", "application/json"),
                                      ("cachedContent", "cachedContents/abc123"))


def test_unreadable_request_body_gives_an_empty_prompt() -> None:
    assert gemini.prompt_of("not json").messages == ()
    assert gemini.prompt_of({"contents": ["odd", {"parts": "plain"}]}).messages == (
        Message("user", (TextPart("plain"),)),)


# --- the shared corpus ----------------------------------------------------------------------

def test_every_gemini_interaction_in_the_corpus() -> None:
    corpus = corpus_or_skip()
    seen = 0
    for path in expand_paths([str(corpus)]):
        # The URL is stored as text even where bodies are gzip: a cheap way to skip the rest.
        if "/history/" in path or b"enerateContent" not in Path(path).read_bytes():
            continue
        for interaction in load(path, priced=False).interactions:
            if not gemini.matches(interaction.request.url, None):
                continue
            seen += 1
            exchange = interaction.exchange
            assert exchange is not None and exchange.api == "gemini", (path, interaction.index)
            assert exchange.model, (path, interaction.index)
            reply = exchange.reply
            # One otel cassette asks for 5 tokens and the thoughts use them all: MAX_TOKENS.
            assert reply.text or reply.tool_calls or reply.error or \
                reply.finish_reason == "length", (path, interaction.index)
            usage = exchange.usage
            if usage is not None:
                assert min(usage.input_tokens or 0, usage.output_tokens or 0) >= 0
                assert (usage.cache_read_tokens or 0) <= (usage.input_tokens or 0), path
                assert (usage.reasoning_tokens or 0) <= (usage.output_tokens or 0), path
            else:
                assert reply.error is not None, (path, interaction.index)
    assert seen >= 170
