#!/usr/bin/env python3
"""Writes one night's labels.csv as the clinical scoring formats `crampwatch validate` reads, and scores
detections with the real `timescoring` package, so the Swift tests can check validate against both.

  scoring_formats.py write LABELS.csv RECORDING.edf OUTDIR
      OUTDIR/annotated.edf   the recording's signals (digital values unchanged) with EDF+ annotations
      OUTDIR/nsrr.xml        an NSRR XML scoring
      OUTDIR/noxturnal.csv   a Noxturnal export: UTF-16 with BOM, French headers, units row, clock times
      stdout: {"reference": {kind: [[on, off], ...]}, "duration": s} — what validate must read from each
  scoring_formats.py score < {"reference": {...}, "detected": {...}, "duration": s, "tolerance": s}
      stdout: {kind: {"tp", "fp", "refTrue", "sensitivity", "precision", "f1"}}

Sleep interruptions are written as 30-s sleep-stage epochs (wake where an epoch's middle lies in one, N2
elsewhere); the reference is then the wake bouts of at least 60 s inside the sleep period, as validate says."""
import csv
import datetime
import json
import math
import os
import sys

NSRR = {"cramp": ("Cramp|Cramp", "Leg cramp|Leg cramp"),
        "leg_movement": ("Limb Movement|Limb Movement", "Limb movement - left|Limb Movement (Left)"),
        "voluntary_movement": ("Movement|Movement", "Voluntary movement|Voluntary movement")}
EDF_TEXT = {"cramp": "Leg cramp", "leg_movement": "Limb Movement (Left)", "voluntary_movement": "Voluntary movement"}
NOX_TEXT = {"cramp": "Crampe", "leg_movement": "MJ", "voluntary_movement": "Mouvement volontaire"}
EPOCH = 30.0


def read_labels(path):
    with open(path) as f:
        return [(r["kind"], float(r["onset_s"]), float(r["offset_s"])) for r in csv.DictReader(f)]


