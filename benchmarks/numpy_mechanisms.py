"""The array (numpy) versions of the mechanism functions that now run compiled (numba).

Kept as the reference the compiled kernels must reproduce bit for bit
(``tests/test_kernels.py``, ``tests/test_port_h22.py``). Whole runs are checked bit for bit
against saved tables by ``scripts/snapshot_tables.py``; ``benchmarks/bench_steps.py``
times each step of the day.
"""

from __future__ import annotations

import numpy as np

VOLUNTEER = -2


def fill_in_order(need: np.ndarray, avail: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """``sim.mechanisms.triage.fill_in_order`` before it was compiled."""
    cum_need = np.cumsum(need)
    cum_avail = np.cumsum(avail)
    total_avail = cum_avail[-1] if len(cum_avail) else 0.0
    fit = int(np.searchsorted(cum_need, total_avail + 1e-9, side="right"))
    start = cum_need[:fit] - need[:fit]
    handler = np.full(len(need), -1, dtype=np.int64)
    if fit:
        handler[:fit] = np.minimum(np.searchsorted(cum_avail, start, side="right"), len(avail) - 1)
    total = cum_need[fit - 1] if fit else 0.0
    used = np.minimum(np.maximum(total - (cum_avail - avail), 0.0), avail)
    return handler, used, fit


def allocate_kernel(hours, wants, spec_needed, filled, specialty, free_in, volunteer_left):
    """``sim.mechanisms.triage.allocate_kernel`` as the array code it was before."""
    free = free_in.copy()
    used = np.zeros(len(free))
    handler = np.full(len(hours), -1, dtype=np.int64)
    specialist = np.zeros(len(hours), bool)
    for s in np.unique(spec_needed[wants]):
        sel = np.flatnonzero(wants & (spec_needed == s))
        if volunteer_left > 0:
            cum = np.cumsum(hours[sel])
            nv = int(np.searchsorted(cum, volunteer_left + 1e-9, side="right"))
            handler[sel[:nv]] = VOLUNTEER
            specialist[sel[:nv]] = True
            volunteer_left -= float(cum[nv - 1]) if nv else 0.0
            sel = sel[nv:]
        posts = np.flatnonzero(filled & (specialty == s))
        if len(sel) == 0 or len(posts) == 0:
            continue
        h, u, fit = fill_in_order(hours[sel], free[posts])
        handler[sel[:fit]] = posts[h[:fit]]
        specialist[sel[:fit]] = True
        used[posts] += u
        free[posts] -= u
    rest = np.flatnonzero(handler == -1)
    if len(rest):
        posts = np.flatnonzero(free > 0)
        h, u, fit = fill_in_order(hours[rest], free[posts])
        handler[rest[:fit]] = posts[h[:fit]]
        used[posts] += u
    return handler, specialist, used, volunteer_left


def choose_departments(weights: np.ndarray, k: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``sim.mechanisms.whistle.choose_departments`` before it was compiled."""
    expo = -np.log1p(-u)
    keys = np.divide(expo, weights, out=np.full(weights.shape, np.inf), where=weights > 0)
    kmax = int(k.max()) if len(k) else 0
    order = np.argsort(keys, axis=1)[:, :kmax]
    k = np.minimum(k, (weights > 0).sum(axis=1))
    take = np.arange(kmax)[None, :] < k[:, None]
    owner = np.nonzero(take)[0]
    return order[take], owner


def count_waiting(state: np.ndarray, closed_h: np.ndarray) -> int:
    """``sim.mechanisms.recording.count_waiting`` as the array expression it was."""
    from sim.cases import WHISTLED

    return int(np.count_nonzero((state == WHISTLED) & np.isnan(closed_h)))


def late_episodes(arrival_h, ep_street, ep_case, street, closed_h, ids):
    """``sim.mechanisms.whistle.late_episodes`` as the array selection it was."""
    future = np.flatnonzero(arrival_h > np.nanmin(closed_h[ids]))
    mine = future[(ep_street[future] == street) & np.isin(ep_case[future], ids)]
    return mine[arrival_h[mine] > closed_h[ep_case[mine].astype(np.int64)]]


def apply_decisions(due, answered, escalated, unclear, u_bounce, bounce_prob, arrival_h, max_repeats,
                    repeat_day, escalate_day, ep_arrival_h, ep_state, ep_bounced, ep_next_day, ep_escalated,
                    ep_n_sent):
    """The decisions' writes of ``sim.agents.departments.decide_due`` as the array code of
    ``decide`` they were."""
    from sim.cases import EP_ARRIVED, EP_FAILED, EP_MOVED

    bounce = answered & unclear & (u_bounce < bounce_prob)
    arrive = answered & ~bounce
    ep_arrival_h[due[arrive]] = arrival_h[arrive]
    ep_state[due[arrive]] = EP_ARRIVED
    ep_state[due[bounce]] = EP_MOVED
    ep_bounced[due] = bounce
    silent = ~answered
    repeat = silent & ~escalated & (ep_n_sent[due] < max_repeats)
    escalate = silent & ~escalated & ~repeat
    fail = silent & escalated
    ep_next_day[due[repeat]] = repeat_day
    ep_escalated[due[escalate]] = True
    ep_next_day[due[escalate]] = escalate_day
    ep_state[due[fail]] = EP_FAILED
    return arrive, bounce, fail


def routes_kernel(ids, u_route, needs_department, so_suitable, channel, category, delegated, propensity,
                  intake_hours, street_hours, whistle_hours, referral_hours):
    """``sim.mechanisms.triage.routes_kernel`` as the array code (``plan_routes`` and
    ``route_hours``) it was."""
    from sim.cases import ROUTE_DEPT, ROUTE_SO, ROUTE_STREET

    u = u_route[ids]
    to_dept = needs_department[ids] & (u >= delegated)
    to_so = ~needs_department[ids] & so_suitable[ids] & (u < propensity)
    route = np.where(to_dept, ROUTE_DEPT, np.where(to_so, ROUTE_SO, ROUTE_STREET)).astype(np.int8)
    by_route = np.where(route == ROUTE_DEPT, whistle_hours,
                        np.where(route == ROUTE_SO, referral_hours, street_hours[category[ids]]))
    return route, intake_hours[channel[ids]] + by_route


def month_draws(street, t: int) -> tuple[np.ndarray, np.ndarray]:
    """The first draws of ``demand.plan_month`` as the array code made them: each day's
    count of new demands (gamma-overdispersed Poisson) from day ``t`` to the month's end,
    every demand's uniforms, in order of arrival (by day, then hour). Returns ``(day, u)``."""
    from sim.mechanisms import demand

    rng, d, cal = street.streams["demand"], street.p.demand, street.cal
    end = t + 1
    while end < cal.n_days and not cal.is_month_start(end):
        end += 1
    days = np.arange(t, end)
    mult = rng.gamma(d.overdispersion_shape, 1.0 / d.overdispersion_shape, size=len(days))
    counts = rng.poisson(demand.expected_daily(street, days) * mult)
    u = rng.random((int(counts.sum()), demand.N_ATTR + demand.N_UNIFORMS))
    day = np.repeat(days, counts)
    order = np.lexsort((u[:, demand.C_HOUR], day))
    return day[order], u[order]
