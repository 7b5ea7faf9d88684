"""The street's money: budget by source, ring-fenced pots or one bundled pool.

Money mechanism (brief §3.10): each year the budget is set from the street's own
revenue (fees and charges, rents of its shared spaces: :func:`own_revenue`), district
transfers making up the rest of the budget (cut by a revenue shock) and social
donations; transfers arrive in quarterly tranches, some late; a coordination fund may
arrive short. Of the rest (non-livelihood) money, the committed share goes at once to
running costs outside the model; what is left is the general budget that pays contract
staff, service purchases and reforms (secondments, the platform). The livelihood share
is split into ring-fenced pots (civil affairs, health, disabled persons' federation,
street) or, when funds are bundled, one pool. A case needing money draws from its pot;
if the pot is short the need goes unfunded, even when another pot is idle. Unspent
livelihood money lapses at year end. No payment is ever made that exceeds the money in
hand.
"""

from __future__ import annotations

import numpy as np

from sim.domain import FUND_POTS
from sim.params.values import Params

N_POTS = len(FUND_POTS)


class Purse:
    """Balances and a ledger of one street's money for the current year."""

    def __init__(self) -> None:
        self.pots = np.zeros(N_POTS)
        self.general = 0.0
        self.bundled = False
        self.expected_transfers: list[tuple[int, float]] = []
        self.ledger: dict[str, float] = {}
        self.year_budget = 0.0
        self.budget_year_start = 0
        self.reset_ledger()

    def reset_ledger(self) -> None:
        """Start a new year's ledger."""
        self.ledger = {k: 0.0 for k in (
            "budgeted", "arrived", "arrived_own_year", "self_revenue", "transfer_revenue", "donations",
            "livelihood_need", "livelihood_unfunded", "livelihood_spent", "livelihood_lapsed",
            "pay_spent", "pay_unpaid", "so_grants", "so_fees", "renovation_spent", "other_spent",
            "so_support", "secondment_spent", "platform_spent", "platform_unpaid",
        )}

    def open_year(self, year_start: int, p: Params, rng: np.random.Generator) -> None:
        """Set this year's budget and schedule its quarterly transfers."""
        m = p.money
        self.reset_ledger()
        own = own_revenue(p)
        transfers = max(m.annual_budget - m.own_revenue, 0.0) * (1 - m.revenue_shock)
        donations = m.donation_share * (own + transfers)
        fund = m.coordination_fund * (1 - m.coordination_fund_shortfall)
        total = own + transfers + donations + fund
        self.year_budget = total
        self.ledger["budgeted"] = total
        self.bundled = bool(m.bundled_funds)
        self._receive(own, p, "self_revenue", own_year=True)
        self._receive(donations, p, "donations", own_year=True)
        self._receive(fund, p, "transfer_revenue", own_year=True)
        self.budget_year_start = year_start
        # tranches of last year still on their way keep their (late) arrival day
        self.expected_transfers = [x for x in self.expected_transfers if x[0] >= year_start]
        # (arrival day, amount, start day of the budget year it belongs to)
        late = rng.random(4) < m.transfer_delay_prob
        for q in range(4):
            day = year_start + int(q * 91.25) + (int(m.transfer_delay_days) if late[q] else 0)
            self.expected_transfers.append((day, transfers / 4.0, year_start))

    def receive_due(self, day: int, p: Params) -> None:
        """Credit transfers that arrive on ``day``."""
        due = [x for x in self.expected_transfers if x[0] <= day]
        if due:
            self.expected_transfers = [x for x in self.expected_transfers if x[0] > day]
            for _, amount, budget_year in due:
                self._receive(amount, p, "transfer_revenue",
                              own_year=budget_year == self.budget_year_start)

    def _receive(self, amount: float, p: Params, source: str, own_year: bool) -> None:
        if amount <= 0:
            return
        self.ledger[source] += amount
        self.ledger["arrived"] += amount
        if own_year:
            self.ledger["arrived_own_year"] += amount
        live = amount * p.money.livelihood_share
        self.pots += live * p.money.pot_allocation
        committed = (amount - live) * p.money.committed_share
        self.ledger["other_spent"] += committed
        self.general += amount - live - committed

    def pay_needs(self, pots: np.ndarray, amounts: np.ndarray) -> np.ndarray:
        """Fund case needs in the order given; returns which were paid in full.

        Each pot pays its needs in order until the next one no longer fits; that need
        and every later one of the pot go unfunded (the pot has run dry for the day).
        With bundled funds there is one pool for all needs.
        """
        need = float(amounts.sum())
        self.ledger["livelihood_need"] += need
        if len(amounts) == 0:
            return np.zeros(0, bool)
        groups = np.zeros(len(amounts), np.int64) if self.bundled else pots.astype(np.int64)
        balance = np.array([self.pots.sum()]) if self.bundled else self.pots
        order = np.argsort(groups, kind="stable")
        g, a = groups[order], amounts[order]
        cum = np.cumsum(a)
        first = np.searchsorted(g, g, side="left")
        within = cum - (cum - a)[first]  # running total inside each pot, in order
        ok = within <= balance[g] + 1e-9  # once a need no longer fits, no later one does
        paid = np.empty(len(amounts), bool)
        paid[order] = ok
        spent_by_group = np.bincount(g[ok], weights=a[ok], minlength=len(balance))
        if self.bundled:
            self._draw_pooled(float(spent_by_group[0]))
        else:
            self.pots = np.maximum(0.0, self.pots - spent_by_group[: len(self.pots)])
        spent = float(spent_by_group.sum())
        self.ledger["livelihood_spent"] += spent
        self.ledger["livelihood_unfunded"] += need - spent
        return paid

    def _draw_pooled(self, amount: float) -> None:
        """Draw from the bundled pool, pot by pot."""
        for k in range(N_POTS):
            take = min(self.pots[k], amount)
            self.pots[k] -= take
            amount -= take
            if amount <= 0:
                break

    def spend_general(self, amount: float, item: str, keep: float = 0.0) -> float:
        """Pay up to ``amount`` from the general budget, leaving at least ``keep`` in hand
        (a reserve for wages); returns what was paid."""
        paid = min(max(self.general - keep, 0.0), amount)
        self.general -= paid
        self.ledger[item] += paid
        return paid

    def close_year(self) -> None:
        """Unspent livelihood money lapses; the general balance carries over."""
        self.ledger["livelihood_lapsed"] += float(self.pots.sum())
        self.pots[:] = 0.0


def own_revenue(p: Params) -> float:
    """The street's own revenue before donations (yuan/year): fees and charges
    (``money.own_revenue``) and rents of its shared spaces."""
    return p.money.own_revenue + p.facilities.shared_spaces * p.money.rent_per_shared_space
