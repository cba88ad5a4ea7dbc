#!/usr/bin/env python3
"""Monitor benchmark: sustained ingest through the real libusb path under umockdev, and the CPU time
`crampwatch monitor` spends per hour of device data.

The virtual device (Firmware/build/cwsim) streams a simulated 8-hour night as fast as the host reads it
(--speed 0); the monitor decodes, detects, writes the capture and saves the night, exactly as overnight.
CPU time is the monitor's own (user + system, from wait4's rusage of the process), not the simulator's.

usage: scripts/bench-monitor.py [--hours 8] [--release-dir .build/release] [--data .build-bench-data]
"""
import argparse, os, resource, subprocess, sys, tempfile, time, json

ap = argparse.ArgumentParser()
ap.add_argument("--hours", type=float, default=8)
ap.add_argument("--release-dir", default=".build/release")
ap.add_argument("--data", default=".build-bench-data")
ap.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
args = ap.parse_args()

if args.child:
    # Runs under the simulator (LD_PRELOAD libumockdev-preload): start the monitor and report its own rusage.
    start = time.monotonic()
    p = subprocess.Popen(args.child)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - start
    print(json.dumps({"status": os.waitstatus_to_exitcode(status), "user": ru.ru_utime, "sys": ru.ru_stime,
                      "wall": wall, "maxrss_kb": ru.ru_maxrss}), file=sys.stderr)
    sys.exit(0)

crampwatch = os.path.join(args.release_dir, "crampwatch")
sim = "Firmware/build/cwsim"
for path, how in [(crampwatch, "swift build -c release --product crampwatch"), (sim, "make -C Firmware sim")]:
    if not os.path.exists(path):
        sys.exit(f"{path} is missing: run `{how}` first")
night_dir = os.path.join(args.data, f"monitor-{args.hours:g}h")
capture_in = os.path.join(night_dir, "night.cwcap")
if not os.path.exists(capture_in):
    subprocess.run([crampwatch, "simulate", "--seed", "4242", "--hours", f"{args.hours:g}", "--out", night_dir],
                   check=True, stdout=subprocess.DEVNULL)
size = os.path.getsize(capture_in)
with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "live.cwcap")
    r = subprocess.run([sim, "--capture", capture_in, "--speed", "0", "--", sys.executable, os.path.abspath(__file__), "--child",
                        crampwatch, "monitor", "--capture", out, "--no-journal", "--json", "--stop-after-idle", "1"],
                       capture_output=True, text=True)
    stats = None
    for line in r.stderr.splitlines():
        if line.startswith("{\"status\""):
            stats = json.loads(line)
    if r.returncode != 0 or stats is None or stats["status"] != 0:
        sys.exit(f"the monitor run failed:\n{r.stderr[-3000:]}")
    night = json.loads(r.stdout)
    received = os.path.getsize(out)
    if received != size:
        sys.exit(f"the capture differs from what was sent: {received} of {size} bytes")
    hours = night["summary"]["duration_s"] / 3600
    frames = sum(1 for _ in open(capture_in, "rb").read().split(b"\0")) - 1
    wall = stats["wall"] - 1.0   # less the 1 s of idle that ends the run
    cpu = stats["user"] + stats["sys"]
    print(f"monitor ingest through libusb under umockdev: {hours:.1f} h of device data ({size / 1e6:.1f} MB, {frames} frames) in {wall:.1f} s")
    print(f"  sustained rate: {size / wall / 1e6:.1f} MB/s, {frames / wall:,.0f} frames/s, {hours * 3600 / wall:,.0f}x real time")
    print(f"  monitor CPU: {cpu:.2f} s ({stats['user']:.2f} user + {stats['sys']:.2f} system) = {cpu / hours:.2f} CPU-seconds per hour of device data "
          f"({100 * cpu / (hours * 3600):.3f} % of one core when streaming in real time)")
    print(f"  peak memory (max RSS): {stats['maxrss_kb'] / 1024:.0f} MB; frames lost {night['summary']['frames_lost']}")
