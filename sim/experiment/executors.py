"""Executors: run independent jobs serially, on a local process pool, or on Dask.

Each job is a picklable callable plus arguments. :func:`map_jobs` yields results in job
order; an :class:`Executor` yields :class:`Done` records as jobs finish, with the job's
index, so callers can store each result at once and sort by index afterwards. A job's
result depends only on its arguments, never on the executor or the number of workers.

At most ``window`` jobs are in flight at a time, so memory stays bounded however many
jobs there are.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from itertools import islice
from typing import Any

from sim.params.errors import InputError

EXECUTORS = ("process", "serial", "dask")


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
    with _pool(min(workers, len(jobs))) as pool:
        futures = [pool.submit(fn, *job) for job in jobs]
        for f in futures:
            yield f.result()


@dataclass
class Done:
    """A finished job: its index in the job list, and its value or the executor's error.

    ``error`` is set only when the executor could not run the job (a worker process died
    for good); errors raised by the job itself are the job function's to report.
    """

    index: int
    value: Any = None
    error: str | None = None


class Executor:
    """Base class: ``imap(fn, jobs)`` yields :class:`Done` in completion order."""

    name = "serial"
    workers = 1

    def imap(self, fn: Callable[..., Any], jobs: Iterable[tuple], window: int | None = None
             ) -> Iterator[Done]:
        """Run ``fn(*job)`` for every job, yielding each :class:`Done` as it finishes."""
        for i, job in enumerate(jobs):
            yield Done(i, fn(*job))

    def close(self) -> None:
        """Release workers (no-op for the serial executor)."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SerialExecutor(Executor):
    """Everything in this process, one job after another."""


class ProcessExecutor(Executor):
    """A local process pool (``forkserver`` processes: safe with threads in the parent)."""

    name = "process"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = default_workers() if workers is None else max(1, int(workers))
        self._pool: ProcessPoolExecutor | None = None

    def imap(self, fn: Callable[..., Any], jobs: Iterable[tuple], window: int | None = None
             ) -> Iterator[Done]:
        if self._pool is None:
            self._pool = _pool(self.workers)
        window = max(1, window or 2 * self.workers)
        it = enumerate(jobs)
        pending: dict[Future, int] = {}

        def top_up() -> None:
            for i, job in islice(it, window - len(pending)):
                pending[self._pool.submit(fn, *job)] = i

        top_up()
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in sorted(finished, key=pending.__getitem__):
                i = pending.pop(fut)
                try:
                    yield Done(i, fut.result())
                except Exception as exc:  # a dead worker breaks the pool: report, go on
                    yield Done(i, error=f"{type(exc).__name__}: {exc}")
            top_up()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class DaskExecutor(Executor):
    """Dask distributed: a running scheduler (``tcp://HOST:PORT``) or a local cluster.

    Without ``scheduler`` a ``LocalCluster`` of ``workers`` single-threaded worker
    processes is started and closed with the executor. Dask reruns a job whose worker
    dies on another worker, so a killed worker does not lose the sweep.
    """

    name = "dask"

    def __init__(self, scheduler: str | None = None, workers: int | None = None) -> None:
        import logging

        from distributed import Client, LocalCluster

        self.cluster = None
        if scheduler:
            try:
                self.client = Client(scheduler, timeout="20s")
            except OSError as exc:
                raise InputError(None, "--scheduler", scheduler,
                                 f"a reachable Dask scheduler address ({exc})") from None
        else:
            n = default_workers() if workers is None else max(1, int(workers))
            self.cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                        dashboard_address=None, silence_logs=logging.ERROR)
            self.client = Client(self.cluster)
        self.workers = max(1, len(self.client.scheduler_info()["workers"]))

    def imap(self, fn: Callable[..., Any], jobs: Iterable[tuple], window: int | None = None
             ) -> Iterator[Done]:
        from distributed import as_completed

        window = max(1, window or 2 * self.workers)
        it = enumerate(jobs)
        pending = {}
        stream = as_completed()

        def submit(n: int) -> None:
            for i, job in islice(it, n):
                fut = self.client.submit(fn, *job, pure=False)
                pending[fut.key] = i
                stream.add(fut)

        submit(window)
        for fut in stream:
            i = pending.pop(fut.key)
            try:
                yield Done(i, fut.result())
            except Exception as exc:  # e.g. KilledWorker after repeated worker deaths
                yield Done(i, error=f"{type(exc).__name__}: {exc}")
            finally:
                fut.release()
            submit(1)

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def make_executor(kind: str = "process", workers: int | None = None,
                  scheduler: str | None = None) -> Executor:
    """An executor by name: ``process`` (default, all cores), ``serial`` or ``dask``.

    ``workers=1`` with ``process`` runs serially (no pool to start).
    """
    if kind not in EXECUTORS:
        raise InputError(None, "--executor", kind, f"one of {list(EXECUTORS)}")
    if workers is not None and int(workers) < 1:
        raise InputError(None, "--workers", workers, "a positive integer")
    if scheduler and kind != "dask":
        raise InputError(None, "--scheduler", scheduler, "only with --executor dask")
    if kind == "dask":
        return DaskExecutor(scheduler, workers)
    if kind == "serial" or (workers is not None and int(workers) == 1):
        return SerialExecutor()
    return ProcessExecutor(workers)


def _pool(workers: int) -> ProcessPoolExecutor:
    """A process pool whose workers end when this process ends (see :func:`watch_parent`)."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=_context(), initializer=init_worker,
                               initargs=(os.getpid(),))


def init_worker(pid: int) -> None:
    """Worker initializer: watch the parent (:func:`watch_parent`), import the model, and
    freeze what the imports made (``gc.freeze``) so that the collection after each job
    (:func:`sim.experiment.jobs.run_job`) looks at that job's objects only."""
    import gc

    import sim.runner  # noqa: F401 - imported once, before the freeze
    from sim.experiment import jobs

    watch_parent(pid)
    gc.freeze()
    jobs.COLLECT_AFTER_JOB = True


def watch_parent(pid: int, interval: float = 0.5) -> None:
    """Worker initializer: exit as soon as process ``pid`` (the one that started the
    pool) is gone, even when it was killed with SIGKILL and could not shut the pool down.
    A daemon thread checks every ``interval`` seconds; once the workers are gone the
    forkserver and the resource tracker see their pipes close and end too."""
    import threading
    import time

    def alive() -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        try:  # a killed parent not yet reaped is a zombie: gone for our purpose
            with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
                return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
        except OSError:
            return True

    def watch() -> None:
        while alive():
            time.sleep(interval)
        os._exit(1)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


def _context() -> multiprocessing.context.BaseContext:
    """``forkserver`` processes that fork from a server which has imported the model once."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["__main__", "sim.runner", "sim.experiment.jobs"])
    return ctx
