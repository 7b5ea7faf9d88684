"""Typed, read-only parameter values as the model reads them.

Mapping parameters become numpy arrays ordered as in ``sim.domain`` so mechanisms can
index them by category, department, ... without dictionary look-ups in hot loops.

Values are read-only: each group is a frozen dataclass (one class per group, generated
once from the schema ``SPECS``) and every array has ``flags.writeable`` off. A changed
value means a new :class:`Params` (``replace``); kernels may therefore cache what they
derive from a ``Params`` by its ``id`` while the street holds it (``sim.mechanisms.triage``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import numpy as np

from sim.domain import KEY_SETS
from sim.params.schema import SPEC_BY_KEY, SPECS
from sim.params.spec import ValueSpec


def to_model_value(spec: ValueSpec, value: Any) -> Any:
    """Convert a validated file value to what the model uses."""
    if spec.kind.startswith("map2:"):
        _, k1, k2 = spec.kind.split(":")
        return _read_only(np.array([[float(value[a][b]) for b in KEY_SETS[k2]] for a in KEY_SETS[k1]]))
    if spec.kind.startswith("map:"):
        keys = KEY_SETS[spec.kind.split(":")[1]]
        return _read_only(np.array([float(value[k]) for k in keys]))
    if spec.kind == "date":
        return dt.date.fromisoformat(value)
    if spec.kind == "int":
        return int(value)
    if spec.kind == "bool":
        return bool(value)
    return float(value)


def _read_only(arr: np.ndarray) -> np.ndarray:
    """``arr`` with writing switched off (parameters are shared by every month and street)."""
    arr.flags.writeable = False
    return arr


def _group_classes() -> dict[str, type]:
    """One frozen, slotted dataclass per parameter group, fields in schema order."""
    fields: dict[str, list[str]] = {}
    for spec in SPECS:
        fields.setdefault(spec.group, []).append(spec.name)
    classes = {}
    for group, names in fields.items():
        name = "".join(part.title() for part in group.split("_")) + "Params"
        cls = dataclasses.make_dataclass(name, [(n, Any) for n in names], frozen=True, slots=True,
                                         module=__name__)
        cls.__doc__ = f"Read-only values of the ``{group}`` parameters."
        globals()[name] = cls  # importable by name, so groups pickle
        classes[group] = cls
    return classes


GROUP_CLASSES: dict[str, type] = _group_classes()
"""The frozen dataclass of each parameter group."""


class Params:
    """All parameter values, grouped: ``params.demand.category_mix``.

    Built from a flat ``{"group.name": file_value}`` dict that has passed validation.
    """

    def __init__(self, values: dict[str, Any]) -> None:
        self._raw = dict(values)
        groups: dict[str, dict[str, Any]] = {}
        for spec in SPECS:
            groups.setdefault(spec.group, {})[spec.name] = to_model_value(spec, values[spec.key])
        for group, fields in groups.items():
            setattr(self, group, GROUP_CLASSES[group](**fields))

    def __reduce__(self) -> tuple:
        """Pickle as the file values (unpickled arrays would be writeable again)."""
        return Params, (self._raw,)

    @property
    def raw(self) -> dict[str, Any]:
        """The flat file values, keyed ``group.name`` (copy)."""
        return dict(self._raw)

    def get(self, key: str) -> Any:
        """Model value of a dotted key."""
        group, name = key.split(".", 1)
        return getattr(getattr(self, group), name)

    def replace(self, changes: dict[str, Any]) -> Params:
        """New Params with some file values replaced (already validated): only those are
        converted; the other groups are shared (frozen, their arrays read-only)."""
        new = Params.__new__(Params)
        new._raw = {**self._raw, **changes}
        touched: dict[str, dict[str, Any]] = {}
        for key, value in changes.items():
            spec = SPEC_BY_KEY.get(key)
            if spec is not None:
                touched.setdefault(spec.group, {})[spec.name] = to_model_value(spec, value)
        for group in GROUP_CLASSES:
            values = getattr(self, group)
            setattr(new, group, dataclasses.replace(values, **touched[group]) if group in touched else values)
        return new


def spec_of(key: str) -> ValueSpec:
    """Spec of a dotted key (KeyError if unknown)."""
    return SPEC_BY_KEY[key]
