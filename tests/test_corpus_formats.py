"""The format readers over every file of the shared corpus (skipped when it is absent).

Properties, not values: each file loads or fails with a one-line CassetteError, the
detected format is the one the MANIFEST (or, for history/, PAIRS.tsv) names, the
interaction count is the MANIFEST's, and every interaction has a method and a URL.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from pathlib import Path

from cassette_tool import CassetteError, load
from cassette_tool.model import Cassette

from conftest import corpus_or_skip

NOT_CASSETTES = {"MANIFEST.tsv", "README.md", "PAIRS.tsv"}
FORMAT_OF_MANIFEST = {"go-vcr-v2": "go-vcr", "seed": "go-vcr", "vcrpy": "vcrpy",
                      "ruby-vcr": "ruby-vcr", "har": "har", "nock": "nock", "httprr": "httprr",
                      "cassetter": "cassetter"}
FORMAT_OF_HISTORY_REPO = {"charmbracelet/fantasy": "go-vcr", "pydantic/pydantic-ai": "vcrpy",
                          "crmne/ruby_llm": "ruby-vcr", "simonw/llm": "vcrpy"}
# pydantic-ai keeps its xAI SDK (gRPC) recordings in YAML files beside its VCR.py cassettes
XAI_GRPC = "not an HTTP cassette: pydantic-ai's recording of xAI gRPC calls"


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


@cache
def manifest() -> dict[str, tuple[str, int | None]]:
    """relative path -> (expected format, expected interaction count or None)."""
    root = corpus_or_skip()
    expected: dict[str, tuple[str, int | None]] = {}
    for row in rows(root / "MANIFEST.tsv"):
        count = re.search(r"n_interactions=(\d+)", row["notes"])
        expected[row["local_path"]] = (FORMAT_OF_MANIFEST[row["format"]],
                                       int(count.group(1)) if count else None)
    for row in rows(root / "history" / "PAIRS.tsv"):
        for side in ("old", "new"):
            path = f"history/{row['id']}/{side}{Path(row['path']).suffix}"
            expected[path] = (FORMAT_OF_HISTORY_REPO[row["repo"]], None)
    return expected


@cache
def loaded() -> dict[str, Cassette | CassetteError]:
    root = corpus_or_skip()
    result: dict[str, Cassette | CassetteError] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.name not in NOT_CASSETTES):
        try:
            result[str(path.relative_to(root))] = load(path, priced=False)
        except CassetteError as exc:  # anything else propagates and fails the test run
            result[str(path.relative_to(root))] = exc
    return result


def test_every_corpus_file_is_in_the_manifest_or_a_history_pair() -> None:
    assert set(loaded()) == set(manifest())


def test_files_that_fail_are_exactly_the_xai_grpc_recordings_with_a_one_line_reason() -> None:
    failed = {path: error for path, error in loaded().items() if isinstance(error, CassetteError)}
    for path, error in failed.items():
        assert error.path and error.path.endswith(path)
        assert "\n" not in str(error)
        assert error.message.startswith(XAI_GRPC), (path, str(error))
    grpc = {path for path in loaded() if ".xai." in path or _holds_xai_grpc(path)}
    assert set(failed) == grpc


def _holds_xai_grpc(relative: str) -> bool:
    text = (corpus_or_skip() / relative).read_text(errors="replace")
    return "\n- collections_method:" in text or "\n- request_sample:" in text


def test_detected_format_is_the_manifest_format() -> None:
    wrong = [f"{path}: {cassette.format} != {manifest()[path][0]}"
             for path, cassette in loaded().items()
             if isinstance(cassette, Cassette) and cassette.format != manifest()[path][0]]
    assert not wrong, wrong[:20]


def test_interaction_count_is_the_manifest_count() -> None:
    wrong = []
    for path, cassette in loaded().items():
        expected = manifest()[path][1]
        if not isinstance(cassette, Cassette) or expected is None:
            continue
        # a websocket session is one interaction holding every recorded message
        count = sum(len(i.websocket) if i.websocket and cassette.format == "vcrpy" else 1
                    for i in cassette.interactions)
        if count != expected:
            wrong.append(f"{path}: {count} != {expected}")
    assert not wrong, wrong[:20]


def test_interactions_have_a_method_a_url_a_status_and_a_line() -> None:
    missing = []
    for path, cassette in loaded().items():
        if not isinstance(cassette, Cassette):
            continue
        for interaction in cassette.interactions:
            request, response = interaction.request, interaction.response
            where = f"{path}#{interaction.index}"
            if not request.method or interaction.line is None:
                missing.append(f"{where}: no method or line")
            if interaction.websocket:
                # pydantic-ai does not record a websocket's URL
                if not request.url and cassette.format != "vcrpy":
                    missing.append(f"{where}: websocket without a URL")
            elif not request.url or response is None or response.status is None:
                missing.append(f"{where}: no URL, response or status")
    assert not missing, missing[:20]


def test_stored_bodies_decode() -> None:
    undecoded = [f"{path}#{i.index}: {note}"
                 for path, cassette in loaded().items() if isinstance(cassette, Cassette)
                 for i in cassette.interactions
                 for body in (i.request.body, i.response.body if i.response else None) if body
                 for note in body.notes if note.startswith("could not")]
    assert not undecoded, undecoded[:20]


def test_durations_where_the_format_records_them() -> None:
    # go-vcr writes `duration`, HAR `time`; the other formats record none
    for path, cassette in loaded().items():
        if not isinstance(cassette, Cassette) or cassette.format not in ("go-vcr", "har"):
            continue
        for interaction in cassette.interactions:
            assert interaction.response is not None
            duration = interaction.response.duration_ms
            assert duration is not None and duration >= 0, f"{path}#{interaction.index}"
