"""Pattern-oriented calibration check against the current state (brief §7).

One parameter set must reproduce every pattern at once. Each pattern is read from the
yearly indicators of a run, averaged over the run's years; across replications we
report the mean and its 95% confidence interval, and the pattern passes when the mean
lies inside the stated tolerance band. Tolerances and their reasons are in ``PATTERNS``
and in ``docs/calibration.md``.

Every pattern is tagged:

* ``origin``: *emergent* when the figure comes out of several interacting mechanisms, or
  *input-driven* when it is reproduced by construction from one input (``driven_by``
  names it). Only emergent patterns test the model; input-driven ones check that an input
  was entered right, and are reported apart.
* the calibration patterns here are the only fitting targets (``sim.experiment.fit``);
  patterns that check structure are kept for validation (:data:`VALIDATION_PATTERNS`,
  run by ``streetsim validate``) and never fitted to.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.experiment.executors import map_jobs
from sim.params.scenario import Scenario
from sim.randomness import replication_seeds
from sim.stats import t_half_width


@dataclass(frozen=True)
class Pattern:
    """A current-state figure the baseline must reproduce, with its tolerance band."""

    key: str
    indicator: str
    label: str
    target: str
    lo: float
    hi: float
    reason: str
    driven_by: str = ""
    """The one input that reproduces the pattern by construction ("" = emergent)."""
    source: str = "brief §7"
    """Key of the figure's entry in ``docs/sources.md``."""

    @property
    def origin(self) -> str:
        """``emergent`` or ``input-driven``."""
        return "input-driven" if self.driven_by else "emergent"


PATTERNS: tuple[Pattern, ...] = (
    Pattern("answer_rate", "dept_response_rate", "Department answer rate to whistles", "73%",
            0.68, 0.78, "survey figure; +/-5 points for year-to-year variation"),
    Pattern("repeat_depts", "depts_needing_repeats", "Departments needing repeated whistles",
            "about 35%", 0.25, 0.45, "12 departments: one department is 8 points",
            driven_by="departments.answer_prob: four of twelve departments set below one half"),
    Pattern("out_of_list", "out_of_list_share", "Out-of-list share of work time", "45%",
            0.40, 0.50, "+/-5 points: a survey average"),
    Pattern("data_entry", "duplicate_entry_hours", "Duplicate data entry (h/staff/day)",
            "2.3-3.2 h", 2.3, 3.2, "the brief's own range",
            driven_by="data.records_per_staff_day x data.systems_per_record x minutes per entry"),
    Pattern("turnover_all", "staff_turnover", "Annual turnover, all staff", "15%", 0.11, 0.19,
            "+/-4 points: about 45 staff, a handful of leavers a year"),
    Pattern("turnover_young", "turnover_under35", "Annual turnover, under-35", "22%", 0.16, 0.28,
            "+/-6 points: about 13 young staff"),
    Pattern("turnover_contract", "turnover_contract", "Annual turnover, contract staff", "28%",
            0.22, 0.34, "+/-6 points: about 19 contract staff"),
    Pattern("unclear_complaints", "complaints_unclear_share", "Complaints from unclear duties",
            "31%", 0.25, 0.37, "+/-6 points: one district's figure"),
    Pattern("mix_livelihood", "mix_livelihood", "Demand mix: livelihood", "42%", 0.39, 0.45,
            "+/-3 points: one year's mix",
            driven_by="demand.category_mix"),
    Pattern("mix_mediation", "mix_mediation", "Demand mix: mediation", "28%", 0.25, 0.31,
            "+/-3 points",
            driven_by="demand.category_mix"),
    Pattern("mix_environment", "mix_environment", "Demand mix: environment", "18%", 0.15, 0.21,
            "+/-3 points",
            driven_by="demand.category_mix"),
    Pattern("mix_other", "mix_other", "Demand mix: other", "12%", 0.09, 0.15, "+/-3 points",
            driven_by="demand.category_mix"),
    Pattern("resolve_time", "mean_resolve_hours", "Mean time to resolve (h)", "about 72 h", 54.0,
            90.0, "+/-25%: one city's grid-management average"),
    Pattern("council", "council_adoption", "Resident-council adoption", "41%", 0.33, 0.49,
            "+/-8 points: about 10 communities a street",
            driven_by="council.adopt_functioning x population.council_functioning"),
    Pattern("emergencies", "emergencies", "Emergencies per street-year", "3.2", 2.6, 3.8,
            "Poisson noise: a street sees a few a year",
            driven_by="emergency.rate_per_year"),
    Pattern("so_exit", "so_exit_within_year", "Unsupported new SOs leaving within a year",
            "about 2 in 3", 0.52, 0.82, "+/-15 points: one street's 2 of 3"),
    Pattern("elderly_online", "elderly_online_share", "Elderly use of online services",
            "12-30%", 0.12, 0.30, "the brief's own range",
            driven_by="population.digital_access (60+) x demand.online_choice (60+)"),
    Pattern("funding_gap", "funding_gap", "Livelihood funding gap (share of need)", "about 32%",
            0.26, 0.38, "+/-6 points: one district's street"),
    Pattern("resolution", "resolution_rate", "Demand resolution rate (诉求办结率)", "40-53%",
            0.40, 0.53, "the range of the hotline reform's starting values"),
    Pattern("satisfaction_callback", "satisfaction_callback", "Call-back satisfaction (回访满意率)", "61-65%",
            0.61, 0.65, "the range of the hotline reform's starting values (a call-back measure)"),
)


