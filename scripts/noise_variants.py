"""Check `cassette diff` against re-recording-like noise, on the corpus and its git history.

For every cassette under a tree (default ../shared/corpus) this writes a *noise-only variant*
the way a re-recording would change it, keeping the file's format: new response, chunk,
item, tool-call and request ids (the same new id wherever the old one appeared, request and
response alike), shifted `created`/timestamps and dates, new durations, new request-id,
rate-limit and date header values, new thinking signatures, and streams re-chunked (a text
delta split in two events, or two neighbouring deltas merged) where the API's event shape
makes that safe. Then it compares original and variant with `diff_pair`: anything but "no
semantic change" is a false change, listed. It also compares the old/new pairs of
`history/PAIRS.tsv` (real re-recordings) and counts the paths that changed.

    python scripts/noise_variants.py [TREE] [--history DIR] [--seed N] [--show N]

`make_variant(data, name, seed, kinds)` is importable: the tests build variants of our own
samples with it, one kind of noise at a time.
"""

from __future__ import annotations

import argparse
import base64
import copy
import csv
import email.utils
import gzip
import json
import random
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cassette_tool.diff import CassetteDiff, Options, diff_pair  # noqa: E402
from cassette_tool.model import Cassette  # noqa: E402
from cassette_tool.source import Source, parse_yaml  # noqa: E402

KINDS = ("ids", "timestamps", "durations", "headers", "signatures", "chunks")
HTTPRR_MAGIC = b"httprr trace v1\n"

# Keys whose string values are server-made identifiers (when they look generated).
_ID_KEY = re.compile(r"^(id|.*_id|.*Id|.*ID|system_fingerprint|systemFingerprint)$")
_SIGNATURE_KEYS = frozenset({"signature", "thoughtSignature", "thought_signature",
                             "encrypted_content", "encryptedContent"})
_TIMESTAMP_KEYS = frozenset({"created", "created_at", "createdAt", "createTime", "create_time",
                             "created_time", "completed_at", "completedAt", "updated_at",
                             "updateTime", "timestamp", "recorded_at", "startedDateTime"})
_DURATION_KEY = re.compile(r"^(duration|time|latency|elapsed|.*_duration|.*Duration|.*_time|"
                           r".*_ms|.*Ms|.*_ns|latency_.*)$")
# Subtrees that are the user's or a tool's data, not the API's envelope: never rewritten.
_DATA_KEYS = frozenset({"args", "arguments", "parameters", "input_schema", "inputSchema",
                        "schema", "properties", "json_schema", "response_format",
                        "partial_json"})
_FUNCTION_RESPONSE = frozenset({"name", "response", "id", "parts", "willContinue", "scheduling"})
_NEVER_IDS = frozenset({"model", "name", "modelVersion", "model_version", "object", "type"})

_REQUEST_ID_HEADER = re.compile(r"(request|req|trace|correlation|span|amz-cf|amz)[-_]?id(-2)?$|"
                                r"^cf-ray$|^x-cloud-trace-context$|^traceparent$|"
                                r"^idempotency-key$|^x-goog-.*id$")
_RATE_HEADER = re.compile(r"rate-?limit")
_DURATION_HEADER = re.compile(r"processing-ms|service-time|server-timing|response-time|"
                              r"cost-time|runtime|-ms$|duration|latency")
_DATE_HEADERS = frozenset({"date", "expires"})
_NEVER_HEADERS = frozenset({"content-type", "content-encoding", "content-length",
                            "transfer-encoding"})

_GENERATED_RUN = re.compile(r"[A-Za-z0-9]{8,}")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                   r"[0-9a-fA-F]{12}$")
_ISO = re.compile(r"^(\d{4}-\d{2}-\d{2})([T ])(\d{2}:\d{2}:\d{2})(.*)$")
_GO_DURATION = re.compile(r"^(\d+h)?(\d+m)?(\d+(\.\d+)?(ms|s|µs|us|ns))$|^\d+(\.\d+)?(m|h)$")


def looks_generated(value: str) -> bool:
    """An identifier a server made up: a run of 8+ letters and digits mixing both, or a
    UUID. Model names (`gpt-4o-2024-08-06`) have no such run."""
    if len(value) < 8 or any(c.isspace() for c in value) or len(value) > 200:
        return False
    if _UUID.match(value):
        return True
    return any(re.search(r"\d", run) and re.search(r"[A-Za-z]", run)
               for run in _GENERATED_RUN.findall(value))


@dataclass
class Variant:
    data: bytes
    rewrites: Counter[str] = field(default_factory=Counter)  # kind -> how many values


