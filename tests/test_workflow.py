"""The planner's workflow: targets met, reform-design sweep keys, the threshold search,
the cost table against the money ledger, run_many and the slide chart."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import run, run_many
from sim.experiment.costs import ITEMS, SPENDING, cost_table, scenario_levers
from sim.experiment.design import apply_point, load_experiment
from sim.experiment.jobs import Job, run_tables
from sim.experiment.seek import seek
from sim.experiment.store import load
from sim.experiment.sweep import execute, output_summary, plan, run_params
from sim.experiment.targets import parse_target, target_table
from sim.indicators.definitions import INDICATOR_BY_KEY, Target
from sim.levers.keys import apply_design, design_key
from sim.params.errors import InputError
from sim.scenarios import load_scenario

STAFFING = "levers.staffing_1_3_n.residents_per_contract_post"


# --- targets ----------------------------------------------------------------------------
def test_targets_are_structured_data():
    t = INDICATOR_BY_KEY["satisfaction"].plan_target
    assert (t.op, t.value, t.due) == (">=", 0.90, 2028)
    assert t.meets(0.91) and not t.meets(0.89) and t.meets(float("nan")) is None
    assert t.text == ">= 90% by 2028"
    assert INDICATOR_BY_KEY["resolution_rate"].plan_target is None


def test_parse_target():
    want = ("out_of_list_share", Target("<", 0.2, 2025, "share"))
    assert parse_target("out_of_list_share<0.20@2025") == want
    assert parse_target("satisfaction >= 90%")[1] == Target(">=", 0.9, 2028, "share")
    for bad in ("satisfaction=0.9", "nothing<1@2025", "satisfaction>=x"):
        with pytest.raises(InputError):
            parse_target(bad)


def test_target_table_shares_and_levels():
    values = [0.85, 0.91, 0.95, 0.99]
    ind = pd.DataFrame({"scenario": "s", "replication": range(4), "street": "all", "year": 2028,
                        "indicator": "satisfaction", "value": values})
    row = target_table(ind).iloc[0]
    assert row["share_meeting"] == 0.75 and row["due"] and row["target_year"] == 2028
    assert row["mean"] == pytest.approx(np.mean(values))
    assert row["ci_low"] < row["mean"] < row["ci_high"]
    early = target_table(ind.assign(year=2027)).iloc[0]
    assert not early["due"]


# --- seek -------------------------------------------------------------------------------
NOISE = np.random.default_rng(3).normal(0.0, 0.01, 10)


def decreasing(x: float) -> np.ndarray:
    """A monotone fake model: the indicator rises with residents per post."""
    return 0.1 + x / 10000 + NOISE


def test_seek_finds_known_threshold_on_synthetic_response():
    # met (value < 0.20) in replication i while x < (0.1 - noise_i) * 10000: eight of ten
    # meet it below the threshold of the third largest noise
    truth = (0.1 - np.sort(NOISE)[-3]) * 10000
    r = seek(STAFFING, target="out_of_list_share<0.20@2025", share=0.8, reps=10, lo=100, hi=5000, tol=1.0,
             max_probes=20, evaluator=decreasing)
    assert r.status == "found" and r.direction == "max"
    assert r.bracket[0] <= truth <= r.bracket[1]
    assert r.bracket[1] - r.bracket[0] <= 1.0
    assert r.answer == r.bracket[0] and r.runs == 10 * len(r.probes)
    assert "answer" in r.text()


def test_seek_increasing_direction_and_no_answer():
    r = seek(STAFFING, target="out_of_list_share>0.30@2025", share=0.5, reps=10, lo=100, hi=5000, tol=1.0,
             max_probes=20, evaluator=decreasing)
    truth = (0.2 - np.sort(NOISE)[-5]) * 10000  # five of ten above 0.30 beyond the 5th largest noise's
    assert r.direction == "min" and r.bracket[0] <= truth <= r.bracket[1] and r.answer == r.bracket[1]
    none = seek(STAFFING, target="out_of_list_share<0.05@2025", reps=10, lo=100, hi=5000,
                evaluator=decreasing)
    assert none.status == "none_meet" and none.answer is None and len(none.probes) == 2


def test_seek_refuses_bad_input_before_running():
    called = []
    with pytest.raises(InputError):
        seek(STAFFING, target="out_of_list_share<0.2@2025", lo=10, hi=100, evaluator=called.append)
    with pytest.raises(InputError):
        seek("levers.staffing_1_3_n.nothing", target="out_of_list_share<0.2@2025", evaluator=called.append)
    with pytest.raises(InputError):
        seek("stressors.revenue_shock", target="out_of_list_share<0.2@2025", evaluator=called.append)
    assert called == []


# --- reform-design keys -----------------------------------------------------------------
SWEEP = """
[experiment]
name = "design"
scenarios = ["{scenario}"]
replications = 1

