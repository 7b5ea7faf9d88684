"""``streetsim sensitivity experiments/morris.toml``: Morris or Sobol indices (SALib)."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.commands import options
from sim.commands.sweep import add_run_options, executor_from_args


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``sensitivity`` subcommand."""
    p = sub.add_parser("sensitivity", help="global sensitivity analysis of the assumption parameters")
    p.add_argument("experiment", type=Path, help="experiment file with sampler morris or sobol")
    p.add_argument("--reps", type=options.count(), default=None,
                   help="replications per point (overrides the file)")
    p.add_argument("--n", type=options.count(), default=None,
                   help="morris trajectories / sobol base samples (overrides)")
    p.add_argument("--top", type=options.count(), default=10, help="parameters printed per output")
    add_run_options(p)
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Run the design, print the ranked indices with CIs; exit 1 if runs failed."""
    from sim.experiment.design import load_experiment
    from sim.experiment.sensitivity import METHODS, ranking, sensitivity
    from sim.experiment.store import check_results_dir
    from sim.experiment.sweep import plan
    from sim.params.errors import InputError

    changes = {}
    for value, field in ((args.reps, "replications"), (args.n, "n")):
        if value is not None:
            changes[field] = value
    exp = load_experiment(args.experiment, **changes)
    check_results_dir(args.results)
    if exp.sampler not in METHODS:
        raise InputError(args.experiment, "sampler.method", exp.sampler, f"one of {list(METHODS)}")
    n_runs = len(plan(exp).jobs)
    print(f"sensitivity {exp.name}: {exp.sampler}, {len(exp.parameters)} parameters, {n_runs} runs"
          + (f"; skipped (empty range): {', '.join(exp.skipped)}" if exp.skipped else ""))
    with executor_from_args(args) as ex:
        result = sensitivity(exp, args.results, ex, args.progress, reuse_stale=args.reuse_stale)
    print(ranking(result.indices, exp.sampler, args.top))
    for note in result.notes:
        print(f"note: {note}")
    print(result.summary.text())
    return 0 if result.summary.ok else 1
