"""Mutation fuzzing over the shared corpus: every real cassette, broken in N seeded ways, read
by what `show --format json` and `validate` run. Counts the inputs tried and the failures:
an exception other than `CassetteError`, or an error or finding that is not one line.

    python benchmarks/fuzz_corpus.py [CORPUS_DIR] [--mutations N] [--seed S] [--jobs J]
                                     [--cli-sample K]
    python benchmarks/fuzz_corpus.py --replay FILE:INDEX [--seed S] [--keep OUT]
    python benchmarks/fuzz_corpus.py --regex

CORPUS_DIR defaults to ../shared/corpus; the script says so and stops when it is absent.
Mutations: cut at a random offset, bytes flipped, bytes inserted (invalid UTF-8, NUL, YAML
indicators), lines swapped, two keys of a mapping swapped, a key line duplicated, a line
dropped, indentation broken (spaces or a tab), line ends mixed (CRLF, CR). Input INDEX of a
file uses its own generator, seeded from (seed, file, INDEX): `--replay` rebuilds it exactly.

The in-process run calls the functions the commands call (load and the JSON writer for
show, check_file and the finding writers for validate), on every core (parallel.map_files);
then `--cli-sample` inputs go through the real `cassette` command, in batches, checking exit
codes, that no traceback is printed and that each unreadable file is named on one line.

`--regex` times every pattern of the package (tests/test_regex_adversarial.py finds them and
builds their adversarial texts) on texts of two sizes and prints how the time grows: about
2x when the size doubles is linear, about 4x quadratic.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from timing import grid, machine

from cassette_tool.errors import CassetteError
from cassette_tool.load import expand_paths, load
from cassette_tool.parallel import map_files, workers
from cassette_tool.render import findings as finding_writers
from cassette_tool.render.data import loaded_data
from cassette_tool.source import dump_json
from cassette_tool.validate import check_file

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
EXIT_CODES = {"show": {0, 2}, "validate": {0, 1}}  # the documented codes for these runs
_ERROR_LINE = re.compile(r"^\S.*?(:\d+){0,2}: \S.*$")


# --- mutations ----------------------------------------------------------------------------------

def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [b""]


def cut(rng: random.Random, data: bytes) -> bytes:
    return data[:rng.randrange(len(data) + 1)]


def flip(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if out:
            out[rng.randrange(len(out))] ^= rng.randint(1, 255)
    return bytes(out)


_INSERTS = [b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x00", b"\t", b"\r", b"\n", b":", b"- ",
            b"'", b'"', b"\\", b"{", b"[", b"&a ", b"*a", b"!!binary ", b"!!python/none ", b"#",
            b"\xef\xbb\xbf", b"%YAML 1.1\n", b"---\n", b"..."]


def insert(rng: random.Random, data: bytes) -> bytes:
    at = rng.randrange(len(data) + 1)
    return data[:at] + rng.choice(_INSERTS) + data[at:]


def swap_lines(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    a, b = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[a], lines[b] = lines[b], lines[a]
    return b"".join(lines)


_KEY = re.compile(rb'^( *)(?:- )?("?[A-Za-z_][\w.-]*"?)\s*:', re.MULTILINE)


def swap_keys(rng: random.Random, data: bytes) -> bytes:
    """Two keys at the same indentation trade names (YAML `key:` or JSON `"key":`)."""
    keys = list(_KEY.finditer(data))
    if len(keys) < 2:
        return swap_lines(rng, data)
    first = rng.choice(keys)
    same = [k for k in keys if k.group(1) == first.group(1) and k.group(2) != first.group(2)]
    if not same:
        return swap_lines(rng, data)
    second = rng.choice(same)
    a, b = sorted((first, second), key=lambda m: m.start(2))
    return (data[:a.start(2)] + b.group(2) + data[a.end(2):b.start(2)] + a.group(2)
            + data[b.end(2):])


def duplicate_key(rng: random.Random, data: bytes) -> bytes:
    keys = list(_KEY.finditer(data))
    if not keys:
        return data + data[:rng.randrange(len(data) + 1)]
    key = rng.choice(keys)
    line_end = data.find(b"\n", key.start())
    line_end = len(data) if line_end < 0 else line_end + 1
    return data[:line_end] + data[key.start():line_end] + data[line_end:]


def drop_line(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    del lines[rng.randrange(len(lines))]
    return b"".join(lines)


def indent(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    at = rng.randrange(len(lines))
    body = lines[at].lstrip(b" ")
    width = len(lines[at]) - len(body)
    lines[at] = b"\t" + body if rng.random() < 0.2 else \
        b" " * max(0, width + rng.choice([-3, -2, -1, 1, 2, 3])) + body
    return b"".join(lines)


def line_ends(rng: random.Random, data: bytes) -> bytes:
    end = rng.choice([b"\r\n", b"\r"])
    share = rng.random()
    return b"".join(line[:-1] + end if line.endswith(b"\n") and rng.random() < share else line
                    for line in _lines(data))


MUTATIONS: dict[str, Callable[[random.Random, bytes], bytes]] = {
    "cut": cut, "flip": flip, "insert": insert, "swap-lines": swap_lines,
    "swap-keys": swap_keys, "duplicate-key": duplicate_key, "drop-line": drop_line,
    "indent": indent, "line-ends": line_ends,
}
KINDS = sorted(MUTATIONS)


def mutant(seed: int, relative: str, index: int, data: bytes) -> tuple[str, bytes]:
    """Input `index` of a file: its kind (taken in turn) and its bytes."""
    rng = random.Random(f"{seed}:{relative}:{index}")
    kind = KINDS[(index + zlib.crc32(relative.encode())) % len(KINDS)]  # each kind in turn
    return kind, MUTATIONS[kind](rng, data)


# --- one input through show --format json and validate -----------------------------------------

@dataclass
class Outcome:
    relative: str
    counts: Counter[str] = field(default_factory=Counter)  # (kind, what happened) tallies
    failures: list[tuple[int, str, str, str]] = field(default_factory=list)  # index, kind,
    # where it raised, what


def _one_line(text: str) -> bool:
    return bool(text) and "\n" not in text and "\r" not in text


def try_input(path: str) -> str:
    """What show --format json and validate make of one file: "loaded", "refused" or
    "findings"/"clean"; raises AssertionError for a message that is not one line, and
    whatever the code raised for anything else."""
    try:
        item: object = load(path)
        read = "loaded"
    except CassetteError as exc:
        item = exc.with_path(path)
        read = "refused"
        assert _one_line(str(exc)), f"show error is not one line: {str(exc)!r}"
    dump_json([loaded_data(item)])  # type: ignore[arg-type]
    found = check_file(path)
    for finding in found:
        assert _one_line(str(finding)), f"finding is not one line: {str(finding)!r}"
    finding_writers.text(found)
    finding_writers.json_text(found)
    return f"{read}, {'findings' if found else 'clean'}"


# Set before the workers fork (parallel.map_files): they read them from here.
SETTINGS: dict[str, object] = {"seed": 0, "mutations": 10, "corpus": "", "scratch": ""}


def fuzz_file(path: str) -> Outcome:
    """Every mutation of one corpus file (runs in a worker)."""
    relative = os.path.relpath(path, str(SETTINGS["corpus"]))
    outcome = Outcome(relative)
    data = Path(path).read_bytes()
    scratch = Path(str(SETTINGS["scratch"])) / f"worker-{os.getpid()}"
    scratch.mkdir(exist_ok=True)
    target = scratch / f"input{Path(path).suffix}"
    for index in range(int(str(SETTINGS["mutations"]))):
        kind, broken = mutant(int(str(SETTINGS["seed"])), relative, index, data)
        target.write_bytes(broken)
        try:
            outcome.counts[f"{kind}|{try_input(str(target))}"] += 1
        except Exception as exc:  # the thing being counted: any escape is a failure
            outcome.counts[f"{kind}|FAILED"] += 1
            outcome.failures.append((index, kind, crash_site(exc),
                                     f"{type(exc).__name__}: {str(exc)[:200]}"))
    return outcome


_PACKAGE = Path(load.__code__.co_filename).parent


def crash_site(exc: BaseException) -> str:
    """`file:function` of the innermost frame of the package that the exception left."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if f.filename.startswith(str(_PACKAGE))]
    last = frames[-1] if frames else traceback.extract_tb(exc.__traceback__)[-1]
    return f"{Path(last.filename).name}:{last.name}"


