"""The indicators' compiled counting passes (:mod:`sim.indicators.tally`) give what the
NumPy expressions they replaced give: the same integers, and the same values in the
same order (so the means over them are the same bits); and the pool's rows split by
street once (:func:`sim.outputs.rows_by_street`) are each street's ``flatnonzero``."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.compiled import day_of_hour
from sim.indicators.tally import arrivals, grouped_values, whistle_tally
from sim.outputs import rows_by_street

YEAR_OF_DAY = np.repeat(np.arange(2024, 2031), 365)


def whistle_log(seed: int, n: int, n_dept: int = 9) -> tuple:
    rng = np.random.default_rng(seed)
    day = np.sort(rng.integers(0, len(YEAR_OF_DAY), n)).astype(np.int32)
    return (rng.integers(0, 3, n).astype(np.int8), day, rng.random(n) < 0.7, rng.random(n) < 0.4,
            rng.integers(0, n_dept, n).astype(np.int8))


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 3000), n_dept=st.integers(1, 12))
def test_whistle_tally_is_the_bincounts(seed, n, n_dept):
    kind, day, answered, first, department = whistle_log(seed, n, n_dept)
    first_year, years = 2024, 7
    n_dept = int(department.max()) + 1
    at = np.where(kind == 0, YEAR_OF_DAY[day] - first_year, years)
    key = at * n_dept + department.astype(np.int64)
    cells = (years + 1) * n_dept
    got = whistle_tally(kind, day, answered, first, department, YEAR_OF_DAY, first_year, years, n_dept)
    want = (np.bincount(at, minlength=years + 1), np.bincount(at[answered], minlength=years + 1),
            np.bincount(key[first], minlength=cells).reshape(years + 1, n_dept),
            np.bincount(key[first & answered], minlength=cells).reshape(years + 1, n_dept))
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)


def test_whistle_tally_refuses_a_department_it_does_not_count():
    kind, day, answered, first, department = whistle_log(1, 50)
    first[:] = True
    department[7] = -1
    with pytest.raises(ValueError, match="department"):
        whistle_tally(kind, day, answered, first, department, YEAR_OF_DAY, 2024, 7, 9)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 2000))
def test_arrivals_are_the_masked_columns(seed, n):
    rng = np.random.default_rng(seed)
    state = rng.integers(0, 5, n).astype(np.int8)
    arrival_h = rng.uniform(-30, 61000, n)
    arrival_h[rng.random(n) < 0.2] = np.nan
    arrival_h[rng.random(n) < 0.02] = np.inf
    first_sent_h = np.where(np.isfinite(arrival_h), arrival_h, 100.0) - rng.uniform(0, 400, n)
    arrival_year = rng.integers(2024, 2031, n)
    years, waits = arrivals(state, arrival_h, first_sent_h, arrival_year, 1)
    arrived = state == 1
    ok = day_of_hour(arrival_h[arrived], -1) >= 0
    np.testing.assert_array_equal(years, arrival_year[arrived][ok])
    np.testing.assert_array_equal(waits, (arrival_h[arrived] - first_sent_h[arrived])[ok])


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 3000), groups=st.integers(1, 9))
def test_grouped_values_are_the_stable_sort_by_group(seed, n, groups):
    rng = np.random.default_rng(seed)
    values, flag = rng.normal(50, 30, n), rng.random(n) < 0.6
    rows = np.flatnonzero(rng.random(n) < 0.8)
    at = rng.integers(0, groups, len(rows))
    got, edges = grouped_values(rows, at, flag, values, groups)
    keep = flag[rows]
    order = np.argsort(at[keep], kind="stable")
    np.testing.assert_array_equal(got, values[rows[keep][order]])
    np.testing.assert_array_equal(edges, np.searchsorted(at[keep][order], np.arange(groups + 1)))


@pytest.mark.parametrize("n", [1, 2, 15])
def test_rows_by_street_are_each_streets_rows(n):
    street = np.random.default_rng(n).integers(0, n, 5000).astype(np.int16)
    got = rows_by_street(street, n)
    assert len(got) == n
    for k in range(n):
        np.testing.assert_array_equal(got[k], np.flatnonzero(street == k))
    assert [len(r) for r in rows_by_street(street[:0], n)] == [0] * n
