"""Bad input, tried as a new user would: every case is refused with the expected exit
status (2 for a user error, 1 for an environment error), one line on stderr naming the
field or path, no traceback, no hang, and no file created or changed anywhere under the
test's folder (the working directory included)."""

from __future__ import annotations

import hashlib
import signal
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.experiment.store import Store

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"
DISTRICT = Path(__file__).resolve().parents[1] / "scenarios" / "district.toml"
HANG_SECONDS = 60


@dataclass(frozen=True)
class Case:
    """One bad input: the command (``{tmp}`` is the test folder; ``bad.toml`` is written
    from ``body`` there), the expected exit status and a text the message must name."""

    id: str
    argv: tuple[str, ...]
    needle: str
    body: str | None = None
    rc: int = 2


def scen(
    id: str, body: str, needle: str, head: str = f'[scenario]\nname = "bad"\nextends = "{BASELINE}"\n'
) -> Case:
    """A scenario file ``bad.toml`` (extending the baseline unless ``head`` says otherwise)."""
    return Case(f"scenario-file:{id}", ("run", "{tmp}/bad.toml", "--out", "{tmp}/out"), needle, head + body)


def exp(id: str, body: str, needle: str, extra: tuple[str, ...] = ()) -> Case:
    """An experiment file ``bad.toml`` run by ``streetsim sweep``."""
    head = (
        '[experiment]\nname = "e"\nscenarios = ["baseline"]\n' if not body.startswith("[experiment]") else ""
    )
    consts = (
        '\n[constants]\n"population.residents" = 5000\n"run.end_date" = "2024-03-31"\n'
        if "[constants]" not in body
        else ""
    )
    return Case(
        f"experiment-file:{id}",
        ("sweep", "{tmp}/bad.toml", "--results", "{tmp}/res", "--workers", "1", *extra),
        needle,
        head + body + consts,
    )


def q(id: str, sql: str, *extra: str, needle: str = "sql", rc: int = 2) -> Case:
    """``streetsim results query SQL`` over the test's store."""
    return Case(id, ("results", "query", sql, "--results", "{tmp}/store", *extra), needle, None, rc)


def cli(id: str, *argv: str, needle: str, rc: int = 2) -> Case:
    return Case(id, tuple(argv), needle, None, rc)


