"""Daily records and the yearly survey and state snapshot (observation, not mechanism).

Nothing here changes the model's state except the yearly survey
(:func:`sim.mechanisms.perception.survey`), after which residents' expectations adapt.
The day's row is written by one compiled kernel (:func:`record_row`); the year's counts
of residents and cases by another (:func:`year_tallies`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from sim.agents.departments import pending_of_street
from sim.agents.staff import CONTRACT
from sim.cases import WHISTLED
from sim.compiled import pairwise_sum
from sim.domain import PROFESSIONAL_SO_SPECIALTIES, SO_SPECIALTIES
from sim.mechanisms import perception
from sim.mechanisms.money import annual_contract_pay
from sim.mechanisms.workforce import callbacks_closed
from sim.population import ELDERLY

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
    """The daily series of one street: one preallocated row of float64 per day (every
    column's values, integers and flags included, are exact in float64), cast to the
    columns' types by :meth:`to_frame`."""

    def __init__(self, n_days: int) -> None:
        self.values = np.zeros((n_days, len(DAILY_COLUMNS)))
        self.n = 0
        self.open_rows = np.empty(1024, dtype=np.int64)
        """Its first ``n_open``: cases with no closing time planned at the last record
        (see :func:`record_row`)."""
        self.n_open = 0
        self.rows_seen = 0
        """Cases in the table at the last record."""

    def make_room(self, n_cases: int) -> None:
        """Grow ``open_rows`` to hold the open cases and those added since the last record."""
        need = self.n_open + n_cases - self.rows_seen
        if need > len(self.open_rows):
            grown = np.empty(max(2 * len(self.open_rows), need), dtype=np.int64)
            grown[: self.n_open] = self.open_rows[: self.n_open]
            self.open_rows = grown

    def to_frame(self):
        """The recorded days as a DataFrame."""
        import pandas as pd

        return pd.DataFrame({c: self.values[: self.n, j].astype(dt)
                             for j, (c, dt) in enumerate(DAILY_COLUMNS.items())})


def record_day(street: Street, t: int) -> None:
    """Write today's row of the daily series (one call of :func:`record_row`)."""
    r = street.roster
    used = street.hours.used
    pool = street.pool
    d = street.daily
    cases = street.cases
    accepted, refused, checked = street.duties.counts
    d.make_room(cases.n)
    d.n_open = record_row(
        d.values, t, street.index, bool(street.cal.is_workday[t]),
        len(street.intake.queue) + len(street.intake.online_inbox), len(street.intake.in_service),
        accepted, refused, checked, float(street.purse.general), len(street.sos),
        cases.state, cases.closed_h, d.open_rows, d.n_open, d.rows_seen, cases.n,
        pending_of_street(pool.episodes.street, pool.active, street.index),
        street.hours.available, used["training"], used["emergency"], used["out_of_list"],
        used["in_list"], used["data_entry"], used["casework"],
        r.filled, r.contract, r.age, r.stress, street.purse.pots)
    d.rows_seen = cases.n
    d.n = t + 1


@njit(cache=True)
def record_row(values: np.ndarray, t: int, street: int, workday: bool, queue: int, in_service: int,
               accepted: int, refused: int, checked: int, general: float, social_orgs: int,
               state: np.ndarray, closed_h: np.ndarray, open_rows: np.ndarray, n_open: int,
               rows_seen: int, n_cases: int, pending: int, available: np.ndarray,
               training: np.ndarray, emergency: np.ndarray, out_of_list: np.ndarray,
               in_list: np.ndarray, data_entry: np.ndarray, casework: np.ndarray,
               filled: np.ndarray, contract: np.ndarray, age: np.ndarray, stress: np.ndarray,
               pots: np.ndarray) -> int:
    """Write row ``t`` of ``values`` (columns in ``DAILY_COLUMNS`` order); returns how
    many cases (of the first ``n_cases``) have no closing time planned, having listed
    them at the start of ``open_rows`` for the next record.

    Cases waiting for departments are whistled cases with no closing time planned. A
    planned closing time is never withdrawn, so only the cases without one at the last
    record (the first ``n_open`` of ``open_rows``) and those added since (from
    ``rows_seen``) are looked at; ``open_rows`` must hold them all. ``pending`` is the
    street's episodes pending at the pool (``departments.pending_of_street``). Sums of
    hours add in NumPy's pairwise order.
    """
    k = 0
    waiting = 0
    for j in range(n_open + n_cases - rows_seen):  # without branches on the cases' states
        i = open_rows[j] if j < n_open else rows_seen + (j - n_open)
        still_open = np.isnan(closed_h[i])
        open_rows[k] = i  # kept if still open; k <= j: entries not yet read are never overwritten
        k += still_open
        waiting += still_open & (state[i] == WHISTLED)
    n_filled = 0
    n_contract = 0
    n_young = 0
    held = np.empty(len(filled))
    for i in range(len(filled)):
        if filled[i]:
            held[n_filled] = stress[i]
            n_filled += 1
            if contract[i] == CONTRACT:
                n_contract += 1
            if age[i] < 35:
                n_young += 1
    row = values[t]
    row[0] = street
    row[1] = t
    row[2] = workday
    row[3] = queue
    row[4] = in_service
    row[5] = waiting
    row[6] = pending
    row[7] = pairwise_sum(available)
    row[8] = pairwise_sum(training)
    row[9] = pairwise_sum(emergency)
    row[10] = pairwise_sum(out_of_list)
    row[11] = pairwise_sum(in_list)
    row[12] = pairwise_sum(data_entry)
    row[13] = pairwise_sum(casework)
    row[14] = n_filled
    row[15] = n_filled - n_contract
    row[16] = n_contract
    row[17] = n_young
    row[18] = pairwise_sum(held[:n_filled]) / n_filled if n_filled else 0.0
    row[19] = accepted
    row[20] = refused
    row[21] = checked
    row[22] = pairwise_sum(pots)
    row[23] = general
    row[24] = social_orgs
    return k


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
    """Yearly survey of all residents and a snapshot of the street's state (the
    residents' and cases' counts in one call of :func:`year_tallies`)."""
    p = street.p
    year = int(street.cal.year[t])
    res = street.residents
    opinion = perception.survey(street, t)
    r = street.roster
    f = r.filled
    n = max(1, int(f.sum()))
    contract_pay = annual_contract_pay(street)
    led = street.purse.ledger
    cs = street.cases
    from_h = street.cal.year_start[year] * 24.0
    n_elderly, elderly_digital, eligible, eligible_enrolled, called, satisfied = year_tallies(
        res.band, res.digital, res.eligible, res.enrolled, perception.rows_settled(street, from_h), cs.n,
        cs.state, cs.closed_h, cs.callback_satisfied, from_h, (t + 1) * 24.0)
    callback = satisfied / called if called else float("nan")
    state = {
        **opinion,
        "satisfaction_callback": callback,
        "elderly_digital_access": elderly_digital / n_elderly if n_elderly else 0.0,
        "eligible": eligible,
        "eligible_enrolled": eligible_enrolled,
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
        "platform_progress": float(street.platform.progress),
        "platform_health": float(street.platform.health),
        "departments_joined": int(street.platform.joined.sum()),
        "renovated_share": float(street.money.renovated / p.population.communities),
        "social_orgs": len(street.sos),
        "professional_social_orgs": int(sum(so.specialty in PRO_SO for so in street.sos)),
        "councils_functioning_share": float(street.councils.functioning.mean()),
        "duty_list_coverage": float(street.duties.coverage),
        **{f"money_{k}": float(v) for k, v in led.items()},
        "money_general_balance": float(street.purse.general),
    }
    street.yearly_state[year] = state


@njit(cache=True)
def year_tallies(band: np.ndarray, digital: np.ndarray, eligible: np.ndarray, enrolled: np.ndarray,
                 rows_from: int, n_cases: int, state: np.ndarray, closed_h: np.ndarray,
                 callback_satisfied: np.ndarray, from_h: float, to_h: float
                 ) -> tuple[int, int, int, int, int, int]:
    """The year's counts (compiled, one pass over residents and one over the cases in
    rows ``rows_from...n_cases``, :func:`~sim.mechanisms.perception.rows_settled`):
    elderly residents and those of them with digital access, eligible residents and those
    enrolled, cases closed in ``[from_h, to_h)`` and those whose resident was satisfied
    at the call-back (:func:`sim.mechanisms.workforce.callbacks_closed`)."""
    n_elderly = 0
    elderly_digital = 0
    n_eligible = 0
    n_enrolled = 0
    for i in range(len(band)):
        if band[i] == ELDERLY:
            n_elderly += 1
            elderly_digital += digital[i]
        if eligible[i]:
            n_eligible += 1
            n_enrolled += enrolled[i]
    called, unhappy = callbacks_closed(rows_from, n_cases, state, closed_h, callback_satisfied, from_h, to_h)
    return n_elderly, elderly_digital, n_eligible, n_enrolled, called, called - unhappy
