"""Resident councils: proposals and their adoption (brief §2, §4B).

Each month every council brings proposals - a functioning council more, and with a
better chance of adoption, than a formal one. Revival (a reform lever) turns formal
councils into functioning ones at the start of each year. The adoption share emerges
from the mix of functioning and formal councils. A month's draws are one compiled call
(:func:`proposals_kernel`).

Its own state is :class:`CouncilState` (``street.councils``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from sim.randomness.compiled import POISSON_MULT_BELOW, poisson_small
from sim.randomness.pcg64 import live_state, live_uniform

if TYPE_CHECKING:
    from sim.street import Street


@dataclass(slots=True)
class CouncilState:
    """The communities' resident councils (``street.councils``)."""

    present: np.ndarray
    """Community has a council, formal or functioning (drawn when the street is built)."""
    functioning: np.ndarray
    """Community's council actually functions (:func:`monthly` revives councils)."""



def monthly(street: Street, t: int) -> None:
    """Draw this month's proposals and the street's decisions on them: one compiled call
    (:func:`proposals_kernel`) drawing from the stream's live state, or the same draws
    in NumPy (:func:`_proposals_numpy`) for a mean beyond what the kernel draws."""
    c = street.p.council
    rng = street.streams["council"]
    councils = street.councils
    revive = bool(street.cal.month[t] == 1 or t == 0)
    rates = (float(c.proposals_functioning), float(c.proposals_formal))
    if max(rates) < POISSON_MULT_BELOW:
        community, functioning, adopted = proposals_kernel(
            live_state(rng), revive, councils.present, councils.functioning,
            float(c.functioning_gain_per_year), *rates, float(c.adopt_functioning), float(c.adopt_formal))
    else:
        community, functioning, adopted = _proposals_numpy(street, rng, revive)
    if len(community):
        street.council_log.append(len(community), day=t, community=community, functioning=functioning,
                                  adopted=adopted)


def _proposals_numpy(street: Street, rng: np.random.Generator, revive: bool
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`proposals_kernel` in NumPy (any mean of proposals)."""
    c = street.p.council
    councils = street.councils
    if revive:
        reviving = councils.present & ~councils.functioning
        councils.functioning |= reviving & (rng.random(len(reviving)) < c.functioning_gain_per_year)
    rate = np.where(councils.functioning, c.proposals_functioning,
                    np.where(councils.present, c.proposals_formal, 0.0))
    n = rng.poisson(rate)
    community = np.repeat(np.arange(len(n)), n)
    functioning = councils.functioning[community]
    adopted = rng.random(len(community)) < np.where(functioning, c.adopt_functioning, c.adopt_formal)
    return community, functioning, adopted


@njit(cache=True)
def proposals_kernel(words: np.ndarray, revive: bool, present: np.ndarray, functioning: np.ndarray,
                     gain: float, rate_functioning: float, rate_formal: float, adopt_functioning: float,
                     adopt_formal: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A month's proposals (compiled), drawn from the stream whose live state is ``words``
    as NumPy would draw them: when ``revive``, one uniform per community, reviving a
    formal council below ``gain`` (``functioning`` in place); then each community's
    proposals, Poisson with the mean of its council (none without one; means below
    :data:`~sim.randomness.compiled.POISSON_MULT_BELOW`); then one uniform per
    proposal, adopted below its council's adoption chance. Returns each proposal's
    community, whether its council functions and whether it was adopted."""
    n_comm = len(present)
    if revive:
        for i in range(n_comm):
            u = live_uniform(words)
            if present[i] and not functioning[i] and u < gain:
                functioning[i] = True
    counts = np.empty(n_comm, np.int64)
    total = 0
    for i in range(n_comm):
        lam = rate_functioning if functioning[i] else (rate_formal if present[i] else 0.0)
        counts[i] = poisson_small(words, lam)
        total += counts[i]
    community = np.empty(total, np.int64)
    flags = np.empty(2 * total, np.bool_)  # whether the council functions, then adopted
    council_functions, adopted = flags[:total], flags[total:]
    k = 0
    for i in range(n_comm):
        for _ in range(counts[i]):
            community[k] = i
            council_functions[k] = functioning[i]
            k += 1
    for k in range(total):
        adopted[k] = live_uniform(words) < (adopt_functioning if council_functions[k] else adopt_formal)
    return community, council_functions, adopted
