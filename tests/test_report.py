"""The comparison report: its numbers (CIs, pairing, flows, hours), its HTML (self-contained,
both languages, escaped user text) and the ``streetsim report`` command.

Most tests use small frames built by hand, so the expected numbers are known exactly.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main as cli_main
from sim.indicators.definitions import INDICATORS
from sim.params.errors import InputError
from sim.report import render_report, report_data, write_report
from sim.report.data import flow_outcome, mean_ci, scorecard, target_status
from sim.report.figures import all_figures
from sim.report.i18n import TEXT
from sim.report.static import write_static

EVIL = "<script>alert(1)</script>"
YEARS = range(2024, 2031)
SEEDS = (11, 22, 33)


FEW = ("satisfaction", "dept_response_rate", "mean_resolve_hours")


def hand_frames(path: str = "coordinated", stressors: str = "", keys: tuple[str, ...] | None = None
                ) -> dict[str, pd.DataFrame]:
    """Runs of a baseline and one path, 3 seeds, 2024-2030: every indicator (or those in
    ``keys``) is ``base + seed effect + path effect`` so means and paired differences are known."""
    runs, ind, daily, flows, depts = [], [], [], [], []
    days = pd.date_range("2024-01-01", "2030-12-31", freq="D")
    for s_i, scenario in enumerate(("baseline", path)):
        for r, seed in enumerate(SEEDS):
            rid = f"{scenario}-{seed}"
            runs.append({"run_id": rid, "run_index": len(runs), "experiment": "demo", "scenario": scenario,
                         "stressors": stressors, "seed": seed, "replication": r, "point": 0, "params": "{}",
                         "status": "ok", "error": "", "version": "0.1.0", "git_commit": "abc"})
            for year in YEARS:
                for k, ind_def in enumerate(INDICATORS):
                    if keys is not None and ind_def.key not in keys:
                        continue
                    base = 0.5 if "share" in ind_def.unit else 10.0 + k
                    value = base + 0.01 * r + s_i * 0.1 * (year - 2023) / 7
                    ind.append({"run_id": rid, "scenario": scenario, "seed": seed, "replication": r,
                                "street": "all", "year": year, "indicator": ind_def.key, "value": value})
                flows += [{"run_id": rid, "scenario": scenario, "year": year, "route": route, "outcome": out,
                           "drop_reason": why, "n": n}
                          for route, out, why, n in (("street", "resolved", "none", 100 + 10 * s_i),
                                                     ("street", "dropped", "street_failed", 40),
                                                     ("departments", "resolved", "none", 30),
                                                     ("departments", "dropped", "bounced_out", 6),
                                                     ("departments", "dropped", "departments_failed", 12),
                                                     ("social_org", "resolved", "none", 8),
                                                     ("none", "open", "none", 2))]
                depts += [{"run_id": rid, "scenario": scenario, "year": year, "department": d, "whistles": 12,
                           "answered": 7 + 2 * s_i, "episodes": 10, "mean_arrival_hours": 30.0 - 10 * s_i}
                          for d in ("police", "urban_management")]
            daily.append(pd.DataFrame({
                "run_id": rid, "scenario": scenario, "street": 0, "day": np.arange(len(days)), "date": days,
                "hours_available": 100.0, "hours_training": 2.0, "hours_emergency": 0.0,
                "hours_out_of_list": 45.0 - 20 * s_i, "hours_in_list": 10.0,
                "hours_data_entry": 20.0 - 10 * s_i,
                "hours_casework": 15.0 + 25 * s_i, "queue": 3, "staff_filled": 28}))
    return {"runs": pd.DataFrame(runs), "indicators": pd.DataFrame(ind), "daily": pd.concat(daily),
            "flows": pd.DataFrame(flows), "departments": pd.DataFrame(depts)}


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return hand_frames()


@pytest.fixture(scope="module")
def data(frames):
    return report_data(frames["runs"], frames["indicators"], frames["daily"], frames["flows"],
                       frames["departments"], meta={"name": "demo"})


# --- numbers ---------------------------------------------------------------------------

def test_mean_ci_is_the_student_t_interval():
    n, m, lo, hi = mean_ci(np.array([1.0, 2.0, 3.0]))
    assert (n, m) == (3, 2.0)
    assert hi - m == pytest.approx(4.302653 * 1.0 / np.sqrt(3), rel=1e-6)
    assert lo == pytest.approx(2 * m - hi)


def test_mean_ci_of_one_value_has_no_interval():
    n, m, lo, hi = mean_ci(np.array([5.0, np.nan]))
    assert (n, m) == (1, 5.0) and np.isnan(lo) and np.isnan(hi)


def test_summary_mean_over_replications(data):
    row = data.summary.query("arm == 'baseline' and indicator == 'satisfaction' and year == 2030").iloc[0]
    assert row["n"] == 3
    assert row["mean"] == pytest.approx(0.51)  # 0.5 + mean(0, .01, .02)


def test_paired_differences_cancel_the_shared_seed_noise(data):
    d = data.diffs.query("arm == 'coordinated' and indicator == 'satisfaction' and year == 2030").iloc[0]
    assert d["reference"] == "baseline"
    assert d["mean"] == pytest.approx(0.1)
    assert d["ci_high"] - d["ci_low"] == pytest.approx(0.0, abs=1e-12)  # seed effect is shared


def test_baseline_has_no_differences(data):
    assert "baseline" not in set(data.diffs["arm"])


def test_stressed_path_is_compared_with_the_stressed_baseline():
    f = hand_frames(stressors="fiscal_shock", keys=FEW)
    plain = hand_frames(keys=FEW)
    runs = pd.concat([f["runs"], plain["runs"].assign(run_id=lambda r: "p" + r["run_id"])])
    ind = pd.concat([f["indicators"], plain["indicators"].assign(run_id=lambda r: "p" + r["run_id"])])
    d = report_data(runs, ind)
    refs = dict(zip(d.arms["arm"], d.arms["reference"]))
    assert refs["coordinated [fiscal_shock]"] == "baseline [fiscal_shock]"
    assert refs["coordinated"] == "baseline"
    assert refs["baseline [fiscal_shock]"] == "baseline"


def test_target_status():
    assert target_status("dept_response_rate", 2030, 0.95, 0.93, 0.97) == "met"
    assert target_status("dept_response_rate", 2030, 0.80, 0.78, 0.82) == "not_met"
    assert target_status("dept_response_rate", 2030, 0.91, 0.88, 0.94) == "uncertain"
    assert target_status("satisfaction", 2027, 0.95, 0.93, 0.97) == "not_due"  # target from 2028
    assert target_status("resolution_rate", 2030, 0.5, 0.4, 0.6) == "no_target"


def test_scorecard_holds_the_milestone_years(data):
    card = scorecard(data)
    assert sorted(card["year"].unique()) == [2025, 2027, 2030]
    assert set(card["arm"]) == {"baseline", "coordinated"}


def test_flow_outcomes_split_bounced_from_dropped():
    out = flow_outcome(pd.Series(["resolved", "dropped", "dropped", "open"]),
                       pd.Series(["none", "bounced_out", "street_failed", "none"]))
    assert list(out) == ["resolved", "bounced", "dropped", "open"]


def test_flows_are_mean_cases_per_run(data):
    f = data.flows.query("arm == 'coordinated' and route == 'street' and outcome == 'resolved'")
    assert f["n"].iloc[0] == pytest.approx(110 * 7)  # 110 a year, 7 years, same in every run


def test_hours_shares_sum_to_one_with_slack(data):
    h = data.hours[data.hours["arm"] == "baseline"]
    sums = h.groupby("month")["share"].sum()
    assert np.allclose(sums, 1.0)
    casework = h[(h["bucket"] == "casework")]["share"]
    assert np.allclose(casework, 0.15)


def test_department_answer_rate_and_delay(data):
    d = data.departments.query("arm == 'coordinated' and year == 2030 and department == 'police'").iloc[0]
    assert d["answer_rate"] == pytest.approx(0.9)
    assert d["mean_arrival_hours"] == pytest.approx(20.0)


def test_calibration_table_from_baseline_runs(data):
    cal = data.calibration
    assert cal is not None and data.meta["calibration_from_runs"]
    row = cal[cal["indicator"] == "dept_response_rate"].iloc[0]
    assert row["mean"] == pytest.approx(0.51)  # all years, all runs
    assert not row["pass"]


def test_sweep_table_needs_several_points(data, frames):
    assert data.sweep is None
    runs = frames["runs"].copy()
    runs["point"] = runs["replication"] % 2
    runs["params"] = [json.dumps({"staff.work_hours_per_day": 8.0 + p}) for p in runs["point"]]
    d = report_data(runs, frames["indicators"], meta={"indicators": ["satisfaction"], "years": [2030]})
    assert set(d.sweep["point"]) == {0, 1}
    assert set(d.sweep["staff.work_hours_per_day"]) == {8.0, 9.0}


def sensitivity_table(method: str) -> pd.DataFrame:
    """Indices in the engine's long format for three parameters."""
    names = {"morris": ("mu_star", "sigma"), "sobol": ("S1", "ST")}[method]
    return pd.DataFrame([{"scenario": "baseline", "stressors": "", "indicator": "satisfaction", "year": 2030,
                          "parameter": f"group.p{i}", "index": idx, "value": 0.1 * i + j, "conf": 0.01}
                         for i in range(3) for j, idx in enumerate(names)])


