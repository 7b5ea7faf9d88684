"""Intake and triage (brief §3.2): the queue meets the casework hours left today.

Cases wait in one first-in-first-out queue. A case waiting longer than the resident's
patience is abandoned. Each day the street admits cases from the head of the queue while
its staff have casework hours left; each admitted case takes its intake time plus the
time of its route:

* **departments** - it needs a power a department holds (unless enforcement has been
  delegated to the street): the street whistles (``sim.mechanisms.whistle``);
* **social organisation** - it suits one and an organisation with that specialty has
  room this month: the street refers it (``sim.mechanisms.referral``);
* **street** - otherwise the street handles it (``sim.mechanisms.resolution``).

Admitted cases are allocated to staff in order of the queue; cases needing a specialist
go first to staff (and volunteers from the talent pool) of the matching specialty. No
post is ever given more hours than it has free.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from sim.cases import (
    AT_SO,
    DR_ABANDONED,
    DROPPED,
    IN_STREET,
    ROUTE_DEPT,
    ROUTE_SO,
    ROUTE_STREET,
    U_ROUTE,
)
from sim.domain import CATEGORIES, CATEGORY_SPECIALTY, SPECIALTIES
from sim.mechanisms import feedback, referral, resolution, whistle

if TYPE_CHECKING:
    from sim.street import Street

SPECIALIST_OF_CATEGORY = np.array([SPECIALTIES.index(CATEGORY_SPECIALTY[c]) for c in CATEGORIES])
VOLUNTEER = -2
OFFICE_OPEN_H = 9.0


def daily(street: Street, t: int) -> None:
    """Abandon stale cases, admit what today's hours allow, route and handle them."""
    abandon_stale(street, t)
    answer_complaints(street)
    street.backlog_hours = 0.0
    if len(street.queue) == 0:
        return
    cs = street.cases
    q = street.queue
    route, hours = plan_routes(street, q)
    free = street.hours.free
    cum = np.cumsum(hours)
    k = int(np.searchsorted(cum, free.sum() + 1e-9, side="right"))
    street.backlog_hours = float(cum[-1] - (cum[k - 1] if k else 0.0))
    if k == 0:
        return
    admitted, route, hours = q[:k], route[:k], hours[:k]
    route, hours = referral.reserve(street, admitted, route, hours)
    # referral may turn a case back to the street, costing more time: trim the tail
    k = int(np.searchsorted(np.cumsum(hours), free.sum() + 1e-9, side="right"))
    if k < len(admitted):
        referral.release(street, admitted[k:], route[k:])
        admitted, route, hours = admitted[:k], route[:k], hours[:k]
    if k == 0:
        return
    street.queue = q[len(admitted):]
    cs.route[admitted] = route
    handler, specialist, used = allocate_staff(street, admitted, hours)
    street.hours.take("casework", used)
    accepted_h = np.maximum(cs.raised_h[admitted] + 0.25, t * 24.0 + OFFICE_OPEN_H)
    cs.accepted_h[admitted] = accepted_h
    cs.first_response_h[admitted] = accepted_h
    cs.handler[admitted] = handler
    cs.specialist[admitted] = specialist
    cs.staff_hours[admitted] = hours
    street.records_to_reenter += float(len(admitted))  # re-entered on the next workday
    on_street = admitted[route == ROUTE_STREET]
    resolution.handle(street, on_street, t)
    cs.state[on_street] = IN_STREET
    to_so = admitted[route == ROUTE_SO]
    referral.handle(street, to_so, t)
    cs.state[to_so] = AT_SO
    street.in_service = np.concatenate([street.in_service, on_street, to_so])
    whistle.send_cases(street, admitted[route == ROUTE_DEPT], t)


def answer_complaints(street: Street) -> None:
    """Complaints waiting for an answer take casework hours first, spread over the posts
    with hours free; what does not fit waits for the next day."""
    due = street.complaint_hours_due
    if due <= 0:
        return
    free = street.hours.free
    total = float(free.sum())
    if total <= 0:
        return
    got = street.hours.take("casework", free * min(1.0, due / total))
    street.complaint_hours_due = max(0.0, due - float(got.sum()))


def abandon_stale(street: Street, t: int) -> None:
    """Residents give up on cases queued longer than their patience."""
    q = street.queue
    if len(q) == 0:
        return
    limit = (t - street.p.cases.patience_days) * 24.0
    stale = street.cases.raised_h[q] < limit
    if stale.any():
        ids = q[stale]
        street.queue = q[~stale]
        cs = street.cases
        cs.planned_outcome[ids] = DROPPED
        cs.planned_reason[ids] = DR_ABANDONED
        cs.closed_h[ids] = t * 24.0
        feedback.end_now(street, ids)


