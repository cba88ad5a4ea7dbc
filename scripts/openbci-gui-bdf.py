#!/usr/bin/env python3
"""Writes a test night as the OpenBCI GUI's BDF files lay it out (Crampwatch's own writer, from reading the GUI's
DataWriterBDF; see docs/cyton.md#openbci-gui-files). Usage: openbci-gui-bdf.py OUT.bdf counts|int-uv SECONDS

Writes a BDF in the layout the OpenBCI GUI (v5/v6 DataWriterBDF) writes: 8 'EEG n' channels in uV with
physical +-187500 over digital +-2^23, 3 'Accel X/Y/Z' channels in g (digital +-2048, physical +-4), a
'BDF Annotations' signal of 20 samples, reserved field '24BIT', 1-s records. mode: 'counts' (GUI v4: ADC counts)
or 'int-uv' (GUI v5+: integer microvolts written where counts belong)."""
import sys, struct, math, random
out, mode, secs = sys.argv[1], sys.argv[2], int(sys.argv[3])
fs = 250
random.seed(1)
scale = 4.5 / 24 / (2**23 - 1) * 1e6  # uV per count at gain 24
def emg(t):
    base = random.gauss(0, 3.0)
    # One 30-s contraction of about 60 uV (140-170 s), on channels 1 and 2; 3 uV electrode noise everywhere.
    burst = 60 * math.sin(2 * math.pi * 80 * t) * random.gauss(1, 0.3) if 140 <= t < 170 else 0
    return base + burst
labels = [f"EEG {i}" for i in range(1, 9)] + ["Accel X", "Accel Y", "Accel Z", "BDF Annotations "]
ns = len(labels)
def field(s, n): return s.ljust(n)[:n].encode()
hdr = b"\xffBIOSEMI" + field("X X X X", 80) + field("X X X X X", 80) + field("05.12.26", 8) + field("11.15.00", 8)
hdr += field(str(256 * (ns + 1)), 8) + field("24BIT", 44) + field(str(secs), 8) + field("1", 8) + field(str(ns), 4)
hdr += b"".join(field(l, 16) for l in labels)
hdr += b"".join(field(t, 80) for t in ["AgAgCl electrode"] * 8 + ["MEMS"] * 3 + [" "])
hdr += b"".join(field(d, 8) for d in ["uV"] * 8 + ["g"] * 3 + [" "])
hdr += b"".join(field(v, 8) for v in ["-187500"] * 8 + ["-4"] * 3 + ["-187500"])
hdr += b"".join(field(v, 8) for v in ["187500"] * 8 + ["4"] * 3 + ["187500"])
hdr += b"".join(field(v, 8) for v in ["-8388608"] * 8 + ["-2048"] * 3 + ["-8388608"])
hdr += b"".join(field(v, 8) for v in ["8388607"] * 8 + ["2047"] * 3 + ["8388607"])
hdr += b"".join(field(" ", 80) for _ in labels)
hdr += b"".join(field(v, 8) for v in [str(fs)] * 11 + ["20"])
hdr += b"".join(field(" ", 32) for _ in labels)
assert len(hdr) == 256 * (ns + 1)
def i24(v):
    v = max(-2**23, min(2**23 - 1, int(v)))
    return struct.pack("<i", v)[:3]
with open(out, "wb") as f:
    f.write(hdr)
    for s in range(secs):
        chans = []
        for c in range(8):
            vals = []
            for k in range(fs):
                t = s + k / fs
                uv = emg(t) if c < 2 else random.gauss(0, 3)
                vals.append(i24(uv / scale if mode == "counts" else uv))
            chans.append(b"".join(vals))
        for a in range(3):
            g = [0.0, 0.0, 1.0][a]
            # counts mode: 12-bit-ish in the +-2048 range scaled to +-4 g; int-uv: (int) of g, then /16 as the GUI does
            vals = [i24(g * 512 if mode == "counts" else int(g) >> 4) for _ in range(fs)]
            chans.append(b"".join(vals))
        tal = ("+%d\x14\x14" % s).encode()
        chans.append(tal + b"\0" * (60 - len(tal)))
        f.write(b"".join(chans))
