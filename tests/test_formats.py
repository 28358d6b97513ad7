"""The cassette format readers, on our own samples and on small hand-made trees."""

from __future__ import annotations

import contextlib
import gzip
import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cassette_tool import CassetteError, load
from cassette_tool.formats import FORMATS, cassetter, govcr, har, httprr, nock, parse, vcrpy
from cassette_tool.formats.common import go_duration_ms, item_lines, json_item_lines
from cassette_tool.model import (
    Cassette,
    Interaction,
    MediaPart,
    Message,
    TextPart,
    Tool,
    ToolCall,
    ToolResult,
    Usage,
)
from cassette_tool.source import Source

from conftest import SAMPLES, sample

FORMAT_OF_FOLDER = {"go-vcr": "go-vcr", "vcrpy": "vcrpy", "ruby-vcr": "ruby-vcr",
                    "cassetter": "cassetter", "har": "har", "nock": "nock", "httprr": "httprr"}


def read(relative: str, fmt: str, count: int) -> Cassette:
    cassette = load(sample(relative))
    assert cassette.format == fmt
    assert len(cassette.interactions) == count
    return cassette


def parsed(data: bytes) -> Any:
    return orjson.loads(data)


# --- every sample ------------------------------------------------------------------------

@pytest.mark.parametrize("path", sorted(p for p in SAMPLES.rglob("*") if p.is_file()),
                         ids=lambda p: str(p.relative_to(SAMPLES)))
def test_every_sample_loads_in_the_format_of_its_folder(path: Path) -> None:
    cassette = load(path)
    # samples/diff/ keeps pairs in format folders one level down.
    folder = next(p for p in path.relative_to(SAMPLES).parts if p in FORMAT_OF_FOLDER)
    assert cassette.format == FORMAT_OF_FOLDER[folder]
    assert cassette.interactions
    for interaction in cassette.interactions:
        assert interaction.request.method
        assert interaction.line is not None


# --- VCR.py ------------------------------------------------------------------------------

def test_vcrpy_gzip_binary_body_decodes_to_the_tool_call() -> None:
    # quirk: VCR.py keeps the gzip bytes as a `!!binary` string next to Content-Encoding
    interaction, = read("vcrpy/openai_chat_gzip.yaml", "vcrpy", 1).interactions
    request, response = interaction.request, interaction.response
    assert (request.method, request.url, interaction.line) == (
        "POST", "https://api.openai.com/v1/chat/completions", 2)
    assert response is not None and (response.status, response.reason) == (200, "OK")
    assert response.body.notes == ("!!binary", "gzip")
    body = parsed(response.body.data)
    assert body["id"] == "chatcmpl-BjQ4dW7nZx2rL9sKcT1vYp8mEoA3f"
    assert body["usage"]["total_tokens"] == 149
    assert parsed(request.body.data)["model"] == "gpt-4o-mini"
    assert request.header("content-length") == str(len(request.body.data))
    exchange = interaction.exchange
    assert exchange is not None
    assert (exchange.api, exchange.provider, exchange.model, exchange.request_model,
            exchange.streamed) == ("openai-chat", "openai", "gpt-4o-mini-2024-07-18",
                                   "gpt-4o-mini", False)
    assert exchange.reply.tool_calls == (ToolCall("convert_units", {
        "quantity": 1.5, "from_unit": "cup", "to_unit": "g", "ingredient": "all-purpose flour"}),)
    assert exchange.reply.tool_calls[0].id == "call_R8fJ2kLp0qVx7mNs4tYbW1cZ"
    assert (exchange.reply.text, exchange.reply.finish_reason) == ("", "tool_calls")
    assert exchange.usage == Usage(118, 31, 0, None, 0)
    assert exchange.prompt.messages == (
        Message("system", (TextPart("You are a baking assistant. Use the tools for every unit "
                                    "conversion."),)),
        Message("user", (TextPart("How many grams is 1.5 cups of all-purpose flour?"),)))
    assert [t.name for t in exchange.prompt.tools] == ["convert_units"]


