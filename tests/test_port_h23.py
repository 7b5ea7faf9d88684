"""The compiled kernels of case closing (``feedback``), residents' feedback
(``population``) and demand arrival (``demand``) give the same results, bit for bit, as
the plain array statements of their rules (the code they replaced, restated below)."""

from __future__ import annotations

import copy
import math
from types import SimpleNamespace

import numpy as np
import numpy_mechanisms as ref
import pytest
from numba import njit
from scipy.special import ndtri

from sim.cases import (
    CASE_COLUMNS,
    DROPPED,
    N_UNIFORMS,
    RESOLVED,
    U_COMPLAINT,
    U_DELAY,
    U_GAMING,
    U_REPEAT,
    U_REPEAT_DELAY,
)
from sim.domain import CATEGORIES
from sim.mechanisms import demand, feedback, perception
from sim.mechanisms.demand import (
    C_CAT,
    C_CHAN,
    C_DATA,
    C_DEPT,
    C_HOUR,
    C_MONEY,
    C_MONEY_AMT,
    C_MULTI,
    C_PICK,
    C_POT,
    C_SO,
    C_SPEC,
    C_UNCLEAR,
    C_WALK,
    N_ATTR,
    ONLINE,
    PHONE,
    WALK_IN,
)
from sim.model import StreetModel
from sim.population import (
    ELDERLY,
    NO_KEEP,
    PICK_BUCKETS,
    keep_table,
    pick_kernel,
    relax_everyone,
    relax_kernel,
)
from sim.randomness import categorical, compiled

SEED = 5
STATE = ("in_service", "closing_today", "repeats_due", "repeats_day", "complaint_hours_due", "queue",
         "online_inbox", "future_ids", "future_day", "workdays_since_inbox")
RESIDENT_ARRAYS = ("own", "trust", "touched_day", "expectation", "enrolled", "eligible")


# --- the rules as array statements --------------------------------------------------------------
def libm_exp(x):
    """``np.exp`` as the C library computes it (NumPy's AVX-512 ``exp`` may differ in the
    last bit; the kernels, like ``scripts/snapshot_tables.py``, use the C library's)."""
    return np.array([math.exp(v) for v in np.ravel(x)]).reshape(np.shape(x))


def ref_relax(res, idx, day, memory_years):
    dt_years = (day - res.touched_day[idx]) / 365.0
    keep = libm_exp(-dt_years / memory_years)
    heard = res.word_of_mouth[res.community[idx]]
    res.own[idx] = heard + (res.own[idx] - heard) * keep
    res.trust[idx] = heard + (res.trust[idx] - heard) * keep
    res.touched_day[idx] = day


def ref_experience(res, idx, score, day, p):
    f = p.feedback
    ref_relax(res, idx, day, f.memory_years)
    for i, s in zip(idx, score, strict=True):
        res.own[i] += f.learning_rate * (s - res.own[i])
        res.trust[i] += 0.5 * f.learning_rate * (s - res.trust[i])


def ref_close_due(street, t):
    s = street.intake.in_service
    parts = street.intake.closing_today
    street.intake.closing_today = []
    if len(s):
        due = street.cases.due_day[s] <= t
        if due.any():
            street.intake.in_service = s[~due]
            parts.append(s[due])
    if parts:
        ref_close(street, np.concatenate(parts), t)


