"""The results store: Parquet datasets under ``results/<experiment>/``, queried with DuckDB.

Layout (one Parquet file per run and dataset, named ``<run_id>.parquet``)::

    results/<experiment>/
        experiment.json   the experiment as run (name, scenarios, sampler, code version, ...)
        experiment.toml   a copy of the experiment file (when there was one)
        environment.json  Python, platform and every installed package's version
        scenarios/        each scenario as resolved (values, levers, stressors), as JSON
        runs/             one row per run: run_id, run_index, experiment, scenario,
                          scenario_hash, stressors, seed, replication, point, params (JSON),
                          status (ok/failed), error, started, finished, wall_s, version,
                          git_commit, rows (JSON: rows of each data file) - the run's manifest
        indicators/       run_id, scenario, seed, replication, street, year, indicator, value
        daily/            run_id, scenario, street, day, date, hours buckets, queue,
                          in_service, waiting_departments, staff_filled
        flows/            run_id, scenario, year, route, outcome, drop_reason, n (cases by year raised)
        departments/      run_id, scenario, year, department, whistles, answered, episodes,
                          mean_arrival_hours (whistle episodes by year first sent)
        damaged/          files set aside by a resume (see :meth:`Store.set_aside`)
        .lock             the folder lock held by a writer

**Integrity.** Every file is written atomically and the ``runs`` row last; it records
the row count of each data file. A run counts as stored only when its ``runs`` row
says ``ok`` and every data file it lists exists and reads back with that many rows
(:func:`verify`). Readers (:func:`load`, :func:`query`) see only the data of such runs
and skip damaged files, naming them; a resumed sweep moves damaged files aside and runs
those runs again.

**One writer at a time.** A writer holds the folder's lock (``filelock``) while it
plans and stores runs; a second writer waits for it, then finds the runs stored.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.io import write_parquet, write_text

RUN_COLUMNS = ("run_id", "run_index", "experiment", "scenario", "scenario_hash", "stressors", "seed",
               "replication", "point", "params", "status", "error", "started", "finished", "wall_s",
               "version", "git_commit", "rows")
DATASETS = ("runs", "indicators", "daily", "flows", "departments", "money")
LOCK_NAME = ".lock"
DAMAGED_DIR = "damaged"


@dataclass(frozen=True)
class RunFiles:
    """The stored ``runs`` rows of a folder: readable rows and the files that were not."""

    runs: pd.DataFrame
    unreadable: dict[Path, str]


class Store:
    """The datasets of one experiment under ``results_dir/<experiment>``."""

    def __init__(self, results_dir: str | Path, experiment: str) -> None:
        self.root = Path(results_dir) / experiment
        self.experiment = experiment

    def finished(self, deep: bool = False) -> set[str]:
        """Run ids stored intact with status ``ok`` (see :func:`verify`)."""
        report = verify(self.root, deep=deep)
        return set(report.loc[report["state"] == "ok", "run_id"])

    def write_run(self, row: dict[str, Any], tables: dict[str, pd.DataFrame]) -> None:
        """Store one run: its tables first, then its ``runs`` row (which marks it done and
        records each table's row count)."""
        run_id = row["run_id"]
        for dataset, frame in tables.items():
            write_parquet(frame, self.root / dataset / f"{run_id}.parquet")
        rows = json.dumps({d: int(len(f)) for d, f in sorted(tables.items())})
        runs = pd.DataFrame([{c: row.get(c) for c in RUN_COLUMNS} | {"rows": rows}])
        write_parquet(runs, self.root / "runs" / f"{run_id}.parquet")

    def write_manifest(self, manifest: dict[str, Any]) -> Path:
        """Write ``experiment.json`` (the experiment as run), atomically."""
        return write_text(json.dumps(manifest, indent=2, default=str, ensure_ascii=False),
                          self.root / "experiment.json")

    def read_manifest(self) -> dict[str, Any]:
        """``experiment.json`` as a dict (empty when absent or unreadable)."""
        try:
            data = json.loads((self.root / "experiment.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    @contextmanager
    def lock(self, timeout: float | None = None, notify: Callable[[str], None] | None = None
             ) -> Iterator[None]:
        """Hold the folder's lock; wait for another writer (up to ``timeout`` seconds,
        ``None``: as long as it takes), telling ``notify`` once that it waits.

        Raises:
            OSError: the lock is still held after ``timeout`` seconds.
        """
        from filelock import FileLock, Timeout

        self.root.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.root / LOCK_NAME))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            if notify is not None:
                notify(f"waiting: another streetsim is writing into {self.root}")
            try:
                lock.acquire(timeout=-1 if timeout is None else timeout)
            except Timeout:
                raise OSError(16, "another streetsim is writing into this folder (locked)",
                              str(self.root)) from None
        try:
            yield
        finally:
            lock.release()

    def set_aside(self, run_ids: Iterable[str]) -> Path | None:
        """Move every file of these runs (its ``runs`` row included) to
        ``damaged/<time>/<dataset>/``, so the runs count as not run; return that folder."""
        run_ids = list(run_ids)
        if not run_ids:
            return None
        dest = self.root / DAMAGED_DIR / time.strftime("%Y%m%d-%H%M%S")
        for dataset in DATASETS:
            for rid in run_ids:
                src = self.root / dataset / f"{rid}.parquet"
                if src.exists():
                    (dest / dataset).mkdir(parents=True, exist_ok=True)
                    shutil.move(str(src), str(dest / dataset / src.name))
        return dest


def verify(results_dir: str | Path, deep: bool = True) -> pd.DataFrame:
    """Check every stored run of ``results_dir`` (an experiment folder, or ``results/``).

    A run is ``ok`` when its ``runs`` row says ``ok`` and each data file the row lists
    exists and reads back with the recorded number of rows; ``deep`` reads every file in
    full (otherwise only its footer). Files in a dataset folder that belong to no run
    (leftovers of an interrupted run, or planted ones) are reported as ``stray``.

    Returns:
        One row per run and problem: experiment, run_id, status (as stored), state
        (``ok``, ``failed``, ``damaged``, ``stray``), problem (empty when ok), file.
    """
    cols = ["experiment", "run_id", "status", "state", "problem", "file"]
    rows: list[dict[str, Any]] = []
    for folder in experiment_folders(Path(results_dir)):
        rows.extend(_verify_folder(folder, deep))
    return pd.DataFrame(rows, columns=cols)


def damaged(results_dir: str | Path, deep: bool = True) -> pd.DataFrame:
    """The problems :func:`verify` finds (damaged runs and stray files) only."""
    report = verify(results_dir, deep)
    return report[report["state"].isin(["damaged", "stray"])].reset_index(drop=True)


def experiment_folders(root: Path) -> list[Path]:
    """``root`` when it is an experiment folder, else the experiment folders in it."""
    if (root / "runs").is_dir():
        return [root]
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if (p / "runs").is_dir())