def test_vcrpy_brotli_binary_body_decodes() -> None:
    interaction, = read("vcrpy/openai_chat_brotli.yaml", "vcrpy", 1).interactions
    assert interaction.response is not None
    assert interaction.response.body.notes == ("!!binary", "br")
    assert parsed(interaction.response.body.data)["object"] == "chat.completion"
    exchange = interaction.exchange
    assert exchange is not None
    assert exchange.reply.text == ("350 °F is about 177 °C. For a fan (convection) oven, lower it "
                                   "by about 20 °C, so set it to roughly 155–160 °C.")
    assert exchange.reply.finish_reason == "stop"
    assert exchange.usage == Usage(27, 38, 0, None, 0)
    assert exchange.prompt.params == (("temperature", 0.2),)


def test_vcrpy_error_reply_keeps_status_and_the_filtered_key() -> None:
    interaction, = read("vcrpy/openai_chat_error.yaml", "vcrpy", 1).interactions
    response = interaction.response
    assert response is not None and (response.status, response.reason) == (401, "Unauthorized")
    assert interaction.request.header("authorization") == "REDACTED"
    assert parsed(response.body.data)["error"]["code"] == "invalid_api_key"
    exchange = interaction.exchange
    assert exchange is not None and exchange.reply.error is not None
    assert exchange.reply.error.type == "invalid_request_error"
    assert exchange.reply.error.message.startswith("Incorrect API key provided: sk-test-****")
    assert (exchange.reply.finish_reason, exchange.usage) == ("error", None)


def test_vcrpy_parsed_body_dialect_on_azure() -> None:
    # quirk: pydantic-ai writes `parsed_body` (JSON as YAML data) and no `body` key
    interaction, = read("vcrpy/azure_parsed_body.yaml", "vcrpy", 1).interactions
    assert interaction.request.url == (
        "https://recipes-eastus2.openai.azure.com/openai/deployments/gpt-4o-recipes/"
        "chat/completions?api-version=2024-12-01-preview")
    assert interaction.request.body.notes == ("parsed",)
    assert interaction.request.body.parsed["messages"][1]["content"] == (
        "I have no buttermilk. What can I use instead for pancakes?")
    assert parsed(interaction.request.body.data) == interaction.request.body.parsed
    exchange = interaction.exchange
    assert exchange is not None
    assert (exchange.provider, exchange.model, exchange.request_model) == (
        "azure", "gpt-4o-2024-11-20", "gpt-4o-recipes")
    assert exchange.reply.text == (
        "Mix 1 cup of milk with 1 tablespoon of lemon juice or white vinegar and let it stand "
        "for 5 minutes until it curdles slightly. Use it cup for cup in place of buttermilk; "
        "the pancakes will be just as tender.")
    assert exchange.usage == Usage(41, 47, 0, None, 0)
    assert exchange.response_id == "chatcmpl-BkSt2Vb9QeJr6NwXy0LcA4uHmDfP1"


def test_vcrpy_realtime_websocket_session_is_one_interaction() -> None:
    # quirk: pydantic-ai records websocket sessions as interactions [{kind, direction, data}]
    session, = read("vcrpy/openai_realtime_ws.yaml", "vcrpy", 1).interactions
    assert (session.request.method, session.request.url, session.response, session.line) == (
        "WEBSOCKET", "", None, 3)
    messages = session.websocket
    assert len(messages) == 32
    assert [(m.direction, m.data["type"]) for m in messages[:5]] == [
        ("received", "session.created"), ("sent", "session.update"),
        ("received", "session.updated"), ("sent", "conversation.item.create"),
        ("sent", "response.create")]
    assert {m.kind for m in messages} == {"message"}
    deltas = "".join(m.data["delta"] for m in messages
                     if m.data["type"] == "response.output_text.delta")
    assert deltas == "Rest it for about 5 minutes, or half the cooking time for thick cuts."
    assert messages[-1].data["type"] == "response.done"
    assert messages[-1].data["response"]["usage"]["total_tokens"] == 66
    assert session.exchange is None


# --- Ruby VCR ----------------------------------------------------------------------------

