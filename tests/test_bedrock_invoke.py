import base64
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cassette_tool import load
from cassette_tool.errors import CassetteError
from cassette_tool.eventstream import encode
from cassette_tool.load import expand_paths
from cassette_tool.model import (
    ApiError,
    Body,
    Exchange,
    Interaction,
    Message,
    Request,
    Response,
    TextPart,
    ToolCall,
    ToolResult,
    Usage,
)
from cassette_tool.providers import bedrock_invoke, read_exchange

from conftest import corpus_or_skip, sample

HOST = "https://bedrock-runtime.us-east-1.amazonaws.com"
CLAUDE = f"{HOST}/model/us.anthropic.claude-haiku-4-5-20251001-v1%3A0/invoke-with-response-stream"
LLAMA = f"{HOST}/model/meta.llama3-8b-instruct-v1%3A0/invoke-with-response-stream"
CLAUDE_BODY = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 50,
               "messages": [{"role": "user", "content": "Say hi"}]}
EVENT = {":event-type": "chunk", ":content-type": "application/json", ":message-type": "event"}


def _chunk(event: dict[str, Any], padding: str = "abcdefgh") -> bytes:
    wrapped = {"bytes": base64.b64encode(json.dumps(event).encode()).decode(), "p": padding}
    return encode(EVENT, json.dumps(wrapped).encode())


def _exchange(url: str, body: Any, data: bytes, *, status: int = 200,
              content_type: str = "application/vnd.amazon.eventstream",
              headers: tuple[tuple[str, str], ...] = ()) -> Exchange:
    interaction = Interaction(
        0, Request("POST", url, body=Body(json.dumps(body).encode())),
        Response(status, headers=(("Content-Type", content_type), *headers), body=Body(data)))
    exchange = read_exchange(interaction)
    assert exchange is not None
    return exchange


CLAUDE_EVENTS = [
    {"type": "message_start", "message": {"id": "msg_bdrk_1", "model": "claude-haiku-4-5",
                                          "role": "assistant", "content": [],
                                          "usage": {"input_tokens": 16, "output_tokens": 1}}},
    {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Olá"}},
    {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "!"}},
    {"type": "content_block_stop", "index": 0},
    {"type": "message_delta", "delta": {"stop_reason": "end_turn"},
     "usage": {"output_tokens": 7}},
    {"type": "message_stop", "amazon-bedrock-invocationMetrics": {
        "inputTokenCount": 16, "outputTokenCount": 7, "invocationLatency": 1613,
        "firstByteLatency": 1489}},
]


def test_claude_stream_with_tool_call_sample() -> None:
    first, second = load(sample("go-vcr/bedrock_claude_tool_streaming.yaml")).exchanges
    assert (first.api, first.provider, first.model, first.request_model, first.streamed) == (
        "bedrock-invoke", "bedrock", "claude-haiku-4-5-20251001",
        "eu.anthropic.claude-haiku-4-5-20251001-v1:0", True)
    assert first.reply.text == "I'll check today's rate for you."
    assert first.reply.tool_calls == (ToolCall("convert_currency",
                                               {"amount": 85, "from": "EUR", "to": "JPY"}),)
    assert first.reply.tool_calls[0].id == "toolu_bdrk_01KfT7wQz3Lm8Ns2Xv5RbYc4"
    assert (first.reply.finish_reason, first.reply.notes) == ("tool_calls", ())
    # Bedrock's message_delta carries only output_tokens: input stays from message_start.
    assert first.usage == Usage(612, 78, 0, 0, None)
    assert first.response_id == "msg_bdrk_01Wq4Rz8Tn2Xk6Lv9Bm3PcHs"
    assert first.prompt.messages[0] == Message("system", (TextPart(
        "You are a travel assistant. Use the tools for live data."),))
    assert dict(first.prompt.params) == {"max_tokens": 1024, "tool_choice": {"type": "auto"}}

    assert second.reply.text == ("85 euros is about **¥13,805** at today's rate "
                                 "(1 EUR = 162.41 JPY). Card payments may add a small "
                                 "foreign-exchange fee.")
    assert second.reply.finish_reason == "stop"
    assert second.usage == Usage(713, 41, 0, 0, None)
    assert second.prompt.messages[-1] == Message("user", (ToolResult(
        '{"amount":85,"from":"EUR","to":"JPY","rate":162.41,"result":13804.85}'),))