def read_runs(folder: Path) -> RunFiles:
    """The ``runs`` rows of one experiment folder, file by file; a file that cannot be
    read, or whose name is not its run id, is left out and named."""
    import pyarrow.parquet as pq

    frames, bad = [], {}
    for path in sorted((folder / "runs").glob("*.parquet")):
        try:
            frame = pq.read_table(path).to_pandas()
        except Exception as exc:  # noqa: BLE001 - any unreadable file is damage to report
            bad[path] = _short(exc)
            continue
        if len(frame) != 1 or "run_id" not in frame or frame["run_id"].iloc[0] != path.stem:
            bad[path] = "not a runs row of this store (one row whose run_id is the file name)"
            continue
        frames.append(frame)
    runs = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(RUN_COLUMNS))
    if "rows" not in runs:
        runs["rows"] = None
    return RunFiles(runs, bad)


def _verify_folder(folder: Path, deep: bool, datasets: Iterable[str] = DATASETS[1:],
                   stored: RunFiles | None = None) -> list[dict[str, Any]]:
    """Problems of one experiment folder, checking the files of ``datasets`` only."""
    exp = folder.name
    datasets = tuple(datasets)
    stored = read_runs(folder) if stored is None else stored
    out = [{"experiment": exp, "run_id": path.stem, "status": "", "state": "damaged",
            "problem": f"runs row unreadable: {why}", "file": str(path)}
           for path, why in stored.unreadable.items()]
    known = set(stored.runs["run_id"])
    known |= {p.stem for p in stored.unreadable}
    for r in stored.runs.itertuples(index=False):
        if r.status != "ok":
            out.append({"experiment": exp, "run_id": r.run_id, "status": r.status, "state": "failed",
                        "problem": "", "file": ""})
            continue
        problems = _check_files(folder, r.run_id, r.rows, deep, datasets)
        for problem, file in problems or [("", "")]:
            out.append({"experiment": exp, "run_id": r.run_id, "status": r.status,
                        "state": "damaged" if problems else "ok", "problem": problem, "file": file})
    for dataset in datasets:
        for path in sorted((folder / dataset).glob("*.parquet")):
            if path.stem not in known:
                out.append({"experiment": exp, "run_id": path.stem, "status": "", "state": "stray",
                            "problem": f"{dataset} file of no stored run", "file": str(path)})
    return out


