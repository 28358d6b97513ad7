"""The benchmark harness (benchmarks/): the synthetic cassettes mean what they claim, the
child-process measurement sees the child alone, and the table helpers judge ratios right.
Nothing here is timed."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from cassette_tool.load import load
from cassette_tool.validate import check_file

from conftest import ROOT

BENCHMARKS = ROOT / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))  # the scripts import each other by plain name

import synth  # noqa: E402
import timing  # noqa: E402


def _load_run():
    spec = importlib.util.spec_from_file_location("bench_run", BENCHMARKS / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_run"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


run = _load_run()


def _timing(median: float, peak: int | None = None) -> timing.Timing:
    return timing.Timing("step", [median], [peak] if peak is not None else [])


# --- synthetic cassettes ------------------------------------------------------------------------

def test_stream_cassette_is_one_streamed_reply_of_the_stated_length(tmp_path: Path) -> None:
    made = synth.stream_cassette(tmp_path, size=300_000)
    cassette = load(made.path)
    assert made.size == made.path.stat().st_size >= 300_000
    assert cassette.format == "go-vcr" and len(cassette.interactions) == made.interactions == 1
    exchange = cassette.interactions[0].exchange
    assert exchange is not None and exchange.api == "openai-chat" and exchange.streamed
    assert len(exchange.reply.text) == made.reply_chars > 1000
    assert exchange.reply.finish_reason == "stop"
    assert exchange.usage is not None and exchange.usage.output_tokens > 1000


def test_interactions_cassette_has_every_interaction_and_reply(tmp_path: Path) -> None:
    made = synth.interactions_cassette(tmp_path, count=120)
    cassette = load(made.path)
    assert cassette.format == "vcrpy" and len(cassette.interactions) == made.interactions == 120
    replies = [i.exchange.reply.text for i in cassette.interactions if i.exchange]
    assert len(replies) == 120 and len(set(replies)) > 100  # not one reply repeated
    assert sum(map(len, replies)) == made.reply_chars


def test_synthetic_cassettes_are_clean_for_validate(tmp_path: Path) -> None:
    # run.py times `validate` on them expecting exit 0: a finding would make it an error.
    for made in (synth.stream_cassette(tmp_path, 50_000), synth.interactions_cassette(tmp_path, 30)):
        assert check_file(str(made.path)) == []


def test_synthetic_cassettes_are_deterministic(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir(), second.mkdir()
    for maker, size in ((synth.stream_cassette, 40_000), (synth.interactions_cassette, 25)):
        assert maker(first, size).path.read_bytes() == maker(second, size).path.read_bytes()


# --- measuring a child process ------------------------------------------------------------------

def test_child_peak_memory_is_the_childs_not_the_parents() -> None:
    # Linux carries the parent's peak RSS into a forked child: the wrapper must hide ours.
    ballast = bytearray(256 << 20)
    ballast[:: 4096] = b"x" * len(ballast[:: 4096])  # touch every page
    small = timing.run_child([sys.executable, "-c", "pass"])
    big = timing.run_child([sys.executable, "-c",
                            "b = bytearray(160 << 20); b[::4096] = b'x' * len(b[::4096])"])
    del ballast
    assert small.code == 0 and small.peak_bytes < 100 << 20, small
    assert big.code == 0 and big.peak_bytes > 160 << 20, big


def test_command_step_fails_with_the_last_stderr_line() -> None:
    step = timing.command([sys.executable, "-c", "import sys; print('first\\nboom', file=sys.stderr); sys.exit(3)"])
    with pytest.raises(timing.StepFailed, match="exited 3: boom"):
        step()
    assert timing.command([sys.executable, "-c", "raise SystemExit(1)"], ok=(0, 1))().code == 1


def test_measure_records_a_commands_own_time_and_peak() -> None:
    [measured] = timing.measure({"pass": timing.command([sys.executable, "-c", "pass"])}, 2)
    assert len(measured.seconds) == len(measured.peak_bytes) == 2
    assert measured.peak is not None and measured.peak > 1 << 20


def test_run_child_takes_argument_lists_longer_than_one_argument_may_be(tmp_path: Path) -> None:
    files = [str(tmp_path / f"{i:04d}-{'x' * 150}") for i in range(1000)]  # > 128 KiB joined
    child = timing.run_child([sys.executable, "-c", "import sys; print(len(sys.argv))", *files],
                             stdout=tmp_path / "out")
    assert child.code == 0 and (tmp_path / "out").read_text().strip() == "1001"


def test_grid_as_markdown_aligns_numbers_right() -> None:
    text = timing.grid([("target", "ratio"), ("startup", "2.50×")], markdown=True)
    assert text.splitlines() == ["| target  | ratio |", "| :------ | ----: |",
                                 "| startup | 2.50× |"]


# --- the targets table --------------------------------------------------------------------------

@pytest.mark.parametrize(("median", "below", "result"), [
    (1.5, False, "pass"), (1.51, False, "FAIL"), (1.5, True, "FAIL"), (1.49, True, "pass")])
def test_ratio_row_judges_against_the_limit(median: float, below: bool, result: str) -> None:
    row = run.ratio_row("t", _timing(median), _timing(1.0), 1.5, below=below)
    assert row.result == result and row.ratio == f"{median:.2f}×"


def test_memory_row_compares_peak_with_file_size() -> None:
    assert run.memory_row("t", _timing(1, peak=390), 100, 4).result == "pass"
    assert run.memory_row("t", _timing(1, peak=400), 100, 4).result == "FAIL"
    assert run.memory_row("t", _timing(1), 100, 4).result == "skip"
    row = run.memory_row("t", _timing(1, peak=300), 100_000_000, 4, parser=_timing(1, 250_000_000))
    assert row.baseline == "100.0 MB file (parser 250.0 MB)"


def test_linear_row_tells_linear_from_quadratic() -> None:
    assert run.linear_row("t", _timing(4.0), _timing(1.0), 4, 1.2).result == "pass"
    assert run.linear_row("t", _timing(16.0), _timing(1.0), 4, 1.2).result == "FAIL"


def test_absolute_row_judges_seconds_not_ratio() -> None:
    row = run.absolute_row("diff", _timing(4.0), 5, _timing(0.5))
    assert row.result == "pass" and row.ratio == "8.00×"


def test_a_failed_step_becomes_an_error_row() -> None:
    row = run.ratio_row("t", timing.StepFailed("cassette exited 3: boom"), _timing(1.0), 1.5)
    assert row.result == "error" and "boom" in row.note


def test_corpus_goal_past_a_hundred_files() -> None:
    assert run.corpus_goal(100) == (1.5, False)
    assert run.corpus_goal(101) == (1.0, True)


def test_spaced_picks_evenly_and_keeps_short_lists() -> None:
    assert run.spaced([str(i) for i in range(10)], 5) == ["0", "2", "4", "6", "8"]
    assert run.spaced(["a", "b"], 5) == ["a", "b"]


def test_render_lists_notes_under_the_table() -> None:
    rows = [run.skip_row("stats", "≤ 1.5×", "no stats command"),
            run.ratio_row("validate", _timing(2.0), _timing(1.0), 1.5)]
    text = run.render(rows, markdown=True)
    assert "| validate" in text and "FAIL" in text
    assert text.endswith("- stats: no stats command")


def test_top_imports_sorts_by_cumulative_time() -> None:
    report = ("import time: self [us] | cumulative | imported package\n"
              "import time:       120 |        120 |   typing\n"
              "import time:      3000 |      45000 | rich.console\n"
              "import time:       500 |       9000 | cassette_tool\n")
    rows = run.top_imports(report, 2)
    assert rows[1:] == [("rich.console", "3.0", "45.0"), ("cassette_tool", "0.5", "9.0")]


def test_findings_are_counted_from_both_tools_outputs(tmp_path: Path) -> None:
    ours, theirs = tmp_path / "ours.json", tmp_path / "theirs.json"
    ours.write_text(json.dumps([{"path": "a.yaml"}, {"path": "a.yaml"}, {"path": "b.yaml"}]))
    theirs.write_text(json.dumps({"results": {"a.yaml": [{}, {}], "c.yaml": [{}]}}))
    assert run.count_findings(ours) == "3 findings in 2 files"
    assert run.count_detect_secrets(theirs) == "3 findings in 2 files"


def test_pure_parser_pattern_names_only_parsing_modules() -> None:
    site = "/v/lib/python3.11/site-packages"
    assert run.PURE_YAML.search(f"{site}/yaml/scanner.py")
    assert run.PURE_YAML.search(f"{site}/ruamel/yaml/parser.py")
    assert not run.PURE_YAML.search(f"{site}/yaml/constructor.py")
    assert not run.PURE_YAML.search(str(ROOT / "cassette_tool" / "source.py"))


def test_info_row_gives_the_ratio_without_a_verdict() -> None:
    row = run.info_row("t", _timing(0.75), _timing(1.0), "why")
    assert (row.ratio, row.goal, row.result, row.note) == ("0.75×", "—", "info", "why")
    failed = run.info_row("t", timing.StepFailed("x exited 2: boom"), _timing(1.0), "why")
    assert failed.result == "error"


def test_parse_on_both_cores_runs_two_halves_at_once_and_takes_the_slower(
        tmp_path: Path) -> None:
    import threading

    bench = run.Bench(1, 1, 1, None, tmp_path, 10_000, 10)
    given: list[list[str]] = []
    both_started = threading.Barrier(2, timeout=10)  # breaks unless the halves run at once

    def parse(chosen: list[str]):
        given.append(list(chosen))

        def step() -> timing.ChildRun:
            both_started.wait()
            return timing.ChildRun(float(len(chosen)), 100 * len(chosen), 0, chosen[0])

        return step

    bench.parse = parse  # type: ignore[method-assign]
    result = bench.parse_on_both_cores(["a", "b", "c", "d", "e"])()
    assert given == [["a", "c", "e"], ["b", "d"]]
    assert (result.seconds, result.peak_bytes, result.code, result.stderr) == (3.0, 300, 0, "ab")


def test_chunks_floor_decodes_every_chunk_of_the_stream(tmp_path: Path) -> None:
    pytest.importorskip("yaml")
    made = synth.stream_cassette(tmp_path, 20_000)
    chunks = made.path.read_text().count("data: {")
    done = subprocess.run([sys.executable, "-c", run.CHUNKS_SCRIPT, str(made.path)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0 and int(done.stdout) == chunks > 50, done.stderr


def test_parse_baseline_reads_tagged_yaml_and_counts_broken_files(tmp_path: Path) -> None:
    pytest.importorskip("yaml")
    tagged = tmp_path / "ruby.yml"
    tagged.write_text("a: !binary |\n  aGVsbG8=\nb: !!python/unicode text\nc: !ruby/object {x: 1}\n")
    broken = tmp_path / "broken.yaml"
    broken.write_text("a: [1, 2\n")
    data = tmp_path / "x.json"
    data.write_text('{"a": 1}')
    done = subprocess.run([sys.executable, "-c", run.PARSE_SCRIPT, str(tagged), str(broken),
                           str(data)], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and done.stdout.strip() == "1", done.stderr


def test_profile_places_are_short() -> None:
    assert run.where("/tmp/v/lib/python3.11/site-packages/yaml/constructor.py", 47,
                     "get_single_data") == "yaml/constructor.py:47(get_single_data)"
    assert run.where("/usr/lib/python3.11/re/_parser.py", 516, "_parse") == "re/_parser.py:516(_parse)"
    assert run.where(str(ROOT / "cassette_tool" / "load.py"), 20, "load") == "cassette_tool/load.py:20(load)"
    assert run.where("~", 0, "<built-in method marshal.loads>") == "<built-in method marshal.loads>"


def test_corpus_groups_skip_when_the_corpus_is_absent(tmp_path: Path) -> None:
    bench = run.Bench(1, 1, 1, None, tmp_path, 10_000, 10)
    assert [row.result for row in run.corpus(bench) + run.diff(bench)] == ["skip", "skip"]


def test_run_prints_a_markdown_table_without_the_corpus(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert run.main(["--quick", "--only", "diff", "--markdown",
                     "--corpus", str(tmp_path / "absent")]) == 0
    out = capsys.readouterr().out
    assert "## Targets (issue 5)" in out and "| target" in out
    assert "skip |" in out and "no corpus (--corpus)" in out
