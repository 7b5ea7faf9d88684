"""Benchmark: one full-scale baseline run (58,000 residents, 2024-2030) on one core.

Prints, after one warm-up run (imports, compiled kernels, caches): the model run
alone and run + tables + indicators (wall and CPU seconds, best of ``--repeat``),
peak memory (the peak resident set of a fresh process running once - what a sweep
worker needs; Python allocations by tracemalloc during one run; this process's peak),
resident-days per second, and, as fresh processes, the whole ``streetsim run baseline``
command and ``streetsim --help`` start-up.

    python benchmarks/bench_baseline.py [--repeat 3] [--seed 1] [--no-cli]
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc

from sim.model import StreetModel
from sim.runner import run
from sim.scenarios import load_scenario


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def process_seconds(argv: list[str], repeat: int) -> float:
    """Best wall time of a fresh ``python -m sim.cli ARGV`` process, in seconds."""
    best = float("inf")
    env = dict(os.environ)
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "sim.cli", *argv], check=True, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - t0)
    return best


ONE_RUN = """
import sys
sys.path.insert(0, sys.argv[2])
from bench_district import peak_rss_mb
from sim.scenarios import load_scenario
from sim.runner import run
before = peak_rss_mb()
_ = run(load_scenario("baseline"), seed=int(sys.argv[1])).yearly
print(before, peak_rss_mb())
"""


def fresh_run_rss(seed: int) -> tuple[float, float]:
    """Peak RSS (MB) of a fresh process after its imports, and after one full run with
    tables and indicators (what a sweep worker needs per run)."""
    here = os.path.dirname(os.path.abspath(__file__))
    out = subprocess.run([sys.executable, "-c", ONE_RUN, str(seed), here], check=True,
                         capture_output=True, text=True).stdout.split()
    return float(out[0]), float(out[1])


def main() -> None:
    """Run the benchmark and print its figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-cli", action="store_true", help="skip the fresh-process timings")
    args = ap.parse_args()
    scenario = load_scenario("baseline")
    p = scenario.params
    resident_days = p.population.residents * ((p.run.end_date - p.run.start_date).days + 1)
    base_rss = peak_rss_mb()
    _ = run(scenario, seed=args.seed).yearly  # warm-up: imports, compiled kernels, caches
    walls, cpus, fulls = [], [], []
    for _ in range(args.repeat):
        gc.collect()  # a finished model's agents form cycles; pool workers collect after each run
        w0, c0 = time.perf_counter(), time.process_time()
        StreetModel(scenario, seed=args.seed).run()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
        gc.collect()
        w0 = time.perf_counter()
        _ = run(scenario, seed=args.seed).yearly
        fulls.append(time.perf_counter() - w0)
    tracemalloc.start()
    _ = run(scenario, seed=args.seed).yearly
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    best = min(walls)
    print(f"baseline: {p.population.residents} residents, {p.run.start_date}..{p.run.end_date}, "
          f"seed {args.seed}, {args.repeat} repeats after one warm-up run")
    print(f"model run wall s   best {best:.3f}  all {', '.join(f'{w:.3f}' for w in walls)}")
    print(f"model run cpu s    best {min(cpus):.3f}")
    print(f"run + tables + indicators wall s  best {min(fulls):.3f}  "
          f"all {', '.join(f'{w:.3f}' for w in fulls)}")
    gc.collect()
    imports_rss, one_rss = fresh_run_rss(args.seed)
    print(f"peak memory MB     {one_rss:.0f} peak RSS of a fresh process running once "
          f"({imports_rss:.0f} after its imports)")
    print(f"                   {traced_peak / 2**20:.0f} Python allocations in one run (tracemalloc); "
          f"{peak_rss_mb():.0f} peak RSS of this process over all its runs "
          f"({base_rss:.0f} before the first run)")
    print(f"resident-days/s    {resident_days / best:,.0f}")
    if not args.no_cli:
        with tempfile.TemporaryDirectory() as tmp:
            cmd = process_seconds(["run", "baseline", "--seed", str(args.seed), "--out", f"{tmp}/out"], 1)
        print(f"streetsim run baseline --out  process wall s {cmd:.2f}")
        helps = process_seconds(["--help"], args.repeat)
        print(f"streetsim --help start-up     process wall s best {helps:.2f}")


if __name__ == "__main__":
    main()
