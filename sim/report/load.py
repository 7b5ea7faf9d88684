"""Read one experiment's results folder into :class:`~sim.report.data.ReportData`.

Datasets are read through :func:`sim.experiment.store.load`. Optional tables are read
when present in the experiment folder: ``sensitivity.parquet`` (written by
:func:`sim.experiment.sensitivity.sensitivity`) and ``calibration.parquet`` (the columns
of :func:`sim.calibration.check`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiment import store
from sim.params.errors import InputError
from sim.report.data import ReportData, report_data

EXTRA_TABLES = ("sensitivity", "calibration", "targets", "costs", "paired")


def experiment_dir(results_dir: str | Path) -> Path:
    """The experiment folder: ``results_dir`` itself, or its only experiment.

    Raises :class:`InputError` when there is no stored run, or several experiments.
    """
    root = Path(results_dir)
    if (root / "runs").is_dir():
        return root
    found = sorted(p for p in root.iterdir() if (p / "runs").is_dir()) if root.is_dir() else []
    if len(found) == 1:
        return found[0]
    if not found:
        raise InputError(root, "--results", str(root), "a results folder holding an experiment's runs/")
    raise InputError(root, "--results", str(root),
                     f"one experiment's folder, e.g. {found[0]} (found {[p.name for p in found]})")


def load_report_data(results_dir: str | Path) -> ReportData:
    """Build the report's data from a results folder (``results/<experiment>`` or ``results/``
    holding a single experiment)."""
    folder = experiment_dir(results_dir)
    runs = store.load(folder, "runs")
    indicators = store.load(folder, "indicators")
    if runs.empty or indicators.empty:
        raise InputError(folder, "--results", str(folder), "an experiment with finished runs")
    manifest = _manifest(folder)
    used = sorted({s for x in runs["stressors"].fillna("") for s in str(x).split(",") if s})
    scenarios, changes, levers = scenario_definitions(manifest.get("scenarios") or [], used)
    extras = {name: _extra(folder, name) for name in EXTRA_TABLES}
    data = report_data(runs, indicators, store.load(folder, "daily"), store.load(folder, "flows"),
                       store.load(folder, "departments"), meta=_meta(folder, manifest),
                       scenarios=scenarios, changes=changes, levers=levers, **extras)
    data.discovery = discovery_boxes(folder)
    return data


def discovery_boxes(folder: Path) -> pd.DataFrame | None:
    """Boxes of every scenario discovery stored beside the experiment
    (``<results>/*/discovery/boxes.parquet``, written by ``streetsim discover``)."""
    files = sorted(Path(folder).parent.glob("*/discovery/boxes.parquet"))
    frames = [pd.read_parquet(f) for f in files]
    return pd.concat(frames, ignore_index=True) if frames else None


LEVER_COLUMNS = ["scenario", "kind", "name", "phase", "settings", "clause"]


def scenario_definitions(names: list[str], stressors: list[str] = ()
                         ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """What the scenarios are, for the methods section.

    Args:
        names: the experiment's scenarios (names or files); those that no longer load are
            left out.
        stressors: stressor names the experiment applied on top of them.

    Returns:
        ``info`` (scenario, name_zh, description, levers), ``changes`` (parameters whose file
        value differs from the baseline: the scenario named ``baseline``, else the first) and
        ``levers`` (scenario, kind, name, phase, settings, clause: every lever and stressor).
    """
    from sim.experiment import adapters

    loaded = []
    for name in names:
        try:
            loaded.append(adapters.load_scenario(name))
        except Exception:  # definitions only annotate the report: a scenario file moved or
            continue  # changed since the run must not stop it
    info = pd.DataFrame([{"scenario": sc.name, "name_zh": getattr(sc, "name_zh", ""),
                          "description": getattr(sc, "description", ""),
                          "levers": ", ".join(u.name for u in getattr(sc, "levers", ()))}
                         for sc in loaded], columns=["scenario", "name_zh", "description", "levers"])
    rows = []
    if loaded:
        first = next((sc for sc in loaded if sc.name == "baseline"), loaded[0])
        base = first.values
        for sc in (sc for sc in loaded if sc is not first):
            for key, value in sc.values.items():
                if key in base and not _same(base[key], value):
                    prov = sc.provenance.get(key)
                    rows.append({"scenario": sc.name, "parameter": key, "baseline": _text(base[key]),
                                 "value": _text(value), "source": str(getattr(prov, "source", ""))})
    changes = pd.DataFrame(rows, columns=["scenario", "parameter", "baseline", "value", "source"])
    return info, changes, pd.DataFrame(_lever_rows(loaded, stressors), columns=LEVER_COLUMNS)


def _lever_rows(scenarios: list[Any], stressors: list[str]) -> list[dict[str, str]]:
    rows = []
    for sc in scenarios:
        for u in getattr(sc, "levers", ()):
            rows.append({"scenario": sc.name, "kind": "lever", "name": u.name,
                         "phase": f"{u.start} – {u.end}", "settings": _text(dict(u.settings)),
                         "clause": getattr(u.lever, "clause", "")})
        for u in getattr(sc, "stressors", ()):
            rows.append({"scenario": sc.name, "kind": "stressor", "name": u.name,
                         "phase": f"{u.start or ''} –", "settings": _text(dict(u.settings)),
                         "clause": getattr(u.stressor, "risk", "")})
    if stressors:
        try:
            from sim.levers import STRESSORS
        except ImportError:
            STRESSORS = {}
        for name in stressors:
            entry = STRESSORS.get(name)
            rows.append({"scenario": "*", "kind": "stressor", "name": name, "phase": "",
                         "settings": _text(entry.defaults) if entry else "",
                         "clause": entry.risk if entry else ""})
    return rows


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except ValueError:  # arrays
        return _text(a) == _text(b)


def _text(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_text(v)}" for k, v in value.items())
    return f"{value:g}" if isinstance(value, float) else str(value)


def _manifest(folder: Path) -> dict[str, Any]:
    path = folder / "experiment.json"
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _meta(folder: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    meta = {"name": manifest.get("name", folder.name), "description": manifest.get("description", ""),
            "sampler": manifest.get("sampler", ""), "results": str(folder)}
    for key in ("indicators", "years", "replications", "seed"):
        if manifest.get(key):
            meta[key] = manifest[key]
    if manifest.get("parameters"):
        meta["parameters"] = [p["key"] for p in manifest["parameters"] if isinstance(p, dict) and "key" in p]
    return meta


def _extra(folder: Path, name: str) -> pd.DataFrame | None:
    path = folder / f"{name}.parquet"
    return pd.read_parquet(path) if path.exists() else None
