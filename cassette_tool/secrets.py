"""What a secret looks like: one set of rules shared by `cassette validate` and `cassette redact`.

Owns the rules and how they are applied to *strings*: a header name and value, a URL, a body's
text, one member of parsed JSON data. It knows nothing of YAML, cassette formats or files; the
callers map the offsets of a `Finding` back to the source.

Three kinds of rule, each with a stable code:

* `S1xx` key shapes, found anywhere (bodies, any header, URLs): a provider's key prefix and
  alphabet (`sk-proj-…`, `AIza…`, `AKIA…`), JWTs, SigV4 signatures, PEM private keys.
* `S2xx`/`S3xx` named credentials: the value of a credential header (`authorization`,
  `x-api-key`, `cookie`…), JSON member (`"api_key": …`), query or form parameter (`?key=`)
  or URL userinfo. A value that has a key shape gets the shape's rule; any other value is
  reported only when it could be a credential (`credential_like`: 8+ characters, no spaces,
  two of lower/upper/digit, 6+ distinct characters), so `Bearer test_openai_api_key` and
  `x-api-key: invalid` stay quiet.
* `W4xx` identifying values (warnings): OpenAI organisation and project ids, Anthropic
  organisation and workspace ids, Google Cloud project ids, CDN and load-balancer cookies.

Accepted without a finding: placeholders (`is_placeholder`: `<API_KEY>`, `REDACTED`,
`<filtered>`, `***`, `sk-...`, `sk-proj-XXXXXXXX`, `${OPENAI_API_KEY}`) and obvious fakes (a
word such as `test`, `fake`, `dummy`, `example`, `invalid`, `your` inside the value, split at
case changes and punctuation: `AKIAIOSFODNN7EXAMPLE`, `FAKE-SESSION-TOKEN`, `test-project`).
A key shape with few distinct characters (`sk-aaaa…`) is a fake too.

Overlapping findings become one per span: errors before warnings, key shapes before names;
a credential's whole value that holds a key is reported over the whole value with the key's
rule, so replacing every finding leaves nothing to find.

No pattern can backtrack catastrophically: every built-in key shape starts with a literal
(which keeps `re`'s fast literal search) and checks the character before it with a
fixed-width lookbehind, so a match only starts at the beginning of a token; every run is a
bounded, mostly possessive, repeat of characters the next part of the pattern cannot match.
Each start position thus costs at most a bounded run per branch: time is linear in the text
(tests run them on 10 MB of adversarial input). User patterns are refused when they repeat
a group that holds an unbounded repeat (`(a+)+`), the shape of exponential backtracking.

Replacements (`placeholder_for`): a fixed text (`REDACTED` by default, or a template with
`{code}`, `{name}`, `{NAME}`, `{prefix}`) reads clearly and is the same in every file and
re-recording; `SAME_LENGTH` keeps the key's kind prefix and replaces every other character by
`X`, so lengths stay right (Content-Length, httprr's byte counts, HAR sizes, line widths).
Neither keeps replay matching on the secret itself working (VCR matching on the full URL
with `?key=`): such a matcher must ignore that parameter whatever the replacement.
"""

from __future__ import annotations

import base64
import binascii
import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal
from urllib.parse import unquote

from .errors import CassetteError

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Rule:
    """One kind of secret. `pattern` finds it in text (None for rules applied by name);
    its group `secret`, when present, is the part to report and replace."""

    code: str
    name: str
    severity: Severity
    description: str
    regex: str | None = field(default=None, compare=False, repr=False)

    @property
    def pattern(self) -> re.Pattern[str] | None:
        # Compiled when first used, then found in re's own cache: most runs need a few of
        # the key shapes, and compiling all of them is a tenth of a pre-commit run's start.
        return None if self.regex is None else re.compile(self.regex)


@dataclass(frozen=True, slots=True)
class Finding:
    """`value` is `text[start:end]` of the string that was checked: the secret itself, so it
    is left out of `repr`; print `shown` (masked) instead."""

    rule: Rule
    start: int
    end: int
    value: str = field(repr=False)
    shown: str = ""

    @property
    def message(self) -> str:
        return f"{self.rule.description}: {self.shown}"

    def __str__(self) -> str:
        return f"{self.rule.code} {self.rule.name}: {self.shown}"


# --- patterns ----------------------------------------------------------------------------

_W = "A-Za-z0-9_-"  # a token's characters: a key never starts or ends inside a run of them
_B64 = "A-Za-z0-9+/_-"  # base64 and base64url; "=" only ends a token (a query's "=" starts one)


def _token(prefix: str, body: str, edge: str = _W, after: str | None = None) -> tuple[str, str]:
    """`prefix` + `body` as a whole token: the literal comes first (fast search), then a
    fixed-width lookbehind refuses a start inside a longer token (`edge` characters before
    it), and a lookahead refuses to end inside one (`after`, by default `edge`)."""
    lit = re.escape(prefix)
    return prefix, rf"{lit}(?<![{edge}]{lit}){body}(?![{after or edge}])"


def _shape(code: str, name: str, description: str, *alternatives: tuple[str, str],
           severity: Severity = "error") -> tuple[Rule, tuple[str, ...]]:
    """A rule from (literal, regex starting with that literal) alternatives."""
    regex = "|".join(f"(?:{regex})" for _, regex in alternatives)
    return Rule(code, name, severity, description, regex), tuple(lit for lit, _ in alternatives)


