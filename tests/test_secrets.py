"""The secret rules shared by `validate` and `redact`: each rule with a value that triggers it
and a near miss that does not, placeholders, fakes, masking, replacement, configuration, and
linear time on adversarial input.

Key-shaped test values are assembled at run time from a prefix and a seeded random body, so
this file holds no string that a secret scanner (ours or GitHub's) would stop at.
"""

from __future__ import annotations

import base64
import json
import random
import re
import string
from collections.abc import Iterator

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cassette_tool import CassetteError
from cassette_tool import secrets as S
from cassette_tool.secrets import (
    RULES,
    SAME_LENGTH,
    Rules,
    check_field,
    check_header,
    check_url,
    find_in_text,
    is_placeholder,
    mask,
    placeholder_for,
)

from conftest import hang_guard

ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"
BASE32 = string.ascii_uppercase + "234567"


def body(n: int, alphabet: str = ALNUM, seed: str = "") -> str:
    """A random-looking run, the same on every run for the same arguments."""
    rng = random.Random(f"{seed}{n}{alphabet}")
    return "".join(rng.choice(alphabet) for _ in range(n))


def b64url(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def basic(credentials: str) -> str:
    return base64.b64encode(credentials.encode()).decode()


def codes(found: list[S.Finding]) -> list[str]:
    return [f.rule.code for f in found]


JWT = (b64url({"alg": "HS256", "typ": "JWT"}) + "." + b64url({"sub": "42", "iat": 1718000000})
       + "." + body(43, ALNUM + "_-"))
PEM = ("-----BEGIN " + "RSA PRIVATE KEY-----\\n" + body(64, ALNUM + "+/") + "\\n"
       + body(40, ALNUM + "+/") + "\\n-----END RSA PRIVATE KEY-----")

# code -> (a value that triggers it inside a JSON body, a near miss in the same place)
SHAPES = {
    "S101": ("sk-" + "proj-" + body(120, ALNUM + "_-"), "risk-" + body(40)),
    "S102": ("sk-" + "ant-api03-" + body(93, ALNUM + "_-") + "AA", "sk-" + "ant-" + body(10)),
    "S103": ("sk-" + "or-v1-" + body(64, HEX), "sk-" + "or-v1-" + body(10, HEX)),
    "S104": ("AI" + "za" + body(35, ALNUM + "_-"), "iVBORw0KGgoAI" + "za" + body(60)),
    "S105": ("AK" + "IA" + body(16, BASE32), "AKIATEST1234567890AB"),
    "S106": ("Signature=" + body(64, HEX), "x-amz-content-sha256=" + body(64, HEX)),
    "S107": ("IQoJb3JpZ2lu" + "X2VjE" + body(300, ALNUM + "+/"), "IQoJb3JpZ2lu" + body(8)),
    "S108": ("AB" + "SK" + basic("BedrockAPIKey-x:" + body(40)), "AB" + "SK" + body(20)),
    "S109": ("gs" + "k_" + body(52), "gs" + "k_" + body(8)),
    "S110": ("xa" + "i-" + body(80), "xai-responses-v1"),
    "S111": ("hf" + "_" + body(34, string.ascii_letters), "hf_hub_download"),
    "S112": ("pp" + "lx-" + body(48), "pplx-embed-v1-0.6b"),
    "S113": (JWT, b64url({"type": "content_block_delta"}) + "." + b64url({"index": 0}) + ".x"),
    "S114": ("ya" + "29." + body(120, ALNUM + "_-"), "ya29.ab"),
    "S115": ("gh" + "p_" + body(36), "gh" + "p_" + body(10)),
    "S116": ("sk" + "_live_" + body(24), "sk_live_" + body(8)),
    "S117": ("xo" + "xb-" + body(12, string.digits) + "-" + body(24), "xoxb-12"),
    "S118": (PEM, "-----BEGIN PUBLIC KEY-----\\n" + body(64) + "\\n-----END PUBLIC KEY-----"),
    "S119": ("r8" + "_" + body(37), "r8_" + body(5)),
    "W401": ("org-" + body(24), "org-chart"),
    "W402": ("proj_" + body(24), "proj_x"),
}


# --- every rule: a hit and a near miss -------------------------------------------------------


@pytest.mark.parametrize("code", sorted(SHAPES))
def test_key_shape_is_found_in_a_body(code: str) -> None:
    value, _ = SHAPES[code]
    text = json.dumps({"messages": [{"role": "user", "content": f"use {value} please"}]})
    found = find_in_text(text)
    assert codes(found) == [code]
    assert text[found[0].start:found[0].end].replace("\\\\", "\\") in value.replace("\\\\", "\\")


@pytest.mark.parametrize("code", sorted(SHAPES))
def test_key_shape_is_found_in_a_long_body(code: str) -> None:
    # Past 4096 characters the literals that start the shapes are looked for in groups.
    value, _ = SHAPES[code]
    filler = " ".join(body(9, string.ascii_lowercase, seed=str(i)) for i in range(600))
    text = json.dumps({"messages": [{"role": "user", "content": f"{filler} {value} ok"}]})
    assert len(text) > 4096 and codes(find_in_text(text)) == [code]


@pytest.mark.parametrize("code", sorted(SHAPES))
def test_key_shape_near_miss_is_quiet(code: str) -> None:
    _, near = SHAPES[code]
    assert find_in_text(json.dumps({"content": f"see {near} here"})) == []


@pytest.mark.parametrize("value", [
    "sk-" + "proj-" + body(40, ALNUM + "_-") + "-" + body(60, ALNUM + "_-"),
    "sk-" + body(48),  # legacy OpenAI, DeepSeek, Moonshot…
    "fw" + "_" + body(24),
    "nvapi-" + body(64, ALNUM + "_-"),
    "csk-" + body(48, string.ascii_lowercase + string.digits),
    "tgp_v1_" + body(43, ALNUM + "_-"),
    "lsv2_pt_" + body(32, HEX) + "_" + body(10, HEX),
    "tvly-" + "dev-" + body(32),
    "1//0" + body(60, ALNUM + "_-"),
    "GOC" + "SPX-" + body(28, ALNUM + "_-"),
    "github_pat_" + body(82, ALNUM + "_"),
])
def test_more_key_shapes(value: str) -> None:
    assert len(find_in_text(f"key: {value}")) == 1


def test_key_inside_a_word_or_a_base64_run_is_not_a_key() -> None:
    # A URL slug ("…-risk-boosts-…") and base64 image data that happen to hold a prefix.
    assert find_in_text("gsk-boosts-lung-cancer-portfolio-with-10-6-billion-nuvalent") == []
    assert find_in_text("data:image/png;base64," + body(200) + "AIza" + body(35) + "QQ==") == []


def test_a_key_longer_than_any_real_one_is_data() -> None:
    assert find_in_text("sk-" + body(400)) == []


def test_jwt_needs_a_header_naming_its_algorithm() -> None:
    # Bedrock stream chunks are base64 JSON that start with eyJ too.
    chain = ".".join(b64url({"type": "message_delta", "n": i}) for i in range(3))
    assert find_in_text(chain) == []
    assert codes(find_in_text(f"token={JWT}")) == ["S113"]


def test_sigv4_authorization_reports_key_id_and_signature() -> None:
    key_id, signature = "AS" + "IA" + body(16, BASE32), body(64, HEX)
    value = (f"AWS4-HMAC-SHA256 Credential={key_id}/20250325/us-west-2/bedrock/aws4_request, "
             f"SignedHeaders=host;x-amz-date, Signature={signature}")
    found = check_header("Authorization", value)
    assert codes(found) == ["S105", "S106"]
    assert [value[f.start:f.end] for f in found] == [key_id, signature]


def test_sigv4_with_recorders_fakes_is_quiet() -> None:
    value = ("AWS4-HMAC-SHA256 Credential=AKIATEST1234567890AB/20250626/us-east-1/bedrock/"
             "aws4_request, SignedHeaders=accept;host, Signature=fake-signature-for-vcr-testing")
    assert check_header("authorization", value) == []


def test_presigned_url() -> None:
    key_id, token, signature = "AS" + "IA" + body(16, BASE32), SHAPES["S107"][0], body(64, HEX)
    url = ("https://bucket.s3.amazonaws.com/a.png?X-Amz-Algorithm=AWS4-HMAC-SHA256"
           f"&X-Amz-Credential={key_id}%2F20250101%2Fus-east-1%2Fs3%2Faws4_request"
           f"&X-Amz-Security-Token={token.replace('/', '%2F')}&X-Amz-Signature={signature}")
    assert codes(check_url(url)) == ["S105", "S107", "S106"]


@pytest.mark.parametrize("name", ["Authorization", "proxy-authorization"])
def test_bearer_token_without_a_known_shape(name: str) -> None:
    token = body(40, ALNUM + "._-")
    found = check_header(name, f"Bearer {token}")
    assert codes(found) == ["S201"]
    assert (found[0].start, found[0].end) == (7, 7 + len(token))


def test_bearer_key_gets_the_key_rule() -> None:
    assert codes(check_header("Authorization", "Bearer " + SHAPES["S101"][0])) == ["S101"]


@pytest.mark.parametrize("value", [
    "Bearer test_openai_api_key", "Bearer test_aws_authorization", "Bearer 123",
    "Bearer <AUTH_TOKEN>", "Token <DEEPGRAM_API_KEY>", "Bearer", "",
])
def test_authorization_fakes_and_placeholders_are_quiet(value: str) -> None:
    assert check_header("Authorization", value) == []


def test_basic_credentials_are_decoded() -> None:
    token = basic("alice:" + body(14))
    found = check_header("Authorization", f"Basic {token}")
    assert codes(found) == ["S201"]
    assert (found[0].value, found[0].shown) == (token, "Basic ****:****")


def test_basic_with_a_key_as_password_gets_the_key_rule() -> None:
    key = SHAPES["S102"][0]
    found = check_header("Authorization", f"Basic {basic(':' + key)}")
    assert codes(found) == ["S102"]
    assert found[0].shown == ":".join(["Basic ", mask(key)])


@pytest.mark.parametrize("credentials", [SHAPES["S116"][0] + ":", SHAPES["S116"][0] + ":x"])
def test_basic_key_as_user(credentials: str) -> None:
    assert codes(check_header("Authorization", "Basic " + basic(credentials))) == ["S116"]


@pytest.mark.parametrize("credentials", ["user:password", "alice:<PASSWORD>", "u:REDACTED"])
def test_basic_fakes_and_placeholders_are_quiet(credentials: str) -> None:
    assert check_header("Authorization", f"Basic {basic(credentials)}") == []


def test_basic_in_a_body_is_decoded() -> None:
    text = f'curl -H "Authorization: Basic {basic("bob:" + body(16))}" https://api.example.com'
    assert codes(find_in_text(text)) == ["S201"]
    # Prose after the word "Basic" is not base64 of user:password.
    assert find_in_text("Basic Resident income is discussed below") == []


@pytest.mark.parametrize("name", ["x-api-key", "api-key", "X-Goog-Api-Key",
                                  "x-amz-security-token", "ocp-apim-subscription-key"])
def test_credential_headers(name: str) -> None:
    assert codes(check_header(name, body(32, HEX))) == ["S202"]


@pytest.mark.parametrize("value", ["invalid-key", "invalid_token", "<ANTHROPIC_API_KEY>",
                                   "FAKE-SESSION-TOKEN-FOR-VCR-TESTING-ONLY"])
def test_credential_header_near_misses(value: str) -> None:
    assert check_header("x-api-key", value) == []


def test_ordinary_header_with_random_value_is_quiet() -> None:
    assert check_header("x-request-id", "req_" + body(32)) == []
    assert check_header("x-amz-content-sha256", body(64, HEX)) == []


def test_key_shape_in_any_header() -> None:
    assert codes(check_header("x-custom", "sk-" + body(48))) == ["S101"]


def test_cookies() -> None:
    session = body(32, ALNUM)
    value = f"theme=dark; session={session}; Path=/; HttpOnly"
    found = check_header("cookie", value)
    assert codes(found) == ["S203"]
    assert value[found[0].start:found[0].end] == session


def test_tracking_cookies_are_warnings() -> None:
    value = (f"__cf_bm={body(43)}-1755182755-1.0.1.1-{body(20)}; path=/; "
             "expires=Sun, 17-Aug-25 14:28:28 GMT; domain=.api.openai.com; HttpOnly; Secure, "
             f"_cfuvid={body(43)}-1755439108465-0.0.1.1-604800000; path=/")
    found = check_header("set-cookie", value)
    assert codes(found) == ["W405", "W405"]
    assert all(f.rule.severity == "warning" for f in found)


def test_set_cookie_without_a_cookie_is_quiet() -> None:
    assert check_header("set-cookie", "test_set_cookie") == []


@pytest.mark.parametrize(("name", "value", "code"), [
    ("openai-organization", "org-" + body(24), "W401"),
    ("openai-organization", "user-" + body(24, string.ascii_lowercase + string.digits), "W401"),
    ("openai-organization", "acme-research", "W401"),
    ("openai-project", "proj_" + body(24), "W402"),
    ("anthropic-organization-id", "b320df16-c763-4455-b901-3f7d54e9a012", "W403"),
    ("anthropic-workspace-id", "wrkspc_" + body(24), "W403"),
    ("x-goog-user-project", "acme-prod-123456", "W404"),
])
def test_identifying_headers_are_warnings(name: str, value: str, code: str) -> None:
    found = check_header(name, f" {value} ")
    assert codes(found) == [code]
    assert (found[0].start, found[0].end, found[0].rule.severity) == (1, 1 + len(value),
                                                                      "warning")


@pytest.mark.parametrize("value", ["test_openai_org_id", "<OPENAI_ORGANIZATION>",
                                   "<ANTHROPIC_ORGANIZATION_ID>", "<REDACTED>"])
def test_identifying_header_placeholders(value: str) -> None:
    assert check_header("openai-organization", value) == []
    assert check_header("anthropic-organization-id", value) == []


def test_openai_organization_in_an_error_message() -> None:
    text = json.dumps({"error": {"message": f"Rate limit reached in organization org-{body(24)}"
                                            " on tokens per min"}})
    assert codes(find_in_text(text)) == ["W401"]


def test_vertex_project_in_url_is_a_warning() -> None:
    url = ("https://us-east5-aiplatform.googleapis.com/v1beta1/projects/acme-playground-472418"
           "/locations/us-east5/publishers/google/models/gemini-2.5-pro:generateContent")
    found = check_url(url)
    assert codes(found) == ["W404"]
    assert url[found[0].start:found[0].end] == "acme-playground-472418"


@pytest.mark.parametrize("project", ["fake-project", "test-project", "<GOOGLE_CLOUD_PROJECT>"])
def test_vertex_project_fakes_and_placeholders(project: str) -> None:
    url = f"https://us-central1-aiplatform.googleapis.com/v1/projects/{project}/locations/x/m"
    assert check_url(url) == []


def test_gemini_key_in_query_gets_the_key_rule() -> None:
    key = SHAPES["S104"][0]
    url = f"https://generativelanguage.googleapis.com/v1beta/models/g:generateContent?key={key}"
    found = check_url(url)
    assert codes(found) == ["S104"]
    assert url[found[0].start:] == key


@pytest.mark.parametrize("param", ["key", "api_key", "apiKey", "access_token", "token", "sig"])
def test_credential_query_parameters(param: str) -> None:
    url = f"https://api.example.com/v1/chat?alt=sse&{param}={body(30)}&page=2"
    assert codes(check_url(url)) == ["S301"]


@pytest.mark.parametrize("query", ["key=test", "key=%3CAPI_KEY%3E", "page=" + body(30),
                                   "api-version=2024-10-21", "beta=true"])
def test_query_near_misses(query: str) -> None:
    assert check_url(f"https://api.example.com/v1/chat?{query}") == []


def test_url_userinfo() -> None:
    password = body(12)
    url = f"https://bob:{password}@proxy.example.com:8080/v1"
    found = check_url(url)
    assert codes(found) == ["S302"]
    assert url[found[0].start:found[0].end] == password
    assert check_url("https://proxy.example.com:8080/v1") == []
    assert check_url("https://bob:password@proxy.example.com/") == []


def test_form_body() -> None:
    text = f"grant_type=refresh_token&client_id=123.apps&client_secret={body(24)}"
    assert codes(find_in_text(text)) == ["S301"]
    placeholders = ("grant_type=refresh_token&refresh_token=<GOOGLE_REFRESH_TOKEN>"
                    "&client_id=<GOOGLE_CLIENT_ID>&client_secret=<GOOGLE_CLIENT_SECRET>")
    assert find_in_text(placeholders) == []


@pytest.mark.parametrize("field", ["api_key", "apiKey", "client_secret", "password",
                                   "SecretAccessKey", "refresh_token"])
def test_credential_fields_in_json(field: str) -> None:
    text = json.dumps({"config": {field: body(28, ALNUM + "/+")}})
    assert codes(find_in_text(text)) == ["S204"]


def test_credential_field_in_escaped_json() -> None:
    # Tool-call arguments are JSON inside a JSON string.
    text = json.dumps({"arguments": json.dumps({"api_key": body(30)})})
    assert codes(find_in_text(text)) == ["S204"]


@pytest.mark.parametrize("member", [
    '"token": "Hello"', '"token": " developer"', '"prompt_cache_key": "pydantic-ai-cache-e2e"',
    '"nextPageToken": "Ch9tb2RlbHMvdmVvLTMuMS1nZW5lcmF0ZS1wcmV2"',
    '"access_token": "<GOOGLE_ACCESS_TOKEN>"', '"id_token": "scrubbed"',
    '"password": {"type": "string"}',
])
def test_field_near_misses(member: str) -> None:
    # Logprobs tokens, cache keys and page tokens are not credentials.
    assert find_in_text("{" + member + "}") == []


def test_check_field_for_parsed_bodies() -> None:
    secret = body(30)
    assert codes(check_field("api_key", secret)) == ["S204"]
    assert check_field("content", secret) == []
    assert codes(check_field("content", "use " + SHAPES["S109"][0])) == ["S109"]


def test_check_data_gives_paths() -> None:
    data = {"model": "m", "auth": {"api_key": body(30)},
            "messages": [{"content": "hi"}, {"content": "Bearer " + body(30)}]}
    found = [(path, f.rule.code) for path, f in S.DEFAULT.check_data(data)]
    assert found == [(("auth", "api_key"), "S204"), (("messages", 1, "content"), "S201")]


# --- placeholders, fakes ---------------------------------------------------------------------


@pytest.mark.parametrize("value", [
    "<API_KEY>", "REDACTED", "<filtered>", "***", "sk-...", "sk-proj-…f3Kq", "Bearer <TOKEN>",
    "${OPENAI_API_KEY}", "OPENAI_API_KEY", "%3CAPI_KEY%3E", "[FILTERED]", "scrubbed", "",
    "{{api_key}}", "sk-proj-" + "X" * 40, "x" * 12, "00000000", "<REDACTED>",
])
def test_placeholders(value: str) -> None:
    assert is_placeholder(value)


@pytest.mark.parametrize("value", ["hunter22", "sk-" + body(48), "AKIAIOSFODNN7EXAMPLE",
                                   "test_openai_api_key", "traceloop", "Xk9"])
def test_not_placeholders(value: str) -> None:
    # Fakes are not placeholders (redact would leave them) but give no finding either.
    assert not is_placeholder(value)


@pytest.mark.parametrize("value", [
    "<API_KEY>", "REDACTED", "<filtered>", "***", "sk-...", "sk-proj-…f3Kq", "${OPENAI_API_KEY}",
])
def test_placeholders_in_every_place_are_quiet(value: str) -> None:
    assert find_in_text(json.dumps({"api_key": value, "note": value})) == []
    assert check_header("Authorization", f"Bearer {value}") == []
    assert check_header("x-api-key", value) == []
    assert check_url(f"https://example.com/?key={value}") == []


@pytest.mark.parametrize("value", [
    # Key-shaped, but a word in it says it is not real: AWS's documented example id, and
    # keys a test suite made up. A hook that flagged these would teach people to ignore it.
    "AKIAIOSFODNN7EXAMPLE",
    "sk-" + "proj-test-" + body(40),
    "sk-" + "ant-api03-FAKE-" + body(40),
    "sk-" + "a" * 48,  # no variety: a made-up value
])
def test_obvious_fakes_are_quiet(value: str) -> None:
    assert find_in_text(f"key {value}") == []


def test_credential_like() -> None:
    assert S.credential_like(body(20))
    assert not S.credential_like("short1A")
    assert not S.credential_like("has space " + body(10))
    assert not S.credential_like("alllowercaseletters")
    assert not S.credential_like("my-secret-" + body(10))


# --- masking and replacement -----------------------------------------------------------------


def test_mask_shows_kind_and_last_four() -> None:
    key = SHAPES["S101"][0]
    assert mask(key) == "sk-proj-…" + key[-4:]
    assert mask("AK" + "IA" + "ABCDEFGHIJKLMNOP") == "AKIA…MNOP"
    assert mask("hunter22") == "****"
    assert mask("sk-" + "abc") == "sk-****"
    assert mask("") == ""


@given(st.sampled_from(["", "sk-", "sk-proj-", "sk-ant-api03-", "AKIA", "eyJ", "user-",
                        "-----BEGIN ENCRYPTED PRIVATE KEY-----"]),
       st.text(min_size=1, max_size=300))
def test_mask_never_reveals_more_than_prefix_and_last_four(kind: str, rest: str) -> None:
    value = kind + rest
    shown = mask(value)
    prefix, last = shown[:-5], shown[-4:]
    if shown[-5:-4] == "…" and value.startswith(prefix) and value.endswith(last):
        assert len(value) - len(prefix) - 4 >= 12  # at least 12 characters stay hidden
    else:
        prefix = shown.removesuffix("****")
        assert prefix != shown and value.startswith(prefix)
    assert len(prefix) <= 46  # the longest kind prefix: -----BEGIN … PRIVATE KEY-----


def test_findings_never_show_or_repr_the_secret() -> None:
    key = SHAPES["S102"][0]
    (found,) = find_in_text(f"key={key}")
    assert key not in repr(found) and key not in str(found) and key not in found.message
    assert found.value == key


def test_placeholder_templates() -> None:
    rule, key = S.SHAPES[2], SHAPES["S101"][0]
    assert rule.code == "S101"
    assert placeholder_for(rule, key) == "REDACTED"
    assert placeholder_for(rule, key, "<{NAME}>") == "<OPENAI_KEY>"
    assert placeholder_for(rule, key, "{prefix}REDACTED") == "sk-proj-REDACTED"
    same = placeholder_for(rule, key, SAME_LENGTH)
    assert len(same) == len(key) and same.startswith("sk-proj-XXXX") and is_placeholder(same)


@pytest.mark.parametrize("template", ["{foo}", "secret-here", "{0}"])
def test_bad_placeholder_template(template: str) -> None:
    with pytest.raises(CassetteError, match="placeholder template"):
        placeholder_for(S.SHAPES[0], "sk-" + body(48), template)


FRAGMENTS = [v for v, _ in SHAPES.values()] + [n for _, n in SHAPES.values()] + [
    "Bearer " + body(30), "Basic " + basic("u:" + body(12)), '"api_key": "' + body(20) + '"',
    "?key=" + body(25), "&token=" + body(25), "https://u:" + body(10) + "@h/",
    "projects/acme-prod-1/locations/us", "<API_KEY>", "REDACTED", " ", "\n", '"', "=", "&",
    "sk-", "eyJ", ".", "-", "/",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(FRAGMENTS), st.sampled_from(" \n\"")),
                max_size=12),
       st.sampled_from(["REDACTED", "<{NAME}>", "{prefix}***", SAME_LENGTH]))
