"""Reform levers: one contract for the whole catalogue, and a controlled test per lever.

The contract (like a shared test base class): every lever, applied alone (with the
levers it requires), changes only the parameters it declares, never an indicator, and
the same settings give the same schedule. The controlled tests drive each lever's
mechanism on a real street with the lever in force from the first day, against the
baseline on the same seed, and check that it moves the way the plan intends.
"""

from __future__ import annotations

import datetime as dt
import pickle

import numpy as np
import pytest

from sim.agents.departments import WHISTLE
from sim.agents.staff import CONTRACT, GENERAL, draw_recruit
from sim.cases import ROUTE_DEPT
from sim.indicators.definitions import INDICATOR_BY_KEY
from sim.levers import LEVERS, PATHS
from sim.mechanisms import council, emergency, enrolment, platform, socialorgs, tasks, timebudget, workforce
from sim.mechanisms import money as money_mech
from sim.mechanisms.socialorgs import venue_slots
from sim.mechanisms.workforce import annual_quit_hazard
from sim.model import StreetModel
from sim.money import Purse
from sim.params.schedule import month_starts
from sim.params.schema import SPEC_BY_KEY
from sim.runner import run
from sim.scenarios import load_scenario

SEED = 5
TINY = {"population.residents": 3000, "run.end_date": "2024-06-30"}
AT_ONCE = {"start": "2024-01-01", "end": "2024-01-01"}
"""A phase putting a lever fully in place on the first day (controlled tests)."""


def with_lever(scenario, name: str, **settings):
    """``scenario`` with lever ``name`` (and the levers it requires) in force from day one;
    a required platform keeps its own phase (built over two years, running from day one)."""
    tables = {r: {} for r in LEVERS[name].requires}
    tables[name] = {**AT_ONCE, **settings}
    return scenario.with_levers(tables, file="test")


def declared(name: str) -> set[str]:
    """Targets of a lever and of the levers it requires."""
    return {k for n in (name, *LEVERS[name].requires) for k in LEVERS[n].targets}


@pytest.fixture(scope="module")
def tiny(baseline):
    return baseline.with_values(TINY)


# --- the contract, over the whole catalogue -------------------------------------------------
@pytest.mark.parametrize("name", LEVERS)
def test_lever_declares_parameters_never_indicators(name):
    lever = LEVERS[name]
    assert lever.targets and lever.clause and lever.path in PATHS
    assert all(key in SPEC_BY_KEY for key in lever.targets)
    assert not any(key in INDICATOR_BY_KEY for key in lever.targets)
    assert all(r in LEVERS for r in lever.requires)
    for s in lever.settings:
        assert s.check(s.default, "test", s.name) == s.default and s.source


@pytest.mark.parametrize("name", LEVERS)
def test_lever_alone_changes_only_its_declared_parameters(baseline, name):
    scenario = baseline.with_levers({r: {} for r in (*LEVERS[name].requires, name)}, file="test")
    changed = set()
    for day in month_starts(dt.date(2024, 1, 1), dt.date(2030, 12, 1)):
        values = scenario.values_at(day)
        assert set(values) == set(SPEC_BY_KEY)
        changed |= {k for k, v in values.items() if v != baseline.values[k]}
    assert changed <= declared(name)
    assert changed & set(LEVERS[name].targets)


@pytest.mark.parametrize("name", LEVERS)
def test_lever_schedule_is_reproducible(baseline, name):
    a = with_lever(baseline, name)
    b = pickle.loads(pickle.dumps(with_lever(baseline, name)))
    assert a.ramps() == b.ramps() and a.digest() == b.digest()
    day = dt.date(2026, 3, 1)
    assert a.values_at(day) == b.values_at(day)


def test_unchanged_months_share_one_params_object(baseline):
    scenario = with_lever(baseline, "training")
    assert scenario.params_at(dt.date(2027, 1, 1)) is scenario.params_at(dt.date(2028, 6, 1))
    assert baseline.params_at(dt.date(2027, 1, 1)) is None


def test_combined_scenario_runs_reproducibly(baseline):
    combined = load_scenario("combined").with_values(TINY)
    first, second = run(combined, seed=SEED), run(pickle.loads(pickle.dumps(combined)), seed=SEED)
    assert first.yearly.equals(second.yearly)


def test_combined_holds_the_levers_of_the_three_paths():
    paths = [load_scenario(n) for n in PATHS]
    combined = load_scenario("combined")
    assert {u.name for u in combined.levers} == {u.name for s in paths for u in s.levers}
    for s in paths:
        assert all(u in combined.levers for u in s.levers)


def test_path_files_use_only_their_own_path_levers():
    for name in PATHS:
        assert {LEVERS[u.name].path for u in load_scenario(name).levers} == {name}


def test_baseline_has_no_levers(baseline):
    assert not baseline.levers and not baseline.stressors


