"""Plant realistic secrets into copies of real cassettes; measure `validate` and `redact`.

    python scripts/plant_secrets.py [--out DIR] [--seed N] [--json REPORT]

Copies clean corpus files (no finding at all; cassetter and httprr also from samples/, the
corpus holds too few) of every format into a temporary folder, and plants secrets of every
kind the rules know (provider keys, AWS key ids, SigV4 signatures and session tokens, JWTs,
Basic credentials, cookies, credential headers, `?key=` and `?access_token=`, `api_key`
fields) in every place a cassette stores one: request and response headers (a header that
is already there gets the secret as its value, else a new one is written in the file's
style), the URL's query, a JSON request body (a new `api_key` member, a key pasted into a
string), response bodies (plain JSON, event streams, gzip `!!binary`, Ruby's
`base64_string`, HAR base64 gzip chunks), VCR.py `parsed_body` values and HAR `cookies`.

Each plant is a splice into the original bytes (spans.py), every other byte unchanged;
lengths recorded beside a plain body (go-vcr `content_length`, `Content-Length`, httprr's
record lengths) are kept right. Key values are random, in the right alphabet and length,
and never hold a word that marks a fake (test, example, …).

Then, for every plant: (a) does `check_file` report it, with a code of its kind, at the line
and column where the secret starts (at the start of the body for an encoded body; at the
record for httprr, which has no tree)? (b) when `cassette_tool.redact` exists: after
redacting the copy, is the secret gone from the file and from every decoded body, does
validate find nothing, and does the file differ from the planted one only inside the
planted spans (and recorded lengths)? Redacting the untouched originals must change no byte.

Prints a table per format and every miss; exits 1 when anything was missed.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import random
import re
import shutil
import string
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cassette_tool import spans  # noqa: E402
from cassette_tool.errors import CassetteError  # noqa: E402
from cassette_tool.formats import FORMAT_BY_NAME  # noqa: E402
from cassette_tool.formats.common import locate  # noqa: E402
from cassette_tool.formats.httprr import MAGIC  # noqa: E402
from cassette_tool.load import load  # noqa: E402
from cassette_tool.model import Cassette, Interaction  # noqa: E402
from cassette_tool.source import decode_base64, decode_content, text_of  # noqa: E402
from cassette_tool.validate import check_file  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
SAMPLES = ROOT / "samples"

# --- secret values -----------------------------------------------------------------------------

ALNUM = string.ascii_letters + string.digits
WORD = ALNUM + "_-"
HEX = "0123456789abcdef"
B32 = string.ascii_uppercase + "234567"
B64 = ALNUM + "+/"
# Words that make a value an obvious fake to the rules (secrets._FAKE_WORDS), placeholder
# markers, and a few more a reader would take for a made-up value.
_FAKE = re.compile(r"test|fake|dummy|exampl|sample|mock|invalid|bogus|notreal|changeme|your|"
                   r"secret|passw|redact|filter|scrub|mask|remov|hidden|placeholder|omit|"
                   r"saniti|censor|obfusc|xxxx", re.IGNORECASE)


class Keys:
    """Random credentials of each kind, seeded, never holding a word that marks a fake."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def chars(self, alphabet: str, n: int) -> str:
        while True:
            value = "".join(self.rng.choice(alphabet) for _ in range(n))
            # Real keys are random: every kind of character shows up, no long runs.
            if not _FAKE.search(value) and not re.search(r"(.)\1\1", value) and (
                    alphabet not in (ALNUM, WORD) or (re.search("[a-z]", value) and re.search(
                        "[A-Z]", value) and re.search("[0-9]", value))):
                return value

    def b64(self, raw: bytes) -> str:
        return base64.b64encode(raw).decode()

    def shape(self, kind: str) -> str:
        return str(getattr(self, kind.replace("-", "_"))())

    def openai(self) -> str:
        return "sk-" + self.chars(ALNUM, 48)

    def openai_proj(self) -> str:
        return "sk-proj-" + self.chars(WORD, 74) + "T3BlbkFJ" + self.chars(WORD, 74)

    def anthropic(self) -> str:
        return "sk-ant-api03-" + self.chars(WORD, 93) + "AA"

    def google(self) -> str:
        return "AIza" + self.chars(WORD, 35)

    def aws_key_id(self) -> str:
        return "AKIA" + self.chars(B32, 16)

    def aws_temp_key_id(self) -> str:
        return "ASIA" + self.chars(B32, 16)

    def aws_session(self) -> str:
        return "IQoJb3JpZ2luX2Vj" + self.chars(B64, 620) + "=="

    def sigv4_signature(self) -> str:
        return self.chars(HEX, 64)

    def openrouter(self) -> str:
        return "sk-or-v1-" + self.chars(HEX, 64)

    def groq(self) -> str:
        return "gsk_" + self.chars(ALNUM, 52)

    def xai(self) -> str:
        return "xai-" + self.chars(ALNUM, 80)

    def huggingface(self) -> str:
        return "hf_" + self.chars(ALNUM, 34)

    def perplexity(self) -> str:
        return "pplx-" + self.chars(ALNUM, 48)

    def bedrock(self) -> str:
        account = "".join(self.rng.choice(string.digits) for _ in range(12))
        raw = f"BedrockAPIKey-{self.chars(ALNUM, 4).lower()}-at-{account}:{self.chars(B64, 40)}"
        return "ABSK" + self.b64(raw.encode()).rstrip("=")

    def jwt(self) -> str:
        def part(data: dict[str, Any]) -> str:
            return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()
                                            ).decode().rstrip("=")
        head = part({"alg": "RS256", "kid": self.chars(HEX, 16), "typ": "JWT"})
        body = part({"iss": "https://auth.acme-robotics.io/", "sub": self.chars(ALNUM, 24),
                     "aud": "llm-gateway", "iat": 1750410763, "exp": 1750414363,
                     "scope": "chat:write embeddings:read"})
        signature = base64.urlsafe_b64encode(self.rng.randbytes(256)).decode().rstrip("=")
        return f"{head}.{body}.{signature}"

    def opaque(self) -> str:
        return self.chars(WORD, 40)

    def azure(self) -> str:
        return self.chars(HEX, 32)

    def basic(self) -> tuple[str, str]:
        """(the header value's token, the password inside it)."""
        password = self.chars(ALNUM, 24)
        user = self.rng.choice(["svc-ingest", "ci-runner", "llm-proxy", "deploy-bot"])
        return self.b64(f"{user}:{password}".encode()), password


