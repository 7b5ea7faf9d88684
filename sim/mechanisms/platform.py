"""The street's digital platform (brief §4C, §5): built, paid for, joined, or decaying.

A platform is *built* (``street.platform.progress``, 0-1, starting at 0: brief §2, most
streets have none) only as build instalments are paid: each month a full instalment
(``platform.build_cost_per_year / 12``) adds ``1 / build_months``, a part of one adds that
part; once built, no more instalments fall due. Its *health* (0-1, starting at 1) moves
towards the share of the month's dues (build instalment and running cost) actually paid,
with time constant ``decay_months``: a platform whose running costs go unpaid stalls and
decays. Each month the street pays what is due from its general budget, after everything
else and keeping its wage reserve - the build instalment and the share ``running_funded``
of the running cost. The platform's *level* is ``progress * health``.

District departments join the street data centre by agreement (``street.platform.joined``):
once building has started, each department not yet joined signs with probability
``data.join_prob_monthly`` a month (the stressor ``data_refusal`` lowers it).

Level and agreements are read at the start of a month (:func:`apply`) and updated by
that month's payment (:func:`pay`), so a missed payment shows from the next month.

The platform carries the digital parameters in :data:`PLATFORM_KEYS`. Their scheduled
values describe the platform built, working and joined by every department; what a
mechanism sees lies between those and ``legacy``, the scenario's value before any lever
(the street's systems, data links and inbox routine without the platform):

* a department's visible data (``data.data_shared``) is its scheduled share where it has
  joined, at the platform's level, and its legacy share where it has not;
* the systems staff must use and the systems a record goes into move from legacy towards
  the scheduled values by ``level * joined share``: a department's vertical system is
  retired into the platform only once the department has joined;
* the others (online inbox, digital access, sensors, instant dispatch) follow the level
  alone.

Residents' digital access follows its parameter (voice navigation makes the channel
usable, or stops doing so), flipping as few residents as needed.

Its own state is :class:`PlatformState` (``street.platform``), which keeps the scheduled
values; :func:`apply` is the one mechanism that sets the street's parameters in force
(``street.p``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.domain import DEPARTMENTS
from sim.mechanisms.money import wage_reserve
from sim.params.values import Params, spec_of

if TYPE_CHECKING:
    from sim.street import Street


@dataclass(slots=True)
class PlatformState:
    """The street platform and the data centre (``street.platform``)."""

    design: Params
    """Scheduled parameter values (``Street.set_params``); :func:`apply` sets the street's
    parameters in force, ``street.p``, from them and the platform's level."""
    digital_access: np.ndarray
    """Digital access the residents were last synced to (:func:`sync_digital_access`)."""
    progress: float = 0.0
    """Share of the platform built, 0-1 (:func:`pay`; brief §2: most streets have none)."""
    health: float = 1.0
    """Share of running costs paid, with memory ``decay_months`` (:func:`pay`)."""
    joined: np.ndarray = field(default_factory=lambda: np.zeros(len(DEPARTMENTS), bool))
    """Departments that signed a data-centre agreement (:func:`join`)."""
    blended: tuple | None = None
    """The last :func:`effective_params` call of :func:`apply`: ``(design, legacy, level,
    joined, result)``; the same inputs give the same parameters, so they are reused."""


PLATFORM_KEYS: tuple[str, ...] = (
    "data.systems_in_use",
    "data.systems_per_record",
    "data.data_shared",
    "demand.online_check_days",
    "population.digital_access",
    "emergency.iot_coverage",
    "cases.instant_dispatch",
)
"""Parameters whose scheduled values hold only while the platform works."""

JOINED_KEYS: frozenset[str] = frozenset({"data.systems_in_use", "data.systems_per_record"})
"""Platform keys that move only as far as departments have joined the data centre."""

HEALTHY = 1.0 - 1e-9


def level(street: Street) -> float:
    """How far the platform works: build progress times health (0-1)."""
    return street.platform.progress * street.platform.health


def apply(street: Street) -> None:
    """Month start: the parameters in force given the platform's level and the
    departments' agreements; residents' digital access follows them."""
    legacy = getattr(street.model.scenario, "values", None)
    lv = level(street)
    if legacy is None or (lv >= HEALTHY and street.platform.joined.all()):
        street.p = street.platform.design
    else:
        state = street.platform
        last = state.blended
        if (last is not None and last[0] is state.design and last[1] is legacy and last[2] == lv
                and np.array_equal(last[3], state.joined)):
            street.p = last[4]
        else:
            street.p = effective_params(state.design, legacy, lv, state.joined)
            state.blended = (state.design, legacy, lv, state.joined.copy(), street.p)
    sync_digital_access(street)


def pay(street: Street) -> None:
    """Pay this month's platform dues from the general budget; update build progress,
    health and the departments' agreements."""
    pl = street.platform.design.platform
    building = street.platform.progress < 1.0 and pl.build_cost_per_year > 0
    build_due = pl.build_cost_per_year / 12.0 if building else 0.0
    due = build_due + pl.running_cost_per_year / 12.0
    if due > 0:
        offered = build_due + pl.running_cost_per_year * pl.running_funded / 12.0
        paid = street.purse.spend_general(offered, "platform_spent", wage_reserve(street))
        street.purse.ledger["platform_unpaid"] += due - paid
        if build_due > 0:
            built = paid / offered * build_due  # dues are paid pro rata
            street.platform.progress = min(
                1.0, street.platform.progress + built / build_due / pl.build_months)
        street.platform.health += (paid / due - street.platform.health) / pl.decay_months
    join(street)


def join(street: Street) -> None:
    """Departments not yet in the data centre sign an agreement with their monthly
    probability, once building has started."""
    if street.platform.progress <= 0 or street.platform.joined.all():
        return
    prob = street.platform.design.data.join_prob_monthly
    draws = street.streams["platform"].random(len(DEPARTMENTS))
    street.platform.joined |= draws < prob


def effective_params(design: Params, legacy: dict[str, Any], lv: float,
                     joined: np.ndarray | None = None) -> Params:
    """Parameters with the platform at level ``lv`` and departments ``joined``: platform
    keys blended towards legacy (every department joined when ``joined`` is None)."""
    raw = design.raw
    joined = np.ones(len(DEPARTMENTS), bool) if joined is None else joined
    merged = lv * float(joined.mean())
    changes = {}
    for k in PLATFORM_KEYS:
        if legacy[k] == raw[k]:
            continue
        if k == "data.data_shared":
            changes[k] = {d: blend(k, legacy[k][d], raw[k][d], lv * float(joined[i]))
                          for i, d in enumerate(DEPARTMENTS)}
        else:
            changes[k] = blend(k, legacy[k], raw[k], merged if k in JOINED_KEYS else lv)
    return design.replace(changes) if changes else design


def blend(key: str, legacy: Any, design: Any, weight: float) -> Any:
    """``legacy + weight * (design - legacy)`` for numbers and tables (rounded for
    integers); flags keep the design value while the weight is at least one half."""
    if isinstance(design, dict):
        return {k: blend(key, legacy[k], design[k], weight) for k in design}
    if isinstance(design, bool):
        return design if weight >= 0.5 else legacy
    value = legacy + weight * (design - legacy)
    return int(round(value)) if spec_of(key).kind == "int" else float(value)


def sync_digital_access(street: Street) -> None:
    """Residents' digital access follows its parameter when that has changed."""
    target = street.p.population.digital_access
    if np.array_equal(target, street.platform.digital_access):
        return
    street.residents.sync_digital(street.p, street.streams["population"])
    street.platform.digital_access = target.copy()
