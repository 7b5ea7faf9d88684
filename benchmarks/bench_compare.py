"""Benchmark: ``streetsim compare`` wall time (target: 5 scenarios x 30 replications in at
most 60 s of runs on 2 workers).

    python benchmarks/bench_compare.py                       # the full benchmark (150 runs)
    python benchmarks/bench_compare.py --reps 2 --small      # a quick check that it works

Prints the wall time, runs per minute and whether the target is met. Runs go to a
temporary store unless ``--results`` is given (a stored run is not run again).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from sim.experiment.compare import DEFAULT_SCENARIOS, compare
from sim.experiment.executors import make_executor

TARGET_S = 60.0
SMALL = {"population.residents": 5000, "run.end_date": "2024-12-31"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=30)
    ap.add_argument("--scenarios", default=",".join(DEFAULT_SCENARIOS))
    ap.add_argument("--workers", type=int, default=None, help="default: all cores")
    ap.add_argument("--small", action="store_true", help="5,000 residents, one year (a quick check)")
    ap.add_argument("--results", type=Path, default=None)
    args = ap.parse_args()
    scenarios = args.scenarios.split(",")
    years = [2024] if args.small else [2025, 2027, 2030]
    constants = SMALL if args.small else None
    with tempfile.TemporaryDirectory() as tmp:
        results = args.results or Path(tmp)
        t0 = time.perf_counter()
        with make_executor("process", args.workers) as ex:
            result = compare(scenarios, args.reps, years=years, results_dir=results, executor=ex,
                             progress=True, name="bench-compare", constants=constants)
        wall = time.perf_counter() - t0
    n = result.summary.ran
    print(f"compare: {len(scenarios)} scenarios x {args.reps} replications = {result.summary.planned} runs "
          f"({n} run now) on {ex.workers} workers, {os.cpu_count()} cores{' [small]' if args.small else ''}")
    print(f"wall time {wall:.1f} s; {60 * n / wall:.1f} runs/minute; "
          f"{wall / max(n, 1):.2f} s per run (wall)")
    if not args.small and len(scenarios) == 5 and args.reps == 30:
        print(f"target <= {TARGET_S:.0f} s: {'met' if wall <= TARGET_S else 'NOT met'}")


if __name__ == "__main__":
    main()
