"""Figures that explain the outcomes: where staff hours go, how cases flow, how departments
answer whistles."""

from __future__ import annotations

import plotly.graph_objects as go

from sim.report.data import BUCKETS, FLOW_OUTCOMES, ReportData
from sim.report.i18n import department_name, optional, t
from sim.report.style import ReportFigure, colours, esc, layout, new_figure, rgba, subplots

BUCKET_COLOURS = {"casework": "#2ca02c", "in_list": "#1f77b4", "out_of_list": "#d62728",
                  "data_entry": "#ff7f0e", "training": "#9467bd", "emergency": "#8c564b",
                  "slack": "#d9d9d9"}
OUTCOME_COLOURS = {"resolved": "#2ca02c", "bounced": "#ff7f0e", "dropped": "#d62728", "open": "#999999"}
ROUTES = ("street", "social_org", "departments", "none")


def mechanism_figures(data: ReportData, lang: str) -> list[ReportFigure]:
    """Hours by use over time and in the last year, case-flow Sankeys, department answers."""
    out = []
    if not data.hours.empty:
        out += [hours_over_time(data, lang), hours_last_year(data, lang)]
    out += [sankey(data, arm, lang) for arm in data.arm_order if arm in set(data.flows["arm"])]
    if not data.departments.empty:
        out.append(departments_figure(data, lang))
    return out


def _bucket_label(bucket: str, lang: str) -> str:
    return esc(optional("bucket_", bucket, lang))


def hours_over_time(data: ReportData, lang: str) -> ReportFigure:
    """Stacked monthly shares of available staff hours by use, one panel per arm."""
    arms = [a for a in data.arm_order if a in set(data.hours["arm"])]
    titles = [esc(data.arm_label(a, lang)) for a in arms]
    fig = subplots(rows=len(arms), cols=1, shared_xaxes=True, subplot_titles=titles,
                        vertical_spacing=min(0.08, 0.3 / len(arms)))
    buckets = [*BUCKETS, "slack"]
    for r, arm in enumerate(arms, start=1):
        h = data.hours[data.hours["arm"] == arm]
        for b in buckets:
            part = h[h["bucket"] == b].sort_values("month")
            if part.empty:
                continue
            fig.add_trace(go.Scatter(
                x=part["month"], y=part["share"], mode="lines", stackgroup=f"s{r}",
                name=_bucket_label(b, lang),
                legendgroup=b, showlegend=r == 1, line={"width": 0.5, "color": BUCKET_COLOURS.get(b, "#aaa")},
                hovertemplate=f"{_bucket_label(b, lang)} %{{x|%Y-%m}}: %{{y:.1%}}<extra></extra>"),
                row=r, col=1)
        fig.update_yaxes(tickformat=".0%", range=[0, 1], row=r, col=1)
    layout(fig, esc(t("hours_title", lang, scenario="")).rstrip(": ："), height=230 * len(arms) + 140)
    return ReportFigure("hours_over_time", "mechanisms", t("hours_title", lang, scenario=""), fig, wide=True)


def hours_last_year(data: ReportData, lang: str) -> ReportFigure:
    """Share of available hours by use in the last year, one bar per arm."""
    year = int(data.hours["year"].max())
    h = data.hours[data.hours["year"] == year].groupby(["arm", "bucket"])["hours"].sum().reset_index()
    total = h.groupby("arm")["hours"].transform("sum")
    h["share"] = h["hours"] / total
    arms = [a for a in data.arm_order if a in set(h["arm"])]
    labels = [esc(data.arm_label(a, lang)) for a in arms]
    fig = new_figure()
    for b in [*BUCKETS, "slack"]:
        part = h[h["bucket"] == b].set_index("arm").reindex(arms)
        fig.add_trace(go.Bar(y=labels, x=part["share"], orientation="h", name=_bucket_label(b, lang),
                             marker={"color": BUCKET_COLOURS.get(b, "#aaa")},
                             text=[f"{v:.0%}" if v == v and v >= 0.04 else "" for v in part["share"]],
                             textposition="inside", hovertemplate="%{y}: %{x:.1%}<extra></extra>"))
    title = esc(t("hours_summary_title", lang, year=year))
    layout(fig, title, height=90 + 50 * len(arms) + 90, barmode="stack",
           margin={"l": 200})
    fig.update_xaxes(tickformat=".0%", range=[0, 1])
    fig.update_yaxes(autorange="reversed")
    return ReportFigure("hours_last_year", "mechanisms", t("hours_summary_title", lang, year=year), fig)


