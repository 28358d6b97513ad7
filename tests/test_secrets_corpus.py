"""The secret rules over every real cassette in the shared corpus (skipped when it is absent).

The corpus was recorded by projects that filter their credentials, so what the rules find
there must be real leftovers (a SigV4 signature, temporary AWS credentials that slipped into
one re-recording, organisation ids in response headers, CDN cookies), and the fakes and
placeholders those projects use must stay quiet.
"""

from __future__ import annotations

from collections import Counter
from functools import cache

from cassette_tool import CassetteError, expand_paths, load
from cassette_tool import secrets as S
from cassette_tool.model import Body

from conftest import corpus_or_skip


def _body_findings(body: Body) -> list[S.Finding]:
    found = S.find_in_text(body.data.decode("utf-8", errors="replace")) if body.data else []
    if body.parsed is not None:
        found += [f for _, f in S.DEFAULT.check_data(body.parsed)]
    return found


@cache
def findings() -> tuple[tuple[str, str, S.Finding], ...]:
    """(file relative to the corpus, where, finding) for every finding in the corpus."""
    root = corpus_or_skip()
    result: list[tuple[str, str, S.Finding]] = []
    for path in expand_paths([str(root)]):
        try:
            cassette = load(path, priced=False)
        except CassetteError:
            continue
        name = path[len(str(root)) + 1:]
        for i in cassette.interactions:
            result += [(name, "url", f) for f in S.check_url(i.request.url)]
            for side, message in (("request", i.request), ("response", i.response)):
                if message is None:
                    continue
                for key, value in message.headers:
                    where = f"{side} header {key.lower()}"
                    result += [(name, where, f) for f in S.check_header(key, value)]
                result += [(name, f"{side} body", f) for f in _body_findings(message.body)]
            for frame in i.websocket:
                data = frame.data
                found = (S.find_in_text(data) if isinstance(data, str)
                         else [f for _, f in S.DEFAULT.check_data(data)])
                result += [(name, "websocket", f) for f in found]
    return tuple(result)


def test_errors_are_only_the_real_leftovers() -> None:
    errors = Counter(f.rule.code for _, _, f in findings() if f.rule.severity == "error")
    # S105/S107: an AWS session (ASIA… key id and IQoJ… token) in one ruby_llm re-recording;
    # S106: SigV4 signatures whose key id was filtered; S203: an unknown cookie (ollama.com).
    assert set(errors) <= {"S105", "S106", "S107", "S203"}, errors


def test_the_leaked_aws_session_is_found() -> None:
    codes = {f.rule.code for name, _, f in findings()
             if name == "history/crmne__ruby_llm/031/old.yml"}
    assert {"S105", "S106", "S107"} <= codes


def test_identifying_values_are_warnings() -> None:
    warnings = {f.rule.code for _, _, f in findings() if f.rule.severity == "warning"}
    assert warnings == {"W401", "W402", "W403", "W404", "W405"}


def test_no_key_shape_in_any_body() -> None:
    # Bedrock stream chunks are base64 JSON (eyJ…), OpenRouter names a format "xai-responses-v1",
    # Perplexity a model "pplx-embed-v1-0.6b", a news URL holds "gsk-boosts-…": none is a key.
    in_bodies = [(name, str(f)) for name, where, f in findings()
                 if where.endswith("body") or where == "websocket"]
    assert in_bodies == []


def test_recorders_fakes_stay_quiet() -> None:
    fakes = {"AKIATEST1234567890AB", "fake-signature-for-vcr-testing", "test_openai_api_key",
             "test_aws_authorization", "test_aws_security_token", "test_openai_org_id",
             "FAKE-SESSION-TOKEN-FOR-VCR-TESTING-ONLY", "invalid_token", "invalid-key", "123",
             "test_set_cookie", "fake-project", "test-project", "xai-responses-v1",
             "pplx-embed-v1-0.6b"}
    assert [f.value for _, _, f in findings() if f.value in fakes] == []


def test_placeholders_stay_quiet() -> None:
    assert [str(f) for _, _, f in findings() if S.is_placeholder(f.value)] == []
