#!/usr/bin/env bash
# Find a Python >= 3.12 (mesa 3.5 needs it) and print its path on stdout.
# Used by scripts/main.sh, scripts/test.sh and .ci/run:  PY="$(bash scripts/find_python.sh)"
# Order: $STREETSIM_PYTHON, then python3.12, python3.13, python3.14, python3 and python on
# PATH, then pyenv's installed versions, then /usr/bin and /usr/local/bin. A candidate counts
# only if it actually runs and reports >= 3.12, so a pyenv shim for a version that is not
# installed ("command not found", exit 127) is skipped.
set -uo pipefail

works() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; }

if [ -n "${STREETSIM_PYTHON:-}" ]; then
  if works "$STREETSIM_PYTHON"; then command -v "$STREETSIM_PYTHON" || echo "$STREETSIM_PYTHON"; exit 0; fi
  echo "STREETSIM_PYTHON=$STREETSIM_PYTHON does not run as Python >= 3.12" >&2
  exit 1
fi
for cand in python3.12 python3.13 python3.14 python3 python; do
  if command -v "$cand" >/dev/null 2>&1 && works "$cand"; then command -v "$cand"; exit 0; fi
done
for cand in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python3 \
            /usr/bin/python3.1[2-9] /usr/local/bin/python3.1[2-9]; do
  if [ -x "$cand" ] && works "$cand"; then echo "$cand"; exit 0; fi
done
cat >&2 <<'MSG'
streetsim needs Python >= 3.12 (with the venv module and pip), and none was found:
  python3.12, python3.13, python3.14, python3 and python on PATH, pyenv's versions,
  /usr/bin and /usr/local/bin were tried (a candidate must run and report >= 3.12).
Install one (e.g. `pyenv install 3.12`, `apt-get install python3.12 python3.12-venv`,
or `uv python install 3.12`), or point STREETSIM_PYTHON at it:
  STREETSIM_PYTHON=/path/to/python3.12 bash scripts/main.sh
MSG
exit 1
