"""`cassette validate` over every real cassette in the shared corpus (skipped when absent).

Each error below was looked at in its file and judged a real problem there, not noise:

* S105/S106/S107: crmne/ruby_llm Bedrock re-recordings whose SigV4 `Signature=` was not
  filtered (the key id was); one (031/old) also leaks a temporary AWS session: the `ASIA…`
  key id and the `IQoJb3JpZ2lu…` session token.
* S203: a pydantic-ai request to ollama.com that sends the site's `aid=` cookie.
* B101: pydantic-ai history 026/old, a Bedrock request body edited by hand and left without
  its closing `}`.
* C002: pydantic-ai's recordings of xAI gRPC calls: not HTTP cassettes.
* C003: open-telemetry cassettes whose scrub hook replaced a header's list by a plain string
  (`Set-Cookie: test_set_cookie`, `openai-organization: test_openai_org_id`); VCR.py replays
  such a value as one header per character.

Warnings, also reviewed:

* B103: charmbracelet/fantasy Vertex requests whose body lost `"id":"1",` (9 bytes, once in
  the function call and once in its response) in the commit "omit function call id for vertex
  ai" without a re-recording: `content_length` still counts them.
* W401-W405: OpenAI organisation (`user-…` ids and org slugs) and project ids, Anthropic
  organisation and workspace ids in response headers, Google Cloud project ids in Vertex
  URLs, Cloudflare `__cf_bm`/`_cfuvid` cookies: identifying values, never placeholders.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from functools import cache
from pathlib import Path

from cassette_tool import expand_paths
from cassette_tool.validate import Finding, check_file

from conftest import corpus_or_skip

_OTEL_OPENAI = ("vcrpy/open-telemetry__opentelemetry-python-contrib/instrumentation-genai/"
                "opentelemetry-instrumentation-openai-v2/tests/cassettes/")
_OTEL_BOTO = ("vcrpy/open-telemetry__opentelemetry-python-contrib/instrumentation/"
              "opentelemetry-instrumentation-botocore/tests/cassettes/")
_PYDANTIC = "vcrpy/pydantic__pydantic-ai/tests/models/"
_FANTASY_VERTEX = "go-vcr-v2/charmbracelet__fantasy/providertests/testdata/TestGoogleCommon/"

REVIEWED_ERRORS: dict[str, dict[str, int]] = {
    "history/crmne__ruby_llm/017/new.yml": {"S106": 1},
    "history/crmne__ruby_llm/017/old.yml": {"S106": 1},
    "history/crmne__ruby_llm/022/new.yml": {"S106": 1},
    "history/crmne__ruby_llm/022/old.yml": {"S106": 1},
    "history/crmne__ruby_llm/023/new.yml": {"S106": 2},
    "history/crmne__ruby_llm/023/old.yml": {"S106": 2},
    "history/crmne__ruby_llm/027/new.yml": {"S106": 1},
    "history/crmne__ruby_llm/027/old.yml": {"S106": 1},
    "history/crmne__ruby_llm/031/new.yml": {"S106": 1},
    "history/crmne__ruby_llm/031/old.yml": {"S105": 1, "S106": 1, "S107": 1},
    _PYDANTIC + "cassettes/test_ollama/test_ollama_cloud_tool_output.yaml": {"S203": 1},
    "history/pydantic__pydantic-ai/026/old.yaml": {"B101": 1},
    "history/pydantic__pydantic-ai/031/new.yaml": {"C002": 1},
    "history/pydantic__pydantic-ai/031/old.yaml": {"C002": 1},
    **{_PYDANTIC + name: {"C002": 1} for name in (
        "cassettes/test_stream_close/test_cancel_recorded_provider_stream[xai].xai.yaml",
        "cassettes/test_tool_choice_matrix/test_tool_choice_matrix[list_single-xai].xai.yaml",
        "cassettes/test_xai/test_xai_builtin_web_search_tool.xai.yaml",
        "cassettes/test_xai/test_xai_request_structured_response_tool_output.xai.yaml",
        "cassettes/test_xai/test_xai_web_search_user_location_recorded.xai.yaml",
        "xai/cassettes/test_search_tools/test_xai_builtin_file_search_tool.xai.yaml",
        "xai/cassettes/test_search_tools/test_xai_builtin_x_search_tool.xai.yaml",
        "xai/cassettes/test_thinking/test_xai_unified_thinking_false.xai.yaml",
    )},
    **{_OTEL_OPENAI + name: {"C003": 1} for name in (
        "test_async_chat_completion_streaming.yaml",
        "test_async_embeddings_error_handling.yaml",
        "test_chat_completion_handle_stop_sequences_as_string.yaml",
        "test_chat_completion_metrics.yaml",
        "test_chat_completion_n_1_is_not_reported.yaml",
        "test_chat_completion_with_context_manager_streaming.yaml",
        "test_chat_completion_with_raw_response.yaml",
        "test_embeddings_no_content.yaml",
        "test_embeddings_with_encoding_format.yaml",
        "test_responses_create_api_error[content_mode0].yaml",
        "test_responses_create_basic[content_mode0].yaml",
        "test_responses_create_reports_reasoning_tokens[content_mode0].yaml",
        "test_responses_create_stream_propagation_error[content_mode0].yaml",
        "test_responses_create_streaming_aggregates_cache_tokens[content_mode0].yaml",
        "test_responses_create_streaming_iteration[content_mode0].yaml",
        "test_responses_create_streaming_user_exception[content_mode0].yaml",
        "test_responses_stream_wrapper_finalize_idempotent[content_mode0].yaml",
    )},
    **{_OTEL_BOTO + name: {"C003": count} for name, count in (
        ("test_converse_no_content.yaml", 1),
        ("test_converse_stream_no_content_tool_call.yaml", 2),
        ("test_converse_stream_with_content_tool_call.yaml", 2),
        ("test_converse_tool_call_no_content.yaml", 2),
        ("test_invoke_model_no_content[amazon.titan].yaml", 1),
        ("test_invoke_model_no_content[anthropic.claude].yaml", 1),
        ("test_invoke_model_no_content[cohere.command].yaml", 1),
        ("test_invoke_model_no_content[meta.llama].yaml", 1),
        ("test_invoke_model_no_content[mistral.mistral].yaml", 1),
        ("test_invoke_model_no_content_tool_call[amazon.nova].yaml", 2),
        ("test_invoke_model_with_content[anthropic.claude].yaml", 1),
        ("test_invoke_model_with_content[cohere.command].yaml", 1),
        ("test_invoke_model_with_content_different_events[anthropic.claude].yaml", 1),
        ("test_invoke_model_with_content_tool_call[anthropic.claude].yaml", 2),
        ("test_invoke_model_with_content_user_content_as_string.yaml", 1),
        ("test_invoke_model_with_response_stream_no_content_different_events[amazon.nova].yaml",
         1),
        ("test_invoke_model_with_response_stream_with_content[anthropic.claude].yaml", 1),
    )},
}

_CALL_ID = r'"id":"[0-9]+",'
REVIEWED_B103: dict[str, tuple[int, int]] = {  # (content_length, body bytes) of the request
    _FANTASY_VERTEX + "vertex-gemini-2-5-flash/multi_tool.yaml": (1549, 1513),
    _FANTASY_VERTEX + "vertex-gemini-2-5-flash/multi_tool_streaming.yaml": (1580, 1544),
    _FANTASY_VERTEX + "vertex-gemini-2-5-flash/tool.yaml": (1100, 1082),
    _FANTASY_VERTEX + "vertex-gemini-2-5-flash/tool_streaming.yaml": (1236, 1218),
    _FANTASY_VERTEX + "vertex-gemini-2-5-pro/multi_tool.yaml": (1541, 1505),
    _FANTASY_VERTEX + "vertex-gemini-2-5-pro/multi_tool_streaming.yaml": (1704, 1668),
    _FANTASY_VERTEX + "vertex-gemini-2-5-pro/tool.yaml": (1445, 1427),
    _FANTASY_VERTEX + "vertex-gemini-2-5-pro/tool_streaming.yaml": (1677, 1659),
    "history/charmbracelet__fantasy/011/new.yaml": (1236, 1218),
    "history/charmbracelet__fantasy/032/new.yaml": (1580, 1544),
}

# Identifying values, by code: how many, and in which header or URL they stand.
REVIEWED_WARNINGS = {"W401": 84, "W402": 90, "W403": 75, "W404": 60, "W405": 110}
_WARNING_PLACES = {
    "W401": ("response header openai-organization",),
    "W402": ("response header openai-project",),
    "W403": ("response header anthropic-organization-id", "response header anthropic-workspace-id"),
    "W404": ("url",),
    "W405": ("request header cookie", "response header set-cookie"),
}


@cache
def corpus_findings() -> tuple[tuple[str, Finding], ...]:
    root = corpus_or_skip()
    found: list[tuple[str, Finding]] = []
    for path in expand_paths([str(root)]):
        name = str(Path(path).relative_to(root))
        found += [(name, f) for f in check_file(path)]
    return tuple(found)


def test_counts_per_code(record_property) -> None:  # type: ignore[no-untyped-def]
    counts = Counter(f.code for _, f in corpus_findings())
    record_property("validate_counts", dict(sorted(counts.items())))
    print("validate findings over the corpus:", dict(sorted(counts.items())))
    expected: Counter[str] = Counter()
    for codes in REVIEWED_ERRORS.values():
        expected.update(codes)
    expected.update(REVIEWED_WARNINGS)
    expected["B103"] = len(REVIEWED_B103)
    assert counts == expected


def test_errors_are_the_reviewed_ones() -> None:
    errors: dict[str, Counter[str]] = defaultdict(Counter)
    for name, f in corpus_findings():
        if f.severity == "error":
            errors[name][f.code] += 1
    assert {name: dict(c) for name, c in errors.items()} == REVIEWED_ERRORS


def test_content_length_mismatches_are_the_edited_vertex_requests() -> None:
    found = {name: f.message for name, f in corpus_findings() if f.code == "B103"}
    assert found == {name: f"request content_length is {length} but the body has {size} bytes"
                     for name, (length, size) in REVIEWED_B103.items()}


def test_content_length_mismatch_is_the_removed_call_ids() -> None:
    # The claim behind B103: the old side of a history pair has the ids and a matching length.
    root = corpus_or_skip()
    for pair in ("011", "032"):
        old = (root / "history/charmbracelet__fantasy" / pair / "old.yaml").read_text()
        new = (root / "history/charmbracelet__fantasy" / pair / "new.yaml").read_text()
        # The newer file is the older one without its call ids, byte for byte.
        assert re.findall(_CALL_ID, old) and re.sub(_CALL_ID, "", old) == new
        old_codes = {f.code for f in check_file(str(root / "history/charmbracelet__fantasy" /
                                                    pair / "old.yaml"))}
        assert "B103" not in old_codes


def test_warnings_are_identifying_values_where_expected() -> None:
    for name, f in corpus_findings():
        if f.code not in _WARNING_PLACES:
            continue
        assert f.severity == "warning"
        where = f.message.split(": ", 1)[0].lower()
        assert where.endswith(_WARNING_PLACES[f.code]), (name, str(f))


def test_every_finding_has_a_position_and_secrets_point_at_the_value() -> None:
    root = corpus_or_skip()
    lines: dict[str, list[str]] = {}
    for name, f in corpus_findings():
        if f.code == "C002":
            continue  # the whole file is the problem
        assert f.line is not None, str(f)
        if not f.code.startswith(("S", "W")):
            continue
        assert f.column is not None, str(f)
        text = lines.setdefault(name, (root / name).read_text().split("\n"))
        at = text[f.line - 1][f.column - 1:]
        # Masked values end with their last characters (short ones are only `****`).
        tail = f.message.rsplit(": ", 1)[-1].rsplit("…", 1)[-1]
        if tail != "****":
            assert tail in at, (str(f), at[:80])


def test_the_leaked_aws_session_points_at_each_part() -> None:
    root = corpus_or_skip()
    name = "history/crmne__ruby_llm/031/old.yml"
    text = (root / name).read_text().split("\n")
    starts = {f.code: text[f.line - 1][f.column - 1:][:10] for n, f in corpus_findings()
              if n == name and f.line and f.column}
    assert starts["S105"].startswith("ASIA")
    assert starts["S107"].startswith("IQoJb3JpZ2")
    assert len(starts["S106"]) == 10 and set(starts["S106"]) <= set("0123456789abcdef")


def test_no_stream_in_the_corpus_is_incomplete() -> None:
    assert [str(f) for _, f in corpus_findings() if f.code.startswith("T")] == []
