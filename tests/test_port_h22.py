"""The compiled whistle and department kernels follow the rules they replaced, bit for bit.

Each kernel (``sim.agents.departments``: ``day_rates``, ``due_episodes``, ``decide_due``,
``write_episodes``, ``answers_of_street``; ``sim.randomness.compiled``: ``ndtri``, ``lognormal_from_z``;
``sim.mechanisms.whistle``: ``whistle_cases``, ``answer_kernel``, ``rewhistle``) is run
through its Python caller on random states and compared with the array code it replaced,
restated here (``ref_*``). Log-normal draws are restated with the C library's ``exp``
and ``log`` (``math``), which the kernels call, so the comparison does not depend on
NumPy's own SIMD ``exp``/``log``. A last test runs small models both ways.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import mesa
import numpy as np
import numpy_mechanisms as ref  # the array code the kernels replaced (on the path from conftest.py)
import pandas as pd
import pytest
from scipy.special import ndtri

import sim.model
from sim.agents import departments
from sim.agents.departments import ESCALATION, LOAD_MEMORY_DAYS, MIN_ANSWER_PROB, WHISTLE, DepartmentPool
from sim.cases import (
    CLOSED,
    CLOSING,
    DR_BOUNCED_OUT,
    DR_DEPT_FAILED,
    DR_UNANSWERED,
    DROPPED,
    EP_ARRIVED,
    EP_FAILED,
    EP_LAPSED,
    EP_PENDING,
    IN_STREET,
    N_UNIFORMS,
    QUEUED,
    RESOLVED,
    U_SUCCESS,
    WHISTLED,
    CaseTable,
)
from sim.mechanisms import feedback, whistle
from sim.mechanisms.intake import IntakeState
from sim.model import StreetModel
from sim.outputs import street_tables
from sim.randomness import compiled

N_DEPT = departments.N_DEPARTMENTS


# --- the rules as array code (what the kernels replaced) ----------------------------------
def ref_lognormal_from_z(mean, sigma: float, z: np.ndarray) -> np.ndarray:
    """``sim.randomness.draws.lognormal_from_z`` with the C library's exp and log."""
    z = np.asarray(z, dtype=float)
    mean = np.broadcast_to(np.asarray(mean, dtype=float), z.shape)
    return np.array([math.exp(math.log(max(m, 1e-9)) - 0.5 * sigma * sigma + sigma * x)
                     for m, x in zip(mean, z)])


def ref_lognormal_mean(mean, sigma: float, u: np.ndarray) -> np.ndarray:
    """``sim.randomness.draws.lognormal_mean`` with the C library's exp and log."""
    return ref_lognormal_from_z(mean, sigma, ndtri(np.minimum(np.maximum(u, 1e-9), 1 - 1e-9)))


def ref_begin_day(pool: DepartmentPool) -> None:
    d = pool.p.departments
    pool.inflow += (pool._new_today - pool.inflow) / LOAD_MEMORY_DAYS
    pool._new_today[:] = 0.0
    pool.load = pool.inflow / (d.capacity_per_day * pool.capacity_scale)
    pull = np.clip(d.accountability_effect * (d.accountability + pool.complaint_pressure), 0.0, 1.0)
    p = d.answer_prob * np.maximum(0.0, 1.0 - d.load_sensitivity * pool.load)
    p = p + (1.0 - p) * pull
    floor = np.minimum(MIN_ANSWER_PROB, d.answer_prob)
    pool.answer_prob_today = np.minimum(np.maximum(p, floor), 1.0)
    queue = np.maximum(d.answer_delay_hours - d.travel_hours, 0.0)
    pool.delay_today = d.travel_hours + queue * pool.load * (1.0 - pull)


