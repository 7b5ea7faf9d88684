"""Writing run outputs: Parquet tables, written atomically (a temporary file renamed into
place), so an interrupted write never leaves a half file or clobbers a good one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd


def write_parquet(frame: pd.DataFrame, path: Path) -> Path:
    """Write ``frame`` to ``path`` atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        frame.to_parquet(tmp, index=False)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def write_run(result, out_dir: Path) -> dict[str, Path]:
    """Write a run's yearly indicators, daily series and case event table."""
    out_dir = Path(out_dir)
    yearly = result.indicators
    return {
        "indicators": write_parquet(yearly, out_dir / "indicators.parquet"),
        "daily": write_parquet(result.daily, out_dir / "daily.parquet"),
        "cases": write_parquet(result.cases, out_dir / "cases.parquet"),
    }
