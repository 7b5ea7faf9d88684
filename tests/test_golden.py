"""Golden baseline: a fixed configuration reproduces its stored yearly indicators exactly.

Refresh only with ``python scripts/update_golden.py`` (and say why in the commit).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "update_golden.py"


@pytest.fixture(scope="module")
def golden():
    spec = importlib.util.spec_from_file_location("update_golden", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_golden_file_exists(golden):
    assert golden.GOLDEN.exists(), "no golden baseline: run `python scripts/update_golden.py`"


def test_baseline_reproduces_the_golden_summary(golden):
    diff = golden.differences(golden.golden_summary(), golden.read_golden())
    assert not diff, (
        "the model's results changed from tests/golden/baseline_summary.csv:\n  "
        + "\n  ".join(diff[:20])
        + "\nIf the model change is intended, run `python scripts/update_golden.py` "
        "and commit the new file, saying why results changed."
    )


def test_differences_catches_a_change_beyond_tolerance(golden):
    stored = golden.read_golden()
    changed = stored.copy()
    changed.iloc[0, 0] = changed.iloc[0, 0] + 1e-6
    assert len(golden.differences(changed, stored)) == 1
    assert golden.differences(stored.copy(), stored) == []