def ref_send(pool: DepartmentPool, street, cases, depts, unclear, day, delay_days=0, sent_h=None):
    k = len(cases)
    if k == 0:
        return np.empty(0, dtype=np.int64)
    next_day = day + np.asarray(delay_days, dtype=np.int64)
    first_h = next_day * 24.0 if sent_h is None else np.fmax(next_day * 24.0, sent_h)
    ids = pool.episodes.append(k, street=street, case=cases, department=depts, first_sent_h=first_h,
                               n_sent=0, next_day=next_day, unclear=unclear)
    pool.active = np.concatenate([pool.active, ids])
    return ids


def ref_case_still_whistled(pool: DepartmentPool, episodes: np.ndarray) -> np.ndarray:
    ep = pool.episodes
    case = ep.case[episodes]
    if len(pool.case_tables) == 1:
        return pool.case_tables[0].state[case] == WHISTLED
    alive = np.zeros(len(episodes), bool)
    street = ep.street[episodes]
    for s, table in enumerate(pool.case_tables):
        m = street == s
        if m.any():
            alive[m] = table.state[case[m]] == WHISTLED
    return alive


def ref_decide(pool: DepartmentPool, day: int, rng: np.random.Generator, clarity: float) -> dict:
    ep = pool.episodes
    act = pool.active
    due = act[ep.next_day[act] <= day]
    alive = ref_case_still_whistled(pool, due)
    if not alive.all():
        ep.state[due[~alive]] = EP_FAILED
        due = due[alive]
    empty = np.empty(0, dtype=np.int64)
    if len(due) == 0:
        return {"arrived": empty, "arrival_h": np.empty(0), "bounced": empty, "failed": empty}
    d = pool.p.departments
    dept = ep.department[due].astype(np.int64)
    escalated = ep.escalated[due]
    u = rng.random((len(due), 3))
    p = np.where(escalated, d.escalation_answer_prob, pool.answer_prob_today[dept])
    answered = u[:, 0] < p
    kind = np.where(escalated, ESCALATION, WHISTLE)
    pool.log.append(len(due), street=ep.street[due], episode=due, department=dept, day=day, kind=kind,
                    answered=answered, attempt=ep.n_sent[due] + 1)
    first = ~escalated & (ep.n_sent[due] == 0)
    np.add.at(pool._new_today, dept[first], 1.0)
    ep.n_sent[due] += (~escalated).astype(np.int16)
    delay = ref_lognormal_mean(pool.delay_today[dept], pool.p.cases.delay_sigma * 0.8, u[:, 2])
    arrival_h = np.maximum(day * 24.0, ep.first_sent_h[due]) + delay
    arrive, bounce, fail = ref.apply_decisions(
        due, answered, escalated, ep.unclear[due], u[:, 1], d.bounce_prob * (1.0 - clarity), arrival_h,
        float(d.max_repeats), day + max(1, int(round(d.repeat_interval_days))),
        day + max(1, int(round(d.escalation_delay_days))),
        ep.arrival_h, ep.state, ep.bounced, ep.next_day, ep.escalated, ep.n_sent)
    pool.active = act[ep.state[act] == EP_PENDING]
    ahead = pool.incoming[ep.arrival_h[pool.incoming] > day * 24.0]
    pool.incoming = np.concatenate([ahead, due[arrive]])
    return {"arrived": due[arrive], "arrival_h": arrival_h[arrive], "bounced": due[bounce],
            "failed": due[fail]}


def ref_street_answers(answers: dict, pool: DepartmentPool, street: int) -> dict:
    ep_street = pool.episodes.street
    out = {}
    for key in ("arrived", "bounced", "failed"):
        ids = answers[key]
        keep = ep_street[ids] == street
        out[key] = ids[keep]
        if key == "arrived":
            out["arrival_h"] = answers["arrival_h"][keep]
    return out


