"""The results store: Parquet datasets under ``results/<experiment>/``, queried with DuckDB.

Layout (one Parquet file per run and dataset, named ``<run_id>.parquet``)::

    results/<experiment>/
        experiment.json   the experiment as run (name, scenarios, sampler, ...)
        runs/             one row per run: run_id, run_index, experiment, scenario,
                          scenario_hash, stressors, seed, replication, point, params (JSON),
                          status (ok/failed), error, started, finished, wall_s, version,
                          git_commit - the run's manifest
        indicators/       run_id, scenario, seed, replication, street, year, indicator, value
        daily/            run_id, scenario, street, day, date, hours buckets, queue, staff_filled
        flows/            run_id, scenario, year, route, outcome, drop_reason, n (cases by year raised)
        departments/      run_id, scenario, year, department, whistles, answered, episodes,
                          mean_arrival_hours (whistle episodes by year first sent)

Every file is written atomically and the ``runs`` row last: a run is finished when its
``runs`` row says ``ok``, and readers see only the data of finished runs, so a killed
process never leaves half a run in view.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from sim.io import write_parquet

RUN_COLUMNS = ("run_id", "run_index", "experiment", "scenario", "scenario_hash", "stressors", "seed",
               "replication", "point", "params", "status", "error", "started", "finished", "wall_s",
               "version", "git_commit")
DATASETS = ("runs", "indicators", "daily", "flows", "departments", "money")


class Store:
    """The datasets of one experiment under ``results_dir/<experiment>``."""

    def __init__(self, results_dir: str | Path, experiment: str) -> None:
        self.root = Path(results_dir) / experiment
        self.experiment = experiment

    def finished(self) -> set[str]:
        """Run ids already stored with status ``ok``."""
        if not _has_files(self.root / "runs"):
            return set()
        frame = _connect().execute(
            f"SELECT run_id FROM read_parquet({_glob(self.root / 'runs')}, union_by_name=true) "
            "WHERE status = 'ok'").df()
        return set(frame["run_id"])

    def write_run(self, row: dict[str, Any], tables: dict[str, pd.DataFrame]) -> None:
        """Store one run: its tables first, then its ``runs`` row (which marks it done)."""
        run_id = row["run_id"]
        for dataset, frame in tables.items():
            write_parquet(frame, self.root / dataset / f"{run_id}.parquet")
        runs = pd.DataFrame([{c: row.get(c) for c in RUN_COLUMNS}])
        write_parquet(runs, self.root / "runs" / f"{run_id}.parquet")

    def write_manifest(self, manifest: dict[str, Any]) -> Path:
        """Write ``experiment.json`` (the experiment as run)."""
        path = self.root / "experiment.json"
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(manifest, indent=2, default=str, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)
        return path


def query(results_dir: str | Path, sql: str) -> pd.DataFrame:
    """Run DuckDB SQL over the stored datasets and return a DataFrame.

    ``results_dir`` is ``results/`` (every experiment) or one experiment's folder. The
    views ``runs``, ``indicators``, ``daily``, ``flows``, ``departments`` and ``money`` are defined;
    all but ``runs`` hold finished runs only. Example::

        query("results", "SELECT scenario, avg(value) FROM indicators "
                         "WHERE indicator = 'satisfaction' AND year = 2030 GROUP BY scenario")
    """
    con = _views(Path(results_dir))
    return con.execute(sql).df()


def load(results_dir: str | Path, dataset: str, run_ids: Iterable[str] | None = None
         ) -> pd.DataFrame:
    """One dataset as a DataFrame, finished runs only, sorted by run order.

    The order (experiment, run index, row within the run) is the order of the plan, so
    the frame is the same whatever executor or number of workers produced it.

    Args:
        results_dir: ``results/`` or one experiment's folder.
        dataset: one of ``runs``, ``indicators``, ``daily``, ``flows``, ``departments``, ``money``.
        run_ids: keep only these runs (e.g. those of one plan).
    """
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}; datasets are {list(DATASETS)}")
    root = Path(results_dir)
    con = _connect()
    if not _has_files(*_dirs(root, "runs")) or (dataset != "runs" and not _has_files(*_dirs(root, dataset))):
        return pd.DataFrame()
    runs_sql = f"read_parquet({_glob_of(root, 'runs')}, union_by_name=true)"
    keep = ""
    if run_ids is not None:
        con.register("wanted", pd.DataFrame({"run_id": list(run_ids)}, dtype=object))
        keep = " AND r.run_id IN (SELECT run_id FROM wanted)"
    if dataset == "runs":
        sql = f"SELECT r.* FROM {runs_sql} r WHERE true{keep} ORDER BY r.experiment, r.run_index"
    else:
        sql = (f"SELECT d.* EXCLUDE (file_row_number) FROM read_parquet({_glob_of(root, dataset)}, "
               f"union_by_name=true, file_row_number=true) d JOIN {runs_sql} r ON d.run_id = r.run_id "
               f"WHERE r.status = 'ok'{keep} ORDER BY r.experiment, r.run_index, d.file_row_number")
    return con.execute(sql).df()


def experiments(results_dir: str | Path) -> pd.DataFrame:
    """Experiments under ``results_dir`` with their counts of ok and failed runs."""
    root = Path(results_dir)
    if not _has_files(*_dirs(root, "runs")):
        return pd.DataFrame(columns=["experiment", "ok", "failed", "first_started", "last_finished"])
    return query(root, "SELECT experiment, count(*) FILTER (WHERE status = 'ok') AS ok, "
                       "count(*) FILTER (WHERE status = 'failed') AS failed, "
                       "min(started) AS first_started, max(finished) AS last_finished "
                       "FROM runs GROUP BY experiment ORDER BY experiment")


def params_frame(runs: pd.DataFrame) -> pd.DataFrame:
    """The ``params`` JSON column of a runs frame as one column per parameter."""
    values = [json.loads(p) if isinstance(p, str) and p else {} for p in runs["params"]]
    return pd.DataFrame(values, index=runs.index)


def _connect():
    import duckdb

    return duckdb.connect(":memory:")


def _dirs(root: Path, dataset: str) -> list[Path]:
    if (root / "runs").is_dir():
        return [root / dataset]
    return sorted(p / dataset for p in root.iterdir() if (p / dataset).is_dir()) if root.is_dir() else []


def _has_files(*dirs: Path) -> bool:
    return any(d.is_dir() and any(d.glob("*.parquet")) for d in dirs)


def _glob(directory: Path) -> str:
    return _sql_str(str(directory / "*.parquet"))


def _glob_of(root: Path, dataset: str) -> str:
    dirs = [d for d in _dirs(root, dataset) if _has_files(d)]
    return "[" + ", ".join(_glob(d) for d in dirs) + "]"


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _views(root: Path):
    con = _connect()
    if not _has_files(*_dirs(root, "runs")):
        raise FileNotFoundError(f"no stored runs under {root}")
    runs = _glob_of(root, "runs")
    con.execute(f"CREATE VIEW runs AS SELECT * FROM read_parquet({runs}, union_by_name=true)")
    for dataset in DATASETS[1:]:
        if _has_files(*_dirs(root, dataset)):
            con.execute(f"CREATE VIEW {dataset} AS SELECT * FROM read_parquet({_glob_of(root, dataset)}, "
                        "union_by_name=true) WHERE run_id IN (SELECT run_id FROM runs WHERE status = 'ok')")
    return con