# --- the real command, on a sample ---------------------------------------------------------------

def cli_sample(files: list[str], corpus: Path, seed: int, mutations: int, count: int,
               scratch: Path) -> tuple[int, list[str]]:
    """`count` inputs (spread over the corpus) through `python -m cassette_tool show -f json`
    and `validate`, in batches of one folder each. Returns (inputs, problems)."""
    rng = random.Random(seed)
    picks = [(rng.choice(files), rng.randrange(mutations)) for _ in range(count)]
    problems: list[str] = []
    batch_size = 100
    for start in range(0, len(picks), batch_size):
        folder = scratch / f"cli-{start}"
        folder.mkdir()
        for number, (path, index) in enumerate(picks[start:start + batch_size]):
            relative = os.path.relpath(path, corpus)
            kind, broken = mutant(seed, relative, index, Path(path).read_bytes())
            (folder / f"{number:03d}-{kind}{Path(path).suffix}").write_bytes(broken)
        for command in (["show", "--format", "json"], ["validate"]):
            done = subprocess.run([sys.executable, "-m", "cassette_tool", *command, str(folder)],
                                  capture_output=True, text=True, errors="replace",
                                  env={**os.environ, "NO_COLOR": "1"}, timeout=1800)
            what = f"{command[0]} {folder.name}"
            if done.returncode not in EXIT_CODES[command[0]]:
                problems.append(f"{what}: exit {done.returncode}: {done.stderr[-300:]}")
            if "Traceback" in done.stdout + done.stderr:
                problems.append(f"{what}: traceback: {done.stderr[-300:]}")
            for line in done.stderr.splitlines():
                if not _ERROR_LINE.match(line) or not line.startswith(str(folder)):
                    problems.append(f"{what}: stderr line is not `path: reason`: {line[:200]}")
        shutil.rmtree(folder)
    return len(picks), problems


