"""The report's numbers, apart from how they are drawn.

:func:`report_data` turns the stored datasets of one experiment (or hand-made frames
with the same columns) into a :class:`ReportData`: indicator means with 95% confidence
intervals, paired differences from the baseline, staff hours by use, case flows,
department answers, and the optional sensitivity, sweep and calibration tables.

An *arm* is a scenario under one set of stressors (``"path"`` or ``"path [stressors]"``).
Every summary pools the runs of an arm over replications and parameter points.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.calibration import PATTERNS, pattern_values
from sim.indicators.definitions import INDICATOR_BY_KEY
from sim.stats import mean_ci

BUCKETS = ("casework", "in_list", "out_of_list", "data_entry", "training", "emergency")
"""Staff-hour uses recorded daily (``hours_<bucket>``); the rest of the available hours is slack."""
FLOW_OUTCOMES = ("resolved", "bounced", "dropped", "open")


@dataclass
class ReportData:
    """Everything the report shows, as DataFrames.

    Attributes:
        arms: one row per arm: arm, scenario, stressors, name_zh, description, levers,
            reference (the arm it is compared with; empty for the baseline), runs, replications.
        summary: arm, indicator, year, n, mean, ci_low, ci_high.
        diffs: arm, reference, indicator, year, n, mean, ci_low, ci_high (arm minus reference,
            paired by seed and point).
        hours: arm, month, year, bucket, hours, share (mean over runs of each month's hours).
        flows: arm, route, outcome (resolved/bounced/dropped/open), n (mean cases per run).
        departments: arm, year, department, episodes, answer_rate, mean_arrival_hours.
        changes: scenario, parameter, baseline, value, source (parameters differing from the baseline).
        levers: scenario, kind (lever/stressor), name, phase, settings, clause (the plan's words).
        runs: the runs table (one row per run, failed ones included).
        meta: experiment name, description, sampler, seeds, version, commit, ...
        sweep: arm, point, one column per varied parameter, indicator, year, mean (or None).
        sensitivity: the engine's indices (``sim.experiment.sensitivity``): scenario, stressors,
            indicator, year, parameter, index (mu_star, sigma, mu or S1, ST), value, conf (or None).
        calibration: pattern, indicator, target, tolerance, mean, ci_low, ci_high, pass (or None).
        targets, costs, paired: the target, cost and paired tables ``streetsim compare`` stores
            (:mod:`sim.experiment.targets`, :mod:`sim.experiment.costs`), or None.
        discovery: scenario-discovery boxes stored beside the experiment (``sim.discovery``):
            path, indicator, failure, share, coverage, density, mass, res_dim, restrictions (or None).
    """

    arms: pd.DataFrame
    summary: pd.DataFrame
    diffs: pd.DataFrame
    hours: pd.DataFrame
    flows: pd.DataFrame
    departments: pd.DataFrame
    changes: pd.DataFrame
    levers: pd.DataFrame
    runs: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)
    sweep: pd.DataFrame | None = None
    sensitivity: pd.DataFrame | None = None
    calibration: pd.DataFrame | None = None
    targets: pd.DataFrame | None = None
    costs: pd.DataFrame | None = None
    paired: pd.DataFrame | None = None
    discovery: pd.DataFrame | None = None

    @property
    def arm_order(self) -> list[str]:
        """Arms in experiment order (the baseline first)."""
        return list(self.arms["arm"])

    @property
    def years(self) -> list[int]:
        """Years with indicator values."""
        return sorted(int(y) for y in self.summary["year"].unique())

    def arm_label(self, arm: str, lang: str) -> str:
        """An arm's display name: the scenario's Chinese name in ``zh`` where it has one."""
        return self._labels(lang).get(arm, arm)

    def _labels(self, lang: str) -> dict[str, str]:
        cache = self.__dict__.setdefault("_label_cache", {})
        if lang not in cache:
            cache[lang] = {}
            for row in self.arms.itertuples():
                name = row.name_zh if lang == "zh" and row.name_zh else row.scenario
                cache[lang][row.arm] = f"{name} [{row.stressors}]" if row.stressors else str(name)
        return cache[lang]


def report_data(runs: pd.DataFrame | None, indicators: pd.DataFrame,
                daily: pd.DataFrame | None = None, flows: pd.DataFrame | None = None,
                departments: pd.DataFrame | None = None, *, meta: dict[str, Any] | None = None,
                scenarios: pd.DataFrame | None = None, changes: pd.DataFrame | None = None,
                levers: pd.DataFrame | None = None, sensitivity: pd.DataFrame | None = None,
                calibration: pd.DataFrame | None = None, targets: pd.DataFrame | None = None,
                costs: pd.DataFrame | None = None, paired: pd.DataFrame | None = None) -> ReportData:
    """Build :class:`ReportData` from the store's datasets (columns as in ``sim.experiment.store``).

    Args:
        runs: the ``runs`` dataset; None derives one ok run per ``run_id`` of ``indicators``
            (no stressors, one point).
        indicators, daily, flows, departments: the datasets (the last three may be None).
        meta: experiment metadata (``name``, ``description``, ``sampler``, ``indicators``, ...).
        scenarios: optional scenario definitions: scenario, name_zh, description, levers.
        changes, levers: optional scenario definitions (see :class:`ReportData`).
        sensitivity: optional Morris/Sobol indices in the long format of
            :func:`sim.experiment.sensitivity.analyse`.
        targets, costs, paired: optional tables of ``streetsim compare`` (targets met, money
            by item, paired differences with cost per point).
        calibration: optional calibration table (columns of :func:`sim.calibration.check`);
            when None it is computed from the runs of the ``baseline`` scenario, if any.
    """
    runs = _runs(runs, indicators)
    ok = runs[runs["status"] == "ok"]
    arms = _arms(ok, scenarios, (meta or {}).get("baseline"))
    values = run_values(indicators, ok)
    meta = {**_meta(runs, ok), **(meta or {})}
    if calibration is None:
        base = arms.loc[(arms["scenario"] == "baseline") & (arms["stressors"] == ""), "arm"]
        calibration = calibration_table(values[values["arm"].isin(base)]) if len(base) else None
        meta["calibration_from_runs"] = calibration is not None
    return ReportData(
        arms=arms, summary=summarise(values), diffs=paired_differences(values, arms),
        hours=hours_by_bucket(daily, ok), flows=flow_counts(flows, ok),
        departments=department_stats(departments, ok),
        changes=changes if changes is not None else pd.DataFrame(
            columns=["scenario", "parameter", "baseline", "value", "source"]),
        levers=levers if levers is not None else pd.DataFrame(
            columns=["scenario", "kind", "name", "phase", "settings", "clause"]),
        runs=runs, meta=meta, sweep=sweep_table(values, ok, meta),
        sensitivity=sensitivity, calibration=calibration, targets=targets, costs=costs, paired=paired)


def run_values(indicators: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """One value per run, indicator and year (the ``all`` street, else the mean over streets),
    with the run's arm, seed and point."""
    ind = indicators
    if "street" in ind.columns:
        whole = ind["street"].astype(str) == "all"
        has_all = set(ind.loc[whole, "run_id"])
        ind = pd.concat([ind[whole], ind[~whole & ~ind["run_id"].isin(has_all)]])
    v = ind.groupby(["run_id", "indicator", "year"], sort=False)["value"].mean().reset_index()
    v = v.merge(runs[["run_id", "arm", "seed", "point"]], on="run_id", how="inner")
    v["year"] = v["year"].astype(int)
    return v


def _summary_rows(frame: pd.DataFrame, keys: list[str], column: str) -> pd.DataFrame:
    rows = []
    for key, g in frame.groupby(keys, sort=False):
        n, m, lo, hi = mean_ci(g[column].to_numpy(dtype=float))
        rows.append({**dict(zip(keys, key)), "n": n, "mean": m, "ci_low": lo, "ci_high": hi})
    cols = [*keys, "n", "mean", "ci_low", "ci_high"]
    return pd.DataFrame(rows, columns=cols)


def summarise(values: pd.DataFrame) -> pd.DataFrame:
    """Mean and 95% CI over runs per arm, indicator and year."""
    return _summary_rows(values, ["arm", "indicator", "year"], "value")


def paired_differences(values: pd.DataFrame, arms: pd.DataFrame) -> pd.DataFrame:
    """Each arm minus its reference arm, paired by seed and point, with mean and 95% CI."""
    keys = ["indicator", "year", "seed", "point"]
    parts = []
    for arm, ref in zip(arms["arm"], arms["reference"]):
        if not ref:
            continue
        a = values[values["arm"] == arm][[*keys, "value"]]
        b = values[values["arm"] == ref][[*keys, "value"]].rename(columns={"value": "ref"})
        m = a.merge(b, on=keys, how="inner")
        m["diff"] = m["value"] - m["ref"]
        m["arm"], m["reference"] = arm, ref
        parts.append(m)
    cols = ["arm", "reference", "indicator", "year", "n", "mean", "ci_low", "ci_high"]
    if not parts:
        return pd.DataFrame(columns=cols)
    return _summary_rows(pd.concat(parts), ["arm", "reference", "indicator", "year"], "diff")[cols]


def hours_by_bucket(daily: pd.DataFrame | None, runs: pd.DataFrame) -> pd.DataFrame:
    """Staff hours by use per arm and month: mean over runs of the month's hours and of
    their share of the available hours (``slack`` is the unused rest)."""
    cols = ["arm", "month", "year", "bucket", "hours", "share"]
    if daily is None or daily.empty:
        return pd.DataFrame(columns=cols)
    d = daily.merge(runs[["run_id", "arm"]], on="run_id", how="inner")
    d["month"] = pd.to_datetime(d["date"]).dt.to_period("M").dt.to_timestamp()
    names = [f"hours_{b}" for b in BUCKETS if f"hours_{b}" in d.columns]
    per = d.groupby(["arm", "run_id", "month"], sort=False)[[*names, "hours_available"]].sum()
    used = per[names].sum(axis=1)
    per["hours_slack"] = (per["hours_available"] - used).clip(lower=0)
    total = np.maximum(per["hours_available"], used).replace(0, np.nan)
    long = []
    for name in [*names, "hours_slack"]:
        part = pd.DataFrame({"hours": per[name], "share": per[name] / total})
        part["bucket"] = name.removeprefix("hours_")
        long.append(part.reset_index())
    out = pd.concat(long).groupby(["arm", "month", "bucket"], sort=False)[["hours", "share"]].mean()
    out = out.reset_index()
    out["year"] = out["month"].dt.year
    return out[cols]


def flow_outcome(outcome: pd.Series, drop_reason: pd.Series) -> pd.Series:
    """Cases' end states for the flow view: resolved, bounced (bounced out between
    departments), dropped (any other reason) or open."""
    out = outcome.astype(str)
    return out.mask((out == "dropped") & (drop_reason.astype(str) == "bounced_out"), "bounced")


def flow_counts(flows: pd.DataFrame | None, runs: pd.DataFrame) -> pd.DataFrame:
    """Mean cases per run by route and end state (all years together)."""
    cols = ["arm", "route", "outcome", "n", "first_year", "last_year"]
    if flows is None or flows.empty:
        return pd.DataFrame(columns=cols)
    f = flows.merge(runs[["run_id", "arm"]], on="run_id", how="inner")
    f["outcome"] = flow_outcome(f["outcome"], f["drop_reason"])
    n_runs = runs.groupby("arm")["run_id"].nunique()
    out = f.groupby(["arm", "route", "outcome"], sort=False)["n"].sum().reset_index()
    out["n"] = out["n"] / out["arm"].map(n_runs)
    out["first_year"], out["last_year"] = int(f["year"].min()), int(f["year"].max())
    return out[cols]


def department_stats(departments: pd.DataFrame | None, runs: pd.DataFrame) -> pd.DataFrame:
    """Per arm, year and department: whistle episodes, answer rate (answered / episodes) and
    mean arrival time of answered episodes (pooled over runs)."""
    cols = ["arm", "year", "department", "episodes", "answer_rate", "mean_arrival_hours"]
    if departments is None or departments.empty:
        return pd.DataFrame(columns=cols)
    d = departments.merge(runs[["run_id", "arm"]], on="run_id", how="inner")
    d["arrival_sum"] = d["mean_arrival_hours"].fillna(0) * d["answered"]
    g = d.groupby(["arm", "year", "department"], sort=False)[["episodes", "answered", "arrival_sum"]].sum()
    g["answer_rate"] = g["answered"] / g["episodes"].replace(0, np.nan)
    g["mean_arrival_hours"] = g["arrival_sum"] / g["answered"].replace(0, np.nan)
    return g.reset_index()[cols]


def calibration_table(values: pd.DataFrame) -> pd.DataFrame | None:
    """The calibration patterns (``sim.calibration.PATTERNS``) read from baseline runs:
    each run averaged over its years, then mean and 95% CI across runs."""
    if values.empty:
        return None
    wide = values.pivot_table(index=["run_id", "year"], columns="indicator", values="value")
    patterns = [p for p in PATTERNS if p.indicator in wide.columns]
    if not patterns:
        return None
    with warnings.catch_warnings():  # patterns whose indicator is absent are all-NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        per_run = pd.DataFrame([pattern_values(g.reset_index(level=0, drop=True).reindex(
            columns=[p.indicator for p in PATTERNS])) for _, g in wide.groupby(level=0)])
    rows = []
    for p in patterns:
        n, m, lo, hi = mean_ci(per_run[p.key].to_numpy(dtype=float))
        absolute = p.indicator in ("mean_resolve_hours", "duplicate_entry_hours", "emergencies")
        band = f"[{p.lo:g}, {p.hi:g}]" if absolute else f"[{p.lo:.0%}, {p.hi:.0%}]"
        rows.append({"pattern": p.label, "indicator": p.indicator, "target": p.target,
                     "tolerance": band, "mean": m, "ci_low": lo, "ci_high": hi,
                     "pass": bool(p.lo <= m <= p.hi)})
    return pd.DataFrame(rows)


