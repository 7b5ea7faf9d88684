"""Resident councils: proposals and their adoption (brief §2, §4B).

Each month every council brings proposals - a functioning council more, and with a
better chance of adoption, than a formal one. Revival (a reform lever) turns formal
councils into functioning ones at the start of each year. The adoption share emerges
from the mix of functioning and formal councils.

Its own state is :class:`CouncilState` (``street.councils``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

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
    """Draw this month's proposals and the street's decisions on them."""
    c = street.p.council
    rng = street.streams["council"]
    if street.cal.month[t] == 1 or t == 0:
        revive = street.councils.present & ~street.councils.functioning
        street.councils.functioning |= revive & (rng.random(len(revive)) < c.functioning_gain_per_year)
    rate = np.where(street.councils.functioning, c.proposals_functioning,
                    np.where(street.councils.present, c.proposals_formal, 0.0))
    n = rng.poisson(rate)
    total = int(n.sum())
    if total == 0:
        return
    community = np.repeat(np.arange(len(n)), n)
    functioning = street.councils.functioning[community]
    adopt_p = np.where(functioning, c.adopt_functioning, c.adopt_formal)
    adopted = rng.random(total) < adopt_p
    street.council_log.append(total, day=t, community=community, functioning=functioning,
                              adopted=adopted)
