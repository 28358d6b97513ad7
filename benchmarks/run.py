"""The speed targets of issue 5, each measured as a ratio against a baseline timed in the same
run on the same files, and what users would otherwise run on those files, side by side.

    python benchmarks/run.py [--quick] [--only GROUP]… [--corpus PATH] [--runs N]
                             [--markdown] [--profile]

Every command runs end to end as a user runs it: the installed `cassette` entry point in a
fresh process, timed and its peak memory read by a small wrapper process (see timing.py).
Baselines are full processes too, so interpreter start-up weighs on both sides alike:
`python -c pass`, and PyYAML's C loader (`yaml.load(data, Loader=yaml.CSafeLoader)`, JSON
files through `json.loads`) parsing the same files in one process. Each step runs N times,
taking turns with its baseline (N: 5 for small steps, 3 for big ones, or --runs), and
medians are compared; other tools run once (or --runs): detect-secrets takes minutes, and
the gaps there are tenfold, not close calls. Bytecode is cached as on a user's machine, in
the scratch folder (PYTHONPYCACHEPREFIX: PYTHONDONTWRITEBYTECODE, set in some sandboxes,
would make every run compile the package anew), after one warm-up run of each tool.

Groups (--only): startup, corpus, stream, interactions, diff, parser, compare. The corpus
groups skip when the corpus is absent; the synthetic cassettes are generated into a
temporary folder (synth.py). --quick: one run each, synthetic cassettes a fifth of their
size, no comparison with other tools. Exit 0 even when targets fail: this measures, it
does not gate.
"""

from __future__ import annotations

import argparse
import json
import os
import pstats
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from diff_dirs import cassette_command, noise_only_copy
from synth import Synthetic, interactions_cassette, stream_cassette
from timing import ChildRun, StepFailed, Timing, command, grid, machine, measure, run_child

from cassette_tool.load import expand_paths

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
DIFF_TREE = Path("go-vcr-v2") / "charmbracelet__fantasy"  # inside the corpus: 350 files
SMALL_FILE = ROOT / "samples" / "go-vcr" / "openrouter_tool_streaming.yaml"
SUBSET_FILES = 50  # a pre-commit sized batch: under the hundred files where both cores pay
STREAM_BYTES = 50_000_000
INTERACTIONS = 20_000

# The go-vcr stream's body parsed, then each `data:` chunk decoded as JSON and dropped.
CHUNKS_SCRIPT = """
import sys
import orjson, yaml

with open(sys.argv[1], "rb") as f:
    cassette = yaml.load(f.read(), Loader=yaml.CSafeLoader)
count = 0
for interaction in cassette["interactions"]:
    for line in interaction["response"]["body"].split("\\n"):
        if line.startswith("data: ") and line != "data: [DONE]":
            orjson.loads(line[6:])
            count += 1
print(count)
"""

# The baseline parser, run as `python -c PARSE_SCRIPT FILE…`. Ruby's `!binary` and Python 2's
# `!!python/unicode` tags are read as the plain data they tag, as cassette reads them; a file
# that does not parse is counted, not fatal. No libyaml means no CSafeLoader: it fails loudly.
PARSE_SCRIPT = """
import json, sys
import yaml

class Loader(yaml.CSafeLoader):
    pass

def tagged(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)

for prefix in ("!", "tag:yaml.org,2002:python/"):
    Loader.add_multi_constructor(prefix, tagged)
unreadable = 0
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        data = f.read()
    try:
        if path.endswith((".json", ".har")):
            json.loads(data)
        elif path.endswith((".yaml", ".yml")):
            yaml.load(data, Loader=Loader)
    except Exception:
        unreadable += 1
print(unreadable)
"""


# --- rows of the targets table ------------------------------------------------------------------

Measured = Timing | StepFailed  # a step that failed is reported, the others still timed


@dataclass(frozen=True, slots=True)
class Row:
    target: str
    measured: str
    baseline: str
    ratio: str
    goal: str
    result: str  # pass, FAIL, skip, error, info (no goal)
    note: str = ""


HEADER = ("target", "measured", "baseline", "ratio", "goal", "result")


