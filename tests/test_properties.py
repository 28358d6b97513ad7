"""Property tests: cassettes generated in every format, with LLM calls of the main APIs
(OpenAI chat and Responses, Anthropic, Gemini, Bedrock Converse; streamed and not; text and
tool calls), read by every entry point, whole and then broken in every way a file gets
broken (cut short, bytes flipped, keys missing, duplicated or of the wrong type,
indentation off, line ends mixed), and with LLM bodies of the wrong shape.

What must hold for any input: each entry point (load, show's text, JSON and Markdown
renderers, diff's views and renderers, validate, redact) gives a result or a
`CassetteError` whose message is one line, never another exception; a generated cassette
reads back as the conversation it was made from; a reply that cannot be rebuilt in full
says so in a note; `redact` changes no byte outside the edits it reports, and a second run
changes nothing. Streams are also cut at every byte and AWS event-stream frames corrupted
in their lengths and CRCs.

Known crashes are listed with a minimal reproducer each (SHAPE_CRASHES and the xfails):
they flip to failures when fixed, so that the list is shortened. Runs are repeatable:
hypothesis is derandomized and keeps no example database.
"""

from __future__ import annotations

import atexit
import base64
import gzip
import io
import json
import shutil
import struct
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st
from rich.console import Console

from cassette_tool import diff as semantic_diff
from cassette_tool import eventstream
from cassette_tool.errors import CassetteError
from cassette_tool.load import load_bytes
from cassette_tool.model import Cassette, Reply
from cassette_tool.redact import Options, redact_source
from cassette_tool.render import changes, console, markdown
from cassette_tool.render import data as render_data
from cassette_tool.secrets import Rules
from cassette_tool.source import Source, dump_json
from cassette_tool.sse import parse_sse
from cassette_tool.validate import check_file
from cassette_tool.view import interaction_view

from conftest import http_interaction

# One profile for the whole file: repeatable, no database, no deadline (the first example
# of a run imports and warms up everything).
COMMON = settings(derandomize=True, database=None, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                         HealthCheck.filter_too_much])
# Sized so that the whole file runs in well under a minute on two cores.
FEW = settings(COMMON, max_examples=10)
SOME = settings(COMMON, max_examples=25)
MANY = settings(COMMON, max_examples=150)


# --- text ------------------------------------------------------------------------------------

# Characters that each format has to quote or escape, and some that break naive splitting.
_TRICKY = list("\"'\\:#{}[],&*!|>%@`-? \n\t\r") + ["\u2028", "\u0085", "é", "😀", "\xa0", "—"]
_CHARACTER = st.one_of(
    st.sampled_from(_TRICKY),
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Cn", "Co")),
    st.sampled_from("abcdefghij klmno"),
)
# Starts with a letter, so that no YAML version reads it as a number, date or boolean.
TEXT = st.builds(lambda head, rest: head + rest, st.sampled_from("HTSWaeimo"),
                 st.text(_CHARACTER, max_size=40))
MODEL = st.sampled_from(["gpt-4o-mini", "gpt-4.1", "claude-3-5-haiku-20241022",
                         "gemini-2.0-flash", "o3-mini"])
OPENAI_KEY = "sk-proj-" + "Xq7dKm2PzR9sLw4Tn8Vb3Yc6Hj1Gf5Ea0Qu" * 2
ANTHROPIC_KEY = "sk-ant-api03-" + "Rt5Uw8Zb2Ce4Gh7Jk9Mn3Pq6St1Vx0Yz" * 2
GOOGLE_KEY = "AIzaSyB3kL9mQ2xR7vT1nW5pZ8cD4fG6hJ0sK2e"


def pieces(text: str, cuts: list[int]) -> list[str]:
    """`text` split at the given offsets (how a server chunked its stream)."""
    points = sorted({c % (len(text) + 1) for c in cuts} | {0, len(text)})
    return [text[a:b] for a, b in zip(points, points[1:], strict=False)] or [""]


def sse(events: list[tuple[str | None, Any]], line_end: str = "\n") -> bytes:
    out = []
    for name, payload in events:
        body = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
        head = f"event: {name}{line_end}" if name else ""
        out.append(f"{head}data: {body}{line_end}{line_end}")
    return "".join(out).encode()


# --- one recorded call ---------------------------------------------------------------------

@dataclass
class Call:
    """One HTTP exchange as a recorder saw it, and the reply text it must read back as."""

    url: str
    request: dict[str, Any]
    response: bytes
    content_type: str
    reply: str
    api: str
    streamed: bool
    status: int = 200
    method: str = "POST"
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    gzip: bool = False  # the response body is stored gzip-compressed
    planted: str = ""  # where a secret was put: "", "header", "url" or "body"
    tool: tuple[str, dict[str, Any]] | None = None  # the tool call the reply makes

    @property
    def request_bytes(self) -> bytes:
        return json.dumps(self.request, ensure_ascii=False).encode()

    @property
    def binary(self) -> bool:
        return self.gzip or self.content_type == "application/vnd.amazon.eventstream"

    def headers(self, side: str) -> list[tuple[str, str]]:
        if side == "request":
            return [("Content-Type", "application/json"), *self.request_headers]
        encoding = [("Content-Encoding", "gzip")] if self.gzip else []
        return [("Content-Type", self.content_type), *encoding, *self.response_headers]

    def stored_response(self) -> bytes:
        return gzip.compress(self.response, mtime=0) if self.gzip else self.response


Tool = tuple[str, dict[str, Any]] | None  # a tool call the reply makes: name and arguments


