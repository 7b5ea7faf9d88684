"""The compiled stretches of days (``sim.month_loop``) give what the day-by-day step gives.

Each run is made twice from the same scenario and seed: with ``StreetModel.compiled_days``
(the default: ordinary days in :func:`sim.month_loop.run_days`) and without (every day
through ``StreetModel.step``). Every raw table, the social organisations, the purse and
every random stream's state (but the emergency stream's, drawn ahead in blocks) must be
identical, bit for bit.
"""

from __future__ import annotations

import numba
import numpy as np
import pandas as pd
import pytest

from sim import month_loop
from sim.compiled import borrowed
from sim.model import StreetModel
from sim.outputs import street_tables
from sim.scenarios import load_scenario

SMALL = {"population.residents": 15000, "run.end_date": "2025-12-31"}
TABLES = ("cases", "episodes", "whistles", "daily", "staff_events", "emergencies", "so_events", "council",
          "state")


def _run(scenario, seed: int, compiled: bool, counter: list[int] | None = None,
         n_streets: int = 1) -> StreetModel:
    model = StreetModel(scenario, seed=seed, n_streets=n_streets)
    model.compiled_days = compiled
    if counter is None:
        return model.run()
    real = month_loop.advance

    def counted(m: StreetModel) -> int:
        k = real(m)
        counter.append(k)
        return k

    month_loop.advance = counted
    try:
        return model.run()
    finally:
        month_loop.advance = real


def _same_frame(a: pd.DataFrame, b: pd.DataFrame, label: str) -> None:
    assert list(a.columns) == list(b.columns), label
    assert len(a) == len(b), label
    for col in a.columns:
        x, y = a[col].to_numpy(), b[col].to_numpy()
        same = (x == y) | (np.isnan(x) & np.isnan(y)) if x.dtype.kind == "f" else x == y
        assert np.all(same), f"{label}.{col}: {int((~same).sum())} rows differ"


def _stream_states(model: StreetModel) -> list:
    """Every stream's state but the emergency streams': the compiled days draw their blocks
    of uniforms ahead (``emergency.draw_ahead``), so they can end a block further on, with
    the same numbers used."""
    return ([(street.index, k, g.bit_generator.state) for street in model.streets
             for k, g in sorted(street.streams._gens.items()) if k != "emergency"]
            + [(k, g.bit_generator.state) for k, g in sorted(model.district_streams._gens.items())])


@pytest.mark.parametrize(("name", "values", "seed"), [
    ("baseline", {}, 11),
    ("combined", {}, 12),
    # frequent emergencies, false alarms and quits: many days left to Python mid-month
    ("baseline", {"emergency.rate_per_year": 12.0, "emergency.false_alarm_rate": 12.0,
                  "workforce.quit_hazard": {"established": 0.6, "contract": 0.9}}, 13),
])
def test_compiled_days_match_the_daily_step(name: str, values: dict, seed: int) -> None:
    scenario = load_scenario(name).with_values({**SMALL, **values}, source="test")
    days: list[int] = []
    fast = _run(scenario, seed, True, days)
    slow = _run(scenario, seed, False)
    n_days = fast.calendar.n_days
    assert fast.t == slow.t == n_days and fast.steps == slow.steps == n_days
    assert sum(days) == n_days  # every day ran compiled (openings and closings around them)
    a, b = street_tables(fast, fast.streets[0]), street_tables(slow, slow.streets[0])
    for table in TABLES:
        _same_frame(getattr(a, table), getattr(b, table), table)
    assert _stream_states(fast) == _stream_states(slow)
    sf, ss = fast.streets[0], slow.streets[0]
    assert sf.purse.ledger == ss.purse.ledger and sf.purse.general == ss.purse.general
    assert [(o.used_this_month, o.funds, o.cases_taken) for o in sf.sos] == \
        [(o.used_this_month, o.funds, o.cases_taken) for o in ss.sos]
    assert np.array_equal(sf.residents.trust, ss.residents.trust)
    assert np.array_equal(sf.residents.enrolled, ss.residents.enrolled)


