"""Risk stressors: one contract for the whole catalogue, and a controlled test each.

Every stressor changes only the parameters it declares, never an indicator, composes
with any scenario (levers first, then stressors in order) and is reproducible. Each is
tested on a *host* - the baseline, or the lever it holds back - against the host alone
on the same seed.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from sim.cases import RESOLVED, ROUTE_STREET
from sim.indicators.definitions import INDICATOR_BY_KEY
from sim.levers import LEVERS, STRESSORS
from sim.levers.stressors import POLICY, RESOURCES, SOCIAL
from sim.mechanisms import council, emergency, platform, socialorgs, tasks, timebudget
from sim.mechanisms import money as money_mech
from sim.mechanisms.socialorgs import venue_slots
from sim.mechanisms.workforce import annual_quit_hazard
from sim.model import StreetModel
from sim.params.schedule import month_starts
from sim.params.schema import SPEC_BY_KEY
from sim.runner import run
from sim.scenarios import load_scenario

SEED = 5
TINY = {"population.residents": 3000, "run.end_date": "2024-06-30"}
AT_ONCE = {"start": "2024-01-01", "end": "2024-01-01"}

HOSTS = {
    "duty_list_no_teeth": ("duty_list_enforcement",),
    "fake_delegation": ("enforcement_delegation",),
    "no_legal_backing": ("enforcement_delegation",),
    "clumsy_enforcement": ("enforcement_delegation",),
    "revenue_shock": ("coordination_fund",),
    "pay_gap_widens": ("pay_parity",),
    "facility_refusal": ("shared_facilities",),
    "platform_unfunded": ("platform", "merged_systems"),
    "data_refusal": ("platform", "data_centre"),
    "so_unsustainable": (),
    "council_formality": ("council_revival",),
    "digital_exclusion": ("platform", "mini_program"),
    "false_alarms": ("platform", "iot_sensors"),
    "assessment_pressure": (),
}
"""The levers a stressor is tested against (it holds them back or needs them to bite)."""


def host(scenario, name: str):
    """``scenario`` with the stressor's host levers in force from the first day (the
    platform on its own phase: built over two years, running from the first day)."""
    return scenario.with_levers({lv: {} if lv == "platform" else dict(AT_ONCE) for lv in HOSTS[name]},
                                file="test")


@pytest.fixture(scope="module")
def tiny(baseline):
    return baseline.with_values(TINY)


# --- the contract -------------------------------------------------------------------------
@pytest.mark.parametrize("name", STRESSORS)
def test_stressor_declares_parameters_never_indicators(name):
    s = STRESSORS[name]
    assert s.targets and s.risk and s.group
    assert all(key in SPEC_BY_KEY for key in (*s.targets, *s.reads))
    assert not any(key in INDICATOR_BY_KEY for key in s.targets)


@pytest.mark.parametrize("name", STRESSORS)
def test_stressor_changes_only_its_declared_parameters(baseline, name):
    hosted = host(baseline, name)
    stressed = hosted.with_stressors([name])
    changed = set()
    for day in month_starts(dt.date(2024, 1, 1), dt.date(2030, 12, 1)):
        a, b = hosted.values_at(day), stressed.values_at(day)
        changed |= {k for k in a if a[k] != b[k]}
    assert changed and changed <= set(STRESSORS[name].targets)


@pytest.mark.parametrize("name", STRESSORS)
def test_stressor_alone_on_the_baseline_touches_nothing_else(baseline, name):
    stressed = baseline.with_stressors([name])
    values = stressed.values_at(dt.date(2027, 1, 1))
    assert {k for k in values if values[k] != baseline.values[k]} <= set(STRESSORS[name].targets)


def test_stressors_compose_with_any_scenario_and_each_other():
    scenario = load_scenario("coordinated", stressors=["revenue_shock", "fake_delegation"])
    values = scenario.values_at(dt.date(2026, 1, 1))
    assert values["money.revenue_shock"] == 0.08
    assert values["departments.delegated_approval_days"] == 15.0
    assert values["departments.enforcement_delegated"] == 0.5


def test_stressors_multiplying_the_same_input_compose(tiny):
    scenario = tiny.with_stressors(["no_legal_backing", "clumsy_enforcement"])
    assert scenario.values_at(dt.date(2024, 1, 1))["departments.delegated_success_factor"] == \
        pytest.approx(0.8 * 0.85)


def test_holding_stressors_leave_the_baseline_as_it_is(baseline):
    holders = ("duty_list_no_teeth", "facility_refusal", "council_formality", "digital_exclusion")
    stressed = baseline.with_stressors(holders)
    assert stressed.values_at(dt.date(2028, 1, 1)) == baseline.values


def test_data_refusal_changes_nothing_without_a_platform(tiny, host_runs):
    refused = run(tiny.with_stressors(["data_refusal"]), seed=SEED)
    assert refused.yearly.equals(host_runs["baseline"].yearly)


def test_stressor_groups_are_the_briefs():
    assert {s.group for s in STRESSORS.values()} == {POLICY, RESOURCES, "coordination", SOCIAL}


def test_a_stressor_in_a_file_starts_on_its_date(scenario_file):
    path = scenario_file("late_shock", '[stressors.revenue_shock]\nstart = "2026-01-01"\n')
    scenario = load_scenario(path)
    assert scenario.values_at(dt.date(2025, 12, 1))["money.revenue_shock"] == 0.0
    assert scenario.values_at(dt.date(2026, 1, 1))["money.revenue_shock"] == 0.08


# --- controlled tests ------------------------------------------------------------------------
def street_of(scenario):
    model = StreetModel(scenario, seed=SEED)
    street = model.streets[0]
    p = scenario.params_at(dt.date(2024, 1, 1))
    if p is not None:
        model.params = p
        model.pool.set_params(p)
        street.set_params(p)
    return street


def funded(street):
    money_mech.open_year(street, 0)
    street.purse.receive_due(10_000, street.p)
    return street


def out_of_list_hours(scenario):
    street = street_of(scenario)
    timebudget.open_day(street, 0)
    tasks.daily(street, 0)
    return float(street.hours.used["out_of_list"].sum())


def coordination_fund_received(scenario):
    return funded(street_of(scenario)).purse.ledger["budgeted"]


def contract_quit_hazard(scenario):
    street = funded(street_of(scenario))
    money_mech.monthly(street, 0)
    r = street.roster
    return float(annual_quit_hazard(street)[r.filled & (r.contract == 1)].mean())


def venues(scenario):
    return venue_slots(street_of(scenario))


def data_entry_after_a_year(scenario):
    """Unpaid running costs let the platform decay back to the legacy systems."""
    street = funded(street_of(scenario))
    for _ in range(12):
        platform.apply(street)
        platform.pay(street)
    platform.apply(street)
    timebudget.open_day(street, 0)
    timebudget.data_entry(street, 0)
    return float(street.hours.used["data_entry"].sum())


def departments_joined_after_a_year(scenario):
    """Departments that signed a data-centre agreement in a year of a paid platform build."""
    street = funded(street_of(scenario))
    for _ in range(12):
        platform.apply(street)
        platform.pay(street)
    return int(street.platform.joined.sum())


def so_funds_after_half_a_year(scenario):
    street = funded(street_of(scenario))
    for t in range(1, 7):
        socialorgs.monthly(street, t * 30)
    return float(sum(so.funds for so in street.sos))


def functioning_councils(scenario):
    street = street_of(scenario.with_values({"population.communities": 200}))
    council.monthly(street, 0)
    return int(street.councils.functioning.sum())


def elderly_digital(scenario):
    street = street_of(scenario)
    street.platform.progress = 1.0  # a built platform
    platform.apply(street)
    res = street.residents
    return float(res.digital[res.band == 3].mean())


def false_alarms(scenario):
    street = street_of(scenario)
    for t in range(730):
        emergency.daily(street, t)
    return int(street.emergencies.to_frame()["false_alarm"].sum())


PROBES = {
    "duty_list_no_teeth": (out_of_list_hours, +1),
    "revenue_shock": (coordination_fund_received, -1),
    "pay_gap_widens": (contract_quit_hazard, +1),
    "facility_refusal": (venues, -1),
    "platform_unfunded": (data_entry_after_a_year, +1),
    "data_refusal": (departments_joined_after_a_year, -1),
    "so_unsustainable": (so_funds_after_half_a_year, -1),
    "council_formality": (functioning_councils, -1),
    "digital_exclusion": (elderly_digital, -1),
    "false_alarms": (false_alarms, +1),
}


def delegated(result):
    """Street-handled cases that needed a department's power (delegated enforcement)."""
    cs = result.tables[0].cases
    return cs[(cs["route"] == ROUTE_STREET) & cs["needs_department"] & (cs["outcome"] > 0)]


