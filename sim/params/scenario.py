"""The Scenario type: validated parameter values with their provenance, and the schedule
(reform levers, risk stressors) that changes them during the run.

A :class:`Scenario` is built by :func:`sim.scenarios.load_scenario`. Its schedule comes
already built from the lever package (:class:`sim.levers.uses.Schedule`), so this layer
reads no ``[levers]`` or ``[stressors]`` table and knows no catalogue: it asks the
schedule for its ramps and its stressors' changes and checks the values they give as a
file's would be.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from sim.params.reading import Provenance, apply_changes, check_cross_field, validate_scheduled
from sim.params.schedule import Ramp, month_starts
from sim.params.values import Params


class Schedule(Protocol):
    """What a scenario's levers and stressors give it (see :class:`sim.levers.uses.Schedule`).

    ``levers`` have ``name``, ``file`` and ``describe()``; ``stressors`` have ``name``,
    ``file``, ``targets``, ``apply(values, base, day)`` and ``describe()``.
    """

    levers: tuple
    stressors: tuple

    def ramps(self, base: dict[str, Any]) -> dict[str, tuple[str, Ramp]]:
        """Scheduled keys: ``{key: (lever name, Ramp)}`` from the values ``base``."""
        ...

    def with_levers(self, tables: dict[str, dict[str, Any]], file: str) -> Schedule:
        """Levers added or replaced from ``[levers.NAME]`` tables."""
        ...

    def with_stressors(self, names: Iterable[str], file: str) -> Schedule:
        """More stressors, with their default settings."""
        ...


@dataclass
class Scenario:
    """A validated scenario: every parameter's value and where it came from."""

    name: str
    description: str
    path: Path
    values: dict[str, Any]
    provenance: dict[str, Provenance]
    schedule: Schedule  # levers and stressors (sim.levers.uses.Schedule)
    chain: list[str] = field(default_factory=list)
    name_zh: str = ""
    district_file: bool = False  # read on its own from a file with a [district] table
    _cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_cache"] = {}
        return state

    @property
    def levers(self) -> tuple:
        """The levers in use (``sim.levers.uses.LeverUse``), in file order."""
        return self.schedule.levers

    @property
    def stressors(self) -> tuple:
        """The stressors in use (``sim.levers.uses.StressorUse``), applied in order."""
        return self.schedule.stressors

    @property
    def params(self) -> Params:
        """Model-ready parameter values (before any lever or stressor)."""
        return Params(self.values)

    @property
    def scheduled(self) -> bool:
        """Whether levers or stressors change values during the run."""
        return bool(self.levers or self.stressors)

    def digest(self) -> str:
        """Stable hash of the effective parameter values, levers and stressors."""
        what: Any = self.values
        if self.scheduled:
            what = {"values": self.values, "levers": [u.describe() for u in self.levers],
                    "stressors": [u.describe() for u in self.stressors]}
        blob = json.dumps(what, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    def ramps(self) -> dict:
        """Scheduled keys: ``{key: (lever name, Ramp)}`` built from the current values."""
        if "ramps" not in self._cache:
            self._cache["ramps"] = self.schedule.ramps(self.values)
        return self._cache["ramps"]

    def values_at(self, day: dt.date) -> dict[str, Any]:
        """Every parameter's file value in force on ``day``: levers, then stressors."""
        base = self.values
        out = dict(base)
        for key, (_, ramp) in self.ramps().items():
            out[key] = ramp.value_at(day, base[key])
        for use in self.stressors:
            out.update(use.apply(out, base, day))
        return out

    def params_at(self, day: dt.date) -> Params | None:
        """Model-ready values on ``day`` (None when nothing is scheduled). Days with the same
        values share one :class:`Params` object, so the model skips unchanged months."""
        if not self.scheduled:
            return None
        values = self.values_at(day)
        if "keys" not in self._cache:
            keys = set(self.ramps()) | {k for u in self.stressors for k in u.targets}
            self._cache["keys"] = sorted(keys)
        sig = json.dumps([values[k] for k in self._cache["keys"]], default=str)
        memo = self._cache.setdefault("params", {})
        if sig not in memo:
            memo[sig] = Params(values)
        return memo[sig]

    def check_schedule(self) -> None:
        """Validate every lever's dated values and the values in force on the first of each
        month of the run; errors name the lever or stressor responsible."""
        for key, (lever, ramp) in self.ramps().items():
            use = next(u for u in self.levers if u.name == lever)
            for _, value in ramp.points:
                validate_scheduled(use.file, f"levers.{lever}", key, value)
        start = dt.date.fromisoformat(self.values["run.start_date"])
        end = dt.date.fromisoformat(self.values["run.end_date"])
        for day in month_starts(start, end):
            out = dict(self.values)
            for key, (_, ramp) in self.ramps().items():
                out[key] = ramp.value_at(day, self.values[key])
            for use in self.stressors:
                changes = use.apply(out, self.values, day)
                stray = set(changes) - set(use.targets)
                if stray:
                    raise RuntimeError(f"stressor {use.name} changed undeclared {sorted(stray)}")
                for key, value in changes.items():
                    validate_scheduled(use.file, f"stressors.{use.name}", key, value)
                out.update(changes)
            check_cross_field(out, self.path)

    def with_schedule(self, schedule: Schedule) -> Scenario:
        """Copy with another schedule, checked."""
        scenario = replace(self, schedule=schedule)
        scenario.check_schedule()
        return scenario

    def with_levers(self, tables: dict[str, dict[str, Any]], file: str = "<api>") -> Scenario:
        """Copy with levers added or replaced, given as a file's ``[levers.NAME]`` tables
        (``{"name": {"start": ..., "setting": ...}}``); checked like a file."""
        return self.with_schedule(self.schedule.with_levers(tables, file))

    def with_stressors(self, names: Iterable[str], file: str = "<command line>") -> Scenario:
        """Copy run under more stressors (default settings, from the first day)."""
        return self.with_schedule(self.schedule.with_stressors(names, file))

    def with_values(self, changes: dict[str, Any], source: str = "override") -> Scenario:
        """Copy with some values replaced, each validated as if read from a file."""
        values, prov = apply_changes(self.values, self.provenance, changes, source)
        scenario = replace(self, values=values, provenance=prov)
        if scenario.scheduled:
            scenario.check_schedule()
        return scenario
