"""Referral to social organisations (brief §3.4).

A suitable case goes to an organisation whose specialty fits and which has room left
this month; the street pays it a fee per case from its general budget, keeping the wage
reserve like every service purchase. The organisation
resolves the case with a probability raised by a professional team.

The organisations' state travels into the compiled kernels as a small table
(:func:`so_table`, a row per organisation): :func:`reserve_kernel` gives places,
:func:`refer_kernel` hands cases over (both called by the triage kernel of
``sim.mechanisms.triage``), and :func:`write_back` returns the changes to the agents.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from sim.calendar import HOURS_PER_DAY
from sim.cases import DR_SO_FAILED, DROPPED, RESOLVED, ROUTE_SO, ROUTE_STREET, U_SUCCESS
from sim.compiled import leaf
from sim.domain import CATEGORIES, CATEGORY_SO_SPECIALTIES, SO_SPECIALTIES
from sim.hours import np_minimum
from sim.mechanisms.money import wage_reserve
from sim.money import general_payment
from sim.randomness.compiled import lognormal_at, lognormal_mu

if TYPE_CHECKING:
    from sim.agents.socialorg import SocialOrganisation
    from sim.street import Street

FITS = np.array([[s in CATEGORY_SO_SPECIALTIES[c] for s in SO_SPECIALTIES] for c in CATEGORIES])
ROOM, USED, FUNDS, SPECIALTY, PROFESSIONAL, UID = range(6)
"""Columns of :func:`so_table`."""


def so_table(sos: list[SocialOrganisation]) -> np.ndarray:
    """A row per organisation: room, used this month, funds, specialty, professional
    team (1/0) and ``unique_id``, as floats."""
    return np.array([(so.room, so.used_this_month, so.funds, so.specialty, so.professional_team, so.unique_id)
                     for so in sos], dtype=np.float64).reshape(len(sos), 6)


def write_back(sos: list[SocialOrganisation], table: np.ndarray, rows: np.ndarray, taken: np.ndarray) -> None:
    """Places used this month, funds and cases taken (``taken`` more) of the
    organisations in ``rows``, from ``table`` to the agents."""
    added = taken.tolist()
    for j in rows.tolist():
        so = sos[j]
        row = table[j].tolist()
        so.used_this_month = row[USED]
        so.funds = row[FUNDS]
        so.cases_taken += added[j]


def rule(street: Street) -> tuple:
    """The parameters of :func:`refer_kernel` after the ledger, in its order."""
    r = street.p.referral
    return (float(r.fee_per_case), float(r.success), float(r.professional_bonus),
            float(r.service_delay_hours), float(street.p.cases.delay_sigma))


def handle(street: Street, ids: np.ndarray, t: int) -> None:
    """Hand cases given places (``street.intake.referral_to``) to their organisations; pay
    fees; draw outcomes."""
    if len(ids) == 0:
        return
    chosen = [street.intake.referral_to.pop(int(cid)) for cid in ids]
    sos = list({id(so): so for so in chosen}.values())
    row = {id(so): j for j, so in enumerate(sos)}
    table = so_table(sos)
    taken = np.zeros(len(sos), np.int64)
    cs = street.cases
    purse = street.purse
    so_of = np.array([row[id(so)] for so in chosen], dtype=np.int64)
    purse.general, fees = refer_kernel(
        np.asarray(ids, dtype=np.int64), so_of, table, taken, cs.handler, cs.u, cs.z_delay, cs.accepted_h,
        cs.planned_outcome, cs.planned_reason, cs.closed_h, cs.due_day, purse.general, wage_reserve(street),
        purse.ledger["so_fees"], *rule(street))
    purse.ledger["so_fees"] = fees
    write_back(sos, table, np.arange(len(sos)), taken)


@njit(cache=True)
def reserve_kernel(ids: np.ndarray, route: np.ndarray, hours: np.ndarray, category: np.ndarray,
                   fits: np.ndarray, table: np.ndarray, street_hours: np.ndarray, referral_hours: float
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Give each SO-routed case (in order) a place at the fitting organisation with the
    most room (the first of equals), at least one place; a case without one goes back to
    the street route, its referral hours replaced by street handling hours (``route``,
    ``hours`` and the table's places used are updated in place). Returns the row of each
    case's organisation (-1: none) and which organisations were given places (True)."""
    rooms = table[:, ROOM].copy()
    so_of = np.full(len(ids), -1, np.int64)
    reserved = np.zeros(len(rooms), np.bool_)
    for i in range(len(ids)):
        if route[i] != ROUTE_SO:
            continue
        cat = category[ids[i]]
        best, best_room = -1, 1.0 - 1e-9
        for j in range(len(rooms)):
            if fits[cat, int(table[j, SPECIALTY])] and rooms[j] > best_room:
                best, best_room = j, rooms[j]
        if best < 0:
            route[i] = ROUTE_STREET
            hours[i] += street_hours[cat] - referral_hours
        else:
            rooms[best] -= 1.0
            table[best, USED] += 1.0
            so_of[i] = best
            reserved[best] = True
    return so_of, reserved


@leaf
def release_kernel(so_of: np.ndarray, table: np.ndarray) -> None:
    """Undo the places of cases not admitted after all (``so_of``: their rows, -1: none)."""
    for i in range(len(so_of)):
        if so_of[i] >= 0:
            table[so_of[i], USED] -= 1.0


@leaf
def refer_kernel(ids: np.ndarray, so_of: np.ndarray, table: np.ndarray, taken: np.ndarray,
                 handler: np.ndarray, u: np.ndarray, z_delay: np.ndarray, accepted_h: np.ndarray,
                 planned_outcome: np.ndarray, planned_reason: np.ndarray, closed_h: np.ndarray,
                 due_day: np.ndarray, general: float, keep: float, fees: float, fee: float, success: float,
                 professional_bonus: float, service_delay: float, sigma: float) -> tuple[float, float]:
    """:func:`handle` over arrays (compiled): each case (in order) goes to its
    organisation (row ``so_of``), which takes it (``taken``) and is paid its fee from
    the general budget ``general`` keeping ``keep`` (the table's funds); outcome,
    closing time and due day. Returns the general budget and the ledger's fees after."""
    mu = lognormal_mu(service_delay, sigma)
    for i in range(len(ids)):
        c = ids[i]
        j = so_of[i]
        handler[c] = int(table[j, UID])
        taken[j] += 1
        paid = general_payment(general, keep, fee)
        general -= paid
        fees += paid
        table[j, FUNDS] += paid
        prob = np_minimum(success + professional_bonus * (1.0 if table[j, PROFESSIONAL] else 0.0), 0.99)
        ok = u[c, U_SUCCESS] < prob
        planned_outcome[c] = RESOLVED if ok else DROPPED
        planned_reason[c] = 0 if ok else DR_SO_FAILED
        close = accepted_h[c] + lognormal_at(mu, sigma, z_delay[c])
        closed_h[c] = close
        due_day[c] = math.floor(close / HOURS_PER_DAY)
    return general, fees
