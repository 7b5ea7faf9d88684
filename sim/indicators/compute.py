"""Yearly indicators, computed from recorded events and state snapshots only.

Every function here reads the run's tables (cases, whistle log, staff events, daily
series, ...) and never the model's parameters or live objects, so an indicator cannot be
set, only produced by what happened.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.cases import EP_ARRIVED, RESOLVED
from sim.compiled import count_flags, day_of_hour
from sim.domain import CATEGORIES, CHANNELS, PROFESSIONAL_SO_SPECIALTIES, SO_SPECIALTIES
from sim.indicators.definitions import INDICATORS
from sim.indicators.tally import arrivals, grouped_values, whistle_tally

ONLINE = CHANNELS.index("online")
MEDIATION = CATEGORIES.index("mediation")
PRO_SO = [SO_SPECIALTIES.index(s) for s in PROFESSIONAL_SO_SPECIALTIES]
HOUR_BUCKETS = ["hours_training", "hours_emergency", "hours_out_of_list", "hours_in_list",
                "hours_data_entry", "hours_casework"]
DAILY_TASKS = ["tasks_accepted", "tasks_refused", "tasks_checked"]
HEADCOUNT = ["staff_filled", "staff_contract", "staff_under35"]
MIN_EPISODES_FOR_DEPT = 5
READS = {"cases": ("raised_h", "closed_h", "outcome", "reported_resolved", "category", "is_repeat", "channel",
                   "first_response_h", "complaint", "complaint_unclear", "route", "elderly"),
         "episodes": ("state", "arrival_h", "arrival_year", "first_sent_h"),
         "whistles": ("kind", "day", "answered", "first_of_episode", "department")}
"""The columns of the large tables :func:`yearly_indicators` reads (the others need not
be joined for a group of streets: :func:`sim.district.aggregate.group_indicators`)."""


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


def year_of_hours(year_of_day: np.ndarray, hours: np.ndarray) -> np.ndarray:
    """The calendar year of each hour since the run's start (the first day's for NaN;
    hours past the last day count in the last year)."""
    day = day_of_hour(np.asarray(hours, dtype=np.float64), 0)
    return year_of_day[np.clip(day, 0, len(year_of_day) - 1)]


def _ratio(num: float, den: float) -> float:
    return float(num) / float(den) if den else float("nan")


def yearly_indicators(tb: Tables) -> pd.DataFrame:
    """Indicators per year, wide: one row per year, one column per indicator."""
    yod = tb.year_of_day
    cs = tb.cases
    raised_year = year_of_hours(yod, cs["raised_h"].to_numpy())
    closed_day = day_of_hour(cs["closed_h"].to_numpy(), -1)
    closed_year = np.where((closed_day >= 0) & (cs["outcome"].to_numpy() > 0),
                           yod[np.clip(closed_day, 0, len(yod) - 1)], 0)
    daily = tb.daily.assign(year=yod[tb.daily["day"].to_numpy()])
    d_year = daily.groupby("year")[[*HOUR_BUCKETS, *DAILY_TASKS]].sum()
    workdays = daily[daily["workday"].to_numpy()].groupby("year")[["staff_filled", "hours_data_entry"]].sum()
    headcount = _headcount(daily)
    st = combine_state(tb.state)

    wl = _WhistleArrays(tb.episodes, tb.whistles, yod)
    se = _StaffEvents(tb.staff_events, yod)
    so_events = _SocialOrgEvents(tb.so_events, yod)
    emergencies = _Emergencies(tb.emergencies, yod)
    councils = _Councils(tb.council, yod)
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
    cy = _CaseYears(tb.years, raised_year, closed_year)
    n_demands = cy.raised(None)
    resolved_n = cy.raised(resolved)
    reported_n = cy.raised(reported)
    med = cat == MEDIATION
    med_n, med_resolved_n = cy.raised(med), cy.raised(med & resolved)
    mix_n = [cy.raised(cat == i) for i in range(len(CATEGORIES))]
    repeat_n = cy.raised(is_repeat)
    online_n, online_quick_n = cy.raised(channel_online), cy.raised(channel_online & quick)
    complaint_n, complaint_unclear_n = cy.closed(complained), cy.closed(complained & complained_unclear)
    so_n = cy.raised(to_so)
    elderly_n, elderly_online_n = cy.raised(elderly_case), cy.raised(elderly_case & channel_online)
    resolve_means = cy.closed_means(wait, resolved)
    rows = []
    for k, y in enumerate(tb.years):
        r: dict[str, float] = {"year": y}
        r["demands"] = int(n_demands[k])
        r["resolution_rate"] = _ratio(resolved_n[k], n_demands[k])
        r["resolution_rate_reported"] = _ratio(reported_n[k], n_demands[k])
        r["mean_resolve_hours"] = resolve_means[k]
        r["dispute_resolution_rate"] = _ratio(med_resolved_n[k], med_n[k])
        for i, c in enumerate(CATEGORIES):
            r[f"mix_{c}"] = _ratio(mix_n[i][k], n_demands[k])
        r["repeat_share"] = _ratio(repeat_n[k], n_demands[k])
        r["online_response_rate"] = _ratio(online_quick_n[k], online_n[k])
        r["complaints"] = int(complaint_n[k])
        r["complaints_unclear_share"] = _ratio(complaint_unclear_n[k], complaint_n[k])
        r["so_activity"] = so_n[k] / tb.residents * 10_000
        r["elderly_online_share"] = _ratio(elderly_online_n[k], elderly_n[k])

        dy = d_year.loc[y] if y in d_year.index else None
        worked = float(sum(dy[b] for b in HOUR_BUCKETS)) if dy is not None else 0.0
        r["out_of_list_share"] = _ratio(dy["hours_out_of_list"], worked) if dy is not None else np.nan
        tasks = (dy["tasks_accepted"] + dy["tasks_refused"]) if dy is not None else 0
        r["duty_list_coverage"] = _ratio(dy["tasks_checked"], tasks) if dy is not None else np.nan
        if y in workdays.index:
            wd = workdays.loc[y]
            r["duplicate_entry_hours"] = _ratio(wd["hours_data_entry"], wd["staff_filled"])

        r.update(wl.indicators(y))
        r.update(se.indicators(headcount, y))

        r.update(emergencies.indicators(y))
        r.update(so_events.indicators(y))
        r.update(councils.indicators(y))

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


def _headcount(daily: pd.DataFrame) -> pd.DataFrame:
    """Staff of all streets on each day (:data:`HEADCOUNT`), averaged over each year's
    days (``daily`` has a ``year`` column); one street's days are its own rows."""
    if daily["day"].is_unique:  # one street: nothing to add up per day
        return daily.groupby("year")[HEADCOUNT].mean()
    return daily.groupby(["year", "day"])[HEADCOUNT].sum().groupby("year").mean()


