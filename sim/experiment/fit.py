"""Fit named assumption parameters to the current-state patterns of brief §7 (optuna).

Each trial sets the parameters, runs ``reps`` replications (the same seeds in every
trial: common random numbers, so trials differ by their parameters, not their luck) and
scores the pattern means against their tolerance bands::

    z_p  = (mean_p - centre_p) / half_width_p
    loss = sum_p max(|z_p| - 1, 0)^2 + 0.05 * z_p^2      (a missing mean costs 4)

so a pattern inside its band costs almost nothing and the small second term prefers the
band's centre. The starting values are the first trial, so the fit is never worse than
the scenario it starts from. Trials run one after another (TPE sampler, seeded), the
replications of a trial in parallel.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.calibration import PATTERNS, pattern_values
from sim.experiment.design import DEFAULT_BAND, point_changes, sampler_seed, spec_for
from sim.experiment.executors import Executor, SerialExecutor
from sim.experiment.progress import progress_bar
from sim.params.errors import InputError
from sim.params.loader import SCENARIO_DIR
from sim.seeds import replication_seeds

MISSING_COST = 4.0
CENTRE_WEIGHT = 0.05


@dataclass(frozen=True)
class FitParameter:
    """A parameter to fit and its search range."""

    key: str
    lo: float
    hi: float
    integer: bool = False


@dataclass
class Fit:
    """The result of :func:`fit`: best values, the pattern table and every trial."""

    best: dict[str, Any]
    start: dict[str, Any]
    table: pd.DataFrame
    trials: pd.DataFrame
    scenario: Any
    reps: int
    seed: int


def parse_fit_args(scenario: Any, items: list[str], band: float = DEFAULT_BAND) -> list[FitParameter]:
    """``KEY`` or ``KEY=LO:HI`` items as :class:`FitParameter` (default range +/-``band``)."""
    out = []
    for item in items:
        key, sep, rng = item.partition("=")
        spec, entry = spec_for(key, "--fit")
        if spec.kind not in ("float", "int") and not entry:
            raise InputError(None, "--fit", key, "a numeric parameter (float or int, or a mapping entry)")
        if sep:
            try:
                lo, hi = (float(v) for v in rng.split(":"))
            except ValueError:
                raise InputError(None, "--fit", item, "KEY or KEY=LO:HI with numbers") from None
        else:
            v = float(_current(scenario, key))
            lo, hi = sorted((v * (1 - band), v * (1 + band)))
            lo = lo if spec.lo is None else max(lo, spec.lo)
            hi = hi if spec.hi is None else min(hi, spec.hi)
        if not lo < hi:
            raise InputError(None, "--fit", item, "a range LO:HI with LO < HI (give one for a zero value)")
        if (spec.lo is not None and lo < spec.lo) or (spec.hi is not None and hi > spec.hi):
            raise InputError(None, "--fit", item, f"a range within {spec.range_text} ({spec.unit})")
        out.append(FitParameter(key, lo, hi, spec.kind == "int" and not entry))
    if len({p.key for p in out}) != len(out):
        raise InputError(None, "--fit", items, "each parameter once")
    return out


def loss(means: dict[str, float]) -> float:
    """Distance of pattern means from their bands (see the module docstring)."""
    total = 0.0
    for p in PATTERNS:
        m = means.get(p.key, np.nan)
        if not np.isfinite(m):
            total += MISSING_COST
            continue
        z = (m - (p.lo + p.hi) / 2) / ((p.hi - p.lo) / 2)
        total += max(abs(z) - 1.0, 0.0) ** 2 + CENTRE_WEIGHT * z * z
    return float(total)


def evaluate(scenario: Any, values: dict[str, Any], seeds: list[int], executor: Executor
             ) -> dict[str, float]:
    """Mean of every pattern over the replications of ``scenario`` with ``values``."""
    sc = scenario
    if values:
        sc = scenario.with_values(point_changes(scenario, values), source="calibration trial")
    rows: list[dict[str, float] | None] = [None] * len(seeds)
    for d in executor.imap(_pattern_run, [(sc, s) for s in seeds]):
        rows[d.index] = d.value
    frame = pd.DataFrame(rows)
    return {k: float(np.nanmean(frame[k])) if frame[k].notna().any() else float("nan") for k in frame}


def _pattern_run(scenario: Any, seed: int) -> dict[str, float]:
    from sim.runner import run

    return pattern_values(run(scenario, seed).yearly)


def fit(scenario: Any, params: list[FitParameter], trials: int = 30, reps: int = 4,
        seed: int = 20240101, executor: Executor | None = None, progress: bool = True) -> Fit:
    """Search the parameters' ranges for the values that best reproduce the patterns.

    Args:
        scenario: the scenario to calibrate (its values are the first trial).
        params: parameters and ranges (see :func:`parse_fit_args`).
        trials: optuna trials (the first is the starting values).
        reps: replications per trial (same seeds in every trial).
        seed: experiment seed: replication seeds and the sampler's seed.
        executor: runs a trial's replications (default serial).
        progress: progress bar over trials.

    Returns:
        A :class:`Fit` with the best values, the pattern table (start vs fit) and the trials.
    """
    import optuna

    if trials < 1 or reps < 1:
        raise InputError(None, "--trials/--reps", (trials, reps), "positive integers")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    executor = executor or SerialExecutor()
    seeds = replication_seeds(seed, reps)
    start = {p.key: _current(scenario, p.key) for p in params}
    study = optuna.create_study(direction="minimize",
                                sampler=optuna.samplers.TPESampler(seed=sampler_seed(seed)))
    study.enqueue_trial({p.key: min(max(start[p.key], p.lo), p.hi) for p in params})
    means_by_trial: list[dict[str, float]] = []

    def objective(trial: optuna.Trial) -> float:
        values = {p.key: (trial.suggest_int(p.key, int(np.ceil(p.lo)), int(np.floor(p.hi))) if p.integer
                          else trial.suggest_float(p.key, p.lo, p.hi)) for p in params}
        means = evaluate(scenario, values, seeds, executor)
        means_by_trial.append(means)
        return loss(means)

    with progress_bar(trials, "calibrate", progress) as bar:
        study.optimize(objective, n_trials=trials, callbacks=[lambda *_: bar.update(1)])
    best = dict(study.best_trial.params)
    trial_rows = [{"trial": t.number, "loss": t.value, **t.params,
                   "passed": sum(p.lo <= m.get(p.key, np.nan) <= p.hi for p in PATTERNS)}
                  for t, m in zip(study.trials, means_by_trial)]
    table = pattern_table(means_by_trial[0], means_by_trial[study.best_trial.number])
    calibrated = scenario.with_values(point_changes(scenario, best), source="calibrated")
    return Fit(best, start, table, pd.DataFrame(trial_rows), calibrated, reps, seed)


def pattern_table(before: dict[str, float], after: dict[str, float]) -> pd.DataFrame:
    """Every pattern: target, band, mean before and after the fit, and whether each passes."""
    rows = []
    for p in PATTERNS:
        b, a = before.get(p.key, np.nan), after.get(p.key, np.nan)
        rows.append({"pattern": p.label, "indicator": p.indicator, "target": p.target, "lo": p.lo, "hi": p.hi,
                     "before": b, "after": a, "pass_before": bool(p.lo <= b <= p.hi),
                     "pass_after": bool(p.lo <= a <= p.hi)})
    return pd.DataFrame(rows)


def write_calibrated(result: Fit, base: Any, out: str | Path, command: str = "") -> Path:
    """Write a derived scenario file: ``extends`` the base and sets the fitted values.

    Every fitted value says where it came from (the fit, its loss and the old value).
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    base_path = Path(base.path)
    shipped = base_path.resolve().parent == SCENARIO_DIR.resolve()
    extends = base_path.stem if shipped else str(base_path.resolve())
    best_loss = float(result.trials["loss"].min())
    groups: dict[str, dict[str, Any]] = {}
    for key in result.best:
        spec, _ = spec_for(key)
        groups.setdefault(spec.group, {})[spec.name] = (spec, result.scenario.values[spec.key])
    lines = [f"# Calibrated on {dt.date.today().isoformat()}: {len(result.trials)} trials x {result.reps} "
             f"replications, seed {result.seed}, loss {best_loss:.4g}.",
             f"# {command}".rstrip(), "", "[scenario]", f"name = {_toml(base.name + '_calibrated')}",
             f"extends = {_toml(extends)}",
             f"description = {_toml('Fitted to the brief §7 patterns: ' + ', '.join(result.best))}"]
    for group, entries in groups.items():
        lines += ["", f"[{group}]"]
        for name, (spec, value) in entries.items():
            old = ", ".join(f"{v}" if k == spec.key else f"{k.removeprefix(spec.key + '.')}={v}"
                            for k, v in result.start.items() if spec_for(k)[0].key == spec.key)
            source = (f"assumption (calibrated): fitted to the brief §7 patterns by streetsim calibrate "
                      f"--fit (loss {best_loss:.4g}); was {old}")
            lines.append(f"{name} = {{ value = {_toml(value)}, unit = {_toml(spec.unit)}, "
                         f"source = {_toml(source)} }}")
    text = "\n".join(lines) + "\n"
    tmp = out.with_suffix(out.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    return out


def _current(scenario: Any, key: str) -> Any:
    spec, entry = spec_for(key)
    value = scenario.values[spec.key]
    for k in entry:
        value = value[k]
    return value


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(str(k))} = {_toml(v)}" for k, v in value.items()) + " }"
    return json.dumps(str(value), ensure_ascii=False)
