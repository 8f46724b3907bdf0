#!/usr/bin/env bash
# What the leadership report needs beyond Python packages, from Debian: a Chinese font for the PDF
# (fonts-noto-cjk) and, for the tests that read the PDF back, poppler-utils (pdftotext, pdftoppm, pdffonts).
# Does nothing when both are there.
set -euo pipefail
source "$(dirname "$0")/debian_packages.sh"
missing=()
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing+=(fonts-noto-cjk)
command -v pdftotext >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
install_debian "The report" "${missing[@]}"