def long_form(wide: pd.DataFrame) -> pd.DataFrame:
    """Yearly indicators (wide, index ``year``) in long format: ``year``, ``indicator``,
    ``value``, indicator after indicator (as ``wide.reset_index().melt(id_vars=["year"],
    var_name="indicator", value_name="value")`` gives them, built directly)."""
    if not all(pd.api.types.is_numeric_dtype(t) for t in wide.dtypes):
        return wide.reset_index().melt(id_vars=["year"], var_name="indicator", value_name="value")
    years = wide.index.to_numpy()
    names = np.array(list(wide.columns), dtype=object)
    return pd.DataFrame({"year": np.tile(years, len(names)), "indicator": np.repeat(names, len(years)),
                         "value": wide.to_numpy(dtype=np.float64).T.ravel()})


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


class _CaseYears:
    """Per-year counts of case flags, one pass over the cases each (``np.bincount``)
    instead of one mask per year and flag."""

    def __init__(self, years: tuple[int, ...], raised_year: np.ndarray, closed_year: np.ndarray) -> None:
        self.first, self.n = years[0], len(years)
        self.raised_at = raised_year - self.first
        in_run = (closed_year >= self.first) & (closed_year < self.first + self.n)  # 0: not closed
        self.closed_rows = np.flatnonzero(in_run)
        self.closed_at = closed_year[self.closed_rows] - self.first

    def raised(self, flag: np.ndarray | None) -> np.ndarray:
        """Cases raised each year with ``flag`` set (all cases when None)."""
        if flag is None:
            return np.bincount(self.raised_at, minlength=self.n)[:self.n]
        return count_flags(self.raised_at, flag, self.n)

    def closed(self, flag: np.ndarray) -> np.ndarray:
        """Cases closed (with an outcome) each year with ``flag`` set."""
        return count_flags(self.closed_at, flag[self.closed_rows], self.n)

    def closed_means(self, values: np.ndarray, flag: np.ndarray) -> list[float]:
        """Mean of ``values`` over each year's closed cases with ``flag`` (NaN where none),
        in case order (the same sums as the masked ``mean``)."""
        sorted_values, edges = grouped_values(self.closed_rows, self.closed_at, flag, values, self.n)
        return [float(sorted_values[a:b].mean()) if b > a else float("nan")
                for a, b in zip(edges[:-1], edges[1:], strict=True)]