def ref_close(street, ids, t):
    cs, p, res = street.cases, street.p, street.residents
    f = p.feedback
    cs.state[ids] = 4
    outcome = cs.planned_outcome[ids]
    cs.outcome[ids] = outcome
    cs.drop_reason[ids] = cs.planned_reason[ids]
    resolved, dropped = outcome == RESOLVED, outcome == DROPPED
    in_time = cs.closed_h[ids] - cs.raised_h[ids] <= p.cases.time_limit_hours[cs.category[ids]]
    score = np.where(resolved, np.where(in_time, f.score_in_time, f.score_late), f.score_dropped)
    who = cs.resident[ids]
    ref_experience(res, who, score, t, p)
    cs.perceived[ids] = score
    pc = p.perception
    cs.callback_satisfied[ids] = perception.rating(score, res.expectation[who], res.disposition[who],
                                                   pc.disconfirmation_weight) >= pc.callback_threshold
    u = cs.u[ids]
    bounced = cs.n_bounces[ids] > 0
    p_complaint = np.minimum(1.0, f.p_complaint * np.where(bounced, f.bounce_complaint_factor, 1.0))
    complaint = (dropped | bounced) & (u[:, U_COMPLAINT] < p_complaint)
    cs.complaint[ids] = complaint
    cs.complaint_unclear[ids] = complaint & bounced
    street.intake.complaint_hours_due += float(np.count_nonzero(complaint)) * f.complaint_staff_hours
    a = p.assessment
    gaming = a.gaming_propensity * min(1.0, a.trace_weight + a.results_weight)
    cs.reported_resolved[ids] = resolved | (dropped & (u[:, U_GAMING] < gaming))
    trust_factor = np.minimum(res.trust[who] / max(pc.initial, 1e-6), 1.5)
    again = dropped & (u[:, U_REPEAT] < f.p_repeat * trust_factor)
    if again.any():
        # sim.randomness.draws.lognormal_from_z with the C library's exp and log
        mu = math.log(max(f.repeat_delay_days, 1e-9)) - 0.5 * 0.5 * 0.5
        z = ndtri(np.minimum(np.maximum(cs.u[ids[again], U_REPEAT_DELAY], 1e-9), 1 - 1e-9))
        days = libm_exp(mu + 0.5 * z)
        ik = street.intake
        ik.repeats_due = np.concatenate([ik.repeats_due, ids[again]])
        ik.repeats_day = np.concatenate([ik.repeats_day, t + 1 + np.floor(days).astype(np.int64)])
    cand = who[resolved & (cs.category[ids] == feedback.LIVELIHOOD)]
    cand = cand[res.eligible[cand] & ~res.enrolled[cand]]
    if len(cand):
        hit = street.streams["enrolment"].random(len(cand)) < p.enrolment.contact_enrol_prob
        res.enrolled[cand[hit]] = True


def ref_pick(cum, u):
    return np.minimum(np.searchsorted(cum, u, side="right"), len(cum) - 1)


def ref_daily(street, t):
    if street.cal.is_month_start(t):
        ref_plan_month(street, t)
    lo = int(np.searchsorted(street.intake.future_day, t, side="left"))
    hi = int(np.searchsorted(street.intake.future_day, t, side="right"))
    if hi > lo:
        ref_enqueue(street, street.intake.future_ids[lo:hi])
    ref_repeat_contacts(street, t)
    d = street.p.demand
    if not street.cal.is_workday[t] or len(street.intake.online_inbox) == 0:
        return
    street.intake.workdays_since_inbox += 1
    if street.intake.workdays_since_inbox < d.online_check_days:
        return
    street.intake.workdays_since_inbox = 0
    merged = np.concatenate([street.intake.queue, street.intake.online_inbox])
    street.intake.online_inbox = street.intake.online_inbox[:0]
    street.intake.queue = merged[np.argsort(street.cases.raised_h[merged], kind="stable")]


def ref_enqueue(street, ids):
    online = street.cases.channel[ids] == ONLINE
    street.intake.queue = np.concatenate([street.intake.queue, ids[~online]])
    if online.any():
        street.intake.online_inbox = np.concatenate([street.intake.online_inbox, ids[online]])


def ref_repeat_contacts(street, t):
    due = street.intake.repeats_day <= t
    if not due.any():
        return
    parents = street.intake.repeats_due[due]
    ik = street.intake
    ik.repeats_due, ik.repeats_day = ik.repeats_due[~due], ik.repeats_day[~due]
    cs = street.cases
    u = street.streams["repeat"].random((len(parents), N_UNIFORMS + 1))
    order = np.argsort(u[:, -1], kind="stable")
    parents, u = parents[order], u[order]
    z = ndtri(np.minimum(np.maximum(u[:, U_DELAY], 1e-9), 1 - 1e-9))
    inherited = {col: cs.cols[col][parents] for col in demand.INHERITED}
    ids = cs.append(len(parents), u=u[:, :N_UNIFORMS], is_repeat=True, parent=parents,
                    raised_h=t * 24.0 + 24.0 * u[:, -1], z_delay=z, **inherited)
    ref_enqueue(street, ids)


