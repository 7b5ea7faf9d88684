"""Faults survived with nothing lost: a killed sweep (its workers die with it), a
truncated or corrupt file, a deleted data file, a planted file, two sweeps into one
folder at once, concurrent manifest writes, and runs of another code version."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.experiment.design import load_experiment
from sim.experiment.executors import SerialExecutor
from sim.experiment.store import Store, damaged, experiments, load, query, verify
from sim.experiment.sweep import execute, plan
from sim.params.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
EXPERIMENT = """
[experiment]
name = "faults"
scenarios = ["baseline"]
replications = {reps}
seed = 7

[constants]
"population.residents" = 3000
"run.end_date" = "{end}"

[[parameters]]
key = "staff.work_hours_per_day"
values = [8.5, 9.5]
"""
DATASETS = ("indicators", "daily", "flows", "departments", "money")


def experiment(tmp_path: Path, reps: int = 2, end: str = "2024-02-29") -> Path:
    path = tmp_path / "faults.toml"
    path.write_text(textwrap.dedent(EXPERIMENT.format(reps=reps, end=end)), encoding="utf-8")
    return path


def sweep_cli(path: Path, results: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "sim.cli",
        "sweep",
        str(path),
        "--results",
        str(results),
        "--no-progress",
        *extra,
    ]


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def contents(folder: Path) -> dict[str, pd.DataFrame]:
    """Every dataset of an experiment folder, in run order."""
    return {d: load(folder, d) for d in DATASETS}


def assert_same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    for d in DATASETS:
        pd.testing.assert_frame_equal(a[d], b[d], check_dtype=False)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Path, dict[str, pd.DataFrame]]:
    """The experiment run once, undisturbed: what every fault test must end up with."""
    tmp = tmp_path_factory.mktemp("reference")
    path = experiment(tmp)
    summary = execute(plan(load_experiment(path)), tmp / "results", SerialExecutor(), progress=False)
    assert summary.ok and summary.ran == 4
    return path, contents(summary.results)


def fresh_copy(reference, tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the reference store to damage."""
    import shutil

    path, _ = reference
    shutil.copytree(path.parent / "results", tmp_path / "results")
    return path, tmp_path / "results" / "faults"


def resume(path: Path, results: Path):
    return execute(
        plan(load_experiment(path)), results, SerialExecutor(), progress=False, notify=lambda m: None
    )


