"""The validation suite kept with the model (``streetsim validate``, ``docs/validation.md``).

Three kinds of structural checks, each with a verdict:

* **Extreme conditions** (Forrester & Senge 1980; Sterman 2000, ch. 21): the scenarios of
  ``scenarios/extremes/`` run next to the baseline on the same seeds, each with the
  behaviour it must show (:data:`EXTREMES`).
* **Reachable range** of every outcome indicator: a Latin hypercube over every reform
  lever between "off" (the baseline's values) and "fully in place" at its plan setting
  (:func:`reachable_range`), printed as min / median / max against the plan targets.
* **Micro-evidence**: behaviour the model must reproduce at the level of one mechanism,
  from published experiments (:data:`MICRO_TESTS`), and the validation patterns kept out
  of calibration (:data:`sim.calibration.VALIDATION_PATTERNS`).

Every function returns DataFrames; :func:`validate` runs all three.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiment.executors import map_jobs
from sim.indicators.definitions import INDICATORS
from sim.params.reading import SCENARIO_DIR
from sim.params.scenario import Scenario
from sim.randomness import replication_seeds
from sim.scenarios import load_scenario

EXTREMES_DIR = SCENARIO_DIR / "extremes"
"""Shipped extreme-condition scenarios."""

DEFAULT_SEED = 20240101


# --- one run, reduced to what the checks read ----------------------------------------------
def run_summary(scenario: Scenario, seed: int) -> dict[str, Any]:
    """One replication: its yearly indicators, and facts read off its case table and
    whistle log that the checks need (street-resolved cases, closing-time moments,
    routine and escalated answer rates by department)."""
    from sim.runner import run

    result = run(scenario, seed)
    cases = result.cases
    street_resolved = int(((cases["route"] == "street") & (cases["outcome"] == "resolved")).sum()) \
        if len(cases) else 0
    closed = cases.loc[cases["outcome"] == "resolved"] if len(cases) else cases
    hours = (closed["closed_h"] - closed["raised_h"]).to_numpy(dtype=float) if len(closed) else np.empty(0)
    hours = hours[np.isfinite(hours)]
    return {"yearly": result.yearly, "street_resolved": street_resolved,
            "resolve_hours": _moments(hours), "whistles": _whistle_rates(result)}


def _moments(x: np.ndarray) -> dict[str, float]:
    if len(x) < 3:
        return {"n": float(len(x)), "mean": np.nan, "median": np.nan, "skew": np.nan}
    from scipy import stats

    return {"n": float(len(x)), "mean": float(x.mean()), "median": float(np.median(x)),
            "skew": float(stats.skew(x))}


def _whistle_rates(result: Any) -> pd.DataFrame:
    """Answer rate of routine whistles and of escalations, by department."""
    from sim.agents.departments import ESCALATION

    log = pd.concat([t.whistles for t in result.tables], ignore_index=True)
    if len(log) == 0:
        return pd.DataFrame(columns=["department", "kind", "answered", "n"])
    log["kind"] = np.where(log["kind"] == ESCALATION, "escalation", "whistle")
    grouped = log.groupby(["department", "kind"])["answered"]
    return grouped.agg(answered="mean", n="size").reset_index()


def _runs(scenarios: list[Scenario], reps: int, seed: int, workers: int | None
          ) -> list[list[dict[str, Any]]]:
    seeds = replication_seeds(seed, reps)
    jobs = [(sc, s) for sc in scenarios for s in seeds]
    out = list(map_jobs(run_summary, jobs, workers))
    return [out[i * reps:(i + 1) * reps] for i in range(len(scenarios))]


def _last_year(runs: list[dict[str, Any]], indicator: str) -> float:
    vals = [float(r["yearly"][indicator].iloc[-1]) for r in runs]
    return float(np.nanmean(vals)) if np.isfinite(vals).any() else np.nan


def _all_years(runs: list[dict[str, Any]], indicator: str) -> np.ndarray:
    return np.concatenate([r["yearly"][indicator].to_numpy(dtype=float) for r in runs])


# --- extreme conditions -----------------------------------------------------------------------
@dataclass(frozen=True)
class Extreme:
    """An extreme-condition scenario and the check its runs must pass.

    ``check(runs, baseline_runs)`` returns (the model's value as text, the required
    value as text, pass).
    """

    name: str
    condition: str
    expectation: str
    check: Callable[[list[dict], list[dict]], tuple[str, str, bool]]

    @property
    def path(self) -> Path:
        """The scenario file."""
        return EXTREMES_DIR / f"{self.name}.toml"


def _perfect_satisfaction(runs: list[dict], base: list[dict]) -> tuple[str, str, bool]:
    v = _last_year(runs, "satisfaction")
    return f"{v:.1%}", ">= 90%", bool(v >= 0.90)


def _perfect_time(runs: list[dict], base: list[dict]) -> tuple[str, str, bool]:
    v, b = _last_year(runs, "mean_resolve_hours"), _last_year(base, "mean_resolve_hours")
    return f"{v:.1f} h (baseline {b:.1f} h)", f"<= {b / 3:.1f} h (1/3 of baseline)", bool(v <= b / 3)


def _no_service(runs: list[dict], base: list[dict]) -> tuple[str, str, bool]:
    v, b = _last_year(runs, "satisfaction"), _last_year(base, "satisfaction")
    return f"{v:.1%} (baseline {b:.1%})", f"<= {b - 0.15:.1%} (15 points below)", bool(v <= b - 0.15)


def _zero_demand(runs: list[dict], base: list[dict]) -> tuple[str, str, bool]:
    demands = float(np.nansum(_all_years(runs, "demands")))
    complaints = float(np.nansum(_all_years(runs, "complaints")))
    return f"{demands:.0f} cases, {complaints:.0f} complaints", "0 cases, 0 complaints", \
        bool(demands == 0 and complaints == 0)


def _unlimited_money(runs: list[dict], base: list[dict]) -> tuple[str, str, bool]:
    gaps = _all_years(runs, "funding_gap")
    worst = float(np.nanmax(gaps)) if np.isfinite(gaps).any() else 0.0
    return f"largest yearly gap {max(worst, 0.0):.2%}", "0% in every year", bool(worst <= 1e-9)


def _no_staff(runs: list[dict], base: list[dict]) -> tuple[str, str, bool]:
    n = sum(r["street_resolved"] for r in runs)
    return f"{n} cases resolved by the street", "0", n == 0


EXTREMES: tuple[Extreme, ...] = (
    Extreme("perfect_service", "every case settled, departments always answer, +200 posts",
            "survey satisfaction can exceed the plan's 90%", _perfect_satisfaction),
    Extreme("perfect_service", "(same runs)", "mean time to resolve at most 1/3 of the baseline's",
            _perfect_time),
    Extreme("no_service", "neither street nor departments settle a case",
            "survey satisfaction at least 15 points below the baseline's", _no_service),
    Extreme("zero_demand", "residents raise nothing", "no cases and no complaints", _zero_demand),
    Extreme("unlimited_money", "a budget far above every need, always on time",
            "no livelihood funding gap", _unlimited_money),
    Extreme("no_staff", "a street office with no posts", "nothing resolved by the street", _no_staff),
)
"""The extreme conditions and their checks (values read in the run's last year where a
level is compared, over all years where an event must never happen)."""


def extreme_conditions(reps: int = 2, seed: int = DEFAULT_SEED, workers: int | None = None,
                       baseline: Scenario | None = None) -> pd.DataFrame:
    """Run the baseline and every extreme scenario on the same seeds; one row per check."""
    baseline = baseline or load_scenario("baseline")
    names = list(dict.fromkeys(e.name for e in EXTREMES))
    scenarios = [baseline] + [load_scenario(EXTREMES_DIR / f"{n}.toml") for n in names]
    runs = _runs(scenarios, reps, seed, workers)
    by_name = dict(zip(names, runs[1:]))
    rows = []
    for e in EXTREMES:
        value, required, ok = e.check(by_name[e.name], runs[0])
        rows.append({"scenario": e.name, "condition": e.condition, "expectation": e.expectation,
                     "model": value, "required": required, "pass": ok})
    return pd.DataFrame(rows)


# --- reachable range ---------------------------------------------------------------------------
def lever_values(intensity: dict[str, float], base: dict[str, Any]) -> dict[str, Any]:
    """Parameter values with each lever at ``intensity`` in [0, 1]: 0 leaves the baseline's
    values, 1 puts the lever fully in place at its default (plan) settings; numbers (and
    entries of mappings) in between are interpolated, integers rounded, switches and text
    take the lever's value from 0.5. Levers that target the same key combine in order."""
    from sim.levers import LEVERS
    from sim.params.schema import SPEC_BY_KEY

    values: dict[str, Any] = {}
    for name, x in intensity.items():
        lever = LEVERS[name]
        current = {**base, **values}
        full = lever.effect(lever.defaults, current)
        for key, target in full.items():
            values[key] = _between(current[key], target, float(x), SPEC_BY_KEY[key].kind)
    return values


