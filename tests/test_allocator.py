"""The allocator settings that let a run reuse the memory the last run freed."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

from sim import allocator

GLIBC = platform.libc_ver()[0] == "glibc"


def _in_fresh_process(code: str, env_value: str | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if k != allocator.ENV}
    if env_value is not None:
        env[allocator.ENV] = env_value
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=True).stdout.strip()


def test_importing_the_model_and_the_district_leaves_the_allocator_alone():
    """Only street runs set it (a district's peak memory grew with it)."""
    code = "import sim.runner, sim.district, sim.allocator as a; print(a._done)"
    assert _in_fresh_process(code) == "None"


@pytest.mark.skipif(not GLIBC, reason="glibc's mallopt only")
def test_a_street_run_sets_the_allocator(small, monkeypatch):
    import sim.runner

    calls = []
    monkeypatch.setattr(sim.runner, "keep_freed_memory", lambda: calls.append(1))
    sim.runner.run(small, seed=1)
    assert calls == [1]
    code = "import sim.allocator as a; print(a.keep_freed_memory(), a._done)"
    assert _in_fresh_process(code) == "True True"


def test_the_environment_variable_keeps_the_defaults():
    assert _in_fresh_process("import sim.allocator as a; print(a.keep_freed_memory())", "0") == "False"


@pytest.mark.skipif(not GLIBC, reason="glibc's mallopt only")
def test_the_settings_are_accepted_by_glibc():
    """``mallopt`` returns 0 for a value it refuses: the chosen values must be accepted."""
    import ctypes

    libc = ctypes.CDLL("libc.so.6")
    assert libc.mallopt(allocator.M_MMAP_THRESHOLD, allocator.MMAP_THRESHOLD) == 1
    assert libc.mallopt(allocator.M_TRIM_THRESHOLD, allocator.KEEP_BYTES) == 1
