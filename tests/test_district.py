"""District runs: shared departments, pilots and spillover, aggregates, city runs, CLI.

Tiny districts (three streets of a few thousand residents, two to three months) keep the
suite quick."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.district import build_district_model, load_district, run_city, run_district
from sim.district.aggregate import combine_tables, group_indicators
from sim.experiment.store import load
from sim.indicators.compute import Counts, _WhistleArrays, combine_state, yearly_indicators
from sim.runner import run
from sim.scenarios import load_scenario

BASE = """[scenario]
name = "tiny"
extends = "baseline"
[population]
residents = { value = 3000, source = "test" }
[run]
end_date = { value = "END", source = "test" }
[departments]
capacity_per_day = { value = CAPACITY, source = "test: baseline capacity x 3,000 / 58,000 residents" }
EXTRA
[district]
streets = { value = 3, unit = "streets", source = "test" }
heterogeneous = { value = HETERO, unit = "flag", source = "test" }
east_share = { value = 0.5, unit = "share", source = "test" }
budget_east = { value = 12000000.0, unit = "yuan/year", source = "test" }
budget_central_west = { value = 6500000.0, unit = "yuan/year", source = "test" }
large_share = { value = 0.41, unit = "share", source = "test" }
large_residents = { value = [4000, 5000], unit = "persons", source = "test" }
small_residents = { value = [2000, 3000], unit = "persons", source = "test" }
ageing_share = { value = 0.38, unit = "share", source = "test" }
ageing_elderly_share = { value = [0.20, 0.32], unit = "share", source = "test" }
other_elderly_share = { value = [0.10, 0.20], unit = "share", source = "test" }
migrant_street_share = { value = 0.62, unit = "share", source = "test" }
migrant_threshold = { value = 600, unit = "persons", source = "test" }
high_migrant_share = { value = [0.15, 0.40], unit = "share", source = "test" }
low_migrant_share = { value = [0.03, 0.15], unit = "share", source = "test" }
"""

PILOT = """[scenario]
name = "reform"
extends = "tiny"
[departments]
enforcement_delegated = { value = 0.5, source = "test" }
accountability = { value = 1.0, source = "test" }
"""

BUSY = """[scenario]
name = "busy"
extends = "tiny"
[demand]
contacts_per_resident_year = { value = 3.0, source = "test: pilot streets whistle far more" }
[cases]
p_needs_department = { source = "test", value = { livelihood = 0.9, mediation = 0.9, environment = 0.9, \
other = 0.9 } }
"""


def _capacity() -> str:
    base = load_scenario("baseline").values["departments.capacity_per_day"]
    return "{ " + ", ".join(f"{k} = {v * 3000 / 58000:.4f}" for k, v in base.items()) + " }"


def district_file(tmp_path: Path, *, end: str = "2024-02-29", hetero: bool = True, pilot: str = "",
                  extra: str = "", name: str = "tiny.toml") -> Path:
    """A tiny district (its base scenario is called 'tiny'); pilot: a [district.pilot] body."""
    base = BASE.replace("CAPACITY", _capacity())
    text = base.replace("END", end).replace("HETERO", str(hetero).lower()).replace("EXTRA", extra)
    if pilot:
        text += "[district.pilot]\n" + pilot + "\n"
    (tmp_path / "reform.toml").write_text(PILOT, encoding="utf-8")
    (tmp_path / "busy.toml").write_text(BUSY, encoding="utf-8")
    if name != "tiny.toml":  # pilot scenarios extend "tiny"
        (tmp_path / "tiny.toml").write_text(base.replace("END", end).replace("HETERO", "true")
                                            .replace("EXTRA", extra), encoding="utf-8")
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def tmp_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("district")


@pytest.fixture(scope="module")
def piloted(tmp_dir):
    """A tiny district with street 0 piloting a reform, run once."""
    d = load_district(district_file(tmp_dir, pilot='scenario = "reform"\nstreets = [0]'))
    return d, run_district(d, seed=11, keep_tables=True)


# --- building the district ----------------------------------------------------------------
def test_department_capacity_follows_district_residents(piloted):
    d, _ = piloted
    model, profiles = build_district_model(d, seed=11)
    assert model.pool.capacity_scale == pytest.approx(sum(p.residents for p in profiles) / 3000)


def test_identical_streets_share_capacity_of_as_many_streets(tmp_path):
    model, _ = build_district_model(load_district(district_file(tmp_path, hetero=False)), seed=1)
    assert model.pool.capacity_scale == 3.0
    assert all(s.p.raw == model.params.raw for s in model.streets)


def test_pilot_levers_reach_pilot_streets_only(piloted):
    d, _ = piloted
    model, _ = build_district_model(d, seed=11)
    delegated = [s.p.departments.enforcement_delegated for s in model.streets]
    assert delegated == [0.5, 0.0, 0.0]


def test_department_behaviour_comes_from_the_district_base(piloted):
    d, _ = piloted
    model, _ = build_district_model(d, seed=11)
    assert model.pool.p.departments.accountability == 0.0


def test_pilot_share_draws_the_same_streets_for_the_same_seed(tmp_path):
    d = load_district(district_file(tmp_path, pilot='scenario = "reform"\nshare = 0.34'))
    first = [p.pilot for p in build_district_model(d, seed=4)[1]]
    assert sum(first) == 1
    assert first == [p.pilot for p in build_district_model(d, seed=4)[1]]


@dataclasses.dataclass
class Scheduled:
    """A scenario whose schedule raises delegated enforcement from February."""

    scenario: object

    @property
    def params(self):
        return self.scenario.params

    def params_at(self, date):
        if date.month < 2:
            return self.scenario.params
        return self.scenario.with_values({"departments.enforcement_delegated": 0.8}).params


def test_a_pilot_schedule_changes_pilot_streets_only(piloted):
    d, _ = piloted
    pilot = dataclasses.replace(d.pilot, scenario=Scheduled(d.scenario))
    model, _ = build_district_model(dataclasses.replace(d, pilot=pilot), seed=11)
    for _ in range(40):
        model.step()
    assert [s.p.departments.enforcement_delegated for s in model.streets] == [0.8, 0.0, 0.0]
    assert model.streets[0].p.population.residents == model.streets[0].residents.n
    assert model.pool.p.departments.enforcement_delegated == 0.0


def test_a_shipped_reform_pilot_ramps_its_levers_on_pilot_streets_only(tmp_path):
    path = district_file(tmp_path, pilot='scenario = "coordinated"\nstreets = [2]')
    model, _ = build_district_model(load_district(path), seed=1)
    later = [fn(dt.date(2026, 1, 1)) for fn in model.street_schedules]
    assert later[2].departments.enforcement_delegated > 0.0
    assert later[0] is None and later[1] is None


def test_a_derived_file_inherits_the_district_table(tmp_path):
    parent = district_file(tmp_path)
    child = tmp_path / "child.toml"
    child.write_text(f'[scenario]\nname = "child"\nextends = "{parent.stem}"\n[district]\n'
                     'streets = { value = 2, unit = "streets", source = "test" }\n', encoding="utf-8")
    d = load_district(child)
    assert (d.p.streets, d.p.large_share) == (2, 0.41)
    assert d.provenance["streets"].file == "child.toml"


# --- running it ---------------------------------------------------------------------------
def test_same_seed_same_district_results(piloted):
    d, first = piloted
    again = run_district(d, seed=11)
    pd.testing.assert_frame_equal(first.indicators, again.indicators)
    pd.testing.assert_frame_equal(first.streets, again.streets)


def test_results_cover_every_street_and_group(piloted):
    _, r = piloted
    assert set(r.indicators["street"]) == {"0", "1", "2", "district", "pilot", "non_pilot"}


def test_district_counts_are_sums_of_street_counts(piloted):
    _, r = piloted
    for key in ("demands", "complaints"):
        streets = sum(r.yearly(i)[key] for i in range(3))
        pd.testing.assert_series_equal(r.yearly("district")[key], streets, check_names=False)
        pd.testing.assert_series_equal(r.yearly("pilot")[key] + r.yearly("non_pilot")[key],
                                       r.yearly("district")[key], check_names=False)


def test_district_rates_pool_all_cases(piloted):
    _, r = piloted
    cases = pd.concat([t.cases for t in r.tables])
    resolved = (cases["outcome"] == 1).sum()
    assert r.yearly("district")["resolution_rate"].iloc[0] == pytest.approx(resolved / len(cases))


def test_department_table_is_a_group_by_of_the_streets_routine_whistles(piloted):
    _, r = piloted
    log = pd.concat([t.whistles for t in r.tables], ignore_index=True)
    log = log[log["kind"] == 0]
    log = log.assign(year=r.tables[0].year_of_day[log["day"].to_numpy()])
    pilot = log["street"].isin([0])
    for group, rows in (("all", log), ("pilot", log[pilot]), ("non_pilot", log[~pilot])):
        want = rows.groupby(["year", "department"])["answered"].agg(["size", "mean"]).reset_index()
        got = r.departments[r.departments["group"] == group]
        assert got["year"].tolist() == want["year"].tolist()
        assert got["department"].cat.codes.tolist() == want["department"].tolist()
        assert got["whistles"].tolist() == want["size"].tolist()
        assert got["answered_share"].tolist() == want["mean"].tolist()  # exact: same sums and counts
    assert set(r.departments["group"]) == {"all", "pilot", "non_pilot"}


def test_combined_staff_shares_weigh_streets_by_staff():
    state = pd.DataFrame({"street": [0, 1], "year": [2024, 2024], "staff": [10, 30],
                          "professional_share": [0.1, 0.4], "satisfaction_survey": [0.5, 0.9],
                          "satisfaction_callback": [np.nan, 0.7], "residents": [1000, 3000],
                          "money_budgeted": [1.0, 2.0]})
    row = combine_state(state).loc[2024]
    assert row["professional_share"] == pytest.approx(0.325)
    assert row["satisfaction_survey"] == pytest.approx(0.8)
    assert row["satisfaction_callback"] == pytest.approx(0.7)
    assert row["money_budgeted"] == 3.0


@pytest.mark.parametrize("pick", [[0, 1, 2], [2, 0], [1]])
def test_group_indicators_from_merged_counts_are_those_of_the_joined_tables(tmp_path, pick):
    """A group's indicators merge its streets' counts instead of joining their cases and
    whistles: the same table, compared exactly (every mean the same bits)."""
    r = run_district(district_file(tmp_path, end="2024-05-31"), seed=4, keep_tables=True)
    tables = [r.tables[i] for i in pick]
    joined = yearly_indicators(combine_tables(tables))
    pd.testing.assert_frame_equal(group_indicators(tables), joined, check_exact=True)
    counts = [Counts.of(t) for t in tables]
    pd.testing.assert_frame_equal(group_indicators(tables, counts), joined, check_exact=True)


def test_merged_whistle_counts_are_those_of_the_joined_logs():
    """Streets whose logs reach different departments (the counts' widths differ), and
    a street with no whistles, merge into the counts of their joined logs."""
    rng = np.random.default_rng(3)
    yod = np.repeat(np.arange(2024, 2027), 365)

    def street(n: int, departments: int) -> tuple[pd.DataFrame, pd.DataFrame]:
        wl = pd.DataFrame({"kind": rng.integers(0, 2, n).astype(np.int8),
                           "day": np.sort(rng.integers(0, len(yod), n)).astype(np.int32),
                           "answered": rng.random(n) < 0.6, "first_of_episode": rng.random(n) < 0.5,
                           "department": rng.integers(0, departments, n).astype(np.int8)})
        m = n // 2
        state = rng.integers(0, 3, m).astype(np.int8)
        arrival_h = np.where(state == 1, rng.uniform(0, len(yod) * 24 - 1, m), np.nan)
        day = (np.nan_to_num(arrival_h) // 24).astype(int)
        ep = pd.DataFrame({"state": state, "arrival_h": arrival_h,
                           "first_sent_h": np.nan_to_num(arrival_h) - rng.uniform(1, 90, m),
                           "arrival_year": np.where(state == 1, yod[day], 0)})
        return ep, wl

    parts = [street(400, 3), street(0, 9), street(900, 9)]
    merged = _WhistleArrays.merged([_WhistleArrays.of(ep, wl, yod) for ep, wl in parts])
    joined = _WhistleArrays.of(pd.concat([p[0] for p in parts], ignore_index=True),
                            pd.concat([p[1] for p in parts], ignore_index=True), yod)
    for name in ("sent", "answered", "first_sent", "first_answered", "arrival_year", "arrival_wait"):
        np.testing.assert_array_equal(getattr(merged, name), getattr(joined, name), err_msg=name)
    assert not _WhistleArrays.merged([_WhistleArrays.of(*street(0, 9), yod)]).any


def test_district_turnover_is_all_quits_over_all_staff(tmp_path):
    extra = ('[workforce]\nquit_hazard = { value = { established = 0.9, contract = 0.9 }, '
             'source = "test: many quits" }')
    r = run_district(district_file(tmp_path, extra=extra), seed=2, keep_tables=True)
    tb = combine_tables(r.tables)
    se = tb.staff_events
    quits = ((se["event"] == 1) & (se["reason"] == 0)).sum()
    staff = tb.daily.groupby("day")["staff_filled"].sum().mean()
    assert quits > 0
    assert yearly_indicators(tb)["staff_turnover"].iloc[0] == pytest.approx(quits / staff)


def test_busy_pilot_streets_crowd_out_their_neighbours(tmp_path):
    """Pilot streets whistling far more overload the shared departments: the streets that
    did not change get fewer answers than in the same district without the pilot."""
    end = "2024-01-31"
    alone = run_district(district_file(tmp_path, end=end), seed=5)
    crowded = run_district(district_file(tmp_path, end=end, name="crowded.toml",
                                         pilot='scenario = "busy"\nstreets = [0, 1]'), seed=5)
    before = alone.yearly(2)["dept_response_rate"].iloc[0]
    after = crowded.yearly("non_pilot")["dept_response_rate"].iloc[0]
    assert after < before - 0.1


def test_a_district_of_one_base_street_is_the_single_street_model(tmp_path):
    d = load_district(district_file(tmp_path, hetero=False)).with_values({"district.streets": 1})
    alone = run(d.scenario, seed=9).yearly
    pd.testing.assert_frame_equal(run_district(d, seed=9).yearly("0"), alone, check_names=False,
                                  check_dtype=False)


# --- city runs and the command line ---------------------------------------------------------
@pytest.mark.slow
def test_city_results_do_not_depend_on_workers(tmp_path):
    path = district_file(tmp_path, end="2024-01-31")
    serial = run_city([path, path], seed=3, executor="serial", results_dir=tmp_path / "a")
    pooled = run_city([path, path], seed=3, executor="process", workers=2, results_dir=tmp_path / "b")
    pd.testing.assert_frame_equal(serial.indicators, pooled.indicators)
    assert not serial.failed


def test_city_writes_each_district_to_the_store(tmp_path):
    path = district_file(tmp_path, end="2024-01-31")
    city = run_city([path, path], seed=3, executor="serial", results_dir=tmp_path / "res", name="c")
    stored = load(tmp_path / "res" / "c", "indicators")
    assert list(stored.columns) == ["run_id", "scenario", "seed", "replication", "street", "year",
                                    "indicator", "value"]
    assert sorted(stored["replication"].unique()) == [0, 1]
    assert len(stored) == len(city.indicators)
    a, b = (city.streets[city.streets["district"] == k]["residents"].tolist() for k in (0, 1))
    assert a != b  # each district draws its own streets


def test_cli_runs_a_district_file(tmp_path, capsys):
    path = district_file(tmp_path, end="2024-01-31", pilot='scenario = "reform"\nstreets = [1]')
    assert main(["run", str(path), "--seed", "1", "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "district tiny, 3 streets" in out and "non_pilot" in out
    assert (tmp_path / "out" / "indicators.parquet").exists()


def test_cli_refuses_a_bad_district_in_one_line(tmp_path, capsys):
    path = district_file(tmp_path)
    path.write_text(path.read_text().replace("value = 0.41", "value = 4.1"))
    assert main(["run", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "district.large_share" in err and len(err.splitlines()) == 1


def test_the_model_is_freed_before_the_group_tables_and_the_collector_restored(tmp_path, monkeypatch):
    """``run_district`` runs with the cyclic collector paused (``sim.gc_pause``): the
    model (its agents refer back to it) must still be gone when the group tables are
    built, and the collector on again afterwards."""
    import gc
    import weakref

    import sim.district.runner as runner

    refs: list = []
    build, group = runner.build_district_model, runner.group_indicators

    def building(*args, **kwargs):
        model, profiles = build(*args, **kwargs)
        refs.append(weakref.ref(model))
        assert not gc.isenabled()
        return model, profiles

    def grouping(tables, counts=None):
        assert refs and refs[0]() is None, "the model is still alive at the group tables"
        return group(tables, counts)

    monkeypatch.setattr(runner, "build_district_model", building)
    monkeypatch.setattr(runner, "group_indicators", grouping)
    assert gc.isenabled()
    result = run_district(load_district(district_file(tmp_path)), seed=3)
    assert gc.isenabled()
    assert len(refs) == 1 and len(result.indicators)


def test_warm_up_with_district_runs_a_tiny_two_street_district(monkeypatch):
    import sim.district
    from sim.warmup import warm_up

    seen = []
    monkeypatch.setattr(sim.district, "run_district", lambda d, seed: seen.append((d, seed)))
    warm_up(district=False)
    assert seen == []
    warm_up(district=True)
    (d, seed), = seen
    assert d.p.streets == 2 and seed == 1
    assert str(d.scenario.params.run.end_date) == "2024-02-29"
