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

from sim.counting import count_combinations
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


def _year_of(result: Any, hours: pd.Series | np.ndarray) -> np.ndarray:
    """The year of each hour since the run's start (:func:`sim.indicators.compute.year_of_hours`)."""
    from sim.indicators.compute import year_of_hours

    return year_of_hours(result.tables[0].year_of_day, hours)


def _flows(result: Any, job: Job) -> pd.DataFrame:
    """Cases counted by year raised, route, outcome and drop reason: counted on the codes
    (:func:`count_combinations`), the few counted rows then labelled as
    :attr:`RunResult.cases` labels them, in the order of those labels."""
    from sim.cases import DROP_REASONS, OUTCOME_NAMES
    from sim.outputs import route_labels

    keys = ["route", "outcome", "drop_reason"]
    cases = [t.cases for t in result.tables]
    raised = np.concatenate([c["raised_h"].to_numpy() for c in cases])
    codes = [_year_of(result, raised).astype(np.int64)]
    codes += [np.concatenate([c[k].to_numpy() for c in cases]).astype(np.int64) for k in keys]
    values, n = count_combinations(codes)
    counts = pd.DataFrame({
        "year": values[0], "route": np.asarray(route_labels(values[1]), dtype=object).astype(str),
        "outcome": pd.Categorical.from_codes(values[2], OUTCOME_NAMES).astype(str),
        "drop_reason": pd.Categorical.from_codes(values[3], DROP_REASONS).astype(str), "n": n})
    counts = counts.sort_values(["year", *keys], kind="stable").reset_index(drop=True)
    counts.insert(0, "scenario", job.scenario_name)
    return counts


def _departments(result: Any, job: Job) -> pd.DataFrame:
    """Whistles, answers and episodes by year first sent and department, and the mean hours
    from first whistle to arrival of the answered episodes: grouped on the department
    codes, the few grouped rows then labelled and put in order of the labels."""
    from sim.cases import EP_ARRIVED
    from sim.domain import DEPARTMENTS

    cols = ["scenario", "year", "department", "whistles", "answered", "episodes", "mean_arrival_hours"]
    episodes = [t.episodes for t in result.tables]
    if not sum(len(e) for e in episodes):
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(cols, (
            "object", "int64", "object", "int64", "int64", "int64", "float64"))})

    def column(name: str) -> np.ndarray:
        return np.concatenate([e[name].to_numpy() for e in episodes])

    first_sent = column("first_sent_h")
    arrived = column("state") == EP_ARRIVED
    frame = pd.DataFrame({
        "year": _year_of(result, first_sent).astype("int64"),
        "department": column("department").astype(np.int64), "n_sent": column("n_sent").astype("int64"),
        "arrived": arrived.astype("int64"),
        "arrival": np.where(arrived, column("arrival_h") - first_sent, np.nan),
    })
    g = frame.groupby(["year", "department"], sort=True)
    out = pd.DataFrame({
        "whistles": g["n_sent"].sum(), "answered": g["arrived"].sum(), "episodes": g.size(),
        "mean_arrival_hours": g["arrival"].mean().astype("float64"),
    }).reset_index()
    names = np.asarray(DEPARTMENTS, dtype=object)[out["department"].to_numpy()]
    out["department"] = pd.Series(names).astype(str)
    out = out.sort_values(["year", "department"], kind="stable").reset_index(drop=True)
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
