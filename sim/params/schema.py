"""The parameter schema: every model parameter's group, type, unit and allowed range.

Values and provenance live in scenario files (``scenarios/baseline.toml``); this module
says what a valid value is. A parameter's ``kind`` is one of

* ``float`` / ``int`` / ``bool`` / ``date`` - a scalar;
* ``map:KEYS`` - a table with exactly the keys of ``sim.domain.KEY_SETS[KEYS]``;
* ``map2:KEYS1:KEYS2`` - a table of tables.

``lo``/``hi`` bound every number in the value (inclusive). ``sensitivity`` gives the
range explored by sensitivity analysis for assumption parameters (defaults to a band
around the baseline value).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ParamSpec:
    """What one parameter may hold."""

    group: str
    name: str
    kind: str
    unit: str
    lo: float | None = None
    hi: float | None = None
    doc: str = ""

    @property
    def key(self) -> str:
        """Dotted key ``group.name`` used in files, sweeps and error messages."""
        return f"{self.group}.{self.name}"

    @property
    def range_text(self) -> str:
        """Human-readable allowed range."""
        lo = "-inf" if self.lo is None else f"{self.lo:g}"
        hi = "inf" if self.hi is None else f"{self.hi:g}"
        return f"[{lo}, {hi}]"


def _specs(group: str, rows: list[tuple]) -> list[ParamSpec]:
    return [ParamSpec(group, *row) for row in rows]


SHARE = (0.0, 1.0)
_F = "float"

SPECS: list[ParamSpec] = [
    *_specs("run", [
        ("start_date", "date", "ISO date", None, None, "First simulated day."),
        ("end_date", "date", "ISO date", None, None, "Last simulated day (inclusive)."),
    ]),
    *_specs("population", [
        ("residents", "int", "persons", 100, 2_000_000, "Resident population of the street."),
        ("age_shares", "map:age_band", "share", *SHARE, "Population share by age band."),
        ("migrant_share", _F, "share", *SHARE, "Share of residents who are migrants."),
        ("digital_access", "map:age_band", "share", *SHARE, "Share with usable digital access."),
        ("communities", "int", "communities", 1, 200, "Communities (社区) in the street."),
        ("council_coverage", _F, "share", *SHARE, "Share of communities with a resident council."),
        ("council_functioning", _F, "share", *SHARE, "Share of councils that actually function."),
        ("eligible_share", _F, "share", *SHARE, "Share of residents eligible for assistance."),
        ("eligible_enrolled_initial", _F, "share", *SHARE, "Eligible residents enrolled at start."),
        ("eligibility_inflow", _F, "share/year", *SHARE, "Residents newly eligible each year."),
    ]),
    *_specs("demand", [
        ("contacts_per_resident_year", _F, "contacts/resident/year", 0.0, 20.0, "Contact rate."),
        ("demand_share", _F, "share", *SHARE, "Share of contacts that are demands (诉求)."),
        ("overdispersion_shape", _F, "gamma shape", 0.1, 1e6, "Shape of the daily volume multiplier."),
        ("seasonal_amplitude", _F, "share", 0.0, 0.9, "Amplitude of the summer peak in demand."),
        ("category_mix", "map:category", "share", *SHARE, "Category propensity of a demand."),
        ("propensity_by_age", "map:age_band", "relative rate", 0.0, 10.0, "Demand rate by age band."),
        ("migrant_propensity", _F, "relative rate", 0.0, 10.0, "Demand rate of migrants vs others."),
        ("online_channel", "bool", "flag", None, None, "Street offers an online demand channel."),
        ("online_choice", "map:age_band", "probability", *SHARE, "Online use given digital access."),
        ("online_check_days", _F, "days", 0.0, 30.0, "Workdays between readings of the online inbox."),
        ("walk_in_share_offline", _F, "share", *SHARE, "Walk-ins among offline demands."),
    ]),
    *_specs("cases", [
        ("p_needs_department", "map:category", "probability", *SHARE, "Needs a department's power."),
        ("p_multi_department", "map:category", "probability", *SHARE, "Needs 2-3 departments."),
        ("p_unclear_duty", _F, "probability", *SHARE, "Multi-department case with unclear duty."),
        ("p_needs_money", "map:category", "probability", *SHARE, "Needs livelihood money."),
        ("money_need", "map:category", "yuan/case", 0.0, 1e6, "Mean money a case needs."),
        ("need_pot_mix", "map:pot", "share", *SHARE, "Which pot a money need belongs to."),
        ("p_needs_data", "map:category", "probability", *SHARE, "Needs another body's data."),
        ("p_needs_specialist", "map:category", "probability", *SHARE, "Needs a specialist."),
        ("p_so_suitable", "map:category", "probability", *SHARE, "Suits a social organisation."),
        ("intake_hours", "map:channel", "staff hours/case", 0.0, 24.0, "Intake and triage time."),
        ("street_handling_hours", "map:category", "staff hours/case", 0.0, 80.0, "Street handling."),
        ("whistle_coordination_hours", _F, "staff hours/case", 0.0, 24.0, "Time to whistle."),
        ("referral_hours", _F, "staff hours/case", 0.0, 24.0, "Time to refer a case."),
        ("intrinsic_work_hours", "map:category", "office hours", 0.0, 5000.0,
         "Mean intrinsic work on a street-handled case (the floor)."),
        ("dispatch_hours_per_grid", _F, "office hours/grid", 0.0, 500.0,
         "Dispatch and travel lag per grid a community worker covers."),
        ("residents_per_grid", _F, "residents/grid", 1.0, 1e6, "Residents per grid."),
        ("instant_dispatch", _F, "share", *SHARE, "Dispatch lag removed by digital dispatch."),
        ("delay_sigma", _F, "log-sd", 0.0, 3.0, "Log-normal spread of all service delays."),
        ("patience_days", _F, "days", 1.0, 365.0, "Wait after which a queued case is abandoned."),
        ("time_limit_hours", "map:category", "hours", 1.0, 5000.0, "Local time limit for a case."),
    ]),
    *_specs("resolution", [
        ("base_success", "map:category", "probability", *SHARE, "Street success, full resources."),
        ("skill_weight", _F, "share", *SHARE, "Weight of handler skill in success."),
        ("specialist_bonus", _F, "probability", *SHARE, "Added success for a matching specialist."),
        ("no_data_factor", _F, "factor", *SHARE, "Success multiplier when needed data is missing."),
    ]),
    *_specs("staff", [
        ("established_posts", "int", "posts", 0, 2000, "Established (编制) posts."),
        ("residents_per_contract_post", _F, "residents/post", 50.0, 1e6, "Contract posts ratio."),
        ("extra_contract_posts", "int", "posts", 0, 2000, "Contract posts beyond the ratio."),
        ("professional_share", _F, "share", *SHARE, "Initial share of professional staff."),
        ("professional_mix", "map:specialty", "share", *SHARE, "Specialty mix of professionals."),
        ("under35_share", _F, "share", *SHARE, "Initial share under 35."),
        ("over45_share", _F, "share", *SHARE, "Initial share over 45."),
        ("pay", "map:contract", "yuan/month", 0.0, 1e5, "Monthly pay by contract type."),
        ("urban_average_pay", _F, "yuan/month", 1.0, 1e5, "Local urban average pay."),
        ("work_hours_per_day", _F, "hours/day", 1.0, 16.0, "Hours a staff member works a weekday."),
        ("weekend_staffing", _F, "share", *SHARE, "Share of weekday hours worked at weekends."),
        ("skill_initial", _F, "skill", *SHARE, "Mean initial skill (0-1)."),
        ("skill_professional_bonus", _F, "skill", *SHARE, "Skill added by a qualification."),
        ("skill_per_year_experience", _F, "skill/year", 0.0, 0.5, "Skill from experience."),
        ("skill_per_training_hour", _F, "skill/hour", 0.0, 0.1, "Skill from training."),
        ("skill_decay_per_year", _F, "share/year", *SHARE, "Skill lost each year without training."),
        ("training_hours_per_year", _F, "hours/year", 0.0, 400.0, "Routine training per staff."),
        ("systematic_training_share", _F, "share", *SHARE, "Staff sent to systematic training."),
        ("systematic_training_hours", _F, "hours/year", 0.0, 400.0, "Hours of systematic training."),
        ("talent_pool_hours_per_year", _F, "hours/year", 0.0, 1e6, "Volunteer professional hours."),
        ("seconded_person_months", _F, "person-months/year", 0.0, 1200.0, "Department staff seconded."),
        ("sunk_enforcement_staff", _F, "persons", 0.0, 500.0, "Department enforcers moved down."),
    ]),
    *_specs("workforce", [
        ("sustainable_hours_per_day", _F, "hours/day", 1.0, 24.0, "Daily load staff sustain without strain."),
        ("out_of_list_strain", _F, "factor", 0.0, 10.0, "Strain of an out-of-list hour vs an in-list one."),
        ("assessment_strain", _F, "load", 0.0, 10.0, "Load added at full assessment pressure."),
        ("quit_hazard", "map:contract", "1/year", *SHARE, "Base annual quit hazard."),
        ("youth_quit_multiplier", _F, "factor", 0.0, 10.0, "Hazard multiplier for under-35s."),
        ("pay_gap_elasticity", _F, "1/pay-gap", 0.0, 20.0, "Log-hazard per unit of pay gap."),
        ("stress_elasticity", _F, "1/stress", 0.0, 20.0, "Log-hazard per unit of stress."),
        ("stress_memory_days", _F, "days", 1.0, 3650.0, "Time constant of stress."),
        ("refill_lag_days", _F, "days", 0.0, 1000.0, "Mean time to refill a vacancy."),
        ("recruit_professional_share", _F, "share", *SHARE, "Qualified share of recruits."),
        ("recruit_under35_share", _F, "share", *SHARE, "Under-35 share of recruits."),
        ("retirement_age", "int", "years", 50, 75, "Age at which staff retire (recruits are up to 50)."),
        ("promotion_slots_per_year", _F, "promotions/year", 0.0, 100.0, "Rank openings a year."),
        ("promotion_min_years", _F, "years", 0.0, 30.0, "Years in grade before promotion."),
        ("youth_promotion_preference", _F, "share", *SHARE, "Openings reserved for under-35s."),
    ]),
    *_specs("tasks", [
        ("tasks_per_staff_day", _F, "tasks/staff/workday", 0.0, 50.0, "Upper-level task arrivals."),
        ("hours_per_task", _F, "staff hours/task", 0.0, 80.0, "Hours each task takes (a fixed charge)."),
        ("out_of_list_share", _F, "share", *SHARE, "Share of tasks outside the legal duty list."),
        ("duty_list_coverage", _F, "share", *SHARE, "Share of tasks the list covers at the start."),
        ("duty_list_churn", _F, "share/year", 0.0, 12.0, "New handed-down items, share of items a year."),
        ("duty_list_revision", _F, "share/year", 0.0, 52.0, "Uncovered items brought into the list a year."),
        ("duty_list_enforcement", _F, "probability", *SHARE, "Checked out-of-list task refused."),
    ]),
    *_specs("data", [
        ("systems_in_use", "int", "systems", 1, 100, "Government systems staff must use."),
        ("systems_per_record", _F, "systems/record", 1.0, 20.0, "Systems each record goes into."),
        ("records_per_staff_day", _F, "records/staff/workday", 0.0, 200.0, "Routine records."),
        ("minutes_per_entry", _F, "minutes/entry", 0.0, 120.0, "Time to enter one record."),
        ("minutes_per_system_login", _F, "minutes/system/day", 0.0, 60.0, "Login and sync."),
        ("data_shared", "map:department", "share", *SHARE, "Share of a department's data visible."),
        ("join_prob_monthly", _F, "probability/month", *SHARE, "Department joins the data centre."),
    ]),
    *_specs("departments", [
        ("answer_prob", "map:department", "probability", *SHARE, "Base answer probability."),
        ("answer_delay_hours", "map:department", "hours", 0.0, 2000.0, "Mean arrival delay at full load."),
        ("travel_hours", _F, "hours", 0.0, 200.0, "Arrival delay of a department with no queue."),
        ("capacity_per_day", "map:department", "whistles/day", 0.01, 1e5, "Whistles handled/day."),
        ("load_sensitivity", _F, "share", *SHARE, "Answer loss per unit of load."),
        ("accountability", _F, "share", *SHARE, "Weight of street rating in assessment."),
        ("accountability_effect", _F, "share", *SHARE, "Gap to certainty closed by full weight."),
        ("repeat_interval_days", _F, "days", 0.1, 60.0, "Days before re-whistling."),
        ("max_repeats", "int", "whistles", 1, 20, "Whistles sent before escalating."),
        ("escalation_answer_prob", _F, "probability", *SHARE, "Answer after escalation."),
        ("escalation_delay_days", _F, "days", 0.0, 120.0, "Coordination cycle of an escalation."),
        ("duty_clarity", _F, "share", *SHARE, "Unclear-duty cases clarified by lists."),
        ("bounce_prob", _F, "probability", *SHARE, "Department disclaims an unclear case."),
        ("bounce_delay_days", _F, "days", 0.0, 60.0, "Delay added by a bounce."),
        ("max_bounces", "int", "bounces", 0, 20, "Bounces before the case is dropped."),
        ("resolve_prob", _F, "probability", *SHARE, "Case resolved once all departments arrive."),
        ("handling_hours", _F, "hours", 0.0, 2000.0, "Mean time from arrival to resolution."),
        ("enforcement_delegated", _F, "share", *SHARE, "Department-power cases the street can do."),
        ("delegated_approval_days", _F, "days", 0.0, 120.0, "Approval wait before delegated enforcement."),
        ("delegated_success_factor", _F, "factor", *SHARE, "Success multiplier of delegated cases."),
        ("candidates", "map2:category:department", "weight", 0.0, 100.0, "Who handles what."),
        ("joint_meeting", "bool", "flag", None, None, "Multi-department cases go to a joint meeting."),
        ("joint_meeting_delay_days", _F, "days", 0.0, 60.0, "Days to convene a joint meeting."),
    ]),
    *_specs("referral", [
        ("propensity", _F, "probability", *SHARE, "Suitable case referred when an SO can take it."),
        ("success", _F, "probability", *SHARE, "SO resolves a referred case (no pro team)."),
        ("professional_bonus", _F, "probability", *SHARE, "Added success for a professional SO."),
        ("fee_per_case", _F, "yuan/case", 0.0, 1e5, "Street pays the SO per referred case."),
        ("service_delay_hours", _F, "hours", 0.0, 5000.0, "Mean calendar delay at the SO."),
    ]),
    *_specs("socialorgs", [
        ("initial_count", "int", "organisations", 0, 500, "Registered SOs at start."),
        ("initial_mix", "map:so_specialty", "share", *SHARE, "Specialty mix at start."),
        ("specialty_mix_new", "map:so_specialty", "share", *SHARE, "Specialty mix of entrants."),
        ("matchmaking_per_year", _F, "meetings/year", 0.0, 52.0, "Matchmaking meetings."),
        ("entrants_per_meeting", _F, "organisations", 0.0, 50.0, "Mean entrants per meeting."),
        ("supported_entrants_per_year", _F, "organisations/year", 0.0, 100.0, "Cultivated."),
        ("capacity_per_month", _F, "cases/month", 0.0, 10000.0, "Cases an SO can take."),
        ("monthly_cost", _F, "yuan/month", 0.0, 1e7, "Running cost of an SO."),
        ("initial_funds_months", _F, "months", 0.0, 120.0, "Funds an entrant brings."),
        ("service_grant_per_year", _F, "yuan/year", 0.0, 1e8, "Street service purchase per SO."),
        ("venue_slots", "int", "venues", 0, 1000, "Venues the street can give SOs."),
        ("no_venue_exit_monthly", _F, "probability", *SHARE, "Exit hazard without a venue."),
        ("professional_team_share", _F, "share", *SHARE, "Entrants with a professional team."),
    ]),
    *_specs("money", [
        ("annual_budget", _F, "yuan/year", 0.0, 1e10, "Street budget: own fees and district transfers."),
        ("own_revenue", _F, "yuan/year", 0.0, 1e10, "Fees and charges the street raises itself."),
        ("rent_per_shared_space", _F, "yuan/space/year", 0.0, 1e8, "Rent a shared space earns."),
        ("livelihood_share", _F, "share", *SHARE, "Budget share for livelihood services."),
        ("pot_allocation", "map:pot", "share", *SHARE, "Ring-fenced split of livelihood money."),
        ("bundled_funds", "bool", "flag", None, None, "Pots bundled into one service package."),
        ("transfer_delay_prob", _F, "probability", *SHARE, "A quarterly transfer arrives late."),
        ("transfer_delay_days", _F, "days", 0.0, 365.0, "How late a late transfer is."),
        ("revenue_shock", _F, "share", *SHARE, "Cut in district transfers."),
        ("coordination_fund", _F, "yuan/year", 0.0, 1e10, "District coordination fund."),
        ("donation_share", _F, "share", 0.0, 5.0, "Social donations relative to fiscal input."),
        ("committed_share", _F, "share", *SHARE, "General revenue committed to running costs."),
        ("coordination_fund_shortfall", _F, "share", *SHARE, "Share of the coordination fund not paid."),
        ("secondment_allowance", _F, "yuan/person-month", 0.0, 1e6, "Street's cost of a secondee."),
        ("wage_reserve_months", _F, "months", 0.0, 24.0, "Contract wages held back from programmes."),
    ]),
    *_specs("platform", [
        ("build_cost_per_year", _F, "yuan/year", 0.0, 1e9, "Platform build instalments due."),
        ("running_cost_per_year", _F, "yuan/year", 0.0, 1e9, "Platform running cost due."),
        ("running_funded", _F, "share", *SHARE, "Share of the running cost the budget provides."),
        ("decay_months", _F, "months", 1.0, 120.0, "Time constant of decay (or recovery)."),
        ("build_months", _F, "months", 1.0, 120.0, "Months of paid instalments to build it."),
    ]),
    *_specs("facilities", [
        ("renovated_initial", _F, "share", *SHARE, "Service centres renovated at start."),
        ("renovations_per_year", _F, "centres/year", 0.0, 100.0, "Centres renovated a year."),
        ("renovation_cost", _F, "yuan/centre", 0.0, 1e8, "Cost of one renovation."),
        ("shared_spaces", "int", "spaces", 0, 1000, "Spaces opened by sharing agreements."),
    ]),
    *_specs("emergency", [
        ("rate_per_year", _F, "events/year", 0.0, 365.0, "Emergency rate."),
        ("type_mix", "map:emergency", "share", *SHARE, "Emergency type mix."),
        ("detect_hours_warned", _F, "hours", 0.0, 48.0, "Detection delay with warning data."),
        ("detect_hours_unwarned", _F, "hours", 0.0, 48.0, "Detection delay without it."),
        ("iot_coverage", _F, "share", *SHARE, "Share of events sensors detect early."),
        ("street_supplies", _F, "share", *SHARE, "Events for which the street holds supplies."),
        ("department_supply_hours", _F, "hours", 0.0, 72.0, "Wait for a department's supplies."),
        ("mobilise_hours", _F, "hours", 0.0, 48.0, "Time to mobilise staff."),
        ("mobilised_share", _F, "share", *SHARE, "Staff pulled off routine work."),
        ("mobilised_days", "map:emergency", "days", 0.0, 365.0, "Days staff stay mobilised."),
        ("resolve_hours", "map:emergency", "hours", 0.0, 10000.0, "Mean hours to resolve."),
        ("unskilled_slowdown", _F, "factor", 0.0, 10.0, "Extra resolve time at zero skill."),
        ("false_alarm_rate", _F, "alarms/year", 0.0, 365.0, "False alarms from the platform."),
        ("false_alarm_trust_loss", _F, "probability", *SHARE, "Trust lost per alarm."),
    ]),
    *_specs("feedback", [
        ("learning_rate", _F, "share", *SHARE, "Weight of one experience in own-case memory."),
        ("score_in_time", _F, "rating (0-1)", *SHARE, "Experience score: resolved in time."),
        ("score_late", _F, "rating (0-1)", *SHARE, "Experience score: resolved late."),
        ("score_dropped", _F, "rating (0-1)", *SHARE, "Experience score: not resolved."),
        ("memory_years", _F, "years", 0.01, 100.0, "Time constant back to word of mouth."),
        ("p_complaint", _F, "probability", *SHARE, "Unresolved case becomes a complaint."),
        ("bounce_complaint_factor", _F, "factor", 0.0, 20.0, "Complaint odds after a bounce."),
        ("p_repeat", _F, "probability", *SHARE, "Unresolved case comes back as a repeat."),
        ("repeat_delay_days", _F, "days", 0.0, 365.0, "Mean days before a repeat contact."),
        ("complaint_staff_hours", _F, "staff hours/complaint", 0.0, 100.0, "Answering a complaint."),
    ]),
    *_specs("perception", [
        ("initial", _F, "rating (0-1)", *SHARE, "Perceived performance and expectation at the start."),
        ("weight_own", _F, "weight", 0.0, 10.0, "Weight of own cases in perceived performance."),
        ("weight_neighbours", _F, "weight", 0.0, 10.0, "Weight of neighbours' word of mouth."),
        ("weight_condition", _F, "weight", 0.0, 10.0, "Weight of the community's condition."),
        ("weight_trust", _F, "weight", 0.0, 10.0, "Weight of trust in responsiveness."),
        ("disconfirmation_weight", _F, "rating/rating", 0.0, 5.0, "Effect of performance minus expectation."),
        ("expectation_adaptation", _F, "share/year", *SHARE, "Expectations move towards performance."),
        ("expectation_drift", _F, "rating/year", -0.2, 0.2, "Yearly rise of expectations."),
        ("rating_sd", _F, "rating (0-1)", 0.0, 1.0, "Spread of residents' rating dispositions."),
        ("callback_threshold", _F, "rating (0-1)", *SHARE, "Call-back rating counted as satisfied."),
        ("survey_threshold", _F, "rating (0-1)", *SHARE, "Survey rating counted as satisfied."),
        ("neighbour_memory_months", _F, "months", 0.1, 120.0, "Memory of word of mouth."),
        ("problem_persistence_days", _F, "days", 0.0, 3650.0, "Unresolved problem stays visible."),
        ("problem_density_reference", _F, "problems/1,000 residents", 0.01, 1e4,
         "Outstanding problems halving the environment part."),
        ("so_activity_reference", _F, "cases/1,000 residents/year", 0.01, 1e5,
         "Social-organisation activity counted as full."),
    ]),
    *_specs("council", [
        ("proposals_functioning", _F, "proposals/council/month", 0.0, 100.0, "Working councils."),
        ("proposals_formal", _F, "proposals/council/month", 0.0, 100.0, "Formal-only councils."),
        ("adopt_functioning", _F, "probability", *SHARE, "Adoption of a working council's proposal."),
        ("adopt_formal", _F, "probability", *SHARE, "Adoption of a formal council's proposal."),
        ("functioning_gain_per_year", _F, "share/year", *SHARE, "Councils revived a year."),
    ]),
    *_specs("enrolment", [
        ("data_match_monthly", _F, "probability", *SHARE, "Found per month when data is shared."),
        ("contact_enrol_prob", _F, "probability", *SHARE, "Enrolled after a resolved livelihood case."),
        ("exit_per_year", _F, "share/year", *SHARE, "Eligible residents leaving eligibility."),
    ]),
    *_specs("assessment", [
        ("trace_weight", _F, "share", *SHARE, "Weight of paperwork 'traces' in assessment."),
        ("results_weight", _F, "share", *SHARE, "Weight of service results."),
        ("gaming_propensity", _F, "probability", *SHARE, "Unresolved closure reported as done."),
        ("complaint_rate_reference", _F, "complaints/whistle", 1e-6, 10.0,
         "Complaint rate counted as full pressure in a department's assessment."),
    ]),
]

SPEC_BY_KEY: dict[str, ParamSpec] = {s.key: s for s in SPECS}
GROUPS: tuple[str, ...] = tuple(dict.fromkeys(s.group for s in SPECS))
