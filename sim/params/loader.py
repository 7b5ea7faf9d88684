"""Load and validate scenario files before any simulation work starts.

A scenario file is TOML::

    [scenario]
    name = "baseline"
    description = "..."
    # extends = "baseline"        # derived scenarios state only their differences

    [demand]
    contacts_per_resident_year = { value = 1.0, unit = "contacts/resident/year",
                                   source = "brief §8: 21.43M contacts / 21.9M residents" }

A root scenario (no ``extends``) must give every parameter of ``sim.params.schema`` with
its value, unit and source. A derived one overrides values (``unit`` optional but checked,
``source`` says why), and may use reform levers and risk stressors (``[levers.NAME]``,
``[stressors.NAME]``, see :mod:`sim.levers.uses`), which it inherits from its parent.
``combines = ["a", "b"]`` adds the levers, stressors and overrides of other scenarios
(which must not disagree). Schedules are checked on every month of the run at load
time. Every error is an :class:`InputError` naming file, field, value and what is
allowed.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import math
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sim.domain import KEY_SETS
from sim.params.errors import InputError
from sim.params.schema import GROUPS, SPEC_BY_KEY, SPECS, ParamSpec
from sim.params.values import Params
from sim.scalars import python_scalar

SCENARIO_DIR = Path(__file__).resolve().parents[2] / "scenarios"
"""Scenarios shipped with the project (``scenarios/`` at the repository root)."""

SUMS_TO_ONE = {
    "population.age_shares",
    "demand.category_mix",
    "cases.need_pot_mix",
    "money.pot_allocation",
    "emergency.type_mix",
    "socialorgs.initial_mix",
    "socialorgs.specialty_mix_new",
    "staff.professional_mix",
}
ENTRY_FIELDS = {"value", "unit", "source"}
META_FIELDS = {"name", "description", "extends", "name_zh", "combines"}


@dataclass(frozen=True)
class Provenance:
    """Unit and source of one parameter value."""

    unit: str
    source: str
    file: str


@dataclass
class Scenario:
    """A validated scenario: every parameter's value and where it came from."""

    name: str
    description: str
    path: Path
    values: dict[str, Any]
    provenance: dict[str, Provenance]
    chain: list[str] = field(default_factory=list)
    name_zh: str = ""
    levers: tuple = ()  # sim.levers.uses.LeverUse, in file order
    stressors: tuple = ()  # sim.levers.uses.StressorUse, applied in order
    district_file: bool = False  # read on its own from a file with a [district] table
    _cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_cache"] = {}
        return state

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
            from sim.levers.uses import build_ramps

            self._cache["ramps"] = build_ramps(self.levers, self.values)
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
            keys = set(self.ramps()) | {k for u in self.stressors for k in u.stressor.targets}
            self._cache["keys"] = sorted(keys)
        sig = json.dumps([values[k] for k in self._cache["keys"]], default=str)
        memo = self._cache.setdefault("params", {})
        if sig not in memo:
            memo[sig] = Params(values)
        return memo[sig]

    def check_schedule(self) -> None:
        """Validate every lever's dated values and the values in force on the first of each
        month of the run; errors name the lever or stressor responsible."""
        from sim.params.schedule import month_starts

        for key, (lever, ramp) in self.ramps().items():
            use = next(u for u in self.levers if u.name == lever)
            for _, value in ramp.points:
                _validate_from(use.file, f"levers.{lever}", key, value)
        start = dt.date.fromisoformat(self.values["run.start_date"])
        end = dt.date.fromisoformat(self.values["run.end_date"])
        for day in month_starts(start, end):
            out = dict(self.values)
            for key, (_, ramp) in self.ramps().items():
                out[key] = ramp.value_at(day, self.values[key])
            for use in self.stressors:
                changes = use.apply(out, self.values, day)
                stray = set(changes) - set(use.stressor.targets)
                if stray:
                    raise RuntimeError(f"stressor {use.name} changed undeclared {sorted(stray)}")
                for key, value in changes.items():
                    _validate_from(use.file, f"stressors.{use.name}", key, value)
                out.update(changes)
            _check_cross_field(out, self.path)

    def with_levers(self, tables: dict[str, dict[str, Any]], file: str = "<api>") -> Scenario:
        """Copy with levers added or replaced, given as a file's ``[levers.NAME]`` tables
        (``{"name": {"start": ..., "setting": ...}}``); checked like a file."""
        from sim.levers.uses import read_lever

        uses = {u.name: u for u in self.levers}
        for name, table in tables.items():
            use = read_lever(name, table, file)
            uses.pop(name, None)
            if use is not None:
                uses[name] = use
        scenario = replace(self, levers=tuple(uses.values()))
        scenario.check_schedule()
        return scenario

    def with_stressors(self, names: Iterable[str], file: str = "<command line>") -> Scenario:
        """Copy run under more stressors (default settings, from the first day)."""
        from sim.levers.uses import stressor_by_name

        uses = list(self.stressors)
        for name in names:
            use = stressor_by_name(name, file)
            if any(u.name == name for u in uses):
                raise InputError(file, "--stress", name, "each stressor once (it is already applied)")
            uses.append(use)
        scenario = replace(self, stressors=tuple(uses))
        scenario.check_schedule()
        return scenario

    def with_values(self, changes: dict[str, Any], source: str = "override") -> Scenario:
        """Copy with some values replaced, each validated as if read from a file."""
        values = dict(self.values)
        prov = dict(self.provenance)
        for key, value in _entry_changes(values, changes, source).items():
            spec = _spec_or_error(source, key)
            values[key] = validate_value(spec, plain_value(spec, value), source)
            prov[key] = Provenance(spec.unit, source, source)
        _check_cross_field(values, source)
        scenario = replace(self, values=values, provenance=prov)
        if scenario.scheduled:
            scenario.check_schedule()
        return scenario


