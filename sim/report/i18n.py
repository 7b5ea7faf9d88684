"""Every label of the report in Chinese and English.

Indicator names come from :mod:`sim.indicators.definitions` (``.zh`` / ``.en``) and
department names from :mod:`sim.domain`; the rest is in ``TEXT``.
"""

from __future__ import annotations

from sim.domain import DEPARTMENT_NAMES_ZH
from sim.indicators.definitions import INDICATOR_BY_KEY
from sim.params.errors import InputError

LANGS = ("en", "zh")

TEXT: dict[str, tuple[str, str]] = {
    # key: (en, zh)
    "title": ("Reform paths compared: street governance 2024-2030", "改革路径比较：街道治理 2024—2030"),
    "experiment": ("Experiment", "实验"),
    "generated": ("Generated", "生成时间"),
    "sec_scorecard": ("Scorecard against the plan's targets", "对照方案目标的计分卡"),
    "sec_costs": ("Cost beside effect", "成本与效果"),
    "sec_series": ("Indicators over time", "指标随时间变化"),
    "sec_diff": ("Differences from the baseline", "与基线的差异"),
    "sec_mechanisms": ("Why: the mechanisms", "原因：机制视图"),
    "sec_sensitivity": ("Sensitivity and sweeps", "敏感性分析与参数扫描"),
    "sec_methods": ("Methods", "方法"),
    "scorecard_intro": (
        "Each cell: mean over replications with its 95% confidence interval. Met: the mean meets "
        "the target; 'uncertain': the interval contains the target; a dash: the target is not yet "
        "due that year or the indicator has no target.",
        "每格：各次重复的均值及其95%置信区间。达标：均值满足目标；“不确定”：置信区间包含目标值；"
        "短横线：该年目标尚未生效或该指标无目标。"),
    "series_intro": (
        "Mean of each scenario with its 95% band; the plan's phases shaded; dashed lines: targets.",
        "各情景均值及95%置信带；阴影为方案各阶段；虚线为目标值。"),
    "diff_intro": (
        "Scenario minus baseline, paired by replication seed and parameter point (common random "
        "numbers), with 95% confidence intervals, in the last simulated year. Shares in percentage "
        "points. A scenario under stressors is compared with the baseline under the same stressors; "
        "the stressed baseline with the plain one.",
        "情景减基线，按重复种子和参数点配对（共同随机数），附95%置信区间，取最后一个模拟年份。比例以百分点表示。"
        "施加风险压力的情景与同样压力下的基线比较；施加压力的基线与无压力基线比较。"),
    "mech_intro": (
        "Where staff hours go, how cases flow, and how departments answer whistles.",
        "工作人员时间的去向、案件流转以及部门对吹哨的响应。"),
    "no_sensitivity": ("These results hold no sensitivity analysis or parameter sweep.",
                       "本结果不含敏感性分析或参数扫描。"),
    "indicator": ("Indicator", "指标"),
    "target": ("Target", "目标"),
    "scenario": ("Scenario", "情景"),
    "value": ("Value", "数值"),
    "mean": ("Mean", "均值"),
    "ci95": ("95% CI", "95%置信区间"),
    "status": ("Status", "状态"),
    "met": ("met", "达标"),
    "not_met": ("not met", "未达标"),
    "uncertain": ("uncertain", "不确定"),
    "not_due": ("not due", "未到期"),
    "no_target": ("no target", "无目标"),
    "kind_process": ("Process indicators", "过程指标"),
    "kind_outcome": ("Outcome indicators", "结果指标"),
    "kind_diagnostic": ("Diagnostics", "诊断指标"),
    "kind_input": ("Administrative inputs (decisions set by the plan, not outcomes)",
                   "行政投入（方案设定的决策，而非结果）"),
    "no_discovery": ("No scenario discovery stored next to these results; run "
                     "`streetsim discover --path combined` to find where a path fails.",
                     "结果目录旁没有情景发现结果；运行 `streetsim discover --path combined` "
                     "寻找路径失效的条件。"),
    "sec_fails": ("Where this reform fails", "改革在哪些条件下失效"),
    "fails_intro": ("Scenario discovery (PRIM): a Latin hypercube over the assumption parameters and "
                    "the risks, each point run under the reform path and the baseline on the same seeds. "
                    "Each box is the region of assumptions in which the path misses a target or does worse "
                    "than the baseline: coverage = share of all failures inside the box, density = share of "
                    "the points inside the box that fail, mass = share of all points inside it.",
                    "情景发现（PRIM）：对假设参数和风险做拉丁超立方抽样，每个点在同一种子下分别运行改革路径和现状。"
                    "每个盒子是路径未达目标或劣于现状的假设区域：覆盖率=盒内失败占全部失败之比，"
                    "密度=盒内点中失败之比，质量=盒内点占全部点之比。"),
    "fails_failure": ("failure", "失效方式"),
    "misses_target": ("misses the plan's target", "未达方案目标"),
    "worse_than_baseline": ("worse than the baseline", "劣于现状"),
    "fails_share": ("points failing", "失败点占比"),
    "coverage": ("coverage", "覆盖率"),
    "density": ("density", "密度"),
    "mass": ("mass", "质量"),
    "restrictions": ("restricted dimensions", "受限维度"),
    "phase_short": ("Short term", "近期"),
    "phase_middle": ("Middle term", "中期"),
    "phase_long": ("Long term", "远期"),
    "target_line": ("target", "目标"),
    "diff_pp": ("percentage points", "百分点"),
    "other_units": ("other units", "其他单位"),
    "forest_title": ("Paired differences from baseline, {year}: {unit}",
                     "与基线的配对差异（{year}年）：{unit}"),
    "scorecard_fig_title": ("Targets met by year and scenario", "各年份、各情景目标达成情况"),
    "hours_title": ("Where staff hours go: {scenario}", "工作人员时间去向：{scenario}"),
    "hours_summary_title": ("Staff hours by use, {year} (share of available hours)",
                            "{year}年工时构成（占可用工时比例）"),
    "flow_title": ("Case flow, {years} (mean cases per run): {scenario}",
                   "案件流转（{years}，每次运行平均案件数）：{scenario}"),
    "dept_title": ("Department answers to whistles, {year}", "{year}年部门对吹哨的响应"),
    "dept_answer_rate": ("Answer rate (answered / whistle episodes)", "响应率（到场/吹哨事件）"),
    "dept_delay": ("Mean arrival time (hours)", "平均到场时间（小时）"),
    "morris_title": ("Morris screening: {indicator}", "Morris筛选：{indicator}"),
    "mu_star": ("mu* (mean absolute elementary effect)", "mu*（基本效应绝对值均值）"),
    "sigma": ("sigma (interactions, non-linearity)", "sigma（交互与非线性）"),
    "sobol_title": ("Sobol indices with 95% CI: {indicator}", "Sobol指数及95%置信区间：{indicator}"),
    "sobol_first": ("first order S1", "一阶指数 S1"),
    "sobol_total": ("total ST", "总效应指数 ST"),
    "sobol_axis": ("Sensitivity index", "敏感性指数"),
    "parameter": ("Parameter", "参数"),
    "heatmap_title": ("{indicator}, {year}, over two parameters", "{indicator}（{year}年）随两参数变化"),
    "parcoords_title": ("Parameter points and outcomes, {year}", "参数点与结果（{year}年）"),
    "point_note": ("Results are pooled over {n} parameter points.", "结果汇总了{n}个参数点。"),
    "scenarios_table": ("Scenario definitions", "情景定义"),
    "description": ("Description", "说明"),
    "stressors": ("Stressors", "风险压力"),
    "levers": ("Levers", "改革杠杆"),
    "none": ("none", "无"),
    "levers_table": ("Levers and stressors by scenario", "各情景的改革杠杆与风险压力"),
    "lever": ("lever", "改革杠杆"),
    "stressor": ("stressor", "风险压力"),
    "kind": ("Kind", "类别"),
    "name": ("Name", "名称"),
    "phase": ("Phase (start – fully in place)", "阶段（开始—完全到位）"),
    "settings": ("Settings", "设定"),
    "clause": ("The plan's words", "方案原文"),
    "all_scenarios": ("every scenario", "所有情景"),
    "changes_table": ("Parameters that differ from the baseline", "与基线不同的参数"),
    "baseline_value": ("Baseline value", "基线值"),
    "scenario_value": ("Scenario value", "情景值"),
    "source": ("Source", "来源"),
    "runs_table": ("Runs", "运行"),
    "replications": ("Replications", "重复次数"),
    "runs_ok": ("Runs finished", "完成运行数"),
    "runs_failed": ("Runs failed", "失败运行数"),
    "seeds": ("Seeds", "随机种子"),
    "version": ("Version", "版本"),
    "git_commit": ("Code commit", "代码提交"),
    "sampler": ("Sampler", "抽样方法"),
    "points": ("Parameter points", "参数点数"),
    "calibration_table": ("Calibration: baseline against the current-state patterns (brief §7)",
                          "校准：基线与现状模式对照（方案§7）"),
    "calibration_note": ("Computed from this experiment's baseline runs (each run averaged over its "
                         "years).", "由本实验的基线运行计算（每次运行取各年平均）。"),
    "no_calibration": ("No calibration table: these results hold no baseline runs.",
                       "无校准表：本结果不含基线运行。"),
    "pattern": ("Pattern", "模式"),
    "tolerance": ("Tolerance", "容许范围"),
    "pass": ("pass", "通过"),
    "fail": ("fail", "未通过"),
    "ci_method": (
        "Confidence intervals: Student t over replications (runs of a scenario); differences are "
        "paired by seed and parameter point. Plan phases: short term 2024-2025, middle 2026-2027, "
        "long 2028-2030.",
        "置信区间：基于各次重复的t分布；差异按种子和参数点配对。方案阶段：近期2024—2025，中期2026—2027，"
        "远期2028—2030。"),
    "no_data": ("No data.", "无数据。"),
    "bucket_casework": ("Casework", "办理诉求"),
    "bucket_in_list": ("Duty-list tasks", "清单内事务"),
    "bucket_out_of_list": ("Out-of-list tasks", "清单外事务"),
    "bucket_data_entry": ("Data entry", "数据录入"),
    "bucket_training": ("Training", "培训"),
    "bucket_emergency": ("Emergencies", "应急处置"),
    "bucket_slack": ("Unused", "未使用"),
    "node_raised": ("Demands raised", "提出的诉求"),
    "route_street": ("Handled in the street", "街道自办"),
    "route_social_org": ("Social organisation", "社会组织承接"),
    "route_departments": ("Whistled to departments", "吹哨至部门"),
    "route_none": ("Not yet triaged", "尚未分派"),
    "out_resolved": ("Resolved", "办结"),
    "out_bounced": ("Bounced", "推诿退回"),
    "out_dropped": ("Dropped", "未解决终止"),
    "out_open": ("Still open", "仍在办理"),
    "png_no_browser": (
        "static figures not written: no Chromium or Chrome found (install it, e.g. "
        "`bash scripts/ensure_chromium.sh`, or set BROWSER_PATH); the HTML report was written",
        "未生成静态图：未找到 Chromium 或 Chrome（请安装，例如运行 `bash scripts/ensure_chromium.sh`，"
        "或设置 BROWSER_PATH）；HTML 报告已生成"),
    "png_failed": ("static figures not written ({error}); the HTML report was written",
                   "未生成静态图（{error}）；HTML 报告已生成"),
}

