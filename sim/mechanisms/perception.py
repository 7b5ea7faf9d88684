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
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba.extending import register_jitable

from sim.cases import CLOSED, RESOLVED, ROUTE_SO
from sim.domain import CATEGORIES

if TYPE_CHECKING:
    from sim.street import Street

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
    """Month start: word of mouth from last month's closings; community condition."""
    res = street.residents
    pc = street.p.perception
    cs = street.cases
    n_comm = len(res.word_of_mouth)
    last = np.flatnonzero(cs.closed_within(t, 30))
    if len(last):
        comm = res.community[cs.resident[last]]
        n = np.bincount(comm, minlength=n_comm)
        total = np.bincount(comm, weights=cs.perceived[last], minlength=n_comm)
        heard = np.divide(total, n, out=res.word_of_mouth.copy(), where=n > 0)
        alpha = 1.0 - np.exp(-1.0 / max(float(pc.neighbour_memory_months), 1e-6))
        res.word_of_mouth += alpha * (heard - res.word_of_mouth)
    street.condition = community_condition(street, t)


def community_condition(street: Street, t: int) -> np.ndarray:
    """The four condition parts (rows: communities; columns: :data:`CONDITION_PARTS`)."""
    res = street.residents
    pc = street.p.perception
    cs = street.cases
    n_comm = len(res.word_of_mouth)
    people = np.maximum(np.bincount(res.community, minlength=n_comm), 1) / 1000.0
    comm = res.community[cs.view("resident")]
    cat = cs.view("category")
    closed_h = cs.view("closed_h")
    state = cs.view("state")
    outcome = cs.view("outcome")
    raised_h = cs.view("raised_h")
    now = t * 24.0
    env = cat == ENVIRONMENT
    still_open = env & (state != CLOSED) & (raised_h < now)
    left = env & (state == CLOSED) & (outcome != RESOLVED) & \
        (closed_h >= now - 24.0 * pc.problem_persistence_days)
    problems = np.bincount(comm[still_open | left], minlength=n_comm) / people
    year_ago = now - 365.0 * 24.0
    so = (cs.view("route") == ROUTE_SO) & (raised_h >= year_ago) & (raised_h < now)
    so_rate = np.bincount(comm[so], minlength=n_comm) / people
    eld = cs.view("elderly") & (cat == LIVELIHOOD) & (state == CLOSED) & (closed_h >= year_ago)
    n_eld = np.bincount(comm[eld], minlength=n_comm)
    ok_eld = np.bincount(comm[eld & (outcome == RESOLVED)], minlength=n_comm)
    parts = np.column_stack([
        1.0 / (1.0 + problems / max(float(pc.problem_density_reference), 1e-9)),
        renovated_by_community(street.renovated, n_comm),
        np.minimum(1.0, so_rate / max(float(pc.so_activity_reference), 1e-9)),
        np.divide(ok_eld, n_eld, out=np.full(n_comm, 0.5), where=n_eld > 0),
    ])
    return parts


def renovated_by_community(renovated: float, n_comm: int) -> np.ndarray:
    """Share of each community's service centre renovated (centres are renovated in
    community order; the one in progress counts by its fraction)."""
    return np.clip(renovated - np.arange(n_comm), 0.0, 1.0)


def perceived(street: Street, idx: np.ndarray) -> np.ndarray:
    """Perceived performance of public services of residents ``idx``."""
    res = street.residents
    pc = street.p.perception
    comm = res.community[idx]
    condition = street.condition.mean(axis=1)[comm]
    w = np.array([pc.weight_own, pc.weight_neighbours, pc.weight_condition, pc.weight_trust], float)
    total = w.sum()
    if total <= 0:
        return np.full(len(idx), float(pc.initial))
    parts = (w[0] * res.own[idx] + w[1] * res.word_of_mouth[comm] + w[2] * condition
             + w[3] * res.trust[idx])
    return parts / total


def survey(street: Street, t: int) -> dict[str, float]:
    """The yearly third-party survey of all residents, then expectations adapt.

    Returns the share satisfied and the means of rating, perceived performance,
    expectation and community condition (before adaptation)."""
    res = street.residents
    pc = street.p.perception
    res.relax(np.arange(res.n), t, street.p.feedback.memory_years)
    everyone = np.arange(res.n)
    perf = perceived(street, everyone)
    score = rating(perf, res.expectation, res.disposition, pc.disconfirmation_weight)
    out = {
        "satisfaction_survey": float(np.mean(score >= pc.survey_threshold)),
        "rating_mean": float(np.mean(np.clip(score, 0.0, 1.0))),
        "perceived_mean": float(perf.mean()),
        "expectation_mean": float(res.expectation.mean()),
        "trust_mean": float(res.trust.mean()),
        **{f"condition_{k}": float(v) for k, v in zip(CONDITION_PARTS, street.condition.mean(axis=0),
                                                          strict=True)},
    }
    res.expectation += pc.expectation_adaptation * (perf - res.expectation) + pc.expectation_drift
    np.clip(res.expectation, 0.0, 1.0, out=res.expectation)
    return out


def callback_satisfied(street: Street, who: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Call-back (回访): is the resident of a case just closed satisfied with it?"""
    res = street.residents
    pc = street.p.perception
    return rating(score, res.expectation[who], res.disposition[who],
                  pc.disconfirmation_weight) >= pc.callback_threshold