def test_claude_usage_falls_back_to_invocation_metrics() -> None:
    # Quirk: when Anthropic usage is missing, amazon-bedrock-invocationMetrics has the counts.
    events = [dict(CLAUDE_EVENTS[0], message={"id": "m", "role": "assistant", "content": []}),
              *CLAUDE_EVENTS[1:5], {"type": "message_delta", "delta": {"stop_reason": "end_turn"}},
              CLAUDE_EVENTS[6]]
    exchange = _exchange(CLAUDE, CLAUDE_BODY, b"".join(_chunk(e) for e in events))
    assert exchange.reply.text == "Olá!"
    assert exchange.usage == Usage(16, 7, None, None, None)


def test_padding_is_ignored_and_anthropic_usage_preferred() -> None:
    # Quirk: chunk payloads carry a random-length `p` padding field next to `bytes`.
    data = b"".join(_chunk(e, "abcdefghijklmnopqrstuvwxyz"[:n % 26 + 1])
                    for n, e in enumerate(CLAUDE_EVENTS))
    exchange = _exchange(CLAUDE, CLAUDE_BODY, data)
    assert (exchange.reply.text, exchange.model, exchange.usage) == (
        "Olá!", "claude-haiku-4-5", Usage(16, 7, None, None, None))


def test_exception_frame_is_the_error() -> None:
    # Quirk: an in-stream failure is a frame with :message-type exception (wire-formats.md 6.1).
    failure = encode({":exception-type": "modelStreamErrorException",
                      ":content-type": "application/json", ":message-type": "exception"},
                     b'{"message":"Model stream ended unexpectedly"}')
    exchange = _exchange(CLAUDE, CLAUDE_BODY,
                         b"".join(_chunk(e) for e in CLAUDE_EVENTS[:3]) + failure)
    assert exchange.reply.text == "Olá"
    assert exchange.reply.error == ApiError("Model stream ended unexpectedly",
                                            "modelStreamErrorException")
    assert (exchange.reply.finish_reason, exchange.reply.notes) == ("error", ())


def test_crc_mismatch_is_noted_and_the_rest_is_read() -> None:
    # Quirk: a frame whose CRC does not match is flagged but still decoded.
    frames = [bytearray(_chunk(e)) for e in CLAUDE_EVENTS]
    frames[2][-1] ^= 0xFF
    exchange = _exchange(CLAUDE, CLAUDE_BODY, b"".join(bytes(f) for f in frames))
    offset = sum(len(f) for f in frames[:2])
    assert exchange.reply.text == "Olá!"
    assert exchange.reply.notes == (f"CRC mismatch in frame at byte {offset}",)


def test_truncated_frame_is_noted() -> None:
    # Quirk: a recording cut inside a frame keeps the frames before it.
    data = b"".join(_chunk(e) for e in CLAUDE_EVENTS)
    exchange = _exchange(CLAUDE, CLAUDE_BODY, data[:-10])
    assert exchange.reply.text == "Olá!"
    assert exchange.reply.notes[0] == "stream ended before message_stop"
    assert exchange.reply.notes[1].startswith("truncated frame at byte")


