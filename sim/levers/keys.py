"""Reform-design keys: lever and stressor settings as sweep parameters and ``--set`` values.

=============================  ==================================================
key                            value
=============================  ==================================================
``levers.NAME.SETTING``        a setting of the lever, within the catalogue's bounds
``levers.NAME.start``          phase start: a date ``YYYY-MM-DD`` or a year (1 January);
                               the end (and any stages) move with it, keeping the phase
``levers.NAME.end``            phase end (fully in place): a date or a year
``stressors.NAME``             ``true`` / ``false``: the stressor on or off
``stressors.NAME.SETTING``     a setting of the stressor (turns it on)
``stressors.NAME.start``       the stressor's start: a date or a year (turns it on)
=============================  ==================================================

A lever the scenario lacks is added with its default phase and settings; a stressor
the scenario lacks is added with its defaults from the first day. Every value is
checked as a scenario file's would be: errors name the file, the field, the value and
what is allowed.

>>> from sim.levers.keys import apply_design
>>> apply_design(load_scenario("coordinated"),
...              {"levers.staffing_1_3_n.residents_per_contract_post": 600, "stressors.revenue_shock": True})
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sim.levers.catalogue import LEVERS
from sim.levers.stressors import STRESSORS
from sim.params.errors import InputError
from sim.params.schedule import to_date
from sim.params.spec import ValueSpec

PREFIXES = ("levers.", "stressors.")
DATE_FIELDS = ("start", "end")
FIRST_YEAR, LAST_YEAR = 1990, 2100


def is_design_key(key: str) -> bool:
    """Whether ``key`` names a lever or stressor setting rather than a parameter."""
    return isinstance(key, str) and key.startswith(PREFIXES)


@dataclass(frozen=True)
class DesignKey:
    """A parsed reform-design key."""

    key: str
    section: str  # "levers" or "stressors"
    name: str
    field: str  # a setting name, "start", "end", or "" (a stressor on/off)
    setting: ValueSpec | None = None

    @property
    def is_date(self) -> bool:
        """A phase date (given as a date or a year)."""
        return self.field in DATE_FIELDS

    @property
    def is_flag(self) -> bool:
        """A stressor on/off switch (or a boolean setting)."""
        return self.field == "" or (self.setting is not None and isinstance(self.setting.default, bool))

    @property
    def integer(self) -> bool:
        """Sampled values are rounded (integer settings, years)."""
        return self.is_date or (self.setting is not None and isinstance(self.setting.default, int)
                                and not isinstance(self.setting.default, bool))

    @property
    def bounds(self) -> tuple[float | None, float | None]:
        """The allowed range of a numeric value (years for dates)."""
        if self.is_date:
            return float(FIRST_YEAR), float(LAST_YEAR)
        if self.setting is None or self.is_flag:
            return None, None
        return self.setting.lo, self.setting.hi

    @property
    def allowed(self) -> str:
        """What the key takes, for error messages."""
        if self.is_date:
            return "a date YYYY-MM-DD or a year"
        if self.field == "":
            return "true or false"
        return self.setting.allowed if self.setting else ""

    def value(self, raw: Any, file: Path | str = "<experiment>", field: str | None = None) -> Any:
        """``raw`` as the lever or stressor table wants it (checked; sampled numbers rounded)."""
        where = field or self.key
        if self.is_date:
            if isinstance(raw, (int, float)) and not isinstance(raw, bool):
                year = int(round(raw))
                if not FIRST_YEAR <= year <= LAST_YEAR:
                    raise InputError(file, where, raw, f"a year in [{FIRST_YEAR}, {LAST_YEAR}] or a date")
                return dt.date(year, 1, 1)
            return to_date(raw, file, where)
        if self.field == "":
            if not isinstance(raw, bool):
                raise InputError(file, where, raw, "true or false (the stressor on or off)")
            return raw
        assert self.setting is not None
        if self.integer and isinstance(raw, float) and raw == raw:
            raw = int(round(raw))
        elif isinstance(self.setting.default, float) and isinstance(raw, int) and not isinstance(raw, bool):
            raw = float(raw)
        return self.setting.check(raw, file, where)


def design_key(key: str, file: Path | str = "<experiment>", field: str = "parameters.key") -> DesignKey:
    """Parse and check a design key against the lever and stressor catalogues."""
    parts = key.split(".")
    section = parts[0]
    catalogue = LEVERS if section == "levers" else STRESSORS
    kind = section[:-1]
    if len(parts) < 2 or parts[1] not in catalogue:
        raise InputError(file, field, key, f"{section}.NAME with NAME a {kind} among {list(catalogue)}")
    entry = catalogue[parts[1]]
    dates = DATE_FIELDS if section == "levers" else ("start",)
    if len(parts) == 2:
        if section == "levers":
            raise InputError(file, field, key, f"levers.NAME.SETTING or levers.NAME.start/.end "
                                               f"(settings of {parts[1]}: {entry.setting_names})")
        return DesignKey(key, section, parts[1], "")
    if len(parts) != 3 or (parts[2] not in entry.setting_names and parts[2] not in dates):
        raise InputError(file, field, key, f"{section}.{parts[1]}.X with X among "
                                           f"{entry.setting_names + list(dates)}")
    setting = next((s for s in entry.settings if s.name == parts[2]), None)
    return DesignKey(key, section, parts[1], parts[2], setting)


def apply_design(scenario: Any, changes: dict[str, Any], file: Path | str = "<experiment>") -> Any:
    """``scenario`` with lever and stressor settings changed (validated, schedule checked)."""
    if not changes:
        return scenario
    levers: dict[str, dict[str, Any]] = {}
    stressors: dict[str, dict[str, Any]] = {}
    for key, raw in changes.items():
        dk = design_key(key, file)
        value = dk.value(raw, file)
        (levers if dk.section == "levers" else stressors).setdefault(dk.name, {})[dk.field] = value
    if levers:
        tables = {name: _lever_table(scenario, name, fields) for name, fields in levers.items()}
        scenario = scenario.with_levers(tables, file=str(file))
    if stressors:
        scenario = _with_stressor_tables(scenario, stressors, file)
    return scenario


def lever_keys_set(scenario: Any) -> dict[str, str]:
    """Parameter keys that the scenario's levers set -> the lever (for sweep conflicts)."""
    return {key: lever for key, (lever, _) in scenario.ramps().items()}