SHAPES = {  # kind -> the codes a finding of it may have
    "openai": {"S101"}, "openai-proj": {"S101"}, "anthropic": {"S102"}, "google": {"S104"},
    "aws-key-id": {"S105"}, "aws-temp-key-id": {"S105"}, "aws-session": {"S107"},
    "openrouter": {"S103"}, "groq": {"S109"}, "xai": {"S110"}, "huggingface": {"S111"},
    "perplexity": {"S112"}, "bedrock": {"S108"}, "jwt": {"S113"},
}
BEARER_SHAPES = ("openai-proj", "anthropic", "openrouter", "groq", "xai", "huggingface",
                 "perplexity", "bedrock", "jwt", "openai", "google")


# --- what was planted --------------------------------------------------------------------------

@dataclass
class Plant:
    kind: str
    place: str
    secret: str  # the exact string written into the file (or into its encoded body)
    codes: frozenset[str]
    encoded: bool = False  # inside a body stored encoded: not in the file's bytes as such
    node: tuple[str | int, ...] = ()  # for encoded plants: the node that stores the body
    line: int | None = None  # where validate should point, in the planted copy
    column: int | None = None
    span: tuple[int, int] = (0, 0)  # bytes of the planted copy that hold it


@dataclass
class Copy:
    source: str
    path: Path
    format: str
    plants: list[Plant] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # places this file has none of


class Skip(Exception):
    """This place does not exist in this file (or cannot be planted in it)."""


# --- the planter -------------------------------------------------------------------------------

class Planter:
    """Plants one secret at a time into `data`, recomposing the file after each, so every
    splice is computed on the bytes it applies to."""

    def __init__(self, copy: Copy, data: bytes, keys: Keys) -> None:
        self.copy, self.data, self.keys = copy, data, keys
        self.module = FORMAT_BY_NAME[copy.format]
        self.layout = self.module.LAYOUT

    # -- the file as it is now --

    def cassette(self) -> Cassette:
        return load(self._write(), priced=False)

    def _write(self) -> str:
        self.copy.path.write_bytes(self.data)
        return str(self.copy.path)

    def document(self) -> spans.Document:
        json_file = self.data.lstrip()[:1] in (b"{", b"[")
        return (spans.compose_json if json_file else spans.compose)(self.data)

    def interaction(self, index: int) -> Interaction:
        items = self.cassette().interactions
        if index >= len(items):
            raise Skip(f"no interaction {index}")
        return items[index]

    def part(self, index: int, name: str) -> tuple[tuple[str | int, ...], Any]:
        """The node path of an interaction's part (url, request_headers, …) and its node."""
        interaction = self.interaction(index)
        document = self.document()
        item = _plain(_node(document.root, interaction.where))
        found = locate(item, getattr(self.layout, name))
        if found is None:
            raise Skip(f"no {name}")
        path = interaction.where + found
        return path, _node(document.root, path)

    def apply(self, *edits: spans.Edit) -> None:
        self.data = spans.apply(self.data, list(edits))

    def add(self, plant: Plant) -> None:
        self.copy.plants.append(plant)

    # -- headers --

    def header(self, index: int, side: str, name: str, value: str) -> None:
        """Give the header `name` the value `value`: the existing header's value when there
        is one, else a new entry written like the others."""
        path, node = self.part(index, f"{side}_headers")
        shape = getattr(self.layout, f"{side}_headers_shape")
        document = self.document()
        existing = _header_scalar(document, path, node, shape, name)
        if existing is not None:
            self.apply(_replace_scalar(existing, value))
            return
        self.apply(_insert_header(document, node, shape, name, value))

    def binary_header(self, index: int, side: str, name: str, value: str) -> None:
        """A new header whose value VCR.py wrote as bytes: `- !!binary |` and base64."""
        path, node = self.part(index, f"{side}_headers")
        if getattr(self.layout, f"{side}_headers_shape") != "lists" or node.id != "mapping" \
                or node.flow_style or not node.value:
            raise Skip("headers are not a block mapping of lists")
        document = self.document()
        key, first = node.value[0]
        if first.id != "sequence" or first.flow_style or not first.value:
            raise Skip("first header is not a block list")
        text = document.text
        start = _line_start(document, key.start_mark.index)
        lead = text[start:key.start_mark.index] + name + \
            text[key.end_mark.index:first.value[0].start_mark.index]
        indent = " " * (len(lead.split("\n")[-1]))
        encoded = base64.b64encode(value.encode()).decode()
        block = "\n".join(indent + encoded[i:i + 76] for i in range(0, len(encoded), 76))
        at = document.byte_offset(start)
        self.apply(spans.Edit(at, at, f"{lead}!!binary |\n{block}\n".encode()))
        self.copy.plants[-1].node = (*path, name, 0)

    # -- URL --

    def url_param(self, index: int, name: str, value: str) -> None:
        path, node = self.part(index, "url")
        scalar = self.document().scalar(path)
        url = scalar.value
        if not url or f"{name}=" in url:
            raise Skip("no URL, or it has the parameter already")
        glue = "&" if "?" in url else "?"
        self.apply(spans.value_map(scalar).splice_replace(len(url) - 1, len(url),
                                                          url[-1] + f"{glue}{name}={value}"))

    # -- bodies --

    def body_member(self, index: int, side: str, name: str, value: str) -> None:
        """A new first member `"name": "value"` of a JSON object body."""
        path, node = self.part(index, f"{side}_body")
        document = self.document()
        if node.id == "mapping":
            self.apply(_insert_member(document, node, name, value))
            return
        if node.id != "scalar" or node.tag != spans.STR:
            raise Skip("body is not a string or an object")
        outer = spans.value_map(document.scalar(path))
        inner = spans.json_in(outer)  # raises SpanError when the body is no JSON
        if inner.root.id != "mapping":
            raise Skip("JSON body is not an object")
        brace = inner.root.start_mark.index
        rest = inner.text[brace + 1:].lstrip()
        member = json.dumps({name: value})[1:-1] + ("" if rest.startswith("}") else ",")
        self.apply(outer.splice_replace(brace, brace + 1, "{" + member))

    def body_text(self, index: int, side: str, secret: str) -> None:
        """Paste `secret` into a string of the body: a user's message, the model's reply, a
        streamed delta, a text body's last line."""
        message = getattr(self.interaction(index), side)
        if message is None or set(message.body.notes) - {"parsed"}:
            raise Skip("body is stored encoded")
        path, node = self.part(index, f"{side}_body")
        document = self.document()
        if node.id in ("mapping", "sequence"):
            self.apply(_append_to(_pick_string(document, path), secret))
            return
        if node.id != "scalar" or node.tag != spans.STR or not node.value:
            raise Skip("body is no text")
        outer = spans.value_map(document.scalar(path))
        try:
            inner = spans.json_in(outer)
        except spans.SpanError:
            inner = None
        if inner is not None and inner.root.id in ("mapping", "sequence"):
            self.apply(_append_to(_pick_string(inner, ()), secret))
            return
        text = outer.value
        delta = re.search(r'"(?:content|text|delta|output_text|response)"\s*:\s*"', text)
        if delta is not None:
            at = delta.end()  # before the string's first character, or its closing quote
            self.apply(outer.splice_replace(at, at + 1, secret + " " * (text[at] != '"')
                                            + text[at]))
            return
        if inner is not None or text.lstrip()[:1] in ("{", "["):
            raise Skip("JSON body without a string to paste into")
        end = len(text.rstrip("\n"))
        self.apply(outer.splice_replace(end - 1, end, text[end - 1] + " " + secret))

    def encoded_body(self, index: int, side: str, secret: str) -> None:
        """Paste `secret` into a body stored encoded, and encode it again the same way."""
        path, node = self.part(index, f"{side}_body")
        document = self.document()
        if node.id != "scalar":
            raise Skip("body is not a scalar")
        scalar = document.scalar(path)
        if node.tag.endswith(":binary") or node.tag == "!binary" or path[-1] == "base64_string":
            raw = decode_base64(scalar.value)
            self.apply(spans.rewrite_binary(scalar, _recode(raw, secret)))
        elif self.copy.format == "har" and _har_encoding(document, path) == "base64":
            chunks = json.loads(scalar.value)
            if not isinstance(chunks, list):
                chunks = [scalar.value]
            raw = b"".join(base64.b64decode(chunk) for chunk in chunks)
            new = json.dumps([base64.b64encode(_recode(raw, secret)).decode()])
            self.apply(spans.value_map(scalar).splice_replace(0, len(scalar.value), new))
        else:
            raise Skip("body is not stored encoded")
        self.copy.plants[-1].node = path

    def ruby_base64_body(self, index: int, side: str, secret: str) -> None:
        """Store a Ruby VCR `string:` body as Faraday records a gzip reply it did not
        decompress: `base64_string:` of the gzip bytes, holding the secret."""
        path, node = self.part(index, f"{side}_body")
        if path[-1] != "string" or node.id != "scalar" or not node.value:
            raise Skip("no Ruby VCR string body")
        document = self.document()
        scalar = document.scalar(path)
        raw = _paste(scalar.value.encode(), secret)
        encoded = base64.b64encode(gzip.compress(raw, mtime=1750410763)).decode()
        indent = " " * (document.line_col(scalar.start)[1] - 1 - len("string: ")) + "  "
        block = "\n".join(indent + encoded[i:i + 60] for i in range(0, len(encoded), 60))
        key_start = document.text.rfind("string:", 0, scalar.node.start_mark.index)
        start, end = document.byte_offset(key_start), document.byte_offset(scalar.end)
        eol = "\n" if document.text[scalar.end - 1] == "\n" else ""  # a block ends after it
        self.apply(spans.Edit(start, end, f"base64_string: |\n{block}{eol}".encode()))
        self.copy.plants[-1].node = (*path[:-1], "base64_string")

    def har_cookie(self, index: int, side: str, name: str, value: str) -> None:
        """A cookie in HAR's `cookies` list only (Polly filters headers, not this list)."""
        interaction = self.interaction(index)
        document = self.document()
        node = _node(document.root, (*interaction.where, side, "cookies"))
        if node is None or node.id != "sequence":
            raise Skip("no cookies list")
        entry = json.dumps({"name": name, "value": value, "path": "/", "httpOnly": True,
                            "secure": True})
        self.apply(_insert_item(document, node, entry))


