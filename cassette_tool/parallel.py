"""Run one function over many files on every core, results in the order of the files.

Reading a cassette is CPU-bound Python (the YAML parser, then JSON and stream decoding), so
threads do not help; forked worker processes do. Forking copies the already-imported
modules, so a worker starts in about a millisecond; below `MIN_FILES` files, or on one core,
everything runs in this process and nothing is forked.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

# Forking and collecting results costs a few tens of milliseconds: worth it from here on.
MIN_FILES = 24


def workers(jobs: int | None = None) -> int:
    """The number of processes to use: `jobs` when given, else the cores this process may
    run on."""
    if jobs is not None:
        return max(1, jobs)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def map_files(function: Callable[[str], T], paths: Sequence[str], *,
              jobs: int | None = None, before_fork: Callable[[], object] | None = None
              ) -> Iterator[T]:
    """`function(path)` for each path, yielded in the order of `paths` as they complete.

    `function` must be a module-level function (it is pickled by name) that catches the
    errors it expects; an unexpected exception in a worker is raised here. `before_fork`
    runs here, only when workers are forked: what it imports or loads each worker then has
    without paying for it again (one file alone never pays for it up front)."""
    count = min(workers(jobs), len(paths))
    if count >= 2 and len(paths) >= MIN_FILES:
        import multiprocessing  # not for a pre-commit hook's one file: 10 ms to import

        if "fork" in multiprocessing.get_all_start_methods():
            context = multiprocessing.get_context("fork")
            if before_fork is not None:
                before_fork()
            # The first file is done here: the modules it imports, the patterns it compiles
            # and the caches it fills are then the workers' too, not paid once per worker.
            yield function(paths[0])
            rest = paths[1:]
            # Small chunks keep both cores busy when a few files are much larger than the rest.
            chunk = max(1, min(16, len(rest) // (count * 8)))
            with context.Pool(count) as pool:
                yield from pool.imap(function, rest, chunksize=chunk)
            return
    yield from map(function, paths)
