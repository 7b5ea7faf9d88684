"""Turn a finished model into tables (DataFrames) with readable labels."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numba import njit

from sim.cases import DROP_REASONS, EPISODE_STATES, OUTCOME_NAMES, ROUTE_NAMES, STATE_NAMES
from sim.compiled import rows_by_key, year_of
from sim.domain import CATEGORIES, CHANNELS, DEPARTMENTS, EMERGENCY_TYPES
from sim.indicators.compute import Tables
from sim.model import StreetModel
from sim.street import Street


def all_street_tables(model: StreetModel, copy: bool = True) -> list[Tables]:
    """The recorded tables of every street of a model (:func:`street_tables` of each),
    the pool's episodes and whistles split by street in one pass each."""
    pool = model.pool
    episodes = rows_by_street(pool.episodes.view("street"), len(model.streets))
    whistles = rows_by_street(pool.log.view("street"), len(model.streets))
    return [street_tables(model, s, copy=copy, pool_rows=(episodes[k], whistles[k]))
            for k, s in enumerate(model.streets)]


def rows_by_street(street: np.ndarray, n: int) -> list[np.ndarray]:
    """The rows of each street ``0..n-1`` of a pool table's ``street`` column, in row
    order (``np.flatnonzero(street == k)`` for each ``k``, from one counting sort)."""
    rows, edges = rows_by_key(street, n)
    return [rows[a:b] for a, b in zip(edges[:-1], edges[1:], strict=True)]


def street_tables(model: StreetModel, street: Street, copy: bool = True,
                  pool_rows: tuple[np.ndarray, np.ndarray] | None = None) -> Tables:
    """All recorded tables of one street (``pool_rows``: its rows of the pool's episodes
    and whistles, if known: :func:`all_street_tables`).

    With ``copy=False`` the case table is a view of the street's columns and is
    completed in place (memory: a full street's case table is ~50 MB), and the street's
    per-case uniforms are freed (~14 MB more, which the indicators that follow reuse);
    the episode and whistle tables are views too when the pool holds only this street's
    rows (a single street's run); only for a finished model that is then discarded
    (:func:`sim.runner.run`, :func:`sim.district.run_district`)."""
    cal = model.calendar
    yod = cal.year
    cases = street.cases.to_frame(copy=copy)
    if not copy:
        street.cases.release_uniforms()
    cases.insert(0, "case", np.arange(len(cases)))
    cases.insert(0, "street", street.index)
    pool = model.pool
    # this street's rows of the pool's tables (a district's pool holds every street's)
    if pool_rows is None:
        pool_rows = (rows_by_street(pool.episodes.view("street"), len(model.streets))[street.index],
                     rows_by_street(pool.log.view("street"), len(model.streets))[street.index])
    mine, whistled = pool_rows
    ep = pool.episodes.rows_frame(mine, copy=copy)  # views when they are all the pool's
    ep.insert(0, "episode", mine)
    ep["arrival_year"] = arrival_years(ep["arrival_h"].to_numpy(np.float64), yod)
    wl = pool.log.rows_frame(whistled, copy=copy)
    wl["first_of_episode"] = (wl["attempt"] == 1) & (wl["kind"] == 0)
    # whistles sent for each case, and whether any of its episodes was escalated
    cases["n_whistles"], cases["escalated"] = whistles_of_cases(
        ep["case"].to_numpy(), ep["n_sent"].to_numpy(), ep["escalated"].to_numpy(),
        cases["escalated"].to_numpy())
    daily = street.daily.to_frame()
    state = pd.DataFrame([{"street": street.index, "year": y, **v} for y, v in street.yearly_state.items()])
    return Tables(
        cases=cases, episodes=ep, whistles=wl, daily=daily,
        staff_events=street.staff_events.to_frame(), emergencies=street.emergencies.to_frame(),
        so_events=street.so_events.to_frame(), council=street.council_log.to_frame(),
        state=state, residents=street.residents.n, years=cal.years, year_of_day=yod)


@njit(cache=True)
def arrival_years(arrival_h: np.ndarray, year_of_day: np.ndarray) -> np.ndarray:
    """The year each episode's department arrived in (0 when it did not: a NaN, infinite
    or negative hour; an hour past the last day counts in its year): ``np.where(day >=
    0, year_of_day[np.clip(day, 0, last)], 0)`` of ``day = day_of_hour(arrival_h, -1)``,
    without its temporaries."""
    out = np.empty(len(arrival_h), np.int64)
    for i in range(len(arrival_h)):
        out[i] = max(year_of(arrival_h[i], year_of_day), 0)
    return out


