"""Benchmark: what each compiled mechanism kernel saves in a full baseline run.

Runs the model with every kernel compiled, then with one kernel at a time swapped back
to its array (numpy) version (``benchmarks/numpy_mechanisms.py``), alternating, and
prints the best model time of each (the machine's load hits both alike).

    python benchmarks/bench_kernels.py [--repeat 3] [--seed 1] [--residents N]
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from numpy_mechanisms import PORTS  # noqa: E402

from sim.model import StreetModel  # noqa: E402
from sim.params.loader import load_scenario  # noqa: E402


def model_seconds(scenario, seed: int) -> float:
    """Wall seconds of one model run."""
    t0 = time.perf_counter()
    StreetModel(scenario, seed=seed).run()
    return time.perf_counter() - t0


def main() -> None:
    """Run the benchmark and print its figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--residents", type=int, default=None)
    args = ap.parse_args()
    scenario = load_scenario("baseline")
    if args.residents:
        scenario = scenario.with_values({"population.residents": args.residents})
    model_seconds(scenario, args.seed)  # warm-up: compiled kernels loaded
    variants = {"all compiled": {}} | {f"{name} as numpy": {name: port} for name, port in PORTS.items()}
    best = dict.fromkeys(variants, float("inf"))
    for _ in range(args.repeat):
        for label, swaps in variants.items():
            saved = []
            for module_name, attr, array_version in swaps.values():
                module = importlib.import_module(module_name)
                saved.append((module, attr, getattr(module, attr)))
                setattr(module, attr, array_version)
            try:
                best[label] = min(best[label], model_seconds(scenario, args.seed))
            finally:
                for module, attr, compiled in saved:
                    setattr(module, attr, compiled)
    base = best["all compiled"]
    for label, seconds in best.items():
        print(f"{label:40s} model run best {seconds:6.2f} s  ({seconds - base:+.2f} s)")


if __name__ == "__main__":
    main()
