"""Run a district: N streets, each with its own residents, staff, organisations and
money, sharing one set of district departments (the Python API behind
``streetsim run scenarios/district.toml``).

>>> from sim.district import run_district
>>> result = run_district("scenarios/district.toml", seed=1)
>>> result.streets                      # one row per street: size, region, ageing, migrants, pilot
>>> result.yearly("district")           # wide: year x indicator, all streets together
>>> result.per_street(2030)             # wide: street x indicator in one year
>>> result.departments                  # whistles and answer share per department and group
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.district.aggregate import department_table, group_indicators
from sim.district.profiles import StreetProfile, choose_pilots, draw_profiles, profiles_frame, street_changes
from sim.district.spec import District, load_district
from sim.gc_pause import collector_paused
from sim.indicators.compute import Counts, Tables, long_form, yearly_indicators
from sim.io import write_parquet
from sim.model import StreetModel
from sim.outputs import all_street_tables
from sim.params.values import Params
from sim.randomness import Streams

DISTRICT, PILOT, NON_PILOT = "district", "pilot", "non_pilot"


@dataclass
class DistrictResult:
    """Everything one district replication produced (small tables; the per-case tables
    only when asked for with ``keep_tables``)."""

    name: str
    seed: int
    streets: pd.DataFrame
    indicators: pd.DataFrame
    departments: pd.DataFrame
    daily: pd.DataFrame = field(repr=False)
    tables: list[Tables] | None = field(default=None, repr=False)

    @property
    def groups(self) -> list[str]:
        """Labels in ``indicators.street`` besides the street indices."""
        labels = set(self.indicators["street"])
        return [g for g in (DISTRICT, PILOT, NON_PILOT) if g in labels]

    def yearly(self, street: str | int = DISTRICT) -> pd.DataFrame:
        """Wide yearly indicators (index year) of one street or group."""
        sel = self.indicators[self.indicators["street"] == str(street)]
        return sel.pivot(index="year", columns="indicator", values="value").reindex(
            columns=list(dict.fromkeys(sel["indicator"])))

    def per_street(self, year: int) -> pd.DataFrame:
        """Wide indicators (index street, then groups) in one year."""
        sel = self.indicators[self.indicators["year"] == year]
        order = list(dict.fromkeys(sel["street"]))
        wide = sel.pivot(index="street", columns="indicator", values="value")
        return wide.reindex(index=order, columns=list(dict.fromkeys(sel["indicator"])))


def build_district_model(district: District, seed: int) -> tuple[StreetModel, list[StreetProfile]]:
    """The district's model, ready to run, and its street profiles.

    Profiles and pilot streets are drawn from the seed's ``district`` stream. Each
    street's parameters are its scenario's (the pilot's for pilot streets, else the base)
    made to its profile; department parameters are the base scenario's, with capacity
    scaled to the district's residents over the base street's.
    """
    base = district.scenario
    base_params = base.params
    rng = Streams(int(seed))["district"]
    profiles = draw_profiles(district.p, base_params.population.residents, rng)
    pilot = district.pilot
    if pilot is not None:
        chosen = choose_pilots(len(profiles), pilot.streets, pilot.share, rng)
        profiles = [StreetProfile(**{**vars(pr), "pilot": pr.index in chosen}) for pr in profiles]
    run_dates = {k: base.values[k] for k in ("run.start_date", "run.end_date")}

    def source(prof: StreetProfile):
        return pilot.scenario if prof.pilot else base

    street_params = [_made(source(pr).params, pr, run_dates) for pr in profiles]
    schedules = [_schedule(source(pr), pr, run_dates) for pr in profiles]
    if all(s is None for s in schedules):
        schedules = None
    capacity = sum(pr.residents for pr in profiles) / float(base_params.population.residents)
    model = StreetModel(base, seed=seed, street_params=street_params, street_schedules=schedules,
                        capacity_scale=capacity)
    return model, profiles


def _made(params: Params, profile: StreetProfile, run_dates: dict) -> Params:
    return params.replace({**street_changes(params.raw, profile), **run_dates})


def _schedule(scenario, profile: StreetProfile, run_dates: dict
              ) -> Callable[[dt.date], Params | None] | None:
    """A street's version of a scenario's schedule (None if the scenario has none)."""
    params_at = getattr(scenario, "params_at", None)
    if params_at is None:
        return None
    last: list = [None, None]  # source params, street params

    def at(date: dt.date) -> Params | None:
        p = params_at(date)
        if p is None:
            return None
        if p is not last[0]:
            last[0], last[1] = p, _made(p, profile, run_dates)
        return last[1]

    return at


def run_district(district: District | str | Path, seed: int, keep_tables: bool = False) -> DistrictResult:
    """Run one replication of a district.

    Args:
        district: a loaded :class:`District`, or a district file / name.
        seed: the replication's root seed (non-negative integer).
        keep_tables: also return every street's recorded tables (memory grows with
            residents and years).

    Returns:
        A :class:`DistrictResult`: street profiles, indicators per street and for the
        district (and pilot / non-pilot streets), the departments' view, daily series.
    """
    if not isinstance(district, District):
        district = load_district(district)
    with collector_paused():  # see sim.gc_pause
        model, profiles = build_district_model(district, seed)
        model.run()
        tables = all_street_tables(model, copy=False)  # model discarded
        streets = profiles_frame(profiles, [s.p for s in model.streets])
        start = np.datetime64(model.calendar.start.isoformat())
    del model
    # agents and model form cycles: free the model before the group tables (a full pass:
    # a collection of the younger generations only left it alive in a test)
    gc.collect()
    with collector_paused():
        pilot = {pr.index for pr in profiles if pr.pilot}
        counts = [Counts.of(tb) for tb in tables]  # each street's, merged for its groups
        parts = [(str(i), yearly_indicators(tb, counts[i])) for i, tb in enumerate(tables)]
        parts.append((DISTRICT, group_indicators(tables, counts)))
        if pilot and len(pilot) < len(tables):
            for label, member in ((PILOT, True), (NON_PILOT, False)):
                rows = [i for i in range(len(tables)) if (i in pilot) == member]
                parts.append((label, group_indicators([tables[i] for i in rows], [counts[i] for i in rows])))
        indicators = pd.concat([_long(w, label) for label, w in parts], ignore_index=True)
        indicators.insert(0, "seed", int(seed))
        indicators.insert(0, "scenario", district.name)
        daily = pd.concat([t.daily for t in tables], ignore_index=True)
        daily.insert(0, "date", start + daily["day"].to_numpy().astype("timedelta64[D]"))
        departments = department_table(tables, pilot)
    return DistrictResult(name=district.name, seed=int(seed), streets=streets, indicators=indicators,
                          departments=departments, daily=daily,
                          tables=tables if keep_tables else None)


def _long(wide: pd.DataFrame, street: str) -> pd.DataFrame:
    long = long_form(wide)
    long.insert(0, "street", street)
    return long


def write_district(result: DistrictResult, out_dir: Path) -> dict[str, Path]:
    """Write a district run's indicators, street profiles, department view and daily
    series as Parquet files (atomically)."""
    out_dir = Path(out_dir)
    return {
        "indicators": write_parquet(result.indicators, out_dir / "indicators.parquet"),
        "streets": write_parquet(result.streets, out_dir / "streets.parquet"),
        "departments": write_parquet(result.departments, out_dir / "departments.parquet"),
        "daily": write_parquet(result.daily, out_dir / "daily.parquet"),
    }
