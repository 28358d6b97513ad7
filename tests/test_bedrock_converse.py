import json
from pathlib import Path
from typing import Any

import pytest

from cassette_tool import load
from cassette_tool.eventstream import encode
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
from cassette_tool.providers import bedrock_converse, read_exchange

from conftest import corpus_or_skip, sample

HOST = "https://bedrock-runtime.us-east-1.amazonaws.com"
STREAM_URL = f"{HOST}/model/us.anthropic.claude-haiku-4-5-20251001-v1%3A0/converse-stream"
PLAIN_URL = f"{HOST}/model/amazon.nova-micro-v1%3A0/converse"
EVENTSTREAM = (("Content-Type", "application/vnd.amazon.eventstream"),)
JSON = (("Content-Type", "application/json"),)


def event(name: str, payload: dict[str, Any]) -> bytes:
    return encode({":event-type": name, ":content-type": "application/json",
                   ":message-type": "event"}, json.dumps(payload).encode())


def exchange(url: str, body: Any, response: bytes, status: int = 200,
             headers: tuple[tuple[str, str], ...] = JSON) -> Exchange:
    request = Request("POST", url, JSON, Body(json.dumps(body).encode()))
    result = read_exchange(Interaction(0, request, Response(status, "", headers, Body(response))))
    assert result is not None
    return result


def stream(*frames: bytes, body: Any = None) -> Exchange:
    return exchange(STREAM_URL, body or {"messages": []}, b"".join(frames), headers=EVENTSTREAM)


def plain(reply: dict[str, Any], body: Any = None) -> Exchange:
    return exchange(PLAIN_URL, body or {"messages": []}, json.dumps(reply).encode())


START = event("messageStart", {"role": "assistant"})
STOP = event("messageStop", {"stopReason": "end_turn"})
METADATA = event("metadata", {"usage": {"inputTokens": 10, "outputTokens": 5,
                                        "totalTokens": 15}, "metrics": {"latencyMs": 300}})


def delta(index: int, value: dict[str, Any]) -> bytes:
    return event("contentBlockDelta", {"contentBlockIndex": index, "delta": value})


# --- samples ------------------------------------------------------------------------------------

def test_streamed_text_and_tool_use_then_answer() -> None:
    cassette = load(sample("nock/bedrock_converse_stream_tool.json"))
    assert cassette.format == "nock"
    first, second = cassette.exchanges
    assert (first.api, first.provider, first.model, first.request_model, first.streamed) == (
        "bedrock-converse", "bedrock", "us.anthropic.claude-haiku-4-5-20251001-v1:0",
        "us.anthropic.claude-haiku-4-5-20251001-v1:0", True)
    assert first.reply.text == "I'll convert 500 ml to US cups for you."
    assert first.reply.tool_calls == (
        ToolCall("convert_units", {"value": 500, "from_unit": "ml", "to_unit": "us_cup"}),)
    assert first.reply.tool_calls[0].id == "tooluse_7kQm2VxTRoa9cLp4WnZb1A"
    assert (first.reply.finish_reason, first.reply.native_finish_reason) == ("tool_calls",
                                                                             "tool_use")
    assert first.reply.notes == ()
    assert first.usage == Usage(612, 87, None, None, None)
    assert first.response_id == "3f1c9a7e-52d4-4b8e-9c61-0a7d2e4b5f18"
    assert first.prompt.messages == (
        Message("system", (TextPart("You are a kitchen assistant. Use the convert_units tool "
                                    "for every unit conversion."),)),
        Message("user", (TextPart("My pancake recipe wants cups, but I measured 500 ml of "
                                  "milk. How many US cups is that?"),)))
    assert first.prompt.tools == (Tool("convert_units", "Convert a quantity between cooking units",
                                       {"type": "object", "properties": {
                                           "value": {"type": "number",
                                                     "description": "Quantity to convert"},
                                           "from_unit": {"type": "string", "description":
                                                         "Unit of the quantity, e.g. ml"},
                                           "to_unit": {"type": "string", "description":
                                                       "Target unit, e.g. us_cup"}},
                                        "required": ["value", "from_unit", "to_unit"]}),)
    assert first.prompt.params == (("maxTokens", 512), ("temperature", 0.2))
    assert second.reply.text == ("500 ml of milk is about **2.11 US cups** — call it 2 cups plus "
                                 "2 tablespoons for your pancakes.")
    assert (second.reply.tool_calls, second.reply.finish_reason) == ((), "stop")
    assert second.usage == Usage(731, 34, None, None, None)
    assistant, result = second.prompt.messages[-2:]
    assert assistant == Message("assistant", (
        TextPart("I'll convert 500 ml to US cups for you."),
        ToolCall("convert_units", {"value": 500, "from_unit": "ml", "to_unit": "us_cup"})))
    assert result == Message("user", (
        ToolResult('{"value":2.11,"unit":"us_cup"}', name="convert_units"),))
    answer = result.parts[0]
    assert isinstance(answer, ToolResult)
    assert answer.tool_call_id == "tooluse_7kQm2VxTRoa9cLp4WnZb1A"


