"""Compare reform paths with the baseline: paired differences with common random numbers.

Every path runs the same replications as the baseline: replication ``r`` uses the same
root seed in every scenario, and each mechanism draws from its own named stream, so
the difference between a path and the baseline in replication ``r`` is free of most of
the noise both share. For every indicator and year we report the mean paired
difference and its 95% confidence interval (Student t over replications).

>>> from sim.experiment.compare import compare
>>> result = compare(reps=30)
>>> result.paired        # path, indicator, year, n, baseline, value, diff, ci_low, ci_high,
...                      # extra_spent, cost_per_point
>>> result.targets       # levels with CIs and the share of replications meeting each plan target
>>> result.costs         # money by ledger item, payer and lever, paired against the baseline

With ``stress_effect=["revenue_shock"]`` every scenario runs with and without the
stressors on the same seeds, and each stressed path is paired with the same path
unstressed (path label ``combined+revenue_shock``, baseline ``combined``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiment.design import Experiment, resolve
from sim.experiment.executors import Executor
from sim.experiment.store import load
from sim.experiment.sweep import Plan, Summary, execute, plan
from sim.indicators.definitions import INDICATOR_BY_KEY, INDICATORS
from sim.io import write_parquet
from sim.stats import ci_bounds as mean_ci  # noqa: F401 - the name importers use

DEFAULT_SCENARIOS = ("baseline", "integrated_resources", "coordinated", "digital", "combined")
DEFAULT_YEARS = (2025, 2027, 2030)
DEFAULT_SEED = 20240101


@dataclass
class Comparison:
    """The result of :func:`compare`."""

    paired: pd.DataFrame
    summary: Summary
    plan: Plan
    targets: pd.DataFrame | None = None
    costs: pd.DataFrame | None = None

    @property
    def results(self) -> Path:
        """The experiment's folder in the store."""
        return self.summary.results


def compare_experiment(scenarios: Sequence[str] = DEFAULT_SCENARIOS, reps: int = 30,
                       seed: int = DEFAULT_SEED, stress: Sequence[str] = (),
                       years: Sequence[int] = DEFAULT_YEARS, name: str | None = None,
                       constants: dict[str, Any] | None = None,
                       stress_effect: Sequence[str] = ()) -> Experiment:
    """The experiment behind ``streetsim compare`` (validated; nothing runs)."""
    from sim.params.errors import InputError

    if reps < 2:
        raise InputError(None, "--reps", reps, "at least 2 replications (a CI needs two)")
    both = sorted(set(stress) & set(stress_effect))
    if both:
        raise InputError(None, "--stress-effect", both[0], "a stressor not already in --stress")
    name = name or ("compare" + ("-" + "+".join(stress) if stress else "")
                    + ("-effect-" + "+".join(stress_effect) if stress_effect else ""))
    sets = (tuple(stress),) + ((tuple(stress) + tuple(stress_effect),) if stress_effect else ())
    exp = Experiment(name=name, scenarios=tuple(scenarios), stressor_sets=sets,
                     replications=int(reps), seed=int(seed), constants=dict(constants or {}),
                     indicators=tuple(i.key for i in INDICATORS), years=tuple(years))
    return resolve(exp)


def compare(scenarios: Sequence[str] = DEFAULT_SCENARIOS, reps: int = 30, seed: int = DEFAULT_SEED,
            stress: Sequence[str] = (), years: Sequence[int] = DEFAULT_YEARS,
            results_dir: str | Path = "results", executor: Executor | None = None,
            progress: bool = True, name: str | None = None,
            constants: dict[str, Any] | None = None, stress_effect: Sequence[str] = (),
            reuse_stale: bool = False) -> Comparison:
    """Run the baseline (the first scenario) and every path, and pair them.

    Args:
        scenarios: scenario names or files; the first is the baseline.
        reps: replications per scenario (the same seeds in every scenario).
        seed: experiment seed the replication seeds are spawned from.
        stress: stressors applied to every scenario.
        years: years of the paired table.
        results_dir: the store's root; runs go to ``results_dir/<name>/``.
        executor: default a local process pool on all cores.
        progress: show a progress bar.
        name: experiment name (default ``compare`` or ``compare-<stressors>``).
        constants: parameter values fixed in every scenario (e.g. a smaller population).
        stress_effect: stressors whose effect on each scenario is measured: every scenario
            also runs under them, paired with itself unstressed (instead of with the baseline).
        reuse_stale: reuse stored runs of another code version (see :func:`sim.experiment.sweep.execute`).

    Returns:
        A :class:`Comparison`; the paired, target and cost tables are also stored as
        ``paired.parquet``, ``targets.parquet`` and ``costs.parquet``.
    """
    exp = compare_experiment(scenarios, reps, seed, stress, years, name, constants, stress_effect)
    the_plan = plan(exp)
    summary = execute(the_plan, results_dir, executor, progress, reuse_stale=reuse_stale)
    paired, targets, costs = compare_tables(the_plan, summary.results, stress_effect)
    write_parquet(paired, summary.results / "paired.parquet")
    write_parquet(targets, summary.results / "targets.parquet")
    write_parquet(costs, summary.results / "costs.parquet")
    return Comparison(paired, summary, the_plan, targets, costs)