_JWT_PART = rf"[{_W}]{{8,16000}}+"
_SHAPES = (
    _shape("S102", "anthropic-key", "Anthropic API key or OAuth token (sk-ant-…)",
           _token("sk-ant-", rf"[{_W}]{{20,400}}+")),
    _shape("S103", "openrouter-key", "OpenRouter API key (sk-or-v1-…)",
           _token("sk-or-v1-", r"[A-Za-z0-9]{20,200}+")),
    _shape("S101", "openai-key",
           "OpenAI API key (sk-…, sk-proj-…, sk-svcacct-…) or another provider's sk- key",
           _token("sk-", rf"(?:(?:proj|svcacct|admin|None)-[{_W}]{{20,400}}+"
                         r"|[A-Za-z0-9]{20,200}+)")),
    _shape("S104", "google-api-key", "Google API key, as Gemini uses (AIza…)",
           _token("AIza", rf"[{_W}]{{35}}")),
    _shape("S105", "aws-access-key-id", "AWS access key id (AKIA…, ASIA…)",
           *(_token(p, "[A-Z2-7]{16}") for p in ("AKIA", "ASIA", "ABIA", "ACCA"))),
    _shape("S106", "aws-sigv4-signature", "AWS SigV4 request signature (Signature=…)",
           ("Signature=", r"Signature=(?<![A-Za-z0-9_]Signature=)(?P<secret>[0-9a-f]{64})"
                          r"(?![A-Za-z0-9])")),
    _shape("S107", "aws-session-token", "AWS STS session token (IQoJb3JpZ2lu…, FwoGZXIvYXdz…)",
           *(_token(p, r"[A-Za-z0-9+/=%]{40,8000}+", "%" + _B64, "=%" + _B64)
             for p in ("IQoJb3JpZ2lu", "FwoGZXIvYXdz", "FQoGZXIvYXdz"))),
    _shape("S108", "bedrock-api-key", "Amazon Bedrock API key (ABSK…, bedrock-api-key-…)",
           *(_token(p, r"[A-Za-z0-9+/]{40,4000}+={0,2}+", _B64, "=" + _B64)
             for p in ("ABSK", "bedrock-api-key-"))),
    _shape("S109", "groq-key", "Groq API key (gsk_…)", _token("gsk_", r"[A-Za-z0-9]{20,200}+")),
    _shape("S110", "xai-key", "xAI API key (xai-…)", _token("xai-", r"[A-Za-z0-9]{40,200}+")),
    _shape("S111", "huggingface-token", "Hugging Face token (hf_…, api_org_…)",
           *(_token(p, r"[A-Za-z0-9]{30,100}+") for p in ("hf_", "api_org_"))),
    _shape("S112", "perplexity-key", "Perplexity API key (pplx-…)",
           _token("pplx-", r"[A-Za-z0-9]{32,100}+")),
    _shape("S113", "jwt", "JSON Web Token (eyJ….eyJ….…)",
           _token("eyJ", rf"{_JWT_PART}\.eyJ{_JWT_PART}\.[{_W}]{{0,4000}}+", "." + _W, _W)),
    _shape("S114", "google-oauth-token",
           "Google OAuth token or client secret (ya29.…, 1//0…, GOCSPX-…)",
           _token("ya29.", rf"[{_W}]{{20,4000}}+", "." + _W, _W),
           _token("1//0", rf"[{_W}]{{30,1000}}+", "/" + _W),
           _token("GOCSPX-", rf"[{_W}]{{20,40}}+")),
    _shape("S115", "github-token", "GitHub token (ghp_…, gho_…, github_pat_…)",
           *(_token(f"gh{k}_", r"[A-Za-z0-9]{36,255}+") for k in "pousr"),
           _token("github_pat_", r"[A-Za-z0-9_]{22,255}+")),
    _shape("S116", "stripe-key", "Stripe live secret or restricted key (sk_live_…, rk_live_…)",
           *(_token(p, r"[A-Za-z0-9]{20,247}+") for p in ("sk_live_", "rk_live_"))),
    _shape("S117", "slack-token", "Slack token (xoxb-…, xoxp-…)",
           *(_token(f"xox{k}-", r"[A-Za-z0-9-]{10,250}+") for k in "abposr")),
    _shape("S118", "private-key", "PEM private key block",
           ("-----BEGIN ", r"-----BEGIN (?:[A-Z0-9]{1,20} ){0,3}PRIVATE KEY-----[^-]{1,20000}+"
                           r"-----END (?:[A-Z0-9]{1,20} ){0,3}PRIVATE KEY-----")),
    _shape("S119", "provider-key",
           "AI provider key (Replicate r8_, Fireworks fw_, NVIDIA nvapi-, Cerebras csk-, "
           "Together tgp_v1_, LangSmith lsv2_, Tavily tvly-, ElevenLabs sk_)",
           _token("r8_", r"[A-Za-z0-9]{30,50}+"),
           _token("fw_", r"[A-Za-z0-9]{20,50}+"),
           _token("nvapi-", rf"[{_W}]{{50,80}}+"),
           _token("csk-", r"[A-Za-z0-9]{32,64}+"),
           _token("tgp_v1_", rf"[{_W}]{{30,100}}+"),
           _token("lsv2_", r"(?:pt|sk)_[0-9a-f]{32}_[0-9a-f]{10}"),
           _token("tvly-", r"(?:dev-|prod-)?[A-Za-z0-9]{24,48}+"),
           _token("sk_", r"[0-9a-f]{48}")),
    _shape("W401", "openai-organization", "OpenAI organisation id (org-…)",
           _token("org-", r"[A-Za-z0-9]{24}"), severity="warning"),
    _shape("W402", "openai-project", "OpenAI project id (proj_…)",
           _token("proj_", r"[A-Za-z0-9]{24}"), severity="warning"),
    _shape("W404", "gcp-project", "Google Cloud project id (Vertex AI projects/…/locations/)",
           ("projects/", r"projects/(?<![A-Za-z0-9_-]projects/)"
                         r"(?P<secret>[a-z][a-z0-9-]{4,29}+(?<!-)|[0-9]{5,20}+)(?=/locations/)"),
           severity="warning"),
)
SHAPES: tuple[Rule, ...] = tuple(rule for rule, _ in _SHAPES)
# Every built-in shape starts with one of these literals: which of them occur tells which
# patterns can match at all, so a text is scanned by those only.
_LITERALS: tuple[tuple[str, str], ...] = tuple(
    (lit, rule.code) for rule, lits in _SHAPES for lit in lits)
