#!/usr/bin/env bash
# Make sure headless Chromium, its WebDriver and a CJK font are installed (Debian/Ubuntu).
# The report's browser test and `streetsim report --png` need them. Does nothing when
# Chromium and chromedriver are already on PATH; needs root (or sudo) to install.
set -euo pipefail
have() { command -v "$1" >/dev/null 2>&1; }
if (have chromium || have chromium-browser || have google-chrome) && have chromedriver; then
  exit 0
fi
if ! have apt-get; then
  echo "ensure_chromium: no apt-get here; install Chromium and chromedriver by hand" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if have sudo; then SUDO="sudo"; else echo "ensure_chromium: need root to install Chromium" >&2; exit 1; fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# Debian names the packages chromium/chromium-driver; Ubuntu's chromium-browser is a snap shim.
if apt-cache show chromium >/dev/null 2>&1; then
  $SUDO apt-get install -y -q chromium chromium-driver fonts-noto-cjk
else
  $SUDO apt-get install -y -q chromium-browser chromium-chromedriver fonts-noto-cjk
fi
