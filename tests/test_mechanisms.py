"""One test per mechanism under controlled inputs.

Each test sets a mechanism's inputs so that its behaviour is known exactly (or nearly),
either on a whole small run or by driving the mechanism's functions on a real street
state, and asserts that behaviour.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.agents.departments import ESCALATION, WHISTLE
from sim.agents.staff import CONTRACT
from sim.cases import EP_FAILED
from sim.domain import CATEGORIES, DEPARTMENTS, FUND_POTS
from sim.mechanisms import (
    council,
    demand,
    emergency,
    enrolment,
    socialorgs,
    tasks,
    timebudget,
    triage,
    workforce,
)
from sim.mechanisms import money as money_mech
from sim.mechanisms.enrolment import DATA_DEPTS
from sim.model import StreetModel
from sim.money import Purse
from sim.randomness.pcg64 import state_words
from sim.runner import run
from sim.street import SO_EXIT, SO_EXIT_FUNDS

SEED = 3


def only(keys, chosen, on=1.0, off=0.0) -> dict:
    """A mapping giving ``on`` to the ``chosen`` keys and ``off`` to the others."""
    chosen = {chosen} if isinstance(chosen, str) else set(chosen)
    return {k: (on if k in chosen else off) for k in keys}


def triage_day(accepted_h):
    """Day a case was admitted: acceptance is a quarter-hour after raising (which may
    cross midnight) or the office opening of the triage day."""
    return (accepted_h - 0.25) // 24


def street_of(scenario, seed: int = SEED):
    """A fresh model's street, before day 0."""
    return StreetModel(scenario, seed=seed).streets[0]


@pytest.fixture(scope="module")
def small_run(small):
    """The small baseline run, the control for run-level tests."""
    return run(small, seed=SEED)


# --- the whistle --------------------------------------------------------------------------
def test_department_that_never_answers_is_whistled_max_repeats_escalated_and_dropped(small):
    silent = "market_regulation"
    sc = small.with_values({
        "departments.candidates": {c: only(DEPARTMENTS, silent) for c in CATEGORIES},
        "departments.answer_prob": only(DEPARTMENTS, silent, on=0.0, off=0.9),
        "departments.escalation_answer_prob": 0.0,
        "departments.max_repeats": 4,
        "assessment.results_weight": 0.0,  # complaints do not press it through its assessment
    })
    res = run(sc, seed=SEED)
    tb = res.tables[0]
    ep, wl = tb.episodes, tb.whistles
    assert (ep["department"] == DEPARTMENTS.index(silent)).all()
    assert not wl["answered"].any()
    failed = ep[ep["state"] == EP_FAILED]
    assert len(failed) > 20
    assert (failed["n_sent"] == 4).all() and failed["escalated"].all()
    per_episode = wl[wl["episode"].isin(failed["episode"])].groupby("episode")["kind"]
    assert (per_episode.apply(lambda k: (k == WHISTLE).sum()) == 4).all()
    assert (per_episode.apply(lambda k: (k == ESCALATION).sum()) == 1).all()

    cases = res.cases
    closed = cases[(cases["route"] == "departments") & (cases["outcome"] != "open")]
    assert len(closed) == len(failed)
    assert (closed["drop_reason"] == "departments_unanswered").all()
    # 4 whistles 3 days apart, then the 15-day coordination cycle of the escalation
    days = closed["closed_h"] // 24 - triage_day(closed["whistled_h"])
    assert (days == 3 * 3 + 15).all()


def test_clear_duties_stop_bounces(small):
    unclear = small.with_values({"cases.p_unclear_duty": 1.0, "departments.bounce_prob": 1.0})
    bounced = run(unclear, seed=SEED).cases
    assert (bounced["n_bounces"] > 0).sum() > 20
    assert (bounced.loc[bounced["drop_reason"] == "bounced_out", "n_bounces"] > 0).all()
    clear = run(unclear.with_values({"departments.duty_clarity": 1.0}), seed=SEED).cases
    assert (clear["n_bounces"] == 0).all()
    assert (clear["drop_reason"] != "bounced_out").all()


def test_joint_meeting_clears_duties_after_its_convening_delay(small):
    sc = small.with_values({"cases.p_unclear_duty": 1.0, "departments.bounce_prob": 1.0,
                            "departments.joint_meeting": True,
                            "departments.joint_meeting_delay_days": 5.0})
    res = run(sc, seed=SEED)
    assert (res.cases["n_bounces"] == 0).all()
    ep = res.tables[0].episodes
    cases = res.tables[0].cases.set_index("case")
    multi = ep.groupby("case")["department"].transform("size") >= 2
    accepted_h = cases.loc[ep["case"], "accepted_h"].to_numpy()
    assert multi.sum() > 20
    # meeting cases: first whistle at the start of the day the meeting has convened
    assert (ep["first_sent_h"][multi] == (triage_day(accepted_h[multi]) + 5) * 24).all()
    assert (ep["first_sent_h"][~multi] == accepted_h[~multi]).all()