def ref_send_cases(street, ids: np.ndarray, t: int) -> None:
    if len(ids) == 0:
        return
    cs = street.cases
    d = street.p.departments
    weights = d.candidates[cs.category[ids]]
    u = street.streams["whistle"].random(weights.shape)
    flat, owner = ref.choose_departments(weights, cs.n_departments[ids].astype(np.int64), u)
    n_chosen = np.bincount(owner, minlength=len(ids))
    meeting = bool(d.joint_meeting) & (n_chosen >= 2)
    unclear = cs.unclear_duty[ids] & ~meeting
    delay = np.where(meeting, int(round(d.joint_meeting_delay_days)), 0)
    mask = np.zeros(len(ids), dtype=np.int64)
    np.bitwise_or.at(mask, owner, np.left_shift(1, flat))
    cs.dept_mask[ids] = mask
    cs.pending_departments[ids] = n_chosen
    cs.state[ids] = WHISTLED
    cs.whistled_h[ids] = cs.accepted_h[ids]
    ref_send(street.pool, street.index, ids[owner], flat, unclear[owner], t, delay[owner],
             sent_h=cs.whistled_h[ids[owner]])


def ref_apply_answers(street, t: int, answers: dict) -> None:
    cs = street.cases
    ep = street.pool.episodes
    ref_bounce(street, answers["bounced"], t)
    failed = ep.case[answers["failed"]].astype(np.int64)
    ref_drop_now(street, np.unique(failed[cs.state[failed] == WHISTLED]), t, DR_UNANSWERED)
    arrived = answers["arrived"]
    if len(arrived):
        case = ep.case[arrived].astype(np.int64)
        live = cs.state[case] == WHISTLED
        if not live.all():
            gone = arrived[~live]
            ep.state[gone] = EP_LAPSED
            ep.arrival_h[gone] = np.nan
            arrived, case = arrived[live], case[live]
        np.subtract.at(cs.pending_departments, case, 1)
        np.fmax.at(cs.departments_arrived_h, case, answers["arrival_h"][live])
        done = np.unique(case[(cs.pending_departments[case] == 0) & (cs.state[case] == WHISTLED)])
        ref_settle(street, done)


def ref_settle(street, ids: np.ndarray) -> None:
    if len(ids) == 0:
        return
    cs = street.cases
    d = street.p.departments
    success = cs.u[ids, U_SUCCESS] < d.resolve_prob
    cs.planned_outcome[ids] = np.where(success, RESOLVED, DROPPED)
    cs.planned_reason[ids] = np.where(success, 0, DR_DEPT_FAILED)
    sigma = street.p.cases.delay_sigma
    close_h = cs.departments_arrived_h[ids] + ref_lognormal_from_z(d.handling_hours, sigma, cs.z_delay[ids])
    cs.closed_h[ids] = close_h
    cs.due_day[ids] = np.floor(close_h / 24.0).astype(np.int32)
    street.intake.in_service = np.concatenate([street.intake.in_service, ids])


def ref_bounce(street, episodes: np.ndarray, t: int) -> None:
    if len(episodes) == 0:
        return
    cs = street.cases
    ep = street.pool.episodes
    d = street.p.departments
    cid = ep.case[episodes].astype(np.int64)
    cid = cid[cs.state[cid] == WHISTLED]
    if len(cid) == 0:
        return
    np.add.at(cs.n_bounces, cid, 1)
    cid, k = np.unique(cid, return_counts=True)
    weights = d.candidates[cs.category[cid]].copy()
    weights[whistle.department_bits(cs.dept_mask[cid], weights.shape[1])] = 0.0
    out = (cs.n_bounces[cid] > d.max_bounces) | ((weights > 0).sum(axis=1) < k)
    ref_drop_now(street, cid[out], t, DR_BOUNCED_OUT)
    keep = ~out
    if not keep.any():
        return
    cid, k, weights = cid[keep], k[keep], weights[keep]
    u = street.streams["whistle"].random(weights.shape)
    nxt, owner = ref.choose_departments(weights, k, u)
    np.bitwise_or.at(cs.dept_mask, cid[owner], np.left_shift(1, nxt))
    ref_send(street.pool, street.index, cid[owner], nxt, np.ones(len(nxt), bool), t,
             int(round(d.bounce_delay_days)), sent_h=cs.whistled_h[cid[owner]])


