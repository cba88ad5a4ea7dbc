#!/bin/sh
# `systemd-analyze verify --user` on installed unit files; any diagnostic it prints, warnings included (an unknown
# key such as "OnCalender=" is only a warning to systemd), fails. Used by scripts/test-install.py and make test.
# usage: scripts/verify-units.sh UNIT_FILE...
# The units must be installed where their ExecStart= points (systemd checks that the binary is executable), so a
# DESTDIR staging tree cannot be verified as it stands: `--root` does not work with `--user` (systemd 252 says
# "Failed to initialize unit search paths ... Invalid argument"). scripts/test-install.py verifies a PREFIX install.
set -eu
[ $# -gt 0 ] || { echo "usage: $0 UNIT_FILE..." >&2; exit 2; }
# Without a login session (CI, containers) there is no XDG_RUNTIME_DIR, and systemd-analyze cannot start the user
# manager it verifies with ("Failed to lookup RuntimeDirectory path"): give it an empty private one.
made=
if [ -z "${XDG_RUNTIME_DIR:-}" ] || [ ! -d "$XDG_RUNTIME_DIR" ]; then
    made=$(mktemp -d)
    XDG_RUNTIME_DIR=$made
    export XDG_RUNTIME_DIR
fi
status=0
out=$(systemd-analyze verify --user --man=no "$@" 2>&1) || status=$?
[ -z "$made" ] || rmdir "$made" 2>/dev/null || true
if [ -n "$out" ]; then printf '%s\n' "$out"; fi
if [ "$status" -ne 0 ]; then echo "verify-units: systemd-analyze verify failed (status $status)" >&2; exit 1; fi
if [ -n "$out" ]; then echo "verify-units: systemd-analyze printed the findings above; they count as errors" >&2; exit 1; fi
echo "verify-units: $# unit files verified by systemd-analyze verify --user"
