"""The report's tables of targets met and of cost beside effect, from the tables
``streetsim compare`` stores (``targets.parquet``, ``costs.parquet``, ``paired.parquet``;
see :mod:`sim.experiment.targets` and :mod:`sim.experiment.costs`)."""

from __future__ import annotations

from html import escape

import pandas as pd

from sim.indicators.definitions import INDICATOR_BY_KEY, INDICATORS, Target
from sim.report.i18n import indicator_name, t
from sim.report.style import fmt_diff, fmt_value

TEXT = {
    "targets_met": ("Plan targets: level [95% CI] and share of replications meeting the target",
                    "方案目标：水平［95%置信区间］及达标的重复次数比例"),
    "not_due": ("not yet due", "未到期"),
    "costs": ("Cost beside effect", "成本与效果"),
    "costs_intro": ("Money of each path minus the baseline's (same seeds), summed from the run's start "
                    "through the year, in 10,000 yuan, with the levers whose targets drive each item. "
                    "Salaries paid by departments outside the street's books are not included.",
                    "各路径减去基线（相同种子）的资金，自起始年累计至该年，单位万元，"
                    "并列出驱动各项目的杠杆。由区级部门自行支付、不经街道账目的工资不计入。"),
    "cost_per_point": ("Cost per point gained: extra spending (10,000 yuan) per percentage point "
                       "(shares) or unit of outcome gained",
                       "每提升一个点的成本：额外支出（万元）/ 结果每提升一个百分点（比例）或一个单位"),
    "item": ("Ledger item", "账目"), "payer": ("Payer / budget", "支付方／预算"),
    "levers": ("Levers", "杠杆"),
    "through": ("through {year}", "截至{year}年"),
    "no_money": ("No cost table: it is made by streetsim compare (paths against a baseline, with the "
                 "money ledger stored).",
                 "无成本表：成本表由 streetsim compare 生成（各路径对照基线，并保存资金账目）。"),
}
PAYERS_ZH = {"street own revenue": "街道自有收入", "district transfers": "区级转移支付",
             "social donations": "社会捐赠", "livelihood pots": "民生资金",
             "committed running costs": "刚性运行支出", "general budget": "街道一般预算"}


def _t(key: str, lang: str, **fmt: object) -> str:
    text = TEXT[key][1 if lang == "zh" else 0]
    return text.format(**fmt) if fmt else text


def _table(head: str, rows: list[str]) -> str:
    return f'<div class="tablewrap"><table><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table></div>'


def targets_html(targets: pd.DataFrame | None, label, lang: str) -> str:
    """Targeted indicators x (year, scenario): mean [CI] and the share meeting the target."""
    if targets is None or targets.empty:
        return ""
    scen = list(dict.fromkeys(targets["scenario"]))
    years = sorted(targets["year"].unique())
    cells = {(r.indicator, r.scenario, r.year): r for r in targets.itertuples()}
    head = (f'<tr><th rowspan="2">{escape(t("indicator", lang))}</th>'
            f'<th rowspan="2">{escape(t("target", lang))}</th>'
            + "".join(f'<th colspan="{len(scen)}">{y}</th>' for y in years) + "</tr><tr>"
            + "".join(f"<th>{escape(label(s, lang))}</th>" for _ in years for s in scen) + "</tr>")
    rows = []
    for ind in [i for i in INDICATORS if i.key in set(targets["indicator"])]:
        any_row = next(r for (k, _, _), r in cells.items() if k == ind.key)
        tgt = Target(any_row.target_op, any_row.target_value, any_row.target_year, ind.unit)
        tds = []
        for y in years:
            for s in scen:
                r = cells.get((ind.key, s, y))
                if r is None:
                    tds.append('<td class="num">–</td>')
                    continue
                status = "met" if r.share_meeting >= 0.5 else "not_met"
                note = f"<small>{escape(_t('not_due', lang))}</small>" if not r.due else ""
                tds.append(f'<td class="num st-{status if r.due else "not_due"}">{r.share_meeting:.0%}'
                           f"<small>{fmt_value(r.mean, ind.unit)} [{fmt_value(r.ci_low, ind.unit)}, "
                           f"{fmt_value(r.ci_high, ind.unit)}]</small>{note}</td>")
        text = tgt.text if lang == "en" else tgt.text.replace(" by ", "（") + "年）"
        rows.append(f"<tr><td>{escape(indicator_name(ind.key, lang))}</td><td>{escape(text)}</td>"
                    + "".join(tds) + "</tr>")
    return f"<h3>{escape(_t('targets_met', lang))}</h3>" + _table(head, rows)


