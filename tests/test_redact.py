"""`cassette redact`: every kind of place a secret is stored, byte-exactness (only the secret's
bytes change), idempotence, the command's options and exit codes, and safe writing."""

from __future__ import annotations

import base64
import gzip
import json
import os
import stat
from pathlib import Path

import pytest

from cassette_tool import spans
from cassette_tool.errors import CassetteError
from cassette_tool.redact import Options, Result, redact_file, redact_source
from cassette_tool.secrets import SAME_LENGTH, Rules
from cassette_tool.source import Source
from cassette_tool.validate import check_file

from conftest import SAMPLES, go_vcr

OPENAI_KEY = "sk-proj-" + "Xq7dKm2PzR9sLw4Tn8Vb3Yc6Hj1Gf5Ea0Qu" * 2
ANTHROPIC_KEY = "sk-ant-api03-" + "Rt5Uw8Zb2Ce4Gh7Jk9Mn3Pq6St1Vx0Yz" * 2
GOOGLE_KEY = "AIzaSyB3kL9mQ2xR7vT1nW5pZ8cD4fG6hJ0sK2e"
PASSWORD = "hunter2-Zq8rT5vW3x"  # a credential by its field name only
SESSION = "s3ss10n-9fK2mQ7xLp4R"
ORG = "org-" + "Ab3Cd5Ef7Gh9Jk2Lm4Np6Qr8"


def redacted(data: bytes | str, name: str = "c.yaml", **options: object) -> Result:
    raw = data.encode() if isinstance(data, str) else data
    return redact_source(Source(name, raw), Rules(), Options(**options))  # type: ignore[arg-type]


def secret_codes(data: bytes, name: str, tmp_path: Path) -> list[str]:
    path = tmp_path / f"check-{name}"
    path.write_bytes(data)
    return [f.code for f in check_file(str(path)) if f.code[0] in "SW"]


def only_inside(old: bytes, new: bytes, start: int, end: int) -> None:
    """The two files are the same outside old[start:end]."""
    tail = len(old) - end
    assert new[:start] == old[:start]
    assert new[len(new) - tail:] == old[end:]


def assert_redacted(old: str | bytes, secret: str, name: str, tmp_path: Path,
                    span: tuple[int, int] | None = None) -> bytes:
    """Redacting removes `secret`, changes only its bytes (or `span`), leaves nothing for
    validate to find, and a second run changes nothing."""
    data = old.encode() if isinstance(old, str) else old
    assert secret_codes(data, name, tmp_path), "the test file must hold a secret"
    result = redacted(data, name)
    assert result.changed
    assert secret.encode() not in result.new
    if span is None:
        start = data.index(secret.encode())
        span = start, start + len(secret.encode())
    only_inside(data, result.new, *span)
    assert secret_codes(result.new, name, tmp_path) == []
    assert not redacted(result.new, name).changed
    return result.new


def value_span(data: bytes, path: tuple[str | int, ...], json_file: bool = False) -> tuple[int, int]:
    """Byte range of the value at `path` (from its first character to its end)."""
    document = (spans.compose_json if json_file else spans.compose)(data)
    scalar = document.scalar(path)
    return document.byte_offset(scalar.start), document.byte_offset(scalar.end)


# --- every kind of place -------------------------------------------------------------------

def test_request_header(tmp_path: Path) -> None:
    old = go_vcr(request_headers=f"            Authorization:\n                - Bearer {OPENAI_KEY}\n")
    new = assert_redacted(old, OPENAI_KEY, "c.yaml", tmp_path)
    assert b"- Bearer REDACTED\n" in new


def test_response_header_cookie(tmp_path: Path) -> None:
    old = go_vcr(response_headers=f"            Set-Cookie:\n                - session={SESSION}; Path=/; HttpOnly\n")
    new = assert_redacted(old, SESSION, "c.yaml", tmp_path)
    assert b"- session=REDACTED; Path=/; HttpOnly\n" in new


def test_url_query_parameter(tmp_path: Path) -> None:
    url = f"https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:generateContent?key={GOOGLE_KEY}"
    new = assert_redacted(go_vcr(url=url), GOOGLE_KEY, "c.yaml", tmp_path)
    assert b":generateContent?key=REDACTED\n" in new


