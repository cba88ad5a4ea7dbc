"""Signals from a planned night: surface leg EMG (uV), a shank accelerometer (g), and the other
channels of a sleep-lab montage (EEG, EOG, chin EMG, ECG, respiration, SpO2)."""
import numpy as np

from scenes import EPOCH_S

POSTURE_G = {  # accelerometer on the shank: x toward the foot, y to the left, z out of the shin
    "supine": (0.12, 0.0, 0.99), "prone": (0.12, 0.0, -0.99), "left": (0.12, 0.97, 0.2),
    "right": (0.12, -0.97, 0.2), "standing": (-0.99, 0.02, 0.12),
}


def band_noise(rng, n, fs, lo, hi):
    """Gaussian noise band-limited to [lo, hi] Hz by FFT masking, RMS 1."""
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1.0 / fs)
    spec[(f < lo) | (f > hi)] = 0.0
    x = np.fft.irfft(spec, n)
    return x / (np.sqrt(np.mean(x * x)) + 1e-12)


def envelope_shape(n, ramp_n, kind):
    if kind in ("step", "twitch"):
        return np.hanning(n + 2)[1:-1] * np.sqrt(8.0 / 3.0)    # same RMS as a flat burst
    e = np.ones(n)
    r = max(1, min(ramp_n, n // 2))
    ramp = np.linspace(0.0, 1.0, r, endpoint=False)
    e[:r] = ramp
    e[n - r:] = ramp[::-1]
    return e


def irregular(rng, n, fs):
    """Slow irregular firing of a cramp: 0.2-3 Hz modulation, >= 0.45 of its mean."""
    m_fs = 20.0
    k = max(4, int(n / fs * m_fs))
    slow = band_noise(rng, k, m_fs, 0.2, 3.0)
    m = np.clip(1.0 + 0.3 * slow, 0.45, 1.9)
    m = np.interp(np.arange(n) / fs, np.arange(k) / m_fs, m)
    return m / np.sqrt(np.mean(m * m))


def rest_total(night, leg):
    return float(np.sqrt(night.rest_uv[leg] ** 2 + night.noise_uv ** 2 + night.mains_uv ** 2 / 2.0))


def emg_uv(rng, night, legs, fs, band):
    """One EMG channel: resting EMG, electrode noise, mains hum, ECG artifact, and the bursts of the
    legs in `legs` ("L", "R", or "LR" for one channel carrying both legs)."""
    n = int(night.duration_s * fs)
    t = np.arange(n) / fs
    rest_leg = legs[0]
    x = night.rest_uv[rest_leg] * band_noise(rng, n, fs, *band)
    if night.noise_uv:
        x += night.noise_uv * rng.standard_normal(n)
    drift = 1.0 + 0.1 * np.sin(2 * np.pi * t / 900.0 + rng.uniform(0, 6.3))
    x += night.mains_uv * drift * np.sin(2 * np.pi * night.mains_hz * t + rng.uniform(0, 6.3))
    if night.ecg_artifact_uv:
        add_ecg_artifact(rng, x, fs, night.ecg_artifact_uv)
    amp2 = np.zeros(n)
    base = rest_total(night, rest_leg)
    for b in night.bursts:
        if b.leg not in legs:
            continue
        i0, i1 = int(round(b.onset * fs)), min(n, int(round(b.offset * fs)))
        if i1 - i0 < 2:
            continue
        a = np.sqrt((base + b.rise_uv) ** 2 - base ** 2)
        e = a * envelope_shape(i1 - i0, int(b.ramp_s * fs), b.kind)
        if b.irregular:
            e *= irregular(rng, i1 - i0, fs)
        amp2[i0:i1] += e * e
    x += np.sqrt(amp2) * band_noise(rng, n, fs, *band)
    return x


def add_ecg_artifact(rng, x, fs, amp):
    """QRS-like spikes of 30-40 ms at 55-75 beats per minute, as leg EMG picks up the heart."""
    period = 60.0 / rng.uniform(55, 75)
    w = int(0.04 * fs) | 1
    k = np.arange(w) - w // 2
    qrs = amp * (np.exp(-0.5 * (k / (0.006 * fs)) ** 2) - 0.3 * np.exp(-0.5 * ((k - 0.012 * fs) / (0.006 * fs)) ** 2))
    t = rng.uniform(0, period)
    while t < len(x) / fs - 0.1:
        i = int(t * fs)
        x[i:i + w] += qrs[: len(x[i:i + w])]
        t += period * rng.uniform(0.97, 1.03)


def accel_g(rng, night, fs):
    """3 axes in g: posture (gravity), posture changes, leg motions, walking, sensor noise."""
    n = int(night.duration_s * fs)
    t = np.arange(n) / fs
    g = np.zeros((n, 3))
    cur = np.array(POSTURE_G[night.postures[0][1]])
    g[:] = cur
    for m in sorted((m for m in night.motions if m.new_posture), key=lambda m: m.onset):
        new = np.array(POSTURE_G[m.new_posture])
        i0, i1 = int(m.onset * fs), min(n, int(m.offset * fs))
        if i1 > i0:
            w = np.linspace(0, 1, i1 - i0)[:, None]
            g[i0:i1] = (1 - w) * cur + w * new
        g[i1:] = new
        cur = new
    g /= np.linalg.norm(g, axis=1, keepdims=True)
    for m in night.motions:
        apply_motion(rng, night, g, t, fs, m)
    g += 0.003 * rng.standard_normal(g.shape)
    return g


def apply_motion(rng, night, g, t, fs, m):
    i0, i1 = max(0, int(m.onset * fs)), min(len(t), int(m.offset * fs))
    if i1 - i0 < 2:
        return
    scale = 1.0 if m.leg in ("B", night.accel_leg) else 0.3     # the other leg shakes the bed a little
    seg = g[i0:i1]
    if m.kind == "walk":
        phase = 2 * np.pi * (t[i0:i1] - t[i0]) / m.period_s
        th = np.radians(m.tilt_deg) * np.sin(phase)
        x, z = seg[:, 0].copy(), seg[:, 2].copy()
        seg[:, 0] = x * np.cos(th) - z * np.sin(th)
        seg[:, 2] = x * np.sin(th) + z * np.cos(th)
        seg += m.g * 0.4 * band_noise(rng, (i1 - i0) * 3, fs, 0.5, min(12.0, fs * 0.45)).reshape(3, -1).T
        strikes = np.where(np.diff(np.floor(phase / (2 * np.pi))) > 0)[0]
        for s in strikes:
            w = min(len(seg) - s, int(0.06 * fs) + 1)
            seg[s:s + w, 0] -= 2.0 * m.g * np.hanning(w + 2)[1:-1]
        return
    win = np.hanning(i1 - i0 + 2)[1:-1]
    hi = min(8.0, fs * 0.45)
    shake = band_noise(rng, (i1 - i0) * 3, fs, 0.5, hi).reshape(3, -1).T / np.sqrt(0.375)
    seg += scale * m.g * shake * win[:, None]
    if m.tilt_deg:
        th = scale * np.radians(m.tilt_deg) * win
        x, z = seg[:, 0].copy(), seg[:, 2].copy()
        seg[:, 0] = x * np.cos(th) - z * np.sin(th)
        seg[:, 2] = x * np.sin(th) + z * np.cos(th)


STAGE_EEG = {  # (delta, theta, alpha, beta) amplitudes in uV per stage
    "W": (8, 6, 18, 6), "N1": (10, 14, 5, 3), "N2": (25, 12, 3, 2), "N3": (75, 10, 2, 1), "R": (10, 14, 4, 4),
}


def per_sample(night, fs, n, table, col):
    vals = np.array([table[s][col] for s in night.stages], dtype=float)
    idx = np.minimum((np.arange(n) / fs // EPOCH_S).astype(int), len(vals) - 1)
    return vals[idx]


def eeg_uv(rng, night, fs):
    n = int(night.duration_s * fs)
    bands = [(0.5, 2.0), (4.0, 7.5), (8.0, 12.0), (15.0, 25.0)]
    x = np.zeros(n)
    for col, band in enumerate(bands):
        x += per_sample(night, fs, n, STAGE_EEG, col) * band_noise(rng, n, fs, *band)
    for a, b in night.arousals:              # an arousal: an abrupt shift to alpha
        i0, i1 = int(a * fs), min(n, int(b * fs))
        x[i0:i1] += 15.0 * band_noise(rng, i1 - i0, fs, 8.0, 12.0)
    return x


def eog_uv(rng, night, fs):
    n = int(night.duration_s * fs)
    x = 10.0 * band_noise(rng, n, fs, 0.3, 5.0)
    rem = per_sample(night, fs, n, {"W": (1,), "N1": (0.4,), "N2": (0,), "N3": (0,), "R": (1,)}, 0)
    jumps = np.cumsum(rng.standard_normal(n) * (rng.random(n) < 1.5 / fs)) * 40.0
    jumps -= np.convolve(jumps, np.ones(int(fs)) / fs, "same")
    return x + rem * np.clip(jumps, -150, 150)


def chin_uv(rng, night, fs):
    n = int(night.duration_s * fs)
    tone = per_sample(night, fs, n, {"W": (12,), "N1": (7,), "N2": (5,), "N3": (4,), "R": (1.5,)}, 0)
    return tone * band_noise(rng, n, fs, 10.0, fs * 0.45)


def ecg_uv(rng, night, fs):
    n = int(night.duration_s * fs)
    x = 30.0 * band_noise(rng, n, fs, 0.1, 1.0)
    add_ecg_artifact(rng, x, fs, 1000.0)
    return x


def resp(rng, night, fs, amp):
    n = int(night.duration_s * fs)
    t = np.arange(n) / fs
    rate = 0.25 + 0.02 * band_noise(rng, n, fs, 0.001, 0.02)
    phase = 2 * np.pi * np.cumsum(rate) / fs
    return amp * (np.sin(phase) + 0.05 * rng.standard_normal(n)) * (1 + 0.1 * np.sin(2 * np.pi * t / 600))
