"""Demand arrival (brief §3.1): residents raise demands by category and channel.

The day's volume is Poisson with a gamma-distributed daily multiplier (bursty, brief §8)
and a mild seasonal wave; a month's demands are drawn on its first day. Who raises them
depends on age band and migrant status; the channel on digital access, age and whether
the street offers an online channel. Each case gets its needs (departments, money,
data, a specialist, suitability for a social organisation) and its own block of
uniforms for every later decision (common random numbers). Unresolved residents come
back as repeat contacts on the day set at closing. New cases wait in the queue, or in the
online inbox, which staff read every ``online_check_days`` workdays.

A day is one compiled (numba) kernel, :func:`day_kernel`, run after the repeat contacts'
uniforms are drawn, on the case columns it needs (one tuple, :func:`day_columns`); a
month's draws are made, ordered (:func:`arrival_permutation`), given residents, then
categories, channels and needs, and written to the case table by one kernel
(:func:`month_cases`). The kernels take normal quantiles
from SciPy's own compiled ``ndtri`` (:func:`sim.randomness.compiled.normal_quantile`).

Planned arrivals, the queue, the online inbox and the repeats due are fields of the
street's case flow, ``street.intake`` (:class:`sim.mechanisms.intake.IntakeState`).
"""

from __future__ import annotations

from operator import attrgetter
from typing import TYPE_CHECKING

import numpy as np
from numba import literal_unroll, njit

from sim.cases import N_UNIFORMS, U_DELAY
from sim.compiled import leaf, stable_argsort
from sim.domain import CHANNELS
from sim.memo import ObjectMemo
from sim.population import ELDERLY, pick_kernel
from sim.randomness import categorical
from sim.randomness.compiled import categorical_kernel, normal_quantile
from sim.randomness.pcg64 import live_state, live_uniforms_2d

if TYPE_CHECKING:
    from sim.calendar import Calendar
    from sim.cases import CaseTable
    from sim.street import Street

WALK_IN, PHONE, ONLINE = (CHANNELS.index(c) for c in ("walk_in", "phone", "online"))
# columns of the per-demand draw block before the case's own uniforms
(C_PICK, C_CAT, C_CHAN, C_WALK, C_DEPT, C_MULTI, C_UNCLEAR, C_MONEY, C_POT, C_MONEY_AMT,
 C_DATA, C_SPEC, C_SO, C_HOUR) = range(14)
N_ATTR = 14


def daily(street: Street, t: int) -> None:
    """Release today's new demands (drawn for the month on its first day), raise the
    repeat contacts due today, and read the online inbox: one compiled kernel
    (:func:`day_kernel`) after the repeat contacts' uniforms are drawn."""
    if street.cal.is_month_start(t):
        plan_month(street, t)
    cs = street.cases
    ik = street.intake
    n = count_due(ik.repeats_day, t)
    if n:
        u = street.streams["repeat"].random((n, N_UNIFORMS + 1))
        first = int(cs.append(n)[0])
    else:
        u, first = _NO_DRAWS, cs.n
    (ik.queue, ik.online_inbox, ik.repeats_due, ik.repeats_day, ik.workdays_since_inbox) = day_kernel(
        t, ik.future_day, ik.future_ids, ik.queue, ik.online_inbox, ik.repeats_due, ik.repeats_day, u, first,
        day_columns(cs), bool(street.cal.is_workday[t]), ik.workdays_since_inbox,
        float(street.p.demand.online_check_days))


@leaf
def count_due(repeats_day: np.ndarray, t: int) -> int:
    """How many repeat contacts are due by day ``t`` (``repeats_day <= t``)."""
    n = 0
    for d in repeats_day:
        if d <= t:
            n += 1
    return n


