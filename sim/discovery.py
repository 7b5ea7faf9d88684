"""Scenario discovery: where does a reform path fail? (EMA Workbench's PRIM, and CART).

>>> from sim.discovery import discover
>>> d = discover("combined", n=200)       # LHS over the uncertainties, path vs. baseline
>>> d.boxes                               # one row per (indicator, failure) with a box
>>> print(box_text(d.boxes.iloc[0]))

An LHS of ``n`` points spans the uncertainties of :func:`sim.ema.ema_model`: every scalar
assumption parameter (+/-``band`` around its value) and every risk stressor (on/off).
Each point runs under the path and under the baseline (the path with its levers off) on
the same replication seeds (common random numbers). For each indicator with a plan
target, two failures are looked for at ``year``:

* ``misses_target`` - the path's replication mean misses the plan's target;
* ``worse_than_baseline`` - the path does worse than the baseline at the same point.

Where a failure is neither rare nor the rule (between ``min_share`` and ``1-min_share``
of the points), PRIM peels the uncertainty space to the box of assumptions in which it
concentrates. The box kept on the peeling trajectory is the one with the largest
``coverage x density`` among boxes restricting at most ``max_dims`` dimensions (boxes
restricting many dimensions of a 200-point sample overfit); restrictions whose
quasi-p-value exceeds 0.05 are then dropped one by one (EMA's ``drop_restriction``), and a
failure left with no significant restriction gets no box. Every box has its coverage
(share of all failures inside it), density (share of the points inside it that fail),
mass (share of all points inside it) and restricted dimensions.

Speed: points run at ``residents`` (default 10,000) to the end of ``year`` (default
2027); a 200-point discovery is 400 runs, about 4 minutes on 2 idle cores.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.ema import ema_model, forkserver_start
from sim.experiment.compare import DEFAULT_SEED
from sim.experiment.design import latin_hypercube, sampler_seed
from sim.indicators.definitions import INDICATOR_BY_KEY, INDICATORS
from sim.params.errors import InputError
from sim.scenarios import load_scenario

FAILURES = ("misses_target", "worse_than_baseline")
BOX_COLUMNS = ["path", "indicator", "failure", "share", "coverage", "density", "mass", "res_dim",
               "restrictions", "limits"]


@dataclass
class Discovery:
    """A scenario-discovery run: points, outcomes and the boxes found."""

    path: str
    year: int
    experiments: pd.DataFrame  # point, key columns (dotted parameter keys, stress:NAME)
    outcomes: pd.DataFrame     # point, policy (baseline/path), indicator, replication, value
    failures: pd.DataFrame     # point x (indicator, failure) booleans
    boxes: pd.DataFrame        # BOX_COLUMNS


def target_indicators() -> list[str]:
    """Indicators with a plan target (what a path can miss)."""
    return [i.key for i in INDICATORS if i.target is not None and i.target_op is not None]


def lhs_points(factors: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """``n`` Latin-hypercube points over ``factors`` (rows of :func:`sim.ema.factor_table`),
    from the experiment engine's seeded sampler: one column per EMA name."""
    rng = np.random.default_rng(sampler_seed(seed))
    u = latin_hypercube(n, len(factors), rng)
    cols = {}
    for j, r in enumerate(factors.itertuples(index=False)):
        if r.type == "bool":
            cols[r.name] = u[:, j] >= 0.5
        elif r.type == "int":
            lo, hi = int(np.ceil(r.lo)), int(np.floor(r.hi))
            cols[r.name] = np.minimum(lo + np.floor(u[:, j] * (hi - lo + 1)), hi).astype(int)
        else:
            cols[r.name] = r.lo + u[:, j] * (r.hi - r.lo)
    return pd.DataFrame(cols)


