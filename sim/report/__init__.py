"""The plotted comparison report: one self-contained HTML file (plotly.js embedded) in
Chinese or English, and optionally every figure as PNG and SVG for slides.

>>> from sim.report import write_report
>>> write_report("results/compare", "results/compare/report.zh.html", lang="zh")

Layers: :mod:`sim.report.data` (numbers), :mod:`sim.report.figures` and friends (plotly
figures), :mod:`sim.report.html` (the page), :mod:`sim.report.static` (PNG/SVG),
:mod:`sim.report.i18n` (every label in both languages).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from sim.report.data import ReportData, report_data
from sim.report.load import load_report_data

__all__ = ["ReportData", "load_report_data", "render_report", "report_data", "write_report"]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


def render_report(data: ReportData, out_html: str | Path, lang: str = "en", png_dir: str | Path | None = None,
                  notify: Callable[[str], None] = _stderr) -> Path:
    """Write the report of ``data`` to ``out_html`` (and the static figures to ``png_dir``).

    The HTML is written first (atomically); a missing or failing browser for the static
    figures is reported through ``notify`` and never loses the HTML.
    """
    from sim.report.figures import all_figures
    from sim.report.html import render
    from sim.report.i18n import check_lang, t
    from sim.report.static import write_static

    check_lang(lang)
    figures = all_figures(data, lang)
    from sim.io import check_out_file, write_text

    out = check_out_file(Path(out_html), "--out", (".html", ".htm"))
    write_text(render(data, figures, lang), out)
    if png_dir is not None:
        result = write_static(figures, png_dir)
        if result.error == "no_browser":
            notify(f"streetsim report: {t('png_no_browser', lang)}")
        elif not result.ok:
            notify(f"streetsim report: {t('png_failed', lang, error=result.error)}")
    return out


def write_report(results_dir: str | Path, out_html: str | Path, lang: str = "en",
                 png_dir: str | Path | None = None, notify: Callable[[str], None] = _stderr) -> Path:
    """Write the comparison report of one experiment's results.

    Args:
        results_dir: ``results/<experiment>`` (or ``results/`` holding one experiment).
        out_html: the HTML file to write.
        lang: ``"en"`` or ``"zh"``: every label in that language.
        png_dir: also write every figure as PNG and SVG here (needs Chromium or Chrome).
        notify: receives a one-line message when the static figures cannot be written.

    Returns:
        The path of the HTML file.

    Raises:
        InputError: a bad language or a folder without finished runs (before anything is written).
    """
    from sim.report.i18n import check_lang

    check_lang(lang)
    return render_report(load_report_data(results_dir), out_html, lang, png_dir, notify)
