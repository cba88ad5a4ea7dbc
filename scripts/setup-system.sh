#!/bin/sh
# Installs the Debian/Ubuntu packages Crampwatch needs, only those missing.
# Needs root or sudo the first time; afterwards it only checks.
set -eu
PACKAGES="libusb-1.0-0-dev libsqlite3-dev pkg-config ${EXTRA_APT_PACKAGES:-}"
missing=""
for p in $PACKAGES; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "crampwatch setup: installing$missing"
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
fi
if ! command -v swift >/dev/null 2>&1; then
    echo "crampwatch setup: swift is not on PATH. Install Swift 6.1 or newer from https://swift.org/install and try again." >&2
    exit 1
fi
# Python tools the tests use: timescoring (metric agreement).
if ! python3 -c "import timescoring" >/dev/null 2>&1; then
    echo "crampwatch setup: installing the Python package timescoring"
    python3 -m pip install --quiet timescoring || python3 -m pip install --quiet --break-system-packages timescoring
fi
