#!/usr/bin/env python3
"""A Cyton board behind its USB dongle, on a pseudo-terminal: the byte stream Crampwatch and BrainFlow read.

It answers the board's text handshake (`v` soft reset -> the board's text ending in `$$$`, `d` defaults,
channel settings `x...X`, `c`/`C`) and streams 33-byte packets after `b` until `s` or the end: a sine per
channel with known counts (and with --burst, muscle-like noise on channels 1 and 2 in those seconds), an accelerometer reading every 10th packet that steps every second, and faults
by packet index (dropped, damaged stop byte, noise before a packet, a packet cut short). docs/cyton.md.

  scripts/cyton-sim.py --link /tmp/cyton --packets 2500 --drop 100,700 --damage 300 --out sent.bin
prints `PTY <path>` on stdout once the port can be opened. With --packets-json FILE it writes what it sent.
"""
import argparse
import fcntl
import json
import math
import os
import random
import select
import struct
import sys
import termios
import time
import tty

RATE = 250


# (first, last) seconds of muscle-like bursts on channels 1 and 2 (--burst): what a cramp looks like to the detector.
BURSTS = []
BURST_COUNTS = 8000


def counts(n, ch):
    """Channel ch (0-7) at packet n: a sine of (ch + 1) * 1000 counts at 5 + 3 ch Hz, plus an offset; in a burst,
    channels 1 and 2 add broadband noise of up to BURST_COUNTS (about 180 µV at gain 24), the same on every run."""
    c = round((ch + 1) * 1000 * math.sin(2 * math.pi * (5 + 3 * ch) * n / RATE)) + 17 * ch - 40
    if ch < 2 and any(a * RATE <= n < b * RATE for a, b in BURSTS):
        c += random.Random(n * 8 + ch).randint(-BURST_COUNTS, BURST_COUNTS)
    return c