def ref_plan_month(street, t):
    d = street.p.demand
    day, u = ref.month_draws(street, t)
    res = street.residents
    who = ref_pick(res._cum_weight, u[:, C_PICK])
    category = categorical(u[:, C_CAT], d.category_mix)
    online_ok = d.online_channel & res.digital[who] & (u[:, C_CHAN] < d.online_choice[res.band[who]])
    channel = np.where(online_ok, ONLINE, np.where(u[:, C_WALK] < d.walk_in_share_offline, WALK_IN, PHONE))
    street.intake.future_ids = ref_add_cases(street, day, who, category, channel, u, None)
    street.intake.future_day = day


def ref_add_cases(street, day, who, category, channel, u, repeat_of):
    c = street.p.cases
    needs_dept = u[:, C_DEPT] < c.p_needs_department[category]
    multi = needs_dept & (u[:, C_MULTI] < c.p_multi_department[category])
    n_dept = np.where(multi, 2 + (u[:, C_MULTI] < 0.3 * c.p_multi_department[category]), needs_dept)
    needs_money = u[:, C_MONEY] < c.p_needs_money[category]
    z = ndtri(np.minimum(np.maximum(u[:, N_ATTR + U_DELAY], 1e-9), 1 - 1e-9))
    return street.cases.append(
        len(who), u=u[:, N_ATTR:], resident=who, category=category, channel=channel,
        elderly=street.residents.band[who] == ELDERLY, is_repeat=repeat_of is not None,
        parent=-1 if repeat_of is None else repeat_of, needs_department=needs_dept,
        n_departments=n_dept, unclear_duty=multi & (u[:, C_UNCLEAR] < c.p_unclear_duty),
        needs_money=needs_money, money_pot=categorical(u[:, C_POT], c.need_pot_mix),
        money_need=np.where(needs_money, c.money_need[category] * (0.5 + u[:, C_MONEY_AMT]), 0.0),
        needs_data=u[:, C_DATA] < c.p_needs_data[category],
        needs_specialist=u[:, C_SPEC] < c.p_needs_specialist[category],
        so_suitable=u[:, C_SO] < c.p_so_suitable[category], raised_h=day * 24.0 + 24.0 * u[:, C_HOUR],
        z_delay=z)


# --- helpers ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def street(small):
    """A small street after 100 days."""
    model = StreetModel(small, seed=SEED)
    for _ in range(100):
        model.step()
    return model.streets[0]


def clone(street):
    """The parts of a street the two mechanisms read and write, copied."""
    return SimpleNamespace(p=street.p, cal=street.cal, cases=copy.deepcopy(street.cases),
                           residents=copy.deepcopy(street.residents), streams=copy.deepcopy(street.streams),
                           intake=copy.deepcopy(street.intake))


def same_bits(a, b, what):
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape, what
    assert a.tobytes() == b.tobytes(), what


def assert_same_street(a, b):
    assert a.cases.n == b.cases.n
    for name in CASE_COLUMNS:
        same_bits(a.cases.cols[name], b.cases.cols[name], name)
    same_bits(a.cases.u[: a.cases.n], b.cases.u[: b.cases.n], "u")  # the rows in use (the rest: no value)
    for name in RESIDENT_ARRAYS:
        same_bits(getattr(a.residents, name), getattr(b.residents, name), name)
    for name in STATE:
        x, y = getattr(a.intake, name), getattr(b.intake, name)
        if isinstance(x, np.ndarray):
            np.testing.assert_array_equal(x, y, err_msg=name)
        else:
            assert x == y, name
    for name in ("enrolment", "repeat", "demand"):
        assert a.streams[name].bit_generator.state == b.streams[name].bit_generator.state, name


