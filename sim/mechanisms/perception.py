"""Satisfaction by expectancy-disconfirmation (brief §3.6, §8: Van Ryzin 2004, 2006;
Zhang, Chen, Petrovsky & Walker 2022).

A resident rates public services by their *perceived performance* against their
*expectation*, and expectations adapt to experience. Perceived performance mixes

* ``own``: the memory of the resident's own cases (each closing moves it towards the
  case's score, :func:`sim.mechanisms.feedback.close`);
* the community's *word of mouth*: what neighbours' closed cases scored, smoothed over
  ``neighbour_memory_months`` (updated monthly here);
* the community's *condition*: the mean of four observable states - outstanding
  environment and public-space problems (open, or left unresolved within
  ``problem_persistence_days``) per 1,000 residents against ``problem_density_reference``;
  a renovated service centre; social-organisation activity (cases served for the
  community's residents over the past year per 1,000 residents, against
  ``so_activity_reference``); elderly services (the share of the community's elderly
  residents' livelihood cases resolved over the past year);
* ``trust`` in government responsiveness (moved by own outcomes, false alarms).

The rating of resident *i* is ``P + disconfirmation_weight * (P - E) + disposition``;
the yearly survey asks everyone about public services (``P`` as above) and counts a
rating of ``survey_threshold`` or more as satisfied; a call-back (回访) asks the resident
of a case just closed about that case (``P`` = the case's score) and counts
``callback_threshold`` or more (the two instruments use different scales). After each survey,
expectations move towards perceived performance (``expectation_adaptation`` a year)
and drift upwards by ``expectation_drift`` (demands move "from having to having well").

The month's word of mouth and condition are one compiled pass over the recent cases
(:func:`month_kernel`), the survey another over the residents (:func:`survey_kernel`).

Its own state is :class:`PerceptionState` (``street.perception``); it reads the
renovated service centres from ``street.money``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numba import njit
from numba.extending import register_jitable

from sim.cases import CLOSED, RESOLVED, ROUTE_SO
from sim.compiled import day_of, pairwise_sum
from sim.domain import CATEGORIES
from sim.population import memory_shares, relax_everyone

if TYPE_CHECKING:
    from sim.street import Street


@dataclass(slots=True)
class PerceptionState:
    """What residents see of their community (``street.perception``)."""

    condition: np.ndarray
    """Perceived condition per community and part (monthly, :func:`monthly`)."""
    scan: MonthScan | None = None
    """What the month passes kept of the settled cases (:func:`month_scan`); None before the first."""


@dataclass(slots=True)
class MonthScan:
    """What :func:`month_kernel` keeps between calls: a closed case never changes, so each
    is tallied once, when the pass first sees it closed, and the windows read the tallies.

    ``marks``: ``[settled_row, settled_h, open_row, last_now, last_from_h, n_last,
    n_problems, last_open_row]``: every case before ``settled_row`` was raised and closed
    before the hour ``settled_h``; every case before ``open_row`` was closed before
    ``last_now``, the hour of the last call, and every case before ``last_open_row``
    before ``last_from_h``, the hour of the call before (:func:`rows_settled`); the
    ``n_last`` cases of ``last_rows`` closed in ``[last_from_h, last_now)``, in row
    order; ``n_problems`` entries of the problem log are in use.
    """

    marks: np.ndarray
    so_by_day: np.ndarray
    """Closed cases served by a social organisation, by day raised and community."""
    elderly_by_day: np.ndarray
    """Elderly residents' closed livelihood cases and those resolved, by day closed and
    community (``[day, community, 0 | 1]``)."""
    problem_h: np.ndarray
    """Closing hours of closed, unresolved environment cases, rising."""
    problem_community: np.ndarray
    """Their communities."""
    last_rows: np.ndarray
    """The cases closed between the last two calls, in row order."""


def new_scan(n_communities: int, n_days: int) -> MonthScan:
    """An empty :class:`MonthScan` (nothing tallied; the first pass reads every case)."""
    return MonthScan(np.array([0.0, -np.inf, 0.0, -np.inf, -np.inf, 0.0, 0.0, 0.0]),
                     np.zeros((n_days, n_communities), np.int64),
                     np.zeros((n_days, n_communities, 2), np.int64), np.empty(256), np.empty(256, np.int64),
                     np.empty(0, np.int64))


ENVIRONMENT = CATEGORIES.index("environment")
LIVELIHOOD = CATEGORIES.index("livelihood")
CONDITION_PARTS = ("environment", "service_centre", "social_orgs", "elderly_services")


@register_jitable
def rating(performance: np.ndarray, expectation: np.ndarray, disposition: np.ndarray,
           disconfirmation_weight: float) -> np.ndarray:
    """A resident's rating (0-1 scale) of a performance they perceived (arrays or, also
    inside compiled kernels, numbers)."""
    return performance + disconfirmation_weight * (performance - expectation) + disposition


def monthly(street: Street, t: int) -> None:
    """Month start: word of mouth from the cases closed over the last 30 days; the
    community condition (one call of :func:`month_kernel`, reading only the cases not
    yet tallied: :func:`month_scan`)."""
    pc = street.p.perception
    alpha = 1.0 - np.exp(-1.0 / max(float(pc.neighbour_memory_months), 1e-6))
    street.perception.condition = _month_pass(street, t, month_scan(street), True, float(alpha))


def community_condition(street: Street, t: int) -> np.ndarray:
    """The four condition parts (rows: communities; columns: :data:`CONDITION_PARTS`),
    from every case (a fresh :class:`MonthScan`; nothing is kept)."""
    scan = new_scan(len(street.residents.word_of_mouth), t + 1)
    return _month_pass(street, t, scan, False, 0.0)


def month_scan(street: Street) -> MonthScan:
    """The street's :class:`MonthScan` (made at the first call)."""
    state = street.perception
    if state.scan is None:
        state.scan = new_scan(len(street.residents.word_of_mouth), street.cal.n_days + 1)
    return state.scan