# --- controlled tests: each lever moves its mechanism ----------------------------------------
def street_of(scenario):
    """A fresh model's street with the values in force on the first day."""
    model = StreetModel(scenario, seed=SEED)
    street = model.streets[0]
    p = scenario.params_at(dt.date(2024, 1, 1))
    if p is not None:
        model.params = p
        model.pool.set_params(p)
        street.set_params(p)
    return street


def funded_purse(street) -> Purse:
    """The street's purse with this year's budget and every transfer in hand."""
    money_mech.open_year(street, 0)
    street.purse.receive_due(10_000, street.p)
    return street.purse


def contract_posts(scenario):
    """1+3+N: more contract posts once posts follow the parameters."""
    street = street_of(scenario)
    workforce.monthly(street, 0)
    return int((street.roster.contract == CONTRACT).sum())


def recruits(scenario, what):
    street = street_of(scenario)
    rng = np.random.default_rng(SEED)
    draws = [draw_recruit(street.p, rng) for _ in range(3000)]
    return float(np.mean([what(spec, age) for spec, age in draws]))


def hours_available(scenario):
    """Secondees and moved-down enforcers add hours to the street's day."""
    street = street_of(scenario)
    timebudget.open_day(street, 0)
    return float(street.hours.available.sum())


def ledger(scenario, item):
    street = street_of(scenario)
    return funded_purse(street).ledger[item]


def unfunded_share(scenario):
    """With one pot over-asked, a bundled package funds more needs."""
    purse = funded_purse(street_of(scenario))
    amounts = np.full(4000, 900.0)
    return 1.0 - float(purse.pay_needs(np.full(4000, 2), amounts).mean())


def livelihood_money(scenario):
    return float(funded_purse(street_of(scenario)).pots.sum())


def renovated(scenario):
    street = street_of(scenario)
    money_mech.open_year(street, 0)
    return street.money.renovated


def contract_quit_hazard(scenario):
    """A smaller pay gap lowers contract staff's quit hazard."""
    street = street_of(scenario)
    funded_purse(street)
    money_mech.monthly(street, 0)
    r = street.roster
    return float(annual_quit_hazard(street)[r.filled & (r.contract == CONTRACT)].mean())


def training_planned(scenario):
    street = street_of(scenario)
    workforce.open_year(street, 0)
    return float(street.roster.training_target.mean())


def volunteer_hours(scenario):
    street = street_of(scenario)
    timebudget.open_day(street, 0)
    return street.hours.volunteer


def answer_prob(scenario):
    """Accountability to the street raises departments' answer probability."""
    street = street_of(scenario)
    street.pool.begin_day()
    return float(street.pool.answer_prob_today.mean())


def supported_entrants(scenario):
    street = street_of(scenario)
    funded_purse(street)
    for t in range(street.cal.n_days):
        if street.cal.is_month_start(t):
            socialorgs.monthly(street, t)
    return sum(so.supported for so in street.sos)


def functioning_councils(scenario):
    street = street_of(scenario.with_values({"population.communities": 200}))
    council.monthly(street, 0)
    return int(street.councils.functioning.sum())


def out_of_list_hours(scenario):
    """A duty list with teeth refuses out-of-list tasks, so they take fewer hours."""
    street = street_of(scenario)
    timebudget.open_day(street, 0)
    tasks.daily(street, 0)
    return float(street.hours.used["out_of_list"].sum())


def platform_spent(scenario):
    street = street_of(scenario)
    funded_purse(street)
    platform.pay(street)
    return street.purse.ledger["platform_spent"]


def unenrolled_after_a_year(scenario):
    """Higher data sharing leaves fewer eligible households unenrolled."""
    street = street_of(scenario)
    res = street.residents
    res.enrolled[:] = False
    for _ in range(12):
        enrolment.monthly(street, 0)
    return int((res.eligible & ~res.enrolled).sum())


def data_entry_hours(scenario):
    """Merged systems leave fewer data-entry hours."""
    street = street_of(scenario)
    timebudget.open_day(street, 0)
    timebudget.data_entry(street, 0)
    return float(street.hours.used["data_entry"].sum())


def elderly_digital(scenario):
    """The mini-program on a built platform reaches more elderly residents."""
    street = street_of(scenario)
    street.platform.progress = 1.0
    platform.apply(street)
    res = street.residents
    return float(res.digital[res.band == 3].mean())


def warned_emergencies(scenario):
    street = street_of(scenario.with_values({"emergency.rate_per_year": 100.0}))
    for t in range(street.cal.n_days):
        emergency.daily(street, t)
    return int(street.emergencies.to_frame()["warned"].sum())


@pytest.fixture(scope="module")
def runs(tiny):
    """Small runs, baseline and each run-level lever, on the same seed."""
    out = {"baseline": run(tiny, seed=SEED)}
    for name in ("three_level_whistle", "responsibility_lists", "enforcement_delegation"):
        out[name] = run(with_lever(tiny, name), seed=SEED)
    return out


def repeated_whistles(result):
    """The three-level whistle leaves fewer repeated whistles."""
    w = result.tables[0].whistles
    return int(((w["attempt"] > 1) & (w["kind"] == WHISTLE)).sum())


