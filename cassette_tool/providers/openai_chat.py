"""OpenAI Chat Completions and every compatible provider (Azure, OpenRouter, Groq, xAI,
Vercel, Together, DeepSeek, Mistral, Hugging Face, Z.ai, vLLM, llama.cpp…).

See wire-formats.md section 2 for the stream reassembly rules and each host's quirks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import orjson

from ..model import (
    ApiError,
    Exchange,
    Interaction,
    MediaPart,
    Message,
    Part,
    Prompt,
    ReasoningPart,
    Reply,
    TextPart,
    Tool,
    ToolCall,
    ToolResult,
    Usage,
)
from ..source import blank, try_json
from ..sse import iter_sse
from .common import (
    as_int,
    body_json,
    dig,
    error_from,
    host_of,
    media_from_base64,
    media_from_url,
    normalize_finish,
    parse_arguments,
    pick_params,
    provider_of,
    reported_cost,
    stream_error,
    text_content,
)

API = "openai-chat"
PARAMS = ("temperature", "top_p", "max_tokens", "max_completion_tokens", "stream",
          "tool_choice", "reasoning_effort", "response_format", "n", "seed", "stop",
          "parallel_tool_calls", "frequency_penalty", "presence_penalty", "reasoning",
          "function_call")


def matches(url: str, body: Any) -> bool:
    path = url.split("?", 1)[0].rstrip("/")
    return path.endswith("/chat/completions")


# --- prompt ---------------------------------------------------------------------------------

def prompt_of(body: Any) -> Prompt:
    if not isinstance(body, dict):
        return Prompt()
    messages = tuple(_message(m) for m in body.get("messages") or [] if isinstance(m, dict))
    tools = tuple(_tool(t) for t in body.get("tools") or body.get("functions") or []
                  if isinstance(t, dict))
    return Prompt(messages, tools, pick_params(body, PARAMS))


def _tool(tool: dict[str, Any]) -> Tool:
    function: dict[str, Any] = tool["function"] if isinstance(tool.get("function"), dict) else tool
    return Tool(str(function.get("name") or tool.get("type") or ""),
                function.get("description"), function.get("parameters"))


def _message(message: dict[str, Any]) -> Message:
    role = str(message.get("role") or "user")
    parts: list[Part] = []
    content = message.get("content")
    if role in ("tool", "function"):
        parts.append(ToolResult(text_content(content), message.get("tool_call_id"),
                                message.get("name")))
        return Message(role, tuple(parts))
    for key in ("reasoning_content", "reasoning"):
        if isinstance(message.get(key), str) and message[key]:
            parts.append(ReasoningPart(message[key]))
            break
    if isinstance(content, str):
        if content:
            parts.append(TextPart(content))
    elif isinstance(content, list):
        parts.extend(_content_part(p) for p in content if isinstance(p, dict))
    calls = list(message.get("tool_calls") or [])
    if isinstance(message.get("function_call"), dict):  # legacy function calling
        calls.append({"function": message["function_call"]})
    for call in calls:
        function = call.get("function") or {}
        parts.append(ToolCall(str(function.get("name") or ""),
                              parse_arguments(function.get("arguments")), call.get("id")))
    return Message(role, tuple(parts))


def _content_part(part: dict[str, Any]) -> Part:
    kind = part.get("type")
    if kind in ("text", "input_text") or "text" in part and kind is None:
        return TextPart(str(part.get("text") or ""))
    if kind == "image_url":
        image = part.get("image_url")
        url = image.get("url") if isinstance(image, dict) else image
        return media_from_url(str(url or ""), "image")
    if kind == "input_audio":
        audio = part.get("input_audio") or {}
        return media_from_base64(audio.get("data"), f"audio/{audio.get('format', 'wav')}", "audio")
    if kind == "file":
        file = part.get("file") or {}
        data = file.get("file_data")
        if isinstance(data, str) and data.startswith("data:"):
            return media_from_url(data, "file")
        return MediaPart("file", None, None, file.get("filename") or file.get("file_id"))
    if kind == "thinking":
        return ReasoningPart(str(part.get("thinking") or ""))
    return TextPart(f"[{kind} part]")


# --- reply ----------------------------------------------------------------------------------

class _Choice:
    __slots__ = ("text", "reasoning", "refusal", "calls", "finish", "native_finish", "order")

    def __init__(self) -> None:
        self.text: list[str] = []
        self.reasoning: list[str] = []
        self.refusal: list[str] = []
        self.calls: dict[Any, dict[str, Any]] = {}
        self.order: list[Any] = []
        self.finish: str | None = None
        self.native_finish: str | None = None

    def add(self, delta: dict[str, Any]) -> None:
        content = delta.get("content")
        # Nearly every chunk of a long reply: a piece of text (with the role, from some).
        if type(content) is str and (len(delta) == 1 or len(delta) == 2 and "role" in delta):
            self.text.append(content)
            return
        if isinstance(content, str):
            self.text.append(content)
        elif isinstance(content, list):  # Mistral's typed chunks
            for item in content:
                if isinstance(item, dict) and item.get("type") == "thinking":
                    self.reasoning.append(text_content(item.get("thinking")))
                elif isinstance(item, dict):
                    self.text.append(str(item.get("text") or ""))
        if isinstance(delta.get("refusal"), str):
            self.refusal.append(delta["refusal"])
        # One reasoning source only: reasoning_details repeats the same text.
        for key in ("reasoning_content", "reasoning"):
            if isinstance(delta.get(key), str) and delta[key]:
                self.reasoning.append(delta[key])
                break
        else:
            for item in delta.get("reasoning_details") or []:
                if isinstance(item, dict):
                    self.reasoning.append(str(item.get("text") or item.get("summary") or ""))
        for fragment in delta.get("tool_calls") or []:
            if isinstance(fragment, dict):
                self._add_call(fragment)
        if isinstance(delta.get("function_call"), dict):
            # Legacy function calling: one call, no id, streamed like a tool call.
            self._add_call({"index": "function_call", "function": delta["function_call"]})

    def _add_call(self, fragment: dict[str, Any]) -> None:
        key = fragment.get("index")
        if key is None:
            key = fragment.get("id") or (self.order[-1] if self.order else 0)
        slot = self.calls.get(key)
        if slot is None:
            slot = self.calls[key] = {"id": "", "name": "", "arguments": ""}
            self.order.append(key)
        if fragment.get("id") and not slot["id"]:
            slot["id"] = fragment["id"]
        function = fragment.get("function") or {}
        if function.get("name") and not slot["name"]:
            slot["name"] = function["name"]
        arguments = function.get("arguments")
        if isinstance(arguments, str):
            slot["arguments"] += arguments
        elif arguments is not None:  # some self-hosted servers send an object
            slot["arguments"] = arguments

    def tool_calls(self) -> tuple[ToolCall, ...]:
        return tuple(ToolCall(slot["name"], parse_arguments(slot["arguments"]), slot["id"] or None)
                     for slot in (self.calls[k] for k in self.order))

    def reply(self, error: ApiError | None, notes: tuple[str, ...]) -> Reply:
        calls = self.tool_calls()
        return Reply(
            text="".join(self.text),
            reasoning="".join(self.reasoning),
            tool_calls=calls,
            refusal="".join(self.refusal) or None,
            finish_reason=normalize_finish(self.finish, bool(calls)) if self.finish or calls
            else None,
            native_finish_reason=self.native_finish or self.finish,
            error=error,
            notes=notes,
        )


class _Chunks:
    """The JSON chunks of a stream, parsed one at a time as they are folded in; whether it
    said `[DONE]` is known once it has been read."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.done = False
        self.bad = 0

    def __iter__(self) -> Iterator[Any]:
        for event in iter_sse(self.text):
            data = event.data
            if "[DONE]" in data and data.strip() == "[DONE]":
                self.done = True
                continue
            try:
                chunk = orjson.loads(data)  # the common case, without try_json's two calls
            except ValueError:
                chunk = try_json(data)  # which allows some padding around the JSON
            if chunk is None:
                self.bad += 1
            yield chunk

    def ended(self) -> bool:
        return self.done


