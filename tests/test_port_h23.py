"""The compiled kernels of case closing (``feedback``), residents' feedback
(``population``) and demand arrival (``demand``) give the same results, bit for bit, as
the plain array statements of their rules (the code they replaced, restated below)."""

from __future__ import annotations

import copy
import math
from types import SimpleNamespace

import numpy as np
import pytest
from numba import njit

from sim.cases import (
    CASE_COLUMNS,
    DROPPED,
    RESOLVED,
    U_COMPLAINT,
    U_GAMING,
    U_REPEAT,
)
from sim.domain import CATEGORIES
from sim.mechanisms import feedback, perception
from sim.model import StreetModel
from sim.population import relax_kernel

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
    s = street.in_service
    parts = street.closing_today
    street.closing_today = []
    if len(s):
        due = street.cases.due_day[s] <= t
        if due.any():
            street.in_service = s[~due]
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
    street.complaint_hours_due += float(np.count_nonzero(complaint)) * f.complaint_staff_hours
    a = p.assessment
    gaming = a.gaming_propensity * min(1.0, a.trace_weight + a.results_weight)
    cs.reported_resolved[ids] = resolved | (dropped & (u[:, U_GAMING] < gaming))
    trust_factor = np.minimum(res.trust[who] / max(pc.initial, 1e-6), 1.5)
    again = dropped & (u[:, U_REPEAT] < f.p_repeat * trust_factor)
    if again.any():
        # sim.draws.lognormal_from_z with the C library's exp and log
        mu = math.log(max(f.repeat_delay_days, 1e-9)) - 0.5 * 0.5 * 0.5
        days = libm_exp(mu + 0.5 * cs.z_repeat[ids[again]])
        street.repeats_due = np.concatenate([street.repeats_due, ids[again]])
        street.repeats_day = np.concatenate([street.repeats_day, t + 1 + np.floor(days).astype(np.int64)])
    cand = who[resolved & (cs.category[ids] == feedback.LIVELIHOOD)]
    cand = cand[res.eligible[cand] & ~res.enrolled[cand]]
    if len(cand):
        hit = street.streams["enrolment"].random(len(cand)) < p.enrolment.contact_enrol_prob
        res.enrolled[cand[hit]] = True


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
                           **{k: copy.deepcopy(getattr(street, k)) for k in STATE})


def same_bits(a, b, what):
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape, what
    assert a.tobytes() == b.tobytes(), what


def assert_same_street(a, b):
    assert a.cases.n == b.cases.n
    for name in CASE_COLUMNS:
        same_bits(a.cases.cols[name], b.cases.cols[name], name)
    same_bits(a.cases.u, b.cases.u, "u")
    for name in RESIDENT_ARRAYS:
        same_bits(getattr(a.residents, name), getattr(b.residents, name), name)
    for name in STATE:
        x, y = getattr(a, name), getattr(b, name)
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
    s.closing_today = [e for e in ended if len(e)]
    s.in_service = rng.choice(n, int(rng.integers(0, 120)), replace=False)
    every = np.concatenate([*s.closing_today, s.in_service]).astype(np.int64)
    cs.due_day[s.in_service] = t + rng.integers(-3, 4, len(s.in_service))
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
    assert len(s.repeats_due) > len(street.repeats_due)


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
    relax_kernel(np.array([0, 0, 1]), 365, 1.0, own, trust, touched, community, heard)
    keep = math.exp(-1.0)
    same_bits(own, np.array([0.5 + 0.5 * keep, 0.5 + (0.2 - 0.5) * keep]), "own")
    same_bits(trust, np.array([0.5 - 0.5 * keep, 0.5 + (0.9 - 0.5) * keep]), "trust")


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