@pytest.mark.parametrize("method", ["morris", "sobol"])
def test_sensitivity_indices_get_their_figure(few, method):
    d = report_data(few["runs"], few["indicators"], sensitivity=sensitivity_table(method))
    figs = [f for f in all_figures(d, "en") if f.section == "sensitivity"]
    assert [f.id.split("_")[0] for f in figs] == [method]


def test_sweep_points_get_a_heatmap_and_parallel_coordinates(few):
    runs = few["runs"].copy()
    runs["point"] = runs["replication"]
    runs["params"] = [json.dumps({"a.x": float(p), "a.y": float(p % 2)}) for p in runs["point"]]
    d = report_data(runs, few["indicators"], meta={"indicators": ["satisfaction"], "years": [2030]})
    ids = [f.id for f in all_figures(d, "en") if f.section == "sensitivity"]
    assert any(i.startswith("heatmap_") for i in ids) and "parcoords" in ids


def test_every_label_exists_in_both_languages_with_the_same_fields():
    fields = re.compile(r"{(\w+)}")
    for key, (en, zh) in TEXT.items():
        assert en and zh, key
        assert set(fields.findall(en)) == set(fields.findall(zh)), key


# --- html --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def report_html(data, tmp_path_factory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("report")
    return {lang: render_report(data, out / f"r.{lang}.html", lang).read_text(encoding="utf-8")
            for lang in ("en", "zh")}


