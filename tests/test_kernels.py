"""The compiled (numba) mechanism kernels give the same results, bit for bit, as the
array code they replaced (kept in ``benchmarks/numpy_mechanisms.py``)."""

from __future__ import annotations

import numpy as np
import numpy_mechanisms as ref  # the array code the kernels replaced (on the path from conftest.py)
import pytest

from sim.agents import departments
from sim.mechanisms import recording, triage, whistle


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
def test_apply_decisions_matches_the_array_version(seed):
    rng = np.random.default_rng(seed)
    n_ep = 300
    n = int(rng.integers(0, 80))
    due = np.sort(rng.choice(n_ep, n, replace=False)).astype(np.int64)
    flags = [rng.random(n) < share for share in (0.6, 0.3, 0.5)]  # answered, escalated, unclear
    columns = (np.full(n_ep, np.nan), rng.integers(0, 5, n_ep).astype(np.int8), rng.random(n_ep) < 0.1,
               rng.integers(-1, 50, n_ep).astype(np.int32), rng.random(n_ep) < 0.2,
               rng.integers(0, 5, n_ep).astype(np.int16))
    args = (*flags, rng.random(n), 0.4, rng.uniform(0, 900, n), 3.0, 12, 15)
    mine, theirs = [c.copy() for c in columns], [c.copy() for c in columns]
    got = departments.apply_decisions(due, *args, *mine)
    want = ref.apply_decisions(due, *args, *theirs)
    for g, w in zip((*got, *mine), (*want, *theirs)):
        np.testing.assert_array_equal(g, w)


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
