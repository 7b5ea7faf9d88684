"""Scenario tools (list, show, diff) and the paired comparison behind ``run --vs``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.experiment.scenario_tools import diff_scenarios, list_scenarios, show_scenario
from sim.experiment.versus import pair, paired, wide
from sim.indicators.definitions import INDICATORS
from sim.levers import LEVERS, STRESSORS
from sim.scenarios import load_scenario

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"
QUARTER = {"population.residents": 3000, "run.end_date": "2024-03-31"}
PATH_FILES = ("integrated_resources", "coordinated", "digital", "combined")


def test_list_shows_every_reform_scenario_with_its_parent():
    table = list_scenarios().set_index("scenario")
    for name in PATH_FILES:
        assert table.loc[name, "extends"] == "baseline"
    assert table.loc["digital", "levers"] == 5
    assert table.loc["combined", "combines"] == "integrated_resources, coordinated, digital"


def test_show_gives_values_in_force_each_year_and_what_sets_them():
    table = show_scenario(load_scenario("digital"))
    row = table.loc["data.systems_in_use"]
    assert (row[2024], row[2026]) == (18, 3)
    assert row["changed_by"] == "lever merged_systems"
    assert table.loc["population.residents", "changed_by"] == ""


def test_show_applies_stressors():
    table = show_scenario(load_scenario("digital", stressors=["platform_unfunded"]))
    assert table.loc["platform.running_funded", 2027] == 0.0
    assert table.loc["platform.running_funded", "changed_by"] == "stressor platform_unfunded"


def test_diff_lists_only_what_differs():
    coordinated, baseline = load_scenario("coordinated"), load_scenario("baseline")
    table = diff_scenarios(coordinated, baseline)
    joint = table[(table["parameter"] == "departments.joint_meeting") & (table["date"] == "2026-01-01")]
    assert joint[["coordinated", "baseline"]].values.tolist() == [[True, False]]
    assert "population.residents" not in set(table["parameter"])
    assert diff_scenarios(baseline, baseline).empty


@pytest.mark.parametrize("argv", [["scenarios", "list"], ["scenarios", "show", "coordinated", "--changed"],
                                  ["scenarios", "show", "digital", "--stress", "false_alarms"],
                                  ["scenarios", "diff", "digital", "baseline"]])
def test_scenario_commands_print_and_succeed(argv, capsys):
    assert main(argv) == 0
    assert capsys.readouterr().out.strip()


def test_pair_reports_each_indicator_and_year_with_paired_differences():
    a = [pd.DataFrame({i.key: [1.0, 2.0] for i in INDICATORS}, index=[2025, 2026])] * 2
    b = [pd.DataFrame({i.key: [0.5, 2.0] for i in INDICATORS}, index=[2025, 2026])] * 2
    table = pair(a, b, years=(2025, 2026, 2030))
    assert len(table) == 2 * len(INDICATORS)
    assert set(pair(a, b, years=(2030,))["year"]) == {2025, 2026}
    first = table[(table["indicator"] == "resolution_rate") & (table["year"] == 2025)].iloc[0]
    assert (first["scenario"], first["baseline"], first["difference"], first["n"]) == (1.0, 0.5, 0.5, 2)


@pytest.fixture(scope="module")
def quarter(baseline):
    return baseline.with_values(QUARTER)


def test_paired_runs_share_their_seeds(quarter):
    table = paired(quarter, quarter, reps=2, seed=7, years=(2024,))
    assert (table["difference"].fillna(0.0) == 0.0).all()
    assert len(wide(table)) == len(INDICATORS)


def test_run_versus_prints_both_scenarios_and_the_difference(tmp_path, capsys):
    body = ('[population]\nresidents = { value = 3000 }\n[run]\nend_date = { value = "2024-03-31" }\n')
    small = tmp_path / "small.toml"
    small.write_text(f'[scenario]\nname = "small"\nextends = "{BASELINE}"\n{body}', encoding="utf-8")
    lists = tmp_path / "lists.toml"
    lists.write_text(f'[scenario]\nname = "lists"\nextends = "{small}"\n[levers.responsibility_lists]\n',
                     encoding="utf-8")
    rc = main(["run", str(lists), "--vs", str(small), "--reps", "1", "--stress", "revenue_shock",
               "--out", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert rc == 0
    assert "lists vs small under revenue_shock" in out and "difference" in out
    saved = pd.read_parquet(tmp_path / "out" / "comparison.parquet")
    assert set(saved["stressors"]) == {"revenue_shock"}


def test_lever_scenarios_keep_the_baseline_run_dates():
    for name in PATH_FILES:
        s = load_scenario(name)
        assert s.values["run.start_date"] == "2024-01-01" and s.values["run.end_date"] == "2030-12-31"
        assert s.params_at(dt.date(2024, 1, 1)) is not None


def test_docs_table_every_lever_and_stressor():
    text = (Path(__file__).resolve().parents[1] / "docs" / "levers.md").read_text(encoding="utf-8")
    missing = [n for n in (*LEVERS, *STRESSORS) if f"| `{n}` |" not in text]
    assert not missing