def resolve_path(name_or_path: str | Path, base_dir: Path | None = None) -> Path:
    """Find a scenario by file path or by bare name in ``base_dir`` / ``scenarios/``."""
    p = Path(name_or_path)
    if p.suffix == ".toml" or p.exists():
        return p
    for directory in (base_dir, SCENARIO_DIR):
        if directory is not None and (directory / f"{p.name}.toml").exists():
            return directory / f"{p.name}.toml"
    return p.with_suffix(".toml") if base_dir is None else base_dir / f"{p.name}.toml"


MAX_FILE_BYTES = 10_000_000
"""Largest scenario or experiment file read (a larger one is surely not a scenario)."""


def read_toml(path: Path, what: str = "scenario file") -> dict[str, Any]:
    """Parse a TOML file, turning missing files, folders and syntax errors into InputError.

    ``what`` names the kind of file in the message ("scenario file", "experiment file").
    """
    if not path.exists():
        raise InputError(path, "(file)", str(path), f"an existing {what}")
    if not path.is_file():
        raise InputError(path, "(file)", str(path), f"a {what} (this is a folder or a device)")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise InputError(path, "(file)", f"{path.stat().st_size} bytes", f"a {what} under 10 MB")
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(path, "(syntax)", str(exc), "valid TOML") from None
    except UnicodeDecodeError:
        raise InputError(path, "(encoding)", "not UTF-8", "a UTF-8 TOML file") from None
    except RecursionError:
        raise InputError(path, "(syntax)", "nesting too deep", "valid TOML") from None


def load_scenario(name_or_path: str | Path, stressors: Iterable[str] = ()) -> Scenario:
    """Load, resolve inheritance of, and validate a scenario.

    Args:
        name_or_path: a path to a ``.toml`` file or the name of a shipped scenario.
        stressors: names of risk stressors (``sim.levers.stressors``) to run it under,
            with their default settings, after those the file itself lists.

    Returns:
        The validated :class:`Scenario`.

    Raises:
        InputError: on any bad input, before anything is simulated.
    """
    path = resolve_path(name_or_path)
    scenario = _load(path, [])
    from sim.district.spec import is_district_file

    if is_district_file(path):
        scenario = replace(scenario, district_file=True)
    stressors = list(stressors)
    if stressors:
        return scenario.with_stressors(stressors)
    if scenario.scheduled:
        scenario.check_schedule()
    return scenario


