#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora into .build-fuzz/seeds/<target>/ (regenerated, not committed).

frame-decoder: every golden vector's bytes (valid, corrupted, truncated, garbage-prefixed, oversize, gaps),
               and 4 KiB pieces cut from the bundled captures (start, middle, a damaged stretch).
edf:           the header and first records of every file in ../shared/data/edf_format_samples and of
               Samples/night-a/night.edf, with the record count set to what the piece holds.
csv:           small CSVs in the shapes the importer reads (time column, --rate, units, separators, gaps).
Each target also gets Tests/Corpus/<target>/* (the bad inputs and every crash found so far).
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