def test_delegated_enforcement_keeps_department_cases_in_the_street(small, small_run):
    assert (small_run.cases["route"] == "departments").sum() > 50
    res = run(small.with_values({"departments.enforcement_delegated": 1.0}), seed=SEED)
    cases = res.cases
    assert (cases["route"] != "departments").all()
    assert len(res.episodes) == 0
    assert (cases["needs_department"] & (cases["route"] == "street")).sum() > 50


# --- staff time -----------------------------------------------------------------------------
def _hours_before_casework(scenario, seed: int = SEED):
    """Day 0 (a Monday) up to and including duplicate data entry; returns the street and
    its free hours per post just before data entry."""
    s = street_of(scenario, seed)
    assert s.cal.is_workday[0]
    money_mech.open_year(s, 0)
    workforce.open_year(s, 0)
    timebudget.open_day(s, 0)
    tasks.daily(s, 0)
    before = s.hours.free.copy()
    timebudget.data_entry(s, 0)
    return s, before


ZERO_ENTRY = {"data.systems_per_record": 1.0, "data.minutes_per_system_login": 0.0}


def test_data_entry_takes_systems_times_records_from_every_post(small):
    s, before = _hours_before_casework(small)
    d = small.params.data
    minutes = d.records_per_staff_day * (d.systems_per_record - 1) * d.minutes_per_entry \
        + d.systems_in_use * d.minutes_per_system_login
    entry = s.hours.used["data_entry"]
    filled = s.roster.filled
    assert minutes / 60 == pytest.approx((7.5 * 2 * 7 + 18 * 1.5) / 60)  # the baseline values
    assert np.allclose(entry[filled], minutes / 60) and (entry[~filled] == 0).all()
    assert np.allclose(before - s.hours.free, entry)


def test_no_data_entry_burden_frees_exactly_those_hours(small):
    s_a, before_a = _hours_before_casework(small)
    s_b, before_b = _hours_before_casework(small.with_values(ZERO_ENTRY))
    assert np.array_equal(before_a, before_b)  # same draws up to data entry
    assert (s_b.hours.used["data_entry"] == 0).all()
    assert np.allclose(s_b.hours.free - s_a.hours.free, s_a.hours.used["data_entry"])
    assert s_a.hours.used["data_entry"].sum() > 50


def test_freed_data_entry_hours_go_to_casework_when_demand_is_high(baseline):
    busy = baseline.with_values({"population.residents": 20000, "run.end_date": "2024-01-31",
                                 "demand.contacts_per_resident_year": 20.0})
    casework, freed = [], None
    for sc in (busy, busy.with_values(ZERO_ENTRY)):
        s, _ = _hours_before_casework(sc)
        freed = s.hours.used["data_entry"].sum() if freed is None else freed
        demand.daily(s, 0)
        triage.daily(s, 0)
        assert len(s.intake.queue) > 0  # demand exceeds the day's hours in both
        casework.append(s.hours.used["casework"].sum())
    longest_case = 0.2 + 1.2  # walk-in intake + mediation handling: admission stops within it
    assert abs((casework[1] - casework[0]) - freed) < longest_case


def test_duty_list_with_teeth_removes_out_of_list_hours(small, small_run):
    assert small_run.daily["hours_out_of_list"].sum() > 0
    res = run(small.with_values({"tasks.duty_list_enforcement": 1.0,
                                 "tasks.duty_list_coverage": 1.0,
                                 "tasks.duty_list_churn": 0.0}), seed=SEED)
    daily = res.daily
    assert (daily["hours_out_of_list"] == 0).all()
    assert daily["tasks_refused"].sum() > 100
    assert daily["hours_in_list"].sum() > 0
    assert res.yearly["out_of_list_share"].iloc[0] == 0.0


def test_cases_are_abandoned_after_patience_when_no_hours_are_left(small):
    sc = small.with_values({"tasks.tasks_per_staff_day": 50.0, "tasks.hours_per_task": 80.0,
                            "tasks.duty_list_enforcement": 0.0, "staff.weekend_staffing": 0.0})
    cases = run(sc, seed=SEED).cases
    closed = cases[cases["outcome"] != "open"]
    assert len(closed) > 500
    assert (closed["drop_reason"] == "abandoned").all()
    assert cases["accepted_h"].isna().all()
    waited = closed["closed_h"] - closed["raised_h"]
    patience = sc.params.cases.patience_days * 24
    assert (waited > patience).all() and (waited <= patience + 24).all()