def test_non_streamed_reasoning_reply() -> None:
    (found,) = load(sample("vcrpy/bedrock_converse_reasoning.yaml")).exchanges
    assert (found.api, found.provider, found.model, found.streamed) == (
        "bedrock-converse", "bedrock", "eu.anthropic.claude-sonnet-4-5-20250929-v1:0", False)
    assert found.reply.reasoning.startswith("The user wants to swap baking soda for baking powder")
    assert found.reply.reasoning.endswith("swapping some milk for buttermilk.")
    assert found.reply.text.startswith("Yes, you can, but use much less.")
    assert found.reply.text.endswith("check with a skewer a few minutes early.")
    assert (found.reply.finish_reason, found.reply.native_finish_reason) == ("stop", "end_turn")
    assert found.usage == Usage(61, 318, 0, 0, None)
    assert found.response_id == "7d2b9f40-6a1e-4c83-b5f7-0e9a3c6d1b28"
    assert found.prompt.params == (
        ("maxTokens", 4096), ("thinking", {"type": "enabled", "budget_tokens": 2048}))
    assert found.prompt.messages[0] == Message(
        "system", (TextPart("You are a friendly baking coach. Answer in a few short bullet "
                            "points."),))


def test_validation_error_reply() -> None:
    (found,) = load(sample("go-vcr/bedrock_converse_validation_error.yaml")).exchanges
    assert found.reply.error == ApiError(
        "The maximum tokens you requested exceeds the model limit of 64000. Try again with a "
        "maximum tokens value that is lower than 64000.", "ValidationException")
    assert (found.reply.finish_reason, found.usage, found.streamed) == ("error", None, False)
    assert found.request_model == "us.anthropic.claude-haiku-4-5-20251001-v1:0"
    assert found.prompt.params == (("maxTokens", 200000), ("temperature", 0.7))


# --- URL and model ------------------------------------------------------------------------------

@pytest.mark.parametrize("url, model", [
    (f"{HOST}/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse",
     "anthropic.claude-3-haiku-20240307-v1:0"),
    ("https://bedrock-runtime.<AWS_REGION>.amazonaws.com/model/us.amazon.nova-2-lite-v1:0/"
     "converse-stream", "us.amazon.nova-2-lite-v1:0"),
    ("http://localhost:4566/model/amazon.titan-text-lite-v1/converse?x=1",
     "amazon.titan-text-lite-v1"),
    (f"{HOST}/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2F"
     "us.meta.llama3-2-3b-instruct-v1%3A0/converse",
     "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.meta.llama3-2-3b-instruct-v1:0"),
    (f"{HOST}/model/arn:aws:bedrock:us-east-1::foundation-model/mistral.mistral-large-2402-v1:0/"
     "converse", "arn:aws:bedrock:us-east-1::foundation-model/mistral.mistral-large-2402-v1:0"),
])
def test_matches_converse_paths_and_decodes_the_model_id(url: str, model: str) -> None:
    assert bedrock_converse.matches(url, None)
    assert bedrock_converse.model_id(url) == model


@pytest.mark.parametrize("url", [
    f"{HOST}/model/anthropic.claude-3-haiku-20240307-v1%3A0/invoke",
    f"{HOST}/model/anthropic.claude-3-haiku-20240307-v1%3A0/invoke-with-response-stream",
    f"{HOST}/model/anthropic.claude-sonnet-4-20250514-v1%3A0/count-tokens",
    "https://api.openai.com/v1/chat/completions",
])
def test_other_paths_do_not_match(url: str) -> None:
    assert not bedrock_converse.matches(url, None)


