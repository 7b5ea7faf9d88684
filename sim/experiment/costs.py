"""What a path costs: the money ledger of every run, paired against the baseline, by item,
payer and lever, and the cost of each point of outcome gained.

The street's ledger (:class:`sim.money.Purse`) records, per year, the money that arrived
by payer (the street's own revenue, district transfers - coordination fund included -,
social donations), what it paid for (livelihood needs, committed running costs, contract
wages, service purchases, renovation, secondment allowances, platform dues), what it could
not pay (unpaid wages and platform dues, unfunded livelihood needs) and what lapsed. Runs
store it as the ``money`` dataset (street, year, item, yuan).

>>> from sim.experiment.costs import cost_table, cost_per_point
>>> costs = cost_table(money, "baseline", years=[2027])     # cumulative from the run's start
>>> cost_per_point(paired, costs)                           # paired table + extra_spent, cost_per_point

Costs are cumulative from the first simulated year through the row's year, in yuan, as
the mean paired difference (path - baseline, same seeds) with its 95% CI. Each item is
attributed to the levers of the path whose targets drive it (:data:`ITEM_DRIVERS`).
Salaries of seconded department staff and of enforcers kept on department payrolls are
paid by the departments outside the street's books and are not in the ledger.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.indicators.definitions import INDICATOR_BY_KEY


@dataclass(frozen=True)
class Item:
    """One ledger item: its role, who pays (revenue) or which budget pays (spending)."""

    key: str
    role: str  # "revenue", "spending", "unpaid", "lapsed"
    payer: str
    drivers: tuple[str, ...]


_BUDGET = ("money.annual_budget", "money.livelihood_share", "money.revenue_shock",
           "money.coordination_fund", "money.coordination_fund_shortfall", "money.donation_share")
ITEMS: tuple[Item, ...] = (
    Item("self_revenue", "revenue", "street own revenue", ("money.annual_budget",)),
    Item("transfer_revenue", "revenue", "district transfers", _BUDGET),
    Item("donations", "revenue", "social donations", ("money.donation_share", "money.annual_budget")),
    Item("livelihood_spent", "spending", "livelihood pots", _BUDGET + ("money.bundled_funds",)),
    Item("other_spent", "spending", "committed running costs", _BUDGET + ("money.committed_share",)),
    Item("pay_spent", "spending", "general budget", ("staff.residents_per_contract_post", "staff.pay")),
    Item("so_grants", "spending", "general budget", ("socialorgs.service_grant_per_year",)),
    Item("so_fees", "spending", "general budget", ("referral.fee_per_case",)),
    Item("so_support", "spending", "general budget", ("socialorgs.supported_entrants_per_year",
                                                      "socialorgs.monthly_cost")),
    Item("renovation_spent", "spending", "general budget", ("facilities.renovations_per_year",
                                                            "facilities.renovation_cost")),
    Item("secondment_spent", "spending", "general budget", ("staff.seconded_person_months",
                                                            "money.secondment_allowance")),
    Item("platform_spent", "spending", "general budget", ("platform.build_cost_per_year",
                                                          "platform.running_cost_per_year",
                                                          "platform.running_funded")),
    Item("pay_unpaid", "unpaid", "general budget", ("staff.residents_per_contract_post", "staff.pay")),
    Item("platform_unpaid", "unpaid", "general budget", ("platform.build_cost_per_year",
                                                         "platform.running_cost_per_year",
                                                         "platform.running_funded")),
    Item("livelihood_unfunded", "unpaid", "livelihood pots", _BUDGET + ("money.bundled_funds",)),
    Item("livelihood_lapsed", "lapsed", "livelihood pots", _BUDGET + ("money.bundled_funds",)),
)
ITEM_BY_KEY = {i.key: i for i in ITEMS}
ITEM_DRIVERS = {i.key: i.drivers for i in ITEMS}
"""Ledger item -> the parameters that drive it (levers are attributed through their targets)."""
SPENDING = tuple(i.key for i in ITEMS if i.role == "spending")
COLUMNS = ["path", "year", "item", "role", "payer", "levers", "n", "baseline", "value", "diff", "ci_low",
           "ci_high"]


def run_money(money: pd.DataFrame) -> pd.DataFrame:
    """Stored ``money`` rows summed over streets, with ``spent_total`` (every spending item)
    added: scenario, replication, year, item, yuan."""
    key = ["scenario", "replication", "year", "item"]
    m = money.groupby(key, sort=False)["yuan"].sum().reset_index()
    spent = m[m["item"].isin(SPENDING)].groupby(key[:3], sort=False)["yuan"].sum().reset_index()
    spent["item"] = "spent_total"
    return pd.concat([m, spent[key + ["yuan"]]], ignore_index=True)


def cumulative(money: pd.DataFrame, year: int) -> pd.DataFrame:
    """Each run's items summed from the first year through ``year`` (balances: at ``year``)."""
    m = run_money(money)
    m = m[m["year"] <= year]
    key = ["scenario", "replication", "item"]
    flows = m[m["item"] != "general_balance"].groupby(key, sort=False)["yuan"].sum()
    bal = m[(m["item"] == "general_balance") & (m["year"] == year)].set_index(
        ["scenario", "replication", "item"])["yuan"]
    return pd.concat([flows, bal])