# Each literal is looked for at a character it holds that cassettes seldom do (its anchor:
# the `-` of `sk-`, the `J` of `eyJ`), rarest first. One pattern whose every branch starts
# with an anchor lets re skip the other characters with a set test, where searching for the
# literals themselves meant either a pattern starting with a common letter (tried at half
# the characters of a text) or a search per literal.
_ANCHORS = "=JK/_-I.C"


def _anchored(literals: Iterable[tuple[str, str]]
              ) -> tuple[re.Pattern[str], dict[str, tuple[tuple[str, int, str], ...]]]:
    """A pattern that matches at a literal's anchor when the whole literal is written
    around it (a look-behind for what comes before, a look-ahead for what follows), and
    per anchor the (literal, the anchor's offset in it, code) it may stand for."""
    by_anchor: dict[str, list[tuple[str, int, str]]] = {}
    for literal, code in literals:
        anchor = next(a for a in _ANCHORS if a in literal)
        by_anchor.setdefault(anchor, []).append((literal, literal.index(anchor), code))
    branches = []
    for anchor, members in by_anchor.items():
        around = {(lit[:at + 1], lit[at + 1:]) for lit, at, _ in members}
        # `sk-` alone matches wherever `sk-ant-` does: the longer needs no branch of its own.
        around = {pair for pair in around if not (pair[1] and (pair[0], "") in around)}
        alternatives = [_around(before, after) for before, after in sorted(around)
                        if len(before) > 1]
        # Most anchors in a text follow a character no literal has there: one look-behind
        # at that character rejects them before the literals are tried one by one.
        previous = "".join(sorted({before[-2] for before, _ in around if len(before) > 1}))
        inner = [f"(?<=[{re.escape(previous)}]{re.escape(anchor)})(?:"
                 + "|".join(alternatives) + ")"] if alternatives else []
        inner += [_around("", after) for before, after in sorted(around) if len(before) == 1]
        branches.append(re.escape(anchor) + "(?:" + "|".join(inner) + ")")
    return re.compile("|".join(branches)), {a: tuple(m) for a, m in by_anchor.items()}


def _around(before: str, after: str) -> str:
    """Looks at `before` ending here (this character included) and `after` following."""
    return ((f"(?<={re.escape(before)})" if len(before) > 1 else "")
            + (f"(?={re.escape(after)})" if after else ""))


_ANCHORED, _BY_ANCHOR = _anchored(_LITERALS)


def _shape_codes(text: str) -> set[str]:
    """The codes of the built-in shapes whose literal occurs in `text`."""
    codes: set[str] = set()
    for m in _ANCHORED.finditer(text):
        at = m.start()
        # The match stands for one literal of its anchor at least; a literal that would start
        # before the text (a negative start) is never matched by `startswith`.
        codes.update(code for literal, offset, code in _BY_ANCHOR[m.group()]
                     if text.startswith(literal, at - offset))
    return codes


_BUILT_IN = frozenset(rule.code for rule in SHAPES)
_REPEATS_FROM = 256 * 1024  # a text this long is first searched in its distinct lines

_USERINFO = re.compile(r"://(?P<user>[^\s/@:\"'<>]{0,200}+):(?P<secret>[^\s/@\"'<>]{1,200}+)@")
URL_USERINFO = Rule("S302", "url-userinfo", "error",
                    "password or token in a URL (https://user:password@host)",
                    _USERINFO.pattern)
AUTHORIZATION = Rule("S201", "authorization", "error",
                     "credential in an Authorization value (Bearer, Token, Basic)")
CREDENTIAL_HEADER = Rule("S202", "credential-header", "error",
                         "credential header (x-api-key, api-key, x-goog-api-key, …)")
COOKIE = Rule("S203", "cookie", "error", "cookie value (cookie, set-cookie)")
CREDENTIAL_FIELD = Rule("S204", "credential-field", "error",
                        "credential in a body field (api_key, access_token, password, …)")
CREDENTIAL_PARAM = Rule("S301", "credential-param", "error",
                        "credential in a query or form parameter (key, api_key, token, …)")
ANTHROPIC_ORG = Rule("W403", "anthropic-organization", "warning",
                     "Anthropic organisation or workspace id")
TRACKING_COOKIE = Rule("W405", "tracking-cookie", "warning",
                       "CDN or load-balancer cookie (identifies a visitor, grants nothing)")

_BY_CODE = {r.code: r for r in SHAPES}
NAMED: tuple[Rule, ...] = (AUTHORIZATION, CREDENTIAL_HEADER, COOKIE, CREDENTIAL_FIELD,
                           CREDENTIAL_PARAM, URL_USERINFO, ANTHROPIC_ORG, TRACKING_COOKIE)
RULES: tuple[Rule, ...] = tuple(sorted(SHAPES + NAMED, key=lambda r: (r.code[1:], r.code)))
"""Every built-in rule, by code: the table for docs and `--list-rules`."""