P = "[population]\n"
D = "[demand]\n"
RUN = "[run]\n"
CASES: list[Case] = [
    # --- scenario files: paths and inheritance ---------------------------------------------------
    cli("scenario-is-a-folder", "run", "{tmp}/sub.toml", needle="sub.toml"),
    cli("scenario-missing", "run", "{tmp}/nothing.toml", needle="nothing.toml"),
    cli("scenario-unknown-name", "run", "no_such_scenario", needle="no_such_scenario"),
    cli("scenario-is-a-device", "run", "/dev/null", needle="/dev/null"),
    cli("scenario-too-large", "run", "{tmp}/huge.toml", needle="huge.toml"),
    scen("extends-a-folder", "", "/tmp", head='[scenario]\nname = "bad"\nextends = "/tmp"\n'),
    scen("extends-a-number", "", "scenario.extends", head='[scenario]\nname = "bad"\nextends = 5\n'),
    scen("extends-missing", "", "scenario.extends", head='[scenario]\nname = "bad"\nextends = "nope_x"\n'),
    scen("extends-itself", "", "scenario.extends", head='[scenario]\nname = "bad"\nextends = "bad"\n'),
    scen("extends-empty", "", "scenario.extends", head='[scenario]\nname = "bad"\nextends = ""\n'),
    scen("root-without-parameters", "", "every parameter", head='[scenario]\nname = "bad"\n'),
    scen("scenario-not-a-table", "", "scenario", head='scenario = "x"\n'),
    scen("name-a-number", "", "scenario.name", head=f'[scenario]\nname = 5\nextends = "{BASELINE}"\n'),
    scen("name-empty", "", "scenario.name", head=f'[scenario]\nname = ""\nextends = "{BASELINE}"\n'),
    scen(
        "name-rtl-override",
        "",
        "scenario.name",
        head=f'[scenario]\nname = "evil\\u202eexe"\nextends = "{BASELINE}"\n',
    ),
    scen(
        "name-control-char",
        "",
        "scenario.name",
        head=f'[scenario]\nname = "a\\u0007b"\nextends = "{BASELINE}"\n',
    ),
    scen(
        "name-too-long",
        "",
        "scenario.name",
        head=f'[scenario]\nname = "{"x" * 500}"\nextends = "{BASELINE}"\n',
    ),
    scen(
        "description-a-table",
        "",
        "scenario.description",
        head=f'[scenario]\nname = "bad"\ndescription = {{a = 1}}\nextends = "{BASELINE}"\n',
    ),
    scen(
        "name-zh-a-number",
        "",
        "scenario.name_zh",
        head=f'[scenario]\nname = "bad"\nname_zh = 3\nextends = "{BASELINE}"\n',
    ),
    scen(
        "unknown-scenario-field",
        "",
        "scenario.colour",
        head=f'[scenario]\nname = "bad"\ncolour = 1\nextends = "{BASELINE}"\n',
    ),
    scen(
        "combines-a-string",
        "",
        "scenario.combines",
        head=f'[scenario]\nname = "bad"\ncombines = "x"\nextends = "{BASELINE}"\n',
    ),
    scen(
        "combines-missing",
        "",
        "scenario.combines",
        head=f'[scenario]\nname = "bad"\ncombines = ["nope_x"]\nextends = "{BASELINE}"\n',
    ),
    scen("toml-syntax", "this is = not toml =\n", "(syntax)"),
    scen("toml-deep-nesting", "x = " + "[" * 5000 + "]" * 5000 + "\n", "bad.toml"),
    # --- scenario files: dates ---------------------------------------------------------------------
    scen("date-week-form", RUN + 'end_date = { value = "2024-W10-1" }\n', "run.end_date"),
    scen("date-basic-form", RUN + 'end_date = { value = "20240301" }\n', "run.end_date"),
    scen("date-far-future", RUN + 'end_date = { value = "2999-12-31" }\n', "run.end_date"),
    scen("date-2051", RUN + 'end_date = { value = "2051-01-01" }\n', "run.end_date"),
    scen("date-impossible", RUN + 'end_date = { value = "2024-02-30" }\n', "run.end_date"),
    scen("date-month-13", RUN + 'end_date = { value = "2024-13-01" }\n', "run.end_date"),
    scen("date-an-integer", RUN + "end_date = { value = 2024 }\n", "run.end_date"),
    scen("date-with-time", RUN + "end_date = { value = 2024-03-01T10:00:00 }\n", "run.end_date"),
    scen("date-time-only", RUN + "end_date = { value = 10:00:00 }\n", "run.end_date"),
    scen("date-before-start", RUN + 'end_date = { value = "2023-12-31" }\n', "run.end_date"),
    scen("date-equal-start", RUN + 'end_date = { value = "2024-01-01" }\n', "run.end_date"),
    scen("start-date-too-early", RUN + 'start_date = { value = "1999-12-31" }\n', "run.start_date"),
    scen("date-empty", RUN + 'end_date = { value = "" }\n', "run.end_date"),
    scen("date-with-spaces", RUN + 'end_date = { value = " 2024-03-01" }\n', "run.end_date"),
    # --- scenario files: sections and entries ----------------------------------------------------
    scen("unknown-section", "[bogus]\nx = 1\n", "bogus"),
    scen("section-not-a-table", "demand = 5\n", "demand"),
    scen("unknown-parameter", D + "bogus = { value = 1 }\n", "demand.bogus"),
    scen("entry-not-a-table", D + "demand_share = 0.5\n", "demand.demand_share"),
    scen("entry-without-value", D + 'demand_share = { unit = "share" }\n', "demand.demand_share"),
    scen(
        "entry-extra-field", D + "demand_share = { value = 0.5, colour = 1 }\n", "demand.demand_share.colour"
    ),
    scen("entry-wrong-unit", D + 'demand_share = { value = 0.5, unit = "kg" }\n', "demand.demand_share.unit"),
    # --- scenario files: values ---------------------------------------------------------------------
    scen("float-a-string", D + 'demand_share = { value = "x" }\n', "demand.demand_share"),
    scen("float-nan", D + "demand_share = { value = nan }\n", "demand.demand_share"),
    scen(
        "float-inf", D + "contacts_per_resident_year = { value = inf }\n", "demand.contacts_per_resident_year"
    ),
    scen(
        "float-minus-inf",
        D + "contacts_per_resident_year = { value = -inf }\n",
        "demand.contacts_per_resident_year",
    ),
    scen("float-a-bool", D + "demand_share = { value = true }\n", "demand.demand_share"),
    scen("float-a-list", D + "demand_share = { value = [0.5] }\n", "demand.demand_share"),
    scen("float-a-table", D + "demand_share = { value = { a = 1 } }\n", "demand.demand_share"),
    scen("float-a-date", D + "demand_share = { value = 2024-01-01 }\n", "demand.demand_share"),
    scen("share-above-one", D + "demand_share = { value = 1.5 }\n", "demand.demand_share"),
    scen("share-negative", D + "demand_share = { value = -0.1 }\n", "demand.demand_share"),
    scen(
        "rate-too-high",
        D + "contacts_per_resident_year = { value = 1e9 }\n",
        "demand.contacts_per_resident_year",
    ),
    scen("int-a-fraction", P + "residents = { value = 5000.5 }\n", "population.residents"),
    scen("int-a-bool", P + "residents = { value = true }\n", "population.residents"),
    scen("int-a-string", P + 'residents = { value = "5000" }\n', "population.residents"),
    scen("int-too-small", P + "residents = { value = 10 }\n", "population.residents"),
    scen("int-too-large", P + "residents = { value = 1000000000 }\n", "population.residents"),
    scen("int-max-int64", P + "residents = { value = 9223372036854775807 }\n", "population.residents"),
    scen("int-negative", P + "communities = { value = -3 }\n", "population.communities"),
    scen("bool-an-int", D + "online_channel = { value = 1 }\n", "demand.online_channel"),
    scen("bool-a-string", D + 'online_channel = { value = "true" }\n', "demand.online_channel"),
    scen("map-a-number", P + "age_shares = { value = 0.5 }\n", "population.age_shares"),
    scen(
        "map-missing-key",
        P + "age_shares = { value = { 0_17 = 0.5, 18_34 = 0.5 } }\n",
        "population.age_shares",
    ),
    scen(
        "map-unknown-key",
        P + "digital_access = { value = { 0_17 = 0.5, 18_34 = 0.5, 35_59 = 0.5, "
        "60_plus = 0.5, aliens = 1.0 } }\n",
        "population.digital_access.aliens",
    ),
    scen(
        "map-value-string",
        P + 'digital_access = { value = { 0_17 = "x", 18_34 = 0.5, 35_59 = 0.5, 60_plus = 0.5 } }\n',
        "population.digital_access.0_17",
    ),
    scen(
        "map-value-out-of-range",
        P + "digital_access = { value = { 0_17 = 2.0, 18_34 = 0.5, 35_59 = 0.5, 60_plus = 0.5 } }\n",
        "population.digital_access.0_17",
    ),
    scen(
        "shares-not-summing-to-one",
        P + "age_shares = { value = { 0_17 = 0.5, 18_34 = 0.5, 35_59 = 0.5, 60_plus = 0.5 } }\n",
        "population.age_shares",
    ),
    scen(
        "map2-inner-not-table",
        "[departments]\ncandidates = { value = { livelihood = 1, mediation = 1, "
        "environment = 1, other = 1 } }\n",
        "departments.candidates",
    ),
    # --- scenario files: levers and stressors ------------------------------------------------------
    scen("lever-unknown", "[levers.magic_wand]\nstrength = 1.0\n", "levers.magic_wand"),
    scen("lever-unknown-setting", "[levers.training]\ncolour = 3\n", "levers.training.colour"),
    scen("lever-bad-start", '[levers.training]\nstart = "2024-13-01"\n', "levers.training.start"),
    scen("lever-start-far-future", '[levers.training]\nstart = "2999-01-01"\n', "levers.training.start"),
    scen("levers-not-tables", "levers = 5\n", "levers"),
    scen("stressor-unknown", "[stressors.meteor]\n", "stressors.meteor"),
    scen(
        "stressor-bad-start", '[stressors.revenue_shock]\nstart = "soon"\n', "stressors.revenue_shock.start"
    ),
    # --- run: options --------------------------------------------------------------------------------
    cli("seed-negative", "run", "baseline", "--seed", "-1", needle="--seed"),
    cli("seed-too-large", "run", "baseline", "--seed", str(10**23), needle="--seed"),
    cli("seed-2-to-63", "run", "baseline", "--seed", str(2**63), needle="--seed"),
    cli("seed-text", "run", "baseline", "--seed", "abc", needle="--seed"),
    cli("seed-fraction", "run", "baseline", "--seed", "1.5", needle="--seed"),
    cli("out-an-existing-file", "run", "baseline", "--out", "{tmp}/afile", needle="--out"),
    cli("out-inside-a-file", "run", "baseline", "--out", "{tmp}/afile/sub", needle="--out"),
    cli("out-in-proc", "run", "baseline", "--out", "/proc/streetsim-x", needle="/proc", rc=1),
    cli("out-on-a-device", "run", "baseline", "--out", "/dev/null", needle="--out"),
    cli("stress-unknown", "run", "baseline", "--stress", "meteor", needle="--stress"),
    cli(
        "stress-twice",
        "run",
        "baseline",
        "--stress",
        "revenue_shock",
        "--stress",
        "revenue_shock",
        needle="--stress",
    ),
    cli("vs-unknown", "run", "baseline", "--vs", "nope_x", needle="nope_x"),
    cli("vs-workers-zero", "run", "baseline", "--vs", "baseline", "--workers", "0", needle="--workers"),
    cli("vs-workers-negative", "run", "baseline", "--vs", "baseline", "--workers", "-2", needle="--workers"),
    cli("vs-reps-zero", "run", "baseline", "--vs", "baseline", "--reps", "0", needle="--reps"),
    cli("vs-reps-huge", "run", "baseline", "--vs", "baseline", "--reps", str(10**12), needle="--reps"),
    cli("workers-text", "run", "baseline", "--workers", "many", needle="--workers"),
    cli("lang-unknown", "run", "baseline", "--lang", "fr", needle="--lang"),
    cli("run-unknown-option", "run", "baseline", "--bogus", needle="--bogus"),
    cli("run-no-scenario", "run", needle="scenario"),
    cli("district-with-stress", "run", str(DISTRICT), "--stress", "revenue_shock", needle="--stress"),
    # --- compare -----------------------------------------------------------------------------------
    cli("compare-results-a-file", "compare", "--results", "{tmp}/afile", "--reps", "2", needle="--results"),
    cli("compare-reps-one", "compare", "--reps", "1", needle="--reps"),
    cli("compare-workers-zero", "compare", "--workers", "0", needle="--workers"),
    cli("compare-seed-negative", "compare", "--seed", "-3", needle="--seed"),
    cli("compare-years-text", "compare", "--years", "abc", needle="--years"),
    cli("compare-years-empty", "compare", "--years", ",", needle="--years"),
    cli("compare-year-not-simulated", "compare", "--years", "1999", "--reps", "2", needle="outputs.years"),
    cli(
        "compare-scenario-unknown",
        "compare",
        "--scenarios",
        "baseline,nope_x",
        "--reps",
        "2",
        needle="nope_x",
    ),
    cli(
        "compare-scenario-twice",
        "compare",
        "--scenarios",
        "baseline,baseline",
        "--reps",
        "2",
        needle="experiment.scenarios",
    ),
    cli("compare-stress-unknown", "compare", "--stress", "meteor", "--reps", "2", needle="meteor"),
    cli("compare-set-no-equals", "compare", "--set", "population.residents", needle="--set"),
    cli("compare-set-unknown-key", "compare", "--set", "nope.key=1", needle="nope.key"),
    cli(
        "compare-set-bad-value",
        "compare",
        "--set",
        "population.residents=abc",
        "--reps",
        "2",
        needle="population.residents",
    ),
    cli("compare-name-with-slash", "compare", "--name", "a/b", "--reps", "2", needle="experiment.name"),
    cli("compare-executor-unknown", "compare", "--executor", "cloud", needle="--executor"),
    cli(
        "compare-scheduler-without-dask",
        "compare",
        "--scheduler",
        "tcp://x:1",
        "--reps",
        "2",
        needle="--scheduler",
    ),
    cli(
        "compare-district-scenario",
        "compare",
        "--scenarios",
        f"baseline,{DISTRICT}",
        "--reps",
        "2",
        needle="experiment.scenarios",
    ),
    # --- sweep: paths and options ------------------------------------------------------------------
    cli("sweep-a-folder", "sweep", "{tmp}/adir.toml", needle="adir.toml"),
    cli("sweep-missing-file", "sweep", "{tmp}/missing.toml", needle="an existing experiment file"),
    cli("sweep-reps-zero", "sweep", "{tmp}/good.toml", "--reps", "0", needle="--reps"),
    cli("sweep-workers-zero", "sweep", "{tmp}/good.toml", "--workers", "0", needle="--workers"),
    cli("sweep-results-a-file", "sweep", "{tmp}/good.toml", "--results", "{tmp}/afile", needle="--results"),
    cli(
        "sweep-results-inside-a-file",
        "sweep",
        "{tmp}/good.toml",
        "--results",
        "{tmp}/afile/r",
        needle="--results",
    ),
    cli(
        "sweep-results-in-proc",
        "sweep",
        "{tmp}/good.toml",
        "--results",
        "/proc/streetsim-r",
        needle="/proc",
        rc=1,
    ),
    # --- sweep: experiment files ---------------------------------------------------------------------
    exp("years-a-number", "[outputs]\nyears = 2024\n", "outputs.years"),
    exp("years-strings", '[outputs]\nyears = ["2024"]\n', "outputs.years"),
    exp("year-not-simulated", "[outputs]\nyears = [2031]\n", "outputs.years"),
    exp(
        "values-with-text",
        '[[parameters]]\nkey = "staff.work_hours_per_day"\nvalues = [8.0, "nine"]\n',
        "parameters.staff.work_hours_per_day.values",
    ),
    exp(
        "values-out-of-range",
        '[[parameters]]\nkey = "staff.work_hours_per_day"\nvalues = [8.0, 99.0]\n',
        "parameters.staff.work_hours_per_day.values",
    ),
    exp(
        "values-empty",
        '[[parameters]]\nkey = "staff.work_hours_per_day"\nvalues = []\n',
        "parameters.staff.work_hours_per_day.values",
    ),
    exp(
        "values-not-a-list",
        '[[parameters]]\nkey = "staff.work_hours_per_day"\nvalues = 8.0\n',
        "parameters.staff.work_hours_per_day.values",
    ),
    exp(
        "range-reversed",
        '[[parameters]]\nkey = "staff.work_hours_per_day"\nrange = [10.0, 8.0]\n',
        "parameters.staff.work_hours_per_day.range",
    ),
    exp(
        "range-strings",
        '[[parameters]]\nkey = "staff.work_hours_per_day"\nrange = ["8", "9"]\n',
        "parameters.staff.work_hours_per_day.range",
    ),
    exp(
        "range-outside-schema",
        '[[parameters]]\nkey = "demand.demand_share"\nrange = [0.5, 2.0]\n',
        "parameters.demand.demand_share.range",
    ),
    exp(
        "range-three-numbers",
        '[[parameters]]\nkey = "demand.demand_share"\nrange = [0.1, 0.2, 0.3]\n',
        "parameters.demand.demand_share.range",
    ),
    exp(
        "range-of-a-flag",
        '[[parameters]]\nkey = "demand.online_channel"\nrange = [0, 1]\n',
        "parameters.demand.online_channel.range",
    ),
    exp(
        "range-and-values",
        '[[parameters]]\nkey = "demand.demand_share"\nrange = [0.1, 0.2]\nvalues = [0.1]\n',
        "parameters.demand.demand_share",
    ),
    exp("parameter-without-key", "[[parameters]]\nrange = [0.1, 0.2]\n", "parameters[0].key"),
    exp("parameter-key-a-number", "[[parameters]]\nkey = 5\nrange = [0.1, 0.2]\n", "parameters[0].key"),
    exp("parameter-unknown", '[[parameters]]\nkey = "nope.key"\nrange = [0.1, 0.2]\n', "parameters.key"),
    exp(
        "parameter-wrong-depth",
        '[[parameters]]\nkey = "population.digital_access"\nrange = [0.1, 0.2]\n',
        "parameters.key",
    ),
    exp(
        "parameter-share-entry",
        '[[parameters]]\nkey = "population.age_shares.0_17"\nrange = [0.1, 0.2]\n',
        "parameters.key",
    ),
    exp(
        "parameter-twice",
        '[[parameters]]\nkey = "demand.demand_share"\nvalues = [0.1]\n'
        '[[parameters]]\nkey = "demand.demand_share"\nvalues = [0.2]\n',
        "parameters.key",
    ),
    exp(
        "parameter-levels-one",
        '[[parameters]]\nkey = "demand.demand_share"\nrange = [0.1, 0.2]\nlevels = 1\n',
        "levels",
    ),
    exp("parameters-not-an-array", "parameters = 5\n", "parameters"),
    exp(
        "parameter-unknown-field",
        '[[parameters]]\nkey = "demand.demand_share"\nvalues = [0.1]\nstep = 2\n',
        "parameters.step",
    ),
    exp("unknown-section", "[bogus]\nx = 1\n", "bogus"),
    exp("section-not-a-table", "sampler = 5\n", "sampler"),
    exp(
        "unknown-experiment-field",
        '[experiment]\nname = "e"\nscenarios = ["baseline"]\ncolour = 1\n',
        "experiment.colour",
    ),
    exp(
        "replications-zero",
        '[experiment]\nname = "e"\nscenarios = ["baseline"]\nreplications = 0\n',
        "experiment.replications",
    ),
    exp(
        "replications-text",
        '[experiment]\nname = "e"\nscenarios = ["baseline"]\nreplications = "3"\n',
        "experiment.replications",
    ),
    exp(
        "replications-huge",
        '[experiment]\nname = "e"\nscenarios = ["baseline"]\nreplications = 1000000000\n',
        "experiment.replications",
    ),
    exp(
        "replications-a-float",
        '[experiment]\nname = "e"\nscenarios = ["baseline"]\nreplications = 2.0\n',
        "experiment.replications",
    ),
    exp(
        "seed-negative", '[experiment]\nname = "e"\nscenarios = ["baseline"]\nseed = -1\n', "experiment.seed"
    ),
    exp("seed-text", '[experiment]\nname = "e"\nscenarios = ["baseline"]\nseed = "x"\n', "experiment.seed"),
    exp(
        "seed-a-float", '[experiment]\nname = "e"\nscenarios = ["baseline"]\nseed = 1.5\n', "experiment.seed"
    ),
    exp("name-a-number", '[experiment]\nname = 5\nscenarios = ["baseline"]\n', "experiment.name"),
    exp("name-with-slash", '[experiment]\nname = "../escape"\nscenarios = ["baseline"]\n', "experiment.name"),
    exp("name-empty", '[experiment]\nname = ""\nscenarios = ["baseline"]\n', "experiment.name"),
    exp(
        "description-a-number",
        '[experiment]\nname = "e"\nscenarios = ["baseline"]\ndescription = 5\n',
        "experiment.description",
    ),
    exp("experiment-not-a-table", "experiment = 5\n", "experiment"),
    exp("scenarios-a-string", '[experiment]\nname = "e"\nscenarios = "baseline"\n', "experiment.scenarios"),
    exp("scenarios-empty", '[experiment]\nname = "e"\nscenarios = []\n', "experiment.scenarios"),
    exp("scenarios-unknown", '[experiment]\nname = "e"\nscenarios = ["nope_x"]\n', "nope_x"),
    exp(
        "scenarios-twice",
        '[experiment]\nname = "e"\nscenarios = ["baseline", "baseline"]\n',
        "experiment.scenarios",
    ),
    exp("scenarios-numbers", '[experiment]\nname = "e"\nscenarios = [5]\n', "experiment.scenarios"),
    exp(
        "scenarios-a-district",
        f'[experiment]\nname = "e"\nscenarios = ["{DISTRICT}"]\n',
        "experiment.scenarios",
    ),
    exp(
        "stressor-unknown",
        '[experiment]\nname = "e"\nscenarios = ["baseline"]\nstressors = ["meteor"]\n',
        "experiment.stressors",
    ),
    exp(
        "stressors-a-number",
        '[experiment]\nname = "e"\nscenarios = ["baseline"]\nstressors = 5\n',
        "experiment.stressors",
    ),
    exp(
        "stressors-mixed",
        '[experiment]\nname = "e"\nscenarios = ["baseline"]\nstressors = ["a", ["b"]]\n',
        "experiment.stressors",
    ),
    exp("sampler-unknown", '[sampler]\nmethod = "magic"\n', "sampler.method"),
    exp("sampler-a-number", "[sampler]\nmethod = 5\n", "sampler.method"),
    exp("sampler-n-zero", '[sampler]\nmethod = "lhs"\nn = 0\n', "sampler.n"),
    exp("sampler-levels-one", "[sampler]\nlevels = 1\n", "sampler.levels"),
    exp("second-order-text", '[sampler]\nsecond_order = "yes"\n', "sampler.second_order"),
    exp("sampler-unknown-field", "[sampler]\ndepth = 3\n", "sampler.depth"),
    exp(
        "lhs-with-values",
        '[sampler]\nmethod = "lhs"\nn = 2\n[[parameters]]\nkey = "demand.demand_share"\n'
        "values = [0.1, 0.2]\n",
        "parameters.demand.demand_share",
    ),
    exp("lhs-without-parameters", '[sampler]\nmethod = "lhs"\nn = 2\n', "parameters"),
    exp(
        "too-many-runs",
        '[experiment]\nname = "e"\nscenarios = ["baseline"]\nreplications = 100\n[sampler]\n'
        'method = "lhs"\nn = 1000000\n[[parameters]]\nkey = "demand.demand_share"\nrange = [0.1, 0.2]\n',
        "runs",
    ),
    exp("constants-not-a-table", "constants = 5\n", "constants"),
    exp("constants-unknown-key", '[constants]\n"nope.key" = 1\n', "constants.nope.key"),
    exp("constants-bad-value", '[constants]\n"population.residents" = "many"\n', "population.residents"),
    exp("constants-far-future", '[constants]\n"run.end_date" = "2999-12-31"\n', "run.end_date"),
    exp("assumptions-band-two", "[assumptions]\nband = 2.0\n", "assumptions.band"),
    exp("assumptions-exclude-text", '[assumptions]\nexclude = "x"\n', "assumptions.exclude"),
    exp("indicators-unknown", '[outputs]\nindicators = ["happiness"]\n', "outputs.indicators"),
    exp("indicators-a-string", '[outputs]\nindicators = "satisfaction"\n', "outputs.indicators"),
    exp("datasets-unknown", '[outputs]\ndatasets = ["everything"]\n', "outputs.datasets"),
    exp("experiment-toml-syntax", "[experiment\n", "(syntax)"),
    # --- sensitivity ---------------------------------------------------------------------------------
    cli(
        "sensitivity-factorial-file",
        "sensitivity",
        "{tmp}/good.toml",
        "--results",
        "{tmp}/res",
        needle="sampler.method",
    ),
    cli("sensitivity-n-zero", "sensitivity", "{tmp}/good.toml", "--n", "0", needle="--n"),
    cli("sensitivity-top-zero", "sensitivity", "{tmp}/good.toml", "--top", "0", needle="--top"),
    cli("sensitivity-missing-file", "sensitivity", "{tmp}/missing.toml", needle="missing.toml"),
    # --- results -------------------------------------------------------------------------------------
    cli("query-empty", "results", "query", "", "--results", "{tmp}/store", needle="sql"),
    cli("query-blank", "results", "query", "   ", "--results", "{tmp}/store", needle="sql"),
    cli("query-bad-sql", "results", "query", "SELEC x", "--results", "{tmp}/store", needle="sql"),
    q(
        "query-unknown-table",
        "SELECT * FROM nope",
        needle="sql",
    ),
    q(
        "query-copy-outside",
        "COPY (SELECT * FROM runs) TO '{tmp}/x.csv'",
        needle="sql",
    ),
    q(
        "query-copy-into-store",
        "COPY (SELECT * FROM runs) TO '{tmp}/store/e/runs/zz.parquet' (FORMAT parquet)",
        needle="sql",
    ),
    q(
        "query-attach",
        "ATTACH '{tmp}/db.duckdb' AS x",
        needle="sql",
    ),
    q(
        "query-read-text",
        "SELECT * FROM read_text('/etc/hostname')",
        needle="sql",
    ),
    q(
        "query-read-csv",
        "SELECT * FROM read_csv('/etc/passwd')",
        needle="sql",
    ),
    q(
        "query-read-parquet",
        "SELECT * FROM read_parquet('{tmp}/store/e/runs/*.parquet')",
        needle="sql",
    ),
    q(
        "query-glob",
        "SELECT * FROM glob('/etc/*')",
        needle="sql",
    ),
    q(
        "query-export",
        "EXPORT DATABASE '{tmp}/exported'",
        needle="sql",
    ),
    cli("query-install", "results", "query", "INSTALL httpfs", "--results", "{tmp}/store", needle="sql"),
    q(
        "query-set-access",
        "SET enable_external_access = true",
        needle="sql",
    ),
    cli(
        "query-results-missing",
        "results",
        "query",
        "SELECT 1",
        "--results",
        "{tmp}/nowhere",
        needle="--results",
    ),
    cli(
        "query-results-a-file", "results", "query", "SELECT 1", "--results", "{tmp}/afile", needle="--results"
    ),
    cli(
        "query-results-empty",
        "results",
        "query",
        "SELECT 1",
        "--results",
        "{tmp}/adir.toml",
        needle="--results",
    ),
    q("query-csv-a-folder", "SELECT 1 AS a", "--csv", "{tmp}/adir.toml", needle="--csv"),
    q(
        "query-csv-in-proc",
        "SELECT 1 AS a",
        "--csv",
        "/proc/streetsim-x.csv",
        needle="/proc",
        rc=1,
    ),
    q(
        "query-csv-inside-a-file",
        "SELECT 1 AS a",
        "--csv",
        "{tmp}/afile/x.csv",
        needle="--csv",
    ),
    cli("list-results-missing", "results", "list", "--results", "{tmp}/nowhere", needle="--results"),
    cli("verify-missing", "results", "verify", "{tmp}/nowhere", needle="nowhere"),
    cli("verify-no-runs", "results", "verify", "{tmp}/adir.toml", needle="adir.toml"),
    cli("results-no-action", "results", needle="action"),
    # --- report --------------------------------------------------------------------------------------
    cli(
        "report-out-a-folder",
        "report",
        "--results",
        "{tmp}/store/e",
        "--out",
        "{tmp}/adir.toml",
        needle="--out",
    ),
    cli(
        "report-out-wrong-suffix",
        "report",
        "--results",
        "{tmp}/store/e",
        "--out",
        "{tmp}/r.txt",
        needle="--out",
    ),
    cli(
        "report-out-in-proc",
        "report",
        "--results",
        "{tmp}/store/e",
        "--out",
        "/proc/streetsim.html",
        needle="/proc",
        rc=1,
    ),
    cli("report-results-missing", "report", "--results", "{tmp}/nowhere", needle="--results"),
    cli("report-results-a-file", "report", "--results", "{tmp}/afile", needle="--results"),
    cli("report-results-empty", "report", "--results", "{tmp}/adir.toml", needle="--results"),
    cli("report-lang-unknown", "report", "--results", "{tmp}/store/e", "--lang", "fr", needle="--lang"),
    cli(
        "report-png-a-file",
        "report",
        "--results",
        "{tmp}/store/e",
        "--out",
        "{tmp}/r.html",
        "--png",
        "{tmp}/afile",
        needle="--png",
    ),
    # --- scenarios and calibrate -----------------------------------------------------------------------
    cli("scenarios-show-unknown", "scenarios", "show", "nope_x", needle="nope_x"),
    cli("scenarios-show-folder", "scenarios", "show", "{tmp}/sub.toml", needle="sub.toml"),
    cli("scenarios-diff-unknown", "scenarios", "diff", "baseline", "nope_x", needle="nope_x"),
    cli(
        "scenarios-show-stress-unknown",
        "scenarios",
        "show",
        "baseline",
        "--stress",
        "meteor",
        needle="--stress",
    ),
    cli("calibrate-reps-one", "calibrate", "baseline", "--check", "--reps", "1", needle="--reps"),
    cli("calibrate-unknown", "calibrate", "nope_x", "--check", needle="nope_x"),
    cli(
        "calibrate-fit-unknown-key",
        "calibrate",
        "baseline",
        "--fit",
        "nope.key",
        "--out",
        "{tmp}/c.toml",
        needle="nope.key",
    ),
    cli(
        "calibrate-fit-out-wrong-suffix",
        "calibrate",
        "baseline",
        "--fit",
        "demand.demand_share",
        "--out",
        "{tmp}/c.txt",
        needle="--out",
    ),
    cli(
        "calibrate-trials-zero",
        "calibrate",
        "baseline",
        "--fit",
        "demand.demand_share",
        "--trials",
        "0",
        needle="--trials",
    ),
    cli("calibrate-seed-negative", "calibrate", "baseline", "--check", "--seed", "-1", needle="--seed"),
    # --- the command itself --------------------------------------------------------------------------
    cli("no-command", needle="command"),
    cli("unknown-command", "fly", needle="fly"),
]

