"""Sweeps: stored as they finish, resumed without redoing or duplicating, failures recorded."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.experiment.design import load_experiment
from sim.experiment.executors import ProcessExecutor, SerialExecutor
from sim.experiment.jobs import simulate
from sim.experiment.store import load
from sim.experiment.sweep import execute, plan
from sim.randomness import replication_seeds

EXPERIMENT = """
[experiment]
name = "small"
scenarios = ["baseline"]
replications = {reps}
seed = 5

[sampler]
method = "factorial"

[constants]
"population.residents" = 5000
"run.end_date" = "{end}"

[[parameters]]
key = "staff.work_hours_per_day"
values = [8.5, 9.5]

[outputs]
datasets = ["indicators", "flows"]
"""


def experiment(tmp_path: Path, reps: int = 2, end: str = "2024-06-30") -> Path:
    path = tmp_path / "small.toml"
    path.write_text(textwrap.dedent(EXPERIMENT.format(reps=reps, end=end)), encoding="utf-8")
    return path


FAILING_SEED = replication_seeds(5, 2)[1]


def fail_one_seed(scenario, seed):
    """A model run that raises for one replication seed."""
    if seed == FAILING_SEED:
        raise RuntimeError("model exploded")
    return simulate(scenario, seed)


def test_every_run_is_stored_with_its_manifest(tmp_path):
    the_plan = plan(load_experiment(experiment(tmp_path)))
    summary = execute(the_plan, tmp_path / "results", SerialExecutor(), progress=False)
    runs = load(summary.results, "runs")
    assert list(runs["run_id"]) == the_plan.run_ids
    assert (runs["status"] == "ok").all()
    for col in ("version", "git_commit", "scenario_hash", "seed", "started", "finished", "params"):
        assert runs[col].notna().all()
    assert (runs["finished"] >= runs["started"]).all()
    ind = load(summary.results, "indicators")
    assert ind.groupby("run_id").size().nunique() == 1
    assert set(ind["run_id"]) == set(the_plan.run_ids)


def test_replications_share_their_seed_across_points(tmp_path):
    the_plan = plan(load_experiment(experiment(tmp_path)))
    seeds = the_plan.table.pivot(index="replication", columns="point", values="seed")
    assert (seeds.nunique(axis=1) == 1).all()
    assert seeds[0].nunique() == 2


def test_a_second_run_of_the_same_sweep_redoes_nothing(tmp_path):
    exp = load_experiment(experiment(tmp_path))
    first = execute(plan(exp), tmp_path / "results", SerialExecutor(), progress=False)
    stamps = {p.name: p.stat().st_mtime_ns for p in (first.results / "runs").glob("*.parquet")}
    again = execute(plan(exp), tmp_path / "results", SerialExecutor(), progress=False)
    assert (again.ran, again.skipped) == (0, first.planned)
    assert stamps == {p.name: p.stat().st_mtime_ns for p in (first.results / "runs").glob("*.parquet")}


def test_a_failing_run_is_recorded_and_the_sweep_goes_on(tmp_path):
    the_plan = plan(load_experiment(experiment(tmp_path)))
    summary = execute(the_plan, tmp_path / "results", SerialExecutor(), progress=False, run_fn=fail_one_seed)
    assert len(summary.failed) == 2  # one seed at each of two points
    assert summary.failed["error"].str.contains("RuntimeError: model exploded").all()
    runs = load(summary.results, "runs")
    assert (runs["status"] == "failed").sum() == 2 and (runs["status"] == "ok").sum() == 2
    assert "failed" in summary.text() and "model exploded" in summary.text()
    ok_runs = set(runs.loc[runs["status"] == "ok", "run_id"])
    assert set(load(summary.results, "indicators")["run_id"]) == ok_runs


def test_a_resumed_sweep_retries_failed_runs_only(tmp_path):
    the_plan = plan(load_experiment(experiment(tmp_path)))
    execute(the_plan, tmp_path / "results", SerialExecutor(), progress=False, run_fn=fail_one_seed)
    again = execute(the_plan, tmp_path / "results", SerialExecutor(), progress=False)
    assert (again.ran, again.skipped, len(again.failed)) == (2, 2, 0)
    runs = load(again.results, "runs")
    assert len(runs) == 4 and runs["run_id"].is_unique and (runs["status"] == "ok").all()


def test_a_process_pool_gives_the_serial_results_bit_for_bit(tmp_path):
    the_plan = plan(load_experiment(experiment(tmp_path)))
    serial = execute(the_plan, tmp_path / "serial", SerialExecutor(), progress=False)
    with ProcessExecutor(2) as ex:
        pooled = execute(the_plan, tmp_path / "pool", ex, progress=False)
    for dataset in ("indicators", "flows"):
        pd.testing.assert_frame_equal(load(serial.results, dataset), load(pooled.results, dataset))


def test_a_killed_sweep_resumes_without_loss_or_duplicates(tmp_path):
    path = experiment(tmp_path, reps=4, end="2024-12-31")
    results = tmp_path / "results"
    cmd = [sys.executable, "-m", "sim.cli", "sweep", str(path), "--executor", "serial",
           "--results", str(results), "--no-progress"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    runs_dir = results / "small" / "runs"
    deadline = time.monotonic() + 120
    while len(list(runs_dir.glob("*.parquet"))) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    before = {p.name: p.stat().st_mtime_ns for p in runs_dir.glob("*.parquet")}
    the_plan = plan(load_experiment(path))
    assert 2 <= len(before) < len(the_plan.jobs), "the sweep was not killed midway"
    summary = execute(the_plan, results, SerialExecutor(), progress=False)
    assert summary.skipped == len(before) and summary.ran == len(the_plan.jobs) - len(before)
    after = {p.name: p.stat().st_mtime_ns for p in runs_dir.glob("*.parquet")}
    assert {k: after[k] for k in before} == before  # finished runs were not redone
    runs = load(results / "small", "runs")
    assert sorted(runs["run_id"]) == sorted(the_plan.run_ids) and (runs["status"] == "ok").all()
    ind = load(results / "small", "indicators")
    assert not ind.duplicated(["run_id", "street", "year", "indicator"]).any()


@pytest.mark.parametrize("workers", [0, -1])
def test_a_bad_worker_count_is_refused(workers):
    from sim.experiment.executors import make_executor
    from sim.params.errors import InputError

    with pytest.raises(InputError, match="--workers"):
        make_executor("process", workers)
