"""The three reference scorings (EDF+ annotations, NSRR XML, labels.csv), the EDF+ file, and truth.json,
all written from the same scored night."""
import datetime as dt
import json
from xml.sax.saxutils import escape

import numpy as np
import pyedflib

from scenes import EPOCH_S

STAGE_EDF = {"W": "Sleep stage W", "N1": "Sleep stage N1", "N2": "Sleep stage N2", "N3": "Sleep stage N3",
             "R": "Sleep stage R"}
STAGE_NSRR = {"W": "Wake|0", "N1": "Stage 1 sleep|1", "N2": "Stage 2 sleep|2", "N3": "Stage 3 sleep|3",
              "R": "REM sleep|5"}
SIDE = {"L": "Left", "R": "Right"}
CRAMP_EDF = "Sleep related leg cramp ({})"
CRAMP_NSRR = ("Leg Cramp|Leg Cramp", "Sleep related leg cramp - {low}|Leg Cramp ({side})")
UNIT_SCALE = {"uV": 1.0, "mV": 1e-3, "V": 1e-6}


def annotations(night, scored):
    """(onset, duration, EDF+ text) for every scored event, sorted by onset."""
    out = [(i * EPOCH_S, EPOCH_S, STAGE_EDF[s]) for i, s in enumerate(night.stages)]
    for lm in scored["lms"]:
        out.append((lm["onset"], lm["offset"] - lm["onset"], "Limb Movement ({})".format(SIDE[lm["leg"]])))
    for e in scored["clms"]:
        if e["plm_series"] is not None:
            out.append((e["onset"], e["offset"] - e["onset"], "Periodic leg movement"))
    for c in night.cramps:
        out.append((c["onset_s"], c["offset_s"] - c["onset_s"], CRAMP_EDF.format(SIDE[c["leg"]])))
    for a, b in night.arousals:
        out.append((a, b - a, "Arousal"))
    for kind, a, b in night.voluntary:
        out.append((a, b - a, "Voluntary movement ({})".format(kind)))
    assert all(len(t) <= 40 for _, _, t in out), "EDFlib keeps 40 characters of an annotation"
    return sorted(out, key=lambda x: (x[0], x[2]))


def write_edf(path, night, channels, start, annots):
    """channels: list of dicts with label, unit, fs, data (in `unit`), phys (range in `unit`)."""
    w = pyedflib.EdfWriter(str(path), len(channels), file_type=pyedflib.FILETYPE_EDFPLUS)
    try:
        headers = []
        for ch in channels:
            headers.append({"label": ch["label"], "dimension": ch["unit"], "sample_frequency": ch["fs"],
                            "physical_max": ch["phys"], "physical_min": -ch["phys"], "digital_max": 32767,
                            "digital_min": -32768, "transducer": ch.get("transducer", ""),
                            "prefilter": ch.get("prefilter", "")})
        w.setSignalHeaders(headers)
        w.setStartdatetime(start)
        w.setPatientCode("X")
        w.setEquipment("IndependentNights")
        w.writeSamples([np.clip(ch["data"], -ch["phys"], ch["phys"]) for ch in channels])
        for onset, dur, text in annots:
            w.writeAnnotation(round(onset, 4), round(dur, 4), text)
    finally:
        w.close()


def nsrr_xml(night, scored, start, leg_labels):
    """NSRR-style XML: stages merged into runs as NSRR writes them, LMs per leg (PLM (Left/Right)
    for the leg movements of a PLM series, Limb Movement (Left/Right) otherwise), arousals, cramps."""
    ev = [("", "Recording Start Time", 0.0, night.duration_s, start.strftime("00.00.00 %H.%M.%S"), None)]
    i = 0
    while i < len(night.stages):
        j = i
        while j < len(night.stages) and night.stages[j] == night.stages[i]:
            j += 1
        ev.append(("Stages|Stages", STAGE_NSRR[night.stages[i]], i * EPOCH_S, (j - i) * EPOCH_S, None, None))
        i = j
    in_plm = {id(m) for e in scored["clms"] if e["plm_series"] is not None for m in e["members"]}
    for lm in scored["lms"]:
        side = SIDE[lm["leg"]]
        concept = ("Periodic leg movement - {}|PLM ({})" if id(lm) in in_plm else
                   "Limb movement - {}|Limb Movement ({})").format(side.lower(), side)
        ev.append(("Limb Movement|Limb Movement", concept, lm["onset"], lm["offset"] - lm["onset"], None,
                   leg_labels[lm["leg"]]))
    for a, b in night.arousals:
        ev.append(("Arousals|Arousals", "Arousal|Arousal ()", a, b - a, None, None))
    for c in night.cramps:
        side = SIDE[c["leg"]]
        ev.append((CRAMP_NSRR[0], CRAMP_NSRR[1].format(low=side.lower(), side=side), c["onset_s"],
                   c["offset_s"] - c["onset_s"], None, leg_labels[c["leg"]]))
    lines = ['<?xml version="1.0" encoding="UTF-8" standalone="no"?>', "<PSGAnnotation>",
             "<SoftwareVersion>IndependentNights generate.py</SoftwareVersion>", "<EpochLength>30</EpochLength>",
             "<ScoredEvents>"]
    for etype, concept, onset, dur, clock, loc in sorted(ev, key=lambda e: (e[2], e[0] != "")):
        lines.append("<ScoredEvent>")
        lines.append("<EventType>{}</EventType>".format(escape(etype)) if etype else "<EventType/>")
        lines.append("<EventConcept>{}</EventConcept>".format(escape(concept)))
        lines.append("<Start>{:.3f}</Start>".format(onset))
        lines.append("<Duration>{:.3f}</Duration>".format(dur))
        if loc:
            lines.append("<SignalLocation>{}</SignalLocation>".format(escape(loc)))
        if clock:
            lines.append("<ClockTime>{}</ClockTime>".format(clock))
        lines.append("</ScoredEvent>")
    lines += ["</ScoredEvents>", "</PSGAnnotation>", ""]
    return "\n".join(lines), ev


