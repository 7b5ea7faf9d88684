"""Reference: the resident-only rule set (``reference_rules.py``) in dense numpy, timed
beside a streetsim baseline run on the same population and horizon.

    python benchmarks/reference_numpy.py [--days N (0: all)] [--seed 1] [--no-streetsim]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reference_rules import Rules  # noqa: E402
from reference_rules import main as reference_main  # noqa: E402


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


if __name__ == "__main__":
    reference_main("dense numpy reference", __doc__.splitlines()[0], run_numpy, default_days=0)