def test_emergency_mobilisation_takes_its_share_of_staff_hours(small):
    s = street_of(small.with_values({"emergency.rate_per_year": 365.0}))
    for t in range(60):
        emergency.daily(s, t)
        if s.cal.is_workday[t] and s.emergency.mobilised_until >= t:
            break
    timebudget.open_day(s, t)
    share = small.params.emergency.mobilised_share
    filled = s.roster.filled
    assert np.allclose(s.hours.used["emergency"][filled], share * s.hours.available[filled])
    assert s.emergencies.staff_hours_lost[len(s.emergencies) - 1] > 0


# --- demand ------------------------------------------------------------------------------------
def _new_demands_first_year(scenario) -> int:
    s = street_of(scenario)
    total = 0
    for t in range(s.cal.n_days):
        if s.cal.is_month_start(t):
            demand.plan_month(s, t)
            total += len(s.intake.future_ids)
    return total


def test_demand_volume_scales_with_residents(baseline):
    year = {"run.end_date": "2024-12-31"}
    small = baseline.with_values({**year, "population.residents": 10000})
    large = baseline.with_values({**year, "population.residents": 40000})
    days = np.arange(366)
    assert np.allclose(demand.expected_daily(street_of(large), days),
                       4 * demand.expected_daily(street_of(small), days))
    n_small, n_large = _new_demands_first_year(small), _new_demands_first_year(large)
    expected = 10000 * 1.0 * 0.415 * 366 / 365
    assert 0.85 * expected < n_small < 1.15 * expected
    assert 3.7 < n_large / n_small < 4.3


def test_online_channel_off_means_no_online_cases(small, small_run):
    assert (small_run.cases["channel"] == "online").sum() > 50
    cases = run(small.with_values({"demand.online_channel": False}), seed=SEED).cases
    assert (cases["channel"] != "online").all()


