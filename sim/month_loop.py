"""A street's ordinary days, run as one compiled loop.

:func:`run_days` runs the daily steps of :data:`sim.schedule_order.DAY` for a stretch of
days of a single-street model in one compiled call: the departments' day rates, staff
time, tasks, data entry, demand, intake and triage, the whistle, the departments'
decisions, their answers, closing and feedback, workforce stress and the day's record.
Each step calls the same compiled kernel as its mechanism's Python step, with the same
draws from the same named streams in the same order (NumPy's generators, passed in once),
so a run gives the same results whether its days run here or one by one through
``StreetModel.step``.

Days with anything the loop does not do are left to Python (:func:`advance` stops before
them): a month's first day (schedules, month-start mechanisms, the month's demand), a
year's last day, a transfer arriving, an emergency or false alarm (or staff still
mobilised), the emergency stream's next block of draws, and a table too full for the
day. When a day's workforce step finds a quit or a refill due, the loop stops after that
step and Python finishes the day (``workforce.turnover`` creates and removes Mesa agents,
then the day's record).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from sim.agents.departments import day_rates, decide_due, due_episodes, write_episodes
from sim.cases import CASE_COLUMNS, EPISODE_COLUMNS, N_UNIFORMS
from sim.compiled import drop_link_ir
from sim.hours import BUCKET_ROW, np_maximum, np_minimum, take_held_hours
from sim.mechanisms import demand, emergency, feedback, recording, referral, tasks, triage, whistle, workforce
from sim.mechanisms.timebudget import WORKDAYS_PER_YEAR, open_day_kernel

if TYPE_CHECKING:
    from sim.model import StreetModel
    from sim.street import Street

# scalar state carried through the loop (written back by :func:`advance`)
(F_BACKLOG, F_COMPLAINT_DUE, F_VOLUNTEER, F_GENERAL, F_FEES, F_NEED, F_SPENT, F_UNFUNDED,
 F_RECORDS) = range(9)
(I_CASES, I_EPISODES, I_LOG, I_SINCE_INBOX, I_N_OPEN, I_ROWS_SEEN, I_HELD, I_ACCEPTED, I_REFUSED,
 I_CHECKED, I_EMERGENCY_ROW, I_REC_N) = range(12)
STOPPED, TURNOVER_DUE = 0, 1
"""How :func:`run_days` ended: before a day it leaves to Python, or after the workforce
step of a day with a quit or refill due (Python finishes that day)."""

TRAINING, EMERGENCY_ROW, OUT_OF_LIST, IN_LIST, DATA_ENTRY, CASEWORK = (
    BUCKET_ROW[b] for b in ("training", "emergency", "out_of_list", "in_list", "data_entry", "casework"))
CASE_NAMES = tuple(CASE_COLUMNS)
EPISODE_NAMES = tuple(EPISODE_COLUMNS)
LOG_NAMES = ("street", "episode", "department", "day", "kind", "answered", "attempt")
ROSTER_NAMES = ("filled", "contract", "specialty", "skill", "stress", "vacant_until", "training_target",
                "training_hours", "age", "pay")
RESIDENT_NAMES = ("own", "trust", "touched_day", "community", "word_of_mouth", "expectation", "disposition",
                  "eligible", "enrolled")
_NO_IDS = np.empty(0, dtype=np.int64)
_LINK_IR_DROPPED = [0]
"""Signatures of :func:`run_days` whose linking IR has been freed (``drop_link_ir``)."""


@njit(cache=True)
def quit_prob_kernel(contract: np.ndarray, age: np.ndarray, pay: np.ndarray, stress: np.ndarray,
                     quit_hazard: np.ndarray, youth_multiplier: float, urban_pay: float,
                     pay_elasticity: float,
                     stress_elasticity: float) -> np.ndarray:
    """Daily quit probability of each post's holder: ``workforce.annual_quit_hazard`` and
    ``randomness.daily_prob``, element by element in the same operations (compiled)."""
    n = len(contract)
    out = np.empty(n)
    for i in range(n):
        base = quit_hazard[contract[i]]
        youth = youth_multiplier if age[i] < 35 else 1.0
        gap = np_maximum(0.0, 1.0 - pay[i] / urban_pay)
        rate = np.exp(pay_elasticity * gap + stress_elasticity * (stress[i] - 1.0))
        annual = np_minimum(0.95, base * youth * rate)
        out[i] = 1.0 - np.power(1.0 - np_minimum(np_maximum(annual, 0.0), 0.999999), 1.0 / 365.0)
    return out


@njit(cache=True)
def _concat(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.empty(len(a) + len(b), dtype=np.int64)
    out[: len(a)] = a
    out[len(a):] = b
    return out


@njit(cache=True)
def _grown(rows: np.ndarray, keep: int, need: int) -> np.ndarray:
    """``DailyRecord.make_room``: room for ``need`` rows, the first ``keep`` kept."""
    if need <= len(rows):
        return rows
    grown = np.empty(max(2 * len(rows), need), dtype=np.int64)
    grown[:keep] = rows[:keep]
    return grown


@njit(cache=True)
def run_days(t: int, t_stop: int, fs: np.ndarray, ints: np.ndarray, live: tuple, cs: tuple, ep: tuple,
             lg: tuple, roster: tuple, hours: tuple, pool: tuple, res: tuple, cal: tuple, so: tuple,
             pots: np.ndarray, record: np.ndarray, e_draws: np.ndarray, future: tuple,
             g_repeat, g_whistle, g_decide, g_enrol, g_workforce, g_tasks, par: tuple) -> tuple:
    """Run days ``t`` to ``t_stop - 1`` (see the module docstring), stopping early before a
    day left to Python or after a day's workforce step with turnover due.

    Returns ``(day, how, live, u)``: the first day not finished (or the day to finish, when
    ``how`` is :data:`TURNOVER_DUE`), how the loop ended, the carried arrays and that
    day's workforce uniforms."""
    (resident, category, channel, elderly, is_repeat, parent, needs_department, n_departments, unclear_duty,
     needs_money, money_pot, money_need, money_paid, needs_data, needs_specialist, so_suitable, z_delay,
     z_repeat, raised_h, accepted_h, first_response_h, whistled_h, closed_h, due_day, staff_hours, route,
     handler, specialist, dept_mask, n_whistles, n_bounces, escalated, pending_departments,
     departments_arrived_h, planned_outcome, planned_reason, state, outcome, drop_reason, complaint,
     complaint_unclear, reported_resolved, perceived, callback_satisfied, u_cases) = cs
    (ep_street, ep_case, ep_department, ep_first_sent_h, ep_n_sent, ep_escalated, ep_arrival_h, ep_next_day,
     ep_state, ep_unclear, ep_bounced) = ep
    log_street, log_episode, log_department, log_day, log_kind, log_answered, log_attempt = lg
    (filled, contract, specialty, skill, stress, vacant_until, training_target, training_hours, age,
     pay) = roster
    available, by_bucket, demanded = hours
    inflow, new_today, load, answer_prob_today, delay_today, pressure = pool
    own, trust, touched_day, community, word_of_mouth, expectation, disposition, eligible, enrolled = res
    workday_of, office_len, office_before = cal
    table, so_capacity, so_taken, so_changed = so
    future_day, future_ids = future
    queue, in_service, inbox, repeats_due, repeats_day, active, incoming, open_rows, quit_prob = live
    (street, n_residents, n_sos, p_rates, p_emergency, next_transfer, p_time, p_tasks, p_data, check_days,
     rules, p_send, p_decide, p_answer, p_close, p_work, p_hazard) = par
    capacity, capacity_scale, effect, accountability, answer_prob, sensitivity, delay_hours, travel = p_rates
    false_alarm_chance, emergency_chance, mobilised_until = p_emergency
    per_post_work, per_post_rest, guests, volunteer_hours = p_time
    tasks_per_staff, out_share, coverage, enforcement, hours_per_task = p_tasks
    records_per_staff, systems_per_record, minutes_per_entry, systems_in_use, minutes_per_login = p_data
    routes, other, resolution_rule, referral_rule, bundled = rules
    candidates, joint_meeting, meeting_delay = p_send
    escalation_prob, decide_sigma, bounce_prob, max_repeats, repeat_days, escalate_days = p_decide
    max_bounces, resolve_prob, handling_hours, delay_sigma, bounce_days = p_answer
    (time_limit, score_in_time, score_late, score_dropped, learning_rate, memory_years, disconfirmation,
     callback_threshold, p_complaint, bounce_factor, gaming, trust_scale, p_repeat, repeat_delay_days,
     complaint_hours, enrol_prob) = p_close
    out_strain, sustainable, assessment, stress_memory = p_work
    quit_hazard, youth_multiplier, urban_pay, pay_elasticity, stress_elasticity = p_hazard
    k_cand = candidates.shape[1]
    u_work = np.empty((0, 2))
    refresh_rooms = False
    while t < t_stop:
        # days left to Python: stop before them (money.daily and emergency.daily below)
        if next_transfer <= t or t <= mobilised_until or ints[I_EMERGENCY_ROW] >= len(e_draws):
            return t, STOPPED, live, u_work
        e_row = e_draws[ints[I_EMERGENCY_ROW]]
        if e_row[6] < false_alarm_chance or e_row[0] < emergency_chance:
            return t, STOPPED, live, u_work
        n_rep = demand.count_due(repeats_day, t)
        arriving = 0
        for i in range(len(future_day)):
            if future_day[i] == t:
                arriving += 1
        new_cases = len(queue) + len(inbox) + arriving + n_rep
        if (ints[I_CASES] + n_rep > len(resident)
                or ints[I_EPISODES] + (new_cases + len(active)) * k_cand > len(ep_street)
                or ints[I_LOG] + len(active) + (new_cases + len(active)) * k_cand > len(log_street)):
            return t, STOPPED, live, u_work
        ints[I_EMERGENCY_ROW] += 1
        workday = workday_of[t]
        # step: DepartmentPool.begin_day
        day_rates(inflow, new_today, capacity, capacity_scale, effect, accountability, pressure, answer_prob,
                  sensitivity, delay_hours, travel, load, answer_prob_today, delay_today)
        # step: money.daily, emergency.daily (nothing to do: days with a transfer, an emergency or
        # a false alarm stopped above; the day's emergency draws are used up)
        # step: timebudget.open_day (no mobilisation: such days stopped above)
        ints[I_HELD] = open_day_kernel(filled, training_target, per_post_work if workday else per_post_rest,
                                       guests, workday, available, by_bucket, demanded, training_hours)
        fs[F_VOLUNTEER] = volunteer_hours if workday else 0.0
        # step: tasks.daily
        if not workday:
            ints[I_ACCEPTED] = 0
            ints[I_REFUSED] = 0
            ints[I_CHECKED] = 0
        else:
            held = ints[I_HELD]
            lam = tasks_per_staff * held
            n_out = int(g_tasks.poisson(lam * out_share)) if held else 0
            n_in = int(g_tasks.poisson(lam * (1.0 - out_share))) if held else 0
            checked_out = int(g_tasks.binomial(n_out, coverage)) if n_out else 0
            refused = int(g_tasks.binomial(checked_out, enforcement)) if checked_out else 0
            checked = checked_out + (int(g_tasks.binomial(n_in, coverage)) if n_in else 0)
            ints[I_ACCEPTED] = n_out - refused + n_in
            ints[I_REFUSED] = refused
            ints[I_CHECKED] = checked
            tasks.take_task_hours(filled, held, (n_out - refused) * hours_per_task, n_in * hours_per_task,
                                  available, by_bucket, demanded)
            # step: timebudget.data_entry
            n = max(1, ints[I_HELD])
            records = records_per_staff + fs[F_RECORDS] / n
            fs[F_RECORDS] = 0.0
            minutes = records * (systems_per_record - 1.0) * minutes_per_entry
            minutes += systems_in_use * minutes_per_login
            take_held_hours(by_bucket, DATA_ENTRY, available, filled, minutes / 60.0)
        # step: demand.daily (not a month's first day)
        first = ints[I_CASES]
        if n_rep:
            u = g_repeat.random((n_rep, N_UNIFORMS + 1))
            ints[I_CASES] += n_rep
        else:
            u = np.empty((0, N_UNIFORMS + 1))
        inherited = (resident, category, channel, elderly, needs_department, n_departments, unclear_duty,
                     needs_money, money_pot, money_need, needs_data, needs_specialist, so_suitable)
        queue, inbox, repeats_due, repeats_day, since = demand.day_kernel(
            t, future_day, future_ids, queue, inbox, repeats_due, repeats_day, u, first,
            (u_cases, is_repeat, parent, raised_h, z_delay, z_repeat, channel, inherited), workday,
            ints[I_SINCE_INBOX], check_days)
        ints[I_SINCE_INBOX] = since
        # step: triage.daily
        ended = _NO_IDS
        if len(queue) == 0 and fs[F_COMPLAINT_DUE] <= 0:
            fs[F_BACKLOG] = 0.0
        else:
            if refresh_rooms:
                for j in range(len(so_capacity)):
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
                refresh_rooms = True
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
                    u_send = g_whistle.random((len(to_departments), k_cand))
                    w_cases, w_departments, w_unclear, w_next, w_sent = whistle.whistle_cases(
                        to_departments, u_send, candidates, category, n_departments, unclear_duty,
                        joint_meeting,
                        meeting_delay, t, accepted_h, dept_mask, pending_departments, state, whistled_h)
                    start = ints[I_EPISODES]
                    ints[I_EPISODES] += len(w_cases)
                    active = write_episodes(start, street, w_cases, w_departments, w_unclear, w_next, w_sent,
                                            ep_street, ep_case, ep_department, ep_first_sent_h, ep_next_day,
                                            ep_unclear, active)
        # step: DepartmentPool.decide
        if len(active):
            due = due_episodes(active, ep_next_day, ep_street, ep_case, ep_state, t, (state,))
        else:
            due = _NO_IDS
        if len(due):
            u_dec = g_decide.random((len(due), 3))
            log_start = ints[I_LOG]
            ints[I_LOG] += len(due)
            arrived, arrival_h, bounced, failed, active, incoming = decide_due(
                due, u_dec, t, ep_street, ep_department, ep_escalated, ep_n_sent, ep_first_sent_h, ep_unclear,
                ep_arrival_h, ep_state, ep_bounced, ep_next_day, answer_prob_today, delay_today, new_today,
                escalation_prob, decide_sigma, bounce_prob, max_repeats, t + repeat_days, t + escalate_days,
                log_start, log_street, log_episode, log_department, log_day, log_kind, log_answered,
                log_attempt,
                active, incoming)
        else:
            arrived, arrival_h, bounced, failed = due, np.empty(0), due, due
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
            u_re = g_whistle.random(weights.shape)
            start = ints[I_EPISODES]
            ints[I_EPISODES] += n_new
            active = whistle.rewhistle(weights, k, u_re, cid, dept_mask, whistled_h, t + bounce_days, street,
                                       start, ep_street, ep_case, ep_department, ep_first_sent_h, ep_next_day,
                                       ep_unclear, active)
        if len(unanswered):
            ended = _concat(ended, unanswered)
        if len(settled):
            in_service = _concat(in_service, settled)
        # step: feedback.close_due
        if len(ended) or len(in_service):
            in_service, n_complaints, repeats_due, repeats_day, cand = feedback.close_kernel(
                ended, in_service, t, due_day, state, planned_outcome, outcome, planned_reason, drop_reason,
                closed_h, raised_h, category, resident, n_bounces, u_cases, z_repeat, perceived,
                callback_satisfied, complaint, complaint_unclear, reported_resolved, own, trust, touched_day,
                community, word_of_mouth, expectation, disposition, eligible, enrolled, time_limit,
                score_in_time, score_late, score_dropped, learning_rate, memory_years, disconfirmation,
                callback_threshold, p_complaint, bounce_factor, gaming, trust_scale, p_repeat,
                repeat_delay_days,
                repeats_due, repeats_day)
            if n_complaints:
                fs[F_COMPLAINT_DUE] += float(n_complaints) * complaint_hours
            if len(cand):
                hit = g_enrol.random(len(cand))
                for i in range(len(cand)):
                    if hit[i] < enrol_prob:
                        enrolled[cand[i]] = True
        # step: workforce.daily
        u_work = g_workforce.random((len(filled), 2))
        rehazard = t % 7 == 0 or len(quit_prob) == 0
        events = workforce.stress_and_turnover(
            workday, not rehazard, t, filled, stress, vacant_until, u_work,
            np.zeros(0) if rehazard else quit_prob, available, by_bucket[TRAINING], by_bucket[EMERGENCY_ROW],
            by_bucket[OUT_OF_LIST], by_bucket[IN_LIST], by_bucket[DATA_ENTRY], by_bucket[CASEWORK], demanded,
            fs[F_BACKLOG], out_strain, sustainable, assessment, stress_memory)
        if rehazard:
            quit_prob = quit_prob_kernel(contract, age, pay, stress, quit_hazard, youth_multiplier, urban_pay,
                                         pay_elasticity, stress_elasticity)
            events = workforce.turnover_due(t, filled, vacant_until, u_work, quit_prob)
        live = (queue, in_service, inbox, repeats_due, repeats_day, active, incoming, open_rows, quit_prob)
        if events:
            return t, TURNOVER_DUE, live, u_work
        # step: recording.record_day
        open_rows = _grown(open_rows, ints[I_N_OPEN], ints[I_N_OPEN] + ints[I_CASES] - ints[I_ROWS_SEEN])
        ints[I_N_OPEN] = recording.record_row(
            record, t, street, workday, len(queue) + len(inbox), len(in_service), ints[I_ACCEPTED],
            ints[I_REFUSED], ints[I_CHECKED], fs[F_GENERAL], n_sos, state, closed_h, open_rows,
            ints[I_N_OPEN],
            ints[I_ROWS_SEEN], ints[I_CASES], ep_street, active, available, by_bucket[TRAINING],
            by_bucket[EMERGENCY_ROW], by_bucket[OUT_OF_LIST], by_bucket[IN_LIST], by_bucket[DATA_ENTRY],
            by_bucket[CASEWORK], filled, contract, age, stress, pots)
        ints[I_ROWS_SEEN] = ints[I_CASES]
        ints[I_REC_N] = t + 1
        live = (queue, in_service, inbox, repeats_due, repeats_day, active, incoming, open_rows, quit_prob)
        t += 1
    return t, STOPPED, live, u_work


