"""Benchmark: width of the 95% CI of the paired difference (path vs baseline, satisfaction
2030) with common random numbers versus independent seeds, at equal replications
(target: CRN at most half as wide).

    python benchmarks/bench_crn.py                           # combined vs baseline, 30 reps
    python benchmarks/bench_crn.py --reps 4 --small          # a quick check

Common random numbers: replication r of both scenarios uses the same root seed.
Independent: the path's replications use seeds spawned from another root, and the CI is
the Welch interval of the difference of means.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
from scipy import stats

from sim.experiment.compare import compare_experiment
from sim.experiment.executors import make_executor
from sim.experiment.store import load
from sim.experiment.sweep import execute, plan
from sim.stats import ci_bounds as mean_ci

SMALL = {"population.residents": 5000, "run.end_date": "2024-12-31"}


def welch_width(a: np.ndarray, b: np.ndarray) -> float:
    """Width of the Welch 95% CI of mean(a) - mean(b)."""
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    return float(2 * stats.t.ppf(0.975, df) * np.sqrt(va + vb))


def values(results: Path, the_plan, scenario: str, indicator: str, year: int) -> np.ndarray:
    ind = load(results, "indicators", run_ids=the_plan.run_ids)
    sel = ind[(ind["scenario"] == scenario) & (ind["indicator"] == indicator) & (ind["year"] == year)]
    return sel.sort_values("replication")["value"].to_numpy(dtype=float)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=30)
    ap.add_argument("--path", default="combined")
    ap.add_argument("--indicator", default="satisfaction")
    ap.add_argument("--seed", type=int, default=20240101)
    ap.add_argument("--other-seed", type=int, default=777, help="root of the independent seeds")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--small", action="store_true", help="5,000 residents, one year (year 2024)")
    args = ap.parse_args()
    year = 2024 if args.small else 2030
    constants = SMALL if args.small else None
    crn = plan(compare_experiment(["baseline", args.path], args.reps, args.seed, years=[year],
                                  name="bench-crn", constants=constants))
    indep = plan(compare_experiment([args.path], args.reps, args.other_seed, years=[year],
                                    name="bench-crn-independent", constants=constants))
    with tempfile.TemporaryDirectory() as tmp, make_executor("process", args.workers) as ex:
        s1 = execute(crn, tmp, ex)
        s2 = execute(indep, tmp, ex)
        base = values(s1.results, crn, "baseline", args.indicator, year)
        path_label = crn.table["scenario"].iloc[-1]
        same = values(s1.results, crn, path_label, args.indicator, year)
        other = values(s2.results, indep, path_label, args.indicator, year)
    lo, hi = mean_ci(same - base)
    w_crn = hi - lo
    w_ind = welch_width(other, base)
    print(f"{args.indicator} {year}, {path_label} - baseline, {args.reps} replications each"
          f"{' [small]' if args.small else ''}")
    print(f"  common random numbers: diff {np.mean(same - base):+.4f}, 95% CI width {w_crn:.4f}")
    print(f"  independent seeds:     diff {other.mean() - base.mean():+.4f}, 95% CI width {w_ind:.4f}")
    ratio = w_crn / w_ind if w_ind > 0 else float("nan")
    print(f"  ratio CRN / independent = {ratio:.2f} (target <= 0.50: {'met' if ratio <= 0.5 else 'NOT met'})")


if __name__ == "__main__":
    main()
