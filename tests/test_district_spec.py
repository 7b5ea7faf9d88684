"""The [district] table: validation, street profiles drawn from the seed, per-street values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.agents.staff import posts_for
from sim.district import load_district
from sim.district.profiles import StreetProfile, draw_profiles, street_changes
from sim.district.spec import FIELDS, DistrictParams
from sim.params.errors import InputError
from sim.randomness import Streams
from sim.scenarios import load_scenario

FIELD_VALUES = {
    "streets": ("15", "streets"), "heterogeneous": ("true", "flag"), "east_share": ("1.0", "share"),
    "budget_east": ("12000000.0", "yuan/year"), "budget_central_west": ("6500000.0", "yuan/year"),
    "large_share": ("0.41", "share"), "large_residents": ("[100000, 140000]", "persons"),
    "small_residents": ("[12000, 60000]", "persons"), "ageing_share": ("0.38", "share"),
    "ageing_elderly_share": ("[0.20, 0.32]", "share"), "other_elderly_share": ("[0.10, 0.20]", "share"),
    "migrant_street_share": ("0.62", "share"), "migrant_threshold": ("10000", "persons"),
    "high_migrant_share": ("[0.15, 0.40]", "share"), "low_migrant_share": ("[0.03, 0.15]", "share"),
}


def write_district(tmp_path: Path, changes: dict[str, str] | None = None, drop: str | None = None,
                   pilot: str = "", extra: str = "") -> Path:
    """A district file on the baseline with every field, some values replaced (TOML text)."""
    values = {k: v for k, (v, _) in FIELD_VALUES.items()}
    values.update(changes or {})
    lines = ['[scenario]', 'name = "d"', 'extends = "baseline"', "", "[district]"]
    for name, (_, unit) in FIELD_VALUES.items():
        if name != drop:
            lines.append(f'{name} = {{ value = {values[name]}, unit = "{unit}", source = "test" }}')
    lines.append(extra)
    if pilot:
        lines += ["[district.pilot]", pilot]
    path = tmp_path / "d.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def error_of(path: Path) -> str:
    with pytest.raises(InputError) as info:
        load_district(path)
    return str(info.value)


def test_shipped_district_has_every_field_with_a_source():
    d = load_district("district")
    assert d.p.streets == 15
    assert set(d.provenance) == {f.name for f in FIELDS}
    assert all(p.source.strip() for p in d.provenance.values())


def test_field_table_matches_the_params_dataclass():
    assert [f.name for f in FIELDS] == list(DistrictParams.__dataclass_fields__)


def test_bad_share_names_file_field_value_and_range(tmp_path):
    msg = error_of(write_district(tmp_path, {"large_share": "1.5"}))
    assert "d.toml" in msg and "district.large_share" in msg and "1.5" in msg and "[0, 1]" in msg
    assert "\n" not in msg


def test_range_with_low_above_high_is_refused(tmp_path):
    msg = error_of(write_district(tmp_path, {"small_residents": "[60000, 12000]"}))
    assert "district.small_residents" in msg and "low <= high" in msg


def test_unknown_field_is_refused_with_the_valid_ones(tmp_path):
    msg = error_of(write_district(tmp_path, extra='size = { value = 1, unit = "x", source = "t" }'))
    assert "district.size" in msg and "large_share" in msg


def test_missing_field_is_refused(tmp_path):
    assert "district.ageing_share" in error_of(write_district(tmp_path, drop="ageing_share"))


def test_wrong_unit_is_refused(tmp_path):
    path = write_district(tmp_path)
    path.write_text(path.read_text().replace('unit = "streets"', 'unit = "persons"'))
    assert "district.streets.unit" in error_of(path)


def test_pilot_street_outside_the_district_is_refused(tmp_path):
    msg = error_of(write_district(tmp_path, pilot='scenario = "baseline"\nstreets = [0, 15]'))
    assert "district.pilot.streets" in msg and "[0, 14]" in msg


def test_pilot_needs_exactly_one_of_streets_or_share(tmp_path):
    msg = error_of(write_district(tmp_path, pilot='scenario = "baseline"\nstreets = [0]\nshare = 0.2'))
    assert "exactly one of" in msg


def test_missing_pilot_scenario_is_refused(tmp_path):
    msg = error_of(write_district(tmp_path, pilot='scenario = "no_such_reform"\nshare = 0.2'))
    assert "district.pilot.scenario" in msg and "no_such_reform" in msg


def test_with_values_validates_district_fields(tmp_path):
    d = load_district(write_district(tmp_path))
    assert d.with_values({"district.streets": 3}).p.streets == 3
    with pytest.raises(InputError, match="district.streets"):
        d.with_values({"district.streets": 0})


# --- street profiles ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def shipped():
    return load_district("district")


def draw(district, n: int, seed: int) -> list[StreetProfile]:
    p = district.with_values({"district.streets": n}).p
    return draw_profiles(p, 58000, Streams(seed)["district"])


def test_profiles_are_reproducible_from_the_seed(shipped):
    assert draw(shipped, 15, 7) == draw(shipped, 15, 7)
    assert draw(shipped, 15, 7) != draw(shipped, 15, 8)


def test_brief_shares_of_large_ageing_and_migrant_streets(shipped):
    prof = draw(shipped, 100, 3)
    residents = np.array([p.residents for p in prof])
    elderly = np.array([p.elderly_share for p in prof])
    migrants = residents * np.array([p.migrant_share for p in prof])
    assert (residents > 100_000).sum() == 41
    assert (elderly > 0.20).sum() == 38
    assert (migrants > 10_000).sum() == 62


def test_fifteen_streets_hold_about_a_million_residents(shipped):
    totals = [sum(p.residents for p in draw(shipped, 15, s)) for s in range(20)]
    assert 0.85e6 < np.mean(totals) < 1.15e6


def test_central_western_streets_get_the_smaller_budget(shipped):
    prof = draw(shipped.with_values({"district.east_share": 0.0}), 5, 1)
    assert {p.region for p in prof} == {"central_west"}
    assert prof[0].budget_factor == pytest.approx(6.5 / 12.0)


def test_size_dependent_values_follow_residents():
    base = load_scenario("baseline").params
    prof = StreetProfile(0, residents=116_000, region="east", elderly_share=0.3, migrant_share=0.25)
    p = base.replace(street_changes(base.raw, prof))
    assert p.staff.established_posts == 56
    assert p.population.communities == 20
    assert p.money.annual_budget == pytest.approx(24e6)
    assert p.money.own_revenue == pytest.approx(2 * base.money.own_revenue)  # self-sufficiency kept
    assert posts_for(p)[1] == 116_000 // 3000
    assert p.population.age_shares[-1] == pytest.approx(0.3)
    assert p.population.age_shares.sum() == pytest.approx(1.0)


def test_a_homogeneous_district_street_is_the_base_street(shipped):
    base = load_scenario("baseline").params
    (prof,) = draw_profiles(shipped.with_values({"district.heterogeneous": False, "district.streets": 1}).p,
                            58000, Streams(1)["district"])
    assert base.replace(street_changes(base.raw, prof)).raw == base.raw
