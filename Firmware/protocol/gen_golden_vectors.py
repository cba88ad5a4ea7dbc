#!/usr/bin/env python3
"""Writes golden_vectors.txt: an implementation of protocol v1 independent of both the C core and
the Swift codec (stdlib only), so that the two are checked against a third reading of PROTOCOL.md.

Usage: python3 gen_golden_vectors.py [OUTPUT]   (default: golden_vectors.txt next to this file)
"""
import os
import random
import struct
import sys

# ---- CRC-32C, bit by bit (deliberately unlike the table-driven C and Swift versions) ----
def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF

assert crc32c(b"123456789") == 0xE3069283

# ---- COBS, minimal form (no code byte after a final full block) ----
def cobs_encode(data: bytes) -> bytes:
    out = bytearray()
    block = bytearray()
    for i, b in enumerate(data):
        if b == 0:
            out.append(len(block) + 1)
            out += block
            block = bytearray()
        else:
            block.append(b)
            if len(block) == 254:
                out.append(0xFF)
                out += block
                block = bytearray()
                if i == len(data) - 1:
                    return bytes(out)
    out.append(len(block) + 1)
    out += block
    return bytes(out)

TYPES = {"sample_block": 0x01, "device_info": 0x02, "status": 0x03, "ack": 0x04,
         "start": 0x81, "stop": 0x82, "configure": 0x83, "identify": 0x84, "time_sync": 0x85, "get_status": 0x86}

def payload(f: dict) -> bytes:
    t = f["type"]
    if t == "sample_block":
        ch, ax = f["channels"], f["axes"]
        emg, acc = f["emg"], f["accel"]
        n = len(emg) // ch if ch else 0
        m = len(acc) // ax if ax else 0
        return (struct.pack("<IIBBHHH", f["emg_index"], f["accel_index"], ch, ax, n, m, f["flags"])
                + struct.pack("<%dh" % len(emg), *emg) + struct.pack("<%dh" % len(acc), *acc))
    if t == "device_info":
        fw = [int(x) for x in f["fw"].split(".")]
        return (f["serial"].encode("ascii").ljust(16, b"\0") + bytes(fw) + bytes([f["hw"], f["channels"], f["axes"], f["mains"], f["adc_bits"]])
                + struct.pack("<HHffHI", f["emg_rate"], f["accel_rate"], f["emg_uv_per_lsb"], f["accel_g_per_lsb"], f["block"], f["boot_id"])
                + bytes(f["sites"]) + b"\0\0")
    if t == "status":
        return struct.pack("<HBBIIHH", f["battery_mv"], f["battery_percent"], f["contact"], f["overflow"], f["dropped"], f["state"], 0)
    if t == "ack":
        return struct.pack("<BBHI", f["command"], f["result"], 0, f["token"])
    if t == "configure":
        return struct.pack("<IHHBBH", f["token"], f["emg_rate"], f["accel_rate"], f["mains"], f["channels"], 0)
    return struct.pack("<I", f["token"])

def body(f: dict, version=1, type_byte=None, length=None) -> bytes:
    p = payload(f)
    header = struct.pack("<BBHIQ", version, TYPES[f["type"]] if type_byte is None else type_byte,
                         len(p) if length is None else length, f["seq"], f["ts"])
    b = header + p
    return b + struct.pack("<I", crc32c(b))

def wire(b: bytes) -> bytes:
    return cobs_encode(b) + b"\0"

def render(f: dict) -> str:
    order = {
        "sample_block": ["seq", "ts", "emg_index", "accel_index", "channels", "axes", "flags", "emg", "accel"],
        "device_info": ["seq", "ts", "serial", "fw", "hw", "channels", "axes", "mains", "adc_bits", "emg_rate", "accel_rate",
                        "emg_uv_per_lsb", "accel_g_per_lsb", "block", "boot_id", "sites"],
        "status": ["seq", "ts", "battery_mv", "battery_percent", "contact", "overflow", "dropped", "state"],
        "ack": ["seq", "ts", "command", "result", "token"],
        "configure": ["seq", "ts", "token", "emg_rate", "accel_rate", "mains", "channels"],
    }.get(f["type"], ["seq", "ts", "token"])
    parts = ["frame", "type=" + f["type"]]
    for k in order:
        v = f[k]
        if isinstance(v, list):
            v = ",".join(str(x) for x in v) if v else "-"
        parts.append("%s=%s" % (k, v))
    return " ".join(parts)

