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
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.agents.staff import CONTRACT, ESTABLISHED, draw_recruit, initial_skill, posts_for
from sim.draws import daily_prob, lognormal_mean
from sim.events import HIRE, LEAVE, PROMOTE, QUIT, RETIRE
from sim.hours import DayHours

if TYPE_CHECKING:
    from sim.street import Street


def daily(street: Street, t: int) -> None:
    """Stress update, quits and refills."""
    r = street.roster
    p = street.p
    w = p.workforce
    rng = street.streams["workforce"]
    u = rng.random((r.n, 2))
    if street.cal.is_workday[t]:
        backlog = street.backlog_hours
        filled = max(1, int(r.filled.sum()))
        hours = street.hours
        used = sum(hours.used.values())
        # hours asked of each person: what they worked, tasks they could not fit, and their
        # share of the casework backlog (at most one more day's worth)
        avail = np.maximum(hours.available, 1e-9)
        unmet = hours.demanded_out_of_list - hours.used["out_of_list"] + backlog / filled
        strained = used + (w.out_of_list_strain - 1.0) * hours.used["out_of_list"]
        load = (strained + np.minimum(unmet, avail)) / w.sustainable_hours_per_day
        load = np.where(r.filled, load + w.assessment_strain * street.assessment_pressure, 0.0)
        r.stress += (load - r.stress) / w.stress_memory_days
    if t % 7 == 0 or street.quit_prob is None:
        street.quit_prob = daily_prob(annual_quit_hazard(street))
    quit = r.filled & (u[:, 0] < street.quit_prob)
    for slot in np.flatnonzero(quit):
        leave(street, int(slot), t, QUIT, u[slot, 1])
    refill = ~r.filled & (r.vacant_until >= 0) & (r.vacant_until <= t)
    for slot in np.flatnonzero(refill):
        hire(street, int(slot), t)


def monthly(street: Street, t: int) -> None:
    """The street's assessment pressure from last month's call-backs; open or freeze posts
    so that each contract type has the posts the parameters give."""
    street.assessment_pressure = assessment_pressure(street, t)
    n_est, n_con = posts_for(street.p)
    lag = max(1, int(round(street.p.workforce.refill_lag_days)))
    for kind, target in ((ESTABLISHED, n_est), (CONTRACT, n_con)):
        adjust_posts(street, kind, target, t + lag)


def assessment_pressure(street: Street, t: int, days: int = 30) -> float:
    """The district assesses the street on results (``assessment.results_weight``):
    the share of the last ``days`` days' closed cases whose resident was not satisfied at
    the call-back, times that weight (0 when no case closed)."""
    cs = street.cases
    recent = cs.closed_within(t, days)
    n = int(np.count_nonzero(recent))
    if n == 0:
        return 0.0
    unhappy = n - int(np.count_nonzero(cs.view("callback_satisfied")[recent]))
    return float(street.p.assessment.results_weight) * unhappy / n


def adjust_posts(street: Street, kind: int, target: int, refill_day: int) -> None:
    """Bring the posts in use (held, or vacant awaiting a recruit) of ``kind`` to ``target``."""
    r = street.roster
    mine = r.contract == kind
    waiting = mine & ~r.filled & (r.vacant_until >= 0)
    in_use = int((mine & r.filled).sum() + waiting.sum())
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
            street.hours = DayHours(r.n)
            street.quit_prob = None  # hazards are re-evaluated for the larger roster


def annual_quit_hazard(street: Street) -> np.ndarray:
    """Annual quit hazard of each post's holder."""
    r = street.roster
    p = street.p
    w = p.workforce
    base = w.quit_hazard[r.contract]
    youth = np.where(r.age < 35, w.youth_quit_multiplier, 1.0)
    gap = np.maximum(0.0, 1.0 - r.pay / p.staff.urban_average_pay)
    return np.minimum(0.95, base * youth * np.exp(w.pay_gap_elasticity * gap
                                                  + w.stress_elasticity * (r.stress - 1.0)))


def leave(street: Street, slot: int, t: int, reason: int, u: float) -> None:
    """Record a departure and open the vacancy."""
    r = street.roster
    street.staff_events.append(1, day=t, slot=slot, event=LEAVE, contract=r.contract[slot],
                               age=r.age[slot], specialty=r.specialty[slot], reason=reason,
                               years_in_grade=r.grade_years[slot])
    lag = float(lognormal_mean(street.p.workforce.refill_lag_days, 0.4, np.array([u]))[0])
    r.vacate(slot, t + max(1, int(lag)))


def hire(street: Street, slot: int, t: int) -> None:
    """Fill a vacancy with a recruit drawn from the labour market."""
    p = street.p
    r = street.roster
    specialty, age = draw_recruit(p, street.streams["staff"], initial=False)
    r.fill(street.model, slot, specialty=specialty, age=age,
           skill=initial_skill(p, specialty, 0.0), pay=p.staff.pay[int(r.contract[slot])], day=t)
    r.training_target[slot] = p.staff.training_hours_per_year
    street.quit_prob = None  # re-evaluate hazards with the newcomer
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