def day_columns(cs: CaseTable) -> tuple:
    """The case columns :func:`day_kernel` reads and writes, as one tuple: ``u``,
    ``is_repeat``, ``parent``, ``raised_h``, ``z_delay``, ``channel`` and
    the :data:`INHERITED` columns (a tuple)."""
    return (*_DAY_COLUMNS(cs), _INHERITED_COLUMNS(cs))


def expected_daily(street: Street, days: np.ndarray) -> np.ndarray:
    """Mean number of new demands on each of ``days``."""
    d = street.p.demand
    season = seasonal_factor(street.cal, float(d.seasonal_amplitude))[days]
    return street.residents.n * d.contacts_per_resident_year * d.demand_share / 365.0 * season


_SEASONS: ObjectMemo[Calendar, dict[float, np.ndarray]] = ObjectMemo(64)
""":func:`seasonal_factor` per calendar (``sim.memo.ObjectMemo``), then per amplitude."""


def seasonal_factor(cal: Calendar, amplitude: float) -> np.ndarray:
    """``1 + amplitude * sin(2 pi (day of year - 91) / 365)`` for every day of the
    calendar, made once per calendar and amplitude (the same values as for a month's
    days alone)."""
    kept = _SEASONS.get(cal, lambda _: {})
    if amplitude not in kept:
        kept[amplitude] = 1.0 + amplitude * np.sin(2 * np.pi * (cal.day_of_year - 91) / 365.0)
    return kept[amplitude]


def plan_month(street: Street, t: int) -> None:
    """Draw every new demand of the month starting on day ``t`` (parameters change at
    month starts only, so drawing a month at once changes nothing but speed): the day
    counts here, then the draws, order, residents and needs in one compiled call
    (:func:`month_cases`). The cases are recorded now and enter the queue on the day
    they are raised."""
    rng = street.streams["demand"]
    d = street.p.demand
    days = np.arange(t, int(street.cal.next_month_start[t]))
    mult = rng.gamma(d.overdispersion_shape, 1.0 / d.overdispersion_shape, size=len(days))
    counts = rng.poisson(expected_daily(street, days) * mult)
    res = street.residents
    ids = street.cases.append(int(counts.sum()))
    street.intake.future_day = month_cases(
        live_state(rng), days, counts, ids, *res.pick_tables, res.digital,
        bool(d.online_channel), np.asarray(d.online_choice, dtype=np.float64),
        float(d.walk_in_share_offline), np.asarray(d.category_mix, dtype=np.float64),
        np.asarray(street.p.cases.need_pot_mix, dtype=np.float64), *need_inputs(street))
    street.intake.future_ids = ids


def need_inputs(street: Street) -> tuple:
    """The arguments of :func:`write_cases` after ``u``: residents' age bands, the
    category-wise need probabilities and the case columns written (built for each call:
    the table may have grown)."""
    c = street.p.cases
    cs = street.cases
    return (street.residents.band, (c.p_needs_department, c.p_multi_department, float(c.p_unclear_duty),
                                    c.p_needs_money, c.money_need, c.p_needs_data, c.p_needs_specialist,
                                    c.p_so_suitable),
            (cs.u, cs.resident, cs.category, cs.channel, cs.elderly, cs.is_repeat, cs.parent,
             cs.needs_department, cs.n_departments, cs.unclear_duty, cs.needs_money, cs.money_pot,
             cs.money_need, cs.needs_data, cs.needs_specialist, cs.so_suitable, cs.raised_h,
             cs.z_delay))


def add_cases(street: Street, day: np.ndarray | int, who: np.ndarray, category: np.ndarray,
              channel: np.ndarray, u: np.ndarray, repeat_of: np.ndarray | None) -> np.ndarray:
    """Record cases raised on ``day`` with their needs drawn from ``u`` (rows of
    ``N_ATTR + N_UNIFORMS`` uniforms; :func:`write_cases`); returns ids."""
    n = len(who)
    pot = categorical(u[:, C_POT], street.p.cases.need_pot_mix)
    ids = street.cases.append(n)
    write_cases(
        ids, np.full(n, day, np.int64) if np.ndim(day) == 0 else day, who, category, channel, pot,
        np.full(n, -1, np.int64) if repeat_of is None else np.broadcast_to(repeat_of, n).astype(np.int64),
        repeat_of is not None, u, np.arange(n), *need_inputs(street))
    return ids


