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

from sim.cases import (
    CLOSING,
    DR_BOUNCED_OUT,
    DR_DEPT_FAILED,
    DR_UNANSWERED,
    DROPPED,
    RESOLVED,
    U_SUCCESS,
    WHISTLED,
)
from sim.draws import lognormal_from_z

if TYPE_CHECKING:
    from sim.street import Street


def choose_departments(weights: np.ndarray, k: np.ndarray, u: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Distinct departments per row, drawn by weight without replacement.

    Uses the exponential race (Efraimidis-Spirakis): each department gets the key
    ``-log(u) / weight`` and the ``k`` smallest keys win. ``weights`` and ``u`` are
    ``(n, departments)``; ``k`` is ``(n,)``. Returns the chosen departments and, for
    each, the row it belongs to (rows in order).
    """
    expo = -np.log1p(-u)  # exponential draws; u < 1 so this is finite
    keys = np.divide(expo, weights, out=np.full(weights.shape, np.inf), where=weights > 0)
    kmax = int(k.max()) if len(k) else 0
    order = np.argsort(keys, axis=1)[:, :kmax]
    k = np.minimum(k, (weights > 0).sum(axis=1))
    take = np.arange(kmax)[None, :] < k[:, None]
    owner = np.nonzero(take)[0]
    return order[take], owner


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
    """Apply today's department decisions for this street's cases."""
    cs = street.cases
    ep = street.pool.episodes
    arrived = answers["arrived"]
    if len(arrived):
        case = ep.case[arrived].astype(np.int64)
        np.subtract.at(cs.pending_departments, case, 1)
        np.fmax.at(cs.departments_arrived_h, case, answers["arrival_h"])
        done = np.unique(case[(cs.pending_departments[case] == 0) & (cs.state[case] == WHISTLED)])
        settle(street, done)
    bounce(street, answers["bounced"], t)
    failed = ep.case[answers["failed"]].astype(np.int64)
    drop_now(street, np.unique(failed[cs.state[failed] == WHISTLED]), t, DR_UNANSWERED)


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
    """Departments disclaimed cases: pass each to another candidate, or drop it after
    too many bounces."""
    if len(episodes) == 0:
        return
    cs = street.cases
    ep = street.pool.episodes
    d = street.p.departments
    cid = ep.case[episodes].astype(np.int64)
    live = cs.state[cid] == WHISTLED
    episodes, cid = episodes[live], cid[live]
    np.add.at(cs.n_bounces, cid, 1)
    weights = d.candidates[cs.category[cid]].copy()
    weights[np.arange(len(cid)), ep.department[episodes]] = 0.0
    out = (cs.n_bounces[cid] > d.max_bounces) | (weights.sum(axis=1) <= 0)
    drop_now(street, np.unique(cid[out]), t, DR_BOUNCED_OUT)
    keep = ~out & (cs.state[cid] == WHISTLED)
    if not keep.any():
        return
    cid, weights = cid[keep], weights[keep]
    u = street.streams["whistle"].random(weights.shape)
    nxt, _ = choose_departments(weights, np.ones(len(cid), np.int64), u)
    np.bitwise_or.at(cs.dept_mask, cid, np.left_shift(1, nxt))
    street.pool.send(street.index, cid, nxt, np.ones(len(cid), bool), t,
                     int(round(d.bounce_delay_days)), sent_h=cs.whistled_h[cid])


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
    feedback.end_now(street, ids)