def sweep_table(values: pd.DataFrame, runs: pd.DataFrame, meta: dict[str, Any]) -> pd.DataFrame | None:
    """Mean over replications per arm and parameter point of the experiment's output
    indicators at its output years, with one column per varied parameter (None with one point)."""
    if runs["point"].nunique() < 2:
        return None
    params = pd.DataFrame([json.loads(p) if isinstance(p, str) and p else {} for p in runs["params"]])
    params.insert(0, "point", runs["point"].to_numpy())
    params = params.drop_duplicates("point")
    for col in params.columns:
        if pd.api.types.is_bool_dtype(params[col]):
            params[col] = params[col].astype(int)  # switches as 0/1 axes
    if params.shape[1] < 2:
        return None
    wanted = list(meta.get("indicators") or ("satisfaction", "resolution_rate"))
    years = list(meta.get("years") or [int(values["year"].max())])
    v = values[values["indicator"].isin(wanted) & values["year"].isin(years)]
    means = v.groupby(["arm", "point", "indicator", "year"], sort=False)["value"].mean()
    return means.rename("mean").reset_index().merge(params, on="point", how="left")


def _runs(runs: pd.DataFrame | None, indicators: pd.DataFrame) -> pd.DataFrame:
    if runs is None:
        runs = indicators.drop_duplicates("run_id")[["run_id", "scenario", "seed"]].copy()
        runs["status"] = "ok"
    runs = runs.reset_index(drop=True).copy()
    defaults = {"stressors": "", "point": 0, "params": "{}", "replication": None, "status": "ok",
                "run_index": None, "version": "", "git_commit": "", "error": ""}
    for col, value in defaults.items():
        if col not in runs.columns:
            runs[col] = value
    if runs["replication"].isna().all():
        runs["replication"] = runs.groupby(["scenario", "stressors", "point"]).cumcount()
    runs["stressors"] = runs["stressors"].fillna("").astype(str)
    runs["arm"] = [s if not x else f"{s} [{x}]" for s, x in zip(runs["scenario"], runs["stressors"])]
    return runs