def ref_drop_now(street, ids: np.ndarray, t: int, reason: int) -> None:
    if len(ids) == 0:
        return
    cs = street.cases
    cs.state[ids] = CLOSING
    cs.planned_outcome[ids] = DROPPED
    cs.planned_reason[ids] = reason
    cs.closed_h[ids] = np.fmax(t * 24.0 + 17.0, cs.whistled_h[ids])
    ep = street.pool.episodes
    cand = street.pool.incoming
    late = cand[ref.late_episodes(ep.arrival_h[cand], ep.street[cand], ep.case[cand], street.index,
                                  cs.closed_h, ids)]
    ep.state[late] = EP_LAPSED
    ep.arrival_h[late] = np.nan
    late_case = cs.departments_arrived_h[ids] > cs.closed_h[ids]
    cs.departments_arrived_h[ids[late_case]] = np.nan
    feedback.end_now(street, ids)


# --- random states --------------------------------------------------------------------
T = 40
"""The day of the random states."""


def random_cases(rng: np.random.Generator, n: int) -> CaseTable:
    """A case table of ``n`` cases, most of them whistled (grown from a small capacity)."""
    cs = CaseTable(16)
    whistled_h = rng.uniform((T - 5) * 24.0, (T + 1) * 24.0, n)
    cs.append(n, u=rng.random((n, N_UNIFORMS)),
              state=rng.choice([WHISTLED, WHISTLED, WHISTLED, CLOSING, CLOSED, QUEUED, IN_STREET], n),
              category=rng.integers(0, 4, n), n_departments=rng.integers(1, 4, n),
              unclear_duty=rng.random(n) < 0.4,
              dept_mask=rng.integers(0, 1 << N_DEPT, n) & rng.integers(0, 1 << N_DEPT, n),
              n_bounces=rng.integers(0, 4, n), pending_departments=rng.integers(1, 4, n),
              departments_arrived_h=np.where(rng.random(n) < 0.5, np.nan, whistled_h + rng.uniform(0, 60, n)),
              whistled_h=whistled_h, accepted_h=whistled_h - rng.uniform(0, 3, n),
              z_delay=rng.normal(size=n))
    return cs


def random_pool(seed: int, params, n_streets: int = 1, n_cases: int = 60, n_ep: int = 160):
    """A pool with random episodes, log rows and department state, and its streets' case
    tables (the same seed gives the same pool)."""
    rng = np.random.default_rng(seed)
    pool = DepartmentPool(mesa.Model(), params, capacity=16)
    for _ in range(n_streets):
        pool.register_street(random_cases(rng, n_cases))
    state = rng.choice([EP_PENDING, EP_PENDING, EP_ARRIVED, EP_FAILED], n_ep)
    first_h = rng.uniform((T - 10) * 24.0, (T + 2) * 24.0, n_ep)
    arrival = np.where(state == EP_ARRIVED, rng.uniform((T - 3) * 24.0, (T + 4) * 24.0, n_ep), np.nan)
    arrival[::7] = np.round(arrival[::7] / 24.0) * 24.0  # some at midnight exactly
    pool.episodes.append(n_ep, street=rng.integers(0, n_streets, n_ep), case=rng.integers(0, n_cases, n_ep),
                         department=rng.integers(0, N_DEPT, n_ep), first_sent_h=first_h,
                         n_sent=rng.integers(0, 5, n_ep), escalated=rng.random(n_ep) < 0.2, arrival_h=arrival,
                         next_day=rng.integers(T - 3, T + 4, n_ep), state=state,
                         unclear=rng.random(n_ep) < 0.4)
    pool.log.append(int(rng.integers(0, 30)), day=T - 1)
    pool.active = np.flatnonzero(state == EP_PENDING)
    pool.incoming = rng.permutation(np.flatnonzero(state == EP_ARRIVED))
    pool.inflow = rng.uniform(0, 6, N_DEPT)
    pool._new_today = rng.integers(0, 5, N_DEPT).astype(float)
    pool.complaint_pressure = rng.uniform(0, 1, N_DEPT) * (rng.random(N_DEPT) < 0.5)
    pool.capacity_scale = float(rng.choice([0.5, 1.0, 3.0]))
    pool.answer_prob_today = rng.uniform(0, 1, N_DEPT)
    pool.delay_today = rng.uniform(1, 300, N_DEPT)
    return pool


