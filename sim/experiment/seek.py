"""The threshold search behind ``streetsim seek``: the setting of one lever (or parameter)
at which a target is met in a given share of replications.

>>> from sim.experiment.seek import seek
>>> result = seek("levers.staffing_1_3_n.residents_per_contract_post", "coordinated",
...               "out_of_list_share<0.20@2025", share=0.8, reps=10)
>>> result.answer, result.bracket, result.runs
>>> result.probes        # value, mean, share_meeting, meets, runs - one row per probe

Bisection on common random numbers: every probe runs the same replication seeds, so two
probes differ only by the setting. It assumes that the share meeting the target moves
one way with the setting; it first probes both ends of the range, and stops when they
agree (both meet: ``all_meet``; neither: ``none_meet``). Otherwise it halves the bracket
between a meeting and a failing setting until it is narrower than ``tol`` (on a log
scale for ranges spanning two orders of magnitude or more). The answer is the meeting
end of the final bracket: the greatest setting meeting the target when the target is met
below the threshold, the least when it is met above it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.indicators.definitions import Target
from sim.params.errors import InputError

DEFAULT_SEED = 20240101
Evaluator = Callable[[float], np.ndarray]
"""A setting -> the target indicator's value in each replication (same seeds every call)."""


@dataclass
class SeekResult:
    """What :func:`seek` found."""

    key: str
    indicator: str
    target: Target
    share: float
    status: str  # "found", "all_meet", "none_meet"
    answer: float | None
    bracket: tuple[float, float]
    direction: str  # "max": met at and below the answer; "min": met at and above it
    probes: pd.DataFrame
    reps: int
    note: str = ""

    @property
    def runs(self) -> int:
        """Model runs the search took."""
        return int(self.probes["runs"].sum())

    def text(self) -> str:
        """The answer, its bracket and the runs it took, in words."""
        goal = f"{self.indicator} {self.target.op} {self.target.value:g} in {self.target.due}"
        head = f"seek {self.key}: {goal} in at least {self.share:.0%} of {self.reps} replications"
        lo, hi = self.bracket
        if self.status == "found":
            word = "greatest" if self.direction == "max" else "least"
            body = (f"answer: {_num(self.answer)} (the {word} setting meeting it); bracket "
                    f"[{_num(lo)}, {_num(hi)}]: met at {_num(self.answer)}, not met at "
                    f"{_num(hi if self.answer == lo else lo)}")
        elif self.status == "all_meet":
            body = f"met everywhere in [{_num(lo)}, {_num(hi)}]: answer {_num(self.answer)} (the range's end)"
        else:
            best = self.probes.loc[self.probes["share_meeting"].idxmax()]
            body = (f"not met anywhere in [{_num(lo)}, {_num(hi)}] (best {best['share_meeting']:.0%} "
                    f"at {_num(best['value'])}, mean {best['mean']:.4g}): no answer in this range")
        lines = [head, body, f"{len(self.probes)} probes x {self.reps} replications = {self.runs} runs "
                             "(common random numbers)"]
        return "\n".join(lines + ([self.note] if self.note else []))


