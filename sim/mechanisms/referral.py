"""Referral to social organisations (brief §3.4).

A suitable case goes to an organisation whose specialty fits and which has room left
this month; the street pays it a fee per case from its general budget, keeping the wage
reserve like every service purchase. The organisation
resolves the case with a probability raised by a professional team.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.cases import DR_SO_FAILED, DROPPED, RESOLVED, ROUTE_SO, ROUTE_STREET, U_SUCCESS
from sim.domain import CATEGORIES, CATEGORY_SO_SPECIALTIES, SO_SPECIALTIES
from sim.draws import lognormal_from_z
from sim.mechanisms.money import wage_reserve

if TYPE_CHECKING:
    from sim.street import Street

FITS = np.array([[s in CATEGORY_SO_SPECIALTIES[c] for s in SO_SPECIALTIES] for c in CATEGORIES])


def reserve(street: Street, ids: np.ndarray, route: np.ndarray, hours: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """Give each SO-routed case a place at a fitting organisation with room, or send it
    back to the street route (with street handling hours instead of referral hours)."""
    cs = street.cases
    c = street.p.cases
    route = route.copy()
    hours = hours.copy()
    street.referral_to = {}
    rows = np.flatnonzero(route == ROUTE_SO)
    if len(rows) == 0:
        return route, hours
    sos = street.sos
    rooms = [so.room for so in sos]
    fitting = [[j for j, so in enumerate(sos) if FITS[c, so.specialty]] for c in range(len(CATEGORIES))]
    cats = cs.category[ids[rows]].tolist()
    for i, cat in zip(rows.tolist(), cats, strict=True):
        best, best_room = -1, 1.0 - 1e-9
        for j in fitting[cat]:
            if rooms[j] > best_room:
                best, best_room = j, rooms[j]
        if best < 0:
            route[i] = ROUTE_STREET
            hours[i] += c.street_handling_hours[cat] - c.referral_hours
        else:
            rooms[best] -= 1.0
            sos[best].used_this_month += 1
            street.referral_to[int(ids[i])] = sos[best]
    return route, hours


def release(street: Street, ids: np.ndarray, route: np.ndarray) -> None:
    """Undo reservations of cases that were not admitted after all."""
    for i in np.flatnonzero(route == ROUTE_SO):
        so = street.referral_to.pop(int(ids[i]), None)
        if so is not None:
            so.used_this_month -= 1


def handle(street: Street, ids: np.ndarray, t: int) -> None:
    """Hand reserved cases to their organisations; pay fees; draw outcomes."""
    if len(ids) == 0:
        return
    cs = street.cases
    r = street.p.referral
    prof = np.zeros(len(ids), bool)
    keep = wage_reserve(street)  # fees are service purchases: wages come first
    for j, cid in enumerate(ids):
        so = street.referral_to.pop(int(cid))
        cs.handler[cid] = so.unique_id
        prof[j] = so.professional_team
        so.cases_taken += 1
        so.funds += street.purse.spend_general(r.fee_per_case, "so_fees", keep)
    prob = np.minimum(r.success + r.professional_bonus * prof, 0.99)
    success = cs.u[ids, U_SUCCESS] < prob
    cs.planned_outcome[ids] = np.where(success, RESOLVED, DROPPED)
    cs.planned_reason[ids] = np.where(success, 0, DR_SO_FAILED)
    close_h = cs.accepted_h[ids] + lognormal_from_z(r.service_delay_hours, street.p.cases.delay_sigma,
                                                    cs.z_delay[ids])
    cs.closed_h[ids] = close_h
    cs.due_day[ids] = np.floor(close_h / 24.0).astype(np.int32)
