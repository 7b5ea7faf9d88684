"""Benchmark: CPU time of each step of the day inside a full baseline run.

Every step declared in :data:`sim.schedule_order.DAY` (``module.function`` of a mechanism
module, or ``Class.method``) is wrapped with a CPU-time counter for one run, after a
warm-up run (compiled kernels loaded). Prints the model run without and with the
counters, then calls, total seconds and microseconds per call of each step, in the
declared order. The counters add ~2 us per call; ``Street.begin_day``/``end_day``
include the steps they call.

    python benchmarks/bench_steps.py [--scenario baseline] [--seed 1]
"""

from __future__ import annotations

import argparse
import importlib
import time

from sim.model import StreetModel
from sim.scenarios import load_scenario
from sim.schedule_order import DAY

OWNERS = {"StreetModel": "sim.model", "DepartmentPool": "sim.agents.departments",
          "Street": "sim.street", "Residents": "sim.population"}
"""Module of each class named in the declaration (mechanisms live in ``sim.mechanisms``)."""


def resolve(call: str) -> tuple[object, str]:
    """The object holding a declared call, and the attribute name."""
    owner_name, attr = call.split(".")
    if owner_name in OWNERS:
        return getattr(importlib.import_module(OWNERS[owner_name]), owner_name), attr
    return importlib.import_module(f"sim.mechanisms.{owner_name}"), attr


def wrap(owner: object, attr: str, totals: dict, label: str) -> None:
    """Replace ``owner.attr`` with a CPU-time-counting wrapper."""
    fn = getattr(owner, attr)

    def timed(*a, **k):
        t0 = time.process_time()
        try:
            return fn(*a, **k)
        finally:
            rec = totals.setdefault(label, [0, 0.0])
            rec[0] += 1
            rec[1] += time.process_time() - t0

    setattr(owner, attr, timed)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="baseline")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    scenario = load_scenario(args.scenario)
    StreetModel(scenario, seed=args.seed).run()  # warm-up
    c0 = time.process_time()
    StreetModel(scenario, seed=args.seed).run()
    plain = time.process_time() - c0
    totals: dict[str, list] = {}
    for step in DAY:
        owner, attr = resolve(step.call)
        wrap(owner, attr, totals, step.call)
    c0 = time.process_time()
    StreetModel(scenario, seed=args.seed).run()
    timed = time.process_time() - c0
    print(f"{args.scenario}, seed {args.seed}: model run cpu s {plain:.3f} (with counters {timed:.3f})")
    print("| step | when | calls | s | us/call |\n|---|---|---:|---:|---:|")
    for step in DAY:
        n, sec = totals.get(step.call, (0, 0.0))
        print(f"| {step.call} | {step.when} | {n} | {sec:.3f} | {1e6 * sec / max(n, 1):.1f} |")


if __name__ == "__main__":
    main()
