"""Benchmark: width of the 95% CI of the paired difference (path vs baseline, satisfaction
2030) with common random numbers versus independent seeds, at equal replications
(target: CRN at most half as wide).

    python benchmarks/bench_crn.py                           # combined vs baseline, 30 reps
    python benchmarks/bench_crn.py --path digital coordinated # several paths, each vs baseline
    python benchmarks/bench_crn.py --reps 4 --small          # a quick check
    python benchmarks/bench_crn.py --by-stream 8             # which streams make the variance

Common random numbers: replication r of both scenarios uses the same root seed.
Independent: the path's replications use seeds spawned from another root, and the CI is
the Welch interval of the difference of means.

``--by-stream N``: for each random stream, N runs of the baseline and of each path in
which only that stream's root seed varies (``sim.randomness.stream_roots``; the others
stay at the first replication seed), and N runs in which every stream varies. It prints
the seed-to-seed standard deviation of the indicator in each scenario and of their
difference. Common random numbers can only cancel variance both scenarios share: a
stream that moves the baseline but not the path (or the other way) widens the paired
CI as much as independent seeds would.
"""

from __future__ import annotations

import argparse
import multiprocessing
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from scipy import stats

from sim.experiment.compare import compare_experiment
from sim.experiment.executors import make_executor
from sim.experiment.store import load
from sim.experiment.sweep import execute, plan
from sim.randomness import STREAMS, replication_seeds, stream_roots
from sim.runner import run
from sim.scenarios import load_scenario
from sim.stats import ci_bounds as mean_ci

SMALL = {"population.residents": 5000, "run.end_date": "2024-12-31"}
ALL = "(every stream)"


def welch_width(a: np.ndarray, b: np.ndarray) -> float:
    """Width of the Welch 95% CI of mean(a) - mean(b)."""
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    return float(2 * stats.t.ppf(0.975, df) * np.sqrt(va + vb))


def values(results: Path, the_plan, scenario: str, indicator: str, year: int) -> np.ndarray:
    ind = load(results, "indicators", run_ids=the_plan.run_ids)
    sel = ind[(ind["scenario"] == scenario) & (ind["indicator"] == indicator) & (ind["year"] == year)]
    return sel.sort_values("replication")["value"].to_numpy(dtype=float)


def ratio_of_widths(path: str, args: argparse.Namespace, year: int, constants: dict | None, ex) -> None:
    """Print the CI widths with common and with independent seeds for one path."""
    crn = plan(compare_experiment(["baseline", path], args.reps, args.seed, years=[year],
                                  name="bench-crn", constants=constants))
    indep = plan(compare_experiment([path], args.reps, args.other_seed, years=[year],
                                    name="bench-crn-independent", constants=constants))
    with tempfile.TemporaryDirectory() as tmp:
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


def stream_value(task: tuple) -> float:
    """The indicator of one run in which only ``stream`` (or every stream) takes ``root``."""
    scenario_name, constants, stream, root, fixed, indicator, year = task
    scenario = load_scenario(scenario_name)
    if constants:
        scenario = scenario.with_values(constants)
    with stream_roots({} if stream == ALL else {stream: root}):
        yearly = run(scenario, root if stream == ALL else fixed).yearly
    return float(yearly.loc[year, indicator])


def by_stream(paths: list[str], n: int, args: argparse.Namespace, year: int, constants: dict | None) -> None:
    """Print the seed-to-seed SD of the indicator per stream varied (see the module docs)."""
    roots = replication_seeds(args.seed, n)
    scenarios = ["baseline", *paths]
    rows = [ALL, *STREAMS]
    tasks = [(sc, constants, st, int(r), int(roots[0]), args.indicator, year)
             for st in rows for sc in scenarios for r in roots]
    # forkserver workers, as the sweep's: never a fork of this process and its threads
    ctx = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=args.workers, mp_context=ctx) as pool:
        got = np.array(list(pool.map(stream_value, tasks, chunksize=4)))
    got = got.reshape(len(rows), len(scenarios), n)
    print(f"{args.indicator} {year}: seed-to-seed SD with one stream's root varied ({n} roots, the others "
          f"fixed){' [small]' if args.small else ''}")
    head = "".join(f"{sc[:12]:>13s}" for sc in scenarios)
    diffs = "".join(f"{('diff ' + p)[:12]:>13s}{'corr':>6s}" for p in paths)
    print(f"  {'stream varied':16s}{head}{diffs}")
    for i, st in enumerate(rows):
        sd = got[i].std(axis=1, ddof=1)
        cells = "".join(f"{v:13.4f}" for v in sd)
        for j in range(1, len(scenarios)):
            d = got[i, j] - got[i, 0]
            corr = (np.corrcoef(got[i, 0], got[i, j])[0, 1] if sd[0] > 0 and sd[j] > 0 else float("nan"))
            cells += f"{d.std(ddof=1):13.4f}{corr:6.2f}"
        print(f"  {st:16s}{cells}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=30)
    ap.add_argument("--path", nargs="+", default=["combined"], help="reform paths, each against the baseline")
    ap.add_argument("--indicator", default="satisfaction")
    ap.add_argument("--seed", type=int, default=20240101)
    ap.add_argument("--other-seed", type=int, default=777, help="root of the independent seeds")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--small", action="store_true", help="5,000 residents, one year (year 2024)")
    ap.add_argument("--by-stream", type=int, default=0, metavar="N",
                    help="instead: the variance each random stream causes, from N roots per stream")
    args = ap.parse_args()
    for path in args.path:  # a misspelt path fails here, before any run
        load_scenario(path)
    year = 2024 if args.small else 2030
    constants = SMALL if args.small else None
    if args.by_stream:
        by_stream(args.path, args.by_stream, args, year, constants)
        return
    with make_executor("process", args.workers) as ex:
        for path in args.path:
            ratio_of_widths(path, args, year, constants, ex)


if __name__ == "__main__":
    main()