def _arms(ok: pd.DataFrame, scenarios: pd.DataFrame | None, baseline: str | None) -> pd.DataFrame:
    first = ok.drop_duplicates("arm")[["arm", "scenario", "stressors"]]
    names = list(dict.fromkeys(first["scenario"]))
    base = baseline if baseline in names else ("baseline" if "baseline" in names else (names or [""])[0])
    present = set(first["arm"])

    def reference(scenario: str, stressors: str) -> str:
        """A path under stressors against the baseline under the same stressors; the stressed
        baseline against the plain one."""
        if scenario == base:
            return base if stressors and base in present else ""
        if stressors and f"{base} [{stressors}]" in present:
            return f"{base} [{stressors}]"
        return base if base in present else ""

    arms = first.copy()
    arms["reference"] = [reference(s, x) for s, x in zip(arms["scenario"], arms["stressors"])]
    arms = arms.iloc[np.argsort((arms["arm"] != base).to_numpy(), kind="stable")]
    counts = ok.groupby("arm").agg(runs=("run_id", "nunique"), replications=("replication", "nunique"))
    arms = arms.merge(counts, left_on="arm", right_index=True, how="left")
    info = scenarios if scenarios is not None else pd.DataFrame(columns=["scenario"])
    info = info.drop_duplicates("scenario")
    arms = arms.merge(info, on="scenario", how="left")
    for col in ("name_zh", "description", "levers"):
        arms[col] = arms[col].fillna("").astype(str) if col in arms.columns else ""
    return arms.reset_index(drop=True)[["arm", "scenario", "stressors", "name_zh", "description", "levers",
                                        "reference", "runs", "replications"]]