def test_llama_stream_is_read_generically() -> None:
    # Quirk: non-Claude families have their own chunk shapes; Llama sends `generation`.
    chunks = [{"generation": "Hello", "prompt_token_count": 9, "generation_token_count": 1,
               "stop_reason": None},
              {"generation": " there.", "prompt_token_count": None,
               "generation_token_count": 3, "stop_reason": "stop",
               "amazon-bedrock-invocationMetrics": {"inputTokenCount": 9,
                                                    "outputTokenCount": 3}}]
    exchange = _exchange(LLAMA, {"prompt": "Say hello", "max_gen_len": 20},
                         b"".join(_chunk(c) for c in chunks))
    assert (exchange.model, exchange.provider) == ("meta.llama3-8b-instruct-v1:0", "bedrock")
    assert (exchange.reply.text, exchange.reply.finish_reason) == ("Hello there.", "stop")
    assert exchange.usage == Usage(9, 3, None, None, None)
    assert exchange.prompt.messages == (Message("user", (TextPart("Say hello"),)),)
    assert dict(exchange.prompt.params) == {"max_gen_len": 20}


@pytest.mark.parametrize(("model", "body", "reply", "text", "finish", "usage"), [
    ("amazon.titan-text-lite-v1",
     {"inputText": "Say hi", "textGenerationConfig": {"maxTokenCount": 10}},
     {"inputTextTokenCount": 3, "results": [
         {"tokenCount": 4, "outputText": "Hi there!", "completionReason": "FINISH"}]},
     "Hi there!", "stop", Usage(3, 4, None, None, None)),
    ("mistral.mistral-7b-instruct-v0%3A2", {"prompt": "Say hi", "max_tokens": 10},
     {"outputs": [{"text": " Hi!", "stop_reason": "length"}]},
     " Hi!", "length", None),
    ("cohere.command-text-v14", {"prompt": "Say hi", "max_tokens": 10},
     {"generations": [{"id": "g", "text": " Hello!", "finish_reason": "COMPLETE"}]},
     " Hello!", "stop", None),
])
def test_other_families_non_streamed(model: str, body: dict[str, Any], reply: dict[str, Any],
                                     text: str, finish: str, usage: Usage | None) -> None:
    exchange = _exchange(f"{HOST}/model/{model}/invoke", body, json.dumps(reply).encode(),
                         content_type="application/json")
    assert (exchange.reply.text, exchange.reply.finish_reason, exchange.usage) == (
        text, finish, usage)
    assert exchange.prompt.messages == (Message("user", (TextPart("Say hi"),)),)


def test_nova_tool_call_non_streamed() -> None:
    # Quirk: Nova answers invoke in Converse's shape (output.message.content, usage).
    body = {"messages": [{"role": "user", "content": [{"text": "Weather in Oslo?"}]}],
            "inferenceConfig": {"maxTokens": 100},
            "toolConfig": {"tools": [{"toolSpec": {"name": "weather", "description": "Weather",
                                                   "inputSchema": {"json": {"type": "object"}}}}]}}
    reply = {"output": {"message": {"role": "assistant", "content": [
        {"text": "Checking."},
        {"toolUse": {"name": "weather", "toolUseId": "t1", "input": {"city": "Oslo"}}}]}},
        "stopReason": "tool_use",
        "usage": {"inputTokens": 40, "outputTokens": 12, "cacheReadInputTokenCount": 0,
                  "cacheWriteInputTokenCount": 0}}
    exchange = _exchange(f"{HOST}/model/amazon.nova-lite-v1%3A0/invoke", body,
                         json.dumps(reply).encode(), content_type="application/json")
    assert exchange.reply.text == "Checking."
    assert exchange.reply.tool_calls == (ToolCall("weather", {"city": "Oslo"}),)
    assert exchange.reply.finish_reason == "tool_calls"
    assert exchange.usage == Usage(40, 12, 0, 0, None)
    assert [t.name for t in exchange.prompt.tools] == ["weather"]
    assert dict(exchange.prompt.params) == {"maxTokens": 100}


