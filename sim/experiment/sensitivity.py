"""Global sensitivity analysis (SALib): Morris screening and Sobol indices.

The experiment file names the parameters (typically ``[assumptions]``: every scalar
assumption parameter, +/-30% around its value) and the sampler (``morris`` or
``sobol``); each point runs ``replications`` times with the same seeds at every point
(common random numbers) and the output of a point is the mean over replications of an
indicator in a year. Indices come with 95% bootstrap confidence intervals.

>>> from sim.experiment.sensitivity import sensitivity
>>> result = sensitivity("experiments/morris.toml")
>>> result.indices          # scenario, indicator, year, parameter, index, value, conf
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiment.design import Experiment, load_experiment, sample, sampler_seed
from sim.experiment.executors import Executor
from sim.experiment.store import load
from sim.experiment.sweep import Plan, Summary, execute, plan
from sim.io import write_parquet
from sim.params.errors import InputError

METHODS = ("morris", "sobol")
RANK_BY = {"morris": "mu_star", "sobol": "ST"}


@dataclass
class Sensitivity:
    """The result of :func:`sensitivity`."""

    indices: pd.DataFrame
    summary: Summary
    plan: Plan
    notes: list[str] = field(default_factory=list)


def sensitivity(experiment: str | Path | Experiment, results_dir: str | Path = "results",
                executor: Executor | None = None, progress: bool = True, reuse_stale: bool = False,
                **changes: Any) -> Sensitivity:
    """Run a Morris or Sobol experiment and compute its indices (stored as ``sensitivity.parquet``).

    ``reuse_stale`` reuses stored runs of another code version (see :func:`sim.experiment.sweep.execute`)."""
    exp = experiment if isinstance(experiment, Experiment) else load_experiment(experiment, **changes)
    if exp.sampler not in METHODS:
        raise InputError(exp.path, "sampler.method", exp.sampler, f"one of {list(METHODS)} for sensitivity")
    the_plan = plan(exp)
    summary = execute(the_plan, results_dir, executor, progress, reuse_stale=reuse_stale)
    ind = load(summary.results, "indicators", run_ids=the_plan.run_ids)
    indices, notes = analyse(the_plan, ind)
    write_parquet(indices, summary.results / "sensitivity.parquet")
    return Sensitivity(indices, summary, the_plan, notes)


def point_outputs(the_plan: Plan, indicators: pd.DataFrame) -> pd.DataFrame:
    """Output of every point: mean over replications, per scenario, indicator and year.

    Returns one row per (scenario, stressors, point) and one column per ``indicator@year``.
    """
    exp = the_plan.experiment
    ind = indicators[indicators["indicator"].isin(exp.indicators) & indicators["year"].isin(exp.years)]
    ind = ind.assign(output=ind["indicator"] + "@" + ind["year"].astype(str))
    wide = ind.pivot_table(index="run_id", columns="output", values="value", aggfunc="mean", dropna=False)
    table = the_plan.table.join(wide, on="run_id")
    outputs = [f"{i}@{y}" for i in exp.indicators for y in exp.years]
    table = table.reindex(columns=[*the_plan.table.columns, *outputs])
    return table.groupby(["scenario", "stressors", "point"], sort=False)[outputs].mean().reset_index()


def analyse(the_plan: Plan, indicators: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """SALib indices for every scenario, stressor set and output; notes on what was skipped."""
    exp = the_plan.experiment
    x = sample(exp, round_integers=False).to_numpy(dtype=float)
    outs = point_outputs(the_plan, indicators)
    frames, notes = [], []
    seed = sampler_seed(exp.seed)
    for (scenario, stressors), g in outs.groupby(["scenario", "stressors"], sort=False):
        g = g.sort_values("point")
        for indicator in exp.indicators:
            for year in exp.years:
                y = g[f"{indicator}@{year}"].to_numpy(dtype=float)
                label = f"{scenario}{'+' + stressors if stressors else ''} {indicator} {year}"
                if len(y) != len(x) or not np.isfinite(y).all():
                    notes.append(f"{label}: skipped ({int((~np.isfinite(y)).sum())} points without a value)")
                    continue
                if np.ptp(y) == 0:
                    notes.append(f"{label}: skipped (output constant over the design)")
                    continue
                frame = _indices(exp, x, y, seed)
                frame.insert(0, "year", int(year))
                frame.insert(0, "indicator", indicator)
                frame.insert(0, "stressors", stressors)
                frame.insert(0, "scenario", scenario)
                frames.append(frame)
    cols = ["scenario", "stressors", "indicator", "year", "parameter", "index", "value", "conf",
            "ci_low", "ci_high"]
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)
    return out[cols], notes


def _indices(exp: Experiment, x: np.ndarray, y: np.ndarray, seed: int) -> pd.DataFrame:
    names = exp.problem["names"]
    if exp.sampler == "morris":
        from SALib.analyze import morris

        res = morris.analyze(exp.problem, x, y, conf_level=0.95, num_levels=exp.levels, seed=seed)
        parts = {"mu_star": ("mu_star", "mu_star_conf"), "sigma": ("sigma", None), "mu": ("mu", None)}
    else:
        from SALib.analyze import sobol

        res = sobol.analyze(exp.problem, y, calc_second_order=exp.second_order, conf_level=0.95, seed=seed)
        parts = {"S1": ("S1", "S1_conf"), "ST": ("ST", "ST_conf")}
    rows = []
    for index, (key, conf_key) in parts.items():
        values = np.asarray(res[key], dtype=float)
        confs = np.asarray(res[conf_key], dtype=float) if conf_key else np.full(len(names), np.nan)
        for name, v, c in zip(names, values, confs):
            rows.append({"parameter": name, "index": index, "value": v, "conf": c,
                         "ci_low": v - c, "ci_high": v + c})
    return pd.DataFrame(rows)


def ranking(indices: pd.DataFrame, method: str, top: int = 10) -> str:
    """Text: per output, the ``top`` parameters by mu* (Morris) or total index (Sobol)."""
    if indices.empty:
        return "(no indices)"
    by = RANK_BY[method]
    blocks = []
    for (scenario, stressors, indicator, year), g in indices.groupby(
            ["scenario", "stressors", "indicator", "year"], sort=False):
        main = g[g["index"] == by].sort_values("value", ascending=False).head(top)
        other = g.set_index(["parameter", "index"])["value"]
        second = "sigma" if method == "morris" else "S1"
        lines = [f"{scenario}{' + ' + stressors if stressors else ''}: {indicator} {year} "
                 f"(top {len(main)} by {by}, 95% CI; {second})"]
        for row in main.itertuples():
            lines.append(f"  {row.parameter:<42} {by} {row.value:10.4g} [{row.ci_low:.4g}, {row.ci_high:.4g}]"
                         f"  {second} {other.get((row.parameter, second), np.nan):.4g}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