def street_of(pool: DepartmentPool, index: int, params, seed: int) -> SimpleNamespace:
    """The parts of a street the whistle uses."""
    return SimpleNamespace(cases=pool.case_tables[index], pool=pool, p=params, index=index,
                           streams={"whistle": np.random.default_rng(seed)},
                           intake=IntakeState(in_service=np.arange(3, dtype=np.int64)))


def assert_tables_equal(a, b) -> None:
    assert a.n == b.n
    for name in a.cols:
        np.testing.assert_array_equal(a.view(name), b.view(name), err_msg=name)


def assert_pools_equal(a: DepartmentPool, b: DepartmentPool) -> None:
    assert_tables_equal(a.episodes, b.episodes)
    assert_tables_equal(a.log, b.log)
    for name in ("active", "incoming", "inflow", "_new_today", "load", "answer_prob_today", "delay_today"):
        got, want = getattr(a, name), getattr(b, name)
        np.testing.assert_array_equal(got, want, err_msg=name)
        assert got.dtype == want.dtype, name
    for x, y in zip(a.case_tables, b.case_tables):
        assert_tables_equal(x, y)
        np.testing.assert_array_equal(x.u[: x.n], y.u[: y.n])  # the rows in use (the rest: no value)


def assert_answers_equal(got: dict, want: dict) -> None:
    assert sorted(got) == sorted(want)
    for key in want:
        np.testing.assert_array_equal(got[key], want[key], err_msg=key)
        assert got[key].dtype == want[key].dtype, key


@pytest.fixture(scope="module", params=[False, True], ids=["plain", "reform"])
def params(request, baseline):
    """Baseline department parameters, or a joint meeting with accountability."""
    values = {"departments.joint_meeting": request.param, "departments.max_bounces": 2}
    if request.param:
        values |= {"departments.accountability": 0.3, "departments.accountability_effect": 0.45}
    return baseline.with_values(values).params


# --- the tests ----------------------------------------------------------------------------
def test_ndtri_is_scipys():
    rng = np.random.default_rng(0)
    y = np.concatenate([rng.random(200_000), rng.random(20_000) * 1e-3, 1 - rng.random(20_000) * 1e-3,
                        10.0 ** -rng.uniform(0, 300, 20_000),
                        [0.0, 1.0, 1e-9, 1 - 1e-9, 0.5, 0.13533528323661269189, 1 - 0.13533528323661269189,
                         np.exp(-32.0), 5e-324, np.nextafter(1.0, 0.0)]])
    got = np.array([compiled.ndtri(v) for v in y])
    np.testing.assert_array_equal(got, ndtri(y))
    assert np.isnan(compiled.ndtri(-0.1)) and np.isnan(compiled.ndtri(1.1))


def test_lognormal_from_z_is_the_array_rule():
    rng = np.random.default_rng(1)
    z, mean = rng.normal(size=2000), np.concatenate([rng.uniform(0, 500, 1990), np.zeros(10)])
    got = np.array([compiled.lognormal_from_z(m, 0.7, x) for m, x in zip(mean, z)])
    np.testing.assert_array_equal(got, ref_lognormal_from_z(mean, 0.7, z))
    from sim.randomness import lognormal_from_z

    np.testing.assert_allclose(got, lognormal_from_z(mean, 0.7, z), rtol=1e-15)


@pytest.mark.parametrize("seed", range(10))
def test_begin_day_follows_the_rule(seed, params):
    a, b = random_pool(seed, params), random_pool(seed, params)
    for _ in range(3):
        a.begin_day()
        ref_begin_day(b)
        assert_pools_equal(a, b)
        a._new_today[:] = b._new_today[:] = float(seed)


