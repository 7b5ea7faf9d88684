#!/usr/bin/env python
"""Save, or compare against, every raw table of a few fixed runs (a port's bit-for-bit check).

A performance change that should not change results (a mechanism rewritten as a compiled
kernel, a data-structure change) is checked by saving the raw tables of fixed runs
before the change and comparing after it: every column of every table (cases, whistle
episodes, whistle log, daily series, staff events, emergencies, social-organisation
events, council log, yearly state) must be identical, NaN for NaN.

The runs: the full-size baseline and the combined path (2024-2030, seed 1) and two-street
and eight-street districts of the coordinated path (20,000 residents each, 2024-2025,
seeds 3 and 5; the second has the pool's answers of many streets interleaved).

    python scripts/snapshot_tables.py save DIR       # before the change
    python scripts/snapshot_tables.py check DIR      # after: exit 1 on any difference
    python scripts/snapshot_tables.py check DIR --only baseline

NumPy's own SIMD ``exp``/``log`` (AVX-512) differ from the C library's in the last bit
for a few per cent of arguments, while compiled (numba) kernels call the C library. So
that a port from numpy to a kernel compares like with like, the script re-runs itself
with NumPy's AVX-512 dispatch switched off (``NPY_DISABLE_CPU_FEATURES``) on machines
that have it; both the save and the check run that way.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

LIBM_FEATURES = "X86_V4 AVX512_ICL"
"""NumPy dispatch targets whose float64 exp/log are NumPy's own (switched off here)."""


def _avx512() -> bool:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            return "avx512f" in f.read()
    except OSError:
        return False


if "NPY_DISABLE_CPU_FEATURES" not in os.environ and _avx512():
    os.environ["NPY_DISABLE_CPU_FEATURES"] = LIBM_FEATURES
    os.execv(sys.executable, [sys.executable, *sys.argv])

import numpy as np  # noqa: E402 - after the re-run with NumPy's dispatch set
import pandas as pd  # noqa: E402

from sim.model import StreetModel  # noqa: E402
from sim.outputs import street_tables  # noqa: E402
from sim.scenarios import load_scenario  # noqa: E402

TABLES = ("cases", "episodes", "whistles", "daily", "staff_events", "emergencies", "so_events",
          "council", "state")
SMALL = {"population.residents": 20000, "run.end_date": "2025-12-31"}
RETIRED = {"cases": ("z_repeat",)}
"""Internal columns a declared change removed (a saved table may still have them; they are
not compared): ``z_repeat`` is computed where a case repeats, since 2026-11-30."""


def runs() -> dict[str, tuple]:
    """Name -> (scenario, seed, streets) of the fixed runs."""
    return {
        "baseline": (load_scenario("baseline"), 1, 1),
        "combined": (load_scenario("combined"), 1, 1),
        "district2": (load_scenario("coordinated").with_values(SMALL, source="snapshot"), 3, 2),
        "district8": (load_scenario("coordinated").with_values(SMALL, source="snapshot"), 5, 8),
    }


def tables_of(scenario, seed: int, streets: int) -> dict[str, pd.DataFrame]:
    """Every raw table of one run (streets stacked)."""
    model = StreetModel(scenario, seed=seed, n_streets=streets).run()
    out: dict[str, list[pd.DataFrame]] = {name: [] for name in TABLES}
    for street in model.streets:
        t = street_tables(model, street)
        for name in TABLES:
            out[name].append(getattr(t, name))
    return {name: pd.concat(parts, ignore_index=True) for name, parts in out.items()}


def differences(now: pd.DataFrame, saved: pd.DataFrame, label: str) -> list[str]:
    """Columns that differ (bit for bit, NaN equal to NaN)."""
    if list(now.columns) != list(saved.columns):
        return [f"{label}: columns differ"]
    if len(now) != len(saved):
        return [f"{label}: {len(now)} rows now, {len(saved)} saved"]
    out = []
    for col in now.columns:
        a, b = now[col].to_numpy(), saved[col].to_numpy()
        same = (a == b) | (np.isnan(a) & np.isnan(b)) if a.dtype.kind == "f" else a == b
        if not np.all(same):
            first = int(np.flatnonzero(~same)[0])
            out.append(f"{label}.{col}: {int((~same).sum())} rows differ (first row {first}: "
                       f"{a[first]!r} now, {b[first]!r} saved)")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("action", choices=("save", "check"))
    ap.add_argument("dir", type=Path)
    ap.add_argument("--only", default=None, help="comma-separated run names")
    args = ap.parse_args()
    chosen = runs()
    if args.only:
        chosen = {k: v for k, v in chosen.items() if k in args.only.split(",")}
    problems: list[str] = []
    for name, (scenario, seed, streets) in chosen.items():
        tables = tables_of(scenario, seed, streets)
        for tname, frame in tables.items():
            path = args.dir / name / f"{tname}.pkl"
            if args.action == "save":
                path.parent.mkdir(parents=True, exist_ok=True)
                frame.to_pickle(path)
            else:
                saved = pd.read_pickle(path)
                gone = [c for c in RETIRED.get(tname, ()) if c in saved.columns and c not in frame.columns]
                problems += differences(frame, saved.drop(columns=gone), f"{name}.{tname}")
        done = "saved" if args.action == "save" else "checked"
        print(f"{name}: {done} {len(tables['cases'])} cases", flush=True)
    if problems:
        print("DIFFERENCES:\n  " + "\n  ".join(problems))
        sys.exit(1)
    if args.action == "check":
        print("identical")


if __name__ == "__main__":
    main()
