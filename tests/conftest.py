"""Shared fixtures: small scenarios that run in about a second, and a factory writing scenario files."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sim.params.reading import SCENARIO_DIR
from sim.params.scenario import Scenario
from sim.scenarios import load_scenario

BASELINE_FILE = SCENARIO_DIR / "baseline.toml"

# the array code the compiled kernels replaced (benchmarks/numpy_mechanisms.py) is the
# tests' reference: ``import numpy_mechanisms as ref``
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

SMALL = {"population.residents": 5000, "run.end_date": "2024-06-30"}
"""Half a year of a 5,000-resident street: runs well under a second."""

_RUN_DIGEST = textwrap.dedent("""
    import hashlib
    from sim import load_scenario, run
    from tests.conftest import SMALL
    r = run(load_scenario("baseline").with_values(SMALL), seed=3)
    h = hashlib.sha256()
    for frame in (r.yearly, r.cases, r.daily):
        h.update(frame.to_csv().encode())
    print(h.hexdigest())
""")


def small_run_digest(env: dict[str, str]) -> str:
    """A hash of the yearly, case and daily tables of a :data:`SMALL` baseline run (seed
    3) made in a fresh process with ``env`` over this one's environment less its
    ``NUMBA_*`` and ``STREETSIM_*`` settings (a run's compiled code, set up two ways)."""
    root = Path(__file__).resolve().parents[1]
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_", "STREETSIM_"))}
    environ.update(env, PYTHONPATH=str(root))
    return subprocess.run([sys.executable, "-c", _RUN_DIGEST], env=environ, cwd=root, capture_output=True,
                          text=True, check=True).stdout.split()[-1]


TWO_YEARS = {"population.residents": 5000, "run.end_date": "2025-12-31"}
"""Two full calendar years of a small street (year boundaries, yearly records)."""


@pytest.fixture(scope="session")
def baseline() -> Scenario:
    """The shipped baseline scenario."""
    return load_scenario("baseline")


@pytest.fixture(scope="session")
def small(baseline: Scenario) -> Scenario:
    """A small, half-year baseline."""
    return baseline.with_values(SMALL)


@pytest.fixture(scope="session")
def two_years(baseline: Scenario) -> Scenario:
    """A small baseline over 2024-2025."""
    return baseline.with_values(TWO_YEARS)


@pytest.fixture
def scenario_file(tmp_path: Path):
    """Factory writing a scenario file into ``tmp_path``: ``scenario_file(name, body,
    extends="baseline")``; ``extends=None`` writes a root scenario header."""

    def write(name: str, body: str, extends: str | None = "baseline") -> Path:
        head = f'[scenario]\nname = "{name}"\n'
        if extends is not None:
            parent = BASELINE_FILE if extends == "baseline" else extends
            head += f'extends = "{parent}"\n'
        path = tmp_path / f"{name}.toml"
        path.write_text(head + body, encoding="utf-8")
        return path

    return write
