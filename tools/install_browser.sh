#!/usr/bin/env bash
# Chromium and CJK fonts from Debian for the browser tests (Playwright drives /usr/bin/chromium; its own
# browser download does not work here). Does nothing when both are already there.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "The browser tests need Debian's chromium and fonts-noto-cjk; run as root: apt-get install -y chromium fonts-noto-cjk" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
