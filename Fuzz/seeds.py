#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora into .build-fuzz/seeds/<target>/ (regenerated, not committed).

frame-decoder: every golden vector's bytes (valid, corrupted, truncated, garbage-prefixed, oversize, gaps),
               and 4 KiB pieces cut from the bundled captures (start, middle, a damaged stretch).
cyton:         the Cyton generator's packets (scripts/cyton-sim.py): clean, wrapping at 255, dropped, a damaged
               stop byte, noise first, a packet cut short, the board's text (and a Daisy's) before packets.
edf:           the header and first records of every file in ../shared/data/edf_format_samples and of
               Samples/night-a/night.edf, with the record count set to what the piece holds.
csv:           small CSVs in the shapes the importer reads (time column, --rate, units, separators, gaps).
replay-capture, replay-edf, replay-csv (one binary, fuzz-replay: the whole pipeline; inputs up to 1 MiB):
               the starts of the bundled captures cut at a frame boundary (64 KiB, 256 KiB, and the first
               1 MiB of night-a, which holds a cramp) and a middle piece without the device's description;
               the EDF/BDF files of ../shared/data (the Nox PSG excerpt too) and Samples/night-a/night.edf cut to
               whole records with the count rewritten, and one left unclosed (count -1, a partial record) for the
               repair path; CSVs from night-a's EDF (µV and g, the accelerometer every 10th row, one stretch
               around a cramp), the leg EMG walking CSV and the BITalino text file of ../shared/data (pieces
               cut at a line end), and the csv target's shapes.
Each target also gets Tests/Corpus/<target>/* (the bad inputs and every crash found so far); the replay
targets get the files of Tests/Corpus/bad-input/ in their format too.
"""
import os, pathlib, re, shutil, sys

root = pathlib.Path(__file__).resolve().parent.parent
out = root / ".build-fuzz" / "seeds"
shared = pathlib.Path(os.environ.get("CRAMPWATCH_SHARED", root.parent / "shared"))
if not (shared / "data").is_dir():
    shared = pathlib.Path("/work/shared")

def target(name):
    d = out / name
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    corpus = root / "Tests" / "Corpus" / name
    if corpus.is_dir():
        for f in sorted(corpus.iterdir()):
            if f.is_file():
                shutil.copy(f, d / ("corpus-" + f.name))
    return d

# Frame decoder.
d = target("frame-decoder")
case, chunks, n = None, [], 0
for line in (root / "Firmware/protocol/golden_vectors.txt").read_text().splitlines():
    if line.startswith("case "):
        case, chunks = line.split()[1], []
    elif line.startswith("bytes "):
        chunks.append(line.split()[1])
    elif line == "end" and case:
        (d / f"golden-{case}").write_bytes(bytes.fromhex("".join(chunks)))
        n += 1
for cap in sorted((root / "Samples").glob("*/night.cwcap")):
    data = cap.read_bytes()
    for at in (0, len(data) // 2, len(data) - 4096):
        (d / f"{cap.parent.name}-{at}").write_bytes(data[at:at + 4096])
        n += 1
print(f"frame-decoder: {n} seeds")

# OpenBCI Cyton: packets from the pty generator's own encoder (scripts/cyton-sim.py).
import importlib.util
spec = importlib.util.spec_from_file_location("cyton_sim", root / "scripts/cyton-sim.py")
sim = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sim)
d = target("cyton")
run = lambda first, count: b"".join(sim.packet(n) for n in range(first, first + count))
cyton_seeds = {
    "clean-40": run(0, 40),
    "wraps-at-255": run(240, 40),
    "dropped-3": run(0, 10) + run(13, 10),
    "damaged-stop": run(0, 5) + sim.packet(5, damaged=True) + run(6, 5),
    "garbage-first": b"\x00\xa0\xc0 noise \xa0" + run(0, 10),
    "cut-short": run(0, 5) + sim.packet(5)[:20] + run(6, 5),
    "board-text": sim.board_text(False).encode() + run(0, 10),
    "daisy-text": sim.board_text(True).encode() + run(0, 4),
}
for name, data in cyton_seeds.items():
    (d / name).write_bytes(data)
print(f"cyton: {len(cyton_seeds)} seeds")