[constants]
"population.residents" = 5000
"run.end_date" = "2024-06-30"

[[parameters]]
key = "{key}"
{spec}

[outputs]
indicators = ["satisfaction"]
years = [2024]
datasets = ["indicators"]
"""


def write(tmp_path: Path, key: str, spec: str, scenario: str = "baseline") -> Path:
    path = tmp_path / "design.toml"
    path.write_text(textwrap.dedent(SWEEP.format(key=key, spec=spec, scenario=scenario)), encoding="utf-8")
    return path


@pytest.mark.parametrize("key,spec,field", [
    ("levers.nothing.x", "values = [1.0]", "parameters.key"),
    ("levers.staffing_1_3_n.nothing", "values = [1.0]", "parameters.key"),
    ("levers.staffing_1_3_n", "values = [1.0]", "parameters.key"),
    (STAFFING, "range = [10.0, 2000.0]", f"parameters.{STAFFING}.range"),
    (STAFFING, "values = [500.0, 2e6]", f"parameters.{STAFFING}.values"),
    ("levers.staffing_1_3_n.start", "values = [\"2024-13-01\"]",
     "parameters.levers.staffing_1_3_n.start.values"),
    ("stressors.revenue_shock", "range = [0.0, 1.0]", "parameters.stressors.revenue_shock.range"),
    ("stressors.revenue_shock", "values = [1, 0]", "parameters.stressors.revenue_shock.values"),
    ("stressors.revenue_shock.revenue_fall", "range = [0.0, 1.5]",
     "parameters.stressors.revenue_shock.revenue_fall.range"),
])
def test_design_sweep_keys_are_validated(tmp_path, key, spec, field):
    with pytest.raises(InputError) as err:
        load_experiment(write(tmp_path, key, spec))
    assert err.value.field == field


def test_sweeping_a_parameter_a_lever_sets_is_refused(tmp_path):
    path = write(tmp_path, "staff.residents_per_contract_post", "values = [800.0, 1200.0]",
                 scenario="integrated_resources")
    with pytest.raises(InputError) as err:
        load_experiment(path)
    assert "levers.staffing_1_3_n" in err.value.allowed
    load_experiment(write(tmp_path, "staff.residents_per_contract_post", "values = [800.0, 1200.0]"))


def test_valid_design_keys_load(tmp_path):
    exp = load_experiment(write(tmp_path, "levers.staffing_1_3_n.start", "values = [2024, \"2025-07-01\"]"))
    assert exp.parameters[0].values == (2024, "2025-07-01")
    exp = load_experiment(write(tmp_path, "stressors.revenue_shock.revenue_fall", "range = [0.0, 0.2]"))
    assert exp.parameters[0].bounds == [0.0, 0.2]


def test_apply_design_moves_the_phase_and_switches_stressors():
    sc = load_scenario("integrated_resources")
    use = next(u for u in sc.levers if u.name == "staffing_1_3_n")
    moved = apply_design(sc, {"levers.staffing_1_3_n.start": 2026, STAFFING: 600.0})
    new = next(u for u in moved.levers if u.name == "staffing_1_3_n")
    assert new.start == dt.date(2026, 1, 1) and new.end - new.start == use.end - use.start
    assert dict(new.settings)["residents_per_contract_post"] == 600.0
    assert moved.values_at(dt.date(2027, 6, 1))["staff.residents_per_contract_post"] > 600.0
    assert moved.values_at(dt.date(2029, 1, 1))["staff.residents_per_contract_post"] == 600.0
    on = apply_design(sc, {"stressors.revenue_shock.revenue_fall": 0.2})
    assert on.values_at(dt.date(2025, 1, 1))["money.revenue_shock"] == 0.2
    off = apply_design(on, {"stressors.revenue_shock": False})
    assert not off.stressors
    base = apply_design(load_scenario("baseline"), {STAFFING: 800.0})  # an absent lever is added
    assert [u.name for u in base.levers] == ["staffing_1_3_n"]
    with pytest.raises(InputError):
        apply_design(sc, {"levers.staffing_1_3_n.end": "2023-01-01"})
    assert design_key(STAFFING).bounds == (50.0, 1e6)


def test_lever_sweep_summary_is_grouped_by_setting(tmp_path):
    path = write(tmp_path, STAFFING, "values = [800.0, 2000.0]")
    text = path.read_text().replace("[outputs]", '[[parameters]]\nkey = "levers.staffing_1_3_n.start"\n'
                                                 'values = [2024, "2024-04-01"]\n\n[outputs]')
    path.write_text(text.replace("replications = 1", "replications = 2"))
    the_plan = plan(load_experiment(path))
    summary = execute(the_plan, tmp_path / "results", progress=False)
    assert summary.ok
    table = output_summary(the_plan, tmp_path / "results")
    assert len(table) == 4 and set(table["n"]) == {2}
    assert {STAFFING, "levers.staffing_1_3_n.start"} <= set(table.columns)
    params = run_params(the_plan)
    assert len(params) == 8 and params[STAFFING].notna().all()


def test_constants_take_design_keys():
    sc = apply_point(load_scenario("baseline"),
                     {"stressors.revenue_shock": True, "run.end_date": "2024-06-30"})
    assert [u.name for u in sc.stressors] == ["revenue_shock"]


# --- money ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def two_runs():
    sc = load_scenario("integrated_resources").with_values({"population.residents": 5000,
                                                           "run.end_date": "2025-12-31"})
    base = load_scenario("baseline").with_values({"population.residents": 5000, "run.end_date": "2025-12-31"})
    out = []
    for scenario in (base, sc):
        for r, seed in enumerate((11, 12)):
            result = run(scenario, seed)
            job = Job("x", 0, "e", scenario.name, "h", (), seed, r, 0, {}, ("money",), scenario)
            out.append((scenario.name, r, result, run_tables(result, job)["money"]))
    return out


def test_cost_table_reconciles_with_the_money_ledger(two_runs):
    money = pd.concat([m for *_, m in two_runs], ignore_index=True)
    levers = {"integrated_resources": scenario_levers(load_scenario("integrated_resources"))}
    costs = cost_table(money, "baseline", [2024, 2025], levers=levers)
    ledger = {(name, r): res.tables[0].state.set_index("year") for name, r, res, _ in two_runs}
    for year in (2024, 2025):
        c = costs[costs["year"] == year].set_index("item")
        for item in ("pay_spent", "transfer_revenue", "platform_spent", "livelihood_lapsed"):
            for who, col in (("baseline", "baseline"), ("integrated_resources", "value")):
                want = np.mean([ledger[(who, r)].loc[:year, f"money_{item}"].sum() for r in (0, 1)])
                assert c.loc[item, col] == pytest.approx(want)
        path = [ledger[("integrated_resources", r)].loc[:year] for r in (0, 1)]
        total = np.mean([sum(x[f"money_{k}"].sum() for k in SPENDING) for x in path])
        assert c.loc["spent_total", "value"] == pytest.approx(total)
    assert costs.loc[(costs["item"] == "pay_spent"), "levers"].str.contains("staffing_1_3_n").all()


def test_money_sources_equal_uses(two_runs):
    """Every yuan that arrived was spent, lapsed or is still in the general balance."""
    for *_, money in two_runs:
        m = money.groupby("item")["yuan"].sum()
        end = money[money["year"] == money["year"].max()]
        last = end.loc[end["item"] == "general_balance", "yuan"].sum()
        uses = sum(m[k] for k in SPENDING) + m["livelihood_lapsed"] + last
        assert m["arrived"] == pytest.approx(uses, rel=1e-9)
        assert m["arrived"] == pytest.approx(m["self_revenue"] + m["transfer_revenue"] + m["donations"])


# --- run_many and the chart ---------------------------------------------------------------
def test_run_many_is_one_tidy_frame(small):
    frame = run_many(small, [3, 4], workers=1)
    assert list(frame.columns) == ["scenario", "replication", "seed", "street", "year", "indicator", "value"]
    one = run(small, 4).indicators
    got = frame[frame["seed"] == 4].drop(columns="replication").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, one, check_dtype=False)
    with pytest.raises(InputError):
        run_many(small, 0)


@pytest.mark.parametrize("lang,suffix", [("en", ".png"), ("zh", ".png"), ("en", ".svg")])
def test_chart_writes_a_figure(tmp_path, lang, suffix):
    from sim.report.chart import chart_data, cjk_font, draw

    if lang == "zh" and cjk_font() is None:
        pytest.skip("no CJK font on this system (apt-get install fonts-noto-cjk)")
    rng = np.random.default_rng(1)
    ind = pd.DataFrame([{"scenario": s, "replication": r, "street": "all", "year": y, "indicator": k,
                         "value": rng.random()} for s in ("baseline", "combined") for r in range(3)
                        for y in (2027, 2028, 2029) for k in ("satisfaction", "mean_resolve_hours")])
    data = chart_data(ind, ["satisfaction", "mean_resolve_hours"], ["baseline", "combined"])
    assert len(data) == 12 and (data["n"] == 3).all()
    out = draw(data, ["satisfaction", "mean_resolve_hours"], ["baseline", "combined"], lang,
               tmp_path / f"c{suffix}", font=cjk_font() if lang == "zh" else None)
    head = out.read_bytes()[:8]
    assert head.startswith(b"\x89PNG") if suffix == ".png" else b"<?xml" in out.read_bytes()[:100]
    assert out.stat().st_size > 5000


def test_stored_money_dataset(tmp_path):
    path = write(tmp_path, "staff.work_hours_per_day", "values = [9.0]")
    text = path.read_text().replace('datasets = ["indicators"]', 'datasets = ["indicators", "money"]')
    path.write_text(text)
    the_plan = plan(load_experiment(path))
    execute(the_plan, tmp_path / "r", progress=False)
    money = load(tmp_path / "r" / "design", "money")
    assert {"replication", "item", "yuan"} <= set(money.columns) and (money["item"] == "pay_spent").any()


# --- compare: stress effect, targets and costs together ------------------------------------
def test_compare_pairs_a_stressed_path_with_itself(tmp_path):
    from sim.experiment.compare import compare
    from sim.experiment.executors import SerialExecutor

    small = {"population.residents": 5000, "run.end_date": "2024-12-31"}
    c = compare(["baseline"], reps=2, years=[2024], results_dir=tmp_path, executor=SerialExecutor(),
                progress=False, constants=small, stress_effect=["revenue_shock"])
    assert set(c.paired["path"]) == {"baseline+revenue_shock"}
    assert set(c.targets["scenario"]) == {"baseline", "baseline+revenue_shock"}
    ind = load(c.results, "indicators")
    stress = dict(zip(c.plan.table["run_id"], c.plan.table["stressors"]))
    sel = ind[(ind["indicator"] == "fiscal_self_sufficiency") & (ind["year"] == 2024)]
    shocked = sel[sel["run_id"].map(stress) == "revenue_shock"].set_index("replication")["value"]
    plain = sel[sel["run_id"].map(stress) == ""].set_index("replication")["value"]
    row = c.paired[c.paired["indicator"] == "fiscal_self_sufficiency"].iloc[0]
    assert row["diff"] == pytest.approx((shocked - plain).mean())
    transfers = c.costs[(c.costs["item"] == "transfer_revenue")].iloc[0]
    assert transfers["diff"] < 0 and "stressor revenue_shock" in transfers["levers"]
    assert {"extra_spent", "cost_per_point"} <= set(c.paired.columns)
    with pytest.raises(InputError):
        compare(["baseline"], reps=2, stress=["revenue_shock"], stress_effect=["revenue_shock"])


@pytest.mark.parametrize(("argv", "needle"), [
    (["seek", STAFFING, "--scenario", "baseline", "--target", "satisfaction=0.9"], "satisfaction=0.9"),
    (["seek", STAFFING, "--scenario", "nowhere", "--target", "satisfaction>=0.9@2025"], "nowhere"),
    (["chart", "--results", "no/such/folder", "--indicators", "satisfaction"], "no/such/folder"),
    (["chart", "--indicators", "nothing"], "nothing"),
    (["compare", "--set", "levers.staffing_1_3_n.nothing=3", "--reps", "2"], "levers.staffing_1_3_n.nothing"),
])
def test_workflow_commands_refuse_bad_input(argv, needle, capsys):
    from sim.cli import main

    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("streetsim: error:")
    assert needle in err, err  # the message names the input that was refused


def test_scenarios_show_wraps_to_the_terminal(monkeypatch, capsys):
    from sim.cli import main

    monkeypatch.setenv("COLUMNS", "90")
    assert main(["scenarios", "show", "combined"]) == 0
    lines = capsys.readouterr().out.splitlines()[1:]
    assert len(lines) > 100 and max(len(x) for x in lines) <= 90


def test_seek_refuses_a_parameter_a_lever_sets():
    with pytest.raises(InputError) as err:
        seek("staff.residents_per_contract_post", "integrated_resources", "out_of_list_share<0.2@2025")
    assert "levers.staffing_1_3_n" in err.value.allowed


def test_every_cost_driver_is_a_parameter():
    from sim.params.schema import SPEC_BY_KEY

    unknown = sorted({d for item in ITEMS for d in item.drivers} - set(SPEC_BY_KEY))
    assert unknown == []


def test_a_cjk_font_installed_after_matplotlib_listed_the_fonts_is_found(monkeypatch):
    from matplotlib import font_manager

    from sim.report import chart

    manager = font_manager.fontManager
    if chart.cjk_font() is None:
        pytest.skip("no CJK font on this system (apt-get install fonts-noto-cjk)")
    cjk_files = {f.fname for f in manager.ttflist if f.name in chart.CJK_FAMILIES}
    # matplotlib's kept list as it was before the font was installed
    monkeypatch.setattr(manager, "ttflist", [f for f in manager.ttflist if f.fname not in cjk_files])
    monkeypatch.setattr(chart, "_fonts_rescanned", False)
    assert chart._first_cjk(manager.ttflist) is None
    assert chart.cjk_font() in chart.CJK_FAMILIES
