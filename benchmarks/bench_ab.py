"""Benchmark: two revisions of streetsim side by side, in alternating fresh processes.

On a busy or drifting machine (the project's 2-core machine ran the same code from
0.23 to 0.51 s a run, and its speed moves within minutes) two figures taken one after
the other do not compare. This benchmark takes them in the same minutes: each round
runs revision A and revision B in fresh processes (A then B in odd rounds, B then A in
even ones, so a drift favours neither), each process makes a warm-up run then
``--runs`` timed model runs (``StreetModel.run``, wall seconds) and reports its best.
It prints every round, the best and median of each revision, the median of the rounds'
ratios B / A, and in how many rounds B was quicker (a sign test's count: with 10
rounds, 9 or 10 of one side would be unlikely by chance, p < 0.025 each side).

A revision is a git revision of this repository (checked out in a temporary worktree,
whose kernels compile on its first run: a few minutes) or the path of a checkout. The
same Python runs both; each checkout is put first on ``PYTHONPATH`` and keeps its own
compiled kernels (numba caches them beside the sources). It does not check that the two
give the same results: ``scripts/snapshot_tables.py`` does that.

    python benchmarks/bench_ab.py HEAD~1 HEAD [--rounds 10] [--runs 3] [--scenario baseline]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

CHILD = """
import sys, time
from sim.model import StreetModel
from sim.scenarios import load_scenario
scenario = load_scenario(sys.argv[1])
seed, runs = int(sys.argv[2]), int(sys.argv[3])
StreetModel(scenario, seed=seed).run()
best = float("inf")
for _ in range(runs):
    model = StreetModel(scenario, seed=seed)
    t0 = time.perf_counter()
    model.run()
    best = min(best, time.perf_counter() - t0)
print(best)
"""


def checkout(revision: str, workdir: Path) -> Path:
    """The folder holding ``revision``: itself if it is a directory with ``sim/``, else a
    detached worktree of this repository at that revision, made under ``workdir``."""
    path = Path(revision)
    if path.is_dir() and (path / "sim").is_dir():
        return path.resolve()
    target = workdir / f"rev-{len(list(workdir.iterdir()))}"
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", "--quiet", str(target), revision],
                   check=True)
    return target


def best_run(root: Path, scenario: str, seed: int, runs: int) -> float:
    """Best model-run seconds of a fresh process importing ``sim`` from ``root``."""
    path = os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))
    env = dict(os.environ, PYTHONPATH=path)
    out = subprocess.run([sys.executable, "-c", CHILD, scenario, str(seed), str(runs)], cwd=root, env=env,
                         check=True, capture_output=True, text=True).stdout
    return float(out.split()[-1])


def summary(a: list[float], b: list[float]) -> str:
    """The figures printed after the rounds."""
    ratios = [y / x for x, y in zip(a, b, strict=True)]
    quicker = sum(y < x for x, y in zip(a, b, strict=True))
    return "\n".join([
        f"A best {min(a):.4f} s, median {statistics.median(a):.4f} s",
        f"B best {min(b):.4f} s, median {statistics.median(b):.4f} s",
        f"B / A: best against best {min(b) / min(a):.3f}; median of the rounds' ratios "
        f"{statistics.median(ratios):.3f}; B quicker in {quicker} of {len(a)} rounds",
    ])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("a", help="revision A: a git revision, or the path of a checkout")
    ap.add_argument("b", help="revision B: a git revision, or the path of a checkout")
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--runs", type=int, default=3, help="timed runs a process (its best counts)")
    ap.add_argument("--scenario", default="baseline")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_ab_") as tmp:
        work = Path(tmp)
        roots = [checkout(args.a, work), checkout(args.b, work)]
        try:
            for root in roots:  # compile (or load) each revision's kernels before timing
                best_run(root, args.scenario, args.seed, 1)
            times: list[list[float]] = [[], []]
            print("| round | A (s) | B (s) | B / A |\n|---:|---:|---:|---:|")
            for r in range(args.rounds):
                for i in ((0, 1) if r % 2 == 0 else (1, 0)):
                    times[i].append(best_run(roots[i], args.scenario, args.seed, args.runs))
                a, b = times[0][-1], times[1][-1]
                print(f"| {r + 1} | {a:.4f} | {b:.4f} | {b / a:.3f} |", flush=True)
            print(summary(*times))
        finally:
            for root in roots:
                if root.is_relative_to(work):
                    subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(root)],
                                   check=False)


if __name__ == "__main__":
    main()