# --- httprr: raw records -----------------------------------------------------------------------

class RawPlanter(Planter):
    """httprr: the request and response of one record, spliced as bytes; the record's length
    line and Content-Length follow."""

    def _record(self, index: int) -> tuple[int, int, int, int]:
        offset, number = len(MAGIC), 0
        while offset < len(self.data):
            line_end = self.data.index(b"\n", offset)
            req_len, resp_len = map(int, self.data[offset:line_end].split())
            start = line_end + 1
            if number == index:
                return offset, start, start + req_len, start + req_len + resp_len
            offset, number = start + req_len + resp_len, number + 1
        raise Skip(f"no record {index}")

    def _rewrite(self, index: int, side: str, change: Callable[[bytes], bytes]) -> None:
        line_start, start, middle, end = self._record(index)
        request, response = self.data[start:middle], self.data[middle:end]
        if side == "request":
            request = change(request)
        else:
            response = change(response)
        self.data = (self.data[:line_start] + f"{len(request)} {len(response)}\n".encode()
                     + request + response + self.data[end:])

    def header(self, index: int, side: str, name: str, value: str) -> None:
        def change(message: bytes) -> bytes:
            eol = b"\r\n" if b"\r\n" in message[:message.index(b"\n") + 1] else b"\n"
            first = message.index(eol) + len(eol)
            return message[:first] + f"{name}: {value}".encode() + eol + message[first:]
        self._rewrite(index, side, change)

    def url_param(self, index: int, name: str, value: str) -> None:
        def change(message: bytes) -> bytes:
            line_end = message.index(b"\n")
            method, target, version = message[:line_end].split(b" ", 2)
            glue = b"&" if b"?" in target else b"?"
            target += glue + f"{name}={value}".encode()
            return b" ".join((method, target, version)) + message[line_end:]
        self._rewrite(index, "request", change)

    def _body(self, index: int, side: str, edit: Callable[[bytes], bytes]) -> None:
        def change(message: bytes) -> bytes:
            eol = b"\r\n" if b"\r\n" in message[:message.index(b"\n") + 1] else b"\n"
            head_end = message.index(eol + eol) + 2 * len(eol)
            head, body = message[:head_end], message[head_end:]
            if re.search(rb"(?im)^(transfer-encoding: *chunked|content-encoding)", head) \
                    or not body.strip():
                raise Skip("chunked, encoded or empty body")
            new = edit(body)
            head = re.sub(rb"(?im)^(content-length: *)%d\r?$" % len(body),
                          lambda m: m.group(1) + str(len(new)).encode()
                          + (b"\r" if m.group(0).endswith(b"\r") else b""), head)
            return head + new
        self._rewrite(index, side, change)

    def body_member(self, index: int, side: str, name: str, value: str) -> None:
        def edit(body: bytes) -> bytes:
            at = body.index(b"{") + 1
            return body[:at] + json.dumps({name: value})[1:-1].encode() + b"," + body[at:]
        self._body(index, side, edit)

    def body_text(self, index: int, side: str, secret: str) -> None:
        self._body(index, side, lambda body: _paste(body, secret))

    def encoded_body(self, index: int, side: str, secret: str) -> None:
        raise Skip("httprr bodies are plain")

    def ruby_base64_body(self, index: int, side: str, secret: str) -> None:
        raise Skip("not Ruby VCR")

    def har_cookie(self, index: int, side: str, name: str, value: str) -> None:
        raise Skip("not HAR")


