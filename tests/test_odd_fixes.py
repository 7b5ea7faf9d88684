"""Controlled tests for code brought in line with docs/ODD.md: data re-entry across
weekends, refused tasks within checked ones, and fees that keep the wage reserve."""

from __future__ import annotations

import numpy as np
import pytest

from sim.mechanisms import money as money_mech
from sim.mechanisms import referral, tasks, timebudget, workforce
from sim.model import StreetModel

SEED = 3


def street_on(scenario, t: int):
    s = StreetModel(scenario, seed=SEED).streets[0]
    money_mech.open_year(s, 0)
    workforce.open_year(s, 0)
    timebudget.open_day(s, t)
    return s


def entry_hours(scenario, records: float) -> float:
    d = scenario.params.data
    return (records * (d.systems_per_record - 1) * d.minutes_per_entry
            + d.systems_in_use * d.minutes_per_system_login) / 60


def test_weekend_records_wait_for_the_next_workday(small):
    saturday, monday = 5, 7  # 2024-01-01 is a Monday
    s = street_on(small, saturday)
    assert not s.cal.is_workday[saturday] and s.cal.is_workday[monday]
    s.staff_time.records_to_reenter = 120.0  # Friday's and Saturday's admissions
    timebudget.data_entry(s, saturday)
    assert (s.hours.used["data_entry"] == 0).all() and s.staff_time.records_to_reenter == 120.0
    timebudget.open_day(s, monday)
    timebudget.data_entry(s, monday)
    n = int(s.roster.filled.sum())
    want = entry_hours(small, small.params.data.records_per_staff_day + 120.0 / n)
    assert np.allclose(s.hours.used["data_entry"][s.roster.filled], want)
    assert s.staff_time.records_to_reenter == 0.0


def test_triage_adds_todays_records_to_those_waiting(small):
    from sim.mechanisms import demand, triage

    s = street_on(small, 0)
    tasks.daily(s, 0)
    s.staff_time.records_to_reenter = 50.0
    demand.daily(s, 0)
    admitted_before = int(np.isfinite(s.cases.accepted_h[: len(s.cases)]).sum())
    triage.daily(s, 0)
    admitted = int(np.isfinite(s.cases.accepted_h[: len(s.cases)]).sum()) - admitted_before
    assert admitted > 0 and s.staff_time.records_to_reenter == 50.0 + admitted


@pytest.mark.parametrize("coverage, enforcement", [(0.3, 1.0), (0.8, 0.5), (0.0, 1.0)])
def test_refused_tasks_are_among_the_checked_ones(small, coverage, enforcement):
    sc = small.with_values({"tasks.duty_list_coverage": coverage, "tasks.duty_list_enforcement": enforcement,
                            "tasks.out_of_list_share": 1.0, "tasks.tasks_per_staff_day": 2.0})
    s = street_on(sc, 0)
    refused_total = checked_total = 0
    for t in range(60):
        if not s.cal.is_workday[t]:
            continue
        timebudget.open_day(s, t)
        tasks.daily(s, t)
        accepted, refused, checked = s.duties.counts
        assert refused <= checked
        refused_total, checked_total = refused_total + refused, checked_total + checked
    if coverage == 0.0:
        assert refused_total == 0 and checked_total == 0
    elif enforcement == 1.0:
        assert refused_total == checked_total > 0  # all tasks are out-of-list: every checked one refused


@pytest.mark.filterwarnings("ignore:invalid value encountered in cast:RuntimeWarning")
def test_social_organisation_fees_keep_the_wage_reserve(small):
    s = street_on(small, 0)
    reserve = money_mech.wage_reserve(s)
    assert reserve > 0
    s.purse.general = reserve + 100.0  # room for less than one fee above the reserve
    ids = np.arange(3)
    so = s.sos[0]
    for cid in ids:
        s.intake.referral_to[int(cid)] = so
    funds = so.funds
    referral.handle(s, ids, 0)
    fee = small.params.referral.fee_per_case
    assert fee > 100.0
    assert so.funds - funds == pytest.approx(100.0)
    assert s.purse.general == pytest.approx(reserve)
