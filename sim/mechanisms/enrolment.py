"""Coverage of eligible households (brief §2): found through shared data or contact.

Each month an eligible, unenrolled resident is found with probability
``data_match_monthly`` times the share of the relevant data (civil affairs, medical
insurance, disabled persons' federation) the street can see. Contact-based enrolment
happens when a livelihood case is resolved (``sim.mechanisms.feedback``). In January,
newly eligible residents appear and some leave eligibility.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.domain import DEPARTMENTS

if TYPE_CHECKING:
    from sim.street import Street

DATA_DEPTS = np.array([DEPARTMENTS.index(d) for d in ("civil_affairs", "medical_insurance",
                                                     "disabled_federation")])


def monthly(street: Street, t: int) -> None:
    """Monthly data matching; yearly inflow and exit of eligibility."""
    res = street.residents
    e = street.p.enrolment
    rng = street.streams["enrolment"]
    u = rng.random(res.n)
    if street.cal.month[t] == 1 and t > 0:
        leave = res.eligible & (u < e.exit_per_year)
        res.eligible[leave] = False
        res.enrolled[leave] = False
        new = ~res.eligible & (u > 1.0 - street.p.population.eligibility_inflow)
        res.eligible[new] = True
        u = rng.random(res.n)
    visible = float(np.mean(street.p.data.data_shared[DATA_DEPTS]))
    found = res.eligible & ~res.enrolled & (u < e.data_match_monthly * visible)
    res.enrolled[found] = True
    street.enrolment_found += int(found.sum())