def test_ruby_vcr_streamed_chat() -> None:
    interaction, = read("ruby-vcr/openai_chat_streaming.yml", "ruby-vcr", 1).interactions
    assert (interaction.request.method, interaction.line) == ("POST", 3)  # `post` in the file
    response = interaction.response
    assert response is not None and response.content_type == "text/event-stream"
    assert response.body.data.startswith(b"data: {") and response.body.data.endswith(
        b"data: [DONE]\n\n")
    exchange = interaction.exchange
    assert exchange is not None and exchange.streamed
    assert exchange.reply.text == (
        "1. Cover the dough and leave it somewhere warm (24–27 °C).\n"
        "2. Let it rise until doubled, about 1–2 hours.\n"
        "3. Poke it: if the dent springs back slowly, it is ready to bake.")
    assert exchange.usage == Usage(40, 48, 0, None, 0)
    assert exchange.prompt.params == (("temperature", 0.7), ("stream", True))


def test_ruby_vcr_base64_string_image_then_a_chat_about_it() -> None:
    download, chat = read("ruby-vcr/openai_image_base64.yml", "ruby-vcr", 2).interactions
    assert (download.request.method, download.request.url, download.line) == (
        "GET", "https://static.example-bakery.com/photos/tart-24px.png", 3)
    assert download.response is not None
    assert download.response.body.notes == ("base64",)
    image = download.response.body.data
    assert image.startswith(b"\x89PNG\r\n\x1a\n") and len(image) == 166
    assert download.response.header("content-length") == "166"
    assert download.exchange is None
    assert chat.line == 43 and chat.exchange is not None
    assert chat.exchange.prompt.messages == (Message("user", (
        TextPart("What dessert is shown in this picture? Answer in one sentence."),
        MediaPart("image", "image/png", 166))),)
    assert chat.exchange.reply.text == ("It looks like a small fruit tart: a golden pastry crust "
                                        "filled with a red berry filling.")
    assert chat.exchange.usage == Usage(8526, 21, 0, None, 0)


# --- cassetter ---------------------------------------------------------------------------

def test_cassetter_json_request_streamed_text_response_and_a_websocket() -> None:
    chat, socket = read("cassetter/openai_chat.yaml", "cassetter", 2).interactions
    assert (chat.request.method, chat.line) == ("POST", 3)
    assert chat.request.body.parsed["stream_options"] == {"include_usage": True}
    assert chat.response is not None and (chat.response.status, chat.response.reason) == (
        200, "OK")
    assert chat.exchange is not None and chat.exchange.streamed
    assert chat.exchange.reply.text == "2 tablespoons of butter weigh about 28 g (14 g each)."
    assert chat.exchange.usage == Usage(31, 13, 0, None, 0)
    assert (socket.request.method, socket.request.url, socket.line) == (
        "WEBSOCKET", "wss://api.openai.com/v1/realtime?model=gpt-realtime", 75)
    assert socket.request.header("openai-beta") == "realtime=v1"
    frames = socket.websocket
    assert len(frames) == 19
    assert [(f.direction, f.kind) for f in frames[:2]] == [("received", "text"), ("sent", "text")]
    assert "".join(f.data["delta"] for f in frames if f.data["type"].endswith(".delta")) == (
        "Bake it at 180 °C for 25–30 minutes.")


def test_cassetter_grpc_uses_json_debug_and_binary_frames_stay_bytes() -> None:
    tree = {"version": 1, "grpc_interactions": [{
        "request": {"method": "/demo.Kitchen/Convert", "body": {"type": "binary", "content": "0a01"}},
        "response": {"status_code": 0, "status_message": "OK",
                     "body": {"type": "binary", "content": "0a02"}},
        "json_debug": {"request": {"q": 1}, "response": {"g": 2}}}],
        "ws_interactions": [{"uri": "wss://x.test/", "frames": [
            {"direction": "recv", "frame_type": "binary", "body": {"type": "binary",
                                                                  "content": "00ff"}}]}]}
    grpc, socket = cassetter.read(tree, Source("c.yaml", b""))
    assert (grpc.request.method, grpc.request.url) == ("GRPC", "/demo.Kitchen/Convert")
    assert grpc.request.body.parsed == {"q": 1} and grpc.response is not None
    assert (grpc.response.status, grpc.response.body.parsed) == (0, {"g": 2})
    assert socket.websocket[0].data == b"\x00\xff"


