"""Bad scenario input through the command line: one line naming file, field, value and
what is allowed, exit status 2, and nothing written - whatever the mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli import main
from sim.levers import STRESSORS

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """An output folder holding an earlier result that must survive."""
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "indicators.parquet").write_bytes(b"earlier result")
    return folder


def refused(capsys, out: Path, *argv: str) -> str:
    """Run the CLI, check exit status 2, one line, nothing written; return the line."""
    rc = main(["run", *argv, "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2
    assert len(err.strip().splitlines()) == 1, err
    assert sorted(p.name for p in out.iterdir()) == ["indicators.parquet"]
    assert (out / "indicators.parquet").read_bytes() == b"earlier result"
    return err


def write(tmp_path: Path, name: str, body: str, extends: str | Path = BASELINE) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(f'[scenario]\nname = "{name}"\nextends = "{extends}"\n{body}', encoding="utf-8")
    return path


def test_unknown_lever_names_the_levers(tmp_path, out, capsys):
    path = write(tmp_path, "wand", "[levers.magic_wand]\nstrength = 1.0\n")
    err = refused(capsys, out, str(path))
    assert "wand.toml" in err and "levers.magic_wand" in err and "'magic_wand'" in err
    assert "a lever among" in err and "three_level_whistle" in err


def test_unknown_lever_setting_names_the_settings(tmp_path, out, capsys):
    path = write(tmp_path, "colour", "[levers.training]\ncolour = 3\n")
    err = refused(capsys, out, str(path))
    assert "levers.training.colour" in err and "trained_share" in err


def test_unknown_stressor_on_the_command_line(tmp_path, out, capsys):
    err = refused(capsys, out, str(BASELINE), "--stress", "meteor")
    assert "<command line>" in err and "--stress" in err and "'meteor'" in err
    assert "a stressor among" in err and next(iter(STRESSORS)) in err


def test_unknown_stressor_in_a_file(tmp_path, out, capsys):
    path = write(tmp_path, "meteor", "[stressors.meteor]\n")
    err = refused(capsys, out, str(path))
    assert "meteor.toml" in err and "stressors.meteor" in err and "a stressor among" in err


def test_schedule_ending_before_it_starts(tmp_path, out, capsys):
    path = write(tmp_path, "backwards", '[levers.training]\nstart = "2025-01-01"\nend = "2024-01-01"\n')
    err = refused(capsys, out, str(path))
    assert "backwards.toml" in err and "levers.training.end" in err and "'2024-01-01'" in err
    assert "on or after start (2025-01-01)" in err


def test_stage_outside_its_phase(tmp_path, out, capsys):
    path = write(tmp_path, "stage", '[levers.platform]\n[levers.mini_program]\nend = "2025-12-31"\n'
                 'stages = [ { date = "2026-06-01", coverage = 0.6 } ]\n')
    err = refused(capsys, out, str(path))
    assert "levers.mini_program.stages[0].date" in err and "'2026-06-01'" in err


def test_target_outside_its_range(tmp_path, out, capsys):
    path = write(tmp_path, "too_much", "[levers.platform]\n[levers.data_centre]\nshare = 1.5\n")
    err = refused(capsys, out, str(path))
    assert "too_much.toml" in err and "levers.data_centre.share" in err and "1.5" in err
    assert "[0, 1]" in err


def test_setting_giving_a_parameter_outside_its_range_names_the_lever(tmp_path, out, capsys):
    path = write(tmp_path, "rich", "[levers.coordination_fund]\ndistrict_revenue = 1e12\nstreets = 1\n"
                 "share_of_revenue = 1.0\n")
    err = refused(capsys, out, str(path))
    assert "levers.coordination_fund -> money.coordination_fund" in err and "[0, 1e+10]" in err


def test_lever_without_the_lever_that_pays_for_it(tmp_path, out, capsys):
    path = write(tmp_path, "free", "[levers.merged_systems]\n")
    err = refused(capsys, out, str(path))
    assert "levers.merged_systems" in err and "['platform']" in err


def test_cycle_in_extends(tmp_path, out, capsys):
    write(tmp_path, "a", "", extends=tmp_path / "b.toml")
    write(tmp_path, "b", "", extends=tmp_path / "a.toml")
    err = refused(capsys, out, str(tmp_path / "a.toml"))
    assert "scenario.extends" in err and "no cycle" in err and "a -> b -> a" in err


def test_missing_file(tmp_path, out, capsys):
    err = refused(capsys, out, str(tmp_path / "nowhere.toml"))
    assert "nowhere.toml" in err and "(file)" in err and "an existing scenario file" in err


def test_malformed_toml(tmp_path, out, capsys):
    path = tmp_path / "broken.toml"
    path.write_text('[scenario\nname = "broken"\n', encoding="utf-8")
    err = refused(capsys, out, str(path))
    assert "broken.toml" in err and "(syntax)" in err and "valid TOML" in err


def test_combined_scenarios_that_disagree(tmp_path, out, capsys):
    write(tmp_path, "one", "[levers.training]\ntrained_share = 0.5\n")
    write(tmp_path, "two", "[levers.training]\ntrained_share = 0.9\n")
    path = tmp_path / "both.toml"
    path.write_text(f'[scenario]\nname = "both"\nextends = "{BASELINE}"\ncombines = ["one", "two"]\n',
                    encoding="utf-8")
    err = refused(capsys, out, str(path))
    assert "scenario.combines" in err and "'two'" in err and "agree on training" in err


def test_versus_with_too_few_replications(out, capsys):
    err = refused(capsys, out, str(BASELINE), "--vs", "baseline", "--reps", "0")
    assert "--reps" in err and "from 1 to" in err