def bounces(result):
    """Responsibility lists leave fewer bounced cases."""
    return int(result.tables[0].episodes["bounced"].sum())


def department_routed(result):
    """Delegated enforcement sends fewer cases to the departments."""
    return int((result.tables[0].cases["route"] == ROUTE_DEPT).sum())


PROBES = {
    "staffing_1_3_n": (contract_posts, +1),
    "professional_recruitment": (lambda s: recruits(s, lambda spec, age: spec != GENERAL), +1),
    "youth_recruitment": (lambda s: recruits(s, lambda spec, age: age < 35), +1),
    "secondment": (hours_available, +1),
    "coordination_fund": (lambda s: ledger(s, "budgeted"), +1),
    "service_package": (unfunded_share, -1),
    "service_budget": (livelihood_money, +1),
    "community_fund": (lambda s: ledger(s, "donations"), +1),
    "shared_facilities": (lambda s: venue_slots(street_of(s)), +1),
    "renovation": (renovated, +1),
    "pay_parity": (contract_quit_hazard, -1),
    "training": (training_planned, +1),
    "talent_pool": (volunteer_hours, +1),
    "department_rating": (answer_prob, +1),
    "governance_partners": (supported_entrants, +1),
    "council_revival": (functioning_councils, +1),
    "duty_list_enforcement": (out_of_list_hours, -1),
    "platform": (platform_spent, +1),
    "data_centre": (unenrolled_after_a_year, -1),
    "merged_systems": (data_entry_hours, -1),
    "mini_program": (elderly_digital, +1),
    "iot_sensors": (warned_emergencies, +1),
}
RUN_PROBES = {
    "three_level_whistle": (repeated_whistles, -1),
    "responsibility_lists": (bounces, -1),
    "enforcement_delegation": (department_routed, -1),
}


def test_every_lever_has_a_controlled_test():
    assert set(PROBES) | set(RUN_PROBES) == set(LEVERS)


@pytest.mark.parametrize("name", PROBES)
def test_lever_moves_its_mechanism_the_intended_way(tiny, name):
    probe, sign = PROBES[name]
    before, after = probe(tiny), probe(with_lever(tiny, name))
    assert sign * (after - before) > 0, (before, after)


@pytest.mark.parametrize("name", RUN_PROBES)
def test_lever_moves_its_mechanism_in_a_run(runs, name):
    probe, sign = RUN_PROBES[name]
    before, after = probe(runs["baseline"]), probe(runs[name])
    assert sign * (after - before) > 0, (before, after)


def test_secondees_stay_home_when_their_allowance_is_unpaid(tiny):
    scenario = with_lever(tiny, "secondment")
    street = street_of(scenario)
    street.purse.general = 0.0
    money_mech.monthly(street, 0)
    timebudget.open_day(street, 0)
    assert street.money.secondment_paid_share == 0.0
    assert street.hours.available.sum() == pytest.approx(hours_available(tiny))


def test_new_posts_open_vacant_and_are_filled_after_the_refill_lag(tiny):
    street = street_of(with_lever(tiny, "staffing_1_3_n"))
    held = int(street.roster.filled.sum())
    workforce.monthly(street, 0)
    lag = int(round(street.p.workforce.refill_lag_days))
    assert int(street.roster.filled.sum()) == held
    assert len(street.hours.available) == street.roster.n
    workforce.daily(street, lag)
    assert int(street.roster.filled.sum()) > held


def test_unpaid_wages_cut_contract_pay_and_raise_quitting(tiny):
    street = street_of(with_lever(tiny, "pay_parity"))
    funded_purse(street)
    money_mech.monthly(street, 0)
    paid_hazard = annual_quit_hazard(street).copy()
    street.purse.general = 0.0
    money_mech.monthly(street, 31)
    r = street.roster
    contract = r.filled & (r.contract == CONTRACT)
    assert (r.pay[contract] == 0.0).all()
    assert (annual_quit_hazard(street)[contract] > paid_hazard[contract]).all()


def test_platform_apply_reuses_the_blend_only_for_the_same_inputs():
    """``platform.apply`` keeps its last blend of design and legacy values: the same
    design, level and agreements give the same parameters (the very object); a changed
    level or a new agreement blends afresh, as :func:`platform.effective_params` would."""
    street = street_of(load_scenario("digital"))
    state = street.platform
    state.progress, state.health = 0.5, 1.0
    platform.apply(street)
    first = street.p
    assert first is not state.design  # a half-built platform blends
    platform.apply(street)
    assert street.p is first
    state.joined[:2] = True
    platform.apply(street)
    assert street.p is not first
    legacy = street.model.scenario.values
    assert street.p.raw == platform.effective_params(state.design, legacy, 0.5, state.joined).raw
    state.progress = 0.75
    platform.apply(street)
    assert street.p.raw == platform.effective_params(state.design, legacy, 0.75, state.joined).raw
