"""The model documentation stays true to the code: the parameter table of docs/ODD.md is
the one generated from the schema and the baseline, every mechanism module has its
submodel section, and docs/calibration.md lists every pattern with its band."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from sim.calibration import PATTERNS, _fmt

ROOT = Path(__file__).resolve().parents[1]
ODD = ROOT / "docs" / "ODD.md"
CALIBRATION = ROOT / "docs" / "calibration.md"


@pytest.fixture(scope="module")
def param_table():
    spec = importlib.util.spec_from_file_location("param_table", ROOT / "scripts" / "param_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_parameter_table_in_odd_is_up_to_date(param_table):
    text = ODD.read_text(encoding="utf-8")
    expected = param_table.replace_between_markers(text, param_table.render_table())
    assert text == expected, "docs/ODD.md parameter table is stale: run `python scripts/param_table.py`"


def test_parameter_table_lists_every_parameter_once(param_table, baseline):
    table = param_table.render_table(baseline)
    for key in baseline.values:
        assert table.count(f"| `{key}` |") == 1, key


def test_replacing_the_table_keeps_the_rest_of_the_document(param_table):
    text = f"intro\n{param_table.BEGIN}\nold\n{param_table.END}\noutro\n"
    new = param_table.replace_between_markers(text, "new\n")
    assert new == f"intro\n{param_table.BEGIN}\nnew\n{param_table.END}\noutro\n"
    with pytest.raises(ValueError):
        param_table.replace_between_markers("no markers", "new\n")


def test_odd_has_a_submodel_section_per_mechanism_module():
    text = ODD.read_text(encoding="utf-8")
    modules = sorted(p.stem for p in (ROOT / "sim" / "mechanisms").glob("*.py") if p.stem != "__init__")
    missing = [m for m in modules if f"sim/mechanisms/{m}.py" not in text]
    assert not missing, f"docs/ODD.md section 7 lacks submodels for {missing}"


def test_calibration_doc_lists_every_pattern_with_its_band():
    text = CALIBRATION.read_text(encoding="utf-8")
    for p in PATTERNS:
        band = f"[{_fmt(p.lo, p.indicator)}, {_fmt(p.hi, p.indicator)}]"
        origin = "emergent" if not p.driven_by else f"input-driven: {p.driven_by}"
        row = f"| {p.label} | `{p.indicator}` | {p.target} | {band} | {origin} | {p.reason} |"
        assert row in text, f"docs/calibration.md: pattern row out of date: {row}"
