"""`cassette validate`: is a cassette well formed, are its bodies and streams whole, and is it
free of secrets? Findings point at `path:line:col` in the file.

Checks run on the loaded cassette; positions are worked out only for files that have
findings (composing a file with positions costs more than loading it). One broken file is
itself a finding and never stops the check of the others.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any, Literal

from . import formats
from .errors import CassetteError
from .eventstream import decode as decode_frames
from .formats.common import Layout, NodePath, locate, node_at
from .load import open_stream
from .model import Body, Interaction, Response
from .parallel import map_files
from .providers import classify
from .secrets import Rules
from .sites import interaction_sites
from .source import Source, blank, read_source, try_json

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Check:
    code: str
    severity: Severity
    title: str
    description: str


CHECKS: dict[str, Check] = {c.code: c for c in (
    Check("C001", "error", "unparsable", "The file is not valid YAML or JSON."),
    Check("C002", "error", "not-a-cassette", "The file parses but is no known cassette format."),
    Check("C003", "error", "bad-structure",
          "A field the format requires is missing or has the wrong type (e.g. a status code "
          "that is not an integer, headers that are not a map of lists)."),
    Check("B101", "error", "invalid-json", "A body whose content type is JSON does not parse."),
    Check("B102", "error", "undecodable-body",
          "A stored body does not decode (gzip, brotli, deflate, base64, hex)."),
    Check("B103", "warning", "content-length-mismatch",
          "The recorded content_length disagrees with the body: it was edited or truncated."),
    Check("T201", "error", "incomplete-stream",
          "A streamed reply ends before its terminator ([DONE], message_stop, "
          "response.completed, a final finishReason, done: true, message-end)."),
    Check("T202", "error", "empty-stream", "A streamed reply has an empty body."),
    Check("T203", "error", "bad-event-stream",
          "An AWS event-stream frame is truncated or fails its CRC check."),
)}


@dataclass(frozen=True, slots=True)
class Finding:
    path: str
    code: str
    severity: Severity
    message: str
    line: int | None = None
    column: int | None = None
    title: str = ""
    # Where in the parsed file, resolved to line and column only for files with findings.
    node: NodePath | None = field(default=None, compare=False, repr=False)
    offset: int | None = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        where = [self.path]
        if self.line is not None:
            where.append(str(self.line))
            if self.column is not None:
                where.append(str(self.column))
        return f"{':'.join(where)}: {self.code} {self.message}"


def check_files(paths: Sequence[str], rules: Rules | None = None,
                jobs: int | None = None) -> Iterator[list[Finding]]:
    """`check_file` for each path, in order, on every core when there are many."""
    return map_files(partial(check_file, rules=rules), paths, jobs=jobs)


def check_file(path: str, rules: Rules | None = None) -> list[Finding]:
    """Every finding in one file; never raises for a bad file."""
    rules = rules or Rules()
    try:
        source = read_source(path)
    except CassetteError as exc:
        return [Finding(path, "C001", "error", exc.message)]
    found: list[Finding] = []
    try:
        opened = open_stream(source, rebuilt=False)
        # Not kept while the checks run: with a long stream the bytes are as large as the
        # file, and only a file with findings needs them again, for positions.
        del source
        layout = formats.FORMAT_BY_NAME[opened.format].LAYOUT
        for interaction, item in opened.items:
            context = _Context(path, interaction, item, layout, classify(interaction))
            found.extend(_structure(context))
            found.extend(_bodies(context))
            found.extend(_stream(context))
            found.extend(_secrets(context, rules))
    except CassetteError as exc:
        code = "C002" if exc.message.startswith(("not a cassette", "not an HTTP")) else (
            "C001" if exc.message.startswith(("invalid YAML", "invalid JSON", "refusing"))
            else "C003")
        found.append(Finding(path, code, "error", exc.message, exc.line, exc.column))
        if len(found) == 1:
            return found
    if not found:
        return []
    try:
        return _positioned(found, read_source(path), opened.format)
    except CassetteError:  # gone since: the findings stand, at their interactions
        return found


@dataclass(frozen=True, slots=True)
class _Context:
    path: str
    interaction: Interaction
    item: Any  # the interaction's node as plain data (None for httprr)
    layout: Layout
    llm: tuple[str, bool] | None  # the API and whether the reply is streamed

    def where(self, part: str) -> NodePath | None:
        alternatives: tuple[NodePath, ...] = getattr(self.layout, part)
        found = locate(self.item, alternatives) if self.item is not None else None
        return None if found is None else self.interaction.where + found

    def finding(self, code: str, message: str, node: NodePath | None = None,
                offset: int | None = None, severity: Severity | None = None,
                title: str | None = None) -> Finding:
        check = CHECKS.get(code)
        return Finding(self.path, code, severity or (check.severity if check else "error"),
                       message, self.interaction.line, None,
                       title or (check.title if check else ""),
                       node if node is not None else self.interaction.where, offset)


# --- structure and bodies ----------------------------------------------------------------------

def _structure(context: _Context) -> Iterator[Finding]:
    interaction = context.interaction
    label = f"interaction {interaction.index}"
    if interaction.response is not None and interaction.response.status is None \
            and interaction.request.method not in ("GRPC", "WEBSOCKET"):
        yield context.finding("C003", f"{label}: the response status is missing or not an "
                              "integer", context.where("status"))
    if not interaction.request.url and interaction.request.method != "WEBSOCKET":
        yield context.finding("C003", f"{label}: the request has no URL", context.where("url"))
    for side in ("request", "response"):
        where = context.where(f"{side}_headers")
        if where is None or context.item is None:
            continue
        headers = node_at(context.item, where[len(context.interaction.where):])
        shape = getattr(context.layout, f"{side}_headers_shape")
        # VCR.py writes header values that were bytes as `!!binary`: odd, but replayable.
        if shape == "lists" and isinstance(headers, dict) and any(
                not isinstance(v, list) or not all(isinstance(x, (str, bytes)) for x in v)
                for v in headers.values()):
            yield context.finding("C003", f"{label}: {side} headers must map each name to a "
                                  "list of strings", where)


def _bodies(context: _Context) -> Iterator[Finding]:
    interaction = context.interaction
    sides: list[tuple[str, Body, str | None]] = [
        ("request", interaction.request.body, interaction.request.header("content-type"))]
    if interaction.response is not None:
        sides.append(("response", interaction.response.body,
                      interaction.response.header("content-type")))
    for side, body, content_type in sides:
        where = context.where(f"{side}_body")
        broken = [note for note in body.notes
                  if note.startswith(("could not decode", "invalid")) or "truncated" in note]
        for note in broken:
            yield context.finding("B102", f"{side} body: {note}", where)
        if broken:
            continue  # a body that does not decode cannot be checked further
        kind = (content_type or "").split(";", 1)[0].strip().lower()
        # Gemini without alt=sse streams a JSON array that a cut recording leaves unclosed.
        streamed_json = side == "response" and context.llm is not None and context.llm[1]
        if body.parsed is None and not blank(body.data) and (
                kind == "application/json" or kind.endswith("+json")) \
                and not streamed_json and try_json(body.data) is None:
            yield context.finding("B101", f"{side} body is declared {kind} but is not valid "
                                  "JSON", where)
        if context.item is not None and isinstance(context.item.get(side), dict):
            length = context.item[side].get("content_length")
            if isinstance(length, int) and not isinstance(length, bool) and length >= 0 \
                    and body.data and not body.notes and length != len(body.data):
                yield context.finding("B103", f"{side} content_length is {length} but the body "
                                      f"has {len(body.data)} bytes", where)


# --- streams -----------------------------------------------------------------------------------

_TERMINATORS: dict[str, re.Pattern[bytes]] = {
    "openai-chat": re.compile(rb'\[DONE\]|"finish_reason"\s*:\s*"|"error"\s*:\s*\{'),
    "openai-responses": re.compile(
        rb'response\.(completed|incomplete|failed)|"type"\s*:\s*"error"'),
    "anthropic": re.compile(rb'message_stop|"type"\s*:\s*"error"'),
    "gemini": re.compile(rb'"finishReason"|"error"\s*:'),
    "ollama": re.compile(rb'"done"\s*:\s*true|"error"\s*:'),
    "cohere": re.compile(rb'message-end|"type"\s*:\s*"error"'),
}
_FRAME_ENDS = (b"message_stop", b"messageStop", b"metadata", b"amazon-bedrock-invocationMetrics",
               b"completionReason", b"stop_reason")


def _stream(context: _Context) -> Iterator[Finding]:
    interaction, response = context.interaction, context.interaction.response
    if context.llm is None or response is None or not context.llm[1]:
        return
    api = context.llm[0]
    if (response.status or 0) >= 400:
        return
    where = context.where("response_body")
    data = response.body.data
    if blank(data):
        yield context.finding("T202", f"interaction {interaction.index}: the streamed "
                              f"{api} reply is empty", where)
        return
    if api.startswith("bedrock") and data.lstrip()[:1] not in (b"{", b"["):
        yield from _frames(context, response, where)
        return
    terminator = _TERMINATORS.get(api)
    if terminator is not None and terminator.search(data[-65536:]) is None \
            and terminator.search(data) is None:
        yield context.finding("T201", f"interaction {interaction.index}: the streamed "
                              f"{api} reply ends before its terminator", where)


def _frames(context: _Context, response: Response, where: NodePath | None) -> Iterator[Finding]:
    index = context.interaction.index
    decoded = decode_frames(response.body.data)
    for problem in decoded.problems:
        yield context.finding("T203", f"interaction {index}: {problem}", where)
    if not decoded.problems and decoded.frames and not any(
            marker in _frame_text(frame.payload) or marker in str(frame.headers).encode()
            for frame in decoded.frames[-3:] for marker in _FRAME_ENDS):
        yield context.finding("T201", f"interaction {index}: the event stream ends before its "
                              "final event", where)


def _frame_text(payload: bytes) -> bytes:
    parsed = try_json(payload)
    if isinstance(parsed, dict) and isinstance(parsed.get("bytes"), str):
        import base64

        try:
            return base64.b64decode(parsed["bytes"])
        except ValueError:
            return payload
    return payload


# --- secrets -----------------------------------------------------------------------------------

def _secrets(context: _Context, rules: Rules) -> Iterator[Finding]:
    for site in interaction_sites(context.interaction, context.item, context.layout, rules):
        found, span = site.finding, site.span
        yield context.finding(found.rule.code, f"{site.label}: {found.message}", site.node,
                              span[0] if span is not None else None, found.rule.severity,
                              found.rule.name)


# --- positions ---------------------------------------------------------------------------------

def _positioned(found: list[Finding], source: Source, format_name: str) -> list[Finding]:
    """Line and column for each finding: at the character in the value when it is known,
    else at the start of the value, else at the interaction."""
    from . import spans

    document = None
    if format_name != "httprr":
        try:
            document = spans.compose_file(source.data, source.path)
        except (CassetteError, spans.SpanError):
            document = None
    placed = []
    for finding in found:
        line, column = finding.line, None
        if document is not None and finding.node:
            line, column = _place(document, finding.node, finding.offset) or (line, None)
        placed.append(replace(finding, line=line, column=column))
    return sorted(placed, key=lambda f: (f.line or 0, f.column or 0, f.code))


def _place(document: Any, node: NodePath, offset: int | None) -> tuple[int, int] | None:
    from . import spans

    try:
        scalar: spans.Scalar = document.scalar(node)
    except (KeyError, IndexError, TypeError, spans.SpanError):
        first = next((s for s in document.scalars() if s.path[:len(node)] == node and not s.key),
                     None)
        return None if first is None else first.line_col()
    if offset is None:
        return scalar.line_col()
    try:
        position: spans.PositionMap = spans.value_map(scalar)
        return position.line_col(offset) if position.ok else scalar.line_col()
    except (spans.SpanError, IndexError):
        return scalar.line_col()
