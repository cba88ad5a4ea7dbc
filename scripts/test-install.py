#!/usr/bin/env python3
"""`make install` and `make uninstall` as a person runs them, into temporary places (part of `make test`).

Checks, each failing the run with what it found:
  * PREFIX install: exactly the expected files, their modes, the binary identical to the release build and
    answering --help, BEDTIME/MORNING/KEEP_NIGHTS/OLD_CAPTURES and the binary's path filled into the units;
  * `systemd-analyze verify --user` passes on the installed units (scripts/verify-units.sh), and fails on a copy
    with a misspelt key, a bad time and a missing binary (so the gate is known to bite);
  * the default PREFIX (~/.local, with HOME pointed at a temporary folder): units in ~/.local/share/systemd/user;
  * DESTDIR staging for PREFIX=/usr: everything under DESTDIR, the udev rule in /usr/lib/udev/rules.d, and no
    DESTDIR path written into any file;
  * bad settings are refused before anything is installed; `make uninstall` removes every file it installed.
"""
import filecmp
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RELEASE = os.path.join(ROOT, ".build/release/crampwatch")
UNITS = ["crampwatch-monitor.service", "crampwatch-monitor.timer", "crampwatch-morning.service",
         "crampwatch-morning.timer"]
failures = []


def check(condition, message):
    print(("ok      " if condition else "FAILED  ") + message)
    if not condition:
        failures.append(message)


def run(args, env=None, cwd=ROOT):
    full = dict(os.environ)
    full.update(env or {})
    return subprocess.run(args, cwd=cwd, env=full, capture_output=True, text=True)


def make(target, env=None, **variables):
    # -s: make's own "Entering directory" lines would only clutter the output this test reads.
    return run(["make", "-s", target] + [f"{k}={v}" for k, v in variables.items()], env=env)


def files_under(top):
    found = {}
    for folder, _, names in os.walk(top):
        for name in names:
            path = os.path.join(folder, name)
            found[os.path.relpath(path, top)] = stat.S_IMODE(os.lstat(path).st_mode)
    return found


def unit_value(path, key):
    with open(path, encoding="utf-8") as f:
        return [line.split("=", 1)[1].strip() for line in f if line.startswith(key + "=")]


def verify(paths):
    return run([os.path.join(ROOT, "scripts/verify-units.sh")] + paths)


def check_prefix_install(tmp):
    prefix = os.path.join(tmp, "prefix")
    r = make("install", PREFIX=prefix, BEDTIME="23:15", MORNING="06:45", KEEP_NIGHTS="10", OLD_CAPTURES="edf")
    check(r.returncode == 0, f"make install PREFIX={prefix} succeeds ({r.stderr.strip()[-500:]})")
    units = os.path.join(prefix, "lib/systemd/user")
    expected = {"bin/crampwatch": 0o755, "share/crampwatch/70-crampwatch.rules": 0o644}
    expected.update({f"lib/systemd/user/{u}": 0o644 for u in UNITS})
    got = files_under(prefix)
    check(got == expected, f"installed files and modes: {sorted((k, oct(v)) for k, v in got.items())}")
    binary = os.path.join(prefix, "bin/crampwatch")
    check(os.path.exists(binary) and filecmp.cmp(binary, RELEASE, shallow=False),
          "the installed binary is the release build")
    help_text = run([binary, "--help"])
    check(help_text.returncode == 0 and "monitor" in help_text.stdout and "captures" in help_text.stdout,
          f"the installed binary runs --help (status {help_text.returncode})")
    monitor_help = run([binary, "monitor", "--help"]).stdout
    check("--wait-for-device" in monitor_help, "installed monitor --help lists --wait-for-device")
    check(unit_value(os.path.join(units, "crampwatch-monitor.service"), "ExecStart")
          == [f"{binary} monitor --wait-for-device"], "monitor ExecStart= is the installed binary's path")
    check(unit_value(os.path.join(units, "crampwatch-morning.service"), "ExecStart")
          == [f"{binary} captures prune --keep 10 --convert edf"], "morning ExecStart= prunes as asked")
    check(unit_value(os.path.join(units, "crampwatch-monitor.timer"), "OnCalendar") == ["*-*-* 23:15:00"],
          "BEDTIME=23:15 is the monitor timer's OnCalendar=")
    check(unit_value(os.path.join(units, "crampwatch-morning.timer"), "OnCalendar") == ["*-*-* 06:45:00"],
          "MORNING=06:45 is the morning timer's OnCalendar=")
    for u in UNITS:
        with open(os.path.join(units, u), encoding="utf-8") as f:
            text = f.read()
        # %h/.local/bin was the old, never-installed binary path; %h/.local/state (the captures' folder) is meant.
        check(not re.search(r"@[A-Z_]+@", text) and "%h/.local/bin" not in text, f"{u}: no placeholder left")
    morning = os.path.join(units, "crampwatch-morning.service")
    # systemd accepts a Conflicts=/After= naming a unit that does not exist, and a timer without its service.
    for name in unit_value(morning, "Conflicts") + unit_value(morning, "After"):
        check(name in UNITS, f"crampwatch-morning.service names an installed unit ({name})")
    check(unit_value(morning, "Type") == ["oneshot"], "the morning service is a oneshot")
    check(unit_value(os.path.join(units, "crampwatch-monitor.service"), "RuntimeMaxSec") == [],
          "the monitor has no RuntimeMaxSec= (its kill would count as a failure and restart it)")
    return prefix, units


