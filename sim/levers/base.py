"""What a reform lever and a risk stressor are: named settings turned into parameter
values of declared targets - mechanism inputs, never indicators or outcomes.

A :class:`Lever` (brief §4) maps its settings and the scenario's values before any
lever (``base``) to the values of its ``targets`` once fully in place; a scenario
phases it in between two dates (:meth:`Lever.ramps`). A :class:`Stressor` (brief §5)
maps its settings and the values in force on a date to new values of its targets,
applied after the levers on every month from its start.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sim.params.schedule import Ramp
from sim.params.spec import ValueSpec

Values = Mapping[str, Any]


def setting(name: str, default: float | int | bool, unit: str, lo: float | None = None,
            hi: float | None = None, source: str = "") -> ValueSpec:
    """A named, bounded setting of a lever or stressor, with its default's provenance; its
    kind (bool, int or float) is its default's type."""
    kind = "bool" if isinstance(default, bool) else "int" if isinstance(default, int) else "float"
    return ValueSpec(name, kind, unit, lo, hi, default=default, source=source)


def _settings_text(settings: tuple[ValueSpec, ...]) -> list[str]:
    return [s.name for s in settings]


class _WithSettings:
    """Default values and names of a lever's or stressor's ``settings``."""

    settings: tuple[ValueSpec, ...]

    @property
    def defaults(self) -> dict[str, Any]:
        """Default settings."""
        return {s.name: s.default for s in self.settings}

    @property
    def setting_names(self) -> list[str]:
        """Names of its settings."""
        return _settings_text(self.settings)


@dataclass(frozen=True)
class Lever(_WithSettings):
    """A reform lever of brief §4.

    Attributes:
        name: key used in scenario files (``[levers.NAME]``).
        path: the reform path it belongs to (``integrated_resources``, ``coordinated``,
            ``digital``).
        clause: the plan's words (brief §4).
        targets: parameter keys it changes - and the only ones.
        settings: its named settings, with defaults from the plan or stated assumptions.
        start, end: default phase: it starts moving on ``start`` and is fully in place on
            ``end`` (ISO dates).
        effect: ``(settings, base) -> {target: value}`` once fully in place.
        step: targets that switch at the start of a phase instead of ramping (rules,
            budget amounts).
        requires: levers that must be in the same scenario (what pays for it).
        cost: who pays, from which budget.
        timing: why the default phase.
        custom_ramps: replaces the default phasing (``(settings, start, end, base) ->
            ramps``), for costs due over a window.
    """

    name: str
    path: str
    clause: str
    targets: tuple[str, ...]
    settings: tuple[ValueSpec, ...]
    start: str
    end: str
    effect: Callable[[Values, Values], dict[str, Any]]
    step: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    cost: str = ""
    timing: str = ""
    custom_ramps: Callable[[Values, dt.date, dt.date, Values], dict[str, Ramp]] | None = None

    def ramps(self, settings: Values, stages: list[tuple[dt.date, Values]], start: dt.date,
              end: dt.date, base: Values) -> dict[str, Ramp]:
        """The dated values of every target.

        Numbers go linearly from their ``base`` value on ``start`` through each stage's
        values on its date to the full ``settings`` values on ``end``; step targets take
        each phase's value from the phase's first day.
        """
        if self.custom_ramps is not None:
            return self.custom_ramps(settings, start, end, base)
        phases = [(d, self.effect({**settings, **s}, base)) for d, s in stages]
        phases.append((end, self.effect(settings, base)))
        out = {}
        for key in self.targets:
            if key in self.step:
                begins = [start] + [d for d, _ in phases[:-1]]
                pts = [(b, v[key]) for b, (_, v) in zip(begins, phases)]
                out[key] = Ramp(key, _dedupe(pts), step=True)
            else:
                pts = [(start, base[key])] + [(d, v[key]) for d, v in phases]
                out[key] = Ramp(key, _dedupe(pts))
        return out


def _dedupe(points: list[tuple[dt.date, Any]]) -> tuple[tuple[dt.date, Any], ...]:
    """Keep the last value of points sharing a date (a ramp of zero length is a step)."""
    kept: dict[dt.date, Any] = {}
    for d, v in points:
        kept[d] = v
    return tuple(kept.items())


@dataclass(frozen=True)
class Stressor(_WithSettings):
    """A risk of brief §5, applied on top of any scenario.

    Attributes:
        name: key used in files (``[stressors.NAME]``) and on the command line.
        risk: the plan's words (brief §5).
        group: the brief's risk group.
        targets: parameter keys it changes - and the only ones.
        settings: its named settings.
        apply: ``(settings, values, base) -> {target: value}``: given the values in force
            on a date (after levers) and the scenario's values before any lever.
        reads: other keys its values depend on (documentation).
    """

    name: str
    risk: str
    group: str
    targets: tuple[str, ...]
    settings: tuple[ValueSpec, ...]
    apply: Callable[[Values, Values, Values], dict[str, Any]]
    reads: tuple[str, ...] = ()
