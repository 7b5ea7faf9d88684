"""Levers and stressors as a scenario uses them: read from files, phased, checked.

In a scenario file::

    [levers.mini_program]                 # a lever of sim.levers.catalogue
    start = "2024-01-01"                  # starts moving (default: the lever's own phase)
    end = "2025-12-31"                    # fully in place
    coverage = 0.85                       # settings (default: the plan's figures)
    stages = [ { date = "2024-12-31", coverage = 0.60 } ]   # dated intermediate targets
    source = "brief §4C: 60% in 2024, 85% in 2025"

    [stressors.revenue_shock]             # a stressor of sim.levers.stressors
    start = "2026-01-01"                  # default: the first day
    revenue_fall = 0.08

``enabled = false`` removes a lever or stressor inherited from the parent scenario.
Every error names the file, the field, the value and what is allowed.

A scenario receives its levers and stressors as one :class:`Schedule`, built here: the
``Scenario`` type (:mod:`sim.params.scenario`) asks it for ramps and for more levers or
stressors, and never reads a lever or stressor table itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sim.levers.base import Lever, Stressor
from sim.levers.catalogue import LEVERS
from sim.levers.stressors import STRESSORS
from sim.params.errors import InputError
from sim.params.schedule import Ramp, to_date
from sim.params.spec import ValueSpec

LEVER_FIELDS = ("start", "end", "stages", "enabled", "source")
STRESSOR_FIELDS = ("start", "enabled", "source")
COMMAND_LINE = "<command line>"


@dataclass(frozen=True)
class LeverUse:
    """One lever in a scenario: its settings and phase."""

    name: str
    settings: tuple[tuple[str, Any], ...]
    start: dt.date
    end: dt.date
    stages: tuple[tuple[dt.date, tuple[tuple[str, Any], ...]], ...] = ()
    file: str = ""
    source: str = ""

    @property
    def lever(self) -> Lever:
        """The catalogue entry."""
        return LEVERS[self.name]

    def ramps(self, base: dict[str, Any]) -> dict[str, Ramp]:
        """Dated values of the lever's targets, from the scenario's values ``base``."""
        stages = [(d, dict(s)) for d, s in self.stages]
        return self.lever.ramps(dict(self.settings), stages, self.start, self.end, base)

    def describe(self) -> dict[str, Any]:
        """Plain description (for digests and tables)."""
        return {"lever": self.name, "start": self.start.isoformat(), "end": self.end.isoformat(),
                "settings": dict(self.settings),
                "stages": [{"date": d.isoformat(), **dict(s)} for d, s in self.stages]}


@dataclass(frozen=True)
class StressorUse:
    """One stressor in a scenario: its settings and start (None: the first day)."""

    name: str
    settings: tuple[tuple[str, Any], ...]
    start: dt.date | None = None
    file: str = ""

    @property
    def stressor(self) -> Stressor:
        """The catalogue entry."""
        return STRESSORS[self.name]

    @property
    def targets(self) -> tuple[str, ...]:
        """Parameter keys it changes."""
        return self.stressor.targets

    def apply(self, values: dict[str, Any], base: dict[str, Any], day: dt.date) -> dict[str, Any]:
        """Changes this stressor makes to ``values`` on ``day`` (empty before its start)."""
        if self.start is not None and day < self.start:
            return {}
        return self.stressor.apply(dict(self.settings), values, base)

    def describe(self) -> dict[str, Any]:
        """Plain description (for digests and tables)."""
        return {"stressor": self.name, "start": self.start.isoformat() if self.start else None,
                "settings": dict(self.settings)}


def _settings(known: tuple[ValueSpec, ...], table: dict[str, Any], path: Path | str, prefix: str
              ) -> dict[str, Any]:
    by_name = {s.name: s for s in known}
    return {k: by_name[k].check(v, path, f"{prefix}.{k}") for k, v in table.items()}


def _unknown_field(path: Path | str, prefix: str, key: str, names: list[str], fields: tuple[str, ...]):
    what = f"a setting among {names} or " if names else "one of "
    return InputError(path, f"{prefix}.{key}", key, f"{what}{list(fields)}")


def _open_table(kind: str, catalogue: dict[str, Any], fields: tuple[str, ...], shape: str,
                name: str, table: Any, path: Path | str, field: str) -> Any:
    """Check a ``[levers.NAME]`` / ``[stressors.NAME]`` table's name, shape, keys and
    ``enabled`` flag; returns the catalogue entry, or None when the table is disabled."""
    if name not in catalogue:
        raise InputError(path, field, name, f"a {kind} among {list(catalogue)}")
    if not isinstance(table, dict):
        raise InputError(path, field, table, shape)
    entry = catalogue[name]
    names = entry.setting_names
    for key in table:
        if key not in names and key not in fields:
            raise _unknown_field(path, field, key, names, fields)
    enabled = table.get("enabled", True)
    if not isinstance(enabled, bool):
        raise InputError(path, f"{field}.enabled", enabled, "true or false")
    return entry if enabled else None


def read_lever(name: str, table: Any, path: Path | str) -> LeverUse | None:
    """A lever table of a scenario file (None when ``enabled = false``)."""
    field = f"levers.{name}"
    lever = _open_table("lever", LEVERS, LEVER_FIELDS, "a table of settings, start, end, stages",
                        name, table, path, field)
    if lever is None:
        return None
    start = to_date(table.get("start", lever.start), path, f"{field}.start")
    end = to_date(table.get("end", lever.end), path, f"{field}.end")
    if end < start:
        raise InputError(path, f"{field}.end", end.isoformat(), f"a date on or after start ({start})")
    given = {k: v for k, v in table.items() if k not in LEVER_FIELDS}
    settings = {**lever.defaults, **_settings(lever.settings, given, path, field)}
    stages = _stages(lever, table.get("stages", []), path, field, start, end)
    source = table.get("source", "")
    if not isinstance(source, str):
        raise InputError(path, f"{field}.source", source, "a text")
    return LeverUse(name, tuple(settings.items()), start, end, stages, str(path), source)


def _stages(lever: Lever, stages: Any, path: Path | str, field: str, start: dt.date, end: dt.date
            ) -> tuple[tuple[dt.date, tuple[tuple[str, Any], ...]], ...]:
    if not isinstance(stages, list):
        raise InputError(path, f"{field}.stages", stages, "a list of tables { date = ..., setting = ... }")
    out = []
    last = start
    for i, stage in enumerate(stages):
        where = f"{field}.stages[{i}]"
        if not isinstance(stage, dict) or "date" not in stage:
            raise InputError(path, where, stage, "a table { date = ..., setting = ... }")
        day = to_date(stage["date"], path, f"{where}.date")
        if not last < day < end:
            raise InputError(path, f"{where}.date", day.isoformat(),
                             f"a date after the previous stage or start ({last}) and before end ({end})")
        for key in stage:
            if key != "date" and key not in lever.setting_names:
                raise _unknown_field(path, where, key, lever.setting_names, ("date",))
        values = _settings(lever.settings, {k: v for k, v in stage.items() if k != "date"}, path, where)
        out.append((day, tuple(values.items())))
        last = day
    return tuple(out)


def read_stressor(name: str, table: Any, path: Path | str) -> StressorUse | None:
    """A stressor table of a scenario file (None when ``enabled = false``)."""
    field = f"stressors.{name}"
    stressor = _open_table("stressor", STRESSORS, STRESSOR_FIELDS, "a table of settings and start",
                           name, table, path, field)
    if stressor is None:
        return None
    start = to_date(table["start"], path, f"{field}.start") if "start" in table else None
    given = {k: v for k, v in table.items() if k not in STRESSOR_FIELDS}
    settings = {**stressor.defaults, **_settings(stressor.settings, given, path, field)}
    return StressorUse(name, tuple(settings.items()), start, str(path))


def stressor_by_name(name: str, file: str = COMMAND_LINE, field: str = "--stress") -> StressorUse:
    """A stressor with its default settings from the first day (command line, API)."""
    if name not in STRESSORS:
        raise InputError(file, field, name, f"a stressor among {list(STRESSORS)}")
    return StressorUse(name, tuple(STRESSORS[name].defaults.items()), None, file)


def read_tables(doc: dict[str, Any], path: Path | str, section: str, reader
                ) -> dict[str, Any]:
    """The ``[levers]`` or ``[stressors]`` tables of a file: name -> use (None: removed)."""
    tables = doc.get(section, {})
    if not isinstance(tables, dict):
        raise InputError(path, section, tables, f"tables [{section}.NAME]")
    return {name: reader(name, table, path) for name, table in tables.items()}


def build_ramps(levers: tuple[LeverUse, ...], base: dict[str, Any]) -> dict[str, tuple[str, Ramp]]:
    """Every scheduled key with the lever setting it; refuses two levers on one key and a
    lever without the levers it requires."""
    names = {u.name for u in levers}
    out: dict[str, tuple[str, Ramp]] = {}
    for use in levers:
        missing = [r for r in use.lever.requires if r not in names]
        if missing:
            raise InputError(use.file, f"levers.{use.name}", use.name,
                             f"also the lever(s) {missing} in the scenario (they pay for it)")
        for key, ramp in use.ramps(base).items():
            if key in out:
                raise InputError(use.file, f"levers.{use.name}", use.name,
                                 f"levers with distinct targets ({key} is also set by lever {out[key][0]})")
            out[key] = (use.name, ramp)
    return out


@dataclass(frozen=True)
class Schedule:
    """A scenario's levers (file order) and stressors (applied in order)."""

    levers: tuple[LeverUse, ...] = ()
    stressors: tuple[StressorUse, ...] = ()

    def ramps(self, base: dict[str, Any]) -> dict[str, tuple[str, Ramp]]:
        """Every scheduled key with the lever setting it (see :func:`build_ramps`)."""
        return build_ramps(self.levers, base)

    def with_levers(self, tables: dict[str, dict[str, Any]], file: str = "<api>") -> Schedule:
        """Levers added or replaced from ``[levers.NAME]`` tables (``enabled = false``
        removes one)."""
        uses = {u.name: u for u in self.levers}
        for name, table in tables.items():
            use = read_lever(name, table, file)
            uses.pop(name, None)
            if use is not None:
                uses[name] = use
        return replace(self, levers=tuple(uses.values()))

    def with_stressors(self, names: Iterable[str], file: str = COMMAND_LINE) -> Schedule:
        """More stressors, with their default settings from the first day; each once."""
        uses = list(self.stressors)
        for name in names:
            use = stressor_by_name(name, file)
            if any(u.name == name for u in uses):
                raise InputError(file, "--stress", name, "each stressor once (it is already applied)")
            uses.append(use)
        return replace(self, stressors=tuple(uses))
