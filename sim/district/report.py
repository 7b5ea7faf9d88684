"""Readable tables of a district run (what ``streetsim run`` prints for a district)."""

from __future__ import annotations

import pandas as pd

from sim.district.runner import DISTRICT, NON_PILOT, PILOT, DistrictResult
from sim.indicators.definitions import INDICATOR_BY_KEY

HEADLINE: tuple[str, ...] = (
    "demands", "resolution_rate", "mean_resolve_hours", "dept_response_rate", "dept_arrival_hours",
    "satisfaction", "complaints", "staff_turnover", "funding_gap", "so_activity",
)
"""Indicators shown per street and per group."""


def street_table(result: DistrictResult, year: int | None = None, lang: str = "en",
                 indicators: tuple[str, ...] = HEADLINE) -> pd.DataFrame:
    """One row per street (then the district and pilot groups) in one year (default:
    the last): profile columns and headline indicators."""
    year = int(result.indicators["year"].max()) if year is None else year
    wide = result.per_street(year)[list(indicators)]
    prof = result.streets.assign(street=result.streets["street"].astype(str)).set_index("street")
    prof = prof[["residents", "region", "pilot"]]
    out = prof.astype(object).reindex(wide.index).join(wide)
    for g in (DISTRICT, PILOT, NON_PILOT):
        if g in out.index:
            out.loc[g, ["residents", "region", "pilot"]] = [_group_residents(result, g), "", ""]
    out = out.rename(columns={k: getattr(INDICATOR_BY_KEY[k], lang) for k in indicators})
    out.index.name = f"street ({year})"
    return out


def group_table(result: DistrictResult, lang: str = "en", indicators: tuple[str, ...] = HEADLINE
                ) -> pd.DataFrame:
    """Headline indicators by year for the district and for pilot and non-pilot streets
    apart (rows: indicator and group; columns: years)."""
    sel = result.indicators[result.indicators["street"].isin(result.groups)
                            & result.indicators["indicator"].isin(indicators)]
    wide = sel.pivot_table(index=["indicator", "street"], columns="year", values="value", sort=False)
    order = [(k, g) for k in indicators for g in result.groups if (k, g) in wide.index]
    wide = wide.reindex(order)
    wide.index = pd.MultiIndex.from_tuples(
        [(getattr(INDICATOR_BY_KEY[k], lang), g) for k, g in order], names=["indicator", "group"])
    return wide


def _group_residents(result: DistrictResult, group: str) -> int:
    s = result.streets
    mask = {DISTRICT: s["pilot"] | ~s["pilot"], PILOT: s["pilot"], NON_PILOT: ~s["pilot"]}[group]
    return int(s.loc[mask, "residents"].sum())