# EDF / BDF.
d = target("edf")
n = 0
files = sorted((shared / "data/edf_format_samples").glob("*.[eb]df")) + [root / "Samples/night-a/night.edf"]
for f in files:
    if not f.exists():
        continue
    data = f.read_bytes()
    ns = int(data[252:256])
    header = 256 * (ns + 1)
    width = 3 if data[0] == 0xFF else 2
    counts = [int(data[256 + ns * 216 + 8 * i: 256 + ns * 216 + 8 * i + 8]) for i in range(ns)]
    record = sum(counts) * width
    keep = max(0, min(int(data[236:244]), (32768 - header) // record if record else 0))
    piece = bytearray(data[:header + keep * record])
    piece[236:244] = str(keep).ljust(8).encode()
    (d / f.name).write_bytes(bytes(piece))
    n += 1
print(f"edf: {n} seeds ({', '.join(f.name for f in files if f.exists())})")

# CSV.
d = target("csv")
seeds = {
    "time-uv.csv": "time,emg_uv,acc_x_g,acc_y_g,acc_z_g\n" + "".join(f"{i/1000:.3f},{(i*37)%200-100},{0.01*(i%3)},0,1\n" for i in range(200)),
    "rate-mv.csv": "emg (mV);emg2 (mV)\n" + "".join(f"{0.001*i};{-0.002*i}\n" for i in range(100)),
    "tab-gaps.tsv": "t\temg\tacc_x_m/s^2\tacc_y_m/s^2\tacc_z_m/s^2\n" + "".join(f"{i/500:.4f}\t{i%50}\t" + ("0.1\t0\t9.8" if i % 5 == 0 else "\t\t") + "\n" for i in range(150)) + "".join(f"{10+i/500:.4f}\t{i%7}\t\t\t\n" for i in range(20)),
    "comments-quotes.csv": "# exported by a tool\n\n\"time_s\",\"EMG tibialis (uV)\"\r\n" + "".join(f"{i*0.001},{i%9}\r\n" for i in range(50)),
    "nan.csv": "time,emg\n0,1\n0.001,NaN\n0.002,inf\n",
}
for name, text in seeds.items():
    (d / name).write_text(text)
print(f"csv: {len(seeds)} seeds")

# The whole pipeline (fuzz-replay): pieces of real recordings. Small ones (16-64 KiB) keep the runs fast and the
# corpus small; libFuzzer may grow inputs to 1 MiB (Fuzz/run.sh).
KiB = 1 << 10

def replay_target(name, suffixes):
    d = target(name)
    for f in sorted((root / "Tests/Corpus/bad-input").iterdir()):
        if f.suffix in suffixes:
            shutil.copy(f, d / ("bad-input-" + f.name))
    return d

def at_frame_end(data, limit):
    """The capture's first `limit` bytes, cut after the last frame delimiter inside them."""
    return data[:data.rfind(b"\0", 0, limit) + 1]

def cobs_decode(encoded):
    out, i = bytearray(), 0
    while i < len(encoded):
        code = encoded[i]
        out += encoded[i + 1:i + code]
        i += code
        if code < 0xFF and i < len(encoded):
            out.append(0)
    return bytes(out)

def frames(data):
    """(encoded frame with its delimiter, frame type, first EMG sample index or None) for each frame."""
    at = 0
    while True:
        end = data.find(b"\0", at)
        if end < 0:
            return
        body = cobs_decode(data[at:end])
        if len(body) >= 20:
            index = int.from_bytes(body[16:20], "little") if body[1] == 0x01 else None
            yield data[at:end + 1], body[1], index
        at = end + 1

d = replay_target("replay-capture", {".cwcap", ".bin"})
n = 0
for cap in sorted((root / "Samples").glob("*/night.cwcap")):
    data = cap.read_bytes()
    (d / f"{cap.parent.name}-start-16k.cwcap").write_bytes(at_frame_end(data, 16 * KiB))
    n += 1
faulty = (root / "Samples/night-b-faulty/night.cwcap").read_bytes()
(d / "night-b-faulty-start-64k.cwcap").write_bytes(at_frame_end(faulty, 64 * KiB))
middle = faulty.index(b"\0", len(faulty) // 2) + 1
(d / "night-b-faulty-middle-16k.cwcap").write_bytes(at_frame_end(faulty[middle:], 16 * KiB))
# night-a's device description, then its blocks from 115 s to 155 s: the first cramp (126-150 s) after a gap.
night_a = list(frames((root / "Samples/night-a/night.cwcap").read_bytes()))
info = next(f for f, kind, _ in night_a if kind == 0x02)
cramp = b"".join(f for f, kind, index in night_a if kind == 0x01 and 115_000 <= index < 155_000)
(d / "night-a-cramp-115-155s.cwcap").write_bytes(info + cramp)
n += 3
print(f"replay-capture: {len(list(d.iterdir()))} seeds")

def edf_fields(data):
    ns = int(data[252:256])
    header = 256 * (ns + 1)
    width = 3 if data[0] == 0xFF else 2
    counts = [int(data[256 + ns * 216 + 8 * i: 256 + ns * 216 + 8 * i + 8]) for i in range(ns)]
    return header, sum(counts) * width

def edf_piece(data, limit, count=None):
    """Header and the whole records that fit in `limit` bytes (at least one), the record count rewritten (or set
    to `count`)."""
    header, record = edf_fields(data)
    keep = max(1, min(int(data[236:244]), (limit - header) // record if record else 0))
    piece = bytearray(data[:header + keep * record])
    piece[236:244] = str(keep if count is None else count).ljust(8).encode()
    return bytes(piece)

d = replay_target("replay-edf", {".edf", ".bdf"})
files = sorted((shared / "data/edf_format_samples").glob("*.[eb]df")) + [
    shared / "data/psg_nox_a1_rsleep/subject1_noxA1_2min.edf", root / "Samples/night-a/night.edf"]

def as_leg_emg(data):
    """The same file with its fastest signal relabelled as leg EMG in µV, so that the detector reads it."""
    ns = int(data[252:256])
    labels = [data[256 + 16 * i:256 + 16 * (i + 1)] for i in range(ns)]
    counts = [int(data[256 + ns * 216 + 8 * i:256 + ns * 216 + 8 * i + 8]) for i in range(ns)]
    signals = [i for i in range(ns) if b"Annotations" not in labels[i]]
    if not signals:
        return None
    i = max(signals, key=lambda k: counts[k])
    out = bytearray(data)
    out[256 + 16 * i:256 + 16 * (i + 1)] = b"EMG Tibialis L".ljust(16)
    out[256 + ns * 96 + 8 * i:256 + ns * 96 + 8 * (i + 1)] = b"uV".ljust(8)
    return bytes(out)

for f in files:
    if not f.exists():
        continue
    piece = edf_piece(f.read_bytes(), 32 * KiB)
    (d / f.name).write_bytes(piece)
    relabelled = as_leg_emg(piece)
    if relabelled and f.parent.name == "edf_format_samples":
        (d / f"{f.stem}-as-leg-emg{f.suffix}").write_bytes(relabelled)
night = (root / "Samples/night-a/night.edf").read_bytes()
(d / "night-a-64k.edf").write_bytes(edf_piece(night, 64 * KiB))
header, record = edf_fields(night)
unclosed = edf_piece(night, 32 * KiB, count=-1)
(d / "night-a-unclosed.edf").write_bytes(unclosed + night[len(unclosed):len(unclosed) + record // 2])
print(f"replay-edf: {len(list(d.iterdir()))} seeds")

d = replay_target("replay-csv", {".csv"})
for f in sorted(out.joinpath("csv").iterdir()):  # the csv target's shapes (written above)
    if not f.name.startswith("corpus-"):
        shutil.copy(f, d / ("shape-" + f.name))

def edf_signals(data, first, seconds):
    """Physical samples of every signal of an EDF with 1-s records, records first…first+seconds-1."""
    header, record = edf_fields(data)
    ns = int(data[252:256])
    field = lambda k, w, i: data[256 + k * ns + i * w:256 + k * ns + (i + 1) * w].decode().strip()
    counts = [int(field(216, 8, i)) for i in range(ns)]
    pmin, pmax = [float(field(104, 8, i)) for i in range(ns)], [float(field(112, 8, i)) for i in range(ns)]
    dmin, dmax = [float(field(120, 8, i)) for i in range(ns)], [float(field(128, 8, i)) for i in range(ns)]
    out = [[] for _ in range(ns)]
    for r in range(first, first + seconds):
        at = header + r * record
        for i in range(ns):
            for k in range(counts[i]):
                v = int.from_bytes(data[at + 2 * k:at + 2 * k + 2], "little", signed=True)
                out[i].append(pmin[i] + (v - dmin[i]) * (pmax[i] - pmin[i]) / (dmax[i] - dmin[i]))
            at += 2 * counts[i]
    return out

def night_csv(first, seconds, every):
    """night-a's EMG (µV) and accelerometer (g) from `first` s, every `every`-th EMG sample (1000 Hz / every);
    the accelerometer (100 Hz) on the rows it falls on, empty cells between."""
    emg1, emg2, ax, ay, az, _ = edf_signals(night, first, seconds)
    lines = ["time,emg_tibialis_uv,emg_gastroc_uv,acc_x_g,acc_y_g,acc_z_g"]
    step = max(1, 10 // every)
    for row, k in enumerate(range(0, len(emg1), every)):
        acc = f"{ax[k // 10]:.4f},{ay[k // 10]:.4f},{az[k // 10]:.4f}" if row % step == 0 else ",,"
        lines.append(f"{first + k / 1000:.3f},{emg1[k]:.2f},{emg2[k]:.2f},{acc}")
    return "\n".join(lines) + "\n"

(d / "night-a-start-2s.csv").write_text(night_csv(0, 2, 1))
(d / "night-a-cramp-100hz.csv").write_text(night_csv(118, 34, 10))  # the first cramp, 126-150 s, at 100 Hz

def at_line_end(path, limit):
    data = path.read_bytes()
    return data[:data.rfind(b"\n", 0, limit) + 1]

gait = shared / "data/gait_emg_lowerlimb_santuz/ID0012_TW_01_raw_emg.csv"
if gait.exists():
    (d / "gait-walking-64k.csv").write_bytes(at_line_end(gait, 64 * KiB))
bitalino = shared / "data/biosppy_emg_bursts/emg_1.txt"
if bitalino.exists():
    (d / "bitalino-16k.txt").write_bytes(at_line_end(bitalino, 16 * KiB))
print(f"replay-csv: {len(list(d.iterdir()))} seeds")
