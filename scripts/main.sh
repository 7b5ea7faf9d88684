#!/usr/bin/env bash
# Install into a fresh virtual environment and run the main job.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${STREETSIM_PYTHON:-python3.12}"
"$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e .
.venv/bin/streetsim run baseline --seed 1 --out results/baseline-seed1
