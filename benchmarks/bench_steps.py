"""Benchmark: CPU time of each part of a full baseline run.

First the run as ``StreetModel.run`` makes it (days compiled a month at a time,
``sim.month_loop``): the model run, the time inside the compiled months
(``run_street_days``), the month openings in Python (``StreetModel.open_month``, each
street's ``open_periods`` and ``demand.plan_month``), the year closings
(``Street.close_periods``), and each month-start and year step declared in
:data:`sim.schedule_order.DAY`.

Then every day through ``StreetModel.step`` (``compiled_days = False``), each declared
step (``module.function`` of a mechanism module, or ``Class.method``) wrapped with a
CPU-time counter: calls, total seconds and microseconds per call, in the declared
order. The counters add ~2 us per call; ``Street.begin_day``/``end_day`` include the
steps they call. Both after a warm-up run (compiled kernels loaded).

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
    if owner_name == "month_loop":
        return importlib.import_module("sim.month_loop"), attr
    return importlib.import_module(f"sim.mechanisms.{owner_name}"), attr


def wrap(owner: object, attr: str, totals: dict, label: str):
    """Replace ``owner.attr`` with a CPU-time-counting wrapper; returns a function that
    puts the original back."""
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
    return lambda: setattr(owner, attr, fn)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="baseline")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    scenario = load_scenario(args.scenario)
    for compiled in (True, False):
        StreetModel.compiled_days = compiled
        StreetModel(scenario, seed=args.seed).run()  # warm-up
        c0 = time.process_time()
        StreetModel(scenario, seed=args.seed).run()
        plain = time.process_time() - c0
        totals: dict[str, list] = {}
        parts = PARTS if compiled else ()
        steps = [s for s in DAY if not compiled or s.when in ("month start", "year start", "year end")]
        undo = [wrap(*resolve(call), totals, call) for call in parts]
        undo += [wrap(*resolve(step.call), totals, step.call) for step in steps]
        c0 = time.process_time()
        StreetModel(scenario, seed=args.seed).run()
        timed = time.process_time() - c0
        for restore in reversed(undo):
            restore()
        how = "compiled months (StreetModel.run)" if compiled else "day by day (compiled_days = False)"
        print(f"\n{args.scenario}, seed {args.seed}, {how}: model run cpu s {plain:.3f} "
              f"(with counters {timed:.3f})")
        print("| part | when | calls | s | us/call |\n|---|---|---:|---:|---:|")
        rows = [(call, "") for call in parts] + [(step.call, step.when) for step in steps]
        for call, when in rows:
            n, sec = totals.get(call, (0, 0.0))
            print(f"| {call} | {when} | {n} | {sec:.3f} | {1e6 * sec / max(n, 1):.1f} |")


PARTS = ("month_loop.run_street_days", "StreetModel.open_month", "Street.open_periods", "demand.plan_month",
         "Street.close_periods")
"""The parts of a compiled run timed first (``month_loop.run_street_days`` is every
compiled day; ``Street.open_periods`` includes the month-start and year-start steps)."""


if __name__ == "__main__":
    main()
