#!/usr/bin/env python3
"""Check that generated nights are what truth.json says: `check.py OUTDIR`. Exits 1 on any mismatch.

Reads every night.edf back with pyedflib (and edfio when installed), night-nsrr.xml with ElementTree
and labels.csv with csv, without importing the generator, and checks:
  * signal labels, rates, units, duration, and a leg-EMG resolution fine enough for 8 uV scoring;
  * annotation counts per text (EDF+), per EventConcept (XML) and per kind (labels.csv);
  * the WASM rules again, from the EDF+ annotations alone: bilateral combination, CLMs, PLM series;
  * the signal itself: every leg movement's EMG >= 8 uV above resting EMG (RMS), >= 0.5 s of rest
    after it, cramps >= 15 uV above rest, the accelerometer at 1 g at rest and moving when a cramp
    began with the foot pointing.
"""
import csv
import json
import os
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pyedflib

UV = {"uV": 1.0, "mV": 1e3, "V": 1e6}


class Checker:
    def __init__(self):
        self.failures = 0
        self.checks = 0

    def expect(self, ok, where, what):
        self.checks += 1
        if not ok:
            self.failures += 1
            print("FAIL {}: {}".format(where, what))


def counts(items):
    out = {}
    for x in items:
        out[x] = out.get(x, 0) + 1
    return out


def wasm_from_annotations(lms):
    """lms: (onset, offset, side). Returns (CLM list of (onset, is_clm), PLM count)."""
    lms = sorted(lms)
    groups = []
    for a, b, side in lms:
        if groups and a < groups[-1][1] + 0.5 and side not in groups[-1][3]:
            g = groups[-1]
            groups[-1] = (g[0], max(g[1], b), g[2] + [b - a], g[3] | {side}, g[4] + 1)
        else:
            groups.append((a, b, [b - a], {side}, 1))
    events = []
    for a, b, durs, sides, n in groups:
        limit = 15.0 if len(sides) == 2 else 10.0
        events.append((a, 0.5 <= b - a <= limit and n <= 4 and max(durs) <= 10.0))
    plm, run, prev = 0, 0, None
    for a, is_clm in events + [(float("inf"), False)]:
        if is_clm and prev is not None and 10.0 <= a - prev <= 90.0:
            run += 1
        else:
            plm += run if run >= 4 else 0
            run = 1 if is_clm else 0
        prev = a if is_clm else None
    return sum(1 for _, c in events if c), plm


def wake_bouts(stages):
    """Runs of >= 2 W epochs (>= 60 s) after the first and before the last sleep epoch."""
    sleep = [i for i, s in enumerate(stages) if s != "W"]
    out, i = [], sleep[0] if sleep else len(stages)
    while sleep and i < sleep[-1]:
        j = i
        while stages[j] == "W":
            j += 1
        if j - i >= 2:
            out.append((i * 30.0, j * 30.0))
        i = j + 1 if j == i else j
    return out


def rms(x):
    return float(np.sqrt(np.mean(np.square(x)))) if len(x) else 0.0


def check_edf(ck, folder, truth):
    where = folder
    r = pyedflib.EdfReader(os.path.join(folder, "night.edf"))
    try:
        labels = r.getSignalLabels()
        sig = truth["signals"]
        want = [s["label"] for s in sig]
        ck.expect(labels == want, where, "labels {} != {}".format(labels, want))
        for k, s in enumerate(sig):
            ck.expect(abs(r.getSampleFrequency(k) - s["rate_hz"]) < 1e-9, where, "rate of " + s["label"])
            ck.expect(r.getPhysicalDimension(k).strip() == s["unit"], where, "unit of " + s["label"])
        ck.expect(abs(r.getFileDuration() - truth["duration_s"]) < 1e-6, where, "duration")
        ck.expect(r.filetype == pyedflib.FILETYPE_EDFPLUS, where, "not EDF+")
        onsets, durs, texts = r.readAnnotations()
        got = counts(texts)
        ck.expect(got == truth["annotations"]["edf"], where, "EDF+ annotations {} != {}".format(
            got, truth["annotations"]["edf"]))
        lms = [(o, o + d, t[-6:]) for o, d, t in zip(onsets, durs, texts) if t.startswith("Limb Movement (")]
        n_clm, n_plm = wasm_from_annotations(lms)
        ck.expect(n_clm == truth["leg_movements"]["clm"], where, "CLMs from annotations {} != {}".format(
            n_clm, truth["leg_movements"]["clm"]))
        ck.expect(n_plm == truth["plm"]["plm"] == got.get("Periodic leg movement", 0), where,
                  "PLMs from annotations {} != {}".format(n_plm, truth["plm"]["plm"]))
        stages = [t[len("Sleep stage "):] for o, t in sorted(zip(onsets, texts)) if t.startswith("Sleep stage ")]
        ck.expect(wake_bouts(stages) == [(b["onset_s"], b["offset_s"]) for b in truth["sleep_interruptions"]],
                  where, "wake bouts from the stage annotations differ from truth")
        check_signals(ck, where, r, truth)
    finally:
        r.close()


