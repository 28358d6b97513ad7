"""`cassette stats`: counts over samples/ checked by hand, grouping, output formats, unreadable
files, and the same result in one process as on every core."""

from __future__ import annotations

import io
import json
import os
import pickle
from decimal import Decimal

import pytest
from rich.console import Console

from cassette_tool.load import expand_paths
from cassette_tool.render.stats import progress_bar, render_json, render_markdown, render_text
from cassette_tool.stats import (
    BY_KEYS,
    NOT_LLM,
    Counts,
    FileSummary,
    Row,
    Stats,
    combine,
    summarise,
    summarise_file,
)

from conftest import SAMPLES, corpus_or_skip, sample


@pytest.fixture(scope="module")
def stats() -> Stats:
    return summarise([str(SAMPLES)], by=BY_KEYS, jobs=1)


def group(stats: Stats, key: str, name: str):
    grouping = next(g for g in stats.groupings if g.key == key)
    return next(g for g in grouping.groups if g.name == name)


def test_totals_over_the_samples(stats: Stats) -> None:
    total = stats.total
    assert (total.cassettes, len(stats.unreadable)) == (38, 0)
    c = total.counts
    # 4 interactions are no LLM call: cassetter's second entry, go-vcr v1's first, the Ruby
    # image download and the realtime websocket session.
    assert (c.interactions, c.llm, c.streamed, c.errors) == (54, 50, 27, 6)
    # The only reported cost is OpenRouter's two replies; the 6 error replies have no cost.
    assert (c.reported, c.reported_usd) == (2, Decimal("0.00005325"))
    assert (c.estimated, c.unpriced) == (42, 6)
    assert total.size == sum(os.path.getsize(p) for p in expand_paths([str(SAMPLES)]))


def test_by_format(stats: Stats) -> None:
    grouping = stats.groupings[0]
    assert grouping.key == "format"
    assert [(g.name, g.cassettes) for g in grouping.groups] == [
        ("vcrpy", 17), ("go-vcr", 9), ("ruby-vcr", 7), ("nock", 2), ("cassetter", 1),
        ("har", 1), ("httprr", 1)]


def test_by_model(stats: Stats) -> None:
    haiku = group(stats, "model", "claude-haiku-4-5-20251001")
    # Both cross-format twins (2 each), Bedrock InvokeModel (2), Ruby web search, and the
    # retry that succeeded after a 529.
    assert (haiku.cassettes, haiku.counts.interactions, haiku.counts.streamed) == (5, 8, 7)
    assert haiku.counts.input_tokens == 652 + 748 + 652 + 748 + 612 + 713 + 6412 + 21
    assert haiku.counts.output_tokens == 68 + 29 + 68 + 29 + 78 + 41 + 96 + 33
    other = group(stats, "model", NOT_LLM)
    assert (other.cassettes, other.counts.interactions, other.counts.llm) == (4, 4, 0)


def test_by_provider(stats: Stats) -> None:
    openrouter = group(stats, "provider", "openrouter")
    assert (openrouter.cassettes, openrouter.counts.interactions) == (1, 2)
    assert (openrouter.counts.input_tokens, openrouter.counts.output_tokens) == (215, 35)
    assert openrouter.counts.reported_usd == Decimal("0.00005325")
    vertex = group(stats, "provider", "vertex")  # Claude on Vertex, and Gemini on Vertex
    assert (vertex.cassettes, vertex.counts.reasoning_tokens) == (2, 403)


def test_by_api(stats: Stats) -> None:
    converse = group(stats, "api", "bedrock-converse")
    assert (converse.cassettes, converse.counts.interactions, converse.counts.errors) == (3, 4, 1)
    ollama = group(stats, "api", "ollama")  # local models cost nothing, and say so
    assert (ollama.counts.estimated, ollama.counts.estimated_usd, ollama.counts.unpriced) == (
        3, Decimal(0), 1)


def test_by_directory(stats: Stats) -> None:
    go_vcr = group(stats, "directory", str(SAMPLES / "go-vcr"))
    assert (go_vcr.cassettes, go_vcr.counts.interactions, go_vcr.counts.llm) == (8, 13, 12)