rng = random.Random(20261125)

def sample(seq, ts, ch=2, ax=3, n=4, m=1, flags=0, emg=None, accel=None, emg_index=None, accel_index=None):
    return {"type": "sample_block", "seq": seq, "ts": ts, "emg_index": seq * n if emg_index is None else emg_index,
            "accel_index": seq * m if accel_index is None else accel_index, "channels": ch, "axes": ax, "flags": flags,
            "emg": emg if emg is not None else [rng.randint(-400, 400) for _ in range(n * ch)],
            "accel": accel if accel is not None else [rng.randint(-200, 4200) for _ in range(m * ax)]}

INFO = {"type": "device_info", "seq": 0, "ts": 1500000, "serial": "CW-0001", "fw": "1.2.3", "hw": 2, "channels": 2, "axes": 3,
        "mains": 50, "adc_bits": 16, "emg_rate": 2000, "accel_rate": 100, "emg_uv_per_lsb": 0.25, "accel_g_per_lsb": 0.000244140625,
        "block": 32, "boot_id": 3735928559, "sites": [1, 2, 0, 0]}

cases = []  # (name, bytes, [expect lines], comment)

def case(name, data, expects, comment=""):
    cases.append((name, bytes(data), expects, comment))

# ---- valid frames: also encode vectors ----
f = sample(1, 1516000, n=4, m=1); case("valid_sample_2ch_accel", wire(body(f)), [render(f)], "2 EMG channels, 3 accelerometer axes")
f = sample(2, 1532000, ch=1, ax=0, n=8, m=0, accel=[]); case("valid_sample_1ch_no_accel", wire(body(f)), [render(f)])
f = sample(3, 1548000, n=4, m=0, accel=[]); case("valid_sample_accel_count_0", wire(body(f)), [render(f)], "a block in which no accelerometer sample fell due")
f = sample(4, 1564000, n=4, m=2, emg=[-32768, 32767, -1, 0, 1, -32767, 32766, 256], accel=[0, -32768, 32767, 4096, -4096, 1])
case("valid_sample_extremes", wire(body(f)), [render(f)], "int16 extremes and sign handling")
f = sample(5, 1580000, n=2, m=0, flags=1, emg=[32767, 32767, -32768, 100], accel=[]); case("valid_sample_clipping_flag", wire(body(f)), [render(f)])
f = dict(INFO); case("valid_device_info", wire(body(f)), [render(f)])
f = {"type": "status", "seq": 7, "ts": 2500000, "battery_mv": 3912, "battery_percent": 81, "contact": 3, "overflow": 12, "dropped": 0, "state": 1}
case("valid_status", wire(body(f)), [render(f)])
f = {"type": "ack", "seq": 8, "ts": 2600000, "command": 0x81, "result": 0, "token": 0xCAFEBABE}; case("valid_ack", wire(body(f)), [render(f)])
for i, t in enumerate(["start", "stop", "identify", "time_sync", "get_status"]):
    f = {"type": t, "seq": 100 + i, "ts": 9000 + i, "token": 0x01020304 + i}
    case("valid_command_" + t, wire(body(f)), [render(f)], "host to device")
