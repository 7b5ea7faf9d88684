"""Yearly indicators, computed from recorded events and state snapshots only.

Every function here reads the run's tables (cases, whistle log, staff events, daily
series, ...) and never the model's parameters or live objects, so an indicator cannot be
set, only produced by what happened.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.cases import EP_ARRIVED, RESOLVED
from sim.compiled import count_flags, day_of_hour
from sim.domain import CATEGORIES, CHANNELS, PROFESSIONAL_SO_SPECIALTIES, SO_SPECIALTIES
from sim.indicators.definitions import INDICATORS
from sim.indicators.tally import arrivals, case_years, grouped_values, whistle_tally

ONLINE = CHANNELS.index("online")
MEDIATION = CATEGORIES.index("mediation")
PRO_SO = [SO_SPECIALTIES.index(s) for s in PROFESSIONAL_SO_SPECIALTIES]
HOUR_BUCKETS = ["hours_training", "hours_emergency", "hours_out_of_list", "hours_in_list",
                "hours_data_entry", "hours_casework"]
DAILY_TASKS = ["tasks_accepted", "tasks_refused", "tasks_checked"]
HEADCOUNT = ["staff_filled", "staff_contract", "staff_under35"]
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


def year_of_hours(year_of_day: np.ndarray, hours: np.ndarray) -> np.ndarray:
    """The calendar year of each hour since the run's start (the first day's for NaN;
    hours past the last day count in the last year)."""
    day = day_of_hour(np.asarray(hours, dtype=np.float64), 0)
    return year_of_day[np.clip(day, 0, len(year_of_day) - 1)]


def _ratio(num: float, den: float) -> float:
    return float(num) / float(den) if den else float("nan")


@dataclass
class Counts:
    """What :func:`yearly_indicators` counts over a street's large tables (cases,
    episodes, whistle log): per-year counts, and the values its means are taken over, in
    row order. Those of several streets of one run merge (:meth:`merged`) into exactly
    what counting their concatenated tables gives: counts add up and each year's values
    follow street after street, so every mean is the same sum of the same values."""

    cases: dict[str, np.ndarray]
    """Per-year case counts by name (``demands``, ``resolved``, ``mix_<category>``, ...)."""
    resolve_hours: list[np.ndarray]
    """Each year's closed resolved cases' hours from raising to closing, in case order."""
    whistles: _WhistleArrays

    @classmethod
    def of(cls, tb: Tables) -> Counts:
        """The counts of one street's (or a group's concatenated) tables."""
        cs = tb.cases
        yod = tb.year_of_day
        # the case columns, once (numpy arrays, only masked below)
        resolved = cs["outcome"].to_numpy() == RESOLVED
        cat = cs["category"].to_numpy()
        channel_online = cs["channel"].to_numpy() == ONLINE
        quick = cs["first_response_h"].to_numpy() - cs["raised_h"].to_numpy() <= 24.0
        complained = cs["complaint"].to_numpy()
        elderly_case = cs["elderly"].to_numpy()
        med = cat == MEDIATION
        cy = _CaseYears(tb.years, cs["raised_h"].to_numpy(np.float64), cs["closed_h"].to_numpy(np.float64),
                        cs["outcome"].to_numpy(), yod)
        counts = {"demands": cy.raised(None), "resolved": cy.raised(resolved),
                  "reported": cy.raised(cs["reported_resolved"].to_numpy()),
                  "mediation": cy.raised(med), "mediation_resolved": cy.raised(med & resolved),
                  **{f"mix_{c}": cy.raised(cat == i) for i, c in enumerate(CATEGORIES)},
                  "repeats": cy.raised(cs["is_repeat"].to_numpy()),
                  "online": cy.raised(channel_online), "online_quick": cy.raised(channel_online & quick),
                  "complaints": cy.closed(complained),
                  "complaints_unclear": cy.closed(complained & cs["complaint_unclear"].to_numpy()),
                  "to_social_orgs": cy.raised(cs["route"].to_numpy() == 1),
                  "elderly": cy.raised(elderly_case),
                  "elderly_online": cy.raised(elderly_case & channel_online)}
        wait = cs["closed_h"].to_numpy() - cs["raised_h"].to_numpy()
        return cls(cases=counts, resolve_hours=cy.closed_values(wait, resolved),
                   whistles=_WhistleArrays.of(tb.episodes, tb.whistles, yod))

    @classmethod
    def merged(cls, parts: list[Counts]) -> Counts:
        """The counts of several streets' tables taken together, in the order given."""
        by_year = zip(*(p.resolve_hours for p in parts), strict=True)
        return cls(cases={k: np.sum([p.cases[k] for p in parts], axis=0) for k in parts[0].cases},
                   resolve_hours=[np.concatenate(hours) for hours in by_year],
                   whistles=_WhistleArrays.merged([p.whistles for p in parts]))