# --- editing helpers ---------------------------------------------------------------------------

def _node(root: Any, path: tuple[str | int, ...]) -> Any:
    node = root
    for part in path:
        if node is None:
            return None
        if node.id == "mapping":
            found = [v for k, v in node.value if k.id == "scalar" and k.value == str(part)]
            node = found[-1] if found else None
        elif node.id == "sequence" and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            return None
    return node


def _plain(node: Any) -> Any:
    """A node as plain data (keys and strings only; enough for `locate`)."""
    if node is None:
        return None
    if node.id == "mapping":
        return {k.value: _plain(v) for k, v in node.value if k.id == "scalar"}
    if node.id == "sequence":
        return [_plain(v) for v in node.value]
    return node.value


def _header_scalar(document: spans.Document, path: tuple[str | int, ...], node: Any,
                   shape: str, name: str) -> spans.Scalar | None:
    if node is None:
        return None
    if shape in ("lists", "map") and node.id == "mapping":
        for key, value in node.value:
            if key.id == "scalar" and str(key.value).lower() == name.lower():
                if value.id == "sequence" and value.value and value.value[0].id == "scalar":
                    return document.scalar((*path, key.value, 0))
                if value.id == "scalar":
                    return document.scalar((*path, key.value))
    elif shape == "pairs" and node.id == "sequence":
        for k, item in enumerate(node.value):
            pairs = {key.value: v for key, v in item.value} if item.id == "mapping" else {}
            if str(getattr(pairs.get("name"), "value", "")).lower() == name.lower():
                return document.scalar((*path, k, "value"))
    elif shape == "flat" and node.id == "sequence":
        items = node.value
        for k in range(0, len(items) - 1, 2):
            if str(items[k].value).lower() == name.lower():
                return document.scalar((*path, k + 1))
    return None


def _replace_scalar(scalar: spans.Scalar, value: str) -> spans.Edit:
    if scalar.value and not scalar.explicit_tag:
        return spans.value_map(scalar).splice_replace(0, len(scalar.value), value)
    doc = scalar.doc
    quoted = json.dumps(value) if doc.kind == "json" else "'" + value.replace("'", "''") + "'"
    start = scalar.node.start_mark.index  # with its tag: `!!binary` goes too
    return spans.Edit(doc.byte_offset(start), doc.byte_offset(scalar.end), quoted.encode())


def _yaml_value(value: str) -> str:
    # Starting with a letter, it cannot read as a number, a date or an indicator.
    plain = re.fullmatch(r"[A-Za-z][A-Za-z0-9 _./+=;,:-]*[A-Za-z0-9=]", value) and \
        ": " not in value
    return value if plain else "'" + value.replace("'", "''") + "'"


def _line_start(document: spans.Document, index: int) -> int:
    return document.line_start(index)


def _insert_header(document: spans.Document, node: Any, shape: str, name: str,
                   value: str) -> spans.Edit:
    if document.kind == "json":
        if shape == "map":
            return _insert_member(document, node, name, value)
        if shape == "flat":
            return _insert_item(document, node, f"{json.dumps(name)}, {json.dumps(value)}")
        if shape == "pairs":
            return _insert_item(document, node, json.dumps({"name": name, "value": value}))
        raise Skip(f"headers of shape {shape}")
    if node.id != "mapping":
        raise Skip("headers are not a mapping")
    if node.flow_style or not node.value:
        entry = f"{name}: ['{value}']" if shape == "lists" else f"{name}: '{value}'"
        return _flow_insert(document, node, entry)
    key, first = node.value[0]
    text = document.text
    start = _line_start(document, key.start_mark.index)
    if text[start:key.start_mark.index].strip():
        raise Skip("first header shares its line")
    if shape == "lists" and first.id == "sequence" and not first.flow_style and first.value:
        item = first.value[0]
        between = text[key.end_mark.index:item.start_mark.index]  # ":\n  - ", before a tag
        entry = text[start:key.start_mark.index] + name + between + _yaml_value(value) + "\n"
    else:
        entry = text[start:key.start_mark.index] + f"{name}: {_yaml_value(value)}\n"
    return spans.Edit(document.byte_offset(start), document.byte_offset(start), entry.encode())


def _flow_insert(document: spans.Document, node: Any, entry: str) -> spans.Edit:
    brace = node.start_mark.index
    text = document.text
    if text[brace] not in "{[":
        raise Skip("flow collection without its bracket")
    after = text[brace + 1:node.end_mark.index].strip()
    glue = "" if after in ("}", "]") else ", "
    at = document.byte_offset(brace + 1)
    return spans.Edit(at, at, (entry + glue).encode())


def _insert_member(document: spans.Document, node: Any, name: str, value: str) -> spans.Edit:
    """A new first member of a mapping: JSON, YAML flow, or YAML block in its indentation."""
    if document.kind == "json" or node.flow_style or not node.value:
        if document.kind == "json":
            member = f"{json.dumps(name)}: {json.dumps(value)}"
        else:
            member = f"{name}: {_yaml_value(value)}"
        return _json_insert(document, node, member)
    key = node.value[0][0]
    text = document.text
    start = _line_start(document, key.start_mark.index)
    prefix = text[start:key.start_mark.index]
    if prefix.strip():  # "- key: …": the mapping starts inside a sequence entry
        raise Skip("mapping starts inside a sequence entry")
    entry = f"{prefix}{name}: {_yaml_value(value)}\n"
    return spans.Edit(document.byte_offset(start), document.byte_offset(start), entry.encode())


def _json_insert(document: spans.Document, node: Any, entry: str) -> spans.Edit:
    brace = node.start_mark.index
    text = document.text
    closing = "}" if text[brace] == "{" else "]"
    inside = text[brace + 1:node.end_mark.index]
    if inside.strip() in ("", closing):
        at = document.byte_offset(brace + 1)
        return spans.Edit(at, at, entry.encode())
    space = inside[:len(inside) - len(inside.lstrip())]  # the layout of the first member
    at = document.byte_offset(brace + 1 + len(space))
    return spans.Edit(at, at, (entry + "," + (space or " ")).encode())


def _insert_item(document: spans.Document, node: Any, entry: str) -> spans.Edit:
    if document.kind != "json":
        raise Skip("not a JSON list")
    return _json_insert(document, node, entry)