@pytest.mark.parametrize("streets", [1, 3])
@pytest.mark.parametrize("seed", range(12))
def test_decide_follows_the_rule(seed, streets, params):
    a, b = random_pool(seed, params, streets), random_pool(seed, params, streets)
    ra, rb = np.random.default_rng(seed), np.random.default_rng(seed)
    clarity = 0.3 * (seed % 3)
    for day in range(T - 2, T + 3):
        got, want = a.decide(day, ra, clarity), ref_decide(b, day, rb, clarity)
        assert_answers_equal(got, want)
        assert_pools_equal(a, b)
        for s in range(streets):
            assert_answers_equal(sim.model.street_answers(got, a, s), ref_street_answers(want, b, s))
        # a case table that grows gets new columns: the pool must see them
        for x, y in zip(a.case_tables, b.case_tables):
            for table in (x, y):
                table.append(40, u=np.zeros((40, N_UNIFORMS)), state=WHISTLED)
        a.case_tables[0].state[:20] = b.case_tables[0].state[:20] = CLOSED
    assert ra.random() == rb.random()


def test_decide_with_nothing_due_leaves_the_pool_alone(params):
    pool = random_pool(0, params)
    pool.episodes.next_day[:] = T + 10
    active = pool.active.copy()
    answers = pool.decide(T, np.random.default_rng(0), 0.0)
    assert all(len(v) == 0 for v in answers.values())
    np.testing.assert_array_equal(pool.active, active)


@pytest.mark.parametrize("seed", range(12))
def test_send_follows_the_rule(seed, params):
    a, b = random_pool(seed, params), random_pool(seed, params)
    rng = np.random.default_rng(seed)
    for _ in range(4):  # from a capacity of 16 rows: the table grows
        k = int(rng.integers(0, 30))
        cases, depts = rng.integers(0, 60, k), rng.integers(0, N_DEPT, k).astype(np.int8)
        unclear, delay = rng.random(k) < 0.5, rng.integers(0, 3, k)
        sent_h = None if rng.random() < 0.3 else rng.uniform(T * 24.0, (T + 2) * 24.0, k)
        got = a.send(0, cases, depts, unclear, T, delay, sent_h=sent_h)
        want = ref_send(b, 0, cases, depts, unclear, T, delay, sent_h=sent_h)
        np.testing.assert_array_equal(got, want)
        got = a.send(0, cases, depts, True, T, 2)
        want = ref_send(b, 0, cases, depts, True, T, 2)
        np.testing.assert_array_equal(got, want)
        assert_pools_equal(a, b)


@pytest.mark.parametrize("seed", range(12))
def test_send_cases_follows_the_rule(seed, params):
    a, b = random_pool(seed, params, 2), random_pool(seed, params, 2)
    rng = np.random.default_rng(seed)
    sa, sb = street_of(a, 1, params, seed), street_of(b, 1, params, seed)
    for _ in range(3):
        ids = rng.choice(60, int(rng.integers(0, 25)), replace=False)
        whistle.send_cases(sa, ids, T)
        ref_send_cases(sb, ids, T)
        assert_pools_equal(a, b)
    assert sa.streams["whistle"].random() == sb.streams["whistle"].random()


def random_answers(pool: DepartmentPool, street: int, seed: int) -> dict:
    """A day's answers for one street: disjoint bounced, failed and arrived episodes."""
    rng = np.random.default_rng(seed + 1000)
    mine = rng.permutation(np.flatnonzero(pool.episodes.view("street") == street))
    cut = np.sort(rng.integers(0, len(mine) + 1, 3))
    arrived = mine[cut[1]:cut[2]]
    # several answers per case make duplicates; some arrivals come after the end of today
    return {"bounced": mine[:cut[0]], "failed": mine[cut[0]:cut[1]], "arrived": arrived,
            "arrival_h": rng.uniform((T - 1) * 24.0, (T + 3) * 24.0, len(arrived))}


