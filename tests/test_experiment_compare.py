"""``compare``: common random numbers and paired differences with 95% CIs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.experiment.compare import compare, compare_experiment, mean_ci, paired_differences, paired_table
from sim.experiment.executors import SerialExecutor
from sim.experiment.store import load
from sim.params.errors import InputError

TINY = {"population.residents": 5000, "run.end_date": "2024-06-30"}


def derived(tmp_path, name: str, body: str) -> str:
    path = tmp_path / f"{name}.toml"
    path.write_text(f'[scenario]\nname = "{name}"\nextends = "baseline"\n{body}', encoding="utf-8")
    return str(path)


def long_frame(values: dict[str, list[float]]) -> pd.DataFrame:
    rows = [{"scenario": s, "replication": r, "year": 2025, "indicator": "satisfaction", "value": v}
            for s, vs in values.items() for r, v in enumerate(vs)]
    return pd.DataFrame(rows)


def test_paired_difference_and_its_t_interval():
    base, path = [0.60, 0.62, 0.61, 0.65], [0.63, 0.66, 0.62, 0.70]
    out = paired_differences(long_frame({"baseline": base, "reform": path}), "baseline", [2025])
    d = np.subtract(path, base)
    half = stats.t.ppf(0.975, 3) * d.std(ddof=1) / 2
    row = out.iloc[0]
    assert (row["path"], row["n"]) == ("reform", 4)
    assert row["diff"] == pytest.approx(d.mean())
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((d.mean() - half, d.mean() + half))


def test_pairs_are_matched_by_replication_and_missing_values_dropped():
    out = paired_differences(long_frame({"baseline": [1.0, 2.0, np.nan], "p": [2.0, 4.0, 9.0]}),
                             "baseline", [2025])
    assert out.iloc[0]["n"] == 2
    assert out.iloc[0]["diff"] == pytest.approx(1.5)


def test_mean_ci_needs_two_values():
    assert np.isnan(mean_ci(np.array([1.0]))).all()


def test_a_path_identical_to_the_baseline_differs_by_exactly_zero(tmp_path):
    """Common random numbers: the same scenario on the same seeds gives the same results."""
    same = derived(tmp_path, "same", "")
    result = compare(["baseline", same], reps=2, years=[2024], results_dir=tmp_path / "r",
                     executor=SerialExecutor(), progress=False, constants=TINY)
    paired = result.paired
    assert set(paired["path"]) == {"same"}
    finite = paired.dropna(subset=["diff"])
    assert len(finite) > 20 and (finite["diff"] == 0).all()
    assert (finite.loc[finite["n"] >= 2, ["ci_low", "ci_high"]] == 0).all().all()


def test_compare_stores_runs_and_the_paired_table(tmp_path):
    reform = derived(tmp_path, "reform", "[data]\nsystems_in_use = { value = 3, source = \"test\" }\n")
    result = compare(["baseline", reform], reps=2, years=[2024], results_dir=tmp_path / "r",
                     executor=SerialExecutor(), progress=False, constants=TINY)
    runs = load(result.results, "runs")
    assert sorted(runs["scenario"]) == ["baseline", "baseline", "reform", "reform"]
    assert runs.groupby("replication")["seed"].nunique().eq(1).all()  # same seed across scenarios
    stored = pd.read_parquet(result.results / "paired.parquet")
    pd.testing.assert_frame_equal(stored, result.paired)
    systems = result.paired.query("indicator == 'systems_in_use'").iloc[0]
    assert systems["diff"] == pytest.approx(-15.0)
    assert "Systems in use" in paired_table(result.paired)


def test_compare_refuses_a_year_it_does_not_simulate():
    with pytest.raises(InputError, match="outputs.years"):
        compare_experiment(["baseline"], reps=2, years=[2031], constants=TINY)


def test_compare_refuses_fewer_than_two_replications():
    with pytest.raises(InputError, match="--reps"):
        compare_experiment(["baseline"], reps=1, years=[2024], constants=TINY)


def test_an_unknown_stressor_is_refused_before_any_run():
    with pytest.raises(InputError, match="no_such_risk"):
        compare_experiment(["baseline"], reps=2, years=[2024], stress=["no_such_risk"], constants=TINY)


def test_stressors_enter_the_experiment_name_and_every_run(tmp_path):
    exp = compare_experiment(["baseline"], reps=2, years=[2024], stress=["revenue_shock"], constants=TINY)
    assert exp.name == "compare-revenue_shock"
    from sim.experiment.sweep import plan

    the_plan = plan(exp)
    assert all(job.stressors == ("revenue_shock",) for job in the_plan.jobs)
    assert all(job.scenario.stressors for job in the_plan.jobs)