def openai_chat(model: str, prompt: str, text: str, streamed: bool, cuts: list[int],
                tool: Tool = None) -> Call:
    request = {"model": model, "messages": [{"role": "user", "content": prompt}],
               "stream": streamed}
    usage = {"prompt_tokens": 12, "completion_tokens": 7, "total_tokens": 19}
    finish = "tool_calls" if tool else "stop"
    url = "https://api.openai.com/v1/chat/completions"
    if not streamed:
        message: dict[str, Any] = {"role": "assistant", "content": text}
        if tool:
            message["tool_calls"] = [{"id": "call_1", "type": "function", "function": {
                "name": tool[0], "arguments": json.dumps(tool[1])}}]
        body = {"id": "chatcmpl-9xLm2", "object": "chat.completion", "model": model,
                "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                "usage": usage}
        return Call(url, request, json.dumps(body).encode(), "application/json", text,
                    "openai-chat", False, tool=tool)
    chunk = {"id": "chatcmpl-9xLm2", "object": "chat.completion.chunk", "model": model}

    def delta(part: dict[str, Any]) -> tuple[str | None, Any]:
        return None, {**chunk, "choices": [{"index": 0, "delta": part, "finish_reason": None}]}

    events = [delta({"content": piece}) for piece in pieces(text, cuts)]
    if tool:
        events.append(delta({"tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                                             "function": {"name": tool[0], "arguments": ""}}]}))
        events += [delta({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]})
                   for piece in pieces(json.dumps(tool[1]), cuts)]
    events += [(None, {**chunk, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]}),
               (None, {**chunk, "choices": [], "usage": usage}), (None, "[DONE]")]
    return Call(url, request, sse(events), "text/event-stream", text, "openai-chat", True,
                tool=tool)


def openai_responses(model: str, prompt: str, text: str, streamed: bool, cuts: list[int],
                     tool: Tool = None) -> Call:
    request = {"model": model, "input": prompt, "stream": streamed}
    message = {"type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
               "content": [{"type": "output_text", "text": text, "annotations": []}]}
    call = {"type": "function_call", "id": "fc_1", "call_id": "call_1", "status": "completed",
            "name": tool[0], "arguments": json.dumps(tool[1])} if tool else None
    final = {"id": "resp_1", "object": "response", "status": "completed", "model": model,
             "output": [message, call] if call else [message],
             "usage": {"input_tokens": 12, "output_tokens": 7, "total_tokens": 19}}
    url = "https://api.openai.com/v1/responses"
    if not streamed:
        return Call(url, request, json.dumps(final).encode(), "application/json", text,
                    "openai-responses", False, tool=tool)
    started = {**final, "status": "in_progress", "output": [], "usage": None}
    events: list[tuple[str | None, Any]] = [
        ("response.created", {"type": "response.created", "response": started}),
        ("response.output_item.added", {"type": "response.output_item.added", "output_index": 0,
                                        "item": {**message, "content": [],
                                                 "status": "in_progress"}})]
    events += [("response.output_text.delta",
                {"type": "response.output_text.delta", "item_id": "msg_1", "output_index": 0,
                 "content_index": 0, "delta": piece}) for piece in pieces(text, cuts)]
    if call:
        events.append(("response.output_item.added", {
            "type": "response.output_item.added", "output_index": 1,
            "item": {**call, "arguments": "", "status": "in_progress"}}))
        events += [("response.function_call_arguments.delta", {
            "type": "response.function_call_arguments.delta", "item_id": "fc_1",
            "output_index": 1, "delta": piece}) for piece in pieces(call["arguments"], cuts)]
    events.append(("response.completed", {"type": "response.completed", "response": final}))
    return Call(url, request, sse(events), "text/event-stream", text, "openai-responses", True,
                tool=tool)


def anthropic(model: str, prompt: str, text: str, streamed: bool, cuts: list[int],
              tool: Tool = None) -> Call:
    request = {"model": model, "max_tokens": 256, "stream": streamed,
               "messages": [{"role": "user", "content": prompt}]}
    blocks: list[dict[str, Any]] = [{"type": "text", "text": text}]
    if tool:
        blocks.append({"type": "tool_use", "id": "toolu_1", "name": tool[0], "input": tool[1]})
    stop = "tool_use" if tool else "end_turn"
    message = {"id": "msg_01", "type": "message", "role": "assistant", "model": model,
               "content": blocks, "stop_reason": stop,
               "usage": {"input_tokens": 12, "output_tokens": 7}}
    url = "https://api.anthropic.com/v1/messages"
    if not streamed:
        return Call(url, request, json.dumps(message).encode(), "application/json", text,
                    "anthropic", False, tool=tool)
    events: list[tuple[str | None, Any]] = [
        ("message_start", {"type": "message_start", "message": {
            **message, "content": [], "stop_reason": None,
            "usage": {"input_tokens": 12, "output_tokens": 1}}}),
        ("content_block_start", {"type": "content_block_start", "index": 0,
                                 "content_block": {"type": "text", "text": ""}})]
    events += [("content_block_delta", {"type": "content_block_delta", "index": 0,
                                        "delta": {"type": "text_delta", "text": piece}})
               for piece in pieces(text, cuts)]
    events.append(("content_block_stop", {"type": "content_block_stop", "index": 0}))
    if tool:
        events.append(("content_block_start", {"type": "content_block_start", "index": 1,
                                               "content_block": {**blocks[1], "input": {}}}))
        events += [("content_block_delta", {"type": "content_block_delta", "index": 1, "delta": {
            "type": "input_json_delta", "partial_json": piece}})
            for piece in pieces(json.dumps(tool[1]), cuts)]
        events.append(("content_block_stop", {"type": "content_block_stop", "index": 1}))
    events += [("message_delta", {"type": "message_delta", "delta": {"stop_reason": stop},
                                  "usage": {"output_tokens": 7}}),
               ("message_stop", {"type": "message_stop"})]
    return Call(url, request, sse(events), "text/event-stream", text, "anthropic", True,
                tool=tool)


def gemini(model: str, prompt: str, text: str, streamed: bool, cuts: list[int],
           tool: Tool = None) -> Call:
    request = {"contents": [{"role": "user", "parts": [{"text": prompt}]}]}
    usage = {"promptTokenCount": 12, "candidatesTokenCount": 7, "totalTokenCount": 19}
    base = "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash"

    def chunk(parts: list[dict[str, Any]], last: bool) -> dict[str, Any]:
        candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
        return {"candidates": [{**candidate, "finishReason": "STOP"} if last else candidate],
                **({"usageMetadata": usage} if last else {}), "modelVersion": "gemini-2.0-flash"}

    # Gemini sends a function call whole, in one part (wire-formats.md 5).
    call = [{"functionCall": {"name": tool[0], "args": tool[1]}}] if tool else []
    if not streamed:
        return Call(f"{base}:generateContent", request,
                    json.dumps(chunk([{"text": text}, *call], True)).encode(),
                    "application/json", text, "gemini", False, tool=tool)
    parts: list[list[dict[str, Any]]] = [[{"text": p}] for p in pieces(text, cuts)]
    parts[-1] += call
    events: list[tuple[str | None, Any]] = [(None, chunk(p, i == len(parts) - 1))
                                            for i, p in enumerate(parts)]
    # Gemini ends its SSE lines with CRLF (wire-formats.md 5.3).
    return Call(f"{base}:streamGenerateContent?alt=sse", request, sse(events, "\r\n"),
                "text/event-stream", text, "gemini", True, tool=tool)


def bedrock_converse(model: str, prompt: str, text: str, streamed: bool, cuts: list[int],
                     tool: Tool = None) -> Call:
    request = {"messages": [{"role": "user", "content": [{"text": prompt}]}]}
    base = "https://bedrock-runtime.us-east-1.amazonaws.com/model/" \
           "anthropic.claude-3-5-haiku-20241022-v1:0"
    usage = {"inputTokens": 12, "outputTokens": 7, "totalTokens": 19}
    stop = "tool_use" if tool else "end_turn"
    if not streamed:
        content: list[dict[str, Any]] = [{"text": text}]
        if tool:
            content.append({"toolUse": {"toolUseId": "tooluse_1", "name": tool[0],
                                        "input": tool[1]}})
        body = {"output": {"message": {"role": "assistant", "content": content}},
                "stopReason": stop, "usage": usage}
        return Call(f"{base}/converse", request, json.dumps(body).encode(), "application/json",
                    text, "bedrock-converse", False, tool=tool)

    def frame(name: str, payload: Any) -> bytes:
        return eventstream.encode({":event-type": name, ":content-type": "application/json",
                                   ":message-type": "event"},
                                  json.dumps(payload, ensure_ascii=False).encode())

    frames = [frame("messageStart", {"role": "assistant"})]
    frames += [frame("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": piece}})
               for piece in pieces(text, cuts)]
    frames.append(frame("contentBlockStop", {"contentBlockIndex": 0}))
    if tool:
        frames.append(frame("contentBlockStart", {"contentBlockIndex": 1, "start": {
            "toolUse": {"toolUseId": "tooluse_1", "name": tool[0]}}}))
        frames += [frame("contentBlockDelta", {"contentBlockIndex": 1,
                                               "delta": {"toolUse": {"input": piece}}})
                   for piece in pieces(json.dumps(tool[1]), cuts)]
        frames.append(frame("contentBlockStop", {"contentBlockIndex": 1}))
    frames += [frame("messageStop", {"stopReason": stop}),
               frame("metadata", {"usage": usage, "metrics": {"latencyMs": 412}})]
    return Call(f"{base}/converse-stream", request, b"".join(frames),
                "application/vnd.amazon.eventstream", text, "bedrock-converse", True, tool=tool)


