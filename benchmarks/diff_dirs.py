"""How long `cassette diff OLD_DIR NEW_DIR` takes on a directory of real cassettes compared
with a noise-only copy of itself (ids, timestamps and durations rewritten, as a re-recording
would), against the floor of merely parsing both trees with PyYAML's libyaml loader.

    python benchmarks/diff_dirs.py [CORPUS_DIR] [--runs N] [--profile]

CORPUS_DIR defaults to ../shared/corpus/go-vcr-v2/charmbracelet__fantasy; the script says
so and stops when it is absent. PyYAML is only needed for the baseline row. Before timing,
the copy is diffed once and any file that does not come out "unchanged" is listed: either
noise that `diff` misses, or a rewrite that hit meaning (the regexes are blunt: a model
list's `id` or a batch's `custom_id` is content, and an id quoted in a message is not
rewritten along with its key).
"""

from __future__ import annotations

import argparse
import cProfile
import email.utils
import json
import os
import pstats
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from timing import machine, measure, table

from cassette_tool.diff import Options, diff_paths
from cassette_tool.load import expand_paths

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "go-vcr-v2" / "charmbracelet__fantasy"
BASELINE = "baseline: PyYAML CSafeLoader, both trees"

# --- the noise-only copy ----------------------------------------------------------------------

# JSON keys whose values a re-recording changes. The lookbehind skips keys inside a JSON
# string (tool arguments such as {\"id\": \"42\"}): those are meaning, not noise.
ID = re.compile(r'(?<!\\)"(id|[a-z_]*_id)"(\s*:\s*)"([^"\\]+)"')
EPOCH = re.compile(r'(?<!\\)"(created|created_at|completed_at|timestamp)"(\s*:\s*)(\d{9,10})\b')
ISO_TIME = re.compile(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?=[.,Z+-]|\b)")
HTTP_DATE = re.compile(r"\b[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT\b")
DURATION = re.compile(r"^(\s*duration: )(\d+(?:\.\d+)?)(ns|µs|us|ms|s)$", re.MULTILINE)
HEADER = re.compile(r"^(\s*(?:x-request-id|request-id|anthropic-request-id|cf-ray|"
                    r"openai-processing-ms|x-envoy-upstream-service-time|req-id):\s*\n"
                    r"\s*- )(\S+)$", re.MULTILINE | re.IGNORECASE)
ROTATE = str.maketrans("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
                       "3456789012defghijklmnopqrstuvwxyzabcDEFGHIJKLMNOPQRSTUVWXYZABC")


def rotated(value: str) -> str:
    """Same length and prefix (`chatcmpl-`, `call_`), other characters: one old id always
    gives the same new one, so a tool call and its result still match."""
    prefix = re.match(r"[A-Za-z]+[-_]", value)
    cut = prefix.end() if prefix else 0
    return value[:cut] + value[cut:].translate(ROTATE)


def _iso_later(match: re.Match[str]) -> str:
    # Only the seconds-precision part, so the text keeps its length: httprr records and HAR
    # files state body lengths.
    try:
        moment = datetime.fromisoformat(match.group(0))
    except ValueError:
        return match.group(0)
    return (moment + timedelta(hours=1)).isoformat()


def _http_date_later(match: re.Match[str]) -> str:
    moment = email.utils.parsedate_to_datetime(match.group(0))
    return email.utils.format_datetime(moment + timedelta(hours=1), usegmt=True)