_AUTH_HEADERS = frozenset({"authorization", "proxy-authorization"})
CREDENTIAL_HEADERS = frozenset({
    "x-api-key", "api-key", "apikey", "x-goog-api-key", "x-amz-security-token",
    "x-auth-token", "x-access-token", "ocp-apim-subscription-key", "x-functions-key",
    "x-subscription-token", "x-goog-iam-authorization-token", "cf-aig-authorization",
    "helicone-auth", "x-portkey-api-key", "x-hf-token",
})
_IDENTIFYING_HEADERS = {
    "openai-organization": _BY_CODE["W401"], "openai-project": _BY_CODE["W402"],
    "anthropic-organization-id": ANTHROPIC_ORG, "anthropic-workspace-id": ANTHROPIC_ORG,
    "x-goog-user-project": _BY_CODE["W404"],
}
# Cookies a CDN or load balancer sets for bot scoring and affinity: no account behind them.
_TRACKING_COOKIES = frozenset({"__cf_bm", "_cfuvid", "__cflb", "__cfruid", "awsalb",
                               "awsalbcors", "awsalbtg", "awsalbtgcors", "gclb", "wmf-uniq"})
_COOKIE_PART = re.compile(r"[^;,]++")  # set-cookie attributes and cookies joined with ", "
_COOKIE_ATTRIBUTES = frozenset({"expires", "max-age", "domain", "path", "samesite",
                                "priority", "version", "comment"})
# Names compare after `_normal`: lower case without `_` and `-` (apiKey = api_key = API-KEY).
PARAMS = frozenset({
    "key", "apikey", "token", "accesstoken", "authtoken", "apitoken", "auth", "refreshtoken",
    "idtoken", "clientsecret", "password", "passwd", "secret", "sig", "sessiontoken",
    "subscriptionkey", "xamzsignature", "xamzsecuritytoken", "xgoogsignature", "privatekey",
})
FIELDS = frozenset({
    "apikey", "xapikey", "apitoken", "accesstoken", "refreshtoken", "idtoken", "authtoken",
    "sessiontoken", "bearertoken", "clientsecret", "secret", "secretkey", "secretaccesskey",
    "awssecretaccesskey", "awssessiontoken", "password", "passwd", "privatekey",
    "authorizationtoken", "subscriptionkey", "accountkey",
})


@lru_cache(maxsize=8)
def _field_pattern(fields: frozenset[str], name_only: bool = False) -> re.Pattern[str]:
    """JSON members `"name": "value"` whose name is one of `fields` once lower-cased and
    stripped of `_` and `-` (`_normal`). Matching only those names, not every member and then
    the name, keeps the scan of a large JSON body in the regular-expression engine; the
    look-ahead at the first letter lets it pass most quotes at once. `name_only`: the quoted
    name alone (a member may go on over the next lines, its name cannot)."""
    names = {name for name in fields if name[:1].isalpha()}
    if not names:
        return re.compile(r"(?!)")
    first = "".join(sorted({c for name in names for c in (name[0].lower(), name[0].upper())}))
    name = rf'"(?=[{first}])(?P<name>{_name_alternatives(names)}[_-]{{0,64}}+)\\?"'
    # The closing quote is looked at, not consumed: it may open the next (escaped) member.
    return re.compile(name if name_only else
                      name + r'\s{0,20}+:\s{0,20}+\\?"(?P<secret>[^"\\]{1,4000}+)(?=\\?")')


def _name_alternatives(names: set[str]) -> str:
    """A group matching any of `names` in either case with `_` or `-` between letters,
    nested by shared prefixes (`s(?:e(?:c…|s…)|u…)`): a member's name is then read letter by
    letter once, not once per name that starts alike (a stream's `"`s: 0.6× the time). At
    most one name can be followed by the closing quote, so the order of the branches does
    not change what matches."""
    heads: dict[str, set[str]] = {}
    for name in names:
        heads.setdefault(name[0], set()).add(name[1:])
    branches = []
    for head, tails in sorted(heads.items()):
        rest = {tail for tail in tails if tail}
        inner = f"[_-]{{0,64}}+{_name_alternatives(rest)}" if rest else ""
        branches.append(_either_case(head) + (f"(?:{inner})?" if inner and "" in tails else inner))
    return branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"


def _either_case(char: str) -> str:
    return f"[{char.lower()}{char.upper()}]" if char.isalpha() else re.escape(char)


# A query or form parameter after `?` or `&`, in two patterns that each start with their
# literal: re finds the next one at memchr speed, where a leading class `[?&]` was tried at
# every character (0.5 s for a 50 MB body). `_params` merges them.
_PARAMS = (re.compile(r"\?(?:amp;)?+(?P<name>[A-Za-z0-9_.-]{1,64}+)="
                      r"(?P<secret>[^&\s#\"'<>\\]{1,4000}+)"),
           re.compile(r"&(?:amp;)?+(?P<name>[A-Za-z0-9_.-]{1,64}+)="
                      r"(?P<secret>[^&\s#\"'<>\\]{1,4000}+)"))
_FORM_START = re.compile(r"(?P<name>[A-Za-z0-9_.-]{1,64}+)=(?P<secret>[^&\s#\"'<>\\]{1,4000}+)")
_BEARER = re.compile(rf"Bearer(?<![{_W}]Bearer)\s{{1,10}}+(?P<secret>[A-Za-z0-9._~+/-]{{8,4000}}+"
                     r"={0,4}+)")
_BASIC = re.compile(rf"Basic(?<![{_W}]Basic)\s{{1,10}}+(?P<secret>[A-Za-z0-9+/]{{8,4000}}+"
                    r"={0,2}+)(?![A-Za-z0-9+/=])")
