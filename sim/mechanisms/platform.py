"""The street's digital platform (brief §4C, §5): paid for, or decaying.

A platform exists when build instalments or running costs are due
(``platform.build_cost_per_year``, ``platform.running_cost_per_year``). Each month the
street pays what is due from its general budget, after everything else and keeping its
wage reserve - all build instalments, and the share ``running_funded`` of the running
cost. The platform's *health* (0-1, starting at 1)
moves towards the share of the month's dues actually paid, with time constant
``decay_months``: a platform whose running costs go unpaid stalls and decays.

Health is read at the start of a month (:func:`apply`) and updated by that month's
payment (:func:`pay`), so a missed payment shows from the next month.

The platform carries the digital parameters in :data:`PLATFORM_KEYS`. Their scheduled
values describe the platform working; at health ``h`` each mechanism sees
``legacy + h * (scheduled - legacy)``, where ``legacy`` is the scenario's value before
any lever (the street's systems, data links and inbox routine without the platform).
Residents' digital access follows its parameter (voice navigation makes the channel
usable, or stops doing so), flipping as few residents as needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sim.mechanisms.money import wage_reserve
from sim.params.values import Params, spec_of

if TYPE_CHECKING:
    from sim.street import Street

PLATFORM_KEYS: tuple[str, ...] = (
    "data.systems_in_use",
    "data.systems_per_record",
    "data.data_shared",
    "demand.online_check_days",
    "population.digital_access",
    "emergency.iot_coverage",
)
"""Parameters whose scheduled values hold only while the platform works."""

HEALTHY = 1.0 - 1e-9


def apply(street: Street) -> None:
    """Month start: the parameters in force given the platform's health; residents'
    digital access follows them."""
    legacy = getattr(street.model.scenario, "values", None)
    if street.platform_health >= HEALTHY or legacy is None:
        street.p = street.p_design
    else:
        street.p = effective_params(street.p_design, legacy, street.platform_health)
    sync_digital_access(street)


def pay(street: Street) -> None:
    """Pay this month's platform dues from the general budget; update health."""
    pl = street.p_design.platform
    due = (pl.build_cost_per_year + pl.running_cost_per_year) / 12.0
    if due <= 0:
        return
    offered = (pl.build_cost_per_year + pl.running_cost_per_year * pl.running_funded) / 12.0
    paid = street.purse.spend_general(offered, "platform_spent", wage_reserve(street))
    street.purse.ledger["platform_unpaid"] += due - paid
    street.platform_health += (paid / due - street.platform_health) / pl.decay_months


def effective_params(design: Params, legacy: dict[str, Any], health: float) -> Params:
    """Parameters with the platform at ``health``: platform keys blended towards legacy."""
    raw = design.raw
    return design.replace({k: blend(k, legacy[k], raw[k], health) for k in PLATFORM_KEYS})


def blend(key: str, legacy: Any, design: Any, health: float) -> Any:
    """``legacy + health * (design - legacy)`` for numbers and tables (rounded for
    integers); flags keep the design value while health is at least one half."""
    if isinstance(design, dict):
        return {k: blend(key, legacy[k], design[k], health) for k in design}
    if isinstance(design, bool):
        return design if health >= 0.5 else legacy
    value = legacy + health * (design - legacy)
    return int(round(value)) if spec_of(key).kind == "int" else float(value)


def sync_digital_access(street: Street) -> None:
    """Residents' digital access follows its parameter when that has changed."""
    target = street.p.population.digital_access
    if np.array_equal(target, street.digital_access_synced):
        return
    street.residents.sync_digital(street.p, street.streams["population"])
    street.digital_access_synced = target.copy()
