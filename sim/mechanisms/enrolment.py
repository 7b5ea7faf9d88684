"""Coverage of eligible households (brief §2): found through shared data or contact.

Each month an eligible, unenrolled resident is found with probability
``data_match_monthly`` times the share of the relevant data (civil affairs, medical
insurance, disabled persons' federation) the street can see. Contact-based enrolment
happens when a livelihood case is resolved (``sim.mechanisms.feedback``). In January,
newly eligible residents appear and some leave eligibility. The month's work is one
compiled kernel (:func:`enrol_kernel`), with the uniforms drawn in Python as before.

Its own state is :class:`EnrolmentState` (``street.enrolment``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from sim.compiled import pairwise_sum
from sim.domain import DEPARTMENTS

if TYPE_CHECKING:
    from sim.street import Street


@dataclass(slots=True)
class EnrolmentState:
    """The enrolment mechanism's own state (``street.enrolment``)."""

    found: int = 0
    """Eligible residents found and enrolled by outreach so far (:func:`monthly`)."""


DATA_DEPTS = np.array([DEPARTMENTS.index(d) for d in ("civil_affairs", "medical_insurance",
                                                     "disabled_federation")])


def monthly(street: Street, t: int) -> None:
    """Monthly data matching; yearly inflow and exit of eligibility: the month's
    uniforms (``rng.random(n)``, twice in January: the second for the matching) drawn
    first, then :func:`enrol_kernel`."""
    res = street.residents
    e = street.p.enrolment
    rng = street.streams["enrolment"]
    u = rng.random(res.n)
    january = bool(street.cal.month[t] == 1 and t > 0)
    u_match = rng.random(res.n) if january else u
    street.enrolment.found += enrol_kernel(
        january, u, u_match, res.eligible, res.enrolled, float(e.exit_per_year),
        1.0 - street.p.population.eligibility_inflow, float(e.data_match_monthly), street.p.data.data_shared,
        DATA_DEPTS)


@njit(cache=True)
def enrol_kernel(january: bool, u: np.ndarray, u_match: np.ndarray, eligible: np.ndarray,
                 enrolled: np.ndarray,
                 exit_prob: float, new_above: float, data_match: float, data_shared: np.ndarray,
                 data_depts: np.ndarray) -> int:
    """One month of enrolment, in place (compiled). In ``january``, eligible residents
    with ``u < exit_prob`` leave eligibility (and enrolment), then the others with ``u >
    new_above`` become eligible. Then eligible, unenrolled residents with ``u_match <
    data_match * visible`` are enrolled, ``visible`` being the mean share of data the
    street sees from ``data_depts``. Returns how many were enrolled."""
    visible = np.empty(len(data_depts))
    for j in range(len(data_depts)):
        visible[j] = data_shared[data_depts[j]]
    chance = data_match * (pairwise_sum(visible) / len(visible))
    found = 0
    for i in range(len(u)):
        if january:
            if eligible[i] and u[i] < exit_prob:
                eligible[i] = False
                enrolled[i] = False
            if not eligible[i] and u[i] > new_above:
                eligible[i] = True
        if eligible[i] and not enrolled[i] and u_match[i] < chance:
            enrolled[i] = True
            found += 1
    return found
