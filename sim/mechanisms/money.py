"""Money mechanism (brief §3.10): budgets, transfers, pay, service grants, renovation."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.agents.staff import CONTRACT

if TYPE_CHECKING:
    from sim.street import Street


def close_year(street: Street, t: int) -> None:
    """Year end: unspent livelihood money lapses (recorded in this year's ledger)."""
    street.purse.close_year()


def open_year(street: Street, t: int) -> None:
    """Open this year's budget; renovate service centres."""
    street.purse.open_year(t, street.p, street.streams["money"])
    f = street.p.facilities
    communities = street.p.population.communities
    todo = min(f.renovations_per_year, communities - street.renovated)
    if todo > 0:
        paid = street.purse.spend_general(todo * f.renovation_cost, "renovation_spent")
        street.renovated += paid / f.renovation_cost if f.renovation_cost > 0 else todo


def monthly(street: Street, t: int) -> None:
    """Pay contract staff from the street budget (established staff are paid by the
    district payroll); unpaid wages are recorded, never borrowed."""
    r = street.roster
    wage_bill = float(np.sum(r.pay[r.filled & (r.contract == CONTRACT)]))
    paid = street.purse.spend_general(wage_bill, "pay_spent")
    street.purse.ledger["pay_unpaid"] += wage_bill - paid


def daily(street: Street, t: int) -> None:
    """Credit district transfers arriving today."""
    street.purse.receive_due(t, street.p)
