"""A growable columnar table of numpy arrays (the per-case and per-whistle records)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def _filled(n: int, fill: object, dtype: str) -> np.ndarray:
    """``n`` values ``fill``: zeros come from ``np.zeros`` (the system's zeroed pages,
    touched only when written, so unused room costs neither time nor memory)."""
    return np.zeros(n, dtype=dtype) if fill == 0 else np.full(n, fill, dtype=dtype)


class ColumnTable:
    """Fixed columns, rows appended in blocks, capacity doubled as needed.

    Columns are attributes (``table.resident``) holding the full allocated array; they
    are replaced when the table grows, so never keep a column across an ``append``.

    Args:
        columns: ``{name: (dtype, fill)}``; ``fill`` is the value of a new row.
        capacity: initial number of rows allocated.
    """

    def __init__(self, columns: dict[str, tuple[str, object]], capacity: int = 1024) -> None:
        self._spec = dict(columns)
        self.n = 0
        self._cap = max(16, int(capacity))
        self.cols: dict[str, np.ndarray] = {
            name: _filled(self._cap, fill, dtype) for name, (dtype, fill) in columns.items()
        }
        self.__dict__.update(self.cols)  # columns as plain attributes: table.resident, ...

    def __len__(self) -> int:
        return self.n

    def append(self, k: int, **values: np.ndarray | float | int) -> np.ndarray:
        """Append ``k`` rows; unspecified columns take their fill value. Returns row ids."""
        self.reserve(k)
        ids = np.arange(self.n, self.n + k)
        for name, v in values.items():
            self.cols[name][self.n : self.n + k] = v
        self.n += k
        return ids

    def reserve(self, k: int) -> None:
        """Make room for ``k`` more rows (capacity at least doubled when it grows); the
        rows are not added. Columns are new arrays when the table grows."""
        if self.n + k > self._cap:
            new_cap = max(self._cap * 2, self.n + k)
            for name, (dtype, fill) in self._spec.items():
                grown = _filled(new_cap, fill, dtype)
                grown[: self.n] = self.cols[name][: self.n]
                self.cols[name] = grown
            self.__dict__.update(self.cols)
            self._grew(new_cap)
            self._cap = new_cap

    def _grew(self, new_cap: int) -> None:
        """Hook: the columns now hold ``new_cap`` rows (subclasses grow their own arrays)."""

    def rows_frame(self, rows: np.ndarray | None = None, copy: bool = True) -> pd.DataFrame:
        """The filled rows ``rows`` (all when None) as a DataFrame of new arrays, picked
        column by column (no copy of the whole table first); with ``copy=False`` and
        ``rows`` all the filled rows in order, views of the columns (:meth:`to_frame`)."""
        if rows is None or (not copy and len(rows) == self.n and np.array_equal(rows, np.arange(self.n))):
            return self.to_frame(copy=copy)
        return pd.DataFrame({name: col[: self.n][rows] for name, col in self.cols.items()}, copy=False)

    def view(self, name: str) -> np.ndarray:
        """The filled part of a column (a view, not a copy)."""
        return self.cols[name][: self.n]

    def to_frame(self, copy: bool = True) -> pd.DataFrame:
        """All filled rows as a DataFrame: copies, or (``copy=False``, for a table that
        will not change again) views of the columns, so that writing into the frame writes
        into the table."""
        if copy:
            return pd.DataFrame({name: col[: self.n].copy() for name, col in self.cols.items()})
        return pd.DataFrame({name: col[: self.n] for name, col in self.cols.items()}, copy=False)