def seconds(value: float) -> str:
    return f"{value:.3f} s"


def megabytes(value: float) -> str:
    return f"{value / 1e6:,.1f} MB"


def verdict(passed: bool) -> str:
    return "pass" if passed else "FAIL"


def failure(*measured: Measured) -> StepFailed | None:
    return next((m for m in measured if isinstance(m, StepFailed)), None)


def ratio_row(target: str, measured: Measured, baseline: Measured, limit: float, *,
              below: bool = False) -> Row:
    """`measured` against `baseline` by median time: within `limit` times (`below`: strictly
    under it)."""
    if isinstance(measured, StepFailed) or isinstance(baseline, StepFailed):
        return error_row(target, str(failure(measured, baseline)))
    ratio = measured.median / baseline.median
    passed = ratio < limit if below else ratio <= limit
    return Row(target, seconds(measured.median), seconds(baseline.median), f"{ratio:.2f}×",
               f"{'<' if below else '≤'} {limit:g}×", verdict(passed))


def memory_row(target: str, measured: Measured, size: int, limit: float,
               parser: Measured | None = None) -> Row:
    """The command's peak resident memory against the size of the file it read; the
    baseline parser's own peak is noted, as the part that loading the whole tree costs."""
    if isinstance(measured, StepFailed):
        return error_row(target, str(measured))
    peak = measured.peak
    if peak is None:
        return skip_row(target, f"< {limit:g}× file", "no memory figure for this step")
    ratio = peak / size
    parsed = (f" (parser {megabytes(parser.peak)})"
              if isinstance(parser, Timing) and parser.peak is not None else "")
    return Row(target, megabytes(peak), f"{megabytes(size)} file{parsed}", f"{ratio:.2f}×",
               f"< {limit:g}×", verdict(ratio < limit))


def linear_row(target: str, big: Measured, small: Measured, scale: float, limit: float) -> Row:
    """Time on a file `scale` times larger against `scale` times the time on the smaller one:
    about 1 (less, with start-up in both) when time grows linearly, up to `scale` when it
    grows with the square."""
    if isinstance(big, StepFailed) or isinstance(small, StepFailed):
        return error_row(target, str(failure(big, small)))
    expected = small.median * scale
    ratio = big.median / expected
    return Row(target, seconds(big.median), f"{seconds(small.median)} × {scale:.2f}",
               f"{ratio:.2f}×", f"≤ {limit:g}×", verdict(ratio <= limit))


def absolute_row(target: str, measured: Measured, limit: float, baseline: Measured) -> Row:
    """A goal in seconds; the ratio to the baseline is shown for information."""
    if isinstance(measured, StepFailed) or isinstance(baseline, StepFailed):
        return error_row(target, str(failure(measured, baseline)))
    ratio = measured.median / baseline.median
    return Row(target, seconds(measured.median), seconds(baseline.median), f"{ratio:.2f}×",
               f"≤ {limit:g} s", verdict(measured.median <= limit))


def info_row(target: str, measured: Measured, baseline: Measured, note: str) -> Row:
    """A ratio that has no goal of its own but tells how to read the rows that have one."""
    if isinstance(measured, StepFailed) or isinstance(baseline, StepFailed):
        return error_row(target, str(failure(measured, baseline)))
    return Row(target, seconds(measured.median), seconds(baseline.median),
               f"{measured.median / baseline.median:.2f}×", "—", "info", note)


def skip_row(target: str, goal: str, why: str) -> Row:
    return Row(target, "—", "—", "—", goal, "skip", why)


def error_row(target: str, why: str, goal: str = "—") -> Row:
    return Row(target, "—", "—", "—", goal, "error", why)


def corpus_goal(files: int) -> tuple[float, bool]:
    """Issue 5: within 1.5× of parsing, and below 1× past a hundred files (both cores)."""
    return (1.0, True) if files > 100 else (1.5, False)