def make_variant(data: bytes, name: str, seed: int = 0, kinds: tuple[str, ...] = KINDS
                 ) -> Variant:
    """The file re-written with noise only; raises ValueError when it cannot be parsed."""
    rewriter = _Rewriter(random.Random(f"{seed}:{name}"), kinds)
    if data.startswith(HTTPRR_MAGIC):
        return Variant(rewriter.httprr(data), rewriter.counts)
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] in (b"{", b"["):
        tree = json.loads(data.decode("utf-8-sig"))
        rewriter.fmt = "nock" if _is_nock(tree) else "json"
        rewriter.tree(tree)
        rewriter.collecting = False
        tree = rewriter.tree(tree)
        indent = _indent_of(data.decode("utf-8-sig"))
        text = json.dumps(tree, indent=indent, ensure_ascii=False)
        return Variant((text + ("\n" if data.endswith(b"\n") else "")).encode(), rewriter.counts)
    tree = parse_yaml(Source(name, data))
    rewriter.tree(tree)
    rewriter.collecting = False
    return Variant(_dump_yaml(rewriter.tree(tree)), rewriter.counts)


def _is_nock(tree: Any) -> bool:
    return isinstance(tree, list) and bool(tree) and isinstance(tree[0], dict) \
        and "scope" in tree[0]


def _indent_of(text: str) -> int | None:
    match = re.search(r"\n( +)\S", text[:2000])
    return len(match.group(1)) if match else None


def _dump_yaml(tree: Any) -> bytes:
    """The tree as YAML, by libyaml's emitter (the reader's own library: what one writes,
    the other reads)."""
    import yaml

    dumped: bytes = yaml.dump(tree, Dumper=_Dumper, allow_unicode=True, width=1 << 20,
                              sort_keys=False, default_flow_style=False, encoding="utf-8")
    return dumped


def _dumper() -> type:
    import yaml

    class Dumper(yaml.CSafeDumper):
        """Multi-line strings (bodies, streams) as literal blocks, as recorders write them."""

    def text(dumper: Any, value: str) -> Any:
        style = "|" if "\n" in value and not value.startswith(" ") else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Dumper.add_representer(str, text)
    return Dumper


_Dumper = _dumper()


# --- the rewriter -----------------------------------------------------------------------------

