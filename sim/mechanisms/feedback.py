"""Resident feedback (brief §3.6): outcomes shape satisfaction and trust; unresolved
cases return as repeat contacts or complaints; assessment pressure shapes what is
reported.

On closing, the case gets a score - the resident's perceived performance of it (resolved in
time, resolved late, not resolved); the resident's memory of their own cases and their
trust move towards it, and the call-back (回访) asks them whether they are satisfied with
it (expectancy-disconfirmation, :mod:`sim.mechanisms.perception`). Each complaint costs the
street ``complaint_staff_hours`` of casework time (reply, explanation, re-visit), taken
from the next days' hours before new cases are admitted. An unresolved case becomes a complaint with
probability ``p_complaint`` (raised by ``bounce_complaint_factor`` when the case was
bounced between departments; a bounced resident may complain even when the case is
finally resolved; complaints on bounced cases are 'caused by unclear duties'), and comes
back as a repeat contact with probability ``p_repeat`` scaled by the resident's trust.
Metric gaming: an unresolved closure is reported as resolved with probability
``gaming_propensity * (trace_weight + results_weight)`` - the share of the assessment that
rests on reported, unverified material; true and reported outcomes are both kept.

A day's closings run as one compiled (numba) kernel, :func:`close_kernel`; only the
enrolment draws for resolved livelihood cases (their number is the kernel's result) are
made and applied afterwards.

Cases ended during the day, cases in service, repeats due and complaint hours are
fields of ``street.intake`` (:class:`sim.mechanisms.intake.IntakeState`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from sim.cases import (
    CLOSED,
    DROPPED,
    RESOLVED,
    U_COMPLAINT,
    U_GAMING,
    U_REPEAT,
    U_REPEAT_DELAY,
)
from sim.compiled import prefetch
from sim.domain import CATEGORIES
from sim.mechanisms.perception import rating
from sim.population import experience_kernel, memory_shares
from sim.randomness.compiled import lognormal_from_z, normal_quantile

if TYPE_CHECKING:
    from sim.street import Street

LIVELIHOOD = CATEGORIES.index("livelihood")
REPEAT_DELAY_SIGMA = 0.5
"""Log-normal sigma of the delay before a repeat contact."""
_NO_IDS = np.empty(0, dtype=np.int64)


def end_now(street: Street, ids: np.ndarray) -> None:
    """Mark cases (outcome and closing time already planned) to close at day's end."""
    if len(ids):
        street.intake.closing_today.append(ids)


def close_due(street: Street, t: int) -> None:
    """Close the cases ending today: those ended during the day (abandoned, dropped after
    whistles), then those whose service ends today, all at once."""
    ik = street.intake
    parts = ik.closing_today
    if not parts and len(ik.in_service) == 0:
        return
    ik.closing_today = []
    ended = (parts[0] if len(parts) == 1 else np.concatenate(parts)) if parts else _NO_IDS
    ik.in_service = _close(street, ended, ik.in_service, t)


def close(street: Street, ids: np.ndarray, t: int) -> None:
    """Close cases with their planned outcome and apply the residents' feedback."""
    if len(ids):
        _close(street, ids, _NO_IDS, t)