def check_verify(tmp, units):
    paths = [os.path.join(units, u) for u in UNITS]
    r = verify(paths)
    check(r.returncode == 0, f"systemd-analyze verify --user passes on the installed units: {r.stdout}{r.stderr}")
    # The gate bites: the same units, broken three ways, each fail.
    broken = os.path.join(tmp, "broken")
    for what, unit, old, new in [("a misspelt key", "crampwatch-monitor.timer", "OnCalendar=", "OnCalender="),
                                 ("an impossible time", "crampwatch-morning.timer", "06:45:00", "26:45:00"),
                                 ("a missing binary", "crampwatch-monitor.service", "crampwatch monitor",
                                  "crampwatch-gone monitor")]:
        shutil.rmtree(broken, ignore_errors=True)
        os.makedirs(broken)
        for u in UNITS:
            shutil.copy(os.path.join(units, u), broken)
        with open(os.path.join(broken, unit), encoding="utf-8") as f:
            text = f.read()
        with open(os.path.join(broken, unit), "w", encoding="utf-8") as f:
            f.write(text.replace(old, new))
        r = verify([os.path.join(broken, u) for u in UNITS])
        check(r.returncode != 0, f"verify fails on {what} ({(r.stdout + r.stderr).strip().splitlines()[:1]})")


def check_default_prefix(tmp):
    home = os.path.join(tmp, "home")
    os.makedirs(home)
    runtime = tempfile.mkdtemp(dir=tmp)
    # A HOME of our own, and no user bus: uninstall must not reach the real user's systemd.
    env = {"HOME": home, "XDG_RUNTIME_DIR": runtime, "DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent"}
    for key in ("XDG_DATA_HOME", "XDG_CONFIG_HOME"):
        os.environ.pop(key, None)
    r = make("install", env=env)
    check(r.returncode == 0, f"make install with the default PREFIX succeeds ({r.stderr.strip()[-300:]})")
    # (The release build's check under this HOME leaves its caches in ~/.cache: only ~/.local is ours.)
    local = os.path.join(home, ".local")
    installed = files_under(local)
    check(set(installed) == {"bin/crampwatch", "share/crampwatch/70-crampwatch.rules"}
          | {f"share/systemd/user/{u}" for u in UNITS},
          f"default PREFIX: ~/.local/bin and ~/.local/share/systemd/user ({sorted(installed)})")
    check("systemctl --user daemon-reload && systemctl --user enable --now crampwatch-monitor.timer" in r.stdout,
          "install prints the commands that enable the timers")
    check("sudo install -m 0644 " + os.path.join(home, ".local/share/crampwatch/70-crampwatch.rules")
          + " /etc/udev/rules.d/70-crampwatch.rules" in r.stdout
          or "the udev rule is already installed" in r.stdout, "install prints the exact sudo command for udev")
    r = make("uninstall", env=env)
    check(r.returncode == 0 and files_under(local) == {}, f"make uninstall removes them all: {files_under(local)}")


