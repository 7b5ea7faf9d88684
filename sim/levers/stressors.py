"""The catalogue of risk stressors (brief §5): overlays any scenario can run under.

A stressor acts on mechanism inputs only. Most hold a reform back - a value may not
rise above the scenario's value before any lever (``base``) - so on the baseline they
change nothing; others set a shock, cut a purchase or slow a step. Stressors apply
after the levers on every month from their start (default: the first day), and
compose: each sees the values the previous ones left.
"""

from __future__ import annotations

from typing import Any

from sim.levers.base import Stressor, Values, setting

POLICY, RESOURCES, COORDINATION, SOCIAL = ("policy execution", "resources", "coordination",
                                          "social acceptance")


def _no_more_than_base(key: str):
    """Apply-function keeping ``key`` at or below its value before any lever."""
    def apply(s: Values, v: Values, base: Values) -> dict[str, Any]:
        return {key: _min(v[key], base[key])}
    return apply


def _min(a: Any, b: Any) -> Any:
    if isinstance(a, dict):
        return {k: _min(a[k], b[k]) for k in a}
    return type(a)(min(a, b))


def _pay_gap(s: Values, v: Values, base: Values) -> dict[str, Any]:
    pay = dict(v["staff.pay"])
    pay["contract"] = min(float(pay["contract"]), (1.0 - s["pay_gap"]) * v["staff.urban_average_pay"])
    return {"staff.pay": pay}


def _elderly_excluded(s: Values, v: Values, base: Values) -> dict[str, Any]:
    access = dict(v["population.digital_access"])
    access["60_plus"] = min(float(access["60_plus"]), float(base["population.digital_access"]["60_plus"]))
    return {"population.digital_access": access}


def _delegated_factor(name: str):
    def apply(s: Values, v: Values, base: Values) -> dict[str, Any]:
        return {"departments.delegated_success_factor":
                float(v["departments.delegated_success_factor"]) * s[name]}
    return apply


