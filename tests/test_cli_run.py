"""``streetsim run``: writes the three tables, and the case table reconciles with the
yearly indicators computed from it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.params.reading import SCENARIO_DIR

SMALL_RUN = """
[population]
residents = { value = 5000, source = "test: small street" }

[run]
end_date = { value = "2024-12-31", source = "test: one year" }
"""


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    scenario = tmp / "small.toml"
    scenario.write_text(f'[scenario]\nname = "small"\nextends = "{SCENARIO_DIR / "baseline.toml"}"\n'
                        + SMALL_RUN, encoding="utf-8")
    out = tmp / "out"
    code = main(["run", str(scenario), "--seed", "1", "--out", str(out)])
    return code, out


def test_run_writes_the_four_tables(written):
    code, out = written
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == ["cases.parquet", "daily.parquet",
                                                      "indicators.parquet", "money.parquet"]


def test_money_ledger_is_written(written):
    money = pd.read_parquet(written[1] / "money.parquet")
    assert list(money.columns) == ["scenario", "seed", "street", "year", "item", "yuan"]
    assert {"budgeted", "arrived", "livelihood_spent", "general_balance"} <= set(money["item"])


def test_open_cases_are_queued_in_service_or_waiting_on_departments(written):
    cases = pd.read_parquet(written[1] / "cases.parquet")
    daily = pd.read_parquet(written[1] / "daily.parquet")
    still_open = cases["outcome"] == "open"
    last = daily.iloc[-1]
    assert int(last["queue"] + last["in_service"] + last["waiting_departments"]) == int(still_open.sum())
    # closed_h is empty until a case closes; the planned time has its own column
    assert cases.loc[still_open, "closed_h"].isna().all()
    assert cases.loc[~still_open, "closed_h"].notna().all()
    assert cases.loc[~still_open, "planned_close_h"].isna().all()


def test_indicator_table_is_long_and_keyed_by_run(written):
    ind = pd.read_parquet(written[1] / "indicators.parquet")
    assert list(ind.columns) == ["scenario", "seed", "street", "year", "indicator", "value"]
    assert set(ind["scenario"]) == {"small"} and set(ind["seed"]) == {1}
    assert set(ind["year"]) == {2024}


def test_daily_table_has_one_row_per_day(written):
    daily = pd.read_parquet(written[1] / "daily.parquet")
    assert len(daily) == 366
    assert daily["date"].iloc[0] == pd.Timestamp("2024-01-01")


def _indicator(out, key: str) -> float:
    ind = pd.read_parquet(out / "indicators.parquet")
    return float(ind.loc[(ind["indicator"] == key) & (ind["year"] == 2024), "value"].iloc[0])


def test_case_table_reconciles_with_yearly_indicators(written):
    out = written[1]
    cases = pd.read_parquet(out / "cases.parquet")
    raised_2024 = cases["raised_at"].dt.year == 2024
    assert raised_2024.all()
    assert len(cases) == _indicator(out, "demands")
    resolved = (cases["outcome"] == "resolved").mean()
    assert resolved == pytest.approx(_indicator(out, "resolution_rate"), abs=1e-12)
    assert (cases["category"] == "mediation").mean() == pytest.approx(_indicator(out, "mix_mediation"))
    assert cases["is_repeat"].mean() == pytest.approx(_indicator(out, "repeat_share"))
    done = cases[cases["outcome"] == "resolved"]
    hours = (done["closed_at"] - done["raised_at"]).dt.total_seconds() / 3600
    assert np.isclose(hours.mean(), _indicator(out, "mean_resolve_hours"), rtol=1e-6)


def test_case_table_has_labels_and_no_internal_columns(written):
    cases = pd.read_parquet(written[1] / "cases.parquet")
    assert set(cases["outcome"].astype(str)) <= {"open", "resolved", "dropped"}
    assert set(cases["route"].astype(str)) <= {"none", "street", "social_org", "departments"}
    assert not {"planned_outcome", "due_day", "dept_mask"} & set(cases.columns)


def test_bad_scenario_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys, scenario_file):
    bad = scenario_file("bad", "[demand]\ndemand_share = { value = 2.0 }\n")
    out = tmp_path / "out"
    assert main(["run", str(bad), "--seed", "1", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert str(bad) in err and "demand.demand_share" in err and "[0, 1]" in err
    assert not out.exists()


def test_negative_seed_is_refused(tmp_path, capsys):
    assert main(["run", "baseline", "--seed", "-1", "--out", str(tmp_path / "o")]) == 2
    assert "--seed" in capsys.readouterr().err


def test_lazy_command_list_matches_the_registered_commands():
    """The help lines listed without importing a command equal what its module registers."""
    import argparse

    from sim.cli import COMMANDS, build_parser

    full = build_parser()
    sub = next(a for a in full._actions if isinstance(a, argparse._SubParsersAction))
    registered = {c.dest: c.help for c in sub._choices_actions}
    assert registered == COMMANDS


def test_help_imports_no_command_module_nor_numpy():
    import subprocess
    import sys

    code = ("import sys, sim.cli\ntry:\n    sim.cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('numpy', 'pandas', 'mesa')"
            " or m.startswith('sim.commands.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"
