"""Workforce (brief §3.8): workload and pay drive stress and turnover; vacancies are
refilled after a lag with a qualification draw; training, experience and age change
skill; rank openings promote by seniority.

Stress follows, with memory ``stress_memory_days``, the ratio of each workday's load to
the ``sustainable_hours_per_day`` a person can carry without strain (the statutory
eight-hour day): hours worked, with each out-of-list hour weighing
``out_of_list_strain`` (work outside one's duties, resented: brief §2), plus tasks that
did not fit and the person's share of the casework backlog (at most one more day), plus
``assessment_strain`` times the street's *assessment pressure*: the district assesses the
street on results, so the share of last month's call-backs that were not satisfied,
times ``assessment.results_weight``, weighs on every post (updated at each month start).
The annual quit hazard of a person is ``quit_hazard[contract] * youth multiplier (under 35) *
exp(pay_gap_elasticity * pay gap + stress_elasticity * (stress - 1))``, where the pay
gap is the shortfall of their pay against the local urban average. Each departure makes
the others' load heavier (the vicious cycle of brief §8).

Posts follow the parameters each month (``posts_for``): new posts open vacant and are
filled after the mean refill lag; surplus posts are frozen once vacant (never while
someone holds them); frozen posts reopen first when posts grow again.

Each day's stress update and the search for quits and due refills are one compiled
kernel (:func:`stress_and_turnover`); the quit hazards are re-evaluated weekly (and after
any change of staff or pay) with array code, and the rare quits and refills themselves
run in Python. At a month start, compiled counts give the assessment pressure
(:func:`callbacks_closed`) and the posts in use (:func:`posts_in_use`).

Its own state is :class:`WorkforceState` (``street.workforce``); other mechanisms that
change pay or staff call :func:`invalidate_quit_hazard`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from sim.agents.staff import CONTRACT, ESTABLISHED, draw_recruit, initial_skill, posts_for
from sim.cases import CLOSED
from sim.compiled import leaf
from sim.events import HIRE, LEAVE, PROMOTE, QUIT, RETIRE
from sim.hours import np_maximum, np_minimum
from sim.mechanisms.perception import rows_settled
from sim.randomness.compiled import lognormal_mean

if TYPE_CHECKING:
    from sim.street import Street

NO_PROB = np.zeros(0)
"""Stands in for the quit probabilities while they are being re-evaluated."""


@dataclass(slots=True)
class WorkforceState:
    """The workforce mechanism's own state (``street.workforce``)."""

    quit_prob: np.ndarray | None = None
    """Daily quit probability of each post, re-evaluated weekly; None when out of date."""
    assessment_pressure: float = 0.0
    """Share of last month's call-backs not satisfied, times the results weight (monthly)."""


def invalidate_quit_hazard(street: Street) -> None:
    """Pay or staff changed: quit hazards are re-evaluated on the next day."""
    street.workforce.quit_prob = None


def daily(street: Street, t: int) -> None:
    """Stress update, quits and refills: the workday's stress update and the search for
    quits and due refills run in :func:`stress_and_turnover`; the rare quits and refills
    themselves stay in Python."""
    r = street.roster
    w = street.p.workforce
    hours = street.hours
    ws = street.workforce
    used = hours.used
    u = street.streams["workforce"].random((r.n, 2))
    rehazard = t % 7 == 0 or ws.quit_prob is None
    # on the weekly re-evaluation the hazards need today's stress first: no search yet
    events = stress_and_turnover(
        bool(street.cal.is_workday[t]), not rehazard, t, r.filled, r.stress, r.vacant_until, u,
        NO_PROB if rehazard else ws.quit_prob, hours.available, used["training"],
        used["emergency"], used["out_of_list"], used["in_list"], used["data_entry"], used["casework"],
        hours.demanded_out_of_list, float(street.intake.backlog_hours), float(w.out_of_list_strain),
        float(w.sustainable_hours_per_day), w.assessment_strain * ws.assessment_pressure,
        float(w.stress_memory_days))
    if rehazard:
        ws.quit_prob = daily_quit_prob(annual_quit_hazard(street))
        events = turnover_due(t, r.filled, r.vacant_until, u, ws.quit_prob)
    if events:
        turnover(street, t, u)