@njit(cache=True)
def month_cases(words: np.ndarray, days: np.ndarray, counts: np.ndarray, ids: np.ndarray,
                cum_weight: np.ndarray, bucket_start: np.ndarray, digital: np.ndarray, online_channel: bool,
                online_choice: np.ndarray, walk_in_share: float, category_mix: np.ndarray,
                need_pot_mix: np.ndarray, band: np.ndarray, needs: tuple, cols: tuple) -> np.ndarray:
    """A month's new cases ``ids`` (rows just appended; ``counts[i]`` raised on
    ``days[i]``), compiled: their uniforms, ``rng.random((len(ids), N_ATTR +
    N_UNIFORMS))`` of the stream whose live state is ``words``
    (:func:`sim.randomness.pcg64.live_state`), in order of arrival
    (:func:`arrival_permutation`); the residents raising them (``u[:, C_PICK]`` against the
    demand weights: :func:`sim.population.pick_kernel`); the category (``u[:, C_CAT]``
    against ``category_mix``), the channel (:func:`choose_channel`), the money pot
    (``u[:, C_POT]`` against ``need_pot_mix``), then the needs and columns
    (:func:`write_cases`), as first raised (no parent). Returns each case's day."""
    u = live_uniforms_2d(words, len(ids), N_ATTR + N_UNIFORMS)
    day, order = arrival_permutation(days, counts, u)
    # each demand's resident, category, channel and pot depend on its own row alone: made
    # in draw order, then put in order of arrival (not the rows: they are read in place)
    who = pick_kernel(cum_weight, bucket_start, u[:, C_PICK])
    category = categorical_kernel(u[:, C_CAT], category_mix)
    channel = choose_channel(who, u, digital, band, online_channel, online_choice, walk_in_share)
    pot = categorical_kernel(u[:, C_POT], need_pot_mix)
    write_cases(ids, day, who[order], category[order], channel[order], pot[order],
                np.full(len(ids), -1, np.int64), False, u, order, band, needs, cols)
    return day


