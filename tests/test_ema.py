"""EMA Workbench adapter: generated uncertainties/levers, numpy types, replications on the
project's seeds, and outcomes equal to ``sim.run`` on the same scenario and seed."""

from __future__ import annotations

import multiprocessing

import numpy as np
import pytest

ema_workbench = pytest.importorskip("ema_workbench")

from sim import load_scenario, run  # noqa: E402
from sim.ema import apply_point, ema_model, factor_table, forkserver_start, plain  # noqa: E402
from sim.experiment.compare import DEFAULT_SEED  # noqa: E402
from sim.params.errors import InputError  # noqa: E402
from sim.randomness import replication_seeds  # noqa: E402

OUTCOMES = ["resolution_rate", "satisfaction", "mean_resolve_hours"]


def test_factors_come_from_schema_and_catalogue() -> None:
    f = factor_table(load_scenario("combined"))
    unc = f[f.role == "uncertainty"].set_index("key")
    assert "feedback.p_complaint" in unc.index and unc.loc["feedback.p_complaint", "unit"] == "probability"
    assert unc.loc["feedback.p_complaint", "provenance"].startswith("assumption")
    assert (unc.loc[~unc.index.str.startswith("stress:"), "lo"] >= 0).all()
    assert "stress:revenue_shock" in unc.index
    lev = f[f.role == "lever"].set_index("key")
    assert bool(lev.loc["lever:staffing_1_3_n", "default"]) is True        # combined uses it
    row = lev.loc["lever:staffing_1_3_n:residents_per_contract_post"]
    assert 50.0 <= row.lo < row.default < row.hi <= 1e6
    assert f["name"].map(str.isidentifier).all()


def test_numpy_values_and_levers_are_applied() -> None:
    base = load_scenario("baseline")
    s = apply_point(base, {"feedback.p_complaint": np.float64(0.2), "population.communities": np.int64(9),
                           "stress:revenue_shock": np.bool_(True), "lever:service_package": np.bool_(True)})
    assert s.values["population.communities"] == 9 and type(s.values["population.communities"]) is int
    assert [u.name for u in s.stressors] == ["revenue_shock"]
    assert [u.name for u in s.levers] == ["service_package"]
    off = apply_point(load_scenario("integrated_resources"), {"lever:service_package": False})
    assert "service_package" not in [u.name for u in off.levers]
    assert plain(np.int32(3)) == 3 and type(plain(np.bool_(False))) is bool


def test_bad_outcome_is_named() -> None:
    with pytest.raises(InputError, match="no_such_indicator"):
        ema_model("baseline", outcomes=["no_such_indicator"])


@pytest.mark.slow
def test_multiprocessing_run_reproduces_sim_run() -> None:
    from ema_workbench import MultiprocessingEvaluator, Samplers

    model = ema_model("baseline", outcomes=OUTCOMES, years=(2024,), residents=1500, replications=2)
    before = multiprocessing.get_start_method(allow_none=True)
    with forkserver_start(), MultiprocessingEvaluator(model, n_processes=2) as ev:
        assert multiprocessing.get_start_method() == "forkserver"
        experiments, outcomes = ev.perform_experiments(scenarios=20, uncertainty_sampling=Samplers.LHS)
    assert multiprocessing.get_start_method(allow_none=True) == before
    assert len(experiments) == 20 and outcomes["satisfaction_2024"].shape == (20, 2)
    seeds = replication_seeds(DEFAULT_SEED, 2)
    unc = model.factors[model.factors.role == "uncertainty"]
    for i in (0, 7, 19):
        row = experiments.iloc[i]
        values = {k: row[n].item() if hasattr(row[n], "item") else row[n]
                  for n, k in zip(unc.name, unc.key) if not k.startswith("stress:")}
        stress = [k.split(":")[1] for n, k in zip(unc.name, unc.key) if k.startswith("stress:") and row[n]]
        values.update({"population.residents": 1500, "run.end_date": "2024-12-31"})
        scenario = load_scenario("baseline").with_values(values).with_stressors(stress)
        for r, seed in enumerate(seeds):
            yearly = run(scenario, seed).yearly
            for ind in OUTCOMES:
                want = yearly.at[2024, ind]
                assert outcomes[f"{ind}_2024"][i, r] == pytest.approx(want, rel=1e-12, abs=1e-12)
    assert not np.allclose(outcomes["satisfaction_2024"][:, 0], outcomes["satisfaction_2024"][0, 0])