def _pick_string(document: spans.Document, under: tuple[str | int, ...]) -> spans.Scalar:
    """The string a secret would most plausibly be pasted into: a message's text."""
    best: tuple[int, spans.Scalar] | None = None
    for scalar in document.scalars():
        if scalar.key or scalar.path[:len(under)] != under or scalar.tag != spans.STR \
                or len(scalar.value) < 2 or scalar.style == "plain" and scalar.flow:
            continue
        names = [p for p in scalar.path if isinstance(p, str)]
        score = 2 if names and names[-1] in ("content", "text", "prompt", "input") else (
            1 if " " in scalar.value else 0)
        if best is None or score > best[0]:
            best = (score, scalar)
    if best is None:
        raise Skip("no string in the body")
    return best[1]


def _append_to(scalar: spans.Scalar, secret: str) -> spans.Edit:
    value = scalar.value.rstrip("\n")
    end = len(value)
    return spans.value_map(scalar).splice_replace(end - 1, end, value[-1] + " " + secret)


_STRING_START = re.compile(rb'"(?:content|text|delta|output_text|message|response)"\s*:\s*"')


def _paste(text: bytes, secret: str) -> bytes:
    """`secret` at the start of the first message-like JSON string of `text`."""
    # Not into a credential member planted before: its value would no longer be one token.
    found = _STRING_START.search(text) or re.search(
        rb'"(?!api_?key"|apiKey"|access_token"|password")[A-Za-z_]+"\s*:\s*"', text)
    if found is None:
        raise Skip("no JSON string in the decoded body")
    at = found.end()
    return text[:at] + secret.encode() + (b"" if text[at:at + 1] == b'"' else b" ") + text[at:]


def _recode(raw: bytes, secret: str) -> bytes:
    """Paste into a body that may be gzip, and compress it again the same way."""
    if raw[:2] == b"\x1f\x8b":
        text, notes = decode_content(raw, "gzip")
        if "gzip" not in notes:
            raise Skip("gzip body does not decode")
        return gzip.compress(_paste(text, secret), mtime=1750410763)
    if text_of(raw) is None:
        raise Skip("binary body")
    return _paste(raw, secret)


def _har_encoding(document: spans.Document, path: tuple[str | int, ...]) -> str | None:
    node = _node(document.root, (*path[:-1], "encoding"))
    return None if node is None else str(node.value)


# --- which secrets go where ----------------------------------------------------------------

class Plan:
    """Turns through the kinds so that, over all files, every kind lands in every place."""

    def __init__(self, keys: Keys, without: tuple[str, ...] = ()) -> None:
        self.keys = keys
        self.without = without  # places left out (to measure the others past a known gap)
        self.turns: Counter[str] = Counter()

    def next(self, place: str, choices: tuple[str, ...]) -> str:
        choice = choices[self.turns[place] % len(choices)]
        self.turns[place] += 1
        return choice

    def shape(self, place: str) -> tuple[str, str, frozenset[str]]:
        kind = self.next(place, tuple(SHAPES))
        return kind, self.keys.shape(kind), frozenset(SHAPES[kind])


