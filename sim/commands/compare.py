"""``streetsim compare``: baseline and the reform paths, paired differences with 95% CIs."""

from __future__ import annotations

import argparse
import sys

from sim.commands import options
from sim.commands.sweep import add_run_options, executor_from_args, parse_sets
from sim.experiment.compare import DEFAULT_SCENARIOS, DEFAULT_SEED, DEFAULT_YEARS


def _names(text: str) -> list[str]:
    return [t for t in text.replace(",", " ").split() if t]


def _years(text: str) -> list[int]:
    try:
        years = [int(y) for y in _names(text)]
    except ValueError:
        years = []
    if not years:
        raise argparse.ArgumentTypeError(f"{text!r}: years as integers, comma-separated, e.g. 2025,2030")
    return years


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``compare`` subcommand."""
    p = sub.add_parser("compare", help="compare the reform paths with the baseline (paired, 95%% CI)")
    p.add_argument("--scenarios", type=_names, default=list(DEFAULT_SCENARIOS),
                   help="scenario names or files, comma-separated; the first is the baseline "
                        f"(default {','.join(DEFAULT_SCENARIOS)})")
    p.add_argument("--stress", type=_names, default=[], help="stressors applied to every scenario")
    p.add_argument("--reps", type=options.count(2), default=30, help="replications per scenario (default 30)")
    p.add_argument("--seed", type=options.seed, default=DEFAULT_SEED, help="experiment seed")
    p.add_argument("--years", type=_years, default=list(DEFAULT_YEARS),
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
    from sim.experiment.store import check_results_dir
    from sim.params.errors import InputError

    constants = parse_sets(args.set)
    # validate everything before a worker starts
    compare_experiment(args.scenarios, args.reps, args.seed, args.stress, args.years, args.name, constants)
    check_results_dir(args.results)
    with executor_from_args(args) as ex:
        result = compare(args.scenarios, args.reps, args.seed, args.stress, args.years, args.results,
                         ex, args.progress, args.name, constants, reuse_stale=args.reuse_stale)
    kinds = ("outcome", "process", "input", "diagnostic") if args.all_indicators else ("outcome", "process")
    print(f"paired differences, each path - {args.scenarios[0]} ({args.reps} replications, common random "
          f"numbers, 95% CI){' under ' + '+'.join(args.stress) if args.stress else ''}")
    print(paired_table(result.paired, args.lang, kinds, baseline=args.scenarios[0]))
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
