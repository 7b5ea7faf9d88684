"""Assemble the report as one self-contained HTML file (plotly.js embedded once).

Every piece of text is escaped with :func:`html.escape`; figures are plotly's own
``<div>`` fragments, whose JSON plotly writes with ``<``, ``>`` and ``/`` escaped.
"""

from __future__ import annotations

import datetime as dt
from html import escape

import pandas as pd
import plotly.io as pio
from plotly.offline import get_plotlyjs

from sim.indicators.definitions import INDICATOR_BY_KEY, INDICATORS
from sim.report.data import ReportData, scorecard, scorecard_years
from sim.report.i18n import indicator_name, t
from sim.report.plan_tables import costs_html, targets_html
from sim.report.style import STATUS_COLOURS, ReportFigure, fmt_diff, fmt_value, target_text

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True,
                 "toImageButtonOptions": {"format": "png", "scale": 2}}
SECTIONS = ("scorecard", "series", "diff", "costs", "mechanisms", "sensitivity", "fails", "methods")
KIND_ORDER = tuple(dict.fromkeys(i.kind for i in INDICATORS))
CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI','Noto Sans CJK SC','Microsoft YaHei','PingFang SC',
 sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#1f3b5a;color:#fff;padding:18px 28px}header h1{margin:0 0 6px;font-size:22px}