def _reassemble(chunks: Iterable[Any], terminated: bool | Callable[[], bool],
                streamed: bool = True) -> tuple[Reply, dict[str, Any]]:
    """Fold the chunks into a reply. `terminated` may be asked only after the fold (a
    stream knows whether it ended once read); a finish reason ends it too."""
    choices: dict[int, _Choice] = {}
    top: dict[str, Any] = {}
    error: ApiError | None = None
    # Perplexity's complete replies carry an empty `delta` beside the real `message`.
    primary, fallback = ("delta", "message") if streamed else ("message", "delta")
    for chunk in chunks:
        if not isinstance(chunk, dict):
            continue
        if chunk.get("error"):
            error = stream_error(chunk) or error
        if "id" not in top and chunk.get("id"):  # Azure's first chunk has empty id and model
            top["id"] = chunk["id"]
        if "model" not in top and chunk.get("model"):
            top["model"] = chunk["model"]
        if isinstance(chunk.get("usage"), dict):
            top["usage"] = chunk["usage"]  # sent more than once by some: replace, never add
        if chunk.get("provider"):
            top["provider"] = chunk["provider"]
        for choice in chunk.get("choices") or ():
            if not isinstance(choice, dict):
                continue
            index = choice.get("index")
            state = choices.get(index) if type(index) is int else None
            if state is None:
                state = choices.setdefault(as_int(index) or 0, _Choice())
            delta = choice.get(primary) or choice.get(fallback) or {}
            if isinstance(delta, dict):
                state.add(delta)
                metadata = delta.get("provider_metadata")
                if isinstance(metadata, dict):
                    top["provider_metadata"] = metadata
            if choice.get("finish_reason"):
                state.finish = choice["finish_reason"]
            if choice.get("native_finish_reason"):
                state.native_finish = choice["native_finish_reason"]
    ended = (terminated() if callable(terminated) else terminated) or any(
        state.finish for state in choices.values())
    notes = () if ended else ("stream ended without [DONE] or a finish reason",)
    first = choices.get(0) or (choices[min(choices)] if choices else _Choice())
    if len(choices) > 1:
        notes = (*notes, f"{len(choices)} choices; showing choice 0")
    return first.reply(error, notes), top


