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
from sim.indicators.tally import arrivals, case_years, grouped_values, whistle_tally
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
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 3000), first=st.sampled_from([2023, 2024, 2026]),
       years=st.integers(1, 8))
def test_case_years_are_the_year_of_hours_expressions(seed, n, first, years):
    """As ``Counts.of`` computed them before (``year_of_hours``, ``np.where``, ``flatnonzero``),
    hours before the start, past the end, NaN and infinite included; years outside
    ``first .. first + years - 1`` closed in no year counted."""
    from sim.indicators.compute import year_of_hours

    rng = np.random.default_rng(seed)
    hours = len(YEAR_OF_DAY) * 24
    raised_h = rng.uniform(-50, hours + 500, n)
    closed_h = raised_h + rng.uniform(-100, 3000, n)
    for h in (raised_h, closed_h):
        h[rng.random(n) < 0.1] = np.nan
        h[rng.random(n) < 0.01] = np.inf
    outcome = rng.integers(0, 3, n).astype(np.int8)
    raised_at, closed_rows, closed_at = case_years(raised_h, closed_h, outcome, YEAR_OF_DAY, first, years)
    np.testing.assert_array_equal(raised_at, year_of_hours(YEAR_OF_DAY, raised_h) - first)
    closed_day = day_of_hour(closed_h, -1)
    closed_year = np.where((closed_day >= 0) & (outcome > 0),
                           YEAR_OF_DAY[np.clip(closed_day, 0, len(YEAR_OF_DAY) - 1)], 0)
    want_rows = np.flatnonzero((closed_year >= first) & (closed_year < first + years))
    np.testing.assert_array_equal(closed_rows, want_rows)
    np.testing.assert_array_equal(closed_at, closed_year[want_rows] - first)


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


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 2000), m=st.integers(0, 3000))
def test_the_case_tables_whistle_columns_are_the_bincounts(seed, n, m):
    """:func:`sim.outputs.whistles_of_cases` and :func:`sim.outputs.arrival_years` give
    what the NumPy expressions they replaced in ``street_tables`` gave."""
    from sim.outputs import arrival_years, whistles_of_cases

    rng = np.random.default_rng(seed)
    case = rng.integers(0, n, m).astype(np.int32)
    n_sent = rng.integers(0, 6, m).astype(np.int16)
    escalated = rng.random(m) < 0.3
    case_escalated = rng.random(n) < 0.5
    sent, esc = whistles_of_cases(case, n_sent, escalated, case_escalated)
    of_case = case.astype(np.int64)
    np.testing.assert_array_equal(sent, np.bincount(of_case, weights=n_sent, minlength=n).astype(np.int64))
    want = case_escalated.copy()
    has = np.bincount(of_case, minlength=n) > 0
    want[has] = (np.bincount(of_case, weights=escalated, minlength=n) > 0)[has]
    np.testing.assert_array_equal(esc, want)
    assert sent.dtype == np.int64 and esc.dtype == np.bool_
    with pytest.raises(ValueError, match="case"):
        whistles_of_cases(np.array([0, n], np.int32), np.ones(2, np.int16), np.zeros(2, bool), case_escalated)

    arrival_h = rng.uniform(-50, len(YEAR_OF_DAY) * 24 + 500, m)
    arrival_h[rng.random(m) < 0.2] = np.nan
    arrival_h[rng.random(m) < 0.02] = -np.inf
    day = day_of_hour(arrival_h, -1)
    want_years = np.where(day >= 0, YEAR_OF_DAY[np.clip(day, 0, len(YEAR_OF_DAY) - 1)], 0)
    np.testing.assert_array_equal(arrival_years(arrival_h, YEAR_OF_DAY), want_years)