def test_cassetter_typed_bodies() -> None:
    assert cassetter.typed_body({"type": "none"}, ()).is_empty
    assert cassetter.typed_body({"type": "binary", "content": "zz"}, ()).notes == (
        "could not decode hex: non-hexadecimal number found in fromhex() arg at position 0",)
    assert cassetter.typed_body({"type": "json", "content": "hi"}, ()).data == b'"hi"'
    assert cassetter.typed_body({"type": "text", "content": "a\nb"}, ()).data == b"a\nb"


def test_cassetter_is_told_from_vcrpy_by_its_integer_status() -> None:
    tree = {"version": 1, "interactions": [{"request": {"method": "GET", "uri": "https://x.test/"},
                                            "response": {"status": 204}}]}
    assert cassetter.sniff(tree) and not govcr.sniff(tree)


# --- HAR ---------------------------------------------------------------------------------

def test_har_plain_json_entry_and_base64_gzip_chunks() -> None:
    # quirk: Polly stores a compressed body as a JSON array of base64 chunks of the gzip stream
    first, second = read("har/openai_chat.har", "har", 2).interactions
    assert (first.line, second.line) == (10, 165)
    assert first.response is not None and second.response is not None
    assert (first.response.duration_ms, second.response.duration_ms) == (861.0, 1093.0)
    assert first.response.body.notes == ()
    assert second.response.body.notes == ("base64 chunks", "gzip")
    assert parsed(second.response.body.data)["id"] == "chatcmpl-BnC2lG8xR1yS6uZ9aB4wN7iK2qM5t"
    assert first.exchange is not None and second.exchange is not None
    assert first.exchange.reply.tool_calls == (ToolCall("check_pantry", {"item": "flour"}),)
    assert first.exchange.usage == Usage(92, 15, 0, None, 0)
    assert second.exchange.reply.text == ("Yes. You have 620 g of flour and two batches need "
                                          "500 g, so you will still have 120 g left over.")
    assert second.exchange.usage == Usage(134, 27, 0, None, 0)
    assert second.exchange.prompt.messages[-1] == Message("tool", (
        ToolResult('{"item":"flour","grams":620}'),))
    assert second.exchange.prompt.tools == (Tool(
        "check_pantry", "How much of an ingredient is in the pantry.",
        {"type": "object", "properties": {"item": {"type": "string"}}, "required": ["item"],
         "additionalProperties": False}),)


def test_har_form_params_unknown_time_and_bad_base64() -> None:
    tree = {"log": {"entries": [{
        "request": {"method": "post", "url": "https://x.test/token",
                    "postData": {"params": [{"name": "grant_type", "value": "client credentials"}]}},
        "response": {"status": 400, "content": {"encoding": "base64", "text": "a$b"}},
        "time": -1}]}}
    interaction, = har.read(tree, Source("r.har", b""))
    assert interaction.request.body.data == b"grant_type=client+credentials"
    assert interaction.response is not None and interaction.response.duration_ms is None
    assert interaction.response.body.data == b"a$b"
    assert interaction.response.body.notes[0].startswith("could not decode invalid base64")


# --- nock --------------------------------------------------------------------------------

def test_nock_raw_headers_and_a_streamed_tool_call() -> None:
    # quirk: nock's rawHeaders is a flat [name, value, name, value…] list
    interaction, = read("nock/openai_chat.json", "nock", 1).interactions
    # quirk: nock's scope keeps the default port (https://host:443); the URL had none
    assert (interaction.request.url, interaction.line) == (
        "https://api.openai.com/v1/chat/completions", 2)
    response = interaction.response
    assert response is not None and (response.status, response.reason) == (200, "OK")
    assert response.header("content-type") == "text/event-stream; charset=utf-8"
    assert response.header("x-request-id") == "req_3b5d7f9a1c2e44b8a0c3e5f7b9d1a2c4"
    assert len(response.headers) == 14
    assert interaction.request.header("user-agent") == "OpenAI/JS 4.104.0"
    exchange = interaction.exchange
    assert exchange is not None and exchange.streamed
    assert exchange.reply.tool_calls == (ToolCall(
        "scale_recipe", {"recipe": "lemon drizzle cake", "servings": 12}),)
    assert exchange.reply.tool_calls[0].id == "call_Ty6pB1nK8wQ3zX0mR5vJ2sLc"
    assert exchange.usage == Usage(87, 22, 0, None, 0)


