"""Benchmark: sweep throughput (runs per minute) with 1 and 2 worker processes.

    python benchmarks/bench_sweep.py                 # 8 full baseline runs per setting
    python benchmarks/bench_sweep.py --runs 4 --small

Each setting runs the same plan (one scenario, ``--runs`` replications) into its own
temporary store through the local process pool (or Dask with ``--executor dask``),
then checks that both stores hold identical indicators.

Two rates are printed per setting: over the whole sweep (start-up included: each worker
process imports the model and loads its compiled kernels) and after every worker's first
run (:func:`steady_rate`, the throughput a long sweep approaches). With one worker
among the settings, the parallel efficiency of each setting follows: its steady rate
over the worker count times the one-worker steady rate. (``--workers 1,2,4,8,16`` on a
machine with 16 cores gives the scaling table.)
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from pathlib import Path

import pandas as pd

from sim.experiment.design import Experiment, resolve
from sim.experiment.executors import make_executor
from sim.experiment.store import load
from sim.experiment.sweep import execute, plan

SMALL = {"population.residents": 5000, "run.end_date": "2024-12-31"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=8)
    ap.add_argument("--workers", default="1,2", help="worker counts to try")
    ap.add_argument("--executor", choices=("process", "dask"), default="process")
    ap.add_argument("--small", action="store_true", help="5,000 residents, one year")
    args = ap.parse_args()
    exp = resolve(Experiment(name="bench-sweep", scenarios=("baseline",), replications=args.runs,
                             constants=dict(SMALL) if args.small else {}, datasets=("indicators", "daily")))
    the_plan = plan(exp)
    stores, steady = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        for w in (int(x) for x in args.workers.split(",")):
            results = Path(tmp) / f"w{w}"
            done_at: list[float] = []
            with make_executor(args.executor, w) as ex:
                kind = type(ex).__name__
                t0 = time.perf_counter()
                execute(the_plan, results, ex, progress=False,
                        on_done=lambda job, out, log=done_at: log.append(time.perf_counter()))
                wall = time.perf_counter() - t0
            rate = 60 * args.runs / wall
            steady[w] = steady_rate(done_at, w)
            print(f"{w} worker(s) [{kind}]: {args.runs} runs in {wall:.1f} s = {rate:.1f} runs/minute; "
                  f"after each worker's first run {steady[w]:.1f} runs/minute"
                  f"{' [small]' if args.small else ''}")
            stores.append(load(results / exp.name, "indicators"))
        for other in stores[1:]:
            pd.testing.assert_frame_equal(stores[0], other)
    print("indicators identical across worker counts")
    if 1 in steady and not math.isnan(steady[1]):
        for w, r in steady.items():
            print(f"parallel efficiency at {w} worker(s): {r / (w * steady[1]):.0%} "
                  f"(steady rate {r:.1f} against {w} x {steady[1]:.1f} runs/minute)")


def steady_rate(done_at: list[float], workers: int) -> float:
    """Runs a minute between the ``workers``-th run's end (by then every worker has run
    once: started, imported the model, loaded its kernels) and the last run's end; NaN
    when no run ended after that."""
    if len(done_at) <= workers:
        return float("nan")
    return 60 * (len(done_at) - workers) / (done_at[-1] - done_at[workers - 1])


if __name__ == "__main__":
    main()
