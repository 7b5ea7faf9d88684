"""``streetsim calibrate SCENARIO --check`` (the baseline against brief §7) and
``--fit PARAM ...`` (fit named parameters to the patterns, write a calibrated scenario)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from sim.calibration import check
from sim.commands import options
from sim.params.errors import InputError
from sim.scenarios import load_scenario


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``calibrate`` subcommand."""
    p = sub.add_parser("calibrate", help="check (or fit) the calibration against brief §7")
    p.add_argument("scenario", help="scenario name or .toml file")
    p.add_argument("--check", action="store_true", help="check the patterns (exit 1 if any fails)")
    p.add_argument("--fit", nargs="+", metavar="PARAM", default=None,
                   help="fit these parameters (KEY or KEY=LO:HI; default range +/-30%%, schema-clipped)")
    p.add_argument("--trials", type=options.count(), default=30, help="fit: optuna trials (default 30)")
    p.add_argument("--out", type=Path, default=None,
                   help="fit: calibrated scenario file (default results/calibration/<name>_calibrated.toml)")
    p.add_argument("--reps", type=options.count(), default=None,
                   help="replications (check: default 20, at least 2; fit: per trial, default: the "
                        "fewest whose loss noise is at most --noise, up to --max-reps)")
    p.add_argument("--max-reps", type=options.count(), default=20,
                   help="fit: most replications to choose (default 20)")
    p.add_argument("--noise", type=float, default=0.1,
                   help="fit: largest replication noise (s.d.) of the loss when choosing replications")
    p.add_argument("--pilot", type=options.count(), default=8,
                   help="fit: pilot replications estimating the noise")
    p.add_argument("--profile-points", type=options.count(), default=5,
                   help="fit: points of each loss profile")
    p.add_argument("--seed", type=options.seed, default=20240101, help="experiment seed")
    p.add_argument("--workers", type=options.count(1, 4096), default=None,
                   help="processes (default: all cores)")
    p.add_argument("--no-progress", dest="progress", action="store_false", help="hide the progress bar")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Fit (with ``--fit``) or run the check and print the table; exit 1 if a check fails."""
    if args.fit:
        return fit_main(args)
    reps = 20 if args.reps is None else args.reps
    if reps < 2:
        raise InputError(None, "--reps", reps, "at least 2 replications")
    scenario = load_scenario(args.scenario)
    from sim.experiment.progress import progress_bar

    with progress_bar(reps, "calibrate --check", args.progress) as bar:
        table = check(scenario, reps=reps, seed=args.seed, workers=args.workers,
                      progress=lambda: bar.update(1))
    print_check(table, f"calibration check: {scenario.name}, {reps} replications, seed {args.seed}")
    failed = int((~table["pass"]).sum())
    return 1 if failed else 0


def print_check(table: pd.DataFrame, title: str) -> None:
    """Print the check table: emergent patterns, then input-driven ones apart."""
    show = table.copy()
    show["pass"] = show["pass"].map({True: "pass", False: "FAIL"})
    cols = ["pattern", "target", "tolerance", "mean", "ci_low", "ci_high", "pass"]
    with pd.option_context("display.width", 200, "display.max_colwidth", 60,
                           "display.float_format", "{:.3f}".format):
        print(title)
        for origin, head in (("emergent", "Emergent patterns (test the model):"),
                             ("input-driven", "Input-driven patterns (reproduced by construction from "
                                              "one input; they check the input only):")):
            part = show[show["origin"] == origin]
            print(f"\n{head}")
            extra = ["driven_by"] if origin == "input-driven" else []
            print(part[cols + extra].to_string(index=False))
    from sim.calibration import VALIDATION_PATTERNS

    print("\nValidation patterns (never fitted; checked by streetsim validate): "
          + "; ".join(f"{v.label} ({v.source})" for v in VALIDATION_PATTERNS))
    for origin in ("emergent", "input-driven"):
        part = table[table["origin"] == origin]
        print(f"{origin}: {int(part['pass'].sum())} of {len(part)} passed")


def fit_main(args: argparse.Namespace) -> int:
    """Fit the parameters for publication (replications chosen for a smooth loss, loss
    profiles, identifiability, held-out seeds), print it all, and write the calibrated
    scenario (identifiable parameters only), the tables and the provenance record."""
    import json

    from sim.experiment.executors import make_executor
    from sim.experiment.fit import (
        fit_for_publication,
        git_state,
        parse_fit_args,
        profile_curve,
        provenance_record,
        write_calibrated,
    )

    if (args.reps is not None and args.reps < 1) or args.trials < 1 or args.max_reps < 2 \
            or args.pilot < 2 or args.profile_points < 3 or not args.noise > 0:
        raise InputError(None, "--reps/--trials/--max-reps/--pilot/--profile-points/--noise",
                         (args.reps, args.trials, args.max_reps, args.pilot, args.profile_points, args.noise),
                         "positive --reps and --trials, --max-reps and --pilot >= 2, --profile-points >= 3, "
                         "--noise > 0")
    scenario = load_scenario(args.scenario)
    params = parse_fit_args(scenario, args.fit)
    out = args.out or Path("results") / "calibration" / f"{scenario.name}_calibrated.toml"
    from sim.io import check_out_file

    check_out_file(out, "--out", (".toml",))
    code = git_state()
    with make_executor("process", args.workers) as ex:
        pub = fit_for_publication(scenario, params, trials=args.trials, reps=args.reps, seed=args.seed,
                                  executor=ex, pilot=args.pilot, max_reps=args.max_reps,
                                  noise_tolerance=args.noise, profile_points=args.profile_points,
                                  progress=args.progress)
    result = pub.fit
    command = " ".join(["streetsim calibrate", args.scenario, "--fit", *args.fit, "--trials",
                        str(args.trials), "--reps", str(pub.reps), "--seed", str(args.seed)])
    record = provenance_record(pub, scenario, command, out, code)
    fmt = {"display.width": 200, "display.max_colwidth": 48, "display.float_format": "{:.4g}".format}
    with pd.option_context(*[x for kv in fmt.items() for x in kv]):
        how = "given"
        if pub.reps_chosen:
            how = (f"chosen: the fewest with loss noise <= {args.noise:g}" if pub.noise <= args.noise
                   else f"the most --max-reps allows, loss noise still above {args.noise:g}")
        print(f"fit {scenario.name}: {args.trials} trials x {pub.reps} replications ({how}; "
              f"loss noise s.d. {pub.noise:.4g} from {args.pilot} pilot runs), seed {args.seed}")
        print(f"commit {record['commit'] or '(unknown)'}"
              + (" with uncommitted changes" if record["uncommitted_changes"] else ""))
        print("\nLoss profile of each parameter (the others at their fitted values, same seeds):")
        for key, g in profile_curve(pub.profile).groupby("parameter", sort=False):
            print(f"  {key}: " + "  ".join(f"{v:.4g} -> {lo:.5g}" for v, lo in zip(g["value"], g["loss"])))
        ident = pub.identifiable.copy()
        ident["verdict"] = ident["identifiable"].map(
            {True: "identifiable", False: "NOT IDENTIFIABLE (flat loss): not written back"})
        ident["start"] = [result.start[k] for k in ident["parameter"]]
        ident["fitted"] = [result.best[k] for k in ident["parameter"]]
        cols = ["parameter", "start", "fitted", "spread", "spread_ci_low", "verdict"]
        print(ident[cols].to_string(index=False))
        print(f"\nHeld-out check: {len(pub.held_out_seeds)} seeds never used by the fit, start vs "
              "fitted (identifiable parameters only), 95% CI")
        h = pub.held_out
        show = pd.DataFrame({
            "pattern": h["pattern"], "band": [f"[{a:g}, {b:g}]" for a, b in zip(h["lo"], h["hi"])],
            "start": [f"{m:.3f} [{a:.3f}, {b:.3f}]" for m, a, b in zip(h["start"], h["start_ci_low"],
                                                                      h["start_ci_high"])],
            "fitted": [f"{m:.3f} [{a:.3f}, {b:.3f}]" for m, a, b in zip(h["fitted"], h["fitted_ci_low"],
                                                                       h["fitted_ci_high"])],
            "pass": [f"{'pass' if a else 'FAIL'} -> {'pass' if b else 'FAIL'}"
                     for a, b in zip(h["pass_start"], h["pass_fitted"])]})
        print(show.to_string(index=False))
        s = pub.held_out_loss
        print(f"held-out loss: start {s['loss_start']:.4g} [{s['loss_start_ci_low']:.4g}, "
              f"{s['loss_start_ci_high']:.4g}], fitted {s['loss_fitted']:.4g} "
              f"[{s['loss_fitted_ci_low']:.4g}, {s['loss_fitted_ci_high']:.4g}]; passed "
              f"{int(h['pass_start'].sum())} -> {int(h['pass_fitted'].sum())} of {len(h)} patterns")
    out.parent.mkdir(parents=True, exist_ok=True)
    stem = out.with_name(out.stem)
    result.table.to_csv(f"{stem}_fit.csv", index=False)
    result.trials.to_csv(f"{stem}_trials.csv", index=False)
    pub.profile.to_csv(f"{stem}_profile.csv", index=False)
    pub.held_out.to_csv(f"{stem}_held_out.csv", index=False)
    record_path = Path(f"{stem}_fit.json")
    record_path.write_text(json.dumps(record, indent=2, default=str), encoding="utf-8")
    if pub.written:
        dirty = " (uncommitted changes)" if record["uncommitted_changes"] else ""
        header = [f"commit {record['commit']}{dirty}",
                  f"seeds: see {record_path.name}; not identifiable, not written: "
                  f"{', '.join(record['not_identifiable']) or 'none'}"]
        path = write_calibrated(result, scenario, out, command, keys=list(pub.written), header=header)
        print(f"wrote calibrated scenario: {path} ({', '.join(pub.written)})")
    else:
        print("no identifiable parameter: no calibrated scenario written")
    print(f"wrote fit record (commit, seeds, files): {record_path}")
    print(f"wrote tables: {stem}_fit.csv, _trials.csv, _profile.csv, _held_out.csv")
    return 0