def _load(path: Path, seen: list[Path]) -> Scenario:
    path = path.resolve() if path.exists() else path
    if path in seen:
        chain = " -> ".join(p.stem for p in [*seen, path])
        raise InputError(seen[-1], "scenario.extends", path.stem, f"no cycle (found {chain})")
    doc = read_toml(path)
    meta = doc.get("scenario", {})
    if not isinstance(meta, dict):
        raise InputError(path, "scenario", meta, "a [scenario] table")
    for key in meta:
        if key not in META_FIELDS:
            raise InputError(path, f"scenario.{key}", meta[key],
                             f"one of {sorted(META_FIELDS)}")
    from sim.levers.uses import read_lever, read_stressor, read_tables

    _check_meta(meta, path)
    name = meta.get("name", path.stem)
    parent_name = meta.get("extends")
    levers: dict[str, Any] = {}
    stressors: dict[str, Any] = {}
    if parent_name is not None:
        parent_path = resolve_path(parent_name, path.parent)
        if not parent_path.exists():
            raise InputError(path, "scenario.extends", parent_name,
                             f"an existing scenario (looked for {parent_path})")
        parent = _load(parent_path, [*seen, path])
        values, prov, chain = dict(parent.values), dict(parent.provenance), parent.chain
        levers = {u.name: u for u in parent.levers}
        stressors = {u.name: u for u in parent.stressors}
    else:
        values, prov, chain = {}, {}, []
    combined = _combine(meta.get("combines", []), path, seen, values, prov, levers, stressors)
    _apply_entries(doc, path, values, prov, root=parent_name is None and not combined)
    _check_cross_field(values, path)
    for tables, section, reader in ((levers, "levers", read_lever), (stressors, "stressors", read_stressor)):
        for key, use in read_tables(doc, path, section, reader).items():
            tables.pop(key, None)
            if use is not None:
                tables[key] = use
    return Scenario(name=name, description=meta.get("description", ""), path=path,
                    values=values, provenance=prov, chain=[*chain, name],
                    name_zh=meta.get("name_zh", ""), levers=tuple(levers.values()),
                    stressors=tuple(stressors.values()))


def _check_meta(meta: dict[str, Any], path: Path) -> None:
    """Types of the ``[scenario]`` fields; names must be printable text (no control or
    direction-override characters, which would garble tables and reports)."""
    for key in ("name", "name_zh", "extends", "description"):
        if key not in meta:
            continue
        value = meta[key]
        if not isinstance(value, str) or (key != "description" and not value.strip()):
            raise InputError(path, f"scenario.{key}", value, "a non-empty string" if key != "description"
                             else "a string")
        text = value.replace("\n", "") if key == "description" else value
        if not text.isprintable() or len(text) > (4000 if key == "description" else 200):
            raise InputError(path, f"scenario.{key}", value,
                             "printable text (no control or direction characters), at most "
                             f"{4000 if key == 'description' else 200} characters")


def _combine(names: Any, path: Path, seen: list[Path], values: dict, prov: dict, levers: dict,
             stressors: dict) -> list[Scenario]:
    """Add the overrides, levers and stressors of the scenarios named in ``combines``."""
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise InputError(path, "scenario.combines", names, "a list of scenario names")
    base = dict(values)
    owner: dict[str, str] = {}
    out = []
    for other_name in names:
        other_path = resolve_path(other_name, path.parent)
        if not other_path.exists():
            raise InputError(path, "scenario.combines", other_name,
                             f"an existing scenario (looked for {other_path})")
        other = _load(other_path, [*seen, path])
        for key, value in other.values.items():
            if key in base and base[key] == value:
                continue
            if key in owner and values[key] != value:
                raise InputError(path, "scenario.combines", other_name,
                                 f"scenarios that agree on {key} (differs from {owner[key]})")
            values[key], prov[key], owner[key] = value, other.provenance[key], other.name
        for table, uses in ((levers, other.levers), (stressors, other.stressors)):
            for use in uses:
                if use.name in table and table[use.name] != use and use.name in owner:
                    raise InputError(path, "scenario.combines", other_name,
                                     f"scenarios that agree on {use.name} (differs from {owner[use.name]})")
                table[use.name] = use
                owner[use.name] = other.name
        out.append(other)
    return out