def test_a_district_s_compiled_days_match_the_daily_step() -> None:
    """The district loop (:func:`sim.month_loop.run_days`: several streets sharing the
    departments' pool, read through typed lists) against every day through
    ``StreetModel.step``: every street's tables, purse and residents, and every stream."""
    scenario = load_scenario("baseline").with_values(
        {"population.residents": 6000, "run.end_date": "2024-12-31", "emergency.rate_per_year": 12.0,
         "emergency.false_alarm_rate": 6.0, "workforce.quit_hazard": {"established": 0.6, "contract": 0.9}},
        source="test")
    days: list[int] = []
    fast = _run(scenario, 21, True, days, n_streets=3)
    slow = _run(scenario, 21, False, n_streets=3)
    n_days = fast.calendar.n_days
    assert fast.t == slow.t == n_days and sum(days) == n_days
    for sf, ss in zip(fast.streets, slow.streets, strict=True):
        a, b = street_tables(fast, sf), street_tables(slow, ss)
        for table in TABLES:
            _same_frame(getattr(a, table), getattr(b, table), f"street {sf.index} {table}")
        assert sf.purse.ledger == ss.purse.ledger and sf.purse.general == ss.purse.general
        assert np.array_equal(sf.residents.trust, ss.residents.trust)
    assert _stream_states(fast) == _stream_states(slow)
    assert len({len(s.cases) for s in fast.streets}) > 1  # the streets differ (their own draws)


def _owned(a: np.ndarray) -> bool:
    """Whether ``a`` holds its memory or keeps the object that does: an array made from
    a :func:`sim.compiled.borrowed` one without the whole of it has neither."""
    return a.flags.owndata or a.base is not None


@numba.njit
def _borrowed_view(a: np.ndarray) -> np.ndarray:
    return borrowed(a)[1:]


@numba.njit
def _borrowed_whole(a: np.ndarray) -> tuple:
    return borrowed((a, (a,)))


@pytest.mark.parametrize("n_streets", [1, 3])
def test_the_days_return_no_borrowed_array(n_streets: int) -> None:
    """The loops borrow the arrays that stay put (:func:`sim.compiled.borrowed`: no
    reference counts); every array a stretch of days hands back to the streets and the
    pool (replaced in the loop) must own its memory, or keep its owner alive. The check
    itself tells a view of a borrowed array from the whole one."""
    a = np.arange(4.0)
    assert not _owned(_borrowed_view(a))
    whole, (inner,) = _borrowed_whole(a)
    assert whole is a and inner is a
    scenario = load_scenario("baseline").with_values(
        {"population.residents": 6000, "run.end_date": "2024-12-31"}, source="test")
    seen = []
    real = month_loop.advance

    def checked(model: StreetModel) -> int:
        k = real(model)
        pool = model.pool
        arrays = [pool.active, pool.incoming]
        for street in model.streets:
            ik = street.intake
            arrays += [ik.queue, ik.in_service, ik.online_inbox, ik.repeats_due, ik.repeats_day,
                       street.daily.open_rows]
            if street.workforce.quit_prob is not None:
                arrays.append(street.workforce.quit_prob)
        assert all(_owned(x) for x in arrays)
        seen.append(sum(len(x) > 0 for x in arrays))
        return k

    month_loop.advance = checked
    try:
        StreetModel(scenario, seed=8, n_streets=n_streets).run()
    finally:
        month_loop.advance = real
    assert len(seen) >= 12 and sum(seen) > 0


def test_tables_as_views_equal_copies_and_free_the_uniforms() -> None:
    """``street_tables(copy=False)`` (a run that discards its model) gives the same tables
    as copies and frees the street's per-case uniforms, which no table holds."""
    scenario = load_scenario("baseline").with_values(SMALL, source="test")
    model = _run(scenario, 5, True)
    street = model.streets[0]
    n = len(street.cases)
    assert street.cases.u.shape[0] >= n > 0
    copied = street_tables(model, street)
    assert street.cases.u.shape[0] >= n  # copies leave the model as it was
    viewed = street_tables(model, street, copy=False)
    for table in TABLES:
        _same_frame(getattr(viewed, table), getattr(copied, table), table)
    assert street.cases.u.shape == (0, street.cases.u.shape[1])
    # a lone street's episode and whistle tables are the pool's columns, not copies
    assert np.shares_memory(viewed.episodes["case"].to_numpy(), model.pool.episodes.case)
    assert np.shares_memory(viewed.whistles["day"].to_numpy(), model.pool.log.day)
    assert not np.shares_memory(copied.episodes["case"].to_numpy(), model.pool.episodes.case)


