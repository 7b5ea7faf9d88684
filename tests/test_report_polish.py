"""Report polish: the scorecard scrolls in its own box with the indicator column frozen,
administrative inputs are grouped apart from outcomes by ``Indicator.kind``, and stored
scenario-discovery boxes appear as "where this reform fails"."""

from __future__ import annotations

import dataclasses
import re

import pandas as pd
import pytest

from sim.indicators.definitions import INDICATORS
from sim.report import html as report_html
from sim.report.data import report_data
from sim.report.html import discovery_html, scorecard_table
from tests.test_report import hand_frames


@pytest.fixture(scope="module")
def data():
    f = hand_frames()
    return report_data(f["runs"], f["indicators"], f["daily"], f["flows"], f["departments"],
                       meta={"name": "d"})


def test_scorecard_scrolls_with_the_indicator_column_frozen(data) -> None:
    table = scorecard_table(data, "en")
    assert 'class="tablewrap card"' in table
    css = report_html.CSS
    assert re.search(r"\.tablewrap\.card\{overflow:auto;max-height:\d+vh", css)
    frozen = r"\.tablewrap\.card th:first-child,\.tablewrap\.card td:first-child\{position:sticky;left:0"
    assert re.search(frozen, css)


def test_input_indicators_are_grouped_apart(data, monkeypatch) -> None:
    present = set(data.summary["indicator"])
    key = next(i.key for i in INDICATORS if i.key in present and i.kind == "process")
    changed = tuple(dataclasses.replace(i, kind="input") if i.key == key else i for i in INDICATORS)
    monkeypatch.setattr(report_html, "INDICATORS", changed)
    table = scorecard_table(data, "en")
    assert "Administrative inputs" in table
    groups = re.findall(r'<tr class="group"><td colspan="\d+">([^<]+)</td>', table)
    assert sum("Administrative inputs" in g for g in groups) == 1


def test_discovery_boxes_are_listed() -> None:
    boxes = pd.DataFrame([{"path": "combined", "indicator": "contract_pay_gap", "failure": "misses_target",
                           "share": 0.5, "coverage": 1.0, "density": 1.0, "mass": 0.5, "res_dim": 1,
                           "restrictions": "stress:pay_gap_widens in {True}", "limits": "{}"}])
    html = discovery_html(boxes, "zh")
    assert "未达方案目标" in html and "stress:pay_gap_widens in {True}" in html and "100%" in html
    assert "streetsim discover" in discovery_html(None, "en")