def test_every_grouping_adds_up_to_the_total(stats: Stats) -> None:
    for grouping in stats.groupings:
        assert sum((g.counts for g in grouping.groups), Counts()) == stats.total.counts


def test_largest_and_most_expensive(stats: Stats) -> None:
    sizes = sorted((os.path.getsize(p), p) for p in expand_paths([str(SAMPLES)]))
    assert [f.path for f in stats.largest(2)] == [sizes[-1][1], sizes[-2][1]]
    top = stats.most_expensive(1)[0]
    assert top.path == sample("vcrpy/anthropic_thinking_tool.yaml")
    assert top.counts.estimated_usd == Decimal("0.004632") + Decimal("0.003825")


def test_unreadable_files_are_listed_with_their_reason(tmp_path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("interactions: [\n")
    missing = str(tmp_path / "missing.yaml")
    result = summarise([sample("vcrpy/openai_chat_gzip.yaml"), str(broken), missing], jobs=1)
    assert result.total.cassettes == 1
    assert [f.path for f in result.unreadable] == [str(broken), missing]
    assert result.unreadable[0].error_line().startswith(f"{broken}:2:")
    assert result.unreadable[1].error_line() == f"{missing}: no such file"
    markdown = render_markdown(result)
    assert f"| `{broken}:2:1` | invalid YAML: " in markdown
    assert f"| `{missing}` | no such file |" in markdown


def test_a_file_without_interactions_counts_by_format_not_by_model() -> None:
    empty = FileSummary("a/empty.yaml", "vcrpy", 10)
    one = FileSummary("b/one.yaml", "vcrpy", 20,
                      (Row("openai-chat", "openai", "gpt-x", Counts(interactions=1, llm=1)),))
    result = combine([empty, one], by=("model", "directory"))
    fmt, model, directory = result.groupings
    assert [(g.name, g.cassettes, g.size) for g in fmt.groups] == [("vcrpy", 2, 30)]
    assert [(g.name, g.cassettes) for g in model.groups] == [("gpt-x", 1)]
    assert sorted(g.name for g in directory.groups) == ["a", "b"]


def test_directories_relative_and_absolute_side_by_side() -> None:
    files = [FileSummary("a/x.yaml", "vcrpy", 1), FileSummary("/b/y.yaml", "vcrpy", 2)]
    console = Console(file=io.StringIO(), width=120, color_system=None)
    render_text(console, combine(files, by=("directory",)), top=0)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "\nby directory\n" in text and "\na " in text and "\n/b " in text


def test_unknown_grouping_key() -> None:
    with pytest.raises(ValueError, match="cannot group by colour"):
        combine([], by=("colour",))


def test_file_summary_survives_pickling() -> None:
    summary = summarise_file(sample("go-vcr/openrouter_tool_streaming.yaml"))
    assert pickle.loads(pickle.dumps(summary)) == summary
    assert summary.rows == (Row("openai-chat", "openrouter", "openai/gpt-4o-mini", Counts(
        interactions=2, llm=2, streamed=2, input_tokens=215, output_tokens=35,
        reported_usd=Decimal("0.00005325"), reported=2)),)


def test_parallel_and_serial_agree(stats: Stats) -> None:
    # 38 files: over parallel.MIN_FILES, so two jobs fork two workers.
    assert summarise([str(SAMPLES)], by=BY_KEYS, jobs=2) == stats


def test_progress_is_reported_per_file() -> None:
    seen: list[tuple[int, int]] = []
    summarise([str(SAMPLES / "go-vcr")], jobs=1, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(n, 8) for n in range(1, 9)]


def test_progress_bar_only_on_a_terminal() -> None:
    quiet, shown = io.StringIO(), io.StringIO()
    with progress_bar(Console(file=quiet, force_terminal=False), after=0) as advance:
        advance(1, 2)
    with progress_bar(Console(file=shown, force_terminal=True, width=60), after=0) as advance:
        advance(1, 2)
    assert quiet.getvalue() == ""
    assert "1/2" in shown.getvalue()


def test_text_output(stats: Stats) -> None:
    console = Console(file=io.StringIO(), width=160, color_system=None, highlight=False)
    render_text(console, stats, top=3)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "54 interactions: 50 LLM (27 streamed, 6 error replies), 4 other" in text
    assert "$0.00005325 reported (2 calls)" in text
    for heading in ("by format", "by model", "by provider", "by API",
                    f"by directory under {SAMPLES}", "largest cassettes",
                    "most expensive cassettes"):
        assert f"\n{heading}\n" in text
    assert "\ngo-vcr " in text  # directories relative to the folder they share
    assert "left out" not in text
    assert not any(line.endswith(" ") for line in text.splitlines())


def test_narrow_text_leaves_columns_out_for_the_names(stats: Stats) -> None:
    console = Console(file=io.StringIO(), width=100, color_system=None, highlight=False)
    render_text(console, stats, top=0)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "left out at this width: reasoning, cached" in text
    assert "\nus.anthropic.claude-haiku-4-5-20251001-v1:0 " in text  # whole, not folded


def test_markdown_output(stats: Stats) -> None:
    text = render_markdown(stats, top=3)
    assert text.startswith("## Cassette stats\n")
    assert "| `openrouter` | 1 | 2 | 2 | 0 | 215 | 35 | 0 | 0 | $0.00005325 | – |" in text
    assert "<summary><b>By model</b> (24)</summary>" in text  # long tables fold away


def test_json_output(stats: Stats) -> None:
    data = json.loads(render_json(stats, top=2))
    assert data["totals"]["interactions"] == 54
    assert data["totals"]["unpriced_calls"] == 6
    assert list(data["groups"]) == ["format", *BY_KEYS]
    assert data["largest"] == [f.path for f in stats.largest(2)]
    assert len(data["files"]) == 38 and data["unreadable"] == []


def test_cli_exit_0_when_every_file_reads(cli) -> None:
    run = cli("stats", str(SAMPLES / "go-vcr"), "--by", "provider", "--by", "api")
    assert run.code == 0, run
    assert "by provider" in run.out and "by API" in run.out and "by model" not in run.out
    assert run.err == ""


def test_cli_exit_2_and_reason_on_stderr_when_a_file_is_unreadable(cli, tmp_path) -> None:
    (tmp_path / "notes.yaml").write_text("just: [text\n")
    run = cli("stats", sample("har/openai_chat.har"), str(tmp_path), "--format", "json")
    assert run.code == 2, run
    data = json.loads(run.out)
    assert data["totals"]["cassettes"] == 1
    assert [u["path"] for u in data["unreadable"]] == [str(tmp_path / "notes.yaml")]
    assert run.err.startswith(f"{tmp_path / 'notes.yaml'}:")
    assert len(run.err.splitlines()) == 1


def test_cli_no_files(cli, tmp_path) -> None:
    run = cli("stats", str(tmp_path))
    assert run.code == 2, run
    assert "no cassette files found" in run.err


def test_cli_bad_grouping_key(cli) -> None:
    run = cli("stats", str(SAMPLES), "--by", "colour")
    assert run.code == 2, run


def test_corpus_adds_up() -> None:
    corpus = corpus_or_skip()
    result = summarise([str(corpus)], by=BY_KEYS)
    assert len(result.files) == len(expand_paths([str(corpus)]))
    assert result.total.cassettes + len(result.unreadable) == len(result.files)
    assert all(f.error.message for f in result.unreadable if f.error)
    c = result.total.counts
    assert c.llm == c.reported + c.estimated + c.unpriced
    assert c.cached_tokens <= c.input_tokens and c.reasoning_tokens <= c.output_tokens
    for grouping in result.groupings:
        assert sum((g.counts for g in grouping.groups), Counts()) == c


@pytest.mark.parametrize("format", ["text", "json"])
def test_unreadable_files_are_told_even_when_the_output_is_cut_short(tmp_path, format) -> None:
    # `cassette stats … | head`: the reader is gone before the tables are written.
    import subprocess
    import sys

    broken = tmp_path / "notes.yaml"
    broken.write_text("just: [text\n")
    with subprocess.Popen([sys.executable, "-m", "cassette_tool", "stats", "-f", format,
                           str(SAMPLES), str(broken)], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, env={**os.environ, "NO_COLOR": "1"}) as child:
        assert child.stdout is not None and child.stderr is not None
        child.stdout.close()
        err = child.stderr.read().decode()
        child.wait(timeout=120)
    assert err.startswith(f"{broken}:2:") and "Traceback" not in err, err