def read(interaction: Interaction, request_body: Any, streamed: bool) -> Exchange:
    response = interaction.response
    url = interaction.request.url
    top: dict[str, Any] = {}
    failed = response is not None and (response.status or 0) >= 400
    http_error = error_from(response, body_json(response.body)) if response and failed else None
    if response is None:
        reply = Reply()
    elif http_error:
        reply = Reply(error=http_error, finish_reason="error")
    elif streamed:
        stream = _Chunks(response.body.data.decode("utf-8", errors="replace"))
        reply, top = _reassemble(stream, stream.ended)
        if stream.bad:
            reply = _with_note(reply, f"{stream.bad} stream event(s) were not JSON")
    else:
        data = body_json(response.body)
        reply, top = _reassemble([data] if data is not None else [], True, streamed=False)
        if data is None and not blank(response.body.data):
            reply = _with_note(reply, "the reply body is not JSON (cut short?)")
    usage = _usage(top.get("usage"), url)
    model = top.get("model") or (request_body.get("model") if isinstance(request_body, dict)
                                 else None)
    return Exchange(
        api=API,
        provider=provider_of(url),
        model=model,
        request_model=request_body.get("model") if isinstance(request_body, dict) else None,
        streamed=streamed,
        prompt=prompt_of(request_body),
        reply=reply,
        usage=usage,
        reported_cost=reported_cost(top.get("usage"), top.get("provider_metadata")),
        response_id=top.get("id"),
    )


def _with_note(reply: Reply, note: str) -> Reply:
    from dataclasses import replace

    return replace(reply, notes=(*reply.notes, note))


def _usage(usage: Any, url: str) -> Usage | None:
    if not isinstance(usage, dict):
        return None
    prompt = as_int(usage.get("prompt_tokens"))
    completion = as_int(usage.get("completion_tokens"))
    reasoning = as_int(dig(usage, "completion_tokens_details", "reasoning_tokens"))
    cache_read = as_int(dig(usage, "prompt_tokens_details", "cached_tokens"))
    if as_int(usage.get("prompt_cache_hit_tokens")) is not None:  # DeepSeek
        cache_read = as_int(usage.get("prompt_cache_hit_tokens"))
    cache_write = as_int(dig(usage, "prompt_tokens_details", "cache_write_tokens"))
    if as_int(usage.get("cache_creation_input_tokens")) is not None:  # Vercel
        cache_write = as_int(usage.get("cache_creation_input_tokens"))
    if prompt is not None and cache_read is not None and cache_read > prompt:
        # Grok on Azure AI Foundry counts prompt_tokens without the cached ones (cached 314
        # of "208" prompt tokens): only then can we tell, and the total must add them.
        prompt += cache_read
    output = completion
    if completion is not None and reasoning and _reasoning_outside_completion(usage, url):
        output = completion + reasoning
    return Usage(prompt, output, cache_read, cache_write, reasoning)


def _reasoning_outside_completion(usage: dict[str, Any], url: str) -> bool:
    # xAI and Vercel count reasoning outside completion_tokens (wire-formats.md 2.5, 2.7).
    host = host_of(url)
    if "api.x.ai" in host or "ai-gateway.vercel.sh" in host:
        return True
    if "openrouter.ai" in host:
        return False
    prompt = as_int(usage.get("prompt_tokens")) or 0
    completion = as_int(usage.get("completion_tokens")) or 0
    reasoning = as_int(dig(usage, "completion_tokens_details", "reasoning_tokens")) or 0
    return as_int(usage.get("total_tokens")) == prompt + completion + reasoning
