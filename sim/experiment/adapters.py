"""The experiment engine's view of scenarios, stressors and the code version.

The engine loads scenarios (with their reform levers, :func:`sim.scenarios.load_scenario`)
and puts them under stressors (``Scenario.with_stressors``, see ``sim.levers``) through here.
"""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path
from typing import Any

from sim.params.errors import InputError
from sim.scenarios import load_scenario as load_scenario_file


def load_scenario(name_or_path: str | Path) -> Any:
    """Load a scenario (name or file) with its levers and stressors, validated."""
    return load_scenario_file(name_or_path)


def apply_stressors(scenario: Any, names: tuple[str, ...] | list[str], file: Any = None) -> Any:
    """``scenario`` put under the named stressors (unchanged when ``names`` is empty);
    errors name ``file`` (the experiment file) when given."""
    names = tuple(names)
    if not names:
        return scenario
    fn = getattr(scenario, "with_stressors", None)
    if fn is None:
        raise InputError(file, "stressors", list(names), "no stressors: this scenario type has none")
    if file is None:
        return fn(list(names))
    try:
        return fn(list(names), file=str(file))
    except InputError as exc:
        field = "experiment.stressors" if exc.field == "--stress" else exc.field
        raise InputError(file, field, exc.value, exc.allowed) from None



def scenario_hash(scenario: Any) -> str:
    """Stable hash of a scenario's effective values (see ``Scenario.digest``)."""
    return str(scenario.digest())


def package_version() -> str:
    """The installed ``streetsim`` version."""
    from sim import __version__

    return __version__


@functools.cache
def git_commit() -> str:
    """The repository's commit (``+dirty`` when the tree has changes), or ``unknown``."""
    root = Path(__file__).resolve().parents[2]
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                              text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")
