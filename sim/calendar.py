"""Simulation calendar: day indices, dates and hours since the start."""

from __future__ import annotations

import datetime as dt

import numpy as np

HOURS_PER_DAY = 24.0


class Calendar:
    """Maps day index ``t`` (0 = start date) to dates, years and weekdays."""

    def __init__(self, start: dt.date, end: dt.date) -> None:
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

    def date(self, t: int) -> dt.date:
        """Calendar date of day ``t``."""
        return self.start + dt.timedelta(days=int(t))

    def is_month_start(self, t: int) -> bool:
        """True on the first simulated day of a month."""
        return t == 0 or self.month[t] != self.month[t - 1]

    def is_year_end(self, t: int) -> bool:
        """True on the last simulated day of a calendar year."""
        return t == self.n_days - 1 or self.year[t + 1] != self.year[t]

    def year_of_hours(self, hours: np.ndarray) -> np.ndarray:
        """Calendar year of times given in hours since the start (NaN -> 0)."""
        day = np.floor(np.nan_to_num(hours, nan=-1.0) / HOURS_PER_DAY).astype(np.int64)
        out = np.zeros(day.shape, dtype=np.int64)
        ok = (day >= 0) & (day < self.n_days)
        out[ok] = self.year[day[ok]]
        return out
