"""Parameter loading and validation: every bad input is refused before any work starts,
with one line naming the file, the field, the value and what is allowed."""

from __future__ import annotations

import re

import numpy as np
import pytest

from sim.domain import CATEGORIES, DEPARTMENTS
from sim.params.errors import InputError
from sim.params.reading import SCENARIO_DIR
from sim.params.schema import SPECS
from sim.scenarios import load_scenario

BASELINE_FILE = SCENARIO_DIR / "baseline.toml"


def test_baseline_gives_every_parameter_with_unit_and_source(baseline):
    keys = {s.key for s in SPECS}
    assert set(baseline.values) == keys
    for key in keys:
        prov = baseline.provenance[key]
        assert prov.unit == next(s.unit for s in SPECS if s.key == key)
        assert prov.source.strip(), key


def test_baseline_params_are_model_ready(baseline):
    p = baseline.params
    assert p.population.residents == 58000
    assert p.demand.category_mix.shape == (len(CATEGORIES),)
    assert p.departments.candidates.shape == (len(CATEGORIES), len(DEPARTMENTS))
    assert p.demand.category_mix.sum() == pytest.approx(1.0)


def test_derived_scenario_overrides_only_its_values(scenario_file):
    path = scenario_file("more_people",
                          '[population]\nresidents = { value = 70000, source = "test" }\n')
    derived = load_scenario(path)
    base = load_scenario(BASELINE_FILE)
    assert derived.values["population.residents"] == 70000
    changed = {k for k in base.values if base.values[k] != derived.values[k]}
    assert changed == {"population.residents"}
    assert derived.chain == ["baseline", "more_people"]


def test_unknown_key_is_refused_naming_the_valid_keys(scenario_file):
    path = scenario_file("typo", "[demand]\ncontact_rate = { value = 1.0 }\n")
    with pytest.raises(InputError) as exc:
        load_scenario(path)
    msg = str(exc.value)
    assert str(path) in msg
    assert "demand.contact_rate" in msg
    assert "contacts_per_resident_year" in msg and "demand_share" in msg


def test_unknown_section_is_refused_naming_the_sections(scenario_file):
    path = scenario_file("badgroup", "[demands]\nx = { value = 1 }\n")
    with pytest.raises(InputError, match=r"demands.*a section among .*'demand'"):
        load_scenario(path)


def test_wrong_type_is_refused_with_file_field_value_and_range(scenario_file):
    path = scenario_file("wrongtype", '[demand]\ndemand_share = { value = "high" }\n')
    with pytest.raises(InputError) as exc:
        load_scenario(path)
    e = exc.value
    assert (e.file, e.field, e.value) == (str(path), "demand.demand_share", "high")
    assert "[0, 1]" in str(e) and "'high'" in str(e)


def test_integer_parameter_refuses_a_float(scenario_file):
    path = scenario_file("floatposts", "[staff]\nestablished_posts = { value = 28.5 }\n")
    with pytest.raises(InputError, match=r"staff\.established_posts = 28\.5: an integer in \[0, 2000\]"):
        load_scenario(path)


def test_out_of_range_is_refused_with_file_field_value_and_range(scenario_file):
    path = scenario_file("tiny", "[population]\nresidents = { value = 50 }\n")
    with pytest.raises(InputError) as exc:
        load_scenario(path)
    msg = str(exc.value)
    assert msg == f"{path}: population.residents = 50: a value in [100, 2e+06] (persons)"


def test_out_of_range_inside_a_mapping_names_the_entry(scenario_file):
    path = scenario_file("badmap", (
        "[departments]\nanswer_prob = { value = { "
        + ", ".join(f"{d} = {1.5 if d == 'police' else 0.5}" for d in DEPARTMENTS)
        + " } }\n"))
    with pytest.raises(InputError, match=r"departments\.answer_prob\.police = 1\.5: a value in \[0, 1\]"):
        load_scenario(path)


def test_with_values_validates_like_a_file(small):
    with pytest.raises(InputError, match=r"override: demand\.demand_share = 1\.2"):
        small.with_values({"demand.demand_share": 1.2})
    with pytest.raises(InputError, match="contacts_per_resident_year"):
        small.with_values({"demand.contact_rate": 1.0})


def test_wrong_unit_is_refused(scenario_file):
    path = scenario_file("unit", '[demand]\ndemand_share = { value = 0.4, unit = "%" }\n')
    with pytest.raises(InputError, match=r"demand\.demand_share\.unit = '%': the unit 'share'"):
        load_scenario(path)


def _baseline_text_without(key_line_start: str, replacement: str | None) -> str:
    lines = BASELINE_FILE.read_text(encoding="utf-8").splitlines()
    hits = [i for i, line in enumerate(lines) if line.startswith(key_line_start)]
    assert len(hits) == 1
    if replacement is None:
        del lines[hits[0]]
    else:
        lines[hits[0]] = replacement
    return "\n".join(lines) + "\n"