def test_redacting_every_finding_leaves_nothing_to_find(parts: list[tuple[str, str]],
                                                         template: str) -> None:
    # Fragments are joined by a space, newline or quote: a prefix glued to another token
    # ("…-----sk-…", "?key=abc,-----BEGIN…") is not a key or ends a value somewhere else,
    # and that changes once its neighbour is replaced.
    text = "".join(fragment + separator for fragment, separator in parts)
    found = find_in_text(text)
    assert all(a.end <= b.start for a, b in zip(found, found[1:], strict=False))
    redacted = text
    for f in reversed(found):
        assert redacted[f.start:f.end] == f.value
        redacted = redacted[:f.start] + placeholder_for(f.rule, f.value, template) + \
            redacted[f.end:]
    assert find_in_text(redacted) == []


# --- long texts that repeat their lines (streamed replies) -------------------------------------


def _stream_lines(n: int) -> list[str]:
    words = ["The", " lamp", " never", " failed", ".", "\n\n", " Storms", " came"]
    return [f'data: {{"id":"chatcmpl-1","choices":[{{"delta":{{"content":{json.dumps(w)}}}}}]}}\n'
            for w in (words[i % len(words)] for i in range(n))]


def _whole_text(text: str) -> list[S.Finding]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(S, "_REPEATS_FROM", len(text) + 1)
        return find_in_text(text)


