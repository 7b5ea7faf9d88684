"""A model's days, run as one compiled loop a month at a time.

:func:`run_street_days` (one street) and :func:`run_days` (a district's streets) run the
daily steps of :data:`sim.schedule_order.DAY` for the days of a month in one compiled
call: the departments' day rates; each street's transfers, emergencies and false
alarms, staff time, tasks, data entry, demand, intake and triage, and the whistle
(:func:`_first_half`); the departments' decisions; each street's answers, closing and
feedback, workforce stress, quits and refills, and the day's record
(:func:`_second_half`). Each step calls the same compiled kernels as its mechanism's
Python step, with the same draws from the same named streams in the same order (NumPy's
generators, or views of their live state drawn in compiled code, passed in once a
call), so a run gives the same results whether its days run here or one by one through
``StreetModel.step`` (``tests/test_month_loop.py``). In a district, the pool's answers,
the answers on their way and its pending episodes are grouped by street once a day
(:func:`by_street`) and the pending episodes grow in place (:func:`_extended`), so that
no street's step passes over the whole district's episodes: a district day costs in
proportion to its streets, not to their square.

What stays in Python (:func:`advance`): a month's openings (``StreetModel.open_month``,
each street's ``open_periods`` and ``demand.plan_month``) before the month's first day,
a year's closing steps after its last day, the Mesa agents of the loop's quits and
hires and the rows of its emergencies (replayed in order afterwards), and a day a table
might not have room for (the loop stops before it; ``StreetModel.step`` runs it).
"""

from __future__ import annotations

from operator import attrgetter
from typing import TYPE_CHECKING

import numpy as np
from numba import njit
from numba.typed import List

from sim.agents.departments import day_rates, decide_due, due_episodes, fill_episodes
from sim.agents.staff import INITIAL_STRESS, StaffMember, initial_skill, recruit_age_kernel, specialty_kernel
from sim.cases import CASE_COLUMNS, EPISODE_COLUMNS, N_UNIFORMS
from sim.compiled import borrowed, leaf, pairwise_sum, search_right
from sim.domain import SPECIALTIES
from sim.events import HIRE, LEAVE, QUIT
from sim.hours import BUCKET_ROW, np_maximum, np_minimum, take_hours
from sim.mechanisms import demand, emergency, feedback, recording, referral, tasks, triage, whistle, workforce
from sim.mechanisms.timebudget import WORKDAYS_PER_YEAR, data_entry_kernel, open_day_kernel
from sim.mechanisms.workforce import NO_PROB
from sim.memo import ObjectMemo
from sim.money import receive_kernel
from sim.params.values import Params
from sim.population import memory_shares, relax_everyone
from sim.randomness.compiled import lognormal_mean
from sim.randomness.pcg64 import live_state, live_uniforms, live_uniforms_2d, live_uniforms_into

if TYPE_CHECKING:
    from sim.model import StreetModel
    from sim.street import Street

# scalar state carried through the loop (written back by :func:`advance`)
(F_BACKLOG, F_COMPLAINT_DUE, F_VOLUNTEER, F_GENERAL, F_FEES, F_NEED, F_SPENT, F_UNFUNDED,
 F_RECORDS, F_TRANSFER_REVENUE, F_ARRIVED, F_ARRIVED_OWN_YEAR, F_OTHER_SPENT) = range(13)
(I_CASES, I_SINCE_INBOX, I_N_OPEN, I_ROWS_SEEN, I_HELD, I_ACCEPTED, I_REFUSED, I_CHECKED, I_EMERGENCY_ROW,
 I_REC_N, I_MOBILISED_UNTIL, I_EMERGENCIES) = range(12)
# columns of the emergencies and false alarms made in the loop (appended by :func:`_write_back`)
M_DAY, M_TYPE, M_WARNED, M_SUPPLIES, M_RESPONSE, M_RESOLVE, M_HOURS_LOST, M_FALSE_ALARM = range(8)
EMERGENCY_LOG_ROWS = 64
"""Emergencies and false alarms one call can hold per street (the loop stops before a
day that might not fit)."""
C_EPISODES, C_LOG, C_STAFF_EVENTS = range(3)
"""Rows used in the pool's episode table and whistle log, and in the staff-event log."""
# columns of the staff events made in the loop (replayed by :func:`replay_staff_events`)
E_STREET, E_EVENT, E_DAY, E_SLOT, E_CONTRACT, E_AGE, E_SPECIALTY, E_REASON, E_YEARS = range(9)
STAFF_LOG_ROWS = 256
"""Staff events one call can hold, beyond 8 per post (the loop stops before a day that
might not fit)."""

TRAINING, EMERGENCY_ROW, OUT_OF_LIST, IN_LIST, DATA_ENTRY, CASEWORK = (
    BUCKET_ROW[b] for b in ("training", "emergency", "out_of_list", "in_list", "data_entry", "casework"))
CASE_NAMES = tuple(CASE_COLUMNS)
(RESIDENT, CATEGORY, RAISED_H, WHISTLED_H, CLOSED_H, DUE_DAY, DEPT_MASK, N_BOUNCES,
 PENDING_DEPARTMENTS, DEPARTMENTS_ARRIVED_H, PLANNED_OUTCOME, PLANNED_REASON, STATE, OUTCOME,
 DROP_REASON, COMPLAINT, COMPLAINT_UNCLEAR, REPORTED_RESOLVED, PERCEIVED, CALLBACK_SATISFIED,
 Z_DELAY) = (
    CASE_NAMES.index(name) for name in (
        "resident", "category", "raised_h", "whistled_h", "closed_h", "due_day", "dept_mask", "n_bounces",
        "pending_departments", "departments_arrived_h", "planned_outcome", "planned_reason", "state",
        "outcome", "drop_reason", "complaint", "complaint_unclear", "reported_resolved", "perceived",
        "callback_satisfied", "z_delay"))
"""Positions of the case columns :func:`_second_half` reads in the case tuple."""
U_CASES = len(CASE_NAMES)
"""Position of the cases' own uniforms (``CaseTable.u``), after the columns."""
EPISODE_NAMES = tuple(EPISODE_COLUMNS)
LOG_NAMES = ("street", "episode", "department", "day", "kind", "answered", "attempt")
ROSTER_NAMES = ("filled", "contract", "specialty", "skill", "stress", "vacant_until", "training_target",
                "training_hours", "age", "pay", "grade_years", "hired_day")
STREET_STREAMS = ("repeat", "whistle", "enrolment", "workforce", "tasks", "staff")
"""A street's streams the loop draws from, in the order of ``gens`` in :func:`_first_half`:
the first :data:`LIVE_STREAMS` as their live state words (``pcg64.state_words``, drawn by
``pcg64.live_uniforms``), the others as NumPy generators (Poisson and scalar draws)."""
LIVE_STREAMS = 4
RESIDENT_NAMES = ("own", "trust", "touched_day", "community", "word_of_mouth", "expectation", "disposition",
                  "eligible", "enrolled")
# the tables' columns as the loop takes them, each one C call (a tuple of attributes)
_CASE_ARRAYS = attrgetter(*CASE_NAMES, "u")
_EPISODE_ARRAYS = attrgetter(*EPISODE_NAMES)
_LOG_ARRAYS = attrgetter(*LOG_NAMES)
_ROSTER_ARRAYS = attrgetter(*ROSTER_NAMES)
_RESIDENT_ARRAYS = attrgetter(*RESIDENT_NAMES)


