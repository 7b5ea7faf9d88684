"""Where the compiled (numba) kernels are cached: one folder per version of their source.

Numba caches each kernel next to its module (``cache=True``) and checks only that
module's file when it loads one. A kernel calling kernels of other modules carries
their compiled code, and module constants are compiled in as values, so after an
edit of another module (a ``git pull`` in an editable install) numba would load the
old code without a word (numba issues #1833 and #6845, and its caching docs).

:func:`configure`, called on ``import sim`` before any kernel module is imported,
points numba at a folder named after a hash of the source of every module that
imports numba and of every module of ``sim`` those import (their constants are compiled
in): a changed source gets a fresh folder and compiles afresh; folders of other
versions of this checkout are removed. The hash is kept with the files' sizes and
modification times, so an unchanged checkout only lists its files (about a
millisecond). A ``NUMBA_CACHE_DIR`` the user set is kept as the parent folder.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
PREFIX = "kernels-"
_NUMBA = re.compile(rb"^[ \t]*(?:from|import)[ \t]+numba", re.MULTILINE)
_IMPORT = re.compile(r"^\s*(?:from|import)\s+(sim(?:\.\w+)*)(?:\s+import\s+([\w\s,()]+))?", re.MULTILINE)
_PARENT_ENV = "STREETSIM_NUMBA_CACHE_PARENT"
"""The user's own ``NUMBA_CACHE_DIR`` (if any), kept for child processes."""
_STAMP = "kernel-sources.stamp"
"""File (in the cache's parent folder) keeping the last fingerprint and the file
stamps (paths, sizes, modification times) it was computed for."""


def _sources(package: Path) -> list[os.DirEntry]:
    """Every ``.py`` file of the package (``__pycache__`` skipped)."""
    found, todo = [], [str(package)]
    while todo:
        with os.scandir(todo.pop()) as entries:
            for entry in entries:
                if entry.is_dir() and entry.name != "__pycache__":
                    todo.append(entry.path)
                elif entry.name.endswith(".py"):
                    found.append(entry)
    return sorted(found, key=lambda e: e.path)


def _module_file(package: Path, name: str) -> Path | None:
    """The source file of module ``sim.x.y`` (None if there is none)."""
    path = package.parent.joinpath(*name.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def kernel_sources(package: Path = PACKAGE) -> dict[Path, bytes]:
    """The modules compiled code depends on: those importing numba and the modules of
    ``sim`` they import (constants and callees); path -> source bytes."""
    texts = {Path(e.path): Path(e.path).read_bytes() for e in _sources(package)}
    found = {path: text for path, text in texts.items() if _NUMBA.search(text)}
    for path in list(found):
        for module, names in _IMPORT.findall(texts[path].decode("utf-8")):
            for name in [module] + [f"{module}.{n}" for n in re.findall(r"\w+", names or "")]:
                file = _module_file(package, name)
                if file is not None and file in texts:
                    found[file] = texts[file]
    return found


def fingerprint(package: Path = PACKAGE) -> str:
    """A short hash of :func:`kernel_sources` (paths relative to the package)."""
    digest = hashlib.sha256()
    for path, text in sorted(kernel_sources(package).items()):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + text + b"\0")
    return digest.hexdigest()[:16]


def _stamp(package: Path) -> str:
    """Paths, sizes and modification times of every source file, hashed."""
    digest = hashlib.sha256()
    for entry in _sources(package):
        st = entry.stat()
        digest.update(f"{entry.path}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    return digest.hexdigest()


def cached_fingerprint(parent: Path, package: Path = PACKAGE) -> str:
    """:func:`fingerprint`, read back from ``parent`` while no source file changed."""
    stamp = _stamp(package)
    path = parent / _STAMP
    try:
        old_stamp, old_print = path.read_text(encoding="utf-8").split()
        if old_stamp == stamp:
            return old_print
    except (OSError, ValueError):
        pass
    result = fingerprint(package)
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{_STAMP}.{os.getpid()}")
        tmp.write_text(f"{stamp} {result}\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass
    return result


def configure() -> Path:
    """Point numba's cache at this source version's folder (before numba compiles or
    loads any kernel of ``sim``); returns the folder."""
    user_parent = os.environ.get(_PARENT_ENV)
    if user_parent is None:  # this process is the first to configure: remember the user's choice
        user_parent = os.environ.get("NUMBA_CACHE_DIR", "")
        os.environ[_PARENT_ENV] = user_parent
    own = not user_parent and _writable(PACKAGE / "__pycache__")
    if user_parent:
        parent = Path(user_parent)
    elif own:
        parent = PACKAGE / "__pycache__"
    else:  # a read-only install: the user's cache folder
        parent = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "streetsim"
    folder = parent / f"{PREFIX}{cached_fingerprint(parent)}"
    os.environ["NUMBA_CACHE_DIR"] = str(folder)
    numba_config = sys.modules.get("numba.core.config")
    if numba_config is not None:  # numba already imported: its config was read
        numba_config.CACHE_DIR = str(folder)
    if own:
        _remove_other_versions(parent, folder)
    return folder


def _writable(folder: Path) -> bool:
    """Whether ``folder`` exists (or can be made) and can be written."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(folder, os.W_OK)


def _remove_other_versions(parent: Path, keep: Path) -> None:
    """Remove this checkout's kernel folders of other source versions."""
    try:
        others = [p for p in parent.iterdir() if p.name.startswith(PREFIX) and p != keep]
    except OSError:
        return
    for other in others:
        shutil.rmtree(other, ignore_errors=True)
