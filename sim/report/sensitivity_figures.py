"""Sensitivity and sweep figures, drawn when the results hold them: Morris mu*-sigma,
Sobol indices with confidence intervals, an indicator over two parameters, and parallel
coordinates of the parameter points."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from sim.indicators.definitions import INDICATOR_BY_KEY
from sim.report.data import ReportData
from sim.report.i18n import indicator_name, t
from sim.report.style import ReportFigure, esc, is_share, layout, new_figure

HEATMAP_BINS = 6
"""Bins per axis when a swept parameter takes more distinct values than this (a sample)."""


def sensitivity_figures(data: ReportData, lang: str) -> list[ReportFigure]:
    """Every sensitivity and sweep figure the data allow."""
    out: list[ReportFigure] = []
    sa = data.sensitivity
    if sa is not None and not sa.empty:
        sa = sa.assign(stressors=sa["stressors"].fillna("").astype(str) if "stressors" in sa else "")
        for i, ((scenario, stressors, indicator, year), g) in enumerate(
                sa.groupby(["scenario", "stressors", "indicator", "year"], sort=False)):
            arm = scenario if not stressors else f"{scenario} [{stressors}]"
            wide = g.pivot_table(index="parameter", columns="index", values=["value", "conf"], sort=False)
            wide.columns = [v if k == "value" else f"{v}_conf" for k, v in wide.columns]
            what = f"{indicator_name(str(indicator), lang)} {year}"
            if len(data.arm_order) > 1:
                what += f" · {data.arm_label(arm, lang)}"
            if {"mu_star", "sigma"} <= set(wide.columns):
                out.append(morris_figure(wide.reset_index(), what, f"morris_{i}", lang))
            elif {"S1", "ST"} <= set(wide.columns):
                out.append(sobol_figure(wide.reset_index(), what, f"sobol_{i}", lang))
    if data.sweep is not None and not data.sweep.empty:
        out += heatmaps(data, lang)
        if (pc := parallel_coordinates(data, lang)) is not None:
            out.append(pc)
    return out


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text)


def morris_figure(m: pd.DataFrame, what: str, fig_id: str, lang: str) -> ReportFigure:
    """mu* against sigma, one labelled point per parameter, with mu*'s 95% confidence interval.

    ``m`` has columns parameter, mu_star, sigma and optionally mu_star_conf.
    """
    names = [esc(p) for p in m["parameter"]]
    err = m.get("mu_star_conf")
    fig = new_figure(go.Scatter(
        x=m["mu_star"], y=m["sigma"], mode="markers+text", text=names, textposition="top center",
        textfont={"size": 10}, marker={"size": 9, "color": "#1f77b4"},
        error_x=None if err is None else {"type": "data", "array": err.fillna(0), "thickness": 1},
        hovertemplate="%{text}<br>mu* %{x:.3g}<br>sigma %{y:.3g}<extra></extra>"))
    title = t("morris_title", lang, indicator=what)
    layout(fig, esc(title), height=460, showlegend=False)
    fig.update_xaxes(title=esc(t("mu_star", lang)), rangemode="tozero")
    fig.update_yaxes(title=esc(t("sigma", lang)), rangemode="tozero")
    return ReportFigure(fig_id, "sensitivity", title, fig)


def sobol_figure(s: pd.DataFrame, what: str, fig_id: str, lang: str) -> ReportFigure:
    """First-order and total Sobol indices per parameter with 95% confidence intervals.

    ``s`` has columns parameter, S1, ST and optionally S1_conf, ST_conf.
    """
    s = s.sort_values("ST", ascending=False)
    names = [esc(p) for p in s["parameter"]]
    fig = new_figure()
    for col, key, colour in (("S1", "sobol_first", "#1f77b4"), ("ST", "sobol_total", "#d62728")):
        conf = s[f"{col}_conf"].fillna(0) if f"{col}_conf" in s else None
        fig.add_trace(go.Bar(y=names, x=s[col], orientation="h", name=esc(t(key, lang)),
                             marker={"color": colour},
                             error_x=None if conf is None else {"type": "data", "array": conf}))
    title = t("sobol_title", lang, indicator=what)
    layout(fig, esc(title), height=max(340, 36 * len(s) + 160), barmode="group",
           margin={"l": 240})
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title=esc(t("sobol_axis", lang)))
    return ReportFigure(fig_id, "sensitivity", title, fig)


def _params(data: ReportData) -> list[str]:
    fixed = {"arm", "point", "indicator", "year", "mean"}
    cols = [c for c in data.sweep.columns if c not in fixed]
    ordered = [p for p in data.meta.get("parameters", []) if p in cols]
    numeric = [c for c in ordered + [c for c in cols if c not in ordered]
               if pd.api.types.is_numeric_dtype(data.sweep[c])]
    return numeric


def _axis(values: pd.Series) -> pd.Series:
    if values.nunique() <= HEATMAP_BINS:
        return values.round(6)
    return pd.cut(values, HEATMAP_BINS).map(lambda iv: round(float(iv.mid), 6)).astype(float)


def heatmaps(data: ReportData, lang: str) -> list[ReportFigure]:
    """Each output indicator (last output year) over the first two swept parameters, per arm:
    the mean over the other parameters and replications (binned for sampled designs)."""
    params = _params(data)
    if len(params) < 2:
        return []
    px, py = params[:2]
    sw = data.sweep
    year = int(sw["year"].max())
    out = []
    for arm in data.arm_order:
        for key in dict.fromkeys(sw["indicator"]):
            part = sw[(sw["arm"] == arm) & (sw["indicator"] == key) & (sw["year"] == year)]
            if part.empty:
                continue
            grid = part.assign(_x=_axis(part[px]), _y=_axis(part[py])).pivot_table(
                index="_y", columns="_x", values="mean", aggfunc="mean")
            unit = INDICATOR_BY_KEY[key].unit if key in INDICATOR_BY_KEY else ""
            fig = new_figure(go.Heatmap(
                z=grid.to_numpy(), x=[f"{v:.3g}" for v in grid.columns], y=[f"{v:.3g}" for v in grid.index],
                colorscale="Viridis", colorbar={"tickformat": ".1%" if is_share(unit) else ""},
                hovertemplate=f"{esc(px)} %{{x}}<br>{esc(py)} %{{y}}<br>%{{z:.3g}}<extra></extra>"))
            title = t("heatmap_title", lang, indicator=indicator_name(key, lang), year=year)
            if len(data.arm_order) > 1:
                title = f"{title} · {data.arm_label(arm, lang)}"
            layout(fig, esc(title), height=440)
            fig.update_xaxes(title=esc(px), type="category")
            fig.update_yaxes(title=esc(py), type="category")
            fig_id = f"heatmap_{data.arm_order.index(arm)}_{_slug(key)}"
            out.append(ReportFigure(fig_id, "sensitivity", title, fig))
    return out


def parallel_coordinates(data: ReportData, lang: str) -> ReportFigure | None:
    """One line per arm and point through the swept parameters and the output indicators."""
    params = _params(data)
    sw = data.sweep
    year = int(sw["year"].max())
    wide = sw[sw["year"] == year].pivot_table(index=["arm", "point"], columns="indicator", values="mean")
    if wide.empty or not params:
        return None
    pts = sw.drop_duplicates(["arm", "point"]).set_index(["arm", "point"])[params]
    wide = wide.join(pts)
    dims = [{"label": esc(p), "values": wide[p]} for p in params]
    order = list(data.meta.get("indicators") or [])
    keys = sorted((k for k in wide.columns if k not in params),
                  key=lambda k: order.index(k) if k in order else len(order))
    dims += [{"label": esc(indicator_name(k, lang)), "values": wide[k]} for k in keys]
    arms = list(wide.index.get_level_values("arm"))
    if len(set(arms)) > 1:
        order = [a for a in data.arm_order if a in set(arms)]
        dims.insert(0, {"label": esc(t("scenario", lang)), "values": [order.index(a) for a in arms],
                        "tickvals": list(range(len(order))),
                        "ticktext": [esc(data.arm_label(a, lang)) for a in order]})
    colour = wide[keys[0]] if keys else np.zeros(len(wide))
    fig = new_figure(go.Parcoords(dimensions=dims, line={"color": colour, "colorscale": "Viridis",
                                                          "showscale": True}))
    title = t("parcoords_title", lang, year=year)
    layout(fig, esc(title), height=480, margin={"l": 80, "r": 80, "t": 90, "b": 40})
    return ReportFigure("parcoords", "sensitivity", title, fig, wide=True)
