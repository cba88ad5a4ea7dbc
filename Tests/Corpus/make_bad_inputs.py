#!/usr/bin/env python3
"""Writes Tests/Corpus/bad-input/: the bad-input corpus that Tests/BadInputTests runs through the real CLI.
The files are committed; this script says how each was made (rerun it to regenerate them byte for byte)."""
import pathlib, random, sqlite3

here = pathlib.Path(__file__).resolve().parent
out = here / "bad-input"
out.mkdir(exist_ok=True)
samples = here.parent.parent / "Samples"

def edf(pmin="-3200", pmax="3200", dmin="-32768", dmax="32767", n="1000", ns=1, records=2, dur="1", label="EMG tibialis",
        dim="uV", version=b"0       ", header_bytes=None, data=None, bdf=False):
    width = 3 if bdf else 2
    h = (version + b"X X X X".ljust(80) + b"Startdate X X X X".ljust(80) + b"01.01.26" + b"22.00.00"
         + str(header_bytes or 256 * (ns + 1)).encode().ljust(8) + (b"24BIT" if bdf else b"").ljust(44)
         + str(records).encode().ljust(8) + dur.encode().ljust(8) + str(ns).encode().ljust(4))
    f = lambda v, w: v.encode().ljust(w)
    s = b""
    for field, w in [(label, 16), ("", 80), (dim, 8), (pmin, 8), (pmax, 8), (dmin, 8), (dmax, 8), ("", 80), (n, 8), ("", 32)]:
        s += f(field, w) * ns
    if data is None:
        rnd = random.Random(7)
        data = bytes(rnd.randrange(256) for _ in range(int(float(n)) * width * ns * max(records, 0)))
    return h + s + data

def write(name, data):
    (out / name).write_bytes(data)

write("empty.cwcap", b"")
rnd = random.Random(1)
write("garbage.bin", bytes(rnd.randrange(1, 256) for _ in range(5000)))
cap = (samples / "night-a/night.cwcap").read_bytes()
write("capture-cut-mid-frame.cwcap", cap[:200_000 + 17])
end = cap.rindex(b"\0", 0, 300_000) + 1  # ends on a frame's delimiter: only the middle is damaged
write("capture-garbage-inside.cwcap", cap[:150_000] + bytes(rnd.randrange(256) for _ in range(3000)) + cap[150_000:end])
good = edf()
write("edf-cut-in-header.edf", good[:100])
write("edf-cut-in-signal-header.edf", good[:300])
write("edf-fewer-records-than-header.edf", edf(records=10)[:512 + 2000 * 2 + 700])
write("edf-wrong-version.edf", edf(version=b"1       "))
write("edf-9999-signals.edf", edf()[:252] + b"9999" + edf()[256:])
write("edf-header-bytes-wrong.edf", edf(header_bytes=99999999))
write("edf-huge-samples-per-record.edf", edf(n="99999999", records=0, data=b""))
write("edf-record-duration-1e9.edf", edf(dur="1e9"))
write("edf-physical-range-1e308.edf", edf(pmin="-1e308", pmax="1e308"))
write("edf-digital-range-inverted.edf", edf(dmin="100", dmax="-100"))
write("edf-emg-rate-1hz.edf", edf(n="1", records=60))
write("edf-emg-rate-absurd.edf", edf(n="100000", dur="0.00001", records=1))
write("bdf-cut-in-record.bdf", edf(bdf=True, records=3)[:512 + 3000 * 2 + 10].replace(b"0       ", b"\xffBIOSEMI", 1))
write("csv-nan.csv", b"time,emg_uv\n0.000,1\n0.001,2\n0.002,NaN\n0.003,4\n")
write("csv-infinity.csv", b"time,emg_uv\n0.000,1\n0.001,2\n0.002,3\n0.003,-inf\n")
write("csv-not-a-number.csv", b"time,emg_uv\n0.000,1\n0.001,2\n0.002,3\n0.003,12,5\n")
write("csv-missing-field.csv", b"time,emg_uv,acc_x_g,acc_y_g,acc_z_g\n0.000,1,0,0,1\n0.001,2,0,0\n")
write("csv-rate-absurd.csv", b"time,emg_uv\n" + b"".join(b"%.9f,%d\n" % (i * 1e-9, i) for i in range(10)))
write("csv-rate-not-whole.csv", b"time,emg_uv\n0,1\n0.0013,2\n0.0026,3\n")
write("csv-nul-inside-number.csv", b"time,emg_uv\n" + b"".join(b"%.3f,%s\n" % (i / 1000, b"2\x005" if i == 150 else b"%d" % (i % 9)) for i in range(300)))
write("csv-header-only.csv", b"time,emg_uv\n")
write("csv-empty-emg-cell.csv", b"time,emg_uv,acc_x_g,acc_y_g,acc_z_g\n" + b"".join(
    (b"%.3f,%s,%s\n" % (i / 1000, b"" if i == 5 else b"%d" % (i % 9), b"0,0,1" if i % 10 == 0 else b",,")) for i in range(40)))

# Journals: one from a future Crampwatch (a migration this build does not know), one that is not SQLite at all.
j = out / "journal-future-schema.sqlite"
j.unlink(missing_ok=True)
db = sqlite3.connect(j)
db.execute("PRAGMA journal_mode=WAL")  # as every Crampwatch journal is
db.execute("CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
for m in ["v1-nights-events-gaps", "v2-diary-self-reports-traces", "v3-reference-annotations", "v9-from-a-future-crampwatch"]:
    db.execute("INSERT INTO grdb_migrations VALUES (?)", (m,))
db.commit()
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
db.close()
write("journal-not-sqlite.sqlite", b"these are my notes, not a journal\n" * 20)
print(f"{len(list(out.iterdir()))} files in {out}")
