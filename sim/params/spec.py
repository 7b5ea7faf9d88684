"""What one bounded value with a unit may hold: a scenario parameter
(:data:`sim.params.schema.SPECS`), a ``[district]`` field (:data:`sim.district.spec.FIELDS`)
or a lever's or stressor's setting (:func:`sim.levers.base.setting`).

A value's ``kind`` is one of

* ``float`` / ``int`` / ``bool`` - a scalar;
* ``date`` - a date ``YYYY-MM-DD`` (parameters);
* ``range`` - two numbers ``[low, high]``, low <= high (district fields);
* ``map:KEYS`` / ``map2:KEYS1:KEYS2`` - a table (of tables) of numbers keyed by
  ``sim.domain.KEY_SETS`` (parameters).

``lo``/``hi`` bound every number in the value (inclusive; None: unbounded).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.params.errors import InputError

_WANT = {"int": "an integer", "float": "a number", "range": "two numbers [low, high], low <= high,"}


@dataclass(frozen=True)
class ValueSpec:
    """One bounded value with a unit.

    Attributes:
        name: its name within its table (``contacts_per_resident_year``, ``streets``,
            ``coverage``).
        kind: see the module docstring.
        unit: the unit a file states and messages quote.
        lo, hi: inclusive bounds of every number in it (None: unbounded).
        doc: what it is (parameters, district fields).
        group: the table it belongs to (``demand``, ``district``); ``""`` for a setting.
        default: the value used when a file gives none (settings).
        source: where the default comes from (settings).
    """

    name: str
    kind: str
    unit: str
    lo: float | None = None
    hi: float | None = None
    doc: str = ""
    group: str = ""
    default: Any = None
    source: str = ""

    @property
    def key(self) -> str:
        """Dotted key ``group.name`` used in files, sweeps and error messages (the bare
        name when it has no group)."""
        return f"{self.group}.{self.name}" if self.group else self.name

    @property
    def range_text(self) -> str:
        """Human-readable allowed range."""
        lo = "-inf" if self.lo is None else f"{self.lo:g}"
        hi = "inf" if self.hi is None else f"{self.hi:g}"
        return f"[{lo}, {hi}]"

    def in_range(self, x: float) -> bool:
        """Whether the number ``x`` is within the bounds."""
        return (self.lo is None or x >= self.lo) and (self.hi is None or x <= self.hi)

    @property
    def allowed(self) -> str:
        """What a ``bool``, ``int``, ``float`` or ``range`` value may hold, for error messages."""
        if self.kind == "bool":
            return "true or false"
        if self.kind not in _WANT:
            raise TypeError(f"{self.key}: no single allowed text for kind {self.kind!r}")
        return f"{_WANT[self.kind]} in {self.range_text} ({self.unit})"

    def check(self, value: Any, file: Path | str | None, field: str | None = None) -> Any:
        """``value`` unchanged if allowed, else an :class:`InputError` naming ``file``,
        ``field`` (default: :attr:`key`) and :attr:`allowed`.

        Takes the scalar and range kinds; parameters' dates and tables are checked by
        :func:`sim.params.reading.validate_value`.
        """
        if self.kind == "bool":
            ok = isinstance(value, bool)
        elif self.kind == "range":
            ok = (isinstance(value, list) and len(value) == 2 and all(_is_number(x) for x in value)
                  and self.in_range(value[0]) and value[0] <= value[1] and self.in_range(value[1]))
        elif self.kind == "int":
            ok = isinstance(value, int) and not isinstance(value, bool) and self.in_range(value)
        elif self.kind == "float":
            ok = _is_number(value) and self.in_range(value)
        else:
            raise TypeError(f"{self.key}: check() takes bool, int, float and range kinds, not {self.kind!r}")
        if not ok:
            raise InputError(file, field or self.key, value, self.allowed)
        return value


def _is_number(x: Any) -> bool:
    """A finite int or float (not a bool; an int of any size)."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return False
    return isinstance(x, int) or math.isfinite(x)