def discover(path: str = "combined", n: int = 200, reps: int = 1, seed: int = DEFAULT_SEED,
             year: int = 2027, residents: int | None = 10_000, indicators: list[str] | None = None,
             workers: int | None = None, band: float = 0.3, max_dims: int = 3, min_share: float = 0.05,
             cart: bool = False) -> Discovery:
    """Run the LHS under ``path`` and the baseline and find the boxes where ``path`` fails.

    Args:
        path: a reform-path scenario (name or file) that extends the baseline with levers.
        n: LHS points; reps: replications per point (seeds as ``streetsim compare``).
        year: the year judged; residents: street size for speed (None: the scenario's).
        indicators: indicators judged (default: every one with a plan target).
        workers: processes (1: in this process).
        band: relative range of the assumption parameters.
        max_dims: most restricted dimensions of a box kept.
        min_share: a failure rarer than this (or commoner than 1 - this) is not analysed.
        cart: also fit a CART tree and keep its purest failing leaf.
    """
    from ema_workbench import MultiprocessingEvaluator, Sample, SequentialEvaluator

    if n < 10:
        raise InputError("<command line>", "--n", n, "at least 10 points")
    indicators = indicators or target_indicators()
    for k in indicators:
        if k not in INDICATOR_BY_KEY:
            raise InputError("<command line>", "--indicators", k, "an indicator key")
    scenario = load_scenario(path)
    if not scenario.levers:
        raise InputError(scenario.path, "levers", "none", "a reform path (a scenario with levers)")
    model = ema_model(scenario, outcomes=indicators, years=(year,), residents=residents,
                      replications=reps, seed=seed, band=band, levers=True)
    unc = model.factors[model.factors.role == "uncertainty"].reset_index(drop=True)
    points = lhs_points(unc, n, seed)
    scenarios = [Sample(name=i, **{c: _py(points.at[i, c]) for c in points.columns}) for i in range(n)]
    lev = model.factors[model.factors.role == "lever"]
    as_path = {r.name: _py(r.default) for r in lev.itertuples(index=False)}
    off = {**as_path, **{f"lever__{u.name}": False for u in scenario.levers}}
    policies = [Sample(name="baseline", **off), Sample(name=scenario.name, **as_path)]
    workers = workers or 2
    evaluator = (SequentialEvaluator(model) if workers == 1
                 else MultiprocessingEvaluator(model, n_processes=workers))
    with forkserver_start(), evaluator as ev:
        experiments, out = ev.perform_experiments(scenarios=scenarios, policies=policies)
    failed = [k for k, v in out.items() if np.ma.is_masked(v)]
    if failed:
        raise RuntimeError(f"some runs failed (outcome {failed[0]}); see the log above")
    outcomes = _long_outcomes(experiments, out, indicators, year, scenario.name)
    failures = failure_table(outcomes, indicators, year, scenario.name)
    x = points.rename(columns=dict(zip(unc.name, unc.key)))
    x.index.name = "point"
    boxes = find_boxes(x, failures, scenario.name, max_dims, min_share, cart)
    return Discovery(path=scenario.name, year=year, experiments=x.reset_index(), outcomes=outcomes,
                     failures=failures, boxes=boxes)


def _py(v: Any) -> Any:
    return v.item() if hasattr(v, "item") else v


def _long_outcomes(experiments: pd.DataFrame, out: dict[str, np.ndarray], indicators: list[str],
                   year: int, path: str) -> pd.DataFrame:
    frames = []
    point = experiments["scenario"].astype(int).to_numpy()
    policy = np.where(experiments["policy"].astype(str).to_numpy() == "baseline", "baseline", path)
    for ind in indicators:
        values = np.asarray(out[f"{ind}_{year}"], dtype=float)
        for r in range(values.shape[1]):
            frames.append(pd.DataFrame({"point": point, "policy": policy, "indicator": ind,
                                        "replication": r, "value": values[:, r]}))
    return pd.concat(frames, ignore_index=True)


def failure_table(outcomes: pd.DataFrame, indicators: list[str], year: int, path: str) -> pd.DataFrame:
    """Per point, whether the path misses each target and does worse than baseline
    (replication means)."""
    means = outcomes.groupby(["point", "policy", "indicator"])["value"].mean().unstack("policy")
    cols = {}
    for ind in indicators:
        spec = INDICATOR_BY_KEY[ind]
        m = means.xs(ind, level="indicator")
        sign = 1.0 if spec.higher_is_better else -1.0
        cols[(ind, "misses_target")] = m[path].map(lambda v, s=spec: s.meets(v) is False)
        cols[(ind, "worse_than_baseline")] = sign * (m[path] - m["baseline"]) < -1e-12
    out = pd.DataFrame(cols)
    out.columns = pd.MultiIndex.from_tuples(out.columns, names=["indicator", "failure"])
    return out


def find_boxes(x: pd.DataFrame, failures: pd.DataFrame, path: str, max_dims: int = 3,
               min_share: float = 0.05, cart: bool = False) -> pd.DataFrame:
    """A PRIM box (and optionally a CART leaf) for each failure that is neither rare nor
    the rule."""
    import logging

    from ema_workbench.analysis import prim

    logging.getLogger("EMA").setLevel(logging.ERROR)
    rows = []
    # integers as floats: EMA 3.0's PRIM pastes half-integer limits into integer columns
    x = x.reset_index(drop=True).astype({c: float for c in x.columns if x[c].dtype.kind in "iu"})
    for (ind, failure), y in failures.items():
        y = y.to_numpy(dtype=bool)
        share = float(y.mean())
        if not min_share <= share <= 1 - min_share:
            continue
        box = prim.Prim(x, y, mass_min=0.05).find_box()
        row = _best_box(box, max_dims)
        if row is not None:
            rows.append({"path": path, "indicator": ind, "failure": failure, "share": share, **row})
        if cart:
            leaf = cart_leaf(x, y)
            if leaf is not None:
                rows.append({"path": path, "indicator": ind, "failure": failure + " (CART)",
                             "share": share, **leaf})
    boxes = pd.DataFrame(rows, columns=BOX_COLUMNS)
    return boxes.sort_values(["coverage"], ascending=False, kind="stable").reset_index(drop=True)


