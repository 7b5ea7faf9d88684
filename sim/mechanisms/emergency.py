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
from numba import njit

from sim.compiled import pairwise_sum
from sim.domain import DEPARTMENTS, EMERGENCY_TYPES, EMERGENCY_WARNING_DEPARTMENT
from sim.population import memory_shares
from sim.randomness.compiled import categorical_kernel, lognormal_mean

if TYPE_CHECKING:
    from sim.street import Street


N_DRAWS = 8
BLOCK_DAYS = 256
"""Days of uniforms drawn at once (any block size gives the same numbers)."""


@dataclass(slots=True)
class EmergencyState:
    """The emergency mechanism's own state (``street.emergency``)."""

    draws: np.ndarray = field(default_factory=lambda: np.empty((0, N_DRAWS)))
    """Uniforms of the days ahead, a row a day (:func:`todays_draws`), from row ``next_row``."""
    next_row: int = 0
    """The row of ``draws`` for the next day."""
    mobilised_until: int = -1
    """Last day staff are mobilised for an emergency (timebudget reads it)."""


WARNING_DEPT = np.array([DEPARTMENTS.index(EMERGENCY_WARNING_DEPARTMENT[e]) for e in EMERGENCY_TYPES])


@lru_cache(maxsize=256)
def daily_chance(rate_per_year: float) -> float:
    """Chance of at least one event in a day at ``rate_per_year`` (a Poisson process)."""
    return 1.0 - np.exp(-rate_per_year / 365.0)


def todays_draws(street: Street) -> np.ndarray:
    """The next day's ``N_DRAWS`` uniforms of the street's emergency stream (drawn
    ``BLOCK_DAYS`` days at a time into ``street.emergency.draws``)."""
    draw_ahead(street, 1)
    state = street.emergency
    state.next_row += 1
    return state.draws[state.next_row - 1]


def draw_ahead(street: Street, days: int) -> None:
    """Make sure ``street.emergency.draws`` holds at least ``days`` days of uniforms,
    drawing the next block(s) ahead when it does not (the emergency stream serves only
    these blocks, so drawing a block early gives the same numbers)."""
    state = street.emergency
    left = len(state.draws) - state.next_row
    if left < days:
        blocks = -(-(days - left) // BLOCK_DAYS)
        state.draws = np.concatenate([state.draws[state.next_row:], *(
            street.streams["emergency"].random((BLOCK_DAYS, N_DRAWS)) for _ in range(blocks))])
        state.next_row = 0


def daily(street: Street, t: int) -> None:
    """Maybe start an emergency or a false alarm today."""
    e = street.p.emergency
    u = todays_draws(street)
    if u[6] < daily_chance(e.false_alarm_rate):
        shares = memory_shares(street.p, street.cal.n_days)
        street.residents.shock(e.false_alarm_trust_loss, t, street.p, shares)
        street.emergencies.append(1, day=t, type=-1, false_alarm=True)
    if u[0] >= daily_chance(e.rate_per_year):
        return
    kind, warned, own_supplies, response, resolve, days = event_kernel(
        u, *rule(street), street.roster.skill, street.roster.filled)
    street.emergencies.append(1, day=t, type=kind, warned=warned, street_supplies=own_supplies,
                              response_h=response, resolve_h=resolve)
    street.emergency.mobilised_until = max(street.emergency.mobilised_until, t + days - 1)


def rule(street: Street) -> tuple:
    """The parameters of :func:`event_kernel` after the uniforms, in its order."""
    e = street.p.emergency
    return (np.asarray(e.type_mix, dtype=np.float64), np.asarray(street.p.data.data_shared, dtype=np.float64),
            WARNING_DEPT, float(e.iot_coverage), float(e.street_supplies), float(e.detect_hours_warned),
            float(e.detect_hours_unwarned), float(e.mobilise_hours), float(e.department_supply_hours),
            np.asarray(e.resolve_hours, dtype=np.float64), float(e.unskilled_slowdown),
            np.asarray(e.mobilised_days, dtype=np.float64))


@njit(cache=True)
def event_kernel(u: np.ndarray, type_mix: np.ndarray, data_shared: np.ndarray, warning_dept: np.ndarray,
                 iot_coverage: float, street_supplies: float, detect_warned: float, detect_unwarned: float,
                 mobilise_hours: float, supply_hours: float, resolve_hours: np.ndarray, slowdown: float,
                 mobilised_days: np.ndarray, skill: np.ndarray, filled: np.ndarray
                 ) -> tuple[int, bool, bool, float, float, int]:
    """An emergency from the day's uniforms ``u``: its type (``u[1]``), whether it was
    warned of (``u[2]`` against the warning department's data shared, ``u[3]`` against the
    IoT coverage) and met with the street's own supplies (``u[4]``); the response time,
    the resolution time (log-normal around the type's hours, slower with less skilled
    staff, ``u[5]``) and the days staff stay mobilised (compiled, also called by
    ``sim.month_loop``)."""
    kind = categorical_kernel(u[1:2], type_mix)[0]
    warned = u[2] < data_shared[warning_dept[kind]] or u[3] < iot_coverage
    own_supplies = u[4] < street_supplies
    detect = detect_warned if warned else detect_unwarned
    response = detect + mobilise_hours + (0.0 if own_supplies else supply_hours)
    n_held = 0
    for i in range(len(filled)):
        n_held += filled[i]
    skill_mean = pairwise_sum(skill[filled]) / n_held if n_held else 0.0  # ndarray.mean
    base = resolve_hours[kind] * (1.0 + slowdown * (1.0 - skill_mean))
    resolve = response + lognormal_mean(base, 0.5, u[5])
    return kind, warned, own_supplies, response, resolve, int(np.ceil(mobilised_days[kind]))