_SCHEME = re.compile(r"\s*(?P<scheme>[A-Za-z][A-Za-z0-9._-]{0,30}+)\s++(?=\S)")
_PLACEHOLDER_SCHEME = re.compile(r"(?:Bearer|Token|Basic|Key|ApiKey)\s++", re.IGNORECASE)

# --- placeholders, fakes and what could be a credential -----------------------------------

_KIND_PREFIX = re.compile(
    r"sk-(?:ant-[a-z]{2,8}[0-9]{0,2}-|proj-|svcacct-|admin-|None-|or-v1-)?|AIza|AKIA|ASIA|ABIA"
    r"|ACCA|gsk_|xai-|hf_|api_org_|pplx-|ABSK|bedrock-api-key-|eyJ|ya29\.|1//|gh[pousr]_"
    r"|GOCSPX-|github_pat_|[sr]k_live_|sk_|xox[abposr]-|r8_|fw_|nvapi-|csk-|tgp_v1_|lsv2_(?:pt|sk)_"
    r"|tvly-(?:dev-|prod-)?|org-|proj_|user-|wrkspc_|IQoJb3JpZ2lu|F[wQ]oGZXIvYXdz"
    r"|-----BEGIN [A-Z ]{0,30}-----")
_MAX_SECRET = 16_384  # longer values are data, not a credential or a placeholder
# Searched in the lower-cased value: no key holds these characters, or these words.
_PLACEHOLDER = re.compile(r"<[^<>]{0,100}+>|\{\{|\$\{|\*\*\*|…|•|\.\.\.|redacted|filtered"
                          r"|scrubbed|masked|removed|hidden|placeholder|omitted|sanitized"
                          r"|censored|obfuscated")
_SPACE = re.compile(r"\s")
_KINDS = (re.compile("[a-z]"), re.compile("[A-Z]"), re.compile("[0-9]"))
_ENV_NAME = re.compile(r"\$?[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*_[A-Z]{2,}")
_MASK_CHARS = frozenset("Xx*#•…")
_WORDS = re.compile(r"[A-Z]{2,}(?![a-z])|[A-Z]?[a-z]+")
_FAKE_WORDS = frozenset(spelling for word in (
    "test", "testing", "fake", "dummy", "example", "sample", "mock", "invalid", "bogus",
    "notreal", "changeme", "your", "secret", "password",
) for spelling in (word, word.upper(), word.capitalize()))  # as _WORDS splits them


def is_placeholder(value: str) -> bool:
    """True when `value` already stands for a secret instead of being one: `<API_KEY>`,
    `REDACTED`, `<filtered>`, `***`, `sk-...`, `sk-proj-XXXX…`, `${OPENAI_API_KEY}`, an
    empty value; `Bearer <TOKEN>` too (a leading auth scheme is skipped)."""
    text = value.strip()
    if len(text) > _MAX_SECRET:
        return False
    text = unquote(text) if "%" in text else text
    if scheme := _PLACEHOLDER_SCHEME.match(text):
        text = text[scheme.end():]
    if not text or _PLACEHOLDER.search(text.lower()) or _ENV_NAME.fullmatch(text):
        return True
    body = text[len(_kind_prefix(text)):]
    return bool(body) and (set(body) <= _MASK_CHARS or (len(body) >= 6 and len(set(body)) <= 2))


def _looks_fake(value: str) -> bool:
    return not _FAKE_WORDS.isdisjoint(_WORDS.findall(value))


def _dismissed(value: str) -> bool:
    return is_placeholder(value) or _looks_fake(value)


def credential_like(value: str) -> bool:
    """Could `value`, found under a credential's name, be a real credential? Enough length
    and variety to be random, no spaces, neither a placeholder nor an obvious fake."""
    if not 8 <= len(value) <= _MAX_SECRET:
        return False
    text = unquote(value) if "%" in value else value
    if _SPACE.search(text) or _dismissed(text):
        return False
    kinds = sum(1 for kind in _KINDS if kind.search(text))
    return kinds >= 2 and len(set(text)) >= 6


def _kind_prefix(value: str) -> str:
    found = _KIND_PREFIX.match(value)
    return found.group(0) if found else ""


def _real_key(rule: Rule, secret: str) -> bool:
    if _dismissed(secret):
        return False
    if rule.severity == "warning":
        return True
    if rule.code == "S113" and not _jwt_header(secret):
        return False
    if rule.code == "S302":
        return credential_like(secret)
    return len(set(secret[len(_kind_prefix(secret)):])) >= 6


def _jwt_header(token: str) -> bool:
    """A JWT's first part is base64url JSON naming its algorithm; chains of base64 JSON
    (Bedrock stream chunks) are not."""
    head = _b64decode(token.split(".", 1)[0], urlsafe=True)
    return head is not None and b'"alg"' in head


def _b64decode(text: str, urlsafe: bool = False) -> bytes | None:
    padded = text + "=" * (-len(text) % 4)
    try:
        if urlsafe:
            return base64.urlsafe_b64decode(padded)
        return base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return None


# --- masking and replacement ---------------------------------------------------------------


def mask(value: str) -> str:
    """Safe to print: the key's kind prefix and its last 4 characters (`sk-proj-…f3Kq`) when
    at least 16 characters stay hidden, else stars."""
    if not value:
        return ""
    prefix = _kind_prefix(value)
    rest = value[len(prefix):]
    return f"{prefix}…{rest[-4:]}" if len(rest) >= 16 else f"{prefix}****"


SAME_LENGTH = "same-length"
"""`placeholder_for` template: keep the kind prefix, replace every other character by X."""