def _close(street: Street, ended: np.ndarray, service: np.ndarray, t: int) -> np.ndarray:
    """Close ``ended`` and the cases of ``service`` due by day ``t`` (one kernel call),
    then draw the enrolment of the candidates it found; returns ``service`` left open."""
    cs = street.cases
    res = street.residents
    p = street.p
    f = p.feedback
    a = p.assessment
    gaming = a.gaming_propensity * min(1.0, a.trace_weight + a.results_weight)
    ik = street.intake
    rest, n_complaints, ik.repeats_due, ik.repeats_day, cand = close_kernel(
        ended, service, t, cs.due_day, cs.state, cs.planned_outcome, cs.outcome, cs.planned_reason,
        cs.drop_reason, cs.closed_h, cs.raised_h, cs.category, cs.resident, cs.n_bounces, cs.u,
        cs.perceived, cs.callback_satisfied, cs.complaint, cs.complaint_unclear,
        cs.reported_resolved, res.own, res.trust, res.touched_day, res.community, res.word_of_mouth,
        res.expectation, res.disposition, res.eligible, res.enrolled, p.cases.time_limit_hours,
        float(f.score_in_time), float(f.score_late), float(f.score_dropped), float(f.learning_rate),
        float(f.memory_years), float(p.perception.disconfirmation_weight),
        float(p.perception.callback_threshold), float(f.p_complaint), float(f.bounce_complaint_factor),
        float(gaming), float(max(p.perception.initial, 1e-6)), float(f.p_repeat),
        float(f.repeat_delay_days), ik.repeats_due, ik.repeats_day,
        memory_shares(p, street.cal.n_days))
    if n_complaints:
        ik.complaint_hours_due += float(n_complaints) * f.complaint_staff_hours
    if len(cand):
        hit = street.streams["enrolment"].random(len(cand)) < p.enrolment.contact_enrol_prob
        res.enrolled[cand[hit]] = True
    return rest


