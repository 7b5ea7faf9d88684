"""``streetsim compare``: baseline and the reform paths, paired differences with 95% CIs."""

from __future__ import annotations

import argparse
import sys

from sim.commands.sweep import add_run_options, executor_from_args, parse_sets
from sim.experiment.compare import DEFAULT_SCENARIOS, DEFAULT_SEED, DEFAULT_YEARS


def _names(text: str) -> list[str]:
    return [t for t in text.replace(",", " ").split() if t]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``compare`` subcommand."""
    p = sub.add_parser("compare", help="compare the reform paths with the baseline (paired, 95%% CI)")
    p.add_argument("--scenarios", type=_names, default=list(DEFAULT_SCENARIOS),
                   help="scenario names or files, comma-separated; the first is the baseline "
                        f"(default {','.join(DEFAULT_SCENARIOS)})")
    p.add_argument("--stress", type=_names, default=[], help="stressors applied to every scenario")
    p.add_argument("--reps", type=int, default=30, help="replications per scenario (default 30)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="experiment seed")
    p.add_argument("--years", type=lambda t: [int(y) for y in _names(t)], default=list(DEFAULT_YEARS),
                   help="years of the paired table (default 2025,2027,2030)")
    p.add_argument("--name", default=None, help="experiment name (default compare[-stressors])")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="fix a parameter in every scenario (repeatable)")
    p.add_argument("--lang", choices=("en", "zh"), default="en", help="indicator names")
    p.add_argument("--all-indicators", action="store_true", help="also print the inputs and diagnostics")
    p.add_argument("--no-report", dest="report", action="store_false", help="do not write report.html")
    add_run_options(p)
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Run the comparison, print the paired table, write the report when available."""
    from sim.experiment.compare import compare, compare_experiment, paired_table, write_report_if_available
    from sim.params.errors import InputError

    if args.seed < 0:
        raise InputError(None, "--seed", args.seed, "a non-negative integer")
    constants = parse_sets(args.set)
    # validate everything before a worker starts
    compare_experiment(args.scenarios, args.reps, args.seed, args.stress, args.years, args.name, constants)
    with executor_from_args(args) as ex:
        result = compare(args.scenarios, args.reps, args.seed, args.stress, args.years, args.results,
                         ex, args.progress, args.name, constants)
    kinds = ("outcome", "process", "input", "diagnostic") if args.all_indicators else ("outcome", "process")
    print(f"paired differences from {args.scenarios[0]} ({args.reps} replications, common random numbers, "
          f"95% CI){' under ' + '+'.join(args.stress) if args.stress else ''}")
    print(paired_table(result.paired, args.lang, kinds))
    print(result.summary.text())
    code = 0 if result.summary.ok else 1
    if args.report:
        try:
            report = write_report_if_available(result.results, args.lang)
        except InputError:
            raise
        except Exception as exc:  # the runs are stored; say why the report is missing
            print(f"streetsim compare: report not written: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 1
        if report is not None:
            print(f"wrote report: {report}")
    return code