def usable(model: StreetModel) -> bool:
    """Whether :func:`advance` can run this model's days: one street (a district's
    streets share the departments' day, so their days stay in ``StreetModel.step``)."""
    return len(model.streets) == 1


def _stop_day(street: Street, t: int, n_days: int) -> int:
    """The first day from ``t + 1`` on that the loop leaves to Python by the calendar: a
    month's first day or a year's last day (or the end of the run)."""
    for day in range(t + 1, n_days):
        if street._opens_month[day] or street._closes_year[day]:
            return day
    return n_days


def advance(model: StreetModel) -> int:
    """Run the single-street model's days from ``model.t`` in :func:`run_days`, as far as
    it goes; returns the number of days finished (``model.t`` moves on by as many; 0 when
    day ``model.t`` is left to ``StreetModel.step``)."""
    t = model.t
    street = model.streets[0]
    n_days = model.calendar.n_days
    if (t >= n_days or street._opens_month[t] or street._opens_year[t] or street._closes_year[t]
            or len(street.hours.available) != street.roster.n):
        return 0
    ik, cs, pool, purse = street.intake, street.cases, model.pool, street.purse
    ep, log, rec, ws = pool.episodes, pool.log, street.daily, street.workforce
    # room for the first day at least (the loop checks each day and stops when a day might
    # not fit; Python's day then grows the table as far as it needs)
    k_cand = street.p.departments.candidates.shape[1]
    new = len(ik.queue) + len(ik.online_inbox) + int((ik.future_day == t).sum()) + len(ik.repeats_day)
    cs.reserve(len(ik.repeats_day))
    ep.reserve((new + len(pool.active)) * k_cand)
    log.reserve(len(pool.active) + (new + len(pool.active)) * k_cand)
    block = street.emergency.draws
    e_draws = np.array(block[::-1], dtype=np.float64).reshape(len(block), emergency.N_DRAWS)
    table = referral.so_table(street.sos)
    so = (table, np.array([float(s.capacity) for s in street.sos], dtype=np.float64),
          np.zeros(len(street.sos), np.int64), np.zeros(len(street.sos), np.bool_))
    fs = np.array([ik.backlog_hours, ik.complaint_hours_due, street.hours.volunteer, purse.general,
                   purse.ledger["so_fees"], purse.ledger["livelihood_need"], purse.ledger["livelihood_spent"],
                   purse.ledger["livelihood_unfunded"], street.staff_time.records_to_reenter],
                   dtype=np.float64)
    ints = np.array([cs.n, ep.n, log.n, ik.workdays_since_inbox, rec.n_open, rec.rows_seen, street.hours.held,
                     *street.duties.counts, 0, rec.n], dtype=np.int64)
    live = (ik.queue, ik.in_service, ik.online_inbox, ik.repeats_due, ik.repeats_day, pool.active,
    pool.incoming,
            rec.open_rows, np.zeros(0) if ws.quit_prob is None else ws.quit_prob)
    r, h, res, cal = street.roster, street.hours, street.residents, street.cal
    streams = street.streams
    day, how, live, u = run_days(
        t, _stop_day(street, t, n_days), fs, ints, live,
        tuple(getattr(cs, name) for name in CASE_NAMES) + (cs.u,),
        tuple(getattr(ep, name) for name in EPISODE_NAMES), tuple(getattr(log, name) for name in LOG_NAMES),
        tuple(getattr(r, name) for name in ROSTER_NAMES), (h.available, h.by_bucket, h.demanded_out_of_list),
        (pool.inflow, pool._new_today, pool.load, pool.answer_prob_today, pool.delay_today,
         pool.complaint_pressure),
        tuple(getattr(res, name) for name in RESIDENT_NAMES), (cal.is_workday, cal.office_len,
        cal.office_before),
        so, purse.pots, rec.values, e_draws, (ik.future_day, ik.future_ids),
        streams["repeat"], streams["whistle"], model.district_streams["whistle"], streams["enrolment"],
        streams["workforce"], streams["tasks"], _inputs(model, street))
    if len(run_days.overloads) != _LINK_IR_DROPPED[0]:  # a signature just compiled or loaded
        drop_link_ir(run_days)
        _LINK_IR_DROPPED[0] = len(run_days.overloads)
    # write the carried state back
    (ik.queue, ik.in_service, ik.online_inbox, ik.repeats_due, ik.repeats_day, pool.active, pool.incoming,
     rec.open_rows, quit_prob) = live
    ws.quit_prob = quit_prob if len(quit_prob) else None
    (ik.backlog_hours, ik.complaint_hours_due, street.hours.volunteer, purse.general, fees, need, spent,
     unfunded, street.staff_time.records_to_reenter) = fs.tolist()
    purse.ledger["so_fees"], purse.ledger["livelihood_need"] = fees, need
    purse.ledger["livelihood_spent"], purse.ledger["livelihood_unfunded"] = spent, unfunded
    (cs.n, ep.n, log.n, ik.workdays_since_inbox, rec.n_open, rec.rows_seen, street.hours.held, accepted,
     refused, checked, consumed, rec.n) = ints.tolist()
    street.duties.counts = (accepted, refused, checked)
    if consumed:
        del block[len(block) - consumed:]
    for j in np.flatnonzero(so[3]).tolist():
        org = street.sos[j]
        row = table[j].tolist()
        org.used_this_month = row[referral.USED]
        org.funds = row[referral.FUNDS]
        org.cases_taken += int(so[2][j])
    if how == TURNOVER_DUE:  # Python finishes the day: quits and refills, then the record
        workforce.turnover(street, day, u)
        recording.record_day(street, day)
        day += 1
    model.t = day
    if day >= n_days:
        model.running = False
    return day - t


