"""The compiled (numba) mechanism kernels give the same results, bit for bit, as the
array code they replaced (kept in ``benchmarks/numpy_mechanisms.py``)."""

from __future__ import annotations

import numpy as np
import numpy_mechanisms as ref  # the array code the kernels replaced (on the path from conftest.py)
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit

from sim.agents import departments
from sim.cases import EP_PENDING, EpisodeTable
from sim.compiled import prefetch
from sim.domain import DEPARTMENTS
from sim.mechanisms import recording, triage, whistle
from sim.randomness.compiled import lognormal_mean

N_DEPARTMENTS = len(DEPARTMENTS)


@pytest.mark.parametrize("seed", range(40))
def test_allocate_kernel_matches_the_array_version(seed):
    rng = np.random.default_rng(seed)
    n_cases, n_posts = int(rng.integers(0, 60)), int(rng.integers(1, 50))
    free = np.round(rng.uniform(0, 6, n_posts), 2) * (rng.random(n_posts) < 0.8)
    hours = rng.uniform(0.2, 3.0, n_cases)
    hours *= min(1.0, free.sum() / max(hours.sum(), 1e-9))  # admission keeps the total within free hours
    args = (hours, rng.random(n_cases) < 0.4, rng.integers(0, 4, n_cases), rng.random(n_posts) < 0.9,
            rng.integers(0, 4, n_posts), free, float(rng.choice([0.0, 2.5, 10.0])))
    got, want = triage.allocate_kernel(*args), ref.allocate_kernel(*args)
    for g, w in zip(got[:3], want[:3]):
        np.testing.assert_array_equal(g, w)
    assert got[3] == want[3]


@pytest.mark.parametrize("seed", range(40))
def test_fill_in_order_matches_the_array_version(seed):
    rng = np.random.default_rng(seed)
    need, avail = rng.uniform(0, 3, int(rng.integers(0, 30))), rng.uniform(0, 5, int(rng.integers(0, 20)))
    got, want = triage.fill_in_order(need, avail), ref.fill_in_order(need, avail)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    assert got[2] == want[2]


@pytest.mark.parametrize("seed", range(40))
def test_choose_departments_matches_the_array_version(seed):
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(0, 40)), 9
    weights = rng.uniform(0, 1, (n, m)) * (rng.random((n, m)) < 0.5)
    k = rng.integers(1, 4, n)
    u = rng.random((n, m))
    got, want = whistle.choose_departments(weights, k, u), ref.choose_departments(weights, k, u)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])


@pytest.mark.parametrize("seed", range(20))
def test_choose_departments_of_extreme_weights_takes_the_smallest_keys(seed):
    """Weights from 1e-300 to 1e300 and uniforms of zero (equal keys of zero): per row, the
    ``k`` departments with a weight and the smallest keys, the first of equal keys first."""
    rng = np.random.default_rng(seed)
    n, m = 40, 12
    weights = 10.0 ** rng.uniform(-300, 300, (n, m)) * (rng.random((n, m)) < 0.7)
    k = rng.integers(1, 5, n)
    u = np.where(rng.random((n, m)) < 0.2, 0.0, rng.random((n, m)))
    chosen, owner = whistle.choose_departments(weights, k, u)
    want_chosen, want_owner = [], []
    for i in range(n):
        eligible = np.flatnonzero(weights[i] > 0)
        keys = -np.log1p(-u[i, eligible]) / weights[i, eligible]
        best = eligible[np.lexsort((eligible, keys))][: k[i]]
        want_chosen += best.tolist()
        want_owner += [i] * len(best)
    np.testing.assert_array_equal(chosen, want_chosen)
    np.testing.assert_array_equal(owner, want_owner)


@pytest.mark.parametrize("seed", range(20))
def test_choose_departments_of_one_breaks_ties_as_the_array_version(seed):
    """One department of several, with equal weights and equal uniforms (equal keys and
    bounds): the first department of the smallest key (NumPy's argsort, the array
    version's, leaves the order of equal keys to its algorithm)."""
    rng = np.random.default_rng(seed)
    n, m = 30, 12
    weights = rng.choice([0.0, 0.5, 1.0, 2.0], (n, m))
    u = rng.choice([0.0, 0.25, 0.5, rng.random()], (n, m))
    k = np.ones(n, np.int64)
    keys = np.divide(-np.log1p(-u), weights, out=np.full(weights.shape, np.inf), where=weights > 0)
    rows = np.flatnonzero((weights > 0).any(axis=1))
    chosen, owner = whistle.choose_departments(weights, k, u)
    np.testing.assert_array_equal(owner, rows)
    np.testing.assert_array_equal(chosen, keys[rows].argmin(axis=1))  # argmin: the first of equal keys