def sankey(data: ReportData, arm: str, lang: str) -> ReportFigure:
    """Cases from raised, through their route, to their end state."""
    f = data.flows[data.flows["arm"] == arm]
    routes = [r for r in ROUTES if r in set(f["route"])] + sorted(set(f["route"]) - set(ROUTES))
    ends = [o for o in FLOW_OUTCOMES if o in set(f["outcome"])]
    by_end = f.groupby("outcome")["n"].sum()
    by_route = f.groupby("route")["n"].sum()
    nodes = ([f"{esc(t('node_raised', lang))} {f['n'].sum():,.0f}"]
             + [f"{esc(optional('route_', r, lang))} {by_route.get(r, 0):,.0f}" for r in routes]
             + [f"{esc(optional('out_', o, lang))} {by_end.get(o, 0):,.0f}" for o in ends])
    node_colours = ["#444"] + ["#6baed6"] * len(routes) + [OUTCOME_COLOURS.get(o, "#999") for o in ends]
    links = [(0, i, float(by_route.get(r, 0)), "rgba(107,174,214,0.4)")
             for i, r in enumerate(routes, start=1)]
    links += [(1 + routes.index(r), 1 + len(routes) + ends.index(o), float(n),
               rgba(OUTCOME_COLOURS.get(o, "#999999"), 0.45))
              for (r, o), n in f.groupby(["route", "outcome"])["n"].sum().items()]
    src, dst, val, col = (list(x) for x in zip(*links)) if links else ([], [], [], [])
    years = f"{int(f['first_year'].min())}–{int(f['last_year'].max())}" if len(f) else ""
    title = t("flow_title", lang, years=years, scenario=data.arm_label(arm, lang))
    fig = new_figure(go.Sankey(
        valueformat=",.0f", arrangement="snap",
        node={"label": nodes, "color": node_colours, "pad": 18, "thickness": 16},
        link={"source": src, "target": dst, "value": val, "color": col}))
    layout(fig, esc(title), height=420, margin={"b": 20})
    return ReportFigure(f"flow_{_slug(arm, data)}", "mechanisms", title, fig)


def _slug(arm: str, data: ReportData) -> str:
    return str(data.arm_order.index(arm))


def departments_figure(data: ReportData, lang: str) -> ReportFigure:
    """Answer rate and mean arrival time per department and arm in the last year."""
    year = int(data.departments["year"].max())
    d = data.departments[data.departments["year"] == year]
    depts = sorted(set(d["department"]))
    names = [esc(department_name(k, lang)) for k in depts]
    fig = subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.04,
                        subplot_titles=[esc(t("dept_answer_rate", lang)), esc(t("dept_delay", lang))])
    cols = colours(data)
    for arm in data.arm_order:
        a = d[d["arm"] == arm].set_index("department").reindex(depts)
        if a["episodes"].isna().all():
            continue
        label = esc(data.arm_label(arm, lang))
        fig.add_trace(go.Bar(y=names, x=a["answer_rate"], orientation="h", name=label, legendgroup=label,
                             marker={"color": cols[arm]}, hovertemplate="%{y}: %{x:.1%}<extra></extra>"),
                      row=1, col=1)
        fig.add_trace(go.Bar(y=names, x=a["mean_arrival_hours"], orientation="h", name=label,
                             legendgroup=label,
                             showlegend=False, marker={"color": cols[arm]},
                             hovertemplate="%{y}: %{x:.1f} h<extra></extra>"), row=1, col=2)
    title = t("dept_title", lang, year=year)
    layout(fig, esc(title), height=max(380, 28 * len(depts) * max(1, len(data.arm_order)) // 2 + 160),
           barmode="group", margin={"l": 140, "t": 70})
    fig.update_xaxes(tickformat=".0%", range=[0, 1], row=1, col=1)
    fig.update_yaxes(autorange="reversed")
    return ReportFigure("departments", "mechanisms", title, fig, wide=True)
