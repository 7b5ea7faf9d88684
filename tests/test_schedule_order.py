"""The day's step order is declared once (``sim/schedule_order.py``); the code of
``StreetModel.step``, ``Street.begin_day`` / ``end_day`` and section 3 of docs/ODD.md
must list the same steps in the same order."""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from pathlib import Path

from sim.model import StreetModel
from sim.schedule_order import DAY, calls
from sim.street import Street

ROOT = Path(__file__).resolve().parents[1]
MECHANISMS = {p.stem for p in (ROOT / "sim" / "mechanisms").glob("*.py") if p.stem != "__init__"}
CLASSES = {"StreetModel", "DepartmentPool", "Street", "Residents"}


def dotted(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def calls_in(func) -> list[str]:
    """Dotted names of the calls in a function, in source order."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    found = sorted((n.lineno, n.col_offset, dotted(n.func))
                   for n in ast.walk(tree) if isinstance(n, ast.Call))
    return [name for _, _, name in found]


def mechanism_aliases(func) -> dict[str, str]:
    """Local names of the mechanism modules a function (or its module) imports."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    module = ast.parse(inspect.getsource(inspect.getmodule(func)))
    out = {}
    for node in [*ast.walk(tree), *module.body]:
        if isinstance(node, ast.ImportFrom) and node.module == "sim.mechanisms":
            for a in node.names:
                out[a.asname or a.name] = a.name
    return out


def street_steps(func) -> list[str]:
    aliases = mechanism_aliases(func)
    out = []
    for name in calls_in(func):
        head, _, rest = name.partition(".")
        method = name.removeprefix("self.")
        if name.startswith("self.") and callable(getattr(Street, method, None)):  # a helper, in place
            out += street_steps(getattr(Street, method))
        elif head in aliases and "." not in rest:
            out.append(f"{aliases[head]}.{rest}")
        elif name.startswith("self.residents."):
            out.append("Residents." + name.removeprefix("self.residents."))
    return out


def model_steps(func=StreetModel.step) -> list[str]:
    names = {"self._apply_schedule": "StreetModel._apply_schedule"}
    out = []
    for name in calls_in(func):
        method = name.removeprefix("self.")
        if name in names:
            out.append(names[name])
        elif name.startswith("self.") and callable(getattr(StreetModel, method, None)) \
                and getattr(StreetModel, method).__qualname__.startswith("StreetModel."):
            out += model_steps(getattr(StreetModel, method))  # a helper of the model, in place
        elif name in names:
            out.append(names[name])
        elif name.startswith("self.pool."):
            out.append("DepartmentPool." + name.removeprefix("self.pool."))
        elif name.startswith("street."):
            out.append("Street." + name.removeprefix("street."))
    return out


def test_street_begin_day_follows_the_declaration():
    assert street_steps(Street.begin_day) == calls("begin")


def test_street_end_day_follows_the_declaration():
    assert street_steps(Street.end_day) == calls("end")


def test_model_step_follows_the_declaration():
    assert model_steps() == calls("model")


def odd_schedule_calls() -> list[str]:
    text = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    start = text.index("## 3. Process overview and scheduling")
    section = text[start:text.index("\n## 4.", start)]
    tokens = re.findall(r"`([A-Za-z_]+)\.([A-Za-z_]+)`", section)
    return [f"{a}.{b}" for a, b in tokens if a in MECHANISMS or a in CLASSES]


def test_odd_schedule_section_lists_the_declared_steps_in_order():
    assert odd_schedule_calls() == [s.call for s in DAY]


def test_every_declared_step_is_a_known_function():
    for s in DAY:
        head = s.call.split(".")[0]
        assert head in MECHANISMS or head in CLASSES, s
        assert s.phase in ("model", "begin", "end") and s.when in (
            "daily", "workday", "month start", "year start", "year end"), s


def marked_steps(func) -> list[str]:
    """The ``# step: ...`` marks of a compiled day function, with the marks of the halves
    it calls (``_first_half``, ``_second_half``) in place."""
    from sim import month_loop

    step = r"[A-Za-z_]+\.[A-Za-z_]+"
    out = []
    for line in inspect.getsource(func).splitlines():
        for name in ("_first_half", "_second_half"):
            if f"{name}(" in line and not line.lstrip().startswith("def "):
                out += marked_steps(getattr(month_loop, name))
        found = re.search(rf"# step: ({step}(?:, {step})*)", line)
        if found:
            out += found.group(1).split(", ")
    return out


def test_compiled_days_follow_the_declaration():
    """The compiled days (``sim.month_loop``) mark each step they run (``# step: ...``);
    the marks, in order, are the declared daily and workday steps, for a single street
    and for a district."""
    from sim import month_loop

    declared = [s.call for s in DAY if s.when in ("daily", "workday")
                and s.call not in ("Street.begin_day", "Street.end_day")]
    assert marked_steps(month_loop.run_street_days) == declared
    assert marked_steps(month_loop.run_days) == declared
