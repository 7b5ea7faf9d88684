"""Coverage of eligible households (brief §2): found through shared data or contact.

Each month an eligible, unenrolled resident is found with probability
``data_match_monthly`` times the share of the relevant data (civil affairs, medical
insurance, disabled persons' federation) the street can see. Contact-based enrolment
happens when a livelihood case is resolved (``sim.mechanisms.feedback``). In January,
newly eligible residents appear and some leave eligibility. The month's work is one
compiled kernel (:func:`enrol_kernel`) on the uniforms of the residents it can find
(:func:`monthly`).

Its own state is :class:`EnrolmentState` (``street.enrolment``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from sim.compiled import pairwise_sum
from sim.domain import DEPARTMENTS
from sim.randomness.pcg64 import fill_uniforms, uniforms_at

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
    """Monthly data matching; yearly inflow and exit of eligibility.

    The stream gives one uniform per resident a month (``rng.random(n)``), and in
    January a second block for the matching, as ever; only the uniforms the rule reads
    are made (:func:`sim.randomness.pcg64.uniforms_at`; January's first block, read by
    every resident, in full): resident ``i`` is matched by the ``i``-th uniform of the
    matching block when eligible and unenrolled (:func:`enrol_kernel`)."""
    res = street.residents
    e = street.p.enrolment
    rng = street.streams["enrolment"]
    if street.cal.month[t] == 1 and t > 0:
        year_turn_kernel(fill_uniforms(rng, res.n), res.eligible, res.enrolled, float(e.exit_per_year),
                         1.0 - street.p.population.eligibility_inflow)
    who = candidates(res.eligible, res.enrolled)
    street.enrolment.found += enrol_kernel(
        who, uniforms_at(rng, who, res.n), res.enrolled, float(e.data_match_monthly),
        street.p.data.data_shared, DATA_DEPTS)


@njit(cache=True)
def year_turn_kernel(u: np.ndarray, eligible: np.ndarray, enrolled: np.ndarray, exit_prob: float,
                     new_above: float) -> None:
    """January's turn of eligibility, in place (compiled): eligible residents with ``u <
    exit_prob`` leave eligibility (and enrolment), then the others with ``u > new_above``
    become eligible."""
    for i in range(len(u)):
        if eligible[i] and u[i] < exit_prob:
            eligible[i] = False
            enrolled[i] = False
        if not eligible[i] and u[i] > new_above:
            eligible[i] = True


@njit(cache=True)
def candidates(eligible: np.ndarray, enrolled: np.ndarray) -> np.ndarray:
    """The eligible, unenrolled residents, rising. The flags are read eight at a time (as
    64-bit words: a byte of ``eligible & ~enrolled`` is non-zero where a resident is one);
    a block of eight with none is skipped whole."""
    n = len(eligible)
    out = np.empty(n, np.int64)
    k = 0
    blocks = n // 8
    eligible8 = eligible[: 8 * blocks].view(np.uint64)
    enrolled8 = enrolled[: 8 * blocks].view(np.uint64)
    for b in range(blocks):
        if eligible8[b] & ~enrolled8[b]:
            for i in range(8 * b, 8 * b + 8):
                out[k] = i
                k += eligible[i] and not enrolled[i]
    for i in range(8 * blocks, n):
        out[k] = i
        k += eligible[i] and not enrolled[i]
    return out[:k]


@njit(cache=True)
def enrol_kernel(who: np.ndarray, u_match: np.ndarray, enrolled: np.ndarray, data_match: float,
                 data_shared: np.ndarray, data_depts: np.ndarray) -> int:
    """One month's matching, in place (compiled): residents ``who`` with ``u_match <
    data_match * visible`` are enrolled, ``visible`` being the mean share of data the
    street sees from ``data_depts``. Returns how many were enrolled."""
    visible = np.empty(len(data_depts))
    for j in range(len(data_depts)):
        visible[j] = data_shared[data_depts[j]]
    chance = data_match * (pairwise_sum(visible) / len(visible))
    found = 0
    for k in range(len(who)):
        if u_match[k] < chance:
            enrolled[who[k]] = True
            found += 1
    return found
