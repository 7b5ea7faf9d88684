"""Money mechanism (brief §3.10): budgets, transfers, pay, service grants, renovation.

Contract wages come first: every other payment from the general budget - service
purchases, renovation, secondment allowances, the platform - leaves a reserve of
``wage_reserve_months`` of contract wages in hand (:func:`wage_reserve`).

Its own state is :class:`MoneyState` (``street.money``); a change of contract pay asks
the workforce to re-evaluate quit hazards (``workforce.invalidate_quit_hazard``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from sim.agents.staff import CONTRACT, count_held
from sim.mechanisms import workforce

if TYPE_CHECKING:
    from sim.street import Street


@dataclass(slots=True)
class MoneyState:
    """What the money mechanism has paid for so far (``street.money``)."""

    renovated: float
    """Communities whose service centre is renovated (fractional; open_year buys more,
    perception and recording read it)."""
    contract_pay_year: float = 0.0
    """Contract pay paid this year (monthly; open_year resets it)."""
    contract_months_year: int = 0
    """Contract staff-months paid for this year (monthly; open_year resets it)."""
    secondment_paid_share: float = 1.0
    """Share of this month's secondment allowance paid (monthly; timebudget reads it)."""


def close_year(street: Street, t: int) -> None:
    """Year end: unspent livelihood money lapses (recorded in this year's ledger)."""
    street.purse.close_year()


def open_year(street: Street, t: int) -> None:
    """Open this year's budget; renovate service centres."""
    street.purse.open_year(t, street.p, street.streams["money"])
    street.money.contract_pay_year = 0.0
    street.money.contract_months_year = 0
    f = street.p.facilities
    communities = street.p.population.communities
    todo = min(f.renovations_per_year, communities - street.money.renovated)
    if todo > 0:
        paid = street.purse.spend_general(todo * f.renovation_cost, "renovation_spent", wage_reserve(street))
        street.money.renovated += paid / f.renovation_cost if f.renovation_cost > 0 else todo


def monthly(street: Street, t: int) -> None:
    """Pay contract staff from the street budget (established staff are paid by the
    district payroll), then the allowances of seconded department staff. Nothing is
    borrowed: unpaid wages are recorded and cut this month's pay of contract staff (a
    wider pay gap, so more quitting); the pay paid is summed over the year for its
    annual mean (:func:`annual_contract_pay`); an unpaid allowance sends secondees home for the
    month in proportion."""
    r = street.roster
    contract = r.filled & (r.contract == CONTRACT)
    wage = float(street.p.staff.pay[CONTRACT])
    wage_bill = wage * int(contract.sum())
    paid = street.purse.spend_general(wage_bill, "pay_spent")
    street.purse.ledger["pay_unpaid"] += wage_bill - paid
    pay = wage * (paid / wage_bill if wage_bill > 0 else 1.0)
    street.money.contract_pay_year += paid
    street.money.contract_months_year += int(contract.sum())
    if np.any(r.pay[contract] != pay):
        r.pay[contract] = pay
        workforce.invalidate_quit_hazard(street)  # pay changed
    s = street.p.staff
    allowance = s.seconded_person_months / 12.0 * street.p.money.secondment_allowance
    if allowance > 0:
        got = street.purse.spend_general(allowance, "secondment_spent", wage_reserve(street))
        street.money.secondment_paid_share = got / allowance
    else:
        street.money.secondment_paid_share = 1.0


def wage_reserve(street: Street) -> float:
    """Contract wages of ``wage_reserve_months`` months for the posts now held."""
    r = street.roster
    return wage_reserve_kernel(r.filled, r.contract, float(street.p.staff.pay[CONTRACT]),
                               float(street.p.money.wage_reserve_months))


@njit(cache=True)
def wage_reserve_kernel(filled: np.ndarray, contract: np.ndarray, pay: float, months: float) -> float:
    """:func:`wage_reserve` over the roster's arrays (compiled; triage's day calls it)."""
    return count_held(filled, contract, CONTRACT) * pay * months


def daily(street: Street, t: int) -> None:
    """Credit district transfers arriving today (most days none is due: the expected
    tranches are only looked at)."""
    for day, _, _ in street.purse.expected_transfers:
        if day <= t:
            street.purse.receive_due(t, street.p)
            return


def annual_contract_pay(street: Street) -> float:
    """Mean monthly pay actually paid per contract staff-month this year (the scheduled
    contract wage where no contract post was held)."""
    paid, staff_months = street.money.contract_pay_year, street.money.contract_months_year
    return paid / staff_months if staff_months else float(street.p.staff.pay[CONTRACT])
