"""Writing run outputs: Parquet tables and text files, written atomically (a temporary
file with a unique name, renamed into place and removed on failure), so an interrupted
write never leaves a half file or clobbers a good one; and checks that an output path
can be written before any work starts."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from sim.params.errors import InputError


def write_atomic(path: Path, write: Callable[[str], None]) -> Path:
    """Call ``write(tmp)`` on a uniquely named temporary file next to ``path`` and rename
    it into place; the temporary file is removed whatever happens."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def write_parquet(frame: pd.DataFrame, path: Path) -> Path:
    """Write ``frame`` to ``path`` atomically."""
    return write_atomic(path, lambda tmp: frame.to_parquet(tmp, index=False))


def write_text(text: str, path: Path) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    return write_atomic(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def check_out_dir(path: Path, field: str) -> Path:
    """Refuse an output folder that is a file (:class:`InputError`) or cannot be written
    (:class:`OSError` naming the path); leaves nothing behind when it did not exist."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise InputError(None, field, str(path), "a folder (this is an existing file)")
    existing = path
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise InputError(None, field, str(path), f"a folder ({existing} is a file)")
    _probe(existing)
    return path


def check_out_file(path: Path, field: str, suffixes: tuple[str, ...] = ()) -> Path:
    """Refuse an output file that is a folder or has the wrong suffix (:class:`InputError`),
    or whose folder cannot be written (:class:`OSError`)."""
    path = Path(path)
    if path.is_dir():
        raise InputError(None, field, str(path), "a file name (this is a folder)")
    if path.exists() and not path.is_file():
        raise InputError(None, field, str(path), "a regular file (this is a device or pipe)")
    if suffixes and path.suffix.lower() not in suffixes:
        raise InputError(None, field, str(path), f"a file ending in {' or '.join(suffixes)}")
    check_out_dir(path.parent, field)
    return path


def _probe(folder: Path) -> None:
    """Create and remove a temporary file in ``folder`` (raises the OSError if it cannot)."""
    fd, tmp = tempfile.mkstemp(prefix=".streetsim-probe.", dir=folder)
    os.close(fd)
    os.unlink(tmp)


def write_run(result, out_dir: Path) -> dict[str, Path]:
    """Write a run's yearly indicators, daily series, case table and money ledger."""
    out_dir = Path(out_dir)
    yearly = result.indicators
    return {
        "indicators": write_parquet(yearly, out_dir / "indicators.parquet"),
        "daily": write_parquet(result.daily, out_dir / "daily.parquet"),
        "cases": write_parquet(result.cases, out_dir / "cases.parquet"),
        "money": write_parquet(result.money, out_dir / "money.parquet"),
    }
