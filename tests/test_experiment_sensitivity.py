"""Sensitivity analysis: SALib indices with confidence intervals, from stored runs."""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest

from sim.experiment.design import load_experiment, sample
from sim.experiment.executors import SerialExecutor
from sim.experiment.sensitivity import analyse, ranking, sensitivity
from sim.experiment.sweep import plan

EXPERIMENT = """
[experiment]
name = "sa"
scenarios = ["baseline"]
replications = {reps}
seed = 3

[sampler]
method = "{method}"
n = {n}

[constants]
"population.residents" = 5000
"run.end_date" = "2024-06-30"

[[parameters]]
key = "feedback.learning_rate"
range = [0.2, 0.5]

[[parameters]]
key = "staff.work_hours_per_day"
range = [8.0, 10.0]

[outputs]
indicators = ["satisfaction"]
"""


def experiment(tmp_path, method: str, n: int, reps: int = 2):
    path = tmp_path / "sa.toml"
    path.write_text(textwrap.dedent(EXPERIMENT.format(method=method, n=n, reps=reps)), encoding="utf-8")
    return load_experiment(path)


def synthetic_indicators(the_plan) -> pd.DataFrame:
    """Satisfaction = 3 x learning rate, whatever the work hours, in every replication."""
    x = sample(the_plan.experiment)
    t = the_plan.table
    return pd.DataFrame({"run_id": t["run_id"], "scenario": t["scenario"], "replication": t["replication"],
                         "year": 2024, "indicator": "satisfaction",
                         "value": 3.0 * x.loc[t["point"], "feedback.learning_rate"].to_numpy()})


@pytest.mark.parametrize(("method", "index", "n"), [("morris", "mu_star", 6), ("sobol", "ST", 64)])
def test_only_the_parameter_that_matters_gets_a_large_index(tmp_path, method, index, n):
    the_plan = plan(experiment(tmp_path, method, n))
    indices, notes = analyse(the_plan, synthetic_indicators(the_plan))
    assert notes == []
    main = indices[indices["index"] == index].set_index("parameter")
    assert main.loc["feedback.learning_rate", "value"] > 0.5
    assert main.loc["staff.work_hours_per_day", "value"] == pytest.approx(0.0, abs=0.05)
    assert main[["conf", "ci_low", "ci_high"]].notna().all().all()


def test_an_output_without_values_is_skipped_with_a_note(tmp_path):
    the_plan = plan(experiment(tmp_path, "morris", 2))
    lost = set(the_plan.table.loc[the_plan.table["point"] == 0, "run_id"])  # e.g. failed runs
    frame = synthetic_indicators(the_plan)
    frame = frame[~frame["run_id"].isin(lost)]
    indices, notes = analyse(the_plan, frame)
    assert indices.empty and len(notes) == 1 and "skipped" in notes[0]


def test_morris_on_the_model_stores_and_prints_indices(tmp_path):
    exp = experiment(tmp_path, "morris", 2, reps=1)
    result = sensitivity(exp, tmp_path / "results", SerialExecutor(), progress=False)
    stored = pd.read_parquet(result.summary.results / "sensitivity.parquet")
    pd.testing.assert_frame_equal(stored, result.indices)
    assert set(stored["parameter"]) == {"feedback.learning_rate", "staff.work_hours_per_day"}
    assert {"mu_star", "sigma"} <= set(stored["index"])
    assert "feedback.learning_rate" in ranking(result.indices, "morris")
