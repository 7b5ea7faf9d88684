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
from sim.compiled import pairwise_sum
from sim.domain import CATEGORIES
from sim.population import memory_keep

if TYPE_CHECKING:
    from sim.street import Street


@dataclass(slots=True)
class PerceptionState:
    """What residents see of their community (``street.perception``)."""

    condition: np.ndarray
    """Perceived condition per community and part (monthly, :func:`monthly`)."""
    condition_scan: np.ndarray | None = None
    """Scan position of :func:`scan_state` (rows counted, hour reached); None before the first."""


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
    """Month start: word of mouth from last month's closings; community condition (one
    call of :func:`month_kernel`, skipping the cases that can no longer count:
    :func:`scan_state`)."""
    pc = street.p.perception
    alpha = 1.0 - np.exp(-1.0 / max(float(pc.neighbour_memory_months), 1e-6))
    street.perception.condition = month_kernel(*_condition_inputs(street, t), True, (t - 30) * 24.0,
                                               float(alpha), scan_state(street))


def community_condition(street: Street, t: int) -> np.ndarray:
    """The four condition parts (rows: communities; columns: :data:`CONDITION_PARTS`)."""
    return month_kernel(*_condition_inputs(street, t), False, 0.0, 0.0, np.array([0.0, -np.inf]))


def scan_state(street: Street) -> np.ndarray:
    """The street's ``[rows_from, cutoff]`` for :func:`month_kernel` (made at the first
    call): every case before row ``rows_from`` was closed, and raised, before the hour
    ``cutoff``. A closed case never changes again, so while every window of the condition
    starts at or after ``cutoff`` those cases count in none of it."""
    scan = street.perception.condition_scan
    if scan is None:
        scan = street.perception.condition_scan = np.array([0.0, -np.inf])
    return scan


def rows_settled(street: Street, from_h: float) -> int:
    """A case row before which every case of the street closed before the hour
    ``from_h`` (so none counts among the cases closing, or raised, from then on): where
    the condition's pass last started (:func:`scan_state`), or the first row."""
    scan = street.perception.condition_scan
    return int(scan[0]) if scan is not None and scan[1] <= from_h else 0


def _condition_inputs(street: Street, t: int) -> tuple:
    """The arguments of :func:`month_kernel` before its word-of-mouth switch."""
    res = street.residents
    pc = street.p.perception
    cs = street.cases
    now = t * 24.0
    return (cs.n, res.community, res.community_size, res.word_of_mouth, cs.resident, cs.category, cs.state,
            cs.outcome, cs.route, cs.elderly, cs.raised_h, cs.closed_h, cs.perceived, now,
            now - 24.0 * pc.problem_persistence_days, now - 365.0 * 24.0,
            max(float(pc.problem_density_reference), 1e-9), max(float(pc.so_activity_reference), 1e-9),
            float(street.money.renovated))