def turnover(street: Street, t: int, u: np.ndarray) -> None:
    """Today's quits (uniforms ``u[:, 0]`` against the daily quit probability, ``u[:, 1]``
    for the refill lag), then the refills due."""
    r = street.roster
    quit = r.filled & (u[:, 0] < street.workforce.quit_prob)
    for slot in np.flatnonzero(quit):
        leave(street, int(slot), t, QUIT, u[slot, 1])
    refill = ~r.filled & (r.vacant_until >= 0) & (r.vacant_until <= t)
    for slot in np.flatnonzero(refill):
        hire(street, int(slot), t)


@leaf
def turnover_due(t: int, filled: np.ndarray, vacant_until: np.ndarray, u: np.ndarray,
                 quit_prob: np.ndarray) -> bool:
    """Whether anyone quits today or a vacancy is due for refilling (a quitter's post
    waits at least a day, so quits never make a refill due today)."""
    for i in range(len(filled)):
        if filled[i]:
            if u[i, 0] < quit_prob[i]:
                return True
        elif 0 <= vacant_until[i] <= t:
            return True
    return False


@leaf
def stress_and_turnover(workday: bool, search: bool, t: int, filled: np.ndarray, stress: np.ndarray,
                        vacant_until: np.ndarray, u: np.ndarray, quit_prob: np.ndarray,
                        available: np.ndarray, training: np.ndarray, emergency: np.ndarray,
                        out_of_list: np.ndarray, in_list: np.ndarray, data_entry: np.ndarray,
                        casework: np.ndarray, demanded_out_of_list: np.ndarray, backlog: float,
                        out_of_list_strain: float, sustainable: float, assessment: float,
                        memory: float) -> bool:
    """On a workday, move each post's stress towards today's load (in place); then, if
    ``search``, return :func:`turnover_due` (else False).

    The load is the hours worked (out-of-list hours weighing ``out_of_list_strain``) plus
    the out-of-list hours asked that did not fit and the post's share of the backlog (at
    most the hours available), over ``sustainable`` hours, plus ``assessment`` (the
    assessment strain times the pressure) for held posts; the arithmetic is that of the
    array expressions it replaced, operation by operation.
    """
    if workday:
        n_filled = 0
        for i in range(len(filled)):
            if filled[i]:
                n_filled += 1
        share = backlog / max(1, n_filled)
        extra = out_of_list_strain - 1.0
        for i in range(len(filled)):
            worked = 0.0 + training[i]
            worked += emergency[i]
            worked += out_of_list[i]
            worked += in_list[i]
            worked += data_entry[i]
            worked += casework[i]
            avail = max(available[i], 1e-9)
            unmet = demanded_out_of_list[i] - out_of_list[i] + share
            strained = worked + extra * out_of_list[i]
            load = (strained + min(unmet, avail)) / sustainable
            load = load + assessment if filled[i] else 0.0
            stress[i] += (load - stress[i]) / memory
    if search:
        return turnover_due(t, filled, vacant_until, u, quit_prob)
    return False


def monthly(street: Street, t: int) -> None:
    """The street's assessment pressure from last month's call-backs; open or freeze posts
    so that each contract type has the posts the parameters give."""
    street.workforce.assessment_pressure = assessment_pressure(street, t)
    n_est, n_con = posts_for(street.p)
    lag = max(1, int(round(street.p.workforce.refill_lag_days)))
    for kind, target in ((ESTABLISHED, n_est), (CONTRACT, n_con)):
        adjust_posts(street, kind, target, t + lag)


