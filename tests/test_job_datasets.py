"""The datasets a sweep stores per run, counted on codes, against the labelled tables.

``flows`` and ``departments`` are counted on the case and episode codes and labelled
afterwards; here each is rebuilt the plain way, from the labelled ``RunResult.cases`` and
``RunResult.episodes`` grouped by label, and must be identical (values, order, dtypes).
The indicator helpers that replaced pandas look-ups are checked against pandas too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim import run
from sim.counting import count_combinations, sum_combinations
from sim.experiment.jobs import Job, run_tables
from sim.indicators.compute import _age_at_exit, _headcount

TWO_YEARS_DIGITAL = {"population.residents": 8000, "run.end_date": "2025-12-31"}


@pytest.fixture(scope="module")
def result_and_tables():
    from sim.scenarios import load_scenario

    scenario = load_scenario("coordinated").with_values(TWO_YEARS_DIGITAL)
    result = run(scenario, 5)
    job = Job("r", 0, "e", scenario.name, "h", (), 5, 0, 0, {}, ("flows", "departments"), scenario)
    return result, run_tables(result, job)


def _year(result, hours: pd.Series) -> np.ndarray:
    """The year of each hour, from the calendar's dates (NaN: the first year)."""
    days = (hours.fillna(0.0) // 24).astype(int).clip(0, len(result.tables[0].year_of_day) - 1)
    start = pd.Timestamp(result.start)
    return np.array([(start + pd.Timedelta(days=int(d))).year for d in days])


def test_flows_equal_the_labelled_cases_grouped(result_and_tables):
    result, tables = result_and_tables
    cases = result.cases
    keys = ["route", "outcome", "drop_reason"]
    frame = pd.DataFrame({"year": _year(result, cases["raised_h"]),
                          **{k: cases[k].astype(str).to_numpy() for k in keys}})
    want = frame.groupby(["year", *keys]).size().rename("n").reset_index()
    got = tables["flows"]
    assert got["n"].sum() == len(cases) and len(got) > 10
    assert list(got.columns) == ["run_id", "scenario", "year", *keys, "n"]
    pd.testing.assert_frame_equal(got[["year", *keys, "n"]].astype({k: object for k in keys}),
                                  want.astype({"n": "int64", **{k: object for k in keys}}))


def test_departments_equal_the_labelled_episodes_grouped(result_and_tables):
    result, tables = result_and_tables
    ep = result.episodes
    arrived = ep["state"].astype(str) == "arrived"
    frame = pd.DataFrame({"year": _year(result, ep["first_sent_h"]),
                          "department": ep["department"].astype(str), "n_sent": ep["n_sent"].astype("int64"),
                          "arrived": arrived.astype("int64"),
                          "arrival": (ep["arrival_h"] - ep["first_sent_h"]).where(arrived)})
    g = frame.groupby(["year", "department"], sort=True)
    want = pd.DataFrame({"whistles": g["n_sent"].sum(), "answered": g["arrived"].sum(), "episodes": g.size(),
                         "mean_arrival_hours": g["arrival"].mean()}).reset_index()
    got = tables["departments"]
    assert got["episodes"].sum() == len(ep) and got["answered"].sum() == arrived.sum() > 0
    cols = ["year", "department", "whistles", "answered", "episodes", "mean_arrival_hours"]
    pd.testing.assert_frame_equal(got[cols].astype({"department": object}),
                                  want[cols].astype({"department": object}), check_exact=True)


@pytest.mark.parametrize("seed", range(6))
def test_count_combinations_is_groupby_size(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 400))
    ranges = ((2024, 7), (-1, 4), (0, 3), (0, 8))[: 1 + seed % 4]
    codes = [rng.integers(lo, lo + span, n) for lo, span in ranges]
    values, counts = count_combinations(codes)
    if n == 0:
        assert all(len(v) == 0 for v in values) and len(counts) == 0
        return
    size = pd.DataFrame({i: c for i, c in enumerate(codes)}).groupby(list(range(len(codes)))).size()
    index = size.index.to_frame(index=False)
    for i, v in enumerate(values):
        np.testing.assert_array_equal(v, index[i].to_numpy())
    np.testing.assert_array_equal(counts, size.to_numpy())
    assert counts.dtype == np.int64


