"""Compiled passes that count the recorded tables for the yearly indicators.

Each pass reads a table's columns once and gives the same integers (or the same values,
in the same order) as the NumPy expressions written beside it, without the temporary
arrays those make: a district's group of streets holds millions of rows.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numba.extending import register_jitable

from sim.compiled import day_of, rows_by_key, year_of


@njit(cache=True)
def whistle_tally(kind: np.ndarray, day: np.ndarray, answered: np.ndarray, first: np.ndarray,
                  department: np.ndarray, year_of_day: np.ndarray, first_year: int, n: int,
                  n_dept: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The whistle log counted by year: whistles sent and answered (routine whistles in
    slots ``0..n-1`` by year, the others in slot ``n``), and the first whistles of an
    episode, sent and answered, by (slot, department).

    The same counts as ``np.bincount`` of ``at = where(kind == 0, year_of_day[day] -
    first_year, n)`` (and of ``at * n_dept + department`` over ``first``) and their
    answered subsets. Raises ``ValueError`` for a department outside ``0..n_dept-1``."""
    sent = np.zeros(n + 1, np.int64)
    yes = np.zeros(n + 1, np.int64)
    first_sent = np.zeros((n + 1, n_dept), np.int64)
    first_yes = np.zeros((n + 1, n_dept), np.int64)
    for i in range(len(kind)):
        at = year_of_day[day[i]] - first_year if kind[i] == 0 else n
        ok = 1 if answered[i] else 0
        sent[at] += 1
        yes[at] += ok
        if first[i]:
            d = department[i]
            if d < 0 or d >= n_dept:
                raise ValueError("a whistle's department is outside the departments counted")
            first_sent[at, d] += 1
            first_yes[at, d] += ok
    return sent, yes, first_sent, first_yes


@njit(cache=True)
def case_years(raised_h: np.ndarray, closed_h: np.ndarray, outcome: np.ndarray, year_of_day: np.ndarray,
               first_year: int, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each case's year of raising, as ``0..n-1`` from ``first_year``; and the rows of
    the cases closed with an outcome (``outcome > 0`` at a finite, non-negative hour) in
    one of those years, with their years of closing, in case order.

    The same integers as ``year_of_hours(year_of_day, raised_h) - first_year`` (a NaN
    hour counts on the first day, an hour past the last day on the last) and as
    ``flatnonzero`` of the closed cases and their ``year_of_hours(..., closed_h) -
    first_year``, without the int64 temporaries those make (two bytes a case instead)."""
    raised_at = np.empty(len(raised_h), np.int16)
    m = 0
    for i in range(len(raised_h)):
        year = year_of(raised_h[i], year_of_day)
        raised_at[i] = (year if year >= 0 else year_of_day[0]) - first_year
        if _closed_at(closed_h[i], outcome[i], year_of_day, first_year, n) >= 0:
            m += 1
    closed_rows = np.empty(m, np.int64)
    closed_at = np.empty(m, np.int16)
    k = 0
    for i in range(len(closed_h)):
        at = _closed_at(closed_h[i], outcome[i], year_of_day, first_year, n)
        if at >= 0:
            closed_rows[k] = i
            closed_at[k] = at
            k += 1
    return raised_at, closed_rows, closed_at


@register_jitable
def _closed_at(hour: float, outcome: int, year_of_day: np.ndarray, first_year: int, n: int) -> int:
    """The year (``0..n-1`` from ``first_year``) a case closed with an outcome in, or -1."""
    year = year_of(hour, year_of_day) if outcome > 0 else -1
    if year < 0:
        return -1
    at = year - first_year
    return at if 0 <= at < n else -1


@register_jitable
def _arrived(state: int, hour: float, arrived_state: int) -> bool:
    """Whether an episode's department arrived, at a finite, non-negative hour."""
    return state == arrived_state and math.isfinite(hour) and day_of(hour) >= 0


@njit(cache=True)
def arrivals(state: np.ndarray, arrival_h: np.ndarray, first_sent_h: np.ndarray, arrival_year: np.ndarray,
             arrived_state: int) -> tuple[np.ndarray, np.ndarray]:
    """The episodes whose department arrived (``state == arrived_state``) at a finite,
    non-negative hour: their arrival years and hours from the first whistle to arrival,
    in episode order (the values of ``arrival_year[ok]`` and ``(arrival_h -
    first_sent_h)[ok]``)."""
    m = 0
    for i in range(len(state)):
        if _arrived(state[i], arrival_h[i], arrived_state):
            m += 1
    years = np.empty(m, np.int64)
    waits = np.empty(m, np.float64)
    k = 0
    for i in range(len(state)):
        if _arrived(state[i], arrival_h[i], arrived_state):
            years[k] = arrival_year[i]
            waits[k] = arrival_h[i] - first_sent_h[i]
            k += 1
    return years, waits


@njit(cache=True)
def grouped_values(rows: np.ndarray, at: np.ndarray, flag: np.ndarray, values: np.ndarray,
                   n: int) -> tuple[np.ndarray, np.ndarray]:
    """``values[rows]`` of the rows with ``flag[rows]`` set, grouped by ``at`` (``0 <= at <
    n``, one per entry of ``rows``) and in ``rows`` order within a group, with the ``n +
    1`` edges of the groups: what a stable argsort of ``at`` over the flagged rows gives
    (a counting sort, :func:`sim.compiled.rows_by_key`)."""
    keys = np.empty(len(rows), np.int64)
    for j in range(len(rows)):
        keys[j] = at[j] if flag[rows[j]] else -1  # left out
    order, edges = rows_by_key(keys, n)
    out = np.empty(len(order), np.float64)
    for i in range(len(order)):
        out[i] = values[rows[order[i]]]
    return out, edges
