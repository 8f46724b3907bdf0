#!/usr/bin/env bash
# Sourced by the install_*.sh scripts: `apt_install WHO PACKAGE...` installs Debian packages as root, or says
# how to. Nothing to install (no PACKAGE) does nothing.
apt_install() {
    local who=$1
    shift
    if [ $# -eq 0 ]; then
        return 0
    fi
    if [ "$(id -u)" -ne 0 ]; then
        echo "$who needs Debian's $*; run as root: apt-get install -y $*" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    # Another install running at the same time (a second make, the machine's own updates) holds dpkg's lock:
    # wait for it rather than fail.
    apt-get -o DPkg::Lock::Timeout=600 update -qq
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq "$@" >/dev/null
}
