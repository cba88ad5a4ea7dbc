#!/usr/bin/env python3
"""The nightly units run by a real systemd user manager, whose real timers fire (part of `make test`).

What a person does after `make install`, with bedtime a minute from now and the morning a minute later:
`systemctl --user daemon-reload && systemctl --user enable --now crampwatch-monitor.timer
crampwatch-morning.timer`, then nothing. The bedtime timer starts the monitor (the device is the virtual one:
the installed binary is wrapped so that `monitor` runs under Firmware/build/cwsim, which streams the 12-minute
bundled night as fast as USB takes it); the morning timer's service conflicts with the monitor, so systemd stops
it with SIGTERM, and then prunes. Checked afterwards: the monitor ended by that stop with status 0 and was never
restarted, the morning service succeeded, the journal at its default place holds one complete 720-s night, and
the capture is in ~/.local/state/crampwatch, mode 0600.

A private user manager needs a system that looks booted with systemd (/run/systemd/system). The test makes a
mount namespace of its own (unshare, as root) with /run on a tmpfs, so nothing outside it changes. Without root
it says SKIPPED and why, and exits 0 (a skip, reported).
"""
import datetime
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RELEASE = os.path.join(ROOT, ".build/release/crampwatch")
CWSIM = os.path.join(ROOT, "Firmware/build/cwsim")
NIGHT = os.path.join(ROOT, "Samples/night-a/night.cwcap")
SYSTEMD = "/lib/systemd/systemd"
failures = []


def check(condition, message):
    print(("ok      " if condition else "FAILED  ") + message)
    if not condition:
        failures.append(message)


def run(args, env):
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True)


def show(unit, env):
    """`systemctl --user show UNIT` as a dict of the properties the checks read."""
    r = run(["systemctl", "--user", "show", unit, "-p",
             "ActiveState,Result,NRestarts,ExecMainStatus,ExecMainCode,ExecMainExitTimestampMonotonic"], env)
    return dict(line.split("=", 1) for line in r.stdout.splitlines() if "=" in line)


def environment(tmp):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
    for name in ["home", "runtime", "config", "data"]:
        os.makedirs(os.path.join(tmp, name), mode=0o700)
    env.update(HOME=os.path.join(tmp, "home"), XDG_RUNTIME_DIR=os.path.join(tmp, "runtime"),
               XDG_CONFIG_HOME=os.path.join(tmp, "config"), XDG_DATA_HOME=os.path.join(tmp, "data"))
    return env