def test_count_combinations_with_wide_codes_takes_groupby():
    codes = [np.array([5, 1 << 20, 5, 7]), np.array([1 << 20, 0, 1 << 20, 3])]
    values, counts = count_combinations(codes)
    assert [v.tolist() for v in values] == [[5, 7, 1 << 20], [1 << 20, 3, 0]]
    assert counts.tolist() == [2, 1, 1]


@pytest.mark.parametrize("wide", [False, True])
def test_sum_combinations_is_groupby_size_and_sum(wide):
    rng = np.random.default_rng(7)
    codes = [rng.integers(2024, 2031, 300), rng.integers(0, 12, 300) * ((1 << 20) if wide else 1)]
    weights = rng.integers(0, 2, 300).astype(bool)
    values, counts, sums = sum_combinations(codes, weights)
    g = pd.DataFrame({0: codes[0], 1: codes[1], "w": weights}).groupby([0, 1])["w"].agg(["size", "sum"])
    index = g.index.to_frame(index=False)
    for i, v in enumerate(values):
        np.testing.assert_array_equal(v, index[i].to_numpy())
    np.testing.assert_array_equal(counts, g["size"].to_numpy())
    np.testing.assert_array_equal(sums, g["sum"].to_numpy(np.float64))
    assert sums.dtype == np.float64


def test_sum_combinations_of_no_rows_is_empty():
    values, counts, sums = sum_combinations([np.zeros(0, np.int64)] * 2, np.zeros(0))
    assert [len(v) for v in values] == [0, 0] and len(counts) == len(sums) == 0


def test_age_at_exit_is_the_mapped_age():
    orgs = np.array([4, 9, 2, 7, 11])
    exit_orgs, ages = np.array([7, 2, 30]), np.array([100, 400, 5])
    want = pd.Series(orgs).map(pd.Series(ages, index=exit_orgs)).fillna(np.inf).to_numpy()
    np.testing.assert_array_equal(_age_at_exit(orgs, exit_orgs, ages), want)
    assert np.isinf(_age_at_exit(orgs, exit_orgs[:0], ages[:0])).all()
    with pytest.raises(ValueError, match="left twice"):
        _age_at_exit(orgs, np.array([7, 7]), np.array([1, 2]))


def test_headcount_of_one_street_is_the_general_mean():
    rng = np.random.default_rng(1)
    days = np.arange(800)
    daily = pd.DataFrame({"day": days, "year": 2024 + days // 365, "staff_filled": rng.integers(30, 50, 800),
                          "staff_contract": rng.integers(10, 20, 800),
                          "staff_under35": rng.integers(0, 9, 800)})
    staff = ["staff_filled", "staff_contract", "staff_under35"]
    general = daily.groupby(["year", "day"])[staff].sum().groupby("year").mean()
    pd.testing.assert_frame_equal(_headcount(daily), general, check_exact=True)
    two = pd.concat([daily, daily.assign(staff_filled=daily["staff_filled"] + 1)], ignore_index=True)
    assert (_headcount(two)["staff_filled"] == 2 * general["staff_filled"] + 1).all()


