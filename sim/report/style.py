"""Shared look of the report's figures: the figure record, colours, fonts, number formats.

Every piece of text that reaches a figure passes through :func:`esc`: plotly reads a
small set of HTML tags in labels, so user text (scenario names, parameter names) is
escaped and shows as typed.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import plotly.graph_objects as go

from sim.indicators.definitions import INDICATOR_BY_KEY
from sim.report.data import SHARE_UNITS, ReportData

FONT = "Arial, 'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', 'PingFang SC', sans-serif"
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
           "#bcbd22")
BASELINE_COLOUR = "#555555"
PHASES = (("phase_short", 2024, 2025, "rgba(31,119,180,0.07)"),
          ("phase_middle", 2026, 2027, "rgba(44,160,44,0.07)"),
          ("phase_long", 2028, 2030, "rgba(148,103,189,0.07)"))
"""The plan's phases (brief §4): short term 2024-2025, middle 2026-2027, long 2028-2030."""
_AXIS = {"gridcolor": "#ebf0f8", "linecolor": "#c8d0da", "zerolinecolor": "#c8d0da", "automargin": True}
TEMPLATE = {"layout": {"paper_bgcolor": "white", "plot_bgcolor": "white", "colorway": list(PALETTE),
                       "xaxis": _AXIS, "yaxis": _AXIS, "hoverlabel": {"align": "left"}}}
"""A light template in the spirit of ``plotly_white``, small enough to build figures fast."""
STATUS_COLOURS = {"met": "#2ca02c", "not_met": "#d62728", "uncertain": "#f0ad4e", "not_due": "#d9d9d9",
                  "no_target": "#f2f2f2"}


@dataclass
class ReportFigure:
    """One figure of the report: a file-safe id, its section, title and plotly figure (a
    ``go.Figure``, or a figure dict for the many small time series, which are built as dicts
    because validating thousands of plotly objects is slow)."""

    id: str
    section: str
    title: str
    figure: go.Figure | dict
    wide: bool = False

    def as_dict(self) -> dict:
        """The figure as a plotly figure dict."""
        return self.figure if isinstance(self.figure, dict) else self.figure.to_dict()


def esc(text: object) -> str:
    """Text escaped for plotly labels and HTML."""
    return html.escape(str(text), quote=True)


def arm_colours(arms: list[str], baseline: set[str]) -> dict[str, str]:
    """A colour per arm, grey for baseline arms."""
    out, i = {}, 0
    for arm in arms:
        if arm in baseline:
            out[arm] = BASELINE_COLOUR
        else:
            out[arm] = PALETTE[i % len(PALETTE)]
            i += 1
    return out


def colours(data: ReportData) -> dict[str, str]:
    """A colour per arm of ``data`` (grey for arms compared with none)."""
    return arm_colours(data.arm_order, set(data.arms.loc[data.arms["reference"] == "", "arm"]))


def rgba(hex_colour: str, alpha: float) -> str:
    """``#rrggbb`` as an ``rgba()`` string."""
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def is_share(unit: str) -> bool:
    """Whether a unit is a share (shown as a percentage)."""
    return unit in SHARE_UNITS


def fmt_value(value: float, unit: str) -> str:
    """A value for display: shares as percentages, others with sensible decimals."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if is_share(unit):
        return f"{value:.1%}"
    a = abs(value)
    return f"{value:,.0f}" if a >= 100 else f"{value:.1f}" if a >= 10 else f"{value:.2f}"


def target_text(key: str) -> str:
    """The plan's target (shares as percentages) and, when later than 2025, its first year."""
    ind = INDICATOR_BY_KEY[key]
    if ind.target is None or ind.target_op is None:
        return ""
    value = f"{ind.target:.0%}" if is_share(ind.unit) else f"{ind.target:g}"
    due = f" ({ind.target_from}+)" if ind.target_from > 2025 else ""
    return f"{ind.target_op} {value}{due}"


def fmt_diff(value: float, unit: str) -> str:
    """A difference: shares in percentage points."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if is_share(unit):
        return f"{value * 100:+.1f} pp"
    return f"{value:+.2f}"


def new_figure(data: list | None = None) -> go.Figure:
    """An empty figure on the report's template."""
    return go.Figure(data=data, layout={"template": TEMPLATE})


def subplots(**kwargs: object) -> go.Figure:
    """``make_subplots`` on the report's template."""
    from plotly.subplots import make_subplots

    return make_subplots(figure=new_figure(), **kwargs)


def base_layout(title: str, height: int = 420, **kwargs: object) -> dict:
    """The common layout as a dict: title, font, template, margins (``kwargs`` override them)."""
    base: dict[str, object] = {
        "title": {"text": title, "x": 0.01, "xanchor": "left", "font": {"size": 15}},
        "font": {"family": FONT, "size": 12}, "height": height, "template": TEMPLATE,
        "margin": {"l": 60, "r": 20, "t": 60, "b": 90},
        "legend": {"orientation": "h", "yref": "container", "y": 0.005, "yanchor": "bottom", "x": 0}}
    margin = {**base["margin"], **kwargs.pop("margin", {})}  # type: ignore[dict-item]
    return {**base, **kwargs, "margin": margin}


def layout(fig: go.Figure, title: str, height: int = 420, **kwargs: object) -> go.Figure:
    """Apply :func:`base_layout` to ``fig`` (made by :func:`new_figure`, which set the template)."""
    settings = base_layout(title, height, **kwargs)
    settings.pop("template")
    fig.update_layout(**settings)
    return fig
