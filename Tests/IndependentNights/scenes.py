"""What happens in a night: the scene plan, drawn from a seed, before any signal exists.

Every time is in seconds from the recording's first sample. A night is planned as:
  1. an underlying sleep-stage sequence (30-s epochs, AASM stages W/N1/N2/N3/R);
  2. wake scenes placed in the sleep period (cramps, getting up and walking, wake in bed,
     brief awakenings with turning over), each with the interval during which the sleeper is awake;
  3. the epochs re-scored: an epoch is W when the sleeper is awake for >= 15 s of it (the majority
     of the epoch, AASM epoch rule), N1 for one or two epochs after a wake bout;
  4. sleep-time events: PLM series, isolated, bilateral and arousal leg movements, turning over,
     REM twitches, a PLM series in wake before sleep onset on some nights.
The muscle work is a list of Burst (EMG on one leg) and the leg's motion a list of Motion; truth.py
scores them with the WASM 2016 rules, whatever the scene meant them to be.
"""
from dataclasses import dataclass, field

import numpy as np

EPOCH_S = 30.0


@dataclass
class Burst:
    """Muscle activity on one leg: `rise_uv` is RMS during the burst minus RMS at rest."""
    leg: str            # "L" or "R"
    onset: float
    offset: float
    rise_uv: float
    kind: str           # lm, cramp, step, twitch
    scene: str          # what produced it (plm, isolated, bilateral, arousal, turn, stretch, ...)
    ramp_s: float = 0.05
    irregular: bool = False


@dataclass
class Motion:
    """Leg (and body) motion seen by the leg accelerometer."""
    onset: float
    offset: float
    g: float                    # RMS of the movement acceleration, g
    leg: str                    # leg that moves ("B" for both / whole body)
    kind: str                   # twitch, flex, turn, point, stretch, walk, rub
    new_posture: str | None = None   # posture after the motion, if it changes
    tilt_deg: float = 0.0       # transient tilt of the shank during the motion
    period_s: float = 0.0       # stride period when walking


@dataclass
class Night:
    index: int
    set_name: str
    seed: int
    duration_s: float
    hard: bool
    rest_uv: dict
    noise_uv: float
    mains_hz: int
    mains_uv: float
    accel_leg: str
    base_stages: list
    stages: list = field(default_factory=list)
    wake_intervals: list = field(default_factory=list)
    bursts: list = field(default_factory=list)
    motions: list = field(default_factory=list)
    arousals: list = field(default_factory=list)      # (onset, offset)
    cramps: list = field(default_factory=list)        # dicts
    voluntary: list = field(default_factory=list)     # (kind, onset, offset)
    postures: list = field(default_factory=list)      # (time, posture) initial entry at 0
    ecg_artifact_uv: float = 0.0
    busy: list = field(default_factory=list)


def underlying_stages(rng, n_epochs, sleep_onset_epoch):
    """Sleep cycles of ~60-100 min: N1, N2, N3, N2, R, as a hypnogram draws them."""
    stages = ["W"] * sleep_onset_epoch
    cycle = 0
    while len(stages) < n_epochs:
        parts = [("N1", rng.integers(2, 6)) if cycle == 0 else ("N1", rng.integers(1, 3)),
                 ("N2", rng.integers(16, 36)),
                 ("N3", rng.integers(20, 46) if cycle == 0 else rng.integers(6, 20)),
                 ("N2", rng.integers(8, 20)),
                 ("R", rng.integers(10, 24) if cycle == 0 else rng.integers(20, 40))]
        for stage, count in parts:
            stages.extend([stage] * int(count))
        cycle += 1
    return stages[:n_epochs]


def is_free(night, a, b):
    return all(b <= x or a >= y for x, y in night.busy)


def reserve(night, a, b):
    night.busy.append((a, b))


def epochs_between(a, b):
    return range(int(a // EPOCH_S), int(np.ceil(b / EPOCH_S)))


def asleep_throughout(night, a, b, allowed=("N1", "N2", "N3", "R")):
    stages = night.stages if night.stages else night.base_stages
    idx = list(epochs_between(a, b))
    return idx and idx[-1] < len(stages) and all(stages[i] in allowed for i in idx)


def find_slot(rng, night, length, lo, hi, margin, check=None, tries=400):
    """A start time in [lo, hi - length] whose interval (with margin) is free and passes check."""
    for _ in range(tries):
        if hi - length <= lo:
            return None
        t = float(rng.uniform(lo, hi - length))
        if is_free(night, t - margin, t + length + margin) and (check is None or check(t, t + length)):
            return round(t, 3)
    return None