def test_model_of_an_arn_is_its_model_id_when_it_names_one() -> None:
    # ARN quirk: foundation-model and system inference-profile ARNs end in a priceable model id.
    url = (f"{HOST}/model/arn%3Aaws%3Abedrock%3Aus-west-2%3A123456789012%3Ainference-profile%2F"
           "us.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse")
    found = exchange(url, {"messages": []}, b'{"output":{"message":{"content":[{"text":"ok"}]}}}')
    assert found.model == "us.anthropic.claude-3-5-haiku-20241022-v1:0"
    assert found.request_model is not None and found.request_model.startswith("arn:aws:bedrock:")


def test_application_profile_arn_stays_whole() -> None:
    # ARN quirk: an application inference profile's id names no model.
    arn = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6"
    found = exchange(f"{HOST}/model/{arn}/converse", {"messages": []}, b'{"stopReason":"end_turn"}')
    assert (found.model, found.request_model) == (arn, arn)


# --- stream reassembly --------------------------------------------------------------------------

def test_padding_key_is_ignored() -> None:
    # Padding quirk: every payload may carry a random-length "p" key (wire-formats.md 6.3).
    found = stream(START, delta(0, {"text": "Hi"}), STOP, METADATA)
    padded = stream(event("messageStart", {"role": "assistant", "p": "abcdefgh"}),
                    event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "Hi"},
                                                "p": "abcdefghijklmnopqrst"}),
                    event("messageStop", {"stopReason": "end_turn", "p": "ab"}), METADATA)
    assert padded.reply == found.reply
    assert padded.reply.text == "Hi"


def test_blocks_without_start_are_created_by_their_first_delta_and_kept_in_index_order() -> None:
    # Block quirk: text blocks have no contentBlockStart; order is contentBlockIndex order.
    found = stream(START, delta(1, {"text": " world"}), delta(0, {"text": "Hello"}),
                   delta(1, {"text": "!"}), STOP, METADATA)
    assert found.reply.text == "Hello world!"


def test_tool_input_fragments_are_joined_then_parsed() -> None:
    found = stream(
        START,
        event("contentBlockStart", {"contentBlockIndex": 0, "start": {
            "toolUse": {"toolUseId": "tooluse_a1", "name": "get_recipe"}}}),
        delta(0, {"toolUse": {"input": ""}}),
        delta(0, {"toolUse": {"input": '{"dish": "ban'}}),
        delta(0, {"toolUse": {"input": 'ana bread", "servings": 8}'}}),
        event("contentBlockStop", {"contentBlockIndex": 0}),
        event("messageStop", {"stopReason": "tool_use"}), METADATA)
    assert found.reply.tool_calls == (ToolCall("get_recipe", {"dish": "banana bread",
                                                              "servings": 8}),)
    assert found.reply.tool_calls[0].id == "tooluse_a1"
    assert found.reply.finish_reason == "tool_calls"


def test_tool_with_no_input_gets_empty_arguments() -> None:
    found = stream(START, event("contentBlockStart", {"contentBlockIndex": 0, "start": {
        "toolUse": {"toolUseId": "tooluse_b2", "name": "roll_die"}}}),
        event("contentBlockStop", {"contentBlockIndex": 0}),
        event("messageStop", {"stopReason": "tool_use"}), METADATA)
    assert found.reply.tool_calls == (ToolCall("roll_die", {}),)


def test_reasoning_text_signature_and_redacted_content() -> None:
    found = stream(START,
                   delta(0, {"reasoningContent": {"text": "Soda is stronger"}}),
                   delta(0, {"reasoningContent": {"text": " than powder."}}),
                   delta(0, {"reasoningContent": {"signature": "EqQBCkgIBxAB"}}),
                   delta(1, {"reasoningContent": {"redactedContent": "c2VjcmV0"}}),
                   delta(2, {"text": "Use a quarter as much."}), STOP, METADATA)
    assert found.reply.reasoning == "Soda is stronger than powder."
    assert found.reply.text == "Use a quarter as much."
    assert found.reply.notes == ("1 reasoning block(s) redacted by the provider",)


def test_exception_frame_becomes_the_reply_error() -> None:
    exception = encode({":exception-type": "modelStreamErrorException",
                        ":content-type": "application/json", ":message-type": "exception"},
                       b'{"message":"Model stream ended unexpectedly","originalStatusCode":500}')
    found = stream(START, delta(0, {"text": "Half an ans"}), exception)
    assert found.reply.error == ApiError("Model stream ended unexpectedly",
                                         "modelStreamErrorException")
    assert (found.reply.text, found.reply.finish_reason) == ("Half an ans", "error")
    assert found.reply.notes == ()