def plain_value(spec: ParamSpec, value: Any) -> Any:
    """``value`` as plain Python: numpy scalars become int/float/bool (as SALib and EMA
    Workbench hand them out), and an integral float becomes an int for an int parameter."""
    if isinstance(value, dict):
        return {k: plain_value(spec, v) for k, v in value.items()}
    value = python_scalar(value)
    if (spec.kind == "int" and isinstance(value, float) and not isinstance(value, bool)
            and math.isfinite(value) and value.is_integer()):
        value = int(value)
    return value


def _entry_changes(values: dict[str, Any], changes: dict[str, Any], source: str) -> dict[str, Any]:
    """Changes with mapping entries (``group.name.key`` or ``group.name.key1.key2``) folded
    into a copy of their whole mapping, so one entry can be overridden alone."""
    out: dict[str, Any] = {}
    for key, value in changes.items():
        if not isinstance(key, str):
            raise InputError(source, str(key), value, "a parameter key group.name")
        parts = key.split(".")
        base = ".".join(parts[:2])
        spec = SPEC_BY_KEY.get(base)
        if len(parts) <= 2 or spec is None or ":" not in spec.kind:
            out[key] = copy.deepcopy(value)  # entries below may change it: never the caller's
            continue
        depth = len(spec.kind.split(":")) - 1
        if len(parts) - 2 != depth:
            raise InputError(source, key, value, f"an entry group.name{'.key' * depth} of {spec.kind}")
        target = out.setdefault(base, json.loads(json.dumps(values[base])))
        for k in parts[2:-1]:
            if not isinstance(target, dict) or k not in target:
                raise InputError(source, key, value, f"an existing entry of {base}")
            target = target[k]
        if parts[-1] not in target:
            raise InputError(source, key, parts[-1], f"a key among {list(target)}")
        target[parts[-1]] = value
    return out


def _validate_from(file: str, field_name: str, key: str, value: Any) -> None:
    """Validate a scheduled value; errors name the lever or stressor that set it."""
    try:
        validate_value(SPEC_BY_KEY[key], value, file)
    except InputError as exc:
        raise InputError(file, f"{field_name} -> {exc.field}", exc.value, exc.allowed) from None


def _spec_or_error(file: Path | str, key: str) -> ParamSpec:
    if key in SPEC_BY_KEY:
        return SPEC_BY_KEY[key]
    group = key.split(".", 1)[0]
    names = sorted(s.name for s in SPECS if s.group == group)
    if names:
        raise InputError(file, key, key.split(".", 1)[-1], f"a parameter of [{group}]: {names}")
    raise InputError(file, key, group, f"a section among {list(GROUPS)} or 'scenario'")


def _apply_entries(doc: dict, path: Path, values: dict, prov: dict, root: bool) -> None:
    reserved = {"scenario", "levers", "stressors", "schedule", "district"}
    for group, entries in doc.items():
        if group in reserved:
            continue
        if group not in GROUPS:
            raise InputError(path, group, group, f"a section among {list(GROUPS)} or 'scenario'")
        if not isinstance(entries, dict):
            raise InputError(path, group, entries, "a table of parameters")
        for name, entry in entries.items():
            key = f"{group}.{name}"
            spec = _spec_or_error(path, key)
            if not isinstance(entry, dict) or "value" not in entry:
                raise InputError(path, key, entry, "a table { value = ..., unit = ..., source = ... }")
            extra = set(entry) - ENTRY_FIELDS
            if extra:
                raise InputError(path, f"{key}.{sorted(extra)[0]}", entry[sorted(extra)[0]],
                                 f"only fields {sorted(ENTRY_FIELDS)}")
            unit = entry.get("unit", spec.unit)
            if unit != spec.unit:
                raise InputError(path, f"{key}.unit", unit, f"the unit {spec.unit!r}")
            source = entry.get("source", "")
            if root and not str(source).strip():
                raise InputError(path, f"{key}.source", source,
                                 "a provenance: brief figure, outside source, or 'assumption: why'")
            values[key] = validate_value(spec, entry["value"], path)
            prov[key] = Provenance(spec.unit, str(source), path.name)
    if root:
        missing = [s.key for s in SPECS if s.key not in values]
        if missing:
            raise InputError(path, missing[0], None,
                             f"every parameter in a root scenario ({len(missing)} missing)")


