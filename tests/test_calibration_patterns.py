"""Calibration patterns: tagged emergent or input-driven, printed apart, validation patterns
kept out of the fitting targets; the slow suite runs a 4-replication check."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.calibration import EMERGENT, INPUT_DRIVEN, PATTERNS, VALIDATION_PATTERNS, check
from sim.commands.calibrate import print_check
from sim.params.schema import SPEC_BY_KEY


def test_every_pattern_is_emergent_or_input_driven():
    assert {p.origin for p in PATTERNS} == {"emergent", "input-driven"}
    assert len(EMERGENT) + len(INPUT_DRIVEN) == len(PATTERNS)


def test_input_driven_patterns_name_parameters_that_exist():
    for p in INPUT_DRIVEN:
        keys = [w.strip("(),:") for w in p.driven_by.split() if "." in w and not w.endswith(".")]
        assert keys, p.key
        for key in keys:
            assert key.split("(")[0] in SPEC_BY_KEY, (p.key, key)


def test_validation_patterns_are_not_fitting_targets():
    fitted = {p.key for p in PATTERNS}
    assert VALIDATION_PATTERNS and not fitted & {v.key for v in VALIDATION_PATTERNS}


def test_the_check_prints_emergent_and_input_driven_patterns_apart(capsys):
    rows = [{"pattern": p.label, "target": p.target, "tolerance": "[0, 1]", "mean": 0.5, "ci_low": 0.4,
             "ci_high": 0.6, "pass": p.origin == "emergent", "origin": p.origin, "driven_by": p.driven_by}
            for p in PATTERNS]
    print_check(pd.DataFrame(rows), "title")
    out = capsys.readouterr().out
    emergent, driven = out.index("Emergent patterns"), out.index("Input-driven patterns")
    assert emergent < driven
    assert EMERGENT[0].label in out[emergent:driven] and EMERGENT[0].label not in out[driven:]
    assert INPUT_DRIVEN[0].label in out[driven:]
    assert f"emergent: {len(EMERGENT)} of {len(EMERGENT)} passed" in out
    assert f"input-driven: 0 of {len(INPUT_DRIVEN)} passed" in out


@pytest.mark.slow
def test_calibration_check_with_four_replications(baseline):
    """``streetsim calibrate --check --reps 4``: with four replications every pattern's 95%
    CI must meet its band, and every input-driven pattern's mean must lie inside it (they
    are reproduced by construction). The full check (20 replications, means inside the
    bands) is ``streetsim calibrate --check``."""
    table = check(baseline, reps=4)
    assert len(table) == len(PATTERNS)
    off = table[~table["ci_overlaps"]]
    assert off.empty, off[["pattern", "mean", "ci_low", "ci_high", "tolerance"]].to_string()
    driven = table[table["origin"] == "input-driven"]
    assert driven["pass"].all(), driven[~driven["pass"]][["pattern", "mean", "tolerance"]].to_string()


def test_update_golden_refuses_to_refresh_while_the_check_fails(monkeypatch, tmp_path, capsys):
    import importlib.util
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "scripts" / "update_golden.py"
    spec = importlib.util.spec_from_file_location("update_golden_refusal", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "calibration_failures", lambda reps, workers: ["Mean time to resolve 120"])
    monkeypatch.setattr(module, "golden_summary", lambda: pytest.fail("must not run the golden run"))
    monkeypatch.setattr(module, "GOLDEN", tmp_path / "golden.csv")
    assert module.main([]) == 1
    assert "refusing to refresh" in capsys.readouterr().err
    assert not (tmp_path / "golden.csv").exists()