@njit(cache=True)
def close_kernel(ended: np.ndarray, service: np.ndarray, t: int, due_day: np.ndarray, state: np.ndarray,
                 planned_outcome: np.ndarray, outcome: np.ndarray, planned_reason: np.ndarray,
                 drop_reason: np.ndarray, closed_h: np.ndarray, raised_h: np.ndarray, category: np.ndarray,
                 resident: np.ndarray, n_bounces: np.ndarray, u: np.ndarray,
                 perceived: np.ndarray, callback_ok: np.ndarray, complaint: np.ndarray,
                 complaint_unclear: np.ndarray, reported_resolved: np.ndarray, own: np.ndarray,
                 trust: np.ndarray, touched_day: np.ndarray, community: np.ndarray,
                 word_of_mouth: np.ndarray, expectation: np.ndarray, disposition: np.ndarray,
                 eligible: np.ndarray, enrolled: np.ndarray, time_limit_hours: np.ndarray,
                 score_in_time: float, score_late: float, score_dropped: float, learning_rate: float,
                 memory_years: float, disconfirmation_weight: float, callback_threshold: float,
                 p_complaint: float, bounce_factor: float, gaming: float, trust_scale: float,
                 p_repeat: float, repeat_delay_days: float, repeats_due: np.ndarray,
                 repeats_day: np.ndarray, keep_of: np.ndarray
                 ) -> tuple[np.ndarray, int, np.ndarray, np.ndarray, np.ndarray]:
    """Close the cases ``ended`` and those of ``service`` due by day ``t`` (in that order),
    writing their outcome and the residents' feedback into the case and resident columns.

    Per case: the score (resolved in time / late / not resolved) moves the resident's
    memory and trust (:func:`sim.population.experience_kernel`, one outcome after
    another); the call-back asks them (:func:`sim.mechanisms.perception.rating`); an
    unresolved or bounced case becomes a complaint with ``p_complaint`` (times
    ``bounce_factor`` if bounced, at most 1); an unresolved one is reported resolved with
    ``gaming``, and comes back with ``p_repeat`` times the resident's trust over
    ``trust_scale`` (at most 1.5) after a log-normal delay (mean ``repeat_delay_days``) from
    the normal quantile of its uniform ``u[c, U_REPEAT_DELAY]``. Returns the cases of
    ``service`` still open, the number of complaints, the repeat contacts (ids, days) with
    today's appended, and the residents of resolved livelihood cases eligible but not
    enrolled (enrolment candidates).
    """
    n_all = len(ended) + len(service)
    ints = np.empty(len(service) + 3 * n_all, np.int64)  # the id arrays as parts of one allocation
    rest, ids = ints[:len(service)], ints[len(service):len(service) + n_all]
    who, cand = ints[len(service) + n_all:len(service) + 2 * n_all], ints[len(service) + 2 * n_all:]
    ids[: len(ended)] = ended
    # the outcomes of closing cases are random: the steps below take both sides of each
    # condition and keep one (selects, no branches to mispredict)
    j, n = 0, len(ended)
    for c in service:
        due = due_day[c] <= t
        ids[n] = c  # overwritten by the next due case unless this one is due
        rest[j] = c
        n += due
        j += not due
    score = np.empty(3 * n)  # the scores, then the residents' expectations and dispositions
    seen, tilt = score[n:2 * n], score[2 * n:]
    # the residents' values first, in a loop of loads alone: their reads (cache misses in
    # the residents' columns, at random rows) overlap instead of waiting on one another
    for k in range(n):
        i = resident[ids[k]]
        who[k] = i
        seen[k] = expectation[i]
        tilt[k] = disposition[i]
        cand[k] = eligible[i] & (not enrolled[i])  # 0/1 here, the candidates below
        # and the rows the experience below reads (sim.population.relax_kernel)
        prefetch(own, i)
        prefetch(trust, i)
        prefetch(touched_day, i)
        prefetch(community, i)
    n_complaints = 0
    n_cand = 0
    for k in range(n):  # all but the repeat contacts, which read trust after the experience
        c = ids[k]
        i = who[k]
        can_enrol = cand[k]
        state[c] = CLOSED
        result = planned_outcome[c]
        outcome[c] = result
        drop_reason[c] = planned_reason[c]
        resolved = result == RESOLVED
        dropped = result == DROPPED
        in_time = closed_h[c] - raised_h[c] <= time_limit_hours[category[c]]
        s = (score_in_time if in_time else score_late) if resolved else score_dropped
        score[k] = s
        perceived[c] = s
        rated = rating(s, seen[k], tilt[k], disconfirmation_weight)
        callback_ok[c] = rated >= callback_threshold
        bounced = n_bounces[c] > 0
        p = p_complaint * (bounce_factor if bounced else 1.0)
        p = 1.0 if p > 1.0 else p
        # unresolved residents complain; bounced residents complain even when finally served
        complained = (dropped | bounced) & (u[c, U_COMPLAINT] < p)
        complaint[c] = complained
        complaint_unclear[c] = complained & bounced
        n_complaints += complained
        reported_resolved[c] = resolved | (dropped & (u[c, U_GAMING] < gaming))
        # a resolved livelihood case of an eligible resident can enrol them
        cand[n_cand] = i  # kept only if so (n_cand <= k: flags not yet read are not overwritten)
        n_cand += resolved & (category[c] == LIVELIHOOD) & (can_enrol != 0)
    experience_kernel(who[:n], score[:n], t, memory_years, learning_rate, own, trust, touched_day, community,
                      word_of_mouth, keep_of)
    m = len(repeats_due)
    new_due, new_day = repeats_due, repeats_day
    for k in range(n):
        c = ids[k]
        if outcome[c] != DROPPED:
            continue
        trust_factor = trust[who[k]] / trust_scale
        if trust_factor > 1.5:
            trust_factor = 1.5
        if u[c, U_REPEAT] < p_repeat * trust_factor:
            if m == len(repeats_due):  # the first today: room for every later closing too
                new_due = np.empty(m + n - k, np.int64)
                new_day = np.empty(m + n - k, np.int64)
                new_due[:m] = repeats_due
                new_day[:m] = repeats_day
            days = lognormal_from_z(repeat_delay_days, REPEAT_DELAY_SIGMA,
                                    normal_quantile(u[c, U_REPEAT_DELAY]))
            new_due[m] = c
            new_day[m] = t + 1 + np.int64(math.floor(days))
            m += 1
    if m > len(repeats_due):
        repeats_due, repeats_day = new_due[:m], new_day[:m]
    return rest[:j], n_complaints, repeats_due, repeats_day, cand[:n_cand]