# --- corruption -----------------------------------------------------------------------------------
def test_a_truncated_parquet_file_is_found_skipped_and_repaired(reference, tmp_path, capsys):
    path, folder = fresh_copy(reference, tmp_path)
    victim = sorted((folder / "daily").glob("*.parquet"))[1]
    data = victim.read_bytes()
    victim.write_bytes(data[: len(data) // 2])
    bad = damaged(folder)
    assert list(bad["run_id"]) == [victim.stem] and "daily" in bad["problem"].iloc[0]
    # readers keep working, naming the damage, never blaming the SQL
    said = []
    assert int(query(folder, "SELECT count(*) AS n FROM runs", notify=said.append)["n"].iloc[0]) == 3
    assert victim.name in said[0] and "damaged" in said[0]
    assert experiments(folder.parent)[["ok", "damaged"]].values.tolist() == [[3, 1]]
    assert victim.stem not in set(load(folder, "indicators")["run_id"])
    assert main(["results", "verify", str(folder)]) == 1
    assert victim.stem in capsys.readouterr().out
    # resume: the damaged run is moved aside and run again; nothing else is redone
    summary = resume(path, tmp_path / "results")
    assert (summary.ran, summary.skipped) == (1, 3)
    assert damaged(folder).empty and main(["results", "verify", str(folder)]) == 0
    assert (folder / "damaged").is_dir() and list((folder / "damaged").rglob(victim.name))
    assert_same(contents(folder), reference[1])


def test_a_deleted_data_file_is_found_and_rerun(reference, tmp_path):
    path, folder = fresh_copy(reference, tmp_path)
    victim = sorted((folder / "flows").glob("*.parquet"))[0]
    victim.unlink()
    bad = damaged(folder)
    assert list(bad["run_id"]) == [victim.stem] and bad["problem"].iloc[0] == "flows file missing"
    summary = resume(path, tmp_path / "results")
    assert (summary.ran, summary.skipped) == (1, 3)
    assert "1 already stored" not in summary.text()
    assert_same(contents(folder), reference[1])


def test_a_corrupt_runs_row_and_a_wrong_row_count_are_found(reference, tmp_path):
    path, folder = fresh_copy(reference, tmp_path)
    runs_files = sorted((folder / "runs").glob("*.parquet"))
    runs_files[0].write_bytes(b"PAR1 garbage")
    # a data file replaced by one with fewer rows (but a valid file)
    other = runs_files[1].stem
    ind = pd.read_parquet(folder / "indicators" / f"{other}.parquet")
    ind.iloc[:3].to_parquet(folder / "indicators" / f"{other}.parquet", index=False)
    bad = damaged(folder)
    assert set(bad["run_id"]) == {runs_files[0].stem, other}
    assert bad["problem"].str.contains("rows, ").any()
    summary = resume(path, tmp_path / "results")
    assert summary.ran == 2
    assert_same(contents(folder), reference[1])


def test_a_planted_runs_file_is_not_counted(reference, tmp_path):
    _, folder = fresh_copy(reference, tmp_path)
    runs = pd.read_parquet(sorted((folder / "runs").glob("*.parquet"))[0])
    runs.to_parquet(folder / "runs" / "zz.parquet", index=False)  # what COPY ... TO used to plant
    assert experiments(folder.parent)["ok"].tolist() == [4]
    assert len(load(folder, "runs")) == 4 and load(folder, "runs")["run_id"].is_unique
    assert "zz" in set(verify(folder)["run_id"])


# --- interruption ------------------------------------------------------------------------------------
def descendants(pid: int) -> set[int]:
    psutil = pytest.importorskip("psutil")
    try:
        return {p.pid for p in psutil.Process(pid).children(recursive=True)}
    except psutil.NoSuchProcess:
        return set()


def alive(pids: set[int]) -> set[int]:
    psutil = pytest.importorskip("psutil")
    out = set()
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                out.add(pid)
        except psutil.NoSuchProcess:
            pass
    return out


LONG_REPS = 20
"""Replications of the experiment of the tests that must catch a sweep midway: 40 runs of
~0.07 s, ~1.5 s on 2 workers (with 4 runs, a sweep once ended between the first stored
run and the kill)."""


@pytest.fixture(scope="module")
def long_reference(tmp_path_factory) -> tuple[Path, dict[str, pd.DataFrame]]:
    """The longer experiment (:data:`LONG_REPS`), run once undisturbed."""
    tmp = tmp_path_factory.mktemp("long_reference")
    path = experiment(tmp, reps=LONG_REPS)
    summary = execute(plan(load_experiment(path)), tmp / "results", SerialExecutor(), progress=False)
    assert summary.ok and summary.ran == 2 * LONG_REPS
    return path, contents(summary.results)


def test_kill_9_mid_sweep_ends_every_worker_and_resume_loses_nothing(long_reference, tmp_path):
    total = 2 * LONG_REPS
    path = experiment(tmp_path, reps=LONG_REPS)
    results = tmp_path / "results"
    proc = subprocess.Popen(
        sweep_cli(path, results, "--workers", "2"),
        env=env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    runs_dir = results / "faults" / "runs"
    deadline = time.monotonic() + 120
    kids: set[int] = set()
    while proc.poll() is None and time.monotonic() < deadline:
        kids |= descendants(proc.pid)
        if len(list(runs_dir.glob("*.parquet"))) >= 1:
            break
        time.sleep(0.01)
    kids |= descendants(proc.pid)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    stored = len(list(runs_dir.glob("*.parquet")))
    assert 1 <= stored < total, f"the sweep was not killed midway ({stored} of {total} stored)"
    assert len(kids) >= 3  # forkserver, resource tracker, workers
    deadline = time.monotonic() + 15
    while alive(kids) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not alive(kids), "processes outlived the killed sweep"
    summary = resume(path, results)
    assert summary.skipped == stored and summary.ran == total - stored
    assert damaged(results / "faults").empty
    assert_same(contents(results / "faults"), long_reference[1])


@pytest.mark.slow
def test_two_sweeps_at_once_do_each_run_once(long_reference, tmp_path):
    # long enough that the second sweep starts while the first holds the lock
    total = 2 * LONG_REPS
    path = experiment(tmp_path, reps=LONG_REPS)
    results = tmp_path / "results"
    procs = [
        subprocess.Popen(
            sweep_cli(path, results, "--executor", "serial"),
            env=env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    ran = [int(re.search(r"(\d+) run, ", out).group(1)) for out, _ in outs]
    skipped = [int(re.search(r"(\d+) already stored", out).group(1)) for out, _ in outs]
    assert sorted(ran) == [0, total] and sorted(skipped) == [0, total]  # every run done exactly once
    assert any("waiting" in err for _, err in outs)
    folder = results / "faults"
    assert len(list((folder / "runs").glob("*.parquet"))) == total
    assert not load(folder, "indicators").duplicated(["run_id", "year", "indicator"]).any()
    assert_same(contents(folder), long_reference[1])


def test_a_held_lock_refuses_after_its_timeout(tmp_path):
    store = Store(tmp_path, "e")
    with store.lock():
        other = Store(tmp_path, "e")
        with pytest.raises(OSError, match="locked"), other.lock(timeout=0.2):
            pass


def test_concurrent_manifest_writes_never_fail_or_show_a_half_file(tmp_path):
    store = Store(tmp_path, "e")
    store.write_manifest({"n": -1})
    errors: list[BaseException] = []
    seen_bad = []
    stop = threading.Event()

    def writer(k: int) -> None:
        try:
            for i in range(100):
                store.write_manifest({"n": i, "writer": k, "pad": "x" * 5000})
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    def reader() -> None:
        while not stop.is_set():
            text = (store.root / "experiment.json").read_text(encoding="utf-8")
            try:
                json.loads(text)
            except ValueError:
                seen_bad.append(text[:20])

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    read = threading.Thread(target=reader)
    read.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    read.join()
    assert errors == [] and seen_bad == []
    assert not [p for p in store.root.iterdir() if p.name.endswith(".tmp")]


# --- code versions ---------------------------------------------------------------------------------
def test_runs_of_another_code_version_are_refused_unless_asked(reference, tmp_path, monkeypatch):
    from sim.experiment import adapters

    path, folder = fresh_copy(reference, tmp_path)
    monkeypatch.setattr(adapters, "git_commit", lambda: "another-commit")
    before = json.loads((folder / "experiment.json").read_text())
    with pytest.raises(InputError, match="reuse-stale"):
        resume(path, tmp_path / "results")
    assert json.loads((folder / "experiment.json").read_text()) == before
    summary = execute(
        plan(load_experiment(path)),
        tmp_path / "results",
        SerialExecutor(),
        progress=False,
        reuse_stale=True,
        notify=lambda m: None,
    )
    assert summary.ran == 0
    manifest = json.loads((folder / "experiment.json").read_text())
    assert manifest["git_commit"] == "another-commit"
    assert manifest["reused_runs_from"] == [f"{before['version']} {before['git_commit']}"]


def test_the_store_keeps_what_the_results_came_from(reference):
    path, _ = reference
    folder = path.parent / "results" / "faults"
    assert (folder / "experiment.toml").read_text() == path.read_text()
    scenario = json.loads((folder / "scenarios" / "baseline.json").read_text())
    assert scenario["values"]["population.residents"] == 3000
    env_ = json.loads((folder / "environment.json").read_text())
    assert any(p.startswith("numpy==") for p in env_["packages"])
    rows = json.loads(
        load(folder, "runs")
        .pipe(lambda r: pd.read_parquet(folder / "runs" / f"{r['run_id'].iloc[0]}.parquet"))["rows"]
        .iloc[0]
    )
    assert set(rows) == set(DATASETS) and all(n > 0 for n in rows.values())