def plan_routes(street: Street, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Route of each queued case if admitted today (before social-organisation room) and
    the staff hours it takes on that route (intake included)."""
    cs = street.cases
    p = street.p
    c = p.cases
    return routes_kernel(ids, cs.u[:, U_ROUTE], cs.needs_department, cs.so_suitable, cs.channel, cs.category,
                         float(p.departments.enforcement_delegated), float(p.referral.propensity),
                         np.asarray(c.intake_hours, dtype=np.float64),
                         np.asarray(c.street_handling_hours, dtype=np.float64),
                         float(c.whistle_coordination_hours), float(c.referral_hours))


@njit(cache=True)
def routes_kernel(ids: np.ndarray, u_route: np.ndarray, needs_department: np.ndarray, so_suitable: np.ndarray,
                  channel: np.ndarray, category: np.ndarray, delegated: float, propensity: float,
                  intake_hours: np.ndarray, street_hours: np.ndarray, whistle_hours: float,
                  referral_hours: float) -> tuple[np.ndarray, np.ndarray]:
    """:func:`plan_routes` over plain arrays (compiled): a case needing a department's
    power goes to the departments unless the power is delegated to the street; a case
    that suits a social organisation goes there with the referral propensity; the
    street handles the rest."""
    n = len(ids)
    route = np.empty(n, np.int8)
    hours = np.empty(n)
    for i in range(n):
        c = ids[i]
        u = u_route[c]
        if needs_department[c] and u >= delegated:
            route[i] = ROUTE_DEPT
            by_route = whistle_hours
        elif not needs_department[c] and so_suitable[c] and u < propensity:
            route[i] = ROUTE_SO
            by_route = referral_hours
        else:
            route[i] = ROUTE_STREET
            by_route = street_hours[category[c]]
        hours[i] = intake_hours[channel[c]] + by_route
    return route, hours


@njit(cache=True)
def fill_in_order(need: np.ndarray, avail: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Give cases (in order) consecutive stretches of the posts' free hours.

    Returns the post holding the start of each case's stretch (``-1`` for cases that do
    not fit), hours used per post, and the number of cases that fit. (Compiled; the same
    running sums and comparisons as the array expressions it replaced.)
    """
    cum_need = np.cumsum(need)
    cum_avail = np.cumsum(avail)
    total_avail = cum_avail[-1] if len(cum_avail) else 0.0
    fit = np.searchsorted(cum_need, total_avail + 1e-9, side="right")
    handler = np.full(len(need), -1, dtype=np.int64)
    if fit:
        handler[:fit] = np.minimum(np.searchsorted(cum_avail, cum_need[:fit] - need[:fit], side="right"),
                                   len(avail) - 1)
    total = cum_need[fit - 1] if fit else 0.0
    used = np.minimum(np.maximum(total - (cum_avail - avail), 0.0), avail)
    return handler, used, fit


def allocate_staff(street: Street, ids: np.ndarray, hours: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Assign admitted cases to posts; specialists take matching specialist cases first.

    Returns handler slot per case (``VOLUNTEER`` for the talent pool), whether the
    handler is a matching specialist, and the hours used per post.
    """
    cs = street.cases
    r = street.roster
    wants = cs.needs_specialist[ids] & (cs.route[ids] != ROUTE_DEPT)
    spec_needed = SPECIALIST_OF_CATEGORY[cs.category[ids]]
    handler, specialist, used, volunteer_left = allocate_kernel(
        np.ascontiguousarray(hours, dtype=np.float64), wants, spec_needed, r.filled,
        r.specialty.astype(np.int64), street.hours.free, float(street.volunteer_hours_today))
    street.volunteer_hours_today = volunteer_left
    if (handler == -1).any():  # cannot happen: admission kept total hours within free hours
        raise RuntimeError("allocation exceeded free hours")
    return handler, specialist, used


@njit(cache=True)
def allocate_kernel(hours: np.ndarray, wants: np.ndarray, spec_needed: np.ndarray, filled: np.ndarray,
                    specialty: np.ndarray, free_in: np.ndarray, volunteer_left: float
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """:func:`allocate_staff` over plain arrays: specialty by specialty (in code order),
    the talent pool's volunteer hours first, then the matching posts; then every other
    case on the posts with hours left. Returns handler, specialist, hours used per post
    and the volunteer hours left."""
    free = free_in.copy()
    used = np.zeros(len(free))
    handler = np.full(len(hours), -1, dtype=np.int64)
    specialist = np.zeros(len(hours), np.bool_)
    for s in np.unique(spec_needed[wants]):
        sel = np.flatnonzero(wants & (spec_needed == s))
        if volunteer_left > 0:
            cum = np.cumsum(hours[sel])
            nv = np.searchsorted(cum, volunteer_left + 1e-9, side="right")
            for j in range(nv):
                handler[sel[j]] = VOLUNTEER
                specialist[sel[j]] = True
            volunteer_left -= cum[nv - 1] if nv else 0.0
            sel = sel[nv:]
        posts = np.flatnonzero(filled & (specialty == s))
        if len(sel) == 0 or len(posts) == 0:
            continue
        h, u, fit = fill_in_order(hours[sel], free[posts])
        for j in range(fit):
            handler[sel[j]] = posts[h[j]]
            specialist[sel[j]] = True
        for j in range(len(posts)):
            used[posts[j]] += u[j]
            free[posts[j]] -= u[j]
    rest = np.flatnonzero(handler == -1)
    if len(rest):
        posts = np.flatnonzero(free > 0)
        h, u, fit = fill_in_order(hours[rest], free[posts])
        for j in range(fit):
            handler[rest[j]] = posts[h[j]]
        for j in range(len(posts)):
            used[posts[j]] += u[j]
    return handler, specialist, used, volunteer_left