def yearly_indicators(tb: Tables, counts: Counts | None = None) -> pd.DataFrame:
    """Indicators per year, wide: one row per year, one column per indicator.

    ``counts``: the counts of ``tb``'s cases, episodes and whistles if known (a group of
    streets: their merged :class:`Counts`; ``tb`` then needs only its other tables)."""
    yod = tb.year_of_day
    counts = counts if counts is not None else Counts.of(tb)
    daily = tb.daily.assign(year=yod[tb.daily["day"].to_numpy()])
    d_year = daily.groupby("year")[[*HOUR_BUCKETS, *DAILY_TASKS]].sum()
    workdays = daily[daily["workday"].to_numpy()].groupby("year")[["staff_filled", "hours_data_entry"]].sum()
    headcount = _headcount(daily)
    st = combine_state(tb.state)

    wl = counts.whistles
    se = _StaffEvents(tb.staff_events, yod)
    so_events = _SocialOrgEvents(tb.so_events, yod)
    emergencies = _Emergencies(tb.emergencies, yod)
    councils = _Councils(tb.council, yod)
    c = counts.cases
    n_demands = c["demands"]
    rows = []
    for k, y in enumerate(tb.years):
        r: dict[str, float] = {"year": y}
        r["demands"] = int(n_demands[k])
        r["resolution_rate"] = _ratio(c["resolved"][k], n_demands[k])
        r["resolution_rate_reported"] = _ratio(c["reported"][k], n_demands[k])
        hours = counts.resolve_hours[k]
        r["mean_resolve_hours"] = float(hours.mean()) if len(hours) else float("nan")
        r["dispute_resolution_rate"] = _ratio(c["mediation_resolved"][k], c["mediation"][k])
        for cat in CATEGORIES:
            r[f"mix_{cat}"] = _ratio(c[f"mix_{cat}"][k], n_demands[k])
        r["repeat_share"] = _ratio(c["repeats"][k], n_demands[k])
        r["online_response_rate"] = _ratio(c["online_quick"][k], c["online"][k])
        r["complaints"] = int(c["complaints"][k])
        r["complaints_unclear_share"] = _ratio(c["complaints_unclear"][k], c["complaints"][k])
        r["so_activity"] = c["to_social_orgs"][k] / tb.residents * 10_000
        r["elderly_online_share"] = _ratio(c["elderly_online"][k], c["elderly"][k])

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

    def __init__(self, years: tuple[int, ...], raised_h: np.ndarray, closed_h: np.ndarray,
                 outcome: np.ndarray, year_of_day: np.ndarray) -> None:
        self.first, self.n = years[0], len(years)
        self.raised_at, self.closed_rows, self.closed_at = case_years(
            raised_h, closed_h, outcome, year_of_day, self.first, self.n)

    def raised(self, flag: np.ndarray | None) -> np.ndarray:
        """Cases raised each year with ``flag`` set (all cases when None)."""
        if flag is None:
            return np.bincount(self.raised_at, minlength=self.n)[:self.n]
        return count_flags(self.raised_at, flag, self.n)

    def closed(self, flag: np.ndarray) -> np.ndarray:
        """Cases closed (with an outcome) each year with ``flag`` set."""
        return count_flags(self.closed_at, flag[self.closed_rows], self.n)

    def closed_values(self, values: np.ndarray, flag: np.ndarray) -> list[np.ndarray]:
        """``values`` of each year's closed cases with ``flag``, in case order (what the
        masked ``values[closed_in_year & flag]`` gives)."""
        grouped, edges = grouped_values(self.closed_rows, self.closed_at, flag, values, self.n)
        return [grouped[a:b] for a, b in zip(edges[:-1], edges[1:], strict=True)]


