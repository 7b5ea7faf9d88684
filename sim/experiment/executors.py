"""Executors: run independent jobs serially or on a local process pool.

Each job is a picklable callable plus arguments; results come back in job order, so
results never depend on the executor or the number of workers.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any


def default_workers() -> int:
    """All cores of this machine."""
    return max(1, os.cpu_count() or 1)


def map_jobs(fn: Callable[..., Any], jobs: Iterable[tuple], workers: int | None = None
             ) -> Iterator[Any]:
    """Apply ``fn(*job)`` to every job, yielding results in job order."""
    jobs = list(jobs)
    workers = default_workers() if workers is None else max(1, int(workers))
    if workers == 1 or len(jobs) <= 1:
        for job in jobs:
            yield fn(*job)
        return
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
        futures = [pool.submit(fn, *job) for job in jobs]
        for f in futures:
            yield f.result()
