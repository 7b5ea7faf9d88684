"""Load a scenario file whole: its parameters, its reform levers and risk stressors, and
those it inherits, validated before any simulation work starts.

The layers below each read their part of a file: :mod:`sim.params.reading` the
``[scenario]`` table and the parameter entries, :mod:`sim.levers.uses` the
``[levers.NAME]`` and ``[stressors.NAME]`` tables (and builds the :class:`Schedule` a
:class:`~sim.params.scenario.Scenario` receives). This module puts them together along
the file's ``extends`` chain and its ``combines`` list:

* a root scenario (no ``extends``) gives every parameter with value, unit and source;
* a derived one overrides values and adds or removes (``enabled = false``) levers and
  stressors, inheriting the rest from its parent;
* ``combines = ["a", "b"]`` adds the overrides, levers and stressors of other scenarios
  (which must not disagree).

Schedules are checked on every month of the run at load time. Every error is an
:class:`~sim.params.errors.InputError` naming file, field, value and what is allowed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from sim.levers.uses import Schedule, read_lever, read_stressor, read_tables
from sim.params.errors import InputError
from sim.params.reading import apply_entries, check_cross_field, read_meta, read_toml, resolve_path
from sim.params.scenario import Scenario


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
    meta = read_meta(doc, path)
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
    apply_entries(doc, path, values, prov, root=parent_name is None and not combined)
    check_cross_field(values, path)
    for tables, section, reader in ((levers, "levers", read_lever), (stressors, "stressors", read_stressor)):
        for key, use in read_tables(doc, path, section, reader).items():
            tables.pop(key, None)
            if use is not None:
                tables[key] = use
    return Scenario(name=name, description=meta.get("description", ""), path=path,
                    values=values, provenance=prov,
                    schedule=Schedule(tuple(levers.values()), tuple(stressors.values())),
                    chain=[*chain, name], name_zh=meta.get("name_zh", ""))


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