def spaced(items: Sequence[str], count: int) -> list[str]:
    """`count` items spread evenly over `items` (all of them when there are fewer)."""
    if len(items) <= count:
        return list(items)
    return [items[i * len(items) // count] for i in range(count)]


def render(rows: list[Row], markdown: bool) -> str:
    cells = [HEADER, *((r.target, r.measured, r.baseline, r.ratio, r.goal, r.result)
                       for r in rows)]
    notes = [f"- {r.target}: {r.note}" for r in rows if r.note]
    return "\n".join([grid(cells, markdown=markdown), *([""] + notes if notes else [])])


# --- what is run ------------------------------------------------------------------------------

@dataclass
class Bench:
    """The settings of one run and the synthetic files it made (each made once)."""

    runs_small: int
    runs_big: int
    runs_compare: int
    corpus: Path | None
    scratch: Path
    stream_bytes: int
    interactions: int
    cassette: list[str] = field(default_factory=cassette_command)
    made: dict[tuple[str, int], Synthetic] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.env = child_env(self.scratch / "pycache")

    def stream(self, size: int) -> Synthetic:
        if ("stream", size) not in self.made:
            say(f"writing a {megabytes(size)} streamed cassette")
            self.made["stream", size] = stream_cassette(self.scratch, size)
        return self.made["stream", size]

    def many(self, count: int) -> Synthetic:
        if ("many", count) not in self.made:
            say(f"writing a cassette of {count:,} interactions")
            self.made["many", count] = interactions_cassette(self.scratch, count)
        return self.made["many", count]

    def run(self, *args: str, ok: Sequence[int] = (0, 1), **options: object
            ) -> Callable[[], ChildRun]:
        return command([*self.cassette, *args], ok=ok, env=self.env, **options)

    def parse(self, files: Sequence[str]) -> Callable[[], ChildRun]:
        return command([sys.executable, "-c", PARSE_SCRIPT, *files], env=self.env)

    def parse_on_both_cores(self, files: Sequence[str]) -> Callable[[], ChildRun]:
        """Two parsers at once, each on every other file: what two cores give this machine
        when both have the same work to do, without any tool's own costs."""
        halves = [self.parse(files[0::2]), self.parse(files[1::2])]

        def step() -> ChildRun:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(2) as pool:
                runs = list(pool.map(lambda half: half(), halves))
            return ChildRun(max(r.seconds for r in runs), max(r.peak_bytes for r in runs),
                            max(r.code for r in runs), runs[0].stderr + runs[1].stderr)

        return step

    def python(self, *args: str) -> Callable[[], ChildRun]:
        return command([sys.executable, *args], env=self.env)

    def warm_up(self) -> None:
        """One run of each command on small input, so that timed runs find their bytecode
        cached (and the files in the page cache)."""
        say("warming up (bytecode cache)")
        samples = str(ROOT / "samples")
        pair = [f"{samples}/diff/cross-format/{side}" for side in ("go-vcr", "vcrpy")]
        for argv in ([*self.cassette, "--version"], [*self.cassette, "validate", samples],
                     [*self.cassette, "show", samples], [*self.cassette, "diff", *pair],
                     [*self.cassette, "stats", samples],  # when there is such a command
                     [sys.executable, "-c", PARSE_SCRIPT, str(SMALL_FILE)],
                     [sys.executable, "-c", "pass"]):
            run_child(argv, env=self.env)  # a failure shows when the same step is timed


def child_env(pycache: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPROFILEIMPORTTIME")}
    return {**env, "NO_COLOR": "1", "COLUMNS": "100", "PYTHONPYCACHEPREFIX": str(pycache)}


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def timed(steps: Mapping[str, Callable[[], object]], runs: int) -> dict[str, Measured]:
    say(f"timing {', '.join(steps)} ({runs} run{'s' if runs > 1 else ''} each)")
    failed: dict[str, StepFailed] = {}

    def guarded(label: str, step: Callable[[], object]) -> Callable[[], object]:
        def run() -> object:
            if label not in failed:
                try:
                    return step()
                except StepFailed as exc:
                    failed[label] = exc
            return None

        return run

    timings = measure({label: guarded(label, step) for label, step in steps.items()}, runs)
    return {t.label: failed.get(t.label, t) for t in timings}


def has_stats(bench: Bench) -> bool:
    done = subprocess.run([*bench.cassette, "stats", "--help"], env=bench.env, capture_output=True,
                          check=False)
    return done.returncode == 0


def startup(bench: Bench) -> list[Row]:
    t = timed({"pass": bench.python("-c", "pass"),
               "version": bench.run("--version", ok=(0,)),
               "small": bench.run("validate", str(SMALL_FILE))}, bench.runs_small)
    return [ratio_row("cassette --version / python -c pass", t["version"], t["pass"], 7),
            ratio_row(f"cassette validate ONE_SMALL_FILE ({SMALL_FILE.stat().st_size:,} B)"
                      " / python -c pass", t["small"], t["pass"], 10)]


def corpus(bench: Bench) -> list[Row]:
    if bench.corpus is None:
        return [skip_row("validate, stats over the corpus", "≤ 1.5×, < 1× past 100 files",
                         "no corpus (--corpus)")]
    files = expand_paths([str(bench.corpus)])
    subset = spaced(files, SUBSET_FILES)
    stats = has_stats(bench)
    rows: list[Row] = []
    for name, chosen, paths, runs in (
            (f"the corpus ({len(files)} files)", files, [str(bench.corpus)], bench.runs_big),
            (f"{len(subset)} corpus files", subset, subset, bench.runs_small)):
        # Exit 2 from show or stats: some files are no cassettes; 1 from validate: findings.
        steps = {"parse": bench.parse(chosen), "validate": bench.run("validate", *paths)}
        if stats:
            steps["stats"] = bench.run("stats", *paths, ok=(0, 1, 2))
        whole = chosen is files
        if whole:  # what one core does, and what two give this machine, beside the targets
            steps["validate -j1"] = bench.run("validate", "--jobs", "1", *paths)
            steps["parse, both cores"] = bench.parse_on_both_cores(chosen)
        t = timed(steps, runs)
        limit, below = corpus_goal(len(chosen))
        for verb in ("validate", "stats"):
            target = f"cassette {verb} {name} / CSafeLoader parse"
            rows.append(ratio_row(target, t[verb], t["parse"], limit, below=below) if verb in t
                        else skip_row(target, f"{'<' if below else '≤'} {limit:g}×",
                                      "no `stats` command in this build"))
        if whole:
            rows.append(ratio_row(f"cassette validate --jobs 1 {name} / CSafeLoader parse",
                                  t["validate -j1"], t["parse"], 1.5))
            rows.append(info_row(f"CSafeLoader parse {name}, two processes at once / one",
                                 t["parse, both cores"], t["parse"],
                                 "what this machine's two cores give any program: 0.5× "
                                 "if they were two whole cores"))
    return rows


def big_file(bench: Bench, what: str, big: Synthetic, small: Synthetic) -> list[Row]:
    """show and validate of one large synthetic cassette: against the C parser, in memory,
    and against a file a quarter of its size (linear growth)."""
    scale = big.size / small.size
    t = timed({"parse": bench.parse([str(big.path)]),
               "show": bench.run("show", str(big.path), ok=(0,)),
               "validate": bench.run("validate", str(big.path), ok=(0,)),
               "show small": bench.run("show", str(small.path), ok=(0,)),
               "validate small": bench.run("validate", str(small.path), ok=(0,))},
              bench.runs_big)
    rows = []
    for verb in ("show", "validate"):
        rows += [ratio_row(f"cassette {verb} {what} / CSafeLoader parse", t[verb], t["parse"],
                           1.5),
                 memory_row(f"cassette {verb} {what}: peak memory / file size", t[verb],
                            big.size, 4, parser=t["parse"]),
                 linear_row(f"cassette {verb} {what}: time / {scale:.1f}× a smaller file's",
                            t[verb], t[f"{verb} small"], scale, 1.2)]
    return rows


def stream(bench: Bench) -> list[Row]:
    big = bench.stream(bench.stream_bytes)
    what = f"{megabytes(big.size)} stream"
    rows = big_file(bench, what, big, bench.stream(bench.stream_bytes // 4))
    # What reading the reply costs before any tool does anything with it, beside the goals.
    t = timed({"parse": bench.parse([str(big.path)]),
               "parse + chunks": bench.python("-c", CHUNKS_SCRIPT, str(big.path))},
              bench.runs_big)
    return rows + [info_row(f"CSafeLoader parse + orjson.loads of each chunk, {what} / parse",
                            t["parse + chunks"], t["parse"],
                            "the least a Python program pays to read this reply: parse the "
                            "file, then decode each chunk's JSON (no folding, no secret scan, "
                            "no drawing)")]


def interactions(bench: Bench) -> list[Row]:
    big = bench.many(bench.interactions)
    return big_file(bench, f"{big.interactions:,} interactions", big,
                    bench.many(bench.interactions // 4))


def diff(bench: Bench) -> list[Row]:
    target = "cassette diff of two trees / CSafeLoader parse of both"
    if bench.corpus is None:
        return [skip_row(target, "≤ 5 s", "no corpus (--corpus)")]
    tree = bench.corpus / DIFF_TREE if (bench.corpus / DIFF_TREE).is_dir() else bench.corpus
    old, new = bench.scratch / "diff" / "old", bench.scratch / "diff" / "new"
    if not new.exists():
        shutil.copytree(tree, old)
        noise_only_copy(tree, new)
    files = expand_paths([str(old)]) + expand_paths([str(new)])
    t = timed({"parse": bench.parse(files), "diff": bench.run("diff", str(old), str(new))},
              bench.runs_small)
    # "In seconds": a goal in time, not in ratio.
    return [absolute_row(f"cassette diff of two trees of {len(files) // 2} cassettes / "
                         "CSafeLoader parse of both", t["diff"], 5, t["parse"])]


# --- the C parser, never a silent pure-Python one -----------------------------------------------

PURE_YAML = re.compile(r"(ruamel/yaml|/yaml)/(reader|scanner|parser|composer)\.py$")
# Loads every YAML sample (once to import everything, then) under a profiler, and prints
# how often pure-Python parser functions were called and the three called most.
PURE_CALLS_SCRIPT = """
import cProfile, pstats, re, sys
from cassette_tool.load import load
for path in sys.argv[2:]:  # imports done (class bodies are calls too), lazy ones included
    load(path)
profile = cProfile.Profile()
for path in sys.argv[2:]:
    profile.runcall(load, path)
pure = re.compile(sys.argv[1])
calls = {f"{f.rsplit('/', 2)[-2]}/{f.rsplit('/', 1)[-1]}:{name}": stat[1]
         for (f, _, name), stat in pstats.Stats(profile).stats.items() if pure.search(f)}
print(sum(calls.values()), sorted(calls, key=calls.get, reverse=True)[:3])
"""
# Runs the command with libyaml's bindings (ruamel's and PyYAML's) made unimportable.
NO_C_PARSER_SCRIPT = """
import sys
for name in ("_ruamel_yaml", "yaml._yaml", "_yaml"):
    sys.modules[name] = None
sys.argv = ["cassette", *sys.argv[1:]]
from cassette_tool.cli import main
main()
"""


def parser(bench: Bench) -> list[Row]:
    samples = sorted(str(p) for p in (ROOT / "samples").rglob("*.y*ml"))
    done = subprocess.run([sys.executable, "-c", PURE_CALLS_SCRIPT, PURE_YAML.pattern, *samples],
                          env=bench.env, capture_output=True, text=True, check=False)
    calls, _, which = done.stdout.strip().partition(" ")
    rows = [Row(f"pure-Python YAML parser calls loading the {len(samples)} YAML samples",
                f"{calls} calls" if done.returncode == 0 else "—", "—", "—", "0",
                verdict(calls == "0") if done.returncode == 0 else "error",
                "" if calls == "0" else which if done.returncode == 0
                else (done.stderr.strip().splitlines() or ["?"])[-1])]
    run = subprocess.run([sys.executable, "-c", NO_C_PARSER_SCRIPT, "validate", str(SMALL_FILE)],
                         env=bench.env, capture_output=True, text=True, check=False)
    said = (run.stderr.strip().splitlines() or [""])[0][:200]
    silent = run.returncode == 0 and not said
    rows.append(Row("without libyaml, cassette validate says so", f"exit {run.returncode}",
                    "—", "—", "an error or a warning", verdict(not silent),
                    "parsed in pure Python without a word" if silent else said))
    return rows


# --- what users would otherwise run -------------------------------------------------------------

COMPARE_HEADER = ("files", "task", "command", "median", "peak", "× cassette", "result")


def count_findings(path: Path) -> str:
    """`cassette validate --format json` output: findings and the files they are in."""
    found = json.loads(path.read_text() or "[]")
    return f"{len(found):,} findings in {len({f['path'] for f in found}):,} files"


def count_detect_secrets(path: Path) -> str:
    """`detect-secrets scan` output: potential secrets and the files they are in."""
    results = json.loads(path.read_text())["results"]
    return (f"{sum(len(found) for found in results.values()):,} findings in "
            f"{len(results):,} files")


def yq_command() -> tuple[list[str], str] | None:
    """The `yq` on PATH, as it reads files into JSON: the Python one (a jq wrapper) or Mike
    Farah's Go one."""
    yq = shutil.which("yq")
    if yq is None:
        return None
    version = subprocess.run([yq, "--version"], capture_output=True, text=True, check=False)
    if "mikefarah" in version.stdout + version.stderr:
        return [yq, "eval", "-o=json", "."], "yq (Go) -o=json ."
    if shutil.which("jq") is None:
        return None  # the Python yq runs jq
    return [yq, "."], "yq . (Python yq + jq)"


def detect_secrets_command() -> str | None:
    beside = Path(sys.executable).parent / "detect-secrets"
    return str(beside) if beside.exists() else shutil.which("detect-secrets")


def compare(bench: Bench) -> tuple[list[tuple[str, ...]], list[str]]:
    rows: list[tuple[str, ...]] = [COMPARE_HEADER]
    notes: list[str] = []
    sets: list[tuple[str, Path, list[str]]] = []
    if bench.corpus is not None:
        files = expand_paths([str(bench.corpus)])
        sets.append((f"corpus, {len(files)} files", bench.corpus, files))
    else:
        notes.append("no corpus: compared on the synthetic stream only")
    big = bench.stream(bench.stream_bytes)
    sets.append((f"{megabytes(big.size)} stream", big.path, [str(big.path)]))
    detect_secrets, yq = detect_secrets_command(), yq_command()
    if detect_secrets is None:
        notes.append("detect-secrets is not installed (pip install detect-secrets): "
                     "no secrets comparison")
    if yq is None:
        notes.append("no yq (with jq) on PATH: no yq row")
    # Their bytecode gets cached too before anything is timed.
    for warm_up in ([detect_secrets, "scan", str(SMALL_FILE)] if detect_secrets else None,
                    [*yq[0], str(SMALL_FILE)] if yq else None):
        if warm_up:
            subprocess.run(warm_up, env=bench.env, capture_output=True, check=False)
    for name, target, chosen in sets:
        try:
            rows += _compare_secrets(bench, name, target, detect_secrets)
            rows += _compare_parsing(bench, name, target, chosen, yq)
        except StepFailed as exc:
            notes.append(f"{name}: {exc}")
    return rows, notes


def _outputs(bench: Bench, *names: str) -> list[Path]:
    return [bench.scratch / f"out-{name}" for name in names]


def _compare_secrets(bench: Bench, name: str, target: Path, detect_secrets: str | None
                     ) -> list[tuple[str, ...]]:
    ours, theirs = _outputs(bench, "validate.json", "detect-secrets.json")
    steps: dict[str, Callable[[], object]] = {
        "cassette validate": bench.run("validate", "--format", "json", str(target), stdout=ours)}
    if detect_secrets:
        # detect-secrets only reports files under its working directory: scan from there.
        folder, what = (target, ".") if target.is_dir() else (target.parent, target.name)
        steps["detect-secrets scan --all-files"] = command(
            [detect_secrets, "scan", "--all-files", what], env=bench.env, cwd=folder,
            stdout=theirs)
    t = timed(steps, bench.runs_compare)
    counters = {"cassette validate": (count_findings, ours),
                "detect-secrets scan --all-files": (count_detect_secrets, theirs)}
    results = {label: count(output) for label, (count, output) in counters.items()
               if isinstance(t.get(label), Timing)}
    return _side_by_side(name, "secrets", t, "cassette validate", results)


def _compare_parsing(bench: Bench, name: str, target: Path, files: list[str],
                     yq: tuple[list[str], str] | None) -> list[tuple[str, ...]]:
    trees = [f for f in files if f.endswith((".yaml", ".yml", ".json", ".har"))]
    steps: dict[str, Callable[[], object]] = {
        "cassette show": bench.run("show", str(target), ok=(0, 2)),
        "PyYAML CSafeLoader": bench.parse(files)}
    if yq:
        steps[yq[1]] = command([*yq[0], *trees], env=bench.env)
    t = timed(steps, bench.runs_compare)
    return _side_by_side(name, "read", t, "cassette show", {})


def _side_by_side(name: str, task: str, timings: dict[str, Measured], ours: str,
                  results: dict[str, str]) -> list[tuple[str, ...]]:
    reference = timings[ours]
    rows: list[tuple[str, ...]] = []
    for label, t in timings.items():
        if isinstance(t, StepFailed):
            rows.append((name, task, label, "—", "—", "—", f"error: {t}"))
            continue
        ratio = f"{t.median / reference.median:.2f}×" if isinstance(reference, Timing) else "—"
        rows.append((name, task, label, seconds(t.median),
                     megabytes(t.peak) if t.peak is not None else "—", ratio,
                     results.get(label, "")))
    return rows


# --- profiles -----------------------------------------------------------------------------------

# Runs the command under cProfile in one process (workers off, so that all the work shows)
# and dumps the statistics to argv[1].
PROFILE_SCRIPT = """
import cProfile, sys
out, args = sys.argv[1], sys.argv[2:]
try:
    import cassette_tool.parallel as parallel
    parallel.MIN_FILES = sys.maxsize
except ImportError:
    pass
sys.argv = ["cassette", *args]
profile = cProfile.Profile()
profile.enable()
try:
    from cassette_tool.cli import main
    main()
except SystemExit:
    pass
finally:
    profile.disable()
    profile.dump_stats(out)
"""


LIBRARY_PREFIX = re.compile(r"^.*/(site-packages|lib/python3\.\d+)/")


def where(filename: str, line: int, name: str) -> str:
    """A function's place, short: the library folders and the repository root left out."""
    if filename == "~":
        return name
    filename = LIBRARY_PREFIX.sub("", filename.removeprefix(f"{ROOT}/"))
    return f"{filename}:{line}({name})"


def top_functions(stats: pstats.Stats, order: str, count: int) -> list[tuple[str, ...]]:
    """The `count` functions that took the most time of their own (`tottime`), or the
    project's own functions that took the most with their callees (`cumulative`: the
    command-line framework's frames above them would fill the list and say nothing)."""
    column = {"tottime": 2, "cumulative": 3}[order]
    entries = sorted(((key, value) for key, value in stats.stats.items()  # type: ignore[attr-defined]
                      if order == "tottime" or "/cassette_tool/" in key[0]),
                     key=lambda item: item[1][column], reverse=True)[:count]
    return [("function", "calls", "own s", "with callees s"),
            *((where(*key), f"{value[1]:,}", f"{value[2]:.3f}", f"{value[3]:.3f}")
              for key, value in entries)]


def top_imports(report: str, count: int) -> list[tuple[str, ...]]:
    """The slowest imports of a `-X importtime` report, by cumulative time."""
    found = []
    for line in report.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if match:
            found.append((int(match[2]), int(match[1]), match[3][1:] + match[4]))
    found.sort(reverse=True)
    return [("module (indented: imported by another module)", "own ms", "with imports ms"),
            *((name, f"{own / 1000:.1f}", f"{total / 1000:.1f}")
              for total, own, name in found[:count])]


def profile(bench: Bench, markdown: bool, count: int = 15) -> str:
    sections = []
    say("profiling: start-up imports of cassette validate ONE_SMALL_FILE")
    done = subprocess.run([*bench.cassette, "validate", str(SMALL_FILE)], capture_output=True,
                          text=True, env={**bench.env, "PYTHONPROFILEIMPORTTIME": "1"}, check=False)
    sections.append(("imports of `cassette validate ONE_SMALL_FILE` (-X importtime)",
                     top_imports(done.stderr, count)))
    commands = [("validate ONE_SMALL_FILE", ["validate", str(SMALL_FILE)])]
    if bench.corpus is not None:
        commands.append(("validate the corpus, in one process", ["validate", str(bench.corpus)]))
    big = bench.stream(bench.stream_bytes)
    many = bench.many(bench.interactions)
    commands += [(f"show {megabytes(big.size)} stream", ["show", str(big.path)]),
                 (f"validate {megabytes(big.size)} stream", ["validate", str(big.path)]),
                 (f"validate {many.interactions:,} interactions", ["validate", str(many.path)])]
    for title, args in commands:
        say(f"profiling: cassette {title}")
        out = bench.scratch / "profile.out"
        subprocess.run([sys.executable, "-c", PROFILE_SCRIPT, str(out), *args], env=bench.env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        stats = pstats.Stats(str(out))
        total = max(value[3] for value in stats.stats.values())  # type: ignore[attr-defined]
        for order in ("tottime", "cumulative"):
            sections.append((f"`cassette {title}` ({total:.2f} s under cProfile), by "
                             + ("own time" if order == "tottime"
                                else "time with callees, cassette_tool only"),
                             top_functions(stats, order, count)))
    heading = "### " if markdown else "--- "
    return "\n\n".join(f"{heading}{title}\n\n{grid(rows, markdown=markdown)}"
                       for title, rows in sections)


# --- main -------------------------------------------------------------------------------------

GROUPS: dict[str, Callable[[Bench], list[Row]]] = {
    "startup": startup, "corpus": corpus, "stream": stream, "interactions": interactions,
    "diff": diff, "parser": parser}


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser_ = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser_.add_argument("--quick", action="store_true",
                         help="one run each, synthetic files a fifth of the size, no "
                              "comparison with other tools")
    parser_.add_argument("--only", action="append", choices=[*GROUPS, "compare"],
                         help="run only this group (repeatable)")
    parser_.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser_.add_argument("--runs", type=int,
                         help="runs per step (default: 5 small, 3 big, 1 for other tools)")
    parser_.add_argument("--markdown", action="store_true", help="Markdown tables")
    parser_.add_argument("--profile", action="store_true",
                         help="also profile where the time goes (cProfile, -X importtime)")
    return parser_.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    chosen = args.only or [*GROUPS, *([] if args.quick else ["compare"])]
    runs = args.runs or (1 if args.quick else None)
    shrink = 5 if args.quick else 1
    corpus_dir = args.corpus if args.corpus.is_dir() else None
    with tempfile.TemporaryDirectory(prefix="cassette-bench-") as scratch:
        bench = Bench(runs or 5, runs or 3, runs or 1, corpus_dir, Path(scratch),
                      STREAM_BYTES // shrink, INTERACTIONS // shrink)
        bench.warm_up()
        rows: list[Row] = []
        for name in (g for g in GROUPS if g in chosen):
            try:
                rows += GROUPS[name](bench)
            except StepFailed as exc:
                rows.append(error_row(name, str(exc)))
        compared = compare(bench) if "compare" in chosen else None
        report = [f"{machine()} · runs per step: {bench.runs_small} small, {bench.runs_big} big, "
                  f"{bench.runs_compare} for other tools",
                  f"cassette: {' '.join(bench.cassette)} · corpus: "
                  f"{args.corpus if corpus_dir else f'absent ({args.corpus})'}"]
        heading = "## " if args.markdown else ""
        if rows:
            report += ["", f"{heading}Targets (issue 5)", "", render(rows, args.markdown)]
        if compared:
            table, notes = compared
            report += ["", f"{heading}What users would otherwise run", "",
                       grid(table, markdown=args.markdown), *[f"- {n}" for n in notes]]
        if args.profile:
            report += ["", f"{heading}Where the time goes", "", profile(bench, args.markdown)]
        print("\n".join(report))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
    except (OSError, StepFailed) as exc:
        sys.exit(f"benchmarks/run.py: {exc}")