def plant_file(copy: Copy, data: bytes, plan: Plan) -> bytes:
    keys = plan.keys
    planter = (RawPlanter if copy.format == "httprr" else Planter)(copy, data, keys)
    count = len(planter.cassette().interactions)
    last = count - 1

    def attempt(place: str, plants: list[Plant], action: Callable[[], None]) -> None:
        before = planter.data
        copy.plants.extend(plants)
        try:
            action()
            if len(planter.cassette().interactions) != count:
                raise Skip("the planted file reads as other interactions")
        except (Skip, spans.SpanError, CassetteError, ValueError) as exc:
            planter.data = before
            del copy.plants[len(copy.plants) - len(plants):]
            copy.skipped.append(f"{place}: {exc}")

    # Authorization: a provider key as a bearer token, Basic, SigV4, an opaque token.
    auth = plan.next("authorization", (*BEARER_SHAPES, "basic", "sigv4", "bearer-opaque"))
    if auth == "basic":
        token, _ = keys.basic()
        attempt("request header Authorization", [Plant("basic", "request header", token,
                                                       frozenset({"S201"}))],
                lambda: planter.header(0, "request", "Authorization", f"Basic {token}"))
    elif auth == "sigv4":
        key_id, signature = keys.aws_key_id(), keys.sigv4_signature()
        value = (f"AWS4-HMAC-SHA256 Credential={key_id}/20250619/us-east-1/bedrock/"
                 "aws4_request, SignedHeaders=content-type;host;x-amz-date, "
                 f"Signature={signature}")
        attempt("request header Authorization",
                [Plant("aws-key-id", "request header", key_id, frozenset({"S105"})),
                 Plant("sigv4-signature", "request header", signature, frozenset({"S106"}))],
                lambda: planter.header(0, "request", "Authorization", value))
    elif auth == "bearer-opaque":
        token = keys.opaque()
        attempt("request header Authorization",
                [Plant("bearer-opaque", "request header", token, frozenset({"S201"}))],
                lambda: planter.header(0, "request", "Authorization", f"Bearer {token}"))
    else:
        secret = keys.shape(auth)
        attempt("request header Authorization",
                [Plant(auth, "request header", secret, frozenset(SHAPES[auth]))],
                lambda: planter.header(0, "request", "Authorization", f"Bearer {secret}"))

    # A credential header by name.
    named = plan.next("credential header", ("x-api-key", "api-key", "x-goog-api-key", "cookie",
                                            "x-amz-security-token", "x-api-key-anthropic"))
    if named == "cookie":
        value = keys.opaque()
        header, text, codes = "Cookie", f"session_id={value}; theme=dark", frozenset({"S203"})
    elif named == "x-amz-security-token":
        value = keys.aws_session()
        header, text, codes = "X-Amz-Security-Token", value, frozenset({"S107"})
    elif named == "x-goog-api-key":
        value = keys.google()
        header, text, codes = "x-goog-api-key", value, frozenset({"S104"})
    elif named == "x-api-key-anthropic":
        value = keys.anthropic()
        header, text, codes = "x-api-key", value, frozenset({"S102"})
    elif named == "api-key":
        value = keys.azure()
        header, text, codes = "api-key", value, frozenset({"S202"})
    else:
        value = keys.opaque()
        header, text, codes = "x-api-key", value, frozenset({"S202"})
    attempt(f"request header {header}",
            [Plant(named, "request header", value, codes)],
            lambda: planter.header(0, "request", header, text))

    # Response headers: a session cookie (opaque or a JWT) or a key echoed back.
    reply = plan.next("response header", ("set-cookie", "set-cookie-jwt", "echo"))
    if reply == "echo":
        kind, secret, codes = plan.shape("response header shape")
        attempt("response header", [Plant(kind, "response header", secret, codes)],
                lambda: planter.header(last, "response", "X-Upstream-Key", secret))
    else:
        secret = keys.jwt() if reply == "set-cookie-jwt" else keys.opaque()
        codes = frozenset({"S113"} if reply == "set-cookie-jwt" else {"S203"})
        attempt("response header Set-Cookie",
                [Plant(reply, "response header", secret, codes)],
                lambda: planter.header(last, "response", "Set-Cookie",
                                       f"session={secret}; Path=/; HttpOnly; Secure; "
                                       "SameSite=Lax"))

    # A header VCR.py recorded as bytes (botocore and httpx send some): `!!binary`.
    if copy.format == "vcrpy" and "binary-header" not in plan.without:
        kind = plan.next("binary header", ("aws-session", "sigv4", "openai-proj"))
        if kind == "sigv4":
            key_id, signature = keys.aws_temp_key_id(), keys.sigv4_signature()
            value = (f"AWS4-HMAC-SHA256 Credential={key_id}/20250619/us-west-2/bedrock/"
                     "aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, "
                     f"Signature={signature}")
            header, plants = "Proxy-Authorization", [
                Plant("aws-temp-key-id", "request header !!binary", key_id,
                      frozenset({"S105"}), encoded=True),
                Plant("sigv4-signature", "request header !!binary", signature,
                      frozenset({"S106"}), encoded=True)]
        else:
            value = keys.shape(kind)
            header = "X-Amz-Security-Token" if kind == "aws-session" else "Proxy-Authorization"
            plants = [Plant(kind, "request header !!binary", value, frozenset(SHAPES[kind]),
                            encoded=True)]
            value = value if kind == "aws-session" else f"Bearer {value}"

        def binary(header: str = header, value: str = value, plants: list[Plant] = plants
                   ) -> None:
            planter.binary_header(0, "request", header, value)
            for plant in plants:
                plant.node = copy.plants[-1].node
        attempt(f"request header {header} (!!binary)", plants, binary)

    # The URL's query.
    query = plan.next("url", ("key", "access_token", "key-opaque", "api_key-shape",
                              "X-Amz-Security-Token"))
    if query == "key":
        name, value, codes = "key", keys.google(), frozenset({"S104"})
    elif query == "access_token":
        name, value = "access_token", "ya29." + keys.chars(WORD, 150)
        codes = frozenset({"S114", "S301"})
    elif query == "key-opaque":
        name, value, codes = "key", keys.opaque(), frozenset({"S301"})
    elif query == "X-Amz-Security-Token":
        token = keys.aws_session()
        name, codes = "X-Amz-Security-Token", frozenset({"S107", "S301"})
        value = token.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
    else:
        kind, value, codes = plan.shape("url shape")
        name, codes = "api_key", codes | {"S301"}
    attempt("url", [Plant(f"url-{query}", "url query", value, codes)],
            lambda: planter.url_param(0, name, value))

    # The request body: a credential member, a key pasted into a message.
    member = plan.next("field", ("opaque", "shape"))
    if member == "opaque":
        kind, value, codes = "field-opaque", keys.opaque(), frozenset({"S204"})
    else:
        kind, value, codes = plan.shape("field shape")
        codes = codes | {"S204"}
    field_name = plan.next("field name", ("api_key", "apiKey", "access_token", "password"))
    attempt("request body member", [Plant(kind, "request body member", value, codes)],
            lambda: planter.body_member(0, "request", field_name, value))
    kind, secret, codes = plan.shape("request body")
    attempt("request body text", [Plant(kind, "request body text", secret, codes)],
            lambda: planter.body_text(0, "request", secret))

    # Response bodies: as written, and stored encoded.
    if copy.format == "ruby-vcr" and plan.next("ruby base64", ("yes", "no")) == "yes":
        kind, secret, codes = plan.shape("ruby base64")
        attempt("ruby base64_string body",
                [Plant(kind, "response body base64_string", secret, codes, encoded=True)],
                lambda: planter.ruby_base64_body(last, "response", secret))
    else:
        kind, secret, codes = plan.shape("response body")
        attempt("response body text", [Plant(kind, "response body text", secret, codes)],
                lambda: planter.body_text(last, "response", secret))
    for index in range(count):
        kind, secret, codes = plan.shape("encoded body")
        before = len(copy.plants)
        attempt("encoded response body",
                [Plant(kind, "response body encoded", secret, codes, encoded=True)],
                partial(planter.encoded_body, index, "response", secret))
        if len(copy.plants) > before:
            break
        copy.skipped.pop()
    else:
        copy.skipped.append("encoded response body: none")
    if copy.format == "har" and "har-cookie" not in plan.without:
        value = keys.opaque()
        attempt("HAR cookies", [Plant("har-cookie", "HAR cookies list", value,
                                      frozenset({"S203"}))],
                lambda: planter.har_cookie(0, "request", "sessionid", value))
    return _keep_lengths(copy, data, planter.data)


def _keep_lengths(copy: Copy, original: bytes, planted: bytes) -> bytes:
    """go-vcr's `content_length` and `Content-Length` headers beside a plain body follow the
    body's new length, when they were right before (httprr's are kept by RawPlanter)."""
    if copy.format == "httprr":
        return planted
    copy.path.write_bytes(original)
    before = load(str(copy.path), priced=False).interactions
    copy.path.write_bytes(planted)
    after = load(str(copy.path), priced=False).interactions
    json_file = planted.lstrip()[:1] in (b"{", b"[")
    document = (spans.compose_json if json_file else spans.compose)(planted)
    edits = []
    for old, new in zip(before, after, strict=True):
        for side in ("request", "response"):
            x, y = getattr(old, side), getattr(new, side)
            if x is None or y is None or x.body.notes or y.body.notes \
                    or len(x.body.data) == len(y.body.data):
                continue
            for scalar in document.scalars():
                names = [p for p in scalar.path if isinstance(p, str)]
                if not scalar.key and scalar.path[:len(new.where) + 1] == (*new.where, side) \
                        and names and names[-1].lower() in ("content_length", "content-length") \
                        and scalar.value == str(len(x.body.data)):
                    edits.append(spans.value_map(scalar).splice_replace(
                        0, len(scalar.value), str(len(y.body.data))))
    return spans.apply(planted, edits)


# --- where each plant is, and what validate and redact make of it ----------------------------

