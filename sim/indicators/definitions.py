"""The indicator system of the plan (brief §3.4 / §6): names in Chinese and English,
units, targets, and the diagnostics the calibration reads (brief §7)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

OPERATORS = (">=", "<=", ">", "<")


@dataclass(frozen=True)
class Target:
    """A plan target as data: ``indicator op value`` from the due year on."""

    op: str
    value: float
    due: int
    unit: str = ""

    def meets(self, value: float) -> bool | None:
        """Whether ``value`` meets the target (None for a missing value); a value equal to
        the target up to rounding (1e-9 relative) meets ``>=`` and ``<=``."""
        if value != value:
            return None
        eps = 1e-9 * max(1.0, abs(self.value))
        return {">=": value >= self.value - eps, "<=": value <= self.value + eps,
                ">": value > self.value, "<": value < self.value}[self.op]

    @property
    def text(self) -> str:
        """E.g. '>= 90% by 2028' (shares shown as percentages)."""
        v = f"{self.value:.0%}" if self.unit == "share" else f"{self.value:g}"
        return f"{self.op} {v} by {self.due}"


@dataclass(frozen=True)
class Indicator:
    """One indicator and the plan's target for it.

    ``kind`` is one of

    * ``"process"`` - how the street works (brief §6), produced by the mechanisms;
    * ``"outcome"`` - what residents get (brief §6), produced by the mechanisms;
    * ``"input"`` - a plan figure that is an administrative decision the street sets (a
      training plan): the model delivers it as decided, so meeting its target says nothing
      about what the street achieved; scorecards show it apart and do not score it;
    * ``"diagnostic"`` - the current-state patterns of brief §7 and mechanism views.
    """

    key: str
    zh: str
    en: str
    unit: str
    kind: str  # "process", "outcome", "input" or "diagnostic" (see the class docstring)
    target_op: str | None = None  # ">=", "<=", "<", ">"
    target: float | None = None
    target_from: int = 2025
    higher_is_better: bool = True

    def meets(self, value: float) -> bool | None:
        """Whether ``value`` meets the target (None where there is no target or value):
        :meth:`Target.meets`, so reports and the compare tables judge alike."""
        target = self.plan_target
        return None if target is None else target.meets(value)

    @property
    def plan_target(self) -> Target | None:
        """The target as structured data (operator, value, due year), or None."""
        if self.target_op is None or self.target is None:
            return None
        return Target(self.target_op, float(self.target), int(self.target_from), self.unit)

    @property
    def target_text(self) -> str:
        """E.g. '>= 90%' (shares shown as percentages; :attr:`Target.text` without the year)."""
        target = self.plan_target
        return "" if target is None else target.text.rsplit(" by ", 1)[0]


_I = Indicator
INDICATORS: tuple[Indicator, ...] = (
    # process indicators (brief §6)
    _I("duty_list_coverage", "职责清单覆盖率", "Duty-list coverage", "share", "process", ">=", 0.95),
    _I("out_of_list_share", "清单外工作占比", "Out-of-list work share", "share", "process", "<", 0.20,
       higher_is_better=False),
    _I("fund_arrival_rate", "资金到位率", "Fund arrival rate", "share", "process", ">=", 0.95),
    _I("dept_response_rate", "部门响应率", "Department response rate", "share", "process", ">=", 0.90),
    _I("dept_arrival_hours", "部门平均到场时间", "Department mean arrival time", "hours", "process",
       "<=", 24.0, higher_is_better=False),
    _I("systems_in_use", "使用系统数", "Systems in use", "systems", "process", "<=", 5.0,
       higher_is_better=False),
    _I("data_sharing_rate", "数据共享率", "Data-sharing rate", "share", "process", ">=", 0.80),
    _I("professional_share", "专业人才占比", "Professional share of staff", "share", "process", ">=", 0.30),
    _I("contract_pay_gap", "编外人员薪酬差距", "Contract pay gap", "share", "process", "<=", 0.10,
       higher_is_better=False),
    _I("fiscal_self_sufficiency", "财政自给率", "Fiscal self-sufficiency", "share", "process", ">=", 0.25),
    _I("renovated_share", "服务中心改造率", "Renovated service centres", "share", "process", ">=", 0.80),
    _I("new_professional_sos", "新增专业社会组织", "New professional social organisations",
       "organisations/year", "process", ">=", 10.0),
    _I("council_adoption", "居民议事采纳率", "Resident-council adoption", "share", "process", ">=", 0.60),
    _I("staff_turnover", "人员流失率", "Staff turnover", "share/year", "process", "<", 0.10,
       higher_is_better=False),
    _I("online_response_rate", "线上诉求响应率", "Online demand response rate", "share", "process",
       ">=", 0.85),
    _I("under35_share", "35岁以下人员占比", "Under-35 staff share", "share", "process", ">=", 0.35),
    _I("youth_promotion_years", "青年晋升周期", "Promotion cycle", "years", "process", "<=", 6.0,
       higher_is_better=False),
    # inputs: plan figures the street sets by decision (training plans are delivered first)
    _I("training_hours", "人均培训时长", "Training hours per staff", "hours/year", "input", ">=", 40.0),
    _I("training_coverage", "培训覆盖率", "Training coverage (>=40 h)", "share", "input", ">=", 0.80),
    # outcome indicators (brief §6)
    _I("resolution_rate", "诉求办结率", "Demand resolution rate", "share", "outcome"),
    _I("resolution_rate_reported", "诉求办结率（上报）", "Demand resolution rate (reported)", "share",
       "outcome"),
    _I("mean_resolve_hours", "平均办结时长", "Mean time to resolve", "hours", "outcome",
       higher_is_better=False),
    _I("emergency_response_hours", "应急平均响应时间", "Emergency mean response time", "hours",
       "outcome", higher_is_better=False),
    _I("emergency_resolve_hours", "应急平均处置时间", "Emergency mean time to resolve", "hours",
       "outcome", higher_is_better=False),
    _I("satisfaction", "公共服务满意度（全覆盖调查）",
       "Public-service satisfaction (survey of all residents)", "share", "outcome", ">=", 0.90,
       target_from=2028),
    _I("satisfaction_callback", "回访满意率", "Call-back satisfaction (closed cases)", "share", "outcome"),
    _I("so_activity", "社会组织活跃度", "Social-organisation activity", "cases/10k residents/year",
       "outcome"),
    _I("dispute_resolution_rate", "矛盾纠纷化解率", "Dispute resolution rate", "share", "outcome"),
    _I("eligible_coverage", "困难群众覆盖率", "Coverage of eligible households", "share", "outcome"),
    # diagnostics: the current-state patterns of brief §7 and mechanism views
    _I("depts_needing_repeats", "需多次吹哨部门占比", "Departments needing repeated whistles", "share",
       "diagnostic", higher_is_better=False),
    _I("duplicate_entry_hours", "重复录入时长", "Duplicate data entry per staff", "hours/day",
       "diagnostic", "<", 1.0, higher_is_better=False),
    _I("turnover_under35", "35岁以下流失率", "Turnover, under-35 staff", "share/year", "diagnostic",
       higher_is_better=False),
    _I("turnover_contract", "编外人员流失率", "Turnover, contract staff", "share/year", "diagnostic",
       higher_is_better=False),
    _I("complaints_unclear_share", "职责不清投诉占比", "Complaints caused by unclear duties", "share",
       "diagnostic", higher_is_better=False),
    _I("mix_livelihood", "民生服务诉求占比", "Demand mix: livelihood", "share", "diagnostic"),
    _I("mix_mediation", "矛盾调解诉求占比", "Demand mix: mediation", "share", "diagnostic"),
    _I("mix_environment", "环境治理诉求占比", "Demand mix: environment", "share", "diagnostic"),
    _I("mix_other", "其他诉求占比", "Demand mix: other", "share", "diagnostic"),
    _I("emergencies", "突发事件数", "Emergencies", "events/year", "diagnostic"),
    _I("so_exit_within_year", "新社会组织一年内退出比例", "New social organisations leaving within a year",
       "share", "diagnostic", higher_is_better=False),
    _I("elderly_online_share", "老年人线上服务使用率", "Elderly use of online services", "share",
       "diagnostic"),
    _I("funding_gap", "民生资金缺口", "Livelihood funding gap", "share of need", "diagnostic",
       higher_is_better=False),
    _I("demands", "诉求量", "Demands raised", "cases/year", "diagnostic"),
    _I("complaints", "投诉量", "Complaints", "cases/year", "diagnostic", higher_is_better=False),
    _I("repeat_share", "重复诉求占比", "Repeat contacts among demands", "share", "diagnostic",
       higher_is_better=False),
)

INDICATOR_BY_KEY: dict[str, Indicator] = {i.key: i for i in INDICATORS}


def indicator_table() -> pd.DataFrame:
    """All indicators with names, units and targets, as a DataFrame."""
    return pd.DataFrame([{
        "indicator": i.key, "name_zh": i.zh, "name_en": i.en, "unit": i.unit, "kind": i.kind,
        "target": i.target_text, "target_from": i.target_from if i.target is not None else None,
        "target_op": i.target_op, "target_value": i.target,
    } for i in INDICATORS])


KINDS: tuple[str, ...] = ("process", "input", "outcome", "diagnostic")
"""Indicator kinds in the order reports show them."""
