"""Score a planned night the way the WASM 2016 standard (Ferri et al., Sleep Med 2016) says, from the
muscle activity itself, whatever scene produced it:

* a leg movement (LM) on one leg starts where EMG rises >= 8 uV above resting EMG and ends at the
  start of >= 0.5 s with EMG <= 2 uV above resting; bursts on one leg separated by < 0.5 s are
  therefore one LM; LMs shorter than 0.5 s are not LMs;
* a candidate LM (CLM) is a monolateral LM of 0.5-10 s, or a bilateral LM of 0.5-15 s made of at
  most 4 monolateral LMs on the two legs that overlap or are separated by < 0.5 s (offset to onset);
  longer LMs are LMs but not CLMs, and they end a PLM series;
* a PLM series is >= 4 consecutive CLMs with onset-to-onset intervals of 10-90 s; an interval
  outside that range, or an LM that is not a CLM between two CLMs, ends the series;
* PLMS: PLMs whose onset falls in a sleep epoch; PLMW: in a wake epoch.
Every planned burst rises >= 10 uV above rest (RMS) and every gap within or between bursts is
either >= 0.5 s of rest or none, so the onsets and offsets below are the bursts' own.
"""
from scenes import EPOCH_S

LM_MIN_S, MONO_MAX_S, BI_MAX_S, BI_GAP_S = 0.5, 10.0, 15.0, 0.5
IMI_MIN_S, IMI_MAX_S, PLM_MIN_COUNT = 10.0, 90.0, 4


def leg_movements(night):
    """Monolateral LMs per leg: bursts merged when < 0.5 s apart, kept when >= 0.5 s long."""
    lms = []
    for leg in "LR":
        bursts = sorted((b for b in night.bursts if b.leg == leg), key=lambda b: b.onset)
        groups = []
        for b in bursts:
            if groups and b.onset - groups[-1]["offset"] < BI_GAP_S:
                g = groups[-1]
                g["offset"] = max(g["offset"], b.offset)
                g["scenes"].add(b.scene)
                g["kinds"].add(b.kind)
            else:
                groups.append({"leg": leg, "onset": b.onset, "offset": b.offset, "scenes": {b.scene},
                               "kinds": {b.kind}})
        lms += [g for g in groups if g["offset"] - g["onset"] >= LM_MIN_S]
    return sorted(lms, key=lambda g: g["onset"])


def combine_bilateral(lms):
    """WASM 2016: LMs on the two legs that overlap or are < 0.5 s apart form one bilateral LM."""
    events = []
    for lm in lms:
        e = events[-1] if events else None
        if e and lm["onset"] < e["offset"] + BI_GAP_S and lm["leg"] not in e["legs_last"]:
            e["offset"] = max(e["offset"], lm["offset"])
            e["members"].append(lm)
            e["legs"].add(lm["leg"])
            e["legs_last"] = {lm["leg"]}
        else:
            events.append({"onset": lm["onset"], "offset": lm["offset"], "members": [lm],
                           "legs": {lm["leg"]}, "legs_last": {lm["leg"]}})
    for e in events:
        dur = e["offset"] - e["onset"]
        bilateral = len(e["legs"]) == 2
        e["bilateral"] = bilateral
        e["clm"] = (LM_MIN_S <= dur <= (BI_MAX_S if bilateral else MONO_MAX_S)
                    and len(e["members"]) <= 4
                    and all(m["offset"] - m["onset"] <= MONO_MAX_S for m in e["members"]))
        e["scenes"] = sorted(set().union(*(m["scenes"] for m in e["members"])))
        del e["legs_last"]
    return events


def plm_series(events):
    """Runs of >= 4 CLMs with every onset-to-onset interval in 10-90 s and no non-CLM LM between."""
    series, run, prev = [], [], None
    for e in events:
        if not e["clm"]:
            if len(run) >= PLM_MIN_COUNT:
                series.append(run)
            run, prev = [], None
            continue
        if prev is not None and IMI_MIN_S <= e["onset"] - prev["onset"] <= IMI_MAX_S:
            run.append(e)
        else:
            if len(run) >= PLM_MIN_COUNT:
                series.append(run)
            run = [e]
        prev = e
    if len(run) >= PLM_MIN_COUNT:
        series.append(run)
    for k, s in enumerate(series):
        for e in s:
            e["plm_series"] = k
    return series


def stage_at(night, t):
    i = min(int(t // EPOCH_S), len(night.stages) - 1)
    return night.stages[i]


def sleep_interruptions(night):
    """Runs of >= 2 W epochs (>= 60 s) between the first and the last sleep epoch."""
    st = night.stages
    sleep_idx = [i for i, s in enumerate(st) if s != "W"]
    if not sleep_idx:
        return []
    bouts, i = [], sleep_idx[0]
    while i <= sleep_idx[-1]:
        if st[i] == "W":
            j = i
            while j < len(st) and st[j] == "W":
                j += 1
            if j - i >= 2 and j <= sleep_idx[-1]:
                bouts.append((i * EPOCH_S, j * EPOCH_S))
            i = j
        else:
            i += 1
    return bouts


def moved_leg(night, onset, offset, leg):
    """Whether the accelerometer's leg (or the whole body) moved during [onset, offset]."""
    return any(m.onset < offset and m.offset > onset and m.kind != "twitch"
               and (m.leg == "B" or m.leg == night.accel_leg or m.leg == leg) for m in night.motions)


def score(night):
    lms = leg_movements(night)
    events = combine_bilateral(lms)
    series = plm_series(events)
    for e in events:
        e["stage"] = stage_at(night, e["onset"])
        e["with_leg_motion"] = moved_leg(night, e["onset"], e["offset"], "B")
        e.setdefault("plm_series", None)
    tst_h = sum(1 for s in night.stages if s != "W") * EPOCH_S / 3600.0
    wake_h = sum(1 for s in night.stages if s == "W") * EPOCH_S / 3600.0
    clms = [e for e in events if e["clm"]]
    plms = [e for e in clms if e["plm_series"] is not None and e["stage"] != "W"]
    plmw = [e for e in clms if e["plm_series"] is not None and e["stage"] == "W"]
    bouts = sleep_interruptions(night)
    for c in night.cramps:
        c["woke"] = any(night.stages[i] == "W" for i in range(int(c["onset_s"] // EPOCH_S),
                        min(len(night.stages), int((c["offset_s"] + 60) // EPOCH_S) + 1)))
    return {"lms": lms, "events": events, "series": series, "clms": clms, "plms": plms, "plmw": plmw,
            "tst_h": tst_h, "wake_h": wake_h, "interruptions": bouts}