EMERGENT: tuple[Pattern, ...] = tuple(p for p in PATTERNS if p.origin == "emergent")
INPUT_DRIVEN: tuple[Pattern, ...] = tuple(p for p in PATTERNS if p.origin == "input-driven")


@dataclass(frozen=True)
class ValidationPattern:
    """A pattern that checks the model's structure: kept for validation, never fitted."""

    key: str
    label: str
    target: str
    source: str
    checked_by: str


VALIDATION_PATTERNS: tuple[ValidationPattern, ...] = (
    ValidationPattern("closing_time_skew", "Closing times of service requests are right-skewed",
                      "days to close: lower quartile 0.1, median 2.9, mean 9.0, upper quartile 10",
                      "NYC 311", "sim.validation.MICRO_TESTS (closing_time_skew)"),
    ValidationPattern("escalation_threat", "A threat of escalation raises responsiveness",
                      "escalation raises the answer rate of the same offices", "Chen, Pan & Xu 2016",
                      "sim.validation.MICRO_TESTS (escalation_threat)"),
)
"""Structural patterns checked by ``streetsim validate``, apart from the fitting targets."""


def _run_yearly(scenario: Scenario, seed: int) -> pd.DataFrame:
    from sim.runner import run

    return run(scenario, seed).yearly


def pattern_values(yearly: pd.DataFrame) -> dict[str, float]:
    """Each pattern's value in one run: the mean over the run's years."""
    return {p.key: nanmean(yearly[p.indicator].to_numpy(dtype=float)) for p in PATTERNS}


def nanmean(x: np.ndarray, axis: int | None = None) -> Any:
    """Mean ignoring NaN; NaN (without a warning) where every value is missing."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        m = np.nanmean(x, axis=axis)
    return float(m) if axis is None else m


def check(scenario: Scenario, reps: int = 20, seed: int = 20240101, workers: int | None = None,
          progress=None) -> pd.DataFrame:
    """Run ``reps`` replications and compare every pattern with its band.

    Returns one row per pattern: target, band, model mean, 95% CI, pass (the mean inside
    the band), ``ci_overlaps`` (the 95% CI meets the band: the few-replication rule of the
    slow test), and its origin (emergent or input-driven, with the input that drives it).
    """
    seeds = replication_seeds(seed, reps)
    values = []
    for yearly in map_jobs(_run_yearly, [(scenario, s) for s in seeds], workers):
        values.append(pattern_values(yearly))
        if progress is not None:
            progress()
    frame = pd.DataFrame(values)
    rows = []
    for p in PATTERNS:
        x = frame[p.key].dropna().to_numpy()
        mean = float(x.mean()) if len(x) else float("nan")
        half = t_half_width(x)
        rows.append({
            "pattern": p.label, "indicator": p.indicator, "target": p.target,
            "tolerance": f"[{_fmt(p.lo, p.indicator)}, {_fmt(p.hi, p.indicator)}]",
            "mean": mean, "ci_low": mean - half, "ci_high": mean + half,
            "pass": bool(p.lo <= mean <= p.hi),
            "ci_overlaps": bool(mean + half >= p.lo and mean - half <= p.hi) if len(x) > 1 else False,
            "reason": p.reason, "origin": p.origin,
            "driven_by": p.driven_by,
        })
    return pd.DataFrame(rows)


def _fmt(v: float, indicator: str) -> str:
    absolute = ("mean_resolve_hours", "duplicate_entry_hours", "emergencies")
    return f"{v:g}" if indicator in absolute else f"{v:.0%}"
