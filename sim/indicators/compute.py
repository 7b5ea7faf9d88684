"""Yearly indicators, computed from recorded events and state snapshots only.

Every function here reads the run's tables (cases, whistle log, staff events, daily
series, ...) and never the model's parameters or live objects, so an indicator cannot be
set, only produced by what happened.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.cases import RESOLVED
from sim.domain import CATEGORIES, CHANNELS, PROFESSIONAL_SO_SPECIALTIES, SO_SPECIALTIES
from sim.indicators.definitions import INDICATORS

ONLINE = CHANNELS.index("online")
MEDIATION = CATEGORIES.index("mediation")
PRO_SO = [SO_SPECIALTIES.index(s) for s in PROFESSIONAL_SO_SPECIALTIES]
HOUR_BUCKETS = ["hours_training", "hours_emergency", "hours_out_of_list", "hours_in_list",
                "hours_data_entry", "hours_casework"]
MIN_EPISODES_FOR_DEPT = 5


@dataclass
class Tables:
    """The recorded tables of one street (or several, concatenated) of one run."""

    cases: pd.DataFrame
    episodes: pd.DataFrame
    whistles: pd.DataFrame
    daily: pd.DataFrame
    staff_events: pd.DataFrame
    emergencies: pd.DataFrame
    so_events: pd.DataFrame
    council: pd.DataFrame
    state: pd.DataFrame  # yearly state snapshot, one row per (street, year)
    residents: int
    years: tuple[int, ...]
    year_of_day: np.ndarray


def _ratio(num: float, den: float) -> float:
    return float(num) / float(den) if den else float("nan")


def yearly_indicators(tb: Tables) -> pd.DataFrame:
    """Indicators per year, wide: one row per year, one column per indicator."""
    yod = tb.year_of_day
    cs = tb.cases
    raised_year = yod[np.minimum((cs["raised_h"].to_numpy() // 24).astype(int), len(yod) - 1)]
    closed_day = np.nan_to_num(cs["closed_h"].to_numpy() // 24, nan=-1).astype(int)
    closed_year = np.where((closed_day >= 0) & (cs["outcome"].to_numpy() > 0),
                           yod[np.clip(closed_day, 0, len(yod) - 1)], 0)
    daily = tb.daily.assign(year=yod[tb.daily["day"].to_numpy()])
    d_year = daily.groupby("year").sum(numeric_only=True)
    workdays = daily[daily["workday"]].groupby("year").agg(
        staff=("staff_filled", "sum"), entry=("hours_data_entry", "sum"))
    # staff of all streets on each day, averaged over the year's days
    headcount = (daily.groupby(["year", "day"])[["staff_filled", "staff_contract", "staff_under35"]]
                 .sum().groupby("year").mean())
    st = combine_state(tb.state)

    wl = _WhistleArrays(tb.episodes, tb.whistles, yod)
    se = tb.staff_events.assign(year=yod[tb.staff_events["day"].to_numpy()])
    # the case columns, once (numpy arrays; the loop below only masks them)
    outcome = cs["outcome"].to_numpy()
    resolved = outcome == RESOLVED
    reported = cs["reported_resolved"].to_numpy()
    wait = (cs["closed_h"] - cs["raised_h"]).to_numpy()
    cat = cs["category"].to_numpy()
    is_repeat = cs["is_repeat"].to_numpy()
    channel_online = cs["channel"].to_numpy() == ONLINE
    quick = (cs["first_response_h"] - cs["raised_h"]).to_numpy() <= 24.0
    complained = cs["complaint"].to_numpy()
    complained_unclear = cs["complaint_unclear"].to_numpy()
    to_so = cs["route"].to_numpy() == 1
    elderly_case = cs["elderly"].to_numpy()
    rows = []
    for y in tb.years:
        r: dict[str, float] = {"year": y}
        in_y = raised_year == y
        n_demands = int(in_y.sum())
        r["demands"] = n_demands
        r["resolution_rate"] = _ratio((in_y & resolved).sum(), n_demands)
        r["resolution_rate_reported"] = _ratio((in_y & reported).sum(), n_demands)
        closed_res = (closed_year == y) & resolved
        r["mean_resolve_hours"] = float(wait[closed_res].mean()) if closed_res.any() else float("nan")
        med = in_y & (cat == MEDIATION)
        r["dispute_resolution_rate"] = _ratio((med & resolved).sum(), med.sum())
        for i, c in enumerate(CATEGORIES):
            r[f"mix_{c}"] = _ratio((in_y & (cat == i)).sum(), n_demands)
        r["repeat_share"] = _ratio((in_y & is_repeat).sum(), n_demands)
        online = in_y & channel_online
        r["online_response_rate"] = _ratio((online & quick).sum(), online.sum())
        complaint = (closed_year == y) & complained
        r["complaints"] = int(complaint.sum())
        r["complaints_unclear_share"] = _ratio((complaint & complained_unclear).sum(), complaint.sum())
        so_cases = in_y & to_so
        r["so_activity"] = so_cases.sum() / tb.residents * 10_000
        elderly = in_y & elderly_case
        r["elderly_online_share"] = _ratio((elderly & channel_online).sum(), elderly.sum())

        dy = d_year.loc[y] if y in d_year.index else None
        worked = float(sum(dy[b] for b in HOUR_BUCKETS)) if dy is not None else 0.0
        r["out_of_list_share"] = _ratio(dy["hours_out_of_list"], worked) if dy is not None else np.nan
        tasks = (dy["tasks_accepted"] + dy["tasks_refused"]) if dy is not None else 0
        r["duty_list_coverage"] = _ratio(dy["tasks_checked"], tasks) if dy is not None else np.nan
        if y in workdays.index:
            r["duplicate_entry_hours"] = _ratio(workdays.loc[y, "entry"], workdays.loc[y, "staff"])

        r.update(wl.indicators(y))
        r.update(_staff_indicators(se, headcount, y))

        em = tb.emergencies
        em_y = em[(yod[em["day"].to_numpy()] == y) & ~em["false_alarm"]] if len(em) else em
        r["emergencies"] = len(em_y)
        r["emergency_response_hours"] = float(em_y["response_h"].mean()) if len(em_y) else np.nan
        r["emergency_resolve_hours"] = float(em_y["resolve_h"].mean()) if len(em_y) else np.nan

        r.update(_so_indicators(tb.so_events, yod, y))
        co = tb.council
        co_y = co[yod[co["day"].to_numpy()] == y] if len(co) else co
        r["council_adoption"] = _ratio(co_y["adopted"].sum(), len(co_y)) if len(co_y) else np.nan

        if y in st.index:
            s = st.loc[y]
            r["satisfaction"] = s["satisfaction_survey"]
            r["satisfaction_callback"] = s["satisfaction_callback"]
            r["eligible_coverage"] = _ratio(s["eligible_enrolled"], s["eligible"])
            for k in ("training_hours", "training_coverage", "systems_in_use", "data_sharing_rate",
                      "professional_share", "contract_pay_gap", "renovated_share", "under35_share"):
                r[k] = s[k if k not in ("training_hours",) else "training_hours_mean"]
            r["fund_arrival_rate"] = _ratio(s["money_arrived_own_year"], s["money_budgeted"])
            own = s["money_self_revenue"] + s["money_donations"]  # fees, rents, donations
            r["fiscal_self_sufficiency"] = _ratio(own, own + s["money_transfer_revenue"])
            r["funding_gap"] = _ratio(s["money_livelihood_unfunded"], s["money_livelihood_need"])
        rows.append(r)
    out = pd.DataFrame(rows).set_index("year")
    cols = [i.key for i in INDICATORS]
    return out.reindex(columns=cols)


SUMMED_STATE = {"eligible", "eligible_enrolled", "staff", "social_orgs", "professional_social_orgs",
                "residents"}
STAFF_WEIGHTED_STATE = {"professional_share", "under35_share", "contract_pay_gap", "training_hours_mean",
                        "training_coverage", "skill_mean"}


def combine_state(state: pd.DataFrame) -> pd.DataFrame:
    """Yearly state rows of one or several streets combined, one row per year.

    Counts and money add up; staff shares and means are weighted by staff; the other
    shares and means (satisfaction, trust, renovated share, ...) by residents where the
    table has a ``residents`` column, else streets weigh equally. A street's own value
    passes through unchanged; missing values (e.g. no call-backs) are left out.
    """
    cols = [c for c in state.columns if c not in ("year", "street")]
    by = state["year"].to_numpy()
    if len(np.unique(by)) == len(by):  # one street: its own rows
        return state.set_index("year")[cols]
    summed = [c for c in cols if c.startswith("money_") or c in SUMMED_STATE]
    means = [c for c in cols if c not in summed]
    vals = state[means].astype(float)
    people = state["residents"] if "residents" in state else pd.Series(1.0, index=state.index)
    w = np.where(np.isin(means, sorted(STAFF_WEIGHTED_STATE))[None, :],
                 state["staff"].to_numpy(float)[:, None], people.to_numpy(float)[:, None])
    w = pd.DataFrame(w * vals.notna().to_numpy(), index=state.index, columns=means)
    out = state[summed].groupby(by).sum()
    num = (vals.fillna(0.0) * w).groupby(by).sum()
    out[means] = num / w.groupby(by).sum().replace(0.0, np.nan)
    out.index.name = "year"
    return out[cols]


class _WhistleArrays:
    """The whistle log's and episodes' columns the yearly whistle indicators read, once."""

    def __init__(self, ep: pd.DataFrame, wl: pd.DataFrame, yod: np.ndarray) -> None:
        self.any = bool(len(wl))
        if not self.any:
            return
        routine = wl["kind"].to_numpy() == 0
        self.year = np.where(routine, yod[wl["day"].to_numpy()], 0)  # routine whistles' year
        self.answered = wl["answered"].to_numpy()
        self.first = wl["first_of_episode"].to_numpy()
        self.department = wl["department"].to_numpy().astype(np.int64)
        arrived = (ep["state"] == 1).to_numpy()
        arrival_h = ep["arrival_h"].to_numpy()[arrived]
        ok = (arrival_h // 24).astype(int) >= 0
        self.arrival_year = np.asarray(ep["arrival_year"])[arrived][ok]
        self.arrival_wait = (arrival_h - ep["first_sent_h"].to_numpy()[arrived])[ok]

    def indicators(self, y: int) -> dict[str, float]:
        """Department response rate, arrival hours and the share needing repeats in ``y``."""
        out = {"dept_response_rate": np.nan, "dept_arrival_hours": np.nan, "depts_needing_repeats": np.nan}
        if not self.any:
            return out
        w = self.year == y
        out["dept_response_rate"] = _ratio((w & self.answered).sum(), w.sum())
        a = self.arrival_year == y
        if a.any():
            out["dept_arrival_hours"] = float(self.arrival_wait[a].mean())
        # a department 'needs repeated whistles' when most episodes it first heard of this
        # year were not answered at the first whistle
        first = w & self.first
        size = np.bincount(self.department[first], minlength=1)
        answered = np.bincount(self.department[first & self.answered], minlength=len(size))
        enough = size >= MIN_EPISODES_FOR_DEPT
        if enough.any():
            out["depts_needing_repeats"] = float((answered[enough] / size[enough] < 0.5).mean())
        return out


def _staff_indicators(se: pd.DataFrame, headcount: pd.DataFrame, y: int) -> dict[str, float]:
    out: dict[str, float] = {}
    quits = se[(se["year"] == y) & (se["event"] == 1) & (se["reason"] == 0)]
    if y in headcount.index:
        h = headcount.loc[y]
        out["staff_turnover"] = _ratio(len(quits), h["staff_filled"])
        out["turnover_contract"] = _ratio((quits["contract"] == 1).sum(), h["staff_contract"])
        out["turnover_under35"] = _ratio((quits["age"] < 35).sum(), h["staff_under35"])
    promo = se[(se["year"] == y) & (se["event"] == 2)]
    out["youth_promotion_years"] = float(promo["years_in_grade"].mean()) if len(promo) else np.nan
    return out


def _so_indicators(so: pd.DataFrame, yod: np.ndarray, y: int) -> dict[str, float]:
    out = {"new_professional_sos": 0.0, "so_exit_within_year": np.nan}
    if not len(so):
        return out
    year = yod[so["day"].to_numpy()]
    enter = so[(so["event"] == 0) & (year == y)]
    out["new_professional_sos"] = float(enter["specialty"].isin(PRO_SO).sum())
    # entrants of year y (unsupported) that left within 365 days; counted once known
    exits = so[so["event"] == 1].set_index("org")["age_days"]
    unsup = enter[~enter["supported"]]
    if len(unsup):
        left = unsup["org"].map(exits).fillna(np.inf) <= 365
        out["so_exit_within_year"] = float(left.mean())
    return out
