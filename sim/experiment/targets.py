"""Plan targets met: absolute levels with CIs and the share of replications meeting each target.

>>> from sim.experiment.targets import target_table, parse_target
>>> table = target_table(indicators)          # the long store table of an experiment
>>> table.columns                             # scenario, year, indicator, n, mean, ci_low, ci_high,
...                                           # target_op, target_value, target_year, due, share_meeting
>>> parse_target("out_of_list_share<0.20@2025")
('out_of_list_share', Target(op='<', value=0.2, due=2025, unit='share'))

Targets are those of the indicator table (:attr:`Indicator.plan_target`), or given ones.
A replication meets a target in a year when its value satisfies the operator; the share
meeting is over the replications that have a value. ``due`` says whether the year is
at or after the target's due year.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from sim.indicators.definitions import INDICATOR_BY_KEY, INDICATORS, OPERATORS, Target
from sim.params.errors import InputError

TARGET_RE = re.compile(r"^\s*([a-z0-9_]+)\s*(>=|<=|>|<)\s*([-+0-9.eE]+)(%?)\s*(?:@\s*(\d{4}))?\s*$")
COLUMNS = ["scenario", "year", "indicator", "n", "mean", "ci_low", "ci_high", "target_op", "target_value",
           "target_year", "due", "share_meeting"]


def parse_target(text: str, field: str = "--target") -> tuple[str, Target]:
    """``"INDICATOR OP VALUE[%][@YEAR]"`` (e.g. ``out_of_list_share<0.20@2025``) as
    ``(indicator, Target)``; without ``@YEAR`` the plan's due year of the indicator."""
    m = TARGET_RE.match(str(text))
    if not m:
        raise InputError(None, field, text, f"INDICATOR OP VALUE[@YEAR] with OP among {list(OPERATORS)}, "
                                            "e.g. out_of_list_share<0.20@2025")
    key, op, number, pct, year = m.groups()
    ind = INDICATOR_BY_KEY.get(key)
    if ind is None:
        raise InputError(None, field, key, "an indicator key (streetsim indicators: see docs/ODD.md)")
    try:
        value = float(number) / (100.0 if pct else 1.0)
    except ValueError:
        raise InputError(None, field, text, "a number after the operator") from None
    due = int(year) if year else int(ind.target_from)
    return key, Target(op, value, due, ind.unit)


def plan_targets() -> dict[str, Target]:
    """Every indicator's plan target (indicators without one are left out)."""
    return {i.key: i.plan_target for i in INDICATORS if i.plan_target is not None}


def target_table(indicators: pd.DataFrame, targets: Mapping[str, Target] | None = None,
                 years: Sequence[int] | None = None, conf: float = 0.95) -> pd.DataFrame:
    """Levels and targets met per scenario, year and indicator.

    Args:
        indicators: long table (scenario, replication or seed, year, indicator, value);
            rows of street ``all`` are used where a ``street`` column exists.
        targets: indicator -> :class:`Target` (default: the plan's, :func:`plan_targets`).
        years: keep these years (default all).
        conf: confidence level of the CI of the mean.

    Returns:
        One row per scenario, year and targeted indicator: n, mean, CI, the target's
        operator, value and due year, whether the year is due, and the share of
        replications meeting it.
    """
    from sim.stats import ci_bounds as mean_ci

    targets = plan_targets() if targets is None else dict(targets)
    ind = indicators
    if "street" in ind.columns and (ind["street"] == "all").any():
        ind = ind[ind["street"] == "all"]
    ind = ind[ind["indicator"].isin(list(targets))]
    if years is not None:
        ind = ind[ind["year"].isin(list(years))]
    rows = []
    for (scenario, year, key), g in ind.groupby(["scenario", "year", "indicator"], sort=False):
        x = g["value"].to_numpy(dtype=float)
        x = x[~np.isnan(x)]
        t = targets[key]
        met = [t.meets(v) for v in x]
        lo, hi = mean_ci(x, conf)
        rows.append({"scenario": scenario, "year": int(year), "indicator": key, "n": len(x),
                     "mean": float(x.mean()) if len(x) else float("nan"), "ci_low": lo, "ci_high": hi,
                     "target_op": t.op, "target_value": t.value, "target_year": t.due,
                     "due": int(year) >= t.due,
                     "share_meeting": float(np.mean(met)) if len(x) else float("nan")})
    out = pd.DataFrame(rows, columns=COLUMNS)
    if out.empty:
        return out
    order = {k: i for i, k in enumerate(i.key for i in INDICATORS)}
    scen = {s: i for i, s in enumerate(dict.fromkeys(out["scenario"]))}
    out = out.assign(_s=out["scenario"].map(scen), _i=out["indicator"].map(order).fillna(len(order)))
    return out.sort_values(["_s", "_i", "year"]).drop(columns=["_s", "_i"]).reset_index(drop=True)


def share_meeting(values: np.ndarray, target: Target) -> float:
    """Share of ``values`` (one per replication, NaN left out) meeting ``target``."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    return float(np.mean([target.meets(v) for v in x])) if len(x) else float("nan")


def targets_text(table: pd.DataFrame, lang: str = "en", due_only: bool = False) -> str:
    """The target table as text: one block per year, indicators x scenarios,
    ``mean [lo, hi] met%`` (shares in %), with the target and its due year."""
    from sim.experiment.compare import cells_text

    if table.empty:
        return "(no targeted indicators)"
    keep = table[table["due"]] if due_only else table
    blocks = []
    scenarios = list(dict.fromkeys(keep["scenario"]))
    for year, g in keep.groupby("year", sort=True):
        cells: dict[str, dict[str, str]] = {}
        for r in g.itertuples():
            ind = INDICATOR_BY_KEY[r.indicator]
            t = Target(r.target_op, r.target_value, r.target_year, ind.unit)
            name = f"{getattr(ind, lang)} ({t.text})"
            cells.setdefault(name, {})[r.scenario] = _cell(r, ind.unit)
        blocks.append(cells_text(cells, scenarios, f"{year}: mean [95% CI] met"))
    return "\n\n".join(blocks)


def _cell(r, unit: str) -> str:
    scale, fmt = (100.0, "{:.1f}") if unit == "share" else (1.0, "{:.3g}")
    text = fmt.format(r.mean * scale)
    if r.ci_low == r.ci_low:
        text += f" [{fmt.format(r.ci_low * scale)}, {fmt.format(r.ci_high * scale)}]"
    met = f"{r.share_meeting:.0%}" if r.share_meeting == r.share_meeting else "-"
    return f"{text} {met}" + ("" if r.due else " (not due)")
