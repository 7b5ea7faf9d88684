"""One run of an experiment: what it is (:class:`Job`), and running it on a worker.

:func:`run_job` is what executors call. It never raises for a failing model run: the
error is caught and returned, so a sweep records the failure and goes on.
"""

from __future__ import annotations

import gc
import hashlib
import json
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.experiment.design import apply_point
from sim.scalars import python_scalar

COLLECT_AFTER_JOB = False
"""Set by :func:`sim.experiment.executors.init_worker` in pool workers: collect cyclic
garbage after each job (cheap there: the worker froze its imports with ``gc.freeze``;
about 75 ms in a process that did not)."""

DAILY_COLUMNS = ("street", "day", "date", "hours_available", "hours_training", "hours_emergency",
                 "hours_out_of_list", "hours_in_list", "hours_data_entry", "hours_casework", "queue",
                 "in_service", "waiting_departments", "staff_filled")


@dataclass(frozen=True)
class Job:
    """One run: a prepared scenario (stressors and constants applied), a point and a seed."""

    run_id: str
    run_index: int
    experiment: str
    scenario_name: str
    scenario_hash: str
    stressors: tuple[str, ...]
    seed: int
    replication: int
    point: int
    params: dict[str, Any]
    datasets: tuple[str, ...]
    scenario: Any = field(repr=False, compare=False)

    def row(self) -> dict[str, Any]:
        """The job's part of its ``runs`` row."""
        return {"run_id": self.run_id, "run_index": self.run_index, "experiment": self.experiment,
                "scenario": self.scenario_name, "scenario_hash": self.scenario_hash,
                "stressors": ",".join(self.stressors), "seed": self.seed,
                "replication": self.replication, "point": self.point,
                "params": json.dumps(self.params, sort_keys=True, default=_json_default)}


@dataclass
class RunOutput:
    """What a worker sends back: status fields and the run's tables (none if it failed)."""

    run_id: str
    status: str
    error: str
    started: pd.Timestamp
    finished: pd.Timestamp
    wall_s: float
    tables: dict[str, pd.DataFrame]


def run_id(experiment: str, scenario_hash: str, stressors: tuple[str, ...], seed: int,
           params: dict[str, Any], scenario: str = "") -> str:
    """Stable id of a run: a hash of experiment, scenario (name and hash), stressors, seed
    and point. The name is part of it so that two scenarios with equal values (or whose
    differences the value hash does not see) keep their own runs and labels."""
    blob = json.dumps([experiment, scenario, scenario_hash, list(stressors), int(seed), params],
                      sort_keys=True, default=_json_default)
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


def simulate(scenario: Any, seed: int) -> Any:
    """The default model run (:func:`sim.runner.run`)."""
    from sim.runner import run

    return run(scenario, seed)


def run_job(job: Job, run_fn: Callable[[Any, int], Any] = simulate) -> RunOutput:
    """Run one job and turn its result into the stored tables; failures are returned."""
    started = pd.Timestamp.now(tz="UTC")
    t0 = time.perf_counter()
    try:
        scenario = job.scenario
        if job.params:
            scenario = apply_point(scenario, job.params, "experiment point")
        result = run_fn(scenario, job.seed)
        tables = run_tables(result, job)
        del result
        status, error = "ok", ""
    except Exception as exc:
        tables = {}
        status = "failed"
        last = traceback.extract_tb(exc.__traceback__)[-1:]
        where = f" at {last[0].filename}:{last[0].lineno}" if last else ""
        error = f"{type(exc).__name__}: {exc}{where}"
    if COLLECT_AFTER_JOB:
        # a finished model's agents form reference cycles: free them now, not after
        # several runs have piled up (a pool worker froze its imports, so this is quick)
        gc.collect()
    return RunOutput(job.run_id, status, error, started, pd.Timestamp.now(tz="UTC"),
                     time.perf_counter() - t0, tables)


def run_tables(result: Any, job: Job) -> dict[str, pd.DataFrame]:
    """The datasets the job asks for, from a :class:`sim.runner.RunResult`."""
    out: dict[str, pd.DataFrame] = {}
    makers = {"indicators": _indicators, "daily": _daily, "flows": _flows, "departments": _departments,
              "money": _money}
    for name in job.datasets:
        frame = makers[name](result, job)
        frame.insert(0, "run_id", job.run_id)
        out[name] = frame.reset_index(drop=True)
    return out


