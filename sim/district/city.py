"""City runs: many districts, each an independent job on the experiment engine's
executors (local process pool or Dask), results in the experiment store.

Every district gets its own root seed from :func:`sim.randomness.seeds.replication_seeds`, so a
district's results depend only on its file and the city seed, never on the executor or
the number of workers. Each finished district is stored at once as one run of the
experiment ``name`` (``results/<name>/runs``, ``indicators`` and ``daily``; see
:mod:`sim.experiment.store`): ``replication`` is the district's index in the city and
``street`` is a street index, ``district``, ``pilot`` or ``non_pilot``.
"""

from __future__ import annotations

import json
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sim.district.runner import DistrictResult, run_district
from sim.district.spec import District, load_district
from sim.experiment import adapters
from sim.experiment.executors import make_executor
from sim.experiment.jobs import DAILY_COLUMNS, run_id
from sim.experiment.store import Store
from sim.randomness import replication_seeds


@dataclass
class CityResult:
    """A city run: indicators of every street and district, street profiles, failures."""

    name: str
    indicators: pd.DataFrame  # run_id, district, scenario, seed, replication, street, year, indicator, value
    streets: pd.DataFrame     # district, street, residents, region, ... (see DistrictResult.streets)
    failed: dict[int, str]    # district index -> error
    stats: pd.DataFrame = field(default_factory=pd.DataFrame)  # district, wall_s, peak_rss_mb (its worker)


def run_city(districts: Sequence[District | str | Path], seed: int, workers: int | None = None,
             executor: str = "process", scheduler: str | None = None, name: str = "city",
             results_dir: str | Path | None = "results", daily: bool = False) -> CityResult:
    """Run every district of a city as an independent job.

    Args:
        districts: district files / names or loaded districts (one entry per district;
            the same file may appear many times, each draws its own streets).
        seed: the city's root seed; district ``k`` runs on the ``k``-th replication seed.
        workers: worker processes (default: all cores).
        executor: ``process``, ``serial`` or ``dask`` (see :func:`make_executor`).
        scheduler: a Dask scheduler address (with ``executor="dask"``).
        name: the experiment name under ``results_dir``.
        results_dir: where the store lives; None keeps results in memory only.
        daily: also store each district's daily series.

    Returns:
        A :class:`CityResult`, rows in district order.
    """
    loaded = [d if isinstance(d, District) else load_district(d) for d in districts]  # validate first
    seeds = replication_seeds(seed, len(loaded))
    ids = [run_id(name, _digest(d), (), s, {"district": k}) for k, (d, s) in enumerate(zip(loaded, seeds))]
    store = Store(results_dir, name) if results_dir is not None else None
    if store is not None:
        store.write_manifest({"name": name, "kind": "city", "seed": int(seed), "districts": [
            {"index": k, "name": d.name, "path": str(d.path), "seed": s, "run_id": r}
            for k, (d, s, r) in enumerate(zip(loaded, seeds, ids))]})
    jobs = [(d, s) for d, s in zip(loaded, seeds)]
    frames: dict[int, tuple[pd.DataFrame, pd.DataFrame]] = {}
    failed: dict[int, str] = {}
    stats: list[dict] = []
    with make_executor(executor, workers, scheduler) as ex:
        for done in ex.imap(district_job, jobs):
            k = done.index
            out = done.value if done.error is None else {"error": done.error, "wall_s": 0.0}
            tables = _stored_tables(out.get("result"), ids[k], k, daily)
            if store is not None:
                store.write_run(_run_row(loaded[k], seeds[k], k, ids[k], name, out), tables)
            stats.append({"district": k, "wall_s": float(out.get("wall_s", 0.0)),
                          "peak_rss_mb": float(out.get("peak_rss_mb", float("nan")))})
            if out.get("error"):
                failed[k] = out["error"]
            else:
                streets = out["result"].streets.assign(district=k)
                frames[k] = (tables["indicators"].assign(district=k), streets)
    ordered = [frames[k] for k in sorted(frames)]
    indicators = pd.concat([f[0] for f in ordered], ignore_index=True) if ordered else pd.DataFrame()
    streets = pd.concat([f[1] for f in ordered], ignore_index=True) if ordered else pd.DataFrame()
    stats_frame = pd.DataFrame(stats, columns=["district", "wall_s", "peak_rss_mb"]).sort_values("district")
    return CityResult(name=name, indicators=indicators, streets=streets, failed=failed,
                      stats=stats_frame.reset_index(drop=True))


def district_job(district: District, seed: int) -> dict:
    """Run one district on a worker; a failure is returned, not raised."""
    started = pd.Timestamp.now(tz="UTC")
    t0 = time.perf_counter()
    try:
        result = run_district(district, seed)
        return {"result": result, "error": "", "started": started, "wall_s": time.perf_counter() - t0,
                "peak_rss_mb": peak_rss_mb()}
    except Exception as exc:
        last = traceback.extract_tb(exc.__traceback__)[-1:]
        where = f" at {last[0].filename}:{last[0].lineno}" if last else ""
        return {"error": f"{type(exc).__name__}: {exc}{where}", "started": started,
                "wall_s": time.perf_counter() - t0}


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (a worker's, over the jobs it ran)."""
    import resource
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _digest(d: District) -> str:
    import hashlib

    pilot = None if d.pilot is None else [d.pilot.scenario.digest(), d.pilot.streets, d.pilot.share]
    blob = json.dumps([d.scenario.digest(), vars(d.p), pilot], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _stored_tables(result: DistrictResult | None, rid: str, k: int, daily: bool) -> dict[str, pd.DataFrame]:
    if result is None:
        return {}
    ind = result.indicators
    tables = {"indicators": pd.DataFrame({
        "run_id": rid, "scenario": ind["scenario"].astype(str), "seed": ind["seed"].astype("int64"),
        "replication": pd.Series(k, index=ind.index, dtype="int64"), "street": ind["street"].astype(str),
        "year": ind["year"].astype("int64"), "indicator": ind["indicator"].astype(str),
        "value": ind["value"].astype("float64")})}
    if daily:
        d = result.daily[[c for c in DAILY_COLUMNS if c in result.daily.columns]].copy()
        d.insert(0, "scenario", result.name)
        d.insert(0, "run_id", rid)
        tables["daily"] = d
    return tables


def _run_row(d: District, seed: int, k: int, rid: str, name: str, out: dict) -> dict:
    started = out.get("started") or pd.Timestamp.now(tz="UTC")
    return {"run_id": rid, "run_index": k, "experiment": name, "scenario": d.name,
            "scenario_hash": _digest(d), "stressors": "", "seed": int(seed), "replication": k, "point": 0,
            "params": json.dumps({"district": k, "path": str(d.path)}), "status": "failed" if out.get("error")
            else "ok", "error": out.get("error", ""), "started": started,
            "finished": pd.Timestamp.now(tz="UTC"), "wall_s": float(out.get("wall_s", 0.0)),
            "version": adapters.package_version(), "git_commit": adapters.git_commit()}