def seek(key: str, scenario: Any = None, target: str | tuple[str, Target] = "", share: float = 0.8,
         reps: int = 10, lo: float | None = None, hi: float | None = None, want: str = "auto",
         tol: float | None = None, max_probes: int = 14, seed: int = DEFAULT_SEED,
         values: dict[str, Any] | None = None, workers: int | None = None,
         evaluator: Evaluator | None = None,
         on_probe: Callable[[float, float], None] | None = None) -> SeekResult:
    """Find the setting of ``key`` at which ``target`` is met in ``share`` of replications.

    Args:
        key: a lever setting ``levers.NAME.SETTING``, a stressor setting, or a numeric
            parameter ``group.name``.
        scenario: scenario name, file or loaded scenario (not needed with ``evaluator``).
        target: ``"INDICATOR OP VALUE@YEAR"``, or a parsed ``(indicator, Target)``.
        share: the share of replications that must meet the target (0-1].
        reps: replications per probe (the same seeds at every probe).
        lo, hi: the range searched (default: the setting's or parameter's bounds).
        want: ``"min"``, ``"max"`` or ``"auto"``; a stated direction that the probes
            contradict is reported in the note.
        tol: stop when the bracket is this narrow (default 1% of the range, or a ratio of
            1.02 on a log scale; 1 for integers).
        max_probes: probes at most, both ends included.
        seed: experiment seed the replication seeds are spawned from.
        values: parameter values or design keys fixed at every probe (e.g. a shorter run).
        workers: worker processes per probe.
        evaluator: replaces the model (tests): setting -> indicator values per replication.
        on_probe: called with (setting, share meeting) after each probe (progress).
    """
    from sim.experiment.targets import parse_target

    indicator, tgt = parse_target(target) if isinstance(target, str) else target
    if not 0 < share <= 1:
        raise InputError(None, "--share", share, "a share in (0, 1]")
    if want not in ("auto", "min", "max"):
        raise InputError(None, "--want", want, "min, max or auto")
    if reps < 1:
        raise InputError(None, "--reps", reps, "a positive integer")
    b_lo, b_hi, integer = key_bounds(key)
    lo = b_lo if lo is None else lo
    hi = b_hi if hi is None else hi
    if lo is None or hi is None or not lo < hi:
        raise InputError(None, "--range", [lo, hi], "LO HI with LO < HI (the setting has no finite bounds)")
    if (b_lo is not None and lo < b_lo) or (b_hi is not None and hi > b_hi):
        raise InputError(None, "--range", [lo, hi], f"within the setting's bounds [{b_lo}, {b_hi}]")
    if evaluator is None:
        evaluator = model_evaluator(key, scenario, indicator, tgt.due, reps, seed, values, workers)
    log = lo > 0 and hi / lo >= 100
    if tol is None:
        tol = 1.0 if integer else (0.02 if log else (hi - lo) / 100)
    probes: dict[float, tuple[float, int, float]] = {}

    def meets(v: float) -> bool:
        if v not in probes:
            x = np.asarray(evaluator(v), dtype=float)
            probes[v] = (_share(x, tgt), len(x), float(np.nanmean(x)) if np.isfinite(x).any() else np.nan)
            if on_probe is not None:
                on_probe(v, probes[v][0])
        return probes[v][0] >= share - 1e-12

    at_lo, at_hi = meets(lo), meets(hi)
    note = ""
    if at_lo and at_hi:
        status, answer = "all_meet", (hi if want == "max" else lo)
        direction = want if want != "auto" else "min"
        bracket = (lo, hi)
    elif not at_lo and not at_hi:
        status, answer, direction, bracket = "none_meet", None, want, (lo, hi)
    else:
        direction = "max" if at_lo else "min"
        good, bad = (lo, hi) if at_lo else (hi, lo)
        while len(probes) < max_probes and not _narrow(good, bad, tol, log, integer):
            mid = _middle(good, bad, log, integer)
            if mid in (good, bad):
                break
            if meets(mid):
                good = mid
            else:
                bad = mid
        status, answer, bracket = "found", good, (min(good, bad), max(good, bad))
        if want != "auto" and want != direction:
            note = (f"note: you asked for the {'greatest' if want == 'max' else 'least'} setting, but the "
                    f"target is met {'below' if direction == 'max' else 'above'} the threshold, so the "
                    f"{want} meeting it is the range's end ({_num(hi if want == 'max' else lo)})")
    table = pd.DataFrame([{"value": v, "mean": m, "share_meeting": s, "meets": s >= share - 1e-12, "runs": n}
                          for v, (s, n, m) in probes.items()])
    return SeekResult(key, indicator, tgt, share, status, answer, bracket, direction, table, reps, note)


def key_bounds(key: str) -> tuple[float | None, float | None, bool]:
    """Bounds of a searchable key and whether it takes integers."""
    from sim.levers.keys import design_key, is_design_key
    from sim.params.schema import SPEC_BY_KEY

    if is_design_key(key):
        dk = design_key(key, "<command line>", "seek")
        if dk.is_flag:
            raise InputError(None, "seek", key, "a numeric setting (not an on/off switch)")
        lo, hi = dk.bounds
        return lo, hi, dk.integer
    spec = SPEC_BY_KEY.get(key)
    if spec is None or spec.kind not in ("float", "int"):
        raise InputError(None, "seek", key, "levers.NAME.SETTING, stressors.NAME.SETTING or a numeric "
                                            "parameter group.name")
    return spec.lo, spec.hi, spec.kind == "int"


def model_evaluator(key: str, scenario: Any, indicator: str, year: int, reps: int, seed: int = DEFAULT_SEED,
                    values: dict[str, Any] | None = None, workers: int | None = None) -> Evaluator:
    """Setting -> the indicator's value in ``year`` for each of ``reps`` replications,
    from model runs on the same seeds (validated before any run)."""
    from sim.experiment.design import apply_point, check_not_lever_set, run_years
    from sim.levers.keys import lever_keys_set
    from sim.many import run_many
    from sim.params.scenario import Scenario
    from sim.randomness import replication_seeds
    from sim.scenarios import load_scenario

    if scenario is None:
        raise InputError(None, "--scenario", None, "a scenario name or file")
    base = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if values:
        base = apply_point(base, dict(values), "seek values")
    check_not_lever_set(key, lever_keys_set(base), "<command line>", "seek")
    if year not in run_years(base):
        raise InputError(None, "--target", year, f"a simulated year {list(run_years(base))}")
    seeds = replication_seeds(seed, reps)

    def evaluate(v: float) -> np.ndarray:
        frame = run_many(base, seeds, workers, values={key: v})
        sel = frame[(frame["indicator"] == indicator) & (frame["year"] == year) & (frame["street"] == "all")]
        return sel.sort_values("replication")["value"].to_numpy(dtype=float)

    return evaluate


def _share(x: np.ndarray, target: Target) -> float:
    from sim.experiment.targets import share_meeting

    v = share_meeting(x, target)
    return 0.0 if v != v else v


def _narrow(a: float, b: float, tol: float, log: bool, integer: bool) -> bool:
    if integer:
        return abs(a - b) <= max(tol, 1.0)
    if log:
        return max(a, b) / min(a, b) <= 1 + tol
    return abs(a - b) <= tol


def _middle(a: float, b: float, log: bool, integer: bool) -> float:
    mid = math.sqrt(a * b) if log else (a + b) / 2
    if integer:
        return float(round(mid))
    return float(f"{mid:.6g}")


def _num(v: float | None) -> str:
    return "-" if v is None else f"{v:g}"
