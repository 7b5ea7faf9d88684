"""The README's two commands find a Python >= 3.12 even where ``python3.12`` is a broken
pyenv shim (exits 127, "command not found"), and say what they need when there is none."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README_SCRIPTS = ("scripts/main.sh", "scripts/test.sh")
SHIM = '#!/bin/sh\necho "pyenv: $(basename "$0"): command not found" >&2\nexit 127\n'

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


def _shims(tmp: Path, names=("python3.12", "python3", "python")) -> Path:
    shims = tmp / "shims"
    shims.mkdir()
    for name in names:
        (shims / name).write_text(SHIM)
        (shims / name).chmod(0o755)
    return shims


def _env(path: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "STREETSIM_PYTHON"}
    env.update(PATH=path, STREETSIM_ONLY_FIND_PYTHON="1", **extra)
    return env


@pytest.mark.parametrize("script", README_SCRIPTS)
def test_broken_python312_shim_is_skipped(tmp_path: Path, script: str) -> None:
    shims = _shims(tmp_path)
    # a real interpreter >= 3.12 reachable only under another name, as pyenv installs it
    real = tmp_path / "real"
    real.mkdir()
    (real / "python3.13").symlink_to(sys.executable)
    path = os.pathsep.join([str(shims), str(real), os.environ["PATH"]])
    assert subprocess.run(["python3.12", "-V"], env=_env(path), capture_output=True).returncode == 127
    done = subprocess.run(["bash", script], cwd=ROOT, env=_env(path), capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    line = done.stdout.strip().splitlines()[-1]
    assert line.startswith("using Python 3.") and int(line.split()[2].split(".")[1]) >= 12, line
    assert str(shims) not in line


@pytest.mark.parametrize("script", README_SCRIPTS)
def test_no_python_says_what_is_needed(tmp_path: Path, script: str) -> None:
    found = [p for d in ("/usr/bin", "/usr/local/bin") for p in Path(d).glob("python3.1[2-9]")]
    if found:
        pytest.skip(f"{found[0]} is always found")
    shims = _shims(tmp_path)
    tools = tmp_path / "tools"
    tools.mkdir()
    for tool in ("bash", "dirname", "cat"):
        (tools / tool).symlink_to(shutil.which(tool))
    env = _env(os.pathsep.join([str(shims), str(tools)]), PYENV_ROOT=str(tmp_path / "no-pyenv"),
               HOME=str(tmp_path))
    done = subprocess.run([shutil.which("bash"), script], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode != 0
    assert "needs Python >= 3.12" in done.stderr and "STREETSIM_PYTHON" in done.stderr
    assert not (tmp_path / ".venv").exists()


def test_streetsim_python_that_does_not_run_is_named(tmp_path: Path) -> None:
    shims = _shims(tmp_path)
    env = _env(os.environ["PATH"], STREETSIM_PYTHON=str(shims / "python3.12"))
    done = subprocess.run(["bash", "scripts/main.sh"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode != 0 and "STREETSIM_PYTHON=" in done.stderr
