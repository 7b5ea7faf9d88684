"""Plotly figures of the outcomes: the target scorecard, time series and forest plots.

:func:`all_figures` returns every figure of the report, mechanism and sensitivity
views included, in the order they appear.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from sim.indicators.definitions import INDICATOR_BY_KEY, INDICATORS
from sim.report.data import ReportData, scorecard
from sim.report.i18n import indicator_name, t, unit_name
from sim.report.style import (
    PHASES,
    STATUS_COLOURS,
    ReportFigure,
    base_layout,
    colours,
    esc,
    fmt_value,
    is_share,
    layout,
    new_figure,
    rgba,
    subplots,
    target_text,
)

STATUS_CODES = ("no_target", "not_due", "not_met", "uncertain", "met")


def all_figures(data: ReportData, lang: str) -> list[ReportFigure]:
    """Every figure of the report, in order."""
    from sim.report.mechanism_figures import mechanism_figures
    from sim.report.sensitivity_figures import sensitivity_figures

    return [*scorecard_figures(data, lang), *series_figures(data, lang), *forest_figures(data, lang),
            *mechanism_figures(data, lang), *sensitivity_figures(data, lang)]


def scorecard_figures(data: ReportData, lang: str) -> list[ReportFigure]:
    """A grid of indicators with targets by arm and milestone year, coloured by status."""
    card = scorecard(data)
    card = card[card["indicator"].map(lambda k: INDICATOR_BY_KEY.get(k) is not None
                                      and INDICATOR_BY_KEY[k].target is not None
                                      and INDICATOR_BY_KEY[k].kind != "input")]
    if card.empty:
        return []
    keys = list(dict.fromkeys(card["indicator"]))
    cols = [(a, y) for y in sorted(card["year"].unique()) for a in data.arm_order]
    cols = [c for c in cols if ((card["arm"] == c[0]) & (card["year"] == c[1])).any()]
    z = np.full((len(keys), len(cols)), np.nan)
    text = np.full((len(keys), len(cols)), "", dtype=object)
    hover = np.full((len(keys), len(cols)), "", dtype=object)
    for r in card.itertuples():
        i, j = keys.index(r.indicator), cols.index((r.arm, r.year))
        unit = INDICATOR_BY_KEY[r.indicator].unit
        z[i, j] = STATUS_CODES.index(r.status)
        text[i, j] = fmt_value(r.mean, unit)
        hover[i, j] = (f"{fmt_value(r.mean, unit)} "
                       f"[{fmt_value(r.ci_low, unit)}, {fmt_value(r.ci_high, unit)}]"
                       f" · {esc(t(r.status, lang))}")
    n = len(STATUS_CODES)
    scale = []
    for k, s in enumerate(STATUS_CODES):
        scale += [[k / n, STATUS_COLOURS[s]], [(k + 1) / n, STATUS_COLOURS[s]]]
    y = [esc(f"{indicator_name(k, lang)} ({target_text(k)})") for k in keys]
    x = [[str(c[1]) for c in cols], [esc(data.arm_label(c[0], lang)) for c in cols]]
    fig = new_figure(go.Heatmap(z=z, x=x, y=y, text=text, texttemplate="%{text}", customdata=hover,
                               hovertemplate="%{y}<br>%{x}<br>%{customdata}<extra></extra>",
                               colorscale=scale, zmin=-0.5, zmax=n - 0.5, showscale=False, xgap=2, ygap=2))
    for s in ("met", "uncertain", "not_met", "not_due"):
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=esc(t(s, lang)),
                                 marker={"size": 12, "symbol": "square", "color": STATUS_COLOURS[s]}))
    fig.update_yaxes(autorange="reversed")
    legend = {"orientation": "h", "yref": "paper", "y": 1.02, "yanchor": "bottom", "x": 0}
    layout(fig, esc(t("scorecard_fig_title", lang)), height=max(360, 26 * len(keys) + 170),
           margin={"l": 260, "t": 90}, legend=legend)
    fig.update_layout(title={"y": 0.99, "yanchor": "top"})
    return [ReportFigure("scorecard", "scorecard", t("scorecard_fig_title", lang), fig, wide=True)]


def _band(x: list[int], low: list[float | None], high: list[float | None], colour: str, name: str) -> dict:
    """The 95% band as a closed polygon (low along, high back)."""
    return {"type": "scatter", "mode": "lines", "x": [*x, *x[::-1]], "y": [*low, *high[::-1]],
            "fill": "toself", "fillcolor": rgba(colour, 0.15), "line": {"width": 0}, "hoverinfo": "skip",
            "showlegend": False, "legendgroup": name}


def phase_shapes(years: list[int], lang: str) -> tuple[list[dict], list[dict]]:
    """Shaded rectangles and labels for the plan's phases within ``years``."""
    shapes, notes = [], []
    for name, first, last, colour in PHASES:
        lo, hi = max(first, years[0]) - 0.5, min(last, years[-1]) + 0.5
        if lo < hi:
            shapes.append({"type": "rect", "xref": "x", "yref": "paper", "x0": lo, "x1": hi, "y0": 0, "y1": 1,
                           "fillcolor": colour, "line": {"width": 0}, "layer": "below"})
            notes.append({"xref": "x", "yref": "paper", "x": lo, "y": 1, "xanchor": "left",
                          "yanchor": "bottom", "text": esc(t(name, lang)), "showarrow": False,
                          "font": {"size": 10, "color": "#777"}})
    return shapes, notes