APIS: dict[str, Callable[..., Call]] = {
    "openai-chat": openai_chat, "openai-responses": openai_responses, "anthropic": anthropic,
    "gemini": gemini, "bedrock-converse": bedrock_converse,
}
TOOLS = st.one_of(st.none(), st.tuples(
    st.sampled_from(["get_weather", "search_docs", "scale_recipe"]),
    st.dictionaries(st.sampled_from(["city", "query", "servings", "unit"]),
                    st.one_of(TEXT, st.integers(-5, 500), st.booleans()), max_size=3)))


@st.composite
def calls(draw: st.DrawFn, api: str | None = None) -> Call:
    name = api or draw(st.sampled_from(sorted(APIS)))
    call = APIS[name](draw(MODEL), draw(TEXT), draw(TEXT), draw(st.booleans()),
                      draw(st.lists(st.integers(0, 60), max_size=6)), draw(TOOLS))
    secret = call.planted = draw(st.sampled_from(["", "header", "url", "body"]))
    if secret == "header":
        call.request_headers.append(("Authorization", f"Bearer {OPENAI_KEY}"))
    elif secret == "url":
        call.url += ("&" if "?" in call.url else "?") + f"key={GOOGLE_KEY}"
    elif secret == "body":
        call.request["metadata"] = {"note": f"key {ANTHROPIC_KEY} leaked"}
    call.response_headers.append(("X-Request-Id", "req_" + draw(st.text("0123456789abcdef",
                                                                         min_size=8, max_size=8))))
    if not call.binary and draw(st.integers(0, 4)) == 0:
        call.gzip = True
    return call


# --- cassette formats ------------------------------------------------------------------------

class _Dumper(yaml.SafeDumper):
    """PyYAML's safe dumper, with multi-line text as literal blocks (as recorders write
    stream bodies) when `literal` is set."""

    literal = False


def _text(dumper: _Dumper, value: str) -> yaml.Node:
    style = "|" if dumper.literal and "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


@dataclass(frozen=True)
class Style:
    """How a recorder happened to write its file."""

    literal: bool = False
    indent: int = 2
    width: int = 80
    flow: bool = False  # a YAML document in flow style, as some converters write it


def dump_yaml(tree: Any, style: Style) -> bytes:
    dumper = type("Dumper", (_Dumper,), {"literal": style.literal})
    text = yaml.dump(tree, Dumper=dumper, sort_keys=False, allow_unicode=True,
                     indent=style.indent, width=style.width,
                     default_flow_style=style.flow)
    return text.encode()


def _text_or_bytes(data: bytes, binary: bool) -> str | bytes:
    return data if binary else data.decode()


