"""Draw one night's scenes (see scenes.py for the order). Every number here is a choice from the
physiology texts cited in README.md; none comes from the detector."""
import numpy as np

from scenes import (EPOCH_S, Burst, Motion, Night, asleep_throughout, find_slot, reserve,
                    underlying_stages)

POSTURES_LYING = ["supine", "left", "right"]
NREM = ("N1", "N2", "N3")


def u(rng, a, b):
    return float(rng.uniform(a, b))


def other_leg(leg):
    return "R" if leg == "L" else "L"


def new_night(rng, index, set_name, seed, hours, hard):
    duration = round(hours * 3600.0)
    n_epochs = int(duration // EPOCH_S)
    onset_epoch = int(rng.integers(12, 25))           # 6-12 min awake in bed before sleep
    rest = {"L": round(u(rng, 1.5, 4.0), 2), "R": round(u(rng, 1.5, 4.0), 2)}
    night = Night(index=index, set_name=set_name, seed=seed, duration_s=float(duration), hard=hard,
                  rest_uv=rest, noise_uv=round(u(rng, 4.0, 10.0), 2) if hard else 0.0,
                  mains_hz=int(rng.choice([50, 60])), mains_uv=round(u(rng, 0.5, 3.0), 2),
                  accel_leg=str(rng.choice(["L", "R"])),
                  base_stages=underlying_stages(rng, n_epochs, onset_epoch))
    night.postures = [(0.0, str(rng.choice(POSTURES_LYING)))]
    night.ecg_artifact_uv = round(u(rng, 4.0, 12.0), 2) if rng.random() < 0.3 else 0.0
    return night


def add_lm(night, leg, onset, dur, rise, scene, ramp=0.05):
    night.bursts.append(Burst(leg, round(onset, 3), round(onset + dur, 3), round(rise, 2), "lm", scene, ramp))


def add_turn(rng, night, t, in_sleep):
    """Turning over: both legs contract for 1.5-5 s, the body and leg rotate to a new posture."""
    current = night.postures[-1][1] if night.postures else "supine"
    new = str(rng.choice([p for p in POSTURES_LYING if p != current]))
    dur_l, dur_r = u(rng, 1.5, 5.0), u(rng, 1.5, 5.0)
    lag = u(rng, -0.4, 0.4)
    add_lm(night, "L", t, dur_l, u(rng, 25, 100), "turn", 0.15)
    add_lm(night, "R", t + lag, dur_r, u(rng, 25, 100), "turn", 0.15)
    end = max(t + dur_l, t + lag + dur_r)
    night.motions.append(Motion(t - 0.3, end, u(rng, 0.3, 0.8), "B", "turn", new_posture=new))
    night.postures.append((t - 0.3, new))
    night.voluntary.append(("turning over", round(min(t, t + lag), 3), round(end, 3)))
    if in_sleep:
        night.arousals.append((round(t - 0.3, 3), round(end + u(rng, 3, 10), 3)))
    return end


def cramp_scene(rng, night, t0, leg, foot_point, dur, rise, woke):
    """A cramp: sustained irregular contraction of one calf, plantar flexed foot; if it wakes the
    sleeper it ends with stretching. A cramp that begins with the foot pointing starts with leg
    motion, then the leg holds still while the EMG stays up."""
    night.bursts.append(Burst(leg, t0, round(t0 + dur, 3), round(rise, 2), "cramp", "cramp", 0.3, True))
    if foot_point:
        night.motions.append(Motion(round(t0 - 0.4, 3), round(t0 + u(rng, 1.0, 2.5), 3),
                                    u(rng, 0.08, 0.3), leg, "point", tilt_deg=u(rng, 6, 15)))
    if dur > 90:      # holding or rubbing the leg late in a long cramp
        for _ in range(int(rng.integers(1, 4))):
            a = t0 + u(rng, 60, dur - 5)
            night.motions.append(Motion(round(a, 3), round(a + u(rng, 1, 2.5), 3), u(rng, 0.03, 0.1), leg, "rub"))
    end = t0 + dur
    if woke:
        s0 = end + u(rng, 1.0, 4.0)
        s_len = u(rng, 2.5, 7.0)
        add_lm(night, leg, s0, s_len, u(rng, 30, 120), "stretch", 0.2)
        night.motions.append(Motion(round(s0, 3), round(s0 + s_len, 3), u(rng, 0.15, 0.45), leg, "stretch",
                                    tilt_deg=u(rng, 10, 25)))
        night.voluntary.append(("stretching", round(s0, 3), round(s0 + s_len, 3)))
        wake = (t0 + u(rng, 2, 5), s0 + s_len + u(rng, 30, 150))
    else:
        wake = (t0 + 3.0, end + 5.0)
    night.wake_intervals.append((round(wake[0], 3), round(wake[1], 3)))
    night.cramps.append({"leg": leg, "onset_s": t0, "offset_s": round(end, 3), "rise_uv": round(rise, 2),
                         "began_with_leg_motion": bool(foot_point)})
    return wake[1]


def walk_scene(rng, night, t0):
    """Waking, getting up, walking (~1 Hz strides, one short tibialis/calf burst per leg per
    stride, the whole leg swinging), lying down again and falling asleep."""
    g0 = t0 + u(rng, 15, 40)
    for leg in "LR":
        add_lm(night, leg, g0 + u(rng, 0, 0.3), u(rng, 1.5, 3.0), u(rng, 30, 90), "get_up", 0.15)
    night.motions.append(Motion(round(g0 - 0.2, 3), round(g0 + 3.2, 3), u(rng, 0.4, 0.8), "B", "turn",
                                new_posture="standing"))
    night.postures.append((round(g0 - 0.2, 3), "standing"))
    w0 = g0 + 3.2 + u(rng, 1, 3)
    wd = u(rng, 40, 180)
    period = u(rng, 1.0, 1.15)
    rise = u(rng, 20, 80)
    k = 0
    while w0 + k * period + period < w0 + wd:
        for leg, phase in (("L", 0.0), ("R", 0.5)):
            a = w0 + (k + phase) * period + u(rng, -0.03, 0.03)
            night.bursts.append(Burst(leg, round(a, 3), round(a + u(rng, 0.25, 0.4), 3),
                                      round(rise * u(rng, 0.8, 1.2), 2), "step", "walk", 0.05))
        k += 1
    night.motions.append(Motion(round(w0, 3), round(w0 + k * period, 3), u(rng, 0.35, 0.6), "B", "walk",
                                tilt_deg=u(rng, 20, 30), period_s=period))
    l0 = w0 + k * period + u(rng, 2, 6)
    for leg in "LR":
        add_lm(night, leg, l0 + u(rng, 0, 0.3), u(rng, 1.5, 3.0), u(rng, 30, 90), "lie_down", 0.15)
    lying = str(rng.choice(POSTURES_LYING))
    night.motions.append(Motion(round(l0 - 0.2, 3), round(l0 + 3.5, 3), u(rng, 0.4, 0.8), "B", "turn",
                                new_posture=lying))
    night.postures.append((round(l0 - 0.2, 3), lying))
    night.voluntary.append(("walking", round(g0, 3), round(l0 + 3.5, 3)))
    end = l0 + 3.5 + u(rng, 30, 120)
    night.wake_intervals.append((round(t0, 3), round(end, 3)))
    return end


def wake_in_bed_scene(rng, night, t0):
    """An awakening that begins with turning over; 1-4 min awake in bed, restless."""
    end_turn = add_turn(rng, night, t0, in_sleep=True)
    end = t0 + u(rng, 60, 240)
    for _ in range(int(rng.integers(0, 3))):
        a = u(rng, end_turn + 8, end - 12)
        add_lm(night, str(rng.choice(["L", "R"])), a, u(rng, 0.6, 4.0), u(rng, 12, 60), "restless")
        night.motions.append(Motion(round(a, 3), round(a + 1.5, 3), u(rng, 0.03, 0.1), "B", "flex", tilt_deg=3))
    night.wake_intervals.append((round(t0, 3), round(end, 3)))
    return end


def brief_awakening_scene(rng, night, t0):
    end_turn = add_turn(rng, night, t0, in_sleep=True)
    night.wake_intervals.append((round(t0, 3), round(end_turn + u(rng, 3, 14), 3)))
    return end_turn + 14


def cramp_params(rng, night, first):
    leg = str(rng.choice(["L", "R"]))
    if night.hard:
        foot_point = first or rng.random() < 0.5
        return leg, foot_point, u(rng, 10, 60), u(rng, 18, 60), rng.random() < 0.85
    r = rng.random()
    dur = u(rng, 12, 60) if r < 0.6 else (u(rng, 60, 180) if r < 0.9 else u(rng, 180, 600))
    return leg, rng.random() < 0.35, dur, u(rng, 60, 300), rng.random() < 0.85


def place_wake_scenes(rng, night):
    """Cramps, walking, wake in bed and brief awakenings in the sleep period, >= 4 min apart."""
    sleep_onset = night.base_stages.index("N1") * EPOCH_S
    lo, hi = sleep_onset + 300.0, night.duration_s - 240.0
    hours = night.duration_s / 3600.0
    n_cramps = 2 if night.hard else int(rng.integers(1, 3))
    scenes = [("cramp", i == 0) for i in range(max(1, round(n_cramps * hours)))]
    if night.hard or rng.random() < 0.5:
        scenes.append(("walk", False))
    scenes += [("wake_in_bed", False)] * int(rng.integers(0, 2))
    scenes += [("brief", False)] * int(rng.integers(1, 3))
    for kind, first in scenes:
        if kind == "cramp":
            leg, point, dur, rise, woke = cramp_params(rng, night, first)
            length = dur + 170 if woke else dur + 10
        else:
            leg = point = dur = rise = woke = None
            length = {"walk": 420, "wake_in_bed": 250, "brief": 25}[kind]
        t0 = find_slot(rng, night, length, lo, hi, 240.0 if kind != "brief" else 90.0)
        if t0 is None and kind == "cramp" and dur > 60:
            dur = u(rng, 12, 60)
            length = dur + 170
            t0 = find_slot(rng, night, length, lo, hi, 120.0)
        if t0 is None:
            continue
        if kind == "cramp":
            end = cramp_scene(rng, night, t0, leg, point, dur, rise, woke)
        elif kind == "walk":
            end = walk_scene(rng, night, t0)
        elif kind == "wake_in_bed":
            end = wake_in_bed_scene(rng, night, t0)
        else:
            end = brief_awakening_scene(rng, night, t0)
        reserve(night, t0 - 15.0, end + 15.0)


def rescore_stages(night):
    """An epoch is W when the sleeper is awake for >= 15 s of it; N1 follows a wake bout."""
    stages = list(night.base_stages)
    for i in range(len(stages)):
        a, b = i * EPOCH_S, (i + 1) * EPOCH_S
        awake = sum(max(0.0, min(b, y) - max(a, x)) for x, y in night.wake_intervals)
        if awake >= 15.0:
            stages[i] = "W"
    for i in range(1, len(stages)):
        if stages[i - 1] == "W" and night.base_stages[i - 1] != "W" and stages[i] != "W":
            stages[i] = "N1"
    night.stages = stages


def place_plm_series(rng, night, in_wake=False):
    n = int(rng.integers(4, 9)) if in_wake else int(rng.integers(4, 26))
    imis = [u(rng, 12, 25) if in_wake else float(np.clip(rng.normal(26, 7), 12, 80)) for _ in range(n - 1)]
    span = sum(imis) + 5
    pattern = str(rng.choice(["one", "alternate", "both"], p=[0.6, 0.25, 0.15]))
    leg0 = str(rng.choice(["L", "R"]))
    if in_wake:
        onset = night.stages.index("N1") * EPOCH_S if "N1" in night.stages else night.duration_s
        t0 = find_slot(rng, night, span, 45.0, onset - 20.0, 15.0,
                       lambda a, b: asleep_throughout(night, a, b, ("W",)))
    else:
        t0 = find_slot(rng, night, span, 0.0, night.duration_s - 20.0, 15.0,
                       lambda a, b: asleep_throughout(night, a, b, NREM))
    if t0 is None:
        return 0
    t = t0
    for k in range(n):
        dur = float(np.clip(rng.lognormal(np.log(1.8), 0.4), 0.6, 4.5))
        low, high = (14, 40) if night.hard else (12, 50)
        legs = {"one": [leg0], "alternate": [leg0 if k % 2 == 0 else other_leg(leg0)], "both": ["L", "R"]}[pattern]
        for j, leg in enumerate(legs):
            lag = u(rng, 0, 0.3) if j else 0.0
            add_lm(night, leg, t + lag, dur * u(rng, 0.85, 1.15) if j else dur, u(rng, low, high),
                   "plmw" if in_wake else "plm")
        night.motions.append(Motion(round(t, 3), round(t + dur, 3), u(rng, 0.02, 0.12),
                                    "B" if pattern == "both" else legs[0], "flex", tilt_deg=u(rng, 2, 8)))
        if k < n - 1:
            t += imis[k]
    reserve(night, t0 - 15.0, t + 20.0)
    return n


def place_bilateral(rng, night, kind):
    """Two legs: onsets within 0.5 s (combined), overlapping with later onset (combined by WASM:
    overlap), or separated by 1-3 s (two leg movements)."""
    t = find_slot(rng, night, 14.0, 30.0, night.duration_s - 30.0, 12.0)
    if t is None:
        return
    first = str(rng.choice(["L", "R"]))
    d1 = u(rng, 3.0, 5.0) if kind == "overlap_late" else u(rng, 0.8, 4.0)
    add_lm(night, first, t, d1, u(rng, 15, 60), "bilateral_" + kind)
    lag = {"sync": u(rng, 0.0, 0.45), "overlap_late": u(rng, 0.8, 2.5), "separate": d1 + u(rng, 1.0, 3.0)}[kind]
    d2 = u(rng, 0.8, 4.0)
    add_lm(night, other_leg(first), t + lag, d2, u(rng, 15, 60), "bilateral_" + kind)
    night.motions.append(Motion(round(t, 3), round(t + max(d1, lag + d2), 3), u(rng, 0.03, 0.15), "B", "flex",
                                tilt_deg=u(rng, 2, 6)))
    reserve(night, t - 12.0, t + lag + d2 + 12.0)


def place_sleep_events(rng, night):
    hours = night.duration_s / 3600.0
    for _ in range(int(rng.integers(0, 4) * hours + 0.5) or 1):
        place_plm_series(rng, night)
    if rng.random() < 0.4:
        place_plm_series(rng, night, in_wake=True)
    for kind in ["sync", "overlap_late", "separate", str(rng.choice(["sync", "separate"]))]:
        place_bilateral(rng, night, kind)
    for _ in range(int(rng.integers(2, 6))):          # arousal movements
        t = find_slot(rng, night, 5.0, 0.0, night.duration_s - 20, 12.0,
                      lambda a, b: asleep_throughout(night, a, b))
        if t is None:
            continue
        dur = u(rng, 1.0, 4.0)
        legs = ["L", "R"] if rng.random() < 0.5 else [str(rng.choice(["L", "R"]))]
        for j, leg in enumerate(legs):
            add_lm(night, leg, t + (u(rng, 0, 0.3) if j else 0), dur, u(rng, 15, 70), "arousal")
        night.motions.append(Motion(round(t, 3), round(t + dur, 3), u(rng, 0.05, 0.25), legs[0] if len(legs) == 1
                                    else "B", "flex", tilt_deg=u(rng, 3, 10)))
        night.arousals.append((round(t - 0.3, 3), round(t + u(rng, 3, 12), 3)))
        reserve(night, t - 12.0, t + dur + 12.0)
    for _ in range(int(rng.integers(1, 4))):          # turning over without waking for 15 s
        t = find_slot(rng, night, 6.0, 0.0, night.duration_s - 20, 15.0,
                      lambda a, b: asleep_throughout(night, a, b))
        if t is not None:
            end = add_turn(rng, night, t, in_sleep=True)
            reserve(night, t - 15.0, end + 15.0)
    for _ in range(int(rng.integers(3, 9))):          # isolated leg movements, asleep or awake
        t = find_slot(rng, night, 8.0, 20.0, night.duration_s - 20, 12.0)
        if t is None:
            continue
        leg, dur = str(rng.choice(["L", "R"])), float(np.clip(rng.lognormal(np.log(2.0), 0.6), 0.6, 8.0))
        add_lm(night, leg, t, dur, u(rng, 12, 60), "isolated")
        if rng.random() < 0.5:
            night.motions.append(Motion(round(t, 3), round(t + dur, 3), u(rng, 0.02, 0.1), leg, "flex",
                                        tilt_deg=u(rng, 1, 5)))
        reserve(night, t - 12.0, t + dur + 12.0)
    place_rem_twitches(rng, night)


def place_rem_twitches(rng, night):
    """Phasic REM twitches: 0.08-0.3 s, too short to be leg movements."""
    rem = [i for i, s in enumerate(night.stages) if s == "R"]
    for i in rem[:: max(1, len(rem) // 6 or 1)]:
        t = i * EPOCH_S + 2.0
        for _ in range(int(rng.integers(3, 8))):
            d = u(rng, 0.08, 0.3)
            if t + d < (i + 1) * EPOCH_S - 1 and all(b <= t - 1.0 or a >= t + d + 1.0 for a, b in night.busy):
                night.bursts.append(Burst(str(rng.choice(["L", "R"])), round(t, 3), round(t + d, 3),
                                          round(u(rng, 10, 40), 2), "twitch", "rem_twitch", 0.02))
                night.motions.append(Motion(round(t, 3), round(t + d, 3), u(rng, 0.005, 0.02), "B", "twitch"))
            t += d + u(rng, 1.0, 4.0)


def plan_night(index, set_name, seed, hours, hard):
    rng = np.random.default_rng([seed, index, 0 if set_name == "leg-worn" else 1])
    night = new_night(rng, index, set_name, seed, hours, hard)
    place_wake_scenes(rng, night)
    rescore_stages(night)
    place_sleep_events(rng, night)
    night.postures.sort()
    return night, rng
