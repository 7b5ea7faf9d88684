"""Benchmark: what each compiled mechanism kernel saves in a full baseline run.

1. Replay: one baseline run records the arguments of every call of each compiled kernel
   (every ``--every``-th call of the kernels that scan whole tables); the calls are then
   replayed through the kernel and through the array (numpy) version it replaced
   (``benchmarks/numpy_mechanisms.py``), alternating; the best of ``--repeat`` is
   printed per kernel, scaled to all of the run's calls. Replays are short, so the
   machine's load disturbs them far less than whole runs.
2. ``--swap``: whole runs with every kernel compiled and with one function at a time
   swapped back to its array version (model CPU seconds, best of ``--repeat``).

    python benchmarks/bench_kernels.py [--repeat 5] [--seed 1] [--every 10] [--swap]
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from numpy_mechanisms import KERNELS, PORTS  # noqa: E402

from sim.model import StreetModel  # noqa: E402
from sim.scenarios import load_scenario  # noqa: E402

WHOLE_TABLE = {"whistle.late_episodes", "recording.count_waiting"}
"""Kernels whose arguments include whole tables: only every ``--every``-th call is kept."""


def compact_decisions(args: tuple) -> tuple:
    """``apply_decisions`` arguments with the episode columns cut to the due episodes
    (renumbered 0..n-1): the kernel touches no other row, and the copies stay small."""
    due = args[0]
    return (np.arange(len(due)), *(a.copy() if hasattr(a, "copy") else a for a in args[1:10]),
            *(column[due].copy() for column in args[10:]))


def compact_routes(args: tuple) -> tuple:
    """``routes_kernel`` arguments with the case columns cut to the queued cases."""
    ids = args[0]
    return (np.arange(len(ids)), *(column[ids].copy() for column in args[1:6]), *args[6:])


COMPACT = {"departments.apply_decisions": compact_decisions, "triage.routes_kernel": compact_routes}
"""Kernels whose recorded arguments are compacted before being kept."""


def record_calls(scenario, seed: int, every: int) -> tuple[dict[str, list], dict[str, int]]:
    """Run once, keeping copies of the kernels' arguments; returns them and call counts."""
    calls: dict[str, list] = {k: [] for k in KERNELS}
    counts = dict.fromkeys(KERNELS, 0)
    saved = []
    for label, (module_name, attr, _) in KERNELS.items():
        module = importlib.import_module(module_name)
        kernel = getattr(module, attr)

        def recorder(*args, _k=kernel, _label=label):
            counts[_label] += 1
            if _label in COMPACT:
                calls[_label].append(COMPACT[_label](args))
            elif _label not in WHOLE_TABLE or counts[_label] % every == 0:
                calls[_label].append(tuple(a.copy() if hasattr(a, "copy") else a for a in args))
            return _k(*args)

        saved.append((module, attr, kernel))
        setattr(module, attr, recorder)
    try:
        StreetModel(scenario, seed=seed).run()
    finally:
        for module, attr, kernel in saved:
            setattr(module, attr, kernel)
    return calls, counts


def replay_seconds(fn, calls: list, repeat: int) -> float:
    """Best time of calling ``fn`` on every recorded argument tuple."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for args in calls:
            fn(*args)
        best = min(best, time.perf_counter() - t0)
    return best


def swap_runs(scenario, seed: int, repeat: int) -> None:
    """Whole runs, each array version swapped in alone (model CPU seconds)."""
    variants = {"all compiled": {}} | {f"{name} as numpy": {name: port} for name, port in PORTS.items()}
    best = dict.fromkeys(variants, float("inf"))
    for _ in range(repeat):
        for label, swaps in variants.items():
            saved = []
            for module_name, attr, array_version in swaps.values():
                module = importlib.import_module(module_name)
                saved.append((module, attr, getattr(module, attr)))
                setattr(module, attr, array_version)
            try:
                t0 = time.process_time()
                StreetModel(scenario, seed=seed).run()
                best[label] = min(best[label], time.process_time() - t0)
            finally:
                for module, attr, compiled in saved:
                    setattr(module, attr, compiled)
    for label, seconds in best.items():
        print(f"  {label:40s} model run cpu best {seconds:6.2f} s  ({seconds - best['all compiled']:+.2f} s)")


def main() -> None:
    """Run the benchmark and print its figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--every", type=int, default=10)
    ap.add_argument("--swap", action="store_true", help="also time whole runs with each array version")
    args = ap.parse_args()
    scenario = load_scenario("baseline")
    StreetModel(scenario, seed=args.seed).run()  # warm-up: compiled kernels loaded
    calls, counts = record_calls(scenario, args.seed, args.every)
    print(f"replay of one baseline run's kernel calls (best of {args.repeat}), seconds per run:")
    for label, (module_name, attr, array_version) in KERNELS.items():
        kernel = getattr(importlib.import_module(module_name), attr)
        scale = counts[label] / max(len(calls[label]), 1)
        compiled = replay_seconds(kernel, calls[label], args.repeat) * scale
        numpy = replay_seconds(array_version, calls[label], args.repeat) * scale
        print(f"  {label:28s} {counts[label]:6d} calls  numpy {numpy:6.3f}  compiled {compiled:6.3f}  "
              f"saves {numpy - compiled:6.3f}  ({numpy / max(compiled, 1e-12):5.1f}x)")
    if args.swap:
        print(f"whole runs (best of {args.repeat}):")
        swap_runs(scenario, args.seed, args.repeat)


if __name__ == "__main__":
    main()