# --- regular expressions --------------------------------------------------------------------------

def regex_growth(small: int = 100_000, large: int = 200_000, quadratic: int = 4_000) -> None:
    """How each pattern's time grows on its adversarial texts from `small` to `large`
    characters (the known quadratic ones from `quadratic` to twice that)."""
    sys.path.insert(0, str(ROOT / "tests"))
    import test_regex_adversarial as adversarial

    rows = [("pattern", "texts", "chars", "worst s", "2x chars", "growth", "worst text")]
    for site in adversarial.SITES:
        low = quadratic if site.where in adversarial.QUADRATIC else small
        low = min(low, adversarial.LINEAR_ANYWAY.get(site.where, low))
        pieces = adversarial.Pieces(site.pattern)
        texts, doubled = pieces.texts(low), pieces.texts(low * 2)
        times = {}
        for name, text in texts.items():
            begun = time.perf_counter()
            adversarial._run(site, text)
            times[name] = time.perf_counter() - begun
        worst = max(times, key=lambda n: times[n])
        begun = time.perf_counter()
        adversarial._run(site, doubled[worst])
        again = time.perf_counter() - begun
        growth = again / times[worst] if times[worst] > 1e-4 else float("nan")
        rows.append((site.where, str(len(texts)), f"{low:,}", f"{times[worst]:.4f}",
                     f"{again:.4f}", f"{growth:.1f}x", worst[:30]))
    print(grid(rows))
    print("\ngrowth: time on twice the characters over time on the first size (noisy below "
          "1 ms); known quadratic patterns are timed on small texts:",
          ", ".join(sorted(adversarial.QUADRATIC)))


