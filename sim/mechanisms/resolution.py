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

counted on the office clock (9:00-17:00 on workdays, :meth:`Calendar.after_office_hours`).
A case needing a department's power that the street handles under delegated enforcement
has its success multiplied by ``delegated_success_factor`` and waits
``delegated_approval_days`` longer (approvals kept above).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.agents.staff import CONTRACT
from sim.cases import (
    DR_STREET_FAILED,
    DR_UNFUNDED,
    DROPPED,
    RESOLVED,
    U_DATA,
    U_SUCCESS,
)
from sim.domain import CATEGORIES, CATEGORY_DATA_DEPARTMENT, DEPARTMENTS
from sim.draws import lognormal_from_z

if TYPE_CHECKING:
    from sim.street import Street

DATA_DEPT_OF_CATEGORY = np.array([DEPARTMENTS.index(CATEGORY_DATA_DEPARTMENT[c]) for c in CATEGORIES])
VOLUNTEER_SKILL = 0.7


def data_visible(street: Street, ids: np.ndarray) -> np.ndarray:
    """Whether the data each case needs is visible to the street (True if not needed)."""
    cs = street.cases
    shared = street.p.data.data_shared[DATA_DEPT_OF_CATEGORY[cs.category[ids]]]
    return ~cs.needs_data[ids] | (cs.u[ids, U_DATA] < shared)


def pay_for(street: Street, ids: np.ndarray) -> np.ndarray:
    """Fund the money needs of ``ids`` in order; True where funded or not needed."""
    cs = street.cases
    ok = np.ones(len(ids), bool)
    need = np.flatnonzero(cs.needs_money[ids])
    if len(need):
        sel = ids[need]
        paid = street.purse.pay_needs(cs.money_pot[sel], cs.money_need[sel])
        cs.money_paid[sel] = np.where(paid, cs.money_need[sel], 0.0)
        ok[need] = paid
    return ok


def handle(street: Street, ids: np.ndarray, t: int) -> None:
    """Decide the outcome and closing time of cases the street handles itself."""
    if len(ids) == 0:
        return
    cs = street.cases
    p = street.p
    cat = cs.category[ids]
    handler = cs.handler[ids]
    skill = np.where(handler >= 0, street.roster.skill[np.maximum(handler, 0)], VOLUNTEER_SKILL)
    r = p.resolution
    prob = p.resolution.base_success[cat] * ((1 - r.skill_weight) + r.skill_weight * skill)
    prob = prob + r.specialist_bonus * cs.specialist[ids]
    prob = np.where(data_visible(street, ids), prob, prob * r.no_data_factor)
    # a department's power delegated to the street (brief §4B): its own success factor,
    # and an approval wait where approvals were kept above (brief §5)
    delegated = cs.needs_department[ids]
    d = p.departments
    prob = np.where(delegated, prob * d.delegated_success_factor, prob)
    funded = pay_for(street, ids)
    success = funded & (cs.u[ids, U_SUCCESS] < np.minimum(prob, 0.99))
    cs.planned_outcome[ids] = np.where(success, RESOLVED, DROPPED)
    cs.planned_reason[ids] = np.where(success, 0, np.where(funded, DR_STREET_FAILED, DR_UNFUNDED))
    work = dispatch_hours(street) + lognormal_from_z(p.cases.intrinsic_work_hours[cat], p.cases.delay_sigma,
                                                     cs.z_delay[ids])
    close_h = street.cal.after_office_hours(cs.accepted_h[ids], work)
    close_h = close_h + np.where(delegated, 24.0 * d.delegated_approval_days, 0.0)
    cs.closed_h[ids] = close_h
    cs.due_day[ids] = np.floor(close_h / 24.0).astype(np.int32)


def dispatch_hours(street: Street) -> float:
    """Office hours from acceptance until a community worker is on the case: grids per
    worker times ``dispatch_hours_per_grid``, less what instant digital dispatch saves."""
    c = street.p.cases
    r = street.roster
    workers = int(np.count_nonzero(r.filled & (r.contract == CONTRACT)))
    grids = street.residents.n / max(workers, 1) / max(float(c.residents_per_grid), 1.0)
    return float(grids * c.dispatch_hours_per_grid * (1.0 - c.instant_dispatch))
