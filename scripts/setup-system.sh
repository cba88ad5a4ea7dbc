#!/bin/sh
# Installs the Debian/Ubuntu packages Crampwatch needs, only those missing.
# Needs root or sudo the first time; afterwards it only checks.
set -eu
# systemd: `systemd-analyze verify` checks the installed user units in `make test` (scripts/verify-units.sh).
# chromium-driver, python3-selenium: the web app in a real browser (Tests/WebAppTests); wrk: its load test; curl: its
# HTTP tests; poppler-utils: pdfinfo, which counts the printed pages of the clinician page (Tests/ReportsTests,
# Tests/CLITests).
# postgresql: the study tests (Tests/StudySyncTests) start their own PostgreSQL 15 server from its binaries
# (/usr/lib/postgresql/15/bin: initdb, pg_ctl) in a temporary folder.
PACKAGES="libusb-1.0-0-dev libsqlite3-dev sqlite3 pkg-config python3 python3-pip umockdev libumockdev-dev libglib2.0-dev systemd chromium-driver python3-selenium wrk curl poppler-utils postgresql ${EXTRA_APT_PACKAGES:-}"
# install_missing WHAT APT_OPTIONS PACKAGE...: installs those of the packages dpkg does not know, saying
# "crampwatch setup: WHAT" and their names; one function so that both lists are checked and installed alike.
install_missing() {
    what=$1 options=$2
    shift 2
    missing=""
    for p in "$@"; do
        dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
    done
    if [ -n "$missing" ]; then
        echo "crampwatch setup: $what$missing"
        if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $options $missing
    fi
}
install_missing "installing" "" $PACKAGES
# Firmware toolchains (make -C Firmware test): the ATmega32U4 build (gcc-avr, avr-libc, the Arduino
# AVR core's USB stack) and the Cortex-M4 run under QEMU (gcc-arm-none-eabi, newlib, qemu-system-arm).
FIRMWARE_PACKAGES="gcc-avr avr-libc arduino-core-avr gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm"
install_missing "installing the firmware toolchains:" "--no-install-recommends" $FIRMWARE_PACKAGES
if ! command -v swift >/dev/null 2>&1; then
    echo "crampwatch setup: swift is not on PATH. Install Swift 6.1 or newer from https://swift.org/install and try again." >&2
    exit 1
fi
# Python tools the tests use: timescoring (metric agreement).
if ! python3 -c "import timescoring" >/dev/null 2>&1; then
    echo "crampwatch setup: installing the Python package timescoring"
    python3 -m pip install --quiet timescoring || python3 -m pip install --quiet --break-system-packages timescoring
fi

# Independent EDF readers for the recordings tests (Tests/RecordingsTests/edf_check.py): pyedflib, edfio, MNE.
PY_PACKAGES="pyedflib edfio mne"
if ! python3 -c "import pyedflib, edfio, mne" >/dev/null 2>&1; then
    echo "crampwatch setup: installing Python packages $PY_PACKAGES (for the EDF tests)"
    python3 -m pip install --quiet $PY_PACKAGES 2>/dev/null \
        || python3 -m pip install --quiet --break-system-packages $PY_PACKAGES \
        || { echo "crampwatch setup: could not install $PY_PACKAGES with pip; the EDF tests will fail until they are installed." >&2; exit 1; }
fi

# The independent test nights (Tests/IndependentNights): numpy to generate them, pytest to check the generator.
if ! python3 -c "import numpy, pytest" >/dev/null 2>&1; then
    echo "crampwatch setup: installing the Python packages numpy and pytest (independent test nights)"
    python3 -m pip install --quiet numpy pytest 2>/dev/null \
        || python3 -m pip install --quiet --break-system-packages numpy pytest
fi

# BrainFlow, the reference the Cyton reader is checked against (Tests/DeviceProtocolTests/CytonBrainFlowTests.swift):
# pinned to 5.23 so a change of BrainFlow cannot change what "agrees" means. Without it that test is skipped, so a
# failed install fails the setup (and with it `make test` and CI) rather than letting the comparison go unseen; the
# import is checked again after pip, since a wheel can install and still not load (its native library).
BRAINFLOW_CHECK="import sys; from brainflow.board_shim import BoardShim; \
sys.exit(not BoardShim.get_version().startswith('5.23'))"
if ! python3 -c "$BRAINFLOW_CHECK" >/dev/null 2>&1; then
    echo "crampwatch setup: installing the Python package brainflow 5.23 (for the Cyton tests)"
    python3 -m pip install --quiet "brainflow==5.23.*" 2>/dev/null \
        || python3 -m pip install --quiet --break-system-packages "brainflow==5.23.*" \
        || true
    if ! python3 -c "$BRAINFLOW_CHECK"; then
        echo "crampwatch setup: could not install brainflow 5.23 with pip (above: why it does not import);" \
             "the Cyton test against BrainFlow needs it." >&2
        exit 1
    fi
fi

# axe-core for the web app's accessibility check, for Debian's python3 (where python3-selenium is).
if ! /usr/bin/python3 -c "import axe_selenium_python" >/dev/null 2>&1; then
    echo "crampwatch setup: installing the Python package axe-selenium-python (for the browser tests)"
    /usr/bin/python3 -m pip install --quiet axe-selenium-python 2>/dev/null \
        || /usr/bin/python3 -m pip install --quiet --break-system-packages axe-selenium-python \
        || { echo "crampwatch setup: could not install axe-selenium-python; the browser tests will fail." >&2; exit 1; }
fi
