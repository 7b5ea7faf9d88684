"""A first paired comparison: a scenario against another on the same seeds.

Both scenarios run on the same replication seeds (``replication_seeds``), so they share
every random draw where their mechanisms agree (common random numbers) and the
difference of each pair is the scenario's effect in that replication. The table gives,
for chosen years, each indicator's mean under both, the mean paired difference and the
half-width of its 95% confidence interval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.experiment.executors import map_jobs
from sim.indicators.definitions import INDICATORS
from sim.params.scenario import Scenario
from sim.randomness import replication_seeds
from sim.stats import t_half_width

YEARS: tuple[int, ...] = (2025, 2027, 2030)
"""End of the short term, of the middle term, and of the run (brief §4 timeline)."""


def _yearly(scenario: Scenario, seed: int) -> pd.DataFrame:
    from sim.runner import run

    return run(scenario, seed).yearly


def replicate(scenario: Scenario, reps: int, seed: int, workers: int | None = 1) -> list[pd.DataFrame]:
    """Yearly indicators of ``reps`` replications on the seeds spawned from ``seed``."""
    jobs = [(scenario, s) for s in replication_seeds(seed, reps)]
    return list(map_jobs(_yearly, jobs, workers))


def paired(scenario: Scenario, baseline: Scenario, reps: int = 10, seed: int = 20240101,
           years: tuple[int, ...] = YEARS, workers: int | None = 1) -> pd.DataFrame:
    """Mean indicators of ``scenario`` and ``baseline`` over ``reps`` paired replications.

    Args:
        scenario, baseline: loaded scenarios (stressors already applied as wanted).
        reps: replications; replication ``k`` of both uses the same seed.
        seed: experiment seed the replication seeds are spawned from.
        years: years reported (those outside the run are left out; if none is in the
            run, every year of the run).
        workers: processes (1: in this process; None: all cores).

    Returns:
        One row per (indicator, year): ``indicator``, ``name_en``, ``name_zh``, ``kind``,
        ``year``, ``scenario``, ``baseline``, ``difference`` (mean of paired
        differences), ``ci95`` (its half-width) and ``n`` (pairs with a value).
    """
    seeds = replication_seeds(seed, reps)
    jobs = [(scenario, s) for s in seeds] + [(baseline, s) for s in seeds]
    frames = list(map_jobs(_yearly, jobs, workers))
    return pair(frames[:reps], frames[reps:], years)


def pair(ours: list[pd.DataFrame], theirs: list[pd.DataFrame], years: tuple[int, ...] = YEARS
         ) -> pd.DataFrame:
    """The paired table of :func:`paired` from yearly indicators run on the same seeds
    (``ours[k]`` and ``theirs[k]`` share replication ``k``'s seed)."""
    run_years = [y for y in ours[0].index if y in theirs[0].index]
    years = tuple(y for y in years if y in run_years) or tuple(run_years)
    rows = []
    for ind in INDICATORS:
        for year in years:
            a = np.array([f.loc[year, ind.key] for f in ours], dtype=float)
            b = np.array([f.loc[year, ind.key] for f in theirs], dtype=float)
            d = (a - b)[~np.isnan(a - b)]
            half = t_half_width(d)
            rows.append({"indicator": ind.key, "name_en": ind.en, "name_zh": ind.zh, "kind": ind.kind,
                         "year": year, "scenario": _mean(a), "baseline": _mean(b),
                         "difference": _mean(d), "ci95": half, "n": len(d)})
    return pd.DataFrame(rows)


def _mean(x: np.ndarray) -> float:
    x = x[~np.isnan(x)]
    return float(x.mean()) if len(x) else float("nan")


def wide(table: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """The paired table with one row per indicator and, per year, scenario / baseline /
    difference columns."""
    name = "name_zh" if lang == "zh" else "name_en"
    years = sorted(table["year"].unique())
    rows = {}
    for key, group in table.groupby("indicator", sort=False):
        by_year = group.set_index("year")
        row = {("", "name"): group[name].iloc[0]}
        for y in years:
            for col in ("scenario", "baseline", "difference"):
                row[(y, col)] = by_year.loc[y, col] if y in by_year.index else float("nan")
        rows[key] = row
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.columns = pd.MultiIndex.from_tuples(out.columns)
    out.index.name = "indicator"
    return out
