#!/usr/bin/env bash
# Install into a fresh virtual environment and run the main job: the scenario comparison
# (baseline and the four reform paths, 30 replications, common random numbers) into the
# embedded results store under results/, ending with the HTML report.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${STREETSIM_PYTHON:-python3.12}"
"$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e .
.venv/bin/streetsim compare "$@"
