"""Large synthetic cassettes for the benchmarks, written the way their recorders write them.

`stream_cassette` is a go-vcr v2 cassette holding one OpenAI Chat Completions reply streamed
as server-sent events, about `size` bytes of them (50 MB by default), each chunk padded with
an `obfuscation` string as OpenAI pads them, so no two lines are alike; `interactions_cassette`
is a VCR.py cassette of `count` plain (not streamed) chat completions (20,000 by default).
Both are deterministic: the same arguments give the same bytes, so timings of two runs, or
of two machines, are of the same file. Each function returns what a reader of the file
should find (interactions, characters of reassembled reply text) so a test can check that
the file means what it says.

    python benchmarks/synth.py DIR [--size BYTES] [--count N]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# Words of the reply, picked in an order that does not repeat for a while (a stride prime to
# the list's length), so that the text is not one token repeated: no parser or decoder gets
# to benefit from a run of identical lines.
WORDS = ("The", " lighthouse", " keeper", " counted", " the", " ships", " again", ",",
         " and", " wrote", " each", " name", " in", " a", " ledger", " that", " smelled",
         " of", " salt", ".", " Storms", " came", " from", " west", " every", " autumn",
         " but", " lamp", " never", " failed", ";", " she", " trimmed", " wick", " at",
         " dusk", "\n\n", " Morning", " brought", " gulls", " fog", " bread", "!")
STRIDE = 17

MODEL = "gpt-4o-2024-08-06"
CREATED = 1750410763
REQUEST_BODY = json.dumps({
    "model": "gpt-4o", "stream": True, "stream_options": {"include_usage": True},
    "messages": [{"role": "system", "content": "You are a patient storyteller."},
                 {"role": "user", "content": "Tell me a very long story about a lighthouse."}],
}, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class Synthetic:
    """A generated cassette and what reading it must give."""

    path: Path
    interactions: int
    reply_chars: int  # characters of reply text over all interactions, reassembled
    size: int  # bytes on disk


def word(index: int) -> str:
    return WORDS[index * STRIDE % len(WORDS)]


# --- one streamed reply (go-vcr) ----------------------------------------------------------------

def _chunk(delta: dict[str, object], finish: str | None = None,
           usage: dict[str, int] | None = None, index: int | None = None) -> str:
    choices = [] if usage else [{"index": 0, "delta": delta, "finish_reason": finish}]
    chunk: dict[str, object] = {"id": "chatcmpl-BxLm2qSynthetic", "object": "chat.completion.chunk",
                                "created": CREATED, "model": MODEL,
                                "system_fingerprint": "fp_07871e2ad8", "choices": choices}
    if usage:
        chunk["usage"] = usage
    if index is not None:
        # OpenAI pads each chunk with a random `obfuscation` string of varying length (against
        # length side channels): no two lines of a stream are alike, as in real recordings.
        chunk["obfuscation"] = _padding(index)
    return "data: " + json.dumps(chunk, separators=(",", ":"))


def _padding(index: int) -> str:
    """6 to 17 hex digits, all but never the same twice in a stream, and the same every run."""
    return hashlib.blake2s(index.to_bytes(8, "little"), digest_size=9).hexdigest()[:6 + index % 12]


def _stream_events(size: int) -> Iterator[tuple[str, int]]:
    """SSE `data:` lines with the number of reply characters each adds, until about `size`
    bytes have been produced, then the finish, usage and `[DONE]` events."""
    produced, index = 0, 0
    first = _chunk({"role": "assistant", "content": ""})
    yield first, 0
    produced += len(first) + 2
    while produced < size:
        text = word(index)
        line = _chunk({"content": text}, index=index)
        yield line, len(text)
        produced += len(line) + 2
        index += 1
    yield _chunk({}, finish="stop"), 0
    yield _chunk({}, usage={"prompt_tokens": 27, "completion_tokens": index,
                            "total_tokens": 27 + index}), 0
    yield "data: [DONE]", 0


def stream_cassette(directory: Path, size: int = 50_000_000) -> Synthetic:
    """A go-vcr cassette with one streamed OpenAI chat reply of about `size` bytes."""
    path = directory / f"stream-{size}.yaml"
    reply_chars = 0
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write(_govcr_request())
        # go-vcr (yaml.v3) writes a multi-line body as a `|+` literal block; blank lines
        # between events carry no indentation.
        out.write("  response:\n    proto: HTTP/2.0\n    proto_major: 2\n    proto_minor: 0\n"
                  "    content_length: -1\n    body: |+\n")
        batch: list[str] = []
        for line, chars in _stream_events(size):
            batch.append(f"      {line}\n\n")
            reply_chars += chars
            if len(batch) >= 4096:
                out.write("".join(batch))
                batch.clear()
        out.write("".join(batch))
        out.write("    headers:\n      Content-Type:\n      - text/event-stream\n"
                  "    status: 200 OK\n    code: 200\n    duration: 41.503s\n")
    return Synthetic(path, 1, reply_chars, path.stat().st_size)


def _govcr_request() -> str:
    quoted = REQUEST_BODY.replace("'", "''")
    return ("---\nversion: 2\ninteractions:\n- id: 0\n  request:\n    proto: HTTP/1.1\n"
            "    proto_major: 1\n    proto_minor: 1\n"
            f"    content_length: {len(REQUEST_BODY)}\n    host: \"\"\n    body: '{quoted}'\n"
            "    headers:\n      Accept:\n      - application/json\n      Content-Type:\n"
            "      - application/json\n      Authorization:\n      - Bearer <OPENAI_API_KEY>\n"
            "    url: https://api.openai.com/v1/chat/completions\n    method: POST\n")


# --- many interactions (VCR.py) -----------------------------------------------------------------

def _answer(index: int) -> str:
    """A reply of 8 to 40 words, different for each interaction."""
    length = 8 + index * 7 % 33
    return "".join(word(index + k) for k in range(length)).strip()


def _vcrpy_interaction(index: int, answer: str) -> str:
    request = json.dumps({"model": "gpt-4o-mini", "temperature": 0, "messages": [
        {"role": "system", "content": "Answer in one short paragraph."},
        {"role": "user", "content": f"Question {index}: what did the keeper see today?"}]},
        separators=(",", ":"))
    reply = json.dumps({
        "id": f"chatcmpl-Syn{index:08d}", "object": "chat.completion", "created": CREATED + index,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": answer,
                                             "refusal": None},
                     "logprobs": None, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 31, "completion_tokens": len(answer) // 4,
                  "total_tokens": 31 + len(answer) // 4},
        "system_fingerprint": "fp_0ba0d124f1"}, separators=(",", ":"))
    # VCR.py (PyYAML) writes JSON bodies as single-quoted scalars; '' is a quote inside.
    return (f"- request:\n    body: '{request.replace(chr(39), chr(39) * 2)}'\n"
            "    headers:\n      content-type:\n      - application/json\n"
            "      authorization:\n      - DUMMY\n"
            "    method: POST\n    uri: https://api.openai.com/v1/chat/completions\n"
            f"  response:\n    body:\n      string: '{reply.replace(chr(39), chr(39) * 2)}'\n"
            "    headers:\n      Content-Type:\n      - application/json\n"
            f"      openai-processing-ms:\n      - '{300 + index % 700}'\n"
            "    status:\n      code: 200\n      message: OK\n")


def interactions_cassette(directory: Path, count: int = 20_000) -> Synthetic:
    """A VCR.py cassette of `count` non-streamed OpenAI chat completions."""
    path = directory / f"interactions-{count}.yaml"
    reply_chars = 0
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write("interactions:\n")
        for index in range(count):
            answer = _answer(index)
            reply_chars += len(answer)
            out.write(_vcrpy_interaction(index, answer))
        out.write("version: 1\n")
    return Synthetic(path, count, reply_chars, path.stat().st_size)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--size", type=int, default=50_000_000, help="bytes of the stream")
    parser.add_argument("--count", type=int, default=20_000, help="interactions")
    args = parser.parse_args(argv)
    args.directory.mkdir(parents=True, exist_ok=True)
    for made in (stream_cassette(args.directory, args.size),
                 interactions_cassette(args.directory, args.count)):
        print(f"{made.path}: {made.size:,} bytes, {made.interactions:,} interaction(s), "
              f"{made.reply_chars:,} reply characters")
    return 0


if __name__ == "__main__":
    sys.exit(main())
