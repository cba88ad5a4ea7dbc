#!/usr/bin/env python3
"""Independent check of EDF/BDF files for Crampwatch's Swift tests.

  edf_check.py compare FILE DUMPDIR   compare Swift's reading (DUMPDIR/manifest.json + .f64 dumps)
                                      with pyedflib's (and edfio's where it reads the file)
  edf_check.py written FILE DUMPDIR   a file Crampwatch wrote: read back with edfio, pyedflib and MNE,
                                      compare with what Swift meant to write, and apply EDFbrowser's header rules

Prints one JSON object; the Swift test asserts its numbers. Exits 2 with a clear message when a
Python package is missing (the test then fails, it never passes silently).
"""
import json, os, struct, sys

def need(name):
    try:
        return __import__(name)
    except Exception as e:  # noqa
        print(f"edf_check.py: Python package '{name}' is missing ({e}). Install it: pip install pyedflib edfio mne "
              "(scripts/setup-system.sh does this).", file=sys.stderr)
        sys.exit(2)

np = need("numpy")

def load_dump(d):
    m = json.load(open(os.path.join(d, "manifest.json")))
    for s in m["signals"]:
        s["values"] = np.fromfile(os.path.join(d, s["file"]), dtype="<f8")
    return m

def step(s):
    return abs((s["pmax"] - s["pmin"]) / (s["dmax"] - s["dmin"]))

def ann_key(onset, dur, text):
    return [round(float(onset), 4), None if dur is None or (isinstance(dur, float) and dur != dur) or float(dur) < 0 else round(float(dur), 4), text]

def pyedflib_read(path):
    pyedflib = need("pyedflib")
    f = pyedflib.EdfReader(path)
    try:
        sigs = [f.readSignal(i, digital=False) for i in range(f.signals_in_file)]
        labels = f.getSignalLabels()
        on, du, tx = f.readAnnotations()
        # pyedflib gives -1 for "no duration"
        anns = [ann_key(o, (None if d < 0 else d), t) for o, d, t in zip(on, du, tx)]
        sub = getattr(f, "starttime_subsecond", 0)
    finally:
        f.close()
    return labels, sigs, anns

def edfio_read(path):
    edfio = need("edfio")
    reader = edfio.read_bdf if path.lower().endswith(".bdf") else edfio.read_edf
    e = reader(path)
    sigs = [s.data for s in e.signals]
    labels = [s.label for s in e.signals]
    anns = [ann_key(a.onset, a.duration, a.text) for a in e.annotations]
    return labels, sigs, anns

def mne_read(path):
    mne = need("mne")
    mne.set_log_level("ERROR")
    fn = mne.io.read_raw_bdf if path.lower().endswith(".bdf") else mne.io.read_raw_edf
    raw = fn(path, preload=True, verbose="ERROR")
    # MNE scales µV/mV/V to V and g is left alone; compare in the file's units by undoing its unit factor.
    data = raw.get_data()
    anns = [ann_key(a["onset"], a["duration"] if a["duration"] > 0 else None, a["description"]) for a in raw.annotations]
    return raw.ch_names, data, anns

def compare_signals(mine, theirs, name):
    out = []
    sigs = mine["signals"]
    for i, s in enumerate(sigs):
        o = {"label": s["label"], "n_swift": int(len(s["values"]))}
        if i >= len(theirs):
            o.update({"n_" + name: 0, "max_diff_steps": None}); out.append(o); continue
        t = np.asarray(theirs[i], dtype="f8")
        o["n_" + name] = int(len(t))
        n = min(len(t), len(s["values"]))
        o["max_diff_steps"] = float(np.max(np.abs(t[:n] - s["values"][:n])) / step(s)) if n else 0.0
        out.append(o)
    return out

def anns_equal(a, b):
    if len(a) != len(b):
        return False
    for x, y in zip(sorted(a, key=lambda v: (v[0], v[2])), sorted(b, key=lambda v: (v[0], v[2]))):
        if abs(x[0] - y[0]) > 1e-3 or x[2] != y[2]:
            return False
        if (x[1] is None) != (y[1] is None) and not ((x[1] or 0) == 0 and (y[1] or 0) == 0):
            return False
        if x[1] is not None and y[1] is not None and abs(x[1] - y[1]) > 1e-3:
            return False
    return True

