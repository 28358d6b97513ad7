"""`cassette validate`: each check with a cassette that triggers it and one that does not,
positions that point at the offending character, output formats and configuration."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

import pytest

from cassette_tool.eventstream import encode
from cassette_tool.validate import check_file

from conftest import SAMPLES
from conftest import go_vcr as go_vcr_text

# A key-shaped value that is not a placeholder and not an obvious fake.
OPENAI_KEY = "sk-proj-" + "Xq7dKm2PzR9sLw4Tn8Vb3Yc6Hj1Gf5Ea0Qu" * 2
GOOGLE_KEY = "AIza" + "SyB3kL9mQ2xR7vT1nW5pZ8cD4fG6hJ0sK2e"[:35]


def go_vcr(tmp: Path, *, name: str = "c.yaml", **fields: str) -> Path:
    path = tmp / name
    path.write_text(go_vcr_text(**{"response_body": "'{}'", **fields}))
    return path


def codes(path: Path) -> list[str]:
    return [f.code for f in check_file(str(path))]


def position_of(path: Path, needle: str) -> tuple[int, int]:
    for number, line in enumerate(path.read_text().split("\n"), 1):
        if needle in line:
            return number, line.index(needle) + 1
    raise AssertionError(needle)


@pytest.mark.parametrize("sample", sorted(p for p in SAMPLES.rglob("*") if p.is_file()),
                         ids=lambda p: str(p.relative_to(SAMPLES)))
def test_every_sample_validates_cleanly(sample: Path) -> None:
    assert check_file(str(sample)) == []


def test_clean_cassette_has_no_findings(tmp_path: Path) -> None:
    assert codes(go_vcr(tmp_path)) == []


def test_c001_unparsable_file_with_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("interactions:\n  - request: [unclosed\n")
    finding, = check_file(str(path))
    assert (finding.code, finding.severity) == ("C001", "error")
    assert finding.line is not None


def test_c002_not_a_cassette(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("name: demo\n")
    assert codes(path) == ["C002"]


def test_c003_status_that_is_not_an_integer(tmp_path: Path) -> None:
    path = go_vcr(tmp_path, code="abc")
    finding, = check_file(str(path))
    assert finding.code == "C003" and "status" in finding.message
    assert finding.line == position_of(path, "code: abc")[0]


def test_c003_headers_that_are_not_lists(tmp_path: Path) -> None:
    path = go_vcr(tmp_path, request_headers="            Accept: application/json\n")
    assert codes(path) == ["C003"]


def test_b101_json_body_that_does_not_parse(tmp_path: Path) -> None:
    assert codes(go_vcr(tmp_path, response_body="'{\"id\": 1'")) == ["B101"]
    assert codes(go_vcr(tmp_path, response_body="'{\"id\": 1}'")) == []


def test_b102_body_that_does_not_decode(tmp_path: Path) -> None:
    packed = gzip.compress(b'{"a": 1}')
    extra = "\n            Content-Encoding:\n                - gzip"
    for data, expected in ((packed[:12], ["B102"]), (packed, [])):
        body = base64.b64encode(data).decode()
        path = go_vcr(tmp_path, response_body=f"!!binary {body}",
                      content_type="application/json" + extra)
        assert codes(path) == expected


def test_b103_content_length_that_disagrees(tmp_path: Path) -> None:
    body = "'{\"model\":\"gpt-4o\",\"messages\":[]}'"
    wrong = go_vcr(tmp_path, body=body + "\n        content_length: 99")
    assert codes(wrong) == ["B103"]
    right = go_vcr(tmp_path, body=body + "\n        content_length: 32")
    assert codes(right) == []


def stream(chunks: list[str]) -> str:
    return "|\n" + "".join(f"            data: {c}\n\n" for c in chunks)


CHUNK = json.dumps({"id": "c", "model": "gpt-4o", "choices": [
    {"index": 0, "delta": {"content": "Hi"}, "finish_reason": None}]})
LAST = json.dumps({"id": "c", "model": "gpt-4o", "choices": [
    {"index": 0, "delta": {}, "finish_reason": "stop"}]})


def test_t201_stream_cut_before_its_terminator(tmp_path: Path) -> None:
    cut = go_vcr(tmp_path, response_body=stream([CHUNK]), content_type="text/event-stream")
    assert codes(cut) == ["T201"]
    whole = go_vcr(tmp_path, response_body=stream([CHUNK, LAST, "[DONE]"]),
                   content_type="text/event-stream")
    assert codes(whole) == []


def test_t202_empty_streamed_body(tmp_path: Path) -> None:
    path = go_vcr(tmp_path, response_body="''", content_type="text/event-stream",
                  body="'{\"model\":\"gpt-4o\",\"messages\":[],\"stream\":true}'")
    assert codes(path) == ["T202"]


def test_t203_event_stream_frame_with_a_bad_crc(tmp_path: Path) -> None:
    event = base64.b64encode(json.dumps({"type": "message_stop"}).encode()).decode()
    frame = bytearray(encode({":event-type": "chunk", ":message-type": "event"},
                             json.dumps({"bytes": event}).encode()))
    good = base64.b64encode(bytes(frame)).decode()
    frame[-6] ^= 0xFF
    bad = base64.b64encode(bytes(frame)).decode()
    url = "https://bedrock-runtime.us-east-1.amazonaws.com/model/m/invoke-with-response-stream"
    body = "'{\"anthropic_version\":\"bedrock-2023-05-31\",\"messages\":[],\"max_tokens\":5}'"
    kind = "application/vnd.amazon.eventstream"
    assert codes(go_vcr(tmp_path, url=url, body=body, response_body=f"!!binary {bad}",
                        content_type=kind)) == ["T203"]
    assert codes(go_vcr(tmp_path, url=url, body=body, response_body=f"!!binary {good}",
                        content_type=kind)) == []


def test_key_in_a_header_points_at_the_key(tmp_path: Path) -> None:
    path = go_vcr(tmp_path, request_headers=f"            Authorization:\n"
                                            f"                - Bearer {OPENAI_KEY}\n")
    finding, = check_file(str(path))
    assert finding.code.startswith("S") and finding.severity == "error"
    assert (finding.line, finding.column) == position_of(path, OPENAI_KEY)
    assert OPENAI_KEY not in str(finding)  # never printed in full


def test_placeholders_are_accepted(tmp_path: Path) -> None:
    for value in ("Bearer <API_KEY>", "REDACTED", "Bearer ***"):
        path = go_vcr(tmp_path, request_headers=f"            Authorization:\n"
                                                f"                - {value}\n")
        assert codes(path) == [], value


def test_key_in_a_url_query_points_at_the_key(tmp_path: Path) -> None:
    url = f"https://generativelanguage.googleapis.com/v1beta/models/x:countTokens?key={GOOGLE_KEY}"
    path = go_vcr(tmp_path, url=url)
    finding, = check_file(str(path))
    assert (finding.line, finding.column) == position_of(path, GOOGLE_KEY)


def test_key_inside_a_json_body_points_at_the_key(tmp_path: Path) -> None:
    body = f"'{{\"model\":\"gpt-4o\",\"api_key\":\"{OPENAI_KEY}\",\"messages\":[]}}'"
    path = go_vcr(tmp_path, body=body)
    found = check_file(str(path))
    assert found and all(f.severity == "error" for f in found)
    assert (found[0].line, found[0].column) == position_of(path, OPENAI_KEY)


def test_key_inside_a_gzip_body_is_found(tmp_path: Path) -> None:
    packed = base64.b64encode(gzip.compress(json.dumps({"key": OPENAI_KEY}).encode())).decode()
    extra = "\n            Content-Encoding:\n                - gzip"
    path = go_vcr(tmp_path, response_body=f"!!binary {packed}",
                  content_type="application/json" + extra)
    assert [f.code for f in check_file(str(path)) if f.code.startswith("S")]


def test_identifying_values_are_warnings(tmp_path: Path) -> None:
    extra = "\n            Openai-Organization:\n                - org-Qm4vT8sLx2Kd9Rb7Wc3Pn5Hy"
    finding, = check_file(str(go_vcr(tmp_path, content_type="application/json" + extra)))
    assert (finding.code, finding.severity) == ("W401", "warning")


# --- the command ----------------------------------------------------------------------------

def test_exit_codes_and_text_format(cli, tmp_path: Path) -> None:
    clean = go_vcr(tmp_path, name="clean.yaml")
    assert cli("validate", str(clean)).code == 0
    dirty = go_vcr(tmp_path, name="dirty.yaml", response_body="'{\"id\": 1'")
    run = cli("validate", str(tmp_path))
    assert run.code == 1, run
    assert run.out.startswith(f"{dirty}:") and " B101 " in run.out
    assert cli("validate").code == 2


def test_one_broken_file_does_not_stop_the_others(cli, tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("interactions: [")
    go_vcr(tmp_path, name="b.yaml", response_body="'{\"id\": 1'")
    run = cli("validate", str(tmp_path))
    assert [line.split(": ")[1].split()[0] for line in run.out.splitlines()] == ["C001", "B101"]


def test_severity_ignore_and_config(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    extra = "\n            Openai-Organization:\n                - org-Qm4vT8sLx2Kd9Rb7Wc3Pn5Hy"
    path = go_vcr(tmp_path, content_type="application/json" + extra)
    monkeypatch.chdir(tmp_path)
    assert cli("validate", str(path)).code == 1
    assert cli("validate", "--severity", "error", str(path)).code == 0
    assert cli("validate", "--ignore", "W401", str(path)).code == 0
    (tmp_path / "pyproject.toml").write_text('[tool.cassette]\nignore = ["W401"]\n')
    assert cli("validate", str(path)).code == 0
    (tmp_path / "pyproject.toml").write_text(
        '[tool.cassette.per-path-ignores]\n"c.yaml" = ["W401"]\n')
    assert cli("validate", str(path)).code == 0
    (tmp_path / "pyproject.toml").write_text('[tool.cassette]\nbogus = 1\n')
    run = cli("validate", str(path))
    assert run.code == 2 and "unknown setting 'bogus'" in run.err


def test_json_github_and_sarif_formats(cli, tmp_path: Path) -> None:
    path = go_vcr(tmp_path, response_body="'{\"id\": 1'")
    data = json.loads(cli("validate", "-f", "json", str(path)).out)
    assert data[0]["code"] == "B101" and data[0]["line"] and data[0]["severity"] == "error"
    github = cli("validate", "-f", "github", str(path)).out
    assert github.startswith(f"::error file={path},line=") and "title=B101" in github
    sarif = json.loads(cli("validate", "-f", "sarif", str(path)).out)
    assert sarif["version"] == "2.1.0"
    result, = sarif["runs"][0]["results"]
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert rules[result["ruleIndex"]]["id"] == result["ruleId"] == "B101"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == data[0]["line"]


def test_list_checks(cli) -> None:
    run = cli("validate", "--list-checks")
    assert run.code == 0
    for code in ("C001", "B101", "T201", "T203", "S101", "W401"):
        assert f"\n{code} " in "\n" + run.out


def test_many_files_are_checked_on_every_core_with_the_same_findings(tmp_path: Path) -> None:
    from cassette_tool.parallel import MIN_FILES
    from cassette_tool.validate import check_files

    leak = tmp_path / "leak.yaml"
    leak.write_text((SAMPLES / "vcrpy" / "openai_chat_error.yaml").read_text().replace(
        "uri: https://api.openai.com", "uri: https://sk-proj-Xq7dKm2PzR9sLw4Tn8Vb3Yc6Hj1:x@api.openai.com", 1))
    files = sorted(str(p) for p in SAMPLES.rglob("*.yaml")) + [str(leak)]
    assert len(files) >= MIN_FILES  # enough to fork
    serial = list(check_files(files, jobs=1))
    assert list(check_files(files, jobs=2)) == serial
    assert [f.code for f in serial[-1]] == ["S101"]


def test_key_in_a_json_file_behind_a_bom_points_at_the_key(tmp_path: Path) -> None:
    har = (SAMPLES / "har" / "openai_chat.har").read_text()
    assert har.count('"value": "REDACTED"') == 2
    path = tmp_path / "bom.har"
    path.write_text("\ufeff" + har.replace('"value": "REDACTED"', f'"value": "{OPENAI_KEY}"', 1),
                    encoding="utf-8")
    finding, = check_file(str(path))
    assert (finding.line, finding.column) == position_of(path, OPENAI_KEY)


def test_key_in_a_flow_style_yaml_cassette_points_at_the_key(tmp_path: Path) -> None:
    # Opens with a bracket like JSON, but is YAML: read and placed as YAML.
    path = tmp_path / "flow.yaml"
    path.write_text("{version: 2, interactions: [{request: {method: POST,\n"
                    "  url: 'https://api.openai.com/v1/models', body: '',\n"
                    f"  headers: {{Authorization: [Bearer {OPENAI_KEY}]}}}},\n"
                    "  response: {code: 200, body: '{}', headers: {}}}]}\n")
    finding, = check_file(str(path))
    assert (finding.line, finding.column) == position_of(path, OPENAI_KEY)
