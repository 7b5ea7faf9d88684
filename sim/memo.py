"""A small memo of values made from an object, kept by the object's identity.

Used where a value is made from a read-only object that is passed again and again
(a street's ``Params`` each month, a stream's generator at each draw): the object is
kept with its value, so its ``id`` cannot pass to another object while the entry lives,
and a different object with a reused ``id`` is never served the old value.
"""

from __future__ import annotations

from collections.abc import Callable


class ObjectMemo[K, V]:
    """At most ``size`` values, one per object (by identity); the oldest is dropped
    beyond that."""

    def __init__(self, size: int) -> None:
        self.size = int(size)
        self._kept: dict[int, tuple[K, V]] = {}

    def get(self, obj: K, make: Callable[[K], V]) -> V:
        """The value kept for ``obj``, or ``make(obj)`` kept and returned."""
        kept = self._kept.get(id(obj))
        if kept is not None and kept[0] is obj:
            return kept[1]
        value = make(obj)
        if len(self._kept) >= self.size:
            del self._kept[next(iter(self._kept))]
        self._kept[id(obj)] = (obj, value)
        return value

    def __len__(self) -> int:
        return len(self._kept)
