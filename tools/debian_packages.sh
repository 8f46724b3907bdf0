#!/usr/bin/env bash
# Sourced by the install_*.sh scripts: `install_debian WHAT PACKAGE...` installs Debian packages as root, or
# says which command to run as root and fails.
install_debian() {
    local what=$1
    shift
    if [ "$(id -u)" -ne 0 ]; then
        echo "$what: Debian's $* missing; run as root: apt-get install -y $*" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "$@" >/dev/null
}
