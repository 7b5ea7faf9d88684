"""The allocator settings that let a run reuse the memory the last run freed."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

from sim import allocator

GLIBC = platform.libc_ver()[0] == "glibc"


def _in_fresh_process(env_value: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != allocator.ENV}
    if env_value is not None:
        env[allocator.ENV] = env_value
    code = "import sim.model, sim.allocator as a; print(a._done, a.keep_freed_memory())"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=True).stdout.strip()


@pytest.mark.skipif(not GLIBC, reason="glibc's mallopt only")
def test_importing_the_model_sets_the_allocator_once():
    assert _in_fresh_process(None) == "True True"


def test_the_environment_variable_keeps_the_defaults():
    assert _in_fresh_process("0") == "False False"


@pytest.mark.skipif(not GLIBC, reason="glibc's mallopt only")
def test_the_settings_are_accepted_by_glibc():
    """``mallopt`` returns 0 for a value it refuses: the chosen values must be accepted."""
    import ctypes

    libc = ctypes.CDLL("libc.so.6")
    assert libc.mallopt(allocator.M_MMAP_THRESHOLD, allocator.MMAP_THRESHOLD) == 1
    assert libc.mallopt(allocator.M_TRIM_THRESHOLD, allocator.KEEP_BYTES) == 1
