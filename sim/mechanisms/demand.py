"""Demand arrival (brief §3.1): residents raise demands by category and channel.

The day's volume is Poisson with a gamma-distributed daily multiplier (bursty, brief §8)
and a mild seasonal wave; a month's demands are drawn on its first day. Who raises them
depends on age band and migrant status; the channel on digital access, age and whether
the street offers an online channel. Each case gets its needs (departments, money,
data, a specialist, suitability for a social organisation) and its own block of
uniforms for every later decision (common random numbers). Unresolved residents come
back as repeat contacts on the day set at closing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.special import ndtri

from sim.cases import N_UNIFORMS, U_DELAY, U_REPEAT_DELAY
from sim.domain import CHANNELS
from sim.draws import categorical
from sim.population import ELDERLY

if TYPE_CHECKING:
    from sim.street import Street

WALK_IN, PHONE, ONLINE = (CHANNELS.index(c) for c in ("walk_in", "phone", "online"))
# columns of the per-demand draw block before the case's own uniforms
(C_PICK, C_CAT, C_CHAN, C_WALK, C_DEPT, C_MULTI, C_UNCLEAR, C_MONEY, C_POT, C_MONEY_AMT,
 C_DATA, C_SPEC, C_SO, C_HOUR) = range(14)
N_ATTR = 14


def daily(street: Street, t: int) -> None:
    """Release today's new demands (drawn for the month on its first day), raise the
    repeat contacts due today, and read the online inbox."""
    if street.cal.is_month_start(t):
        plan_month(street, t)
    release_new(street, t)
    repeat_contacts(street, t)
    read_online_inbox(street, t)


def expected_daily(street: Street, days: np.ndarray) -> np.ndarray:
    """Mean number of new demands on each of ``days``."""
    d = street.p.demand
    doy = street.cal.day_of_year[days]
    season = 1.0 + d.seasonal_amplitude * np.sin(2 * np.pi * (doy - 91) / 365.0)
    return street.residents.n * d.contacts_per_resident_year * d.demand_share / 365.0 * season


def plan_month(street: Street, t: int) -> None:
    """Draw every new demand of the month starting on day ``t`` (parameters change at
    month starts only, so drawing a month at once changes nothing but speed). The cases
    are recorded now and enter the queue on the day they are raised."""
    rng = street.streams["demand"]
    d = street.p.demand
    cal = street.cal
    end = t + 1
    while end < cal.n_days and not cal.is_month_start(end):
        end += 1
    days = np.arange(t, end)
    mult = rng.gamma(d.overdispersion_shape, 1.0 / d.overdispersion_shape, size=len(days))
    counts = rng.poisson(expected_daily(street, days) * mult)
    n = int(counts.sum())
    u = rng.random((n, N_ATTR + N_UNIFORMS))
    day = np.repeat(days, counts)
    # within a day, demands arrive in order of their hour
    order = np.lexsort((u[:, C_HOUR], day))
    u, day = u[order], day[order]
    res = street.residents
    who = res.pick(u[:, C_PICK])
    category = categorical(u[:, C_CAT], d.category_mix)
    online_ok = d.online_channel & res.digital[who] & (u[:, C_CHAN] < d.online_choice[res.band[who]])
    channel = np.where(online_ok, ONLINE, np.where(u[:, C_WALK] < d.walk_in_share_offline, WALK_IN, PHONE))
    ids = add_cases(street, day, who, category, channel, u, repeat_of=None)
    street.future_ids = ids
    street.future_day = day


def release_new(street: Street, t: int) -> None:
    """Queue the demands raised today."""
    lo = int(np.searchsorted(street.future_day, t, side="left"))
    hi = int(np.searchsorted(street.future_day, t, side="right"))
    if hi > lo:
        enqueue(street, street.future_ids[lo:hi])


def enqueue(street: Street, ids: np.ndarray) -> None:
    """Put raised cases in the queue; online ones wait in the online inbox."""
    online = street.cases.channel[ids] == ONLINE
    street.queue = np.concatenate([street.queue, ids[~online]])
    if online.any():
        street.online_inbox = np.concatenate([street.online_inbox, ids[online]])


def add_cases(street: Street, day: np.ndarray | int, who: np.ndarray, category: np.ndarray,
              channel: np.ndarray, u: np.ndarray, repeat_of: np.ndarray | None) -> np.ndarray:
    """Record cases raised on ``day`` with their needs drawn from ``u``; returns ids."""
    c = street.p.cases
    n = len(who)
    needs_dept = u[:, C_DEPT] < c.p_needs_department[category]
    multi = needs_dept & (u[:, C_MULTI] < c.p_multi_department[category])
    n_dept = np.where(multi, 2 + (u[:, C_MULTI] < 0.3 * c.p_multi_department[category]), needs_dept)
    unclear = multi & (u[:, C_UNCLEAR] < c.p_unclear_duty)
    needs_money = u[:, C_MONEY] < c.p_needs_money[category]
    pot = categorical(u[:, C_POT], c.need_pot_mix)
    amount = np.where(needs_money, c.money_need[category] * (0.5 + u[:, C_MONEY_AMT]), 0.0)
    raised_h = day * 24.0 + 24.0 * u[:, C_HOUR]
    z = ndtri(np.minimum(np.maximum(u[:, N_ATTR + np.array([U_DELAY, U_REPEAT_DELAY])], 1e-9), 1 - 1e-9))
    ids = street.cases.append(
        n, u=u[:, N_ATTR:], resident=who, category=category, channel=channel,
        elderly=street.residents.band[who] == ELDERLY,
        is_repeat=repeat_of is not None, parent=-1 if repeat_of is None else repeat_of,
        needs_department=needs_dept, n_departments=n_dept, unclear_duty=unclear,
        needs_money=needs_money, money_pot=pot, money_need=amount,
        needs_data=u[:, C_DATA] < c.p_needs_data[category],
        needs_specialist=u[:, C_SPEC] < c.p_needs_specialist[category],
        so_suitable=u[:, C_SO] < c.p_so_suitable[category], raised_h=raised_h,
        z_delay=z[:, 0], z_repeat=z[:, 1])
    return ids


def read_online_inbox(street: Street, t: int) -> None:
    """Staff read the online inbox on workdays every ``online_check_days`` workdays;
    what they read joins the queue in order of arrival."""
    d = street.p.demand
    if not street.cal.is_workday[t] or len(street.online_inbox) == 0:
        return
    street.workdays_since_inbox += 1
    if street.workdays_since_inbox < d.online_check_days:
        return
    street.workdays_since_inbox = 0
    inbox = street.online_inbox
    street.online_inbox = inbox[:0]
    merged = np.concatenate([street.queue, inbox])
    street.queue = merged[np.argsort(street.cases.raised_h[merged], kind="stable")]


def repeat_contacts(street: Street, t: int) -> None:
    """Residents whose case was not resolved come back: a new case with the parent's
    needs and channel, its own uniforms, raised today."""
    due = street.repeats_day <= t
    if not due.any():
        return
    parents = street.repeats_due[due]
    street.repeats_due = street.repeats_due[~due]
    street.repeats_day = street.repeats_day[~due]
    cs = street.cases
    u = street.streams["repeat"].random((len(parents), N_UNIFORMS + 1))
    order = np.argsort(u[:, -1], kind="stable")
    parents, u = parents[order], u[order]
    z = ndtri(np.minimum(np.maximum(u[:, [U_DELAY, U_REPEAT_DELAY]], 1e-9), 1 - 1e-9))
    inherited = {col: cs.cols[col][parents] for col in INHERITED}
    ids = cs.append(len(parents), u=u[:, :N_UNIFORMS], is_repeat=True, parent=parents,
                    raised_h=t * 24.0 + 24.0 * u[:, -1], z_delay=z[:, 0], z_repeat=z[:, 1],
                    **inherited)
    enqueue(street, ids)


INHERITED = ("resident", "category", "channel", "elderly", "needs_department", "n_departments",
             "unclear_duty", "needs_money", "money_pot",
             "money_need", "needs_data", "needs_specialist", "so_suitable")