GOOD_EXPERIMENT = """[experiment]
name = "good"
scenarios = ["baseline"]
[constants]
"population.residents" = 5000
"run.end_date" = "2024-02-29"
"""


def stored_run(store: Path) -> None:
    """A store with one finished run (written directly: no simulation needed)."""
    rid = "r1"
    row = {
        "run_id": rid,
        "run_index": 0,
        "experiment": "e",
        "scenario": "baseline",
        "scenario_hash": "h",
        "stressors": "",
        "seed": 1,
        "replication": 0,
        "point": 0,
        "params": "{}",
        "status": "ok",
        "error": "",
        "started": pd.Timestamp("2024-01-01", tz="UTC"),
        "finished": pd.Timestamp("2024-01-01", tz="UTC"),
        "wall_s": 1.0,
        "version": "0",
        "git_commit": "x",
    }
    ind = pd.DataFrame(
        {
            "run_id": rid,
            "scenario": "baseline",
            "seed": 1,
            "replication": 0,
            "street": "all",
            "year": [2024],
            "indicator": "satisfaction",
            "value": [0.5],
        }
    )
    Store(store, "e").write_run(row, {"indicators": ind})


def setup_folder(tmp: Path, case: Case) -> None:
    """The files every case may refer to."""
    (tmp / "sub.toml").mkdir()
    (tmp / "adir.toml").mkdir()
    (tmp / "afile").write_text("an earlier file\n")
    (tmp / "good.toml").write_text(GOOD_EXPERIMENT)
    with open(tmp / "huge.toml", "wb") as fh:
        fh.truncate(11_000_000)
    out = tmp / "out"
    out.mkdir()
    (out / "indicators.parquet").write_bytes(b"earlier result")
    stored_run(tmp / "store")
    if case.body is not None:
        (tmp / "bad.toml").write_text(case.body, encoding="utf-8")


