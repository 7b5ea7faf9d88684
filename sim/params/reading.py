"""Reading a scenario file's parameters: the file, its ``[scenario]`` table and its
parameter entries, each value validated against ``sim.params.schema``.

A scenario file is TOML::

    [scenario]
    name = "baseline"
    description = "..."
    # extends = "baseline"        # derived scenarios state only their differences

    [demand]
    contacts_per_resident_year = { value = 1.0, unit = "contacts/resident/year",
                                   source = "brief §8: 21.43M contacts / 21.9M residents" }

A root scenario (no ``extends``) must give every parameter of ``sim.params.schema`` with
its value, unit and source; a derived one overrides values (``unit`` optional but
checked, ``source`` says why). The ``[levers]``, ``[stressors]`` and ``[district]``
tables are left to the layers that know them: :mod:`sim.scenarios` puts a whole file
together (inheritance, ``combines``, levers and stressors). Every error is an
:class:`InputError` naming file, field, value and what is allowed.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.domain import KEY_SETS
from sim.params.errors import InputError
from sim.params.schema import GROUPS, SPEC_BY_KEY, SPECS
from sim.params.spec import ValueSpec
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
OTHER_TABLES = {"scenario", "levers", "stressors", "schedule", "district"}
"""Top-level tables that are not parameter groups (read by other layers, or here by
:func:`read_meta`)."""


@dataclass(frozen=True)
class Provenance:
    """Unit and source of one parameter value."""

    unit: str
    source: str
    file: str


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


def read_meta(doc: dict[str, Any], path: Path) -> dict[str, Any]:
    """The file's ``[scenario]`` table, checked (empty when the file has none)."""
    meta = doc.get("scenario", {})
    if not isinstance(meta, dict):
        raise InputError(path, "scenario", meta, "a [scenario] table")
    for key in meta:
        if key not in META_FIELDS:
            raise InputError(path, f"scenario.{key}", meta[key],
                             f"one of {sorted(META_FIELDS)}")
    _check_meta(meta, path)
    return meta


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


def plain_value(spec: ValueSpec, value: Any) -> Any:
    """``value`` as plain Python: numpy scalars become int/float/bool (as SALib and EMA
    Workbench hand them out), and an integral float becomes an int for an int parameter."""
    if isinstance(value, dict):
        return {k: plain_value(spec, v) for k, v in value.items()}
    value = python_scalar(value)
    if (spec.kind == "int" and isinstance(value, float) and not isinstance(value, bool)
            and math.isfinite(value) and value.is_integer()):
        value = int(value)
    return value


def apply_changes(values: dict[str, Any], provenance: dict[str, Provenance], changes: dict[str, Any],
                  source: str) -> tuple[dict[str, Any], dict[str, Provenance]]:
    """Copies of ``values`` and ``provenance`` with ``changes`` applied, each value validated
    as if read from a file and the whole checked across fields; ``source`` names the
    changes in errors and in the provenance."""
    values = dict(values)
    prov = dict(provenance)
    for key, value in _entry_changes(values, changes, source).items():
        spec = _spec_or_error(source, key)
        values[key] = validate_value(spec, plain_value(spec, value), source)
        prov[key] = Provenance(spec.unit, source, source)
    check_cross_field(values, source)
    return values, prov


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


def validate_scheduled(file: str, field_name: str, key: str, value: Any) -> None:
    """Validate a value a schedule sets; errors name the lever or stressor (``field_name``,
    e.g. ``levers.NAME``) that set it."""
    try:
        validate_value(SPEC_BY_KEY[key], value, file)
    except InputError as exc:
        raise InputError(file, f"{field_name} -> {exc.field}", exc.value, exc.allowed) from None


def _spec_or_error(file: Path | str, key: str) -> ValueSpec:
    if key in SPEC_BY_KEY:
        return SPEC_BY_KEY[key]
    group = key.split(".", 1)[0]
    names = sorted(s.name for s in SPECS if s.group == group)
    if names:
        raise InputError(file, key, key.split(".", 1)[-1], f"a parameter of [{group}]: {names}")
    raise InputError(file, key, group, f"a section among {list(GROUPS)} or 'scenario'")


def apply_entries(doc: dict, path: Path, values: dict, prov: dict, root: bool) -> None:
    """Read the file's parameter entries into ``values`` and ``prov``; a ``root`` file
    needs a source for each and must give every parameter."""
    for group, entries in doc.items():
        if group in OTHER_TABLES:
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


def _number(spec: ValueSpec, v: Any, file: Path | str, field_name: str, integer: bool) -> float:
    ok = isinstance(v, int) if integer else isinstance(v, (int, float))
    if isinstance(v, bool) or not ok or (isinstance(v, float) and not math.isfinite(v)):
        want = "an integer" if integer else "a finite number"
        raise InputError(file, field_name, v, f"{want} in {spec.range_text} ({spec.unit})")
    if not spec.in_range(v):
        raise InputError(file, field_name, v, f"a value in {spec.range_text} ({spec.unit})")
    return v


def _mapping(spec: ValueSpec, v: Any, keyset: str, file: Path | str, field_name: str) -> dict:
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


def validate_value(spec: ValueSpec, v: Any, file: Path | str) -> Any:
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


def check_cross_field(values: dict[str, Any], file: Path | str) -> None:
    """Constraints between values: shares summing to one, the run's end after its start,
    a positive weight for every category's candidate departments."""
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