f = {"type": "configure", "seq": 120, "ts": 9100, "token": 77, "emg_rate": 4000, "accel_rate": 200, "mains": 60, "channels": 4}
case("valid_command_configure", wire(body(f)), [render(f)])
f = sample(9, 1600000, ch=4, ax=3, n=100, m=2, emg=[rng.randint(1, 127) * 256 + rng.randint(1, 255) for _ in range(400)])
case("valid_long_frame_cobs_blocks", wire(body(f)), [render(f)], "longer than 254 bytes with few zeros: COBS 0xFF blocks")
f = sample(10, 1616000, n=32, m=1, emg=[0] * 64, accel=[0, 0, 0]); case("valid_many_zeros", wire(body(f)), [render(f)], "all-zero samples: a code byte for every zero")
# A body whose last COBS run ends exactly on a full 254-byte block (minimal form: no trailing code byte).
# The sample header's last zero is its flags' high byte (body offset 31); 254 non-zero bytes must follow.
for ts in range(0x0101010101010101, 0x0101010101010101 + 5000):
    f = sample(0x01010101, ts, ch=1, ax=3, n=(286 - 36 - 2) // 2 - 3, m=1, flags=1, emg=None, accel=[0x0101, 0x0101, 0x0101],
               emg_index=0x01010101, accel_index=0x01010101)
    f["emg"] = [0x0101] * ((286 - 36 - 6) // 2)
    b = body(f)
    last_zero = max(i for i, x in enumerate(b) if x == 0)
    if len(b) - last_zero - 1 == 254:
        assert cobs_encode(b)[-255] == 0xFF
        case("valid_full_block_at_end", wire(b), [render(f)], "the body ends exactly on a full 254-byte COBS block")
        break
else:
    raise SystemExit("no full-block case found")
fs = [dict(INFO)] + [sample(i, 1500000 + 16000 * i) for i in range(1, 4)]
case("valid_stream_info_then_samples", b"".join(wire(body(x)) for x in fs), [render(x) for x in fs], "what a device sends after START")

# ---- framing edge cases ----
f = sample(1, 1516000)
case("empty_frames_ignored", b"\0\0" + wire(body(f)) + b"\0", [render(f)], "leading and repeated delimiters are ignored")
garbage = bytes(rng.randint(1, 255) for _ in range(23))
case("garbage_prefix_without_zero", garbage + b"\0" + wire(body(f)), ["error kind=cobs offset=0"] if False else None, "")
cases.pop()
# Work out what garbage decodes as, by the rules, rather than guessing: decode it ourselves.
def classify(enc: bytes, start: int):
    # COBS decode
    out = bytearray(); i = 0
    while i < len(enc):
        code = enc[i]
        if code == 0 or i + code > len(enc):
            return "error kind=cobs offset=%d" % start
        out += enc[i + 1:i + code]; i += code
        if code != 0xFF and i < len(enc):
            out.append(0)
    if len(out) < 20:
        return "error kind=short offset=%d" % start
    if crc32c(bytes(out[:-4])) != struct.unpack("<I", out[-4:])[0]:
        return "error kind=crc offset=%d" % start
    return None
g1 = bytes(rng.randint(1, 255) for _ in range(40))
exp = classify(g1, 0); assert exp is not None
case("garbage_prefix", g1 + b"\0" + wire(body(f)), [exp, render(f)], "random bytes, a delimiter, then a good frame: one error, then the frame")
g2 = bytes([5, 0, 17, 200, 0, 3, 3, 3])
exps = [e for e in (classify(bytes([5]), 0), classify(bytes([17, 200]), 2), ) if e]
case("garbage_with_zeros", g2 + wire(body(f)), exps + [classify(bytes([3, 3, 3]) + wire(body(f))[:-1], 5), ] if False else None, "")
cases.pop()
# garbage containing zeros: each zero-delimited piece is its own bad frame; the last piece merges with the frame
g2 = bytes([5, 0, 17, 200, 0])
case("garbage_with_zeros", g2 + wire(body(f)), [classify(bytes([5]), 0), classify(bytes([17, 200]), 2), render(f)],
     "garbage that contains delimiters: one error per piece, then the frame")

# ---- every error kind ----
good = body(sample(1, 1516000))
case("error_cobs", bytes([10, 1, 2, 3, 0]), ["error kind=cobs offset=0"], "a code byte pointing past the end of the frame")
case("error_short", wire(good[:12]), ["error kind=short offset=0"], "fewer than 20 bytes")
bad = bytearray(good); bad[20] ^= 0x10
case("error_crc_payload_bit", wire(bytes(bad)), ["error kind=crc offset=0"], "one bit flipped in the payload")
bad = bytearray(good); bad[-1] ^= 0x80
case("error_crc_checksum_bit", wire(bytes(bad)), ["error kind=crc offset=0"], "one bit flipped in the checksum")
case("error_version", wire(body(sample(1, 1516000), version=2)), ["error kind=version offset=0"])
case("error_length", wire(body(sample(1, 1516000), length=len(payload(sample(1, 1516000))) + 2)), ["error kind=length offset=0"], "declared payload longer than the frame")
case("error_type", wire(body(sample(1, 1516000), type_byte=0x42)), ["error kind=type offset=0"])
f = sample(1, 1516000); p = bytearray(payload(f)); p[10] = 9  # emg_count disagrees with the length
h = struct.pack("<BBHIQ", 1, 1, len(p), 1, 1516000) + bytes(p)
case("error_payload_sample_counts", wire(h + struct.pack("<I", crc32c(h))), ["error kind=payload offset=0"])
p = payload(INFO)[:40]
h = struct.pack("<BBHIQ", 1, 2, len(p), 0, 1500000) + p
case("error_payload_device_info_size", wire(h + struct.pack("<I", crc32c(h))), ["error kind=payload offset=0"])
big = bytes(rng.randint(1, 255) for _ in range(1100))
case("error_oversize", big + b"\0" + wire(body(f)), ["error kind=oversize offset=0", render(f)], "1100 bytes without a delimiter, then a good frame")
w = wire(body(f))
case("error_truncated", w + w[:30], [render(f), "error kind=truncated offset=%d" % len(w)], "the stream ends inside the second frame")
case("error_truncated_oversize", big, ["error kind=oversize offset=0", "error kind=truncated offset=0"], "too long, then the stream ends")

# ---- sequence numbers ----
fs = [sample(i, 1500000 + 16000 * i) for i in (1, 2, 4)]
case("gap_lost_1", b"".join(wire(body(x)) for x in fs), [render(fs[0]), render(fs[1]), "gap expected=3 got=4 lost=1", render(fs[2])])
fs = [sample(i, 1500000 + 16000 * i) for i in (1, 5)]
case("gap_lost_3", b"".join(wire(body(x)) for x in fs), [render(fs[0]), "gap expected=2 got=5 lost=3", render(fs[1])])
fs = [sample(i, 1500000 + 16000 * i) for i in (1, 2, 3)]
w0, w1, w2 = (wire(body(x)) for x in fs)
b1 = bytearray(body(fs[1])); b1[30] ^= 0x01
w1 = wire(bytes(b1))
case("gap_after_corrupt_frame", w0 + w1 + w2, [render(fs[0]), "error kind=crc offset=%d" % len(w0), "gap expected=2 got=3 lost=1", render(fs[2])],
     "a corrupted frame is an error, then part of the gap: frames lost stays exact")
fs = [sample(i, 1500000 + 16000 * i) for i in (1, 2)]
case("reorder_duplicate", b"".join(wire(body(x)) for x in fs + [fs[1]]), [render(fs[0]), render(fs[1]), "reorder expected=3 got=2", render(fs[1])])
restart = dict(INFO); restart["seq"] = 0; restart["ts"] = 900; restart["boot_id"] = 42
fs = [sample(i, 1500000 + 16000 * i) for i in (7, 8)]
case("reorder_device_restart", b"".join(wire(body(x)) for x in fs + [restart]), [render(fs[0]), render(fs[1]), "reorder expected=9 got=0", render(restart)])
fs = [sample(0xFFFFFFFE, 5), sample(0xFFFFFFFF, 6), sample(0, 7, emg_index=0, accel_index=0)]
for x in fs[:2]:
    x["emg_index"] = 0; x["accel_index"] = 0
case("sequence_wraps_without_gap", b"".join(wire(body(x)) for x in fs), [render(x) for x in fs], "0xFFFFFFFF is followed by 0")
cmd = {"type": "start", "seq": 500, "ts": 1, "token": 9}
fs = [sample(1, 1516000), sample(2, 1532000)]
case("host_frames_not_sequence_tracked", wire(body(fs[0])) + wire(body(cmd)) + wire(body(fs[1])), [render(fs[0]), render(cmd), render(fs[1])],
     "a host command's sequence is the host's own and does not count as a gap")

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden_vectors.txt")
with open(out, "w") as fh:
    fh.write("# Crampwatch protocol v1 golden vectors. Generated by gen_golden_vectors.py; do not edit.\n")
    fh.write("# Format: PROTOCOL.md section 5. Read by Firmware/tests (C) and Tests/DeviceProtocolTests (Swift).\n\n")
    for name, data, expects, comment in cases:
        if comment:
            fh.write("# %s\n" % comment)
        fh.write("case %s\n" % name)
        hexs = data.hex()
        for i in range(0, len(hexs), 96):
            fh.write("bytes %s\n" % hexs[i:i + 96])
        for e in expects:
            fh.write("expect %s\n" % e)
        fh.write("end\n\n")
print("wrote %d cases to %s" % (len(cases), out))
