"""What every benchmark here needs: repeated timings, the machine they ran on, and a table
that says how each step compares with a baseline measured in the same run."""

from __future__ import annotations

import datetime
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Timing:
    label: str
    seconds: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def measure(steps: dict[str, Callable[[], object]], runs: int) -> list[Timing]:
    """Each step `runs` times, taking turns (a, b, c, a, b, c…) so that a machine that gets
    busier or quieter midway weighs on every step alike."""
    seconds: dict[str, list[float]] = {label: [] for label in steps}
    for _ in range(runs):
        for label, step in steps.items():
            start = time.perf_counter()
            step()
            seconds[label].append(time.perf_counter() - start)
    return [Timing(label, times) for label, times in seconds.items()]


def machine() -> str:
    return (f"{datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z} · "
            f"Python {platform.python_version()} ({platform.python_implementation()}) · "
            f"{platform.system()} {platform.machine()} · {os.cpu_count()} CPUs")


def table(timings: list[Timing], files: int, baseline: Timing | None) -> str:
    """Median seconds, files per second and the ratio to the baseline's median (a dash
    when there is no baseline)."""
    rows = [("step", "median s", "min s", "files/s", "× baseline")]
    for timing in [baseline, *timings] if baseline else timings:
        ratio = f"{timing.median / baseline.median:.2f}" if baseline else "—"
        rows.append((timing.label, f"{timing.median:.3f}", f"{min(timing.seconds):.3f}",
                     f"{files / timing.median:,.0f}", ratio))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [" | ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                        for i, (cell, w) in enumerate(zip(row, widths, strict=True)))
             for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)
