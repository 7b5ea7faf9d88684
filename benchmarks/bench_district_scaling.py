"""Benchmark: how a district's run time grows with its streets, on identical streets.

``bench_district.py`` runs the district file, whose streets differ in size and profile,
so its cost per street mixes the streets' own differences with how the run scales.
Here every street is the same scenario (``StreetModel(scenario, n_streets=S)``: S copies
of one street sharing the departments' pool), so a flat cost per street means the
district's cost grows in proportion to its streets. One process, one core, after a
warm-up district of two streets.

    python benchmarks/bench_district_scaling.py                      # 4 16 48 streets, baseline, 2024
    python benchmarks/bench_district_scaling.py --sizes 4 64 --scenario coordinated --end-date 2025-12-31
"""

from __future__ import annotations

import argparse
import gc
import time

from sim.model import StreetModel
from sim.scenarios import load_scenario


def main() -> None:
    """Run the benchmark and print its table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[4, 16, 48])
    ap.add_argument("--scenario", default="baseline")
    ap.add_argument("--end-date", default="2024-12-31")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    scenario = load_scenario(args.scenario).with_values({"run.end_date": args.end_date}, source="benchmark")
    StreetModel(scenario, seed=args.seed, n_streets=2).run()  # warm-up: compiled kernels, caches
    p = scenario.params
    print(f"{args.scenario}, {p.population.residents:,} residents a street, "
          f"{p.run.start_date}..{p.run.end_date}")
    print("| streets | build (s) | run (s) | run per street (ms) |")
    print("|---:|---:|---:|---:|")
    for size in args.sizes:
        gc.collect()
        t0 = time.perf_counter()
        model = StreetModel(scenario, seed=args.seed, n_streets=size)
        t1 = time.perf_counter()
        model.run()
        t2 = time.perf_counter()
        print(f"| {size} | {t1 - t0:.2f} | {t2 - t1:.2f} | {1e3 * (t2 - t1) / size:.0f} |", flush=True)
        del model


if __name__ == "__main__":
    main()