def cost_table(money: pd.DataFrame, baseline: str, years: Sequence[int], paths: Sequence[str] | None = None,
               levers: dict[str, Iterable[tuple[str, Sequence[str]]]] | None = None,
               conf: float = 0.95) -> pd.DataFrame:
    """Paired money differences (path - baseline, same replications) per ledger item,
    cumulative from the run's start through each year.

    Args:
        money: the stored ``money`` dataset (scenario, replication, street, year, item, yuan).
        baseline: the scenario label to pair against.
        years: the years the sums run through.
        paths: scenario labels (default every other label).
        levers: per path, ``(lever name, its target keys)`` pairs, to attribute items.
        conf: CI level.

    Returns:
        path, year, item, role, payer, levers, n, baseline, value (the path's mean), diff,
        ci_low, ci_high - in yuan. ``spent_total`` is the sum of every spending item.
    """
    from sim.stats import ci_bounds as mean_ci

    paths = [s for s in dict.fromkeys(money["scenario"]) if s != baseline] if paths is None else list(paths)
    rows = []
    for year in years:
        cum = cumulative(money, int(year)).rename("yuan").reset_index()
        wide = cum.pivot_table(index=["replication", "item"], columns="scenario", values="yuan")
        if baseline not in wide.columns:
            continue
        for path in paths:
            if path not in wide.columns:
                continue
            attrib = item_levers(levers.get(path, ()) if levers else ())
            both = wide[[baseline, path]].dropna()
            for item, g in both.groupby(level="item", sort=False):
                d = (g[path] - g[baseline]).to_numpy()
                info = ITEM_BY_KEY.get(item)
                lo, hi = mean_ci(d, conf)
                rows.append({"path": path, "year": int(year), "item": item,
                             "role": info.role if info else ("total" if item == "spent_total" else "balance"),
                             "payer": info.payer if info else "", "levers": attrib.get(item, ""),
                             "n": len(d), "baseline": float(g[baseline].mean()),
                             "value": float(g[path].mean()),
                             "diff": float(d.mean()), "ci_low": lo, "ci_high": hi})
    out = pd.DataFrame(rows, columns=COLUMNS)
    if out.empty:
        return out
    order = {k: i for i, k in enumerate([i.key for i in ITEMS] + ["spent_total", "general_balance"])}
    out["_p"] = out["path"].map({p: i for i, p in enumerate(paths)})
    out["_i"] = out["item"].map(order).fillna(len(order))
    return out.sort_values(["_p", "year", "_i"]).drop(columns=["_p", "_i"]).reset_index(drop=True)


def item_levers(levers: Iterable[tuple[str, Sequence[str]]]) -> dict[str, str]:
    """Ledger item -> the names of the given levers whose targets drive it."""
    out: dict[str, list[str]] = {}
    for name, targets in levers:
        for item in ITEMS:
            if set(targets) & set(item.drivers):
                out.setdefault(item.key, []).append(name)
    return {k: ", ".join(v) for k, v in out.items()}


def scenario_levers(scenario) -> list[tuple[str, tuple[str, ...]]]:
    """``(lever name, targets)`` of a loaded scenario's levers and stressors."""
    pairs = [(u.name, tuple(u.lever.targets)) for u in getattr(scenario, "levers", ())]
    pairs += [(f"stressor {u.name}", tuple(u.stressor.targets)) for u in getattr(scenario, "stressors", ())]
    return pairs


def cost_per_point(paired: pd.DataFrame, costs: pd.DataFrame) -> pd.DataFrame:
    """The paired table with ``extra_spent`` (yuan spent beyond the baseline from the start
    through the row's year) and ``cost_per_point``: yuan per point gained (percentage
    point for shares, one unit otherwise), where the outcome moved the better way; NaN
    where it did not or nothing extra was spent."""
    spent = costs[costs["item"] == "spent_total"].set_index(["path", "year"])["diff"]
    out = paired.copy()
    out["extra_spent"] = [spent.get((p, y), np.nan) for p, y in zip(out["path"], out["year"])]
    gain = []
    for r in out.itertuples():
        ind = INDICATOR_BY_KEY.get(r.indicator)
        if ind is None:
            gain.append(np.nan)
            continue
        g = r.diff * (100.0 if ind.unit == "share" else 1.0) * (1 if ind.higher_is_better else -1)
        gain.append(g)
    g = np.asarray(gain, dtype=float)
    cost = out["extra_spent"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["cost_per_point"] = np.where((g > 0) & (cost > 0), cost / g, np.nan)
    return out


def cost_text(costs: pd.DataFrame, year: int | None = None) -> str:
    """The cost table as text: items x paths, extra yuan (10,000 yuan) [95% CI], for one year."""
    if costs.empty:
        return "(no money ledger stored)"
    year = int(costs["year"].max()) if year is None else year
    c = costs[(costs["year"] == year) & (costs["role"] != "balance")]
    cells: dict[str, dict[str, str]] = {}
    levers: dict[str, set[str]] = {}
    for r in c.itertuples():
        name = f"{r.item} ({r.payer})" if r.payer else r.item
        text = f"{r.diff / 1e4:+,.0f}"
        if r.ci_low == r.ci_low:
            text += f" [{r.ci_low / 1e4:+,.0f}, {r.ci_high / 1e4:+,.0f}]"
        cells.setdefault(name, {})[r.path] = text
        levers.setdefault(name, set()).update(x for x in str(r.levers).split(", ") if x)
    frame = pd.DataFrame.from_dict(cells, orient="index").fillna("")
    frame["levers"] = [", ".join(sorted(levers.get(n, ()))) for n in frame.index]
    frame.index.name = f"through {year}: 10k yuan, path - its reference"
    with pd.option_context("display.width", 250, "display.max_rows", 500, "display.max_columns", 20,
                           "display.max_colwidth", 90):
        return frame.to_string()
