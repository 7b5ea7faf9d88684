"""The compiled kernels of the daily record, workforce, tasks and staff time give, bit for
bit, what the array expressions they replaced gave (written out here as the rule), and
the shortcuts of the daily glue (transfers, emergency chances, calendar flags, the
incremental count of cases waiting for departments) change no result."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from sim.agents.departments import pending_of_street
from sim.agents.staff import CONTRACT, ESTABLISHED, count_held
from sim.cases import CLOSED, WHISTLED
from sim.hours import BUCKETS
from sim.mechanisms import emergency, recording, tasks, timebudget, workforce
from sim.mechanisms import money as money_mech
from sim.model import StreetModel
from sim.money import Purse


def staff(rng, n):
    """Random post arrays: held mask, contract type, age, stress, training target."""
    filled = rng.random(n) < 0.8
    return (filled, rng.integers(0, 2, n).astype(np.int8), rng.uniform(22, 60, n),
            np.where(filled, rng.uniform(0, 3, n), 0.0), rng.uniform(0, 120, n))


def hours_used(rng, n):
    """Random hours per bucket, some posts with none."""
    return {b: np.round(rng.uniform(0, 4, n), 3) * (rng.random(n) < 0.7) for b in BUCKETS}


# --- the daily record -------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(30))
def test_record_row_writes_the_columns_of_the_array_record(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 300))
    filled, contract, age, stress, _ = staff(rng, n)
    if seed % 5 == 0:
        filled[:] = False
    used = hours_used(rng, n)
    available = rng.uniform(0, 9, n)
    n_cases = int(rng.integers(0, 400))
    state = rng.integers(0, 6, n_cases + 50).astype(np.int8)  # spare capacity past n_cases
    closed_h = np.where(rng.random(n_cases + 50) < 0.4, np.nan, rng.uniform(0, 900, n_cases + 50))
    ep_street = rng.integers(0, 3, 500).astype(np.int16)
    active = np.sort(rng.choice(500, int(rng.integers(0, 200)), replace=False)).astype(np.int64)
    pots = rng.uniform(0, 1e5, 4)
    values = np.zeros((5, len(recording.DAILY_COLUMNS)))
    open_rows = np.full(n_cases, -1, np.int64)
    pending = pending_of_street(ep_street, active, 1)
    n_open = recording.record_row(values, 3, 1, True, 12, 7, 4, 2, 5, 1234.5, 9, state, closed_h,
                                  open_rows, 0, 0, n_cases, pending, available,
                                  *(used[b] for b in BUCKETS), filled, contract, age, stress, pots)
    st, ch = state[:n_cases], closed_h[:n_cases]
    n_filled = int(np.count_nonzero(filled))
    n_contract = int(np.count_nonzero(filled & (contract == CONTRACT)))
    want = {
        "street": 1, "day": 3, "workday": True, "queue": 12, "in_service": 7,
        "waiting_departments": int(np.count_nonzero((st == WHISTLED) & np.isnan(ch))),
        "whistles_pending": int(np.count_nonzero(ep_street[active] == 1)),
        "hours_available": available.sum(),
        **{"hours_" + b: used[b].sum() for b in BUCKETS},
        "staff_filled": n_filled, "staff_established": n_filled - n_contract, "staff_contract": n_contract,
        "staff_under35": int(np.count_nonzero(filled & (age < 35))),
        "stress_mean": stress[filled].mean() if n_filled else 0.0,
        "tasks_accepted": 4, "tasks_refused": 2, "tasks_checked": 5,
        "livelihood_balance": pots.sum(), "general_balance": 1234.5, "social_orgs": 9,
    }
    assert list(want) == list(recording.DAILY_COLUMNS)
    np.testing.assert_array_equal(values[3], np.array(list(want.values()), dtype=np.float64))
    assert not values[[0, 1, 2, 4]].any()
    np.testing.assert_array_equal(open_rows[:n_open], np.flatnonzero(np.isnan(ch)))


def test_waiting_cases_are_counted_from_the_cases_still_without_a_closing_time():
    """Day by day, cases are added and closing times planned (never withdrawn): the count
    over the open cases left by the last record equals the count over the whole table."""
    rng = np.random.default_rng(5)
    cap = 3000
    state = np.zeros(cap, np.int8)
    closed_h = np.full(cap, np.nan)
    record = recording.DailyRecord(60)
    record.open_rows = np.empty(1, np.int64)  # grown as cases come
    n_cases, values = 0, record.values
    none = np.zeros(0)
    for day in range(60):
        new = int(rng.integers(0, 40))
        n_cases += new
        live = np.flatnonzero(np.isnan(closed_h[:n_cases]))
        state[live] = np.where(rng.random(len(live)) < 0.5, WHISTLED, state[live])
        plan = live[rng.random(len(live)) < 0.2]
        closed_h[plan] = day * 24.0 + 5.0
        state[plan[rng.random(len(plan)) < 0.5]] = CLOSED
        record.make_room(n_cases)
        record.n_open = recording.record_row(
            values, day, 0, False, 0, 0, 0, 0, 0, 0.0, 0, state, closed_h, record.open_rows, record.n_open,
            record.rows_seen, n_cases, 0, none, none, none,
            none, none, none, none, np.zeros(0, bool), np.zeros(0, np.int8), none, none, none)
        record.rows_seen = n_cases
        assert values[day, 5] == recording.count_waiting(state[:n_cases], closed_h[:n_cases])
        np.testing.assert_array_equal(record.open_rows[: record.n_open],
                                      np.flatnonzero(np.isnan(closed_h[:n_cases])))
    assert values[:, 5].max() > 0 and len(record.open_rows) > 1


def test_daily_record_frame_has_the_columns_and_types(small):
    model = StreetModel(small, seed=2)
    for _ in range(20):
        model.step()
    frame = model.streets[0].daily.to_frame()
    assert len(frame) == 20 and list(frame.columns) == list(recording.DAILY_COLUMNS)
    assert {c: str(t) for c, t in frame.dtypes.items()} == recording.DAILY_COLUMNS
    np.testing.assert_array_equal(frame["day"], np.arange(20))


def test_waiting_count_of_a_run_equals_the_whole_table_count(small, monkeypatch):
    """The incremental count of the record agrees with a scan of the whole case table on
    every day of a run (planned closing times are never withdrawn)."""
    counts = []
    plain = recording.record_day

    def record_and_count(street, t):
        plain(street, t)
        counts.append((street.daily.values[t, 5],
                       recording.count_waiting(street.cases.view("state"), street.cases.view("closed_h"))))

    monkeypatch.setattr(recording, "record_day", record_and_count)
    monkeypatch.setattr(StreetModel, "compiled_days", False)  # every day through the Python steps
    StreetModel(small, seed=4).run()
    got, want = np.array(counts).T
    np.testing.assert_array_equal(got, want)
    assert want.max() > 0


# --- workforce ----------------------------------------------------------------------------
def stress_rule(filled, stress, available, used, demanded, backlog, w, pressure):
    """The workday stress update as array expressions (the code the kernel replaced)."""
    n_filled = max(1, int(filled.sum()))
    worked = sum(used.values())
    avail = np.maximum(available, 1e-9)
    unmet = demanded - used["out_of_list"] + backlog / n_filled
    strained = worked + (w.out_of_list_strain - 1.0) * used["out_of_list"]
    load = (strained + np.minimum(unmet, avail)) / w.sustainable_hours_per_day
    load = np.where(filled, load + w.assessment_strain * pressure, 0.0)
    return stress + (load - stress) / w.stress_memory_days


@pytest.mark.parametrize("seed", range(30))
def test_stress_and_turnover_follow_the_array_rule(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 80))
    filled, _, _, stress, _ = staff(rng, n)
    used, available = hours_used(rng, n), rng.uniform(0, 9, n)
    demanded = used["out_of_list"] + rng.uniform(0, 2, n) * (rng.random(n) < 0.5)
    w = SimpleNamespace(out_of_list_strain=float(rng.uniform(1, 2)),
                        sustainable_hours_per_day=float(rng.uniform(6, 10)),
                        assessment_strain=float(rng.uniform(0, 1)),
                        stress_memory_days=float(rng.integers(5, 60)))
    backlog, pressure, t = float(rng.uniform(0, 100)), float(rng.uniform(0, 0.5)), 40
    vacant_until = np.where(filled, -1, rng.integers(-1, 80, n)).astype(np.int32)
    u = rng.random((n, 2))
    quit_prob = rng.uniform(0, 0.05, n)
    workday = seed % 3 != 0
    got = stress.copy()
    events = workforce.stress_and_turnover(
        workday, True, t, filled, got, vacant_until, u, quit_prob, available, *(used[b] for b in BUCKETS),
        demanded, backlog, w.out_of_list_strain, w.sustainable_hours_per_day,
        w.assessment_strain * pressure, w.stress_memory_days)
    want = stress_rule(filled, stress, available, used, demanded, backlog, w, pressure) if workday else stress
    np.testing.assert_array_equal(got, want)
    quits = filled & (u[:, 0] < quit_prob)
    refills = ~filled & (vacant_until >= 0) & (vacant_until <= t)
    assert events == bool(quits.any() or refills.any())
    assert workforce.turnover_due(t, filled, vacant_until, u, quit_prob) == events
    assert not workforce.stress_and_turnover(
        workday, False, t, filled, got, vacant_until, u, workforce.NO_PROB, available,
        *(used[b] for b in BUCKETS), demanded, backlog, 1.0, 8.0, 0.0, 10.0)


def test_turnover_is_seen_when_someone_quits_or_a_post_is_due():
    filled = np.array([True, False, True])
    u = np.array([[0.5, 0.1], [0.0, 0.0], [0.5, 0.1]])
    prob = np.array([0.4, 1.0, 0.4])
    assert not workforce.turnover_due(10, filled, np.array([-1, -1, -1], np.int32), u, prob)
    assert not workforce.turnover_due(10, filled, np.array([-1, 11, -1], np.int32), u, prob)
    assert workforce.turnover_due(10, filled, np.array([-1, 10, -1], np.int32), u, prob)
    assert workforce.turnover_due(10, filled, np.array([-1, -1, -1], np.int32), u, np.array([0.4, 0, 0.6]))


# --- tasks and staff time -------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(20))
def test_task_hours_share_the_hours_over_held_posts(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 60))
    filled = rng.random(n) < 0.7
    n_filled = int(filled.sum())
    out_hours, in_hours = float(rng.integers(0, 20)) * 1.5, float(rng.integers(0, 20)) * 1.5
    share = np.where(filled, 1.0 / max(n_filled, 1), 0.0)
    out = np.full((3, n), np.nan)
    tasks.task_hours(filled, n_filled, out_hours, in_hours, out)
    demanded, out_of_list, in_list = out
    np.testing.assert_array_equal(demanded, out_hours * share)
    np.testing.assert_array_equal(out_of_list, out_hours * share)
    np.testing.assert_array_equal(in_list, in_hours * share)


@pytest.mark.parametrize("seed", range(20))
def test_day_hours_give_each_held_post_its_hours_and_training(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 60))
    filled, _, _, _, target = staff(rng, n)
    per_post = float(rng.choice([8.0, 2.4, 0.0]))
    guests = float(rng.choice([0.0, 0.0, 1.5, 3.25]))
    want = per_post
    if guests > 0:
        want += guests * want / max(1, int(filled.sum()))
    out = np.full((2, n), np.nan)
    timebudget.day_hours(filled, target, per_post, guests, out)
    available, training = out
    np.testing.assert_array_equal(available, np.where(filled, want, 0.0))
    np.testing.assert_array_equal(training, np.where(filled, target / timebudget.WORKDAYS_PER_YEAR, 0.0))


# --- daily glue -----------------------------------------------------------------------------
def test_emergency_daily_chance_is_the_array_expression():
    for rate in (0.0, 0.5, 2.0, 12.0, 365.0):
        assert emergency.daily_chance(rate) == 1.0 - np.exp(-rate / 365.0)
    # and what it means: a Poisson day's chance of at least one event, growing with the rate
    chances = [emergency.daily_chance(r) for r in (0.0, 0.5, 2.0, 12.0, 365.0)]
    assert chances[0] == 0.0 and chances == sorted(chances)
    assert emergency.daily_chance(365.0) == pytest.approx(1.0 - math.exp(-1.0), rel=1e-12)


def test_transfers_are_credited_on_the_day_they_arrive(small):
    street = StreetModel(small, seed=1).streets[0]
    money_mech.open_year(street, 0)
    plain = Purse()
    plain.__dict__.update({k: (v.copy() if hasattr(v, "copy") else v)
                           for k, v in street.purse.__dict__.items()})
    days = sorted({day for day, _, _ in street.purse.expected_transfers})
    assert len(days) > 1
    for t in range(days[-1] + 2):
        money_mech.daily(street, t)
        plain.receive_due(t, street.p)
        assert street.purse.ledger == plain.ledger and street.purse.general == plain.general
        np.testing.assert_array_equal(street.purse.pots, plain.pots)
    assert street.purse.expected_transfers == plain.expected_transfers == []


def test_street_calendar_flags_follow_the_calendar(two_years):
    street = StreetModel(two_years, seed=1).streets[0]
    cal = street.cal
    for t in range(cal.n_days):
        assert street._opens_year[t] == (t == 0 or cal.year[t] != cal.year[t - 1])
        assert street._opens_month[t] == cal.is_month_start(t)
        assert street._closes_year[t] == cal.is_year_end(t)
    assert sum(street._opens_year) == 2 and sum(street._closes_year) == 2 and sum(street._opens_month) == 24


def test_held_posts_are_counted_by_contract_type():
    rng = np.random.default_rng(1)
    filled, contract = rng.random(50) < 0.6, rng.integers(0, 2, 50).astype(np.int8)
    for kind in (ESTABLISHED, CONTRACT):
        assert count_held(filled, contract, kind) == int(np.count_nonzero(filled & (contract == kind)))
