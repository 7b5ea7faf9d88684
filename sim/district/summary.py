"""What a city run shows: one row per district (and its pilot groups) in one year."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from sim.district.city import CityResult
from sim.district.report import HEADLINE
from sim.district.runner import DISTRICT, NON_PILOT, PILOT
from sim.indicators.definitions import INDICATOR_BY_KEY


def city_summary(result: CityResult, labels: Sequence[str] = (), year: int | None = None,
                 lang: str = "en", indicators: Sequence[str] = HEADLINE) -> pd.DataFrame:
    """Headline indicators of every district (and of its pilot and non-pilot streets) in
    ``year`` (default: the last): rows ``district k (file) / group``, with streets and
    residents."""
    ind = result.indicators
    if ind.empty:
        return pd.DataFrame()
    year = int(ind["year"].max()) if year is None else int(year)
    sel = ind[(ind["year"] == year) & ind["street"].isin([DISTRICT, PILOT, NON_PILOT])
              & ind["indicator"].isin(indicators)]
    wide = sel.pivot_table(index=["district", "street"], columns="indicator", values="value", sort=False)
    wide = wide.reindex(columns=[k for k in indicators if k in wide.columns])
    streets = result.streets.groupby("district").agg(streets=("street", "size"),
                                                     residents=("residents", "sum"))
    rows = []
    for (k, group), values in wide.iterrows():
        label = labels[k] if k < len(labels) else ""
        rows.append({"district": f"{k} ({label})" if label else str(k), "group": group,
                     "streets": int(streets.at[k, "streets"]) if group == DISTRICT else None,
                     "residents": int(streets.at[k, "residents"]) if group == DISTRICT else None,
                     **values.to_dict()})
    out = pd.DataFrame(rows).rename(columns={k: getattr(INDICATOR_BY_KEY[k], lang) for k in indicators})
    out.attrs["year"] = year
    return out