def _whistles_by_masks(ep: pd.DataFrame, wl: pd.DataFrame, yod: np.ndarray, y: int) -> dict[str, float]:
    """The yearly whistle indicators the plain way: a mask per year."""
    year = np.where(wl["kind"].to_numpy() == 0, yod[wl["day"].to_numpy()], 0)
    w, answered, first = year == y, wl["answered"].to_numpy(), wl["first_of_episode"].to_numpy()
    out = {"dept_response_rate": (w & answered).sum() / w.sum() if w.sum() else np.nan}
    arrived = ep["state"].to_numpy() == 1
    a = arrived & (ep["arrival_year"].to_numpy() == y) & (ep["arrival_h"].to_numpy() >= 0)
    wait = (ep["arrival_h"] - ep["first_sent_h"]).to_numpy()
    out["dept_arrival_hours"] = float(wait[a].mean()) if a.any() else np.nan
    dept = wl["department"].to_numpy()
    shares = [np.mean(answered[w & first & (dept == d)]) for d in np.unique(dept)
              if (w & first & (dept == d)).sum() >= 5]
    out["depts_needing_repeats"] = float(np.mean(np.array(shares) < 0.5)) if shares else np.nan
    return out


def test_whistle_counts_by_year_equal_masks_per_year():
    from sim.indicators.compute import _WhistleArrays

    rng = np.random.default_rng(7)
    yod = np.repeat(np.arange(2024, 2028), 365)
    n = 3000
    wl = pd.DataFrame({"kind": rng.integers(0, 2, n), "day": rng.integers(0, 3 * 365, n),  # 2027: none
                       "answered": rng.random(n) < 0.6, "first_of_episode": rng.random(n) < 0.7,
                       "department": rng.integers(0, 9, n).astype(np.int8)})
    m = 800
    state = rng.integers(0, 3, m)
    arrival_h = np.where(state == 1, rng.uniform(0, 3 * 365 * 24, m), np.nan)
    arrival_year = np.where(state == 1, yod[(np.nan_to_num(arrival_h) // 24).astype(int)], 0)
    first_sent_h = arrival_h - rng.uniform(1, 90, m)
    ep = pd.DataFrame({"state": state, "arrival_h": arrival_h, "first_sent_h": first_sent_h,
                       "arrival_year": arrival_year})
    arrays = _WhistleArrays.of(ep, wl, yod)
    for y in (2023, 2024, 2025, 2026, 2027, 2031):
        got, want = arrays.indicators(y), _whistles_by_masks(ep, wl, yod, y)
        assert got.keys() == want.keys()
        for key in got:
            assert got[key] == pytest.approx(want[key], nan_ok=True, rel=1e-12), (y, key)
    assert not np.isnan(arrays.indicators(2025)["depts_needing_repeats"])


def test_emergencies_and_councils_by_year_equal_masks_per_year():
    from sim.indicators.compute import _Councils, _Emergencies

    yod = np.repeat(np.arange(2024, 2027), 365)
    em = pd.DataFrame({"day": [3, 40, 400, 401, 900], "false_alarm": [False, True, False, False, False],
                       "response_h": [1.5, 9.0, np.nan, 2.5, 4.0], "resolve_h": [30.0, 9.0, 12.0, 20.0, 7.5]})
    co = pd.DataFrame({"day": [5, 6, 700, 701, 702], "adopted": [True, False, True, True, False]})
    emergencies, councils = _Emergencies(em, yod), _Councils(co, yod)
    for y in (2024, 2025, 2026, 2030):
        em_y = em[(yod[em["day"]] == y) & ~em["false_alarm"]]
        co_y = co[yod[co["day"]] == y]
        got = emergencies.indicators(y) | councils.indicators(y)
        want = {"emergencies": len(em_y),
                "emergency_response_hours": em_y["response_h"].mean() if len(em_y) else np.nan,
                "emergency_resolve_hours": em_y["resolve_h"].mean() if len(em_y) else np.nan,
                "council_adoption": co_y["adopted"].mean() if len(co_y) else np.nan}
        assert got == pytest.approx(want, nan_ok=True, rel=0, abs=0), y
    assert emergencies.indicators(2025)["emergency_response_hours"] == 2.5  # the missing hour left out
    empty = em.iloc[:0].astype({"day": float})  # a group's concatenation of no rows
    assert np.isnan(_Emergencies(empty, yod).indicators(2024)["emergency_resolve_hours"])
    assert np.isnan(_Councils(co.iloc[:0], yod).indicators(2024)["council_adoption"])
