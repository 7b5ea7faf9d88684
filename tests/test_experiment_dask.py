"""Dask distributed: a real local cluster of two worker processes gives the serial results,
and a worker killed mid-sweep does not lose the sweep."""

from __future__ import annotations

import os
import signal
import textwrap

import pandas as pd
import pytest

pytest.importorskip("distributed")

from sim.experiment.design import load_experiment  # noqa: E402
from sim.experiment.executors import DaskExecutor, SerialExecutor  # noqa: E402
from sim.experiment.store import load  # noqa: E402
from sim.experiment.sweep import execute, plan  # noqa: E402

EXPERIMENT = """
[experiment]
name = "dask"
scenarios = ["baseline"]
replications = {reps}
seed = 9

[sampler]
method = "lhs"
n = 2

[constants]
"population.residents" = 5000
"run.end_date" = "2024-06-30"

[[parameters]]
key = "feedback.learning_rate"
range = [0.2, 0.5]
"""


def experiment(tmp_path, reps: int = 2):
    path = tmp_path / "dask.toml"
    path.write_text(textwrap.dedent(EXPERIMENT.format(reps=reps)), encoding="utf-8")
    return load_experiment(path)


@pytest.mark.slow
def test_a_dask_cluster_gives_the_serial_results_bit_for_bit(tmp_path):
    the_plan = plan(experiment(tmp_path))
    serial = execute(the_plan, tmp_path / "serial", SerialExecutor(), progress=False)
    with DaskExecutor(workers=2) as ex:
        assert ex.workers == 2
        distributed = execute(the_plan, tmp_path / "dask", ex, progress=False)
    for dataset in ("indicators", "daily", "flows", "departments"):
        pd.testing.assert_frame_equal(load(serial.results, dataset), load(distributed.results, dataset))


@pytest.mark.slow
def test_a_killed_dask_worker_does_not_lose_the_sweep(tmp_path):
    the_plan = plan(experiment(tmp_path, reps=6))
    killed = []
    with DaskExecutor(workers=2) as ex:
        def kill_one_worker(job, out):
            if not killed:  # kill a worker that is running a job right now
                busy = [addr for addr, keys in sorted(ex.client.processing().items()) if keys]
                if busy:
                    pid = ex.client.run(os.getpid, workers=[busy[0]])[busy[0]]
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)

        summary = execute(the_plan, tmp_path / "results", ex, progress=False, on_done=kill_one_worker)
    assert killed
    assert summary.ok and summary.ran == len(the_plan.jobs)
    runs = load(summary.results, "runs")
    assert sorted(runs["run_id"]) == sorted(the_plan.run_ids) and (runs["status"] == "ok").all()
