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
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.cases import (
    CLOSED,
    DROPPED,
    RESOLVED,
    U_COMPLAINT,
    U_GAMING,
    U_REPEAT,
)
from sim.domain import CATEGORIES
from sim.draws import lognormal_from_z
from sim.mechanisms import perception

if TYPE_CHECKING:
    from sim.street import Street

LIVELIHOOD = CATEGORIES.index("livelihood")


def end_now(street: Street, ids: np.ndarray) -> None:
    """Mark cases (outcome and closing time already planned) to close at day's end."""
    if len(ids):
        street.closing_today.append(ids)


def close_due(street: Street, t: int) -> None:
    """Close the cases ending today: those whose service ends today and those ended
    during the day (abandoned, dropped after whistles), all at once."""
    s = street.in_service
    parts = street.closing_today
    street.closing_today = []
    if len(s):
        due = street.cases.due_day[s] <= t
        if due.any():
            street.in_service = s[~due]
            parts.append(s[due])
    if parts:
        close(street, np.concatenate(parts) if len(parts) > 1 else parts[0], t)


def close(street: Street, ids: np.ndarray, t: int) -> None:
    """Close cases with their planned outcome and apply the residents' feedback."""
    if len(ids) == 0:
        return
    cs = street.cases
    p = street.p
    f = p.feedback
    cs.state[ids] = CLOSED
    outcome = cs.planned_outcome[ids]
    cs.outcome[ids] = outcome
    cs.drop_reason[ids] = cs.planned_reason[ids]
    resolved = outcome == RESOLVED
    dropped = outcome == DROPPED
    waited = cs.closed_h[ids] - cs.raised_h[ids]
    in_time = waited <= p.cases.time_limit_hours[cs.category[ids]]
    score = np.where(resolved, np.where(in_time, f.score_in_time, f.score_late), f.score_dropped)
    who = cs.resident[ids]
    res = street.residents
    res.experience(who, score, t, p)
    cs.perceived[ids] = score
    cs.callback_satisfied[ids] = perception.callback_satisfied(street, who, score)

    u = cs.u[ids]
    bounced = cs.n_bounces[ids] > 0
    p_complaint = np.minimum(1.0, f.p_complaint * np.where(bounced, f.bounce_complaint_factor, 1.0))
    # unresolved residents complain; bounced residents complain even when finally served
    complaint = (dropped | bounced) & (u[:, U_COMPLAINT] < p_complaint)
    cs.complaint[ids] = complaint
    cs.complaint_unclear[ids] = complaint & bounced
    street.complaint_hours_due += float(np.count_nonzero(complaint)) * f.complaint_staff_hours
    reported_weight = min(1.0, p.assessment.trace_weight + p.assessment.results_weight)
    gaming = p.assessment.gaming_propensity * reported_weight
    cs.reported_resolved[ids] = resolved | (dropped & (u[:, U_GAMING] < gaming))

    trust_factor = np.minimum(res.trust[who] / max(p.perception.initial, 1e-6), 1.5)
    again = dropped & (u[:, U_REPEAT] < f.p_repeat * trust_factor)
    if again.any():
        days = lognormal_from_z(f.repeat_delay_days, 0.5, cs.z_repeat[ids[again]])
        street.repeats_due = np.concatenate([street.repeats_due, ids[again]])
        street.repeats_day = np.concatenate([street.repeats_day, t + 1 + np.floor(days).astype(np.int64)])

    # a resolved livelihood case of an eligible resident can enrol them
    liv = resolved & (cs.category[ids] == LIVELIHOOD)
    if liv.any():
        cand = who[liv]
        cand = cand[res.eligible[cand] & ~res.enrolled[cand]]
        if len(cand):
            hit = street.streams["enrolment"].random(len(cand)) < p.enrolment.contact_enrol_prob
            res.enrolled[cand[hit]] = True