def test_error_frame_carries_its_error_in_headers() -> None:
    frame = encode({":message-type": "error", ":error-code": "InternalFailure",
                    ":error-message": "We encountered an internal error."}, b"")
    found = stream(START, frame)
    assert found.reply.error == ApiError("We encountered an internal error.", "InternalFailure")


def test_truncated_stream_keeps_what_arrived_with_notes() -> None:
    whole = START + delta(0, {"text": "Preheat the oven"})
    found = stream(whole + delta(0, {"text": " to 180"})[:-9])
    assert found.reply.text == "Preheat the oven"
    assert found.reply.notes == (f"truncated frame at byte {len(whole)}",
                                 "stream ended before messageStop")
    assert (found.reply.finish_reason, found.usage) == (None, None)


def test_bad_crc_is_noted_and_the_frame_still_read() -> None:
    good = delta(0, {"text": "Mix well."})
    bad = bytearray(good)
    bad[-1] ^= 0x01  # corrupt the message CRC only; the payload is intact
    found = stream(START, bytes(bad), STOP, METADATA)
    assert found.reply.text == "Mix well."
    assert found.reply.notes == (f"CRC mismatch in frame at byte {len(START)}",)


def test_missing_metadata_is_noted() -> None:
    found = stream(START, delta(0, {"text": "Done."}), STOP)
    assert found.reply.finish_reason == "stop"
    assert found.usage is None
    assert found.reply.notes == ("stream ended before the metadata event (no usage)",)


def test_payload_that_is_not_json_is_counted() -> None:
    broken = encode({":event-type": "contentBlockDelta", ":message-type": "event"}, b"{not json")
    found = stream(START, broken, delta(0, {"text": "ok"}), STOP, METADATA)
    assert found.reply.text == "ok"
    assert found.reply.notes == ("1 stream event(s) were not JSON",)


def test_garbage_body_gives_notes_not_an_exception() -> None:
    found = stream(b"\x00\x00\x00\x05garbage-bytes-here")
    assert found.reply.text == ""
    assert found.reply.notes == ("CRC mismatch in frame prelude at byte 0",
                                 "stream ended before messageStop")


def test_server_tool_use_is_shown_but_does_not_make_a_tool_call_turn() -> None:
    # Nova grounding quirk: a server-run tool's call and result blocks sit in the reply.
    found = stream(
        START,
        event("contentBlockStart", {"contentBlockIndex": 0, "start": {"toolUse": {
            "toolUseId": "tooluse_s1", "name": "nova_grounding", "type": "server_tool_use"}}}),
        delta(0, {"toolUse": {"input": '{"query":"sourdough hydration"}'}}),
        event("contentBlockStart", {"contentBlockIndex": 1, "start": {"toolResult": {
            "toolUseId": "tooluse_s1", "type": "nova_grounding_result", "status": "success"}}}),
        delta(1, {"toolResult": [{"text": "[HIDDEN]"}]}),
        delta(2, {"text": "Most sourdough sits at 70-80% hydration."}),
        delta(3, {"citation": {"location": {"web": {"url": "https://example.org/bread"}}}}),
        STOP, METADATA)
    assert found.reply.text == "Most sourdough sits at 70-80% hydration."
    assert found.reply.tool_calls == (ToolCall("nova_grounding",
                                               {"query": "sourdough hydration"}),)
    assert found.reply.finish_reason == "stop"


def test_stream_usage_adds_cache_reads_and_writes_to_input() -> None:
    # Usage quirk: inputTokens excludes cached tokens (wire-formats.md 6.3).
    metadata = event("metadata", {"usage": {
        "inputTokens": 3, "outputTokens": 121, "cacheReadInputTokens": 1712,
        "cacheWriteInputTokens": 236, "totalTokens": 2072}})
    found = stream(START, delta(0, {"text": "ok"}), STOP, metadata)
    assert found.usage == Usage(1951, 121, 1712, 236, None)


# --- non-streamed replies ------------------------------------------------------------------------

