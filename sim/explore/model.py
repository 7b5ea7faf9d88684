"""The explorer's Mesa model: a scenario, with levers switched and set and stressors
added, run beside the baseline on the same seed, one simulated year per step.

>>> m = ExplorerModel(path="combined", seed=1, residents=20_000, stress__revenue_shock=True)
>>> m.step()                  # 2024 for both runs
>>> m.yearly()                # arm, year, indicator, value (years so far)
>>> m.hours(), m.flows()      # staff hours by use per month; cases by route and end state

Lever and stressor keywords are the EMA names of :func:`sim.ema.factor_table`:
``lever__NAME`` (``"scenario"``, ``"on"`` or ``"off"``), ``lever__NAME__SETTING``
(applied when the lever is on and the value differs from the plan's default) and
``stress__NAME`` (bool). Everything is validated like a scenario file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mesa
import pandas as pd

from sim.ema import apply_point, factor_table
from sim.indicators.compute import long_form, yearly_indicators
from sim.levers.catalogue import LEVERS
from sim.levers.stressors import STRESSORS
from sim.model import StreetModel
from sim.outputs import labelled_cases, street_tables
from sim.report.data import BUCKETS, flow_outcome
from sim.scenarios import load_scenario

SCENARIO_DIR = Path(__file__).resolve().parents[2] / "scenarios"
PATHS = ("baseline", "integrated_resources", "coordinated", "digital", "combined")
BASELINE = "baseline"
PATH_LETTER = {"integrated_resources": "A", "coordinated": "B", "digital": "C"}


class ExplorerModel(mesa.Model):
    """A reform scenario and the baseline, stepped together a year at a time."""

    def __init__(self, path: str = "combined", seed: int = 1, residents: int = 20_000, end_year: int = 2030,
                 lang: str = "en", scenario: Any = None, **levers: Any) -> None:
        super().__init__(scenario=scenario) if scenario is not None else super().__init__()
        self.lang = lang
        self.path_name = path
        self.seed_value = int(seed)
        horizon = {"population.residents": int(residents), "run.end_date": f"{int(end_year)}-12-31"}
        base = load_scenario(BASELINE).with_values(horizon, source="explorer")
        chosen = load_scenario(path).with_values(horizon, source="explorer")
        self.street_scenario = apply_point(chosen, point_from_controls(chosen, levers), source="explorer")
        self.models = {"path": StreetModel(self.street_scenario, seed=self.seed_value),
                       "baseline": StreetModel(base, seed=self.seed_value)}
        self.years_done: list[int] = []
        self.running = True

    def step(self) -> None:
        """Simulate the next calendar year of both runs."""
        for m in self.models.values():
            if not m.running:
                continue
            year = int(m.calendar.year[m.t])
            while m.running and m.t < m.calendar.n_days and int(m.calendar.year[m.t]) == year:
                m.step()
        first = self.models["path"]
        done = first.calendar.year[first.t - 1]
        self.years_done.append(int(done))
        self.running = all(m.running for m in self.models.values())

    def yearly(self) -> pd.DataFrame:
        """Indicators of the finished years: arm (path/baseline), year, indicator, value."""
        frames = []
        for arm, m in self.models.items():
            if not self.years_done:
                break
            y = yearly_indicators(street_tables(m, m.streets[0]))
            y = y[y.index.isin(self.years_done)]
            long = long_form(y)
            frames.append(long.assign(arm=arm))
        if not frames:
            return pd.DataFrame(columns=["arm", "year", "indicator", "value"])
        return pd.concat(frames, ignore_index=True)[["arm", "year", "indicator", "value"]]

    def hours(self) -> pd.DataFrame:
        """Staff hours by use per month (arm, month, bucket, hours), slack included."""
        frames = []
        for arm, m in self.models.items():
            d = street_tables(m, m.streets[0]).daily if m.t > 0 else pd.DataFrame()
            if d.empty:
                continue
            d = d.assign(month=_month(m, d["day"]))
            cols = [f"hours_{b}" for b in BUCKETS if f"hours_{b}" in d.columns]
            per = d.groupby("month")[[*cols, "hours_available"]].sum()
            per["hours_slack"] = (per["hours_available"] - per[cols].sum(axis=1)).clip(lower=0)
            long = per[[*cols, "hours_slack"]].reset_index().melt(id_vars="month", var_name="bucket",
                                                                  value_name="hours")
            long["bucket"] = long["bucket"].str.removeprefix("hours_")
            frames.append(long.assign(arm=arm))
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
            columns=["month", "bucket", "hours", "arm"])

    def flows(self) -> pd.DataFrame:
        """Cases raised so far by arm, route and end state (resolved, bounced, dropped, open)."""
        frames = []
        for arm, m in self.models.items():
            if m.t == 0:
                continue
            cases = labelled_cases(street_tables(m, m.streets[0]).cases, _start(m))
            if cases.empty:
                continue
            out = flow_outcome(cases["outcome"], cases["drop_reason"])
            frames.append(pd.DataFrame({"route": cases["route"].astype(str), "outcome": out})
                          .value_counts().rename("n").reset_index().assign(arm=arm))
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
            columns=["route", "outcome", "n", "arm"])


def _start(m: StreetModel) -> Any:
    import numpy as np

    return np.datetime64(m.calendar.start.isoformat())


def _month(m: StreetModel, day: pd.Series) -> pd.Series:
    dates = pd.to_datetime(_start(m)) + pd.to_timedelta(day, unit="D")
    return dates.dt.to_period("M").dt.to_timestamp()


def point_from_controls(scenario: Any, controls: dict[str, Any]) -> dict[str, Any]:
    """Explorer controls (EMA names) as an :func:`sim.ema.apply_point` point."""
    point: dict[str, Any] = {}
    uses = {u.name for u in scenario.levers}
    for name, value in controls.items():
        if name.startswith("stress__") and name[8:] in STRESSORS:
            point[f"stress:{name[8:]}"] = bool(value)
            continue
        if not name.startswith("lever__"):
            raise ValueError(f"unknown explorer control {name!r}")
        lever, _, setting = name[7:].partition("__")
        if lever not in LEVERS:
            raise ValueError(f"unknown lever {lever!r}")
        if not setting:
            if value in ("on", True):
                point[f"lever:{lever}"] = True
            elif value in ("off", False):
                point[f"lever:{lever}"] = False
    for name, value in controls.items():
        lever, _, setting = name.removeprefix("lever__").partition("__")
        if name.startswith("lever__") and setting:
            on = point.get(f"lever:{lever}", lever in uses)
            if on and value != LEVERS[lever].defaults.get(setting):
                point[f"lever:{lever}"] = True
                point[f"lever:{lever}:{setting}"] = value
    return point


def explorer_params(lang: str = "en") -> dict[str, Any]:
    """SolaraViz ``model_params``: scenario, seed, size, horizon, language, each lever
    (scenario/on/off) with its main setting as a slider within its declared bounds, and
    each stressor."""
    params: dict[str, Any] = {
        "path": {"type": "Select", "value": "combined", "values": list(PATHS), "label": "scenario"},
        "seed": {"type": "SliderInt", "value": 1, "min": 0, "max": 1000, "step": 1, "label": "seed"},
        "residents": {"type": "SliderInt", "value": 20_000, "min": 2_000, "max": 120_000, "step": 1_000,
                      "label": "residents"},
        "end_year": {"type": "SliderInt", "value": 2030, "min": 2024, "max": 2030, "step": 1,
                     "label": "last year"},
        "lang": {"type": "Select", "value": lang, "values": ["en", "zh"], "label": "language 语言"},
    }
    factors = factor_table(load_scenario("combined"), stressors=True, levers=True)
    settings = factors[(factors.role == "lever") & (factors.type != "bool")]
    for lever in LEVERS.values():
        params[f"lever__{lever.name}"] = {"type": "Select", "value": "scenario",
                                          "values": ["scenario", "on", "off"],
                                          "label": f"{PATH_LETTER.get(lever.path, '')}: {lever.name}"}
        main = settings[settings.key.str.startswith(f"lever:{lever.name}:")].head(1)
        for r in main.itertuples(index=False):
            st = next(s for s in lever.settings if f"lever:{lever.name}:{s.name}" == r.key)
            integer = r.type == "int"
            lo, hi = (int(r.lo), int(r.hi)) if integer else (float(r.lo), float(r.hi))
            params[r.name] = {"type": "SliderInt" if integer else "SliderFloat", "value": st.default,
                              "min": lo, "max": hi, "step": 1 if integer else (hi - lo) / 100,
                              "label": f"  {st.name} ({st.unit})"}
    for s in STRESSORS.values():
        params[f"stress__{s.name}"] = {"type": "Checkbox", "value": False, "label": f"risk: {s.name}"}
    return params