def start_manager(env):
    manager = subprocess.Popen([SYSTEMD, "--user"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        state = run(["systemctl", "--user", "is-system-running"], env).stdout.strip()
        if state in ("running", "degraded"):
            return manager
        time.sleep(0.2)
    manager.terminate()
    return None


def times():
    """Bedtime: the next whole minute at least 20 s away (timers fire on whole minutes); the morning one later."""
    now = datetime.datetime.now()
    bedtime = (now + datetime.timedelta(seconds=80)).replace(second=0, microsecond=0)
    if (bedtime - now).total_seconds() > 80 - 20 + 60:
        bedtime -= datetime.timedelta(minutes=1)
    return bedtime, bedtime + datetime.timedelta(minutes=1)


def install(tmp, env, bedtime, morning):
    prefix = os.path.join(tmp, "prefix")
    r = run(["scripts/install.sh", "install"], dict(
        env, PREFIX=prefix, BINARY=RELEASE, BEDTIME=bedtime.strftime("%H:%M"), MORNING=morning.strftime("%H:%M"),
        KEEP_NIGHTS="1", OLD_CAPTURES="bdf", SYSTEMD_USER_DIR=os.path.join(env["XDG_CONFIG_HOME"], "systemd/user"),
        UDEV_RULES_DIR=os.path.join(tmp, "udev")))
    check(r.returncode == 0, f"install.sh install into {prefix} ({r.stderr.strip()})")
    # The device: the installed binary's `monitor` runs under the virtual device, everything else as installed.
    # systemd's stop sends SIGTERM to every process of the unit; a real device gets no signal, so the virtual one
    # ignores it (the monitor sets its own handler, which replaces the inherited "ignore").
    binary = os.path.join(prefix, "bin/crampwatch")
    os.rename(binary, binary + ".real")
    with open(binary, "w", encoding="utf-8") as f:
        f.write(f'#!/bin/sh\nif [ "$1" = monitor ]; then\n    trap "" TERM\n'
                f'    exec {CWSIM} --capture {NIGHT} --speed 0 -- {binary}.real "$@"\nfi\n'
                f'exec {binary}.real "$@"\n')
    os.chmod(binary, 0o755)


def wait_for_morning(env, morning):
    deadline = time.time() + (morning - datetime.datetime.now()).total_seconds() + 90
    while time.time() < deadline:
        if int(show("crampwatch-morning.service", env).get("ExecMainExitTimestampMonotonic", "0") or 0) > 0:
            return True
        time.sleep(1)
    return False


def check_night(env):
    monitor = show("crampwatch-monitor.service", env)
    check(monitor.get("Result") == "success" and monitor.get("NRestarts") == "0"
          and monitor.get("ActiveState") == "inactive" and monitor.get("ExecMainStatus") == "0",
          f"the morning stop ended the monitor with status 0, never restarted ({monitor})")
    morning = show("crampwatch-morning.service", env)
    check(morning.get("Result") == "success", f"the morning service succeeded ({morning})")
    journal = os.path.join(env["XDG_DATA_HOME"], "crampwatch/journal.sqlite")
    rows = run(["sqlite3", journal, "SELECT status, durationSeconds, source FROM night"], env).stdout.split()
    check(rows == ["complete|720.0|monitor"], f"one complete 720-s night in {journal} ({rows})")
    captures = glob.glob(os.path.join(env["HOME"], ".local/state/crampwatch/*.cwcap"))
    modes = [oct(os.stat(c).st_mode & 0o777) for c in captures]
    check(len(captures) == 1 and modes == ["0o600"], f"the capture in ~/.local/state/crampwatch, 0600 ({captures} {modes})")
    stray = glob.glob(os.path.join(env["XDG_CONFIG_HOME"], "crampwatch"))
    check(stray == [], f"nothing written where settings belong ({stray})")


def inside():
    """In the private mount namespace: a /run that says systemd, a user manager, and one night."""
    subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=755", "tmpfs", "/run"], check=True)
    os.makedirs("/run/systemd/system")
    tmp = tempfile.mkdtemp(prefix="cw-timers-")
    env = environment(tmp)
    manager = start_manager(env)
    check(manager is not None, "a systemd user manager runs")
    if manager is None:
        return
    try:
        bedtime, morning = times()
        install(tmp, env, bedtime, morning)
        enable = run(["sh", "-c", "systemctl --user daemon-reload && systemctl --user enable --now "
                      "crampwatch-monitor.timer crampwatch-morning.timer"], env)
        check(enable.returncode == 0, f"the README's enable line ({enable.stderr.strip()})")
        listed = run(["systemctl", "--user", "list-timers", "crampwatch-*", "--no-pager"], env).stdout
        check(bedtime.strftime("%H:%M:00") in listed and morning.strftime("%H:%M:00") in listed,
              f"list-timers shows bedtime {bedtime:%H:%M} and morning {morning:%H:%M}")
        print(f"waiting for bedtime {bedtime:%H:%M} and the morning {morning:%H:%M} (about "
              f"{(morning - datetime.datetime.now()).total_seconds():.0f} s)", flush=True)
        check(wait_for_morning(env, morning), "the morning service ran")
        check_night(env)
    finally:
        manager.terminate()
        manager.wait(timeout=30)
        if os.environ.get("KEEP"):
            print(f"KEEP: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def main():
    if "--inside" in sys.argv:
        inside()
        return 1 if failures else 0
    for need in (RELEASE, CWSIM, SYSTEMD, shutil.which("unshare"), shutil.which("sqlite3")):
        if not need or not os.access(need, os.X_OK):
            print(f"test-timers: {need} is missing; `make test-timers` builds the first two", file=sys.stderr)
            return 1
    if os.geteuid() != 0:
        print("test-timers: SKIPPED — a private systemd user manager needs a mount namespace of its own, which "
              "takes root here (run `sudo make test-timers`)")
        return 0
    r = subprocess.run(["unshare", "--mount", "--propagation", "private", sys.executable, __file__, "--inside"])
    print("test-timers: every check passed" if r.returncode == 0 else "test-timers: FAILED")
    return r.returncode


if __name__ == "__main__":
    sys.exit(main())