def test_nock_hex_bodies() -> None:
    # quirk: binary responses are hex with responseIsBinary; compressed ones a list of hex chunks
    packed = gzip.compress(b'{"ok":true}').hex()
    tree = [{"scope": "http://localhost:80", "method": "GET", "path": "/a", "status": 200,
             "response": "00ff10", "responseIsBinary": True},
            {"scope": "https://x.test:8443", "method": "GET", "path": "/b", "status": 599,
             "response": [packed[:20], packed[20:]], "headers": {"Content-Encoding": "gzip"}}]
    binary, chunked = nock.read(tree, Source("n.json", b""))
    assert binary.request.url == "http://localhost/a"
    assert binary.response is not None and binary.response.body.data == b"\x00\xff\x10"
    assert chunked.request.url == "https://x.test:8443/b"
    assert chunked.response is not None
    assert (chunked.response.body.data, chunked.response.body.notes) == (
        b'{"ok":true}', ("hex", "gzip"))
    assert chunked.response.reason == ""  # 599 has no standard phrase


# --- httprr ------------------------------------------------------------------------------

def test_httprr_raw_http_records() -> None:
    openai, local = read("httprr/openai_chat.httprr", "httprr", 2).interactions
    assert (openai.line, local.line) == (2, 58)
    assert openai.request.url == "https://api.openai.com/v1/chat/completions"
    assert openai.request.header("host") == "api.openai.com"
    assert openai.request.header("content-length") == str(len(openai.request.body.data))
    assert openai.response is not None and (openai.response.status, openai.response.reason) == (
        200, "OK")
    assert openai.response.body.notes == ()
    assert parsed(openai.response.body.data)["id"] == "chatcmpl-BpE6nJ0zT3aU8wB1cD6yP9kM4sO7v"
    assert openai.exchange is not None
    assert openai.exchange.reply.text == ("Slightly less: one US cup of granulated sugar weighs "
                                          "about 200 g, so 180 g is roughly 0.9 cup.")
    assert openai.exchange.usage == Usage(21, 28, 0, None, 0)
    assert local.request.url == "http://localhost:8080/v1/chat/completions"
    assert local.response is not None
    assert local.response.header("transfer-encoding") == "chunked"
    assert local.response.body.data.endswith(b"data: [DONE]\n\n")  # chunk framing removed
    assert local.exchange is not None and local.exchange.streamed
    assert local.exchange.reply.text == "Rosemary: its piney aroma crisps nicely."
    assert local.exchange.usage == Usage(74, 9)


def httprr_source(*records: tuple[bytes, bytes], tail: bytes = b"") -> Source:
    data = httprr.MAGIC + b"".join(b"%d %d\n" % (len(q), len(r)) + q + r for q, r in records)
    return Source("t.httprr", data + tail)


def test_httprr_origin_form_request_and_trailing_newline() -> None:
    request = b"GET /units.json HTTP/1.1\r\nHost: files.test\r\n\r\n"
    response = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"
    interaction, = httprr.read(None, httprr_source((request, response), tail=b"\n"))
    assert interaction.request.url == "https://files.test/units.json"
    assert interaction.response is not None and interaction.response.body.data == b"{}"


def test_httprr_bad_chunking_is_shown_as_recorded_with_a_note() -> None:
    request = b"GET http://a.test/ HTTP/1.1\r\nHost: a.test\r\n\r\n"
    response = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc"
    interaction, = httprr.read(None, httprr_source((request, response)))
    assert interaction.response is not None
    assert interaction.response.body.data == b"zz\r\nabc"
    assert interaction.response.body.notes == ("body is not valid chunked encoding; shown as "
                                               "recorded",)


def test_httprr_truncated_record_and_bad_length_line_name_their_line() -> None:
    good = (b"GET http://a.test/ HTTP/1.1\r\n\r\n", b"HTTP/1.1 204 No Content\r\n\r\n")
    source = httprr_source(good, tail=b"40 10\nGET http://a.test/ HTTP/1.1\r\n")
    with pytest.raises(CassetteError) as caught:
        httprr.read(None, source)
    assert (caught.value.line, caught.value.message) == (
        7, "httprr: record is truncated (21 bytes missing)")
    with pytest.raises(CassetteError) as caught:
        httprr.read(None, httprr_source(good, tail=b"x y\n"))
    assert (caught.value.line, caught.value.message) == (
        7, "httprr: expected 'REQUEST_LENGTH RESPONSE_LENGTH'")