def snapshot(root: Path) -> dict[str, str]:
    """Every path under ``root`` with a hash of its content (folders: ``dir``)."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_dir():
            out[str(p.relative_to(root))] = "dir"
        elif p.is_file() and p.name != "huge.toml":
            out[str(p.relative_to(root))] = hashlib.sha1(p.read_bytes()).hexdigest()
    return out


class HangError(Exception):
    """The command ran past its time."""


def _alarm(signum, frame):
    raise HangError(f"no answer within {HANG_SECONDS} s")


def attempt(case: Case, tmp: Path, capsys) -> tuple[int, str]:
    argv = [a.replace("{tmp}", str(tmp)) for a in case.argv]
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(HANG_SECONDS)
    try:
        rc = main(argv)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    return rc, capsys.readouterr().err


def test_the_suite_holds_at_least_the_reported_classes():
    assert len(CASES) >= 147
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_refused_cleanly(case: Case, tmp_path: Path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a default results/ would be created here
    setup_folder(tmp_path, case)
    before = snapshot(tmp_path)
    rc, err = attempt(case, tmp_path, capsys)
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err, err
    assert rc == case.rc, err
    assert len(lines) == 1, err
    assert "error" in lines[0]
    needle = case.needle.replace("{tmp}", str(tmp_path))
    assert needle in lines[0], lines[0]
    assert snapshot(tmp_path) == before
    assert not (tmp_path / "x.csv").exists() or case.id != "query-copy-outside"


# --- the error boundary itself --------------------------------------------------------------------
def boom_parser(monkeypatch, exc: BaseException):
    """Make ``streetsim scenarios list`` raise ``exc``."""
    import sim.commands.scenarios as scenarios

    def boom(args):
        raise exc

    monkeypatch.setattr(scenarios, "main_list", boom)


def test_an_unexpected_error_is_one_line_with_a_log_of_the_traceback(monkeypatch, capsys):
    boom_parser(monkeypatch, RuntimeError("model\nexploded"))
    rc = main(["scenarios", "list"])
    err = capsys.readouterr().err
    assert rc == 1 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "RuntimeError: model exploded" in err
    log = Path(err.split("traceback in ")[1].split(";")[0])
    assert "Traceback" in log.read_text() and "model" in log.read_text()
    log.unlink()


def test_debug_prints_the_traceback(monkeypatch, capsys):
    boom_parser(monkeypatch, RuntimeError("model exploded"))
    assert main(["--debug", "scenarios", "list"]) == 1
    assert "Traceback" in capsys.readouterr().err


def test_an_environment_error_names_the_path_and_cause(monkeypatch, capsys):
    boom_parser(monkeypatch, OSError(28, "No space left on device", "/results/x.parquet"))
    assert main(["scenarios", "list"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == "streetsim: error: /results/x.parquet: No space left on device"


def test_an_interruption_says_stored_runs_are_kept(monkeypatch, capsys):
    boom_parser(monkeypatch, KeyboardInterrupt())
    assert main(["scenarios", "list"]) == 130
    assert "resume" in capsys.readouterr().err


def test_a_full_disk_while_writing_leaves_no_temporary_file(tmp_path, monkeypatch):
    from sim.io import write_parquet

    def full(self, path, **kwargs):
        Path(path).write_bytes(b"half")
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full)
    (tmp_path / "t.parquet").write_bytes(b"earlier")
    with pytest.raises(OSError, match="No space"):
        write_parquet(pd.DataFrame({"a": [1]}), tmp_path / "t.parquet")
    assert [p.name for p in tmp_path.iterdir()] == ["t.parquet"]
    assert (tmp_path / "t.parquet").read_bytes() == b"earlier"


@pytest.mark.parametrize("argv", [["validate", "--seed", "-5"], ["validate", "--seed", str(2**63)],
                                  ["validate", "--workers", "0"], ["city", "x.toml", "--seed", "-1"],
                                  ["discover", "--seed", "-3"]])
def test_newer_commands_check_seeds_and_workers_as_the_others_do(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert argv[-2] in err and "an integer from" in err