def assessment_pressure(street: Street, t: int, days: int = 30) -> float:
    """The district assesses the street on results (``assessment.results_weight``):
    the share of the last ``days`` days' closed cases whose resident was not satisfied at
    the call-back, times that weight (0 when no case closed); :func:`callbacks_closed`,
    from the first row that may count (:func:`~sim.mechanisms.perception.rows_settled`)."""
    cs = street.cases
    from_h = (t - days) * 24.0
    n, unhappy = callbacks_closed(rows_settled(street, from_h), cs.n, cs.state, cs.closed_h,
                                  cs.callback_satisfied, from_h, t * 24.0)
    if n == 0:
        return 0.0
    return float(street.p.assessment.results_weight) * unhappy / n


@njit(cache=True)
def callbacks_closed(rows_from: int, n_cases: int, state: np.ndarray, closed_h: np.ndarray,
                     callback_satisfied: np.ndarray, from_h: float, to_h: float) -> tuple[int, int]:
    """Of the cases in rows ``rows_from...n_cases``, how many closed in ``[from_h, to_h)``
    and how many of those residents were not satisfied at the call-back (compiled, one
    pass)."""
    n = 0
    unhappy = 0
    for i in range(rows_from, n_cases):
        if state[i] == CLOSED and from_h <= closed_h[i] < to_h:
            n += 1
            unhappy += not callback_satisfied[i]
    return n, unhappy


def adjust_posts(street: Street, kind: int, target: int, refill_day: int) -> None:
    """Bring the posts in use (held, or vacant awaiting a recruit) of ``kind`` to ``target``."""
    r = street.roster
    in_use = posts_in_use(r.contract, r.filled, r.vacant_until, kind)
    if target == in_use:
        return
    mine = r.contract == kind
    waiting = mine & ~r.filled & (r.vacant_until >= 0)
    if target < in_use:
        surplus = np.flatnonzero(waiting)[::-1][: in_use - target]
        r.vacant_until[surplus] = -1
    elif target > in_use:
        frozen = np.flatnonzero(mine & ~r.filled & (r.vacant_until < 0))[: target - in_use]
        r.vacant_until[frozen] = refill_day
        extra = target - in_use - len(frozen)
        if extra > 0:
            new = r.add_posts(kind, extra)
            r.vacant_until[new] = refill_day
            street.hours.fit(r.n)  # the day's hours cover every post, the new ones too
            invalidate_quit_hazard(street)  # for the larger roster


@njit(cache=True)
def posts_in_use(contract: np.ndarray, filled: np.ndarray, vacant_until: np.ndarray, kind: int) -> int:
    """Posts of contract type ``kind`` held, or vacant awaiting a recruit (compiled)."""
    n = 0
    for i in range(len(contract)):
        if contract[i] == kind and (filled[i] or vacant_until[i] >= 0):
            n += 1
    return n


def annual_quit_hazard(street: Street) -> np.ndarray:
    """Annual quit hazard of each post's holder (:func:`quit_hazard_kernel`)."""
    r = street.roster
    w = street.p.workforce
    return quit_hazard_kernel(r.contract, r.age, r.pay, r.stress, w.quit_hazard,
                              float(w.youth_quit_multiplier), float(street.p.staff.urban_average_pay),
                              float(w.pay_gap_elasticity), float(w.stress_elasticity))


@njit(cache=True)
def quit_hazard_kernel(contract: np.ndarray, age: np.ndarray, pay: np.ndarray, stress: np.ndarray,
                       quit_hazard: np.ndarray, youth_multiplier: float, urban_pay: float,
                       pay_elasticity: float, stress_elasticity: float) -> np.ndarray:
    """Annual quit hazard of each post's holder: the contract's base hazard, times the
    youth multiplier under 35, times ``exp(pay_elasticity * pay gap + stress_elasticity
    * (stress - 1))`` (the pay gap to the urban average pay, never below 0), at most 0.95
    (compiled)."""
    out = np.empty(len(contract))
    for i in range(len(contract)):
        youth = youth_multiplier if age[i] < 35 else 1.0
        gap = np_maximum(0.0, 1.0 - pay[i] / urban_pay)
        rate = np.exp(pay_elasticity * gap + stress_elasticity * (stress[i] - 1.0))
        out[i] = np_minimum(0.95, quit_hazard[contract[i]] * youth * rate)
    return out