# --- closing and feedback ------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(12))
def test_close_due_matches_the_array_rules(street, seed):
    rng = np.random.default_rng(seed)
    s = clone(street)
    cs, res = s.cases, s.residents
    t = 100 + int(rng.integers(0, 30))
    n = cs.n
    # cases ended during the day (two parts, one may repeat a resident) and in service, some due
    ended = [rng.choice(n, int(rng.integers(0, 40)), replace=False) for _ in range(int(rng.integers(0, 3)))]
    s.intake.closing_today = [e for e in ended if len(e)]
    s.intake.in_service = rng.choice(n, int(rng.integers(0, 120)), replace=False)
    every = np.concatenate([*s.intake.closing_today, s.intake.in_service]).astype(np.int64)
    cs.due_day[s.intake.in_service] = t + rng.integers(-3, 4, len(s.intake.in_service))
    cs.planned_outcome[every] = rng.choice([RESOLVED, DROPPED, 0], len(every), p=[0.5, 0.45, 0.05])
    cs.planned_reason[every] = rng.integers(0, 8, len(every))
    cs.closed_h[every] = cs.raised_h[every] + rng.uniform(0, 30 * 24, len(every))
    cs.category[every] = rng.integers(0, len(CATEGORIES), len(every))
    cs.n_bounces[every] = rng.integers(0, 3, len(every)) * (rng.random(len(every)) < 0.3)
    cs.resident[every] = rng.choice(res.n, len(every))
    cs.resident[every[: len(every) // 3]] = cs.resident[every[0]] if len(every) else 0  # same resident again
    res.eligible[:] = rng.random(res.n) < 0.7
    if seed % 2:  # trust well above the initial level caps the repeat factor
        s.p = street.p.replace({"perception.initial": 0.4})
    res.touched_day[:] = rng.integers(0, t + 1, res.n)
    if seed % 3 == 0:
        res.touched_day[cs.resident[every]] = t  # touched earlier today (e.g. a false alarm)
    want = clone(s)
    ref_close_due(want, t)
    feedback.close_due(s, t)
    assert_same_street(s, want)


def test_close_of_given_cases_matches_the_array_rules(street):
    s = clone(street)
    ids = np.arange(10, 60)
    s.cases.planned_outcome[ids] = DROPPED
    want = clone(s)
    ref_close(want, ids, 100)
    feedback.close(s, ids, 100)
    feedback.close(s, ids[:0], 100)
    assert_same_street(s, want)
    assert len(s.intake.repeats_due) > len(street.intake.repeats_due)


@pytest.mark.parametrize("seed", range(8))
def test_relax_and_experience_match_the_array_rules(street, seed):
    rng = np.random.default_rng(seed)
    a, b = copy.deepcopy(street.residents), copy.deepcopy(street.residents)
    a.touched_day[:] = b.touched_day[:] = rng.integers(0, 200, a.n)
    idx = rng.choice(a.n, 50)  # with repeats
    if seed % 2:
        idx = np.unique(idx)
    score = rng.choice([0.2, 0.5, 0.9], len(idx))
    a.experience(idx, score, 300, street.p)
    ref_experience(b, idx, score, 300, street.p)
    a.relax(np.arange(a.n), 700, 3.0)
    ref_relax(b, np.arange(b.n), 700, 3.0)
    for name in ("own", "trust", "touched_day"):
        same_bits(getattr(a, name), getattr(b, name), name)


def test_relax_kernel_fades_a_resident_listed_twice_once():
    own, trust = np.array([1.0, 0.2]), np.array([0.0, 0.9])
    touched, community, heard = np.array([0, 0], np.int32), np.array([0, 0], np.int16), np.array([0.5])
    relax_kernel(np.array([0, 0, 1]), 365, 1.0, own, trust, touched, community, heard, NO_KEEP)
    keep = math.exp(-1.0)
    same_bits(own, np.array([0.5 + 0.5 * keep, 0.5 + (0.2 - 0.5) * keep]), "own")
    same_bits(trust, np.array([0.5 - 0.5 * keep, 0.5 + (0.9 - 0.5) * keep]), "trust")



@pytest.mark.parametrize("day", [0, 1, 400, 900])
def test_relax_kernel_looks_up_the_shares_it_would_compute(street, day):
    """A :func:`keep_table` gives the bits of computing each share: days within the table
    looked up, days beyond it (and residents touched after ``day``) computed."""
    rng = np.random.default_rng(day)
    a, b = copy.deepcopy(street.residents), copy.deepcopy(street.residents)
    a.touched_day[:] = b.touched_day[:] = rng.integers(0, 1000, a.n)
    a.own[:] = b.own[:] = rng.random(a.n)
    idx = rng.choice(a.n, 400)
    table = keep_table(2.5, 600)
    relax_kernel(idx, day, 2.5, a.own, a.trust, a.touched_day, a.community, a.word_of_mouth, table)
    relax_kernel(idx, day, 2.5, b.own, b.trust, b.touched_day, b.community, b.word_of_mouth, NO_KEEP)
    for name in ("own", "trust", "touched_day"):
        same_bits(getattr(a, name), getattr(b, name), name)


@pytest.mark.parametrize("day", [0, 1, 400])
def test_relax_everyone_equals_relax_kernel_over_everyone(street, day):
    """The false alarm's and the survey's relaxing (shares looked up in a table as long as
    the run) gives the bits of :func:`relax_kernel` over ``arange(n)`` computing every
    share, residents touched after ``day`` included."""
    rng = np.random.default_rng(day)
    a, b = copy.deepcopy(street.residents), copy.deepcopy(street.residents)
    a.touched_day[:] = b.touched_day[:] = rng.integers(0, 500, a.n)
    a.own[:] = b.own[:] = rng.random(a.n)
    table = keep_table(2.5, 201)  # days beyond it computed
    relax_everyone(day, 2.5, a.own, a.trust, a.touched_day, a.community, a.word_of_mouth, table)
    relax_kernel(np.arange(b.n), day, 2.5, b.own, b.trust, b.touched_day, b.community, b.word_of_mouth,
                 NO_KEEP)
    for name in ("own", "trust", "touched_day"):
        same_bits(getattr(a, name), getattr(b, name), name)
    assert not np.array_equal(a.own, street.residents.own)

@njit
def _rating_compiled(perf, expect, disp, w):
    out = np.empty(len(perf), np.bool_)
    for i in range(len(perf)):
        out[i] = perception.rating(perf[i], expect[i], disp[i], w) >= 0.5
    return out


def test_rating_gives_the_same_verdict_compiled():
    rng = np.random.default_rng(0)
    perf, expect, disp = rng.random(2000), rng.random(2000), rng.normal(0, 0.2, 2000)
    np.testing.assert_array_equal(_rating_compiled(perf, expect, disp, 0.7),
                                  perception.rating(perf, expect, disp, 0.7) >= 0.5)


# --- demand ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(6))
def test_demand_days_match_the_array_rules(street, seed):
    rng = np.random.default_rng(seed)
    s = clone(street)
    t0 = 100
    k = int(rng.integers(0, 80))
    ik = s.intake
    ik.repeats_due = np.concatenate([ik.repeats_due, rng.choice(s.cases.n, k)]).astype(np.int64)
    ik.repeats_day = np.concatenate([ik.repeats_day, t0 + rng.integers(0, 40, k)]).astype(np.int64)
    s.intake.workdays_since_inbox = int(rng.integers(0, 3))
    raised = s.cases.raised_h[: s.cases.n]
    raised[:] = np.floor(raised / 24.0) * 24.0  # queue and inbox tie on the hour: the merge is stable
    want = clone(s)
    for t in range(t0, t0 + 45):  # a month start among them
        ref_daily(want, t)
        demand.daily(s, t)
        assert_same_street(s, want)
    assert s.cases.is_repeat[street.cases.n:].any() and s.cases.n > street.cases.n + 100


def test_add_cases_matches_the_array_rules(street):
    rng = np.random.default_rng(1)
    a, b = clone(street), clone(street)
    n = 300
    u = rng.random((n, N_ATTR + N_UNIFORMS))
    u[:5, N_ATTR + U_DELAY] = [0.0, 1.0, 1e-12, 1 - 1e-12, 0.5]
    who = rng.choice(a.residents.n, n)
    category, channel = rng.integers(0, len(CATEGORIES), n), rng.integers(0, 3, n)
    for day, parent in ((7, None), (np.sort(rng.integers(0, 30, n)), rng.choice(a.cases.n, n))):
        got = demand.add_cases(a, day, who, category, channel, u, parent)
        want = ref_add_cases(b, day, who, category, channel, u, parent)
        np.testing.assert_array_equal(got, want)
        assert_same_street(a, b)


def test_normal_quantile_is_scipys_ndtri():
    rng = np.random.default_rng(2)
    x = np.concatenate([rng.random(200_000), rng.random(1000) * 1e-8, 1 - rng.random(1000) * 1e-8,
                        [0.0, 1.0, 1e-9, 1 - 1e-9, 0.5, -1.0, 2.0]])

    @njit
    def quantiles(x):
        return np.array([compiled.normal_quantile(v) for v in x])

    same_bits(quantiles(x), ndtri(np.minimum(np.maximum(x, 1e-9), 1 - 1e-9)), "ndtri")


@pytest.mark.parametrize("seed", range(10))
def test_pick_kernel_is_searchsorted(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 3000))
    w = rng.choice([0.0, 0.5, 1.0, 3.0], n) * (rng.random(n) < 0.9) + 1e-12
    cum = np.cumsum(w)
    cum = cum / cum[-1]
    buckets = np.searchsorted(cum, np.arange(PICK_BUCKETS + 1) / PICK_BUCKETS, side="right")
    u = np.concatenate([rng.random(5000), cum[rng.integers(0, n, 50)], np.arange(PICK_BUCKETS) / PICK_BUCKETS,
                        [0.0, np.nextafter(1.0, 0.0), 1.0, 1.5, -0.5, np.nan]])
    np.testing.assert_array_equal(pick_kernel(cum, buckets, u), ref_pick(cum, u))


@pytest.mark.parametrize("seed", range(10))
def test_arrival_order_is_a_lexsort_by_day_then_hour(seed):
    rng = np.random.default_rng(seed)
    days = np.arange(31, 31 + int(rng.integers(1, 31)))
    counts = rng.poisson(40, len(days)) * (rng.random(len(days)) < 0.9)
    u = rng.random((int(counts.sum()), N_ATTR + N_UNIFORMS))
    u[:, C_HOUR] = np.round(u[:, C_HOUR], 1)  # ties keep their order
    day, rows = demand.arrival_permutation(days, counts, u)
    want_day = np.repeat(days, counts)
    order = np.lexsort((u[:, C_HOUR], want_day))
    np.testing.assert_array_equal(day, want_day[order])
    np.testing.assert_array_equal(rows, order)
    same_bits(u[rows], u[order], "u")


def test_choose_channel_matches_the_array_rule():
    rng = np.random.default_rng(3)
    n, m = 500, 2000
    who, u = rng.choice(m, n), rng.random((n, N_ATTR + N_UNIFORMS))
    digital, band = rng.random(m) < 0.6, rng.integers(0, 4, m).astype(np.int8)
    choice = np.array([0.1, 0.6, 0.4, 0.2])
    for offered in (True, False):
        online_ok = offered & digital[who] & (u[:, C_CHAN] < choice[band[who]])
        want = np.where(online_ok, ONLINE, np.where(u[:, C_WALK] < 0.3, WALK_IN, PHONE))
        got = demand.choose_channel(who, u, digital, band, offered, choice, 0.3)
        np.testing.assert_array_equal(got, want)