def _check_files(folder: Path, run_id: str, rows: Any, deep: bool, datasets: tuple[str, ...] = DATASETS[1:]
                 ) -> list[tuple[str, str]]:
    """Problems of one ok run's data files: missing, unreadable, wrong row count."""
    import pyarrow.parquet as pq

    try:
        expected = json.loads(rows) if isinstance(rows, str) and rows else None
    except ValueError:
        return [("runs row: unreadable row counts", str(folder / "runs" / f"{run_id}.parquet"))]
    if not isinstance(expected, dict):  # written before row counts were recorded
        expected = {d: None for d in DATASETS[1:] if (folder / d / f"{run_id}.parquet").exists()}
    problems = []
    for dataset, n in expected.items():
        if dataset not in datasets:
            continue
        path = folder / dataset / f"{run_id}.parquet"
        if not path.exists():
            problems.append((f"{dataset} file missing", str(path)))
            continue
        try:
            got = pq.read_table(path).num_rows if deep else _footer_rows(path)
        except Exception as exc:  # noqa: BLE001 - any unreadable file is damage to report
            problems.append((f"{dataset} file unreadable: {_short(exc)}", str(path)))
            continue
        if n is not None and got != n:
            problems.append((f"{dataset} file has {got} rows, {n} recorded", str(path)))
    return problems


_FOOTERS: dict[tuple[str, int, int], int] = {}


def _footer_rows(path: Path) -> int:
    """Row count in a Parquet file's footer, remembered per (path, mtime, size): any
    change to the file (a truncation, a rewrite) makes it read again."""
    import pyarrow.parquet as pq

    st = path.stat()
    key = (str(path), st.st_mtime_ns, st.st_size)
    if key not in _FOOTERS:
        if len(_FOOTERS) > 200_000:
            _FOOTERS.clear()
        _FOOTERS[key] = pq.read_metadata(path).num_rows
    return _FOOTERS[key]


def _short(exc: BaseException) -> str:
    return " ".join(f"{type(exc).__name__}: {exc}".split())[:160]


def _intact(root: Path, notify: Callable[[str], None] | None = None,
            datasets: Iterable[str] = DATASETS[1:]) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """Stored runs rows (any status) of runs whose ``datasets`` files are intact, and the
    data files of ok ones per dataset; damaged runs are left out and reported through
    ``notify``. Only file footers are read (see :func:`verify` for a full read)."""
    datasets = tuple(datasets)
    frames, files = [], {d: [] for d in DATASETS[1:]}
    skipped = []
    for folder in experiment_folders(root):
        stored = read_runs(folder)
        report = _verify_folder(folder, False, datasets, stored)
        bad = {r["run_id"] for r in report if r["state"] == "damaged"}
        skipped += [r for r in report if r["state"] == "damaged"]
        runs = stored.runs[~stored.runs["run_id"].isin(bad)]
        frames.append(runs)
        for rid in runs.loc[runs["status"] == "ok", "run_id"]:
            for d in datasets:
                path = folder / d / f"{rid}.parquet"
                if path.exists():
                    files[d].append(str(path))
    if skipped and notify is not None:
        names = sorted({r["file"] for r in skipped})
        notify(f"skipped {len({(r['experiment'], r['run_id']) for r in skipped})} damaged run(s): "
               f"{', '.join(names[:3])}{' ...' if len(names) > 3 else ''} "
               f"(see `streetsim results verify {root}`)")
    frames = [f for f in frames if len(f)]
    runs = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(RUN_COLUMNS))
    return runs, files