@njit(cache=True)
def daily_quit_prob(annual: np.ndarray) -> np.ndarray:
    """Daily probability equivalent to each annual probability:
    ``1 - (1 - a) ** (1 / 365)``, ``a`` kept within [0, 0.999999] (compiled)."""
    out = np.empty(len(annual))
    for i in range(len(annual)):
        out[i] = 1.0 - np.power(1.0 - np_minimum(np_maximum(annual[i], 0.0), 0.999999), 1.0 / 365.0)
    return out


def leave(street: Street, slot: int, t: int, reason: int, u: float) -> None:
    """Record a departure and open the vacancy."""
    r = street.roster
    street.staff_events.append(1, day=t, slot=slot, event=LEAVE, contract=r.contract[slot],
                               age=r.age[slot], specialty=r.specialty[slot], reason=reason,
                               years_in_grade=r.grade_years[slot])
    lag = lognormal_mean(float(street.p.workforce.refill_lag_days), 0.4, float(u))
    r.vacate(slot, t + max(1, int(lag)))


def hire(street: Street, slot: int, t: int) -> None:
    """Fill a vacancy with a recruit drawn from the labour market."""
    p = street.p
    r = street.roster
    specialty, age = draw_recruit(p, street.streams["staff"])
    r.fill(street.model, slot, specialty=specialty, age=age,
           skill=initial_skill(p, specialty, 0.0), pay=p.staff.pay[int(r.contract[slot])], day=t)
    r.training_target[slot] = p.staff.training_hours_per_year
    invalidate_quit_hazard(street)  # with the newcomer
    street.staff_events.append(1, day=t, slot=slot, event=HIRE, contract=r.contract[slot],
                               age=age, specialty=specialty)


def open_year(street: Street, t: int) -> None:
    """Year start: skill from last year's training and experience, ageing, retirement,
    promotions, pay levels, and this year's training plan."""
    r = street.roster
    p = street.p
    s = p.staff
    rng = street.streams["staff"]
    u = rng.random((r.n, 2))
    if t > 0:
        f = r.filled
        gain = s.skill_per_year_experience + s.skill_per_training_hour * r.training_hours
        r.skill[f] = np.clip(r.skill[f] * (1 - s.skill_decay_per_year) + gain[f], 0.0, 1.0)
        r.age[f] += 1.0
        r.grade_years[f] += 1.0
        for slot in np.flatnonzero(f & (r.age >= p.workforce.retirement_age)):
            leave(street, int(slot), t, RETIRE, u[slot, 1])
        promote(street, t, rng)
    r.pay[r.filled] = s.pay[r.contract[r.filled]]
    r.training_hours[:] = 0.0
    systematic = u[:, 0] < s.systematic_training_share
    r.training_target[:] = np.where(systematic, s.systematic_training_hours, s.training_hours_per_year)


def promote(street: Street, t: int, rng: np.random.Generator) -> None:
    """Fill this year's rank openings from established staff, by seniority in grade
    (a share reserved for under-35s where the youth lever is on)."""
    r = street.roster
    w = street.p.workforce
    openings = int(rng.poisson(w.promotion_slots_per_year))
    eligible = r.filled & (r.contract == ESTABLISHED) & (r.grade_years >= w.promotion_min_years)
    young_slots = int(round(openings * w.youth_promotion_preference))
    chosen: list[int] = []
    young = np.flatnonzero(eligible & (r.age < 35))
    chosen += list(young[np.argsort(-r.grade_years[young], kind="stable")][:young_slots])
    rest = np.flatnonzero(eligible & ~np.isin(np.arange(r.n), chosen))
    chosen += list(rest[np.argsort(-r.grade_years[rest], kind="stable")][: openings - len(chosen)])
    for slot in chosen:
        street.staff_events.append(1, day=t, slot=slot, event=PROMOTE, contract=r.contract[slot],
                                   age=r.age[slot], specialty=r.specialty[slot],
                                   years_in_grade=r.grade_years[slot])
        r.grade_years[slot] = 0.0
