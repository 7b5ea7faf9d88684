"""Dated parameter schedules: piecewise-linear ramps (or steps) between dated values.

A :class:`Ramp` holds one parameter's dated values. Before its first date the
parameter keeps the scenario's value; between two dates a number - or every number of
a table - moves linearly (integers rounded to the nearest); after the last date the
last value holds. A *step* ramp (and any flag or date) takes each value from its date
on, with no interpolation. The model reads schedules on the first day of each month
(``Scenario.params_at``), so a ramp moves in monthly steps.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.params.errors import InputError
from sim.params.schema import SPEC_BY_KEY

DATE_MIN = dt.date(2000, 1, 1)
DATE_MAX = dt.date(2050, 12, 31)
"""Dates the model accepts (run horizon, lever and stressor dates): the calendar and its
holidays are built for these years, and a run stays within hours, not days."""
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def to_date(value: Any, file: Path | str, field: str) -> dt.date:
    """A TOML date or a ``YYYY-MM-DD`` string as a date within [DATE_MIN, DATE_MAX];
    InputError otherwise (week dates, basic ``YYYYMMDD`` and times are refused)."""
    allowed = f"a date YYYY-MM-DD from {DATE_MIN} to {DATE_MAX}"
    if isinstance(value, (dt.datetime, dt.time)):
        raise InputError(file, field, value, f"{allowed} (no time of day)")
    if isinstance(value, dt.date):
        day = value
    elif isinstance(value, str) and _ISO_DATE.match(value):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise InputError(file, field, value, allowed) from None
    else:
        raise InputError(file, field, value, allowed)
    if not DATE_MIN <= day <= DATE_MAX:
        raise InputError(file, field, value, allowed)
    return day


def interpolate(kind: str, a: Any, b: Any, frac: float) -> Any:
    """The value ``frac`` (0-1) of the way from ``a`` to ``b`` for a parameter of ``kind``."""
    if isinstance(a, dict):
        return {k: interpolate(kind, a[k], b[k], frac) for k in b}
    if kind in ("bool", "date"):
        return a
    value = a + frac * (b - a)
    return int(round(value)) if kind == "int" else float(value)


@dataclass(frozen=True)
class Ramp:
    """Dated values of one parameter (dates strictly increasing)."""

    key: str
    points: tuple[tuple[dt.date, Any], ...]
    step: bool = False

    def value_at(self, day: dt.date, before: Any) -> Any:
        """The parameter's value on ``day``; ``before`` until the first date."""
        dates = [d for d, _ in self.points]
        i = bisect_right(dates, day) - 1
        if i < 0:
            return before
        d0, v0 = self.points[i]
        kind = SPEC_BY_KEY[self.key].kind
        if self.step or i == len(self.points) - 1 or kind in ("bool", "date"):
            return v0
        d1, v1 = self.points[i + 1]
        return interpolate(kind, v0, v1, (day - d0).days / (d1 - d0).days)

    @property
    def last_date(self) -> dt.date:
        """Date of the last value."""
        return self.points[-1][0]


def month_starts(start: dt.date, end: dt.date) -> list[dt.date]:
    """The run's start and the first day of every later month up to ``end``."""
    days = [start]
    y, m = start.year, start.month
    while True:
        m += 1
        if m > 12:
            y, m = y + 1, 1
        day = dt.date(y, m, 1)
        if day > end:
            return days
        days.append(day)