def _indicators(result: Any, job: Job) -> pd.DataFrame:
    ind = result.indicators
    return pd.DataFrame({
        "scenario": job.scenario_name, "seed": np.int64(job.seed), "replication": np.int64(job.replication),
        "street": ind["street"].astype(str), "year": ind["year"].astype("int64"),
        "indicator": ind["indicator"].astype(str), "value": ind["value"].astype("float64"),
    })


def _daily(result: Any, job: Job) -> pd.DataFrame:
    daily = result.daily
    frame = daily[[c for c in DAILY_COLUMNS if c in daily.columns]].copy()
    frame.insert(0, "scenario", job.scenario_name)
    return frame


def _year_of(result: Any, hours: pd.Series) -> np.ndarray:
    yod = result.tables[0].year_of_day
    day = np.nan_to_num(hours.to_numpy(dtype=float) // 24, nan=0).astype(int)
    return yod[np.clip(day, 0, len(yod) - 1)]


def _flows(result: Any, job: Job) -> pd.DataFrame:
    """Cases counted by year raised, route, outcome and drop reason: counted on the codes,
    the few counted rows then labelled as :attr:`RunResult.cases` labels them."""
    from sim.cases import DROP_REASONS, OUTCOME_NAMES
    from sim.outputs import route_labels

    keys = ["route", "outcome", "drop_reason"]
    cases = pd.concat([t.cases[["raised_h", *keys]] for t in result.tables], ignore_index=True)
    frame = pd.DataFrame({"year": _year_of(result, cases["raised_h"]).astype("int64"),
                          **{k: cases[k].to_numpy() for k in keys}})
    counts = frame.groupby(["year", *keys]).size().rename("n").reset_index()
    counts["route"] = np.asarray(route_labels(counts["route"].to_numpy()), dtype=object).astype(str)
    counts["outcome"] = pd.Categorical.from_codes(counts["outcome"], OUTCOME_NAMES).astype(str)
    counts["drop_reason"] = pd.Categorical.from_codes(counts["drop_reason"], DROP_REASONS).astype(str)
    counts = counts.sort_values(["year", *keys], kind="stable").reset_index(drop=True)
    counts["n"] = counts["n"].astype("int64")
    counts.insert(0, "scenario", job.scenario_name)
    return counts


def _departments(result: Any, job: Job) -> pd.DataFrame:
    ep = result.episodes
    cols = ["scenario", "year", "department", "whistles", "answered", "episodes", "mean_arrival_hours"]
    if not len(ep):
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(cols, (
            "object", "int64", "object", "int64", "int64", "int64", "float64"))})
    arrived = ep["state"].astype(str) == "arrived"
    frame = pd.DataFrame({
        "year": _year_of(result, ep["first_sent_h"]).astype("int64"),
        "department": ep["department"].astype(str), "n_sent": ep["n_sent"].astype("int64"),
        "arrived": arrived.astype("int64"),
        "arrival": (ep["arrival_h"] - ep["first_sent_h"]).where(arrived),
    })
    g = frame.groupby(["year", "department"], sort=True)
    out = pd.DataFrame({
        "whistles": g["n_sent"].sum(), "answered": g["arrived"].sum(), "episodes": g.size(),
        "mean_arrival_hours": g["arrival"].mean().astype("float64"),
    }).reset_index()
    out.insert(0, "scenario", job.scenario_name)
    return out[cols]


def _money(result: Any, job: Job) -> pd.DataFrame:
    """The money ledger of every street and year, long: scenario, seed, replication, street,
    year, item, yuan
    (items as in :class:`sim.money.Purse`, plus ``general_balance`` at year end)."""
    rows = []
    for tables in result.tables:
        state = tables.state
        items = [c for c in state.columns if c.startswith("money_")]
        long = state.melt(id_vars=["street", "year"], value_vars=items, var_name="item", value_name="yuan")
        rows.append(long)
    frame = pd.concat(rows, ignore_index=True)
    return pd.DataFrame({
        "scenario": job.scenario_name, "seed": np.int64(job.seed), "replication": np.int64(job.replication),
        "street": frame["street"].astype(str),
        "year": frame["year"].astype("int64"), "item": frame["item"].str.removeprefix("money_").astype(str),
        "yuan": frame["yuan"].astype("float64"),
    })


def _json_default(value: Any) -> Any:
    plain = python_scalar(value)
    return plain if plain is not value else str(value)