def _header_map(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for name, value in pairs:
        result.setdefault(name, []).append(value)
    return result


def go_vcr(items: list[Call], style: Style) -> tuple[Any, bytes]:
    tree = {"version": 2, "interactions": [{
        "id": i,
        "request": {"proto": "HTTP/1.1", "body": c.request_bytes.decode(),
                    "headers": _header_map(c.headers("request")), "url": c.url,
                    "method": c.method},
        "response": {"body": _text_or_bytes(c.stored_response(), c.binary),
                     "headers": _header_map(c.headers("response")),
                     "status": f"{c.status} OK", "code": c.status, "duration": "412ms"},
    } for i, c in enumerate(items)]}
    return tree, b"---\n" + dump_yaml(tree, style)


def vcrpy(items: list[Call], style: Style) -> tuple[Any, bytes]:
    tree = {"interactions": [{
        "request": {"body": c.request_bytes.decode(), "headers": _header_map(c.headers("request")),
                    "method": c.method, "uri": c.url},
        "response": {"body": {"string": _text_or_bytes(c.stored_response(), c.binary)},
                     "headers": _header_map(c.headers("response")),
                     "status": {"code": c.status, "message": "OK"}},
    } for c in items], "version": 1}
    return tree, dump_yaml(tree, style)


def _ruby_body(data: bytes, binary: bool) -> dict[str, str]:
    if binary:
        return {"encoding": "ASCII-8BIT", "base64_string": base64.encodebytes(data).decode()}
    return {"encoding": "UTF-8", "string": data.decode()}


def ruby_vcr(items: list[Call], style: Style) -> tuple[Any, bytes]:
    tree = {"http_interactions": [{
        "request": {"method": c.method.lower(), "uri": c.url,
                    "body": _ruby_body(c.request_bytes, False),
                    "headers": _header_map(c.headers("request"))},
        "response": {"status": {"code": c.status, "message": "OK"},
                     "headers": _header_map(c.headers("response")),
                     "body": _ruby_body(c.stored_response(), c.binary)},
        "recorded_at": "Thu, 19 Jun 2025 08:46:03 GMT",
    } for c in items], "recorded_with": "VCR 6.3.1"}
    return tree, b"---\n" + dump_yaml(tree, style)


def ruby_vcr_json(items: list[Call], style: Style) -> tuple[Any, bytes]:
    tree, _ = ruby_vcr(items, style)
    return tree, json.dumps(tree, indent=style.indent, ensure_ascii=False).encode()


def cassetter(items: list[Call], style: Style) -> tuple[Any, bytes]:
    def body(data: bytes, binary: bool) -> dict[str, Any]:
        if binary:
            return {"type": "binary", "content": data.hex()}
        parsed = json.loads(data) if data[:1] == b"{" else None
        return {"type": "json", "content": parsed} if parsed is not None else \
            {"type": "text", "content": data.decode()}

    tree = {"version": 1, "interactions": [{
        "request": {"method": c.method, "uri": c.url,
                    "headers": _header_map(c.headers("request")),
                    "body": {"type": "json", "content": c.request}},
        # cassetter stores bodies decompressed (its specification), so no Content-Encoding.
        "response": {"status": c.status,
                     "headers": _header_map(replace(c, gzip=False).headers("response")),
                     "body": body(c.response, c.content_type.endswith("eventstream"))},
    } for c in items]}
    return tree, dump_yaml(tree, style)


def har(items: list[Call], style: Style) -> tuple[Any, bytes]:
    def content(c: Call) -> dict[str, Any]:
        stored = c.stored_response()
        if c.binary:
            return {"mimeType": c.content_type, "size": len(c.response),
                    "text": base64.b64encode(stored).decode(), "encoding": "base64"}
        return {"mimeType": c.content_type, "size": len(stored), "text": stored.decode()}

    tree = {"log": {"version": "1.2", "creator": {"name": "Polly.JS", "version": "6.0.6"},
                    "entries": [{
                        "request": {"method": c.method, "url": c.url, "httpVersion": "HTTP/1.1",
                                    "headers": [{"name": n, "value": v}
                                                for n, v in c.headers("request")],
                                    "postData": {"mimeType": "application/json",
                                                 "text": c.request_bytes.decode()}},
                        "response": {"status": c.status, "statusText": "OK",
                                     "headers": [{"name": n, "value": v}
                                                 for n, v in c.headers("response")],
                                     "content": content(c)},
                        "time": 412, "startedDateTime": "2025-06-19T08:46:03.000Z",
                    } for c in items]}}
    return tree, json.dumps(tree, indent=style.indent, ensure_ascii=False).encode()


def nock(items: list[Call], style: Style) -> tuple[Any, bytes]:
    def entry(c: Call) -> dict[str, Any]:
        origin, _, path = c.url.partition("://")[2].partition("/")
        stored = c.stored_response()
        raw_headers = [x for pair in c.headers("response") for x in pair]
        result: dict[str, Any] = {"scope": f"https://{origin}:443", "method": c.method,
                                  "path": "/" + path, "body": c.request, "status": c.status,
                                  "rawHeaders": raw_headers}
        if c.request_headers:
            result["reqheaders"] = {n.lower(): v for n, v in c.request_headers}
        if c.gzip:
            result["response"] = [stored.hex()]
        elif c.binary:
            result["response"], result["responseIsBinary"] = stored.hex(), True
        else:
            parsed = json.loads(stored) if stored[:1] == b"{" else None
            result["response"] = parsed if parsed is not None else stored.decode()
        return result

    tree = [entry(c) for c in items]
    return tree, json.dumps(tree, indent=style.indent, ensure_ascii=False).encode()


def httprr(items: list[Call], style: Style) -> tuple[Any, bytes]:
    out = [b"httprr trace v1\n"]
    for c in items:
        body = c.request_bytes
        host = c.url.partition("://")[2].partition("/")[0]
        request = (f"{c.method} {c.url} HTTP/1.1\r\nHost: {host}\r\n"
                   + "".join(f"{n}: {v}\r\n" for n, v in c.headers("request"))
                   + f"Content-Length: {len(body)}\r\n\r\n").encode() + body
        stored = c.stored_response()
        response = (f"HTTP/1.1 {c.status} OK\r\n"
                    + "".join(f"{n}: {v}\r\n" for n, v in c.headers("response"))
                    + f"Content-Length: {len(stored)}\r\n\r\n").encode() + stored
        out.append(f"{len(request)} {len(response)}\n".encode() + request + response)
    return None, b"".join(out)


FORMATS: dict[str, tuple[str, Callable[[list[Call], Style], tuple[Any, bytes]]]] = {
    "go-vcr": (".yaml", go_vcr), "vcrpy": (".yaml", vcrpy), "ruby-vcr": (".yml", ruby_vcr),
    "ruby-vcr-json": (".json", ruby_vcr_json), "cassetter": (".yaml", cassetter),
    "har": (".har", har), "nock": (".json", nock), "httprr": (".httprr", httprr),
}
STYLES = st.builds(Style, literal=st.booleans(), indent=st.sampled_from([2, 4]),
                   width=st.sampled_from([80, 4096]), flow=st.just(False))


@dataclass
class Generated:
    format: str
    calls: list[Call]
    tree: Any  # what was serialised (None for httprr)
    data: bytes

    @property
    def name(self) -> str:
        return f"generated-{self.format}{FORMATS[self.format][0]}"


@st.composite
def cassettes(draw: st.DrawFn, format: str | None = None) -> Generated:
    name = format or draw(st.sampled_from(sorted(FORMATS)))
    items = draw(st.lists(calls(), min_size=1, max_size=3))
    tree, data = FORMATS[name][1](items, draw(STYLES))
    return Generated(name, items, tree, data)


# --- breaking them ---------------------------------------------------------------------------

def _paths(tree: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path of a tree (mappings and lists), the root excluded."""
    found: list[tuple[Any, ...]] = []
    items = tree.items() if isinstance(tree, dict) else enumerate(tree) \
        if isinstance(tree, list) else ()
    for key, value in items:
        found.append((*prefix, key))
        found.extend(_paths(value, (*prefix, key)))
    return found


WRONG_VALUES = [None, 0, -1, 10**30, 1.5, True, "", "text", [], {}, [1, "a"], {"a": [None]},
                b"\x00\xff"]


@st.composite
def tree_mutants(draw: st.DrawFn, generated: Generated) -> bytes:
    """The same calls with one field removed or given a value of the wrong type."""
    assume(generated.tree is not None)
    tree = json.loads(json.dumps(generated.tree, default=lambda b: b.decode("latin-1")))
    _break_one(draw, tree, _paths(tree), WRONG_VALUES)
    suffix = FORMATS[generated.format][0]
    if suffix in (".yaml", ".yml"):
        return dump_yaml(tree, Style())
    return json.dumps(tree, default=lambda b: b.decode("latin-1")).encode()


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [b""]


MUTATIONS: dict[str, Callable[[st.DrawFn, bytes], bytes]] = {
    "truncate": lambda draw, d: d[:draw(st.integers(0, len(d)))],
    "flip": lambda draw, d: _flip(d, draw(st.sets(st.integers(0, max(len(d) - 1, 0)),
                                                  min_size=1, max_size=4))),
    "set-byte": lambda draw, d: _set_byte(d, draw(st.integers(0, max(len(d) - 1, 0))),
                                          draw(st.sampled_from(b"\x00\t\n\r \"'#:[]{}-\\\xc3\xff"))),
    "swap-lines": lambda draw, d: _swap(_lines(d), draw(st.integers(0, len(_lines(d)) - 1)),
                                        draw(st.integers(0, len(_lines(d)) - 1))),
    "duplicate-line": lambda draw, d: _duplicate(_lines(d), draw(st.integers(0, len(_lines(d)) - 1))),
    "drop-line": lambda draw, d: _drop(_lines(d), draw(st.integers(0, len(_lines(d)) - 1))),
    "indent": lambda draw, d: _indent(_lines(d), draw(st.integers(0, len(_lines(d)) - 1)),
                                      draw(st.sampled_from([-3, -2, -1, 1, 2, 3]))),
    "line-ends": lambda draw, d: _line_ends(d, draw(st.sampled_from([b"\r\n", b"\r"])),
                                            draw(st.integers(1, 5))),
    "tab": lambda draw, d: _indent(_lines(d), draw(st.integers(0, len(_lines(d)) - 1)), 0,
                                   b"\t"),
}


def _flip(data: bytes, positions: set[int]) -> bytes:
    flipped = bytearray(data)
    for at in positions & set(range(len(data))):
        flipped[at] ^= 0xFF
    return bytes(flipped)


def _set_byte(data: bytes, at: int, value: int) -> bytes:
    return data[:at] + bytes([value]) + data[at + 1:]


def _swap(lines: list[bytes], a: int, b: int) -> bytes:
    lines[a], lines[b] = lines[b], lines[a]
    return b"".join(lines)


def _duplicate(lines: list[bytes], at: int) -> bytes:
    # A key line repeated: a duplicated key, or a duplicated list item.
    return b"".join(lines[:at + 1] + [lines[at]] + lines[at + 1:])


def _drop(lines: list[bytes], at: int) -> bytes:
    return b"".join(lines[:at] + lines[at + 1:])


def _indent(lines: list[bytes], at: int, by: int, unit: bytes = b" ") -> bytes:
    line = lines[at]
    stripped = line.lstrip(b" ")
    width = max(len(line) - len(stripped) + by, 0)
    lines[at] = (unit * width if unit == b" " else unit) + stripped
    return b"".join(lines)


def _line_ends(data: bytes, end: bytes, every: int) -> bytes:
    lines = _lines(data)
    return b"".join(line[:-1] + end if i % every == 0 and line.endswith(b"\n") else line
                    for i, line in enumerate(lines))


@st.composite
def mutants(draw: st.DrawFn, format: str | None = None) -> tuple[Generated, str, bytes]:
    generated = draw(cassettes(format))
    kinds = sorted(MUTATIONS) + (["tree"] if generated.tree is not None else [])
    kind = draw(st.sampled_from(kinds))
    data = draw(tree_mutants(generated)) if kind == "tree" else \
        MUTATIONS[kind](draw, generated.data)
    return generated, kind, data


# --- the entry points ------------------------------------------------------------------------

_FOLDER = Path(tempfile.mkdtemp(prefix="cassette-properties-"))  # validate reads files
atexit.register(shutil.rmtree, _FOLDER, True)


def one_line(error: CassetteError) -> None:
    text = str(error)
    assert text and "\n" not in text and "\r" not in text, repr(text)


def load_or_error(name: str, data: bytes) -> Cassette | CassetteError:
    try:
        return load_bytes(name, data)
    except CassetteError as exc:
        one_line(exc)
        return exc.with_path(name)


def render_everything(loaded: Cassette | CassetteError) -> None:
    """What `show` does in each output format, and the views `diff` compares."""
    for raw in (False, True):
        out = Console(file=io.StringIO(), width=100, color_system=None, force_terminal=False)
        console.render(out, [loaded], raw=raw)
        json.loads(dump_json([render_data.loaded_data(loaded, raw=raw)]))
    assert isinstance(markdown.render([loaded]), str)
    if isinstance(loaded, Cassette):
        for interaction in loaded.interactions:
            interaction_view(interaction)
            interaction_view(interaction, strict=True)


def compare(old: tuple[str, bytes], new: tuple[str, bytes]) -> semantic_diff.CassetteDiff:
    """What `diff OLD NEW` does, rendered in each output format."""
    files = dict([old, new])
    result = semantic_diff.diff_pair(new[0], old[0], new[0],
                                     loader=lambda name: load_bytes(name, files[name]))
    if result.status == "error":
        assert "\n" not in result.detail, result.detail
    out = Console(file=io.StringIO(), width=100, color_system=None, force_terminal=False)
    changes.render_text(out, [result], summary=True)
    changes.render_markdown([result])
    json.loads(dump_json(changes.changes_data([result])))
    return result


def validate(name: str, data: bytes) -> list[Any]:
    path = _FOLDER / name
    path.write_bytes(data)
    findings = check_file(str(path))
    for finding in findings:
        assert "\n" not in str(finding) and "\r" not in str(finding), str(finding)
    return findings


def redact(name: str, data: bytes) -> None:
    """`redact` gives a result or a one-line error; a result changes bytes only inside its
    edits, and redacting it again changes nothing."""
    try:
        result = redact_source(Source(name, data), Rules(), Options())
    except CassetteError as exc:
        one_line(exc)
        return
    rebuilt, position = b"", 0
    for edit in result.edits:
        assert position <= edit.start <= edit.end <= len(data), result.edits
        rebuilt += data[position:edit.start] + edit.new
        position = edit.end
    assert rebuilt + data[position:] == result.new
    assert result.changed == bool(result.replaced)
    if result.changed:
        again = redact_source(Source(name, result.new), Rules(), Options())
        assert not again.changed and not again.replaced, again.replaced


def every_command(name: str, data: bytes) -> tuple[Cassette | CassetteError, list[Any]]:
    """The cassette (or the error) and what `validate` found, after every other command."""
    loaded = load_or_error(name, data)
    render_everything(loaded)
    findings = validate(name, data)
    redact(name, data)
    return loaded, findings


# --- generated cassettes read back as what they recorded ---------------------------------------

def assert_same_reply(reply: Reply, call: Call) -> None:
    assert reply.text == call.reply, (reply, call.reply)
    assert reply.notes == (), reply.notes
    assert reply.error is None, reply
    if call.tool is None:
        assert reply.finish_reason == "stop" and reply.tool_calls == (), reply
    else:
        assert reply.finish_reason == "tool_calls", reply
        assert [(c.name, c.arguments) for c in reply.tool_calls] == [call.tool], reply


@pytest.mark.parametrize("format", sorted(FORMATS))
@SOME
@given(data=st.data())
def test_a_generated_cassette_reads_back_as_recorded(format: str, data: st.DataObject) -> None:
    generated = data.draw(cassettes(format))
    loaded, findings = every_command(generated.name, generated.data)
    assert isinstance(loaded, Cassette), loaded
    assert loaded.format == format.removesuffix("-json")
    assert len(loaded.interactions) == len(generated.calls)
    for interaction, call in zip(loaded.interactions, generated.calls, strict=True):
        exchange = interaction.exchange
        assert exchange is not None and exchange.api == call.api, (exchange, call.url)
        assert exchange.streamed == call.streamed
        assert_same_reply(exchange.reply, call)
        assert exchange.usage is not None and exchange.usage.output_tokens == 7
    assert not compare((generated.name, generated.data), (generated.name, generated.data)).changes
    # validate finds the planted secrets, and nothing else
    assert [f for f in findings if f.code[0] != "S"] == [], findings
    planted = sum(1 for c in generated.calls if c.planted)
    # A secret may be found in more than one place (a HAR query string, say), never in none.
    assert len([f for f in findings if f.code[0] == "S"]) >= planted
    assert (planted == 0) == (findings == []), findings


# --- broken cassettes: an answer or a one-line error, from every command -----------------------

@pytest.mark.parametrize("format", sorted(FORMATS))
@settings(COMMON, max_examples=40)
@given(data=st.data())
def test_a_broken_cassette_gets_an_answer_or_one_line_from_every_command(
        format: str, data: st.DataObject) -> None:
    generated, kind, broken = data.draw(mutants(format))
    loaded, _ = every_command(generated.name, broken)
    compare((f"old-{generated.name}", generated.data), (generated.name, broken))
    if isinstance(loaded, CassetteError):
        assert loaded.path == generated.name


@FEW
@given(data=st.data())
def test_a_document_in_flow_style_reads_like_the_block_one(data: st.DataObject) -> None:
    items = data.draw(st.lists(calls(), min_size=1, max_size=2))
    for format in ("go-vcr", "vcrpy", "cassetter"):
        block = FORMATS[format][1](items, Style())[1]
        flow = FORMATS[format][1](items, Style(flow=True))[1]
        assert not compare((f"block-{format}.yaml", block), (f"flow-{format}.yaml", flow)).changes


# --- LLM bodies of the wrong shape ---------------------------------------------------------------

# No huge numbers here: one as a list index grows a list without bound (see
# test_a_huge_index_in_a_stream_takes_bounded_memory, run in a child process).
JSON_WRONG = [None, 0, -1, 1.5, True, "", "text", [], {}, [1, "a"], {"a": [None]}]


def _wrong_shape(draw: st.DrawFn, value: Any) -> Any:
    """`value` (parsed JSON) with one member removed or given a value of the wrong type."""
    paths = _paths(value)
    if not paths:
        return draw(st.sampled_from(JSON_WRONG))
    _break_one(draw, value, paths, JSON_WRONG)
    return value


def _break_one(draw: st.DrawFn, value: Any, paths: list[tuple[Any, ...]],
               wrong: list[Any]) -> None:
    """Remove the member at one of `paths` in `value`, or give it one of the `wrong` values."""
    path = draw(st.sampled_from(paths))
    parent = value
    for key in path[:-1]:
        parent = parent[key]
    if draw(st.booleans()):
        del parent[path[-1]]
    else:
        parent[path[-1]] = draw(st.sampled_from(wrong))


@st.composite
def misshapen(draw: st.DrawFn, api: str) -> Call:
    """A call whose request, reply, or one event of its stream has a member missing or of
    the wrong type: what a proxy, an old API version or a hand edit leaves."""
    call = draw(calls(api))
    if draw(st.booleans()):
        call.request = _wrong_shape(draw, call.request)
        return call
    if call.content_type == "application/json":
        call.response = json.dumps(_wrong_shape(draw, json.loads(call.response))).encode()
    elif call.content_type == "text/event-stream":
        events = parse_sse(call.response.decode())
        hit = draw(st.integers(0, len(events) - 1))
        assume(events[hit].data != "[DONE]")
        call.response = sse([(e.event, json.dumps(_wrong_shape(draw, json.loads(e.data)))
                              if i == hit else e.data) for i, e in enumerate(events)])
    else:  # an AWS event stream: one frame's JSON payload
        frames = eventstream.decode(call.response).frames
        hit = draw(st.integers(0, len(frames) - 1))
        call.response = b"".join(
            eventstream.encode({k: str(v) for k, v in f.headers.items()}, json.dumps(
                _wrong_shape(draw, json.loads(f.payload))).encode() if i == hit else f.payload)
            for i, f in enumerate(frames))
    return call


# Shapes that made a reader, the pricing or the console raise (found by the mutation fuzz of
# the corpus, benchmarks/fuzz_corpus.py, and by `misshapen`): what, then where it raised
# (the innermost frame in the package) and how to build it: (api, streamed, with a tool call,
# where, path, value); `where` is "request", "response", or the number of the stream event
# changed. Each xfails until the place it names stops assuming the shape.
_GONE = object()
TOOL = ("get_weather", {"city": "Lisbon"})
SHAPE_CRASHES: dict[str, tuple[str, tuple[Any, ...]]] = {
    "model not a string": ("pricing.py:_candidates", (
        "openai-chat", False, False, "response", ("model",), 10**30)),
    "a negative token count (genai-prices raises ValueError)": ("pricing.py:_estimate_usd", (
        "openai-chat", False, False, "response", ("usage", "completion_tokens"), -1)),
    "finish_reason not a string": ("render/console.py:_usage_line", (
        "openai-chat", False, False, "response", ("choices", 0, "finish_reason"), [1, "a"])),
    "tool name not a string": ("render/console.py:_call_text", (
        "openai-chat", False, True, "response",
        ("choices", 0, "message", "tool_calls", 0, "function", "name"), ["x"])),
    "tool call id not a string": ("view.py:looks_generated", (
        "openai-chat", False, True, "response",
        ("choices", 0, "message", "tool_calls", 0, "id"), True)),
    "tool call id a list (unhashable)": ("providers/openai_chat.py:_add_call", (
        "openai-chat", False, True, "response",
        ("choices", 0, "message", "tool_calls", 0, "id"), ["x"])),
    "function not an object": ("providers/openai_chat.py:_add_call", (
        "openai-chat", False, True, "response",
        ("choices", 0, "message", "tool_calls", 0, "function"), "text")),
    "streamed arguments an object, then text": ("providers/openai_chat.py:_add_call", (
        "openai-chat", True, True, 1,
        ("choices", 0, "delta", "tool_calls", 0, "function", "arguments"), {"a": 1})),
    "messages not a list": ("providers/openai_chat.py:prompt_of", (
        "openai-chat", False, False, "request", ("messages",), True)),
    "choices not a list": ("providers/openai_chat.py:_reassemble", (
        "openai-chat", False, False, "response", ("choices",), 7)),
    "streamed choices not a list": ("providers/openai_chat.py:__iter__", (
        "openai-chat", True, False, 0, ("choices",), 1.5)),
    "tool_calls not a list": ("providers/openai_chat.py:add", (
        "openai-chat", False, True, "response", ("choices", 0, "message", "tool_calls"), 5)),
    "message content not a list": ("providers/openai_responses.py:reply_of", (
        "openai-responses", False, False, "response", ("output", 0, "content"), 1.5)),
    "a negative content_index": ("providers/openai_responses.py:_get", (
        "openai-responses", True, False, 2, ("content_index",), -1)),
    "usage not a mapping": ("providers/anthropic.py:add", (
        "anthropic", True, False, 0, ("message", "usage"), 5)),
    "Converse messages not a list": ("providers/bedrock_converse.py:prompt_of", (
        "bedrock-converse", False, False, "request", ("messages",), -1)),
    "Converse content not a list": ("providers/bedrock_converse.py:_tool_names", (
        "bedrock-converse", False, False, "request", ("messages", 0, "content"), 1.5)),
}
# Every place SHAPE_CRASHES names has been fixed: a crash anywhere is a new bug.
KNOWN_CRASH_SITES: set[str] = set()
_PACKAGE = Path(semantic_diff.__file__).parent


class KnownCrash(Exception):
    """A crash at a place SHAPE_CRASHES names."""


def crash_site(exc: BaseException) -> str:
    """`file:function` of the innermost frame of the package in the traceback."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if f.filename.startswith(str(_PACKAGE))]
    if not frames:
        return "?"
    return f"{Path(frames[-1].filename).relative_to(_PACKAGE).as_posix()}:{frames[-1].name}"


def reshaped(api: str, streamed: bool, tool: bool, where: str | int, path: tuple[Any, ...],
             value: Any) -> Call:
    """A plain call of `api` with the member at `path` of `where` set to `value`."""
    call = APIS[api]("gpt-4o-mini", "Hi", "Hello there", streamed, [], TOOL if tool else None)

    def change(data: Any) -> Any:
        parent = data
        for key in path[:-1]:
            parent = parent[key]
        if value is _GONE:
            del parent[path[-1]]
        else:
            parent[path[-1]] = value
        return data

    if where == "request":
        call.request = change(call.request)
    elif where == "response":
        call.response = json.dumps(change(json.loads(call.response))).encode()
    else:
        events = parse_sse(call.response.decode())
        call.response = sse([(e.event, json.dumps(change(json.loads(e.data))) if i == where
                              else e.data) for i, e in enumerate(events)])
    return call


@pytest.mark.parametrize("case", [pytest.param(case, id=f"{site} {case}")
                                  for case, (site, _) in SHAPE_CRASHES.items()])
def test_a_misshapen_body_is_read_and_shown(case: str) -> None:
    site, build = SHAPE_CRASHES[case]
    try:
        loaded, _ = every_command("misshapen.yaml", vcrpy([reshaped(*build)], Style())[1])
    except Exception as exc:
        if crash_site(exc) == site:
            raise KnownCrash(f"{site}: {type(exc).__name__}: {exc}") from exc
        raise  # somewhere else: a real failure, not the one expected
    assert isinstance(loaded, Cassette) and loaded.interactions[0].exchange is not None


def test_a_huge_index_in_a_stream_takes_bounded_memory(tmp_path: Path) -> None:
    # In a child process with 1 GiB of address space: here it would take the test runner.
    import subprocess
    import sys

    call = reshaped("openai-responses", True, False, 2, ("content_index",), 10**9)
    path = tmp_path / "index-bomb.yaml"
    path.write_bytes(vcrpy([call], Style())[1])
    script = ("import resource, sys\nresource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))"
              "\nfrom cassette_tool.cli import main\nsys.argv = ['cassette', *sys.argv[1:]]\n"
              "main()\n")
    done = subprocess.run([sys.executable, "-c", script, "show", "-f", "json", str(path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 2) and "internal error" not in done.stderr, done.stderr


@pytest.mark.parametrize("api", sorted(APIS))
@settings(COMMON, max_examples=60)
@given(data=st.data())
def test_an_llm_body_of_the_wrong_shape_raises_nowhere_new(api: str,
                                                           data: st.DataObject) -> None:
    # The places SHAPE_CRASHES names are known (and xfail there); any other is a new bug.
    call = data.draw(misshapen(api))
    try:
        loaded, _ = every_command("misshapen.yaml", vcrpy([call], Style())[1])
    except Exception as exc:
        if crash_site(exc) not in KNOWN_CRASH_SITES:
            raise
        return
    assert isinstance(loaded, Cassette), loaded


# --- replies that cannot be rebuilt in full say so ---------------------------------------------

def _reply_of(call: Call, body: bytes) -> Reply:
    interaction = http_interaction(call.url, call.request, body, content_type=call.content_type)
    from cassette_tool.providers import read_exchange

    exchange = read_exchange(interaction)
    assert exchange is not None and exchange.api == call.api
    return exchange.reply


def _says_something(reply: Reply) -> bool:
    return bool(reply.text or reply.reasoning or reply.tool_calls or reply.refusal
                or reply.error or reply.notes)


@pytest.mark.parametrize("api", sorted(APIS))
@settings(COMMON, max_examples=6, phases=[Phase.explicit, Phase.generate])
@given(data=st.data())
def test_a_stream_cut_at_every_byte_keeps_what_it_had_and_says_it_was_cut(
        api: str, data: st.DataObject) -> None:
    call = APIS[api](data.draw(MODEL), data.draw(TEXT), data.draw(TEXT), True,
                     data.draw(st.lists(st.integers(0, 60), max_size=6)), data.draw(TOOLS))
    whole = _reply_of(call, call.response)
    assert_same_reply(whole, call)
    for cut in range(1, len(call.response)):
        reply = _reply_of(call, call.response[:cut])
        # What was received is kept: the text so far is a beginning of the whole text;
        # and a reply that did not end says so (an empty body is validate's T202).
        assert call.reply.startswith(reply.text), (cut, reply.text)
        assert reply.notes or reply.finish_reason in ("stop", "tool_calls"), (cut, reply)


@pytest.mark.parametrize("api", sorted(APIS))
@settings(COMMON, max_examples=20, phases=[Phase.explicit, Phase.generate])
@given(data=st.data())
def test_a_reply_body_that_is_not_json_is_never_shown_as_an_empty_reply(
        api: str, data: st.DataObject) -> None:
    call = APIS[api](data.draw(MODEL), data.draw(TEXT), data.draw(TEXT), False, [],
                     data.draw(TOOLS))
    cut = data.draw(st.integers(1, len(call.response) - 1))
    body = call.response[:cut]
    assume(body.strip())
    try:
        json.loads(body)
    except ValueError:
        pass
    else:
        assume(False)
    reply = _reply_of(call, body)
    assert _says_something(reply), (body, reply)


# --- SSE: cut at every byte ---------------------------------------------------------------------

@MANY
@given(events=st.lists(st.tuples(st.one_of(st.none(), st.sampled_from(["delta", "done"])),
                                 st.text(_CHARACTER, max_size=12).map(
                                     lambda t: t.replace("\r", "").replace("\n", " "))),
                       min_size=1, max_size=5),
       line_end=st.sampled_from(["\n", "\r\n"]))
def test_sse_cut_at_every_byte_gives_the_events_before_the_cut(
        events: list[tuple[str | None, str]], line_end: str) -> None:
    text = sse([(name, f"x{payload}") for name, payload in events], line_end).decode()
    whole = parse_sse(text)
    assert [(e.event, e.data) for e in whole] == [(n, f"x{p}") for n, p in events]
    for cut in range(len(text) + 1):
        events_cut = parse_sse(text[:cut])
        complete = events_cut[:-1]
        assert complete == whole[:len(complete)], cut
        if events_cut:  # the last one may be cut inside its data line
            last, model = events_cut[-1], whole[len(events_cut) - 1]
            assert model.data.startswith(last.data) and last.event in (None, model.event), cut


# --- AWS event-stream frames ------------------------------------------------------------------

def _frames(payloads: list[bytes]) -> list[bytes]:
    return [eventstream.encode({":event-type": "chunk", ":message-type": "event"}, p)
            for p in payloads]


PAYLOADS = st.lists(st.binary(max_size=40), min_size=1, max_size=5)


@MANY
@given(payloads=PAYLOADS, data=st.data())
def test_a_corrupted_length_or_crc_is_reported_and_earlier_frames_are_kept(
        payloads: list[bytes], data: st.DataObject) -> None:
    frames = _frames(payloads)
    whole = b"".join(frames)
    decoded = eventstream.decode(whole)
    assert [f.payload for f in decoded.frames] == payloads and decoded.problems == ()
    hit = data.draw(st.integers(0, len(frames) - 1))
    start = sum(map(len, frames[:hit]))
    # which field of the frame: total length, header length, prelude CRC, a header or
    # payload byte, or the message CRC
    where = data.draw(st.sampled_from([0, 4, 8, 12, len(frames[hit]) - 4]))
    value = data.draw(st.integers(0, 2**32 - 1))
    corrupted = bytearray(whole)
    old = corrupted[start + where:start + where + 4]
    corrupted[start + where:start + where + 4] = struct.pack(">I", value)
    assume(corrupted[start + where:start + where + 4] != old)
    result = eventstream.decode(bytes(corrupted))
    assert result.problems, (where, value)
    assert all("\n" not in p for p in result.problems)
    assert [f.payload for f in result.frames[:hit]] == payloads[:hit]


@MANY
@given(payloads=PAYLOADS, data=st.data())
def test_a_frame_stream_cut_anywhere_reports_truncation(payloads: list[bytes],
                                                        data: st.DataObject) -> None:
    whole = b"".join(_frames(payloads))
    cut = data.draw(st.integers(1, len(whole) - 1))
    result = eventstream.decode(whole[:cut])
    complete = [f for f in result.frames if f.crc_ok]
    assert [f.payload for f in complete] == payloads[:len(complete)]
    boundaries = {sum(len(f) for f in _frames(payloads[:n])) for n in range(len(payloads))}
    if cut not in boundaries:  # a cut between frames leaves a shorter, valid stream
        assert any("truncated" in p for p in result.problems), result.problems


@FEW
@given(payloads=PAYLOADS, garbage=st.binary(min_size=1, max_size=64))
def test_any_bytes_after_good_frames_decode_without_raising(payloads: list[bytes],
                                                            garbage: bytes) -> None:
    result = eventstream.decode(b"".join(_frames(payloads)) + garbage)
    assert [f.payload for f in result.frames[:len(payloads)]] == payloads
    assert result.problems or len(result.frames) > len(payloads)


def test_a_bad_crc_in_a_recorded_bedrock_stream_is_a_note_not_a_crash() -> None:
    call = bedrock_converse("m", "Hi", "Hello there", True, [3, 7])
    body = bytearray(call.response)
    body[len(body) // 2] ^= 0x55
    reply = _reply_of(call, bytes(body))
    assert any("CRC" in note or "frame" in note for note in reply.notes), reply.notes
    for format in sorted(FORMATS):
        broken = replace(call, response=bytes(body))
        name = f"crc-{format}{FORMATS[format][0]}"
        loaded, _ = every_command(name, FORMATS[format][1]([broken], Style())[1])
        assert isinstance(loaded, Cassette) and loaded.interactions[0].exchange is not None
        assert loaded.interactions[0].exchange.reply.notes, format


def test_the_generators_cover_every_api_and_format() -> None:
    # A guard for this file: a new API or format should be generated here too.
    from cassette_tool.formats import FORMAT_BY_NAME
    from cassette_tool.providers import API_BY_NAME

    assert {f.removesuffix("-json") for f in FORMATS} == set(FORMAT_BY_NAME)
    # Not generated yet: their replies are covered by their own unit tests.
    assert set(API_BY_NAME) - set(APIS) == {"bedrock-invoke", "ollama", "cohere"}