def test_a_long_stream_is_searched_in_its_distinct_lines() -> None:
    text = "".join(_stream_lines(6000))  # 400 kB, 9 distinct lines
    assert len(text) > S._REPEATS_FROM
    searched: list[int] = []
    scan = S.Rules._scan
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(S.Rules, "_scan", lambda self, t: searched.append(len(t)) or scan(self, t))
        assert find_in_text(text) == []
    assert searched and max(searched) < 1000


@pytest.mark.parametrize("planted", [
    SHAPES["S101"][0], SHAPES["S113"][0], "&token=" + body(25), "https://u:" + body(12) + "@h/",
    'data: {"api_key":\n "' + body(24) + '"}',  # a member over two lines
    "Authorization: Bearer\n  " + body(30),  # a credential on the line after its scheme
    PEM.replace("\\n", "\n"),  # a private key block over lines
])
def test_a_secret_in_a_long_stream_is_found_where_it_is(planted: str) -> None:
    lines = _stream_lines(6000)
    lines.insert(4321, f"data: {planted}\n")
    text = "".join(lines)
    found = find_in_text(text)
    assert found and found == _whole_text(text)
    assert all(text[f.start:f.end] == f.value for f in found)


@given(st.text(alphabet="ab\n", max_size=30), st.integers(0, 8))
def test_distinct_lines_block_by_block_are_the_lines_once_each(text: str, block: int) -> None:
    lines = S._distinct_lines(text, block)
    expected = list(dict.fromkeys(text.split("\n")))
    if lines is not None:
        assert list(lines) == expected
    else:  # given up once more than a third of the lines read so far were new
        assert len(expected) * 3 > text.count("\n") + 1 or block < len(text)