def locate_plants(copy: Copy) -> None:
    data = copy.path.read_bytes()
    text = data.decode("utf-8")
    document = None
    for plant in copy.plants:
        if plant.encoded:
            document = document or (spans.compose_json if text.lstrip()[:1] in "{["
                                    else spans.compose)(data)
            scalar = document.scalar(plant.node)
            plant.line, plant.column = scalar.line_col()
            plant.span = (document.byte_offset(scalar.node.start_mark.index),
                          document.byte_offset(scalar.end))
            continue
        needle = plant.secret.encode()
        at = data.find(needle)
        if at < 0 or data.find(needle, at + 1) >= 0:
            raise AssertionError(f"{copy.path}: {plant.kind} is not in the file exactly once")
        plant.span = (at, at + len(needle))
        if copy.format == "httprr":
            plant.line, plant.column = _record_line(data, at), None
        else:
            line_start = data.rfind(b"\n", 0, at) + 1
            plant.line = data.count(b"\n", 0, at) + 1
            plant.column = len(data[line_start:at].decode("utf-8")) + 1


def _record_line(data: bytes, at: int) -> int:
    """The line of the `REQ_LEN RESP_LEN` line of the httprr record holding byte `at`."""
    offset, line = len(MAGIC), 2
    while offset < len(data):
        line_end = data.index(b"\n", offset)
        req_len, resp_len = map(int, data[offset:line_end].split())
        end = line_end + 1 + req_len + resp_len
        if at < end:
            return line
        line += 1 + data.count(b"\n", line_end + 1, end)
        offset = end
    raise AssertionError("byte past the last record")


@dataclass
class Outcome:
    copy: str
    format: str
    kind: str
    place: str
    validate: str  # "at" (right line and column), "line" (right line), "elsewhere", "missed"
    codes: str = ""
    redact: str = ""  # "removed", "left", "failed: …", "" when redact was not run


def check_plants(copy: Copy) -> list[Outcome]:
    findings = check_file(str(copy.path))
    outcomes = []
    for plant in copy.plants:
        ours = [f for f in findings if f.code in plant.codes]
        exact = [f for f in ours if (f.line, f.column) == (plant.line, plant.column)]
        same_line = [f for f in ours if f.line == plant.line]
        verdict = ("at" if exact else "line" if same_line and plant.column is None
                   else "column" if same_line else "elsewhere" if ours else "missed")
        seen = exact or same_line or ours
        outcomes.append(Outcome(str(copy.path), copy.format, plant.kind, plant.place, verdict,
                                ",".join(sorted({f.code for f in seen}))))
    return outcomes


def redact_module() -> Any:
    try:
        from cassette_tool import redact
    except ImportError:
        return None
    return redact if hasattr(redact, "redact_file") else None


def check_redact(copy: Copy, outcomes: list[Outcome], redact: Any) -> dict[str, Any]:
    """Redact the copy in place; every planted string must be gone (from the bytes and from
    every decoded body), validate must find nothing, and no byte outside the planted spans
    (and recorded lengths) may change."""
    from cassette_tool.secrets import Rules

    planted = copy.path.read_bytes()
    try:
        redact.redact_file(str(copy.path), Rules(), redact.Options())
    except CassetteError as exc:
        for outcome in outcomes:
            outcome.redact = f"failed: {exc.message}"
        return {"failed": exc.message}
    redacted = copy.path.read_bytes()
    texts = [redacted.decode("utf-8", "replace")]
    try:
        for interaction in load(str(copy.path), priced=False).interactions:
            texts.append(interaction.request.url)
            for message in (interaction.request, interaction.response):
                if message is not None:
                    texts += [f"{k}: {v}" for k, v in message.headers]
                    texts.append(message.body.data.decode("utf-8", "replace"))
    except CassetteError as exc:
        texts.append(f"unreadable after redact: {exc}")
    everything = "\n".join(texts)
    for plant, outcome in zip(copy.plants, outcomes, strict=True):
        outcome.redact = "left" if plant.secret in everything else "removed"
    left = [str(f) for f in check_file(str(copy.path)) if f.severity == "error"]
    outside = _outside_changes(planted, redacted, _allowed(copy, planted))
    return {"findings_after": left, "outside": outside}


def _allowed(copy: Copy, data: bytes) -> list[tuple[int, int]]:
    """Bytes redact may change: the planted spans, and the lengths recorded beside bodies."""
    allowed = [plant.span for plant in copy.plants]
    if copy.format == "httprr":  # record length lines and Content-Length values
        allowed += [m.span(1) for m in re.finditer(rb"(?m)^(\d+ \d+)$", data)]
        allowed += [m.span(1) for m in re.finditer(rb"(?im)^content-length: *(\d+)", data)]
    else:
        json_file = data.lstrip()[:1] in (b"{", b"[")
        document = (spans.compose_json if json_file else spans.compose)(data)
        for scalar in document.scalars():
            names = [p for p in scalar.path if isinstance(p, str)]
            if not scalar.key and names and names[-1].lower() in ("content_length",
                                                                  "content-length"):
                allowed.append((document.byte_offset(scalar.node.start_mark.index),
                                document.byte_offset(scalar.end)))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(allowed):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _outside_changes(old: bytes, new: bytes, allowed: list[tuple[int, int]]) -> list[str]:
    """The bytes of `old` outside `allowed` must appear in `new` in order, with only the
    allowed spans' replacements between them."""
    pieces, pos = [], 0
    for start, end in allowed:
        pieces.append(old[pos:start])
        pos = end
    pieces.append(old[pos:])
    problems, at = [], 0
    for number, piece in enumerate(pieces):
        if number == 0:
            found = 0 if new.startswith(piece) else -1
        elif number == len(pieces) - 1:
            found = len(new) - len(piece) if new.endswith(piece) and \
                len(new) - len(piece) >= at else -1
        else:
            found = new.find(piece, at)
        if found < 0:
            problems.append(f"bytes {len(b''.join(pieces[:number]))}+: "
                            f"{piece[:60]!r} changed")
            break
        at = found + len(piece)
    return problems


# --- choosing files ------------------------------------------------------------------------

_FORMAT_DIRS = {"go-vcr": ["go-vcr-v2", "seed"], "vcrpy": ["vcrpy"], "ruby-vcr": ["ruby-vcr"],
                "har": ["har"], "nock": ["nock"], "cassetter": ["cassetter"],
                "httprr": ["httprr"]}
# Dialects that must be in the set: (a path pattern, text the file holds), two files each.
_WANTED = {
    "vcrpy": [(r"pydantic-ai/", "parsed_body:"), (r"llm-gemini/", "H4sI"),
              (r"simonw__llm/", "H4sI")],
    "har": [(r"instrumentation-openai/", '"encoding": "base64"')],
    "ruby-vcr": [(r"/", "base64_string:")],
}