def delegated_days(result):
    d = delegated(result)
    return float(((d["closed_h"] - d["accepted_h"]) / 24.0).mean())


def delegated_resolved(result):
    return float((delegated(result)["outcome"] == RESOLVED).mean())


def reported_not_resolved(result):
    cs = result.tables[0].cases
    return int((cs["reported_resolved"] & (cs["outcome"] != RESOLVED)).sum())


RUN_PROBES = {
    "fake_delegation": (delegated_days, +1),
    "no_legal_backing": (delegated_resolved, -1),
    "clumsy_enforcement": (delegated_resolved, -1),
    "assessment_pressure": (reported_not_resolved, +1),
}


@pytest.fixture(scope="module")
def host_runs(tiny):
    """Small runs of the run-level hosts, on the same seed."""
    return {key: run(host(tiny, name), seed=SEED)
            for key, name in (("delegation", "fake_delegation"), ("baseline", "assessment_pressure"))}


def test_every_stressor_has_a_controlled_test():
    assert set(PROBES) | set(RUN_PROBES) == set(STRESSORS) == set(HOSTS)
    assert all(lv in LEVERS for levers in HOSTS.values() for lv in levers)


@pytest.mark.parametrize("name", PROBES)
def test_stressor_moves_its_mechanism_the_intended_way(tiny, name):
    probe, sign = PROBES[name]
    hosted = host(tiny, name)
    before, after = probe(hosted), probe(hosted.with_stressors([name]))
    assert sign * (after - before) > 0, (before, after)


@pytest.mark.parametrize("name", RUN_PROBES)
def test_stressor_moves_its_mechanism_in_a_run(tiny, host_runs, name):
    probe, sign = RUN_PROBES[name]
    before = probe(host_runs["delegation" if HOSTS[name] else "baseline"])
    after = probe(run(host(tiny, name).with_stressors([name]), seed=SEED))
    assert sign * (after - before) > 0, (before, after)


def test_assessment_pressure_widens_the_reported_true_gap(tiny, host_runs):
    stressed = run(tiny.with_stressors(["assessment_pressure"]), seed=SEED).yearly.loc[2024]
    calm = host_runs["baseline"].yearly.loc[2024]
    gap = stressed["resolution_rate_reported"] - stressed["resolution_rate"]
    assert gap > calm["resolution_rate_reported"] - calm["resolution_rate"]
    assert np.isclose(stressed["resolution_rate"], calm["resolution_rate"])
