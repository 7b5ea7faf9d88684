"""One static chart for slides: chosen indicators and scenarios over the years, mean with a
95% CI band, the plan's target as a dashed line from its due year, in Chinese or English.

>>> from sim.report.chart import chart
>>> chart("results/compare", ["satisfaction", "mean_resolve_hours"], ["baseline", "combined"],
...       lang="zh", out="slides/meeting.png")

Drawn with matplotlib (no browser needed), PNG or SVG by the file's suffix. Chinese text
needs a CJK font: the first of :data:`CJK_FAMILIES` that the system has (Debian/Ubuntu:
``apt-get install fonts-noto-cjk``; CI gets it from ``scripts/ensure_chromium.sh``);
no font is shipped. Without one a Chinese chart is refused with a clear message rather
than drawn with empty boxes. SVG keeps text as glyph outlines,
so the slide needs no font.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim.params.errors import InputError

CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei",
                "WenQuanYi Zen Hei", "Microsoft YaHei", "SimHei", "PingFang SC", "Noto Serif CJK SC")
FORMATS = (".png", ".svg")
SYMBOLS = {">=": "≥", "<=": "≤", ">": ">", "<": "<"}
TEXT = {
    "target": ("target {op} {value} from {due}", "目标 {op} {value}（{due}年起）"),
    "year": ("Year", "年份"),
    "band": ("mean and 95% CI over {n} replications", "均值及95%置信区间（{n}次重复）"),
}


_fonts_rescanned = False
"""Whether :func:`cjk_font` has already added the system's fonts matplotlib's list lacked."""


def cjk_font() -> str | None:
    """The first CJK font family matplotlib can find on this system, or None.

    Matplotlib lists the system's fonts once and keeps the list (``~/.cache/matplotlib``),
    so a font installed after that, as the refusal's message advises, stays unknown to
    it. When the list has no CJK family, the font files it lacks are added first (once
    a process; ~50 ms)."""
    global _fonts_rescanned
    from matplotlib import font_manager

    manager = font_manager.fontManager
    found = _first_cjk(manager.ttflist)
    if found is None and not _fonts_rescanned:
        _fonts_rescanned = True
        known = {f.fname for f in manager.ttflist}
        for path in font_manager.findSystemFonts():
            if path not in known:
                try:
                    manager.addfont(path)
                except (OSError, RuntimeError, ValueError):  # a file FreeType cannot read
                    continue
        found = _first_cjk(manager.ttflist)
    return found


def _first_cjk(fonts: list) -> str | None:
    """The first of :data:`CJK_FAMILIES` among matplotlib's font entries ``fonts``."""
    names = {f.name for f in fonts}
    return next((f for f in CJK_FAMILIES if f in names), None)