def _meta(runs: pd.DataFrame, ok: pd.DataFrame) -> dict[str, Any]:
    def distinct(col: str) -> list[str]:
        return sorted({str(v) for v in runs[col].dropna() if str(v)}) if col in runs else []

    return {"runs_ok": int(len(ok)), "runs_failed": int((runs["status"] != "ok").sum()),
            "seeds": sorted({int(s) for s in ok["seed"]}), "version": distinct("version"),
            "git_commit": distinct("git_commit"), "points": int(ok["point"].nunique())}


SHARE_UNITS = ("share", "share/year", "share of need")
SCORECARD_YEARS = (2025, 2027, 2030)
"""The plan's milestones: end of the short term, of the middle term, and the horizon."""


def scorecard_years(years: list[int]) -> list[int]:
    """The milestone years present in ``years`` (the last year when none is)."""
    chosen = [y for y in SCORECARD_YEARS if y in years]
    return chosen or years[-1:]


def target_status(indicator: str, year: int, mean: float, low: float, high: float) -> str:
    """``met``, ``not_met``, ``uncertain`` (the CI holds the target), ``not_due`` (before the
    target's first year) or ``no_target``."""
    ind = INDICATOR_BY_KEY.get(indicator)
    if ind is None or ind.target is None or ind.target_op is None or mean != mean or ind.kind == "input":
        return "no_target"  # an input is set by decision, not scored
    if year < ind.target_from:
        return "not_due"
    if low == low and high == high and low <= ind.target <= high:
        return "uncertain"
    return "met" if ind.meets(mean) else "not_met"


def scorecard(data: ReportData) -> pd.DataFrame:
    """Every indicator per arm at the milestone years: mean, CI, difference from the
    reference arm with its CI, and the target status."""
    years = scorecard_years(data.years)
    s = data.summary[data.summary["year"].isin(years)].copy()
    s["status"] = [target_status(i, y, m, lo, hi) for i, y, m, lo, hi in
                   zip(s["indicator"], s["year"], s["mean"], s["ci_low"], s["ci_high"])]
    d = data.diffs.rename(columns={"mean": "diff", "ci_low": "diff_low", "ci_high": "diff_high"})
    s = s.merge(d[["arm", "indicator", "year", "diff", "diff_low", "diff_high"]],
                on=["arm", "indicator", "year"], how="left")
    order = {k: i for i, k in enumerate(INDICATOR_BY_KEY)}
    arms = {a: i for i, a in enumerate(data.arm_order)}
    s = s.assign(_i=s["indicator"].map(order).fillna(len(order)), _a=s["arm"].map(arms))
    s = s.sort_values(["_i", "year", "_a"], kind="stable")
    return s.drop(columns=["_i", "_a"]).reset_index(drop=True)