# --- go-vcr ------------------------------------------------------------------------------

def test_go_vcr_v1_layout_with_a_plain_get() -> None:
    units, chat = read("go-vcr/v1_openai_chat.yaml", "go-vcr", 2).interactions
    assert (units.request.method, units.request.url, units.line) == (
        "GET", "https://raw.githubusercontent.com/kitchen-tools/units/main/units.json", 4)
    assert units.request.body.is_empty
    assert units.response is not None
    assert (units.response.status, units.response.reason, units.response.duration_ms) == (
        200, "OK", 84.112375)
    assert parsed(units.response.body.data)["density_g_per_ml"]["honey"] == 1.42
    assert units.exchange is None
    assert chat.response is not None and chat.response.duration_ms == 612.418375
    assert chat.line == 41 and chat.exchange is not None
    assert chat.exchange.reply.text == ("3 tbsp is 44.4 ml, and at 1.42 g/ml that is about 63 g "
                                        "of honey.")
    assert chat.exchange.usage == Usage(96, 27, 0, None, 0)
    assert chat.exchange.prompt.params == (("temperature", 0),)


def test_go_vcr_form_body_and_status_from_text() -> None:
    tree = {"version": 2, "interactions": [{
        "request": {"method": "post", "url": "https://x.test/",
                    "form": {"q": ["flour & sugar"], "n": ["2"]}},
        "response": {"status": "404 Not Found", "duration": "1m2.5s"}}]}
    interaction, = govcr.read(tree, Source("c.yaml", b""))
    assert interaction.request.body.data == b"q=flour+%26+sugar&n=2"
    assert interaction.response is not None
    assert (interaction.response.status, interaction.response.reason,
            interaction.response.duration_ms) == (404, "Not Found", 62500.0)


@pytest.mark.parametrize(("text", "ms"), [
    ("1.02s", 1020.0), ("594ms", 594.0), ("1h0m0s", 3600000.0), ("250µs", 0.25),
    ("12ns", 0.000012), (1_500_000, 1.5), ("", None), ("soon", None), ("5 parsecs", None),
    (True, None), (None, None)])
def test_go_durations(text: Any, ms: float | None) -> None:
    assert go_duration_ms(text) == pytest.approx(ms) if ms is not None else go_duration_ms(text) is None


# --- detection and odd input -------------------------------------------------------------

@pytest.mark.parametrize(("text", "message"), [
    (b"", "not a cassette: the file is empty"),
    (b"- 1\n- 2\n", "not a cassette: a list whose items are not recorded requests"),
    (b"just text\n", "not a cassette: the document is a str"),
    (b"name: app\nsteps: []\n", "not a cassette: a mapping with keys name, steps (no interactions list)"),
    (b"version: 1\ninteractions:\n- request: {method: GET}\n",
     "not a cassette: the first request has neither `url` (go-vcr) nor `uri`"),
    (b"version: 1\ninteractions:\n- request_sample: {json: {}}\n  response_sample: {json: {}}\n",
     "not an HTTP cassette: pydantic-ai's recording of xAI gRPC calls (interactions hold "
     "request_sample, response_sample)"),
])
def test_files_that_are_not_cassettes_say_why(text: bytes, message: str) -> None:
    with pytest.raises(CassetteError) as caught:
        parse(Source("f.yaml", text))
    assert (caught.value.message, caught.value.path) == (message, "f.yaml")


def test_a_wrongly_shaped_interaction_is_a_cassette_error_with_the_path() -> None:
    with pytest.raises(CassetteError) as caught:
        parse(Source("f.yaml", b"version: 1\ninteractions:\n- request: {uri: x}\n  response: []\n"))
    assert str(caught.value) == "f.yaml: interaction 0 response is list, expected a mapping"