def compare_tables(the_plan: Plan, results: Path, stress_effect: Sequence[str] = ()
                   ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The paired (with costs per point), target and cost tables of a compare plan's stored runs."""
    from sim.experiment.costs import cost_per_point, cost_table, scenario_levers
    from sim.experiment.targets import target_table

    exp = the_plan.experiment
    label = run_labels(the_plan, stress_effect)
    ind = _relabel(load(results, "indicators", run_ids=the_plan.run_ids), label)
    money = _relabel(load(results, "money", run_ids=the_plan.run_ids), label)
    levers = {label[j.run_id]: scenario_levers(j.scenario) for j in the_plan.jobs}
    names = list(dict.fromkeys(the_plan.table["scenario"]))
    if stress_effect:
        suffix = "+" + "+".join(stress_effect)
        pairs = [(s, [s + suffix]) for s in names]
    else:
        pairs = [(names[0], names[1:])]
    paired_parts, cost_parts = [], []
    for base, paths in pairs:
        paired_parts.append(paired_differences(ind, base, exp.years, paths=paths))
        if not money.empty:
            cost_parts.append(cost_table(money, base, exp.years, paths, levers))
    paired = pd.concat(paired_parts, ignore_index=True)
    costs = pd.concat(cost_parts, ignore_index=True) if cost_parts else cost_table(
        pd.DataFrame(columns=["scenario", "replication", "street", "year", "item", "yuan"]), "", [])
    if not costs.empty:
        paired = cost_per_point(paired, costs)
    targets = target_table(ind, years=exp.years)
    return paired, targets, costs


def run_labels(the_plan: Plan, stress_effect: Sequence[str] = ()) -> dict[str, str]:
    """Run id -> scenario label; runs under the ``stress_effect`` stressors get
    ``scenario+stressor`` labels."""
    extra = set(stress_effect)
    out = {}
    for r in the_plan.table.itertuples():
        added = [s for s in str(r.stressors).split(",") if s in extra]
        out[r.run_id] = r.scenario + ("+" + "+".join(added) if added else "")
    return out


def _relabel(frame: pd.DataFrame, label: dict[str, str]) -> pd.DataFrame:
    if frame.empty:
        return frame
    return frame.assign(scenario=frame["run_id"].map(label))


def paired_differences(indicators: pd.DataFrame, baseline: str, years: Sequence[int],
                       paths: Sequence[str] | None = None, conf: float = 0.95) -> pd.DataFrame:
    """Mean paired difference (path - baseline) per indicator and year, with its CI.

    ``indicators`` is the long store table (scenario, replication, year, indicator,
    value). Replications where either value is missing are left out of that cell.
    """
    cols = ["path", "indicator", "year", "n", "baseline", "value", "diff", "ci_low", "ci_high"]
    ind = indicators[indicators["year"].isin(list(years))]
    key = ["replication", "year", "indicator"]
    base = ind[ind["scenario"] == baseline].set_index(key)["value"]
    paths = [s for s in dict.fromkeys(ind["scenario"]) if s != baseline] if paths is None else paths
    order = {k: i for i, k in enumerate(i.key for i in INDICATORS)}
    rows = []
    for path in paths:
        other = ind[ind["scenario"] == path].set_index(key)["value"]
        both = pd.DataFrame({"b": base, "p": other}).dropna()
        for (year, indicator), g in both.groupby(level=["year", "indicator"], sort=False):
            d = (g["p"] - g["b"]).to_numpy()
            rows.append({"path": path, "indicator": indicator, "year": int(year), "n": len(d),
                         "baseline": g["b"].mean(), "value": g["p"].mean(), "diff": d.mean(),
                         **dict(zip(("ci_low", "ci_high"), mean_ci(d, conf)))})
    out = pd.DataFrame(rows, columns=cols)
    if out.empty:
        return out
    out["_p"] = out["path"].map({p: i for i, p in enumerate(paths)})
    out["_i"] = out["indicator"].map(order).fillna(len(order))
    return out.sort_values(["_p", "_i", "year"]).drop(columns=["_p", "_i"]).reset_index(drop=True)


def paired_table(paired: pd.DataFrame, lang: str = "en", kinds: Sequence[str] = ("outcome", "process"),
                 versus: str = "path - baseline") -> str:
    """The paired table as text: one block per year, indicators x paths, ``diff [lo, hi]``.

    Shares are shown in percentage points; diagnostics are left out unless asked for.
    """
    if paired.empty:
        return "(no paired differences)"
    known = paired["indicator"].map(lambda k: k in INDICATOR_BY_KEY and INDICATOR_BY_KEY[k].kind in kinds)
    keep = paired[known]
    paths = list(dict.fromkeys(keep["path"]))
    blocks = []
    for year, g in keep.groupby("year", sort=True):
        cells = {}
        for row in g.itertuples():
            ind = INDICATOR_BY_KEY[row.indicator]
            scale = 100.0 if ind.unit == "share" else 1.0
            fmt = "{:+.1f}" if ind.unit == "share" or abs(row.diff) >= 10 else "{:+.3g}"
            text = fmt.format(row.diff * scale)
            if row.ci_low == row.ci_low:
                text += f" [{fmt.format(row.ci_low * scale)}, {fmt.format(row.ci_high * scale)}]"
            name = getattr(ind, lang) + (" (pp)" if ind.unit == "share" else f" ({ind.unit})")
            cells.setdefault(name, {})[row.path] = text
        blocks.append(cells_text(cells, paths, f"{year}: {versus}"))
    return "\n\n".join(blocks)


def cells_text(cells: dict[str, dict[str, str]], columns: list[str], title: str) -> str:
    """Rows of text cells (row name -> column -> text) as one aligned text table."""
    table = pd.DataFrame.from_dict(cells, orient="index").reindex(columns=columns).fillna("")
    table.index.name = title
    with pd.option_context("display.width", 250, "display.max_rows", 500, "display.max_columns", 20,
                           "display.max_colwidth", 60):
        return table.to_string()


def write_report_if_available(results: Path, lang: str = "en") -> Path | None:
    """Write ``report.html`` with ``sim.report`` when that package is installed."""
    try:
        from sim.report import write_report
    except ImportError:
        return None
    out = Path(results) / "report.html"
    write_report(Path(results), out, lang)
    return out
