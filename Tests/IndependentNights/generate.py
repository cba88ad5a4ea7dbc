#!/usr/bin/env python3
"""Generate the independent test nights: `generate.py OUTDIR [--nights N] [--seed S] [--hours H]`.

Writes OUTDIR/leg-worn/night-NN/ and OUTDIR/sleep-lab/night-NN/, each with night.edf (EDF+ with the
reference scoring as annotations), night-nsrr.xml, labels.csv and truth.json. Deterministic: the same
arguments give the same files byte for byte. See README.md for the rules each feature follows.
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import signals as sg  # noqa: E402
import truth  # noqa: E402
import writers as wr  # noqa: E402
from plan import plan_night  # noqa: E402

LEG_WORN_LABELS = [("EMG Calf L", "EMG Calf R"), ("Tibialis L", "Tibialis R"), ("Calf L", "Calf R"),
                   ("Gastrocnemius L", "Gastrocnemius R")]
LAB_LABELS = [("LAT", "RAT"), ("Leg L", "Leg R"), ("Left Leg", "Right Leg"), ("Tib L", "Tib R"), ("EMG Tib",)]
LAB_RATES = [200, 256, 512]
LAB_UNITS = ["uV", "mV", "V"]
EMG_RANGE_UV = 2500.0


def emg_channel(label, unit, fs, data_uv, kind):
    s = wr.UNIT_SCALE[unit]
    return {"label": label, "unit": unit, "fs": fs, "data": data_uv * s, "phys": float("%.6g" % (EMG_RANGE_UV * s)),
            "kind": kind, "transducer": "AgAgCl electrodes"}


def leg_worn_channels(rng, night):
    i = night.index
    labels = LEG_WORN_LABELS[i % len(LEG_WORN_LABELS)]
    afs = [25, 50, 100][i % 3]
    band = (20.0, 450.0)
    chans = [emg_channel(labels[0], "uV", 1000, sg.emg_uv(rng, night, "L", 1000, band), "emg_left"),
             emg_channel(labels[1], "uV", 1000, sg.emg_uv(rng, night, "R", 1000, band), "emg_right")]
    acc = sg.accel_g(rng, night, afs)
    for k, axis in enumerate("XYZ"):
        chans.append({"label": "Accel " + axis, "unit": "g", "fs": afs, "data": acc[:, k], "phys": 4.0,
                      "kind": "accel", "transducer": "3-axis accelerometer on the {} shank".format(
                          "left" if night.accel_leg == "L" else "right")})
    layout = {"kind": "leg-worn", "emg_labels": list(labels), "emg_rate_hz": 1000, "emg_unit": "uV",
              "accel_rate_hz": afs, "accel_leg": night.accel_leg}
    return chans, {"L": labels[0], "R": labels[1]}, layout


def sleep_lab_channels(rng, night):
    i = night.index
    labels, fs, unit = LAB_LABELS[i % 5], LAB_RATES[i % 3], LAB_UNITS[(i // 5) % 3]
    efs = 200 if fs == 200 else 256
    band = (10.0, 0.45 * fs)
    ch = []
    for lab in ("C3-M2", "C4-M1", "O1-M2"):
        ch.append({"label": lab, "unit": "uV", "fs": efs, "data": sg.eeg_uv(rng, night, efs), "phys": 500.0,
                   "kind": "eeg"})
    for lab in ("E1-M2", "E2-M2"):
        ch.append({"label": lab, "unit": "uV", "fs": efs, "data": sg.eog_uv(rng, night, efs), "phys": 1000.0,
                   "kind": "eog"})
    ch.append({"label": "EMG Chin", "unit": "uV", "fs": efs, "data": sg.chin_uv(rng, night, efs), "phys": 250.0,
               "kind": "chin"})
    ch.append({"label": "ECG II", "unit": "uV", "fs": efs, "data": sg.ecg_uv(rng, night, efs), "phys": 3000.0,
               "kind": "ecg"})
    if len(labels) == 2:
        ch.append(emg_channel(labels[0], unit, fs, sg.emg_uv(rng, night, "L", fs, band), "emg_left"))
        ch.append(emg_channel(labels[1], unit, fs, sg.emg_uv(rng, night, "R", fs, band), "emg_right"))
        leg_labels = {"L": labels[0], "R": labels[1]}
    else:
        ch.append(emg_channel(labels[0], unit, fs, sg.emg_uv(rng, night, "LR", fs, band), "emg_both"))
        leg_labels = {"L": labels[0], "R": labels[0]}
    ch.append({"label": "Airflow", "unit": "mV", "fs": 32, "data": sg.resp(rng, night, 32, 0.5), "phys": 2.0,
               "kind": "resp"})
    ch.append({"label": "Thor", "unit": "mV", "fs": 32, "data": sg.resp(rng, night, 32, 0.8), "phys": 2.0,
               "kind": "resp"})
    spo2 = 95.5 + 0.8 * sg.band_noise(rng, int(night.duration_s), 1, 0.001, 0.05)
    ch.append({"label": "SpO2", "unit": "%", "fs": 1, "data": spo2 - 100.0 + 100.0, "phys": 100.0, "kind": "spo2"})
    layout = {"kind": "sleep-lab", "emg_labels": list(labels), "emg_rate_hz": fs, "emg_unit": unit,
              "other_rate_hz": efs}
    return ch, leg_labels, layout


def make_night(outdir, set_name, index, seed, hours):
    night, rng = plan_night(index, set_name, seed, hours, hard=index % 2 == 1)
    scored = truth.score(night)
    if set_name == "leg-worn":
        channels, leg_labels, layout = leg_worn_channels(rng, night)
    else:
        channels, leg_labels, layout = sleep_lab_channels(rng, night)
    folder = os.path.join(outdir, set_name, "night-%02d" % index)
    os.makedirs(folder, exist_ok=True)
    start = wr.start_time(night)
    annots = wr.annotations(night, scored)
    wr.write_edf(os.path.join(folder, "night.edf"), night, channels, start, annots)
    xml, xml_events = wr.nsrr_xml(night, scored, start, leg_labels)
    with open(os.path.join(folder, "night-nsrr.xml"), "w") as f:
        f.write(xml)
    rows = wr.labels_rows(night, scored)
    wr.write_labels(os.path.join(folder, "labels.csv"), rows)
    doc = wr.truth_doc(night, scored, channels, annots, xml_events, rows, layout)
    wr.write_json(os.path.join(folder, "truth.json"), doc)
    return doc


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("outdir")
    p.add_argument("--nights", type=int, default=20, help="nights per set (default 20)")
    p.add_argument("--seed", type=int, default=2016, help="seed (default 2016)")
    p.add_argument("--hours", type=float, default=1.0, help="length of each night in hours (default 1)")
    p.add_argument("--sets", default="leg-worn,sleep-lab", help="comma-separated: leg-worn, sleep-lab")
    a = p.parse_args(argv)
    t0 = time.time()
    for set_name in a.sets.split(","):
        for i in range(a.nights):
            t = time.time()
            d = make_night(a.outdir, set_name, i, a.seed, a.hours)
            print("{} night-{:02d}: {} CLM ({} PLMS, {} PLMW), {} cramps ({} began with leg motion), "
                  "{} wake bouts, {:.1f} s".format(set_name, i, d["leg_movements"]["clm"], d["plm"]["plms"],
                                                   d["plm"]["plmw"], d["cramps"]["total"],
                                                   d["cramps"]["began_with_leg_motion"], d["sleep"]["wake_bouts"],
                                                   time.time() - t), flush=True)
    print("done in {:.0f} s".format(time.time() - t0))


if __name__ == "__main__":
    main()
