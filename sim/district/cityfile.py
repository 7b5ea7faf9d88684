"""City files: which districts a city holds (``streetsim city scenarios/city.toml``).

::

    [city]
    name = "city"                          # experiment name in the results store
    description = "..."
    seed = 20240101                        # the city's root seed (optional)

    [[city.districts]]
    file = "district.toml"                 # a district file, relative to this file
    count = 2                              # independent districts drawn from it (default 1)
    source = "why this district is in the city"

Each listed district is validated before any district runs; errors name the file, the
field, the value and what is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.district.spec import District, load_district
from sim.params.errors import InputError
from sim.params.reading import read_toml

CITY_FIELDS = {"name", "description", "seed", "districts"}
ENTRY_FIELDS = {"file", "count", "source"}
MAX_DISTRICTS = 10_000


@dataclass(frozen=True)
class City:
    """A validated city file: its name, seed and districts (one entry per district run)."""

    name: str
    description: str
    path: Path
    seed: int | None
    districts: tuple[District, ...]
    labels: tuple[str, ...]  # each district's file name, in run order


def load_city(path: str | Path) -> City:
    """Read and validate a city file and every district file it names."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "file", str(path), "an existing city file (e.g. scenarios/city.toml)")
    doc = read_toml(path)
    city = doc.get("city")
    if not isinstance(city, dict):
        raise InputError(path, "city", city, "a [city] table with [[city.districts]] entries")
    extra = sorted(set(city) - CITY_FIELDS)
    if extra:
        raise InputError(path, f"city.{extra[0]}", city[extra[0]], f"only fields {sorted(CITY_FIELDS)}")
    name = city.get("name", path.stem)
    if not isinstance(name, str) or not name.strip() or "/" in name:
        raise InputError(path, "city.name", name, "a non-empty name without '/'")
    seed = city.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise InputError(path, "city.seed", seed, "a non-negative integer")
    entries = city.get("districts")
    if not isinstance(entries, list) or not entries:
        raise InputError(path, "city.districts", entries, "a non-empty list of [[city.districts]] tables")
    districts: list[District] = []
    labels: list[str] = []
    for i, entry in enumerate(entries):
        where = f"city.districts[{i}]"
        district, count = _entry(path, where, entry)
        districts += [district] * count
        labels += [Path(entry["file"]).stem] * count
    if len(districts) > MAX_DISTRICTS:
        raise InputError(path, "city.districts", len(districts), f"at most {MAX_DISTRICTS} districts")
    return City(name=name, description=str(city.get("description", "")), path=path, seed=seed,
                districts=tuple(districts), labels=tuple(labels))


def _entry(path: Path, where: str, entry: Any) -> tuple[District, int]:
    if not isinstance(entry, dict):
        raise InputError(path, where, entry, "a table { file = ..., count = ... }")
    extra = sorted(set(entry) - ENTRY_FIELDS)
    if extra:
        raise InputError(path, f"{where}.{extra[0]}", entry[extra[0]], f"only fields {sorted(ENTRY_FIELDS)}")
    file = entry.get("file")
    if not isinstance(file, str) or not file:
        raise InputError(path, f"{where}.file", file, "a district file name, relative to the city file")
    target = (path.parent / file)
    if not target.is_file():
        raise InputError(path, f"{where}.file", file, f"an existing district file (no {target})")
    count = entry.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_DISTRICTS:
        raise InputError(path, f"{where}.count", count, f"an integer in [1, {MAX_DISTRICTS}]")
    return load_district(target), count