def _floats(values: pd.Series) -> list[float | None]:
    return [None if v != v else float(v) for v in values]


def series_figure(data: ReportData, key: str, lang: str) -> dict | None:
    """One indicator over the years (a figure dict): each arm's mean with its 95% band, the
    plan's phases shaded, the target as a dashed line from its first year."""
    s = data.summary[data.summary["indicator"] == key]
    if s["mean"].isna().all():
        return None
    ind = INDICATOR_BY_KEY.get(key)
    unit = ind.unit if ind else ""
    cols = colours(data)
    years = data.years
    traces: list[dict] = []
    for arm in data.arm_order:
        a = s[s["arm"] == arm].sort_values("year")
        if a.empty or a["mean"].isna().all():
            continue
        label = esc(data.arm_label(arm, lang))
        x = [int(v) for v in a["year"]]
        lo, hi = _floats(a["ci_low"]), _floats(a["ci_high"])
        if a["ci_low"].notna().any():
            traces.append(_band(x, lo, hi, cols[arm], label))
        traces.append({"type": "scatter", "x": x, "y": _floats(a["mean"]), "mode": "lines+markers",
                       "name": label, "legendgroup": label, "line": {"color": cols[arm], "width": 2},
                       "customdata": [[a_, b_] for a_, b_ in zip(lo, hi)],
                       "hovertemplate": f"{label} %{{x}}: %{{y}} [%{{customdata[0]}}, %{{customdata[1]}}]"
                                        "<extra></extra>"})
    if ind is not None and ind.target is not None:
        tx = [y for y in years if y >= ind.target_from]
        if tx:
            traces.append({"type": "scatter", "x": [tx[0] - 0.5, tx[-1] + 0.5], "y": [ind.target, ind.target],
                           "mode": "lines", "name": esc(f"{t('target_line', lang)} {target_text(key)}"),
                           "line": {"color": "#000", "dash": "dash", "width": 1.5}})
    shapes, notes = phase_shapes(years, lang)
    share = is_share(unit)
    fmt = {"tickformat": ".0%", "hoverformat": ".1%"} if share else {"hoverformat": ".2f"}
    return {"data": traces, "layout": base_layout(
        esc(f"{indicator_name(key, lang)} ({unit_name(unit, lang)})"), 380, shapes=shapes, annotations=notes,
        xaxis={"dtick": 1, "range": [years[0] - 0.5, years[-1] + 0.5]},
        yaxis=fmt)}


def series_figures(data: ReportData, lang: str) -> list[ReportFigure]:
    """One time-series figure per indicator with data (indicator-system order)."""
    present = set(data.summary["indicator"])
    out = []
    for ind in INDICATORS:
        if ind.key in present and (fig := series_figure(data, ind.key, lang)) is not None:
            out.append(ReportFigure(f"series_{ind.key}", f"series_{ind.kind}", indicator_name(ind.key, lang),
                                    fig))
    return out