def test_non_streamed_blocks_in_order() -> None:
    found = plain({"output": {"message": {"role": "assistant", "content": [
        {"reasoningContent": {"reasoningText": {"text": "Two calls.", "signature": "sig"}}},
        {"text": "Checking both cities."},
        {"toolUse": {"toolUseId": "tooluse_1", "name": "weather", "input": {"city": "Porto"}}},
        {"toolUse": {"toolUseId": "tooluse_2", "name": "weather", "input": {"city": "Faro"}}}]}},
        "stopReason": "tool_use", "usage": {"inputTokens": 415, "outputTokens": 180,
                                            "totalTokens": 595}})
    assert found.reply.reasoning == "Two calls."
    assert found.reply.text == "Checking both cities."
    assert found.reply.tool_calls == (ToolCall("weather", {"city": "Porto"}),
                                      ToolCall("weather", {"city": "Faro"}))
    assert found.reply.finish_reason == "tool_calls"
    assert found.usage == Usage(415, 180, None, None, None)


def test_citations_content_is_reply_text() -> None:
    found = plain({"output": {"message": {"content": [{"citationsContent": {
        "citations": [{"location": {"documentChar": {"documentIndex": 0, "start": 0,
                                                     "end": 20}}}],
        "content": [{"text": "Rye needs more water."}]}}]}}, "stopReason": "end_turn"})
    assert found.reply.text == "Rye needs more water."


def test_legacy_cache_count_spelling() -> None:
    # Usage quirk: older replies spell the cache counters `...InputTokenCount`.
    found = plain({"output": {"message": {"content": [{"text": "ok"}]}}, "stopReason": "end_turn",
                   "usage": {"inputTokens": 10, "outputTokens": 2, "cacheReadInputTokenCount": 90,
                             "cacheWriteInputTokenCount": 0}})
    assert found.usage == Usage(100, 2, 90, 0, None)


def test_usage_without_input_tokens_leaves_input_unknown() -> None:
    found = plain({"output": {"message": {"content": [{"text": "ok"}]}}, "stopReason": "max_tokens",
                   "usage": {"outputTokens": 50}})
    assert found.usage == Usage(None, 50, None, None, None)
    assert found.reply.finish_reason == "length"


@pytest.mark.parametrize("stop, finish", [("guardrail_intervened", "content_filter"),
                                          ("content_filtered", "content_filter"),
                                          ("stop_sequence", "stop"),
                                          ("model_context_window_exceeded", "length")])
def test_stop_reasons(stop: str, finish: str) -> None:
    found = plain({"output": {"message": {"content": [{"text": "x"}]}}, "stopReason": stop})
    assert (found.reply.finish_reason, found.reply.native_finish_reason) == (finish, stop)


def test_odd_bodies_do_not_raise() -> None:
    assert plain({"output": {"message": {"content": "not a list"}}}).reply.text == ""
    odd = exchange(PLAIN_URL, ["not", "a", "dict"], b"<html>gateway</html>")
    assert odd.reply.notes == ("reply body is not JSON",)
    assert odd.prompt.messages == ()


# --- errors ------------------------------------------------------------------------------------

def test_error_type_comes_from_the_amzn_header() -> None:
    # Error quirk: the body is only {"message"}; the type is in x-amzn-ErrorType (6.4).
    headers = (*JSON, ("x-amzn-ErrorType",
                       "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/"))
    found = exchange(PLAIN_URL, {"messages": []}, b'{"message":"Too many requests, please wait."}',
                     429, headers)
    assert found.reply.error == ApiError("Too many requests, please wait.", "ThrottlingException")
    assert found.reply.finish_reason == "error"


def test_error_message_with_capital_m_and_no_header() -> None:
    found = exchange(STREAM_URL, {"messages": []},
                     b'{"Message":"User is not authorized to perform: bedrock:InvokeModel"}', 403)
    assert found.reply.error == ApiError(
        "User is not authorized to perform: bedrock:InvokeModel", None)
    assert found.streamed is False


# --- prompt --------------------------------------------------------------------------------------

