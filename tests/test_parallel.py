"""parallel.map_files: results in order, workers forked only for many files, and what runs
before forking (the first file, `before_fork`) runs in this process."""

from __future__ import annotations

import os

import pytest

from cassette_tool import parallel
from cassette_tool.parallel import MIN_FILES, map_files

fork_only = pytest.mark.skipif(parallel.workers() < 2 or not hasattr(os, "fork"),
                               reason="needs two cores and fork")


def where(path: str) -> tuple[str, int]:
    return path, os.getpid()


@fork_only
def test_many_files_are_read_by_workers_in_order_the_first_here() -> None:
    paths = [f"file-{i}" for i in range(MIN_FILES * 2)]
    warmed: list[int] = []
    results = list(map_files(where, paths, jobs=2, before_fork=lambda: warmed.append(1)))
    assert [path for path, _ in results] == paths
    pids = [pid for _, pid in results]
    assert pids[0] == os.getpid() and os.getpid() not in pids[1:]
    assert warmed == [1]


@pytest.mark.parametrize("count, jobs", [(MIN_FILES - 1, 2), (MIN_FILES * 2, 1)])
def test_few_files_or_one_job_run_here_without_the_preparation(count: int, jobs: int) -> None:
    paths = [f"file-{i}" for i in range(count)]
    warmed: list[int] = []
    results = list(map_files(where, paths, jobs=jobs, before_fork=lambda: warmed.append(1)))
    assert results == [(path, os.getpid()) for path in paths]
    assert warmed == []
