"""The whistle, street side (brief §3.5): 街道吹哨、部门报到.

A case the street cannot settle goes to one or more departments, chosen by the
category's candidate weights. With a level-2 joint meeting (reform), a multi-department
case is first taken to a meeting that names a lead, which clears unclear duties at the
cost of a convening delay. Departments decide in ``DepartmentPool.decide``; here the
street applies the answers: when every department has arrived the case is settled (or
not) after the departments' handling time; a department disclaiming an unclear case
bounces it to another candidate, and after ``max_bounces`` bounces, or when a department
never comes even after escalation, the case is dropped.

Compiled (numba) kernels do the work, with the draws made in Python from the street's
whistle stream as before: :func:`whistle_cases` (sending), :func:`answer_kernel`
(applying the answers) and :func:`rewhistle` (bounced cases to new departments; a
separate call because how many uniforms it needs depends on the answers); at a month
start :func:`complaint_counts` counts the complaints per department.

Answered cases go back in service (``street.intake.in_service``); ended ones close
through ``feedback.end_now``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from sim.agents.departments import active_and_new, fill_episodes
from sim.calendar import OFFICE_CLOSE_H
from sim.cases import (
    CLOSED,
    CLOSING,
    DR_BOUNCED_OUT,
    DR_DEPT_FAILED,
    DR_UNANSWERED,
    DROPPED,
    EP_LAPSED,
    RESOLVED,
    U_SUCCESS,
    WHISTLED,
)
from sim.compiled import leaf
from sim.mechanisms import feedback, perception
from sim.randomness.compiled import lognormal_at, lognormal_mu

if TYPE_CHECKING:
    from sim.street import Street


KEY_BOUND = 1.0 - 1e-12
"""Scales ``u / weight`` below the race key ``-log1p(-u) / weight`` (``-log1p(-u) >= u``)
by far more than the keys' rounding (and the bound's own, ``u * (KEY_BOUND / weight)``),
so the bound never exceeds the computed key."""


@njit(cache=True)
def choose_departments(weights: np.ndarray, k: np.ndarray, u: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Distinct departments per row, drawn by weight without replacement.

    Uses the exponential race (Efraimidis-Spirakis): each department gets the key
    ``-log(u) / weight`` and the ``k`` smallest keys win. ``weights`` and ``u`` are
    ``(n, departments)``; ``k`` is ``(n,)``. Returns the chosen departments and, for
    each, the row it belongs to (rows in order; within a row, smallest key first).
    Compiled: one pass over the rows (:func:`_choose`).
    """
    return _choose(weights, np.arange(weights.shape[0]), k, u)