def test_token_count_headers_are_the_last_resort() -> None:
    reply = {"generations": [{"text": "Hi", "finish_reason": "COMPLETE"}]}
    headers = (("X-Amzn-Bedrock-Input-Token-Count", "5"),
               ("X-Amzn-Bedrock-Output-Token-Count", "2"))
    exchange = _exchange(f"{HOST}/model/cohere.command-text-v14/invoke", {"prompt": "Hi"},
                         json.dumps(reply).encode(), content_type="application/json",
                         headers=headers)
    assert exchange.usage == Usage(5, 2, None, None, None)


def test_http_error_type_from_header() -> None:
    # Quirk: Bedrock puts the error type in x-amzn-ErrorType, not in the body (6.4).
    exchange = _exchange(CLAUDE, CLAUDE_BODY, b'{"message":"Too many requests"}', status=429,
                         content_type="application/json",
                         headers=(("x-amzn-ErrorType", "ThrottlingException:http://internal/"),))
    assert exchange.reply.error == ApiError("Too many requests", "ThrottlingException")
    assert (exchange.reply.finish_reason, exchange.usage) == ("error", None)


@pytest.mark.parametrize(("url", "expected"), [
    (CLAUDE, "us.anthropic.claude-haiku-4-5-20251001-v1:0"),
    (f"{HOST}/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile"
     "%2Fus.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke",
     "arn:aws:bedrock:us-east-1:123456789012:inference-profile/"
     "us.anthropic.claude-sonnet-4-5-20250929-v1:0"),
    (f"{HOST}/model/amazon.titan-embed-text-v2:0/invoke", None),
    (f"{HOST}/model/us.anthropic.claude-haiku-4-5-20251001-v1%3A0/converse", None),
    (f"{HOST}/model/us.anthropic.claude-haiku-4-5-20251001-v1%3A0/count-tokens", None),
])
def test_matches_and_model_id(url: str, expected: str | None) -> None:
    assert bedrock_invoke.matches(url, None) is (expected is not None)
    if expected:
        assert bedrock_invoke.model_id(url) == expected


_WORDS = st.sampled_from(["type", "generation", "outputs", "results", "text", "output",
                          "message", "content", "toolUse", "contentBlockDelta", "delta",
                          "metadata", "usage", "inputTokens", "message_start", "bytes",
                          "amazon-bedrock-invocationMetrics", "stop_reason"])
ODD_JSON = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-3, 3), _WORDS),
                        lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                st.dictionaries(_WORDS, inner, max_size=5)),
                        max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(ODD_JSON, st.lists(ODD_JSON, max_size=6), st.integers(0, 40))
def test_odd_input_never_raises(body: Any, events: list[Any], cut: int) -> None:
    frames = b"".join(encode(EVENT, json.dumps(e).encode()) for e in events)
    streamed = _exchange(LLAMA, body, frames[:len(frames) - cut])
    assert streamed.api == "bedrock-invoke"
    for event in events:
        whole = _exchange(LLAMA.replace("-with-response-stream", ""), event,
                          json.dumps(event).encode(), content_type="application/json")
        assert whole.reply.error is None


def test_corpus_properties() -> None:
    exchanges = []
    for path in expand_paths([str(corpus_or_skip())]):
        if "/history/" in path or b"bedrock-runtime" not in Path(path).read_bytes():
            continue
        try:
            cassette = load(path, priced=False)
        except CassetteError:
            continue
        exchanges.extend((path, e) for e in cassette.exchanges if e.api == "bedrock-invoke")
    assert len(exchanges) >= 45
    for path, exchange in exchanges:
        assert exchange.model and exchange.provider == "bedrock", path
        reply = exchange.reply
        assert reply.text or reply.tool_calls or reply.error, path
        assert not any("CRC" in note for note in reply.notes), path
        usage = exchange.usage
        if usage is None:
            assert reply.error is not None, path
            continue
        assert min(usage.input_tokens or 0, usage.output_tokens or 0) >= 0, path
        cached = (usage.cache_read_tokens or 0) + (usage.cache_write_tokens or 0)
        assert cached <= (usage.input_tokens or 0), path