@pytest.mark.parametrize("seed", range(40))
def test_late_episodes_match_the_array_selection(seed):
    rng = np.random.default_rng(seed)
    n_cases, n_ep = 200, int(rng.integers(0, 400))
    closed_h = np.where(rng.random(n_cases) < 0.2, np.nan, rng.uniform(0, 500, n_cases))
    arrival = np.where(rng.random(n_ep) < 0.3, np.nan, rng.uniform(0, 600, n_ep))
    ep_street = rng.integers(0, 3, n_ep).astype(np.int16)
    ep_case = rng.integers(0, n_cases, n_ep).astype(np.int32)
    ids = rng.choice(n_cases, int(rng.integers(1, 30)), replace=False)
    with np.errstate(invalid="ignore"):
        first = np.nanmin(closed_h[ids]) if np.isfinite(closed_h[ids]).any() else np.nan
        mine = (arrival > first) & (ep_street == 1) & np.isin(ep_case, ids)
        want = np.flatnonzero(mine & (arrival > closed_h[ep_case.astype(np.int64)]))
    np.testing.assert_array_equal(whistle.late_episodes(arrival, ep_street, ep_case, 1, closed_h, ids), want)


def test_count_waiting_matches_the_array_count():
    rng = np.random.default_rng(3)
    state = rng.integers(0, 6, 5000).astype(np.int8)
    closed_h = np.where(rng.random(5000) < 0.5, np.nan, 1.0)
    assert recording.count_waiting(state, closed_h) == ref.count_waiting(state, closed_h) > 0


@pytest.mark.parametrize("seed", range(30))
def test_decide_due_matches_the_array_version(seed):
    """The departments' decisions (``decide_due``) against the array code of ``decide``:
    log rows, first whistles, episode columns, the arrived, bounced, failed, pending and
    incoming episodes."""
    rng = np.random.default_rng(seed)
    n_ep, n_dept, day = 300, N_DEPARTMENTS, 40
    active = np.flatnonzero(rng.random(n_ep) < 0.7).astype(np.int64)
    due = active[rng.random(len(active)) < 0.6]
    incoming = np.flatnonzero(rng.random(n_ep) < 0.2).astype(np.int64)
    ep = EpisodeTable(n_ep)
    ep.append(n_ep, street=rng.integers(0, 3, n_ep), department=rng.integers(0, n_dept, n_ep),
              first_sent_h=rng.uniform(0, 41 * 24.0, n_ep), n_sent=rng.integers(0, 5, n_ep),
              escalated=rng.random(n_ep) < 0.3, unclear=rng.random(n_ep) < 0.5,
              arrival_h=np.where(rng.random(n_ep) < 0.5, np.nan, rng.uniform(0, 60 * 24.0, n_ep)))
    u = rng.random((len(due), 3))
    answer_prob, delay_today = rng.uniform(0.2, 0.9, n_dept), rng.uniform(5, 200, n_dept)
    esc_prob, sigma, bounce_prob, max_repeats, repeat_day, escalate_day = 0.7, 0.8, 0.4, 3.0, day + 2, day + 5
    cols = ("street", "department", "escalated", "n_sent", "first_sent_h", "unclear", "arrival_h", "state",
            "bounced", "next_day")
    mine = {c: ep.view(c).copy() for c in cols}
    theirs = {c: ep.view(c).copy() for c in cols}
    log = {c: np.zeros(len(due), t) for c, t in (("street", np.int16), ("episode", np.int32),
                                                 ("department", np.int8), ("day", np.int32),
                                                 ("kind", np.int8), ("answered", np.bool_),
                                                 ("attempt", np.int16))}
    new_today = np.zeros(n_dept)
    got = departments.decide_due(
        due, u, day, mine["street"], mine["department"], mine["escalated"], mine["n_sent"],
        mine["first_sent_h"], mine["unclear"], mine["arrival_h"], mine["state"], mine["bounced"],
        mine["next_day"], answer_prob, delay_today, new_today, esc_prob, sigma, bounce_prob, max_repeats,
        repeat_day, escalate_day, 0, log["street"], log["episode"], log["department"], log["day"],
        log["kind"], log["answered"], log["attempt"], active, incoming)
    # the array code of decide
    t = theirs
    dept = t["department"][due].astype(np.int64)
    escalated = t["escalated"][due]
    answered = u[:, 0] < np.where(escalated, esc_prob, answer_prob[dept])
    attempt = t["n_sent"][due] + 1
    first = ~escalated & (t["n_sent"][due] == 0)
    want_new = np.zeros(n_dept)
    np.add.at(want_new, dept[first], 1.0)
    t["n_sent"][due] += (~escalated).astype(np.int16)
    delay = np.array([lognormal_mean(delay_today[d], sigma, x) for d, x in zip(dept, u[:, 2])])
    arrival_h = np.maximum(day * 24.0, t["first_sent_h"][due]) + delay
    arrive, bounce, fail = ref.apply_decisions(
        due, answered, escalated, t["unclear"][due], u[:, 1], bounce_prob, arrival_h, max_repeats, repeat_day,
        escalate_day, t["arrival_h"], t["state"], t["bounced"], t["next_day"], t["escalated"], t["n_sent"])
    pending = active[t["state"][active] == EP_PENDING]
    ahead = np.concatenate([incoming[t["arrival_h"][incoming] > day * 24.0], due[arrive]])
    want = (due[arrive], arrival_h[arrive], due[bounce], due[fail], pending, ahead)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)
    for c in cols:
        np.testing.assert_array_equal(mine[c], t[c], err_msg=c)
    np.testing.assert_array_equal(new_today, want_new)
    np.testing.assert_array_equal(log["episode"], due)
    np.testing.assert_array_equal(log["answered"], answered)
    np.testing.assert_array_equal(log["attempt"], attempt)
    kind = np.where(escalated, departments.ESCALATION, departments.WHISTLE)
    np.testing.assert_array_equal(log["kind"], kind)
    # every outcome of the rule occurred: arrivals, bounces, failures, repeats, escalations
    assert arrive.any() and bounce.any() and fail.any()
    assert (t["next_day"][due] == repeat_day).any() and (t["next_day"][due] == escalate_day).any()


