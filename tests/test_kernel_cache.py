"""The compiled kernels' cache folder follows the source compiled code depends on
(``sim.kernel_cache``): numba itself would load a kernel whose callee in another module
changed."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from sim import kernel_cache


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A copy of the ``sim`` package's sources."""
    copy = tmp_path / "src" / "sim"
    shutil.copytree(kernel_cache.PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def _edit(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_the_kernel_sources_are_the_numba_modules_and_what_they_import(package: Path) -> None:
    names = {p.relative_to(package).as_posix() for p in kernel_cache.kernel_sources(package)}
    assert {"month_loop.py", "compiled.py", "mechanisms/triage.py", "population.py"} <= names
    assert {"cases.py", "domain.py"} <= names  # constants compiled into kernels
    assert not any(n.startswith(("report/", "commands/")) for n in names)


@pytest.mark.parametrize(("changed", "moves"), [
    ("compiled.py", True),  # a callee of kernels in other modules
    ("domain.py", True),  # constants read by kernels
    ("report/style.py", False),  # no compiled code reads it
])
def test_the_fingerprint_follows_the_kernels_source(package: Path, changed: str, moves: bool) -> None:
    before = kernel_cache.fingerprint(package)
    _edit(package / changed, "\nEXTRA = 1\n")
    assert (kernel_cache.fingerprint(package) != before) is moves


def test_the_fingerprint_is_kept_until_a_file_changes(package: Path, tmp_path: Path) -> None:
    parent = tmp_path / "cache"
    first = kernel_cache.cached_fingerprint(parent, package)
    assert first == kernel_cache.fingerprint(package)
    assert (parent / kernel_cache._STAMP).read_text(encoding="utf-8").split()[1] == first
    assert kernel_cache.cached_fingerprint(parent, package) == first
    target = package / "compiled.py"
    _edit(target, "\nEXTRA = 2\n")
    os.utime(target, ns=(1, 1))  # a new stamp even where the clock's resolution is coarse
    assert kernel_cache.cached_fingerprint(parent, package) == kernel_cache.fingerprint(package) != first


def test_configure_points_numba_at_the_versions_folder(package: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import numba

    monkeypatch.setattr(kernel_cache, "PACKAGE", package)
    monkeypatch.delenv("STREETSIM_NUMBA_CACHE_PARENT", raising=False)
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setattr(numba.core.config, "CACHE_DIR", numba.core.config.CACHE_DIR)
    old = package / "__pycache__" / f"{kernel_cache.PREFIX}0000000000000000"
    old.mkdir(parents=True)
    folder = kernel_cache.configure()
    assert folder == package / "__pycache__" / f"{kernel_cache.PREFIX}{kernel_cache.fingerprint(package)}"
    assert os.environ["NUMBA_CACHE_DIR"] == str(folder) == numba.core.config.CACHE_DIR
    assert not old.exists()  # another version's kernels are removed
    assert kernel_cache.configure() == folder  # a child process (the environment carries over)


def test_a_users_cache_folder_is_kept_as_the_parent(package: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import numba

    monkeypatch.setattr(kernel_cache, "PACKAGE", package)
    monkeypatch.delenv("STREETSIM_NUMBA_CACHE_PARENT", raising=False)
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "mine"))
    monkeypatch.setattr(numba.core.config, "CACHE_DIR", numba.core.config.CACHE_DIR)
    other = tmp_path / "mine" / f"{kernel_cache.PREFIX}0000000000000000"
    other.mkdir(parents=True)
    folder = kernel_cache.configure()
    assert folder.parent == tmp_path / "mine"
    assert other.exists()  # a shared folder: other versions are left alone