@njit(cache=True)
def _choose(weights: np.ndarray, rows: np.ndarray, k: np.ndarray, u: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`choose_departments` with row ``i``'s weights ``weights[rows[i]]``: per row,
    the smallest remaining key picked ``k`` times (of the departments with a positive
    weight, at most). A key is computed only where it may be among the ``k`` smallest:
    those of the ``k`` smallest bounds ``u * (KEY_BOUND / weight)`` (each at most its
    key), and those whose bound does not exceed the largest of these keys; the others
    stay infinite, as they could not win. Any bounds at most the keys give the same
    choice; each row of ``weights`` has its departments with a weight and their scaled
    inverses listed once."""
    n, m, n_rows = len(rows), weights.shape[1], weights.shape[0]
    total = 0
    for i in range(n):
        total += min(max(k[i], 0), m)
    # the working arrays as parts of three allocations
    ints = np.empty(n_rows * (m + 1) + 2 * total, np.int64)
    n_pos = ints[:n_rows]
    n_pos[:] = 0
    # per row of weights: departments with a weight, ascending
    pos = ints[n_rows:n_rows * (m + 1)].reshape((n_rows, m))
    chosen, owner = ints[n_rows * (m + 1):n_rows * (m + 1) + total], ints[n_rows * (m + 1) + total:]
    floats = np.empty(n_rows * m + 2 * m)
    scale = floats[:n_rows * m].reshape((n_rows, m))
    keys, bound = floats[n_rows * m:n_rows * m + m], floats[n_rows * m + m:]
    done = np.empty(m, np.bool_)
    for r in range(n_rows):
        for j in range(m):
            if weights[r, j] > 0:
                pos[r, n_pos[r]] = j
                n_pos[r] += 1
                scale[r, j] = KEY_BOUND / weights[r, j]
    out = 0
    for i in range(n):
        r = rows[i]  # weights[r, j], not a row view: a view per row costs two reference counts
        positive = n_pos[r]
        kk = min(k[i], positive)
        if kk <= 0:
            continue
        if kk == 1 and positive > 1:  # one of several (most cases): the same choice in fewer passes
            first = pos[r, 0]  # the smallest bound (the first of equal ones) wins a key first
            bound[first] = u[i, first] * scale[r, first]
            for q in range(1, positive):
                j = pos[r, q]
                bound[j] = u[i, j] * scale[r, j]
                if bound[j] < bound[first]:
                    first = j
            win = first
            cap = -np.log1p(-u[i, first]) / weights[r, first]
            for q in range(positive):  # keys only where the bound does not exceed the smallest key yet
                j = pos[r, q]
                if j != first and not bound[j] > cap:
                    key = -np.log1p(-u[i, j]) / weights[r, j]
                    if key < cap or (key == cap and j < win):  # equal keys: the first department
                        cap = key
                        win = j
            chosen[out] = win
            owner[out] = i
            out += 1
            continue
        if kk == positive:  # every department with a weight is chosen: all keys
            for j in range(m):
                # u < 1, so the key is finite
                keys[j] = -np.log1p(-u[i, j]) / weights[r, j] if weights[r, j] > 0 else np.inf
        else:
            for j in range(m):
                keys[j] = np.inf
                done[j] = False
                bound[j] = u[i, j] * scale[r, j] if weights[r, j] > 0 else np.inf
            cap = -np.inf
            for _ in range(kk):
                best = -1
                for j in range(m):
                    if weights[r, j] > 0 and not done[j] and (best < 0 or bound[j] < bound[best]):
                        best = j
                done[best] = True
                keys[best] = -np.log1p(-u[i, best]) / weights[r, best]
                if not keys[best] <= cap:
                    cap = keys[best]
            for j in range(m):
                if weights[r, j] > 0 and not done[j] and not bound[j] > cap:
                    keys[j] = -np.log1p(-u[i, j]) / weights[r, j]
        for _ in range(kk):
            best = 0
            for j in range(1, m):
                if keys[j] < keys[best]:
                    best = j
            chosen[out] = best
            owner[out] = i
            out += 1
            keys[best] = np.inf
    return chosen[:out], owner[:out]


def send_cases(street: Street, ids: np.ndarray, t: int) -> None:
    """Whistle departments for newly admitted department cases: one draw of the
    street's whistle stream per (case, department), then :func:`whistle_cases`."""
    if len(ids) == 0:
        return
    cs = street.cases
    d = street.p.departments
    u = street.streams["whistle"].random((len(ids), d.candidates.shape[1]))
    street.pool.open_episodes(street.index, *whistle_cases(
        np.asarray(ids, dtype=np.int64), u, d.candidates, cs.category, cs.n_departments, cs.unclear_duty,
        bool(d.joint_meeting), int(round(d.joint_meeting_delay_days)), t, cs.accepted_h, cs.dept_mask,
        cs.pending_departments, cs.state, cs.whistled_h))


@njit(cache=True)
def whistle_cases(ids: np.ndarray, u: np.ndarray, candidates: np.ndarray, category: np.ndarray,
                  n_departments: np.ndarray, unclear_duty: np.ndarray, joint_meeting: bool,
                  meeting_delay: int, t: int, accepted_h: np.ndarray, dept_mask: np.ndarray,
                  pending_departments: np.ndarray, state: np.ndarray, whistled_h: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Choose each case's departments (:func:`choose_departments` with uniforms ``u``,
    cases x departments) and mark the cases whistled (compiled). With a joint meeting a
    multi-department case waits ``meeting_delay`` days and its duties are clear. Returns
    the episodes to open (:meth:`DepartmentPool.open_episodes`): case, department,
    unclear duty, first day and earliest hour."""
    n = len(ids)
    rows_k = np.empty(2 * n, np.int64)  # two arrays, one allocation
    rows, k = rows_k[:n], rows_k[n:]
    for i in range(n):
        rows[i] = category[ids[i]]
        k[i] = n_departments[ids[i]]
    departments, owner = _choose(candidates, rows, k, u)
    n_ep = len(departments)
    cases_days = np.empty(2 * n_ep, np.int64)
    cases, next_day = cases_days[:n_ep], cases_days[n_ep:]
    unclear = np.empty(n_ep, np.bool_)
    sent_h = np.empty(n_ep)
    r = 0
    for i in range(n):  # owner runs through the rows in order
        c = ids[i]
        first = r
        mask = 0
        while r < n_ep and owner[r] == i:
            mask |= 1 << departments[r]
            r += 1
        dept_mask[c] = mask
        pending_departments[c] = r - first
        state[c] = WHISTLED
        whistled_h[c] = accepted_h[c]
        meeting = joint_meeting and r - first >= 2
        for q in range(first, r):
            cases[q] = c
            unclear[q] = unclear_duty[c] and not meeting
            next_day[q] = t + (meeting_delay if meeting else 0)
            sent_h[q] = whistled_h[c]
    return cases, departments, unclear, next_day, sent_h


def apply_answers(street: Street, t: int, answers: dict[str, np.ndarray]) -> None:
    """Apply today's department decisions for this street's cases.

    Disclaimers and failures are applied first: a case they end today is no longer
    waiting, so an arrival for it lapses (the department is told the case is over) and
    no arrival time is recorded. One call of :func:`answer_kernel`; then the street's
    side in Python, in the order of the rule: cases bounced out end today
    (``feedback.end_now``), the bounced cases still in play are whistled to new
    departments (a draw of the street's whistle stream per candidate, then
    :func:`rewhistle`), unanswered cases end today, settled cases enter service.
    """
    cs = street.cases
    pool = street.pool
    ep = pool.episodes
    d = street.p.departments
    bounced_out, unanswered, settled, cid, k, weights, n_new = answer_kernel(
        answers["bounced"], answers["failed"], answers["arrived"], answers["arrival_h"], t, street.index,
        ep.case, ep.street, ep.state, ep.arrival_h, pool.incoming, cs.state, cs.n_bounces, cs.category,
        cs.dept_mask, d.candidates, int(d.max_bounces), cs.planned_outcome, cs.planned_reason, cs.closed_h,
        cs.whistled_h, cs.departments_arrived_h, cs.pending_departments, cs.u, cs.z_delay, cs.due_day,
        float(d.resolve_prob), float(d.handling_hours), float(street.p.cases.delay_sigma))
    if len(bounced_out):
        feedback.end_now(street, bounced_out)
    if len(cid):
        u = street.streams["whistle"].random(weights.shape)
        start = pool.reserve_episodes(n_new)
        pool.active = rewhistle(weights, k, u, cid, cs.dept_mask, cs.whistled_h,
                                t + int(round(d.bounce_delay_days)), street.index, start, ep.street, ep.case,
                                ep.department, ep.first_sent_h, ep.next_day, ep.unclear, pool.active)
    if len(unanswered):
        feedback.end_now(street, unanswered)
    if len(settled):
        street.intake.in_service = np.concatenate([street.intake.in_service, settled])


@njit(cache=True)
def answer_kernel(bounced: np.ndarray, failed: np.ndarray, arrived: np.ndarray, arrival_h: np.ndarray, t: int,
                  street: int, ep_case: np.ndarray, ep_street: np.ndarray, ep_state: np.ndarray,
                  ep_arrival_h: np.ndarray, incoming: np.ndarray, state: np.ndarray, n_bounces: np.ndarray,
                  category: np.ndarray, dept_mask: np.ndarray, candidates: np.ndarray, max_bounces: int,
                  planned_outcome: np.ndarray, planned_reason: np.ndarray, closed_h: np.ndarray,
                  whistled_h: np.ndarray, departments_arrived_h: np.ndarray, pending_departments: np.ndarray,
                  u: np.ndarray, z_delay: np.ndarray, due_day: np.ndarray, resolve_prob: float,
                  handling_hours: float, delay_sigma: float
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Today's answers for one street's cases (compiled), in three steps.

    Bounces: each disclaimer of a still whistled case counts as a bounce; a case goes
    on to other candidates not yet on it (nor disclaiming it) unless it has bounced more
    than ``max_bounces`` times or too few candidates are left, when it is dropped.
    Failures: whistled cases of failed episodes are dropped. Arrivals: an arrival for a
    case no longer whistled lapses; otherwise the case waits for one department fewer
    and keeps the latest arrival, and when none is left it is settled
    (:func:`_settle`). Drops go through :func:`_drop`.

    Returns the cases bounced out and those unanswered (ascending; both end today), the
    cases settled (ascending), and the bounced cases to whistle again with how many
    departments each needs, their candidate weights (cases x departments) and how many
    departments that makes.
    """
    columns = (state, planned_outcome, planned_reason, closed_h, whistled_h, departments_arrived_h,
               incoming, ep_case, ep_street, ep_state, ep_arrival_h)
    # one row per case: several of its departments may disclaim it on the same day
    cid = _whistled_cases(bounced, ep_case, state)
    for c in cid:
        n_bounces[c] += 1
    n_cid = len(cid)
    k = np.empty(n_cid, np.int64)
    n_cid = _sorted_unique(cid, n_cid, k)
    m = candidates.shape[1]
    weights = np.empty((n_cid, m))
    n_out = 0
    for i in range(n_cid):
        c = cid[i]
        left = 0
        for j in range(m):
            # a replacement must be a department not yet on the case (nor one disclaiming it)
            weights[i, j] = 0.0 if (dept_mask[c] >> j) & 1 else candidates[category[c], j]
            left += weights[i, j] > 0
        if n_bounces[c] > max_bounces or left < k[i]:
            k[i] = -1 - k[i]  # marked out
            n_out += 1
    bounced_out = np.empty(n_out, np.int64)
    n_keep = n_new = 0
    for i in range(n_cid):  # the cases out in order; the others moved up (in order)
        if k[i] < 0:
            bounced_out[i - n_keep] = cid[i]
        else:
            cid[n_keep] = cid[i]
            k[n_keep] = k[i]
            weights[n_keep] = weights[i]
            n_new += k[i]
            n_keep += 1
    _drop(bounced_out, DR_BOUNCED_OUT, t, street, *columns)

    unanswered = _whistled_cases(failed, ep_case, state)
    unanswered = unanswered[:_sorted_unique(unanswered, len(unanswered), unanswered[:0])]
    _drop(unanswered, DR_UNANSWERED, t, street, *columns)

    # arrivals: a case still whistled waits for one department fewer, keeping the latest arrival
    n = 0
    done = np.empty(len(arrived), np.int64)
    for i in range(len(arrived)):
        e = arrived[i]
        c = ep_case[e]
        if state[c] == WHISTLED:
            pending_departments[c] -= 1
            departments_arrived_h[c] = np.fmax(departments_arrived_h[c], arrival_h[i])
            done[n] = c
            n += 1
        else:
            ep_state[e] = EP_LAPSED
            ep_arrival_h[e] = np.nan
    n_done = 0
    for i in range(n):
        if pending_departments[done[i]] == 0:
            done[n_done] = done[i]
            n_done += 1
    settled = done[:_sorted_unique(done, n_done, done[:0])]
    _settle(settled, planned_outcome, planned_reason, closed_h, departments_arrived_h, u, z_delay, due_day,
            resolve_prob, handling_hours, delay_sigma)
    return bounced_out, unanswered, settled, cid[:n_keep], k[:n_keep], weights[:n_keep], n_new


@njit(cache=True)
def _whistled_cases(episodes: np.ndarray, ep_case: np.ndarray, state: np.ndarray) -> np.ndarray:
    """The cases of ``episodes`` (in order, repeats kept) still waiting for departments."""
    out = np.empty(len(episodes), np.int64)
    n = 0
    for e in episodes:
        if state[ep_case[e]] == WHISTLED:
            out[n] = ep_case[e]
            n += 1
    return out[:n]


@njit(cache=True)
def _sorted_unique(a: np.ndarray, n: int, counts: np.ndarray) -> int:
    """Sort ``a[:n]`` and move its distinct values (ascending) to the front, in place;
    returns how many there are, and writes how often each occurs to ``counts`` unless
    it is empty. (An insertion sort: a day's few cases.)"""
    if n > 32:
        a[:n].sort()
    else:
        for i in range(1, n):
            x = a[i]
            j = i - 1
            while j >= 0 and a[j] > x:
                a[j + 1] = a[j]
                j -= 1
            a[j + 1] = x
    with_counts = len(counts) > 0
    n_unique = 0
    for i in range(n):
        if i == 0 or a[i] != a[n_unique - 1]:
            a[n_unique] = a[i]
            n_unique += 1
            if with_counts:
                counts[n_unique - 1] = 0
        if with_counts:
            counts[n_unique - 1] += 1
    return n_unique


@leaf
def _drop(ids: np.ndarray, reason: int, t: int, street: int, state: np.ndarray, planned_outcome: np.ndarray,
          planned_reason: np.ndarray, closed_h: np.ndarray, whistled_h: np.ndarray,
          departments_arrived_h: np.ndarray, incoming: np.ndarray, ep_case: np.ndarray, ep_street: np.ndarray,
          ep_state: np.ndarray, ep_arrival_h: np.ndarray) -> None:
    """End whistled cases ``ids`` (ascending) unresolved today, at the end of today's
    office hours but never before the whistle (same-day bounces); their other whistles
    lapse (the pool skips episodes of cases no longer whistled). Departments that
    answered but would arrive after the case ended never arrive (:func:`_late` among the
    answers still on their way, ``incoming``) and the case keeps no arrival time past its
    closing."""
    if len(ids) == 0:
        return
    first_close = np.inf
    for c in ids:
        state[c] = CLOSING
        planned_outcome[c] = DROPPED
        planned_reason[c] = reason
        closed_h[c] = np.fmax(t * 24.0 + OFFICE_CLOSE_H, whistled_h[c])
        if closed_h[c] < first_close:
            first_close = closed_h[c]
    for e in incoming:
        if _late(ep_arrival_h[e], ep_street[e], ep_case[e], street, first_close, closed_h, ids):
            ep_state[e] = EP_LAPSED
            ep_arrival_h[e] = np.nan
    for c in ids:
        if departments_arrived_h[c] > closed_h[c]:
            departments_arrived_h[c] = np.nan


@leaf
def _settle(ids: np.ndarray, planned_outcome: np.ndarray, planned_reason: np.ndarray, closed_h: np.ndarray,
            departments_arrived_h: np.ndarray, u: np.ndarray, z_delay: np.ndarray, due_day: np.ndarray,
            resolve_prob: float, handling_hours: float, delay_sigma: float) -> None:
    """All departments arrived: they settle the case (or fail) after a log-normal
    handling time from the last arrival."""
    mu = lognormal_mu(handling_hours, delay_sigma)
    for c in ids:
        success = u[c, U_SUCCESS] < resolve_prob
        planned_outcome[c] = RESOLVED if success else DROPPED
        planned_reason[c] = 0 if success else DR_DEPT_FAILED
        close_h = departments_arrived_h[c] + lognormal_at(mu, delay_sigma, z_delay[c])
        closed_h[c] = close_h
        due_day[c] = np.floor(close_h / 24.0)


@njit(cache=True)
def rewhistle(weights: np.ndarray, k: np.ndarray, u: np.ndarray, cid: np.ndarray, dept_mask: np.ndarray,
              whistled_h: np.ndarray, next_day: int, street: int, start: int, ep_street: np.ndarray,
              ep_case: np.ndarray, ep_department: np.ndarray, ep_first_sent_h: np.ndarray,
              ep_next_day: np.ndarray, ep_unclear: np.ndarray, active: np.ndarray) -> np.ndarray:
    """:func:`rewhistle_rows`, then the active episodes followed by the new ones."""
    n = rewhistle_rows(weights, k, u, cid, dept_mask, whistled_h, next_day, street, start, ep_street, ep_case,
                       ep_department, ep_first_sent_h, ep_next_day, ep_unclear)
    return active_and_new(active, start, n)


@njit(cache=True)
def rewhistle_rows(weights: np.ndarray, k: np.ndarray, u: np.ndarray, cid: np.ndarray, dept_mask: np.ndarray,
                   whistled_h: np.ndarray, next_day: int, street: int, start: int, ep_street: np.ndarray,
                   ep_case: np.ndarray, ep_department: np.ndarray, ep_first_sent_h: np.ndarray,
                   ep_next_day: np.ndarray, ep_unclear: np.ndarray) -> int:
    """Whistle ``k`` new departments for each bounced case ``cid`` (chosen by
    :func:`choose_departments` among ``weights`` with uniforms ``u``), compiled: their
    episodes, all with unclear duty, first whistled on ``next_day`` and not before the
    case's first whistle, fill the reserved episode rows ``start...``
    (:func:`~sim.agents.departments.fill_episodes`). Returns how many rows were filled."""
    departments, owner = choose_departments(weights, k, u)
    cases = cid[owner]
    for r in range(len(cases)):
        dept_mask[cases[r]] |= 1 << departments[r]
    fill_episodes(start, street, cases, departments, np.ones(len(cases), np.bool_),
                  np.full(len(cases), next_day, np.int64), whistled_h[cases], ep_street, ep_case,
                  ep_department, ep_first_sent_h, ep_next_day, ep_unclear)
    return len(cases)


@njit(cache=True)
def late_episodes(arrival_h: np.ndarray, ep_street: np.ndarray, ep_case: np.ndarray, street: int,
                  closed_h: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Episodes (ascending) of ``street``'s cases ``ids`` arriving after their case's
    closing time. Compiled: one pass over the episode table (:func:`_late`)."""
    first_close = np.inf
    for i in ids:
        if closed_h[i] < first_close:
            first_close = closed_h[i]
    wanted = np.sort(ids)
    out = np.empty(len(arrival_h), dtype=np.int64)
    n = 0
    for j in range(len(arrival_h)):
        if _late(arrival_h[j], ep_street[j], ep_case[j], street, first_close, closed_h, wanted):
            out[n] = j
            n += 1
    return out[:n]


@leaf
def _late(arrival_h: float, ep_street: int, ep_case: int, street: int, first_close: float,
          closed_h: np.ndarray, wanted: np.ndarray) -> bool:
    """Whether an episode arriving at ``arrival_h`` is for one of ``street``'s cases
    ``wanted`` (ascending) and comes after the case's closing time (``first_close``: the
    earliest of theirs). A leaf (``sim.compiled.leaf``): its callers ask it for every
    incoming episode without a reference count per call."""
    if arrival_h > first_close and ep_street == street:
        c = np.int64(ep_case)
        pos = np.searchsorted(wanted, c)
        return pos < len(wanted) and wanted[pos] == c and arrival_h > closed_h[c]
    return False


def complaints_by_department(street: Street, t: int, days: int = 30) -> np.ndarray:
    """Complaints on this street's cases closed in the last ``days`` days, counted for
    every department that was whistled for the case (:func:`complaint_counts`, from the
    first row that may count: :func:`~sim.mechanisms.perception.rows_settled`)."""
    cs = street.cases
    from_h = (t - days) * 24.0
    return complaint_counts(perception.rows_settled(street, from_h), cs.n, cs.complaint, cs.state,
                            cs.closed_h, cs.dept_mask, from_h, t * 24.0,
                            street.p.departments.answer_prob.shape[0])


@njit(cache=True)
def complaint_counts(rows_from: int, n_cases: int, complaint: np.ndarray, state: np.ndarray,
                     closed_h: np.ndarray, dept_mask: np.ndarray, from_h: float, to_h: float, n_dept: int
                     ) -> np.ndarray:
    """Per department (of ``n_dept``), the complaints among the cases in rows
    ``rows_from...n_cases`` closed in ``[from_h, to_h)`` whose department bitmask has it
    (compiled, one pass)."""
    out = np.zeros(n_dept)
    for i in range(rows_from, n_cases):
        if from_h <= closed_h[i] < to_h and state[i] == CLOSED and complaint[i]:  # rarest first
            for j in range(n_dept):
                out[j] += (dept_mask[i] >> j) & 1
    return out


def department_bits(masks: np.ndarray, n_dept: int) -> np.ndarray:
    """Cases' department bitmasks as a boolean (cases x departments) table."""
    return ((np.asarray(masks)[:, None] >> np.arange(n_dept)[None, :]) & 1).astype(bool)