def stages(labels, duration):
    wake = [(on, off) for k, on, off in labels if k == "sleep_interruption"]
    out = []
    for e in range(int(duration // EPOCH)):
        mid = (e + 0.5) * EPOCH
        out.append((e * EPOCH, any(on <= mid < off for on, off in wake)))
    return out


def wake_bouts(epochs, minimum=60.0):
    sleep = [t for t, w in epochs if not w]
    first, last = min(sleep), max(sleep) + EPOCH
    bouts = []
    for t, w in epochs:
        if not w or t < first or t + EPOCH > last:
            continue
        if bouts and abs(bouts[-1][1] - t) < 1e-6:
            bouts[-1][1] = t + EPOCH
        else:
            bouts.append([t, t + EPOCH])
    return [b for b in bouts if b[1] - b[0] >= minimum - 1e-6]


def write_edf(recording, labels, epochs, out):
    import pyedflib
    src = pyedflib.EdfReader(recording)
    n = src.signals_in_file
    dst = pyedflib.EdfWriter(out, n, file_type=pyedflib.FILETYPE_EDFPLUS)
    dst.setSignalHeaders([src.getSignalHeader(i) for i in range(n)])
    dst.setStartdatetime(src.getStartdatetime())
    dst.setDatarecordDuration(src.datarecord_duration)
    dst.writeSamples([src.readSignal(i, digital=True) for i in range(n)], digital=True)
    for k, on, off in labels:
        if k in EDF_TEXT:
            dst.writeAnnotation(on, off - on, EDF_TEXT[k])
    for t, w in epochs:
        dst.writeAnnotation(t, EPOCH, "Sleep stage W" if w else "Sleep stage N2")
    dst.close()
    start = src.getStartdatetime()
    src.close()
    return start


def write_nsrr(labels, epochs, duration, out):
    rows = ['<?xml version="1.0" encoding="UTF-8" standalone="no"?>', "<PSGAnnotation>",
            "<SoftwareVersion>Compumedics</SoftwareVersion>", "<EpochLength>30</EpochLength>", "<ScoredEvents>",
            "<ScoredEvent><EventType/><EventConcept>Recording Start Time</EventConcept><Start>0</Start>"
            f"<Duration>{duration}</Duration><ClockTime>00.00.00 23.10.00</ClockTime></ScoredEvent>"]
    events = [(on, NSRR[k], off - on) for k, on, off in labels if k in NSRR]
    events += [(t, ("Stages|Stages", "Wake|0" if w else "Stage 2 sleep|2"), EPOCH) for t, w in epochs]
    for on, (etype, concept), d in sorted(events):
        rows.append(f"<ScoredEvent>\n<EventType>{etype}</EventType>\n<EventConcept>{concept}</EventConcept>\n"
                    f"<Start>{on}</Start>\n<Duration>{d}</Duration>\n</ScoredEvent>")
    rows += ["</ScoredEvents>", "</PSGAnnotation>", ""]
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(rows))


def write_noxturnal(labels, epochs, start, out):
    def clock(s):
        return (start + datetime.timedelta(seconds=s)).strftime("%d/%m/%Y %H:%M:%S")
    rows = ["Heure de début,Heure de fin,Événement,Durée,", "[],[],[],[s],",
            f"{clock(0)},{clock(0)},Début de l'analyse,0,"]
    events = [(on, NOX_TEXT[k], off - on) for k, on, off in labels if k in NOX_TEXT]
    events += [(t, "Éveil" if w else "N2", EPOCH) for t, w in epochs]
    for on, text, d in sorted(events):
        # Clock times are whole seconds in a Noxturnal export; the duration column keeps the fraction.
        rows.append(f"{clock(math.floor(on))},{clock(math.floor(on + d))},{text},{round(d + on - math.floor(on), 3)},")
    with open(out, "wb") as f:
        f.write("\r\n".join(rows).encode("utf-16"))  # Python writes the BOM


def write(labels_path, recording, outdir):
    labels = read_labels(labels_path)
    import pyedflib
    r = pyedflib.EdfReader(recording)
    duration = r.file_duration
    r.close()
    epochs = stages(labels, duration)
    start = write_edf(recording, labels, epochs, os.path.join(outdir, "annotated.edf"))
    write_nsrr(labels, epochs, duration, os.path.join(outdir, "nsrr.xml"))
    write_noxturnal(labels, epochs, start, os.path.join(outdir, "noxturnal.csv"))
    reference = {k: [[on, off] for kk, on, off in labels if kk == k] for k in ("cramp", "leg_movement")}
    reference["sleep_interruption"] = wake_bouts(epochs)
    print(json.dumps({"reference": reference, "duration": duration}))


def score():
    try:
        from timescoring import scoring
        from timescoring.annotations import Annotation
    except ImportError:
        sys.exit("timescoring is not installed: pip install timescoring (scripts/setup-system.sh does this)")
    c = json.load(sys.stdin)
    n = round(c["duration"] * 10)
    clean = lambda x: None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)
    out = {}
    for kind, ref in c["reference"].items():
        det = c["detected"].get(kind, [])
        p = scoring.EventScoring.Parameters(toleranceStart=c["tolerance"], toleranceEnd=c["tolerance"],
                                            minOverlap=0, maxEventDuration=1e9, minDurationBetweenEvents=0)
        # timescoring expects events in time order (it merges neighbours pairwise as given).
        s = scoring.EventScoring(Annotation(sorted(tuple(e) for e in ref), 10, n),
                                 Annotation(sorted(tuple(e) for e in det), 10, n), p)
        out[kind] = {"tp": int(s.tp), "fp": int(s.fp), "refTrue": int(s.refTrue), "sensitivity": clean(s.sensitivity),
                     "precision": clean(s.precision), "f1": clean(s.f1)}
    print(json.dumps(out))


if __name__ == "__main__":
    if sys.argv[1:2] == ["write"]:
        write(*sys.argv[2:5])
    elif sys.argv[1:2] == ["score"]:
        score()
    else:
        sys.exit(__doc__)
