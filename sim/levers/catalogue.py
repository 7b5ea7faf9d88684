"""The catalogue of reform levers (brief §4): what each changes, by how much, and when.

Every lever is a change of mechanism parameters - capacities, probabilities, delays,
rules, money - never of an indicator. Default settings are the plan's figures where it
gives them and stated assumptions where it does not; default phases follow the plan's
timeline (short term 2024-2025, middle term 2026-2027, long term 2028 on). Budgets and
training plans are read on 1 January, so money levers that must be in force in a year
reach their value on that year's first day. ``docs/levers.md`` has the table.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sim.levers.base import Lever, Values, setting
from sim.params.schedule import Ramp

A, B, C = "integrated_resources", "coordinated", "digital"
SHORT_START, SHORT_END = "2024-01-01", "2025-12-31"


def _at_least(table: dict[str, float], floor: float) -> dict[str, float]:
    return {k: max(float(v), floor) for k, v in table.items()}


def _at_most(table: dict[str, float], cap: float) -> dict[str, float]:
    return {k: min(float(v), cap) for k, v in table.items()}


# --- A. integrated resources ------------------------------------------------------------
def _service_budget(s: Values, base: Values) -> dict[str, Any]:
    budget = max(float(base["money.annual_budget"]), s["yuan_per_resident"] * base["population.residents"])
    return {"money.annual_budget": budget,
            "money.livelihood_share": max(float(base["money.livelihood_share"]), s["livelihood_share"])}


def _professional_mix(s: Values) -> dict[str, float]:
    weights = {"general": 0.0, "social_work": s["social_workers"], "law": s["legal_advisers"],
               "it": s["it_specialists"], "psychology": s["psychologists"]}
    total = sum(weights.values())
    return {k: v / total for k, v in weights.items()}


def _pay_parity(s: Values, base: Values) -> dict[str, Any]:
    pay = dict(base["staff.pay"])
    pay["contract"] = max(float(pay["contract"]), (1.0 - s["pay_gap"]) * base["staff.urban_average_pay"])
    return {"staff.pay": pay}


INTEGRATED = (
    Lever(
        "staffing_1_3_n", A,
        "“1+3+N” staffing: 1 full-time party worker, 3 professionals (law, psychology, IT), "
        "N contract staff at 1 per 1,000 residents; 15 staff per 10,000 residents.",
        ("staff.residents_per_contract_post",),
        (setting("residents_per_contract_post", 1000.0, "residents/post", 50.0, 1e6,
                 "brief §4A: N contract staff at 1 per 1,000 residents"),),
        SHORT_START, SHORT_END,
        lambda s, b: {"staff.residents_per_contract_post": min(float(b["staff.residents_per_contract_post"]),
                                                               s["residents_per_contract_post"])},
        cost="contract wages, paid monthly from the street's general budget",
        timing="short term: posts opened over 2024-2025"),
    Lever(
        "professional_recruitment", A,
        "At least 3 social workers, 2 legal advisers and 1 IT specialist per street "
        "(the '3' of 1+3+N: law, psychology, IT).",
        ("workforce.recruit_professional_share", "staff.professional_mix"),
        (setting("professional_share", 0.5, "share", 0.0, 1.0,
                 "assumption: half of recruits hired into professional posts"),
         setting("social_workers", 3.0, "persons", 0.0, 100.0, "brief §4A: at least 3 social workers"),
         setting("legal_advisers", 2.0, "persons", 0.0, 100.0, "brief §4A: 2 legal advisers"),
         setting("it_specialists", 1.0, "persons", 0.0, 100.0, "brief §4A: 1 IT specialist"),
         setting("psychologists", 1.0, "persons", 0.0, 100.0, "brief §4A: a psychology professional")),
        "2024-01-01", "2024-12-31",
        lambda s, b: {"workforce.recruit_professional_share":
                      max(float(b["workforce.recruit_professional_share"]), s["professional_share"]),
                      "staff.professional_mix": _professional_mix(s)},
        cost="none beyond wages of the posts",
        timing="short term: recruitment rules change in 2024"),
    Lever(
        "youth_recruitment", A,
        "Under-35 share of staff 35% by 2025.",
        ("workforce.recruit_under35_share",),
        (setting("recruit_under35_share", 0.8, "share", 0.0, 1.0,
                 "assumption: recruitment aimed at young graduates"),),
        "2024-01-01", "2024-12-31",
        lambda s, b: {"workforce.recruit_under35_share":
                      max(float(b["workforce.recruit_under35_share"]), s["recruit_under35_share"])},
        timing="short term: the target is for 2025"),
    Lever(
        "secondment", A,
        "District department staff seconded to the street at least 3 months a year.",
        ("staff.seconded_person_months",),
        (setting("departments", 12, "departments", 0, 100, "brief §2: 12 departments work with the street"),
         setting("months", 3.0, "months/year", 0.0, 12.0, "brief §4A: at least 3 months a year")),
        "2024-07-01", "2024-12-31",
        lambda s, b: {"staff.seconded_person_months": s["departments"] * s["months"]},
        cost="allowance per person-month (money.secondment_allowance) from the general budget",
        timing="short term: from mid-2024"),
    Lever(
        "coordination_fund", A,
        "A street coordination fund of 2% of district fiscal revenue.",
        ("money.coordination_fund",),
        (setting("share_of_revenue", 0.02, "share", 0.0, 1.0, "brief §4A: 2% of district fiscal revenue"),
         setting("district_revenue", 3.0e9, "yuan/year", 0.0, 1e12,
                 "assumption: general budget revenue of a large urban district"),
         setting("streets", 20, "streets", 1, 1000, "assumption: streets sharing the fund")),
        "2025-01-01", "2025-01-01",
        lambda s, b: {"money.coordination_fund":
                      s["share_of_revenue"] * s["district_revenue"] / s["streets"]},
        step=("money.coordination_fund",),
        cost="district budget (a transfer to the street)",
        timing="short term: first budget year after adoption"),
    Lever(
        "service_package", A,
        "Department funds bundled into one “livelihood service package” the street spends by need.",
        ("money.bundled_funds",),
        (),
        "2025-01-01", "2025-01-01",
        lambda s, b: {"money.bundled_funds": True},
        step=("money.bundled_funds",),
        timing="short term: from the 2025 budget year"),
    Lever(
        "service_budget", A,
        "A budget of at least 500 yuan per resident per year, 60%+ on livelihood services.",
        ("money.annual_budget", "money.livelihood_share"),
        (setting("yuan_per_resident", 500.0, "yuan/resident/year", 0.0, 1e5, "brief §4A: at least 500 yuan"),
         setting("livelihood_share", 0.6, "share", 0.0, 1.0, "brief §4A: 60%+ on livelihood services")),
        "2025-01-01", "2027-01-01",
        _service_budget,
        cost="district transfers make up the rise; the street's own revenue is unchanged",
        timing="middle term: half the rise in the 2026 budget, all of it from 2027"),
    Lever(
        "community_fund", A,
        "A community development fund with social donations reaching 15% of fiscal input.",
        ("money.donation_share",),
        (setting("donation_share", 0.15, "share", 0.0, 5.0, "brief §4A: 15% of fiscal input"),),
        "2025-01-01", "2028-01-01",
        lambda s, b: {"money.donation_share": max(float(b["money.donation_share"]), s["donation_share"])},
        cost="social donations",
        timing="middle to long term: donors are found over three budget years"),
    Lever(
        "shared_facilities", A,
        "Facilities of schools, hospitals and firms opened by sharing agreements (“15-minute "
        "service circle”); 3+ new shared spaces per street; 80% facility sharing by 2025.",
        ("facilities.shared_spaces",),
        (setting("shared_spaces", 3, "spaces", 0, 1000, "brief §4A: 3+ new shared spaces per street"),),
        SHORT_START, SHORT_END,
        lambda s, b: {"facilities.shared_spaces": int(b["facilities.shared_spaces"]) + s["shared_spaces"]},
        timing="short term: agreements signed by 2025"),
    Lever(
        "renovation", A,
        "80% of service centres renovated (ageing-friendly).",
        ("facilities.renovations_per_year",),
        (setting("centres_per_year", 2.0, "centres/year", 0.0, 100.0,
                 "brief §4A: from 42% to 80% of 10 centres over 2024-2025"),),
        "2024-01-01", "2024-01-01",
        lambda s, b: {"facilities.renovations_per_year": s["centres_per_year"]},
        step=("facilities.renovations_per_year",),
        cost="facilities.renovation_cost per centre from the general budget",
        timing="short term: renovation programme from 2024"),
    Lever(
        "pay_parity", A,
        "Contract-staff pay gap cut to 10%.",
        ("staff.pay",),
        (setting("pay_gap", 0.10, "share", 0.0, 1.0, "brief §4A: gap cut to 10%"),),
        SHORT_START, SHORT_END,
        _pay_parity,
        cost="contract wages from the general budget",
        timing="short term: pay raised over 2024-2025"),
    Lever(
        "training", A,
        "40 training hours a year, 80% certified.",
        ("staff.systematic_training_share", "staff.systematic_training_hours"),
        (setting("trained_share", 0.8, "share", 0.0, 1.0, "brief §4A: 80% certified"),
         setting("hours", 40.0, "hours/year", 0.0, 400.0, "brief §4A: 40 training hours a year")),
        "2024-01-01", "2025-01-01",
        lambda s, b: {"staff.systematic_training_share":
                      max(float(b["staff.systematic_training_share"]), s["trained_share"]),
                      "staff.systematic_training_hours": s["hours"]},
        cost="staff hours (training comes first in the day)",
        timing="short term: training plans are set each January; full from 2025"),
    Lever(
        "talent_pool", A,
        "A community talent pool (retired teachers, doctors, lawyers) adding about 2,000 "
        "person-times of professional help a year.",
        ("staff.talent_pool_hours_per_year",),
        (setting("person_times", 2000.0, "person-times/year", 0.0, 1e6, "brief §4A: about 2,000"),
         setting("hours_each", 2.0, "hours", 0.0, 24.0, "assumption: a volunteer session of two hours")),
        SHORT_START, SHORT_END,
        lambda s, b: {"staff.talent_pool_hours_per_year":
                      float(b["staff.talent_pool_hours_per_year"]) + s["person_times"] * s["hours_each"]},
        timing="short term: volunteers enrolled over 2024-2025"),
)


# --- B. coordination ----------------------------------------------------------------------
def _three_level(s: Values, base: Values) -> dict[str, Any]:
    return {
        "departments.answer_delay_hours": _at_most(base["departments.answer_delay_hours"],
                                                   s["response_hours"]),
        "departments.max_repeats": min(int(base["departments.max_repeats"]), s["whistles_before_level_2"]),
        "departments.joint_meeting": True,
        "departments.escalation_delay_days": min(float(base["departments.escalation_delay_days"]),
                                                 float(base["departments.joint_meeting_delay_days"])),
        "emergency.department_supply_hours": min(float(base["emergency.department_supply_hours"]),
                                                 s["supply_hours"]),
    }


COORDINATED = (
    Lever(
        "three_level_whistle", B,
        "Three-level whistle: level 1 (routine) - department responds within 24 hours; level 2 "
        "(cross-department) - joint meeting convened by the street; level 3 (major emergency) - "
        "district emergency command platform.",
        ("departments.answer_delay_hours", "departments.max_repeats", "departments.joint_meeting",
         "departments.escalation_delay_days", "emergency.department_supply_hours"),
        (setting("response_hours", 24.0, "hours", 1.0, 2000.0, "brief §4B: level 1 within 24 hours"),
         setting("whistles_before_level_2", 1, "whistles", 1, 20,
                 "brief §4B: an unanswered level-1 whistle goes to the level-2 joint meeting"),
         setting("supply_hours", 0.5, "hours", 0.0, 72.0,
                 "assumption: the command platform dispatches department supplies in half an hour")),
        "2024-01-01", "2024-12-31",
        _three_level,
        step=("departments.max_repeats", "departments.joint_meeting", "departments.escalation_delay_days"),
        timing="short term: rules adopted in 2024; response times shorten over the year"),
    Lever(
        "responsibility_lists", B,
        "Responsibility lists for 12 departments naming their street-cooperation duties.",
        ("departments.duty_clarity",),
        (setting("clarity", 0.8, "share", 0.0, 1.0,
                 "assumption: lists settle the lead of most unclear-duty cases"),),
        SHORT_START, SHORT_END,
        lambda s, b: {"departments.duty_clarity": max(float(b["departments.duty_clarity"]), s["clarity"])},
        timing="short term: lists drawn up over 2024-2025"),
    Lever(
        "department_rating", B,
        "Response time and resolution rate enter the departments' annual assessment, tied to "
        "bonuses and promotion; the street rates district departments (weight at least 10%).",
        ("departments.accountability",),
        (setting("weight", 0.10, "share", 0.0, 1.0, "brief §4B: weight at least 10%"),),
        "2025-01-01", "2025-01-01",
        lambda s, b: {"departments.accountability": max(float(b["departments.accountability"]), s["weight"])},
        step=("departments.accountability",),
        timing="short term: from the first annual assessment (2025)"),
    Lever(
        "enforcement_delegation", B,
        "Enforcement power in key fields (safety, urban management) moves down: 50% of "
        "department enforcement forces sunk to streets in 2024-2025.",
        ("departments.enforcement_delegated", "staff.sunk_enforcement_staff"),
        (setting("share", 0.5, "share", 0.0, 1.0, "brief §4B: 50% of enforcement forces"),
         setting("department_forces", 8.0, "persons", 0.0, 1000.0,
                 "assumption: urban-management and market-regulation enforcers serving one street")),
        SHORT_START, SHORT_END,
        lambda s, b: {"departments.enforcement_delegated":
                      max(float(b["departments.enforcement_delegated"]), s["share"]),
                      "staff.sunk_enforcement_staff":
                      float(b["staff.sunk_enforcement_staff"]) + s["share"] * s["department_forces"]},
        cost="departments keep paying the enforcers",
        timing="short term: the plan's 2024-2025"),
    Lever(
        "governance_partners", B,
        "“Community governance partners”: 10+ professional social organisations cultivated a year "
        "with venue and funding support.",
        ("socialorgs.supported_entrants_per_year", "socialorgs.venue_slots"),
        (setting("per_year", 10.0, "organisations/year", 0.0, 100.0, "brief §4B: 10+ a year"),
         setting("venues", 4, "venues", 0, 1000,
                 "assumption: rooms freed in community service centres for partners")),
        SHORT_START, SHORT_END,
        lambda s, b: {"socialorgs.supported_entrants_per_year":
                      max(float(b["socialorgs.supported_entrants_per_year"]), s["per_year"]),
                      "socialorgs.venue_slots": int(b["socialorgs.venue_slots"]) + s["venues"]},
        cost="a year's running cost of each partner, paid on entry from the general budget",
        timing="short term: cultivation starts in 2024"),
    Lever(
        "council_revival", B,
        "Resident councils reach 60% adoption of resident proposals.",
        ("council.functioning_gain_per_year",),
        (setting("revived_per_year", 0.25, "share/year", 0.0, 1.0,
                 "assumption: a quarter of formal councils start working each year"),),
        "2026-01-01", "2026-01-01",
        lambda s, b: {"council.functioning_gain_per_year":
                      max(float(b["council.functioning_gain_per_year"]), s["revived_per_year"])},
        step=("council.functioning_gain_per_year",),
        timing="middle term: councils revive from 2026"),
    Lever(
        "duty_list_enforcement", B,
        "Work outside the duty list falls below 20% of work time by 2025.",
        ("tasks.duty_list_revision", "tasks.duty_list_enforcement"),
        (setting("revision", 4.0, "share/year", 0.0, 52.0,
                 "assumption: the list is revised every quarter, taking in the items handed down "
                 "since (coverage settles near 4 / (4 + churn), about 98%)"),
         setting("refusal", 0.8, "probability", 0.0, 1.0,
                 "assumption: a list with teeth refuses most out-of-list tasks")),
        SHORT_START, SHORT_END,
        lambda s, b: {"tasks.duty_list_revision": max(float(b["tasks.duty_list_revision"]), s["revision"]),
                      "tasks.duty_list_enforcement":
                      max(float(b["tasks.duty_list_enforcement"]), s["refusal"])},
        timing="short term: the plan's 2025 target"),
)


# --- C. digital empowerment ------------------------------------------------------------------
def _platform_ramps(s: Values, start: dt.date, end: dt.date, base: Values) -> dict[str, Ramp]:
    years = max((end - start).days, 30) / 365.25
    build = "platform.build_cost_per_year"
    running = "platform.running_cost_per_year"
    dispatch = "cases.instant_dispatch"
    after = end + dt.timedelta(days=1)
    return {
        build: Ramp(build, ((start, float(base[build]) + s["build_cost"] / years),
                            (after, float(base[build]))), step=True),
        running: Ramp(running, ((start, float(base[running]) + s["running_cost"]),), step=True),
        # dispatch through the platform works as far as the platform is built and healthy
        dispatch: Ramp(dispatch, ((start, max(float(base[dispatch]), s["instant_dispatch"])),), step=True),
    }


DIGITAL = (
    Lever(
        "platform", C,
        "Costs: building the platform (one street spent 2 million yuan), running it about "
        "500,000 yuan a year.",
        ("platform.build_cost_per_year", "platform.running_cost_per_year", "cases.instant_dispatch"),
        (setting("build_cost", 2.0e6, "yuan", 0.0, 1e9, "brief §4C: one street spent 2 million yuan"),
         setting("running_cost", 5.0e5, "yuan/year", 0.0, 1e9, "brief §4C: about 500,000 yuan a year"),
         setting("instant_dispatch", 0.5, "share", 0.0, 1.0,
                 "assumption: a case reported on the platform reaches the grid worker's phone at once; "
                 "half of the dispatch lag (scheduling, phone calls) goes, travel stays")),
        SHORT_START, SHORT_END,
        lambda s, b: {"platform.build_cost_per_year": float(b["platform.build_cost_per_year"]),
                      "platform.running_cost_per_year":
                      float(b["platform.running_cost_per_year"]) + s["running_cost"],
                      "cases.instant_dispatch":
                      max(float(b["cases.instant_dispatch"]), s["instant_dispatch"])},
        cost="general budget: build cost spread over the phase, running cost from its start",
        timing="short term: built over 2024-2025, running costs from 2024",
        custom_ramps=_platform_ramps),
    Lever(
        "data_centre", C,
        "A street data centre joining 12 data classes of 8 departments (“one person, one file”); "
        "data sharing 80% by 2025.",
        ("data.data_shared",),
        (setting("share", 0.8, "share", 0.0, 1.0,
                 "brief §4C: data sharing 80% by 2025 (the share a department that joins makes visible)"),),
        SHORT_START, SHORT_END,
        lambda s, b: {"data.data_shared": _at_least(b["data.data_shared"], s["share"])},
        requires=("platform",),
        cost="part of the platform",
        timing="short term: the plan's 2025 target; departments join by agreement "
               "(data.join_prob_monthly) once the platform is being built"),
    Lever(
        "merged_systems", C,
        "18 systems merged into 3 platforms with one login, “enter once, reuse everywhere”: data "
        "entry under 1 hour a day per staff member.",
        ("data.systems_in_use", "data.systems_per_record"),
        (setting("systems", 3, "systems", 1, 100, "brief §4C: 3 platforms"),
         setting("systems_per_record", 1.0, "systems/record", 1.0, 20.0, "brief §4C: enter once")),
        SHORT_START, SHORT_END,
        lambda s, b: {"data.systems_in_use": min(int(b["data.systems_in_use"]), s["systems"]),
                      "data.systems_per_record": min(float(b["data.systems_per_record"]),
                                                     s["systems_per_record"])},
        requires=("platform",),
        cost="part of the platform",
        timing="short term: systems merged over 2024-2025"),
    Lever(
        "mini_program", C,
        "A smart-community mini-program (elderly meals, mediation, emergency call) with voice "
        "navigation and one-click call for elderly users: online service coverage 60% in 2024, "
        "85% in 2025; online demand response rate 85%.",
        ("population.digital_access", "demand.online_check_days"),
        (setting("coverage", 0.85, "share", 0.0, 1.0,
                 "brief §4C: online service coverage 85% in 2025 (60% at the 2024 stage)"),
         setting("inbox_check_days", 0.0, "days", 0.0, 30.0,
                 "assumption: the program puts online demands in the queue every workday")),
        SHORT_START, SHORT_END,
        lambda s, b: {"population.digital_access": _at_least(b["population.digital_access"], s["coverage"]),
                      "demand.online_check_days": min(float(b["demand.online_check_days"]),
                                                      s["inbox_check_days"])},
        step=("demand.online_check_days",),
        requires=("platform",),
        cost="part of the platform",
        timing="short term: coverage 60% by end-2024 (a stage in the scenario file), 85% by end-2025"),
    Lever(
        "iot_sensors", C,
        "IoT sensors (door access, smoke, environment, lone elderly residents, overflowing bins) "
        "feeding early warning.",
        ("emergency.iot_coverage",),
        (setting("coverage", 0.5, "share", 0.0, 1.0,
                 "assumption: sensors detect half of the emergencies early"),),
        "2026-01-01", "2027-12-31",
        lambda s, b: {"emergency.iot_coverage": max(float(b["emergency.iot_coverage"]), s["coverage"])},
        requires=("platform",),
        cost="part of the platform's running cost",
        timing="middle term: sensors installed over 2026-2027"),
)

LEVERS: dict[str, Lever] = {lv.name: lv for lv in (*INTEGRATED, *COORDINATED, *DIGITAL)}
"""Every lever by name."""

PATHS: tuple[str, ...] = (A, B, C)