def _no_counts(dims: int = 1) -> np.ndarray:
    return np.zeros((0,) * dims, np.int64)


@dataclass(eq=False)
class _WhistleArrays:
    """The yearly whistle indicators' counts, from one pass over the whistle log
    (:func:`sim.indicators.tally.whistle_tally`: routine whistles by year, in slots
    ``0..n-1`` from ``first_year``, the others in slot ``n``; first whistles of an
    episode by slot and department), and the episodes' arrivals (years and hours from
    the first whistle, in episode order). ``any``: whether there was any whistle (the
    other fields are empty when not)."""

    any: bool
    first_year: int = 0
    sent: np.ndarray = field(default_factory=_no_counts)
    answered: np.ndarray = field(default_factory=_no_counts)
    first_sent: np.ndarray = field(default_factory=lambda: _no_counts(2))
    first_answered: np.ndarray = field(default_factory=lambda: _no_counts(2))
    arrival_year: np.ndarray = field(default_factory=_no_counts)
    arrival_wait: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @classmethod
    def of(cls, ep: pd.DataFrame, wl: pd.DataFrame, yod: np.ndarray) -> _WhistleArrays:
        """The counts of one street's (or a group's concatenated) episodes and log."""
        if not len(wl):
            return cls(any=False)
        first_year, n = int(yod.min()), int(yod.max() - yod.min() + 1)
        department = wl["department"].to_numpy()
        sent, answered, first_sent, first_answered = whistle_tally(
            wl["kind"].to_numpy(), wl["day"].to_numpy(), wl["answered"].to_numpy(),
            wl["first_of_episode"].to_numpy(), department, yod, first_year, n, int(department.max()) + 1)
        arrival_year, arrival_wait = arrivals(
            ep["state"].to_numpy(), ep["arrival_h"].to_numpy(np.float64),
            ep["first_sent_h"].to_numpy(np.float64), np.asarray(ep["arrival_year"]), EP_ARRIVED)
        return cls(True, first_year, sent, answered, first_sent, first_answered, arrival_year, arrival_wait)

    @classmethod
    def merged(cls, parts: list[_WhistleArrays]) -> _WhistleArrays:
        """The counts of several streets' logs taken together (what the concatenated logs
        give: department columns a street never whistled count zero)."""
        have = [p for p in parts if p.any]
        if not have:
            return cls(any=False)
        n_dept = max(p.first_sent.shape[1] for p in have)

        def widened(m: np.ndarray) -> np.ndarray:
            return np.pad(m, ((0, 0), (0, n_dept - m.shape[1])))

        return cls(any=True, first_year=have[0].first_year,
                   sent=np.sum([p.sent for p in have], axis=0),
                   answered=np.sum([p.answered for p in have], axis=0),
                   first_sent=np.sum([widened(p.first_sent) for p in have], axis=0),
                   first_answered=np.sum([widened(p.first_answered) for p in have], axis=0),
                   arrival_year=np.concatenate([p.arrival_year for p in have]),
                   arrival_wait=np.concatenate([p.arrival_wait for p in have]))

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