def chart_data(indicators: pd.DataFrame, keys: Sequence[str], scenarios: Sequence[str],
               conf: float = 0.95) -> pd.DataFrame:
    """Mean and CI per scenario label, indicator and year (labels as in ``indicators``)."""
    from sim.stats import ci_bounds as mean_ci

    ind = indicators
    if "street" in ind.columns and (ind["street"] == "all").any():
        ind = ind[ind["street"] == "all"]
    ind = ind[ind["indicator"].isin(list(keys)) & ind["scenario"].isin(list(scenarios))]
    rows = []
    for (s, k, y), g in ind.groupby(["scenario", "indicator", "year"], sort=True):
        x = g["value"].dropna().to_numpy(dtype=float)
        lo, hi = mean_ci(x, conf)
        rows.append({"scenario": s, "indicator": k, "year": int(y), "n": len(x),
                     "mean": float(x.mean()) if len(x) else np.nan, "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows, columns=["scenario", "indicator", "year", "n", "mean", "ci_low", "ci_high"])


def labelled_indicators(results_dir: str | Path) -> pd.DataFrame:
    """An experiment's stored indicators with ``scenario`` labelled ``NAME+STRESSORS`` for
    runs under stressors."""
    from sim.experiment import store
    from sim.report.load import experiment_dir

    folder = experiment_dir(results_dir)
    runs = store.load(folder, "runs")
    ind = store.load(folder, "indicators")
    if ind.empty:
        raise InputError(folder, "--results", str(folder), "an experiment with finished runs")
    stress = dict(zip(runs["run_id"], runs["stressors"].fillna("")))
    label = [s + ("+" + stress[r].replace(",", "+") if stress.get(r) else "")
             for s, r in zip(ind["scenario"], ind["run_id"])]
    return ind.assign(scenario=label)


def chart(results_dir: str | Path, indicators: Sequence[str], scenarios: Sequence[str] | None = None,
          lang: str = "en", out: str | Path = "chart.png", title: str | None = None, targets: bool = True,
          size: tuple[float, float] | None = None, dpi: int = 200) -> Path:
    """Draw the chart of stored results and write it to ``out`` (``.png`` or ``.svg``).

    Args:
        results_dir: ``results/<experiment>`` (or ``results/`` holding one experiment).
        indicators: indicator keys, one panel each.
        scenarios: scenario labels (``combined``, ``combined+revenue_shock``); default all.
        lang: ``"en"`` or ``"zh"``.
        out: the file to write; its suffix picks the format.
        title: a title over the panels (default none).
        targets: draw each indicator's plan target from its due year.
        size: figure size in inches (default 5.5 per panel x 4).
        dpi: PNG resolution.

    Returns:
        The path written. Raises :class:`InputError` for unknown indicators or scenarios,
        a bad suffix or language, or a Chinese chart without a CJK font.
    """
    from sim.indicators.definitions import INDICATOR_BY_KEY

    out = Path(out)
    if lang not in ("en", "zh"):
        raise InputError(None, "--lang", lang, "en or zh")
    if out.suffix.lower() not in FORMATS:
        raise InputError(None, "--out", str(out), f"a file ending in one of {list(FORMATS)}")
    for k in indicators:
        if k not in INDICATOR_BY_KEY:
            raise InputError(None, "--indicators", k, "indicator keys (see docs/ODD.md)")
    if not indicators:
        raise InputError(None, "--indicators", [], "at least one indicator")
    font = None
    if lang == "zh":
        font = cjk_font()
        if font is None:
            raise InputError(None, "--lang", "zh",
                             "a system with a CJK font (apt-get install fonts-noto-cjk), or --lang en")
    ind = labelled_indicators(results_dir)
    known = list(dict.fromkeys(ind["scenario"]))
    scenarios = list(scenarios) if scenarios else known
    for s in scenarios:
        if s not in known:
            raise InputError(None, "--scenarios", s, f"a scenario of these results {known}")
    data = chart_data(ind, indicators, scenarios)
    return draw(data, list(indicators), scenarios, lang, out, title, targets, size, dpi, font)


def draw(data: pd.DataFrame, indicators: list[str], scenarios: list[str], lang: str, out: Path,
         title: str | None = None, targets: bool = True, size: tuple[float, float] | None = None,
         dpi: int = 200, font: str | None = None) -> Path:
    """Draw :func:`chart_data` output (the plotting half of :func:`chart`)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.indicators.definitions import INDICATOR_BY_KEY
    from sim.report.i18n import unit_name

    li = 0 if lang == "en" else 1
    rc = {"font.family": "sans-serif", "svg.fonttype": "path", "axes.unicode_minus": False}
    if font:
        rc["font.sans-serif"] = [font, "DejaVu Sans"]
    names = scenario_names(scenarios, lang)
    with plt.rc_context(rc):
        fig, axes = plt.subplots(1, len(indicators), figsize=size or (5.5 * len(indicators), 4.0),
                                 squeeze=False)
        colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
        for ax, key in zip(axes[0], indicators):
            ind = INDICATOR_BY_KEY[key]
            scale = 100.0 if ind.unit == "share" else 1.0
            for i, s in enumerate(scenarios):
                d = data[(data["scenario"] == s) & (data["indicator"] == key)].sort_values("year")
                if d.empty:
                    continue
                c = colors[i % len(colors)]
                ax.plot(d["year"], d["mean"] * scale, marker="o", color=c, label=names[s])
                ax.fill_between(d["year"], d["ci_low"] * scale, d["ci_high"] * scale, color=c, alpha=0.2,
                                linewidth=0)
            target = ind.plan_target
            years = data["year"]
            if targets and target is not None and len(years) and target.due <= years.max():
                x0 = max(target.due, years.min())
                value = f"{target.value:.0%}" if ind.unit == "share" else f"{target.value:g}"
                ax.plot([x0, years.max()], [target.value * scale] * 2, color="black", linestyle="--",
                        linewidth=1.2, label=TEXT["target"][li].format(op=SYMBOLS[target.op], value=value,
                                                                        due=target.due))
            unit = "%" if ind.unit == "share" else unit_name(ind.unit, lang)
            ax.set_title(f"{getattr(ind, lang)}")
            ax.set_ylabel(unit)
            ax.set_xlabel(TEXT["year"][li])
            ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
            ax.grid(alpha=0.3)
            ax.legend(fontsize=8, loc="best")
        n = int(data["n"].max()) if len(data) else 0
        fig.text(0.99, 0.01, TEXT["band"][li].format(n=n), ha="right", va="bottom", fontsize=7, color="gray")
        if title:
            fig.suptitle(title)
        fig.tight_layout(rect=(0, 0.03, 1, 1))
        out.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(out, dpi=dpi)
        plt.close(fig)
    return out


def scenario_names(labels: Sequence[str], lang: str) -> dict[str, str]:
    """Display names of scenario labels: the scenario's Chinese name in ``zh`` where its
    file has one; stressors after a ``+`` keep their keys."""
    from sim.scenarios import load_scenario

    out = {}
    for label in labels:
        name, _, stress = label.partition("+")
        shown = name
        if lang == "zh":
            try:
                shown = load_scenario(name).name_zh or name
            except InputError:
                shown = name
        out[label] = shown + (f" + {stress.replace('+', ' + ')}" if stress else "")
    return out