# --- main -----------------------------------------------------------------------------------------

def summary(outcomes: list[Outcome]) -> str:
    totals: Counter[str] = Counter()
    for outcome in outcomes:
        totals.update(outcome.counts)
    results = sorted({key.split("|", 1)[1] for key in totals})
    rows = [("mutation", "inputs", *results)]
    for kind in [*KINDS, "all"]:
        cells = [sum(n for key, n in totals.items() if key == f"{kind}|{r}" or
                     (kind == "all" and key.endswith(f"|{r}"))) for r in results]
        rows.append((kind, f"{sum(cells):,}", *(f"{c:,}" for c in cells)))
    return grid(rows)


def replay(corpus: Path, spec: str, seed: int, keep: str | None) -> int:
    relative, _, index = spec.rpartition(":")
    path = corpus / relative
    kind, broken = mutant(seed, relative, int(index), path.read_bytes())
    with tempfile.TemporaryDirectory() as folder:
        target = Path(keep or Path(folder) / f"input{path.suffix}")
        target.write_bytes(broken)
        print(f"input {index} of {relative} (seed {seed}): {kind}, {len(broken)} bytes"
              + (f", kept in {target}" if keep else ""))
        print(try_input(str(target)))  # raises as it did in the run
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--mutations", type=int, default=10, help="inputs per corpus file")
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--jobs", type=int, default=None, help="processes (default: cores)")
    parser.add_argument("--cli-sample", type=int, default=200,
                        help="inputs also run through the real command")
    parser.add_argument("--replay", metavar="FILE:INDEX", help="rebuild and run one input")
    parser.add_argument("--keep", help="with --replay: write the input to this path")
    parser.add_argument("--regex", action="store_true", help="time the package's patterns")
    args = parser.parse_args()
    if args.regex:
        regex_growth()
        return 0
    if not args.corpus.is_dir():
        print(f"no corpus at {args.corpus}: nothing to fuzz (it lives beside the repository "
              "on the developers' machines)")
        return 0
    if args.replay:
        return replay(args.corpus, args.replay, args.seed, args.keep)
    files = expand_paths([str(args.corpus)])
    scratch = Path(tempfile.mkdtemp(prefix="cassette-fuzz-"))
    SETTINGS.update(seed=args.seed, mutations=args.mutations, corpus=str(args.corpus),
                    scratch=str(scratch))
    print(f"{machine()}\n{len(files)} files × {args.mutations} mutations, seed {args.seed}, "
          f"{workers(args.jobs)} processes")
    begun = time.perf_counter()
    try:
        outcomes = list(map_files(fuzz_file, files, jobs=args.jobs))
        seconds = time.perf_counter() - begun
        sampled, problems = cli_sample(files, args.corpus, args.seed, args.mutations,
                                       args.cli_sample, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    failures = [(o.relative, *f) for o in outcomes for f in o.failures]
    tried = sum(sum(o.counts.values()) for o in outcomes)
    print(f"\n{summary(outcomes)}\n")
    print(f"in-process: {tried:,} inputs in {seconds:.0f} s, {len(failures)} failure(s)")
    print(f"command: {sampled} inputs through show --format json and validate, "
          f"{len(problems)} problem(s)")
    sites = Counter(site for _, _, _, site, _ in failures)
    if sites:
        print("\n" + grid([("raised in", "inputs", "first input (replay with --replay FILE:INDEX)"),
                           *((site, str(n), next(f"{r}:{i}" for r, i, _, s, _ in failures
                                                 if s == site)) for site, n in
                             sites.most_common())]))
    for relative, index, kind, site, why in failures[:10]:
        print(f"  FAIL {relative} input {index} ({kind}): {site}: {why}\n"
              f"       python benchmarks/fuzz_corpus.py --replay '{relative}:{index}' "
              f"--seed {args.seed}")
    for problem in problems[:20]:
        print(f"  CLI {problem}")
    return 1 if failures or problems else 0


if __name__ == "__main__":
    sys.exit(main())
