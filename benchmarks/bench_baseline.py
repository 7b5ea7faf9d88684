"""Benchmark: one full-scale baseline run (58,000 residents, 2024-2030) on one core.

Prints wall seconds, CPU seconds, peak memory (resident set, whole process) and
resident-days per second, for the model run alone and for run + tables + indicators.

    python benchmarks/bench_baseline.py [--repeat 3] [--seed 1]
"""

from __future__ import annotations

import argparse
import resource
import time

from sim.model import StreetModel
from sim.params.loader import load_scenario
from sim.runner import run


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main() -> None:
    """Run the benchmark and print its figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    scenario = load_scenario("baseline")
    p = scenario.params
    resident_days = p.population.residents * ((p.run.end_date - p.run.start_date).days + 1)
    base_rss = peak_rss_mb()
    walls, cpus, fulls = [], [], []
    for _ in range(args.repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        StreetModel(scenario, seed=args.seed).run()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
        w0 = time.perf_counter()
        run(scenario, seed=args.seed)
        fulls.append(time.perf_counter() - w0)
    best = min(walls)
    print(f"baseline: {p.population.residents} residents, {p.run.start_date}..{p.run.end_date}, "
          f"seed {args.seed}, {args.repeat} repeats")
    print(f"model run wall s   best {best:.2f}  all {', '.join(f'{w:.2f}' for w in walls)}")
    print(f"model run cpu s    best {min(cpus):.2f}")
    print(f"run + tables + indicators wall s  best {min(fulls):.2f}")
    print(f"peak memory MB     {peak_rss_mb():.0f} (process; {base_rss:.0f} before the first run)")
    print(f"resident-days/s    {resident_days / best:,.0f}")


if __name__ == "__main__":
    main()