REWRITES: list[tuple[str, re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    ("ids", ID, lambda m: f'"{m[1]}"{m[2]}"{rotated(m[3])}"'),
    ("epoch times", EPOCH, lambda m: f'"{m[1]}"{m[2]}{int(m[3]) + 3600}'),
    ("ISO times", ISO_TIME, _iso_later),
    ("HTTP dates", HTTP_DATE, _http_date_later),
    ("durations", DURATION, lambda m: f"{m[1]}{float(m[2]) * 1.5:g}{m[3]}"),
    ("request-id headers", HEADER, lambda m: f"{m[1]}{rotated(m[2])}"),
]


def noise_only_copy(source: Path, target: Path) -> Counter[str]:
    """Copy `source` to `target`, rewriting the noise in every cassette file."""
    shutil.copytree(source, target)
    counts: Counter[str] = Counter()
    for path in expand_paths([str(target)]):
        # Bytes in, bytes out: CRLF line ends and stated lengths (httprr, HAR) stay exact.
        text = Path(path).read_bytes().decode("utf-8", errors="surrogateescape")
        for name, pattern, replace in REWRITES:
            text, count = pattern.subn(replace, text)
            counts[name] += count
        Path(path).write_bytes(text.encode("utf-8", errors="surrogateescape"))
    return counts


# --- the steps timed ----------------------------------------------------------------------------

def pyyaml_parse(files: list[str]) -> Callable[[], object] | None:
    try:
        import yaml
    except ImportError:
        print("PyYAML is not installed (pip install PyYAML): no baseline row, no ratios.")
        return None
    base = getattr(yaml, "CSafeLoader", None)
    if base is None:
        print("PyYAML has no libyaml here (CSafeLoader): the baseline uses the slow SafeLoader.")
        base = yaml.SafeLoader

    class Loader(base):  # type: ignore[misc, valid-type]
        """Ruby's `!binary` and Python 2's `!!python/unicode` read as plain scalars."""

    def scalar(loader: Any, _suffix: str, node: Any) -> Any:
        return loader.construct_scalar(node)

    for prefix in ("!", "tag:yaml.org,2002:python/"):
        Loader.add_multi_constructor(prefix, scalar)

    def parse_all() -> object:
        for path in files:
            data = Path(path).read_bytes()
            if path.endswith((".json", ".har")):
                json.loads(data)
            elif path.endswith((".yaml", ".yml")):
                yaml.load(data, Loader=Loader)
            # httprr is not a tree: reading it is all a parser-only baseline does.
        return None

    return parse_all


def cassette_command() -> list[str]:
    script = Path(sys.executable).parent / "cassette"
    return [str(script)] if script.exists() else [sys.executable, "-m", "cassette_tool"]


def subprocess_diff(old: Path, new: Path) -> Callable[[], object]:
    env = {**os.environ, "NO_COLOR": "1"}

    def run() -> object:
        done = subprocess.run([*cassette_command(), "diff", str(old), str(new)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
        if done.returncode not in (0, 1):
            raise SystemExit(f"cassette diff failed ({done.returncode}): {done.stderr[-500:]!r}")
        return None

    return run


# --- main -------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--runs", type=int, default=5, help="timed runs per step (median)")
    parser.add_argument("--profile", action="store_true",
                        help="also profile one in-process diff and print where the time goes")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"skipped: no cassette directory at {args.corpus}")
        return 0
    with tempfile.TemporaryDirectory(prefix="cassette-bench-") as scratch:
        old, new = Path(scratch) / "old", Path(scratch) / "new"
        shutil.copytree(args.corpus, old)  # same disk for both sides
        rewritten = noise_only_copy(args.corpus, new)
        files = expand_paths([str(old)]) + expand_paths([str(new)])
        size = sum(os.path.getsize(f) for f in files)
        print(f"{args.corpus}: {len(files) // 2} files, {size / 2 / 1e6:.1f} MB per side")
        print("noise rewritten: " + ", ".join(f"{n} {what}" for what, n in rewritten.items()))
        check_noise_only(old, new)

        steps = {"cassette diff, in-process (diff_paths)":
                 lambda: diff_paths(str(old), str(new), Options()),
                 "cassette diff, subprocess (end to end)": subprocess_diff(old, new)}
        parse_all = pyyaml_parse(files)
        if parse_all is not None:
            steps = {BASELINE: parse_all, **steps}
        timings = measure(steps, args.runs)
        baseline = timings.pop(0) if parse_all is not None else None
        print(machine() + f" · {args.runs} runs per step, taking turns")
        print(table(timings, len(files), baseline))
        if args.profile:
            profile(lambda: diff_paths(str(old), str(new), Options()))
    return 0


def check_noise_only(old: Path, new: Path) -> None:
    """The copy must differ in noise only; anything else is a finding worth a look (a rewrite
    that hit meaning, or noise that `diff` does not leave out)."""
    results = diff_paths(str(old), str(new), Options())
    statuses = Counter(r.status for r in results)
    print("semantic diff of the copy: " + ", ".join(f"{n} {s}" for s, n in statuses.items()))
    for result in results:
        if result.status != "unchanged":
            paths = sorted({c.path for c in result.changes})[:5]
            print(f"  {result.name}: {result.status} {result.detail} {paths}")


def profile(step: Callable[[], object]) -> None:
    profiler = cProfile.Profile()
    profiler.runcall(step)
    for order in ("cumulative", "tottime"):
        print(f"\n--- profile of one in-process diff, by {order} time")
        pstats.Stats(profiler, stream=sys.stdout).sort_stats(order).print_stats(25)


if __name__ == "__main__":
    sys.exit(main())