def test_report_is_self_contained(report_html):
    html = report_html["en"]
    assert not re.search(r"<(script|link|img|iframe)[^>]*\s(src|href)\s*=", html)  # nothing to fetch
    assert html.count("Plotly.newPlot") >= 1
    assert len(re.findall(r"plotly\.js v\d", html)) == 1  # plotly.js embedded once


def test_report_has_every_section_and_figure(data, report_html):
    html = report_html["en"]
    for section in ("scorecard", "series", "diff", "mechanisms", "sensitivity", "methods"):
        assert f'id="{section}"' in html
    for f in all_figures(data, "en"):
        assert f'id="fig-{f.id}"' in html


def test_report_labels_follow_the_language(report_html):
    assert "诉求办结率" in report_html["zh"] and "诉求办结率" not in report_html["en"]
    assert "Demand resolution rate" in report_html["en"]
    assert "计分卡" in report_html["zh"] and "Scorecard" not in report_html["zh"]


def test_scenario_names_and_descriptions_are_escaped(tmp_path):
    f = hand_frames(path=EVIL, keys=FEW)
    info = pd.DataFrame([{"scenario": EVIL, "name_zh": "", "description": "<img src=x onerror=alert(2)>",
                          "levers": ""}])
    d = report_data(f["runs"], f["indicators"], f["daily"], f["flows"], f["departments"], scenarios=info,
                    meta={"name": "demo", "description": "<b>bold</b>"})
    html = render_report(d, tmp_path / "evil.html", "en").read_text(encoding="utf-8")
    assert EVIL not in html and "<img src=x" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_bad_language_is_refused_before_writing(data, tmp_path):
    with pytest.raises(InputError, match="--lang"):
        render_report(data, tmp_path / "x.html", "fr")
    assert not (tmp_path / "x.html").exists()


def test_static_figures_without_a_browser_say_so(tmp_path, monkeypatch):
    f = hand_frames(keys=FEW)
    data = report_data(f["runs"], f["indicators"])
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-browser"))
    assert write_static(all_figures(data, "en")[:1], tmp_path).error == "no_browser"
    messages = []
    out = render_report(data, tmp_path / "r.html", "en", png_dir=tmp_path / "png", notify=messages.append)
    assert out.exists() and len(messages) == 1 and "Chromium" in messages[0]


# --- command -------------------------------------------------------------------------------

def _store(frames: dict[str, pd.DataFrame], root: Path) -> Path:
    folder = root / "demo"
    for name, frame in frames.items():
        for rid, part in frame.groupby("run_id"):
            (folder / name).mkdir(parents=True, exist_ok=True)
            part.to_parquet(folder / name / f"{rid}.parquet", index=False)
    return folder


@pytest.fixture(scope="module")
def few() -> dict[str, pd.DataFrame]:
    return hand_frames(keys=FEW)


def test_write_report_reads_a_results_folder(few, tmp_path):
    folder = _store(few, tmp_path / "results")
    out = write_report(tmp_path / "results", tmp_path / "report.html", lang="zh")
    assert out.exists() and "计分卡" in out.read_text(encoding="utf-8")
    assert folder.is_dir()


def test_cli_report_writes_the_default_file(few, tmp_path, capsys):
    folder = _store(few, tmp_path / "results")
    assert cli_main(["report", "--results", str(folder), "--lang", "en"]) == 0
    assert (folder / "report.en.html").exists()
    assert "wrote report" in capsys.readouterr().out


def test_cli_png_without_a_browser_still_writes_the_html(few, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-browser"))
    folder = _store(few, tmp_path / "results")
    out = tmp_path / "r.html"
    args = ["report", "--results", str(folder), "--out", str(out), "--png", str(tmp_path / "png")]
    assert cli_main(args) == 0
    assert out.exists()
    assert "no Chromium or Chrome found" in capsys.readouterr().err


def test_cli_report_on_an_empty_folder_is_one_line_error(tmp_path, capsys):
    assert cli_main(["report", "--results", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("streetsim: error:") and "\n" not in err
