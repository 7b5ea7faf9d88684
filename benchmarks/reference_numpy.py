"""Reference: the resident-only rule set (``reference_rules.py``) in dense numpy, timed
beside a streetsim baseline run on the same population and horizon.

    python benchmarks/reference_numpy.py [--days N] [--seed 1] [--no-streetsim]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reference_rules import Rules, baseline_rules, report, streetsim_seconds  # noqa: E402


def run_numpy(rules: Rules, days: int, seed: int) -> dict[str, float]:
    """Run the rules for ``days`` days; every resident is drawn every day."""
    rng = np.random.default_rng(seed)
    satisfaction = np.full(rules.residents, rules.initial_satisfaction)
    queue_who = np.empty(0, dtype=np.int64)
    queue_day = np.empty(0, dtype=np.int64)
    served = abandoned = raised = 0
    lr = rules.learning_rate
    for day in range(days):
        new = np.flatnonzero(rng.random(rules.residents) < rules.rate)
        raised += len(new)
        queue_who = np.concatenate([queue_who, new])
        queue_day = np.concatenate([queue_day, np.full(len(new), day)])
        stale = queue_day < day - rules.patience_days
        if stale.any():
            gone = queue_who[stale]
            for who in gone:  # a resident may be in the queue twice: apply in order
                satisfaction[who] += lr * (0.0 - satisfaction[who])
            abandoned += len(gone)
            queue_who, queue_day = queue_who[~stale], queue_day[~stale]
        k = min(rules.capacity, len(queue_who))
        done = queue_who[:k]
        unique = np.unique(done)
        if len(unique) == len(done):
            satisfaction[done] += lr * (1.0 - satisfaction[done])
        else:
            for who in done:
                satisfaction[who] += lr * (1.0 - satisfaction[who])
        served += k
        queue_who, queue_day = queue_who[k:], queue_day[k:]
    return {"raised": raised, "served": served, "abandoned": abandoned, "queued at end": len(queue_who),
            "mean satisfaction": float(satisfaction.mean())}


def main() -> None:
    """Time the reference and print its figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=None, help="days to run (default: the full horizon)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-streetsim", action="store_true", help="skip timing the streetsim run")
    args = ap.parse_args()
    rules = baseline_rules()
    days = args.days or rules.days
    t0 = time.perf_counter()
    summary = run_numpy(rules, days, args.seed)
    seconds = time.perf_counter() - t0
    report("dense numpy reference", rules, days, seconds, summary,
           None if args.no_streetsim else streetsim_seconds(args.seed))


if __name__ == "__main__":
    main()
