"""The ``[district]`` table of a scenario file: validated before any work starts.

A district file is a scenario file (its ``[scenario]``, usually ``extends = "baseline"``,
gives the base street and the district departments' parameters) plus a ``[district]``
table saying how many streets share those departments and how they differ::

    [district]
    streets = { value = 15, unit = "streets", source = "..." }
    large_share = { value = 0.41, unit = "share", source = "brief §2: ..." }
    large_residents = { value = [100000, 140000], unit = "persons", source = "..." }
    ...
    [district.pilot]                 # optional: a reform on some streets only
    scenario = "coordinated"
    streets = [0, 1, 2]              # or: share = 0.2

Every field is required and, like a root scenario's parameters, carries value, unit and
source. Errors are :class:`InputError` naming file, field, value and what is allowed.
Scenarios (the district file's own and the pilot's) are loaded with their reform levers
where the lever package reads them (:func:`sim.experiment.adapters.load_scenario`); a
scenario with a ``params_at(date)`` schedule keeps it.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.experiment.adapters import load_scenario
from sim.params.errors import InputError
from sim.params.reading import Provenance, read_toml, resolve_path
from sim.params.scenario import Scenario
from sim.params.spec import ValueSpec


def _field(name: str, kind: str, unit: str, lo: float | None = None, hi: float | None = None,
           doc: str = "") -> ValueSpec:
    """A ``[district]`` field (``kind``: int, float, bool or range); its key is ``district.NAME``."""
    return ValueSpec(name, kind, unit, lo, hi, doc, group="district")


FIELDS: tuple[ValueSpec, ...] = (
    _field("streets", "int", "streets", 1, 1000, "Streets sharing the district departments."),
    _field("heterogeneous", "bool", "flag", doc="Streets drawn from the distributions below; "
           "false: every street is a copy of the base street."),
    _field("east_share", "float", "share", 0, 1, "Share of streets in the eastern region."),
    _field("budget_east", "float", "yuan/year", 1, 1e10, "Budget of an average eastern street."),
    _field("budget_central_west", "float", "yuan/year", 0, 1e10,
           "Budget of an average central/western street."),
    _field("large_share", "float", "share", 0, 1, "Share of streets of the large size class."),
    _field("large_residents", "range", "persons", 100, 2_000_000, "Residents of a large street."),
    _field("small_residents", "range", "persons", 100, 2_000_000, "Residents of the other streets."),
    _field("ageing_share", "float", "share", 0, 1, "Share of ageing streets."),
    _field("ageing_elderly_share", "range", "share", 0, 0.95, "Share aged 60+ in an ageing street."),
    _field("other_elderly_share", "range", "share", 0, 0.95, "Share aged 60+ in the other streets."),
    _field("migrant_street_share", "float", "share", 0, 1, "Share of streets over the migrant threshold."),
    _field("migrant_threshold", "int", "persons", 0, 2_000_000, "Migrants making a high-migrant street."),
    _field("high_migrant_share", "range", "share", 0, 0.95, "Migrant share in a high-migrant street."),
    _field("low_migrant_share", "range", "share", 0, 0.95, "Migrant share in the other streets."),
)
FIELD_BY_NAME = {f.name: f for f in FIELDS}
ENTRY_FIELDS = {"value", "unit", "source"}
PILOT_FIELDS = {"scenario", "streets", "share", "description"}


@dataclass(frozen=True)
class DistrictParams:
    """Validated ``[district]`` values (ranges as ``(low, high)``); see :data:`FIELDS`."""

    streets: int
    heterogeneous: bool
    east_share: float
    budget_east: float
    budget_central_west: float
    large_share: float
    large_residents: tuple[float, float]
    small_residents: tuple[float, float]
    ageing_share: float
    ageing_elderly_share: tuple[float, float]
    other_elderly_share: tuple[float, float]
    migrant_street_share: float
    migrant_threshold: int
    high_migrant_share: tuple[float, float]
    low_migrant_share: tuple[float, float]


@dataclass(frozen=True)
class Pilot:
    """A reform applied to some streets only: explicit ``streets`` or a ``share`` drawn
    from the district seed."""

    scenario: Any  # a Scenario, or any scenario object with .params (and maybe .params_at)
    streets: tuple[int, ...] | None = None
    share: float | None = None


@dataclass(frozen=True)
class District:
    """A validated district: base scenario, district fields and optional pilot."""

    name: str
    path: Path
    scenario: Scenario
    p: DistrictParams
    provenance: dict[str, Provenance]
    pilot: Pilot | None = None

    def with_values(self, changes: dict[str, Any], source: str = "override") -> District:
        """Validated copy with some values replaced: ``district.NAME`` keys change district
        fields, any other dotted key changes the base scenario."""
        dvals = dataclasses.asdict(self.p)
        prov = dict(self.provenance)
        scen = {}
        for key, value in changes.items():
            if key.startswith("district."):
                name = key.split(".", 1)[1]
                spec = _field_or_error(source, name)
                dvals[name] = validate_field(spec, value, source)
                prov[name] = Provenance(spec.unit, source, source)
            else:
                scen[key] = value
        scenario = self.scenario.with_values(scen, source) if scen else self.scenario
        p = DistrictParams(**dvals)
        if self.pilot is not None:
            _check_pilot_streets(self.pilot.streets, p.streets, source)
        return dataclasses.replace(self, scenario=scenario, p=p, provenance=prov)


def is_district_file(name_or_path: str | Path) -> bool:
    """Whether a scenario file has a ``[district]`` table, its own or inherited through
    ``extends`` (unreadable files: False, so that the scenario loader reports them)."""
    path = resolve_path(name_or_path)
    try:
        entries, pilot = _district_entries(path, [])
    except InputError:
        return False
    return bool(entries) or pilot is not None


def load_district(name_or_path: str | Path) -> District:
    """Load and validate a district file (scenario part and ``[district]`` table).

    A file that ``extends`` a district file inherits its ``[district]`` fields and pilot
    and may override any of them.

    Raises:
        InputError: on any bad input, before anything is simulated.
    """
    path = resolve_path(name_or_path)
    scenario = dataclasses.replace(load_scenario(path), district_file=False)  # the base street
    entries, pilot_entry = _district_entries(path, [])
    if not entries and pilot_entry is None:
        raise InputError(path, "district", None, "a [district] table (see scenarios/district.toml)")
    values: dict[str, Any] = {}
    prov: dict[str, Provenance] = {}
    for name, (entry, file) in entries.items():
        spec = _field_or_error(file, name)
        key = f"district.{name}"
        if not isinstance(entry, dict) or "value" not in entry:
            raise InputError(file, key, entry, "a table { value = ..., unit = ..., source = ... }")
        extra = sorted(set(entry) - ENTRY_FIELDS)
        if extra:
            raise InputError(file, f"{key}.{extra[0]}", entry[extra[0]],
                             f"only fields {sorted(ENTRY_FIELDS)}")
        if entry.get("unit", spec.unit) != spec.unit:
            raise InputError(file, f"{key}.unit", entry["unit"], f"the unit {spec.unit!r}")
        source = str(entry.get("source", "")).strip()
        if not source:
            raise InputError(file, f"{key}.source", entry.get("source", ""),
                             "a provenance: brief figure, outside source, or 'assumption: why'")
        values[name] = validate_field(spec, entry["value"], file)
        prov[name] = Provenance(spec.unit, source, file.name)
    missing = [f.name for f in FIELDS if f.name not in values]
    if missing:
        raise InputError(path, f"district.{missing[0]}", None,
                         f"every district field ({len(missing)} missing; see scenarios/district.toml)")
    p = DistrictParams(**values)
    pilot = _load_pilot(*pilot_entry, p.streets) if pilot_entry is not None else None
    return District(name=scenario.name, path=path, scenario=scenario, p=p, provenance=prov, pilot=pilot)


def _district_entries(path: Path, seen: list[Path]) -> tuple[dict[str, tuple[Any, Path]], tuple | None]:
    """``[district]`` entries (with the file giving each) and the pilot table (with its
    file), merged along the ``extends`` chain, nearest file last."""
    doc = read_toml(path)
    meta = doc.get("scenario", {})
    parent = meta.get("extends") if isinstance(meta, dict) else None
    entries: dict[str, tuple[Any, Path]] = {}
    pilot = None
    if isinstance(parent, str) and path.resolve() not in seen:
        parent_path = resolve_path(parent, path.parent)
        if parent_path.exists():
            entries, pilot = _district_entries(parent_path, [*seen, path.resolve()])
    table = doc.get("district")
    if table is None:
        return entries, pilot
    if not isinstance(table, dict):
        raise InputError(path, "district", table, "a [district] table (see scenarios/district.toml)")
    for name, entry in table.items():
        if name == "pilot":
            pilot = (entry, path)
        else:
            entries[name] = (entry, path)
    return entries, pilot


def validate_field(spec: ValueSpec, v: Any, file: Path | str) -> Any:
    """Check one district value; return it in model form (ranges as tuples)."""
    spec.check(v, file)
    if spec.kind == "range":
        return (float(v[0]), float(v[1]))
    if spec.kind == "int":
        return int(v)
    return float(v) if spec.kind == "float" else v


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _field_or_error(file: Path | str, name: str) -> ValueSpec:
    if name in FIELD_BY_NAME:
        return FIELD_BY_NAME[name]
    raise InputError(file, f"district.{name}", name,
                     f"a field among {list(FIELD_BY_NAME)} or [district.pilot]")


def _load_pilot(table: Any, path: Path, n_streets: int) -> Pilot | None:
    if table is None:
        return None
    if not isinstance(table, dict):
        raise InputError(path, "district.pilot", table,
                         "a table { scenario = ..., streets = [...] | share = ... }")
    extra = sorted(set(table) - PILOT_FIELDS)
    if extra:
        raise InputError(path, f"district.pilot.{extra[0]}", table[extra[0]],
                         f"a field among {sorted(PILOT_FIELDS)}")
    name = table.get("scenario")
    if not isinstance(name, str) or not name:
        raise InputError(path, "district.pilot.scenario", name, "the name or file of the pilot's scenario")
    near = path.parent / name
    pilot_path = near if not Path(name).is_absolute() and near.is_file() else resolve_path(name, path.parent)
    if not pilot_path.exists():
        raise InputError(path, "district.pilot.scenario", name,
                         f"an existing scenario (looked for {pilot_path})")
    streets, share = table.get("streets"), table.get("share")
    if (streets is None) == (share is None):
        raise InputError(path, "district.pilot", sorted(table), "exactly one of 'streets' or 'share'")
    if share is not None:
        if not _is_number(share) or not 0 < share <= 1:
            raise InputError(path, "district.pilot.share", share, "a share in (0, 1]")
        return Pilot(load_scenario(pilot_path), share=float(share))
    _check_pilot_streets(streets, n_streets, path)
    return Pilot(load_scenario(pilot_path), streets=tuple(int(s) for s in streets))


def _check_pilot_streets(streets: Any, n_streets: int, file: Path | str) -> None:
    if streets is None:
        return
    ok = (isinstance(streets, (list, tuple)) and len(streets) > 0
          and all(isinstance(s, int) and not isinstance(s, bool) and 0 <= s < n_streets for s in streets)
          and len(set(streets)) == len(streets))
    if not ok:
        raise InputError(file, "district.pilot.streets", streets,
                         f"distinct street indices in [0, {n_streets - 1}]")