def forest_figures(data: ReportData, lang: str) -> list[ReportFigure]:
    """Paired differences from the baseline in the last year: shares on one axis (percentage
    points), every other indicator in its own panel."""
    if data.diffs.empty:
        return []
    year = max(data.diffs["year"])
    d = data.diffs[(data.diffs["year"] == year) & data.diffs["mean"].notna()]
    order = [i.key for i in INDICATORS if i.key in set(d["indicator"])]
    shares = [k for k in order if is_share(INDICATOR_BY_KEY[k].unit)]
    others = [k for k in order if k not in shares]
    out = []
    if shares:
        title = t("forest_title", lang, year=year, unit=t("diff_pp", lang))
        out.append(ReportFigure("forest_shares", "diff", title,
                                _forest_shares(data, d, shares, year, lang), wide=True))
    if others:
        title = t("forest_title", lang, year=year, unit=t("other_units", lang))
        out.append(ReportFigure("forest_other", "diff", title,
                                _forest_panels(data, d, others, year, lang), wide=True))
    return out


def _forest_shares(data: ReportData, d: pd.DataFrame, keys: list[str], year: int, lang: str) -> go.Figure:
    fig = new_figure()
    cols = colours(data)
    names = {k: esc(indicator_name(k, lang)) for k in keys}
    for arm in data.arm_order:
        a = d[d["arm"] == arm].set_index("indicator").reindex(keys).dropna(subset=["mean"])
        if a.empty:
            continue
        m, lo, hi = a["mean"] * 100, a["ci_low"] * 100, a["ci_high"] * 100
        fig.add_trace(go.Scatter(
            x=m, y=[names[k] for k in a.index], mode="markers", name=esc(data.arm_label(arm, lang)),
            marker={"color": cols[arm], "size": 8},
            error_x={"type": "data", "symmetric": False, "array": (hi - m).fillna(0),
                     "arrayminus": (m - lo).fillna(0), "thickness": 1.5}))
    layout(fig, esc(t("forest_title", lang, year=year, unit=t("diff_pp", lang))),
           shapes=[{"type": "line", "xref": "x", "yref": "paper", "x0": 0, "x1": 0, "y0": 0, "y1": 1,
                    "line": {"color": "#333", "width": 1}}],
           height=max(320, 24 * len(keys) + 160), margin={"l": 260},
           scattermode="group", scattergap=0.4)
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title=esc(t("diff_pp", lang)), zeroline=False)
    return fig


def _forest_panels(data: ReportData, d: pd.DataFrame, keys: list[str], year: int, lang: str) -> go.Figure:
    titles = [esc(f"{indicator_name(k, lang)} ({unit_name(INDICATOR_BY_KEY[k].unit, lang)})") for k in keys]
    ncols = 2
    nrows = -(-len(keys) // ncols)
    fig = subplots(rows=nrows, cols=ncols, subplot_titles=titles, horizontal_spacing=0.22,
                   vertical_spacing=min(0.3 / nrows, 0.12))
    cols = colours(data)
    arms = [a for a in data.arm_order if a in set(d["arm"])]
    labels = [esc(data.arm_label(a, lang)) for a in arms]
    cells = d.set_index(["indicator", "arm"])
    traces, rows, columns, zero_lines, shown = [], [], [], [], set()
    for i, k in enumerate(keys):
        axis = "" if i == 0 else str(i + 1)
        zero_lines.append({"type": "line", "xref": f"x{axis}", "yref": f"y{axis} domain", "x0": 0, "x1": 0,
                           "y0": 0, "y1": 1, "line": {"color": "#333", "width": 1}})
        for arm, label in zip(arms, labels):
            if (k, arm) not in cells.index:
                continue
            row = cells.loc[(k, arm)]
            m, lo, hi = float(row["mean"]), float(row["ci_low"]), float(row["ci_high"])
            traces.append({"type": "scatter", "x": [m], "y": [label], "mode": "markers", "name": label,
                           "legendgroup": label, "showlegend": label not in shown,
                           "marker": {"color": cols[arm], "size": 8},
                           "error_x": {"type": "data", "symmetric": False, "thickness": 1.5,
                                       "array": [0 if hi != hi else hi - m],
                                       "arrayminus": [0 if lo != lo else m - lo]}})
            shown.add(label)
            rows.append(i // ncols + 1)
            columns.append(i % ncols + 1)
    fig.add_traces(traces, rows=rows, cols=columns)
    layout(fig, esc(t("forest_title", lang, year=year, unit=t("other_units", lang))),
           height=max(320, nrows * (40 * len(arms) + 90) + 80), shapes=zero_lines,
           margin={"l": 150, "t": 70})
    fig.update_annotations(font={"size": 11})
    fig.update_yaxes(autorange="reversed")
    return fig