def _number(spec: ParamSpec, v: Any, file: Path | str, field_name: str, integer: bool) -> float:
    ok = isinstance(v, int) if integer else isinstance(v, (int, float))
    if isinstance(v, bool) or not ok or (isinstance(v, float) and not math.isfinite(v)):
        want = "an integer" if integer else "a finite number"
        raise InputError(file, field_name, v, f"{want} in {spec.range_text} ({spec.unit})")
    if (spec.lo is not None and v < spec.lo) or (spec.hi is not None and v > spec.hi):
        raise InputError(file, field_name, v, f"a value in {spec.range_text} ({spec.unit})")
    return v


def _mapping(spec: ParamSpec, v: Any, keyset: str, file: Path | str, field_name: str) -> dict:
    keys = KEY_SETS[keyset]
    if not isinstance(v, dict):
        raise InputError(file, field_name, v, f"a table with keys {list(keys)}")
    unknown = [k for k in v if k not in keys]
    if unknown:
        raise InputError(file, f"{field_name}.{unknown[0]}", unknown[0], f"a key among {list(keys)}")
    missing = [k for k in keys if k not in v]
    if missing:
        raise InputError(file, f"{field_name}.{missing[0]}", None, f"all keys {list(keys)}")
    return v


def validate_value(spec: ParamSpec, v: Any, file: Path | str) -> Any:
    """Check one value against its spec; return it unchanged (JSON-like)."""
    key = spec.key
    if spec.kind == "bool":
        if not isinstance(v, bool):
            raise InputError(file, key, v, "true or false")
        return v
    if spec.kind == "date":
        from sim.params.schedule import to_date

        return to_date(v, file, key).isoformat()
    if spec.kind in ("int", "float"):
        return _number(spec, v, file, key, spec.kind == "int")
    parts = spec.kind.split(":")
    outer = _mapping(spec, v, parts[1], file, key)
    if parts[0] == "map":
        return {k: _number(spec, outer[k], file, f"{key}.{k}", False) for k in KEY_SETS[parts[1]]}
    return {
        a: {b: _number(spec, inner[b], file, f"{key}.{a}.{b}", False)
            for b in KEY_SETS[parts[2]]}
        for a in KEY_SETS[parts[1]]
        for inner in [_mapping(spec, outer[a], parts[2], file, f"{key}.{a}")]
    }


def _check_cross_field(values: dict[str, Any], file: Path | str) -> None:
    for key in SUMS_TO_ONE:
        if key in values:
            total = sum(values[key].values())
            if abs(total - 1.0) > 1e-6:
                raise InputError(file, key, round(total, 6), "shares summing to 1")
    dates = ("run.start_date", "run.end_date")
    if all(k in values for k in dates) and (dt.date.fromisoformat(values["run.end_date"])
                                            <= dt.date.fromisoformat(values["run.start_date"])):
        raise InputError(file, "run.end_date", values["run.end_date"],
                         f"a date after run.start_date ({values['run.start_date']})")
    if "departments.candidates" in values:
        for cat, row in values["departments.candidates"].items():
            if sum(row.values()) <= 0:
                raise InputError(file, f"departments.candidates.{cat}", row,
                                 "at least one positive weight")
