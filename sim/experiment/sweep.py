"""Sweeps: plan an experiment's runs, execute them, store each as it finishes, resume.

>>> from sim.experiment.sweep import sweep
>>> summary = sweep("experiments/staffing_lhs.toml", results_dir="results")
>>> summary.failed            # runs that raised, with their errors

Every replication ``r`` uses the same root seed in every scenario and at every point
(common random numbers); seeds come from :func:`sim.randomness.seeds.replication_seeds`. A run is
skipped when the store already holds it with status ``ok``, so running the same command
again after an interruption finishes the sweep without redoing or duplicating a run.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiment import adapters
from sim.experiment.design import Experiment, apply_point, load_experiment, prepare, sample
from sim.experiment.executors import Done, Executor, make_executor
from sim.experiment.jobs import Job, RunOutput, run_id, run_job, simulate
from sim.experiment.progress import progress_bar
from sim.experiment.store import Store
from sim.params.errors import InputError
from sim.randomness import replication_seeds


@dataclass
class Plan:
    """An experiment's runs: ``jobs`` (unique runs, in run order) and ``table``, one row per
    (scenario, stressors, point, replication) with its ``run_id`` (identical points share a run)."""

    experiment: Experiment
    points: pd.DataFrame
    jobs: list[Job]
    table: pd.DataFrame

    @property
    def run_ids(self) -> list[str]:
        """Run ids in run order."""
        return [j.run_id for j in self.jobs]


@dataclass
class Summary:
    """What :func:`execute` did."""

    experiment: str
    results: Path
    planned: int
    skipped: int
    ran: int
    failed: pd.DataFrame = field(repr=False)
    wall_s: float = 0.0

    @property
    def ok(self) -> bool:
        """True when no run failed."""
        return self.failed.empty

    def text(self) -> str:
        """One line, plus one line per failed run."""
        lines = [f"{self.experiment}: {self.planned} runs planned, {self.skipped} already stored, "
                 f"{self.ran} run, {len(self.failed)} failed ({self.wall_s:.1f} s); "
                 f"results in {self.results}"]
        for r in self.failed.itertuples():
            lines.append(f"  failed {r.run_id} {r.scenario} seed {r.seed} point {r.point}: {r.error}")
        return "\n".join(lines)


def plan(exp: Experiment, points: pd.DataFrame | None = None) -> Plan:
    """Every run of ``exp``: scenarios x stressor sets x points x replications.

    Each point is validated against each scenario here, before any run starts.
    """
    points = sample(exp) if points is None else points
    seeds = replication_seeds(exp.seed, exp.replications)
    file = exp.path or "<experiment>"
    if len(set(exp.scenarios)) != len(exp.scenarios):
        raise InputError(file, "experiment.scenarios", list(exp.scenarios), "each scenario once")
    point_params = [{k: _plain(v) for k, v in row.items()} for row in points.to_dict("records")]
    jobs: dict[str, Job] = {}
    rows = []
    labels: dict[str, str] = {}
    for name in exp.scenarios:
        for stressors in exp.stressor_sets:
            prepared = prepare(name, exp.constants, file, stressors)
            s_hash = adapters.scenario_hash(prepared)
            label = str(getattr(prepared, "name", name))
            if labels.setdefault(label, name) != name:
                raise InputError(file, "experiment.scenarios", name,
                                 f"scenarios with distinct names ({labels[label]!r} is also {label!r})")
            for p, params in enumerate(point_params):
                _validate_point(prepared, params, p, file)
                for r, seed in enumerate(seeds):
                    rid = run_id(exp.name, s_hash, stressors, seed, params, label)
                    if rid not in jobs:
                        jobs[rid] = Job(rid, len(jobs), exp.name, label, s_hash, tuple(stressors), seed, r,
                                        p, params, tuple(exp.datasets), prepared)
                    rows.append({"scenario": label, "scenario_arg": name, "stressors": ",".join(stressors),
                                 "point": p, "replication": r, "seed": seed, "run_id": rid})
    return Plan(exp, points, list(jobs.values()), pd.DataFrame(rows))


def execute(plan: Plan, results_dir: str | Path = "results", executor: Executor | None = None,
            progress: bool = True, run_fn: Callable[[Any, int], Any] = simulate,
            on_done: Callable[[Job, RunOutput], None] | None = None, reuse_stale: bool = False,
            notify: Callable[[str], None] | None = None) -> Summary:
    """Run the plan's unfinished jobs and store each as it finishes.

    The experiment's folder is locked while this runs (a second writer waits). Stored
    runs are verified first (:func:`sim.experiment.store.verify`): damaged ones are moved
    aside to ``damaged/`` and run again. Stored runs made by another code version are
    refused unless ``reuse_stale``.

    Args:
        plan: from :func:`plan`.
        results_dir: the store's root (``results/``); the experiment gets a folder in it.
        executor: where runs execute (default: a local process pool on all cores).
        progress: show a progress bar (count, rate, ETA) on stderr.
        run_fn: the model run ``(scenario, seed) -> RunResult`` (tests inject failures).
        on_done: called after each run is stored.
        reuse_stale: reuse stored runs made by another code version (else InputError).
        notify: receives one-line messages (waiting for the lock, runs set aside).

    Returns:
        A :class:`Summary`; failed runs are listed, not raised.
    """
    t0 = time.perf_counter()
    exp = plan.experiment
    store = Store(results_dir, exp.name)
    notify = notify or _stderr
    with store.lock(notify=notify):
        return _execute_locked(plan, store, executor, progress, run_fn, on_done, reuse_stale, notify, t0)


def _execute_locked(plan: Plan, store: Store, executor: Executor | None, progress: bool,
                    run_fn: Callable[[Any, int], Any], on_done: Callable[[Job, RunOutput], None] | None,
                    reuse_stale: bool, notify: Callable[[str], None], t0: float) -> Summary:
    exp = plan.experiment
    version, commit = adapters.package_version(), adapters.git_commit()
    done = _stored_runs(plan, store, version, commit, reuse_stale, notify)
    store.write_manifest(manifest(exp, reused=sorted(done.values())))
    write_provenance(plan, store.root)
    todo = [j for j in plan.jobs if j.run_id not in done]
    failed = []
    own = executor is None
    executor = make_executor() if own else executor
    try:
        with progress_bar(len(todo), exp.name, progress) as bar:
            for d in executor.imap(run_job, ((j, run_fn) for j in todo)):
                job = todo[d.index]
                out = _output(job, d)
                row = {**job.row(), "status": out.status, "error": out.error, "started": out.started,
                       "finished": out.finished, "wall_s": out.wall_s, "version": version,
                       "git_commit": commit}
                store.write_run(row, out.tables)
                if out.status != "ok":
                    failed.append(row)
                    bar.set_postfix(failed=len(failed))
                bar.update(1)
                if on_done is not None:
                    on_done(job, out)
    finally:
        if own:
            executor.close()
    cols = ["run_id", "scenario", "stressors", "seed", "replication", "point", "params", "error"]
    failed_frame = pd.DataFrame(failed, columns=cols) if failed else pd.DataFrame(columns=cols)
    if failed:
        failed_frame = run_order(failed_frame, plan.run_ids)
    return Summary(exp.name, store.root, len(plan.jobs), len(plan.jobs) - len(todo), len(todo),
                   failed_frame, time.perf_counter() - t0)


def sweep(experiment: str | Path | Experiment, results_dir: str | Path = "results",
          executor: str = "process", workers: int | None = None, scheduler: str | None = None,
          progress: bool = True, reuse_stale: bool = False, **changes: Any) -> Summary:
    """Load an experiment file, plan it and execute it (the ``streetsim sweep`` function).

    ``changes`` override experiment fields (e.g. ``replications=2``).
    """
    exp = experiment if isinstance(experiment, Experiment) else load_experiment(experiment, **changes)
    the_plan = plan(exp)
    with make_executor(executor, workers, scheduler) as ex:
        return execute(the_plan, results_dir, ex, progress, reuse_stale=reuse_stale)


def output_summary(the_plan: Plan, results_dir: str | Path) -> pd.DataFrame:
    """Mean, SD and count of the experiment's output indicators per scenario, stressor set,
    setting and year: one row per distinct combination of the varied parameters' values
    (a column each), over the replications stored."""
    from sim.experiment.store import load

    exp = the_plan.experiment
    names = list(the_plan.points.columns)
    group = ["scenario", "stressors", *names, "indicator", "year"]
    cols = [*group, "mean", "sd", "n"]
    ind = load(Path(results_dir) / exp.name, "indicators", run_ids=the_plan.run_ids)
    if ind.empty:
        return pd.DataFrame(columns=cols)
    ind = ind[ind["indicator"].isin(exp.indicators) & ind["year"].isin(exp.years)]
    runs = run_params(the_plan).drop(columns=["scenario", "point", "replication", "seed"])
    ind = ind.merge(runs.drop_duplicates("run_id"), on="run_id", how="left")
    out = ind.groupby(group, sort=False, dropna=False)["value"].agg(["mean", "std", "count"]).reset_index()
    return out.rename(columns={"std": "sd", "count": "n"})[cols]


def run_params(the_plan: Plan) -> pd.DataFrame:
    """One row per planned run: run_id, scenario, stressors, point, replication, seed and a
    column per varied parameter (its value at the run's point) - no JSON to parse."""
    table = the_plan.table[["run_id", "scenario", "stressors", "point", "replication", "seed"]]
    points = the_plan.points.reset_index().rename(columns={"index": "point"})
    if "point" not in points.columns:
        points = points.assign(point=range(len(points)))
    return table.merge(points, on="point", how="left")


def manifest(exp: Experiment, reused: Sequence[str] = ()) -> dict[str, Any]:
    """The experiment as run, for ``experiment.json``; ``reused`` lists the code versions
    (``version commit``) of stored runs it reuses."""
    data = asdict(exp)
    data["path"] = str(exp.path) if exp.path else None
    data["version"] = adapters.package_version()
    data["git_commit"] = adapters.git_commit()
    data["reused_runs_from"] = sorted(set(reused))
    return data


def _stored_runs(plan: Plan, store: Store, version: str, commit: str, reuse_stale: bool,
                 notify: Callable[[str], None]) -> dict[str, str]:
    """Intact stored runs of the plan (``run_id -> "version commit"``); damaged ones are
    moved aside first; runs of another code version are refused unless ``reuse_stale``."""
    from sim.experiment.store import read_runs, verify

    if not (store.root / "runs").is_dir():
        return {}
    report = verify(store.root, deep=True)
    bad = report[report["state"] == "damaged"]
    if len(bad):
        where = store.set_aside(sorted(set(bad["run_id"])))
        notify(f"{bad['run_id'].nunique()} damaged run(s) moved aside to {where}; running them again")
    stray = report[report["state"] == "stray"]
    if len(stray):
        store.set_aside(sorted(set(stray["run_id"])))
    ok = set(report.loc[report["state"] == "ok", "run_id"]) & set(plan.run_ids)
    runs = read_runs(store.root).runs
    runs = runs[runs["run_id"].isin(ok)]
    codes = {r.run_id: f"{r.version} {r.git_commit}" for r in runs.itertuples()}
    current = f"{version} {commit}"
    stale = {k: v for k, v in codes.items() if v != current}
    if stale and not reuse_stale:
        other = sorted(set(stale.values()))
        raise InputError(store.root, "runs", f"{len(stale)} stored runs from {other[0]}",
                         f"runs from the code in use ({current}); pass --reuse-stale (reuse_stale=True) to "
                         "reuse them, or store into another --results folder")
    return codes


def write_provenance(plan: Plan, root: Path) -> None:
    """Store what the results came from: the experiment file, each scenario as resolved,
    and the Python environment (every installed package's version)."""
    import json
    import platform
    from importlib import metadata

    from sim.io import write_text

    exp = plan.experiment
    if exp.path is not None and Path(exp.path).is_file():
        write_text(Path(exp.path).read_text(encoding="utf-8"), root / "experiment.toml")
    for job in {j.scenario_name: j for j in plan.jobs}.values():
        sc = job.scenario
        data = {"name": job.scenario_name, "hash": job.scenario_hash,
                "values": getattr(sc, "values", {}),
                "levers": [u.describe() for u in getattr(sc, "levers", ())],
                "stressors": [u.describe() for u in getattr(sc, "stressors", ())]}
        write_text(json.dumps(data, indent=1, default=str, ensure_ascii=False),
                   root / "scenarios" / f"{re.sub(r'[^A-Za-z0-9_.+-]', '_', job.scenario_name)}.json")
    packages = sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions()
                      if d.metadata["Name"])
    env = {"python": sys.version, "platform": platform.platform(), "packages": packages}
    write_text(json.dumps(env, indent=1), root / "environment.json")


def _stderr(message: str) -> None:
    print(f"streetsim: {message}", file=sys.stderr)


def _output(job: Job, d: Done) -> RunOutput:
    if d.error is None:
        return d.value
    now = pd.Timestamp.now(tz="UTC")
    return RunOutput(job.run_id, "failed", f"executor: {d.error}", now, now, 0.0, {})


def _validate_point(scenario: Any, params: dict[str, Any], p: int, file: Path | str) -> None:
    if not params:
        return
    try:
        apply_point(scenario, params, str(file))
    except InputError as exc:
        raise InputError(file, f"point {p}: {exc.field}", exc.value, exc.allowed) from None


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def run_order(frame: pd.DataFrame, run_ids: Sequence[str]) -> pd.DataFrame:
    """``frame`` (with a ``run_id`` column) sorted stably by the order of ``run_ids``."""
    order = {r: i for i, r in enumerate(run_ids)}
    return frame.sort_values("run_id", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)