def placeholder_for(rule: Rule, original: str, template: str = "REDACTED") -> str:
    """The text to put where `original` was. `template` may use `{code}`, `{name}`, `{NAME}`
    (`OPENAI_KEY`) and `{prefix}` (`sk-proj-`), or be `SAME_LENGTH`. The result is always
    recognised by `is_placeholder`, so redacting twice changes nothing."""
    prefix = _kind_prefix(original)
    if template == SAME_LENGTH:
        result = prefix + "X" * (len(original) - len(prefix))
        return result if is_placeholder(result) else "REDACTED"
    try:
        result = template.format(code=rule.code, name=rule.name, prefix=prefix,
                                 NAME=rule.name.upper().replace("-", "_"))
    except (KeyError, IndexError, ValueError) as exc:
        raise CassetteError(f"placeholder template {template!r}: use only {{code}}, {{name}}, "
                            f"{{NAME}} and {{prefix}} ({exc})") from exc
    if not is_placeholder(result):
        raise CassetteError(f"placeholder template {template!r} gives {result!r}, which does "
                            "not read as a placeholder: include REDACTED, <…> or ***")
    return result


# --- the rules and how they are applied ----------------------------------------------------


@lru_cache(maxsize=4096)  # the same few hundred member names, over and over
def _normal(name: str) -> str:
    return name.lower().replace("_", "").replace("-", "")


