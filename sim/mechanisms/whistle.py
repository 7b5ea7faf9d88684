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

from sim.agents.departments import write_episodes
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
from sim.mechanisms import feedback, perception
from sim.randomness.compiled import lognormal_from_z

if TYPE_CHECKING:
    from sim.street import Street


@njit(cache=True)
def choose_departments(weights: np.ndarray, k: np.ndarray, u: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Distinct departments per row, drawn by weight without replacement.

    Uses the exponential race (Efraimidis-Spirakis): each department gets the key
    ``-log(u) / weight`` and the ``k`` smallest keys win. ``weights`` and ``u`` are
    ``(n, departments)``; ``k`` is ``(n,)``. Returns the chosen departments and, for
    each, the row it belongs to (rows in order; within a row, smallest key first).
    Compiled: one pass over the rows, picking the smallest remaining key ``k`` times.
    """
    n, m = weights.shape
    chosen = np.empty(n * m, dtype=np.int64)
    owner = np.empty(n * m, dtype=np.int64)
    keys = np.empty(m)
    out = 0
    for i in range(n):
        positive = 0
        for j in range(m):
            if weights[i, j] > 0:
                keys[j] = -np.log1p(-u[i, j]) / weights[i, j]  # u < 1 so this is finite
                positive += 1
            else:
                keys[j] = np.inf
        for _ in range(min(k[i], positive)):
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
    n, m = len(ids), candidates.shape[1]
    weights = np.empty((n, m))
    k = np.empty(n, np.int64)
    for i in range(n):
        weights[i] = candidates[category[ids[i]]]
        k[i] = n_departments[ids[i]]
    departments, owner = choose_departments(weights, k, u)
    n_chosen = np.zeros(n, np.int64)
    mask = np.zeros(n, np.int64)
    for r in range(len(departments)):
        n_chosen[owner[r]] += 1
        mask[owner[r]] |= 1 << departments[r]
    for i in range(n):
        c = ids[i]
        dept_mask[c] = mask[i]
        pending_departments[c] = n_chosen[i]
        state[c] = WHISTLED
        whistled_h[c] = accepted_h[c]
    cases = ids[owner]
    unclear = np.empty(len(owner), np.bool_)
    next_day = np.empty(len(owner), np.int64)
    for r in range(len(owner)):
        meeting = joint_meeting and n_chosen[owner[r]] >= 2
        unclear[r] = unclear_duty[cases[r]] and not meeting
        next_day[r] = t + (meeting_delay if meeting else 0)
    return cases, departments, unclear, next_day, whistled_h[cases]


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
    live = _whistled_cases(bounced, ep_case, state)
    for c in live:
        n_bounces[c] += 1
    # one row per case: several of its departments may disclaim it on the same day
    cid, k = _unique_counts(live)
    m = candidates.shape[1]
    weights = np.empty((len(cid), m))
    out = np.empty(len(cid), np.bool_)
    for i in range(len(cid)):
        c = cid[i]
        left = 0
        for j in range(m):
            # a replacement must be a department not yet on the case (nor one disclaiming it)
            weights[i, j] = 0.0 if (dept_mask[c] >> j) & 1 else candidates[category[c], j]
            left += weights[i, j] > 0
        out[i] = n_bounces[c] > max_bounces or left < k[i]
    columns = (state, planned_outcome, planned_reason, closed_h, whistled_h, departments_arrived_h,
               incoming, ep_case, ep_street, ep_state, ep_arrival_h)
    bounced_out = cid[out]
    _drop(bounced_out, DR_BOUNCED_OUT, t, street, *columns)
    keep = np.flatnonzero(~out)

    unanswered = np.unique(_whistled_cases(failed, ep_case, state))
    _drop(unanswered, DR_UNANSWERED, t, street, *columns)

    n = 0
    case = np.empty(len(arrived), np.int64)
    hour = np.empty(len(arrived))
    for i in range(len(arrived)):
        e = arrived[i]
        c = ep_case[e]
        if state[c] == WHISTLED:
            case[n] = c
            hour[n] = arrival_h[i]
            n += 1
        else:
            ep_state[e] = EP_LAPSED
            ep_arrival_h[e] = np.nan
    for i in range(n):
        pending_departments[case[i]] -= 1
    for i in range(n):
        departments_arrived_h[case[i]] = np.fmax(departments_arrived_h[case[i]], hour[i])
    done = np.empty(n, np.int64)
    n_done = 0
    for i in range(n):
        if pending_departments[case[i]] == 0 and state[case[i]] == WHISTLED:
            done[n_done] = case[i]
            n_done += 1
    settled = np.unique(done[:n_done])
    _settle(settled, planned_outcome, planned_reason, closed_h, departments_arrived_h, u, z_delay, due_day,
            resolve_prob, handling_hours, delay_sigma)
    return bounced_out, unanswered, settled, cid[keep], k[keep], weights[keep], k[keep].sum()


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
def _unique_counts(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values of ``a`` (ascending) and how often each occurs."""
    s = np.sort(a)
    values = np.empty(len(s), np.int64)
    counts = np.zeros(len(s), np.int64)
    n = 0
    for i in range(len(s)):
        if i == 0 or s[i] != s[i - 1]:
            values[n] = s[i]
            n += 1
        counts[n - 1] += 1
    return values[:n], counts[:n]


@njit(cache=True)
def _drop(ids: np.ndarray, reason: int, t: int, street: int, state: np.ndarray, planned_outcome: np.ndarray,
          planned_reason: np.ndarray, closed_h: np.ndarray, whistled_h: np.ndarray,
          departments_arrived_h: np.ndarray, incoming: np.ndarray, ep_case: np.ndarray, ep_street: np.ndarray,
          ep_state: np.ndarray, ep_arrival_h: np.ndarray) -> None:
    """End whistled cases unresolved today, at the end of today's office hours but never
    before the whistle (same-day bounces); their other whistles lapse (the pool skips
    episodes of cases no longer whistled). Departments that answered but would arrive
    after the case ended never arrive (:func:`late_episodes` among the answers still on
    their way, ``incoming``) and the case keeps no arrival time past its closing."""
    if len(ids) == 0:
        return
    for c in ids:
        state[c] = CLOSING
        planned_outcome[c] = DROPPED
        planned_reason[c] = reason
        closed_h[c] = np.fmax(t * 24.0 + OFFICE_CLOSE_H, whistled_h[c])
    late = late_episodes(ep_arrival_h[incoming], ep_street[incoming], ep_case[incoming], street, closed_h,
                         ids)
    for j in late:
        ep_state[incoming[j]] = EP_LAPSED
        ep_arrival_h[incoming[j]] = np.nan
    for c in ids:
        if departments_arrived_h[c] > closed_h[c]:
            departments_arrived_h[c] = np.nan


@njit(cache=True)
def _settle(ids: np.ndarray, planned_outcome: np.ndarray, planned_reason: np.ndarray, closed_h: np.ndarray,
            departments_arrived_h: np.ndarray, u: np.ndarray, z_delay: np.ndarray, due_day: np.ndarray,
            resolve_prob: float, handling_hours: float, delay_sigma: float) -> None:
    """All departments arrived: they settle the case (or fail) after a log-normal
    handling time from the last arrival."""
    for c in ids:
        success = u[c, U_SUCCESS] < resolve_prob
        planned_outcome[c] = RESOLVED if success else DROPPED
        planned_reason[c] = 0 if success else DR_DEPT_FAILED
        close_h = departments_arrived_h[c] + lognormal_from_z(handling_hours, delay_sigma, z_delay[c])
        closed_h[c] = close_h
        due_day[c] = np.floor(close_h / 24.0)


@njit(cache=True)
def rewhistle(weights: np.ndarray, k: np.ndarray, u: np.ndarray, cid: np.ndarray, dept_mask: np.ndarray,
              whistled_h: np.ndarray, next_day: int, street: int, start: int, ep_street: np.ndarray,
              ep_case: np.ndarray, ep_department: np.ndarray, ep_first_sent_h: np.ndarray,
              ep_next_day: np.ndarray, ep_unclear: np.ndarray, active: np.ndarray) -> np.ndarray:
    """Whistle ``k`` new departments for each bounced case ``cid`` (chosen by
    :func:`choose_departments` among ``weights`` with uniforms ``u``), compiled: their
    episodes, all with unclear duty, first whistled on ``next_day`` and not before the
    case's first whistle, fill the reserved episode rows ``start...``
    (:func:`~sim.agents.departments.write_episodes`). Returns the active episodes."""
    departments, owner = choose_departments(weights, k, u)
    cases = cid[owner]
    for r in range(len(cases)):
        dept_mask[cases[r]] |= 1 << departments[r]
    return write_episodes(start, street, cases, departments, np.ones(len(cases), np.bool_),
                          np.full(len(cases), next_day, np.int64), whistled_h[cases], ep_street, ep_case,
                          ep_department, ep_first_sent_h, ep_next_day, ep_unclear, active)


@njit(cache=True)
def late_episodes(arrival_h: np.ndarray, ep_street: np.ndarray, ep_case: np.ndarray, street: int,
                  closed_h: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Episodes (ascending) of ``street``'s cases ``ids`` arriving after their case's
    closing time. Compiled: one pass over the episode table."""
    first_close = np.inf
    for i in ids:
        if closed_h[i] < first_close:
            first_close = closed_h[i]
    wanted = np.sort(ids)
    out = np.empty(len(arrival_h), dtype=np.int64)
    n = 0
    for j in range(len(arrival_h)):
        a = arrival_h[j]
        if a > first_close and ep_street[j] == street:
            c = np.int64(ep_case[j])
            pos = np.searchsorted(wanted, c)
            if pos < len(wanted) and wanted[pos] == c and a > closed_h[c]:
                out[n] = j
                n += 1
    return out[:n]


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
