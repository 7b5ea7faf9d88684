"""``streetsim city`` (city files, store, report) and ``streetsim discover`` (PRIM boxes
stored and shown in the report)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.district.cityfile import load_city
from sim.experiment.store import load
from sim.params.errors import InputError
from sim.params.reading import SCENARIO_DIR


def _city(tmp: Path, count: int = 2) -> Path:
    (tmp / "d.toml").write_text(
        f'[scenario]\nname = "d"\nextends = "{SCENARIO_DIR / "district_pilot.toml"}"\n'
        '[district]\nstreets = { value = 4, unit = "streets", source = "assumption: test" }\n'
        '[run]\nend_date = { value = "2024-03-31", unit = "ISO date", source = "assumption: test" }\n'
        '[population]\nresidents = { value = 3000, unit = "persons", source = "assumption: test" }\n',
        encoding="utf-8")
    (tmp / "city.toml").write_text(f'[city]\nname = "c"\nseed = 7\n[[city.districts]]\nfile = "d.toml"\n'
                                   f'count = {count}\n', encoding="utf-8")
    return tmp / "city.toml"


def test_city_file_is_checked(tmp_path: Path) -> None:
    city = load_city(_city(tmp_path))
    assert city.labels == ("d", "d") and city.seed == 7
    (tmp_path / "bad.toml").write_text('[city]\n[[city.districts]]\nfile = "d.toml"\ncount = 0\n')
    with pytest.raises(InputError, match=r"city.districts\[0\].count"):
        load_city(tmp_path / "bad.toml")
    (tmp_path / "bad2.toml").write_text('[city]\n[[city.districts]]\nfile = "nope.toml"\n')
    with pytest.raises(InputError, match="nope.toml"):
        load_city(tmp_path / "bad2.toml")
    assert len(load_city(SCENARIO_DIR / "city.toml").districts) == 3


def test_city_command_stores_and_reports(tmp_path: Path, capsys) -> None:
    path = _city(tmp_path)
    assert main(["city", str(path), "--executor", "serial", "--results", str(tmp_path / "res")]) == 0
    out = capsys.readouterr().out
    assert "2 of 2 districts" in out and out.strip().splitlines()[-1].endswith("report.html")
    runs = load(tmp_path / "res" / "c", "runs")
    assert list(runs["status"]) == ["ok", "ok"]
    ind = load(tmp_path / "res" / "c", "indicators")
    assert {"district", "pilot", "non_pilot"} <= set(ind["street"])
    html = (tmp_path / "res" / "c" / "report.html").read_text(encoding="utf-8")
    assert "fig-city" in html and "Demand resolution rate" in html


def test_boxes_find_a_planted_failure_region() -> None:
    from sim.discovery import find_boxes

    rng = np.random.default_rng(0)
    x = pd.DataFrame({"a.x": rng.uniform(0, 1, 300), "b.y": rng.uniform(0, 1, 300),
                      "stress:s": rng.uniform(0, 1, 300) < 0.5})
    fails = pd.DataFrame({("resolution_rate", "misses_target"): (x["a.x"] > 0.7) & x["stress:s"]})
    fails.columns = pd.MultiIndex.from_tuples(fails.columns, names=["indicator", "failure"])
    boxes = find_boxes(x, fails, "p", cart=True)
    prim = boxes[boxes.failure == "misses_target"].iloc[0]
    assert prim.coverage > 0.8 and prim.density > 0.8
    assert "a.x" in prim.restrictions and "stress:s in {True}" in prim.restrictions
    assert "b.y" not in prim.restrictions


DISCOVER = ["discover", "--path", "digital", "--n", "12", "--year", "2024", "--residents", "1500",
            "--indicators", "systems_in_use", "satisfaction", "staff_turnover"]


@pytest.mark.slow
def test_discover_command_prints_stores_and_reports(tmp_path: Path, capsys) -> None:
    res = tmp_path / "res"
    assert main([*DISCOVER, "--workers", "1", "--results", str(res)]) == 0
    out = capsys.readouterr().out
    assert "share of points where digital fails" in out and out.strip().endswith("discovery")
    boxes = pd.read_parquet(res / "discover_digital" / "discovery" / "boxes.parquet")
    assert set(boxes.columns) >= {"coverage", "density", "mass", "restrictions"}
    from sim.report.load import discovery_boxes
    assert discovery_boxes(res / "other_experiment") is not None


@pytest.mark.slow
def test_discover_on_two_processes_finds_what_one_finds(tmp_path: Path) -> None:
    # EMA's process pool (forkserver workers: sim.ema.forkserver_start) gives the same outcomes
    for workers in ("1", "2"):
        assert main([*DISCOVER, "--workers", workers, "--results", str(tmp_path / workers)]) == 0
    for table in ("outcomes", "boxes"):
        one, two = (pd.read_parquet(tmp_path / w / "discover_digital" / "discovery" / f"{table}.parquet")
                    for w in ("1", "2"))
        pd.testing.assert_frame_equal(one, two)