STRESSORS_LIST = (
    Stressor(
        "duty_list_no_teeth",
        "The duty list without teeth (out-of-list work stays near 45%).", POLICY,
        ("tasks.duty_list_enforcement",), (),
        _no_more_than_base("tasks.duty_list_enforcement")),
    Stressor(
        "fake_delegation",
        "“Delegated on paper, kept in practice” (明放暗不放): enforcement nominally moved down but "
        "approvals kept, so the street still reports first and enforces later.", POLICY,
        ("departments.delegated_approval_days",),
        (setting("approval_days", 15.0, "days", 0.0, 120.0,
                 "brief §2: an upper-level approval cycle reaches 15 days"),),
        lambda s, v, b: {"departments.delegated_approval_days":
                         max(float(v["departments.delegated_approval_days"]), s["approval_days"])}),
    Stressor(
        "no_legal_backing",
        "No law backing delegated enforcement.", POLICY,
        ("departments.delegated_success_factor",),
        (setting("success_factor", 0.8, "factor", 0.0, 1.0,
                 "assumption: a fifth of delegated cases fail when offenders contest the street's power"),),
        _delegated_factor("success_factor")),
    Stressor(
        "revenue_shock",
        "District revenue falls 8% → coordination fund short 15%.", RESOURCES,
        ("money.revenue_shock", "money.coordination_fund_shortfall"),
        (setting("revenue_fall", 0.08, "share", 0.0, 1.0, "brief §5: district revenue falls 8%"),
         setting("fund_short", 0.15, "share", 0.0, 1.0, "brief §5: coordination fund short 15%")),
        lambda s, v, b: {"money.revenue_shock": max(float(v["money.revenue_shock"]), s["revenue_fall"]),
                         "money.coordination_fund_shortfall":
                         max(float(v["money.coordination_fund_shortfall"]), s["fund_short"])}),
    Stressor(
        "pay_gap_widens",
        "Contract pay gap widens past 20%.", RESOURCES,
        ("staff.pay",),
        (setting("pay_gap", 0.25, "share", 0.0, 1.0, "brief §5: past 20% (assumption: 25%)"),),
        _pay_gap, reads=("staff.urban_average_pay",)),
    Stressor(
        "facility_refusal",
        "Units refuse to share facilities.", RESOURCES,
        ("facilities.shared_spaces",), (),
        _no_more_than_base("facilities.shared_spaces")),
    Stressor(
        "platform_unfunded",
        "Platform running costs not funded → the system stalls or decays.", RESOURCES,
        ("platform.running_funded",),
        (setting("funded", 0.0, "share", 0.0, 1.0, "brief §5: running costs not funded"),),
        lambda s, v, b: {"platform.running_funded": min(float(v["platform.running_funded"]), s["funded"])}),
    Stressor(
        "data_refusal",
        "Departments refuse to share data: data-centre agreements come about more rarely.",
        COORDINATION,
        ("data.join_prob_monthly",),
        (setting("agreements_kept", 0.2, "share", 0.0, 1.0,
                 "assumption: most departments refuse (brief §2: citing data security); a fifth "
                 "of the agreements still come about, under district pressure"),),
        lambda s, v, b: {"data.join_prob_monthly":
                         float(v["data.join_prob_monthly"]) * s["agreements_kept"]}),
    Stressor(
        "so_unsustainable",
        "Social organisations cannot sustain themselves.", COORDINATION,
        ("socialorgs.service_grant_per_year", "referral.fee_per_case"),
        (setting("purchase_kept", 0.5, "share", 0.0, 1.0,
                 "assumption: the street's service purchases halve"),),
        lambda s, v, b: {"socialorgs.service_grant_per_year":
                         float(v["socialorgs.service_grant_per_year"]) * s["purchase_kept"],
                         "referral.fee_per_case": float(v["referral.fee_per_case"]) * s["purchase_kept"]}),
    Stressor(
        "council_formality",
        "Resident councils become formalities (adoption stays 41%).", COORDINATION,
        ("council.functioning_gain_per_year",), (),
        _no_more_than_base("council.functioning_gain_per_year")),
    Stressor(
        "digital_exclusion",
        "Digital exclusion of the elderly.", SOCIAL,
        ("population.digital_access",), (),
        _elderly_excluded),
    Stressor(
        "false_alarms",
        "False alarms from the emergency platform erode trust.", SOCIAL,
        ("emergency.false_alarm_rate",),
        (setting("alarms_at_full_coverage", 12.0, "alarms/year", 0.0, 365.0,
                 "assumption: about one false alarm a month with sensors everywhere"),),
        lambda s, v, b: {"emergency.false_alarm_rate":
                         max(float(v["emergency.false_alarm_rate"]),
                             s["alarms_at_full_coverage"] * float(v["emergency.iot_coverage"]))},
        reads=("emergency.iot_coverage",)),
    Stressor(
        "clumsy_enforcement",
        "Clumsy new enforcement raises complaints.", SOCIAL,
        ("departments.delegated_success_factor",),
        (setting("success_factor", 0.85, "factor", 0.0, 1.0,
                 "assumption: residents resist one delegated case in seven; unresolved cases complain"),),
        _delegated_factor("success_factor")),
    Stressor(
        "assessment_pressure",
        "Metric gaming: when assessment rewards reported results, reported and true outcomes part.",
        SOCIAL,
        ("assessment.gaming_propensity",),
        (setting("gaming_propensity", 0.6, "probability", 0.0, 1.0,
                 "assumption: under pressure most unresolved closures would be reported done"),),
        lambda s, v, b: {"assessment.gaming_propensity":
                         max(float(v["assessment.gaming_propensity"]), s["gaming_propensity"])}),
)

STRESSORS: dict[str, Stressor] = {s.name: s for s in STRESSORS_LIST}
"""Every stressor by name."""