@njit(cache=True)
def arrival_permutation(days: np.ndarray, counts: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The day of each demand (``counts[i]`` on ``days[i]``, ``days`` increasing) and the
    rows of ``u`` in order of arrival: by day, then by hour ``u[:, C_HOUR]`` (stable, as
    ``np.lexsort((hour, day))``)."""
    day = np.empty(len(u), np.int64)
    rows = np.empty(len(u), np.int64)
    lo = 0
    for i in range(len(days)):
        hi = lo + counts[i]
        order = stable_argsort(u[lo:hi, C_HOUR])
        for j in range(hi - lo):
            day[lo + j] = days[i]
            rows[lo + j] = lo + order[j]
        lo = hi
    return day, rows


@njit(cache=True)
def choose_channel(who: np.ndarray, u: np.ndarray, digital: np.ndarray, band: np.ndarray,
                   online_channel: bool, online_choice: np.ndarray, walk_in_share: float) -> np.ndarray:
    """The channel of each demand: online when the street offers it, the resident has
    digital access and ``u[:, C_CHAN]`` is below their age band's online choice; else a
    walk-in with ``walk_in_share`` (``u[:, C_WALK]``), else a phone call."""
    channel = np.empty(len(who), np.int64)
    for k in range(len(who)):  # the conditions without branches (their outcomes are random)
        i = who[k]
        online = online_channel & digital[i] & (u[k, C_CHAN] < online_choice[band[i]])
        channel[k] = ONLINE if online else (WALK_IN if u[k, C_WALK] < walk_in_share else PHONE)
    return channel


@njit(cache=True)
def write_cases(ids: np.ndarray, day: np.ndarray, who: np.ndarray, category: np.ndarray,
                channel: np.ndarray, pot: np.ndarray, parent_of: np.ndarray, repeat: bool, u: np.ndarray,
                rows: np.ndarray, band: np.ndarray, needs: tuple, cols: tuple) -> None:
    """Write new cases ``ids`` (rows just appended) into the case columns ``cols`` (as
    :func:`need_inputs` lists them), with their needs drawn from ``u`` (case ``k``'s
    uniforms are row ``rows[k]``) against the category's probabilities ``needs``: a
    department (two or, with ``0.3`` of the multi-department probability, three when
    several are needed; unclear duty with ``p_unclear_duty`` then), money
    (``money_need`` times 0.5-1.5), data, a specialist, suitability for a social
    organisation; the hour of the day; the case's own uniforms ``u[:, N_ATTR:]`` and
    the normal quantiles of its delay uniforms
    (:func:`sim.randomness.compiled.normal_quantile`)."""
    (p_needs_department, p_multi_department, p_unclear_duty, p_needs_money, money_need, p_needs_data,
     p_needs_specialist, p_so_suitable) = needs
    (cs_u, resident_col, category_col, channel_col, elderly, is_repeat, parent, needs_department,
     n_departments, unclear_duty, needs_money, money_pot, money_need_col, needs_data, needs_specialist,
     so_suitable, raised_h, z_delay) = cols
    for k in range(len(ids)):  # the needs without branches (their outcomes are random)
        c = ids[k]
        r = rows[k]
        cat = category[k]
        p_multi = p_multi_department[cat]
        needs_dept = u[r, C_DEPT] < p_needs_department[cat]
        multi = needs_dept & (u[r, C_MULTI] < p_multi)
        three = u[r, C_MULTI] < 0.3 * p_multi
        n_departments[c] = (3 if three else 2) if multi else (1 if needs_dept else 0)
        needs_department[c] = needs_dept
        unclear_duty[c] = multi & (u[r, C_UNCLEAR] < p_unclear_duty)
        money = u[r, C_MONEY] < p_needs_money[cat]
        needs_money[c] = money
        amount = money_need[cat] * (0.5 + u[r, C_MONEY_AMT])
        money_need_col[c] = amount if money else 0.0
        money_pot[c] = pot[k]
        needs_data[c] = u[r, C_DATA] < p_needs_data[cat]
        needs_specialist[c] = u[r, C_SPEC] < p_needs_specialist[cat]
        so_suitable[c] = u[r, C_SO] < p_so_suitable[cat]
        raised_h[c] = day[k] * 24.0 + 24.0 * u[r, C_HOUR]
        resident_col[c] = who[k]
        category_col[c] = cat
        channel_col[c] = channel[k]
        elderly[c] = band[who[k]] == ELDERLY
        is_repeat[c] = repeat
        parent[c] = parent_of[k]
        for m in range(cs_u.shape[1]):
            cs_u[c, m] = u[r, N_ATTR + m]
        z_delay[c] = normal_quantile(u[r, N_ATTR + U_DELAY])


INHERITED = ("resident", "category", "channel", "elderly", "needs_department", "n_departments",
             "unclear_duty", "needs_money", "money_pot",
             "money_need", "needs_data", "needs_specialist", "so_suitable")
"""The columns a repeat contact takes from the case it repeats."""
_NO_DRAWS = np.empty((0, N_UNIFORMS + 1))
_DAY_COLUMNS = attrgetter("u", "is_repeat", "parent", "raised_h", "z_delay", "channel")
_INHERITED_COLUMNS = attrgetter(*INHERITED)


@njit(cache=True)
def day_kernel(t: int, future_day: np.ndarray, future_ids: np.ndarray, queue: np.ndarray,
               inbox: np.ndarray, repeats_due: np.ndarray, repeats_day: np.ndarray, u: np.ndarray,
               first: int, cols: tuple, workday: bool, since_inbox: int, check_days: float
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """One day of demand arrival on the case columns ``cols`` (:func:`day_columns`).

    1. The new demands raised on day ``t`` (``future_ids`` whose ``future_day`` is ``t``)
       are enqueued.
    2. The repeat contacts due by ``t`` (``repeats_day <= t``; as many as the rows of
       ``u``) become new cases, rows ``first, first + 1, ...`` already appended to the
       table, in order of their hour ``u[:, -1]`` (stable): each takes the columns
       ``inherited`` (:data:`INHERITED`) of the case it repeats, its own uniforms ``u[:, :-1]``
       and the normal quantiles of its delay and repeat-delay uniforms, and is enqueued.
    3. On workdays with mail waiting, ``since_inbox`` counts up; when it reaches
       ``check_days`` the inbox is read: queue and inbox merge in order of ``raised_h``
       (stable).

    Enqueueing appends cases to ``queue``, or to ``inbox`` when they came online.
    Returns the queue, the inbox, the repeat contacts still to come (ids, days) and
    ``since_inbox``.
    """
    cs_u, is_repeat, parent, raised_h, z_delay, channel, inherited = cols
    lo = np.searchsorted(future_day, t, side="left")
    hi = np.searchsorted(future_day, t, side="right")
    n_rep = len(u)
    rest = len(repeats_due) - n_rep
    ints = np.empty(n_rep + 2 * rest, np.int64)  # three arrays as parts of one allocation
    parents, rest_due, rest_day = ints[:n_rep], ints[n_rep:n_rep + rest], ints[n_rep + rest:]
    j, k = 0, 0
    for i in range(len(repeats_due)):
        if repeats_day[i] <= t:
            parents[j] = repeats_due[i]
            j += 1
        else:
            rest_due[k] = repeats_due[i]
            rest_day[k] = repeats_day[i]
            k += 1
    order = stable_argsort(u[:, N_UNIFORMS])
    n_uniforms = cs_u.shape[1]
    for j in range(n_rep):
        r = order[j]
        c = first + j
        p = parents[r]
        for m in range(n_uniforms):
            cs_u[c, m] = u[r, m]
        is_repeat[c] = True
        parent[c] = p
        raised_h[c] = t * 24.0 + 24.0 * u[r, N_UNIFORMS]
        z_delay[c] = normal_quantile(u[r, U_DELAY])
    for col in literal_unroll(inherited):
        for j in range(n_rep):
            col[first + j] = col[parents[order[j]]]
    # enqueue today's new cases, then the repeat contacts
    raised = np.empty(hi - lo + n_rep, np.int64)
    raised[: hi - lo] = future_ids[lo:hi]
    for j in range(n_rep):
        raised[hi - lo + j] = first + j
    n_online = 0
    for c in raised:
        n_online += channel[c] == ONLINE
    n_queue = len(queue) + len(raised) - n_online
    both = np.empty(n_queue + len(inbox) + n_online, np.int64)  # the queue and the inbox, one allocation
    new_queue, new_inbox = both[:n_queue], both[n_queue:]
    new_queue[: len(queue)] = queue
    new_inbox[: len(inbox)] = inbox
    a, b = len(queue), n_queue + len(inbox)
    for c in raised:  # each to the queue or the inbox, without a branch (a case's channel is random)
        online = channel[c] == ONLINE
        both[b if online else a] = c
        a += not online
        b += online
    # staff read the online inbox every check_days workdays
    if workday and len(new_inbox):
        since_inbox += 1
        if not since_inbox < check_days:
            since_inbox = 0
            merged = np.concatenate((new_queue, new_inbox))
            new_queue = merged[stable_argsort(raised_h[merged])]  # argsort(kind="mergesort")
            new_inbox = new_inbox[:0]
    return new_queue, new_inbox, rest_due, rest_day, since_inbox

