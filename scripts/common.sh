# Shared by demo.sh and test-all.sh: find or install the tools they need.
# shellcheck shell=sh

say() { printf '\n==> %s\n' "$*"; }

# ensure_tools CMD:PACKAGE ...  installs missing Debian packages when running as root.
# A CMD starting with / is a file that the package provides.
ensure_tools() {
    missing=""
    for pair in "$@"; do
        what=${pair%%:*}
        case "$what" in
        /*) [ -e "$what" ] || missing="$missing ${pair#*:}" ;;
        *) command -v "$what" >/dev/null 2>&1 || missing="$missing ${pair#*:}" ;;
        esac
    done
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "installing$missing"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
    else
        echo "missing tools; install them first:$missing" >&2
        exit 1
    fi
}

# make_venv DIR: a virtual environment with an up-to-date pip.
make_venv() {
    [ -x "$1/bin/python" ] || python3 -m venv "$1"
    "$1/bin/python" -m pip install -q --upgrade pip
}
