"""Plain Python values from numpy scalars (as SALib, EMA Workbench and pandas hand them out)."""

from __future__ import annotations

from typing import Any


def python_scalar(value: Any) -> Any:
    """``value`` with a numpy scalar (or 0-d array) turned into int, float or bool; anything
    else unchanged."""
    if hasattr(value, "item") and hasattr(value, "dtype") and getattr(value, "ndim", 1) == 0:
        return value.item()
    return value
