"""Static figures for slides: every report figure as PNG and SVG, drawn by Kaleido with the
system's Chromium (or Chrome).

The browser is ``BROWSER_PATH`` when set, else the first of ``BROWSERS`` on ``PATH``.
Kaleido's page loads plotly.js from the installed plotly package and no MathJax, so no
network is needed.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from sim.report.style import ReportFigure

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
WIDTH, SCALE = 1100, 2
"""Image width in layout pixels (the height is the figure's own) and the PNG scale factor."""


@dataclass
class StaticResult:
    """What :func:`write_static` did: files written, or why none were."""

    files: list[Path] = field(default_factory=list)
    error: str | None = None
    browser: str | None = None

    @property
    def ok(self) -> bool:
        """True when the figures were written."""
        return self.error is None


def find_browser() -> str | None:
    """The Chromium/Chrome executable to draw with, or None."""
    env = os.environ.get("BROWSER_PATH")
    if env:
        return env if Path(env).is_file() and os.access(env, os.X_OK) else None
    for name in BROWSERS:
        if path := shutil.which(name):
            return path
    return None


def write_static(figures: list[ReportFigure], out_dir: str | Path, browser: str | None = None
                 ) -> StaticResult:
    """Write ``<id>.png`` and ``<id>.svg`` for every figure into ``out_dir``.

    Never raises for a missing or failing browser: the result says what went wrong.
    """
    browser = browser or find_browser()
    if browser is None:
        return StaticResult(error="no_browser")
    try:
        import kaleido
    except ImportError:
        return StaticResult(error="kaleido is not installed", browser=browser)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    specs, files = [], []
    for f in figures:
        fig = f.as_dict()
        height = int(fig.get("layout", {}).get("height") or 500)
        for fmt in ("png", "svg"):
            path = out / f"{f.id}.{fmt}"
            specs.append({"fig": fig, "path": path,
                          "opts": {"format": fmt, "width": WIDTH, "height": height,
                                   "scale": SCALE if fmt == "png" else 1}})
            files.append(path)
    try:
        kaleido.write_fig_from_object_sync(specs, kopts={"path": browser, "mathjax": False})
    except Exception as exc:  # the browser failed to start or to draw: report, keep the HTML
        return StaticResult(error=f"{type(exc).__name__}: {exc}".splitlines()[0][:300], browser=browser)
    missing = [p for p in files if not p.exists() or p.stat().st_size == 0]
    if missing:
        return StaticResult(files=[p for p in files if p not in missing],
                            error=f"{len(missing)} files not written, e.g. {missing[0].name}",
                            browser=browser)
    return StaticResult(files=files, browser=browser)