class _WhistleArrays:
    """The yearly whistle indicators' counts, one ``bincount`` over the whistle log each
    (routine whistles by year; first whistles of an episode by year and department),
    and the episodes' arrivals."""

    def __init__(self, ep: pd.DataFrame, wl: pd.DataFrame, yod: np.ndarray) -> None:
        self.any = bool(len(wl))
        if not self.any:
            return
        self.first_year, n = int(yod.min()), int(yod.max() - yod.min() + 1)
        department = wl["department"].to_numpy()
        # routine whistles by year (other whistles in an extra slot n), and the first
        # whistles of an episode by (year, department): one pass over the log
        self.sent, self.answered, self.first_sent, self.first_answered = whistle_tally(
            wl["kind"].to_numpy(), wl["day"].to_numpy(), wl["answered"].to_numpy(),
            wl["first_of_episode"].to_numpy(), department, yod, self.first_year, n, int(department.max()) + 1)
        self.arrival_year, self.arrival_wait = arrivals(
            ep["state"].to_numpy(), ep["arrival_h"].to_numpy(np.float64),
            ep["first_sent_h"].to_numpy(np.float64), np.asarray(ep["arrival_year"]), EP_ARRIVED)

    def indicators(self, y: int) -> dict[str, float]:
        """Department response rate, arrival hours and the share needing repeats in ``y``."""
        out = {"dept_response_rate": np.nan, "dept_arrival_hours": np.nan, "depts_needing_repeats": np.nan}
        if not self.any:
            return out
        k = y - self.first_year
        if not 0 <= k < len(self.sent) - 1:
            return out
        out["dept_response_rate"] = _ratio(self.answered[k], self.sent[k])
        a = self.arrival_year == y
        if a.any():
            out["dept_arrival_hours"] = float(self.arrival_wait[a].mean())
        # a department 'needs repeated whistles' when most episodes it first heard of this
        # year were not answered at the first whistle
        size, answered = self.first_sent[k], self.first_answered[k]
        enough = size >= MIN_EPISODES_FOR_DEPT
        if enough.any():
            out["depts_needing_repeats"] = float((answered[enough] / size[enough] < 0.5).mean())
        return out


class _StaffEvents:
    """The staff events' columns the yearly staff indicators read, split once."""

    def __init__(self, se: pd.DataFrame, yod: np.ndarray) -> None:
        year = yod[se["day"].to_numpy()]
        event = se["event"].to_numpy()
        quit_ = (event == 1) & (se["reason"].to_numpy() == 0)
        self.quit_year = year[quit_]
        self.quit_contract = se["contract"].to_numpy()[quit_] == 1
        self.quit_young = se["age"].to_numpy()[quit_] < 35
        promoted = event == 2
        self.promo_year = year[promoted]
        self.promo_years = se["years_in_grade"][promoted]

    def indicators(self, headcount: pd.DataFrame, y: int) -> dict[str, float]:
        """Turnover (all, contract, under 35) and years in grade before promotion in ``y``."""
        out: dict[str, float] = {}
        quits = self.quit_year == y
        if y in headcount.index:
            h = headcount.loc[y]
            out["staff_turnover"] = _ratio(quits.sum(), h["staff_filled"])
            out["turnover_contract"] = _ratio((quits & self.quit_contract).sum(), h["staff_contract"])
            out["turnover_under35"] = _ratio((quits & self.quit_young).sum(), h["staff_under35"])
        promo = self.promo_years[self.promo_year == y]
        out["youth_promotion_years"] = float(promo.mean()) if len(promo) else np.nan
        return out