def test_mostly_different_lines_are_given_up_after_the_first_block() -> None:
    text = "".join(f"data: {i}\n" for i in range(200_000))
    assert S._distinct_lines(text) is None and S._distinct_lines(text * 3) is None
    assert list(S._distinct_lines("a\nb\n" * 4)) == ["a", "b", ""]  # type: ignore[arg-type]


def test_rules_that_span_lines_are_not_cut_by_the_shortcut() -> None:
    # A line of each was seen before: among the distinct lines the others lose their
    # neighbour.
    begin = "-----BEGIN RSA PRIVATE KEY-----\n"
    pem = f"{begin}{body(64, ALNUM + '+/')}\n-----END RSA PRIVATE KEY-----\n"
    text = "".join([begin, *_stream_lines(6000), pem])
    assert codes(find_in_text(text)) == ["S118"] and find_in_text(text) == _whole_text(text)
    rules = Rules.from_options(extra_patterns={"acme": r"ACME KEY\n(?P<secret>[0-9a-f]{32})"})
    secret = body(32, HEX)
    text = "".join([secret + "\n", *_stream_lines(6000), "ACME KEY\n", secret + "\n"])
    assert [f.value for f in rules.find_in_text(text)] == [secret]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(FRAGMENTS), max_size=4), min_size=1, max_size=6),
       st.lists(st.integers(0, 5), min_size=1, max_size=40))