def test_json_body_field(tmp_path: Path) -> None:
    old = go_vcr(body=f"'{{\"model\":\"gpt-4o\",\"api_key\":\"{PASSWORD}\",\"messages\":[]}}'")
    new = assert_redacted(old, PASSWORD, "c.yaml", tmp_path)
    assert b"'{\"model\":\"gpt-4o\",\"api_key\":\"REDACTED\",\"messages\":[]}'" in new


def test_nested_json_string(tmp_path: Path) -> None:
    # A tool call's arguments are a JSON string inside the JSON body: the member is escaped.
    arguments = json.dumps({"service": "billing", "password": PASSWORD})
    body = json.dumps({"model": "gpt-4o", "messages": [{"role": "assistant", "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "login", "arguments": arguments}}]}]})
    old = go_vcr(body="'" + body + "'")
    new = assert_redacted(old, PASSWORD, "c.yaml", tmp_path)
    inner = json.loads(json.loads(spans.compose(new).scalar(
        ("interactions", 0, "request", "body")).value)["messages"][0]["tool_calls"][0]["function"]["arguments"])
    assert inner == {"service": "billing", "password": "REDACTED"}


def test_parsed_body(tmp_path: Path) -> None:
    # pydantic-ai's dialect: the JSON body written as YAML under `parsed_body`.
    old = f"""interactions:
- request:
    headers:
      content-type:
      - application/json
    method: POST
    parsed_body:
      messages:
      - content: Convert 2 cups of milk to ml.
        role: user
      model: gpt-4o-mini
      user_credentials:
        api_key: {OPENAI_KEY}
    uri: https://api.openai.com/v1/chat/completions
  response:
    headers:
      content-type:
      - application/json
    parsed_body:
      choices: []
      id: chatcmpl-1
    status:
      code: 200
      message: OK
version: 1
"""
    new = assert_redacted(old, OPENAI_KEY, "c.yaml", tmp_path)
    assert b"        api_key: REDACTED\n" in new


def vcrpy_gzip(body: bytes) -> bytes:
    # VCR.py keeps a gzip reply as `!!binary`, base64 lines of 76 (base64.encodebytes).
    encoded = base64.encodebytes(gzip.compress(body, mtime=1750761633)).decode()
    block = "".join(f"        {line}\n" for line in encoded.splitlines())
    return f"""interactions:
- request:
    body: '{{"model":"gpt-4o-mini","messages":[]}}'
    headers:
      content-type:
      - application/json
    method: POST
    uri: https://api.openai.com/v1/chat/completions
  response:
    body:
      string: !!binary |
{block}    headers:
      content-encoding:
      - gzip
      content-type:
      - application/json
    status:
      code: 401
      message: Unauthorized
version: 1
""".encode()


def test_gzip_binary_body(tmp_path: Path) -> None:
    reply = json.dumps({"error": {"message": f"Incorrect API key provided: {OPENAI_KEY}.",
                                  "type": "invalid_request_error"}}).encode()
    old = vcrpy_gzip(reply)
    path = ("interactions", 0, "response", "body", "string")
    start, end = value_span(old, path)
    new = redacted(old).new
    only_inside(old, new, start, end)
    block = spans.compose(new).scalar(path)
    assert gzip.decompress(base64.b64decode(block.value)) == reply.replace(
        OPENAI_KEY.encode(), b"REDACTED")
    lines = new[start:].split(b"\n")
    assert lines[0] == b"|" and len(lines[1]) == 8 + 76  # the header and VCR.py's width kept
    assert secret_codes(new, "c.yaml", tmp_path) == []
    assert not redacted(new).changed


def test_ruby_base64_string(tmp_path: Path) -> None:
    # Ruby VCR's preserve_exact_body_bytes: Base64.encode64, lines of 60 with a final break.
    request = json.dumps({"model": "claude-3-5-haiku", "max_tokens": 64,
                          "metadata": {"password": PASSWORD},
                          "messages": [{"role": "user", "content": "How many tsp in a tbsp?"}]}).encode()
    encoded = base64.encodebytes(request).decode().replace("\n", "")
    lines = [encoded[i:i + 60] for i in range(0, len(encoded), 60)]
    block = "".join(f"        {line}\n" for line in lines)
    old = f"""---
http_interactions:
- request:
    method: post
    uri: https://api.anthropic.com/v1/messages
    body:
      encoding: ASCII-8BIT
      base64_string: |
{block}    headers:
      Content-Type:
      - application/json
  response:
    status:
      code: 200
      message: OK
    headers:
      Content-Type:
      - application/json
    body:
      encoding: UTF-8
      string: '{{"id":"msg_1","content":[]}}'
  recorded_at: Tue, 24 Jun 2025 10:40:34 GMT
recorded_with: VCR 6.3.1
""".encode()
    path = ("http_interactions", 0, "request", "body", "base64_string")
    start, end = value_span(old, path)
    new = redacted(old, "c.yml").new
    only_inside(old, new, start, end)
    value = spans.compose(new).scalar(path).value
    assert json.loads(base64.b64decode(value))["metadata"] == {"password": "REDACTED"}
    assert {len(line) for line in value.split("\n")[:-2]} == {60} and value.endswith("\n")
    assert secret_codes(new, "c.yml", tmp_path) == []
    assert not redacted(new, "c.yml").changed


def test_har_header_and_base64_gzip_chunks(tmp_path: Path) -> None:
    # Polly keeps a compressed reply as a JSON array of base64 chunks of the gzip stream.
    reply = json.dumps({"type": "error", "error": {"type": "authentication_error",
                        "message": f"invalid x-api-key {ANTHROPIC_KEY}"}}).encode()
    stream = gzip.compress(reply, mtime=0)
    chunks = [base64.b64encode(stream[:40]).decode(), base64.b64encode(stream[40:]).decode()]
    har = {"log": {"version": "1.2", "creator": {"name": "Polly.JS", "version": "6.0.6"}, "entries": [{
        "request": {"method": "POST", "url": "https://api.anthropic.com/v1/messages",
                    "headers": [{"name": "content-type", "value": "application/json"},
                                {"name": "x-api-key", "value": ANTHROPIC_KEY}],
                    "postData": {"mimeType": "application/json", "text": "{\"model\":\"claude-3-5-haiku\"}"}},
        "response": {"status": 401, "statusText": "Unauthorized",
                     "headers": [{"name": "content-encoding", "value": "gzip"},
                                 {"name": "content-type", "value": "application/json"}],
                     "content": {"mimeType": "application/json", "encoding": "base64",
                                 "text": json.dumps(chunks)}},
        "time": 420}]}}
    old = json.dumps(har, indent=2).encode()
    result = redacted(old, "c.har")
    header = old.index(ANTHROPIC_KEY.encode())
    text_start, text_end = value_span(old, ("log", "entries", 0, "response", "content", "text"), True)
    first, second = result.edits
    assert (first.start, first.end) == (header, header + len(ANTHROPIC_KEY))
    assert text_start < second.start and second.end < text_end  # inside the quotes
    only_inside(old, result.new, header, text_end)
    new = json.loads(result.new)["log"]["entries"][0]
    assert new["request"]["headers"][1] == {"name": "x-api-key", "value": "REDACTED"}
    parts = json.loads(new["response"]["content"]["text"])
    assert len(parts) == 2
    assert gzip.decompress(b"".join(base64.b64decode(p) for p in parts)) == reply.replace(
        ANTHROPIC_KEY.encode(), b"REDACTED")
    assert secret_codes(result.new, "c.har", tmp_path) == []


def test_nock_headers_body_and_hex(tmp_path: Path) -> None:
    binary_reply = f"event-stream frame with {OPENAI_KEY} inside".encode()
    entries = [{"scope": "https://api.openai.com:443", "method": "POST", "path": "/v1/chat/completions",
                "body": {"model": "gpt-4o", "api_key": PASSWORD},
                "status": 200, "response": binary_reply.hex(), "responseIsBinary": True,
                "rawHeaders": ["Content-Type", "application/octet-stream", "openai-organization", ORG],
                "reqheaders": {"authorization": f"Bearer {ANTHROPIC_KEY}"}}]
    old = json.dumps(entries, indent=2).encode()
    result = redacted(old, "c.json", include_warnings=True)
    entry = json.loads(result.new)[0]
    assert entry["reqheaders"] == {"authorization": "Bearer REDACTED"}
    assert entry["body"] == {"model": "gpt-4o", "api_key": "REDACTED"}
    assert entry["rawHeaders"][3] == "REDACTED"
    assert bytes.fromhex(entry["response"]) == binary_reply.replace(OPENAI_KEY.encode(), b"REDACTED")
    assert len(result.replaced) == 4
    assert secret_codes(result.new, "c.json", tmp_path) == []
    assert not redacted(result.new, "c.json", include_warnings=True).changed


def test_cassetter_typed_json_body(tmp_path: Path) -> None:
    old = f"""version: 1
interactions:
- request:
    method: POST
    uri: https://api.openai.com/v1/chat/completions
    headers:
      content-type:
      - application/json
    body:
      type: json
      content:
        model: gpt-4o-mini
        client_secret: {PASSWORD}
  response:
    status: 200
    headers:
      content-type:
      - application/json
    body:
      type: json
      content:
        id: chatcmpl-1
        choices: []
"""
    assert_redacted(old, PASSWORD, "c.yaml", tmp_path)


def test_websocket_frame_is_found_by_its_value(tmp_path: Path) -> None:
    # pydantic-ai's realtime sessions: no node path for a frame, the value is searched.
    old = f"""interactions:
- direction: sent
  kind: message
  data:
    type: session.update
    session:
      instructions: Answer in metric units.
      tools_key: {OPENAI_KEY}
- direction: received
  kind: message
  data:
    type: session.updated
"""
    assert_redacted(old, OPENAI_KEY, "c.yaml", tmp_path)


def httprr(request: bytes, response: bytes) -> bytes:
    return b"httprr trace v1\n" + f"{len(request)} {len(response)}\n".encode() + request + response


def test_httprr_header_body_and_lengths(tmp_path: Path) -> None:
    # httprr reads exactly REQ_LEN RESP_LEN bytes: the length line and Content-Length follow.
    body = json.dumps({"model": "gpt-4o-mini", "password": PASSWORD}).encode()
    request = (b"POST https://api.openai.com/v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\n"
               b"Authorization: Bearer " + OPENAI_KEY.encode() + b"\r\n"
               b"Content-Length: " + str(len(body)).encode() + b"\r\nContent-Type: application/json\r\n\r\n" + body)
    chunks = [b'{"id":"chatcmpl-1","note":"key ', OPENAI_KEY.encode()[:20], OPENAI_KEY.encode()[20:] + b' used"}']
    chunked = b"".join(f"{len(c):x}\r\n".encode() + c + b"\r\n" for c in chunks) + b"0\r\n\r\n"
    response = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                + chunked)
    old = httprr(request, response)
    result = redacted(old, "c.httprr")
    lines = result.new.split(b"\n")
    req_len, resp_len = map(int, lines[1].split())
    rest = result.new[len(lines[0]) + len(lines[1]) + 2:]
    new_request, new_response = rest[:req_len], rest[req_len:]
    assert len(rest) == req_len + resp_len
    assert b"Authorization: Bearer REDACTED\r\n" in new_request
    new_body = new_request.split(b"\r\n\r\n", 1)[1]
    assert json.loads(new_body) == {"model": "gpt-4o-mini", "password": "REDACTED"}
    assert f"Content-Length: {len(new_body)}\r\n".encode() in new_request
    # The secret spanned two chunks: the second holds the placeholder, the others are kept.
    assert new_response.endswith(b'\r\n\r\n1f\r\n{"id":"chatcmpl-1","note":"key \r\n'
                                 b'8\r\nREDACTED\r\n7\r\n used"}\r\n0\r\n\r\n')
    assert secret_codes(result.new, "c.httprr", tmp_path) == []
    assert not redacted(result.new, "c.httprr").changed


# --- YAML details ---------------------------------------------------------------------------

def test_an_alias_is_redacted_once_for_every_use(tmp_path: Path) -> None:
    # PyYAML writes an object used twice as an anchor and an alias.
    old = f"""interactions:
- request:
    body: null
    headers: &id001
      authorization:
      - Bearer {OPENAI_KEY}
    method: GET
    uri: https://api.openai.com/v1/models
  response:
    body:
      string: '{{}}'
    headers: {{}}
    status: {{code: 200, message: OK}}
- request:
    body: null
    headers: *id001
    method: GET
    uri: https://api.openai.com/v1/models/gpt-4o
  response:
    body:
      string: '{{}}'
    headers: {{}}
    status: {{code: 200, message: OK}}
version: 1
"""
    new = assert_redacted(old, OPENAI_KEY, "c.yaml", tmp_path)
    assert new.count(b"REDACTED") == 1


def test_two_secrets_in_one_plain_scalar_that_must_be_quoted(tmp_path: Path) -> None:
    # ` #` would start a comment in a plain scalar: the scalar is quoted, once for both.
    url = f"https://example.com/v1/run?key={GOOGLE_KEY}&token={PASSWORD}"
    old = go_vcr(url=url).encode()
    result = redact_source(Source("c.yaml", old), Rules(), Options(placeholder="REDACTED #{code}"))
    assert b"url: 'https://example.com/v1/run?key=REDACTED #S104&token=REDACTED #S301'\n" \
        in result.new
    assert secret_codes(result.new, "c.yaml", tmp_path) == []


def test_same_length_placeholder_keeps_the_size() -> None:
    old = go_vcr(request_headers=f"            Authorization:\n                - Bearer {OPENAI_KEY}\n")
    new = redacted(old, placeholder=SAME_LENGTH).new
    assert len(new) == len(old.encode())
    assert b"- Bearer sk-proj-XXXXXXXX" in new


def test_warnings_only_with_the_option() -> None:
    old = go_vcr(response_headers=f"            Openai-Organization:\n                - {ORG}\n")
    assert not redacted(old).changed
    assert b"- REDACTED\n" in redacted(old, include_warnings=True).new


def test_every_sample_is_left_unchanged() -> None:
    for path in sorted(p for p in SAMPLES.rglob("*") if p.is_file()):
        data = path.read_bytes()
        result = redact_source(Source(str(path), data), Rules(), Options(include_warnings=True))
        assert result.new == data, path


def test_a_secret_that_cannot_be_located_leaves_the_file_alone(tmp_path: Path) -> None:
    # A `!!binary` header value that is not UTF-8: its text is not the bytes it came from,
    # so it cannot be written again, and nowhere else holds the key as text.
    token = base64.b64encode(f"Bearer {OPENAI_KEY}".encode() + b"\xff").decode()
    path = tmp_path / "c.yaml"
    path.write_text(f"""interactions:
- request:
    body: null
    headers:
      authorization:
      - !!binary |
        {token}
    method: GET
    uri: https://api.openai.com/v1/models
  response:
    body: {{string: '{{}}'}}
    headers: {{}}
    status: {{code: 200, message: OK}}
version: 1
""")
    before = path.read_bytes()
    with pytest.raises(CassetteError, match="cannot redact"):
        redact_file(str(path), Rules(), Options())
    assert path.read_bytes() == before


# --- the command -------------------------------------------------------------------------------

@pytest.fixture
def leaky(tmp_path: Path) -> Path:
    path = tmp_path / "c.yaml"
    path.write_text(go_vcr(request_headers=f"            Authorization:\n                - Bearer {OPENAI_KEY}\n"))
    return path


def test_redact_writes_and_reports(cli, leaky: Path) -> None:
    run = cli("redact", str(leaky))
    assert run.code == 0, run
    assert run.out == f"{leaky}:12:26: S101 interaction 0 request header Authorization: sk-proj-…a0Qu -> REDACTED\n"
    assert "redacted 1 secret(s) in 1 file(s)" in run.err
    assert OPENAI_KEY not in leaky.read_text()
    again = cli("redact", str(leaky))
    assert (again.code, again.out, again.err) == (0, "", "")


def test_check_changes_nothing_and_exits_1(cli, leaky: Path) -> None:
    before = leaky.read_bytes()
    run = cli("redact", "--check", str(leaky))
    assert run.code == 1, run
    assert "S101" in run.out and "would redact 1 secret(s)" in run.err
    assert leaky.read_bytes() == before
    cli("redact", str(leaky))
    assert cli("redact", "--check", str(leaky)).code == 0


def test_diff_shows_the_change_with_the_secret_masked(cli, leaky: Path) -> None:
    before = leaky.read_bytes()
    run = cli("redact", "--diff", str(leaky))
    assert run.code == 0, run
    assert "-                - Bearer sk-proj-…a0Qu\n+                - Bearer REDACTED\n" in run.out
    assert OPENAI_KEY not in run.out
    assert leaky.read_bytes() == before
    assert cli("redact", "--diff", "--check", str(leaky)).code == 1


def test_placeholder_from_config_and_option(cli, leaky: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (leaky.parent / "pyproject.toml").write_text('[tool.cassette]\nplaceholder = "<{NAME}>"\n')
    monkeypatch.chdir(leaky.parent)
    assert cli("redact", "--check", str(leaky)).out.endswith("-> <OPENAI_KEY>\n")
    assert cli("redact", "--placeholder", "***", str(leaky)).code == 0
    assert "- Bearer ***\n" in leaky.read_text()


def test_bad_placeholder_is_a_usage_error(cli, leaky: Path) -> None:
    run = cli("redact", "--placeholder", "hello", str(leaky))
    assert run.code == 2 and "does not read as a placeholder" in run.err


def test_extra_header_ignore_and_warnings_options(cli, tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(go_vcr(request_headers=f"            X-Internal-Token:\n                - {PASSWORD}\n",
                           response_headers=f"            Openai-Organization:\n                - {ORG}\n"))
    assert cli("redact", "--check", str(path)).code == 0
    assert cli("redact", "--check", "--extra-header", "x-internal-token", str(path)).code == 1
    assert cli("redact", "--check", "--include-warnings", "--ignore", "W401", str(path)).code == 0
    run = cli("redact", "--include-warnings", "--extra-header", "X-Internal-Token", str(path))
    assert run.code == 0 and run.out.count(" -> REDACTED\n") == 2
    assert PASSWORD not in path.read_text() and ORG not in path.read_text()


def test_extra_pattern_option(cli, tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(go_vcr(body="'{\"model\":\"gpt-4o\",\"user\":\"acme_4f9d2a7c1e8b3f6a0d5c9e2b7a4f1d8c\"}'"))
    run = cli("redact", "--extra-pattern", "acme_[0-9a-f]{32}", str(path))
    assert run.code == 0 and "S901" in run.out
    assert '"user":"REDACTED"' in path.read_text()


def test_write_failure_before_the_rename_leaves_the_file(cli, leaky: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    before = leaky.read_bytes()

    def fail(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    run = cli("redact", str(leaky))
    assert run.code == 2 and "cannot write: No space left on device" in run.err
    assert leaky.read_bytes() == before
    assert sorted(p.name for p in leaky.parent.iterdir()) == ["c.yaml"]  # no temporary file left


def test_read_only_file_is_refused(cli, leaky: Path) -> None:
    before = leaky.read_bytes()
    leaky.chmod(0o444)
    run = cli("redact", str(leaky))
    assert run.code == 2 and "read-only" in run.err
    assert leaky.read_bytes() == before
    assert cli("redact", "--check", str(leaky)).code == 1  # checking needs no write access


def test_file_mode_is_kept(leaky: Path) -> None:
    leaky.chmod(0o640)
    redact_file(str(leaky), Rules(), Options())
    assert stat.S_IMODE(leaky.stat().st_mode) == 0o640
    assert OPENAI_KEY not in leaky.read_text()


def test_symbolic_link_keeps_pointing_at_the_file(leaky: Path) -> None:
    link = leaky.parent / "link.yaml"
    link.symlink_to(leaky.name)
    redact_file(str(link), Rules(), Options())
    assert link.is_symlink() and OPENAI_KEY not in leaky.read_text()


def test_unreadable_and_broken_files_are_untouched(cli, leaky: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(f"interactions:\n  - request: [Bearer {OPENAI_KEY}\n")
    run = cli("redact", str(broken), str(tmp_path / "missing.yaml"), str(leaky))
    assert run.code == 2, run
    assert "broken.yaml:" in run.err and "missing.yaml: no such file" in run.err
    assert OPENAI_KEY in broken.read_text()
    assert OPENAI_KEY not in leaky.read_text()  # one bad file does not stop the others


def test_files_that_are_not_cassettes_are_skipped(cli, tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(f"token: {OPENAI_KEY}\n")
    run = cli("redact", str(path))
    assert run.code == 0 and "skipped: not a cassette" in run.err
    assert OPENAI_KEY in path.read_text()


def test_placeholder_that_needs_json_escapes_goes_through_the_json_layer(tmp_path: Path) -> None:
    old = go_vcr(body=f"'{{\"model\":\"gpt-4o\",\"api_key\":\"{PASSWORD}\"}}'")
    result = redact_source(Source("c.yaml", old.encode()), Rules(), Options(placeholder='<"{code}">'))
    body = spans.compose(result.new).scalar(("interactions", 0, "request", "body")).value
    assert json.loads(body) == {"model": "gpt-4o", "api_key": '<"S204">'}
    assert secret_codes(result.new, "c.yaml", tmp_path) == []


def test_masked_when_the_placeholder_cannot_be_written_in_place(tmp_path: Path) -> None:
    # PyYAML wraps long single-quoted strings; a blank before the fold would be folded away.
    old = go_vcr(body=f"'{{\"model\":\"gpt-4o\",\"messages\":[{{\"role\":\"user\",\"content\":\"my key is {OPENAI_KEY}\n          please keep it\"}}]}}'")
    result = redact_source(Source("c.yaml", old.encode()), Rules(), Options(placeholder="REDACTED "))
    assert result.replaced[0].placeholder == "X" * len(OPENAI_KEY)
    start = old.encode().index(OPENAI_KEY.encode())
    assert result.new == old.encode()[:start] + b"X" * len(OPENAI_KEY) + old.encode()[start + len(OPENAI_KEY):]
    assert secret_codes(result.new, "c.yaml", tmp_path) == []


def test_lengths_recorded_beside_a_body_follow_it(tmp_path: Path) -> None:
    # go-vcr records `content_length` and the Content-Length header: both stay right (B103).
    body = json.dumps({"query": "weather in Lyon", "api_key": PASSWORD}, separators=(",", ":"))
    old = go_vcr(body="'" + body + "'",
                 request_headers=f"            Content-Length:\n                - \"{len(body)}\"\n")
    old = old.replace("        url:", f"        content_length: {len(body)}\n        url:")
    new = redacted(old).new.decode()
    size = len(body) - len(PASSWORD) + len("REDACTED")
    assert f'- "{size}"\n' in new and f"content_length: {size}\n" in new
    path = tmp_path / "c.yaml"
    path.write_text(new)
    assert check_file(str(path)) == []
    # With a placeholder of the same length nothing but the secret changes.
    same = redacted(old, placeholder=SAME_LENGTH).new
    only_inside(old.encode(), same, old.index(PASSWORD), old.index(PASSWORD) + len(PASSWORD))


def test_har_copies_of_a_secret_are_replaced_too(tmp_path: Path) -> None:
    # HAR repeats query parameters in `queryString` and cookies in `cookies`.
    url = f"https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:generateContent?key={GOOGLE_KEY}"
    har = {"log": {"version": "1.2", "creator": {"name": "Polly.JS", "version": "6.0.6"}, "entries": [{
        "request": {"method": "POST", "url": url, "headers": [],
                    "queryString": [{"name": "key", "value": GOOGLE_KEY}],
                    "cookies": [{"name": "session", "value": SESSION}]},
        "response": {"status": 200, "statusText": "OK",
                     "headers": [{"name": "set-cookie", "value": f"session={SESSION}; Path=/"}],
                     "cookies": [{"name": "session", "value": SESSION, "path": "/"}],
                     "content": {"mimeType": "application/json", "text": "{}"}},
        "time": 310}]}}
    old = json.dumps(har, indent=2).encode()
    result = redacted(old, "c.har")
    assert GOOGLE_KEY.encode() not in result.new and SESSION.encode() not in result.new
    assert result.new == old.replace(GOOGLE_KEY.encode(), b"REDACTED").replace(SESSION.encode(), b"REDACTED")
    # the request cookie is found in `cookies` itself; the response's copy of it and the
    # query parameter's are copies of what the header and the URL hold
    assert sum("copied in" in r.label for r in result.replaced) == 2


def test_a_header_sent_twice_is_replaced_twice(tmp_path: Path) -> None:
    # Ruby VCR keeps every value of a repeated header.
    old = go_vcr(request_headers=f"            Authorization:\n                - Bearer {OPENAI_KEY}\n"
                                 f"                - Bearer {OPENAI_KEY}\n")
    result = redacted(old)
    assert result.new.count(b"- Bearer REDACTED\n") == 2 and len(result.replaced) == 2
    assert [r.line for r in result.replaced] == [12, 13]


def test_a_header_stored_as_binary_is_written_again_as_binary(tmp_path: Path) -> None:
    # VCR.py writes a header value the client sent as bytes (botocore, httpx) as `!!binary`.
    encoded = base64.encodebytes(f"Bearer {OPENAI_KEY}".encode()).decode()
    block = "".join(f"        {line}\n" for line in encoded.splitlines())
    old = vcrpy_gzip(b"{}").replace(b"      content-type:\n      - application/json\n    method",
                                    f"      authorization:\n      - !!binary |\n{block}"
                                    "    method".encode(), 1)
    path = ("interactions", 0, "request", "headers", "authorization", 0)
    start, end = value_span(old, path)
    [finding] = [f for f in check_file(str(_written(tmp_path, old))) if f.code[0] == "S"]
    assert (finding.code, finding.line) == ("S101", old[:start].count(b"\n") + 1)
    result = redacted(old)
    only_inside(old, result.new, start, end)
    assert spans.compose(result.new).scalar(path).value.split() == [
        base64.b64encode(b"Bearer REDACTED").decode()]
    assert secret_codes(result.new, "c.yaml", tmp_path) == []
    assert not redacted(result.new).changed


def test_har_cookies_kept_only_in_the_cookies_list_are_found(tmp_path: Path) -> None:
    har = {"log": {"version": "1.2", "creator": {"name": "Polly.JS", "version": "6.0.6"}, "entries": [{
        "request": {"method": "POST", "url": "https://api.openai.com/v1/chat/completions",
                    "headers": [], "cookies": [{"name": "session", "value": SESSION}]},
        "response": {"status": 200, "statusText": "OK", "headers": [],
                     "cookies": [{"name": "__cf_bm", "value": "Yk8wq2Lz.Rm5Tn7Vb9Xc1Ze3Gf5Hj7Kl9"}],
                     "content": {"mimeType": "application/json", "text": "{}"}},
        "time": 310}]}}
    old = json.dumps(har, indent=2).encode()
    findings = [f for f in check_file(str(_written(tmp_path, old, "c.har"))) if f.code[0] in "SW"]
    assert [(f.code, f.line) for f in findings] == [
        ("S203", old[:old.index(SESSION.encode())].count(b"\n") + 1),
        ("W405", old[:old.index(b"Yk8wq2")].count(b"\n") + 1)]
    assert "request cookie session" in findings[0].message
    result = redacted(old, "c.har")
    assert result.new == old.replace(SESSION.encode(), b"REDACTED")
    assert redacted(old, "c.har", include_warnings=True).new.count(b'"value": "REDACTED"') == 2


def _written(tmp_path: Path, data: bytes, name: str = "c.yaml") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path