def rows_settled(street: Street, from_h: float) -> int:
    """A case row before which every case of the street closed before the hour
    ``from_h`` (so none counts among the cases closing, or raised, from then on): the
    first case open at the last month pass or the one before if ``from_h`` is no earlier,
    else where the settled cases end (:class:`MonthScan`), else the first row."""
    scan = street.perception.scan
    if scan is None:
        return 0
    marks = scan.marks
    if from_h >= marks[3]:
        return int(marks[2])
    if from_h >= marks[4]:
        return int(marks[7])
    return int(marks[0]) if marks[1] <= from_h else 0


def _month_pass(street: Street, t: int, scan: MonthScan, word: bool, alpha: float) -> np.ndarray:
    """:func:`month_kernel` on the street's cases at day ``t``; keeps its grown tallies."""
    res = street.residents
    pc = street.p.perception
    cs = street.cases
    now = t * 24.0
    (parts, scan.so_by_day, scan.elderly_by_day, scan.problem_h, scan.problem_community,
     scan.last_rows) = month_kernel(
        cs.n, res.community, res.community_size, res.word_of_mouth, cs.resident, cs.category, cs.state,
        cs.outcome, cs.route, cs.elderly, cs.raised_h, cs.closed_h, cs.perceived, t,
        now - 24.0 * pc.problem_persistence_days, max(float(pc.problem_density_reference), 1e-9),
        max(float(pc.so_activity_reference), 1e-9), float(street.money.renovated), word, alpha,
        scan.marks, scan.so_by_day, scan.elderly_by_day, scan.problem_h, scan.problem_community,
        scan.last_rows)
    return parts


