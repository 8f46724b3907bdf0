#!/usr/bin/env bash
# Debian's PostgreSQL for the tests that run the store on a server (givingday/ops/pg_server.py starts a throw-away one
# with its initdb and pg_ctl). Does nothing when they are already there.
set -euo pipefail
source "$(dirname "$0")/apt.sh"
missing=()
command -v initdb >/dev/null 2>&1 || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
apt_install "The PostgreSQL tests" "${missing[@]}"
