"""Shared fixtures: small scenarios that run in about a second, and a factory writing scenario files."""

from __future__ import annotations

import sys
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