@njit(cache=True)
def whistles_of_cases(case: np.ndarray, n_sent: np.ndarray, escalated: np.ndarray,
                      case_escalated: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per case (``case_escalated`` has one entry a case): the whistles sent for it (its
    episodes' ``n_sent`` added up) and whether any of its episodes was escalated (a case
    without episodes keeps its ``case_escalated``). What ``np.bincount`` of ``case``
    weighted by ``n_sent``, and by ``escalated``, give, in one pass. Raises
    ``ValueError`` for a case outside ``0..n-1``."""
    n = len(case_escalated)
    sent = np.zeros(n, np.int64)
    out = case_escalated.copy()
    seen = np.zeros(n, np.bool_)
    for j in range(len(case)):
        c = case[j]
        if c < 0 or c >= n:
            raise ValueError("an episode's case is not one of the cases given")
        sent[c] += n_sent[j]
        if not seen[c]:
            seen[c] = True
            out[c] = False
        if escalated[j]:
            out[c] = True
    return sent, out


def labelled_cases(cases: pd.DataFrame, start: np.datetime64) -> pd.DataFrame:
    """The case event table for output: codes as labels, times as hours and timestamps.

    ``closed_h`` is empty (NaN) until a case has closed; a case still open at the end of
    the run keeps its planned closing time in ``planned_close_h``."""
    out = cases.drop(columns=["due_day", "planned_outcome", "planned_reason",
                              "pending_departments", "z_delay"], errors="ignore").copy()
    out["category"] = pd.Categorical.from_codes(out["category"], CATEGORIES)
    out["channel"] = pd.Categorical.from_codes(out["channel"], CHANNELS)
    out["state"] = pd.Categorical.from_codes(out["state"], STATE_NAMES)
    out["outcome"] = pd.Categorical.from_codes(out["outcome"], OUTCOME_NAMES)
    out["drop_reason"] = pd.Categorical.from_codes(out["drop_reason"], DROP_REASONS)
    out["route"] = route_labels(out["route"].to_numpy())
    out["departments"] = department_labels(out["dept_mask"].to_numpy())
    out = out.drop(columns=["dept_mask"])
    still_open = (cases["outcome"] == OUTCOME_NAMES.index("open")).to_numpy()
    planned = out["closed_h"].where(still_open)
    out["closed_h"] = out["closed_h"].mask(still_open)
    out.insert(out.columns.get_loc("closed_h") + 1, "planned_close_h", planned)
    for col in ("raised_h", "accepted_h", "first_response_h", "whistled_h", "closed_h"):
        out[col.replace("_h", "_at")] = pd.Timestamp(start) + pd.to_timedelta(out[col], unit="h")
    return out


def route_labels(route: np.ndarray) -> pd.Categorical:
    """Route codes as a categorical of route names (categories in name order)."""
    return _from_lookup(np.asarray(route, dtype=np.int64), ROUTE_NAMES)


def department_labels(masks: np.ndarray) -> pd.Categorical:
    """Department bit masks as a categorical of comma-joined department names (``""``
    for none): joined once per distinct mask, then looked up by code for every row (and
    written to Parquet dictionary-encoded)."""
    masks = np.asarray(masks, dtype=np.int64)
    return _from_lookup(masks, {int(m): ",".join(d for i, d in enumerate(DEPARTMENTS) if m >> i & 1)
                                for m in np.unique(masks)})


def _from_lookup(codes: np.ndarray, names: dict[int, str]) -> pd.Categorical:
    """Codes as a categorical through a code -> name table; the categories are the
    distinct names that occur, sorted (as ``Series.map(...).astype("category")`` gives)."""
    present, inverse = np.unique(codes, return_inverse=True)
    labels = sorted({names[int(c)] for c in present})
    position = np.array([labels.index(names[int(c)]) for c in present], dtype=np.int64)
    return pd.Categorical.from_codes(position[inverse.reshape(-1)] if len(present) else
                                     np.empty(0, dtype=np.int64), labels)


def labelled_episodes(ep: pd.DataFrame) -> pd.DataFrame:
    """Whistle episodes with department and state names."""
    out = ep.copy()
    out["department"] = pd.Categorical.from_codes(out["department"], DEPARTMENTS)
    out["state"] = pd.Categorical.from_codes(out["state"], EPISODE_STATES)
    return out


def labelled_emergencies(em: pd.DataFrame) -> pd.DataFrame:
    """Emergencies with type names."""
    out = em.copy()
    out["type"] = [EMERGENCY_TYPES[t] if t >= 0 else "false_alarm" for t in out["type"]]
    return out