def check_destdir(tmp):
    dest = os.path.join(tmp, "dest")
    r = make("install", PREFIX="/usr", DESTDIR=dest)
    check(r.returncode == 0, f"make install PREFIX=/usr DESTDIR=... succeeds ({r.stderr.strip()[-300:]})")
    got = files_under(dest)
    expected = {"usr/bin/crampwatch": 0o755, "usr/share/crampwatch/70-crampwatch.rules": 0o644,
                "usr/lib/udev/rules.d/70-crampwatch.rules": 0o644}
    expected.update({f"usr/lib/systemd/user/{u}": 0o644 for u in UNITS})
    check(got == expected, f"DESTDIR layout for PREFIX=/usr: {sorted((k, oct(v)) for k, v in got.items())}")
    check(unit_value(os.path.join(dest, "usr/lib/systemd/user/crampwatch-monitor.service"), "ExecStart")
          == ["/usr/bin/crampwatch monitor --wait-for-device"], "under DESTDIR, ExecStart= is the final path")
    leaked = [p for p in got if p != "usr/bin/crampwatch"
              and dest in open(os.path.join(dest, p), encoding="utf-8").read()]
    check(leaked == [], f"no installed file names the DESTDIR ({leaked})")
    r = make("uninstall", PREFIX="/usr", DESTDIR=dest)
    check(r.returncode == 0 and files_under(dest) == {}, f"make uninstall with DESTDIR leaves nothing: "
          f"{files_under(dest)}")


def check_refusals(tmp):
    for variables, words in [({"BEDTIME": "25:00"}, "BEDTIME must be HH:MM"),
                             ({"KEEP_NIGHTS": "0"}, "KEEP_NIGHTS must be"),
                             ({"OLD_CAPTURES": "zip"}, "OLD_CAPTURES must be"),
                             ({"PREFIX": os.path.join(tmp, "with space")}, "character systemd's ExecStart"),
                             ({"PREFIX": "relative/prefix"}, "must be an absolute path")]:
        target = os.path.join(tmp, "refused")
        settings = {"PREFIX": target}
        settings.update(variables)
        # The script itself: `make install` would first check the release build once more for each case.
        env = {k: v for k, v in settings.items()}
        env["BINARY"] = RELEASE
        r = run([os.path.join(ROOT, "scripts/install.sh"), "install"], env=env)
        nothing = not os.path.exists(target) and not os.path.exists(os.path.join(tmp, "with space"))
        check(r.returncode != 0 and words in r.stderr and nothing,
              f"refused before installing anything: {variables} ({r.stderr.strip().splitlines()[-1:]})")


def main():
    if not os.access(RELEASE, os.X_OK):
        print(f"test-install: {RELEASE} is not built; run `make build` (make test-install does)", file=sys.stderr)
        return 1
    tmp = tempfile.mkdtemp(prefix="cw-install-")
    try:
        _, units = check_prefix_install(tmp)
        check_verify(tmp, units)
        r = make("uninstall", PREFIX=os.path.join(tmp, "prefix"))
        left = files_under(os.path.join(tmp, "prefix"))
        check(r.returncode == 0 and left == {}, f"make uninstall PREFIX=... removes every installed file ({left})")
        check_default_prefix(tmp)
        check_destdir(tmp)
        check_refusals(tmp)
    finally:
        if os.environ.get("KEEP"):
            print(f"KEEP: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"test-install: {len(failures)} failed" if failures else "test-install: every check passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