class _Rewriter:
    """Two passes over a document: the first collects ids and signatures (so each gets one
    replacement everywhere), the second rewrites."""

    def __init__(self, rng: random.Random, kinds: tuple[str, ...]) -> None:
        self.rng = rng
        self.kinds = frozenset(kinds)
        self.collecting = True
        self.fmt = "yaml"
        self.mapping: dict[str, str] = {}
        self.never: set[str] = set()
        self.signatures: dict[str, str] = {}
        self.counts: Counter[str] = Counter()
        self.shift = timedelta(seconds=rng.randint(86_400, 90 * 86_400))
        self._pattern: re.Pattern[str] | None = None

    # --- documents ---

    def tree(self, node: Any, key: str = "") -> Any:
        """Cassette structure: strings are sniffed as bodies (JSON, SSE, NDJSON)."""
        if isinstance(node, dict):
            if key.lower() in ("headers", "reqheaders", "rawheaders"):
                return self.headers(node)
            if node.get("encoding") == "base64" and isinstance(node.get("text"), str):
                return {**node, "text": self.base64_text(node["text"])}
            if node.get("type") == "json" and set(node) == {"type", "content"}:  # cassetter
                return {**node, "content": self.json(node["content"])}
            out = {}
            for k, v in node.items():
                k_text = str(k)
                if k_text == "parsed_body" or (self.fmt == "nock" and k_text in ("body", "response")
                                               and isinstance(v, (dict, list))):
                    out[k] = self.json(v)
                else:
                    out[k] = self.field(k_text, v, node, self.tree)
            return out
        if isinstance(node, list):
            if key.lower() in ("headers", "rawheaders"):
                return self.headers(node)
            return [self.tree(v, key) for v in node]
        if isinstance(node, str):
            return self.body_text(node)
        if isinstance(node, bytes):
            return self.body_bytes(node)
        return node

    def json(self, node: Any, key: str = "") -> Any:
        """Inside a body: the API's envelope; strings are not parsed further."""
        if isinstance(node, dict):
            return {k: self.field(str(k), v, node, self.json) for k, v in node.items()}
        if isinstance(node, list):
            return [self.json(v, key) for v in node]
        if isinstance(node, str):
            return self.replace_ids(node)
        return node

    def field(self, key: str, value: Any, parent: dict[Any, Any],
              recurse: Callable[[Any, str], Any]) -> Any:
        if key in _DATA_KEYS or (key == "input" and isinstance(value, dict)) or (
                key == "response" and "name" in parent and set(parent) <= _FUNCTION_RESPONSE):
            return value
        if key in _NEVER_IDS and isinstance(value, str):
            if self.collecting:
                self.never.add(value)
            return value
        if isinstance(value, str) and (key in _SIGNATURE_KEYS or (
                key == "data" and parent.get("type") == "redacted_thinking")):
            return self.signature(value)
        if isinstance(value, str) and _ID_KEY.match(key) and looks_generated(value):
            return self.identifier(value)
        if self.collecting and isinstance(value, str) and looks_generated(value):
            # Also a plain value (`guardrailIdentifier: xbgw7g293v7o`): the client chose it.
            self.never.add(value)
        if key in _TIMESTAMP_KEYS:
            return self.timestamp(value)
        if _DURATION_KEY.match(key) and not isinstance(value, (dict, list)):
            return self.duration(value)
        if key == "timings" and isinstance(value, dict):
            return {k: self.duration(v) for k, v in value.items()}
        return recurse(value, key)

    # --- values ---

    def identifier(self, value: str) -> str:
        if self.collecting:
            if "ids" in self.kinds and value not in self.mapping:
                self.mapping[value] = _reshape(value, self.rng, keep_prefix=True)
            return value
        return self.replace_ids(value)

    def signature(self, value: str) -> str:
        """Signatures are whole values wherever they appear (the reply, then the request
        that sends the thinking back), so they are swapped whole, not searched for."""
        if self.collecting:
            if "signatures" in self.kinds and len(value) >= 8 and value not in self.signatures:
                self.signatures[value] = _reshape(value, self.rng, keep_prefix=False)
            return value
        if value in self.signatures:
            self.counts["signatures"] += 1
            return self.signatures[value]
        return value

    def replace_ids(self, text: str) -> str:
        if self.collecting or not self.mapping:
            return text
        if self._pattern is None:
            for value in self.never:
                self.mapping.pop(value, None)
            keys = sorted(self.mapping, key=len, reverse=True)
            self._pattern = re.compile("|".join(map(re.escape, keys))) if keys else re.compile(
                r"(?!x)x")
        pattern = self._pattern

        def swap(match: re.Match[str]) -> str:
            old = match.group()
            self.counts["ids"] += 1
            return self.mapping[old]

        return pattern.sub(swap, text)

    def timestamp(self, value: Any) -> Any:
        if self.collecting or "timestamps" not in self.kinds:
            return value
        shifted = _shift(value, self.shift)
        if shifted != value:
            self.counts["timestamps"] += 1
        return shifted

    def duration(self, value: Any) -> Any:
        if self.collecting or "durations" not in self.kinds or isinstance(value, bool):
            return value
        new = value
        if isinstance(value, int) and value > 0:
            new = max(1, round(value * self.rng.uniform(0.4, 2.5)))
        elif isinstance(value, float) and value > 0:
            new = round(value * self.rng.uniform(0.4, 2.5), 6)
        elif isinstance(value, str) and _GO_DURATION.match(value):
            new = f"{self.rng.uniform(0.05, 30):.3f}s"
        if new != value:
            self.counts["durations"] += 1
        return new

    # --- headers ---

    def headers(self, node: Any) -> Any:
        if isinstance(node, dict):
            return {k: self.header_values(str(k), v) for k, v in node.items()}
        if not isinstance(node, list):
            return node
        if node and all(isinstance(h, dict) and "name" in h for h in node):
            return [{**h, "value": self.header_values(str(h["name"]), h.get("value"))}
                    for h in node]
        if all(isinstance(h, str) for h in node):  # nock's flat [name, value, …]
            out = list(node)
            for i in range(0, len(out) - 1, 2):
                out[i + 1] = self.header_values(out[i], out[i + 1])
            return out
        return node

    def header_values(self, name: str, value: Any) -> Any:
        if isinstance(value, list):
            return [self.header_values(name, v) for v in value]
        if not isinstance(value, str):
            return value
        return self.header(name.lower(), value)

    def header(self, name: str, value: str) -> str:
        if name in _NEVER_HEADERS:
            return value
        if _REQUEST_ID_HEADER.search(name):
            if looks_generated(value):
                return self.identifier(value)
            new = value if self.collecting or "ids" not in self.kinds else \
                _reshape(value, self.rng, keep_prefix=False)
        elif self.collecting or "headers" not in self.kinds:
            return value
        elif _RATE_HEADER.search(name):
            new = _shift(value, self.shift) if _ISO.match(value) else \
                re.sub(r"\d+", lambda m: str(self.rng.randint(0, 2 * int(m.group()) + 1)), value)
        elif _DURATION_HEADER.search(name):
            new = re.sub(r"\d+", lambda m: str(self.rng.randint(1, 3 * int(m.group()) + 5)),
                         value)
        elif name in _DATE_HEADERS:
            new = _shift(value, self.shift)
        elif name == "set-cookie":
            cookie, sep, rest = value.partition(";")
            key, eq, val = cookie.partition("=")
            new = f"{key}{eq}{_reshape(val, self.rng, keep_prefix=False)}{sep}{rest}"
        else:
            return self.replace_ids(value)
        if new != value:
            self.counts["headers"] += 1
        return new

    # --- bodies ---

    def body_text(self, text: str) -> str:
        head = text.lstrip()[:1]
        if head in ("{", "["):
            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = None
            if isinstance(parsed, (dict, list)):
                new = self.json(parsed)
                return text if new == parsed else _dump_like(new, text)
            lines = text.splitlines()
            if len(lines) > 1 and all(_json_object(line) is not None for line in lines if line):
                return Stream(self, text, ndjson=True).rewrite()
        if _is_sse(text):
            return Stream(self, text).rewrite()
        return self.replace_ids(text)

    def body_bytes(self, data: bytes) -> bytes:
        if data[:2] == b"\x1f\x8b":
            try:
                inner = gzip.decompress(data)
                text = inner.decode("utf-8")
            except (OSError, EOFError, UnicodeDecodeError):
                return data
            new = self.body_text(text)
            return data if new == text else gzip.compress(new.encode(), mtime=0)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return data
        new = self.body_text(text)
        return data if new == text else new.encode()

    def base64_text(self, text: str) -> str:
        if text.lstrip().startswith("["):
            return text  # Polly's chunks of a compressed stream: left as they are
        try:
            data = base64.b64decode(text, validate=False)
        except ValueError:
            return text
        new = self.body_bytes(data)
        return text if new == data else base64.b64encode(new).decode()

    # --- httprr ---

    def httprr(self, data: bytes) -> bytes:
        records = list(_httprr_records(data))
        self.collecting = True
        for req, resp in records:
            self.http_message(req), self.http_message(resp)
        self.collecting = False
        rewritten = [(self.http_message(req), self.http_message(resp)) for req, resp in records]
        out = bytearray(HTTPRR_MAGIC)
        for req, resp in rewritten:
            out += f"{len(req)} {len(resp)}\n".encode() + req + resp
        return bytes(out)

    def http_message(self, raw: bytes) -> bytes:
        sep = b"\r\n\r\n" if b"\r\n\r\n" in raw else b"\n\n"
        head, found, body = raw.partition(sep)
        if not found:
            return raw
        eol = sep[: len(sep) // 2]
        lines = head.decode("utf-8", "replace").split(eol.decode())
        headers = [line.partition(":") for line in lines[1:]]
        names = {n.strip().lower() for n, _, _ in headers}
        if "chunked" in dict((n.strip().lower(), v.strip().lower()) for n, _, v in headers).get(
                "transfer-encoding", "") or "content-encoding" in names:
            new_body = body  # left as framed: re-chunking would change the record's framing
        else:
            new_body = self.body_bytes(body)
        new_lines = [self.replace_ids(lines[0])]
        for name, colon, value in headers:
            if name.strip().lower() == "content-length" and new_body != body:
                value = f" {len(new_body)}"
            elif colon:
                value = " " + self.header(name.strip().lower(), value.strip())
            new_lines.append(f"{name}{colon}{value}")
        return eol.decode().join(new_lines).encode() + sep + new_body


def _httprr_records(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    offset = len(HTTPRR_MAGIC)
    while data[offset:].strip():
        line_end = data.index(b"\n", offset)
        req_len, resp_len = map(int, data[offset:line_end].split())
        start = line_end + 1
        yield data[start:start + req_len], data[start + req_len:start + req_len + resp_len]
        offset = start + req_len + resp_len


# --- streams ----------------------------------------------------------------------------------

def _is_sse(text: str) -> bool:
    head = text.lstrip()
    return "\n" in text and head.startswith(("data:", "event:", ": ", ":\n", "id:", "retry:"))


def _json_object(text: str) -> Any:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


@dataclass
class _Event:
    lines: list[str]  # the event's lines; the data line at `data_at`
    sep: str  # what followed it (blank line, or a newline for NDJSON)
    data_at: int = -1
    prefix: str = ""
    raw: str = ""
    payload: Any = None
    original: Any = None  # the payload as parsed, to keep its text when nothing changed


class Stream:
    """An SSE (or NDJSON) body: each JSON event rewritten as a body, and some text deltas
    split in two events or merged with their neighbour."""

    def __init__(self, rewriter: _Rewriter, text: str, ndjson: bool = False) -> None:
        self.rw = rewriter
        self.text = text
        self.ndjson = ndjson

    def events(self) -> list[_Event]:
        parts = re.split(r"(\r?\n)" if self.ndjson else r"(\r?\n\r?\n)", self.text)
        events = []
        for i in range(0, len(parts), 2):
            block, sep = parts[i], parts[i + 1] if i + 1 < len(parts) else ""
            eol = "\r\n" if "\r\n" in block else "\n"
            event = _Event(block.split(eol) if not self.ndjson else [block], sep)
            data_lines = [n for n, line in enumerate(event.lines)
                          if self.ndjson or line.startswith("data:")]
            if len(data_lines) == 1:
                line = event.lines[data_lines[0]]
                prefix = "" if self.ndjson else ("data: " if line.startswith("data: ") else "data:")
                payload = _json_object(line[len(prefix):])
                if payload is not None:
                    event.data_at, event.prefix, event.raw = data_lines[0], prefix, \
                        line[len(prefix):]
                    event.payload = payload
            events.append(event)
        return events

    def rewrite(self) -> str:
        events = self.events()
        for event in events:
            if event.payload is not None:
                event.original = event.payload
                event.payload = self.rw.json(event.payload)
        if self.rw.collecting:
            return self.text
        if "chunks" in self.rw.kinds:
            events = self.rechunk(events)
        _renumber(events)
        out = []
        for event in events:
            lines = list(event.lines)
            if event.payload is not None and event.payload != event.original:
                lines[event.data_at] = event.prefix + _dump_like(event.payload, event.raw)
            eol = "\r\n" if "\r\n" in event.sep else "\n"
            out.append(eol.join(lines) + event.sep)
        return "".join(out)

    def rechunk(self, events: list[_Event]) -> list[_Event]:
        rng = self.rw.rng
        splittable = [i for i, e in enumerate(events) if e.payload is not None
                      and (slot := _text_slot(e.payload)) and len(_get(e.payload, slot)) >= 2]
        chosen = {i for i in splittable if rng.random() < 0.35}
        if splittable and not chosen:
            chosen.add(rng.choice(splittable))
        out: list[_Event] = []
        i = 0
        while i < len(events):
            event = events[i]
            following = events[i + 1] if i + 1 < len(events) else None
            if i in chosen:
                out.extend(_split(event, rng))
                self.rw.counts["chunks"] += 1
            elif following is not None and i + 1 not in chosen and rng.random() < 0.3 and \
                    (merged := _merge(event, following)) is not None:
                out.append(merged)
                self.rw.counts["chunks"] += 1
                i += 1
            else:
                out.append(event)
            i += 1
        return out


def _text_slot(event: dict[str, Any]) -> tuple[Any, ...] | None:
    """Where the streamed text of this event lives, when the event holds nothing else
    that splitting would duplicate (usage, citations, logprobs, several choices)."""
    kind = event.get("type")
    delta = event.get("delta")
    if kind == "content_block_delta" and isinstance(delta, dict):  # Anthropic
        key = {"text_delta": "text", "thinking_delta": "thinking",
               "input_json_delta": "partial_json"}.get(str(delta.get("type")))
        return ("delta", key) if key and isinstance(delta.get(key), str) else None
    if isinstance(kind, str) and kind.startswith("response.") and kind.endswith(".delta"):
        return ("delta",) if isinstance(delta, str) and not event.get("logprobs") else None
    if kind == "content-delta":  # Cohere v2
        slot = ("delta", "message", "content", "text")
        return slot if isinstance(_get(event, slot), str) else None
    if event.get("event_type") == "text-generation" and isinstance(event.get("text"), str):
        return ("text",)  # Cohere v1
    if "choices" in event:
        return _chat_slot(event)
    if "candidates" in event:
        return _gemini_slot(event)
    if event.get("done") is False:  # Ollama
        message = event.get("message")
        if isinstance(message, dict) and not message.get("tool_calls"):
            texts = [k for k in ("content", "thinking") if message.get(k)]
            return ("message", texts[0]) if len(texts) == 1 else None
        if isinstance(event.get("response"), str) and not event.get("thinking"):
            return ("response",)
    return None


def _chat_slot(event: dict[str, Any]) -> tuple[Any, ...] | None:
    choices = event.get("choices")
    if not isinstance(choices, list) or len(choices) != 1 or not isinstance(choices[0], dict):
        return None
    choice = choices[0]
    delta = choice.get("delta")
    if not isinstance(delta, dict) or choice.get("logprobs") or event.get("usage"):
        return None
    texts = [k for k, v in delta.items() if k != "role" and isinstance(v, str) and v]
    others = [k for k, v in delta.items() if k not in texts and k != "role" and v]
    if len(texts) == 1 and not others:
        return ("choices", 0, "delta", texts[0])
    calls = delta.get("tool_calls")
    if others == ["tool_calls"] and not texts and isinstance(calls, list) and len(calls) == 1:
        function = calls[0].get("function") if isinstance(calls[0], dict) else None
        if isinstance(function, dict) and isinstance(function.get("arguments"), str) \
                and "index" in calls[0] and set(calls[0]) <= {"index", "id", "type", "function"}:
            return ("choices", 0, "delta", "tool_calls", 0, "function", "arguments")
    return None


def _gemini_slot(event: dict[str, Any]) -> tuple[Any, ...] | None:
    candidates = event.get("candidates")
    if not isinstance(candidates, list) or len(candidates) != 1:
        return None
    candidate = candidates[0]
    if not isinstance(candidate, dict) or not set(candidate) <= {
            "content", "finishReason", "index", "safetyRatings"}:
        return None
    parts = _get(candidate, ("content", "parts"))
    if not isinstance(parts, list) or len(parts) != 1 or not isinstance(parts[0], dict):
        return None
    if not set(parts[0]) <= {"text", "thought", "thoughtSignature"} or \
            not isinstance(parts[0].get("text"), str):
        return None
    return ("candidates", 0, "content", "parts", 0, "text")


def _get(node: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _set(node: Any, path: tuple[Any, ...], value: Any) -> None:
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value


def _split(event: _Event, rng: random.Random) -> list[_Event]:
    slot = _text_slot(event.payload)
    assert slot is not None
    text = _get(event.payload, slot)
    cut = rng.randint(1, len(text) - 1)
    first, second = copy.deepcopy(event.payload), copy.deepcopy(event.payload)
    _set(first, slot, text[:cut])
    _set(second, slot, text[cut:])
    # What the API sends once per stream or once per block goes with one piece only.
    if "choices" in first:
        choice = first["choices"][0]
        if choice.get("finish_reason") is not None:
            choice["finish_reason"] = None
        second["choices"][0]["delta"].pop("role", None)
        if "tool_calls" in slot:
            call = second["choices"][0]["delta"]["tool_calls"][0]
            second["choices"][0]["delta"]["tool_calls"][0] = {
                **({"index": call["index"]} if "index" in call else {}),
                "function": {"arguments": call["function"]["arguments"]}}
    if "candidates" in first:
        first["candidates"][0].pop("finishReason", None)
        first["candidates"][0]["content"]["parts"][0].pop("thoughtSignature", None)
    return [_Event(event.lines, event.sep, event.data_at, event.prefix, event.raw, first),
            _Event(event.lines, event.sep, event.data_at, event.prefix, event.raw, second)]


def _merge(a: _Event, b: _Event) -> _Event | None:
    """Two neighbouring deltas of the same block as one event, when they differ only in
    their text (and sequence number)."""
    if a.payload is None or b.payload is None:
        return None
    slot = _text_slot(a.payload)
    if slot is None or _text_slot(b.payload) != slot:
        return None
    if "tool_calls" in slot or [line for n, line in enumerate(a.lines) if n != a.data_at] != \
            [line for n, line in enumerate(b.lines) if n != b.data_at]:
        return None
    shape_a, shape_b = copy.deepcopy(a.payload), copy.deepcopy(b.payload)
    for shape in (shape_a, shape_b):
        _set(shape, slot, "")
        shape.pop("sequence_number", None)
        shape.pop("obfuscation", None)
    if shape_a != shape_b:
        return None
    merged = copy.deepcopy(a.payload)
    _set(merged, slot, _get(a.payload, slot) + _get(b.payload, slot))
    return _Event(a.lines, b.sep, a.data_at, a.prefix, a.raw, merged)


def _renumber(events: list[_Event]) -> None:
    """OpenAI Responses numbers its events: keep the numbers consecutive after re-chunking."""
    numbered = [e.payload for e in events if isinstance(e.payload, dict)
                and isinstance(e.payload.get("sequence_number"), int)]
    if numbered:
        start = numbered[0]["sequence_number"]
        for n, payload in enumerate(numbered):
            payload["sequence_number"] = start + n


# --- small helpers ----------------------------------------------------------------------------

def _reshape(value: str, rng: random.Random, keep_prefix: bool) -> str:
    """A new random value of the same shape: letters stay letters of the same case, digits
    digits, hex stays hex; a prefix like `chatcmpl-` or `toolu_` is kept."""
    prefix = ""
    if keep_prefix:
        match = re.match(r"^[A-Za-z]{1,12}[-_]", value)
        prefix = match.group() if match else ""
    rest = value[len(prefix):]
    hexish = bool(re.fullmatch(r"[0-9a-f-]+", rest))
    out = []
    for char in rest:
        if char.isdigit():
            out.append(rng.choice("0123456789"))
        elif hexish and char in "abcdef":
            out.append(rng.choice("abcdef"))
        elif char.isascii() and char.islower():
            out.append(rng.choice("abcdefghijklmnopqrstuvwxyz"))
        elif char.isascii() and char.isupper():
            out.append(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
        else:
            out.append(char)
    new = prefix + "".join(out)
    return new if new != value else value + "x"


def _shift(value: Any, shift: timedelta) -> Any:
    seconds = int(shift.total_seconds())
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        for scale in (1, 1_000, 1_000_000, 1_000_000_000):
            if 1e9 * scale <= value < 1e10 * scale:
                return value + seconds * scale
        return value
    if not isinstance(value, str):
        return value
    match = _ISO.match(value)
    if match:
        try:
            moment = datetime.fromisoformat(f"{match.group(1)}T{match.group(3)}") + shift
        except ValueError:
            return value
        return moment.strftime(f"%Y-%m-%d{match.group(2)}%H:%M:%S") + match.group(4)
    if value.isdigit():
        shifted = _shift(int(value), shift)
        return str(shifted)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return value
    if moment is None:
        return value
    return email.utils.format_datetime(moment + shift, usegmt=value.endswith("GMT"))


def _dump_like(value: Any, original: str) -> str:
    """JSON written the way the original was: compact or spaced, indented or not."""
    if "\n" in original.strip():
        return json.dumps(value, indent=_indent_of(original) or 2, ensure_ascii="\\u" in original)
    spaced = re.search(r'"\s*:\s', original) is not None
    return json.dumps(value, ensure_ascii="\\u" in original,
                      separators=(", ", ": ") if spaced else (",", ":"))


# --- the checks -------------------------------------------------------------------------------

@dataclass
class VariantReport:
    files: int = 0
    variants: int = 0  # files where some noise was rewritten
    unchanged: int = 0  # ... and diff said "no semantic change"
    unreadable: int = 0  # the original itself cannot be read: no variant
    rewrites: Counter[str] = field(default_factory=Counter)
    strict_visible: int = 0  # variants that --strict does tell apart
    false_changes: list[CassetteDiff] = field(default_factory=list)
    broken: list[tuple[str, str]] = field(default_factory=list)  # variant not readable


def check_variants(root: Path, out_dir: Path, seed: int = 0, files: list[Path] | None = None,
                   strict: bool = True) -> VariantReport:
    """Each file's variant written under `out_dir` and compared with the file; `strict`
    also checks that `--strict` tells them apart."""
    from cassette_tool.load import expand_paths, load

    report = VariantReport()
    for path in files if files is not None else [Path(p) for p in expand_paths([str(root)])]:
        report.files += 1
        relative = path.relative_to(root) if path.is_relative_to(root) else Path(path.name)
        try:
            original = load(path)
        except Exception:  # noqa: BLE001 - unreadable originals are counted, not compared
            report.unreadable += 1
            continue
        try:
            variant = make_variant(path.read_bytes(), str(relative), seed)
        except ValueError as exc:
            report.broken.append((str(relative), f"variant not made: {exc}"))
            continue
        if not variant.rewrites:
            continue
        report.variants += 1
        report.rewrites.update(variant.rewrites)
        target = out_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(variant.data)
        cached = _caching_loader({str(path): original})
        result = diff_pair(str(relative), str(path), str(target), loader=cached)
        if result.status != "error" and cached(str(target)).format != original.format:
            report.broken.append((str(relative), f"read as {cached(str(target)).format}"))
        elif result.status == "unchanged":
            report.unchanged += 1
        elif result.status == "error":
            report.broken.append((str(relative), result.detail))
        else:
            report.false_changes.append(result)
        if strict:
            seen = diff_pair(str(relative), str(path), str(target), Options(strict=True),
                             loader=cached)
            report.strict_visible += seen.status == "changed"
    return report


def _caching_loader(loaded: dict[str, Cassette]) -> Callable[[str], Cassette]:
    """`load`, reading each file once (the original is compared twice)."""
    from cassette_tool.load import load

    def cached(name: str) -> Cassette:
        if name not in loaded:
            loaded[name] = load(name)
        return loaded[name]

    return cached


@dataclass
class HistoryReport:
    pairs: int = 0
    unchanged: int = 0
    changed: int = 0
    errors: list[CassetteDiff] = field(default_factory=list)
    paths: Counter[str] = field(default_factory=Counter)  # changed path (no indexes) -> pairs
    results: list[tuple[dict[str, str], CassetteDiff]] = field(default_factory=list)


def check_history(history: Path) -> HistoryReport:
    from cassette_tool.diff import _without_indexes

    report = HistoryReport()
    with open(history / "PAIRS.tsv", newline="") as pairs:
        rows = list(csv.DictReader(pairs, delimiter="\t"))
    for row in rows:
        folder = history / row["id"]
        old, new = next(folder.glob("old.*")), next(folder.glob("new.*"))
        result = diff_pair(row["id"], str(old), str(new))
        report.pairs += 1
        report.results.append((row, result))
        if result.status == "unchanged":
            report.unchanged += 1
        elif result.status == "changed":
            report.changed += 1
            report.paths.update({_without_indexes(c.path) for c in result.changes})
        else:
            report.errors.append(result)
    return report


def _short(value: Any, width: int = 70) -> str:
    text = repr(value)
    return text if len(text) <= width else text[:width - 1] + "…"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tree", nargs="?", default=str(ROOT.parent / "shared" / "corpus"))
    parser.add_argument("--history", default=None,
                        help="folder with PAIRS.tsv (default: TREE/history)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--show", type=int, default=0,
                        help="print the changes of this many changed history pairs")
    args = parser.parse_args(argv)
    root = Path(args.tree).resolve()
    history = Path(args.history) if args.history else root / "history"
    with tempfile.TemporaryDirectory() as tmp:
        variants = check_variants(root, Path(tmp), args.seed)
    print(f"noise-only variants of {root}")
    print(f"  {'cassette files':<34}{variants.files:>6}")
    print(f"  {'unreadable (no variant)':<34}{variants.unreadable:>6}")
    print(f"  {'variants made':<34}{variants.variants:>6}")
    print(f"  {'no semantic change':<34}{variants.unchanged:>6}")
    print(f"  {'false changes':<34}{len(variants.false_changes):>6}")
    print(f"  {'variant unreadable':<34}{len(variants.broken):>6}")
    print(f"  {'variants --strict tells apart':<34}{variants.strict_visible:>6}")
    print("  values rewritten: " + ", ".join(f"{k} {n}" for k, n in
                                             variants.rewrites.most_common()))
    for result in variants.false_changes:
        print(f"  FALSE CHANGE {result.name}")
        for change in result.changes[:5]:
            print(f"    #{change.interaction} {change.path}: {_short(change.old)} → "
                  f"{_short(change.new)}")
    for name, why in variants.broken:
        print(f"  BROKEN VARIANT {name}: {why}")
    if (history / "PAIRS.tsv").is_file():
        report = check_history(history)
        print(f"\nhistory pairs in {history}")
        print(f"  {'pairs':<34}{report.pairs:>6}")
        print(f"  {'no semantic change':<34}{report.unchanged:>6}")
        print(f"  {'changed':<34}{report.changed:>6}")
        print(f"  {'unreadable':<34}{len(report.errors):>6}")
        for result in report.errors:
            print(f"    {result.name}: {result.detail[:150]}")
        print("  paths changed most often (pairs):")
        for path, count in report.paths.most_common(15):
            print(f"    {count:>4}  {path}")
        shown = [r for r in report.results if r[1].status == "changed"][:args.show]
        for row, result in shown:
            print(f"\n  {row['id']} ({row['subject'][:60]})")
            for change in result.changes[:8]:
                print(f"    #{change.interaction} {change.path}: {_short(change.old)} → "
                      f"{_short(change.new)}")
    return 1 if variants.false_changes or variants.broken else 0


if __name__ == "__main__":
    sys.exit(main())