@dataclass(frozen=True, slots=True)
class Rules:
    """The built-in rules plus what the configuration adds. Header names compare case-
    insensitively; parameter and field names after dropping case, `_` and `-`."""

    shapes: tuple[Rule, ...] = SHAPES
    credential_headers: frozenset[str] = CREDENTIAL_HEADERS
    params: frozenset[str] = PARAMS
    fields: frozenset[str] = FIELDS
    _custom: tuple[Rule, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_custom",
                           tuple(rule for rule in self.shapes if rule.code not in _BUILT_IN))

    @classmethod
    def from_options(cls, *, extra_headers: Iterable[str] = (), extra_params: Iterable[str] = (),
                     extra_fields: Iterable[str] = (),
                     extra_patterns: Mapping[str, str] | Iterable[str] = ()) -> Rules:
        """Extra patterns are regular expressions (a mapping gives each a name); a group
        named `secret` marks the part to report. They get codes S901, S902, … in order.
        Raises `CassetteError` for a pattern that is invalid, matches the empty string or
        could backtrack catastrophically."""
        if isinstance(extra_patterns, str):
            extra_patterns = (extra_patterns,)
        named = (extra_patterns.items() if isinstance(extra_patterns, Mapping)
                 else ((f"custom-{i}", p) for i, p in enumerate(extra_patterns, 1)))
        custom = tuple(_custom_rule(f"S{901 + i}", name, text)
                       for i, (name, text) in enumerate(named))
        return cls(SHAPES + custom,
                   CREDENTIAL_HEADERS | {h.strip().lower() for h in extra_headers},
                   PARAMS | {_normal(p) for p in extra_params},
                   FIELDS | {_normal(f) for f in extra_fields})

    def find_in_text(self, text: str) -> list[Finding]:
        """Secrets anywhere in a body or other free text: key shapes, `Bearer`/`Basic`
        credentials, JSON members and query or form parameters with credential names."""
        found: list[Finding] = []
        if not self._repeats_quietly(text):
            found = self._scan(text)
            # Each pattern below needs its literal: a substring test costs less than a search.
            if '"' in text:
                found += self._members(text)
        if "Bearer" in text:
            for m in _BEARER.finditer(text):
                found += self._credential(m.group("secret"), m.start("secret"), AUTHORIZATION)
        if "Basic" in text:
            for m in _BASIC.finditer(text):
                found += self._basic(m.group("secret"), m.start("secret")) or []
        return _resolve(found)

    def check_url(self, url: str) -> list[Finding]:
        """Query parameters with credential names (Gemini's `?key=`, SigV4 presigned
        `X-Amz-Signature`, …), userinfo, Vertex project ids and key shapes anywhere."""
        return _resolve(self._scan(url))

    def check_header(self, name: str, value: str) -> list[Finding]:
        """One header. Offsets are into `value`."""
        return self._header(name, value, shapes=True)

    def check_headers(self, headers: Iterable[tuple[str, str]]) -> list[list[Finding]]:
        """`check_header` of each (name, value), in order. One search of all the values
        for the literals that start key shapes tells whether any value needs a scan."""
        pairs = list(headers)
        shapes = bool(self._custom) or _ANCHORED.search("\n".join(v for _, v in pairs)) is not None
        return [self._header(name, value, shapes) for name, value in pairs]

    def _header(self, name: str, value: str, shapes: bool) -> list[Finding]:
        lname = name.strip().lower()
        found = self._scan_shapes(value) if shapes else []
        if lname in _AUTH_HEADERS:
            found += self._authorization(value, AUTHORIZATION)
        elif lname in self.credential_headers:
            found += self._authorization(value, CREDENTIAL_HEADER)
        elif lname in ("cookie", "set-cookie"):
            found += self._cookies(value)
        elif rule := _IDENTIFYING_HEADERS.get(lname):
            found += _identifying(rule, value)
        return _resolve(found)

    def check_field(self, name: str, value: str) -> list[Finding]:
        """One member of parsed JSON data (VCR.py `parsed_body`, nock, cassetter): what
        `find_in_text` finds in `value`, and the whole value when `name` is a credential's."""
        found = self.find_in_text(value)
        if _normal(name) in self.fields:
            found += self._credential(value, 0, CREDENTIAL_FIELD)
        return _resolve(found)

    def check_data(self, data: Any) -> Iterator[tuple[tuple[str | int, ...], Finding]]:
        """Every finding in the strings of parsed JSON data, with the path to its string."""
        stack: list[tuple[tuple[str | int, ...], str | None, Any]] = [((), None, data)]
        while stack:
            path, name, item = stack.pop()
            if isinstance(item, str):
                found = (self.check_field(name, item) if name is not None
                         else self.find_in_text(item))
                yield from ((path, f) for f in found)
            elif isinstance(item, Mapping):
                stack.extend(reversed([(path + (str(k),), str(k), v) for k, v in item.items()]))
            elif isinstance(item, list | tuple):
                stack.extend(reversed([(path + (i,), None, v) for i, v in enumerate(item)]))

    # -- helpers --

    def _repeats_quietly(self, text: str) -> bool:
        """True when a long text that repeats its lines holds nothing for the rules that
        stay within a line, found by searching its distinct lines alone. A streamed reply is
        thousands of `data: {…}` lines, mostly the same envelope around the same few tokens.
        Key shapes (but PEM blocks), parameters, URL userinfo and a credential member's
        quoted name cannot span a line break, and a look-behind or look-ahead at either end
        of a line sees a line break (or the text's end) either way: so each finds in the
        distinct lines just what it finds in the whole text. Bearer and Basic credentials may
        go on over the next line: the caller searches the whole text for those."""
        if len(text) < _REPEATS_FROM or self._custom:
            return False
        lines = _distinct_lines(text)
        if lines is None:
            return False  # mostly different lines: the whole text costs about as much
        distinct = "\n".join(lines)
        return ("-----BEGIN " not in distinct and not self._scan(distinct)
                and _field_pattern(self.fields, name_only=True).search(distinct) is None)

    def _scan_shapes(self, text: str) -> list[Finding]:
        present = _shape_codes(text)
        if not present and not self._custom:
            return []
        rules = (*(r for r in self.shapes if r.code in present), *self._custom)
        found: list[Finding] = []
        for rule in rules:
            pattern = rule.pattern
            assert pattern is not None
            for m in pattern.finditer(text):
                start, end = m.span("secret") if "secret" in m.re.groupindex else m.span()
                secret = text[start:end]
                if start < end and _real_key(rule, secret):
                    found.append(Finding(rule, start, end, secret, mask(secret)))
        return found

    def _scan(self, text: str) -> list[Finding]:
        """Shapes, userinfo and named parameters: what a URL and a body have in common."""
        found = self._scan_shapes(text)
        if "@" in text:
            for m in _USERINFO.finditer(text):
                secret = m.group("secret")
                if _real_key(URL_USERINFO, secret):
                    found.append(Finding(URL_USERINFO, *m.span("secret"), secret, mask(secret)))
        if "=" not in text:
            return found
        params = list(_params(text))
        if first := _FORM_START.match(text):
            params.append(first)
        for m in params:
            if _normal(m.group("name")) in self.params:
                found += self._credential(m.group("secret"), m.start("secret"),
                                          CREDENTIAL_PARAM)
        return found

    def _members(self, text: str) -> list[Finding]:
        found: list[Finding] = []
        for m in _field_pattern(self.fields).finditer(text):
            if _normal(m.group("name")) in self.fields:
                found += self._credential(m.group("secret"), m.start("secret"),
                                          CREDENTIAL_FIELD)
        return found

    @staticmethod
    def _credential(secret: str, offset: int, rule: Rule) -> list[Finding]:
        """A value stored under a credential's name. Key shapes inside it were found by the
        scan of the whole string, and win over this finding in `_resolve`."""
        if not credential_like(secret):
            return []
        return [Finding(rule, offset, offset + len(secret), secret, mask(secret))]

    def _authorization(self, value: str, rule: Rule) -> list[Finding]:
        scheme = _SCHEME.match(value)
        if scheme is None:
            stripped = value.strip()
            return self._credential(stripped, value.find(stripped), rule)
        kind = scheme.group("scheme").lower()
        rest = value[scheme.end():].rstrip()
        if kind == "basic" and (basic := self._basic(rest, scheme.end())) is not None:
            return basic
        if kind.startswith("aws4-"):
            return []  # the key id and the signature are key shapes; the rest is not secret
        return self._credential(rest, scheme.end(), rule)

    def _basic(self, token: str, offset: int) -> list[Finding] | None:
        """`Basic base64(user:password)`: a key shape in either part, else the password (or
        the user when the password is empty: `key:`) if it could be a credential. Reported
        over the base64 text, shown masked; None when `token` is not base64 of `user:pass`."""
        raw = _b64decode(token)
        try:
            decoded = raw.decode("utf-8") if raw is not None else ""
        except UnicodeDecodeError:
            return None
        if ":" not in decoded or not decoded.isprintable():
            return None
        user, password = decoded.split(":", 1)
        shapes = self._scan_shapes(decoded)
        if not shapes and not credential_like(password or user):
            return []
        rule = shapes[0].rule if shapes else AUTHORIZATION
        shown = f"Basic {mask(user)}:{mask(password)}"
        return [Finding(rule, offset, offset + len(token), token, shown)]

    def _cookies(self, value: str) -> list[Finding]:
        found: list[Finding] = []
        for part in _COOKIE_PART.finditer(value):
            name, eq, cookie = part.group(0).partition("=")
            name, cookie = name.strip(), cookie.strip().strip('"')
            if not eq or not cookie or name.lower() in _COOKIE_ATTRIBUTES:
                continue
            raw = part.group(0)
            offset = part.start() + raw.index(cookie, raw.index("=") + 1)
            if name.lower() in _TRACKING_COOKIES:
                found += _identifying(TRACKING_COOKIE, cookie, offset)
            else:
                found += self._credential(cookie, offset, COOKIE)
        return found


