"""Several replications of one scenario as one tidy frame.

>>> from sim import run_many
>>> frame = run_many("baseline", seeds=[1, 2, 3])          # or seeds=10: ten spawned seeds
>>> frame.columns      # scenario, replication, seed, street, year, indicator, value
>>> frame.query("indicator == 'satisfaction'").groupby("year")["value"].describe()

Runs go to a local process pool (``workers``; 1 runs them here); the frame is in seed
order whatever the number of workers. Nothing is stored: for stored, resumable runs use
:func:`sim.experiment.sweep.sweep` or ``streetsim compare``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiment.executors import map_jobs
from sim.params.errors import InputError
from sim.params.scenario import Scenario
from sim.randomness import replication_seeds
from sim.scenarios import load_scenario

DEFAULT_ROOT_SEED = 20240101


def run_many(scenario: Scenario | str | Path, seeds: Sequence[int] | int, workers: int | None = None,
             values: dict[str, Any] | None = None, root_seed: int = DEFAULT_ROOT_SEED) -> pd.DataFrame:
    """Run ``scenario`` once per seed and return every run's yearly indicators, long.

    Args:
        scenario: a loaded scenario, or a name / file.
        seeds: the replications' root seeds, or a count of seeds spawned from ``root_seed``
            (the same seeds ``streetsim compare`` uses with its default seed).
        workers: worker processes (default all cores; 1 runs in this process).
        values: parameter values and reform-design keys (``levers.NAME.SETTING``,
            ``stressors.NAME``, ...) applied first, validated.
        root_seed: see ``seeds``.

    Returns:
        scenario, replication, seed, street, year, indicator, value.
    """
    from sim.experiment.design import apply_point

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if values:
        scenario = apply_point(scenario, dict(values), "run_many values")
    if isinstance(seeds, int) and not isinstance(seeds, bool):
        if seeds < 1:
            raise InputError(None, "seeds", seeds, "a positive count or a list of seeds")
        seeds = replication_seeds(root_seed, seeds)
    seeds = [int(s) for s in seeds]
    if not seeds or any(s < 0 for s in seeds):
        raise InputError(None, "seeds", seeds, "non-negative integer seeds (at least one)")
    frames = list(map_jobs(_indicators, [(scenario, s) for s in seeds], workers))
    for r, frame in enumerate(frames):
        frame.insert(1, "replication", r)
    return pd.concat(frames, ignore_index=True)


def _indicators(scenario: Scenario, seed: int) -> pd.DataFrame:
    from sim.runner import run

    return run(scenario, seed).indicators
