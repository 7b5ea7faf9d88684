"""The experiment commands: compare, sweep, results query; bad input is one line, exit 2."""

from __future__ import annotations

import textwrap

from sim.cli import main

SETS = ["--set", "population.residents=5000", "--set", 'run.end_date="2024-06-30"']


def test_compare_prints_the_paired_table_and_a_progress_bar(tmp_path, capsys):
    reform = tmp_path / "reform.toml"
    reform.write_text('[scenario]\nname = "reform"\nextends = "baseline"\n'
                      '[data]\nsystems_in_use = { value = 3, source = "test" }\n', encoding="utf-8")
    code = main(["compare", "--scenarios", f"baseline,{reform}", "--reps", "2", "--years", "2024",
                 "--executor", "serial", "--results", str(tmp_path / "r"), "--no-report", *SETS])
    out, err = capsys.readouterr()
    assert code == 0
    assert "2024: path - baseline" in out and "Systems in use" in out and "reform" in out
    assert "4/4" in err and ("run/s" in err or "s/run" in err)  # count and rate


def test_sweep_then_query_the_store(tmp_path, capsys):
    exp = tmp_path / "e.toml"
    exp.write_text(textwrap.dedent("""
        [experiment]
        name = "e"
        replications = 1
        [constants]
        "population.residents" = 5000
        "run.end_date" = "2024-06-30"
        [[parameters]]
        key = "staff.work_hours_per_day"
        values = [8.0, 10.0]
    """), encoding="utf-8")
    assert main(["sweep", str(exp), "--executor", "serial", "--results", str(tmp_path / "r"),
                 "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "satisfaction" in out and "2 runs planned" in out
    assert main(["results", "query", "SELECT count(*) AS n FROM runs WHERE status = 'ok'",
                 "--results", str(tmp_path / "r")]) == 0
    assert capsys.readouterr().out.split()[-1] == "2"


def test_a_bad_experiment_file_is_one_line_and_exit_2(tmp_path, capsys):
    exp = tmp_path / "bad.toml"
    exp.write_text('[sampler]\nmethod = "grid"\n', encoding="utf-8")
    assert main(["sweep", str(exp), "--results", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "sampler.method" in err and "grid" in err
    assert not (tmp_path / "r").exists()  # nothing written


def test_bad_sql_is_one_line_and_exit_2(tmp_path, capsys):
    from sim.experiment.store import Store

    store = Store(tmp_path, "e")
    store.write_run({"run_id": "a", "run_index": 0, "status": "ok"}, {})
    assert main(["results", "query", "SELEC nonsense", "--results", str(tmp_path)]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
