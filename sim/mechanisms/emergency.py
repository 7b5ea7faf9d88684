"""Emergencies (brief §3.7): detection and warning, supplies, staff mobilisation.

Each day takes a fixed block of uniforms from the emergency stream, so the same seed
gives the same emergencies in every scenario; what differs is whether a warning arrives
(department data shared, IoT sensors), where supplies are, and how skilled staff are.
The stream serves nothing else, so its uniforms are drawn :data:`BLOCK_DAYS` days at a
time (the same numbers, in the same order, as a draw a day) and most days cost two
comparisons.

Its own state is :class:`EmergencyState` (``street.emergency``); staff time reads
the mobilisation from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from sim.domain import DEPARTMENTS, EMERGENCY_TYPES, EMERGENCY_WARNING_DEPARTMENT
from sim.randomness import categorical
from sim.randomness.compiled import lognormal_mean

if TYPE_CHECKING:
    from sim.street import Street


@dataclass(slots=True)
class EmergencyState:
    """The emergency mechanism's own state (``street.emergency``)."""

    draws: list[list[float]] = field(default_factory=list)
    """Uniforms of the days ahead, last day first (:func:`todays_draws`)."""
    mobilised_until: int = -1
    """Last day staff are mobilised for an emergency (timebudget reads it)."""


WARNING_DEPT = np.array([DEPARTMENTS.index(EMERGENCY_WARNING_DEPARTMENT[e]) for e in EMERGENCY_TYPES])
N_DRAWS = 8
BLOCK_DAYS = 256
"""Days of uniforms drawn at once (any block size gives the same numbers)."""


@lru_cache(maxsize=256)
def daily_chance(rate_per_year: float) -> float:
    """Chance of at least one event in a day at ``rate_per_year`` (a Poisson process)."""
    return 1.0 - np.exp(-rate_per_year / 365.0)


def todays_draws(street: Street) -> list[float]:
    """The next day's ``N_DRAWS`` uniforms of the street's emergency stream (drawn
    ``BLOCK_DAYS`` days at a time into ``street.emergency.draws``, last day first)."""
    draw_ahead(street, 1)
    return street.emergency.draws.pop()


def draw_ahead(street: Street, days: int) -> None:
    """Make sure ``street.emergency.draws`` holds at least ``days`` days of uniforms,
    drawing the next block(s) ahead when it does not (the emergency stream serves only
    these blocks, so drawing a block early gives the same numbers)."""
    block = street.emergency.draws
    while len(block) < days:
        block[:0] = street.streams["emergency"].random((BLOCK_DAYS, N_DRAWS)).tolist()[::-1]


def daily(street: Street, t: int) -> None:
    """Maybe start an emergency or a false alarm today."""
    e = street.p.emergency
    u = todays_draws(street)
    if u[6] < daily_chance(e.false_alarm_rate):
        street.residents.shock(e.false_alarm_trust_loss, t, street.p)
        street.emergencies.append(1, day=t, type=-1, false_alarm=True)
    if u[0] >= daily_chance(e.rate_per_year):
        return
    kind = int(categorical(np.array([u[1]]), e.type_mix)[0])
    shared = street.p.data.data_shared[WARNING_DEPT[kind]]
    warned = bool(u[2] < shared or u[3] < e.iot_coverage)
    own_supplies = bool(u[4] < e.street_supplies)
    detect = e.detect_hours_warned if warned else e.detect_hours_unwarned
    response = detect + e.mobilise_hours + (0.0 if own_supplies else e.department_supply_hours)
    r = street.roster
    skill = float(r.skill[r.filled].mean()) if r.filled.any() else 0.0
    base = e.resolve_hours[kind] * (1.0 + e.unskilled_slowdown * (1.0 - skill))
    resolve = response + lognormal_mean(float(base), 0.5, u[5])
    street.emergencies.append(1, day=t, type=kind, warned=warned, street_supplies=own_supplies,
                              response_h=response, resolve_h=resolve)
    days = int(np.ceil(e.mobilised_days[kind]))
    street.emergency.mobilised_until = max(street.emergency.mobilised_until, t + days - 1)
