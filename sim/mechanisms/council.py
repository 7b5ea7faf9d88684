"""Resident councils: proposals and their adoption (brief §2, §4B).

Each month every council brings proposals - a functioning council more, and with a
better chance of adoption, than a formal one. Revival (a reform lever) turns formal
councils into functioning ones at the start of each year. The adoption share emerges
from the mix of functioning and formal councils.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.street import Street


def monthly(street: Street, t: int) -> None:
    """Draw this month's proposals and the street's decisions on them."""
    c = street.p.council
    rng = street.streams["council"]
    if street.cal.month[t] == 1 or t == 0:
        revive = street.has_council & ~street.council_functioning
        street.council_functioning |= revive & (rng.random(len(revive)) < c.functioning_gain_per_year)
    rate = np.where(street.council_functioning, c.proposals_functioning,
                    np.where(street.has_council, c.proposals_formal, 0.0))
    n = rng.poisson(rate)
    total = int(n.sum())
    if total == 0:
        return
    community = np.repeat(np.arange(len(n)), n)
    functioning = street.council_functioning[community]
    adopt_p = np.where(functioning, c.adopt_functioning, c.adopt_formal)
    adopted = rng.random(total) < adopt_p
    street.council_log.append(total, day=t, community=community, functioning=functioning,
                              adopted=adopted)
