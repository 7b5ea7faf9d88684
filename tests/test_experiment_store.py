"""The results store: atomic per-run files, finished runs only, run order, DuckDB queries."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.experiment.jobs import run_id
from sim.experiment.store import Store, load, query


def row(rid: str, index: int, status: str = "ok") -> dict:
    return {"run_id": rid, "run_index": index, "experiment": "e", "scenario": "baseline",
            "scenario_hash": "h", "stressors": "", "seed": 10 + index, "replication": index, "point": 0,
            "params": "{}", "status": status, "error": "" if status == "ok" else "boom",
            "started": pd.Timestamp("2024-01-01", tz="UTC"), "finished": pd.Timestamp("2024-01-01", tz="UTC"),
            "wall_s": 1.0, "version": "0", "git_commit": "x"}


def values(rid: str, v: float) -> pd.DataFrame:
    return pd.DataFrame({"run_id": rid, "scenario": "baseline", "seed": 1, "replication": 0, "street": "all",
                         "year": [2024, 2025], "indicator": "satisfaction", "value": [v, v + 1]})


def test_run_id_is_stable_and_depends_on_every_part():
    base = run_id("e", "h", (), 1, {"a": 1.0})
    assert base == run_id("e", "h", (), 1, {"a": 1.0})
    others = {run_id("f", "h", (), 1, {"a": 1.0}), run_id("e", "g", (), 1, {"a": 1.0}),
              run_id("e", "h", ("s",), 1, {"a": 1.0}), run_id("e", "h", (), 2, {"a": 1.0}),
              run_id("e", "h", (), 1, {"a": 2.0}), run_id("e", "h", (), 1, {"a": 1.0}, "other")}
    assert base not in others and len(others) == 6


def test_finished_lists_ok_runs_only(tmp_path):
    store = Store(tmp_path, "e")
    store.write_run(row("r1", 0), {"indicators": values("r1", 0.5)})
    store.write_run(row("r2", 1, "failed"), {})
    assert store.finished() == {"r1"}


def test_load_sorts_by_run_order_not_by_file_name(tmp_path):
    store = Store(tmp_path, "e")
    store.write_run(row("zz", 0), {"indicators": values("zz", 0.1)})
    store.write_run(row("aa", 1), {"indicators": values("aa", 0.2)})
    frame = load(tmp_path / "e", "indicators")
    assert list(frame["run_id"]) == ["zz", "zz", "aa", "aa"]
    assert list(frame["year"]) == [2024, 2025, 2024, 2025]


def test_data_of_a_run_without_its_runs_row_is_not_visible(tmp_path):
    store = Store(tmp_path, "e")
    store.write_run(row("r1", 0), {"indicators": values("r1", 0.5)})
    # a process killed after writing a table but before the runs row
    values("r2", 0.9).to_parquet(tmp_path / "e" / "indicators" / "r2.parquet")
    assert set(load(tmp_path, "indicators")["run_id"]) == {"r1"}
    assert set(query(tmp_path, "SELECT DISTINCT run_id FROM indicators")["run_id"]) == {"r1"}


def test_query_joins_runs_and_indicators(tmp_path):
    store = Store(tmp_path, "e")
    store.write_run(row("r1", 0), {"indicators": values("r1", 0.5)})
    store.write_run(row("r2", 1), {"indicators": values("r2", 0.7)})
    ans = query(tmp_path, "SELECT r.seed, i.value FROM indicators i JOIN runs r USING (run_id) "
                          "WHERE i.year = 2024 ORDER BY r.seed")
    assert list(ans["seed"]) == [10, 11]
    assert list(ans["value"]) == pytest.approx([0.5, 0.7])


def test_load_can_keep_only_some_runs(tmp_path):
    store = Store(tmp_path, "e")
    for i, rid in enumerate(["a", "b", "c"]):
        store.write_run(row(rid, i), {"indicators": values(rid, i)})
    assert set(load(tmp_path, "runs", run_ids=["a", "c"])["run_id"]) == {"a", "c"}


# --- the query session is read-only and confined to the store -----------------------------------
@pytest.fixture
def one_run(tmp_path):
    Store(tmp_path, "e").write_run(row("r1", 0), {"indicators": values("r1", 0.5)})
    return tmp_path


def files_under(folder) -> set:
    return {str(p) for p in folder.rglob("*")}


def refused_sql(folder, sql: str) -> None:
    import duckdb

    before = files_under(folder)
    with pytest.raises(duckdb.PermissionException):
        query(folder, sql)
    assert files_under(folder) == before


def test_query_refuses_copy_out_of_the_store(one_run):
    refused_sql(one_run, f"COPY (SELECT * FROM runs) TO '{one_run}/x.csv'")


def test_query_refuses_copy_into_the_store(one_run):
    refused_sql(one_run, f"COPY (SELECT * FROM runs) TO '{one_run}/e/runs/zz.parquet' (FORMAT parquet)")
    assert list(load(one_run, "runs")["run_id"]) == ["r1"]


def test_query_refuses_attach(one_run):
    refused_sql(one_run, f"ATTACH '{one_run}/db.duckdb' AS x")


def test_query_refuses_file_functions(one_run):
    for sql in ("SELECT * FROM read_text('/etc/hostname')", "SELECT * FROM read_csv('/etc/passwd')",
                f"SELECT * FROM read_parquet('{one_run}/e/runs/*.parquet')", "SELECT * FROM glob('/etc/*')",
                f"SELECT * FROM read_blob('{one_run}/e/runs/r1.parquet')"):
        refused_sql(one_run, sql)


def test_query_refuses_export_install_and_settings(one_run):
    import duckdb

    refused_sql(one_run, f"EXPORT DATABASE '{one_run}/out'")
    refused_sql(one_run, "INSTALL httpfs")
    with pytest.raises(duckdb.Error, match="configuration"):
        query(one_run, "SET enable_external_access = true")


def test_query_still_answers_reads(one_run):
    assert query(one_run, "SELECT count(*) AS n FROM indicators")["n"].iloc[0] == 2