def test_events_happen_inside_the_compiled_days() -> None:
    """In the event-heavy scenario of the test above, emergencies, false alarms, quits and
    hires fall on days the loop ran (so the equivalence above covers them there): here
    every day runs compiled."""
    scenario = load_scenario("baseline").with_values(
        {**SMALL, "emergency.rate_per_year": 12.0, "emergency.false_alarm_rate": 12.0,
         "workforce.quit_hazard": {"established": 0.6, "contract": 0.9}}, source="test")
    model = StreetModel(scenario, seed=13)
    compiled_days: set[int] = set()
    real = month_loop.advance

    def counted(m: StreetModel) -> int:
        t = m.t
        k = real(m)
        compiled_days.update(range(t, t + k))
        return k

    month_loop.advance = counted
    try:
        model.run()
    finally:
        month_loop.advance = real
    street = model.streets[0]
    em = street.emergencies.to_frame()
    staff = street.staff_events.to_frame()
    for label, days in (("false alarms", em.loc[em["false_alarm"], "day"]),
                        ("emergencies", em.loc[~em["false_alarm"], "day"]),
                        ("quits and hires", staff["day"])):
        inside = [d for d in days.tolist() if d in compiled_days]
        assert len(inside) > 5, f"only {len(inside)} {label} on compiled days"
    assert compiled_days == set(range(model.calendar.n_days))


@pytest.mark.parametrize("seed", range(20))
def test_answers_grouped_by_street_are_each_streets_own_in_order(seed):
    """``by_street`` groups a day's episodes once for every street: each group is what a
    mask per street (``departments.answers_of_street``) picks, in the same order."""
    rng = np.random.default_rng(seed)
    n_streets = int(rng.integers(1, 7))
    street_index = np.sort(rng.choice(12, n_streets, replace=False)).astype(np.int64)  # not always 0..n-1
    ep_street = rng.choice(street_index, 400).astype(np.int16)
    ids = rng.choice(400, int(rng.integers(0, 120)), replace=False).astype(np.int64)
    position = np.full(street_index.max() + 1, -1, np.int64)
    position[street_index] = np.arange(n_streets)
    places, bounds = month_loop.by_street(ids, ep_street, position, n_streets)
    assert bounds[0] == 0 and bounds[-1] == len(ids) and np.all(np.diff(bounds) >= 0)
    np.testing.assert_array_equal(month_loop.street_bounds(ids, ep_street, position, n_streets), bounds)
    grouped = ids[places]
    for i, street in enumerate(street_index):
        np.testing.assert_array_equal(grouped[bounds[i]:bounds[i + 1]], ids[ep_street[ids] == street])


def test_pending_episodes_are_extended_in_place_while_there_is_room():
    active, n = month_loop._extended(np.empty(0, np.int64), 0, 10, 3)
    assert n == 3 and len(active) >= 64
    np.testing.assert_array_equal(active[:n], [10, 11, 12])
    again, n = month_loop._extended(active, n, 20, 2)
    assert again is active  # room left: written in place, no copy
    np.testing.assert_array_equal(again[:n], [10, 11, 12, 20, 21])
    full = np.arange(5, dtype=np.int64)
    grown, n = month_loop._extended(full, 5, 7, 70)
    assert n == 75 and len(grown) >= 75
    np.testing.assert_array_equal(grown[:n], np.r_[np.arange(5), np.arange(7, 77)])
    np.testing.assert_array_equal(full, np.arange(5))  # the full array is left as it was
