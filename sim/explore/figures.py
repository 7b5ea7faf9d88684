"""The explorer's figures (plotly), built from :class:`~sim.explore.model.ExplorerModel`
tables: indicators year by year against the plan's targets and the baseline, staff hours
by use, and the case flow with bounced cases as their own end state."""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.indicators.definitions import INDICATOR_BY_KEY
from sim.report.data import BUCKETS, FLOW_OUTCOMES
from sim.report.i18n import indicator_name, optional

HEADLINE = ("resolution_rate", "satisfaction", "dept_response_rate", "mean_resolve_hours",
            "out_of_list_share", "staff_turnover")
ARM_COLOURS = {"path": "#1f77b4", "baseline": "#555555"}
WORDS = {"baseline": ("baseline (same seed)", "现状（同一种子）"), "target": ("plan target", "方案目标"),
         "hours": ("Staff hours by use, per month", "工作人员时间用途（每月）"),
         "flow": ("Case flow so far", "诉求流向（至今）"),
         "indicators": ("Indicators year by year", "逐年指标"),
         "no_year": ("Press Step (one year) or ▶ to run.", "点击 Step（一年）或 ▶ 开始运行。")}
OUTCOME_COLOURS = {"resolved": "#2ca02c", "bounced": "#ff7f0e", "dropped": "#d62728", "open": "#999999"}


def word(key: str, lang: str) -> str:
    """A UI word in ``lang``."""
    return WORDS[key][lang == "zh"]


def indicator_figure(model, keys=HEADLINE) -> go.Figure:
    """Small multiples: the scenario and the baseline per year, with the plan's target."""
    lang = model.lang
    y = model.yearly()
    fig = make_subplots(rows=2, cols=3, subplot_titles=[indicator_name(k, lang) for k in keys],
                        vertical_spacing=0.16)
    for i, key in enumerate(keys):
        row, col = divmod(i, 3)
        sel = y[y["indicator"] == key]
        for arm in ("path", "baseline"):
            part = sel[sel["arm"] == arm]
            fig.add_trace(go.Scatter(x=part["year"], y=part["value"], mode="lines+markers",
                                     name=model.path_name if arm == "path" else word("baseline", lang),
                                     legendgroup=arm, showlegend=i == 0,
                                     line={"color": ARM_COLOURS[arm],
                                           "dash": "solid" if arm == "path" else "dot"}),
                          row=row + 1, col=col + 1)
        spec = INDICATOR_BY_KEY[key]
        if spec.target is not None:
            fig.add_trace(go.Scatter(x=[2024, 2030], y=[spec.target, spec.target], mode="lines",
                                     name=word("target", lang), legendgroup="target", showlegend=i == 0,
                                     line={"color": "#2ca02c", "dash": "dash", "width": 1}),
                          row=row + 1, col=col + 1)
        fig.update_xaxes(range=[2023.7, 2030.3], dtick=1, row=row + 1, col=col + 1)
    fig.update_layout(height=520, margin={"t": 60, "b": 30, "l": 40, "r": 10}, template="plotly_white",
                      title=f"{word('indicators', lang)}: {_years(model)}",
                      legend={"orientation": "h", "y": -0.08})
    return fig


def _years(model) -> str:
    return ", ".join(str(x) for x in model.years_done) or "-"


def hours_figure(model) -> go.Figure:
    """Stacked monthly staff hours by use, the scenario above the baseline."""
    lang = model.lang
    h = model.hours()
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True,
                        subplot_titles=[model.path_name, word("baseline", lang)], vertical_spacing=0.12)
    for r, arm in enumerate(("path", "baseline"), start=1):
        part = h[h["arm"] == arm]
        for b in [*BUCKETS, "slack"]:
            s = part[part["bucket"] == b]
            if s.empty:
                continue
            fig.add_trace(go.Scatter(x=s["month"], y=s["hours"], stackgroup=arm, mode="lines",
                                     name=optional("bucket_", b, lang), legendgroup=b, showlegend=r == 1),
                          row=r, col=1)
    fig.update_layout(height=460, template="plotly_white", title=word("hours", lang),
                      margin={"t": 60, "b": 30, "l": 40, "r": 10})
    return fig


def flow_figure(model, arm: str = "path") -> go.Figure:
    """Sankey of cases raised -> route -> end state (bounced apart from dropped)."""
    lang = model.lang
    f = model.flows()
    f = f[f["arm"] == arm]
    routes = sorted(set(f["route"]))
    ends = [o for o in FLOW_OUTCOMES if o in set(f["outcome"])]
    labels = ([f"{optional('node_', 'raised', lang)} {f['n'].sum():,}"]
              + [f"{optional('route_', r, lang)} {f[f.route == r]['n'].sum():,}" for r in routes]
              + [f"{optional('out_', o, lang)} {f[f.outcome == o]['n'].sum():,}" for o in ends])
    src, dst, val = [], [], []
    for i, r in enumerate(routes, start=1):
        src.append(0), dst.append(i), val.append(int(f[f.route == r]["n"].sum()))
    for row in f.itertuples():
        src.append(1 + routes.index(row.route)), dst.append(1 + len(routes) + ends.index(row.outcome))
        val.append(int(row.n))
    colours = ["#444"] + ["#6baed6"] * len(routes) + [OUTCOME_COLOURS[o] for o in ends]
    fig = go.Figure(go.Sankey(node={"label": labels, "color": colours, "pad": 16},
                              link={"source": src, "target": dst, "value": val}))
    fig.update_layout(height=380, title=f"{word('flow', lang)}: {model.path_name}",
                      margin={"t": 50, "b": 10, "l": 10, "r": 10})
    return fig
