# Shared by scripts/serve and scripts/test, which source it: functions to find or install uv
# and to sync the locked environment. It reads none of the caller's arguments.
#
# uv comes from the PATH, else from a private virtualenv in .tools/ (gitignored) that this
# file makes with the system's python3 (3.11 or newer): pip may not install into a
# distribution's Python (PEP 668, "externally-managed-environment"), but into a virtualenv
# it may. On Debian and Ubuntu, venv needs the python3-venv package (ensurepip).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

TOOLS="$PWD/.tools"
UV_SPEC="uv>=0.5,<1"

say() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() { say "$@"; exit 1; }

# apt_install PACKAGE...: Debian/Ubuntu packages, as root or through sudo.
apt_install() {
    command -v apt-get >/dev/null 2>&1 || return 1
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    say "installing $* (apt-get)"
    $sudo apt-get update -qq &&
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

require_python() {
    command -v python3 >/dev/null 2>&1 ||
        die "python3 not found: Bastion needs Python 3.11 or newer (Debian/Ubuntu:" \
            "apt-get install python3 python3-venv), or uv on the PATH."
    local version major minor
    version="$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')" ||
        die "python3 does not run (above)."
    IFS=. read -r major minor <<<"$version"
    if [ "$major" -lt 3 ] || { [ "$major" -eq 3 ] && [ "$minor" -lt 11 ]; }; then
        die "python3 is Python $version: Bastion needs 3.11 or newer (or uv on the PATH)."
    fi
}

# python3 -m venv needs ensurepip, which Debian and Ubuntu ship apart as python3-venv:
# installed here when running as root (CI), named otherwise.
require_venv() {
    python3 -c 'import ensurepip; ensurepip.version()' >/dev/null 2>&1 && return
    if [ "$(id -u)" -eq 0 ] && apt_install python3-venv; then
        return
    fi
    die "python3 cannot make a virtualenv for uv: ensurepip is missing." \
        "On Debian/Ubuntu: sudo apt-get install python3-venv (or install uv yourself)."
}

install_uv() {
    local venv="$TOOLS/uv"
    require_python
    require_venv
    say "installing uv into $venv (a private virtualenv)"
    rm -rf "$venv"
    if ! python3 -m venv "$venv"; then
        rm -rf "$venv"
        die "python3 -m venv $venv failed (above)."
    fi
    if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$UV_SPEC"; then
        rm -rf "$venv"
        die "pip could not install uv into $venv (above)."
    fi
}

# Puts uv on the PATH; only uv: the virtualenv's python stays off it.
require_uv() {
    command -v uv >/dev/null 2>&1 && return
    [ -x "$TOOLS/uv/bin/uv" ] || install_uv
    mkdir -p "$TOOLS/bin"
    ln -sfn ../uv/bin/uv "$TOOLS/bin/uv"
    export PATH="$TOOLS/bin:$PATH"
}

# sync_environment [uv sync option...]: the locked dependencies into .venv.
sync_environment() {
    require_uv
    uv sync --quiet --frozen "$@" || die "uv sync failed (above)."
}
