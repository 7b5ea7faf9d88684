"""Simulation calendar: day indices, dates and hours since the start."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

from sim.compiled import leaf
from sim.hours import np_maximum, np_minimum

HOURS_PER_DAY = 24.0
OFFICE_OPEN_H = 9.0
OFFICE_HOURS = 8.0
"""Street offices work 9:00-17:00 on workdays (the statutory eight-hour day); on weekends
a duty roster works the first ``weekend_office_share`` of those hours."""
OFFICE_CLOSE_H = OFFICE_OPEN_H + OFFICE_HOURS
"""17:00: cases the street ends during a day close at the end of its office hours."""
OFFICE_PAD_DAYS = 800
"""Days past the end date the office clock covers (work finishing after the horizon)."""


class Calendar:
    """Maps day index ``t`` (0 = start date) to dates, years and weekdays."""

    def __init__(self, start: dt.date, end: dt.date, weekend_office_share: float = 0.0) -> None:
        self.start = start
        self.end = end
        self.n_days = (end - start).days + 1
        days = np.arange(self.n_days)
        dates = np.datetime64(start.isoformat()) + days.astype("timedelta64[D]")
        self.dates = dates
        self.year = dates.astype("datetime64[Y]").astype(int) + 1970
        self.month = dates.astype("datetime64[M]").astype(int) % 12 + 1
        self.weekday = (dates.astype("datetime64[D]").view("int64") - 4) % 7  # 0 = Monday
        self.day_of_year = (dates - dates.astype("datetime64[Y]")).astype(int)
        self.is_workday = self.weekday < 5
        self.years = tuple(int(y) for y in np.unique(self.year))
        self.year_start = {int(y): int(np.argmax(self.year == y)) for y in self.years}
        pad = np.arange(self.n_days + OFFICE_PAD_DAYS)
        weekday = ((pad + int(self.weekday[0])) % 7 < 5) if self.n_days else pad < 0
        self.office_len = np.where(weekday, OFFICE_HOURS, OFFICE_HOURS * float(weekend_office_share))
        self.office_before = np.concatenate([[0.0], np.cumsum(self.office_len)])
        starts = np.flatnonzero(np.concatenate([[True], self.month[1:] != self.month[:-1]])) if self.n_days \
            else np.zeros(0, np.int64)
        nxt = np.searchsorted(starts, days, side="right")
        self.next_month_start = np.append(starts, self.n_days)[nxt]
        """Per day, the first day of the next month (``n_days`` in the last month)."""

    def date(self, t: int) -> dt.date:
        """Calendar date of day ``t``."""
        return self.start + dt.timedelta(days=int(t))

    def is_month_start(self, t: int) -> bool:
        """True on the first simulated day of a month."""
        return t == 0 or self.month[t] != self.month[t - 1]

    def is_year_end(self, t: int) -> bool:
        """True on the last simulated day of a calendar year."""
        return t == self.n_days - 1 or self.year[t + 1] != self.year[t]

    def period_flags(self) -> tuple[tuple[bool, ...], tuple[bool, ...], tuple[bool, ...]]:
        """Per day, as tuples of Python bools: a year opens (the first day, or the year
        changes), a month opens (:meth:`is_month_start`), a year closes (:meth:`is_year_end`)."""
        if self.n_days == 0:
            return (), (), ()
        year, month = np.asarray(self.year), np.asarray(self.month)
        opens_year = np.concatenate([[True], year[1:] != year[:-1]])
        opens_month = np.concatenate([[True], month[1:] != month[:-1]])
        closes_year = np.concatenate([year[1:] != year[:-1], [True]])
        return tuple(opens_year.tolist()), tuple(opens_month.tolist()), tuple(closes_year.tolist())

    def after_office_hours(self, start_h: np.ndarray, work_h: np.ndarray) -> np.ndarray:
        """The time (hours since the start) at which ``work_h`` office hours of work,
        begun at ``start_h``, are done: work stops at 17:00, and at weekends after the
        duty roster's hours (:func:`office_done_h` for each pair)."""
        start = np.ascontiguousarray(start_h, dtype=np.float64)
        work = np.broadcast_to(np.asarray(work_h, dtype=np.float64), start.shape)
        return np.array([office_done_h(s, w, self.office_len, self.office_before)
                         for s, w in zip(start.ravel(), work.ravel(), strict=True)]).reshape(start.shape)


@leaf
def office_done_h(start_h: float, work_h: float, office_len: np.ndarray, office_before: np.ndarray) -> float:
    """When ``work_h`` office hours begun at ``start_h`` are done (hours since the start;
    compiled, the street's kernels call it): the office clock at the start (office hours
    per day ``office_len``, their running total ``office_before``), plus the work, read
    back as a time of day on the first day whose office hours reach it."""
    last = len(office_len) - 1
    day = math.floor(start_h / HOURS_PER_DAY)
    day = 0 if day < 0 else (last if day > last else int(day))
    within = np_minimum(np_maximum(start_h - day * HOURS_PER_DAY - OFFICE_OPEN_H, 0.0), office_len[day])
    end = office_before[day] + within + np_maximum(work_h, 0.0)
    lo, hi = 0, last + 1  # the first day whose office hours end at or after ``end``
    while lo < hi:  # (numpy.searchsorted(office_before[1:], end, side="left"))
        mid = (lo + hi) >> 1
        if office_before[mid + 1] < end:
            lo = mid + 1
        else:
            hi = mid
    done_day = min(lo, last)
    done = done_day * HOURS_PER_DAY + OFFICE_OPEN_H + (end - office_before[done_day])
    return np_maximum(done, start_h)
