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

Paying case needs (:func:`pay_needs_kernel`) and one payment from the general budget
(:func:`general_payment`) are compiled, so the triage kernel (``sim.mechanisms.triage``)
pays with the same rules as :class:`Purse`; the ledger is booked by the purse.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.compiled import pairwise_sum
from sim.domain import FUND_POTS
from sim.hours import np_maximum
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
        """Credit ``amount`` from ``source`` (:func:`receive_kernel`)."""
        ledger = self.ledger
        totals = np.array([ledger[source], ledger["arrived"], ledger["arrived_own_year"],
                           ledger["other_spent"]])
        self.general = receive_kernel(float(amount), bool(own_year), float(p.money.livelihood_share),
                                      np.asarray(p.money.pot_allocation, dtype=np.float64),
                                      float(p.money.committed_share), self.pots, totals, float(self.general))
        ledger[source], ledger["arrived"], ledger["arrived_own_year"], ledger["other_spent"] = totals.tolist()

    def pay_needs(self, pots: np.ndarray, amounts: np.ndarray) -> np.ndarray:
        """Fund case needs in the order given; returns which were paid in full.

        Each pot pays its needs in order until the next one no longer fits; that need
        and every later one of the pot go unfunded (the pot has run dry for the day).
        With bundled funds there is one pool for all needs.
        """
        amounts = np.ascontiguousarray(amounts, dtype=np.float64)
        paid, need, spent = pay_needs_kernel(np.ascontiguousarray(pots, dtype=np.int64), amounts,
                                             self.pots, self.bundled)
        self.book_needs(len(amounts), need, spent)
        return paid

    def book_needs(self, n: int, need: float, spent: float) -> None:
        """Enter ``n`` case needs totalling ``need``, of which ``spent`` was paid."""
        self.ledger["livelihood_need"] += need
        if n:
            self.ledger["livelihood_spent"] += spent
            self.ledger["livelihood_unfunded"] += need - spent

    def spend_general(self, amount: float, item: str, keep: float = 0.0) -> float:
        """Pay up to ``amount`` from the general budget, leaving at least ``keep`` in hand
        (a reserve for wages); returns what was paid."""
        paid = general_payment(self.general, keep, amount)
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


@njit(cache=True)
def general_payment(general: float, keep: float, amount: float) -> float:
    """What the general budget pays towards ``amount`` keeping ``keep`` in hand:
    ``min(max(general - keep, 0.0), amount)`` as Python's ``min``/``max`` pick."""
    spare = general - keep
    if spare < 0.0:
        spare = 0.0
    return amount if amount < spare else spare


@njit(cache=True)
def pay_needs_kernel(pots: np.ndarray, amounts: np.ndarray, balances: np.ndarray, bundled: bool
                     ) -> tuple[np.ndarray, float, float]:
    """:meth:`Purse.pay_needs` over arrays (compiled): funds needs ``amounts`` from pots
    ``pots`` (``balances``, drawn in place), each pot's needs in order until one no
    longer fits. Returns which were paid, the total need and the total spent (the sums
    NumPy's ``sum`` and ``bincount`` give)."""
    n = len(amounts)
    need = pairwise_sum(amounts)
    paid = np.zeros(n, np.bool_)
    if n == 0:
        return paid, need, 0.0
    groups = np.zeros(n, np.int64) if bundled else pots
    balance = np.full(1, pairwise_sum(balances)) if bundled else balances
    order = np.arange(n)  # by pot, in the given order within a pot (a stable sort)
    for i in range(1, n):
        j, o = i, order[i]
        while j > 0 and groups[order[j - 1]] > groups[o]:
            order[j] = order[j - 1]
            j -= 1
        order[j] = o
    n_groups = len(balance)
    for i in range(n):
        n_groups = max(n_groups, groups[i] + 1)
    spent_by_group = np.zeros(n_groups)
    cum = 0.0  # running total over all needs, in sorted order
    start = 0.0
    for i in range(n):
        g = groups[order[i]]
        a = amounts[order[i]]
        cum += a
        if i == 0 or g != groups[order[i - 1]]:
            start = cum - a  # the running total before the pot's first need
        if cum - start <= balance[g] + 1e-9:  # once a need no longer fits, no later one does
            paid[order[i]] = True
    for i in range(n):  # in sorted order, as bincount adds
        j = order[i]
        if paid[j]:
            spent_by_group[groups[j]] += amounts[j]
    if bundled:
        amount = spent_by_group[0]
        for k in range(len(balances)):  # draw the pool pot by pot
            take = amount if amount < balances[k] else balances[k]
            balances[k] -= take
            amount -= take
            if amount <= 0:
                break
    else:
        for k in range(len(balances)):
            balances[k] = np_maximum(0.0, balances[k] - spent_by_group[k])
    return paid, need, pairwise_sum(spent_by_group)


@njit(cache=True)
def receive_kernel(amount: float, own_year: bool, livelihood_share: float, pot_allocation: np.ndarray,
                   committed_share: float, pots: np.ndarray, totals: np.ndarray, general: float) -> float:
    """Money arriving: ``amount`` is added to ``totals`` (the source's ledger item, all
    arrivals, arrivals of the budget's own year when ``own_year``, committed spending),
    its livelihood share to the pots by allocation, the committed share of the rest spent,
    and what is left to the general budget; returns the new general budget. Nothing for an
    amount of zero or less (compiled; ``sim.month_loop`` credits transfers with it)."""
    if amount <= 0:
        return general
    totals[0] += amount
    totals[1] += amount
    if own_year:
        totals[2] += amount
    live = amount * livelihood_share
    for j in range(len(pots)):
        pots[j] += live * pot_allocation[j]
    committed = (amount - live) * committed_share
    totals[3] += committed
    return general + (amount - live - committed)
