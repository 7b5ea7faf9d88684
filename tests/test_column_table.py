"""The growable column table behind the case, episode and whistle records."""

from __future__ import annotations

import numpy as np

from sim.table import ColumnTable


def table() -> ColumnTable:
    t = ColumnTable({"a": ("int32", -1), "b": ("float64", 0.0)}, capacity=16)
    t.append(5, a=np.arange(5), b=np.linspace(0, 1, 5))
    return t


def test_all_rows_in_order_without_copy_are_views_of_the_columns():
    t = table()
    frame = t.rows_frame(np.arange(5), copy=False)
    assert np.shares_memory(frame["a"].to_numpy(), t.cols["a"])
    frame_copy = t.rows_frame(np.arange(5), copy=True)
    assert not np.shares_memory(frame_copy["a"].to_numpy(), t.cols["a"])


def test_some_rows_are_picked_into_new_arrays():
    t = table()
    for rows in (np.array([1, 3]), np.array([4, 3, 2, 1, 0]), np.array([0, 1, 2, 3])):
        frame = t.rows_frame(rows, copy=False)
        assert frame["a"].tolist() == rows.tolist()
        assert frame["b"].tolist() == np.linspace(0, 1, 5)[rows].tolist()
        assert not np.shares_memory(frame["a"].to_numpy(), t.cols["a"])
