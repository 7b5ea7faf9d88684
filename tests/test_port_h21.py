"""The compiled intake and triage day (``triage.day_kernel``) and its parts give what the
array code they replaced gave: staff hours (``sim.hours``), paying needs and fees
(``sim.money``), street handling (``resolution``), referral (``referral``) and the whole
day, each against a plain statement of its rule (the array code, kept here)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import numpy_mechanisms as ref  # the array code the kernels replaced (on the path from conftest.py)
import pytest

from sim.agents.staff import CONTRACT
from sim.calendar import Calendar, office_done_h
from sim.cases import (
    AT_SO,
    DR_ABANDONED,
    DR_SO_FAILED,
    DR_STREET_FAILED,
    DR_UNFUNDED,
    DROPPED,
    IN_STREET,
    RESOLVED,
    ROUTE_DEPT,
    ROUTE_SO,
    ROUTE_STREET,
    U_DATA,
    U_ROUTE,
    U_SUCCESS,
)
from sim.hours import BUCKETS, DayHours, np_maximum, np_minimum
from sim.mechanisms import feedback, referral, resolution, triage, whistle
from sim.mechanisms.money import wage_reserve
from sim.model import StreetModel
from sim.money import N_POTS, Purse, general_payment, pay_needs_kernel
from sim.randomness import lognormal_from_z

EDGES = [0.0, -0.0, 1.0, -1.0, 2.5, np.nan, np.inf, -np.inf, 1e-300]


def same(a, b) -> bool:
    """Equal bit for bit (NaN equals NaN, 0.0 differs from -0.0)."""
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


# --- numpy's maximum and minimum, and the staff hours ---------------------------------------

@pytest.mark.parametrize("a", EDGES)
@pytest.mark.parametrize("b", EDGES)
def test_np_maximum_and_minimum_pick_as_numpy(a, b):
    assert same(np_maximum(a, b), np.maximum(np.array([a]), np.array([b]))[0])
    assert same(np_minimum(a, b), np.minimum(np.array([a]), np.array([b]))[0])


class ArrayHours:
    """``DayHours`` as it was: a dict of arrays, free hours summed with ``sum``."""

    def __init__(self, available):
        self.available = available
        self.used = {b: np.zeros(len(available)) for b in BUCKETS}

    @property
    def free(self):
        return np.maximum(0.0, self.available - sum(self.used.values()))

    def take(self, bucket, wanted):
        got = np.minimum(np.maximum(wanted, 0.0), self.free)
        self.used[bucket] += got
        return got


@pytest.mark.parametrize("seed", range(20))
def test_day_hours_take_and_free_as_the_array_version(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 40))
    available = np.where(rng.random(n) < 0.8, rng.uniform(0, 9, n), 0.0)
    new, old = DayHours(n), ArrayHours(available.copy())
    new.reset(available.copy())
    casework = new.used["casework"]
    for _ in range(12):
        bucket = BUCKETS[int(rng.integers(len(BUCKETS)))]
        wanted = rng.uniform(-1, 4, n) * (rng.random(n) < 0.7)
        assert same(new.take(bucket, wanted), old.take(bucket, wanted))
        assert same(new.free, old.free)
    for b in BUCKETS:
        assert same(new.used[b], old.used[b])
    assert new.used["casework"] is casework  # rows updated in place
    new.reset(np.ones(n))
    assert (casework == 0).all() and same(new.free, np.ones(n))
    new.reset(np.ones(n + 3))  # a larger roster
    assert same(new.take("training", 2.0), np.ones(n + 3)) and same(new.used["training"], np.ones(n + 3))


# --- money ---------------------------------------------------------------------------------

def array_pay_needs(balances: np.ndarray, bundled: bool, pots: np.ndarray, amounts: np.ndarray):
    """``Purse.pay_needs`` as it was: returns paid, balances after, need and spent."""
    balances = balances.copy()
    need = float(amounts.sum())
    groups = np.zeros(len(amounts), np.int64) if bundled else pots.astype(np.int64)
    balance = np.array([balances.sum()]) if bundled else balances
    order = np.argsort(groups, kind="stable")
    g, a = groups[order], amounts[order]
    cum = np.cumsum(a)
    first = np.searchsorted(g, g, side="left")
    ok = cum - (cum - a)[first] <= balance[g] + 1e-9
    paid = np.empty(len(amounts), bool)
    paid[order] = ok
    spent_by_group = np.bincount(g[ok], weights=a[ok], minlength=len(balance))
    if bundled:
        amount = float(spent_by_group[0])
        for k in range(N_POTS):
            take = min(balances[k], amount)
            balances[k] -= take
            amount -= take
            if amount <= 0:
                break
    else:
        balances = np.maximum(0.0, balances - spent_by_group[: len(balances)])
    return paid, balances, need, float(spent_by_group.sum())


@pytest.mark.parametrize("bundled", [False, True])
@pytest.mark.parametrize("seed", range(25))
def test_pay_needs_kernel_as_the_array_version(seed, bundled):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 30))
    balances = rng.uniform(0, 3000, N_POTS) * (rng.random(N_POTS) < 0.8)
    pots, amounts = rng.integers(0, N_POTS, n), np.round(rng.uniform(10, 800, n), int(rng.integers(0, 3)))
    want = array_pay_needs(balances, bundled, pots, amounts)
    got_balances = balances.copy()
    paid, need, spent = pay_needs_kernel(pots.astype(np.int64), amounts, got_balances, bundled)
    assert same(paid, want[0]) and same(got_balances, want[1]) and need == want[2] and spent == want[3]
    purse = Purse()
    purse.bundled, purse.pots = bundled, balances.copy()
    before = dict(purse.ledger)
    assert same(purse.pay_needs(pots.astype(np.int8), amounts), want[0])
    assert purse.ledger["livelihood_need"] == before["livelihood_need"] + want[2]
    assert purse.ledger["livelihood_spent"] == before["livelihood_spent"] + want[3]
    assert purse.ledger["livelihood_unfunded"] == before["livelihood_unfunded"] + (want[2] - want[3])


def test_a_pot_that_runs_dry_pays_no_later_need():
    paid, need, spent = pay_needs_kernel(np.array([0, 1, 0, 0]), np.array([60.0, 5.0, 50.0, 10.0]),
                                         balances := np.array([100.0, 5.0, 0.0, 0.0]), False)
    assert paid.tolist() == [True, True, False, False]  # the 10 would fit, but the pot ran dry at 50
    assert need == 125.0 and spent == 65.0 and balances.tolist() == [40.0, 0.0, 0.0, 0.0]


@pytest.mark.parametrize("general", [-5.0, 0.0, 50.0, 120.0, 1e6, np.nan])
@pytest.mark.parametrize("keep", [0.0, 60.0])
@pytest.mark.parametrize("amount", [0.0, 30.0, 500.0])
def test_general_payment_is_pythons_min_of_max(general, keep, amount):
    assert same(general_payment(general, keep, amount), min(max(general - keep, 0.0), amount))


# --- street handling -------------------------------------------------------------------------

def array_after_office_hours(cal: Calendar, start_h: np.ndarray, work_h: np.ndarray) -> np.ndarray:
    """``Calendar.after_office_hours`` as the array code computed it (office clock,
    then a search of the running office hours)."""
    h = np.asarray(start_h, dtype=np.float64)
    day = np.clip(np.floor(h / 24.0).astype(np.int64), 0, len(cal.office_len) - 1)
    clock = cal.office_before[day] + np.clip(h - day * 24.0 - 9.0, 0.0, cal.office_len[day])
    end = clock + np.maximum(np.asarray(work_h, dtype=np.float64), 0.0)
    after = cal.office_before[1:]
    done_day = np.minimum(np.searchsorted(after, end, side="left"), len(after) - 1)
    done = done_day * 24.0 + 9.0 + (end - cal.office_before[done_day])
    return np.maximum(done, h)


@pytest.mark.parametrize("share", [0.0, 0.5])
def test_office_done_h_as_the_array_rule(share):
    import datetime as dt

    cal = Calendar(dt.date(2024, 1, 1), dt.date(2024, 3, 31), weekend_office_share=share)
    rng = np.random.default_rng(1)
    start = np.concatenate([rng.uniform(-30, 24 * 95, 300), np.arange(0, 24 * 10, 0.5)])
    work = np.concatenate([rng.exponential(30, 300), rng.uniform(-2, 20, 480)])
    want = array_after_office_hours(cal, start, work)
    got = [office_done_h(s, w, cal.office_len, cal.office_before) for s, w in zip(start, work, strict=True)]
    assert same(np.array(got), want)
    assert same(cal.after_office_hours(start, work), want)


def test_compiled_lognormal_is_the_lognormal_from_z():
    from sim.randomness import compiled

    z = np.random.default_rng(2).standard_normal(200)
    for mean, sigma in [(30.0, 0.8), (0.0, 0.5), (120.0, 0.0)]:
        got = np.array([compiled.lognormal_from_z(mean, sigma, x) for x in z])
        libm = [math.exp(math.log(max(mean, 1e-9)) - 0.5 * sigma * sigma + sigma * x) for x in z]
        assert same(got, np.array(libm))  # the C library's exp and log, like NumPy's without AVX-512
        np.testing.assert_allclose(got, lognormal_from_z(mean, sigma, z), rtol=1e-15)


def street_at(scenario, days: int, seed: int = 3):
    """A street after ``days`` days of a run, and its model."""
    model = StreetModel(scenario, seed=seed)
    for _ in range(days):
        model.step()
    return model, model.streets[0]


def test_dispatch_and_wage_reserve_kernels_as_their_rules(small):
    _, s = street_at(small.with_values({"cases.dispatch_hours_per_grid": 3.0,
                                        "cases.instant_dispatch": 0.25}), 5)
    r, c = s.roster, s.p.cases
    workers = int(np.count_nonzero(r.filled & (r.contract == CONTRACT)))
    assert workers > 0
    grids = s.residents.n / max(workers, 1) / max(float(c.residents_per_grid), 1.0)
    want = float(grids * c.dispatch_hours_per_grid * (1.0 - c.instant_dispatch))
    assert resolution.dispatch_hours(s) == want
    pay, months = float(s.p.staff.pay[CONTRACT]), s.p.money.wage_reserve_months
    held = int(np.count_nonzero(r.filled & (r.contract == CONTRACT)))
    assert wage_reserve(s) == held * pay * months  # the rule, stated plainly


# --- the whole day against the array code it replaced -------------------------------------

def array_resolution(street, ids):
    """``resolution.handle`` as it was."""
    cs, p = street.cases, street.p
    cat, handler = cs.category[ids], cs.handler[ids]
    skill = np.where(handler >= 0, street.roster.skill[np.maximum(handler, 0)], resolution.VOLUNTEER_SKILL)
    r, d = p.resolution, p.departments
    prob = r.base_success[cat] * ((1 - r.skill_weight) + r.skill_weight * skill)
    prob = prob + r.specialist_bonus * cs.specialist[ids]
    shared = p.data.data_shared[resolution.DATA_DEPT_OF_CATEGORY[cat]]
    prob = np.where(~cs.needs_data[ids] | (cs.u[ids, U_DATA] < shared), prob, prob * r.no_data_factor)
    delegated = cs.needs_department[ids]
    prob = np.where(delegated, prob * d.delegated_success_factor, prob)
    funded = np.ones(len(ids), bool)
    need = np.flatnonzero(cs.needs_money[ids])
    if len(need):
        sel = ids[need]
        purse = street.purse
        paid, purse.pots, total, spent = array_pay_needs(purse.pots, purse.bundled, cs.money_pot[sel],
                                                         cs.money_need[sel])
        purse.ledger["livelihood_need"] += total
        purse.ledger["livelihood_spent"] += spent
        purse.ledger["livelihood_unfunded"] += total - spent
        cs.money_paid[sel] = np.where(paid, cs.money_need[sel], 0.0)
        funded[need] = paid
    success = funded & (cs.u[ids, U_SUCCESS] < np.minimum(prob, 0.99))
    cs.planned_outcome[ids] = np.where(success, RESOLVED, DROPPED)
    cs.planned_reason[ids] = np.where(success, 0, np.where(funded, DR_STREET_FAILED, DR_UNFUNDED))
    work = resolution.dispatch_hours(street) + lognormal_from_z(p.cases.intrinsic_work_hours[cat],
                                                                p.cases.delay_sigma, cs.z_delay[ids])
    close_h = array_after_office_hours(street.cal, cs.accepted_h[ids], work)
    close_h = close_h + np.where(delegated, 24.0 * d.delegated_approval_days, 0.0)
    cs.closed_h[ids] = close_h
    cs.due_day[ids] = np.floor(close_h / 24.0).astype(np.int32)


def array_referral(street, ids, chosen):
    """``referral.handle`` as it was (``chosen``: each case's organisation)."""
    cs, r = street.cases, street.p.referral
    keep = wage_reserve(street)
    prof = np.zeros(len(ids), bool)
    for j, (cid, so) in enumerate(zip(ids, chosen, strict=True)):
        cs.handler[cid] = so.unique_id
        prof[j] = so.professional_team
        so.cases_taken += 1
        so.funds += street.purse.spend_general(r.fee_per_case, "so_fees", keep)
    success = cs.u[ids, U_SUCCESS] < np.minimum(r.success + r.professional_bonus * prof, 0.99)
    cs.planned_outcome[ids] = np.where(success, RESOLVED, DROPPED)
    cs.planned_reason[ids] = np.where(success, 0, DR_SO_FAILED)
    close_h = cs.accepted_h[ids] + lognormal_from_z(r.service_delay_hours, street.p.cases.delay_sigma,
                                                    cs.z_delay[ids])
    cs.closed_h[ids] = close_h
    cs.due_day[ids] = np.floor(close_h / 24.0).astype(np.int32)


def array_daily(street, t):
    """``triage.daily`` as it was, array by array."""
    cs, p, h = street.cases, street.p, street.hours
    q = street.intake.queue
    if len(q):
        stale = cs.raised_h[q] < (t - p.cases.patience_days) * 24.0
        if stale.any():
            ids = q[stale]
            street.intake.queue = q = q[~stale]
            cs.planned_outcome[ids], cs.planned_reason[ids] = DROPPED, DR_ABANDONED
            cs.closed_h[ids] = t * 24.0
            feedback.end_now(street, ids)
    due = street.intake.complaint_hours_due
    if due > 0 and float(h.free.sum()) > 0:
        got = h.take("casework", h.free * min(1.0, due / float(h.free.sum())))
        street.intake.complaint_hours_due = max(0.0, due - float(got.sum()))
    street.intake.backlog_hours = 0.0
    if len(q) == 0:
        return
    c = p.cases
    route, hours = ref.routes_kernel(q, cs.u[:, U_ROUTE], cs.needs_department, cs.so_suitable, cs.channel,
                                        cs.category, float(p.departments.enforcement_delegated),
                                        float(p.referral.propensity), c.intake_hours, c.street_handling_hours,
                                        float(c.whistle_coordination_hours), float(c.referral_hours))
    free = h.free
    cum = np.cumsum(hours)
    k = int(np.searchsorted(cum, free.sum() + 1e-9, side="right"))
    street.intake.backlog_hours = float(cum[-1] - (cum[k - 1] if k else 0.0))
    if k == 0:
        return
    admitted, route, hours = q[:k], route[:k].copy(), hours[:k].copy()
    rooms = [so.room for so in street.sos]
    chosen = {}
    for i in np.flatnonzero(route == ROUTE_SO):
        cat = cs.category[admitted[i]]
        best, best_room = -1, 1.0 - 1e-9
        for j, so in enumerate(street.sos):
            if referral.FITS[cat, so.specialty] and rooms[j] > best_room:
                best, best_room = j, rooms[j]
        if best < 0:
            route[i] = ROUTE_STREET
            hours[i] += p.cases.street_handling_hours[cat] - p.cases.referral_hours
        else:
            rooms[best] -= 1.0
            street.sos[best].used_this_month += 1
            chosen[i] = street.sos[best]
    k = int(np.searchsorted(np.cumsum(hours), free.sum() + 1e-9, side="right"))
    for i in range(k, len(admitted)):
        if i in chosen:
            chosen.pop(i).used_this_month -= 1
    admitted, route, hours = admitted[:k], route[:k], hours[:k]
    if k == 0:
        return
    street.intake.queue = q[k:]
    cs.route[admitted] = route
    wants = cs.needs_specialist[admitted] & (route != ROUTE_DEPT)
    handler, specialist, used, street.hours.volunteer = ref.allocate_kernel(
        hours, wants, triage.SPECIALIST_OF_CATEGORY[cs.category[admitted]], street.roster.filled,
        street.roster.specialty.astype(np.int64), h.free, float(street.hours.volunteer))
    assert (handler != -1).all()
    h.take("casework", used)
    accepted_h = np.maximum(cs.raised_h[admitted] + 0.25, t * 24.0 + triage.OFFICE_OPEN_H)
    cs.accepted_h[admitted] = cs.first_response_h[admitted] = accepted_h
    cs.handler[admitted], cs.specialist[admitted], cs.staff_hours[admitted] = handler, specialist, hours
    street.staff_time.records_to_reenter += float(len(admitted))
    on_street = admitted[route == ROUTE_STREET]
    if len(on_street):
        array_resolution(street, on_street)
    cs.state[on_street] = IN_STREET
    rows = np.flatnonzero(route == ROUTE_SO)
    if len(rows):
        array_referral(street, admitted[rows], [chosen[i] for i in rows])
    cs.state[admitted[rows]] = AT_SO
    street.intake.in_service = np.concatenate([street.intake.in_service, on_street, admitted[rows]])
    whistle.send_cases(street, admitted[route == ROUTE_DEPT], t)


def state_of(model):
    """Everything the triage day writes, as arrays and values."""
    s = model.streets[0]
    cs = s.cases
    cols = {name: cs.view(name).copy() for name in cs.cols}
    sos = [(so.used_this_month, so.cases_taken, so.funds) for so in s.sos]
    ik = s.intake
    return (cols, cs.u[: len(cs)].copy(), ik.queue.copy(), np.sort(ik.in_service), dict(s.purse.ledger),
            s.purse.general, s.purse.pots.copy(), {b: v.copy() for b, v in s.hours.used.items()}, sos,
            ik.backlog_hours, ik.complaint_hours_due, s.hours.volunteer, s.staff_time.records_to_reenter)


@pytest.mark.parametrize("values", [
    {},
    {"money.bundled_funds": True, "referral.propensity": 1.0},
    {"population.residents": 20000, "cases.patience_days": 2.0, "departments.enforcement_delegated": 0.6},
])
def test_the_compiled_day_as_the_array_day(small, values, monkeypatch):
    scenario = small.with_values({"run.end_date": "2024-03-31", **values})
    compiled = StreetModel(scenario, seed=5).run()
    monkeypatch.setattr(triage, "daily", array_daily)
    monkeypatch.setattr(StreetModel, "compiled_days", False)  # every day through the Python steps
    arrays = StreetModel(scenario, seed=5).run()
    got, want = state_of(compiled), state_of(arrays)
    assert got[0].keys() == want[0].keys()
    for name in got[0]:
        g, w = got[0][name], want[0][name]
        if g.dtype.kind == "f":  # NumPy's AVX-512 exp/log may differ from the C library's in the last bit
            np.testing.assert_allclose(g, w, rtol=1e-13, err_msg=name)
        else:
            assert same(g, w), name
    for g, w in zip(got[1:], want[1:], strict=True):
        if isinstance(g, dict):
            assert g.keys() == w.keys()
            for key in g:
                np.testing.assert_allclose(g[key], w[key], rtol=1e-13, err_msg=key)
        else:
            np.testing.assert_allclose(np.asarray(g, dtype=float), np.asarray(w, dtype=float), rtol=1e-13)
    cs = compiled.streets[0].cases
    assert set(cs.view("route").tolist()) >= {ROUTE_STREET, ROUTE_SO, ROUTE_DEPT}
    assert (cs.view("money_paid") > 0).any()
    if "cases.patience_days" in values:
        assert (cs.view("planned_reason") == DR_ABANDONED).any()


# --- referral in parts -----------------------------------------------------------------------

def test_places_go_to_the_fitting_organisation_with_most_room():
    fits = np.array([[True, False, True], [False, True, False]])
    table = np.zeros((4, 6))
    table[:, referral.ROOM] = [2.0, 5.0, 5.0, 0.5]
    table[:, referral.SPECIALTY] = [0, 2, 0, 1]
    table[:, referral.USED] = [1.0, 0.0, 3.0, 9.0]
    category = np.array([0, 0, 1, 0, 1])
    route = np.array([ROUTE_SO, ROUTE_SO, ROUTE_SO, ROUTE_DEPT, ROUTE_SO], np.int8)
    hours = np.full(5, 0.5)
    so_of, reserved = referral.reserve_kernel(np.arange(5), route, hours, category, fits, table,
                                              np.array([2.0, 3.0]), 0.5)
    # category 0 fits rows 0-2: 5.0 and 5.0 tie (the first, row 1, wins), then row 2 (5.0 > 4.0)
    assert so_of.tolist() == [1, 2, -1, -1, -1]
    # category 1 fits only row 3, which has less than one place left
    assert route.tolist() == [ROUTE_SO, ROUTE_SO, ROUTE_STREET, ROUTE_DEPT, ROUTE_STREET]
    assert hours.tolist() == [0.5, 0.5, 3.0, 0.5, 3.0]
    assert table[:, referral.USED].tolist() == [1.0, 1.0, 4.0, 9.0]
    assert reserved.tolist() == [False, True, True, False]
    referral.release_kernel(so_of[1:], table)
    assert table[:, referral.USED].tolist() == [1.0, 1.0, 3.0, 9.0]


def test_referral_pays_fees_in_order_keeping_the_reserve(small):
    _, s = street_at(small, 3)
    keep = wage_reserve(s)
    cs = s.cases
    ids = np.arange(4)
    fee = s.p.referral.fee_per_case
    s.purse.general = keep + 1.5 * fee
    fees_before = s.purse.ledger["so_fees"]
    so_a, so_b = s.sos[0], s.sos[1]
    funds_a, funds_b, taken_a = so_a.funds, so_b.funds, so_a.cases_taken
    cs.accepted_h[ids] = 100.0
    for cid, so in zip(ids.tolist(), [so_a, so_b, so_a, so_a], strict=True):
        s.intake.referral_to[cid] = so
    referral.handle(s, ids, 4)
    assert s.intake.referral_to == {}
    assert so_a.funds == pytest.approx(funds_a + fee) and so_b.funds == pytest.approx(funds_b + 0.5 * fee)
    assert so_a.cases_taken == taken_a + 3 and s.purse.general == pytest.approx(keep)
    assert s.purse.ledger["so_fees"] == pytest.approx(fees_before + 1.5 * fee)
    assert cs.handler[ids].tolist() == [so_a.unique_id, so_b.unique_id, so_a.unique_id, so_a.unique_id]
    r = s.p.referral
    prob = [min(r.success + r.professional_bonus * so.professional_team, 0.99)
            for so in [so_a, so_b, so_a, so_a]]
    ok = cs.u[ids, U_SUCCESS] < np.array(prob)
    assert cs.planned_outcome[ids].tolist() == np.where(ok, RESOLVED, DROPPED).tolist()
    assert cs.planned_reason[ids].tolist() == np.where(ok, 0, DR_SO_FAILED).tolist()
    assert (cs.closed_h[ids] > 100.0).all() and (cs.due_day[ids] == np.floor(cs.closed_h[ids] / 24)).all()


@pytest.mark.parametrize(("start", "end"), [(dt.date(2024, 1, 1), dt.date(2030, 12, 31)),
                                            (dt.date(2024, 3, 15), dt.date(2025, 6, 30)),
                                            (dt.date(2024, 5, 1), dt.date(2024, 5, 1))])
def test_period_flags_match_the_day_by_day_rules(start, end):
    cal = Calendar(start, end)
    opens_year, opens_month, closes_year = cal.period_flags()
    days = range(cal.n_days)
    assert opens_year == tuple(t == 0 or bool(cal.year[t] != cal.year[t - 1]) for t in days)
    assert opens_month == tuple(bool(cal.is_month_start(t)) for t in days)
    assert closes_year == tuple(bool(cal.is_year_end(t)) for t in days)
    assert all(type(x) is bool for x in opens_year + opens_month + closes_year)


@pytest.mark.parametrize(("start", "end"), [(dt.date(2024, 1, 1), dt.date(2030, 12, 31)),
                                            (dt.date(2024, 1, 15), dt.date(2024, 3, 3)),
                                            (dt.date(2024, 2, 29), dt.date(2024, 2, 29))])
def test_next_month_start_is_the_first_day_of_the_next_month(start, end):
    """``Calendar.next_month_start[t]``: the first later day in another month (the
    month's draws and the compiled loop stop there), ``n_days`` in the last month."""
    cal = Calendar(start, end)
    for t in range(cal.n_days):
        later = np.flatnonzero(cal.month[t + 1:] != cal.month[t])
        assert cal.next_month_start[t] == (t + 1 + later[0] if len(later) else cal.n_days)
