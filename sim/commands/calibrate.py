"""``streetsim calibrate SCENARIO --check`` (the baseline against brief §7) and
``--fit PARAM ...`` (fit named parameters to the patterns, write a calibrated scenario)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from sim.calibration import check
from sim.commands import options
from sim.params.errors import InputError
from sim.params.loader import load_scenario


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``calibrate`` subcommand."""
    p = sub.add_parser("calibrate", help="check (or fit) the calibration against brief §7")
    p.add_argument("scenario", help="scenario name or .toml file")
    p.add_argument("--check", action="store_true", help="check the patterns (exit 1 if any fails)")
    p.add_argument("--fit", nargs="+", metavar="PARAM", default=None,
                   help="fit these parameters (KEY or KEY=LO:HI; default range +/-30%%, schema-clipped)")
    p.add_argument("--trials", type=options.count(), default=30, help="fit: optuna trials (default 30)")
    p.add_argument("--out", type=Path, default=None,
                   help="fit: calibrated scenario file (default results/calibration/<name>_calibrated.toml)")
    p.add_argument("--reps", type=options.count(), default=None,
                   help="replications (check: default 20, at least 2; fit: per trial, default 4)")
    p.add_argument("--seed", type=options.seed, default=20240101, help="experiment seed")
    p.add_argument("--workers", type=options.count(1, 4096), default=None,
                   help="processes (default: all cores)")
    p.add_argument("--no-progress", dest="progress", action="store_false", help="hide the progress bar")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Fit (with ``--fit``) or run the check and print the table; exit 1 if a check fails."""
    if args.fit:
        return fit_main(args)
    reps = 20 if args.reps is None else args.reps
    if reps < 2:
        raise InputError(None, "--reps", reps, "at least 2 replications")
    scenario = load_scenario(args.scenario)
    from sim.experiment.progress import progress_bar

    with progress_bar(reps, "calibrate --check", args.progress) as bar:
        table = check(scenario, reps=reps, seed=args.seed, workers=args.workers,
                      progress=lambda: bar.update(1))
    show = table[["pattern", "target", "tolerance", "mean", "ci_low", "ci_high", "pass"]].copy()
    show["pass"] = show["pass"].map({True: "pass", False: "FAIL"})
    with pd.option_context("display.width", 200, "display.max_colwidth", 48,
                           "display.float_format", "{:.3f}".format):
        print(f"calibration check: {scenario.name}, {reps} replications, seed {args.seed}")
        print(show.to_string(index=False))
    failed = int((~table["pass"]).sum())
    print(f"{len(table) - failed} passed, {failed} failed")
    return 1 if failed else 0


def fit_main(args: argparse.Namespace) -> int:
    """Fit the parameters, write the calibrated scenario and the fit table, print both."""
    from sim.experiment.executors import make_executor
    from sim.experiment.fit import fit, parse_fit_args, write_calibrated

    reps = 4 if args.reps is None else args.reps
    if reps < 1 or args.trials < 1:
        raise InputError(None, "--reps/--trials", (reps, args.trials), "positive integers")
    scenario = load_scenario(args.scenario)
    params = parse_fit_args(scenario, args.fit)
    out = args.out or Path("results") / "calibration" / f"{scenario.name}_calibrated.toml"
    from sim.io import check_out_file

    check_out_file(out, "--out", (".toml",))
    with make_executor("process", args.workers) as ex:
        result = fit(scenario, params, trials=args.trials, reps=reps, seed=args.seed, executor=ex,
                     progress=args.progress)
    command = " ".join(["streetsim calibrate", args.scenario, "--fit", *args.fit, "--trials",
                        str(args.trials), "--reps", str(reps), "--seed", str(args.seed)])
    path = write_calibrated(result, scenario, out, command)
    table_path = out.with_name(out.stem + "_fit.csv")
    result.table.to_csv(table_path, index=False)
    result.trials.to_csv(out.with_name(out.stem + "_trials.csv"), index=False)
    with pd.option_context("display.width", 200, "display.max_colwidth", 48,
                           "display.float_format", "{:.3f}".format):
        print(f"fit {scenario.name}: {args.trials} trials x {reps} replications, seed {args.seed}")
        fitted = pd.DataFrame({"parameter": list(result.best),
                               "start": [result.start[k] for k in result.best],
                               "fitted": list(result.best.values()),
                               "range": [f"[{p.lo:g}, {p.hi:g}]" for p in params]})
        print(fitted.to_string(index=False))
        show = result.table[["pattern", "target", "lo", "hi", "before", "after", "pass_before", "pass_after"]]
        print(show.to_string(index=False))
    print(f"passed {int(result.table['pass_before'].sum())} -> {int(result.table['pass_after'].sum())} "
          f"of {len(result.table)} patterns")
    print(f"wrote calibrated scenario: {path}")
    print(f"wrote fit table: {table_path}")
    return 0