def query(results_dir: str | Path, sql: str, notify: Callable[[str], None] | None = None) -> pd.DataFrame:
    """Run DuckDB SQL over the stored datasets and return a DataFrame.

    ``results_dir`` is ``results/`` (every experiment) or one experiment's folder. The
    tables ``runs``, ``indicators``, ``daily``, ``flows``, ``departments`` and ``money`` hold the
    intact runs (all but ``runs`` finished runs only; damaged runs are skipped and named
    through ``notify``). The session is confined: the data are loaded first, then file
    access is switched off and the configuration locked, so ``COPY``, ``ATTACH``,
    ``EXPORT``, ``INSTALL`` and file functions (``read_text``, ``read_csv``, ``glob``,
    ...) are refused and nothing on disk can change. Example::

        query("results", "SELECT scenario, avg(value) FROM indicators "
                         "WHERE indicator = 'satisfaction' AND year = 2030 GROUP BY scenario")

    Raises:
        FileNotFoundError: no stored runs under ``results_dir``.
        duckdb.Error: the SQL failed (a permission error for file access).
    """
    root = Path(results_dir)
    runs, files = _intact(root, notify)
    if runs.empty:
        raise FileNotFoundError(f"no stored runs under {root}")
    con = _connect()
    con.register("_runs", runs)
    con.execute("CREATE TABLE runs AS SELECT * FROM _runs")
    con.unregister("_runs")
    words = {w.lower() for w in re.findall(r"[A-Za-z_]+", sql)}
    for dataset in DATASETS[1:]:
        if dataset in words and files[dataset]:
            con.execute(f"CREATE TABLE {dataset} AS SELECT * FROM read_parquet({_list(files[dataset])}, "
                        "union_by_name=true)")
    confine(con)
    return con.execute(sql).df()


def confine(con: Any) -> None:
    """Switch off every file system access of a DuckDB connection and lock its settings."""
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


def load(results_dir: str | Path, dataset: str, run_ids: Iterable[str] | None = None,
         notify: Callable[[str], None] | None = None) -> pd.DataFrame:
    """One dataset as a DataFrame, intact finished runs only, sorted by run order.

    A run counts as intact when all its files exist and have their recorded row counts.

    The order (experiment, run index, row within the run) is the order of the plan, so
    the frame is the same whatever executor or number of workers produced it.

    Args:
        results_dir: ``results/`` or one experiment's folder.
        dataset: one of ``runs``, ``indicators``, ``daily``, ``flows``, ``departments``, ``money``.
        run_ids: keep only these runs (e.g. those of one plan).
        notify: told (one line) about damaged runs that were skipped.
    """
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}; datasets are {list(DATASETS)}")
    runs, files = _intact(Path(results_dir), notify)
    if runs.empty:
        return pd.DataFrame()
    if run_ids is not None:
        runs = runs[runs["run_id"].isin(set(run_ids))]
    runs = runs.sort_values(["experiment", "run_index"], kind="stable").reset_index(drop=True)
    if dataset == "runs":
        return runs.drop(columns=["rows"], errors="ignore")
    wanted = set(runs.loc[runs["status"] == "ok", "run_id"])
    paths = [f for f in files[dataset] if Path(f).stem in wanted]
    if not paths:
        return pd.DataFrame()
    con = _connect()
    con.register("r", runs[["run_id", "experiment", "run_index"]])
    sql = (f"SELECT d.* EXCLUDE (file_row_number) FROM read_parquet({_list(paths)}, union_by_name=true, "
           "file_row_number=true) d JOIN r ON d.run_id = r.run_id "
           "ORDER BY r.experiment, r.run_index, d.file_row_number")
    return con.execute(sql).df()


def experiments(results_dir: str | Path) -> pd.DataFrame:
    """Experiments under ``results_dir`` with their counts of ok, failed and damaged runs."""
    cols = ["experiment", "ok", "failed", "damaged", "first_started", "last_finished"]
    rows = []
    for folder in experiment_folders(Path(results_dir)):
        stored = read_runs(folder)
        report = pd.DataFrame(_verify_folder(folder, False, DATASETS[1:], stored))
        runs = stored.runs
        states = report.drop_duplicates("run_id").set_index("run_id")["state"] if len(report) else pd.Series()
        rows.append({"experiment": folder.name, "ok": int((states == "ok").sum()),
                     "failed": int((states == "failed").sum()), "damaged": int((states == "damaged").sum()),
                     "first_started": runs["started"].min() if len(runs) else None,
                     "last_finished": runs["finished"].max() if len(runs) else None})
    return pd.DataFrame(rows, columns=cols)


def params_frame(runs: pd.DataFrame) -> pd.DataFrame:
    """The ``params`` JSON column of a runs frame as one column per parameter."""
    values = [json.loads(p) if isinstance(p, str) and p else {} for p in runs["params"]]
    return pd.DataFrame(values, index=runs.index)


def check_results_dir(path: Path, field: str = "--results") -> Path:
    """Refuse a results folder that is a file (:class:`InputError`) or cannot be written
    (:class:`OSError`), before any run starts."""
    from sim.io import check_out_dir

    return check_out_dir(path, field)


def _connect():
    import duckdb

    return duckdb.connect(":memory:")


def _list(paths: list[str]) -> str:
    return "[" + ", ".join(_sql_str(p) for p in paths) + "]"


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
