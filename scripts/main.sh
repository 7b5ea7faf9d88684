#!/usr/bin/env bash
# Install into a fresh virtual environment and run the main job: the scenario comparison
# (baseline and the four reform paths, 30 replications, common random numbers) into the
# embedded results store under results/, ending with the HTML report.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="$(bash scripts/find_python.sh)"
echo "using $("$PY" --version 2>&1) at $PY"
# STREETSIM_ONLY_FIND_PYTHON=1 stops here (tests/test_scripts.py checks the search alone)
[ -z "${STREETSIM_ONLY_FIND_PYTHON:-}" ] || exit 0
"$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e .
# compile the model's kernels once (a fresh checkout has no cache; workers then load it)
.venv/bin/python -m sim.warmup
.venv/bin/streetsim compare "$@"