def leg_channel(truth, leg):
    kinds = {"L": ("emg_left", "emg_both"), "R": ("emg_right", "emg_both")}[leg]
    return next(k for k, s in enumerate(truth["signals"]) if s["kind"] in kinds)


def check_signals(ck, where, r, truth):
    for leg in "LR":
        k = leg_channel(truth, leg)
        unit, fs = truth["signals"][k]["unit"], truth["signals"][k]["rate_hz"]
        step_uv = (r.getPhysicalMaximum(k) - r.getPhysicalMinimum(k)) / 65535.0 * UV[unit]
        ck.expect(step_uv <= 0.5, where, "leg EMG step {:.3f} uV".format(step_uv))
        x = r.readSignal(k) * UV[unit]
        win = np.sqrt(np.mean(np.square(x[: len(x) // fs * fs].reshape(-1, fs)), axis=1))
        rest = float(np.percentile(win, 20))
        for lm in truth["lm_list"]:
            if lm["leg"] != leg:
                continue
            a, b = int(lm["onset_s"] * fs), int(lm["offset_s"] * fs)
            inner = x[a + (b - a) // 10: b - (b - a) // 10]
            ck.expect(rms(inner) - rest >= 8.0, where, "{} LM at {} only {:.1f} uV above rest".format(
                leg, lm["onset_s"], rms(inner) - rest))
            after = x[b + int(0.02 * fs): b + int(0.5 * fs)]
            if truth["layout"]["emg_labels"][0] != "EMG Tib" and not any(
                    0 <= o["onset_s"] - lm["offset_s"] < 0.6 for o in truth["lm_list"] if o["leg"] == leg):
                ck.expect(rms(after) - rest <= 2.0, where, "{} LM at {}: {:.1f} uV above rest after offset".format(
                    leg, lm["onset_s"], rms(after) - rest))
        for c in truth["cramps"]["list"]:
            if c["leg"] == leg:
                seg = x[int(c["onset_s"] * fs): int(c["offset_s"] * fs)]
                ck.expect(rms(seg) - rest >= 15.0, where, "cramp at {} only {:.1f} uV above rest".format(
                    c["onset_s"], rms(seg) - rest))
    if truth["layout"]["kind"] == "leg-worn":
        check_accel(ck, where, r, truth)


def check_accel(ck, where, r, truth):
    idx = [k for k, s in enumerate(truth["signals"]) if s["kind"] == "accel"]
    ck.expect(len(idx) == 3 and all(truth["signals"][k]["unit"] == "g" for k in idx), where, "3 axes in g")
    fs = truth["signals"][idx[0]]["rate_hz"]
    a = np.stack([r.readSignal(k) for k in idx], axis=1)
    mag = np.linalg.norm(a, axis=1)
    ck.expect(0.95 < float(np.median(mag)) < 1.05, where, "accelerometer median |a| {:.3f} g".format(np.median(mag)))
    for c in truth["cramps"]["list"]:
        if not c["began_with_leg_motion"] or c["leg"] != truth["accel_leg"]:
            continue
        def motion(t0, t1):
            seg = a[int(t0 * fs): int(t1 * fs)]
            return float(np.sqrt(np.mean(np.sum(np.square(np.diff(seg, axis=0)), axis=1)))) if len(seg) > 2 else 0.0
        at_onset = motion(c["onset_s"] - 0.5, c["onset_s"] + 1.5)
        held = motion(c["onset_s"] + 3.0, min(c["offset_s"], c["onset_s"] + 9.0))
        ck.expect(at_onset > 3 * held, where, "cramp at {}: motion at onset {:.4f} not > 3x held {:.4f}".format(
            c["onset_s"], at_onset, held))


def check_xml(ck, folder, truth):
    root = ET.parse(os.path.join(folder, "night-nsrr.xml")).getroot()
    ck.expect(root.tag == "PSGAnnotation", folder, "XML root")
    events = root.findall("./ScoredEvents/ScoredEvent")
    got = counts(e.findtext("EventConcept") for e in events)
    want = truth["annotations"]["xml"]
    ck.expect(got == want, folder, "XML concepts {} != {}".format(got, want))
    stage_s = sum(float(e.findtext("Duration")) for e in events if e.findtext("EventType") == "Stages|Stages")
    ck.expect(abs(stage_s - truth["duration_s"]) < 1e-6, folder, "XML stages cover {} s".format(stage_s))
    for e in events:
        s, d = float(e.findtext("Start")), float(e.findtext("Duration"))
        ck.expect(0 <= s and s + d <= truth["duration_s"] + 1e-6, folder, "XML event outside the recording")
    lm = sum(n for c, n in got.items() if "|Limb Movement (" in c or "|PLM (" in c)
    ck.expect(lm == truth["leg_movements"]["monolateral_left"] + truth["leg_movements"]["monolateral_right"],
              folder, "XML leg movements")


def check_labels(ck, folder, truth):
    with open(os.path.join(folder, "labels.csv")) as f:
        rows = list(csv.reader(f))
    ck.expect(rows[0] == ["kind", "onset_s", "offset_s"], folder, "labels.csv header")
    got = counts(r[0] for r in rows[1:])
    ck.expect(got == truth["annotations"]["labels_csv"], folder, "labels.csv {}".format(got))
    ck.expect(got.get("leg_movement", 0) == truth["leg_movements"]["clm"], folder, "labels.csv leg movements")
    ck.expect(got.get("cramp", 0) == truth["cramps"]["total"], folder, "labels.csv cramps")
    ck.expect(got.get("sleep_interruption", 0) == truth["sleep"]["wake_bouts"], folder, "labels.csv interruptions")
    ck.expect(all(0 <= float(r[1]) < float(r[2]) <= truth["duration_s"] for r in rows[1:]), folder, "labels times")


def check_edfio(ck, folder, truth):
    try:
        import edfio
    except ImportError:
        print("note: edfio not installed, second reader skipped")
        return
    edf = edfio.read_edf(os.path.join(folder, "night.edf"))
    ck.expect([s.label for s in edf.signals] == [s["label"] for s in truth["signals"]], folder, "edfio labels")
    ck.expect([s.sampling_frequency for s in edf.signals] == [s["rate_hz"] for s in truth["signals"]], folder,
              "edfio rates")
    ck.expect(len(edf.annotations) == sum(truth["annotations"]["edf"].values()), folder, "edfio annotations")


def main(argv):
    if len(argv) != 1:
        print(__doc__)
        return 2
    ck = Checker()
    nights = 0
    for set_name in sorted(os.listdir(argv[0])):
        base = os.path.join(argv[0], set_name)
        if not os.path.isdir(base):
            continue
        for name in sorted(os.listdir(base)):
            folder = os.path.join(base, name)
            if not os.path.isfile(os.path.join(folder, "truth.json")):
                continue
            with open(os.path.join(folder, "truth.json")) as f:
                truth = json.load(f)
            check_edf(ck, folder, truth)
            check_xml(ck, folder, truth)
            check_labels(ck, folder, truth)
            check_edfio(ck, folder, truth)
            nights += 1
    print("{} nights, {} checks, {} failed".format(nights, ck.checks, ck.failures))
    return 1 if ck.failures or not nights else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
