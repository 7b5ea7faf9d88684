"""Controlled tests of the mechanisms behind the outcome indicators: satisfaction by
expectancy-disconfirmation, time to resolve from queues, dispatch and intrinsic work,
department load, work pressure, complaints, and the bounce re-whistle fix."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from sim.calendar import Calendar
from sim.cases import CLOSED, EP_ARRIVED, EP_LAPSED, EP_MOVED
from sim.domain import CATEGORIES, DEPARTMENTS
from sim.mechanisms import perception
from sim.model import StreetModel
from sim.runner import run
from sim.street import LEAVE, QUIT

SEED = 5
CAT_ONES = {c: 1.0 for c in CATEGORIES}
CAT_ZEROS = {c: 0.0 for c in CATEGORIES}


def mean_over_years(result, key: str) -> float:
    return float(result.yearly[key].mean())


# --- the office clock -------------------------------------------------------------------
def test_office_clock_stops_at_five_and_over_the_weekend():
    cal = Calendar(dt.date(2024, 1, 1), dt.date(2024, 12, 31))  # a Monday
    start = np.array([9.0, 12.0, 20.0, 4 * 24 + 16.0, 5 * 24 + 10.0])
    work = np.array([8.0, 8.0, 1.0, 2.0, 1.0])
    done = cal.after_office_hours(start, work)
    # Mon 17:00; Tue 12:00; Tue 10:00; Fri 16:00 + 2 h -> Mon 10:00; Sat 10:00 + 1 h -> Mon 10:00
    assert done.tolist() == [17.0, 36.0, 34.0, 7 * 24 + 10.0, 7 * 24 + 10.0]


def test_weekend_duty_roster_works_its_share_of_office_hours():
    cal = Calendar(dt.date(2024, 1, 1), dt.date(2024, 12, 31), weekend_office_share=0.5)
    # Saturday 9:00 + 4 office hours: the roster works 9:00-13:00
    assert cal.after_office_hours(np.array([5 * 24 + 9.0]), np.array([4.0]))[0] == 5 * 24 + 13.0


# --- time to resolve -------------------------------------------------------------------
def _street_resolve_hours(scenario, values):
    r = run(scenario.with_values(values), seed=SEED)
    cs = r.cases
    done = cs[(cs["outcome"] == "resolved") & (cs["route"] == "street")]
    return float((done["closed_h"] - done["accepted_h"]).mean())


def test_more_community_workers_shorten_dispatch(small):
    few = _street_resolve_hours(small, {"staff.residents_per_contract_post": 3000.0})
    many = _street_resolve_hours(small, {"staff.residents_per_contract_post": 500.0})
    assert many < few - 2.0


def test_instant_dispatch_removes_the_dispatch_lag(small):
    slow = _street_resolve_hours(small, {"cases.dispatch_hours_per_grid": 8.0})
    instant = _street_resolve_hours(small, {"cases.dispatch_hours_per_grid": 8.0,
                                            "cases.instant_dispatch": 1.0})
    none = _street_resolve_hours(small, {"cases.dispatch_hours_per_grid": 0.0})
    assert instant == pytest.approx(none)
    assert slow > instant + 10.0


def test_intrinsic_work_is_the_floor_of_street_cases(small):
    zero = {"cases.dispatch_hours_per_grid": 0.0, "cases.intrinsic_work_hours": CAT_ZEROS}
    r = run(small.with_values(zero), seed=SEED)
    cs = r.cases
    done = cs[(cs["outcome"] == "resolved") & (cs["route"] == "street")]
    # with no dispatch and no work a case closes when it is accepted (or at the next opening)
    assert float((done["closed_h"] - done["accepted_h"]).max()) <= 24.0 * 3
    # forty office hours of intrinsic work are a working week on the office clock
    slow = _street_resolve_hours(small, {"cases.dispatch_hours_per_grid": 0.0,
                                         "cases.intrinsic_work_hours": {c: 40.0 for c in CATEGORIES}})
    assert slow > 24.0 * 5


# --- departments: load and accountability ---------------------------------------------
def _department_view(scenario, values, streets: int = 1, scale: float | None = None):
    m = StreetModel(scenario.with_values(values), seed=SEED, n_streets=streets, capacity_scale=scale)
    m.run()
    log = m.pool.log.to_frame()
    ep = m.pool.episodes.to_frame()
    arrived = ep[ep["state"] == EP_ARRIVED]
    return float(log["answered"].mean()), float((arrived["arrival_h"] - arrived["first_sent_h"]).mean())


def test_a_busier_department_answers_less_and_comes_later(small):
    quiet = {"assessment.results_weight": 0.0}  # no complaint pressure pushing back
    alone_rate, alone_delay = _department_view(small, quiet, streets=1, scale=1.0)
    # the same street on a tenth of the capacity: ten times the load
    busy_rate, busy_delay = _department_view(small, quiet, streets=1, scale=0.1)
    assert busy_rate < alone_rate - 0.03
    assert busy_delay > alone_delay * 1.5


def test_load_sensitivity_zero_means_load_leaves_answers_alone(small):
    flat = {"departments.load_sensitivity": 0.0, "assessment.results_weight": 0.0}
    alone, _ = _department_view(small, flat, streets=1, scale=1.0)
    busy, _ = _department_view(small, flat, streets=1, scale=0.1)
    assert busy == pytest.approx(alone, abs=0.02)


def test_full_accountability_means_answers_at_once_after_travel(small):
    vals = {"departments.accountability": 1.0, "departments.accountability_effect": 1.0}
    rate, delay = _department_view(small, vals)
    assert rate == 1.0
    travel = float(small.params.departments.travel_hours)
    assert delay < travel * 2.5  # log-normal around the travel time, no queue


def test_complaints_raise_department_pressure_through_the_assessment(small):
    m = StreetModel(small.with_values({"departments.answer_prob": {d: 0.5 for d in DEPARTMENTS}}), seed=SEED)
    pool = m.pool
    episodes = np.full(len(DEPARTMENTS), 10.0)
    complaints = np.zeros(len(DEPARTMENTS))
    complaints[0] = 5.0
    pool.update_complaint_pressure(31, complaints, episodes)
    a = small.params.assessment
    expected = min(1.0, a.results_weight * 0.5 / a.complaint_rate_reference)
    assert pool.complaint_pressure[0] == pytest.approx(expected)
    assert pool.complaint_pressure[1:].max() == 0.0
    pool.begin_day()
    pressed = pool.answer_prob_today.copy()
    pool.complaint_pressure[:] = 0.0
    pool.begin_day()
    assert pool.answer_prob_today[0] < 1.0  # base 0.5: room for pressure to act
    assert pressed[0] > pool.answer_prob_today[0]
    np.testing.assert_allclose(pressed[1:], pool.answer_prob_today[1:])
    # no results weight: complaints do not enter the assessment
    pool.p = small.with_values({"assessment.results_weight": 0.0}).params
    pool.update_complaint_pressure(31, complaints, episodes)
    assert pool.complaint_pressure.max() == 0.0


def test_complaints_take_staff_time_from_casework(small):
    cheap = run(small.with_values({"feedback.complaint_staff_hours": 0.0}), seed=SEED)
    costly = run(small.with_values({"feedback.complaint_staff_hours": 5.0}), seed=SEED)
    extra = costly.daily["hours_casework"].sum() - cheap.daily["hours_casework"].sum()
    complaints = int(costly.cases["complaint"].sum())
    assert complaints > 50
    # every complaint's hours are worked (bar those still due at the end), none twice
    assert 0.8 * 5.0 * complaints < extra < 1.2 * 5.0 * complaints


# --- work pressure -------------------------------------------------------------------------
def test_out_of_list_strain_raises_stress_and_turnover(two_years):
    calm = run(two_years.with_values({"workforce.out_of_list_strain": 1.0}), seed=SEED)
    strained = run(two_years.with_values({"workforce.out_of_list_strain": 3.0}), seed=SEED)
    assert strained.daily["stress_mean"].mean() > calm.daily["stress_mean"].mean() + 0.3
    quits = {k: int(((r.tables[0].staff_events["event"] == LEAVE)
                      & (r.tables[0].staff_events["reason"] == QUIT)).sum())
             for k, r in (("calm", calm), ("strained", strained))}
    assert quits["strained"] > quits["calm"]


def test_stress_elasticity_moves_turnover_at_baseline_strain(two_years):
    none = run(two_years.with_values({"workforce.stress_elasticity": 0.0}), seed=SEED)
    strong = run(two_years.with_values({"workforce.stress_elasticity": 3.0}), seed=SEED)
    assert mean_over_years(strong, "staff_turnover") > 1.5 * mean_over_years(none, "staff_turnover")


# --- satisfaction ----------------------------------------------------------------------
def test_rating_rises_with_performance_and_with_disconfirmation():
    perf = np.array([0.5, 0.7, 0.7])
    expect = np.array([0.5, 0.5, 0.7])
    r = perception.rating(perf, expect, np.zeros(3), 0.5)
    assert r[1] > r[0]  # better performance, same expectation
    assert r[1] > r[2]  # same performance, lower expectation: positive disconfirmation
    assert r[2] == pytest.approx(0.7)


def test_better_service_means_higher_survey_and_callback_satisfaction(two_years):
    good = run(two_years.with_values({"resolution.base_success": CAT_ONES, "departments.resolve_prob": 1.0}),
               seed=SEED)
    bad = run(two_years.with_values({"resolution.base_success": CAT_ZEROS, "departments.resolve_prob": 0.0}),
              seed=SEED)
    for key in ("satisfaction", "satisfaction_callback"):
        assert good.yearly.loc[2025, key] > bad.yearly.loc[2025, key] + 0.2


def test_neighbours_outcomes_reach_residents_without_a_case(small):
    m = StreetModel(small, seed=SEED)
    street = m.streets[0]
    res = street.residents
    before = res.word_of_mouth.copy()
    # pretend a month of closings in community 0, all scored 1
    ids = street.cases.append(20, resident=np.flatnonzero(res.community == 0)[:20], category=0,
                              raised_h=0.0, closed_h=24.0, state=CLOSED, outcome=1, perceived=1.0)
    assert len(ids) == 20
    perception.monthly(street, 31)
    assert res.word_of_mouth[0] > before[0]
    np.testing.assert_allclose(res.word_of_mouth[1:], before[1:])
    # a resident of community 0 without a case now perceives better service
    idx = np.flatnonzero(res.community == 0)[-1:]
    others = np.flatnonzero(res.community == 1)[-1:]
    assert perception.perceived(street, idx)[0] > perception.perceived(street, others)[0]


def test_expectations_adapt_towards_perceived_performance(small):
    m = StreetModel(small.with_values({"perception.expectation_drift": 0.0}), seed=SEED)
    street = m.streets[0]
    res = street.residents
    res.own[:] = 1.0
    res.trust[:] = 1.0
    e0 = res.expectation.mean()
    perception.survey(street, 0)
    assert res.expectation.mean() > e0


def test_renovated_centres_count_in_community_order():
    np.testing.assert_allclose(perception.renovated_by_community(2.5, 4), [1.0, 1.0, 0.5, 0.0])


# --- the bounce re-whistle fix ---------------------------------------------------------
@pytest.fixture(scope="module")
def bouncy_model(baseline):
    sc = baseline.with_values({"population.residents": 20000, "run.end_date": "2024-12-31",
                               "cases.p_unclear_duty": 1.0, "departments.bounce_prob": 0.9})
    return StreetModel(sc, seed=SEED).run()


def test_a_replacement_department_is_never_one_already_on_the_case(bouncy_model):
    ep = bouncy_model.pool.episodes.to_frame()
    live = ep[ep["state"] != EP_MOVED]
    assert len(ep[ep["state"] == EP_MOVED]) > 100  # bounces happened
    dup = live.groupby(["case", "department"]).size()
    assert int((dup > 1).sum()) == 0


def test_no_arrival_is_recorded_after_the_case_closed(bouncy_model):
    cs = bouncy_model.streets[0].cases.to_frame()
    late = cs["departments_arrived_h"] > cs["closed_h"] + 1e-9
    assert int(late.sum()) == 0
    ep = bouncy_model.pool.episodes.to_frame()
    assert ep.loc[ep["state"] == EP_LAPSED, "arrival_h"].isna().all()


def test_dissatisfied_call_backs_press_on_the_street_through_its_assessment(small):
    from sim.mechanisms.workforce import assessment_pressure

    m = StreetModel(small, seed=SEED)
    street = m.streets[0]
    cs = street.cases
    happy = np.array([True, True, False, False])
    ids = cs.append(4, resident=np.arange(4), category=0, raised_h=0.0, closed_h=24.0 * 5,
                    state=CLOSED, outcome=1, callback_satisfied=happy)
    assert len(ids) == 4
    weight = small.params.assessment.results_weight
    assert assessment_pressure(street, 31) == pytest.approx(weight * 0.5)
    assert assessment_pressure(street, 200) == 0.0  # nothing closed in the last 30 days
    unweighted = StreetModel(small.with_values({"assessment.results_weight": 0.0}), seed=SEED).streets[0]
    unweighted.cases.append(4, resident=np.arange(4), category=0, raised_h=0.0, closed_h=24.0 * 5,
                            state=CLOSED, outcome=1, callback_satisfied=happy)
    assert assessment_pressure(unweighted, 31) == 0.0


def test_assessment_strain_raises_stress(two_years):
    calm = run(two_years.with_values({"workforce.assessment_strain": 0.0}), seed=SEED)
    pressed = run(two_years.with_values({"workforce.assessment_strain": 3.0}), seed=SEED)
    assert pressed.daily["stress_mean"].mean() > calm.daily["stress_mean"].mean() + 0.05