def _between(a: Any, b: Any, x: float, kind: str) -> Any:
    if isinstance(a, dict):
        return {k: _between(a[k], b[k], x, kind) for k in a}
    if isinstance(a, bool) or not isinstance(a, (int, float)):
        return b if x >= 0.5 else a
    v = float(a) + x * (float(b) - float(a))
    return int(round(v)) if kind == "int" else v


def lever_sample(n: int, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """``n`` Latin-hypercube points over every lever's intensity in [0, 1] (one column per
    lever), seeded from the experiment seed apart from the replication seeds."""
    from scipy.stats import qmc

    from sim.experiment.design import sampler_seed
    from sim.levers import LEVERS

    names = list(LEVERS)
    points = qmc.LatinHypercube(d=len(names), seed=sampler_seed(seed)).random(n)
    return pd.DataFrame(points, columns=names)


def reachable_range(n: int = 8, seed: int = DEFAULT_SEED, workers: int | None = None,
                    baseline: Scenario | None = None) -> pd.DataFrame:
    """Min / median / max of every outcome indicator in the run's last year over an LHS of
    ``n`` lever settings (one replication each, seeds spawned from ``seed``), with the
    plan target and whether the range reaches it. ``moves`` is the check: the indicator
    spans more than 1% of its median (or 1 point for shares) across the levers."""
    baseline = baseline or load_scenario("baseline")
    design = lever_sample(n, seed)
    base = dict(baseline.values)
    scenarios = [baseline.with_values(lever_values(row.to_dict(), base), source=f"lever LHS point {i}")
                 for i, row in design.iterrows()]
    seeds = replication_seeds(seed, n)
    runs = list(map_jobs(run_summary, list(zip(scenarios, seeds)), workers))
    last = pd.DataFrame([r["yearly"].iloc[-1] for r in runs])
    year = int(runs[0]["yearly"].index[-1]) if runs else None
    rows = []
    for ind in INDICATORS:
        if ind.kind != "outcome" or ind.key not in last:
            continue
        x = last[ind.key].to_numpy(dtype=float)
        x = x[np.isfinite(x)]
        lo, med, hi = (float(np.min(x)), float(np.median(x)), float(np.max(x))) if len(x) else (np.nan,) * 3
        best = hi if ind.higher_is_better else lo
        reach = ind.meets(best)
        scale = 0.01 if ind.unit == "share" else 0.01 * abs(med)
        rows.append({"indicator": ind.key, "unit": ind.unit, "year": year, "min": lo, "median": med,
                     "max": hi, "target": ind.target_text,
                     "target_reached": "" if reach is None else ("yes" if reach else "no"),
                     "pass": bool(len(x) > 1 and hi - lo > scale)})
    return pd.DataFrame(rows)


# --- micro-evidence ------------------------------------------------------------------------------
@dataclass(frozen=True)
class MicroTest:
    """A behaviour a published experiment or standard shows at the level of one mechanism."""

    key: str
    evidence: str
    source: str
    run: Callable[[int, int, int | None], tuple[str, str, bool]]


MICRO_CONFIG = {"population.residents": 20000, "run.end_date": "2025-12-31"}
"""A smaller street over two years: enough whistles and cases for the micro tests."""


def _escalation_threat(reps: int, seed: int, workers: int | None) -> tuple[str, str, bool]:
    """Controlled experiment on the department mechanism: the same street on the same
    seeds, escalation carrying its threat (``escalation_answer_prob`` as set) against
    escalation without threat (an escalated whistle answered no more often than the least
    responsive department's routine one). With the threat, departments must answer more
    of the whistles that reach escalation, and more cases must see a department come."""
    base = load_scenario("baseline").with_values(MICRO_CONFIG, source="micro test")
    floor = float(min(base.values["departments.answer_prob"].values()))
    no_threat = base.with_values({"departments.escalation_answer_prob": floor},
                                 source="micro test: escalation without threat")
    with_runs, without_runs = _runs([base, no_threat], reps, seed, workers)
    esc_with = _rate(with_runs, "escalation")
    esc_without = _rate(without_runs, "escalation")
    routine = _rate(with_runs, "whistle", weight_by="escalation")
    ok = bool(esc_with > routine and esc_with > esc_without)
    return (f"escalated whistles answered {esc_with:.0%}, routine whistles of the same departments "
            f"{routine:.0%}; escalation without threat {esc_without:.0%}",
            "escalated > routine, and > without threat", ok)


def _rate(runs: list[dict], kind: str, weight_by: str | None = None) -> float:
    """Answer rate of whistles of ``kind``; with ``weight_by``, each department's rate is
    weighted by its number of ``weight_by`` whistles (the same departments compared)."""
    frames = [r["whistles"] for r in runs if len(r["whistles"])]
    if not frames:
        return np.nan
    f = pd.concat(frames)
    f["hits"] = f["answered"] * f["n"]
    by = f.groupby(["department", "kind"])[["hits", "n"]].sum().reset_index()
    mine = by[by["kind"] == kind].set_index("department")
    if weight_by is None:
        return float(mine["hits"].sum() / mine["n"].sum()) if len(mine) else np.nan
    w = by[by["kind"] == weight_by].set_index("department")["n"]
    rate = (mine["hits"] / mine["n"]).reindex(w.index)
    ok = rate.notna()
    return float((rate[ok] * w[ok]).sum() / w[ok].sum()) if ok.any() else np.nan


def _right_skew(reps: int, seed: int, workers: int | None) -> tuple[str, str, bool]:
    """Validation pattern (not a calibration target): closing times of service requests
    are strongly right-skewed - most close fast, a long tail takes weeks (NYC 311 open
    data). The model's times to resolve must show mean > median and positive skewness."""
    base = load_scenario("baseline").with_values(MICRO_CONFIG, source="micro test")
    (runs,) = _runs([base], reps, seed, workers)
    mean = float(np.nanmean([r["resolve_hours"]["mean"] for r in runs]))
    median = float(np.nanmean([r["resolve_hours"]["median"] for r in runs]))
    skew = float(np.nanmean([r["resolve_hours"]["skew"] for r in runs]))
    return (f"mean {mean:.0f} h, median {median:.0f} h, skewness {skew:.1f}",
            "mean > median, skewness > 0", bool(mean > median and skew > 0))


MICRO_TESTS: tuple[MicroTest, ...] = (
    MicroTest("escalation_threat",
              "A threat of escalation to the upper level raises responsiveness",
              "Chen, Pan & Xu 2016", _escalation_threat),
    MicroTest("closing_time_skew",
              "Closing times of service requests are right-skewed (validation pattern)",
              "NYC 311", _right_skew),
)
"""Behaviour-reproduction tests; ``source`` is a key of ``docs/sources.md``."""


def micro_evidence(reps: int = 2, seed: int = DEFAULT_SEED, workers: int | None = None) -> pd.DataFrame:
    """Run every micro-evidence test; one row each."""
    rows = []
    for t in MICRO_TESTS:
        value, required, ok = t.run(reps, seed, workers)
        rows.append({"test": t.key, "evidence": t.evidence, "source": t.source, "model": value,
                     "required": required, "pass": ok})
    return pd.DataFrame(rows)


# --- all of it -----------------------------------------------------------------------------------
@dataclass
class Validation:
    """The three tables of :func:`validate`; ``passed`` when every check holds."""

    extremes: pd.DataFrame
    ranges: pd.DataFrame
    micro: pd.DataFrame

    @property
    def passed(self) -> bool:
        """Whether every check of every table passed."""
        return bool(self.extremes["pass"].all() and self.ranges["pass"].all() and self.micro["pass"].all())

    @property
    def failures(self) -> list[str]:
        """The checks that failed, as text."""
        out = [f"extreme {r['scenario']}: {r['expectation']}"
               for r in self.extremes.to_dict("records") if not r["pass"]]
        out += [f"range {r['indicator']}: does not move"
                for r in self.ranges.to_dict("records") if not r["pass"]]
        out += [f"micro {r['test']}" for r in self.micro.to_dict("records") if not r["pass"]]
        return out


def validate(reps: int = 2, n: int = 8, seed: int = DEFAULT_SEED, workers: int | None = None,
             baseline: Scenario | None = None) -> Validation:
    """Run the whole suite: extreme conditions (``reps`` replications each), the reachable
    range (``n`` lever settings) and the micro-evidence tests (``reps`` replications)."""
    return Validation(extreme_conditions(reps, seed, workers, baseline),
                      reachable_range(n, seed, workers, baseline),
                      micro_evidence(reps, seed, workers))
