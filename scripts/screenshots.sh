#!/usr/bin/env bash
# The README's screenshots, from headless Chromium: the report and the live explorer.
#   bash scripts/screenshots.sh [REPORT_HTML]     (default results/compare/report.html)
# Writes docs/img/report.png and docs/img/explorer.png and prints their paths.
set -euo pipefail
cd "$(dirname "$0")/.."
REPORT="${1:-results/compare/report.html}"
PY="${STREETSIM_PY:-.venv/bin/python}"
[ -x "$PY" ] || PY="$(command -v python3)"
CHROME="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
[ -n "$CHROME" ] || { echo "screenshots: needs Chromium (bash scripts/ensure_chromium.sh)" >&2; exit 1; }
[ -f "$REPORT" ] || { echo "screenshots: no report at $REPORT (run bash scripts/main.sh first)" >&2; exit 1; }
mkdir -p docs/img
FLAGS=(--headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking
       --disable-component-update --hide-scrollbars --window-size=1400,1000)

# the report: its first screen (header, scorecard figure and table), after the figures draw
"$CHROME" "${FLAGS[@]}" --virtual-time-budget=15000 --screenshot="$PWD/docs/img/report.png" \
  "file://$(realpath "$REPORT")#scorecard" 2>/dev/null
echo "wrote docs/img/report.png"

# the explorer: serve it, run two years in the browser, then screenshot (selenium drives Chromium)
PORT="${EXPLORE_PORT:-8766}"
"$PY" -m sim.cli explore --port "$PORT" >/tmp/streetsim-explore-$$.log 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
"$PY" - "$CHROME" "$PORT" "$PWD/docs/img/explorer.png" <<'PYEOF'
import sys, time, urllib.request
from selenium import webdriver
from selenium.webdriver.common.by import By
chrome, port, out = sys.argv[1], sys.argv[2], sys.argv[3]
url = f"http://localhost:{port}/"
end = time.time() + 240
while True:
    try:
        urllib.request.urlopen(url, timeout=5)
        break
    except OSError:
        if time.time() > end:
            sys.exit("screenshots: the explorer did not start")
        time.sleep(1)
opts = webdriver.ChromeOptions()
opts.binary_location = chrome
for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
          "--disable-background-networking", "--disable-component-update", "--window-size=1400,1000"):
    opts.add_argument(a)
d = webdriver.Chrome(options=opts)
try:
    d.get(url)
    def step():
        return next((b for b in d.find_elements(By.TAG_NAME, "button") if b.text.strip().lower() == "step"), None)
    while step() is None and time.time() < end:
        time.sleep(1)
    for year in ("2024", "2025"):
        step().click()
        while time.time() < end and not any(year in e.text for e in d.find_elements(By.CSS_SELECTOR, ".gtitle")):
            time.sleep(1)
    time.sleep(2)
    d.save_screenshot(out)
finally:
    d.quit()
PYEOF
echo "wrote docs/img/explorer.png"