def labels_rows(night, scored):
    rows = [("cramp", c["onset_s"], c["offset_s"]) for c in night.cramps]
    rows += [("leg_movement", e["onset"], e["offset"]) for e in scored["clms"]]
    rows += [("sleep_interruption", a, b) for a, b in scored["interruptions"]]
    rows += [("voluntary_movement", a, b) for _, a, b in night.voluntary]
    return sorted(rows, key=lambda r: (r[1], r[0]))


def write_labels(path, rows):
    with open(path, "w") as f:
        f.write("kind,onset_s,offset_s\n")
        for kind, a, b in rows:
            f.write("{},{:.3f},{:.3f}\n".format(kind, a, b))


def count(items):
    out = {}
    for x in items:
        out[x] = out.get(x, 0) + 1
    return dict(sorted(out.items()))


def truth_doc(night, scored, channels, annots, xml_events, rows, layout):
    clms, series = scored["clms"], scored["series"]
    tst_h, wake_h = scored["tst_h"], scored["wake_h"]
    cramps = night.cramps
    return {
        "format": "crampwatch-independent-night", "version": 1,
        "night": night.index, "set": night.set_name, "seed": night.seed, "duration_s": night.duration_s,
        "hard": night.hard, "layout": layout,
        "signals": [{"label": c["label"], "unit": c["unit"], "rate_hz": c["fs"], "kind": c["kind"]}
                    for c in channels],
        "resting_emg_uv": night.rest_uv, "electrode_noise_uv": night.noise_uv, "mains_hz": night.mains_hz,
        "mains_uv": night.mains_uv, "ecg_artifact_uv": night.ecg_artifact_uv, "accel_leg": night.accel_leg,
        "leg_movements": {
            "monolateral_left": sum(1 for m in scored["lms"] if m["leg"] == "L"),
            "monolateral_right": sum(1 for m in scored["lms"] if m["leg"] == "R"),
            "clm": len(clms), "clm_bilateral": sum(1 for e in clms if e["bilateral"]),
            "clm_with_leg_motion": sum(1 for e in clms if e["with_leg_motion"]),
            "clm_in_sleep": sum(1 for e in clms if e["stage"] != "W"),
            "clm_in_wake": sum(1 for e in clms if e["stage"] == "W"),
            "lm_not_clm": sum(1 for e in scored["events"] if not e["clm"]),
            "lm_index_sleep_per_h": round(sum(1 for e in clms if e["stage"] != "W") / tst_h, 3) if tst_h else 0,
        },
        "plm": {"series": len(series), "plm": sum(len(s) for s in series),
                "plms": len(scored["plms"]), "plmw": len(scored["plmw"]),
                "plms_index_per_h": round(len(scored["plms"]) / tst_h, 3) if tst_h else 0,
                "plmw_index_per_h": round(len(scored["plmw"]) / wake_h, 3) if wake_h else 0,
                "plm_with_leg_motion": sum(1 for s in series for e in s if e["with_leg_motion"])},
        "sleep": {"tst_h": round(tst_h, 4), "wake_h": round(wake_h, 4),
                  "stage_epochs": count(night.stages), "wake_bouts": len(scored["interruptions"]),
                  "arousals": len(night.arousals)},
        "cramps": {"total": len(cramps), "left": sum(1 for c in cramps if c["leg"] == "L"),
                   "right": sum(1 for c in cramps if c["leg"] == "R"),
                   "began_with_leg_motion": sum(1 for c in cramps if c["began_with_leg_motion"]),
                   "woke": sum(1 for c in cramps if c["woke"]), "list": cramps},
        "voluntary_movements": count(k for k, _, _ in night.voluntary),
        "annotations": {"edf": count(t for _, _, t in annots),
                        "xml": count(e[1] for e in xml_events),
                        "labels_csv": count(r[0] for r in rows)},
        "clm_list": [{"onset_s": round(e["onset"], 3), "offset_s": round(e["offset"], 3),
                      "legs": "".join(sorted(e["legs"])), "bilateral": e["bilateral"], "stage": e["stage"],
                      "plm_series": e["plm_series"], "with_leg_motion": e["with_leg_motion"],
                      "scenes": e["scenes"]} for e in clms],
        "lm_list": [{"leg": m["leg"], "onset_s": round(m["onset"], 3), "offset_s": round(m["offset"], 3),
                     "scenes": sorted(m["scenes"])} for m in scored["lms"]],
        "sleep_interruptions": [{"onset_s": a, "offset_s": b} for a, b in scored["interruptions"]],
    }


def write_json(path, doc):
    with open(path, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write("\n")


def start_time(night):
    return dt.datetime(2026, 11, 1, 23, 0, 0) + dt.timedelta(days=night.index, minutes=7 * night.index % 50)
