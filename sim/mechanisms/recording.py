"""Daily records and the yearly survey and state snapshot (observation, not mechanism).

Nothing here changes the model's state except the yearly survey
(:func:`sim.mechanisms.perception.survey`), after which residents' expectations adapt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from sim.agents.staff import CONTRACT
from sim.cases import CLOSED, WHISTLED
from sim.domain import PROFESSIONAL_SO_SPECIALTIES, SO_SPECIALTIES
from sim.mechanisms import perception
from sim.mechanisms.money import annual_contract_pay

if TYPE_CHECKING:
    from sim.street import Street

PRO_SO = np.array([SO_SPECIALTIES.index(s) for s in PROFESSIONAL_SO_SPECIALTIES])


DAILY_COLUMNS: dict[str, str] = {
    "street": "int16", "day": "int32", "workday": "bool", "queue": "int32", "in_service": "int32",
    "waiting_departments": "int32",
    "whistles_pending": "int32", "hours_available": "float64", "hours_training": "float64",
    "hours_emergency": "float64", "hours_out_of_list": "float64", "hours_in_list": "float64",
    "hours_data_entry": "float64", "hours_casework": "float64", "staff_filled": "int16",
    "staff_established": "int16", "staff_contract": "int16", "staff_under35": "int16",
    "stress_mean": "float64", "tasks_accepted": "int32", "tasks_refused": "int32",
    "tasks_checked": "int32", "livelihood_balance": "float64", "general_balance": "float64",
    "social_orgs": "int16",
}


class DailyRecord:
    """The daily series of one street: one preallocated array per column."""

    def __init__(self, n_days: int) -> None:
        self.cols = {c: np.zeros(n_days, dtype=dt) for c, dt in DAILY_COLUMNS.items()}
        self.n = 0

    def to_frame(self):
        """The recorded days as a DataFrame."""
        import pandas as pd

        return pd.DataFrame({c: v[: self.n].copy() for c, v in self.cols.items()})


def record_day(street: Street, t: int) -> None:
    """Write today's row of the daily series."""
    r = street.roster
    used = street.hours.used
    pool = street.pool
    c = street.daily.cols
    filled = r.filled
    c["street"][t] = street.index
    c["day"][t] = t
    c["workday"][t] = street.cal.is_workday[t]
    c["queue"][t] = len(street.queue) + len(street.online_inbox)
    c["in_service"][t] = len(street.in_service)
    # whistled to departments and not yet in service (no closing time planned)
    c["waiting_departments"][t] = count_waiting(street.cases.view("state"), street.cases.view("closed_h"))
    c["whistles_pending"][t] = int(np.count_nonzero(pool.episodes.street[pool.active] == street.index))
    c["hours_available"][t] = street.hours.available.sum()
    for bucket in ("training", "emergency", "out_of_list", "in_list", "data_entry", "casework"):
        c["hours_" + bucket][t] = used[bucket].sum()
    n_filled = int(np.count_nonzero(filled))
    n_contract = int(np.count_nonzero(filled & (r.contract == CONTRACT)))
    c["staff_filled"][t] = n_filled
    c["staff_contract"][t] = n_contract
    c["staff_established"][t] = n_filled - n_contract
    c["staff_under35"][t] = int(np.count_nonzero(filled & (r.age < 35)))
    c["stress_mean"][t] = r.stress[filled].mean() if n_filled else 0.0
    c["tasks_accepted"][t], c["tasks_refused"][t], c["tasks_checked"][t] = street.task_counts
    c["livelihood_balance"][t] = street.purse.pots.sum()
    c["general_balance"][t] = street.purse.general
    c["social_orgs"][t] = len(street.sos)
    street.daily.n = t + 1


@njit(cache=True)
def count_waiting(state: np.ndarray, closed_h: np.ndarray) -> int:
    """Cases whistled to departments with no closing time planned yet (compiled: one
    pass over the case table, no temporaries)."""
    n = 0
    for i in range(len(state)):
        if state[i] == WHISTLED and np.isnan(closed_h[i]):
            n += 1
    return n


def close_year(street: Street, t: int) -> None:
    """Yearly survey of all residents and a snapshot of the street's state."""
    p = street.p
    year = int(street.cal.year[t])
    res = street.residents
    opinion = perception.survey(street, t)
    r = street.roster
    f = r.filled
    n = max(1, int(f.sum()))
    contract_pay = annual_contract_pay(street)
    elderly = res.band == 3
    led = street.purse.ledger
    cs = street.cases
    closed = cs.view("closed_h")
    in_year = (closed >= street.cal.year_start[year] * 24.0) & (closed < (t + 1) * 24.0)
    called = in_year & (cs.view("state") == CLOSED)
    callback = float(cs.view("callback_satisfied")[called].mean()) if called.any() else float("nan")
    state = {
        **opinion,
        "satisfaction_callback": callback,
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
        # the platform's state: systems staff must use and data visible this month
        "systems_in_use": int(p.data.systems_in_use),
        "data_sharing_rate": float(np.mean(p.data.data_shared)),
        "platform_progress": float(street.platform_progress),
        "platform_health": float(street.platform_health),
        "departments_joined": int(street.dept_joined.sum()),
        "renovated_share": float(street.renovated / p.population.communities),
        "social_orgs": len(street.sos),
        "professional_social_orgs": int(sum(so.specialty in PRO_SO for so in street.sos)),
        "councils_functioning_share": float(street.council_functioning.mean()),
        "duty_list_coverage": float(street.duty_coverage),
        **{f"money_{k}": float(v) for k, v in led.items()},
        "money_general_balance": float(street.purse.general),
    }
    street.yearly_state[year] = state
