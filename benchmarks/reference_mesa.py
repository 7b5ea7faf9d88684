"""Reference: the resident-only rule set (``reference_rules.py``) in plain Mesa, one agent
per resident stepped with ``shuffle_do``, timed beside a streetsim baseline run on the
same population and horizon. A full horizon takes minutes: ``--days`` runs fewer days
and the time is scaled to the full horizon (the cost per day is flat).

    python benchmarks/reference_mesa.py [--days 60] [--seed 1] [--no-streetsim]
"""

from __future__ import annotations

import sys
import time
from collections import deque
from pathlib import Path

import mesa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reference_rules import Rules  # noqa: E402
from reference_rules import main as reference_main  # noqa: E402


class Resident(mesa.Agent):
    """A resident who may raise a demand each day."""

    def __init__(self, model: ResidentModel, satisfaction: float) -> None:
        super().__init__(model)
        self.satisfaction = satisfaction

    def step(self) -> None:
        """Raise a demand with the day's probability."""
        model = self.model
        if model.rng.random() < model.rules.rate:
            model.queue.append((self, model.day))
            model.raised += 1

    def experience(self, score: float) -> None:
        """Satisfaction moves towards the outcome's score."""
        self.satisfaction += self.model.rules.learning_rate * (score - self.satisfaction)


class ResidentModel(mesa.Model):
    """Residents, one queue and a street serving a fixed number of demands a day."""

    def __init__(self, rules: Rules, seed: int) -> None:
        super().__init__(rng=seed)
        self.rules = rules
        self.queue: deque[tuple[Resident, int]] = deque()
        self.day = 0
        self.raised = self.served = self.abandoned = 0
        for _ in range(rules.residents):
            Resident(self, rules.initial_satisfaction)

    def step(self) -> None:
        """One day: residents raise demands, stale ones are abandoned, the street serves."""
        self.agents.shuffle_do("step")
        oldest = self.day - self.rules.patience_days
        kept: deque[tuple[Resident, int]] = deque()
        for resident, raised in self.queue:
            if raised < oldest:
                resident.experience(0.0)
                self.abandoned += 1
            else:
                kept.append((resident, raised))
        self.queue = kept
        for _ in range(min(self.rules.capacity, len(self.queue))):
            resident, _ = self.queue.popleft()
            resident.experience(1.0)
            self.served += 1
        self.day += 1


def run_mesa(rules: Rules, days: int, seed: int) -> dict[str, float]:
    """Build the agents and run the rules for ``days`` days."""
    t0 = time.perf_counter()
    model = ResidentModel(rules, seed)
    setup = time.perf_counter() - t0
    for _ in range(days):
        model.step()
    sat = [a.satisfaction for a in model.agents]
    return {"raised": model.raised, "served": model.served, "abandoned": model.abandoned,
            "queued at end": len(model.queue), "mean satisfaction": sum(sat) / len(sat),
            "setup seconds": setup}


if __name__ == "__main__":
    reference_main("plain Mesa shuffle_do reference", __doc__.splitlines()[0], run_mesa, default_days=60)