class _Emergencies:
    """The emergencies (false alarms left out) by year, split once."""

    def __init__(self, em: pd.DataFrame, yod: np.ndarray) -> None:
        real = ~em["false_alarm"].to_numpy(dtype=bool)
        self.year = yod[em["day"].to_numpy().astype(np.int64)][real]
        self.response_h = em["response_h"].to_numpy(dtype=np.float64)[real]
        self.resolve_h = em["resolve_h"].to_numpy(dtype=np.float64)[real]

    def indicators(self, y: int) -> dict[str, float]:
        """How many emergencies in ``y``, and their mean response and resolve hours (NaN
        where none; missing hours left out of the means, as ``Series.mean``)."""
        at = self.year == y
        n = int(at.sum())
        return {"emergencies": n,
                "emergency_response_hours": float(pd.Series(self.response_h[at]).mean()) if n else np.nan,
                "emergency_resolve_hours": float(pd.Series(self.resolve_h[at]).mean()) if n else np.nan}


class _Councils:
    """The councils' proposals by year, split once."""

    def __init__(self, co: pd.DataFrame, yod: np.ndarray) -> None:
        self.year = yod[co["day"].to_numpy().astype(np.int64)]
        self.adopted = co["adopted"].to_numpy()

    def indicators(self, y: int) -> dict[str, float]:
        """The share of ``y``'s proposals adopted (NaN where none)."""
        at = self.year == y
        n = int(at.sum())
        return {"council_adoption": _ratio(self.adopted[at].sum(), n) if n else np.nan}


def _age_at_exit(orgs: np.ndarray, exit_orgs: np.ndarray, exit_ages: np.ndarray) -> np.ndarray:
    """Each of ``orgs``' age at its exit (``exit_ages[i]`` for ``exit_orgs[i]``; infinite
    for one that has not left), as float."""
    if len(np.unique(exit_orgs)) < len(exit_orgs):
        raise ValueError("a social organisation left twice")
    out = np.full(len(orgs), np.inf)
    if not len(exit_orgs):
        return out
    order = np.argsort(exit_orgs)
    keys = exit_orgs[order]
    at = np.minimum(np.searchsorted(keys, orgs), len(keys) - 1)
    found = keys[at] == orgs
    out[found] = exit_ages[order][at[found]]
    return out


class _SocialOrgEvents:
    """The social organisations' entries and exits, split once."""

    def __init__(self, so: pd.DataFrame, yod: np.ndarray) -> None:
        self.any = bool(len(so))
        if not self.any:
            return
        year = yod[so["day"].to_numpy()]
        event = so["event"].to_numpy()
        enter = event == 0
        self.enter_year = year[enter]
        self.enter_pro = np.isin(so["specialty"].to_numpy()[enter], PRO_SO)
        self.enter_unsupported = ~so["supported"].to_numpy()[enter].astype(bool)
        # entrants that left within 365 days (counted once known)
        org, left = so["org"].to_numpy(), event == 1
        self.left_in_a_year = _age_at_exit(org[enter], org[left], so["age_days"].to_numpy()[left]) <= 365

    def indicators(self, y: int) -> dict[str, float]:
        """New professional organisations in ``y``, and the share of ``y``'s unsupported
        entrants that left within a year."""
        out = {"new_professional_sos": 0.0, "so_exit_within_year": np.nan}
        if not self.any:
            return out
        entered = self.enter_year == y
        out["new_professional_sos"] = float((entered & self.enter_pro).sum())
        unsupported = entered & self.enter_unsupported
        if unsupported.any():
            out["so_exit_within_year"] = float(self.left_in_a_year[unsupported].mean())
        return out
