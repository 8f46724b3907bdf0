#!/usr/bin/env bash
# Chromium and CJK fonts from Debian for the browser tests (Playwright drives /usr/bin/chromium; its own
# browser download does not work here). Does nothing when both are already there.
set -euo pipefail
source "$(dirname "$0")/apt.sh"
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing+=(fonts-noto-cjk)
apt_install "The browser tests" "${missing[@]}"
