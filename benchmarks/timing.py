"""What every benchmark here needs: repeated timings, the machine they ran on, and a table
that says how each step compares with a baseline measured in the same run.

A step is any callable. One that runs a command returns the `ChildRun` of `run_child`: then
the time and peak memory recorded are the command's own, as its wrapper measured them."""

from __future__ import annotations

import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Timing:
    label: str
    seconds: list[float]
    peak_bytes: list[int] = field(default_factory=list)  # a command's, one per run

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def peak(self) -> int | None:
        """The largest peak resident memory of any run, when the step was a command."""
        return max(self.peak_bytes) if self.peak_bytes else None


@dataclass(frozen=True, slots=True)
class ChildRun:
    """One run of a command: its wall time and peak resident memory, measured around it by
    a wrapper process, its exit code and the end of what it wrote on stderr."""

    seconds: float
    peak_bytes: int
    code: int
    stderr: str


class StepFailed(Exception):
    """A timed command exited with a code it should not have, or timed out."""


def measure(steps: dict[str, Callable[[], object]], runs: int) -> list[Timing]:
    """Each step `runs` times, taking turns (a, b, c, a, b, c…) so that a machine that gets
    busier or quieter midway weighs on every step alike."""
    seconds: dict[str, list[float]] = {label: [] for label in steps}
    peaks: dict[str, list[int]] = {label: [] for label in steps}
    for _ in range(runs):
        for label, step in steps.items():
            start = time.perf_counter()
            result = step()
            elapsed = time.perf_counter() - start
            if isinstance(result, ChildRun):
                # The wrapper's own start-up is not the command's time.
                elapsed = result.seconds
                peaks[label].append(result.peak_bytes)
            seconds[label].append(elapsed)
    return [Timing(label, seconds[label], peaks[label]) for label in steps]


# --- commands -----------------------------------------------------------------------------------

# Linux keeps a process's peak RSS across fork and exec (the kernel carries the old memory
# map's high-water mark into the new program), so a command started by this benchmark, which
# holds big files and results, would report at least the benchmark's own peak. A fresh, bare
# interpreter of a few MB starts the command instead and reports from wait4 the command's
# time and peak alone. SIGALRM is a hang guard, not a measurement.
_WRAPPER = r"""
import json, os, signal, sys, time
spec = json.loads(sys.stdin.read())
if spec["cwd"]:
    os.chdir(spec["cwd"])
flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
stdin = os.open(os.devnull, os.O_RDONLY)
out, err = os.open(spec["stdout"], flags, 0o644), os.open(spec["stderr"], flags, 0o644)
actions = [(os.POSIX_SPAWN_DUP2, stdin, 0), (os.POSIX_SPAWN_DUP2, out, 1),
           (os.POSIX_SPAWN_DUP2, err, 2)]
start = time.perf_counter()
pid = os.posix_spawnp(spec["argv"][0], spec["argv"], spec["env"], file_actions=actions)
signal.signal(signal.SIGALRM, lambda *_: os.kill(pid, signal.SIGKILL))
signal.alarm(spec["timeout"])
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "peak_bytes": usage.ru_maxrss * 1024,
                  "code": os.waitstatus_to_exitcode(status)}))
"""
HANG_GUARD = 1800  # seconds: a command still running then is killed and reported


def run_child(argv: Sequence[str], *, env: Mapping[str, str] | None = None,
              cwd: str | Path | None = None, stdout: str | Path | None = None,
              timeout: int = HANG_GUARD) -> ChildRun:
    """Run `argv` (looked up on PATH) with stdin empty, stdout to `stdout` (else discarded)
    and measure it from a wrapper process; see _WRAPPER for why."""
    with tempfile.NamedTemporaryFile(prefix="bench-stderr-", delete=False) as err_file:
        err_path = err_file.name
    try:
        spec = {"argv": list(argv), "env": dict(os.environ if env is None else env),
                "cwd": str(cwd) if cwd else None, "stdout": str(stdout or os.devnull),
                "stderr": err_path, "timeout": timeout}
        # The spec goes in on stdin: one argument may not exceed 128 KiB, and a list of
        # a thousand files does.
        done = subprocess.run([sys.executable, "-I", "-S", "-c", _WRAPPER],
                              input=json.dumps(spec), capture_output=True, text=True,
                              check=False)
        if done.returncode != 0:
            raise StepFailed(f"could not start {argv[0]}: "
                             f"{(done.stderr.strip().splitlines() or ['?'])[-1]}")
        report = json.loads(done.stdout)
        stderr = Path(err_path).read_text(errors="replace")[-2000:]
    finally:
        os.unlink(err_path)
    return ChildRun(report["seconds"], report["peak_bytes"], report["code"], stderr)


def command(argv: Sequence[str], *, ok: Sequence[int] = (0,), **options: object
            ) -> Callable[[], ChildRun]:
    """A step that runs `argv` (see run_child for `options`) and fails unless it exits with
    one of the codes `ok`."""

    def step() -> ChildRun:
        run = run_child(argv, **options)  # type: ignore[arg-type]
        if run.code not in ok:
            what = "timed out" if run.code == -9 else f"exited {run.code}"
            last = (run.stderr.strip().splitlines() or [""])[-1][:300]
            raise StepFailed(f"{' '.join(argv[:3])}… {what}: {last}")
        return run

    return step


# --- reporting ----------------------------------------------------------------------------------

def machine() -> str:
    return (f"{datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z} · "
            f"Python {platform.python_version()} ({platform.python_implementation()}) · "
            f"{platform.system()} {platform.machine()} · {os.cpu_count()} CPUs")


def grid(rows: Sequence[Sequence[str]], *, markdown: bool = False) -> str:
    """Rows of cells, the first row the header, as aligned plain text or as a Markdown
    table; the first column is left-aligned, the others right-aligned."""
    widths = [max(3, *(len(row[i]) for row in rows)) for i in range(len(rows[0]))]

    def line(row: Sequence[str], separator: str) -> str:
        return separator.join(cell.ljust(w) if i == 0 else cell.rjust(w)
                              for i, (cell, w) in enumerate(zip(row, widths, strict=True)))

    if markdown:
        rule = [":" + "-" * (w - 1) if i == 0 else "-" * (w - 1) + ":"
                for i, w in enumerate(widths)]
        return "\n".join(f"| {line(row, ' | ')} |" for row in [rows[0], rule, *rows[1:]])
    lines = [line(row, " | ") for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def table(timings: list[Timing], files: int, baseline: Timing | None) -> str:
    """Median seconds, files per second and the ratio to the baseline's median (a dash
    when there is no baseline)."""
    rows = [("step", "median s", "min s", "files/s", "× baseline")]
    for timing in [baseline, *timings] if baseline else timings:
        ratio = f"{timing.median / baseline.median:.2f}" if baseline else "—"
        rows.append((timing.label, f"{timing.median:.3f}", f"{min(timing.seconds):.3f}",
                     f"{files / timing.median:,.0f}", ratio))
    return grid(rows)