def _inputs(model: StreetModel, street: Street) -> tuple:
    """The parameters :func:`run_days` reads, as each step's Python code computes them."""
    p = street.p
    pd = model.pool.p.departments
    d = p.departments
    s = p.staff
    k = p.tasks
    data = p.data
    f = p.feedback
    a = p.assessment
    w = p.workforce
    e = p.emergency
    pool = model.pool
    transfers = [x[0] for x in street.purse.expected_transfers]
    clarity = float(model.params.departments.duty_clarity)
    return (
        street.index, street.residents.n, len(street.sos),
        (pd.capacity_per_day, float(pool.capacity_scale), float(pd.accountability_effect),
        float(pd.accountability),
         pd.answer_prob, float(pd.load_sensitivity), pd.answer_delay_hours, float(pd.travel_hours)),
        (emergency.daily_chance(e.false_alarm_rate), emergency.daily_chance(e.rate_per_year),
         int(street.emergency.mobilised_until)),
        min(transfers) if transfers else 2**62,
        (float(s.work_hours_per_day * 1.0), float(s.work_hours_per_day * s.weekend_staffing),
         float(s.seconded_person_months / 12.0 * street.money.secondment_paid_share
               + s.sunk_enforcement_staff),
         float(s.talent_pool_hours_per_year / WORKDAYS_PER_YEAR)),
        (float(k.tasks_per_staff_day), float(k.out_of_list_share), float(street.duties.coverage),
         float(k.duty_list_enforcement), float(k.hours_per_task)),
        (float(data.records_per_staff_day), float(data.systems_per_record), float(data.minutes_per_entry),
         float(data.systems_in_use), float(data.minutes_per_system_login)),
        float(p.demand.online_check_days),
        (*triage._rules(street), bool(street.purse.bundled)),
        (d.candidates, bool(d.joint_meeting), int(round(d.joint_meeting_delay_days))),
        (float(pd.escalation_answer_prob), float(model.pool.p.cases.delay_sigma * 0.8),
         float(pd.bounce_prob * (1.0 - clarity)), float(pd.max_repeats),
         max(1, int(round(pd.repeat_interval_days))), max(1, int(round(pd.escalation_delay_days)))),
        (int(d.max_bounces), float(d.resolve_prob), float(d.handling_hours), float(p.cases.delay_sigma),
         int(round(d.bounce_delay_days))),
        (p.cases.time_limit_hours, float(f.score_in_time), float(f.score_late), float(f.score_dropped),
         float(f.learning_rate), float(f.memory_years), float(p.perception.disconfirmation_weight),
         float(p.perception.callback_threshold), float(f.p_complaint), float(f.bounce_complaint_factor),
         float(a.gaming_propensity * min(1.0, a.trace_weight + a.results_weight)),
         float(max(p.perception.initial, 1e-6)), float(f.p_repeat), float(f.repeat_delay_days),
         float(f.complaint_staff_hours), float(p.enrolment.contact_enrol_prob)),
        (float(w.out_of_list_strain), float(w.sustainable_hours_per_day),
         float(w.assessment_strain * street.workforce.assessment_pressure), float(w.stress_memory_days)),
        (w.quit_hazard, float(w.youth_quit_multiplier), float(s.urban_average_pay),
        float(w.pay_gap_elasticity),
         float(w.stress_elasticity)),
    )