@pytest.mark.parametrize("seed", range(30))
def test_routes_kernel_matches_the_array_version(seed):
    rng = np.random.default_rng(seed)
    n_cases = 400
    ids = rng.choice(n_cases, int(rng.integers(0, 100)), replace=False).astype(np.int64)
    u = rng.random((n_cases, 5))
    args = (ids, u[:, 2], rng.random(n_cases) < 0.4, rng.random(n_cases) < 0.5,
            rng.integers(0, 3, n_cases).astype(np.int8), rng.integers(0, 6, n_cases).astype(np.int8),
            float(rng.choice([0.0, 0.3, 1.0])), 0.6, rng.uniform(0.1, 1, 3), rng.uniform(0.5, 4, 6), 1.5, 0.7)
    for g, w in zip(triage.routes_kernel(*args), ref.routes_kernel(*args)):
        np.testing.assert_array_equal(g, w)
        assert g.dtype == w.dtype


def test_pairwise_sum_adds_as_numpy_does():
    from sim.compiled import pairwise_sum

    rng = np.random.default_rng(0)
    for n in [*range(0, 300), 1000, 4097, 58000]:
        a = (rng.random(n) - 0.3) * rng.choice([1e-3, 1.0, 1e6])
        assert pairwise_sum(a) == a.sum(), n


