"""Indicators that emerge from the street's state, under controlled inputs.

Systems in use and data sharing follow the platform's build progress, health and the
departments' agreements; duty-list coverage follows the list's churn and revision; fiscal
self-sufficiency follows own revenue against the budget; the contract pay gap is the
annual mean of pay actually paid.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.agents.staff import CONTRACT
from sim.domain import DEPARTMENTS
from sim.indicators.definitions import INDICATORS, KINDS
from sim.mechanisms import money as money_mech
from sim.mechanisms import platform, tasks, timebudget
from sim.model import StreetModel
from sim.report.data import target_status
from sim.runner import run

SEED = 7
TINY = {"population.residents": 3000, "run.end_date": "2024-12-31"}
AT_ONCE = {"start": "2024-01-01", "end": "2024-01-01"}


@pytest.fixture(scope="module")
def tiny(baseline):
    return baseline.with_values(TINY)


@pytest.fixture(scope="module")
def digital(tiny):
    """Platform (built over its own phase) with the data centre and merged systems in
    force from the first day."""
    return tiny.with_levers({"platform": {}, "data_centre": dict(AT_ONCE),
                             "merged_systems": dict(AT_ONCE)}, file="test")


def street_of(scenario):
    model = StreetModel(scenario, seed=SEED)
    street = model.streets[0]
    street.set_params(scenario.params_at(model.calendar.date(0)) or scenario.params)
    return street


def months(street, n: int, funded: bool) -> None:
    """``n`` month starts of the platform: parameters in force, then the dues paid (from
    a general budget that is ample, or empty)."""
    for _ in range(n):
        street.purse.general = 1e9 if funded else 0.0
        platform.apply(street)
        platform.pay(street)
    platform.apply(street)


# --- systems in use -------------------------------------------------------------------------
def test_platform_whose_build_is_unpaid_merges_no_systems(digital, tiny):
    legacy = tiny.params.data
    unpaid = street_of(digital)
    months(unpaid, 12, funded=False)
    assert unpaid.platform.progress == 0.0
    assert not unpaid.platform.joined.any()
    assert unpaid.p.data.systems_in_use == legacy.systems_in_use
    assert unpaid.p.data.systems_per_record == legacy.systems_per_record
    assert np.array_equal(unpaid.p.data.data_shared, legacy.data_shared)
    assert unpaid.purse.ledger["platform_unpaid"] > 0


def test_build_progresses_by_the_instalments_paid(digital):
    street = street_of(digital)
    build_months = street.platform.design.platform.build_months
    months(street, 6, funded=True)
    assert street.platform.progress == pytest.approx(6 / build_months)
    months(street, 60, funded=True)
    assert street.platform.progress == 1.0
    spent = street.purse.ledger["platform_spent"]
    months(street, 1, funded=True)  # a built platform costs only its running cost
    pl = street.platform.design.platform
    assert street.purse.ledger["platform_spent"] - spent == pytest.approx(pl.running_cost_per_year / 12)


def test_systems_in_use_fall_with_progress_and_agreements(digital, tiny):
    street = street_of(digital)
    months(street, 60, funded=True)
    assert street.platform.joined.all()
    assert street.p.data.systems_in_use == digital.params_at(street.cal.date(0)).data.systems_in_use
    half = street_of(digital)
    half.platform.progress = 1.0
    half.platform.joined[: len(DEPARTMENTS) // 2] = True
    platform.apply(half)
    legacy, design = tiny.params.data.systems_in_use, street.p.data.systems_in_use
    assert half.p.data.systems_in_use == round(legacy + 0.5 * (design - legacy))


# --- data sharing ---------------------------------------------------------------------------
def test_departments_that_never_agree_keep_their_legacy_sharing(digital, tiny):
    never = street_of(digital.with_values({"data.join_prob_monthly": 0.0}))
    months(never, 36, funded=True)
    assert never.platform.progress == 1.0 and not never.platform.joined.any()
    assert np.array_equal(never.p.data.data_shared, tiny.params.data.data_shared)
    always = street_of(digital.with_values({"data.join_prob_monthly": 1.0}))
    months(always, 36, funded=True)
    assert always.platform.joined.all()
    assert np.array_equal(always.p.data.data_shared, always.platform.design.data.data_shared)


def test_a_joined_department_shows_its_design_share_at_the_platform_level(digital, tiny):
    street = street_of(digital)
    street.platform.progress, street.platform.health = 0.5, 0.8
    joined = DEPARTMENTS.index("market_regulation")
    street.platform.joined[joined] = True
    platform.apply(street)
    legacy, design = tiny.params.data.data_shared, street.platform.design.data.data_shared
    want = legacy.copy()
    want[joined] = legacy[joined] + 0.4 * (design[joined] - legacy[joined])
    assert np.allclose(street.p.data.data_shared, want)


def test_data_refusal_lowers_agreements_and_the_recorded_sharing_rate(tiny):
    scenario = tiny.with_values({"run.end_date": "2025-12-31"}).with_levers(
        {"platform": {}, "data_centre": {}, "merged_systems": {}}, file="test")
    calm = run(scenario, seed=SEED)
    refused = run(scenario.with_stressors(["data_refusal"]), seed=SEED)
    calm_state = calm.tables[0].state.set_index("year")
    refused_state = refused.tables[0].state.set_index("year")
    assert refused_state.loc[2025, "departments_joined"] < calm_state.loc[2025, "departments_joined"]
    base_rate = float(np.mean(tiny.params.data.data_shared))
    rate = calm.yearly["data_sharing_rate"]
    assert rate.loc[2025] > refused.yearly["data_sharing_rate"].loc[2025] >= base_rate - 1e-12
    assert calm.yearly["systems_in_use"].loc[2025] < tiny.params.data.systems_in_use


# --- duty-list coverage -------------------------------------------------------------------
def test_without_revision_coverage_decays_with_the_churn(tiny):
    street = street_of(tiny.with_values({"tasks.duty_list_revision": 0.0}))
    start = street.duties.coverage
    for _ in range(12):
        tasks.revise_list(street)
    churn = tiny.params.tasks.duty_list_churn
    assert street.duties.coverage == pytest.approx(start * math.exp(-churn))


def test_baseline_revision_holds_coverage_at_its_settled_share(tiny):
    k = tiny.params.tasks
    street = street_of(tiny)
    for _ in range(120):
        tasks.revise_list(street)
    settled = k.duty_list_revision / (k.duty_list_revision + k.duty_list_churn)
    assert street.duties.coverage == pytest.approx(settled)
    assert street.duties.coverage == pytest.approx(0.80)


def test_duty_list_lever_raises_coverage_through_revision(tiny):
    lever = tiny.with_levers({"duty_list_enforcement": dict(AT_ONCE)}, file="test")
    street = street_of(lever)
    for _ in range(24):
        tasks.revise_list(street)
    assert street.duties.coverage > 0.95


def test_tasks_are_checked_against_the_coverage_in_force(tiny):
    street = street_of(tiny)
    street.duties.coverage = 0.0
    day = int(np.argmax(street.cal.is_workday))
    timebudget.open_day(street, day)  # the posts held today, as in the day's order
    tasks.daily(street, day)
    accepted, refused, checked = street.duties.counts
    assert accepted > 0 and refused == 0 and checked == 0


# --- fiscal self-sufficiency ------------------------------------------------------------------
def fiscal(scenario) -> float:
    on_time = scenario.with_values({"money.transfer_delay_prob": 0.0, "run.end_date": "2024-03-31"})
    street = street_of(on_time)
    money_mech.open_year(street, 0)
    street.purse.receive_due(400, street.p)  # every tranche of the year
    led = street.purse.ledger
    own = led["self_revenue"] + led["donations"]
    return own / (own + led["transfer_revenue"])


def test_fiscal_self_sufficiency_is_own_revenue_over_all_revenue(tiny):
    assert fiscal(tiny) == pytest.approx(0.18)
    m = tiny.params.money
    assert fiscal(tiny.with_values({"money.own_revenue": 2 * m.own_revenue})) > 0.18


def test_budget_rise_lowers_and_donations_raise_self_sufficiency(tiny):
    rise = {**AT_ONCE, "yuan_per_resident": 10_000.0}  # 30 million for the 3,000 residents
    assert fiscal(tiny.with_levers({"service_budget": rise}, file="test")) < 0.18
    assert fiscal(tiny.with_levers({"community_fund": dict(AT_ONCE)}, file="test")) > 0.18
    assert fiscal(tiny.with_values({"facilities.shared_spaces": 5})) > 0.18


def test_recorded_fiscal_self_sufficiency_is_the_ledger_ratio(tiny):
    res = run(tiny.with_values({"money.transfer_delay_prob": 0.0}), seed=SEED)
    assert res.yearly.loc[2024, "fiscal_self_sufficiency"] == pytest.approx(0.18)


# --- contract pay gap -----------------------------------------------------------------------
def pay_gap_of_a_year(tiny, unpaid_month: int | None) -> float:
    street = street_of(tiny)
    money_mech.open_year(street, 0)
    for m in range(12):
        street.purse.general = 0.0 if m == unpaid_month else 1e9
        money_mech.monthly(street, m * 30)
    return 1.0 - money_mech.annual_contract_pay(street) / tiny.params.staff.urban_average_pay


def test_one_unpaid_month_moves_the_annual_pay_gap_by_a_twelfth(tiny):
    paid = pay_gap_of_a_year(tiny, None)
    one_unpaid = pay_gap_of_a_year(tiny, 5)
    s = tiny.params.staff
    assert paid == pytest.approx(1.0 - s.pay[CONTRACT] / s.urban_average_pay)
    assert one_unpaid - paid == pytest.approx(s.pay[CONTRACT] / s.urban_average_pay / 12)


# --- indicator kinds ----------------------------------------------------------------------
def test_input_indicators_are_a_kind_of_their_own_and_not_scored():
    assert {i.kind for i in INDICATORS} <= set(KINDS)
    inputs = [i for i in INDICATORS if i.kind == "input"]
    assert inputs, "no indicator is marked as an input"
    for ind in inputs:
        assert ind.target is not None
        assert target_status(ind.key, 2030, ind.target * 2, ind.target * 2, ind.target * 2) == "no_target"
    outcome_like = next(i for i in INDICATORS if i.kind == "process" and i.target is not None)
    assert target_status(outcome_like.key, 2030, float("nan"), 0, 0) == "no_target"


def test_the_long_form_is_the_melted_wide_table():
    """``compute.long_form`` builds what ``melt`` gives, values, order and dtypes, also
    with missing values and whole-number columns (and falls back to ``melt`` for others)."""
    import pandas as pd

    from sim.indicators.compute import long_form

    wide = pd.DataFrame({"demands": [10, 12, 9], "resolution_rate": [0.5, np.nan, 0.75],
                         "satisfaction": [0.61, 0.62, np.nan]},
                        index=pd.Index([2024, 2025, 2026], name="year"))
    want = wide.reset_index().melt(id_vars=["year"], var_name="indicator", value_name="value")
    assert long_form(wide).equals(want)
    labelled = wide.assign(label=["a", "b", "c"])
    want = labelled.reset_index().melt(id_vars=["year"], var_name="indicator", value_name="value")
    assert long_form(labelled).equals(want)