def test_root_scenario_without_source_is_refused(tmp_path):
    text = _baseline_text_without("migrant_share = ", 'migrant_share = { value = 0.2, unit = "share" }')
    path = tmp_path / "nosource.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_scenario(path)
    assert exc.value.field == "population.migrant_share.source"
    assert "provenance" in str(exc.value)


def test_root_scenario_missing_a_parameter_is_refused(tmp_path):
    path = tmp_path / "missing.toml"
    path.write_text(_baseline_text_without("migrant_share = ", None), encoding="utf-8")
    with pytest.raises(InputError, match=r"population\.migrant_share = None: every parameter in a root"):
        load_scenario(path)


def test_shares_not_summing_to_one_are_refused(scenario_file):
    path = scenario_file("mix", (
        "[demand]\ncategory_mix = { value = { livelihood = 0.5, mediation = 0.3, "
        "environment = 0.2, other = 0.1 } }\n"))
    with pytest.raises(InputError) as exc:
        load_scenario(path)
    assert exc.value.field == "demand.category_mix"
    assert exc.value.value == pytest.approx(1.1)
    assert "shares summing to 1" in str(exc.value)


def test_shares_check_also_applies_to_overrides(small):
    bad = {"livelihood": 0.5, "mediation": 0.5, "environment": 0.5, "other": 0.0}
    with pytest.raises(InputError, match="shares summing to 1"):
        small.with_values({"demand.category_mix": bad})


def test_mapping_with_unknown_key_names_the_allowed_keys(scenario_file):
    path = scenario_file("mapkey", (
        "[demand]\ncategory_mix = { value = { livelihood = 0.42, mediation = 0.28, "
        "environment = 0.18, others = 0.12 } }\n"))
    with pytest.raises(InputError, match=r"category_mix\.others.*'livelihood', 'mediation'"):
        load_scenario(path)


def test_end_date_before_start_is_refused(small):
    with pytest.raises(InputError, match=r"run\.end_date .*a date after run\.start_date"):
        small.with_values({"run.end_date": "2023-12-31"})


def test_malformed_toml_gives_input_error(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("[demand\ncontacts = 1\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_scenario(path)
    assert exc.value.field == "(syntax)"
    assert str(path) in str(exc.value)


def test_missing_file_gives_input_error(tmp_path):
    with pytest.raises(InputError, match="an existing scenario file"):
        load_scenario(tmp_path / "nowhere.toml")


def test_missing_parent_gives_input_error(scenario_file):
    path = scenario_file("orphan", "", extends="no_such_parent")
    with pytest.raises(InputError, match=r"scenario\.extends = 'no_such_parent': an existing scenario"):
        load_scenario(path)


def test_inheritance_cycle_is_refused(tmp_path, scenario_file):
    scenario_file("a", "", extends="b")
    scenario_file("b", "", extends="a")
    with pytest.raises(InputError, match="no cycle"):
        load_scenario(tmp_path / "a.toml")


def test_errors_are_one_line(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("x = [1,\n2,\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_scenario(path)
    assert "\n" not in str(exc.value)


def test_params_replace_keeps_other_values(small):
    p = small.params
    q = p.replace({"demand.online_channel": False})
    assert q.demand.online_channel is False and p.demand.online_channel is True
    assert np.array_equal(q.departments.answer_prob, p.departments.answer_prob)
    assert re.fullmatch(r"[0-9a-f]{16}", small.digest())


def test_replace_converts_only_the_changes_and_equals_a_fresh_build(baseline):
    """``Params.replace`` shares the untouched groups; every value equals (type and all)
    a Params built afresh from the merged file values, arrays stay read-only."""
    from sim.params.values import GROUP_CLASSES, Params

    p = baseline.params
    raw = p.raw
    changes = {"data.data_shared": {k: 0.25 for k in raw["data.data_shared"]},
               "staff.work_hours_per_day": 7.5}
    got, want = p.replace(changes), Params({**raw, **changes})
    assert got.raw == want.raw
    for group in GROUP_CLASSES:
        g, w = getattr(got, group), getattr(want, group)
        for name in g.__dataclass_fields__:
            a, b = getattr(g, name), getattr(w, name)
            if isinstance(b, np.ndarray):
                np.testing.assert_array_equal(a, b, err_msg=f"{group}.{name}")
                assert not a.flags.writeable
            else:
                assert a == b and type(a) is type(b), f"{group}.{name}"
    assert got.demand is p.demand and got.data is not p.data  # untouched groups shared
    assert got.get("staff.work_hours_per_day") == 7.5