@njit(cache=True)
def month_kernel(n_cases: int, community: np.ndarray, community_size: np.ndarray, word_of_mouth: np.ndarray,
                 resident: np.ndarray, category: np.ndarray, state: np.ndarray, outcome: np.ndarray,
                 route: np.ndarray, elderly: np.ndarray, raised_h: np.ndarray, closed_h: np.ndarray,
                 perceived: np.ndarray, day: int, persist_from: float, density_reference: float,
                 so_reference: float, renovated: float, word: bool, alpha: float, marks: np.ndarray,
                 so_by_day: np.ndarray, elderly_by_day: np.ndarray, problem_h: np.ndarray,
                 problem_community: np.ndarray, last_rows: np.ndarray) -> tuple:
    """Word of mouth (if ``word``) and the community condition at the start of ``day``
    (compiled), from the first ``n_cases`` cases (hours from 0; every closed case closed
    before then, ``day`` after the last call's).

    Word of mouth: each community's mean score (``perceived``, added in case order) of
    the cases closed in the 30 days before, taken with weight ``alpha``, in place, when
    any closed. Returns the condition (communities x :data:`CONDITION_PARTS`): ``1 / (1 +
    problems per 1,000 residents / density_reference)`` (``community_size`` residents),
    problems being environment cases still open or closed unresolved from
    ``persist_from``; the renovated share of the community's centre
    (:func:`renovated_by_community`); ``min(1, social-organisation cases raised over the
    past 365 days per 1,000 / so_reference)``; the resolved share of the elderly
    residents' livelihood cases closed over the past 365 days (0.5 where none); then the
    grown tallies (:class:`MonthScan`: ``so_by_day``, ``elderly_by_day``, ``problem_h``,
    ``problem_community``, ``last_rows``).

    Only the cases from ``open_row`` (those open at the last call, and the newer ones)
    are read: the cases closed since the last call are tallied (by day, or logged), the
    open ones counted afresh. Word of mouth reads the cases closed since the last call
    and those of the call before (``last_rows``) when the 30 days reach no further back;
    else every case from ``settled_row``.
    """
    now = day * 24.0
    month_ago = (day - 30) * 24.0
    year_ago = (day - 365) * 24.0
    open_row, last_now = int(marks[2]), marks[3]
    n_comm = len(word_of_mouth)
    problems = np.zeros(n_comm, np.int64)
    so_open = np.zeros(n_comm, np.int64)
    fresh = np.empty(n_cases - open_row, np.int64)  # closed since the last call, in row order
    n_fresh = 0
    new_open_row = n_cases
    for i in range(open_row, n_cases):
        if state[i] == CLOSED and closed_h[i] < now:
            if closed_h[i] >= last_now:
                fresh[n_fresh] = i
                n_fresh += 1
        else:
            if new_open_row == n_cases:
                new_open_row = i
            if raised_h[i] < now:
                c = community[resident[i]]
                problems[c] += category[i] == ENVIRONMENT
                so_open[c] += route[i] == ROUTE_SO and year_ago <= raised_h[i]
    # tally the fresh closings: social-organisation cases by day raised, the elderly's
    # livelihood cases by day closed, unresolved environment cases in the problem log
    n_days = max(so_by_day.shape[0], day + 1)
    if n_days > so_by_day.shape[0]:
        so_by_day = _grown_days(so_by_day, n_days)
        elderly_by_day = _grown_days(elderly_by_day, n_days)
    n_problems = int(marks[6])
    first_problem = n_problems
    for k in range(n_fresh):
        i = fresh[k]
        c = community[resident[i]]
        if route[i] == ROUTE_SO:
            so_by_day[day_of(raised_h[i]), c] += 1
        if elderly[i] and category[i] == LIVELIHOOD:
            d = day_of(closed_h[i])
            elderly_by_day[d, c, 0] += 1
            elderly_by_day[d, c, 1] += outcome[i] == RESOLVED
        if category[i] == ENVIRONMENT and outcome[i] != RESOLVED:
            if n_problems == len(problem_h):
                problem_h = _grown(problem_h, 2 * n_problems)
                problem_community = _grown(problem_community, 2 * n_problems)
            problem_h[n_problems] = closed_h[i]
            problem_community[n_problems] = c
            n_problems += 1
    if n_problems - first_problem > 1:  # keep the log in closing order (stable: equal hours keep rows)
        order = np.argsort(problem_h[first_problem:n_problems], kind="mergesort")
        problem_h[first_problem:n_problems] = problem_h[first_problem:n_problems][order]
        problem_community[first_problem:n_problems] = problem_community[first_problem:n_problems][order]
    start = np.searchsorted(problem_h[:n_problems], persist_from, side="left")
    for k in range(start, n_problems):
        problems[problem_community[k]] += 1
    # word of mouth: the cases closed over the 30 days, in row order
    if word:
        heard_n = np.zeros(n_comm, np.int64)
        heard_total = np.zeros(n_comm)
        any_heard = False
        if month_ago >= marks[4]:  # the last call's closings and the fresh ones
            j, n_last = 0, int(marks[5])
            for k in range(n_fresh + n_last):
                if j < n_last and (k - j >= n_fresh or last_rows[j] < fresh[k - j]):
                    i = last_rows[j]
                    j += 1
                    if closed_h[i] < month_ago:
                        continue
                else:
                    i = fresh[k - j]
                    if closed_h[i] < month_ago:
                        continue
                c = community[resident[i]]
                heard_n[c] += 1
                heard_total[c] += perceived[i]
                any_heard = True
        else:  # a longer gap since the last call: every case from the settled ones
            for i in range(int(marks[0]) if marks[1] <= month_ago else 0, n_cases):
                if state[i] == CLOSED and month_ago <= closed_h[i] < now:
                    c = community[resident[i]]
                    heard_n[c] += 1
                    heard_total[c] += perceived[i]
                    any_heard = True
        if any_heard:
            for c in range(n_comm):
                heard = heard_total[c] / heard_n[c] if heard_n[c] > 0 else word_of_mouth[c]
                word_of_mouth[c] += alpha * (heard - word_of_mouth[c])
    # the year's social-organisation and elderly tallies
    so_cases = so_open
    n_eld = np.zeros(n_comm, np.int64)
    ok_eld = np.zeros(n_comm, np.int64)
    for d in range(max(day - 365, 0), day):
        for c in range(n_comm):
            so_cases[c] += so_by_day[d, c]
            n_eld[c] += elderly_by_day[d, c, 0]
            ok_eld[c] += elderly_by_day[d, c, 1]
    # what is kept: the settled rows (as far as every window of this call reaches), the
    # first case still open, the fresh closings
    low = min(persist_from, year_ago, month_ago)
    rows_from = int(marks[0])
    if low < marks[1] or rows_from > n_cases:
        rows_from = 0
    while rows_from < n_cases and state[rows_from] == CLOSED and closed_h[rows_from] < low \
            and raised_h[rows_from] < low:
        rows_from += 1
    marks[0] = rows_from
    marks[1] = low
    marks[7] = open_row
    marks[2] = new_open_row
    marks[3] = now
    marks[4] = last_now
    marks[5] = n_fresh
    marks[6] = n_problems
    parts = np.empty((n_comm, len(CONDITION_PARTS)))
    for c in range(n_comm):
        per_1000 = max(community_size[c], 1) / 1000.0
        parts[c, 0] = 1.0 / (1.0 + problems[c] / per_1000 / density_reference)
        parts[c, 1] = _clip01(renovated - c)
        so_rate = so_cases[c] / per_1000 / so_reference
        parts[c, 2] = 1.0 if so_rate > 1.0 else so_rate  # np.minimum: NaN stays NaN
        parts[c, 3] = ok_eld[c] / n_eld[c] if n_eld[c] > 0 else 0.5
    return parts, so_by_day, elderly_by_day, problem_h, problem_community, fresh[:n_fresh].copy()