def test_prompt_content_blocks() -> None:
    body = {
        "system": [{"text": "You are a baking coach."}, {"cachePoint": {"type": "default"}},
                   {"text": "Be brief."}],
        "messages": [
            {"role": "user", "content": [
                {"text": "What went wrong with this loaf?"},
                {"image": {"format": "jpeg", "source": {"bytes": "/9j/4AAQSkZJRg=="}}},
                {"document": {"format": "pdf", "name": "recipe",
                              "source": {"bytes": "JVBERi0xLjQK"}}},
                {"document": {"format": "txt", "name": "notes",
                              "source": {"text": "Proofed 3 h."}}},
                {"video": {"format": "mp4", "source": {"s3Location": {
                    "uri": "s3://kitchen-clips/shaping.mp4"}}}}]},
            {"role": "assistant", "content": [
                {"reasoningContent": {"reasoningText": {"text": "Check timing.",
                                                        "signature": "sig"}}},
                {"reasoningContent": {"redactedContent": "c2VjcmV0"}},
                {"toolUse": {"toolUseId": "tooluse_t1", "name": "oven_log",
                             "input": {"day": "today"}}}]},
            {"role": "user", "content": [
                {"toolResult": {"toolUseId": "tooluse_t1", "status": "error",
                                "content": [{"text": "sensor offline"},
                                            {"json": {"retry": True}}]}},
                {"guardContent": {"text": {"text": "Is it safe?"}}}]},
        ],
    }
    messages = exchange(PLAIN_URL, body, b'{"stopReason":"end_turn"}').prompt.messages
    assert messages == (
        Message("system", (TextPart("You are a baking coach."), TextPart("Be brief."))),
        Message("user", (TextPart("What went wrong with this loaf?"),
                         MediaPart("image", "image/jpeg", 10),
                         MediaPart("file", "application/pdf", 9, "recipe"),
                         MediaPart("file", "text/plain", 12, "notes"),
                         MediaPart("video", "video/mp4", None, "s3://kitchen-clips/shaping.mp4"))),
        Message("assistant", (ReasoningPart("Check timing."),
                              ReasoningPart("[redacted reasoning]"),
                              ToolCall("oven_log", {"day": "today"}))),
        Message("user", (ToolResult('sensor offline\n{"retry":true}', name="oven_log",
                                    is_error=True),
                         TextPart("Is it safe?"))),
    )


def test_prompt_tools_and_params() -> None:
    body = {
        "messages": [],
        "inferenceConfig": {"maxTokens": 300, "temperature": 0.5, "topP": 0.9,
                            "stopSequences": ["END"]},
        "toolConfig": {"tools": [
            {"toolSpec": {"name": "scale_recipe", "description": "Scale servings",
                          "inputSchema": {"json": {"type": "object"}}}},
            {"systemTool": {"name": "nova_grounding"}},
            {"cachePoint": {"type": "default"}}],
            "toolChoice": {"tool": {"name": "scale_recipe"}}},
        "additionalModelRequestFields": {"top_k": 40},
    }
    prompt = exchange(PLAIN_URL, body, b'{"stopReason":"end_turn"}').prompt
    assert prompt.tools == (Tool("scale_recipe", "Scale servings", {"type": "object"}),
                            Tool("nova_grounding"))
    assert prompt.params == (("maxTokens", 300), ("temperature", 0.5), ("topP", 0.9),
                             ("stopSequences", ["END"]),
                             ("toolChoice", {"tool": {"name": "scale_recipe"}}), ("top_k", 40))


# --- corpus --------------------------------------------------------------------------------------

# The recorded reply is one empty text block: nothing to show, and rightly so.
EMPTY_BY_RECORDING = {"should-handle-empty-minimal-response.json"}


def test_corpus_converse_interactions() -> None:
    root = corpus_or_skip()
    seen = 0
    for path in expand_paths([str(root)]):
        if b"converse" not in Path(path).read_bytes():
            continue
        for found in load(path, priced=False).exchanges:
            if found.api != "bedrock-converse":
                continue
            seen += 1
            where = f"{path}: {found.reply}"
            assert found.provider == "bedrock" and found.model, where
            reply = found.reply
            if path.rsplit("/", 1)[-1] not in EMPTY_BY_RECORDING:
                assert reply.text or reply.tool_calls or reply.error, where
            assert reply.notes == (), where
            usage = found.usage
            if usage is not None:
                counts = (usage.input_tokens, usage.output_tokens, usage.cache_read_tokens,
                          usage.cache_write_tokens)
                assert all(c is None or c >= 0 for c in counts), where
                cached = (usage.cache_read_tokens or 0) + (usage.cache_write_tokens or 0)
                assert cached <= (usage.input_tokens or 0) or not cached, where
                assert (usage.reasoning_tokens or 0) <= (usage.output_tokens or 0), where
    assert seen >= 48