def header_rules(path):
    """The checks EDFbrowser makes when opening a file (edf_check_file in its edflib/check_edf_file)."""
    problems = []
    b = open(path, "rb").read()
    bdf = b[0] == 0xFF
    hdr_len = int(b[184:192])
    ns = int(b[252:256])
    h = b[:hdr_len]
    start = 8 if bdf else 0
    if not bdf and h[0:8] != b"0       ": problems.append("version field")
    if bdf and h[1:8] != b"BIOSEMI": problems.append("BDF version field")
    if any(c < 32 or c > 126 for c in h[start:]): problems.append("header is not 7-bit printable ASCII")
    d, t = h[168:176].decode(), h[176:184].decode()
    if not (d[2] == "." and d[5] == "." and d.replace(".", "").isdigit()): problems.append(f"start date '{d}'")
    if not (t[2] == "." and t[5] == "." and t.replace(".", "").isdigit()): problems.append(f"start time '{t}'")
    if hdr_len != 256 * (ns + 1): problems.append("header size field")
    reserved = h[192:236].decode()
    plus = reserved.startswith("EDF+") or reserved.startswith("BDF+")
    if plus and reserved[4] not in "CD": problems.append("reserved field")
    if plus:
        if not h[88:98].decode() == "Startdate ": problems.append("recording field must start with 'Startdate '")
        if len(h[8:88].decode().split()) < 4: problems.append("patient field needs 4 subfields")
    def col(off, w):
        return [h[256 + off + i * w: 256 + off + (i + 1) * w].decode().strip() for i in range(ns)]
    labels = col(0, 16)
    o = ns * (16 + 80 + 8)
    pmin = [float(x) for x in col(o, 8)]; pmax = [float(x) for x in col(o + 8 * ns, 8)]
    dmin = [int(x) for x in col(o + 16 * ns, 8)]; dmax = [int(x) for x in col(o + 24 * ns, 8)]
    spr = [int(x) for x in col(o + 32 * ns + 80 * ns, 8)]
    lo, hi = (-8388608, 8388607) if bdf else (-32768, 32767)
    for i in range(ns):
        if not (lo <= dmin[i] < dmax[i] <= hi): problems.append(f"digital range of {labels[i]}")
        if pmin[i] == pmax[i]: problems.append(f"physical range of {labels[i]}")
    ann_label = "BDF Annotations" if bdf else "EDF Annotations"
    if plus and not any(l in ("EDF Annotations", "BDF Annotations") for l in labels): problems.append("no annotation signal")
    nrec = int(h[236:244])
    rec = sum(spr) * (3 if bdf else 2)
    if nrec < 0: problems.append("record count is -1")
    elif len(b) != hdr_len + nrec * rec: problems.append(f"file size {len(b)} != header {hdr_len} + {nrec} x {rec}")
    return problems

def main():
    cmd, path, dump = sys.argv[1], sys.argv[2], sys.argv[3]
    mine = load_dump(dump)
    mine_anns = [ann_key(a["onset"], a.get("duration"), a["text"]) for a in mine["annotations"]]
    data_sigs = [s for s in mine["signals"]]
    result = {"file": os.path.basename(path)}
    labels, sigs, anns = pyedflib_read(path)
    result["pyedflib"] = {"signals": compare_signals(mine, sigs, "pyedflib"), "annotations": len(anns), "annotations_equal": anns_equal(mine_anns, anns)}
    if not result["pyedflib"]["annotations_equal"]:
        result["pyedflib"]["first_annotations"] = anns[:5]
        result["swift_first_annotations"] = mine_anns[:5]
    if cmd == "compare":
        try:
            _, esigs, eanns = edfio_read(path)
            result["edfio"] = {"signals": compare_signals(mine, esigs, "edfio"), "annotations": len(eanns), "annotations_equal": anns_equal(mine_anns, eanns)}
        except SystemExit:
            raise
        except Exception as e:
            result["edfio"] = {"error": str(e)}
    else:
        _, esigs, eanns = edfio_read(path)
        result["edfio"] = {"signals": compare_signals(mine, esigs, "edfio"), "annotations": len(eanns), "annotations_equal": anns_equal(mine_anns, eanns)}
        names, mdata, manns = mne_read(path)
        # MNE returns volts for uV/mV/V channels; convert back to the file's unit.
        factors = {"uV": 1e6, "mV": 1e3, "V": 1.0}
        mine_in_file_units = []
        for i, s in enumerate(mine["signals"]):
            mine_in_file_units.append(mdata[i] * factors.get(s["dimension"], 1.0) if i < len(mdata) else [])
        # MNE resamples every channel to the highest rate: compare the channels it did not resample, and list the others.
        kept = [i for i, s in enumerate(mine["signals"]) if i < len(mdata) and len(mdata[i]) == len(s["values"])]
        sub = {"signals": [mine["signals"][i] for i in kept]}
        result["mne"] = {"signals": compare_signals(sub, [mine_in_file_units[i] for i in kept], "mne"),
                         "resampled_by_mne": [s["label"] for i, s in enumerate(mine["signals"]) if i not in kept],
                         "annotations": len(manns), "annotations_equal": anns_equal(mine_anns, manns)}
        if not result["mne"]["annotations_equal"]:
            result["mne"]["first_annotations"] = manns[:5]
        result["header_problems"] = header_rules(path)
        result["mode"] = oct(os.stat(path).st_mode & 0o777)
    print(json.dumps(result))

if __name__ == "__main__":
    main()