@njit(cache=True)
def _grown_days(a: np.ndarray, n_days: int) -> np.ndarray:
    """``a`` with room for ``n_days`` days (first axis), the new days zero."""
    shape = (n_days,) + a.shape[1:]
    out = np.zeros(shape, a.dtype)
    out[:a.shape[0]] = a
    return out


@njit(cache=True)
def _grown(a: np.ndarray, n: int) -> np.ndarray:
    """``a`` with room for ``n`` entries."""
    out = np.empty(max(n, 16), a.dtype)
    out[:len(a)] = a
    return out


@register_jitable
def _clip01(x: float) -> float:
    """``np.clip(x, 0.0, 1.0)`` of one number (NaN stays NaN)."""
    if x != x:
        return x
    x = x if x > 0.0 else 0.0
    return x if x < 1.0 else 1.0


def renovated_by_community(renovated: float, n_comm: int) -> np.ndarray:
    """Share of each community's service centre renovated (centres are renovated in
    community order; the one in progress counts by its fraction)."""
    return np.clip(renovated - np.arange(n_comm), 0.0, 1.0)


def perceived(street: Street, idx: np.ndarray) -> np.ndarray:
    """Perceived performance of public services of residents ``idx``
    (:func:`perceived_kernel`)."""
    res = street.residents
    idx = np.asarray(idx, np.int64)
    out = np.empty(len(idx))
    pc = street.p.perception
    perceived_kernel(idx, False, res.own, res.trust, res.community, res.word_of_mouth,
                     street.perception.condition, _weights(pc), float(pc.initial), out)
    return out


def _weights(pc) -> np.ndarray:
    """The weights of own memory, neighbours, condition and trust in perceived performance."""
    return np.array([pc.weight_own, pc.weight_neighbours, pc.weight_condition, pc.weight_trust], float)


