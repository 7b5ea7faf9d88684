"""Run a scenario with a seed and get tables back (the Python API behind the CLI).

>>> from sim import load_scenario, run
>>> result = run(load_scenario("baseline"), seed=1)
>>> result.indicators.head()        # long: scenario, seed, street, year, indicator, value
>>> result.yearly                   # wide: one row per year, one column per indicator
>>> result.cases                    # the per-case event table
>>> result.money                    # the money ledger: street, year, item, yuan

Tables of a :class:`RunResult`: ``yearly`` and ``indicators`` (the indicators),
``cases`` (one row per demand), ``episodes`` (whistles to departments), ``daily``
(one row per day: staff hours by use, cases queued / in service / waiting on
departments, balances, ...), ``emergencies`` and ``money`` (the yearly ledger).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.allocator import keep_freed_memory
from sim.indicators.compute import Tables, long_form, yearly_indicators
from sim.model import StreetModel
from sim.outputs import all_street_tables, labelled_cases, labelled_emergencies, labelled_episodes
from sim.params.errors import InputError
from sim.params.scenario import Scenario
from sim.randomness import check_seed
from sim.scenarios import load_scenario


@dataclass
class RunResult:
    """Everything one replication produced."""

    scenario: str
    seed: int
    yearly: pd.DataFrame
    tables: list[Tables] = field(repr=False)
    start: np.datetime64 = field(repr=False, default=np.datetime64("2024-01-01"))

    @property
    def indicators(self) -> pd.DataFrame:
        """Yearly indicators in long format (scenario, seed, street, year, indicator, value)."""
        long = long_form(self.yearly)
        long.insert(0, "street", "all")
        long.insert(0, "seed", self.seed)
        long.insert(0, "scenario", self.scenario)
        return long

    @property
    def cases(self) -> pd.DataFrame:
        """Per-case event table (all streets), labelled."""
        return labelled_cases(pd.concat([t.cases for t in self.tables], ignore_index=True), self.start)

    @property
    def episodes(self) -> pd.DataFrame:
        """Whistle episodes (one per case and department asked)."""
        return labelled_episodes(pd.concat([t.episodes for t in self.tables], ignore_index=True))

    @property
    def daily(self) -> pd.DataFrame:
        """Daily series (queue, hours by use, staff, money, ...)."""
        d = pd.concat([t.daily for t in self.tables], ignore_index=True)
        d.insert(0, "date", self.start + d["day"].to_numpy().astype("timedelta64[D]"))
        return d

    @property
    def money(self) -> pd.DataFrame:
        """The money ledger: one row per street, year and item (budgeted, arrived, spent,
        unfunded, lapsed, ..., general balance), in yuan."""
        state = pd.concat([t.state for t in self.tables], ignore_index=True)
        cols = [c for c in state.columns if c.startswith("money_")]
        long = state[["street", "year", *cols]].melt(id_vars=["street", "year"], var_name="item",
                                                     value_name="yuan")
        long["item"] = long["item"].str.removeprefix("money_")
        long.insert(0, "seed", self.seed)
        long.insert(0, "scenario", self.scenario)
        return long.sort_values(["street", "year"], kind="stable").reset_index(drop=True)

    @property
    def emergencies(self) -> pd.DataFrame:
        """Emergencies and false alarms."""
        return labelled_emergencies(pd.concat([t.emergencies for t in self.tables], ignore_index=True))


def run(scenario: Scenario | str | Path, seed: int) -> RunResult:
    """Run one replication of a scenario.

    Args:
        scenario: a loaded :class:`Scenario`, or a scenario name / file path.
        seed: the replication's root seed (an integer from 0 to 2**63-1).

    Returns:
        A :class:`RunResult` with yearly indicators and the recorded tables.

    Raises:
        InputError: a bad seed, or a district file (run those with
            :func:`sim.district.run_district`; ``streetsim run FILE`` does so).
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    refuse_district(scenario)
    seed = check_seed(seed, scenario.path, "seed")
    keep_freed_memory()  # the next run reuses the pages this one frees: see sim.allocator
    model = StreetModel(scenario, seed=seed).run()
    tables = all_street_tables(model, copy=False)  # model discarded
    yearly = yearly_indicators(tables[0])
    return RunResult(scenario=scenario.name, seed=int(seed), yearly=yearly, tables=tables,
                     start=np.datetime64(model.calendar.start.isoformat()))


def refuse_district(scenario: Scenario) -> None:
    """Refuse a scenario read on its own from a district file: one street run would
    silently drop its ``[district]`` table."""
    if getattr(scenario, "district_file", False):
        raise InputError(scenario.path, "[district]", scenario.name,
                         "a single-street scenario for run(); run a district with "
                         "sim.district.run_district(sim.district.load_district(FILE)) or "
                         "`streetsim run FILE`")