def _distinct_lines(text: str, block: int = 1 << 20) -> Iterable[str] | None:
    """The lines of `text` (split at "\n"), each once, in the order they first come; None as
    soon as more than a third of the lines read are distinct. Split a block of lines at a time:
    a list of every line of a 50 MB stream would take 70 MB."""
    seen: dict[str, None] = {}
    start, size, count = 0, len(text), 0
    while start <= size:
        end = text.find("\n", start + block)
        end = size if end < 0 else end
        lines = text[start:end].split("\n")
        seen.update(dict.fromkeys(lines))
        count += len(lines)
        if len(seen) * 3 > count:
            return None
        start = end + 1
    return seen


def _params(text: str) -> Iterator[re.Match[str]]:
    """The parameters one pattern for `?` or `&` would find, left to right without overlap:
    the leftmost next match of either, the search of each resumed only once passed."""
    pending = [pattern.search(text) for pattern in _PARAMS]
    while True:
        found = [m for m in pending if m is not None]
        if not found:
            return
        first = min(found, key=lambda m: m.start())
        yield first
        pending = [m if m is None or m.start() >= first.end() else pattern.search(text, first.end())
                   for m, pattern in zip(pending, _PARAMS, strict=True)]


def _identifying(rule: Rule, value: str, offset: int = 0) -> list[Finding]:
    stripped = value.strip()
    if not stripped or _dismissed(stripped):
        return []
    start = offset + value.find(stripped)
    return [Finding(rule, start, start + len(stripped), stripped, mask(stripped))]


# Which rule names a span when findings overlap: errors before warnings; among them key
# shapes (most specific) first, then the user's patterns (S901…), then rules by name.
_RANK = ({r.code: i + (300 if r.severity == "warning" else 0) for i, r in enumerate(SHAPES)}
         | {r.code: i + (400 if r.severity == "warning" else 200) for i, r in enumerate(NAMED)})


def _rank(rule: Rule) -> int:
    return _RANK.get(rule.code, 100)


def _resolve(found: list[Finding]) -> list[Finding]:
    """One finding per span, in text order. A finding that overlaps better ones is dropped,
    unless it covers them all (a credential's whole value with a key inside it): then its
    span is kept, named and shown as the best of them, so redacting it leaves nothing."""
    if len(found) < 2:
        return found
    kept: list[Finding] = []
    starts: list[int] = []
    for f in sorted(found, key=lambda f: (_rank(f.rule), f.start)):
        lo = bisect_left(starts, f.start)
        if lo > 0 and kept[lo - 1].end > f.start:
            lo -= 1
        hi = lo
        while hi < len(kept) and kept[hi].start < f.end:
            hi += 1
        inside = kept[lo:hi]
        if inside and not (f.start <= inside[0].start and inside[-1].end <= f.end):
            continue
        if inside:
            best = min(inside, key=lambda k: _rank(k.rule))
            f = Finding(best.rule, f.start, f.end, f.value, best.shown)
        kept[lo:hi] = [f]
        starts[lo:hi] = [f.start]
    return kept


# --- user patterns -------------------------------------------------------------------------

_REPEAT = re.compile(r"[*+]|\{\d*,\d*\}|\{\d+\}")


def _custom_rule(code: str, name: str, text: str) -> Rule:
    try:
        pattern = re.compile(text)
    except re.error as exc:
        raise CassetteError(f"secret pattern {name} ({text!r}) is not a valid regular "
                            f"expression: {exc.msg} at position {exc.pos}") from exc
    if pattern.fullmatch(""):
        raise CassetteError(f"secret pattern {name} ({text!r}) matches the empty string")
    if nested_repeat(text):
        raise CassetteError(f"secret pattern {name} ({text!r}) repeats a group that holds an "
                            "unbounded repeat, which can take exponential time: make the "
                            "inner repeat bounded ({1,64}) or possessive (+)")
    return Rule(code, name, "error", f"matches the configured pattern {name}", text)


def nested_repeat(pattern: str) -> bool:
    """True when a repeated group holds an unbounded repeat, the shape of catastrophic
    backtracking: `(a+)+`, `(\\w*x)*`, `(a{2,})+`. A heuristic on the pattern's text:
    overlapping alternatives (`(a|a)*`) go unnoticed."""
    depth_flags: list[bool] = []  # per open group: does it hold an unbounded repeat yet?
    inner = False
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            i = _class_end(pattern, i)
            continue
        if c == "(":
            depth_flags.append(inner)
            inner = False
        elif c == ")":
            quantifier = _REPEAT.match(pattern, i + 1)
            q = quantifier.group(0) if quantifier else ""
            repeated = bool(q) and q not in ("{0}", "{1}", "{0,1}")
            possessive = quantifier is not None and pattern[quantifier.end():].startswith("+")
            if repeated and inner and not possessive:
                return True
            inner = (depth_flags.pop() if depth_flags else False) or inner or _unbounded(q)
            i = quantifier.end() if quantifier else i + 1
            continue
        elif (q_here := _REPEAT.match(pattern, i)) and _unbounded(q_here.group(0)):
            inner = True
        i += 1
    return False


def _unbounded(quantifier: str) -> bool:
    return quantifier in ("*", "+") or quantifier.endswith(",}")


def _class_end(pattern: str, i: int) -> int:
    i += 1
    if pattern[i:i + 1] == "^":
        i += 1
    if pattern[i:i + 1] == "]":
        i += 1
    while i < len(pattern) and pattern[i] != "]":
        i += 2 if pattern[i] == "\\" else 1
    return i + 1


DEFAULT = Rules()
find_in_text = DEFAULT.find_in_text
check_header = DEFAULT.check_header
check_url = DEFAULT.check_url
check_field = DEFAULT.check_field