def accel(n):
    """Every 10th packet: X steps by 40 counts each second (never 0), Y fixed, Z about 1 g."""
    if n % 10 != 0:
        return None
    return (120 + 40 * (n // RATE), -2000, 8000 + (n // RATE) % 3)


def packet(n, damaged=False):
    b = bytearray([0xA0, n % 256])
    for ch in range(8):
        b += (counts(n, ch) & 0xFFFFFF).to_bytes(3, "big")
    a = accel(n)
    for v in (a or (0, 0, 0)):
        b += (v & 0xFFFF).to_bytes(2, "big")
    b.append(0x55 if damaged else 0xC0)
    return bytes(b)


def board_text(daisy):
    text = "OpenBCI V3 8-16 channel\nOn Board ADS1299 Device ID: 0x3E\n"
    if daisy:
        text += "On Daisy ADS1299 Device ID: 0x3E\n"
    return text + "LIS3DH Device ID: 0x33\nFirmware: v3.1.2\n$$$"


class Board:
    def __init__(self, args, master):
        self.args, self.master = args, master
        self.pending = b""
        self.streaming = False
        self.started = False
        self.commands = []

    def answer(self, data):
        """The board's replies to the commands in `data`; returns True on `s`."""
        self.pending += data
        stop = False
        while self.pending:
            c = self.pending[:1]
            if c == b"x":
                if len(self.pending) < 9:
                    return stop
                cmd, self.pending = self.pending[:9], self.pending[9:]
                self.commands.append(cmd.decode("latin-1"))
                ok = cmd[8:9] == b"X" and cmd[1:2] in b"12345678"
                reply = f"Success: Channel set for {cmd[1:2].decode()}$$$" if ok else "Failure: too few chars$$$"
                self.write(reply.encode())
                continue
            self.pending = self.pending[1:]
            self.commands.append(c.decode("latin-1"))
            if c == b"v":
                self.streaming = False
                self.write(board_text(self.args.daisy).encode())
            elif c == b"d":
                self.write(b"updating channel settings to default$$$")
            elif c == b"b":
                self.streaming = self.started = True
            elif c == b"s":
                # A reader sends `s` first in case the board was left streaming: only a stop after `b` ends it.
                stop = self.started
                self.streaming = False
        return stop

    def write(self, data):
        view = memoryview(data)
        while view:
            try:
                k = os.write(self.master, view)
            except BlockingIOError:
                select.select([], [self.master], [], 0.05)
                continue
            view = view[k:]


def parse_indices(text):
    return {int(x) for x in text.split(",") if x.strip()} if text else set()


def stream(board, args, out):
    drop, damage = parse_indices(args.drop), parse_indices(args.damage)
    garbage, cut = parse_indices(args.garbage), parse_indices(args.cut)
    sent = []
    start = time.monotonic()
    n = 0
    while n < args.packets:
        readable, _, _ = select.select([board.master], [], [], 0)
        if readable:
            if board.answer(read(board.master)) and not board.streaming:
                break
        if not board.streaming:
            time.sleep(0.005)
            continue
        if args.speed > 0:
            due = start + n / (RATE * args.speed)
            if due > time.monotonic():
                # The clock moves between the test and the sleep: never a negative sleep (a ValueError).
                time.sleep(max(0.0, min(0.02, due - time.monotonic())))
                continue
        data = b""
        if n in garbage:
            data += bytes([0x11, 0x22, 0x33, 0x44, 0x55])
        if n not in drop:
            p = packet(n, damaged=n in damage)
            data += p[:20] if n in cut else p
            if n not in damage and n not in cut:
                sent.append({"n": n, "number": n % 256, "counts": [counts(n, c) for c in range(8)],
                             "accel": accel(n)})
        board.write(data)
        out.write(data)
        n += 1
    return sent


def read(fd):
    try:
        return os.read(fd, 4096)
    except OSError:
        return b""


def wait_until_read(slave, limit=15.0, quiet=0.5):
    """Waits (at most `limit` s) until the reader has taken every byte from the pty.

    Closing the pty flushes what the reader has not read yet, so on a busy machine a hang-up right after the last
    packet loses a varying tail, and a test could not know how many packets arrived. A real unplug loses that tail
    too; the tests that need it drop packets on purpose (`--drop`, `--cut`).

    FIONREAD counts only the line discipline's 4 KiB buffer: the rest waits in the pty's own buffer until a kernel
    worker moves it on, so a reader that has just emptied the 4 KiB reads 0 here while up to 64 KiB are still to
    come (measured: 0 with 4,702 bytes on their way). The count must stay 0 for `quiet` seconds; the worker moves
    the next bytes within a millisecond on a quiet machine."""
    end = time.monotonic() + limit
    empty_since = None
    while time.monotonic() < end:
        pending = struct.unpack("i", fcntl.ioctl(slave, termios.FIONREAD, b"\0\0\0\0"))[0]
        now = time.monotonic()
        if pending > 0:
            empty_since = None
        elif empty_since is None:
            empty_since = now
        elif now - empty_since >= quiet:
            return
        time.sleep(0.01)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--link", help="a symlink to the pty's path (as /dev/ttyUSB0 would be)")
    ap.add_argument("--packets", type=int, default=2500)
    ap.add_argument("--speed", type=float, default=0, help="x real time; 0 = as fast as the reader reads")
    ap.add_argument("--drop", default="")
    ap.add_argument("--damage", default="")
    ap.add_argument("--garbage", default="")
    ap.add_argument("--cut", default="")
    ap.add_argument("--daisy", action="store_true")
    ap.add_argument("--burst", default="", help="muscle-like bursts on channels 1 and 2, seconds: 20-50,90-100")
    ap.add_argument("--out", help="every byte sent after `b`")
    ap.add_argument("--packets-json", help="what was sent intact: numbers, counts, accelerometer")
    ap.add_argument("--commands-json", help="the commands the reader sent, in order")
    ap.add_argument("--hangup", action="store_true", help="close the pty after the last packet (an unplug)")
    ap.add_argument("--linger", type=float, default=5, help="seconds to wait for `s` after the last packet")
    args = ap.parse_args()
    BURSTS.extend(tuple(float(x) for x in b.split("-")) for b in args.burst.split(",") if b.strip())

    master, slave = os.openpty()
    tty.setraw(slave)
    path = os.ttyname(slave)
    if args.link:
        if os.path.lexists(args.link):
            os.unlink(args.link)
        os.symlink(path, args.link)
    os.set_blocking(master, False)
    print(f"PTY {path}", flush=True)
    board = Board(args, master)
    with open(args.out or os.devnull, "wb") as out:
        sent = stream(board, args, out)
    end = time.monotonic() + (0 if args.hangup else args.linger)
    while time.monotonic() < end and not (board.started and "s" in board.commands[-1:]):
        readable, _, _ = select.select([master], [], [], 0.05)
        if readable:
            board.answer(read(master))
    if args.hangup:
        wait_until_read(slave)
    if args.packets_json:
        with open(args.packets_json, "w") as f:
            json.dump(sent, f)
    if args.commands_json:
        with open(args.commands_json, "w") as f:
            json.dump(board.commands, f)
    # The link goes before the pty, as udev removes /dev/ttyUSB0 before the dongle's port is gone: a reader
    # retrying the link must never open the pty's number after it was freed (another test's pty may have it).
    if args.link and os.path.islink(args.link):
        os.unlink(args.link)
    os.close(master)
    os.close(slave)
    print(f"SENT {len(sent)}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