def choose(rng: random.Random, per_format: int) -> list[tuple[str, Path]]:
    chosen: list[tuple[str, Path]] = []
    for name, folders in _FORMAT_DIRS.items():
        candidates = sorted(p for folder in folders for p in (CORPUS / folder).rglob("*")
                            if p.is_file() and p.suffix in (".yaml", ".yml", ".json", ".har",
                                                            ".httprr"))
        candidates += sorted((SAMPLES / name).glob("*.*"))
        clean = [p for p in candidates if _usable(p, name)]
        picked: list[Path] = []
        for pattern, marker in _WANTED.get(name, []):
            matching = [p for p in clean if re.search(pattern, str(p)) and p not in picked
                        and marker in p.read_text(errors="replace")]
            picked += rng.sample(matching, min(2, len(matching)))
        rest = [p for p in clean if p not in picked]
        picked += rng.sample(rest, min(max(per_format - len(picked), 0), len(rest)))
        while len(picked) < per_format and clean:  # too few files: plant a file twice
            picked.append(clean[len(picked) % len(clean)])
        chosen += [(name, p) for p in picked]
    return chosen


def _usable(path: Path, name: str) -> bool:
    try:
        cassette = load(str(path), priced=False)
    except CassetteError:
        return False
    return (cassette.format == name and bool(cassette.interactions)
            and cassette.interactions[0].response is not None
            and bool(cassette.interactions[0].request.url)
            and check_file(str(path)) == [])


# --- main ----------------------------------------------------------------------------------

def run(out: Path, seed: int, per_format: int, without: tuple[str, ...] = ()
        ) -> dict[str, Any]:
    rng = random.Random(seed)
    plan = Plan(Keys(rng), without)
    redact = redact_module()
    copies: list[Copy] = []
    outcomes: list[Outcome] = []
    redacted: dict[str, dict[str, Any]] = {}
    noop: Counter[str] = Counter()
    noop_total: Counter[str] = Counter()
    for number, (name, source) in enumerate(choose(rng, per_format)):
        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        copy = Copy(str(source), folder / f"{number:03d}-{source.name}", name)
        original = source.read_bytes()
        copy.path.write_bytes(plant_file(copy, original, plan))
        locate_plants(copy)
        copies.append(copy)
        found = check_plants(copy)
        outcomes += found
        if redact is not None:
            redacted[str(copy.path)] = check_redact(copy, found, redact)
            pristine = folder / f"{number:03d}-original-{source.name}"
            pristine.write_bytes(original)
            noop_total[name] += 1
            try:
                redact.redact_file(str(pristine), _rules(), redact.Options())
                noop[name] += pristine.read_bytes() == original
            except CassetteError:
                pass
    return {"copies": copies, "outcomes": outcomes, "redact": redacted, "noop": noop,
            "noop_total": noop_total, "redact_ran": redact is not None}


def _rules() -> Any:
    from cassette_tool.secrets import Rules

    return Rules()


def report(result: dict[str, Any]) -> int:
    outcomes: list[Outcome] = result["outcomes"]
    by_format: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_format[outcome.format].append(outcome)
    files = Counter(copy.format for copy in result["copies"])
    head = (f"{'format':<10} {'files':>5} {'planted':>7} {'at l:c':>6} {'line':>5} "
            f"{'wrong':>5} {'missed':>6}")
    if result["redact_ran"]:
        head += f" {'removed':>7} {'left':>4} {'failed':>6} {'outside':>7} {'noop=':>6}"
    print(head)
    print("-" * len(head))
    totals: Counter[str] = Counter()
    for name in sorted(by_format):
        rows = by_format[name]
        count = Counter(o.validate for o in rows)
        redacts = Counter(o.redact.split(":")[0] for o in rows)
        outside = sum(bool(r.get("outside")) for path, r in result["redact"].items()
                      if f"/{name}/" in path)
        line = (f"{name:<10} {files[name]:>5} {len(rows):>7} {count['at']:>6} "
                f"{count['line']:>5} {count['column'] + count['elsewhere']:>5} "
                f"{count['missed']:>6}")
        if result["redact_ran"]:
            line += (f" {redacts['removed']:>7} {redacts['left']:>4} {redacts['failed']:>6} "
                     f"{outside:>7} {result['noop'][name]:>3}/{result['noop_total'][name]:<2}")
        print(line)
        totals.update({"planted": len(rows), **count, **{f"r-{k}": v
                                                         for k, v in redacts.items()}})
    print("-" * len(head))
    print(f"{'all':<10} {sum(files.values()):>5} {totals['planted']:>7} {totals['at']:>6} "
          f"{totals['line']:>5} {totals['column'] + totals['elsewhere']:>5} "
          f"{totals['missed']:>6}")
    kinds = Counter(o.kind for o in outcomes)
    places = Counter(o.place for o in outcomes)
    print(f"\nkinds ({len(kinds)}): " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    print(f"places ({len(places)}): " + ", ".join(f"{k} {v}" for k, v in
                                                 sorted(places.items())))
    bad = [o for o in outcomes if o.validate not in ("at", "line")]
    bad_redact = [o for o in outcomes if result["redact_ran"] and o.redact != "removed"]
    for o in bad:
        print(f"VALIDATE {o.validate}: {o.copy} {o.kind} in {o.place} (codes seen: "
              f"{o.codes or '-'})")
    for o in bad_redact:
        print(f"REDACT {o.redact}: {o.copy} {o.kind} in {o.place}")
    problems = 0
    for path, checked in result["redact"].items():
        for finding in checked.get("findings_after", []):
            print(f"AFTER REDACT: {finding}")
            problems += 1
        for change in checked.get("outside", []):
            print(f"OUTSIDE SPANS: {path}: {change}")
            problems += 1
    return 1 if bad or bad_redact or problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="keep the planted copies here")
    parser.add_argument("--seed", type=int, default=20250619)
    parser.add_argument("--per-format", type=int, default=6)
    parser.add_argument("--json", type=Path, help="write every plant and outcome here")
    parser.add_argument("--without", action="append", default=[],
                        choices=["binary-header", "har-cookie"],
                        help="leave out a place (repeatable)")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        print(f"the shared corpus is not at {CORPUS}", file=sys.stderr)
        return 2
    out = args.out or Path(tempfile.mkdtemp(prefix="planted-"))
    if args.out and out.exists():
        shutil.rmtree(out)
    result = run(out, args.seed, args.per_format, tuple(args.without))
    print(f"planted copies in {out}\n")
    status = report(result)
    if args.json:
        args.json.write_text(json.dumps({
            "plants": [{"file": str(c.path), "source": c.source, "format": c.format,
                        **asdict(p)} for c in result["copies"] for p in c.plants],
            "skipped": {str(c.path): c.skipped for c in result["copies"]},
            "outcomes": [asdict(o) for o in result["outcomes"]],
            "redact": result["redact"]}, indent=1, default=list))
    return status



if __name__ == "__main__":
    sys.exit(main())