def _lever_table(scenario: Any, name: str, fields: dict[str, Any]) -> dict[str, Any]:
    """The ``[levers.NAME]`` table of the scenario's use of the lever, with ``fields`` changed."""
    use = next((u for u in scenario.levers if u.name == name), None)
    lever = LEVERS[name]
    if use is None:
        start, end = to_date(lever.start, "<catalogue>", name), to_date(lever.end, "<catalogue>", name)
        table: dict[str, Any] = dict(lever.defaults)
        stages: list[dict[str, Any]] = []
    else:
        start, end = use.start, use.end
        table = dict(use.settings)
        stages = [{"date": d, **dict(s)} for d, s in use.stages]
    new_start = fields.get("start", start)
    if "start" in fields and "end" not in fields:
        shift = new_start - start  # move the whole phase
        end = end + shift
        stages = [{**s, "date": s["date"] + shift} for s in stages]
    table.update({k: v for k, v in fields.items() if k not in DATE_FIELDS})
    table.update({"start": new_start, "end": fields.get("end", end), "stages": stages})
    if use is not None and use.source:
        table["source"] = use.source
    return table


def _with_stressor_tables(scenario: Any, stressors: dict[str, dict[str, Any]], file: Path | str) -> Any:
    from sim.levers.uses import read_stressor

    uses = {u.name: u for u in scenario.stressors}
    for name, fields in stressors.items():
        on = fields.pop("", True)
        if not on:
            if fields:
                raise InputError(file, f"stressors.{name}", False,
                                 "true when its settings are also given (a stressor off has no settings)")
            uses.pop(name, None)
            continue
        old = uses.get(name)
        table: dict[str, Any] = dict(old.settings) if old else {}
        if old is not None and old.start is not None:
            table["start"] = old.start
        table.update(fields)
        use = read_stressor(name, table, str(file))
        uses[name] = replace(use, file=old.file if old else str(file))
    return scenario.with_schedule(replace(scenario.schedule, stressors=tuple(uses.values())))