@njit(cache=True)
def month_kernel(n_cases: int, community: np.ndarray, community_size: np.ndarray, word_of_mouth: np.ndarray,
                 resident: np.ndarray,
                 category: np.ndarray, state: np.ndarray, outcome: np.ndarray, route: np.ndarray,
                 elderly: np.ndarray, raised_h: np.ndarray, closed_h: np.ndarray, perceived: np.ndarray,
                 now: float, persist_from: float, year_ago: float, density_reference: float,
                 so_reference: float, renovated: float, word: bool, month_ago: float, alpha: float,
                 scan: np.ndarray) -> np.ndarray:
    """Word of mouth (if ``word``) and the community condition, in one pass over the
    first ``n_cases`` cases (compiled; counts and sums in case order, as ``np.bincount``).

    Word of mouth: each community's mean score (``perceived``) of the cases closed in
    ``[month_ago, now)`` (its old value where none closed) is taken with weight
    ``alpha``, in place, when any case closed. Returns the condition (communities x
    :data:`CONDITION_PARTS`): ``1 / (1 + problems per 1,000 residents /
    density_reference)`` (``community_size`` residents), problems being environment
    cases still open and raised before ``now`` or closed unresolved from
    ``persist_from``; the renovated share of the community's centre
    (:func:`renovated_by_community`); ``min(1, social-organisation cases raised in
    [year_ago, now) per 1,000 / so_reference)``; the resolved share of the elderly
    residents' livelihood cases closed from ``year_ago`` (0.5 where none).

    The pass starts at row ``scan[0]`` when every window starts at or after ``scan[1]``
    (:func:`scan_state`), else at the first row; then ``scan`` moves past the cases
    closed and raised before the earliest window of this call.
    """
    low = min(persist_from, year_ago)
    if word:
        low = min(low, month_ago)
    rows_from = int(scan[0])
    if low < scan[1] or rows_from > n_cases:
        rows_from = 0
    n_comm = len(word_of_mouth)
    heard_n = np.zeros(n_comm, np.int64)
    heard_total = np.zeros(n_comm)
    problems = np.zeros(n_comm, np.int64)
    so_cases = np.zeros(n_comm, np.int64)
    n_eld = np.zeros(n_comm, np.int64)
    ok_eld = np.zeros(n_comm, np.int64)
    any_heard = False
    for i in range(rows_from, n_cases):
        # the time tests first: they fail for all but recent cases (few mispredicted branches)
        closed = state[i] == CLOSED
        if closed:
            t_closed = closed_h[i]
            if word and month_ago <= t_closed < now:
                c = community[resident[i]]
                heard_n[c] += 1
                heard_total[c] += perceived[i]
                any_heard = True
            if t_closed >= persist_from and category[i] == ENVIRONMENT and outcome[i] != RESOLVED:
                problems[community[resident[i]]] += 1
            if t_closed >= year_ago and elderly[i] and category[i] == LIVELIHOOD:
                c = community[resident[i]]
                n_eld[c] += 1
                ok_eld[c] += outcome[i] == RESOLVED
        elif raised_h[i] < now and category[i] == ENVIRONMENT:
            problems[community[resident[i]]] += 1
        if route[i] == ROUTE_SO and year_ago <= raised_h[i] < now:  # few: ``raised_h`` rarely read
            so_cases[community[resident[i]]] += 1
    while rows_from < n_cases and state[rows_from] == CLOSED and closed_h[rows_from] < low \
            and raised_h[rows_from] < low:
        rows_from += 1
    scan[0] = rows_from
    scan[1] = low
    if any_heard:
        for c in range(n_comm):
            heard = heard_total[c] / heard_n[c] if heard_n[c] > 0 else word_of_mouth[c]
            word_of_mouth[c] += alpha * (heard - word_of_mouth[c])
    parts = np.empty((n_comm, len(CONDITION_PARTS)))
    for c in range(n_comm):
        per_1000 = max(community_size[c], 1) / 1000.0
        parts[c, 0] = 1.0 / (1.0 + problems[c] / per_1000 / density_reference)
        parts[c, 1] = _clip01(renovated - c)
        so_rate = so_cases[c] / per_1000 / so_reference
        parts[c, 2] = 1.0 if so_rate > 1.0 else so_rate  # np.minimum: NaN stays NaN
        parts[c, 3] = ok_eld[c] / n_eld[c] if n_eld[c] > 0 else 0.5
    return parts


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
                          float(pc.expectation_adaptation), float(pc.expectation_drift), res.work)
    keys = ("satisfaction_survey", "rating_mean", "perceived_mean", "expectation_mean", "trust_mean",
            *(f"condition_{k}" for k in CONDITION_PARTS))
    return {k: float(v) for k, v in zip(keys, stats, strict=True)}


@njit(cache=True)
def survey_kernel(day: int, memory_years: float, own: np.ndarray, trust: np.ndarray, touched_day: np.ndarray,
                  community: np.ndarray, word_of_mouth: np.ndarray, expectation: np.ndarray,
                  disposition: np.ndarray, condition: np.ndarray, weights: np.ndarray, initial: float,
                  disconfirmation_weight: float, threshold: float, adaptation: float, drift: float,
                  work: np.ndarray) -> np.ndarray:
    """The survey (compiled): everyone's ``own`` and ``trust`` relaxed to ``day`` (the
    rule of :func:`sim.population.relax_kernel`, one ``exp`` per distinct number of days
    since touched), their perceived performance (:func:`perceived_kernel`) and rating.
    Returns the share rating ``threshold`` or more, the means of the rating (clipped to
    0-1), perceived performance, expectation and trust, and of each condition part over
    the communities (in that order; means add as NumPy's ``mean``); then expectations
    move ``adaptation`` of the way to perceived performance, plus ``drift``, clipped to
    0-1. ``work``: two rows of ``len(own)`` floats of scratch space."""
    n = len(own)
    keep_of = np.empty(day + 1)
    known = np.zeros(day + 1, np.bool_)
    for i in range(n):
        d = day - touched_day[i]
        if 0 <= d <= day:
            if not known[d]:
                keep_of[d] = memory_keep(d, memory_years)
                known[d] = True
            keep = keep_of[d]
        else:
            keep = memory_keep(d, memory_years)
        heard = word_of_mouth[community[i]]
        own[i] = heard + (own[i] - heard) * keep
        trust[i] = heard + (trust[i] - heard) * keep
        touched_day[i] = day
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