def costs_html(costs: pd.DataFrame | None, paired: pd.DataFrame | None, label, lang: str) -> str:
    """The cost table (last year of the comparison) and the cost per point of each outcome."""
    if costs is None or costs.empty:
        return f'<p class="intro">{escape(_t("no_money", lang))}</p>'
    year = int(costs["year"].max())
    c = costs[(costs["year"] == year) & (costs["role"] != "balance")]
    paths = list(dict.fromkeys(c["path"]))
    head = (f"<tr><th>{escape(_t('item', lang))}</th><th>{escape(_t('payer', lang))}</th>"
            + "".join(f"<th>{escape(label(p, lang))}</th>" for p in paths)
            + f"<th>{escape(_t('levers', lang))}</th></tr>")
    rows = []
    for item, g in c.groupby("item", sort=False):
        by = {r.path: r for r in g.itertuples()}
        first = g.iloc[0]
        payer = PAYERS_ZH.get(first["payer"], first["payer"]) if lang == "zh" else first["payer"]
        levers = "; ".join(sorted({lv for r in g.itertuples() for lv in str(r.levers).split(", ") if lv}))
        rows.append(f"<tr><td>{escape(item)}</td><td>{escape(payer)}</td>"
                    + "".join(f'<td class="num">{_wan(by[p].diff)}<small>[{_wan(by[p].ci_low)}, '
                              f"{_wan(by[p].ci_high)}]</small></td>" if p in by else '<td class="num">–</td>'
                              for p in paths)
                    + f"<td>{escape(levers)}</td></tr>")
    out = [f'<p class="intro">{escape(_t("costs_intro", lang))}</p>',
           f"<h3>{escape(_t('through', lang, year=year))}</h3>", _table(head, rows)]
    if paired is not None and "cost_per_point" in paired.columns:
        p = paired[(paired["year"] == year) & paired["indicator"].map(
            lambda k: k in INDICATOR_BY_KEY and INDICATOR_BY_KEY[k].kind == "outcome")]
        head = (f"<tr><th>{escape(t('indicator', lang))}</th>"
                + "".join(f"<th>{escape(label(x, lang))}</th>" for x in paths) + "</tr>")
        cells = {(r.indicator, r.path): r for r in p.itertuples()}
        rows = []
        for ind in [i for i in INDICATORS if i.key in set(p["indicator"])]:
            tds = []
            for x in paths:
                r = cells.get((ind.key, x))
                if r is None:
                    tds.append('<td class="num">–</td>')
                    continue
                cpp = "–" if r.cost_per_point != r.cost_per_point else _wan(r.cost_per_point)
                tds.append(f'<td class="num">{cpp}<small>Δ {fmt_diff(r.diff, ind.unit)}</small></td>')
            rows.append(f"<tr><td>{escape(indicator_name(ind.key, lang))}</td>{''.join(tds)}</tr>")
        out += [f"<h3>{escape(_t('cost_per_point', lang))}</h3>", _table(head, rows)]
    return "".join(out)


def _wan(yuan: float) -> str:
    """Yuan as 10,000 yuan (万元)."""
    if yuan != yuan:
        return "–"
    return f"{yuan / 1e4:+,.0f}"
