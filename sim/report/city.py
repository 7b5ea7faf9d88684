"""The report of a city run: one self-contained HTML page (plotly.js embedded) with the
districts' headline indicators per year and a table of the last year."""

from __future__ import annotations

import datetime as dt
from html import escape
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs
from plotly.subplots import make_subplots

from sim.district.city import CityResult
from sim.district.runner import DISTRICT, NON_PILOT, PILOT
from sim.district.summary import city_summary
from sim.indicators.definitions import INDICATOR_BY_KEY
from sim.report.html import CSS, PLOTLY_CONFIG, _table
from sim.report.style import PALETTE

FIGURE_INDICATORS = ("resolution_rate", "satisfaction", "dept_response_rate", "mean_resolve_hours")
TEXT = {
    "title": ("City run: districts of streets sharing departments", "城市运行：共享区级部门的各区街道"),
    "intro": ("Each district is an independent job on its own seed; streets within a district share "
              "its departments. 'pilot' and 'non_pilot' are the streets with and without the piloted reform.",
              "每个区是独立作业、使用各自的种子；区内街道共享区级部门。“pilot/non_pilot”为试点与非试点街道。"),
    "table": ("Headline indicators in {year}", "{year}年主要指标"),
    "run": ("{n} districts, {streets} streets, seed {seed}; {wall:.1f} s, peak memory of one process "
            "{peak:,.0f} MB; results in {folder}",
            "{n}个区、{streets}个街道，种子{seed}；用时{wall:.1f}秒，"
            "单进程峰值内存{peak:,.0f} MB；结果在{folder}"),
    "failed": ("Failed districts", "失败的区"),
}


def _t(key: str, lang: str, **fmt: Any) -> str:
    return TEXT[key][lang == "zh"].format(**fmt)


def city_figure(result: CityResult, labels: tuple[str, ...], lang: str) -> go.Figure:
    """The figure indicators per year, one line per district (pilot groups dashed)."""
    keys = [k for k in FIGURE_INDICATORS if k in set(result.indicators["indicator"])]
    names = [getattr(INDICATOR_BY_KEY[k], lang) for k in keys]
    fig = make_subplots(rows=1, cols=max(len(keys), 1), subplot_titles=names)
    ind = result.indicators[result.indicators["street"].isin([DISTRICT, PILOT, NON_PILOT])]
    for j, key in enumerate(keys, start=1):
        sel = ind[ind["indicator"] == key]
        for (k, group), part in sel.groupby(["district", "street"], sort=True):
            label = f"{k} {labels[k] if k < len(labels) else ''}" + ("" if group == DISTRICT else f" {group}")
            fig.add_trace(go.Scatter(
                x=part["year"], y=part["value"], mode="lines+markers", name=label, legendgroup=label,
                showlegend=j == 1, line={"color": PALETTE[k % len(PALETTE)],
                                         "dash": "solid" if group == DISTRICT else
                                         ("dash" if group == PILOT else "dot")}), row=1, col=j)
    fig.update_layout(height=380, margin={"t": 40, "b": 30}, template="plotly_white")
    return fig


def write_city_report(result: CityResult, city: Any, out: str | Path, lang: str = "en",
                      wall_s: float = float("nan"), peak_mb: float = float("nan")) -> Path:
    """Write the city report to ``out`` (atomically) and return its path."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    labels = tuple(city.labels)
    table = city_summary(result, labels, lang=lang)
    rows = [[("" if v is None or v != v else (f"{v:,.3g}" if isinstance(v, float) else str(v)))
             for v in r] for r in table.itertuples(index=False)]
    fig = pio.to_html(city_figure(result, labels, lang), full_html=False, include_plotlyjs=False,
                      config=PLOTLY_CONFIG, default_width="100%", div_id="fig-city")
    facts = _t("run", lang, n=len(city.districts), streets=sum(d.p.streets for d in city.districts),
               seed=result.indicators["seed"].iloc[0] if len(result.indicators) else "", wall=wall_s,
               peak=peak_mb, folder=out.parent)
    failed = ("" if not result.failed else f"<h3>{escape(_t('failed', lang))}</h3>"
              + _table(["district", "error"], [[str(k), v] for k, v in sorted(result.failed.items())]))
    body = (f"<section id=\"city\"><p class=\"intro\">{escape(_t('intro', lang))}</p>"
            f"<p class=\"intro\">{escape(facts)}</p><div class=\"fig wide\" data-figure=\"city\">{fig}</div>"
            f"<h3>{escape(_t('table', lang, year=table.attrs.get('year', '')))}</h3>"
            f"{_table([str(c) for c in table.columns], rows) if len(table) else ''}{failed}</section>")
    title = f"{_t('title', lang)} - {city.name}"
    page = (f'<!DOCTYPE html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
            f"<title>{escape(title)}</title><style>{CSS}</style><script>{get_plotlyjs()}</script></head><body>"
            f"<header><h1>{escape(title)}</h1><p>{escape(city.description)}</p>"
            f"<p>{dt.datetime.now():%Y-%m-%d %H:%M}</p></header><main>{body}</main></body></html>\n")
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(out)
    return out
