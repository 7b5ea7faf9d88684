#!/usr/bin/env python
"""Refresh the golden baseline, ``tests/golden/baseline_summary.csv``.

``tests/test_golden.py`` re-runs the fixed configuration below and requires the yearly
indicators to match this file to 1e-9. This script is the only way to refresh it: run it
when a model change is meant to change results, and say why in the commit.

It refuses to refresh the file while the baseline fails its calibration check
(``sim.calibration.check``, ``--reps`` replications): a golden file records a calibrated
model, never one that has drifted off its patterns.

Usage::

    python scripts/update_golden.py            # check the calibration, then rewrite the file
    python scripts/update_golden.py --check    # exit 1 if the file is out of date
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from sim.runner import run
from sim.scenarios import load_scenario

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "baseline_summary.csv"
CONFIG = {"population.residents": 20000, "run.start_date": "2024-01-01",
          "run.end_date": "2025-12-31"}
"""The baseline on a smaller street over the plan's short term (2024-2025)."""
SEED = 7
TOLERANCE = 1e-9


def golden_summary() -> pd.DataFrame:
    """Yearly indicators of the golden configuration: one row per indicator, one column
    per year (as strings, the way the CSV reads back)."""
    scenario = load_scenario("baseline").with_values(CONFIG, source="golden configuration")
    table = run(scenario, seed=SEED).yearly.T
    table.columns = [str(y) for y in table.columns]
    table.index.name = "indicator"
    return table.astype(float)


def read_golden(path: Path = GOLDEN) -> pd.DataFrame:
    """The stored golden summary."""
    return pd.read_csv(path, index_col="indicator").astype(float)


def differences(current: pd.DataFrame, stored: pd.DataFrame, tol: float = TOLERANCE) -> list[str]:
    """Human-readable differences between two summaries (empty when they agree)."""
    out = []
    if list(current.index) != list(stored.index):
        out.append(f"indicators differ: now {list(current.index)}, stored {list(stored.index)}")
    if list(current.columns) != list(stored.columns):
        out.append(f"years differ: now {list(current.columns)}, stored {list(stored.columns)}")
    if out:
        return out
    a, b = current.to_numpy(), stored.to_numpy()
    same = np.isclose(a, b, rtol=tol, atol=tol, equal_nan=True)
    for i, j in zip(*np.nonzero(~same)):
        out.append(f"{current.index[i]} {current.columns[j]}: now {a[i, j]!r}, stored {b[i, j]!r}")
    return out


def write_golden(table: pd.DataFrame, path: Path = GOLDEN) -> Path:
    """Write the summary with full float precision (round-trips exactly)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, float_format="%.17g")
    return path


def calibration_failures(reps: int = 20, workers: int | None = None) -> list[str]:
    """Patterns the baseline fails (``streetsim calibrate --check``), as text."""
    from sim.calibration import check

    table = check(load_scenario("baseline"), reps=reps, workers=workers)
    return [f"{r['pattern']} {r['mean']:.3g} outside {r['tolerance']}"
            for r in table.to_dict("records") if not r["pass"]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 on a difference")
    parser.add_argument("--reps", type=int, default=20,
                        help="replications of the calibration check run before refreshing (default 20)")
    parser.add_argument("--workers", type=int, default=None, help="processes for the calibration check")
    args = parser.parse_args(argv)
    if not args.check:
        failing = calibration_failures(args.reps, args.workers)
        if failing:
            print("refusing to refresh the golden baseline: the baseline fails its calibration check "
                  f"({args.reps} replications): " + "; ".join(failing), file=sys.stderr)
            return 1
    table = golden_summary()
    if args.check:
        diff = differences(table, read_golden())
        print("\n".join(diff) if diff else "golden baseline up to date")
        return 1 if diff else 0
    print(f"wrote {write_golden(table)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
