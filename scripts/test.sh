#!/usr/bin/env bash
# Install into a fresh virtual environment and run the whole test suite (quick + slow).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${STREETSIM_PYTHON:-python3.12}"
"$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test]"
.venv/bin/python -m pytest -q -m "not slow"
.venv/bin/python -m pytest -q -m slow