header p{margin:2px 0;font-size:13px;opacity:.9}
nav{padding:8px 28px;background:#fff;border-bottom:1px solid #ddd;
 position:sticky;top:0;z-index:10}nav a{margin-right:16px;color:#1f3b5a;text-decoration:none;font-size:14px}
main{padding:8px 28px 40px}section{margin-top:24px;scroll-margin-top:48px}
h2{border-bottom:2px solid #1f3b5a;padding-bottom:4px}
h3{margin:18px 0 6px}.intro{color:#555;font-size:13px;max-width:1100px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:14px}
.fig{background:#fff;border:1px solid #e3e3e3;border-radius:4px;padding:4px;min-width:0}
.fig.wide{grid-column:1/-1}.tablewrap{overflow-x:auto;max-width:100%}
.tablewrap.card{overflow:auto;max-height:80vh;border:1px solid #ddd}.tablewrap.card table{margin:0}
.tablewrap.card thead th{position:sticky;top:0;z-index:2}
.tablewrap.card thead tr:nth-child(2) th{top:22px}
.tablewrap.card th:first-child,.tablewrap.card td:first-child{position:sticky;left:0;z-index:1;
 background:#fff;min-width:180px;max-width:220px;box-shadow:1px 0 0 #ccc}
.tablewrap.card thead th:first-child{z-index:3;background:#f0f3f6}
.tablewrap.card tr.group td{position:sticky;left:0;background:#e8edf2}
table{border-collapse:collapse;font-size:12px;background:#fff;margin:6px 0 14px}
th,td{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}th{background:#f0f3f6}
td.num{text-align:right;white-space:nowrap}td small{color:#555;display:block}
tr.group td{background:#e8edf2;font-weight:bold}
""" + "".join(f"td.st-{k}{{background:{c}{'55' if k in ('met', 'not_met', 'uncertain') else ''}}}"
              for k, c in STATUS_COLOURS.items())


def render(data: ReportData, figures: list[ReportFigure], lang: str) -> str:
    """The whole report as an HTML string."""
    by_section: dict[str, list[ReportFigure]] = {}
    for f in figures:
        by_section.setdefault(f.section, []).append(f)
    title = t("title", lang)
    name = data.meta.get("name", "")
    nav = "".join(f'<a href="#{s}">{escape(t(f"sec_{s}", lang))}</a>' for s in SECTIONS)
    colon = "：" if lang == "zh" else ": "
    head_lines = [f"{escape(t('experiment', lang))}{colon}{escape(str(name))}"] if name else []
    if data.meta.get("description"):
        head_lines.append(escape(str(data.meta["description"])))
    head_lines.append(f"{escape(t('generated', lang))}{colon}{dt.datetime.now().strftime('%Y-%m-%d %H:%M')}")
    body = [
        _section("scorecard", lang, "scorecard_intro",
                 _figs(by_section.get("scorecard", [])) + scorecard_table(data, lang)
                 + targets_html(data.targets, data.arm_label, lang)),
        _section("series", lang, "series_intro", "".join(
            f"<h3>{escape(t(f'kind_{k}', lang))}</h3>{_figs(by_section[f'series_{k}'])}"
            for k in KIND_ORDER if by_section.get(f"series_{k}"))),
        _section("diff", lang, "diff_intro", _figs(by_section.get("diff", [])) or _p(t("no_data", lang))),
        _section("costs", lang, None, costs_html(data.costs, data.paired, data.arm_label, lang)),
        _section("mechanisms", lang, "mech_intro",
                 _figs(by_section.get("mechanisms", [])) or _p(t("no_data", lang))),
        _section("sensitivity", lang, None,
                 _figs(by_section.get("sensitivity", [])) or _p(t("no_sensitivity", lang))),
        _section("fails", lang, "fails_intro", discovery_html(data.discovery, lang)),
        _section("methods", lang, None, methods(data, lang)),
    ]
    return (f'<!DOCTYPE html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}">\n<head>\n'
            f'<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(title)}{' - ' + escape(str(name)) if name else ''}</title>\n"
            f"<style>{CSS}</style>\n<script>{get_plotlyjs()}</script>\n</head>\n<body>\n"
            f"<header><h1>{escape(title)}</h1>{''.join(f'<p>{x}</p>' for x in head_lines)}</header>\n"
            f"<nav>{nav}</nav>\n<main>\n{''.join(body)}\n</main>\n</body>\n</html>\n")


def _p(text: str) -> str:
    return f'<p class="intro">{escape(text)}</p>'


def _section(key: str, lang: str, intro: str | None, inner: str) -> str:
    return (f'<section id="{key}"><h2>{escape(t(f"sec_{key}", lang))}</h2>'
            f"{_p(t(intro, lang)) if intro else ''}{inner}</section>\n")


def _figs(figs: list[ReportFigure]) -> str:
    if not figs:
        return ""
    parts = []
    for f in figs:
        div = pio.to_html(f.figure, full_html=False, include_plotlyjs=False, div_id=f"fig-{f.id}",
                          config=PLOTLY_CONFIG, default_width="100%", validate=False)
        parts.append(f'<div class="fig{" wide" if f.wide else ""}" data-figure="{escape(f.id)}">{div}</div>')
    return f'<div class="grid">{"".join(parts)}</div>'


def _table(header: list[str], rows: list[list[str]]) -> str:
    """A table of plain text (every cell escaped)."""
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f'<div class="tablewrap"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


STATUS_MARKS = {"met": "✓", "not_met": "✗", "uncertain": "?"}


def scorecard_table(data: ReportData, lang: str) -> str:
    """Every indicator per arm at the milestone years: mean [CI], difference from the baseline
    [CI], marked and coloured by target status (✓ met, ✗ not met, ? the CI holds the target)."""
    card = scorecard(data)
    if card.empty:
        return _p(t("no_data", lang))
    years = scorecard_years(data.years)
    arms = data.arm_order
    cells = {(r.indicator, r.arm, r.year): r for r in card.itertuples()}
    ncols = 2 + len(years) * len(arms)
    head = (f'<tr><th rowspan="2">{escape(t("indicator", lang))}</th>'
            f'<th rowspan="2">{escape(t("target", lang))}</th>'
            + "".join(f'<th colspan="{len(arms)}">{y}</th>' for y in years) + "</tr><tr>"
            + "".join(f"<th>{escape(data.arm_label(a, lang))}</th>" for _ in years for a in arms) + "</tr>")
    rows, kind = [], None
    present = set(card["indicator"])
    kinds = list(dict.fromkeys(i.kind for i in INDICATORS))  # each kind once, in definition order
    shown = sorted((i for i in INDICATORS if i.key in present), key=lambda i: kinds.index(i.kind))
    for ind in shown:
        if ind.kind != kind:
            kind = ind.kind
            group = escape(t(f"kind_{kind}", lang))
            rows.append(f'<tr class="group"><td colspan="{ncols}">{group}</td></tr>')
        rows.append(f"<tr><td>{escape(indicator_name(ind.key, lang))}</td>"
                    f"<td>{escape(target_text(ind.key))}</td>"
                    + "".join(_cell(cells.get((ind.key, a, y)), ind.unit, lang) for y in years for a in arms)
                    + "</tr>")
    legend = " · ".join(f"{m} {escape(t(k, lang))}" for k, m in STATUS_MARKS.items())
    return (f'<p class="intro">{legend}</p><div class="tablewrap card" id="scorecard-table"><table>'
            f'<thead>{head}</thead><tbody>{"".join(rows)}</tbody></table></div>')


def _cell(r: object, unit: str, lang: str) -> str:
    if r is None:
        return '<td class="num">–</td>'
    mark = STATUS_MARKS.get(r.status, "")
    text = (f"{mark + ' ' if mark else ''}{fmt_value(r.mean, unit)}"
            f"<small>[{fmt_value(r.ci_low, unit)}, {fmt_value(r.ci_high, unit)}]</small>")
    if r.diff == r.diff:
        text += (f"<small>Δ {fmt_diff(r.diff, unit)} [{fmt_diff(r.diff_low, unit)}, "
                 f"{fmt_diff(r.diff_high, unit)}]</small>")
    return f'<td class="num st-{r.status}" title="{escape(t(r.status, lang))}">{text}</td>'


def discovery_html(boxes: pd.DataFrame | None, lang: str) -> str:
    """The scenario-discovery boxes (``streetsim discover``): per path, indicator and
    failure, the share of points failing and the box's coverage, density, mass and
    restricted dimensions."""
    if boxes is None or boxes.empty:
        return _p(t("no_discovery", lang))
    rows = []
    for r in boxes.itertuples():
        failure = str(r.failure)
        base, _, method = failure.partition(" (")
        label = t(base, lang) + (f" ({method}" if method else "")
        rows.append([str(r.path), indicator_name(str(r.indicator), lang), label, f"{r.share:.0%}",
                     f"{r.coverage:.0%}", f"{r.density:.0%}", f"{r.mass:.0%}", str(r.restrictions)])
    keys = ("scenario", "indicator", "fails_failure", "fails_share", "coverage", "density", "mass",
            "restrictions")
    head = [t(k, lang) for k in keys]
    return _table(head, rows)


def methods(data: ReportData, lang: str) -> str:
    """Scenario definitions, runs, seeds, version, and the calibration table."""
    none = t("none", lang)
    arms = data.arms
    parts = [f"<h3>{escape(t('scenarios_table', lang))}</h3>", _table(
        [t("scenario", lang), t("description", lang), t("levers", lang), t("stressors", lang),
         t("runs_ok", lang), t("replications", lang)],
        [[data.arm_label(a.arm, lang), a.description, a.levers or none, a.stressors or none, str(a.runs),
          str(a.replications)] for a in arms.itertuples()])]
    if not data.levers.empty:
        kinds = {"lever": t("lever", lang), "stressor": t("stressor", lang)}
        parts += [f"<h3>{escape(t('levers_table', lang))}</h3>", _table(
            [t("scenario", lang), t("kind", lang), t("name", lang), t("phase", lang), t("settings", lang),
             t("clause", lang)],
            [[data.arm_label(str(r.scenario), lang) if r.scenario != "*" else t("all_scenarios", lang),
              kinds.get(str(r.kind), str(r.kind)), str(r.name), str(r.phase), str(r.settings), str(r.clause)]
             for r in data.levers.itertuples()])]
    if not data.changes.empty:
        parts += [f"<h3>{escape(t('changes_table', lang))}</h3>", _table(
            [t("scenario", lang), t("parameter", lang), t("baseline_value", lang), t("scenario_value", lang),
             t("source", lang)],
            [[str(c.scenario), str(c.parameter), str(c.baseline), str(c.value), str(c.source)]
             for c in data.changes.itertuples()])]
    m = data.meta
    facts = [(t("experiment", lang), str(m.get("name", ""))),
             (t("sampler", lang), str(m.get("sampler") or "–")),
             (t("points", lang), str(m.get("points", 1))), (t("runs_ok", lang), str(m.get("runs_ok", ""))),
             (t("runs_failed", lang), str(m.get("runs_failed", 0))),
             (t("seeds", lang), ", ".join(str(s) for s in m.get("seeds", []))),
             (t("version", lang), ", ".join(m.get("version", [])) or "–"),
             (t("git_commit", lang), ", ".join(m.get("git_commit", [])) or "–")]
    parts += [f"<h3>{escape(t('runs_table', lang))}</h3>", _table([t("runs_table", lang), t("value", lang)],
                                                                  [list(f) for f in facts])]
    parts.append(_p(t("ci_method", lang)))
    if int(m.get("points", 1)) > 1:
        parts.append(_p(t("point_note", lang, n=m["points"])))
    parts.append(f"<h3>{escape(t('calibration_table', lang))}</h3>")
    parts.append(calibration_html(data.calibration, lang, bool(m.get("calibration_from_runs"))))
    return "".join(parts)


def calibration_html(cal: pd.DataFrame | None, lang: str, from_runs: bool = False) -> str:
    """The calibration table (pattern, target, tolerance, model mean and CI, pass)."""
    if cal is None or cal.empty:
        return _p(t("no_calibration", lang))
    rows = []
    for r in cal.to_dict("records"):
        unit = INDICATOR_BY_KEY[r["indicator"]].unit if r["indicator"] in INDICATOR_BY_KEY else ""
        name = indicator_name(r["indicator"], lang)
        target = str(r["target"])
        if lang == "zh":
            target = target.replace("about 2 in 3", "约2/3").replace("about ", "约").replace(" h", " 小时")
        rows.append([name, target, str(r["tolerance"]), fmt_value(r["mean"], unit),
                     f"[{fmt_value(r['ci_low'], unit)}, {fmt_value(r['ci_high'], unit)}]",
                     t("pass", lang) if bool(r["pass"]) else t("fail", lang)])
    note = _p(t("calibration_note", lang)) if from_runs else ""
    return _table([t("pattern", lang), t("target", lang), t("tolerance", lang), t("mean", lang),
                   t("ci95", lang), t("status", lang)], rows) + note
