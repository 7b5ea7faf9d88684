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

from sim.calibration import PATTERNS, nanmean, pattern_values
from sim.experiment.design import DEFAULT_BAND, point_changes, sampler_seed, spec_for
from sim.experiment.executors import Executor, SerialExecutor
from sim.experiment.progress import progress_bar
from sim.params.errors import InputError
from sim.params.reading import SCENARIO_DIR
from sim.randomness import replication_seeds
from sim.stats import mean_ci

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


def write_calibrated(result: Fit, base: Any, out: str | Path, command: str = "",
                     keys: list[str] | None = None, header: list[str] = ()) -> Path:
    """Write a derived scenario file: ``extends`` the base and sets the fitted values
    (only ``keys`` when given: the identifiable ones).

    Every fitted value says where it came from (the fit, its loss and the old value);
    ``header`` lines (commit, seeds, ...) are written as comments at the top.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    base_path = Path(base.path)
    shipped = base_path.resolve().parent == SCENARIO_DIR.resolve()
    extends = base_path.stem if shipped else str(base_path.resolve())
    best_loss = float(result.trials["loss"].min())
    written = list(result.best) if keys is None else list(keys)
    groups: dict[str, dict[str, Any]] = {}
    for key in written:
        spec, _ = spec_for(key)
        groups.setdefault(spec.group, {})[spec.name] = (spec, result.scenario.values[spec.key])
    lines = [f"# Calibrated on {dt.date.today().isoformat()}: {len(result.trials)} trials x {result.reps} "
             f"replications, seed {result.seed}, loss {best_loss:.4g}.",
             f"# {command}".rstrip(), *(f"# {h}" for h in header), "", "[scenario]",
             f"name = {_toml(base.name + '_calibrated')}", f"extends = {_toml(extends)}",
             f"description = {_toml('Fitted to the brief §7 patterns: ' + ', '.join(written))}"]
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


# --- fitting for publication: replications, profiles, identifiability, held-out seeds ------------
REPS_CANDIDATES = (4, 6, 8, 12, 16, 20, 30, 40)
FLAT_LOSS = 0.01
"""A profile whose loss moves less than this (or, where the loss exceeds 1, less than this
share of it) across the whole range is flat: the patterns do not identify the parameter
(a pattern at its band's edge costs 0.05)."""


def derived_seed(seed: int, name: str) -> int:
    """A root seed spawned from the experiment seed for one purpose (``name``), apart from
    the fit's replication seeds."""
    import zlib

    seq = np.random.SeedSequence(int(seed), spawn_key=(zlib.crc32(name.encode()),))
    return int(seq.generate_state(1, dtype=np.uint32)[0])


def replicate(scenario: Any, values: dict[str, Any], seeds: list[int], executor: Executor) -> pd.DataFrame:
    """Pattern values of every replication (one row per seed) of ``scenario`` with ``values``."""
    sc = scenario.with_values(point_changes(scenario, values), source="calibration trial") if values \
        else scenario
    rows: list[dict[str, float] | None] = [None] * len(seeds)
    for d in executor.imap(_pattern_run, [(sc, s) for s in seeds]):
        rows[d.index] = d.value
    return pd.DataFrame(rows)


def bootstrap_losses(per_rep: pd.DataFrame, n: int, seed: int, purpose: str, draws: int = 400
                     ) -> np.ndarray:
    """Losses of ``draws`` means of ``n`` replications resampled from ``per_rep``."""
    rng = np.random.default_rng(derived_seed(seed, purpose))
    x = per_rep.to_numpy(dtype=float)
    return np.array([loss(dict(zip(per_rep.columns, nanmean(x[rng.integers(0, len(x), n)], axis=0))))
                     for _ in range(draws)])


def loss_noise(per_rep: pd.DataFrame, n: int, seed: int) -> float:
    """Standard deviation of the loss of an ``n``-replication mean, by resampling the
    replications in ``per_rep`` (bootstrap)."""
    return float(np.std(bootstrap_losses(per_rep, n, seed, "bootstrap"), ddof=1))


def choose_reps(per_rep: pd.DataFrame, seed: int, tolerance: float = 0.1, max_reps: int = 20
                ) -> tuple[int, float]:
    """The fewest replications (from :data:`REPS_CANDIDATES`, at most ``max_reps``) whose
    loss noise is at most ``tolerance``; returns (replications, their loss noise)."""
    chosen = [n for n in REPS_CANDIDATES if n <= max_reps] or [max_reps]
    noise = np.nan
    for n in chosen:
        noise = loss_noise(per_rep, n, seed)
        if noise <= tolerance:
            return n, noise
    return chosen[-1], noise


def profile(scenario: Any, params: list[FitParameter], best: dict[str, Any], seeds: list[int],
            executor: Executor, points: int = 5) -> pd.DataFrame:
    """The loss along each fitted parameter's range, the others held at ``best`` (same
    seeds at every point): one row per parameter, point and replication, with the
    patterns' values of that replication (``loss`` is of the point's mean, repeated)."""
    frames = []
    for p in params:
        grid = np.linspace(p.lo, p.hi, points)
        if p.integer:
            grid = np.unique(np.round(grid).astype(int))
        for v in grid:
            value = int(v) if p.integer else float(v)
            per_rep = replicate(scenario, {**best, p.key: value}, seeds, executor)
            means = {k: nanmean(per_rep[k].to_numpy(dtype=float)) for k in per_rep}
            per_rep.insert(0, "replication", np.arange(len(per_rep)))
            per_rep.insert(0, "value", value)
            per_rep.insert(0, "parameter", p.key)
            per_rep["loss"] = loss(means)
            per_rep["passed"] = sum(q.lo <= means.get(q.key, np.nan) <= q.hi for q in PATTERNS)
            frames.append(per_rep)
    return pd.concat(frames, ignore_index=True)


def profile_curve(prof: pd.DataFrame) -> pd.DataFrame:
    """One row per parameter and point: the loss of the point's mean and patterns passed."""
    return prof.groupby(["parameter", "value"], sort=False)[["loss", "passed"]].first().reset_index()


def identifiability(prof: pd.DataFrame, seed: int, draws: int = 400) -> pd.DataFrame:
    """Per parameter: the loss's spread along its profile and whether the parameter is
    identifiable. The replications are resampled together at every point (a paired
    bootstrap, as the points share their seeds); the parameter is identifiable when the
    spread exceeds :data:`FLAT_LOSS` (times the lowest loss where that exceeds 1) and the
    loss at the profile's worst point stays above its best point's in 97.5% of the
    resamples."""
    rng = np.random.default_rng(derived_seed(seed, "bootstrap-profile"))
    keys = [p.key for p in PATTERNS]
    rows = []
    for key, g in prof.groupby("parameter", sort=False):
        curve = g.groupby("value", sort=True)["loss"].first()
        best_v, worst_v = curve.idxmin(), curve.idxmax()
        spread = float(curve.max() - curve.min())
        a = g[g["value"] == best_v].sort_values("replication")[keys].to_numpy(dtype=float)
        b = g[g["value"] == worst_v].sort_values("replication")[keys].to_numpy(dtype=float)
        diffs = []
        for _ in range(draws):
            i = rng.integers(0, len(a), len(a))
            diffs.append(loss(dict(zip(keys, nanmean(b[i], axis=0))))
                         - loss(dict(zip(keys, nanmean(a[i], axis=0)))))
        low = float(np.percentile(diffs, 2.5))
        rows.append({"parameter": key, "loss_min": float(curve.min()), "loss_max": float(curve.max()),
                     "spread": spread, "spread_ci_low": low, "best_on_profile": best_v,
                     "identifiable": bool(spread > FLAT_LOSS * max(1.0, float(curve.min())) and low > 0)})
    return pd.DataFrame(rows)


def held_out(scenario: Any, start: dict[str, Any], fitted: dict[str, Any], seeds: list[int],
             executor: Executor, seed: int) -> tuple[pd.DataFrame, dict[str, float]]:
    """The start and fitted values on seeds the fit never saw: every pattern's mean and
    95% CI under both, and the loss of each with a bootstrap 95% interval."""
    before = replicate(scenario, start, seeds, executor)
    after = replicate(scenario, fitted, seeds, executor)
    rows = []
    for p in PATTERNS:
        row: dict[str, Any] = {"pattern": p.label, "origin": p.origin, "lo": p.lo, "hi": p.hi}
        for name, frame in (("start", before), ("fitted", after)):
            _, m, low, high = mean_ci(frame[p.key].to_numpy(dtype=float))
            row.update({name: m, f"{name}_ci_low": low, f"{name}_ci_high": high,
                        f"pass_{name}": bool(p.lo <= m <= p.hi)})
        rows.append(row)
    summary = {}
    for name, frame in (("start", before), ("fitted", after)):
        lo, hi = _loss_interval(frame, seed)
        summary.update({f"loss_{name}": loss({k: nanmean(frame[k].to_numpy(dtype=float)) for k in frame}),
                        f"loss_{name}_ci_low": lo, f"loss_{name}_ci_high": hi})
    return pd.DataFrame(rows), summary


def _loss_interval(per_rep: pd.DataFrame, seed: int) -> tuple[float, float]:
    losses = bootstrap_losses(per_rep, len(per_rep), seed, "bootstrap-held-out")
    return float(np.percentile(losses, 2.5)), float(np.percentile(losses, 97.5))


@dataclass
class Publication:
    """A fit ready to report: the search, the replications it used and why, each
    parameter's loss profile and identifiability, and the check on held-out seeds."""

    fit: Fit
    reps: int
    reps_chosen: bool
    noise: float
    profile: pd.DataFrame
    identifiable: pd.DataFrame
    held_out: pd.DataFrame
    held_out_loss: dict[str, float]
    seeds: list[int]
    held_out_seeds: list[int]

    @property
    def written(self) -> dict[str, Any]:
        """The fitted values of the identifiable parameters only (what is written back)."""
        ok = set(self.identifiable.loc[self.identifiable["identifiable"], "parameter"])
        return {k: v for k, v in self.fit.best.items() if k in ok}


def fit_for_publication(scenario: Any, params: list[FitParameter], trials: int = 30,
                        reps: int | None = None, seed: int = 20240101, executor: Executor | None = None,
                        pilot: int = 8, max_reps: int = 20, noise_tolerance: float = 0.1,
                        profile_points: int = 5, progress: bool = True) -> Publication:
    """Fit with the checks a paper needs.

    1. Replications: ``pilot`` runs at the start values estimate the loss's replication
       noise; unless ``reps`` is given, the fit uses the fewest replications (at most
       ``max_reps``) whose loss noise is at most ``noise_tolerance``.
    2. The search (:func:`fit`, common random numbers across trials).
    3. A loss profile along each parameter's range (``profile_points`` points, the
       others at their best values); a parameter whose profile is flat (spread below
       :data:`FLAT_LOSS` and twice the noise) is flagged not identifiable and is not
       written back.
    4. The start and the fitted (identifiable) values on held-out seeds, never used by
       the fit, with 95% confidence intervals.
    """
    executor = executor or SerialExecutor()
    start = {p.key: _current(scenario, p.key) for p in params}
    pilot_seeds = replication_seeds(derived_seed(seed, "pilot"), max(pilot, 2))
    per_rep = replicate(scenario, {}, pilot_seeds, executor)
    chosen = reps is None
    if chosen:
        reps, noise = choose_reps(per_rep, seed, noise_tolerance, max_reps)
    else:
        noise = loss_noise(per_rep, int(reps), seed)
    result = fit(scenario, params, trials=trials, reps=int(reps), seed=seed, executor=executor,
                 progress=progress)
    seeds = replication_seeds(seed, int(reps))
    prof = profile(scenario, params, result.best, seeds, executor, profile_points)
    ident = identifiability(prof, seed)
    out = Publication(result, int(reps), chosen, noise, prof, ident, pd.DataFrame(), {}, seeds, [])
    result.scenario = scenario.with_values(point_changes(scenario, out.written), source="calibrated") \
        if out.written else scenario
    holdout_seeds = replication_seeds(derived_seed(seed, "held-out"), int(reps))
    table, summary = held_out(scenario, start, {**start, **out.written}, holdout_seeds, executor, seed)
    out.held_out, out.held_out_loss, out.held_out_seeds = table, summary, holdout_seeds
    return out


def git_state() -> dict[str, Any]:
    """The commit of the code and whether the tree has uncommitted changes (read when a
    fit starts, so that the record names the code that ran)."""
    import subprocess

    root = Path(__file__).resolve().parents[2]

    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                                  check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""

    return {"commit": git("rev-parse", "HEAD"), "uncommitted_changes": bool(git("status", "--porcelain"))}


def provenance_record(pub: Publication, base: Any, command: str, out: Path,
                      git: dict[str, Any] | None = None) -> dict[str, Any]:
    """What a reader needs to reproduce the fit: commit, seeds, files and settings."""
    import hashlib
    import platform

    base_path = Path(base.path)
    digest = hashlib.sha256(base_path.read_bytes()).hexdigest() if base_path.exists() else ""
    return {
        "command": command, "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        **(git or git_state()),
        "scenario_file": str(base_path), "scenario_sha256": digest, "calibrated_file": str(out),
        "experiment_seed": pub.fit.seed, "replications": pub.reps,
        "replications_chosen_for_noise": pub.reps_chosen, "loss_noise_sd": pub.noise,
        "trials": len(pub.fit.trials), "seeds": pub.seeds, "held_out_seeds": pub.held_out_seeds,
        "fitted": pub.fit.best, "written_back": pub.written,
        "not_identifiable": [k for k in pub.fit.best if k not in pub.written],
        "held_out_loss": pub.held_out_loss, "python": platform.python_version(),
    }
