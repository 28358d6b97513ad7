"""`cassette diff` on real data: noise-only re-recordings of corpus files (made by
scripts/noise_variants.py) give no semantic change; the real re-recordings of
history/PAIRS.tsv compare without exceptions, and known changes show."""

from __future__ import annotations

from pathlib import Path

import pytest

from cassette_tool.diff import MISSING
from cassette_tool.load import expand_paths

from conftest import corpus_or_skip, load_script

# pydantic-ai adds a `#stream` fragment to streamed URLs: these once broke API detection.
FRAGMENT_URLS = ("history/pydantic__pydantic-ai/020/old.yaml",
                 "history/pydantic__pydantic-ai/020/new.yaml")
SAMPLE_EVERY = 3  # every third file keeps the test near 10 s; the script checks them all




def test_noise_only_variants_of_corpus_files_are_no_semantic_change(tmp_path: Path) -> None:
    corpus = corpus_or_skip()
    files = [Path(p) for p in expand_paths([str(corpus)])]
    chosen = files[::SAMPLE_EVERY] + [corpus / k for k in FRAGMENT_URLS]
    report = load_script("noise_variants").check_variants(corpus, tmp_path, seed=3, files=chosen,
                                                strict=False)
    assert report.variants >= 0.9 * (len(chosen) - report.unreadable), report
    assert report.broken == []
    false = {r.name: [f"#{c.interaction} {c.path}" for c in r.changes[:3]]
             for r in report.false_changes}
    assert not false, false
    assert report.rewrites["chunks"] > 100 and report.rewrites["signatures"] > 10


@pytest.fixture(scope="module")
def history() -> dict[str, object]:
    corpus = corpus_or_skip()
    report = load_script("noise_variants").check_history(corpus / "history")
    return {row["id"]: result for row, result in report.results}


def test_every_history_pair_compares(history: dict) -> None:
    assert len(history) == 120
    statuses = {name: r.status for name, r in history.items()}
    # The one unreadable pair is not HTTP: pydantic-ai's recording of xAI gRPC calls.
    assert [n for n, s in statuses.items() if s == "error"] == ["pydantic__pydantic-ai/031"]
    assert sum(s == "unchanged" for s in statuses.values()) >= 15
    assert sum(s == "changed" for s in statuses.values()) >= 90


def test_known_real_changes_in_history_show(history: dict) -> None:
    def changes(pair: str) -> set[tuple[object, str, object, object]]:
        return {(c.interaction, c.path, c.old, c.new) for c in history[pair].changes}

    # fantasy/003: "thinking budget should not add to max tokens".
    assert changes("charmbracelet__fantasy/003") == {
        (i, "prompt.params.max_tokens", 8096, 4096) for i in (0, 1)}
    # simonw/llm/002: a test pinned the tool's version string.
    assert (1, "prompt.messages[3].content[0].tool_result.content", "0.26",
            "0.fixed-version") in changes("simonw__llm/002")
    # pydantic-ai/027: a whole call (an OAuth token request) dropped, the others paired.
    (dropped,) = history["pydantic__pydantic-ai/027"].changes
    assert (dropped.interaction, dropped.path, dropped.new) == (0, "interaction", MISSING)
    assert dropped.old == "POST https://oauth2.googleapis.com/token"