def test_distinct_lines_find_what_the_whole_text_finds(lines: list[list[str]],
                                                       order: list[int]) -> None:
    # Lines of fragments, repeated in any order; searched with and without the shortcut.
    text = "\n".join("".join(lines[i % len(lines)]) for i in order)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(S, "_REPEATS_FROM", 0)
        shortcut = find_in_text(text)
    assert shortcut == _whole_text(text)


# A parameter as one pattern, said once: what the two literal-first searches must give.
PARAM = re.compile(r"[?&](?:amp;)?+(?P<name>[A-Za-z0-9_.-]{1,64}+)="
                   r"(?P<secret>[^&\s#\"'<>\\]{1,4000}+)")


@settings(max_examples=500)
@given(st.lists(st.sampled_from(["?", "&", "amp;", "a", "key", "=", "b", " ", "#", "\\", "."]),
                max_size=16))
@example(["&", "a", "=", "b", "?", "key", "=", "b"]).via("a ? inside an & parameter's value")
@example(["&", "a", "=", "b", " ", "?", "key", "=", "b"]).via("& first, then ?")
@example(["?", "a", "=", "b", "&", "key", "=", "b", "?", "a", "=", "b"]).via("taking turns")
def test_parameters_are_found_as_one_pattern_finds_them(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert [m.span() for m in S._params(text)] == [m.span() for m in PARAM.finditer(text)]


def flat_member_pattern(fields: frozenset[str]) -> re.Pattern[str]:
    """The readable form of `S._field_pattern`: one branch per name, longest first."""
    names = sorted((n for n in fields if n[:1].isalpha()), key=len, reverse=True)
    either = "|".join("[_-]{0,64}+".join(S._either_case(c) for c in name) for name in names)
    return re.compile(rf'"(?P<name>(?:{either})[_-]{{0,64}}+)\\?"'
                      r'\s{0,20}+:\s{0,20}+\\?"(?P<secret>[^"\\]{1,4000}+)(?=\\?")')


MEMBER_PIECES = ["secret", "secret_key", "SecretAccessKey", "sessiontoken", "api", "key", "_",
                 "-", "pass", "word", "passwd", "x", '"', '\\"', ": ", "ab12cd34", " "]


@settings(max_examples=500)
@given(st.lists(st.sampled_from(MEMBER_PIECES), max_size=12),
       st.sampled_from([S.FIELDS, frozenset({"secret", "secretkey", "s"}),
                        frozenset({"password"})]))
@example(['"', "secret", '"', ": ", '"', "ab12cd34", '"'], S.FIELDS).via("a name and a longer")
@example(['"', "secret_key", '"', ": ", '"', "ab12cd34", '"'], S.FIELDS).via("the longer")
@example(['"', "pass", "word", "_", '"', ": ", '"', "x", '"'], frozenset({"password"}))
def test_member_names_are_found_as_one_branch_per_name_finds_them(
        pieces: list[str], fields: frozenset[str]) -> None:
    text = "".join(pieces)
    spans = [m.span("name") + m.span("secret") for m in S._field_pattern(fields).finditer(text)]
    assert spans == [m.span("name") + m.span("secret")
                     for m in flat_member_pattern(fields).finditer(text)]


LITERALS = sorted({literal for literal, _ in S._LITERALS})


@settings(max_examples=500)
@given(st.lists(st.one_of(st.sampled_from(LITERALS),
                          st.sampled_from(LITERALS).map(lambda lit: lit[1:]),
                          st.sampled_from(LITERALS).map(lambda lit: lit[:-1]),
                          st.text(alphabet="-_=./IJKCAsk ", max_size=3)), max_size=8))
@example(["sk-", "ant-"]).via("a literal inside a longer one that shares its anchor")
@example(["gh", "p_"]).via("a literal split between pieces")
@example(["-", "----BEGIN "]).via("an anchor that starts its literal")
@example(["nvapi", "xai-"]).via("a look-behind that only another literal of the anchor passes")
@example(["ASIA", "KIA"]).via("two literals around one character")
def test_shape_literals_are_found_as_substring_tests_find_them(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert S._shape_codes(text) == {code for literal, code in S._LITERALS if literal in text}


def test_every_literal_is_found_at_either_end_of_a_text() -> None:
    for literal, code in S._LITERALS:
        for text in (literal, f"{literal} tail", f"head {literal}", f"x{literal}x"):
            assert code in S._shape_codes(text), text


@given(st.text(max_size=500))
def test_any_text_gives_findings_inside_it(text: str) -> None:
    for f in find_in_text(text) + check_url(text) + check_header("cookie", text):
        assert 0 <= f.start < f.end <= len(text) and text[f.start:f.end] == f.value


# --- configuration ---------------------------------------------------------------------------


def test_extra_names_from_configuration() -> None:
    rules = Rules.from_options(extra_headers=["X-Internal-Auth"], extra_params=["access_code"],
                               extra_fields=["dbPassword"])
    secret = body(24)
    assert codes(rules.check_header("x-internal-auth", secret)) == ["S202"]
    assert codes(rules.check_url(f"https://e.com/?access_code={secret}")) == ["S301"]
    assert codes(rules.find_in_text(json.dumps({"db_password": secret}))) == ["S204"]
    assert S.check_header("x-internal-auth", secret) == []


def test_extra_patterns_get_codes_and_names() -> None:
    rules = Rules.from_options(extra_patterns={"acme-key": r"acme_(?P<secret>[A-Za-z0-9]{32})"})
    secret = body(32)
    found = rules.find_in_text(f"token acme_{secret} end")
    assert [(f.rule.code, f.rule.name, f.value) for f in found] == [("S901", "acme-key", secret)]
    unnamed = Rules.from_options(extra_patterns=[r"itk_[0-9a-f]{16}", r"zz_[0-9]{12}"])
    assert [r.code for r in unnamed.shapes[-2:]] == ["S901", "S902"]


@pytest.mark.parametrize(("pattern", "message"), [
    ("acme_[a-z", "not a valid regular expression: unterminated character set at position 5"),
    ("a*", "matches the empty string"),
    ("(a+)+$", "repeats a group that holds an unbounded repeat"),
    (r"(\w*x)*y", "repeats a group"),
    ("((ab)+c)+d", "repeats a group"),
])
def test_bad_user_patterns_are_refused(pattern: str, message: str) -> None:
    with pytest.raises(CassetteError, match=re.escape(message)):
        Rules.from_options(extra_patterns=[pattern])


@pytest.mark.parametrize("pattern", [r"(ab){1,3}c+", r"[(+]+x", r"\(a+\)+", r"(a{1,64})+",
                                     r"(?:a+)?b", r"(a++b)++"])
def test_safe_user_patterns_are_accepted(pattern: str) -> None:
    assert not S.nested_repeat(pattern) or pattern == r"(a++b)++"


# --- linear time -----------------------------------------------------------------------------


def _repeats(node: object) -> Iterator[tuple[int, int]]:
    """(min, max) of every repeat in a parsed pattern (re._parser's tree: private, but the
    only way to look at a compiled pattern's structure)."""
    for op, arg in node:  # type: ignore[attr-defined]
        if str(op) in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            yield arg[0], arg[1]
            yield from _repeats(arg[2])
        elif str(op) in ("SUBPATTERN", "ATOMIC_GROUP"):
            yield from _repeats(arg[-1])
        elif str(op) == "BRANCH":
            for branch in arg[1]:
                yield from _repeats(branch)
        elif str(op) in ("ASSERT", "ASSERT_NOT"):
            yield from _repeats(arg[1])


SCANNERS = [r.pattern.pattern for r in S.SHAPES if r.pattern] + [
    S._field_pattern(S.FIELDS).pattern, *(p.pattern for p in S._PARAMS), S._FORM_START.pattern,
    S._BEARER.pattern,
    S._BASIC.pattern, S._USERINFO.pattern, S._COOKIE_PART.pattern]


@pytest.mark.parametrize("pattern", SCANNERS)
def test_scanners_have_bounded_repeats_and_no_nesting(pattern: str) -> None:
    from re import _parser  # type: ignore[attr-defined]

    unbounded = [r for r in _repeats(_parser.parse(pattern)) if r[1] == _parser.MAXREPEAT]
    # The cookie splitter's run stops at the next separator, which it cannot contain.
    assert unbounded == [] or pattern == S._COOKIE_PART.pattern
    assert not S.nested_repeat(pattern)


@pytest.mark.parametrize("rule", S.SHAPES, ids=lambda r: r.code)
def test_key_shapes_start_with_a_literal(rule: S.Rule) -> None:
    # A leading literal keeps re's fast search: a body with no prefix costs one scan.
    from re import _parser  # type: ignore[attr-defined]

    assert rule.pattern is not None
    first = _parser.parse(rule.pattern.pattern)[0]
    branches = first[1][1] if str(first[0]) == "BRANCH" else [[first]]
    for branch in branches:
        op, arg = branch[0]
        while str(op) == "SUBPATTERN":
            op, arg = arg[-1][0]
        assert str(op) == "LITERAL"


UNITS = ["sk-", "sk-proj-", "sk-ant-", "A", "AIza", "AKIA", "eyJ", "eyJa.", "eyJaaaaaaaaa.",
         "Basic ", "Bearer ", '"api_key":"', '"a":"', "?key=", "?a=", "&", "://", "://a:",
         "projects/", "projects/a-", "-----BEGIN ", "-----BEGIN RSA PRIVATE KEY-----A",
         "Signature=a", "1//0", "%", "IQoJb3JpZ2lu", "ABSK", "A_", "<", "a=b;", '\\"', "x"]


@pytest.mark.parametrize("unit", UNITS)
def test_adversarial_megabyte(unit: str) -> None:
    text = (unit * (1_000_000 // len(unit) + 1))[:1_000_000]
    with hang_guard():
        find_in_text(text)
        check_url(text)
        check_header("authorization", text)
        check_header("cookie", text)
        check_field("api_key", text)
        is_placeholder(text)
        mask(text)


@pytest.mark.parametrize("text", [
    "sk-" * 3_400_000,
    "A" * 10_000_000,
    "eyJ" + "a" * 20 + ("." + "eyJ" + "a" * 20) * 400_000,  # nested almost-JWTs
    ("sk-" + "proj-" + body(30) + " ") * 100_000,  # 100,000 findings: the cost is per finding
    "Basic " + "QUJD" * 2_500_000,
])
def test_adversarial_ten_megabytes(text: str) -> None:
    with hang_guard():
        found = find_in_text(text)
    assert all(a.end <= b.start for a, b in zip(found, found[1:], strict=False))


def test_rules_table_is_complete_and_stable() -> None:
    assert [r.code for r in RULES] == sorted({r.code for r in RULES}, key=lambda c: (c[1:], c))
    assert {r.code for r in RULES} >= set(SHAPES) | {"S201", "S202", "S203", "S204", "S301",
                                                      "S302", "W403", "W404", "W405"}
    assert all((r.severity == "warning") == r.code.startswith("W") for r in RULES)


@pytest.mark.parametrize(("name", "found"), [
    ("api_key", True), ("API-KEY", True), ("apiKey", True), ("x_api_key", True),
    ("_api__key", False), ("my_api_key", False), ("apikey2", False), ("passwd", True),
    ("client_secret", True), ("secret_", True), ("keys", False)])
def test_json_members_are_found_by_their_normalised_name(name: str, found: bool) -> None:
    value = "Zq8rT5vW3xLm2Np4Qs6Uv8Wx"
    text = f'{{"other": "x", "{name}": "{value}", "n": 1}}'
    assert bool([f for f in find_in_text(text) if f.value == value]) is found
    # extra fields configured by the user go through the same matching
    custom = Rules.from_options(extra_fields=["Org_Token"])
    assert [f.value for f in custom.find_in_text('{"org-token": "' + value + '"}')] == [value]