def test_vcrpy_binary_header_values_and_bare_status() -> None:
    tree = {"interactions": [{"request": {"method": "GET", "uri": "https://x.test/", "body": None},
                              "response": {"status": 200, "body": {"string": "hi"},
                                           "headers": {"Content-Type": [b"text/plain"],
                                                       "X-Empty": [None]}}}]}
    interaction, = vcrpy.read(tree, Source("c.yaml", b""))
    assert interaction.response is not None
    assert interaction.response.headers == (("Content-Type", "text/plain"), ("X-Empty", ""))
    assert interaction.response.status == 200


def test_yaml_item_lines_follow_the_sequence_indent() -> None:
    data = b"version: 2\ninteractions:\n    - id: 0\n      x: 1\n    - id: 1\nother: 2\n"
    assert item_lines(data, "interactions") == [3, 5]
    assert item_lines(b"interactions: []\n", "interactions") == []
    # Lines, not characters: text before the list may hold any UTF-8.
    assert item_lines("a: 'é👋'\ninteractions:\n- x\n- y\n".encode(), "interactions") == [3, 4]


def test_json_item_lines_skip_brackets_inside_strings() -> None:
    data = json.dumps({"log": {"x": ["[{"], "entries": [{"a": "}{"}, {"b": [{}]}]}},
                      indent=1).encode()
    assert json_item_lines(data, ("log", "entries")) == [7, 10]
    assert json_item_lines(b'[{"a": 1},\n {"a": [2]}]', ()) == [1, 2]


# --- robustness --------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8) | st.binary(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["request", "response", "body", "status", "headers", "uri", "url",
                         "method", "string", "code", "type", "content", "frames", "direction",
                         "data", "text", "encoding", "entries", "log", "postData", "scope",
                         "path", "rawHeaders", "form", "duration", "parsed_body"]),
        inner, max_size=4),
    max_leaves=12)
SKELETONS = st.sampled_from([
    lambda v: {"version": 2, "interactions": [{"request": {"url": "u", **v}, "response": v}]},
    lambda v: {"version": 1, "interactions": [{"request": {"uri": "u", "body": v}, "response": v}]},
    lambda v: {"version": 1, "interactions": [v, {"direction": "sent", "data": v}]},
    lambda v: {"interactions": [{"request": {"uri": "u", "body": {"type": "json"}}, "response": v}],
               "grpc_interactions": [v], "ws_interactions": [{"frames": [v]}]},
    lambda v: {"http_interactions": [{"request": v, "response": {"body": v, "status": v}}]},
    lambda v: {"log": {"entries": [{"request": v, "response": {"content": v}, "time": v}]}},
    lambda v: [{"scope": "s", "method": v, "response": v, "rawHeaders": v, "headers": v}],
])


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(SKELETONS, st.dictionaries(st.sampled_from(["body", "status", "headers", "method", "code",
                                                   "string", "content", "frames", "text"]),
                                  JSON_VALUES, max_size=4))
def test_readers_raise_only_cassette_errors_on_odd_trees(skeleton: Any, value: Any) -> None:
    tree = skeleton(value)
    for module in FORMATS:
        if module.sniff(tree):
            try:
                result = module.read(tree, Source("odd.yaml", b""))
            except CassetteError:
                continue
            assert all(isinstance(i, Interaction) for i in result)


@settings(max_examples=200)
@given(st.binary(max_size=200))
def test_httprr_reader_raises_only_cassette_errors_on_odd_bytes(tail: bytes) -> None:
    with contextlib.suppress(CassetteError):
        httprr.read(None, Source("odd.httprr", httprr.MAGIC + tail))


def test_item_lines_finds_each_item_of_one_top_level_sequence() -> None:
    from cassette_tool.formats.common import item_lines

    text = (b"version: 1\ninteractions:\n# recorded by hand\n\n- request: {}\n  nested:\n  - x\n"
            b"-\n  response: {}\n- request: |\n    - not an item\n\nws_interactions:\n"
            b"  - uri: wss://a\n  - uri: wss://b\nrecorded_with: x\n")
    assert item_lines(text, "interactions") == [5, 8, 10]
    assert item_lines(text, "ws_interactions") == [14, 15]
    assert item_lines(text, "grpc_interactions") == []
    assert item_lines(b"interactions: []\nversion: 1\n", "interactions") == []
