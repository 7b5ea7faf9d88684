"""The validation suite: extreme scenarios load and their checks can fail, the lever LHS
spans off to fully in place, micro tests on small runs, the command's exit status."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.levers import LEVERS
from sim.scenarios import load_scenario
from sim.validation import (
    EXTREMES,
    EXTREMES_DIR,
    MICRO_CONFIG,
    Validation,
    _no_service,
    _no_staff,
    _perfect_satisfaction,
    _perfect_time,
    _unlimited_money,
    _zero_demand,
    lever_sample,
    lever_values,
    run_summary,
)


def fake(**yearly) -> dict:
    return {"yearly": pd.DataFrame(yearly, index=[2029, 2030]), "street_resolved": 0}


def test_every_extreme_scenario_ships_and_loads():
    shipped = {p.stem for p in EXTREMES_DIR.glob("*.toml")}
    assert {e.name for e in EXTREMES} == shipped
    for e in EXTREMES:
        assert load_scenario(e.path).name == e.name


def test_extreme_checks_pass_and_fail_on_the_stated_thresholds():
    base = [fake(satisfaction=[0.6, 0.63], mean_resolve_hours=[70.0, 66.0])]
    assert _perfect_satisfaction([fake(satisfaction=[0.5, 0.91])], base)[2]
    assert not _perfect_satisfaction([fake(satisfaction=[0.95, 0.89])], base)[2]
    assert _perfect_time([fake(mean_resolve_hours=[50.0, 22.0])], base)[2]
    assert not _perfect_time([fake(mean_resolve_hours=[10.0, 22.1])], base)[2]
    assert _no_service([fake(satisfaction=[0.5, 0.48])], base)[2]
    assert not _no_service([fake(satisfaction=[0.5, 0.49])], base)[2]
    assert not _zero_demand([fake(demands=[0, 1], complaints=[0, 0])], base)[2]
    assert not _zero_demand([fake(demands=[0, 0], complaints=[1, 0])], base)[2]
    assert _zero_demand([fake(demands=[0, 0], complaints=[0, 0])], base)[2]
    assert _no_staff([fake()], base)[2]
    assert not _no_staff([fake(), {**fake(), "street_resolved": 3}], base)[2]
    assert not _unlimited_money([fake(funding_gap=[0.0, 0.01])], base)[2]
    assert _unlimited_money([fake(funding_gap=[np.nan, 1e-18])], base)[2]


def test_lever_values_go_from_the_baseline_to_the_lever_fully_in_place(baseline):
    base = dict(baseline.values)
    off = lever_values(dict.fromkeys(LEVERS, 0.0), base)
    assert all(off[k] == base[k] for k in off)
    full = lever_values({"responsibility_lists": 1.0, "merged_systems": 1.0}, base)
    assert full["departments.duty_clarity"] == pytest.approx(0.8)
    assert full["data.systems_in_use"] == 3
    half = lever_values({"merged_systems": 0.5}, base)
    assert half["data.systems_in_use"] == round((18 + 3) / 2)
    assert baseline.with_values(lever_values(dict.fromkeys(LEVERS, 0.7), base))  # validates


def test_lever_sample_is_a_seeded_latin_hypercube():
    a, b = lever_sample(6, seed=3), lever_sample(6, seed=3)
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns) == list(LEVERS)
    for col in a:  # one point in each sixth of [0, 1]
        assert sorted((a[col] * 6).astype(int)) == list(range(6))


def test_zero_demand_extreme_raises_no_case_on_a_small_street():
    sc = load_scenario(EXTREMES_DIR / "zero_demand.toml").with_values(MICRO_CONFIG)
    summary = run_summary(sc, 5)
    assert summary["yearly"]["demands"].sum() == 0 and summary["yearly"]["complaints"].sum() == 0


def test_no_staff_extreme_resolves_nothing_in_the_street(baseline):
    small = {"population.residents": 5000, "run.end_date": "2024-06-30"}
    none = run_summary(load_scenario(EXTREMES_DIR / "no_staff.toml").with_values(small), 5)
    some = run_summary(baseline.with_values(small), 5)
    assert none["street_resolved"] == 0 < some["street_resolved"]


def test_validation_passes_only_when_every_table_does():
    ok = pd.DataFrame({"pass": [True, True]})
    bad = pd.DataFrame({"pass": [True, False], "scenario": ["a", "b"], "expectation": ["x", "y"]})
    assert Validation(ok, ok, ok).passed
    v = Validation(bad, ok, ok)
    assert not v.passed and v.failures == ["extreme b: y"]


@pytest.mark.slow
def test_streetsim_validate_prints_three_tables_and_exits_on_the_verdict(capsys):
    from sim.cli import main

    code = main(["validate", "--reps", "1", "--n", "3"])
    out = capsys.readouterr().out
    for head in ("1. Extreme conditions", "2. Reachable range", "3. Micro-evidence"):
        assert head in out
    assert ("checks hold: failing" in out) == (code == 1)