def test_repeat_contacts_come_from_dropped_cases_of_the_same_resident(small_run):
    cases = small_run.tables[0].cases.set_index("case")
    rep = cases[cases["is_repeat"]]
    assert len(rep) > 20
    parent = cases.loc[rep["parent"]]
    assert (parent["outcome"].to_numpy() == 2).all()  # DROPPED
    for col in ("resident", "category", "channel", "needs_department", "money_need"):
        assert (parent[col].to_numpy() == rep[col].to_numpy()).all(), col
    assert (rep["raised_h"].to_numpy() // 24 > parent["closed_h"].to_numpy() // 24).all()


def test_no_repeat_contacts_when_residents_never_come_back(small):
    cases = run(small.with_values({"feedback.p_repeat": 0.0}), seed=SEED).cases
    assert not cases["is_repeat"].any()


# --- resolution, referral, money -------------------------------------------------------------
def test_street_without_the_data_cannot_settle_data_cases(small):
    sc = small.with_values({"resolution.no_data_factor": 0.0,
                            "data.data_shared": only(DEPARTMENTS, [], off=0.0)})
    cases = run(sc, seed=SEED).cases
    data_cases = cases[(cases["route"] == "street") & cases["needs_data"] & (cases["outcome"] != "open")]
    assert len(data_cases) > 50
    assert (data_cases["outcome"] == "dropped").all()
    other = cases[(cases["route"] == "street") & ~cases["needs_data"]]
    assert (other["outcome"] == "resolved").any()


def test_ring_fenced_pot_leaves_need_unfunded_while_another_pot_is_full():
    purse = Purse()
    purse.pots[:] = list(only(FUND_POTS, "health", on=10_000.0).values())
    paid = purse.pay_needs(np.array([FUND_POTS.index("civil_affairs")]), np.array([500.0]))
    assert not paid[0]
    assert purse.pots.sum() == 10_000.0
    assert purse.ledger["livelihood_unfunded"] == 500.0


def test_bundled_funds_pay_any_need_from_the_pool():
    purse = Purse()
    purse.bundled = True
    purse.pots[:] = list(only(FUND_POTS, "health", on=10_000.0).values())
    paid = purse.pay_needs(np.array([FUND_POTS.index("civil_affairs")]), np.array([500.0]))
    assert paid[0]
    assert purse.pots.sum() == 9_500.0
    assert purse.ledger["livelihood_spent"] == 500.0 and purse.ledger["livelihood_unfunded"] == 0.0


def test_mismatched_pots_leave_every_money_case_unfunded_unless_bundled(small):
    sc = small.with_values({"money.pot_allocation": only(FUND_POTS, "civil_affairs"),
                            "cases.need_pot_mix": only(FUND_POTS, "health")})
    ring = run(sc, seed=SEED)
    money = ring.cases[(ring.cases["route"] == "street") & ring.cases["needs_money"]
                       & (ring.cases["outcome"] != "open")]
    assert len(money) > 50
    assert (money["drop_reason"] == "unfunded").all() and (money["money_paid"] == 0).all()
    assert ring.yearly["funding_gap"].iloc[0] == 1.0
    bundled = run(sc.with_values({"money.bundled_funds": True}), seed=SEED)
    assert (bundled.cases["drop_reason"] != "unfunded").all()
    assert bundled.yearly["funding_gap"].iloc[0] == pytest.approx(0.0, abs=1e-12)


def test_revenue_shock_cuts_district_transfers(small):
    p = small.params
    shocked = small.with_values({"money.revenue_shock": 0.25}).params
    out = []
    for params in (p, shocked):
        purse = Purse()
        purse.open_year(0, params, np.random.default_rng(0))
        out.append(sum(a for day, a, _ in purse.expected_transfers))
    assert out[1] == pytest.approx(0.75 * out[0])
    assert out[0] == pytest.approx(p.money.annual_budget - p.money.own_revenue)


def test_referral_needs_room_at_a_social_organisation(small, small_run):
    assert (small_run.cases["route"] == "social_org").sum() > 30
    full = run(small.with_values({"socialorgs.capacity_per_month": 0.0}), seed=SEED).cases
    assert (full["route"] != "social_org").all()
    one = run(small.with_values({"socialorgs.capacity_per_month": 1.0,
                                 "socialorgs.matchmaking_per_year": 0.0}), seed=SEED).cases
    per_month = one[one["route"] == "social_org"].groupby(one["accepted_at"].dt.month).size()
    assert per_month.max() <= small.params.socialorgs.initial_count


# --- social organisations -------------------------------------------------------------------
def test_social_organisation_without_funds_exits_and_one_with_a_grant_stays(small):
    sc = small.with_values({"socialorgs.initial_count": 2, "socialorgs.venue_slots": 1,
                            "socialorgs.no_venue_exit_monthly": 0.0,
                            "socialorgs.matchmaking_per_year": 0.0})
    s = street_of(sc)
    money_mech.open_year(s, 0)
    with_venue, without = s.sos
    assert with_venue.has_venue and not without.has_venue
    with_venue.funds = without.funds = 0.0
    february = 31
    socialorgs.monthly(s, february)
    assert s.sos == [with_venue]  # the grant covers its running cost
    ev = s.so_events.to_frame()
    assert len(ev) == 1
    assert (ev["event"].iloc[0], ev["reason"].iloc[0]) == (SO_EXIT, SO_EXIT_FUNDS)
    assert ev["org"].iloc[0] == without.unique_id


# --- workforce ------------------------------------------------------------------------------
def test_quit_hazard_rises_with_the_pay_gap(small):
    s = street_of(small)
    r = s.roster
    slot = int(np.flatnonzero(r.filled & (r.contract == CONTRACT))[0])
    w, staff = small.params.workforce, small.params.staff
    low = workforce.annual_quit_hazard(s)[slot]
    r.pay[slot] = staff.urban_average_pay
    fair = workforce.annual_quit_hazard(s)[slot]
    gap = 1 - staff.pay[CONTRACT] / staff.urban_average_pay
    assert low / fair == pytest.approx(np.exp(w.pay_gap_elasticity * gap))


def test_wider_pay_gap_means_more_contract_staff_quit(small):
    many = small.with_values({"staff.extra_contract_posts": 30, "workforce.pay_gap_elasticity": 3.0})
    quits = []
    for pay in (6034.0, 2500.0):
        sc = many.with_values({"staff.pay": {"established": 6500.0, "contract": pay}})
        ev = run(sc, seed=SEED).tables[0].staff_events
        quits.append(int(((ev["event"] == 1) & (ev["reason"] == 0) & (ev["contract"] == CONTRACT)).sum()))
    assert quits[1] > 2 * quits[0] + 3


def test_training_raises_skill_at_year_start(two_years):
    skills = []
    for hours in (0.0, 40.0):
        s = street_of(two_years)
        s.roster.training_hours[:] = hours
        workforce.open_year(s, 366)
        skills.append(s.roster.skill.copy())
    filled = s.roster.filled
    gain = two_years.params.staff.skill_per_training_hour * 40.0
    unclipped = filled & (skills[0] + gain < 1.0)
    assert unclipped.sum() > 10
    assert np.allclose(skills[1][unclipped] - skills[0][unclipped], gain)
    assert (skills[1][filled] >= skills[0][filled]).all()


# --- coverage of eligible households ---------------------------------------------------------
def test_data_sharing_finds_eligible_residents_who_are_not_enrolled(baseline):
    base = baseline.with_values({"population.residents": 40000, "run.end_date": "2024-12-31",
                                 "enrolment.data_match_monthly": 0.2})
    unenrolled = []
    for shared in (0.0, 1.0):
        share = dict(base.values["data.data_shared"])
        share.update({DEPARTMENTS[i]: shared for i in DATA_DEPTS})
        s = street_of(base.with_values({"data.data_shared": share}))
        for t in range(s.cal.n_days):
            if s.cal.is_month_start(t):
                enrolment.monthly(s, t)
        res = s.residents
        unenrolled.append(int((res.eligible & ~res.enrolled).sum()))
        if shared == 0.0:
            assert s.enrolment.found == 0
    assert unenrolled[0] > 50
    assert unenrolled[1] < 0.3 * unenrolled[0]


# --- emergencies ---------------------------------------------------------------------------
def test_emergencies_without_warning_data_are_responded_to_later(small):
    often = small.with_values({"emergency.rate_per_year": 100.0, "emergency.iot_coverage": 0.0})
    tables = []
    for shared in (1.0, 0.0):
        s = street_of(often.with_values({"data.data_shared": only(DEPARTMENTS, [], off=shared)}))
        for t in range(120):
            emergency.daily(s, t)
        tables.append(s.emergencies.to_frame())
    warned, unwarned = tables
    assert len(warned) > 10
    assert np.array_equal(warned["day"], unwarned["day"])
    assert np.array_equal(warned["type"], unwarned["type"])
    assert warned["warned"].all() and not unwarned["warned"].any()
    e = often.params.emergency
    assert np.allclose(unwarned["response_h"] - warned["response_h"],
                       e.detect_hours_unwarned - e.detect_hours_warned)


# --- councils and assessment ------------------------------------------------------------------
def test_only_functioning_councils_get_proposals_adopted(small):
    sc = small.with_values({"population.council_coverage": 1.0, "council.adopt_functioning": 1.0,
                            "council.adopt_formal": 0.0})
    logs = []
    for functioning in (1.0, 0.0):
        s = street_of(sc.with_values({"population.council_functioning": functioning}))
        for t in range(s.cal.n_days):
            if s.cal.is_month_start(t):
                council.monthly(s, t)
        logs.append(s.council_log.to_frame())
    working, formal = logs
    assert len(working) > 30 and working["adopted"].all()
    assert len(formal) > 0 and not formal["adopted"].any()
    assert len(formal) < len(working)


def test_metric_gaming_reports_unresolved_closures_as_done(small):
    honest = run(small.with_values({"assessment.trace_weight": 0.0,
                                    "assessment.results_weight": 0.0}), seed=SEED).cases
    assert (honest["reported_resolved"] == (honest["outcome"] == "resolved")).all()
    gamed = run(small.with_values({"assessment.trace_weight": 1.0,
                                   "assessment.gaming_propensity": 1.0}), seed=SEED).cases
    closed = gamed["outcome"] != "open"
    assert (gamed.loc[closed, "outcome"] == "dropped").sum() > 50
    assert gamed.loc[closed, "reported_resolved"].all()



@pytest.mark.parametrize("revive", [True, False])
def test_council_kernel_draws_as_numpy(small, revive):
    """The compiled month of proposals gives the NumPy version's proposals, councils and
    stream state (the NumPy version stays for means the kernel does not draw)."""
    sc = small.with_values({"population.council_coverage": 0.8, "population.council_functioning": 0.4,
                            "council.functioning_gain_per_year": 0.5, "council.proposals_formal": 2.5})
    a, b = street_of(sc), street_of(sc)
    c = a.p.council
    n = 0
    for month in range(6):
        first = revive and month == 0
        got = council.proposals_kernel(
            state_words(a.streams["council"]), first, a.councils.present, a.councils.functioning,
            float(c.functioning_gain_per_year), float(c.proposals_functioning), float(c.proposals_formal),
            float(c.adopt_functioning), float(c.adopt_formal))
        want = council._proposals_numpy(b, b.streams["council"], first)
        for x, y in zip(got, want, strict=True):
            np.testing.assert_array_equal(x, y)
        np.testing.assert_array_equal(a.councils.functioning, b.councils.functioning)
        n += len(want[0])
    assert n > 30
    assert a.streams["council"].bit_generator.state == b.streams["council"].bit_generator.state