def _best_box(box: Any, max_dims: int, alpha: float = 0.05) -> dict[str, Any] | None:
    """The box with the largest coverage x density restricting 1..``max_dims`` dimensions,
    less the restrictions whose quasi-p-value (EMA's significance of each restriction)
    exceeds ``alpha``; None when no significant restriction is left."""
    from ema_workbench.analysis.scenario_discovery_util import _determine_restricted_dims

    traj = box.peeling_trajectory
    ok = traj[(traj["res_dim"] >= 1) & (traj["res_dim"] <= max_dims)]
    if ok.empty:
        return None
    i = int((ok["coverage"] * ok["density"]).idxmax())
    qps = {}
    while True:
        dims = list(_determine_restricted_dims(box.box_lims[i], box.box_lims[0]))
        qps = {d: min((q for q in box.p_values[i].get(d, []) if q == q and q >= 0), default=0.0)
               for d in dims}
        weak = [d for d in dims if qps[d] > alpha]
        if not weak or not dims:
            break
        box.drop_restriction(max(weak, key=qps.get), i)
        i = len(box.peeling_trajectory) - 1
    if not dims:
        return None
    stats = box.peeling_trajectory.loc[i]
    lims = box.box_lims[i]
    limits = {str(d): _limit(lims.at[0, d], lims.at[1, d]) for d in dims}
    return {"coverage": float(stats["coverage"]), "density": float(stats["density"]),
            "mass": float(stats["mass"]), "res_dim": len(dims),
            "restrictions": "; ".join(f"{k} {v} (qp {qps[k]:.2g})" for k, v in limits.items()),
            "limits": json.dumps(limits, ensure_ascii=False)}


def _limit(lo: Any, hi: Any) -> str:
    if isinstance(lo, (set, frozenset)) or isinstance(hi, (set, frozenset)):
        values = sorted(str(v) for v in (lo if isinstance(lo, (set, frozenset)) else hi))
        return "in {" + ", ".join(values) + "}"
    return f"in [{float(lo):.4g}, {float(hi):.4g}]"


def cart_leaf(x: pd.DataFrame, y: np.ndarray) -> dict[str, Any] | None:
    """The CART leaf (EMA's ``cart``) with the largest coverage x density of failures."""
    from ema_workbench.analysis import cart

    x = x.astype(float)  # EMA 3.0's CART cannot split boolean columns
    model = cart.CART(x, y, mass_min=0.05)
    model.build_tree()
    best, best_score = None, -1.0
    for k, lims in enumerate(model.boxes):
        stats = model.stats[k]
        score = stats["coverage"] * stats["density"]
        if score > best_score:
            restricted = _restricted_cart(lims, x)
            best, best_score = {"coverage": float(stats["coverage"]), "density": float(stats["density"]),
                                "mass": float(stats["mass"]), "res_dim": len(restricted),
                                "restrictions": "; ".join(f"{k2} {v}" for k2, v in restricted.items()),
                                "limits": json.dumps(restricted, ensure_ascii=False)}, score
    return best


def _restricted_cart(lims: pd.DataFrame, x: pd.DataFrame) -> dict[str, str]:
    out = {}
    for d in lims.columns:
        lo, hi = lims.loc[0, d], lims.loc[1, d]
        if isinstance(lo, (set, frozenset)):
            if set(lo) != set(x[d].unique()):
                out[str(d)] = _limit(lo, lo)
        elif float(lo) > float(x[d].min()) or float(hi) < float(x[d].max()):
            out[str(d)] = (("in {True}" if float(lo) >= 0.5 else "in {False}") if str(d).startswith("stress:")
                           else _limit(lo, hi))
    return out


def box_text(row: pd.Series | dict, lang: str = "en") -> str:
    """One box as a line: indicator, failure, coverage, density and restrictions."""
    spec = INDICATOR_BY_KEY.get(row["indicator"])
    name = (spec.zh if lang == "zh" else spec.en) if spec else row["indicator"]
    return (f"{name} [{row['failure']}]: {row['share']:.0%} of points fail; box covers "
            f"{row['coverage']:.0%} of failures at density {row['density']:.0%} (mass {row['mass']:.0%}), "
            f"restricting {row['res_dim']}: {row['restrictions']}")


def write_discovery(d: Discovery, results_dir: str | Path = "results", name: str | None = None) -> Path:
    """Store a discovery as Parquet under ``results_dir/<name>/discovery/`` (default name
    ``discover_<path>``); the report reads ``boxes.parquet`` from there."""
    out = Path(results_dir) / (name or f"discover_{d.path}") / "discovery"
    out.mkdir(parents=True, exist_ok=True)
    d.experiments.to_parquet(out / "experiments.parquet", index=False)
    d.outcomes.to_parquet(out / "outcomes.parquet", index=False)
    flat = d.failures.copy()
    flat.columns = [f"{i}:{f}" for i, f in flat.columns]
    flat.reset_index().to_parquet(out / "failures.parquet", index=False)
    d.boxes.assign(year=d.year).to_parquet(out / "boxes.parquet", index=False)
    (out / "manifest.json").write_text(json.dumps(
        {"kind": "discovery", "path": d.path, "year": d.year, "points": len(d.experiments)}, indent=2))
    return out
