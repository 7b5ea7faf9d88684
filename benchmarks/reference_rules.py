"""The resident-only rule set the reference implementations share, and the timing of
a streetsim run beside them.

The rules (far simpler than streetsim): every day each resident raises a demand with
probability ``rate``; demands wait in one first-in-first-out queue; a demand waiting
longer than ``patience_days`` is abandoned; the street serves up to ``capacity`` demands
a day from the head of the queue; a served resident's satisfaction moves towards 1 and
an abandoned one's towards 0 by ``learning_rate``. Population, horizon, demand rate and
patience are the baseline scenario's; the capacity is ``capacity_share`` of the mean
daily demand, so that a queue forms.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass

from sim.model import StreetModel
from sim.scenarios import load_scenario


@dataclass(frozen=True)
class Rules:
    """Parameters of the reference rule set."""

    residents: int
    days: int
    rate: float  # demands per resident per day
    patience_days: int
    capacity: int  # demands served per day
    learning_rate: float = 0.1
    initial_satisfaction: float = 0.5


def baseline_rules(capacity_share: float = 0.95) -> Rules:
    """The rule set on the baseline scenario's population, horizon and demand."""
    p = load_scenario("baseline").params
    days = (p.run.end_date - p.run.start_date).days + 1
    rate = p.demand.contacts_per_resident_year * p.demand.demand_share / 365.0
    residents = int(p.population.residents)
    return Rules(residents=residents, days=days, rate=rate, patience_days=int(p.cases.patience_days),
                 capacity=max(1, int(capacity_share * rate * residents)))


def streetsim_seconds(seed: int = 1, repeat: int = 1) -> float:
    """Best wall seconds of a full baseline model run, after a warm-up run."""
    scenario = load_scenario("baseline")
    StreetModel(scenario, seed=seed).run()
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        StreetModel(scenario, seed=seed).run()
        best = min(best, time.perf_counter() - t0)
    return best


def report(name: str, rules: Rules, days_run: int, seconds: float, summary: dict[str, float],
           streetsim: float | None) -> None:
    """Print a reference's time (scaled to the full horizon when it ran fewer days; a
    ``setup seconds`` entry of the summary is not scaled), its summary and the ratio to
    the streetsim run."""
    setup = summary.pop("setup seconds", 0.0)
    full = setup + (seconds - setup) * rules.days / days_run
    print(f"{name}: {rules.residents} residents, {days_run} of {rules.days} days in {seconds:.2f} s"
          + (f" (scaled to the full horizon: {full:.2f} s)" if days_run != rules.days else ""))
    print("  " + ", ".join(f"{k} {v:,.3f}" if isinstance(v, float) else f"{k} {v:,}"
                           for k, v in summary.items()))
    if streetsim is not None:
        ratio = full / streetsim
        verdict = f"{ratio:.1f}x faster" if ratio >= 1 else f"{1 / ratio:.1f}x slower"
        print(f"  streetsim baseline model run {streetsim:.2f} s: the reference takes {ratio:.2f}x "
              f"streetsim's time (streetsim is {verdict})")


def main(name: str, description: str, run: Callable[[Rules, int, int], dict[str, float]],
         default_days: int) -> None:
    """Command line of a reference: ``--days`` (0: the full horizon), ``--seed``,
    ``--no-streetsim``; times ``run(rules, days, seed)`` and prints the figures."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--days", type=int, default=default_days, help="days to run (0: the full horizon)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-streetsim", action="store_true", help="skip timing the streetsim run")
    args = ap.parse_args()
    rules = baseline_rules()
    days = args.days or rules.days
    t0 = time.perf_counter()
    summary = run(rules, days, args.seed)
    seconds = time.perf_counter() - t0
    report(name, rules, days, seconds, summary, None if args.no_streetsim else streetsim_seconds(args.seed))
