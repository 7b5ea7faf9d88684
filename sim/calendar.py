"""Simulation calendar: day indices, dates and hours since the start."""

from __future__ import annotations

import datetime as dt

import numpy as np

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
        self._office_len = np.where(weekday, OFFICE_HOURS, OFFICE_HOURS * float(weekend_office_share))
        self._office_before = np.concatenate([[0.0], np.cumsum(self._office_len)])

    def date(self, t: int) -> dt.date:
        """Calendar date of day ``t``."""
        return self.start + dt.timedelta(days=int(t))

    def is_month_start(self, t: int) -> bool:
        """True on the first simulated day of a month."""
        return t == 0 or self.month[t] != self.month[t - 1]

    def is_year_end(self, t: int) -> bool:
        """True on the last simulated day of a calendar year."""
        return t == self.n_days - 1 or self.year[t + 1] != self.year[t]

    def office_clock(self, hours: np.ndarray) -> np.ndarray:
        """Office hours worked since the start up to each time (hours since the start)."""
        h = np.asarray(hours, dtype=np.float64)
        day = np.clip(np.floor(h / HOURS_PER_DAY).astype(np.int64), 0, len(self._office_len) - 1)
        within = np.clip(h - day * HOURS_PER_DAY - OFFICE_OPEN_H, 0.0, self._office_len[day])
        return self._office_before[day] + within

    def after_office_hours(self, start_h: np.ndarray, work_h: np.ndarray) -> np.ndarray:
        """The time (hours since the start) at which ``work_h`` office hours of work,
        begun at ``start_h``, are done: work stops at 17:00, and at weekends after the
        duty roster's hours."""
        end = self.office_clock(start_h) + np.maximum(np.asarray(work_h, dtype=np.float64), 0.0)
        after = self._office_before[1:]
        day = np.minimum(np.searchsorted(after, end, side="left"), len(after) - 1)
        done = day * HOURS_PER_DAY + OFFICE_OPEN_H + (end - self._office_before[day])
        return np.maximum(done, np.asarray(start_h, dtype=np.float64))
