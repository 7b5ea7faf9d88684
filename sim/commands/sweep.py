"""``streetsim sweep experiments/FILE.toml``: run an experiment file's runs into the store."""

from __future__ import annotations

import argparse
import tomllib
from pathlib import Path
from typing import Any

from sim.commands import options
from sim.experiment.executors import EXECUTORS, Executor, make_executor
from sim.params.errors import InputError


def add_run_options(p: argparse.ArgumentParser) -> None:
    """Options shared by the multi-run commands: executor, workers, store, progress."""
    p.add_argument("--executor", choices=EXECUTORS, default="process",
                   help="process pool (default), serial, or dask")
    p.add_argument("--scheduler", default=None,
                   help="Dask scheduler tcp://HOST:PORT (default with dask: start a local cluster)")
    p.add_argument("--workers", type=options.count(1, 4096), default=None,
                   help="worker processes (default: all cores)")
    p.add_argument("--results", type=Path, default=Path("results"), help="results store (default results/)")
    p.add_argument("--reuse-stale", action="store_true",
                   help="reuse stored runs made by another code version (default: refuse)")
    p.add_argument("--no-progress", dest="progress", action="store_false", help="hide the progress bar")


def executor_from_args(args: argparse.Namespace) -> Executor:
    """The executor the options ask for."""
    return make_executor(args.executor, args.workers, args.scheduler)


def parse_sets(items: list[str] | None) -> dict[str, Any]:
    """``--set group.name=VALUE`` options as a dict (VALUE read as TOML, else as text)."""
    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise InputError(None, "--set", item, "KEY=VALUE, e.g. population.residents=5000")
        try:
            value = tomllib.loads(f"v = {text}")["v"]
        except tomllib.TOMLDecodeError:
            value = text
        out[key.strip()] = value
    return out


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``sweep`` subcommand."""
    p = sub.add_parser("sweep", help="run an experiment file (parameter sweep) into the results store")
    p.add_argument("experiment", type=Path, help="experiment file (see experiments/)")
    p.add_argument("--reps", type=options.count(), default=None, help="replications (overrides the file)")
    add_run_options(p)
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Validate the file, run what is not yet stored, print the summary (exit 1 on failures)."""
    from sim.experiment.design import load_experiment
    from sim.experiment.store import check_results_dir
    from sim.experiment.sweep import execute, plan

    changes = {}
    if args.reps is not None:
        changes["replications"] = args.reps
    exp = load_experiment(args.experiment, **changes)
    check_results_dir(args.results)
    the_plan = plan(exp)
    print(f"sweep {exp.name}: {len(the_plan.points)} points x {len(exp.scenarios)} scenarios x "
          f"{len(exp.stressor_sets)} stressor sets x {exp.replications} replications = "
          f"{len(the_plan.jobs)} runs ({exp.sampler})")
    with executor_from_args(args) as ex:
        summary = execute(the_plan, args.results, ex, args.progress, reuse_stale=args.reuse_stale)
    from sim.experiment.sweep import output_summary

    table = output_summary(the_plan, args.results)
    if not table.empty:
        import pandas as pd

        with pd.option_context("display.width", 200, "display.max_rows", 200,
                               "display.float_format", "{:.4g}".format):
            print(table.to_string(index=False))
    print(summary.text())
    return 0 if summary.ok else 1
