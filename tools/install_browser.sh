#!/usr/bin/env bash
# Chromium and CJK fonts from Debian for the browser tests (Playwright drives /usr/bin/chromium; its own
# browser download does not work here). Does nothing when both are already there.
set -euo pipefail
source "$(dirname "$0")/debian_packages.sh"
if command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
    exit 0
fi
install_debian "The browser tests" chromium fonts-noto-cjk
