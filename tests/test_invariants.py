"""Invariants over a whole run (a small street, two full years): cases, hours and money
are conserved, and case times are ordered."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest

from sim.cases import CLOSED, DROPPED, OPEN, RESOLVED, WHISTLED
from sim.hours import BUCKETS
from sim.indicators.compute import yearly_indicators
from sim.model import StreetModel
from sim.outputs import street_tables
from sim.runner import RunResult, run

SEED = 11
TOL = 1e-6


@dataclass
class Watched:
    """A finished model, its result, and what was seen after every day."""

    model: StreetModel
    result: RunResult
    post_overuse: list[float] = field(default_factory=list)
    vacant_hours: list[float] = field(default_factory=list)
    negative_hours: list[float] = field(default_factory=list)
    lowest_balance: list[float] = field(default_factory=list)


@pytest.fixture(scope="module")
def watched(two_years) -> Watched:
    model = StreetModel(two_years, seed=SEED)
    street = model.streets[0]
    seen = Watched(model, None)  # type: ignore[arg-type]
    while model.running:
        model.step()
        h = street.hours
        used = sum(h.used.values())
        seen.post_overuse.append(float(np.max(used - h.available)))
        # posts vacant when the day began have no hours (someone quitting today worked first)
        seen.vacant_hours.append(float(used[h.available == 0].sum()))
        seen.negative_hours.append(float(min(v.min() for v in h.used.values())))
        seen.lowest_balance.append(min(street.purse.general, float(street.purse.pots.min())))
    tables = [street_tables(model, s) for s in model.streets]
    seen.result = RunResult(two_years.name, SEED, yearly_indicators(tables[0]), tables,
                            np.datetime64(model.calendar.start.isoformat()))
    return seen


def test_every_day_was_watched(watched):
    assert len(watched.post_overuse) == watched.model.calendar.n_days == 731


# --- cases -------------------------------------------------------------------------------------
def check_case_outcomes(cs: pd.DataFrame) -> None:
    """Every case is resolved, dropped (with a reason) or open, and closed exactly when
    not open."""
    outcome = cs["outcome"].to_numpy()
    n = {k: int((outcome == k).sum()) for k in (OPEN, RESOLVED, DROPPED)}
    assert sum(n.values()) == len(cs) > 2000
    assert n[RESOLVED] > 0 and n[DROPPED] > 0
    closed = cs["state"].to_numpy() == CLOSED
    assert np.array_equal(closed, outcome != OPEN)
    reason = cs["drop_reason"].to_numpy()
    assert (reason[outcome == DROPPED] > 0).all()
    assert (reason[outcome != DROPPED] == 0).all()


def test_every_case_is_resolved_dropped_or_open_and_counts_add_up(watched):
    check_case_outcomes(watched.result.tables[0].cases)


def test_every_open_case_is_in_exactly_one_place(watched):
    street = watched.model.streets[0]
    cs = street.cases
    waiting_for_departments = np.setdiff1d(np.flatnonzero(cs.view("state") == WHISTLED),
                                           street.intake.in_service)
    ik = street.intake
    places = [ik.queue, ik.online_inbox, ik.in_service, waiting_for_departments]
    everywhere = np.concatenate(places)
    assert len(np.unique(everywhere)) == len(everywhere)  # in no two places
    open_ids = np.flatnonzero(cs.view("outcome") == OPEN)
    assert np.array_equal(np.sort(everywhere), open_ids)
    assert len(street.intake.closing_today) == 0


def test_pending_whistles_belong_to_cases_waiting_for_departments(watched):
    model = watched.model
    pool = model.pool
    street = model.streets[0]
    cases = pool.episodes.case[pool.active]
    assert (street.cases.state[cases] == WHISTLED).all()
    assert not np.isin(cases, street.intake.in_service).any()


def test_case_times_are_ordered(watched):
    check_case_times(watched.result.tables[0].cases)


def check_case_times(cs: pd.DataFrame) -> None:
    """raised <= accepted <= closed, whistled after accepted, departments after the whistle."""
    raised, accepted, closed = cs["raised_h"], cs["accepted_h"], cs["closed_h"]
    assert (accepted.dropna() >= raised[accepted.notna()]).all()
    both = accepted.notna() & closed.notna()
    assert both.sum() > 2000
    assert (closed[both] >= accepted[both]).all()
    assert (closed.dropna() >= raised[closed.notna()]).all()
    whistled = cs["whistled_h"].notna()
    assert (cs.loc[whistled, "whistled_h"] >= cs.loc[whistled, "accepted_h"]).all()
    arrived = cs["departments_arrived_h"].notna()
    assert (cs.loc[arrived, "departments_arrived_h"] >= cs.loc[arrived, "whistled_h"]).all()
    # every case that ended has a closing time
    assert (closed[cs["outcome"] != OPEN].notna()).all()


def test_departments_arrive_after_the_whistle(watched):
    ep = watched.result.tables[0].episodes
    arrived = ep["arrival_h"].notna()
    assert arrived.sum() > 500
    assert (ep.loc[arrived, "arrival_h"] >= ep.loc[arrived, "first_sent_h"]).all()


# --- hours ----------------------------------------------------------------------------------------
def test_no_post_ever_works_more_hours_than_it_has(watched):
    assert max(watched.post_overuse) <= TOL


def test_vacant_posts_work_no_hours_and_no_bucket_is_negative(watched):
    assert max(watched.vacant_hours) == 0.0
    assert min(watched.negative_hours) >= 0.0


def test_daily_hours_by_use_never_exceed_hours_available(watched):
    check_daily_hours(watched.result.tables[0].daily)


def check_daily_hours(daily: pd.DataFrame) -> None:
    """Hours by use never exceed the hours available, and casework gets hours."""
    used = daily[[f"hours_{b}" for b in BUCKETS]].sum(axis=1)
    assert (used <= daily["hours_available"] + TOL).all()
    assert (daily.loc[daily["workday"], "hours_casework"] > 0).mean() > 0.9


# --- staff and organisations ----------------------------------------------------------------------
def test_posts_filled_reconcile_with_hires_and_departures(watched):
    tb = watched.result.tables[0]
    ev = tb.staff_events
    hires, leaves = int((ev["event"] == 0).sum()), int((ev["event"] == 1).sum())
    assert leaves > 0
    start = tb.daily["staff_filled"].iloc[0] + int(((ev["event"] == 1) & (ev["day"] == 0)).sum()) \
        - int(((ev["event"] == 0) & (ev["day"] == 0)).sum())
    assert start + hires - leaves == tb.daily["staff_filled"].iloc[-1]
    assert tb.daily["staff_filled"].max() <= watched.model.streets[0].roster.n


def test_social_organisations_reconcile_with_entries_and_exits(watched, two_years):
    so = watched.result.tables[0].so_events
    entered, left = int((so["event"] == 0).sum()), int((so["event"] == 1).sum())
    initial = two_years.params.socialorgs.initial_count
    assert len(watched.model.streets[0].sos) == initial + entered - left


# --- money ----------------------------------------------------------------------------------------
def test_no_balance_is_ever_negative(watched):
    assert min(watched.lowest_balance) >= -TOL


NOT_OUTFLOWS = {"money_budgeted", "money_arrived", "money_arrived_own_year", "money_self_revenue",
                "money_transfer_revenue", "money_donations", "money_livelihood_need",
                "money_livelihood_unfunded", "money_livelihood_lapsed", "money_general_balance"}
"""Ledger entries that are not money paid out (arrivals, needs, shortfalls, balances)."""


def test_money_spent_never_exceeds_money_arrived_plus_carried(watched):
    check_money(watched.result.tables[0].state)


def check_money(state: pd.DataFrame) -> None:
    """Per year: spent <= arrived + carried, and every yuan is spent, lapsed or carried."""
    state = state.set_index("year").sort_index()
    outflows = [c for c in state.columns if c.startswith("money_") and c not in NOT_OUTFLOWS
                and not c.endswith("_unpaid")]
    assert {"money_pay_spent", "money_livelihood_spent", "money_so_grants"} <= set(outflows)
    carried = 0.0
    for year, row in state.iterrows():
        spent = float(row[outflows].sum())
        assert spent <= carried + row["money_arrived"] + TOL, year
        # every yuan is spent, lapsed at year end, or carried in the general balance
        assert carried + row["money_arrived"] == pytest.approx(
            spent + row["money_livelihood_lapsed"] + row["money_general_balance"], rel=1e-12)
        carried = row["money_general_balance"]
    assert (state["money_livelihood_lapsed"] > 0).all()


def test_livelihood_need_is_either_spent_or_unfunded(watched):
    state = watched.result.tables[0].state
    need = state["money_livelihood_need"]
    assert (need > 0).all()
    assert np.allclose(state["money_livelihood_spent"] + state["money_livelihood_unfunded"], need)
    cases = watched.result.tables[0].cases
    paid = cases["money_paid"].to_numpy()
    assert ((paid == 0) | np.isclose(paid, cases["money_need"].to_numpy())).all()
    assert paid.sum() == pytest.approx(state["money_livelihood_spent"].sum())



# --- full scale (slow) ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def full_run(baseline) -> RunResult:
    """The whole baseline, 2024-2030, 58,000 residents."""
    return run(baseline, seed=1)


@pytest.mark.slow
def test_full_baseline_conserves_cases(full_run):
    check_case_outcomes(full_run.tables[0].cases)


@pytest.mark.slow
def test_full_baseline_case_times_are_ordered(full_run):
    check_case_times(full_run.tables[0].cases)


@pytest.mark.slow
def test_full_baseline_hours_stay_within_hours_available(full_run):
    check_daily_hours(full_run.tables[0].daily)


@pytest.mark.slow
def test_full_baseline_conserves_money(full_run):
    check_money(full_run.tables[0].state)
