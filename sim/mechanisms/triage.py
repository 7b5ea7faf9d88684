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

A day is one compiled kernel call (:func:`day_kernel`): abandonment, complaint hours,
routes, admission, places at organisations, staff allocation, street handling
(``resolution.resolve_kernel``) and referral (``referral.refer_kernel``); :func:`daily`
gathers the arrays, stores the results, writes the organisations' and the purse's
changes back and sends the department cases to the whistle.

It takes from ``street.intake`` (queue, complaint hours; cases into service) and the
day's volunteer hours (``DayHours.volunteer``), and reports the records it made to the
staff-time mechanism (``timebudget.records_made``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from sim.agents.staff import CONTRACT, count_held
from sim.calendar import OFFICE_OPEN_H
from sim.cases import AT_SO, DR_ABANDONED, DROPPED, IN_STREET, ROUTE_DEPT, ROUTE_SO, ROUTE_STREET, U_ROUTE
from sim.compiled import leaf, pairwise_sum, search_right
from sim.domain import CATEGORIES, CATEGORY_SPECIALTY, SPECIALTIES
from sim.hours import CASEWORK, free_hours, np_maximum, np_minimum, take_hours_into
from sim.mechanisms import feedback, referral, resolution, timebudget, whistle
from sim.mechanisms.money import wage_reserve_kernel
from sim.mechanisms.resolution import dispatch_kernel
from sim.memo import ObjectMemo
from sim.params.values import Params

if TYPE_CHECKING:
    from sim.street import Street

SPECIALIST_OF_CATEGORY = np.array([SPECIALTIES.index(CATEGORY_SPECIALTY[c]) for c in CATEGORIES])
VOLUNTEER = -2


_RULES: ObjectMemo[Params, tuple] = ObjectMemo(64)
"""The kernel's parameter tuples, kept per street parameters (``sim.memo.ObjectMemo``).

Keeping them relies on parameters being read-only (``sim.params.values``: frozen
groups, read-only arrays): a ``Params`` never changes after it is built, and a changed
value is a new ``Params`` (a schedule, ``platform.apply``), so a tuple built from one is
right for as long as that object lives."""


def _rules(street: Street) -> tuple:
    """The parameters of :func:`day_kernel` (``Params`` are read-only: built once per set;
    ``resolution.rule`` and ``referral.rule`` read ``street.p`` alone)."""

    def make(p: Params) -> tuple:
        c = p.cases
        routes = (float(p.departments.enforcement_delegated), float(p.referral.propensity),
                  np.asarray(c.intake_hours, dtype=np.float64),
                  np.asarray(c.street_handling_hours, dtype=np.float64),
                  float(c.whistle_coordination_hours), float(c.referral_hours))
        other = (float(c.patience_days), SPECIALIST_OF_CATEGORY, referral.FITS,
                 float(c.residents_per_grid), float(c.dispatch_hours_per_grid), float(c.instant_dispatch),
                 float(p.staff.pay[CONTRACT]), float(p.money.wage_reserve_months))
        return routes, other, resolution.rule(street), referral.rule(street)

    return _RULES.get(street.p, make)


def daily(street: Street, t: int) -> None:
    """Abandon stale cases, admit what today's hours allow, route and handle them."""
    ik = street.intake
    if len(ik.queue) == 0 and ik.complaint_hours_due <= 0:
        ik.backlog_hours = 0.0
        return
    cs = street.cases
    h = street.hours
    r = street.roster
    purse = street.purse
    sos = street.sos
    table = referral.so_table(sos)
    cols = (cs.raised_h, cs.u, cs.needs_department, cs.so_suitable, cs.channel, cs.category,
            cs.needs_specialist, cs.needs_data, cs.needs_money, cs.money_pot, cs.money_need, cs.z_delay,
            cs.route, cs.accepted_h, cs.first_response_h, cs.handler, cs.specialist, cs.staff_hours, cs.state,
            cs.planned_outcome, cs.planned_reason, cs.closed_h, cs.due_day, cs.money_paid)
    (queue, stale, to_departments, in_service, admitted, ik.backlog_hours, ik.complaint_hours_due,
     h.volunteer, n_money, need, spent, n_referred, general, fees, taken, changed, fitted
     ) = day_kernel(t, ik.queue, ik.in_service, cols, h.by_bucket, h.available,
                    float(ik.complaint_hours_due), float(h.volunteer), r.filled,
                    r.contract, r.specialty, r.skill, street.residents.n, table, purse.pots, purse.bundled,
                    purse.general, purse.ledger["so_fees"], street.cal.office_len, street.cal.office_before,
                    *_rules(street))
    ik.queue = queue
    if len(stale):
        feedback.end_now(street, stale)
    if not fitted:  # cannot happen: admission kept total hours within free hours
        raise RuntimeError("allocation exceeded free hours")
    if len(changed):
        referral.write_back(sos, table, changed, taken)
    if admitted == 0:
        return
    ik.in_service = in_service
    timebudget.records_made(street, float(admitted))  # re-entered on the next workday
    if n_money:
        purse.book_needs(n_money, need, spent)
    if n_referred:
        purse.general = general
        purse.ledger["so_fees"] = fees
    whistle.send_cases(street, to_departments, t)


@njit(cache=True)
def day_kernel(t: int, queue: np.ndarray, in_service: np.ndarray, cols: tuple, by_bucket: np.ndarray,
               available: np.ndarray, complaint_due: float, volunteer_left: float, filled: np.ndarray,
               contract: np.ndarray, specialty: np.ndarray, skill: np.ndarray, residents: int,
               table: np.ndarray, pots: np.ndarray, bundled: bool, general: float, fees: float,
               office_len: np.ndarray, office_before: np.ndarray, routes: tuple, other: tuple,
               resolution_rule: tuple, referral_rule: tuple) -> tuple:
    """One day of :func:`daily` (compiled) on the case columns ``cols``, the day's hours
    (``by_bucket`` updated in place), the roster, the organisations' table (updated in
    place), the purse's pots (drawn in place), general budget and fees ledger, and the
    calendar's office hours. Returns the queue, abandoned ids, department cases, cases
    in service, the number admitted, backlog hours, complaint hours still due, volunteer
    hours left, money needs (count, total, paid), cases referred, general budget and
    fees ledger after, cases taken per organisation, the organisations whose places or
    cases changed, and whether the allocation fitted."""
    (raised_h, u, needs_department, so_suitable, channel, category, needs_specialist, needs_data,
     needs_money, money_pot, money_need, z_delay, route_col, accepted_h, first_response_h, handler_col,
     specialist_col, staff_hours, state, planned_outcome, planned_reason, closed_h, due_day,
     money_paid) = cols
    (patience_days, specialist_of_category, fits, residents_per_grid, hours_per_grid, instant_dispatch,
     contract_pay, reserve_months) = other
    taken = np.zeros(len(table), np.int64)
    queue, stale = abandon_stale(t, queue, raised_h, patience_days, planned_outcome, planned_reason, closed_h)
    complaint_due = answer_complaints(complaint_due, by_bucket, available)
    k, backlog, route, hours, so_of, reserved, free = admit(
        queue, u, needs_department, so_suitable, channel, category, by_bucket, available, table, fits, routes)
    if k == 0:
        return (queue, stale, np.empty(0, np.int64), in_service, 0, backlog, complaint_due, volunteer_left, 0,
                0.0, 0.0, 0, general, fees, taken, changed_rows(reserved, taken), True)
    admitted, queue = queue[:k], queue[k:]  # views: no kernel writes into a queue
    wants = np.empty(k, np.bool_)
    spec_needed = np.empty(k, np.int64)
    for i in range(k):
        c = admitted[i]
        route_col[c] = route[i]
        wants[i] = needs_specialist[c] and route[i] != ROUTE_DEPT
        spec_needed[i] = specialist_of_category[category[c]]
    handler, specialist, used, volunteer_left = allocate_kernel(hours, wants, spec_needed, filled, specialty,
                                                                free, volunteer_left)
    fitted = True
    for i in range(k):
        fitted = fitted and handler[i] != -1
    take_hours_into(by_bucket, CASEWORK, available, used, used)  # the hours given are not read
    opened = t * 24.0 + OFFICE_OPEN_H
    for i in range(k):
        c = admitted[i]
        accepted = np_maximum(raised_h[c] + 0.25, opened)
        accepted_h[c] = accepted
        first_response_h[c] = accepted
        handler_col[c] = handler[i]
        specialist_col[c] = specialist[i]
        staff_hours[c] = hours[i]
    on_street, to_so, to_departments = by_route(admitted, route)
    n_money, need, spent = 0, 0.0, 0.0
    if len(on_street):
        dispatch = dispatch_kernel(count_held(filled, contract, CONTRACT), residents, residents_per_grid,
                                   hours_per_grid, instant_dispatch)
        n_money, need, spent = resolution.resolve_kernel(
            on_street, category, handler_col, specialist_col, needs_data, needs_department, needs_money,
            money_pot, money_need, u, z_delay, accepted_h, money_paid, planned_outcome, planned_reason,
            closed_h, due_day, skill, dispatch, pots, bundled, office_len, office_before, *resolution_rule)
        for c in on_street:
            state[c] = IN_STREET
    if len(to_so):
        so_rows = np.empty(len(to_so), np.int64)
        j = 0
        for i in range(k):
            if so_of[i] >= 0:
                so_rows[j] = so_of[i]
                j += 1
        keep = wage_reserve_kernel(filled, contract, contract_pay, reserve_months)
        general, fees = referral.refer_kernel(to_so, so_rows, table, taken, handler_col, u, z_delay,
                                              accepted_h, planned_outcome, planned_reason, closed_h, due_day,
                                              general, keep, fees, *referral_rule)
        for c in to_so:
            state[c] = AT_SO
    n_old = len(in_service)
    grown = np.empty(n_old + len(on_street) + len(to_so), np.int64)
    grown[:n_old] = in_service
    grown[n_old:n_old + len(on_street)] = on_street
    grown[n_old + len(on_street):] = to_so
    return (queue, stale, to_departments, grown, k, backlog, complaint_due, volunteer_left, n_money, need,
            spent, len(to_so), general, fees, taken, changed_rows(reserved, taken), fitted)


@njit(cache=True)
def by_route(admitted: np.ndarray, route: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The admitted cases on the street, social-organisation and department routes."""
    n_street = n_so = 0
    for r in route:
        n_street += r == ROUTE_STREET
        n_so += r == ROUTE_SO
    ids = np.empty(len(admitted), np.int64)  # one allocation, three parts
    at_street, at_so, at_dept = 0, n_street, n_street + n_so  # where each part continues
    for i in range(len(admitted)):
        r = route[i]
        if r == ROUTE_STREET:
            ids[at_street] = admitted[i]
            at_street += 1
        elif r == ROUTE_SO:
            ids[at_so] = admitted[i]
            at_so += 1
        else:
            ids[at_dept] = admitted[i]
            at_dept += 1
    return ids[:n_street], ids[n_street:n_street + n_so], ids[n_street + n_so:]


@njit(cache=True)
def changed_rows(reserved: np.ndarray, taken: np.ndarray) -> np.ndarray:
    """The organisations given places or cases today (rows of the table)."""
    n = 0
    for j in range(len(reserved)):
        n += reserved[j] or taken[j] > 0
    rows = np.empty(n, np.int64)
    n = 0
    for j in range(len(reserved)):
        if reserved[j] or taken[j] > 0:
            rows[n] = j
            n += 1
    return rows


@njit(cache=True)
def admit(queue: np.ndarray, u: np.ndarray, needs_department: np.ndarray, so_suitable: np.ndarray,
          channel: np.ndarray, category: np.ndarray, by_bucket: np.ndarray, available: np.ndarray,
          table: np.ndarray, fits: np.ndarray, routes: tuple) -> tuple:
    """Admission (compiled): the queue's routes and hours (:func:`routes_kernel`), the
    cases whose running hours fit in today's free hours, places at organisations for
    them (``referral.reserve_kernel``; a case sent back to the street takes longer, so
    the tail is trimmed again and its places released). Returns the number admitted,
    the backlog hours (of the cases not admitted before places were given), the routes
    and hours of those admitted, their organisations' rows, which organisations were
    given places, and the free hours per post."""
    free = free_hours(by_bucket, available)
    if len(queue) == 0:
        none = np.zeros(len(table), np.bool_)  # no organisation given a place
        return 0, 0.0, np.empty(0, np.int8), np.empty(0), np.empty(0, np.int64), none, free
    route, hours = routes_kernel(queue, u[:, U_ROUTE], needs_department, so_suitable, channel, category,
                                 *routes)
    limit = pairwise_sum(free) + 1e-9
    k, cum_k, cum = admitted_count(hours, len(hours), limit)
    backlog = cum - cum_k
    _, _, _, street_hours, _, referral_hours = routes
    so_of, reserved = referral.reserve_kernel(queue[:k], route, hours, category, fits, table, street_hours,
                                              referral_hours)
    # referral may turn a case back to the street, costing more time: trim the tail
    k2 = admitted_count(hours, k, limit)[0]
    referral.release_kernel(so_of[k2:], table)
    return k2, backlog, route[:k2], hours[:k2], so_of[:k2], reserved, free


@leaf
def admitted_count(hours: np.ndarray, n: int, limit: float) -> tuple[int, float, float]:
    """How many of the first ``n`` cases fit: those whose running hours (``cumsum``) stay
    within ``limit`` (the running hours are sorted: ``searchsorted``, right). Returns the
    count, the running hours of those that fit (0.0 if none) and of all ``n``."""
    cum = cum_k = 0.0
    k = 0
    for i in range(n):
        cum += hours[i]
        if k == i and cum <= limit:
            k += 1
            cum_k = cum
    return k, cum_k, cum


@njit(cache=True)
def abandon_stale(t: int, queue: np.ndarray, raised_h: np.ndarray, patience_days: float,
                  planned_outcome: np.ndarray, planned_reason: np.ndarray, closed_h: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Residents give up on cases queued longer than their patience: they are dropped as
    abandoned, closing today. Returns the queue left and the abandoned ids."""
    limit = (t - patience_days) * 24.0
    n_stale = 0
    for c in queue:
        n_stale += raised_h[c] < limit
    if n_stale == 0:
        return queue, queue[:0]  # none abandoned (an empty view: no allocation)
    stale = np.empty(n_stale, np.int64)
    kept = np.empty(len(queue) - n_stale, np.int64)
    i = j = 0
    for c in queue:
        if raised_h[c] < limit:
            stale[i] = c
            i += 1
            planned_outcome[c] = DROPPED
            planned_reason[c] = DR_ABANDONED
            closed_h[c] = t * 24.0
        else:
            kept[j] = c
            j += 1
    return kept, stale


@njit(cache=True)
def answer_complaints(due: float, by_bucket: np.ndarray, available: np.ndarray) -> float:
    """Complaints waiting for an answer take casework hours first, spread over the posts
    with hours free; what does not fit waits for the next day. Returns the hours still due."""
    if due <= 0:
        return due
    free = free_hours(by_bucket, available)
    total = pairwise_sum(free)
    if total <= 0:
        return due
    share = due / total
    if not share < 1.0:  # Python's min(1.0, share)
        share = 1.0
    for i in range(len(free)):
        free[i] *= share
    got = take_hours_into(by_bucket, CASEWORK, available, free, free)  # written over the hours wanted
    left = due - pairwise_sum(got)
    return left if left > 0.0 else 0.0  # Python's max(0.0, left)


@njit(cache=True)
def routes_kernel(ids: np.ndarray, u_route: np.ndarray, needs_department: np.ndarray, so_suitable: np.ndarray,
                  channel: np.ndarray, category: np.ndarray, delegated: float, propensity: float,
                  intake_hours: np.ndarray, street_hours: np.ndarray, whistle_hours: float,
                  referral_hours: float) -> tuple[np.ndarray, np.ndarray]:
    """Route and staff hours of each queued case if admitted today (compiled): a case needing a department's
    power goes to the departments unless the power is delegated to the street; a case
    that suits a social organisation goes there with the referral propensity; the
    street handles the rest."""
    n = len(ids)
    route = np.empty(n, np.int8)
    hours = np.empty(n)
    for i in range(n):  # the conditions without branches (their outcomes are random)
        c = ids[i]
        u = u_route[c]
        needs = needs_department[c]
        dept = needs & (u >= delegated)
        so = (not needs) & so_suitable[c] & (u < propensity)
        route[i] = ROUTE_DEPT if dept else (ROUTE_SO if so else ROUTE_STREET)
        by_route = whistle_hours if dept else (referral_hours if so else street_hours[category[c]])
        hours[i] = intake_hours[channel[c]] + by_route
    return route, hours


@njit(cache=True)
def _fill(hours: np.ndarray, cases: np.ndarray, n_cases: int, free: np.ndarray, posts: np.ndarray,
          n_posts: int, start: np.ndarray, used: np.ndarray, cum_avail: np.ndarray) -> int:
    """:func:`fill_in_order` of the first ``n_cases`` of ``cases`` (their ``hours``) over
    the first ``n_posts`` of ``posts`` (their ``free`` hours): writes each fitting case's
    start post (an index into ``posts``) to ``start`` and the hours used of each post to
    ``used``; returns how many cases fit. ``cum_avail``: room for ``n_posts`` running
    sums (scratch)."""
    run = 0.0
    for j in range(n_posts):
        run += free[posts[j]]
        cum_avail[j] = run
    limit = (cum_avail[n_posts - 1] if n_posts else 0.0) + 1e-9
    cum = total = 0.0
    fit = 0
    for i in range(n_cases):  # the running need is sorted: the cases up to the limit fit
        need = hours[cases[i]]
        cum += need
        if not cum <= limit:
            break
        start[i] = min(search_right(cum_avail, 0, n_posts, cum - need), n_posts - 1)
        total = cum
        fit += 1
    for j in range(n_posts):
        avail = free[posts[j]]
        used[j] = np_minimum(np_maximum(total - (cum_avail[j] - avail), 0.0), avail)
    return fit


@njit(cache=True)
def fill_in_order(need: np.ndarray, avail: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Give cases (in order) consecutive stretches of the posts' free hours.

    Returns the post holding the start of each case's stretch (``-1`` for cases that do
    not fit), hours used per post, and the number of cases that fit. (Compiled; the same
    running sums and comparisons as the array expressions it replaced.)
    """
    handler = np.full(len(need), -1, dtype=np.int64)
    used = np.empty(len(avail))
    fit = _fill(need, np.arange(len(need)), len(need), avail, np.arange(len(avail)), len(avail), handler,
                used, np.empty(len(avail)))
    return handler, used, fit


@njit(cache=True)
def allocate_kernel(hours: np.ndarray, wants: np.ndarray, spec_needed: np.ndarray, filled: np.ndarray,
                    specialty: np.ndarray, free_in: np.ndarray, volunteer_left: float
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Admitted cases to posts (compiled): specialty by specialty (in code order),
    the talent pool's volunteer hours first, then the matching posts; then every other
    case on the posts with hours left. Returns handler, specialist, hours used per post
    and the volunteer hours left."""
    n, n_all = len(hours), len(free_in)
    # the working arrays as parts of two allocations (a day's triage makes ~40 arrays)
    ints = np.empty(3 * n + n_all, np.int64)
    handler, cases, start, posts = ints[:n], ints[n:2 * n], ints[2 * n:3 * n], ints[3 * n:]
    handler[:] = -1
    floats = np.empty(4 * n_all)
    free, used = floats[:n_all], floats[n_all:2 * n_all]
    got, cum_avail = floats[2 * n_all:3 * n_all], floats[3 * n_all:]
    free[:] = free_in
    used[:] = 0.0
    specialist = np.zeros(n, np.bool_)
    lo, hi = 0, -1
    for i in range(n):
        if wants[i]:
            if hi < lo:
                lo = hi = spec_needed[i]
            lo, hi = min(lo, spec_needed[i]), max(hi, spec_needed[i])
    for s in range(lo, hi + 1):  # the specialties needed, in code order
        m = 0
        for i in range(n):  # (kept by advancing a count: no branch on the cases' needs)
            cases[m] = i
            m += wants[i] & (spec_needed[i] == s)
        if m == 0:
            continue
        first = 0
        if volunteer_left > 0:
            limit = volunteer_left + 1e-9
            cum = taken = 0.0
            for i in range(m):
                cum += hours[cases[i]]
                if not cum <= limit:
                    break
                handler[cases[i]] = VOLUNTEER
                specialist[cases[i]] = True
                taken = cum
                first += 1
            volunteer_left -= taken
        n_posts = 0
        for j in range(n_all):
            posts[n_posts] = j
            n_posts += filled[j] & (specialty[j] == s)
        if first == m or n_posts == 0:
            continue
        fit = _fill(hours, cases[first:], m - first, free, posts, n_posts, start, got, cum_avail)
        for i in range(fit):
            handler[cases[first + i]] = posts[start[i]]
            specialist[cases[first + i]] = True
        for j in range(n_posts):
            used[posts[j]] += got[j]
            free[posts[j]] -= got[j]
    m = 0
    for i in range(n):
        cases[m] = i
        m += handler[i] == -1
    if m:
        n_posts = 0
        for j in range(n_all):
            posts[n_posts] = j
            n_posts += free[j] > 0
        fit = _fill(hours, cases, m, free, posts, n_posts, start, got, cum_avail)
        for i in range(fit):
            handler[cases[i]] = posts[start[i]]
        for j in range(n_posts):
            used[posts[j]] += got[j]
    return handler, specialist, used, volunteer_left