def test_day_of_hour_is_numpys_floor_division():
    from sim.compiled import day_of_hour

    rng = np.random.default_rng(5)
    edges = np.arange(0, 61368, 24.0)
    hours = np.concatenate([rng.random(100_000) * 61368, edges, np.nextafter(edges[1:], 0),
                            np.nextafter(edges, 1e9), [np.nan, np.inf, -0.5, -24.0, -1e-300]])
    with np.errstate(invalid="ignore"):  # inf // 24 is NaN
        want = np.nan_to_num(hours // 24, nan=-7, posinf=-7).astype(np.int64)
    np.testing.assert_array_equal(day_of_hour(hours, -7), want)


def test_count_flags_is_bincount_of_the_flagged():
    from sim.compiled import count_flags

    rng = np.random.default_rng(6)
    at, flag = rng.integers(0, 7, 10_000), rng.random(10_000) < 0.3
    np.testing.assert_array_equal(count_flags(at, flag, 7), np.bincount(at[flag], minlength=7))
    # grouped rows (cases in the order raised), runs of one row, and no rows
    grouped = (np.sort(at), np.repeat(np.arange(7), [0, 1, 0, 5000, 1, 3, 4995]),
               np.array([3, 3, 0, 6, 6, 3]))
    for g in grouped:
        flag = rng.random(len(g)) < 0.5
        np.testing.assert_array_equal(count_flags(g, flag, 7), np.bincount(g[flag], minlength=7))
    np.testing.assert_array_equal(count_flags(np.zeros(0, np.int64), np.zeros(0, bool), 3), [0, 0, 0])


def test_rows_by_key_are_each_keys_rows_in_order():
    from sim.compiled import rows_by_key

    keys = np.random.default_rng(8).integers(-2, 9, 20_000)  # -2, -1, 7 and 8 left out
    rows, edges = rows_by_key(keys, 7)
    assert len(edges) == 8 and edges[0] == 0 and edges[-1] == len(rows)
    for k in range(7):
        np.testing.assert_array_equal(rows[edges[k]:edges[k + 1]], np.flatnonzero(keys == k))
    rows, edges = rows_by_key(keys[:0], 3)
    assert len(rows) == 0 and edges.tolist() == [0, 0, 0, 0]


@pytest.mark.parametrize("seed", range(12))
def test_stable_argsort_is_numpys_stable_order(seed):
    """Uniform keys (with ties, and of every small length) take the sliced insertion
    sort; keys with NaN or outside [0, 1) fall back to the merge sort: both give the
    permutation ``np.argsort(kind="mergesort")`` gives."""
    from sim.compiled import stable_argsort

    rng = np.random.default_rng(seed)
    for n in (0, 1, 2, 3, 7, 80, 513):
        keys = rng.random(n)
        if n > 3:
            keys[rng.integers(0, n, n // 3)] = keys[0]  # ties keep their order
            keys[rng.integers(0, n, 2)] = np.nextafter(1.0, 0.0)  # the top of [0, 1)
        np.testing.assert_array_equal(stable_argsort(keys), np.argsort(keys, kind="mergesort"))
        if n:
            odd = keys.copy()
            odd[rng.integers(0, n)] = (np.nan, 1.0, -0.5, 3.0)[seed % 4]
            np.testing.assert_array_equal(stable_argsort(odd), np.argsort(odd, kind="mergesort"))


@settings(max_examples=200, deadline=None)
@given(keys=st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                               st.sampled_from([0.0, -0.0, 1.0, 24.0, 1e308, -1e308, 5e-324])), max_size=60),
       hours=st.booleans())
def test_stable_argsort_of_any_keys_is_numpys_stable_order(keys, hours):
    """Keys of any range (hours of a queue, signed zeros, huge and tiny spans, ties,
    NaN and infinities): the permutation ``np.argsort(kind="mergesort")`` gives."""
    from sim.compiled import stable_argsort

    a = np.array(keys, dtype=np.float64)
    if hours:  # a queue's raised hours: sorted runs merged, with ties
        a = np.round(np.abs(np.nan_to_num(a, posinf=1e6, neginf=1e6)) % 500.0, 1)
    np.testing.assert_array_equal(stable_argsort(a), np.argsort(a, kind="mergesort"))


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=16),
                                 st.sampled_from([0.0, 1.0, 2.0])), max_size=40),
       x=st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=16),
                   st.sampled_from([0.0, 1.0, 2.0])),
       cut=st.tuples(st.integers(0, 40), st.integers(0, 40)))
def test_search_right_is_numpys_searchsorted_right_within_bounds(values, x, cut):
    """``search_right(a, lo, hi, x)`` on a sorted ``a`` (NaN last, ties, infinities) is
    ``lo + np.searchsorted(a[lo:hi], x, side="right")``, for floats and for whole days."""
    from sim.compiled import search_right

    a = np.sort(np.array(values, dtype=np.float64))
    lo, hi = sorted(min(c, len(a)) for c in cut)
    assert search_right(a, lo, hi, x) == lo + np.searchsorted(a[lo:hi], x, side="right")
    days = np.sort(np.array([v for v in values if np.isfinite(v)], dtype=np.int64))
    for t in (-1, 0, 1, 2, 3):
        assert search_right(days, 0, len(days), t) == np.searchsorted(days, t, side="right")


@njit
def _prefetched_sum(a: np.ndarray, b: np.ndarray, rows: np.ndarray) -> float:
    for i in rows:
        prefetch(a, i)
        prefetch(b, i)
        prefetch(b[i], 0)
    total = 0.0
    for i in rows:
        total += a[i] + b[i, 1]
    return total


def test_prefetch_changes_no_value():
    """``sim.compiled.prefetch`` compiles for 1-d and 2-d arrays of any dtype and row
    (rows in bounds) and leaves values and results as they were."""
    a = np.arange(100, dtype=np.int8)
    b = np.arange(200.0).reshape(100, 2)
    rows = np.array([0, 99, 50, 50, 3])
    a0, b0 = a.copy(), b.copy()
    assert _prefetched_sum(a, b, rows) == float(a[rows].sum()) + b[rows, 1].sum()
    assert np.array_equal(a, a0) and np.array_equal(b, b0)