UNIT_ZH = {
    "share": "比例", "hours": "小时", "hours/year": "小时/年", "systems": "个系统",
    "organisations/year": "个/年", "share/year": "比例/年", "years": "年",
    "cases/10k residents/year": "件/万人/年", "hours/day": "小时/天", "events/year": "起/年",
    "share of need": "占需求比例", "cases/year": "件/年",
}


def check_lang(lang: str) -> str:
    """``lang`` if it is a report language, else :class:`InputError`."""
    if lang not in LANGS:
        raise InputError(None, "--lang", lang, f"one of {list(LANGS)}")
    return lang


def t(key: str, lang: str, **fmt: object) -> str:
    """The label ``key`` in ``lang``, formatted with ``fmt``."""
    en, zh = TEXT[key]
    text = zh if lang == "zh" else en
    return text.format(**fmt) if fmt else text


def indicator_name(key: str, lang: str) -> str:
    """An indicator's name (its key when unknown)."""
    ind = INDICATOR_BY_KEY.get(key)
    return key if ind is None else (ind.zh if lang == "zh" else ind.en)


def unit_name(unit: str, lang: str) -> str:
    """A unit in ``lang``."""
    return UNIT_ZH.get(unit, unit) if lang == "zh" else unit


def department_name(key: str, lang: str) -> str:
    """A district department's name."""
    if lang == "zh":
        return DEPARTMENT_NAMES_ZH.get(key, key)
    return key.replace("_", " ").capitalize()


def optional(prefix: str, key: str, lang: str) -> str:
    """``TEXT[prefix + key]`` when it exists, else ``key`` itself (routes, buckets, ...)."""
    full = f"{prefix}{key}"
    return t(full, lang) if full in TEXT else key
