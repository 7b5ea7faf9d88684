"""The whistle, street side (brief §3.5): 街道吹哨、部门报到.

A case the street cannot settle goes to one or more departments, chosen by the
category's candidate weights. With a level-2 joint meeting (reform), a multi-department
case is first taken to a meeting that names a lead, which clears unclear duties at the
cost of a convening delay. Departments decide in ``DepartmentPool.decide``; here the
street applies the answers: when every department has arrived the case is settled (or
not) after the departments' handling time; a department disclaiming an unclear case
bounces it to another candidate, and after ``max_bounces`` bounces, or when a department
never comes even after escalation, the case is dropped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from sim.cases import (
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
from sim.draws import lognormal_from_z

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
    Compiled: one pass over the rows.
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
        take = min(k[i], positive)
        if take <= 0:
            continue
        order = np.argsort(keys)
        for r in range(take):
            chosen[out] = order[r]
            owner[out] = i
            out += 1
    return chosen[:out], owner[:out]


def send_cases(street: Street, ids: np.ndarray, t: int) -> None:
    """Whistle departments for newly admitted department cases."""
    if len(ids) == 0:
        return
    cs = street.cases
    d = street.p.departments
    weights = d.candidates[cs.category[ids]]
    u = street.streams["whistle"].random(weights.shape)
    flat, owner = choose_departments(weights, cs.n_departments[ids].astype(np.int64), u)
    n_chosen = np.bincount(owner, minlength=len(ids))
    meeting = bool(d.joint_meeting) & (n_chosen >= 2)
    unclear = cs.unclear_duty[ids] & ~meeting
    delay = np.where(meeting, int(round(d.joint_meeting_delay_days)), 0)
    mask = np.zeros(len(ids), dtype=np.int64)
    np.bitwise_or.at(mask, owner, np.left_shift(1, flat))
    cs.dept_mask[ids] = mask
    cs.pending_departments[ids] = n_chosen
    cs.state[ids] = WHISTLED
    cs.whistled_h[ids] = cs.accepted_h[ids]
    street.pool.send(street.index, ids[owner], flat, unclear[owner], t, delay[owner],
                     sent_h=cs.whistled_h[ids[owner]])


def apply_answers(street: Street, t: int, answers: dict[str, np.ndarray]) -> None:
    """Apply today's department decisions for this street's cases.

    Disclaimers and failures are applied first: a case they end today is no longer
    waiting, so an arrival for it lapses (the department is told the case is over) and
    no arrival time is recorded.
    """
    cs = street.cases
    ep = street.pool.episodes
    bounce(street, answers["bounced"], t)
    failed = ep.case[answers["failed"]].astype(np.int64)
    drop_now(street, np.unique(failed[cs.state[failed] == WHISTLED]), t, DR_UNANSWERED)
    arrived = answers["arrived"]
    if len(arrived):
        case = ep.case[arrived].astype(np.int64)
        live = cs.state[case] == WHISTLED
        if not live.all():
            gone = arrived[~live]
            ep.state[gone] = EP_LAPSED
            ep.arrival_h[gone] = np.nan
            arrived, case = arrived[live], case[live]
        np.subtract.at(cs.pending_departments, case, 1)
        np.fmax.at(cs.departments_arrived_h, case, answers["arrival_h"][live])
        done = np.unique(case[(cs.pending_departments[case] == 0) & (cs.state[case] == WHISTLED)])
        settle(street, done)


def settle(street: Street, ids: np.ndarray) -> None:
    """All departments arrived: they settle the case (or fail) after handling time."""
    if len(ids) == 0:
        return
    cs = street.cases
    d = street.p.departments
    success = cs.u[ids, U_SUCCESS] < d.resolve_prob
    cs.planned_outcome[ids] = np.where(success, RESOLVED, DROPPED)
    cs.planned_reason[ids] = np.where(success, 0, DR_DEPT_FAILED)
    close_h = cs.departments_arrived_h[ids] + lognormal_from_z(d.handling_hours, street.p.cases.delay_sigma,
                                                               cs.z_delay[ids])
    cs.closed_h[ids] = close_h
    cs.due_day[ids] = np.floor(close_h / 24.0).astype(np.int32)
    street.in_service = np.concatenate([street.in_service, ids])


def bounce(street: Street, episodes: np.ndarray, t: int) -> None:
    """Departments disclaimed cases: pass each to another candidate not yet on the case,
    or drop it after too many bounces or when no candidate is left."""
    if len(episodes) == 0:
        return
    cs = street.cases
    ep = street.pool.episodes
    d = street.p.departments
    cid = ep.case[episodes].astype(np.int64)
    live = cs.state[cid] == WHISTLED
    cid = cid[live]
    if len(cid) == 0:
        return
    np.add.at(cs.n_bounces, cid, 1)
    # one row per case: several of its departments may disclaim it on the same day
    cid, k = np.unique(cid, return_counts=True)
    weights = d.candidates[cs.category[cid]].copy()
    # a replacement must be a department not yet on the case (nor one disclaiming it)
    weights[department_bits(cs.dept_mask[cid], weights.shape[1])] = 0.0
    out = (cs.n_bounces[cid] > d.max_bounces) | ((weights > 0).sum(axis=1) < k)
    drop_now(street, cid[out], t, DR_BOUNCED_OUT)
    keep = ~out
    if not keep.any():
        return
    cid, k, weights = cid[keep], k[keep], weights[keep]
    u = street.streams["whistle"].random(weights.shape)
    nxt, owner = choose_departments(weights, k, u)
    np.bitwise_or.at(cs.dept_mask, cid[owner], np.left_shift(1, nxt))
    street.pool.send(street.index, cid[owner], nxt, np.ones(len(nxt), bool), t,
                     int(round(d.bounce_delay_days)), sent_h=cs.whistled_h[cid[owner]])


def drop_now(street: Street, ids: np.ndarray, t: int, reason: int) -> None:
    """End whistled cases unresolved today; their other whistles lapse (the pool skips
    episodes of cases no longer whistled)."""
    from sim.mechanisms import feedback

    if len(ids) == 0:
        return
    cs = street.cases
    cs.state[ids] = CLOSING
    cs.planned_outcome[ids] = DROPPED
    cs.planned_reason[ids] = reason
    # end of today's office hours, but never before the whistle (same-day bounces)
    cs.closed_h[ids] = np.fmax(t * 24.0 + 17.0, cs.whistled_h[ids])
    lapse_later_arrivals(street, ids)
    feedback.end_now(street, ids)


def lapse_later_arrivals(street: Street, ids: np.ndarray) -> None:
    """Departments that answered but would arrive after the case ended never arrive:
    their episodes lapse and the case keeps no arrival time past its closing."""
    cs = street.cases
    ep = street.pool.episodes
    # only answers decided but not yet arrived can come after a case ends today
    cand = street.pool.incoming
    late = cand[late_episodes(ep.arrival_h[cand], ep.street[cand], ep.case[cand], street.index,
                              cs.closed_h, np.asarray(ids, dtype=np.int64))]
    ep.state[late] = EP_LAPSED
    ep.arrival_h[late] = np.nan
    late_case = cs.departments_arrived_h[ids] > cs.closed_h[ids]
    cs.departments_arrived_h[ids[late_case]] = np.nan


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
    every department that was whistled for the case."""
    cs = street.cases
    recent = cs.view("complaint") & cs.closed_within(t, days)
    masks = cs.view("dept_mask")[recent]
    n_dept = street.p.departments.answer_prob.shape[0]
    return department_bits(masks, n_dept).sum(axis=0).astype(float)


def department_bits(masks: np.ndarray, n_dept: int) -> np.ndarray:
    """Cases' department bitmasks as a boolean (cases x departments) table."""
    return ((np.asarray(masks)[:, None] >> np.arange(n_dept)[None, :]) & 1).astype(bool)
