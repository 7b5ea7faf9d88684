"""Daily records and the yearly survey and state snapshot (observation, not mechanism).

Nothing here changes the model's state except the yearly survey's relaxation of
satisfaction to the survey day, which the survey needs to read it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.agents.staff import CONTRACT, ESTABLISHED
from sim.domain import PROFESSIONAL_SO_SPECIALTIES, SO_SPECIALTIES

if TYPE_CHECKING:
    from sim.street import Street

PRO_SO = np.array([SO_SPECIALTIES.index(s) for s in PROFESSIONAL_SO_SPECIALTIES])


def record_day(street: Street, t: int) -> None:
    """Append today's row of the daily series."""
    r = street.roster
    h = street.hours.totals()
    pool = street.pool
    act = pool.active
    accepted, refused, checked = street.task_counts
    street.daily.append({
        "street": street.index,
        "day": t,
        "workday": bool(street.cal.is_workday[t]),
        "queue": len(street.queue),
        "in_service": len(street.in_service),
        "whistles_pending": int(np.sum(pool.episodes.street[act] == street.index)),
        "hours_available": h["available"],
        "hours_training": h["training"],
        "hours_emergency": h["emergency"],
        "hours_out_of_list": h["out_of_list"],
        "hours_in_list": h["in_list"],
        "hours_data_entry": h["data_entry"],
        "hours_casework": h["casework"],
        "staff_filled": int(r.filled.sum()),
        "staff_established": int((r.filled & (r.contract == ESTABLISHED)).sum()),
        "staff_contract": int((r.filled & (r.contract == CONTRACT)).sum()),
        "staff_under35": int(r.under35.sum()),
        "stress_mean": float(r.stress[r.filled].mean()) if r.filled.any() else 0.0,
        "tasks_accepted": accepted,
        "tasks_refused": refused,
        "tasks_checked": checked,
        "livelihood_balance": float(street.purse.pots.sum()),
        "general_balance": float(street.purse.general),
        "social_orgs": len(street.sos),
    })


def close_year(street: Street, t: int) -> None:
    """Yearly survey of all residents and a snapshot of the street's state."""
    p = street.p
    year = int(street.cal.year[t])
    res = street.residents
    satisfied = res.survey(t, p, street.streams["survey"])
    r = street.roster
    f = r.filled
    n = max(1, int(f.sum()))
    contract = f & (r.contract == CONTRACT)
    contract_pay = float(r.pay[contract].mean()) if contract.any() else float(p.staff.pay[CONTRACT])
    elderly = res.band == 3
    led = street.purse.ledger
    cs = street.cases
    closed = cs.view("closed_h")
    in_year = (closed >= street.cal.year_start[year] * 24.0) & (closed < (t + 1) * 24.0)
    called = np.unique(cs.view("resident")[in_year & cs.view("reported_resolved")])
    callback = float(res.satisfaction[called].mean()) if len(called) else float("nan")
    state = {
        "satisfaction_survey": float(satisfied.mean()),
        "satisfaction_callback": callback,
        "satisfaction_mean": float(res.satisfaction.mean()),
        "trust_mean": float(res.trust.mean()),
        "elderly_digital_access": float(res.digital[elderly].mean()) if elderly.any() else 0.0,
        "eligible": int(res.eligible.sum()),
        "eligible_enrolled": int((res.eligible & res.enrolled).sum()),
        "staff": n,
        "professional_share": float(r.professional.sum() / n),
        "under35_share": float(r.under35.sum() / n),
        "contract_pay_gap": 1.0 - contract_pay / p.staff.urban_average_pay,
        "training_hours_mean": float(r.training_hours[f].mean()) if f.any() else 0.0,
        "training_coverage": float((r.training_hours[f] >= 40.0 - 1e-6).mean()) if f.any() else 0.0,
        "skill_mean": float(r.skill[f].mean()) if f.any() else 0.0,
        "systems_in_use": int(p.data.systems_in_use),
        "data_sharing_rate": float(np.mean(p.data.data_shared)),
        "renovated_share": float(street.renovated / p.population.communities),
        "social_orgs": len(street.sos),
        "professional_social_orgs": int(sum(so.specialty in PRO_SO for so in street.sos)),
        "councils_functioning_share": float(street.council_functioning.mean()),
        "duty_list_coverage": float(p.tasks.duty_list_coverage),
        **{f"money_{k}": float(v) for k, v in led.items()},
        "money_general_balance": float(street.purse.general),
    }
    street.yearly_state[year] = state