@pytest.mark.parametrize("streets", [1, 2])
@pytest.mark.parametrize("seed", range(25))
def test_apply_answers_follows_the_rule(seed, streets, params):
    a, b = random_pool(seed, params, streets), random_pool(seed, params, streets)
    index = streets - 1
    sa, sb = street_of(a, index, params, seed), street_of(b, index, params, seed)
    for round_ in range(3):
        answers = random_answers(a, index, seed * 10 + round_)
        # the pool's incoming holds today's arrivals too
        a.incoming = b.incoming = np.concatenate([a.incoming, answers["arrived"][::2]])
        whistle.apply_answers(sa, T + round_, {k: v.copy() for k, v in answers.items()})
        ref_apply_answers(sb, T + round_, answers)
        assert_pools_equal(a, b)
        np.testing.assert_array_equal(sa.intake.in_service, sb.intake.in_service)
        assert len(sa.intake.closing_today) == len(sb.intake.closing_today)
        for x, y in zip(sa.intake.closing_today, sb.intake.closing_today):
            np.testing.assert_array_equal(x, y)
    assert sa.streams["whistle"].random() == sb.streams["whistle"].random()


def test_apply_answers_covers_every_branch(params):
    """The random states above reach every outcome the rule has (else they test little)."""
    seen = {"bounced_out": 0, "rewhistled": 0, "unanswered": 0, "settled": 0, "lapsed": 0, "late": 0}
    for seed in range(25):
        pool = random_pool(seed, params)
        street = street_of(pool, 0, params, seed)
        answers = random_answers(pool, 0, seed * 10)
        pool.incoming = np.concatenate([pool.incoming, answers["arrived"][::2]])
        before_ep, lapsed_before = len(pool.episodes), int(np.sum(pool.episodes.view("state") == EP_LAPSED))
        whistle.apply_answers(street, T, answers)
        ended = np.concatenate(street.intake.closing_today or [np.empty(0, int)])
        reasons = street.cases.view("planned_reason")[ended]
        seen["bounced_out"] += int(np.sum(reasons == DR_BOUNCED_OUT))
        seen["unanswered"] += int(np.sum(reasons == DR_UNANSWERED))
        seen["rewhistled"] += len(pool.episodes) - before_ep
        seen["settled"] += len(street.intake.in_service) - 3
        seen["lapsed"] += int(np.sum(pool.episodes.view("state") == EP_LAPSED)) - lapsed_before
        seen["late"] += int(np.sum(np.isnan(pool.episodes.view("arrival_h")[pool.incoming])))
    assert min(seen.values()) > 0, seen


def test_street_answers_of_one_street_are_the_pool_answers(params):
    pool = random_pool(0, params)
    answers = pool.decide(T, np.random.default_rng(0), 0.0)
    assert sim.model.street_answers(answers, pool, 0) is answers


@pytest.mark.parametrize("streets", [1, 2])
def test_a_run_matches_the_array_rules(small, streets, monkeypatch):
    """Small runs with the kernels and with the array rules give the same tables."""
    scenario = small.with_values({"run.end_date": "2024-04-30", "departments.max_bounces": 1})

    def tables():
        model = StreetModel(scenario, seed=5, n_streets=streets).run()
        return [street_tables(model, street) for street in model.streets]

    mine = tables()
    monkeypatch.setattr(whistle, "apply_answers", ref_apply_answers)
    monkeypatch.setattr(StreetModel, "compiled_days", False)  # every day through the Python steps
    monkeypatch.setattr(whistle, "send_cases", ref_send_cases)
    monkeypatch.setattr(DepartmentPool, "decide", ref_decide)
    monkeypatch.setattr(DepartmentPool, "begin_day", ref_begin_day)
    monkeypatch.setattr(sim.model, "street_answers", ref_street_answers)
    theirs = tables()
    for got, want in zip(mine, theirs):
        for name in ("cases", "episodes", "whistles", "daily"):
            pd.testing.assert_frame_equal(getattr(got, name), getattr(want, name), check_exact=True, obj=name)
