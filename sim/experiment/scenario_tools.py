"""Scenario tools behind ``streetsim scenarios``: list, show and diff, as DataFrames.

``show`` gives every parameter's value after inheritance, levers and stressors: the
value a run starts from and, where levers or stressors change it, the value in force on
1 January of each year of the run. ``diff`` gives the parameters two scenarios set
differently at the start or on any 1 January.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd

from sim.params.errors import InputError
from sim.params.reading import SCENARIO_DIR, read_toml
from sim.params.scenario import Scenario
from sim.params.schema import SPECS


def list_scenarios(directory: Path = SCENARIO_DIR) -> pd.DataFrame:
    """The scenario files of ``directory``: name, Chinese name, parent, levers, stressors,
    description. Files are read, not validated (``show`` validates)."""
    rows = []
    for path in sorted(Path(directory).glob("*.toml")):
        try:
            doc = read_toml(path)
        except InputError as exc:
            rows.append({"scenario": path.stem, "file": path.name, "description": f"unreadable: {exc}"})
            continue
        meta = doc.get("scenario", {}) if isinstance(doc.get("scenario"), dict) else {}
        levers = doc.get("levers", {}) if isinstance(doc.get("levers"), dict) else {}
        stressors = doc.get("stressors", {}) if isinstance(doc.get("stressors"), dict) else {}
        rows.append({
            "scenario": meta.get("name", path.stem), "name_zh": meta.get("name_zh", ""),
            "extends": meta.get("extends", ""), "combines": ", ".join(meta.get("combines", [])),
            "levers": len(levers), "stressors": ", ".join(stressors),
            "district": "district" in doc, "file": path.name,
            "description": meta.get("description", ""),
        })
    return pd.DataFrame(rows)


def year_starts(scenario: Scenario) -> list[dt.date]:
    """1 January of every year of the run (the first day for the first year)."""
    start = dt.date.fromisoformat(scenario.values["run.start_date"])
    end = dt.date.fromisoformat(scenario.values["run.end_date"])
    return [start] + [dt.date(y, 1, 1) for y in range(start.year + 1, end.year + 1)]


def changed_by(scenario: Scenario) -> dict[str, str]:
    """Scheduled keys and the levers / stressors that set them."""
    out: dict[str, list[str]] = {}
    for key, (lever, _) in scenario.ramps().items():
        out.setdefault(key, []).append(f"lever {lever}")
    for use in scenario.stressors:
        for key in use.stressor.targets:
            out.setdefault(key, []).append(f"stressor {use.name}")
    return {k: ", ".join(v) for k, v in out.items()}


def show_scenario(scenario: Scenario) -> pd.DataFrame:
    """Every parameter: unit, value at the start, what changes it, value on each 1 January,
    and provenance of the file value."""
    days = year_starts(scenario)
    by_day = [scenario.values_at(d) for d in days]
    who = changed_by(scenario)
    rows = []
    for spec in SPECS:
        key = spec.key
        row: dict[str, Any] = {"parameter": key, "unit": spec.unit, "value": by_day[0][key],
                               "changed_by": who.get(key, "")}
        for d, vals in zip(days, by_day):
            row[d.year] = vals[key]
        prov = scenario.provenance.get(key)
        row["source"] = f"{prov.file}: {prov.source}" if prov else ""
        rows.append(row)
    return pd.DataFrame(rows).set_index("parameter")


def diff_scenarios(a: Scenario, b: Scenario) -> pd.DataFrame:
    """Parameters ``a`` and ``b`` set differently at the start or on any 1 January of
    ``a``'s run: one row per parameter and date where they differ."""
    rows = []
    for day in year_starts(a):
        va, vb = a.values_at(day), b.values_at(day)
        for spec in SPECS:
            if va[spec.key] != vb[spec.key]:
                rows.append({"parameter": spec.key, "date": day.isoformat(), a.name: va[spec.key],
                             b.name if b.name != a.name else f"{b.name} (b)": vb[spec.key]})
    return pd.DataFrame(rows)


def lever_table(scenario: Scenario) -> pd.DataFrame:
    """Levers and stressors of a scenario with their phases and settings."""
    rows = [{"kind": "lever", "name": u.name, "start": u.start.isoformat(), "end": u.end.isoformat(),
             "settings": fmt(dict(u.settings)),
             "stages": "; ".join(f"{d}: {fmt(dict(s))}" for d, s in u.stages)} for u in scenario.levers]
    rows += [{"kind": "stressor", "name": u.name, "start": u.start.isoformat() if u.start else "(run start)",
              "end": "", "settings": fmt(dict(u.settings)), "stages": ""} for u in scenario.stressors]
    return pd.DataFrame(rows, columns=["kind", "name", "start", "end", "settings", "stages"])


def fmt(value: Any, width: int = 70) -> str:
    """Compact text of a parameter value (tables as key=value, numbers to 4 digits)."""
    if isinstance(value, dict):
        text = ", ".join(f"{k}={fmt(v)}" for k, v in value.items())
    elif isinstance(value, float):
        text = f"{value:.4g}"
    else:
        text = str(value)
    return text if len(text) <= width else text[: width - 3] + "..."