@njit(cache=True)
def perceived_kernel(idx: np.ndarray, everyone: bool, own: np.ndarray, trust: np.ndarray,
                     community: np.ndarray, word_of_mouth: np.ndarray, condition: np.ndarray,
                     weights: np.ndarray, initial: float, out: np.ndarray) -> None:
    """Perceived performance of residents ``idx`` (of all, in order, if ``everyone``),
    written into ``out`` (compiled): the weighted mean of own memory, the community's word
    of mouth, its mean condition and trust (``initial`` everywhere when the weights add
    up to nothing)."""
    n = len(own) if everyone else len(idx)
    total = pairwise_sum(weights)
    if total <= 0:
        out[:n] = initial
        return
    n_comm, n_parts = condition.shape
    mean_condition = np.empty(n_comm)
    for c in range(n_comm):
        s = 0.0
        for j in range(n_parts):  # a row's mean adds in order, as ``mean(axis=1)``
            s += condition[c, j]
        mean_condition[c] = s / n_parts
    w0, w1, w2, w3 = weights[0], weights[1], weights[2], weights[3]
    for k in range(n):
        i = k if everyone else idx[k]
        c = community[i]
        out[k] = (w0 * own[i] + w1 * word_of_mouth[c] + w2 * mean_condition[c] + w3 * trust[i]) / total


def survey(street: Street, t: int) -> dict[str, float]:
    """The yearly third-party survey of all residents, then expectations adapt (one call
    of :func:`survey_kernel`).

    Returns the share satisfied and the means of rating, perceived performance,
    expectation and community condition (before adaptation)."""
    res = street.residents
    pc = street.p.perception
    stats = survey_kernel(t, float(street.p.feedback.memory_years), res.own, res.trust, res.touched_day,
                          res.community, res.word_of_mouth, res.expectation, res.disposition,
                          street.perception.condition, _weights(pc), float(pc.initial),
                          float(pc.disconfirmation_weight), float(pc.survey_threshold),
                          float(pc.expectation_adaptation), float(pc.expectation_drift), res.work,
                          memory_shares(street.p, street.cal.n_days))
    keys = ("satisfaction_survey", "rating_mean", "perceived_mean", "expectation_mean", "trust_mean",
            *(f"condition_{k}" for k in CONDITION_PARTS))
    return {k: float(v) for k, v in zip(keys, stats, strict=True)}


@njit(cache=True)
def survey_kernel(day: int, memory_years: float, own: np.ndarray, trust: np.ndarray, touched_day: np.ndarray,
                  community: np.ndarray, word_of_mouth: np.ndarray, expectation: np.ndarray,
                  disposition: np.ndarray, condition: np.ndarray, weights: np.ndarray, initial: float,
                  disconfirmation_weight: float, threshold: float, adaptation: float, drift: float,
                  work: np.ndarray, keep_of: np.ndarray) -> np.ndarray:
    """The survey (compiled): everyone's ``own`` and ``trust`` relaxed to ``day`` (the
    rule of :func:`sim.population.relax_kernel`, as
    :func:`sim.population.relax_everyone`), their perceived performance (:func:`perceived_kernel`) and rating.
    Returns the share rating ``threshold`` or more, the means of the rating (clipped to
    0-1), perceived performance, expectation and trust, and of each condition part over
    the communities (in that order; means add as NumPy's ``mean``); then expectations
    move ``adaptation`` of the way to perceived performance, plus ``drift``, clipped to
    0-1. ``work``: two rows of ``len(own)`` floats of scratch space; ``keep_of``: the
    memory shares (:func:`sim.population.memory_shares`)."""
    n = len(own)
    relax_everyone(day, memory_years, own, trust, touched_day, community, word_of_mouth, keep_of)
    perf = work[0]
    clipped = work[1]
    perceived_kernel(np.empty(0, np.int64), True, own, trust, community, word_of_mouth, condition, weights,
                     initial, perf)
    satisfied = 0
    for i in range(n):
        score = rating(perf[i], expectation[i], disposition[i], disconfirmation_weight)
        satisfied += score >= threshold
        clipped[i] = _clip01(score)
    n_comm, n_parts = condition.shape
    out = np.full(5 + n_parts, np.nan)
    if n:
        out[0] = satisfied / n
        out[1] = pairwise_sum(clipped) / n
        out[2] = pairwise_sum(perf) / n
        out[3] = pairwise_sum(expectation) / n
        out[4] = pairwise_sum(trust) / n
    if n_comm:
        for j in range(n_parts):  # a column's mean adds row after row, as ``mean(axis=0)``
            s = condition[0, j]
            for c in range(1, n_comm):
                s += condition[c, j]
            out[5 + j] = s / n_comm
    for i in range(n):
        expectation[i] = _clip01(expectation[i] + (adaptation * (perf[i] - expectation[i]) + drift))
    return out


