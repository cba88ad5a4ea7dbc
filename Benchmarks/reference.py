#!/usr/bin/env python3
"""The reference stack for crampwatch-bench: the same filter chain, envelope and hysteresis in
NumPy/SciPy, on the same night's EMG (float32, sample-major, µV). Prints JSON timings.

Chain: Butterworth high-pass 20 Hz and low-pass 450 Hz (order 2 each, as second-order sections,
scipy.signal.sosfilt), notches at mains, 2x and 3x mains (Q 30), rectified RMS envelope over
0.15 s, a 30-s rolling 20th-percentile baseline (on 1-s means), hysteresis 8 / 2 µV above rest
with 0.5 s of quiet to end an episode."""
import argparse, json, time
import numpy as np
from scipy import signal

ap = argparse.ArgumentParser()
ap.add_argument("--emg", required=True)
ap.add_argument("--fs", type=int, default=2000)
ap.add_argument("--channels", type=int, default=2)
ap.add_argument("--mains", type=float, default=50)
a = ap.parse_args()

t0 = time.perf_counter()
x = np.fromfile(a.emg, dtype=np.float32).reshape(-1, a.channels)
t_load = time.perf_counter()

fs = a.fs
sos = np.vstack([signal.butter(2, 20, "highpass", fs=fs, output="sos"),
                 signal.butter(2, min(450, 0.45 * fs), "lowpass", fs=fs, output="sos")]
                + [signal.tf2sos(*signal.iirnotch(a.mains * h, 30, fs=fs)) for h in (1, 2, 3) if a.mains * h < 0.45 * fs])
tick = max(1, round(fs * 0.01))
win = round(0.15 / (tick / fs))
above_all = None
for c in range(a.channels):
    y = signal.sosfilt(sos, x[:, c].astype(np.float64))
    n = len(y) // tick
    energy = (y[: n * tick] ** 2).reshape(n, tick).sum(axis=1)
    env = np.sqrt(np.convolve(energy, np.ones(win), "full")[:n] / (win * tick))
    per_s = round(1 / (tick / fs))
    secs = len(env) // per_s
    means = env[: secs * per_s].reshape(secs, per_s).mean(axis=1)
    base = np.array([np.percentile(means[max(0, s - 30): s + 1], 20) for s in range(secs)])
    base_ticks = np.repeat(base, per_s)
    above = env[: len(base_ticks)] - base_ticks
    above_all = above if above_all is None else np.maximum(above_all, above)
# Hysteresis episodes.
active = False; quiet = 0; start = 0; episodes = []
quiet_ticks = round(0.5 / (tick / fs))
for t, v in enumerate(above_all):
    if not active:
        if v > 8:
            active = True; start = t; quiet = 0
    else:
        quiet = quiet + 1 if v <= 2 else 0
        if quiet >= quiet_ticks:
            episodes.append((start, t - quiet + 1)); active = False
t_end = time.perf_counter()
lengths = [(e - s) * tick / fs for s, e in episodes]
print(json.dumps({"load_s": t_load - t0, "dsp_s": t_end - t_load, "total_s": t_end - t0,
                  "long_episodes": float(sum(1 for l in lengths if l >= 10)),
                  "short_episodes": float(sum(1 for l in lengths if 0.5 <= l <= 10))}))
