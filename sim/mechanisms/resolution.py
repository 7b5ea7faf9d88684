"""Resolution inside the street (brief §3.3): skill, specialty, money and data decide.

A street-handled case succeeds with probability

    base_success[category] * ((1 - skill_weight) + skill_weight * skill)
        + specialist_bonus * (handled by a matching specialist)

times ``no_data_factor`` when it needs another body's data the street cannot see. A case
needing money is paid from its ring-fenced pot (or the bundled pool); if the pot is
short the case fails as unfunded.

Its closing time adds, from acceptance (the wait for a handler is the queue before it,
:mod:`sim.mechanisms.triage`), office hours of

* dispatch and travel: ``dispatch_hours_per_grid`` for each grid of
  ``residents_per_grid`` residents a community worker (filled contract post) covers,
  less the share ``instant_dispatch`` that digital dispatch removes;
* the intrinsic work: a right-skewed draw with mean ``intrinsic_work_hours[category]``
  and log-sd ``delay_sigma`` (the floor no lever shortens);

counted on the office clock (9:00-17:00 on workdays, :func:`sim.calendar.office_done_h`).
A case needing a department's power that the street handles under delegated enforcement
has its success multiplied by ``delegated_success_factor`` and waits
``delegated_approval_days`` longer (approvals kept above).

The rule is compiled (:func:`resolve_kernel`, called by the triage kernel of
``sim.mechanisms.triage``); :func:`handle` applies it to given cases.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from sim.agents.staff import CONTRACT, count_held
from sim.calendar import HOURS_PER_DAY, office_done_h
from sim.cases import DR_STREET_FAILED, DR_UNFUNDED, DROPPED, RESOLVED, U_DATA, U_SUCCESS
from sim.domain import CATEGORIES, CATEGORY_DATA_DEPARTMENT, DEPARTMENTS
from sim.hours import np_minimum
from sim.money import pay_needs_kernel
from sim.randomness.compiled import lognormal_at, lognormal_mu

if TYPE_CHECKING:
    from sim.street import Street

DATA_DEPT_OF_CATEGORY = np.array([DEPARTMENTS.index(CATEGORY_DATA_DEPARTMENT[c]) for c in CATEGORIES])
VOLUNTEER_SKILL = 0.7


def handle(street: Street, ids: np.ndarray, t: int) -> None:
    """Decide the outcome and closing time of cases the street handles itself."""
    if len(ids) == 0:
        return
    cs = street.cases
    r = street.roster
    n_money, need, spent = resolve_kernel(
        np.asarray(ids, dtype=np.int64), cs.category, cs.handler, cs.specialist, cs.needs_data,
        cs.needs_department, cs.needs_money, cs.money_pot, cs.money_need, cs.u, cs.z_delay, cs.accepted_h,
        cs.money_paid, cs.planned_outcome, cs.planned_reason, cs.closed_h, cs.due_day,
        r.skill, dispatch_hours(street), street.purse.pots, street.purse.bundled,
        street.cal.office_len, street.cal.office_before, *rule(street))
    if n_money:
        street.purse.book_needs(n_money, need, spent)


def rule(street: Street) -> tuple:
    """The parameters of :func:`resolve_kernel` after the office clock, in its order."""
    p = street.p
    r, d, c = p.resolution, p.departments, p.cases
    return (DATA_DEPT_OF_CATEGORY, p.data.data_shared, r.base_success, float(r.skill_weight),
            float(r.specialist_bonus), float(r.no_data_factor), float(d.delegated_success_factor),
            float(d.delegated_approval_days), c.intrinsic_work_hours, float(c.delay_sigma))


def dispatch_hours(street: Street) -> float:
    """Office hours from acceptance until a community worker is on the case: grids per
    worker times ``dispatch_hours_per_grid``, less what instant digital dispatch saves."""
    c = street.p.cases
    r = street.roster
    return dispatch_kernel(count_held(r.filled, r.contract, CONTRACT), street.residents.n,
                           float(c.residents_per_grid), float(c.dispatch_hours_per_grid),
                           float(c.instant_dispatch))


@njit(cache=True)
def dispatch_kernel(workers: int, residents: int, residents_per_grid: float, hours_per_grid: float,
                    instant_dispatch: float) -> float:
    """:func:`dispatch_hours` over numbers (compiled)."""
    per_grid = 1.0 if residents_per_grid < 1.0 else residents_per_grid  # Python's max(x, 1.0)
    grids = residents / max(workers, 1) / per_grid
    return grids * hours_per_grid * (1.0 - instant_dispatch)


@njit(cache=True)
def resolve_kernel(ids: np.ndarray, category: np.ndarray, handler: np.ndarray, specialist: np.ndarray,
                   needs_data: np.ndarray, needs_department: np.ndarray, needs_money: np.ndarray,
                   money_pot: np.ndarray, money_need: np.ndarray, u: np.ndarray, z_delay: np.ndarray,
                   accepted_h: np.ndarray, money_paid: np.ndarray, planned_outcome: np.ndarray,
                   planned_reason: np.ndarray, closed_h: np.ndarray, due_day: np.ndarray,
                   skill: np.ndarray, dispatch: float, pots: np.ndarray, bundled: bool,
                   office_len: np.ndarray, office_before: np.ndarray, data_dept: np.ndarray,
                   data_shared: np.ndarray, base_success: np.ndarray, skill_weight: float,
                   specialist_bonus: float, no_data_factor: float, delegated_factor: float,
                   delegated_days: float, intrinsic_hours: np.ndarray, sigma: float
                   ) -> tuple[int, float, float]:
    """:func:`handle` over the case columns (compiled): success probability, the money
    needs paid from ``pots`` in order, outcome, closing time and due day of ``ids``.
    Returns the number of money needs, their total and the total paid (for the ledger)."""
    n = len(ids)
    n_money = 0
    for i in range(n):
        if needs_money[ids[i]]:
            n_money += 1
    funded = np.ones(n, np.bool_)
    need = spent = 0.0
    if n_money:  # the money needs, in order
        rows = np.empty(n_money, np.int64)
        pot_of = np.empty(n_money, np.int64)
        amounts = np.empty(n_money)
        j = 0
        for i in range(n):
            c = ids[i]
            if needs_money[c]:
                rows[j], pot_of[j], amounts[j] = i, money_pot[c], money_need[c]
                j += 1
        paid, need, spent = pay_needs_kernel(pot_of, amounts, pots, bundled)
        for j in range(n_money):
            money_paid[ids[rows[j]]] = amounts[j] if paid[j] else 0.0
            funded[rows[j]] = paid[j]
    mu = np.empty(len(intrinsic_hours))  # each category's log-normal location, once
    for cat in range(len(intrinsic_hours)):
        mu[cat] = lognormal_mu(intrinsic_hours[cat], sigma)
    for i in range(n):
        c = ids[i]
        cat = category[c]
        h = handler[c]
        sk = skill[h] if h >= 0 else VOLUNTEER_SKILL
        prob = base_success[cat] * ((1 - skill_weight) + skill_weight * sk)
        prob = prob + specialist_bonus * (1.0 if specialist[c] else 0.0)
        # (the conditions below are random from case to case: both sides taken, one kept)
        unseen = needs_data[c] & (not u[c, U_DATA] < data_shared[data_dept[cat]])  # data not visible
        prob = prob * no_data_factor if unseen else prob
        # a department's power delegated to the street (brief 4B): its own success factor,
        # and an approval wait where approvals were kept above (brief 5)
        prob = prob * delegated_factor if needs_department[c] else prob
        success = funded[i] & (u[c, U_SUCCESS] < np_minimum(prob, 0.99))
        planned_outcome[c] = RESOLVED if success else DROPPED
        planned_reason[c] = 0 if success else (DR_STREET_FAILED if funded[i] else DR_UNFUNDED)
        work = dispatch + lognormal_at(mu[cat], sigma, z_delay[c])
        close = office_done_h(accepted_h[c], work, office_len, office_before)
        close = close + (HOURS_PER_DAY * delegated_days if needs_department[c] else 0.0)
        closed_h[c] = close
        due_day[c] = math.floor(close / HOURS_PER_DAY)
    return n_money, need, spent