@njit(cache=True)
def _concat(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.empty(len(a) + len(b), dtype=np.int64)
    out[: len(a)] = a
    out[len(a):] = b
    return out


@njit(cache=True)
def _grown(rows: np.ndarray, keep: int, need: int) -> np.ndarray:
    """``DailyRecord.make_room``: room for ``need`` rows, the first ``keep`` kept (a new
    array of at least twice the size when there is not)."""
    if need <= len(rows):
        return rows
    grown = np.empty(max(2 * len(rows), need), dtype=np.int64)
    grown[:keep] = rows[:keep]
    return grown


@njit(cache=True)
def run_days(t: int, t_stop: int, shared: tuple, counts: np.ndarray, streets, lives, gens, states, checks,
             street_index: np.ndarray, staff_log: np.ndarray, w_decide, active: np.ndarray,
             incoming: np.ndarray) -> tuple:
    """Run days ``t`` to ``t_stop - 1`` of every street (see the module docstring),
    stopping early before a day left to Python.

    Args:
        shared: the departments' pool (episode and whistle-log columns, day rates), the
            calendar and the pool's parameters.
        counts: rows used in the episode table, the whistle log and ``staff_log``.
        streets: a typed list of each street's state and parameters (:func:`advance`).
        lives: a typed list of each street's arrays the steps replace.
        gens: a typed list of each street's random streams (:data:`STREET_STREAMS`).
        states: a typed list of each street's case ``state`` column.
        checks: a typed list of each street's arrays :func:`_fits` reads
            (:func:`_check_arrays`), and ``street_index`` each street's index: taking an
            item of ``streets`` counts a reference to each of its ~200 arrays (and
            uncounts it after), so the day's room check and the answers' street read
            these instead (the halves of the day take ``streets[i]`` once each).
        staff_log: the quits and hires made, in order (:func:`replay_staff_events`).
        w_decide: the departments' decision stream, as its live state words
            (``pcg64.state_words``).
        active, incoming: the pool's pending and arrived episodes.

    Returns ``(day, active, incoming, packed, quit_probs)``: the first day not run, the
    pool's arrays, and each street's replaced arrays packed (:func:`_packed_lives`). The
    arrays that stay the same through the call are :func:`borrowed`, as in
    :func:`run_street_days`."""
    shared, counts, street_index, staff_log, w_decide = borrowed((shared, counts, street_index, staff_log,
                                                                  w_decide))
    streets, gens, states, checks = (borrowed_items(streets), borrowed_items(gens), borrowed_items(states),
                                     borrowed_items(checks))
    ep_street = shared[0][0]
    n_streets = len(streets)
    k_cand = streets[0][12][10][0].shape[1]
    posts = 0
    for i in range(n_streets):
        posts += len(streets[i][3][0])
    position = np.full(np.max(street_index) + 1, -1, np.int64)  # a street's index -> its place here
    for i in range(n_streets):
        position[street_index[i]] = i
    n_active = len(active)
    fresh = 0
    while t < t_stop:
        # days left to Python: stop before them (every street's day must fit)
        new_cases = 0
        for i in range(n_streets):
            fresh = _day_fits(t, checks[i], lives[i])
            if fresh < 0:
                break
            new_cases += fresh
        if fresh < 0 or not _pool_room(shared, counts, new_cases, n_active, k_cand, posts, staff_log):
            break
        _day_rates(shared)  # step: DepartmentPool.begin_day
        for i in range(n_streets):
            lives[i], active, n_active = _first_half(t, streets[i], lives[i], gens[i], shared, counts, active,
                                                     n_active)
        # step: DepartmentPool.decide
        arrived, arrival_h, bounced, failed, active, incoming = _decide(t, shared, counts, states, w_decide,
                                                                        active[:n_active], incoming)
        n_active = len(active)
        # each street's own answers, answers on their way and pending episodes, in order
        # (model.street_answers), grouped once for all streets
        arrived_at, arrived_from = by_street(arrived, ep_street, position, n_streets)
        arrived, arrival_h = arrived[arrived_at], arrival_h[arrived_at]
        bounced_at, bounced_from = by_street(bounced, ep_street, position, n_streets)
        bounced = bounced[bounced_at]
        failed_at, failed_from = by_street(failed, ep_street, position, n_streets)
        failed = failed[failed_at]
        incoming_at, incoming_from = by_street(incoming, ep_street, position, n_streets)
        incoming_grouped = incoming[incoming_at]
        pending_from = street_bounds(active, ep_street, position, n_streets)
        for i in range(n_streets):
            a, b = arrived_from[i], arrived_from[i + 1]
            lives[i], active, n_active = _second_half(
                t, streets[i], lives[i], gens[i], shared, counts, staff_log, arrived[a:b], arrival_h[a:b],
                bounced[bounced_from[i]:bounced_from[i + 1]], failed[failed_from[i]:failed_from[i + 1]],
                active, n_active, pending_from[i + 1] - pending_from[i],
                incoming_grouped[incoming_from[i]:incoming_from[i + 1]])
        t += 1
    return t, active[:n_active], incoming, *_packed_lives(lives)


@njit(cache=True)
def borrowed_items(items):
    """A typed list of the :func:`borrowed` items of the typed list ``items``."""
    out = List()
    for i in range(len(items)):
        out.append(borrowed(items[i]))
    return out


@njit(cache=True)
def by_street(ids: np.ndarray, ep_street: np.ndarray, position: np.ndarray, n_streets: int
              ) -> tuple[np.ndarray, np.ndarray]:
    """The places in ``ids`` (episodes) grouped by their street's ``position`` (keeping
    their order within a street), and where each street's group starts (``n_streets +
    1`` bounds): one pass for every street, where a pass per street would cost the
    district the square of its streets."""
    bounds = street_bounds(ids, ep_street, position, n_streets)
    next_at = bounds[:-1].copy()
    places = np.empty(len(ids), np.int64)
    for k in range(len(ids)):
        i = position[ep_street[ids[k]]]
        places[next_at[i]] = k
        next_at[i] += 1
    return places, bounds


@njit(cache=True)
def street_bounds(ids: np.ndarray, ep_street: np.ndarray, position: np.ndarray, n_streets: int) -> np.ndarray:
    """Where each street's group of ``ids`` would start in :func:`by_street` (``n_streets +
    1`` bounds; street ``i`` has ``bounds[i + 1] - bounds[i]`` of them)."""
    bounds = np.zeros(n_streets + 1, np.int64)
    for e in ids:
        bounds[position[ep_street[e]] + 1] += 1
    for i in range(n_streets):
        bounds[i + 1] += bounds[i]
    return bounds


@njit(cache=True)
def _extended(active: np.ndarray, n_active: int, start: int, k: int) -> tuple[np.ndarray, int]:
    """The pool's pending episodes (the first ``n_active`` of ``active``) followed by the
    episodes ``start ... start + k - 1``: written in place when ``active`` has room, else
    into a new array of twice the size (the streets of a district add theirs one after
    another without copying the whole list each time: :func:`_grown`)."""
    active = _grown(active, n_active, max(n_active + k, 64))
    for i in range(k):
        active[n_active + i] = start + i
    return active, n_active + k


@njit(cache=True)
def run_street_days(t: int, t_stop: int, shared: tuple, counts: np.ndarray, st: tuple, live: tuple,
                    check: tuple, street_gens, staff_log: np.ndarray, w_decide, active: np.ndarray,
                    incoming: np.ndarray) -> tuple:
    """:func:`run_days` for a single street (its state and arrays as tuples, ``check``
    its :func:`_check_arrays`, its streams the one item of the typed list
    ``street_gens``); returns ``(day, active, incoming, live)``. The arrays that stay the
    same through the call are :func:`borrowed` (the arrays of ``live``, ``active`` and
    ``incoming`` are replaced and returned: they keep their counts)."""
    st, shared, check, counts, staff_log, w_decide = borrowed((st, shared, check, counts, staff_log,
                                                               w_decide))
    gens = borrowed(street_gens[0])
    k_cand = st[12][10][0].shape[1]
    posts = len(st[3][0])
    states = (st[2][STATE],)
    n_active = len(active)
    while t < t_stop:
        fresh = _day_fits(t, check, live)  # days left to Python: stop before them
        if fresh < 0 or not _pool_room(shared, counts, fresh, n_active, k_cand, posts, staff_log):
            break
        _day_rates(shared)  # step: DepartmentPool.begin_day
        live, active, n_active = _first_half(t, st, live, gens, shared, counts, active, n_active)
        # step: DepartmentPool.decide
        arrived, arrival_h, bounced, failed, active, incoming = _decide(t, shared, counts, states, w_decide,
                                                                        active[:n_active], incoming)
        n_active = len(active)
        # a lone street's answers, answers on their way and pending episodes are all of
        # them (model.street_answers)
        live, active, n_active = _second_half(
            t, st, live, gens, shared, counts, staff_log, arrived, arrival_h, bounced, failed, active,
            n_active, n_active, incoming)
        t += 1
    return t, active[:n_active], incoming, live


@njit(cache=True, inline="always")
def _pool_room(shared: tuple, counts: np.ndarray, new_cases: int, n_active: int, k_cand: int, posts: int,
               staff_log: np.ndarray) -> bool:
    """Whether the episode table, the whistle log and the staff-event log have room for
    a day with at most ``new_cases`` new cases."""
    return (counts[C_EPISODES] + (new_cases + n_active) * k_cand <= len(shared[0][0])
            and counts[C_LOG] + n_active + (new_cases + n_active) * k_cand <= len(shared[1][0])
            and counts[C_STAFF_EVENTS] + 2 * posts <= len(staff_log))


@njit(cache=True, inline="always")
def _day_rates(shared: tuple) -> None:
    """``DepartmentPool.begin_day``: the departments' loads, answer probabilities and delays."""
    inflow, new_today, load, answer_prob_today, delay_today, pressure = shared[2]
    (capacity, capacity_scale, effect, accountability, answer_prob, sensitivity, delay_hours,
     travel) = shared[4]
    day_rates(inflow, new_today, capacity, capacity_scale, effect, accountability, pressure, answer_prob,
              sensitivity, delay_hours, travel, load, answer_prob_today, delay_today)


@njit(cache=True, inline="always")
def _decide(t: int, shared: tuple, counts: np.ndarray, states, w_decide, active: np.ndarray,
            incoming: np.ndarray) -> tuple:
    """``DepartmentPool.decide``: every episode due today (``states``: each street's case
    ``state`` column); returns the answers and the pool's new arrays."""
    (ep_street, ep_case, ep_department, ep_first_sent_h, ep_n_sent, ep_escalated, ep_arrival_h, ep_next_day,
     ep_state, ep_unclear, ep_bounced) = shared[0]
    log_street, log_episode, log_department, log_day, log_kind, log_answered, log_attempt = shared[1]
    _, _, _, answer_prob_today, delay_today, _ = shared[2]
    new_today = shared[2][1]
    escalation_prob, decide_sigma, bounce_prob, max_repeats, repeat_days, escalate_days = shared[5]
    if len(active):
        due = due_episodes(active, ep_next_day, ep_street, ep_case, ep_state, t, states)
    else:
        due = np.empty(0, np.int64)
    if len(due) == 0:
        return due, np.empty(0), due, due, active, incoming
    u_dec = live_uniforms_2d(w_decide, len(due), 3)
    log_start = counts[C_LOG]
    counts[C_LOG] += len(due)
    return decide_due(
        due, u_dec, t, ep_street, ep_department, ep_escalated, ep_n_sent, ep_first_sent_h, ep_unclear,
        ep_arrival_h, ep_state, ep_bounced, ep_next_day, answer_prob_today, delay_today, new_today,
        escalation_prob, decide_sigma, bounce_prob, max_repeats, t + repeat_days, t + escalate_days,
        log_start, log_street, log_episode, log_department, log_day, log_kind, log_answered,
        log_attempt, active, incoming)


@njit(cache=True)
def _packed_lives(lives) -> tuple[np.ndarray, np.ndarray]:
    """Every street's replaced id arrays (queue, in service, inbox, repeats due and their
    days, open rows of the record) one after another, each preceded by its length, and
    every street's quit probabilities likewise (read back by :func:`_unpacked`; a typed
    list read from Python would type its items in Python)."""
    n_ids = 0
    n_probs = 0
    for i in range(len(lives)):
        live = lives[i]
        n_ids += 6 + len(live[0]) + len(live[1]) + len(live[2]) + len(live[3]) + len(live[4]) + len(live[5])
        n_probs += 1 + len(live[6])
    ids = np.empty(n_ids, np.int64)
    probs = np.empty(n_probs)
    a = 0
    b = 0
    for i in range(len(lives)):
        live = lives[i]
        for part in (live[0], live[1], live[2], live[3], live[4], live[5]):
            ids[a] = len(part)
            ids[a + 1:a + 1 + len(part)] = part
            a += 1 + len(part)
        probs[b] = len(live[6])
        probs[b + 1:b + 1 + len(live[6])] = live[6]
        b += 1 + len(live[6])
    return ids, probs


def _unpacked(ids: np.ndarray, probs: np.ndarray, n_streets: int) -> list[tuple]:
    """The per-street arrays :func:`_packed_lives` packed, as new arrays."""
    out = []
    a = b = 0
    for _ in range(n_streets):
        parts = []
        for _ in range(6):
            n = int(ids[a])
            parts.append(ids[a + 1:a + 1 + n].copy())
            a += 1 + n
        n = int(probs[b])
        parts.append(probs[b + 1:b + 1 + n].copy())
        b += 1 + n
        out.append(tuple(parts))
    return out


@njit(cache=True, inline="always")
def _day_fits(t: int, check: tuple, live: tuple) -> int:
    """The street's new cases today at most (-1: the day is left to Python: the emergency
    draws used up, or no room for today's repeat contacts or emergencies); ``check``:
    :func:`_check_arrays` of its state."""
    return _fits(t, check[0], len(check[1]), len(check[2]), len(check[3]), check[4], live[0], live[2],
                 live[4])


@leaf
def _fits(t: int, ints: np.ndarray, n_draws: int, n_emergency_rows: int, n_case_rows: int,
          future_day: np.ndarray, queue: np.ndarray, inbox: np.ndarray, repeats_day: np.ndarray) -> int:
    if ints[I_EMERGENCY_ROW] >= n_draws or ints[I_EMERGENCIES] + 2 > n_emergency_rows:
        return -1
    n_rep = demand.count_due(repeats_day, t)
    if ints[I_CASES] + n_rep > n_case_rows:
        return -1
    # the days are sorted: today's arrivals by bisection, not a pass over the month's
    n = len(future_day)
    arriving = search_right(future_day, 0, n, t) - search_right(future_day, 0, n, t - 1)
    return len(queue) + len(inbox) + arriving + n_rep


@njit(cache=True, inline="always")
def _first_half(t: int, st: tuple, live: tuple, gens: tuple, shared: tuple, counts: np.ndarray,
                active: np.ndarray, n_active: int) -> tuple:
    """One street's ``Street.begin_day`` after its openings (money, emergencies, staff time, tasks, data
    entry, demand, triage and the whistle); returns its replaced arrays and the pool's
    pending episodes (the first ``n_active`` of ``active``: :func:`_extended`)."""
    fs, ints, cs, roster, hours, res, so, pots, record, e_draws, future, transfers, par, u_work = st
    queue, in_service, inbox, repeats_due, repeats_day, open_rows, quit_prob, ended = live
    (resident, category, channel, elderly, is_repeat, parent, needs_department, n_departments, unclear_duty,
     needs_money, money_pot, money_need, money_paid, needs_data, needs_specialist, so_suitable, z_delay,
     raised_h, accepted_h, first_response_h, whistled_h, closed_h, due_day, staff_hours, route,
     handler, specialist, dept_mask, n_whistles, n_bounces, escalated, pending_departments,
     departments_arrived_h, planned_outcome, planned_reason, state, outcome, drop_reason, complaint,
     complaint_unclear, reported_resolved, perceived, callback_satisfied, u_cases) = cs
    (filled, contract, specialty, skill, stress, vacant_until, training_target, training_hours, age,
     pay, grade_years, hired_day) = roster
    available, by_bucket, demanded = hours
    table, so_capacity, so_taken, so_changed = so
    future_day, future_ids = future
    transfer_day, transfer_amount, transfer_own_year, transfer_done = transfers
    w_repeat, w_whistle, w_enrol, w_workforce, g_tasks, g_staff = gens
    (street, n_residents, n_sos, p_emergency, p_money, p_time, p_tasks, p_data, check_days, rules, p_send,
     p_answer, p_close, p_work, p_hazard, p_recruit) = par
    (false_alarm_chance, emergency_chance, mobilised_share, hours_lost, n_emergencies, em_log, trust_loss,
     memory_years, keep_of, event_rule) = p_emergency
    own, trust, touched_day, community, word_of_mouth = res[0], res[1], res[2], res[3], res[4]
    livelihood_share, pot_allocation, committed_share = p_money
    per_post_work, per_post_rest, guests, volunteer_hours = p_time
    tasks_per_staff, out_share, coverage, enforcement, hours_per_task = p_tasks
    records_per_staff, systems_per_record, minutes_per_entry, systems_in_use, minutes_per_login = p_data
    routes, other, resolution_rule, referral_rule, bundled = rules
    candidates, joint_meeting, meeting_delay = p_send
    k_cand = candidates.shape[1]
    ep = shared[0]
    ep_street, ep_case, ep_department, ep_first_sent_h, ep_next_day, ep_unclear = (ep[0], ep[1], ep[2], ep[3],
                                                                                   ep[7], ep[9])
    workday_of, office_len, office_before = shared[3]
    workday = workday_of[t]
    # step: money.daily: district transfers due by today, in the order expected
    for i in range(len(transfer_day)):
        if not transfer_done[i] and transfer_day[i] <= t:
            transfer_done[i] = True
            fs[F_GENERAL] = receive_kernel(transfer_amount[i], transfer_own_year[i], livelihood_share,
                                           pot_allocation, committed_share, pots,
                                           fs[F_TRANSFER_REVENUE:F_OTHER_SPENT + 1], fs[F_GENERAL])
    # step: emergency.daily
    u = e_draws[ints[I_EMERGENCY_ROW]]
    ints[I_EMERGENCY_ROW] += 1
    if u[6] < false_alarm_chance:  # Residents.shock, then the log
        relax_everyone(t, memory_years, own, trust, touched_day, community, word_of_mouth, keep_of)
        for i in range(len(trust)):
            trust[i] = np_minimum(np_maximum(trust[i] - trust_loss, 0.0), 1.0)  # numpy.clip
        _log_row(em_log, ints, I_EMERGENCIES, (float(t), -1.0, 0.0, 0.0, np.nan, np.nan, 0.0, 1.0))
    if u[0] < emergency_chance:
        kind, warned, own_supplies, response, resolve, days = emergency.event_kernel(u, *event_rule, skill,
                                                                                     filled)
        _log_row(em_log, ints, I_EMERGENCIES, (float(t), float(kind), 1.0 if warned else 0.0,
                                               1.0 if own_supplies else 0.0,
                                               response, resolve, 0.0, 0.0))
        ints[I_MOBILISED_UNTIL] = max(ints[I_MOBILISED_UNTIL], t + days - 1)
    # step: timebudget.open_day
    ints[I_HELD] = open_day_kernel(filled, training_target, per_post_work if workday else per_post_rest,
                                   guests, workday, available, by_bucket, demanded, training_hours)
    fs[F_VOLUNTEER] = volunteer_hours if workday else 0.0
    if t <= ints[I_MOBILISED_UNTIL]:  # staff still mobilised by the last emergency
        lost = take_hours(by_bucket, EMERGENCY_ROW, available, available * mobilised_share)
        if ints[I_EMERGENCIES]:  # the last row of street.emergencies: made in the loop, or before
            em_log[ints[I_EMERGENCIES] - 1, M_HOURS_LOST] += pairwise_sum(lost)
        elif n_emergencies:
            hours_lost[n_emergencies - 1] += pairwise_sum(lost)
    # step: tasks.daily
    if not workday:
        ints[I_ACCEPTED] = 0
        ints[I_REFUSED] = 0
        ints[I_CHECKED] = 0
    else:
        accepted, refused, checked = tasks.day_kernel(
            g_tasks, ints[I_HELD], tasks_per_staff, out_share, coverage, enforcement, hours_per_task, filled,
            available, by_bucket, demanded)
        ints[I_ACCEPTED] = accepted
        ints[I_REFUSED] = refused
        ints[I_CHECKED] = checked
        # step: timebudget.data_entry
        data_entry_kernel(ints[I_HELD], fs[F_RECORDS], records_per_staff, systems_per_record,
                          minutes_per_entry, systems_in_use, minutes_per_login, filled, available, by_bucket)
        fs[F_RECORDS] = 0.0
    # step: demand.daily (on a month's first day, demand.plan_month ran before the loop)
    n_rep = demand.count_due(repeats_day, t)
    first = ints[I_CASES]
    if n_rep:
        u = live_uniforms_2d(w_repeat, n_rep, N_UNIFORMS + 1)
        ints[I_CASES] += n_rep
    else:
        u = np.empty((0, N_UNIFORMS + 1))
    inherited = (resident, category, channel, elderly, needs_department, n_departments, unclear_duty,
                 needs_money, money_pot, money_need, needs_data, needs_specialist, so_suitable)
    queue, inbox, repeats_due, repeats_day, since = demand.day_kernel(
        t, future_day, future_ids, queue, inbox, repeats_due, repeats_day, u, first,
        (u_cases, is_repeat, parent, raised_h, z_delay, channel, inherited), workday,
        ints[I_SINCE_INBOX], check_days)
    ints[I_SINCE_INBOX] = since
    # step: triage.daily
    ended = queue[:0]  # none ended yet (an empty view: no allocation)
    if len(queue) == 0 and fs[F_COMPLAINT_DUE] <= 0:
        fs[F_BACKLOG] = 0.0
    else:
        for j in range(len(so_capacity)):  # SocialOrganisation.room, as referral.so_table reads it
            room = so_capacity[j] - table[j, referral.USED]
            table[j, referral.ROOM] = room if room > 0.0 else 0.0
        cols = (raised_h, u_cases, needs_department, so_suitable, channel, category, needs_specialist,
                needs_data, needs_money, money_pot, money_need, z_delay, route, accepted_h,
                first_response_h,
                handler, specialist, staff_hours, state, planned_outcome, planned_reason, closed_h,
                due_day,
                money_paid)
        (queue, stale, to_departments, grown, admitted, backlog, complaint_due, volunteer, n_money, need,
         spent, n_referred, general, fees, taken, changed, fitted) = triage.day_kernel(
            t, queue, in_service, cols, by_bucket, available, fs[F_COMPLAINT_DUE], fs[F_VOLUNTEER],
            filled,
            contract, specialty, skill, n_residents, table, pots, bundled, fs[F_GENERAL], fs[F_FEES],
            office_len, office_before, routes, other, resolution_rule, referral_rule)
        fs[F_BACKLOG] = backlog
        fs[F_COMPLAINT_DUE] = complaint_due
        fs[F_VOLUNTEER] = volunteer
        if len(stale):
            ended = stale
        if not fitted:
            raise RuntimeError("allocation exceeded free hours")
        if len(changed):
            for j in changed:
                so_changed[j] = True
                so_taken[j] += taken[j]
        if admitted:
            in_service = grown
            fs[F_RECORDS] += float(admitted)
            if n_money:
                fs[F_NEED] += need
                fs[F_SPENT] += spent
                fs[F_UNFUNDED] += need - spent
            if n_referred:
                fs[F_GENERAL] = general
                fs[F_FEES] = fees
            # whistle.send_cases
            if len(to_departments):
                u_send = live_uniforms_2d(w_whistle, len(to_departments), k_cand)
                w_cases, w_departments, w_unclear, w_next, w_sent = whistle.whistle_cases(
                    to_departments, u_send, candidates, category, n_departments, unclear_duty,
                    joint_meeting,
                    meeting_delay, t, accepted_h, dept_mask, pending_departments, state, whistled_h)
                start = counts[C_EPISODES]
                counts[C_EPISODES] += len(w_cases)
                fill_episodes(start, street, w_cases, w_departments, w_unclear, w_next, w_sent, ep_street,
                              ep_case, ep_department, ep_first_sent_h, ep_next_day, ep_unclear)
                active, n_active = _extended(active, n_active, start, len(w_cases))
    return (queue, in_service, inbox, repeats_due, repeats_day, open_rows, quit_prob, ended), active, n_active


@njit(cache=True, inline="always")
def _second_half(t: int, st: tuple, live: tuple, gens: tuple, shared: tuple, counts: np.ndarray,
                 staff_log: np.ndarray,
                 arrived: np.ndarray, arrival_h: np.ndarray, bounced: np.ndarray, failed: np.ndarray,
                 active: np.ndarray, n_active: int, pending: int, incoming: np.ndarray) -> tuple:
    """One street's ``Street.end_day`` (the departments' answers, closing and feedback,
    workforce, the day's record) on its own answers, its episodes of ``incoming`` and the
    number of its episodes ``pending`` at the pool after today's decisions; returns its
    replaced arrays and the pool's pending episodes (the first ``n_active`` of
    ``active``: :func:`_extended`)."""
    fs, ints, cs, roster, hours, res, so, pots, record, e_draws, future, transfers, par, u_work = st
    queue, in_service, inbox, repeats_due, repeats_day, open_rows, quit_prob, ended = live
    (resident, category, raised_h, whistled_h, closed_h, due_day, dept_mask, n_bounces,
     pending_departments, departments_arrived_h, planned_outcome, planned_reason, state, outcome,
     drop_reason, complaint, complaint_unclear, reported_resolved, perceived, callback_satisfied,
     z_delay) = (
        cs[RESIDENT], cs[CATEGORY], cs[RAISED_H], cs[WHISTLED_H], cs[CLOSED_H], cs[DUE_DAY], cs[DEPT_MASK],
        cs[N_BOUNCES], cs[PENDING_DEPARTMENTS], cs[DEPARTMENTS_ARRIVED_H], cs[PLANNED_OUTCOME],
        cs[PLANNED_REASON], cs[STATE], cs[OUTCOME], cs[DROP_REASON], cs[COMPLAINT], cs[COMPLAINT_UNCLEAR],
        cs[REPORTED_RESOLVED], cs[PERCEIVED], cs[CALLBACK_SATISFIED], cs[Z_DELAY])
    u_cases = cs[U_CASES]
    (filled, contract, specialty, skill, stress, vacant_until, training_target, training_hours, age,
     pay, grade_years, hired_day) = roster
    available, by_bucket, demanded = hours
    own, trust, touched_day, community, word_of_mouth, expectation, disposition, eligible, enrolled = res
    w_repeat, w_whistle, w_enrol, w_workforce, g_tasks, g_staff = gens
    (street, n_residents, n_sos, p_emergency, p_money, p_time, p_tasks, p_data, check_days, rules, p_send,
     p_answer, p_close, p_work, p_hazard, p_recruit) = par
    candidates = p_send[0]
    max_bounces, resolve_prob, handling_hours, delay_sigma, bounce_days = p_answer
    (time_limit, score_in_time, score_late, score_dropped, learning_rate, memory_years, disconfirmation,
     callback_threshold, p_complaint, bounce_factor, gaming, trust_scale, p_repeat, repeat_delay_days,
     complaint_hours, enrol_prob, keep_of) = p_close
    out_strain, sustainable, assessment, stress_memory = p_work
    quit_hazard, youth_multiplier, urban_pay, pay_elasticity, stress_elasticity = p_hazard
    (recruit_prof_share, professional_mix, recruit_young_share, recruit_skill, staff_pay, training_plan,
     refill_lag_days) = p_recruit
    ep = shared[0]
    (ep_street, ep_case, ep_department, ep_first_sent_h, ep_n_sent, ep_escalated, ep_arrival_h, ep_next_day,
     ep_state, ep_unclear, ep_bounced) = ep
    workday = shared[3][0][t]
    # step: whistle.apply_answers
    bounced_out, unanswered, settled, cid, k, weights, n_new = whistle.answer_kernel(
        bounced, failed, arrived, arrival_h, t, street, ep_case, ep_street, ep_state, ep_arrival_h,
        incoming,
        state, n_bounces, category, dept_mask, candidates, max_bounces, planned_outcome, planned_reason,
        closed_h, whistled_h, departments_arrived_h, pending_departments, u_cases, z_delay, due_day,
        resolve_prob, handling_hours, delay_sigma)
    if len(bounced_out):
        ended = _concat(ended, bounced_out)
    if len(cid):
        u_re = live_uniforms_2d(w_whistle, weights.shape[0], weights.shape[1])
        start = counts[C_EPISODES]
        counts[C_EPISODES] += n_new
        n_re = whistle.rewhistle_rows(weights, k, u_re, cid, dept_mask, whistled_h, t + bounce_days, street,
                                      start, ep_street, ep_case, ep_department, ep_first_sent_h, ep_next_day,
                                      ep_unclear)
        active, n_active = _extended(active, n_active, start, n_re)
        pending += n_re
    if len(unanswered):
        ended = _concat(ended, unanswered)
    if len(settled):
        in_service = _concat(in_service, settled)
    # step: feedback.close_due
    if len(ended) or len(in_service):
        in_service, n_complaints, repeats_due, repeats_day, cand = feedback.close_kernel(
            ended, in_service, t, due_day, state, planned_outcome, outcome, planned_reason, drop_reason,
            closed_h, raised_h, category, resident, n_bounces, u_cases, perceived,
            callback_satisfied, complaint, complaint_unclear, reported_resolved, own, trust, touched_day,
            community, word_of_mouth, expectation, disposition, eligible, enrolled, time_limit,
            score_in_time, score_late, score_dropped, learning_rate, memory_years, disconfirmation,
            callback_threshold, p_complaint, bounce_factor, gaming, trust_scale, p_repeat,
            repeat_delay_days,
            repeats_due, repeats_day, keep_of)
        if n_complaints:
            fs[F_COMPLAINT_DUE] += float(n_complaints) * complaint_hours
        if len(cand):
            hit = live_uniforms(w_enrol, len(cand))
            for i in range(len(cand)):
                if hit[i] < enrol_prob:
                    enrolled[cand[i]] = True
    # step: workforce.daily
    live_uniforms_into(w_workforce, u_work)  # live_uniforms_2d(w_workforce, len(filled), 2), in scratch
    rehazard = t % 7 == 0 or len(quit_prob) == 0
    events = workforce.stress_and_turnover(
        workday, not rehazard, t, filled, stress, vacant_until, u_work,
        np.zeros(0) if rehazard else quit_prob, available, by_bucket[TRAINING], by_bucket[EMERGENCY_ROW],
        by_bucket[OUT_OF_LIST], by_bucket[IN_LIST], by_bucket[DATA_ENTRY], by_bucket[CASEWORK], demanded,
        fs[F_BACKLOG], out_strain, sustainable, assessment, stress_memory)
    if rehazard:
        quit_prob = workforce.daily_quit_prob(workforce.quit_hazard_kernel(
            contract, age, pay, stress, quit_hazard, youth_multiplier, urban_pay, pay_elasticity,
            stress_elasticity))
        events = workforce.turnover_due(t, filled, vacant_until, u_work, quit_prob)
    if events:  # workforce.turnover: quits, then refills due (their agents: replay_staff_events)
        for slot in range(len(filled)):
            if filled[slot] and u_work[slot, 0] < quit_prob[slot]:
                leaver = (float(street), float(LEAVE), float(t), float(slot), float(contract[slot]),
                          age[slot], float(specialty[slot]), float(QUIT), grade_years[slot])
                _log_row(staff_log, counts, C_STAFF_EVENTS, leaver)
                lag = lognormal_mean(refill_lag_days, 0.4, u_work[slot, 1])
                filled[slot] = False
                vacant_until[slot] = t + max(1, int(lag))
                stress[slot] = 0.0
        for slot in range(len(filled)):
            if not filled[slot] and 0 <= vacant_until[slot] <= t:
                # staff.draw_recruit: the same kernels, the same draws
                new_specialty = specialty_kernel(g_staff, recruit_prof_share, professional_mix)
                new_age = recruit_age_kernel(g_staff, recruit_young_share)
                filled[slot] = True  # Roster.fill
                specialty[slot] = new_specialty
                age[slot] = new_age
                skill[slot] = recruit_skill[new_specialty]
                stress[slot] = INITIAL_STRESS
                pay[slot] = staff_pay[contract[slot]]
                training_hours[slot] = 0.0
                grade_years[slot] = 0.0
                hired_day[slot] = t
                vacant_until[slot] = -1
                training_target[slot] = training_plan
                quit_prob = np.zeros(0)  # workforce.invalidate_quit_hazard
                hired = (float(street), float(HIRE), float(t), float(slot), float(contract[slot]), new_age,
                         float(new_specialty), -1.0, np.nan)
                _log_row(staff_log, counts, C_STAFF_EVENTS, hired)
    # step: recording.record_day
    open_rows = _grown(open_rows, ints[I_N_OPEN], ints[I_N_OPEN] + ints[I_CASES] - ints[I_ROWS_SEEN])
    ints[I_N_OPEN] = recording.record_row(
        record, t, street, workday, len(queue) + len(inbox), len(in_service), ints[I_ACCEPTED],
        ints[I_REFUSED], ints[I_CHECKED], fs[F_GENERAL], n_sos, state, closed_h, open_rows,
        ints[I_N_OPEN],
        ints[I_ROWS_SEEN], ints[I_CASES], pending, available, by_bucket[TRAINING],
        by_bucket[EMERGENCY_ROW], by_bucket[OUT_OF_LIST], by_bucket[IN_LIST], by_bucket[DATA_ENTRY],
        by_bucket[CASEWORK], filled, contract, age, stress, pots)
    ints[I_ROWS_SEEN] = ints[I_CASES]
    ints[I_REC_N] = t + 1
    ended = in_service[:0]  # closed today (an empty view: no allocation)
    return (queue, in_service, inbox, repeats_due, repeats_day, open_rows, quit_prob, ended), active, n_active


@njit(cache=True)
def _log_row(log: np.ndarray, counters: np.ndarray, which: int, values: tuple[float, ...]) -> None:
    """Write ``values`` (in column order) into the next row of ``log``, whose rows in use
    are counted at ``counters[which]``."""
    row = counters[which]
    counters[which] += 1
    for j in range(len(values)):
        log[row, j] = values[j]


def _check_arrays(st: tuple) -> tuple:
    """The arrays of a street's state (:func:`_street_state`) that :func:`_fits` reads:
    the scalar counters, the emergency draws, the loop's emergency log, a case column (its
    length is the table's room) and the days of the month's new demands. They stay the
    same objects through a call (the loop stops before a day the tables have no room for)."""
    return st[1], st[9], st[12][3][5], st[2][0], st[10][0]


def typed_list(items: list) -> List:
    """A numba typed list of ``items`` (all of one numba type), built by compiled appends:
    ``numba.typed.List.append`` from Python types each item in Python, ~3 ms for a
    street's state; a compiled call types its arguments in C."""
    out = _listed(items[0])
    for item in items[1:]:
        _push(out, item)
    return out


@njit(cache=True)
def _listed(item):
    out = List()
    out.append(item)
    return out


@njit(cache=True)
def _push(items, item) -> None:
    items.append(item)


def advance(model: StreetModel) -> int:
    """Run the model's days from ``model.t`` in :func:`run_days`, as far as it goes;
    returns the number of days run (``model.t`` moves on by as many; 0 when day
    ``model.t`` is left to ``StreetModel.step``).

    On a month's first day, the month's openings run first in Python (``open_month``,
    each street's ``open_periods`` and ``demand.plan_month``)."""
    t = model.t
    streets, pool = model.streets, model.pool
    n_days = model.calendar.n_days
    if t >= n_days:
        return 0
    for street in streets:
        emergency.draw_ahead(street, 62)
    if streets[0]._opens_month[t]:  # the month's openings in Python, then the day in the loop
        model.open_month(t)
        for street in streets:
            street.open_periods(t)
        for street in streets:
            demand.plan_month(street, t)
    # room for the first day at least (the loop checks each day and stops when a day might
    # not fit; Python's day then grows the tables as far as it needs)
    k_cand = streets[0].p.departments.candidates.shape[1]
    new = 0
    for street in streets:
        street.hours.fit(street.roster.n)  # as timebudget.open_day does
        ik = street.intake
        street.cases.reserve(len(ik.repeats_day))
        days = ik.future_day  # sorted: today's arrivals by bisection
        arriving = days.searchsorted(t, "right") - days.searchsorted(t, "left")
        new += len(ik.queue) + len(ik.online_inbox) + int(arriving) + len(ik.repeats_day)
    ep, log = pool.episodes, pool.log
    ep.reserve((new + len(pool.active)) * k_cand)
    log.reserve(len(pool.active) + (new + len(pool.active)) * k_cand)
    counts = np.array([ep.n, log.n, 0], dtype=np.int64)
    staff_log = np.empty((STAFF_LOG_ROWS + 8 * sum(street.roster.n for street in streets), 9))
    cal = model.calendar
    shared = (_EPISODE_ARRAYS(ep), _LOG_ARRAYS(log),
              (pool.inflow, pool._new_today, pool.load, pool.answer_prob_today, pool.delay_today,
               pool.complaint_pressure),
              (cal.is_workday, cal.office_len, cal.office_before), _pool_inputs(model),
              _decide_inputs(model))
    made = [_street_state(model, street) for street in streets]
    gens = _street_gens(model)
    t_stop = int(model.calendar.next_month_start[t])  # the loop stops there for the openings
    if len(streets) == 1:
        day, pool.active, pool.incoming, live = run_street_days(
            t, t_stop, shared, counts, made[0][0], made[0][1], _check_arrays(made[0][0]), gens, staff_log,
            model._loop_decide, pool.active, pool.incoming)
        lives = [live[:7]]
    else:
        day, pool.active, pool.incoming, packed_ids, packed_probs = run_days(
            t, t_stop, shared, counts, typed_list([m[0] for m in made]), typed_list([m[1] for m in made]),
            gens, typed_list([street.cases.state for street in streets]),
            typed_list([_check_arrays(m[0]) for m in made]),
            np.array([street.index for street in streets], np.int64), staff_log,
            model._loop_decide, pool.active, pool.incoming)
        lives = _unpacked(packed_ids, packed_probs, len(streets))
    if day == t and streets[0]._opens_month[t]:
        raise RuntimeError(f"day {t}: the compiled loop refused a month's first day after its openings")
    ep.n, log.n, n_staff_events = counts.tolist()
    for street, (state, _), live in zip(streets, made, lives):
        _write_back(street, state, live)
    replay_staff_events(model, staff_log[:n_staff_events])
    if day > t and streets[0]._closes_year[day - 1]:  # the year-end steps after the year's last day
        for street in streets:
            street.close_periods(day - 1)
    model.t = day
    if day >= n_days:
        model.running = False
    return day - t


def _street_gens(model: StreetModel) -> List:
    """Each street's random streams (:data:`STREET_STREAMS`) as a typed list, made once a
    run: numba reads a generator's state where NumPy keeps it, and passing the
    generators themselves costs ~8 us each a call. The first :data:`LIVE_STREAMS` are
    their live state words (drawn in compiled code, no call through NumPy per draw)."""
    gens = getattr(model, "_loop_gens", None)
    # made again for a model copied from one that made them (its streams are its own)
    if gens is None or getattr(model, "_loop_gens_of", None) != id(model):
        model._loop_gens_of = id(model)
        per_street = [tuple(live_state(street.streams[name]) if i < LIVE_STREAMS else street.streams[name]
                            for i, name in enumerate(STREET_STREAMS)) for street in model.streets]
        gens = typed_list(per_street)
        model._loop_gens = gens
        model._loop_decide = live_state(model.district_streams["whistle"])
    return gens


def _street_state(model: StreetModel, street: Street) -> tuple[tuple, tuple]:
    """A street's state and parameters for :func:`run_days`, and its arrays the steps
    replace (``live``)."""
    ik, cs, purse, rec, ws = street.intake, street.cases, street.purse, street.daily, street.workforce
    e_draws = street.emergency.draws[street.emergency.next_row:]
    table = referral.so_table(street.sos)
    so = (table, np.array([float(s.capacity) for s in street.sos], dtype=np.float64),
          np.zeros(len(street.sos), np.int64), np.zeros(len(street.sos), np.bool_))
    ledger = purse.ledger
    fs = np.array([ik.backlog_hours, ik.complaint_hours_due, street.hours.volunteer, purse.general,
                   ledger["so_fees"], ledger["livelihood_need"], ledger["livelihood_spent"],
                   ledger["livelihood_unfunded"], street.staff_time.records_to_reenter,
                   ledger["transfer_revenue"], ledger["arrived"], ledger["arrived_own_year"],
                   ledger["other_spent"]], dtype=np.float64)
    ints = np.array([cs.n, ik.workdays_since_inbox, rec.n_open, rec.rows_seen, street.hours.held,
                     *street.duties.counts, 0, rec.n, street.emergency.mobilised_until, 0], dtype=np.int64)
    expected = purse.expected_transfers
    transfers = (np.array([x[0] for x in expected], np.int64), np.array([x[1] for x in expected], np.float64),
                 np.array([x[2] == purse.budget_year_start for x in expected], np.bool_),
                 np.zeros(len(expected), np.bool_))
    r, h, res = street.roster, street.hours, street.residents
    state = (fs, ints, _CASE_ARRAYS(cs), _ROSTER_ARRAYS(r),
             (h.available, h.by_bucket, h.demanded_out_of_list),
             _RESIDENT_ARRAYS(res), so, purse.pots, rec.values, e_draws,
             (ik.future_day, ik.future_ids), transfers, _inputs(model, street),
             np.empty((r.n, 2)))  # room for a day's workforce draws (the posts stay through the call)
    live = (ik.queue, ik.in_service, ik.online_inbox, ik.repeats_due, ik.repeats_day, rec.open_rows,
            NO_PROB if ws.quit_prob is None else ws.quit_prob, np.empty(0, np.int64))
    return state, live


def _write_back(street: Street, state: tuple, live: tuple) -> None:
    """A street's carried state after :func:`run_days`, back where its mechanisms keep it."""
    ik, purse, rec, ledger = street.intake, street.purse, street.daily, street.purse.ledger
    fs, ints, so, transfers = state[0], state[1], state[6], state[11]
    ik.queue, ik.in_service, ik.online_inbox, ik.repeats_due, ik.repeats_day, rec.open_rows, quit_prob = live
    street.workforce.quit_prob = quit_prob if len(quit_prob) else None
    (ik.backlog_hours, ik.complaint_hours_due, street.hours.volunteer, purse.general, ledger["so_fees"],
     ledger["livelihood_need"], ledger["livelihood_spent"], ledger["livelihood_unfunded"],
     street.staff_time.records_to_reenter, ledger["transfer_revenue"], ledger["arrived"],
     ledger["arrived_own_year"], ledger["other_spent"]) = fs.tolist()
    (street.cases.n, ik.workdays_since_inbox, rec.n_open, rec.rows_seen, street.hours.held, accepted, refused,
     checked, consumed, rec.n, street.emergency.mobilised_until, n_emergencies) = ints.tolist()
    for row in state[12][3][5][:n_emergencies].tolist():  # the loop's emergencies, in order
        street.emergencies.append(1, day=int(row[M_DAY]), type=int(row[M_TYPE]), warned=bool(row[M_WARNED]),
                                  street_supplies=bool(row[M_SUPPLIES]), response_h=row[M_RESPONSE],
                                  resolve_h=row[M_RESOLVE], staff_hours_lost=row[M_HOURS_LOST],
                                  false_alarm=bool(row[M_FALSE_ALARM]))
    street.duties.counts = (accepted, refused, checked)
    street.emergency.next_row += consumed
    done = transfers[3].tolist()
    if True in done:
        purse.expected_transfers = [x for x, gone in zip(purse.expected_transfers, done) if not gone]
    table, _, taken, changed = so
    rows = np.flatnonzero(changed)
    if len(rows):  # the organisations that took cases, read back in one go
        for j, row, k in zip(rows.tolist(), table[rows].tolist(), taken[rows].tolist()):
            org = street.sos[j]
            org.used_this_month = row[referral.USED]
            org.funds = row[referral.FUNDS]
            org.cases_taken += k


def replay_staff_events(model: StreetModel, log: np.ndarray) -> None:
    """The loop's quits and hires, in the order they happened, into their streets' staff
    events, with their Mesa agents removed and created as ``workforce.leave`` and
    ``workforce.hire`` do (the rosters' arrays were already updated in the loop)."""
    for row in log.tolist():
        street = model.streets[int(row[E_STREET])]
        r = street.roster
        slot = int(row[E_SLOT])
        values = dict(day=int(row[E_DAY]), slot=slot, contract=int(row[E_CONTRACT]), age=row[E_AGE],
                      specialty=int(row[E_SPECIALTY]))
        if int(row[E_EVENT]) == LEAVE:
            street.staff_events.append(1, event=LEAVE, reason=int(row[E_REASON]), years_in_grade=row[E_YEARS],
                                       **values)
            agent = r.agents[slot]
            if agent is not None:
                agent.remove()
            r.agents[slot] = None
        else:
            r.agents[slot] = StaffMember(model, r, slot)
            street.staff_events.append(1, event=HIRE, **values)


def _pool_inputs(model: StreetModel) -> tuple:
    """The parameters of the departments' day rates (``DepartmentPool.begin_day``)."""
    pool = model.pool
    pd = pool.p.departments
    return (pd.capacity_per_day, float(pool.capacity_scale), float(pd.accountability_effect),
            float(pd.accountability), pd.answer_prob, float(pd.load_sensitivity), pd.answer_delay_hours,
            float(pd.travel_hours))


def _decide_inputs(model: StreetModel) -> tuple:
    """The parameters of the departments' decisions (``DepartmentPool.decide``)."""
    pd = model.pool.p.departments
    clarity = float(model.params.departments.duty_clarity)
    return (float(pd.escalation_answer_prob), float(model.pool.p.cases.delay_sigma * 0.8),
            float(pd.bounce_prob * (1.0 - clarity)), float(pd.max_repeats),
            max(1, int(round(pd.repeat_interval_days))), max(1, int(round(pd.escalation_delay_days))))


_PARAM_GROUPS: ObjectMemo[Params, dict[str, tuple]] = ObjectMemo(64)
""":func:`_param_groups`, kept per street parameters (``sim.memo.ObjectMemo``; a
``Params`` never changes after it is built: ``triage._RULES`` explains)."""


def _param_groups(street: Street) -> dict[str, tuple]:
    """The groups of :func:`_inputs` that read the street's parameters ``street.p`` alone
    (``emergency.rule`` reads them only), built once per ``Params``; the memory shares
    (``population.memory_shares``, kept per memory and run length) are added after."""

    def make(p: Params) -> dict[str, tuple]:
        d, s, data, f, a, w, e = (p.departments, p.staff, p.data, p.feedback, p.assessment, p.workforce,
                                  p.emergency)
        return {
            "emergency": (emergency.daily_chance(e.false_alarm_rate), emergency.daily_chance(e.rate_per_year),
                          float(e.mobilised_share)),
            "emergency_rest": (float(e.false_alarm_trust_loss), float(f.memory_years)),
            "emergency_rule": emergency.rule(street),
            "money": (float(p.money.livelihood_share), np.asarray(p.money.pot_allocation, dtype=np.float64),
                      float(p.money.committed_share)),
            "data": (float(data.records_per_staff_day), float(data.systems_per_record),
                     float(data.minutes_per_entry), float(data.systems_in_use),
                     float(data.minutes_per_system_login)),
            "send": (d.candidates, bool(d.joint_meeting), int(round(d.joint_meeting_delay_days))),
            "answer": (int(d.max_bounces), float(d.resolve_prob), float(d.handling_hours),
                       float(p.cases.delay_sigma), int(round(d.bounce_delay_days))),
            "close": (p.cases.time_limit_hours, float(f.score_in_time), float(f.score_late),
                      float(f.score_dropped), float(f.learning_rate), float(f.memory_years),
                      float(p.perception.disconfirmation_weight), float(p.perception.callback_threshold),
                      float(f.p_complaint), float(f.bounce_complaint_factor),
                      float(a.gaming_propensity * min(1.0, a.trace_weight + a.results_weight)),
                      float(max(p.perception.initial, 1e-6)), float(f.p_repeat), float(f.repeat_delay_days),
                      float(f.complaint_staff_hours), float(p.enrolment.contact_enrol_prob)),
            "hazard": (w.quit_hazard, float(w.youth_quit_multiplier), float(s.urban_average_pay),
                       float(w.pay_gap_elasticity), float(w.stress_elasticity)),
            "recruit": (float(w.recruit_professional_share), np.asarray(s.professional_mix, dtype=np.float64),
                        float(w.recruit_under35_share),
                        np.array([initial_skill(p, sp, 0.0) for sp in range(len(SPECIALTIES))],
                                 dtype=np.float64),
                        np.asarray(s.pay, dtype=np.float64), float(s.training_hours_per_year),
                        float(w.refill_lag_days)),
        }

    return _PARAM_GROUPS.get(street.p, make)


def _inputs(model: StreetModel, street: Street) -> tuple:
    """The parameters :func:`run_days` reads, as each step's Python code computes them
    (those of the parameters alone from :func:`_param_groups`)."""
    p = street.p
    s = p.staff
    k = p.tasks
    w = p.workforce
    g = _param_groups(street)
    keep_of = memory_shares(p, street.cal.n_days)
    return (
        street.index, street.residents.n, len(street.sos),
        (*g["emergency"], street.emergencies.staff_hours_lost, len(street.emergencies),
         np.empty((EMERGENCY_LOG_ROWS, 8)), *g["emergency_rest"], keep_of, g["emergency_rule"]),
        g["money"],
        (float(s.work_hours_per_day * 1.0), float(s.work_hours_per_day * s.weekend_staffing),
         float(s.seconded_person_months / 12.0 * street.money.secondment_paid_share
               + s.sunk_enforcement_staff),
         float(s.talent_pool_hours_per_year / WORKDAYS_PER_YEAR)),
        (float(k.tasks_per_staff_day), float(k.out_of_list_share), float(street.duties.coverage),
         float(k.duty_list_enforcement), float(k.hours_per_task)),
        g["data"],
        float(p.demand.online_check_days),
        (*triage._rules(street), bool(street.purse.bundled)),
        g["send"],
        g["answer"],
        (*g["close"], keep_of),
        (float(w.out_of_list_strain), float(w.sustainable_hours_per_day),
         float(w.assessment_strain * street.workforce.assessment_pressure), float(w.stress_memory_days)),
        g["hazard"],
        g["recruit"],
    )
