"""Indicators of groups of streets (the district, pilot and non-pilot streets) and the
district departments' view, from the streets' recorded tables only."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.counting import sum_combinations
from sim.domain import DEPARTMENTS
from sim.indicators.compute import Counts, Tables, yearly_indicators


def combine_tables(tables: list[Tables], columns: dict[str, tuple[str, ...]] | None = None) -> Tables:
    """The tables of several streets of one run as one set of tables.

    Rows are concatenated (each keeps its ``street``); residents add up; each street's
    yearly state gets its residents so that shares combine weighted by population.
    ``columns``: only these columns of the tables it names (table name -> columns; no
    columns: an empty table, nothing joined).
    """
    first = tables[0]
    columns = columns or {}

    def cat(name: str) -> pd.DataFrame:
        keep = columns.get(name)
        if keep is not None and not keep:
            return pd.DataFrame()
        return pd.concat([getattr(t, name) if keep is None else getattr(t, name)[list(keep)] for t in tables],
                         ignore_index=True)

    state = pd.concat([t.state.assign(residents=t.residents) for t in tables], ignore_index=True)
    return Tables(cases=cat("cases"), episodes=cat("episodes"), whistles=cat("whistles"), daily=cat("daily"),
                  staff_events=cat("staff_events"), emergencies=cat("emergencies"),
                  so_events=cat("so_events"), council=cat("council"), state=state,
                  residents=int(sum(t.residents for t in tables)), years=first.years,
                  year_of_day=first.year_of_day)


COUNTED = {"cases": (), "episodes": (), "whistles": ()}
"""The large tables a group's indicators take from its streets' :class:`Counts` instead
of joining them."""


def group_indicators(tables: list[Tables], counts: list[Counts] | None = None) -> pd.DataFrame:
    """Yearly indicators (wide, index year) of a group of streets taken together: rates
    over all their cases, whistles and staff; counts add up.

    The cases, episodes and whistles are not joined: the streets' counts (``counts``,
    one :class:`Counts` per street when already made) merge into exactly what the joined
    tables would give, values in the same order, so the indicators are the same bits."""
    counts = counts if counts is not None else [Counts.of(t) for t in tables]
    if len(tables) == 1:
        return yearly_indicators(tables[0], counts[0])
    return yearly_indicators(combine_tables(tables, COUNTED), Counts.merged(counts))


def department_table(tables: list[Tables], pilot: set[int]) -> pd.DataFrame:
    """Whistles each department received a year and the share answered at once, for all
    streets and, with a pilot, for pilot and non-pilot streets apart (crowding-out shows
    as a lower answer share for the streets that did not change).

    Counted on codes (:func:`sim.counting.sum_combinations` over year and department of
    the routine whistles, a group at a time): the same counts and shares as a group-by of
    the streets' concatenated logs."""
    cols = ["year", "department", "group", "whistles", "answered_share"]
    yod = tables[0].year_of_day
    routine = [t.whistles["kind"].to_numpy() == 0 for t in tables]
    if not sum(int(r.sum()) for r in routine):
        return pd.DataFrame(columns=cols)

    def routine_column(name: str) -> np.ndarray:
        return np.concatenate([t.whistles[name].to_numpy()[r] for t, r in zip(tables, routine, strict=True)])

    year = yod[routine_column("day")].astype(np.int64)
    department = routine_column("department").astype(np.int64)
    answered = routine_column("answered")
    groups: list[tuple[str, slice | np.ndarray]] = [("all", slice(None))]
    if pilot:
        is_pilot = np.isin(routine_column("street"), sorted(pilot))
        groups += [("pilot", is_pilot), ("non_pilot", ~is_pilot)]
    parts = []
    for name, rows in groups:
        (years, departments), sent, yes = sum_combinations([year[rows], department[rows]], answered[rows])
        parts.append(pd.DataFrame({"year": years.astype(yod.dtype), "department": departments, "group": name,
                                   "whistles": sent, "answered_share": yes / sent}))
    out = pd.concat(parts, ignore_index=True)
    out["department"] = pd.Categorical.from_codes(out["department"].astype(int), DEPARTMENTS)
    return out[cols]
