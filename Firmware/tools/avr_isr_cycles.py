#!/usr/bin/env python3
"""Worst-case cycle count of the ATmega32U4 tick interrupt, from the compiled image.

Disassembles IMAGE.elf with avr-objdump, takes the ADC-complete interrupt (__vector_29, which runs
the core's sampler: cw_device_tick inlined), and finds the longest path from its entry to `reti`,
counting each instruction's cycles from the AVR instruction set manual for a 16-bit-PC device
(ATmega32U4: call 4, ret/reti 4, rcall 3, jmp 3, rjmp 2, ld/st/push/pop/lds/sts/adiw/sbiw/mul 2,
lpm 3, cbi/sbi 2; a branch 1, or 2 when taken; a skip 1, or 2/3 when it skips a 1/2-word
instruction). Calls are followed into their callees. Every loop on the path runs over the EMG
channels: each backward jump may be taken at most LOOP_BOUND times (the board's maximum number of
channels), which bounds the search; the result is an upper bound for that many channels.
Adds the interrupt response (5 cycles) and the vector's jmp (3).

usage: avr_isr_cycles.py IMAGE.elf [--vector __vector_29] [--loop-bound 2] [--f-cpu 16000000]
Exits 1 if the interrupt does not fit the tick period at the highest EMG rate (4 kHz)."""
import argparse
import re
import subprocess
import sys
from functools import lru_cache

sys.setrecursionlimit(100000)

LINE = re.compile(r"^\s*([0-9a-f]+):\s+((?:[0-9a-f]{2} )+)\s*(\S+)\s*([^;]*)(?:;\s*0x([0-9a-f]+))?")
FUNC = re.compile(r"^([0-9a-f]+) <([^>]+)>:")

TWO = {"ld", "ldd", "st", "std", "lds", "sts", "push", "pop", "adiw", "sbiw", "mul", "muls", "mulsu",
       "fmul", "fmuls", "fmulsu", "cbi", "sbi", "rjmp", "ijmp"}
BRANCH = {"breq", "brne", "brcs", "brcc", "brsh", "brlo", "brmi", "brpl", "brge", "brlt", "brhs", "brhc",
          "brts", "brtc", "brvs", "brvc", "brie", "brid", "brbs", "brbc"}
SKIP = {"cpse", "sbrc", "sbrs", "sbic", "sbis"}


def disassemble(elf):
    out = subprocess.run(["avr-objdump", "-d", elf], check=True, capture_output=True, text=True).stdout
    insns, funcs = {}, {}
    for line in out.splitlines():
        m = FUNC.match(line)
        if m:
            funcs[m.group(2)] = int(m.group(1), 16)
            continue
        m = LINE.match(line)
        if m:
            addr = int(m.group(1), 16)
            size = len(m.group(2).split())
            target = int(m.group(5), 16) if m.group(5) else None
            insns[addr] = (size, m.group(3), m.group(4).strip(), target)
    return insns, funcs


def base_cycles(mn):
    if mn in ("call",):
        return 4
    if mn in ("ret", "reti"):
        return 4
    if mn in ("rcall", "icall", "jmp"):
        return 3
    if mn in ("lpm", "elpm"):
        return 3
    return 2 if mn in TWO else 1


def longest(insns, entry, loop_bound, apart=()):
    """Longest cycle count from `entry` to its ret/reti; backward jumps bounded. Calls to the
    addresses in `apart` cost only the call itself (they are counted on their own)."""
    calls = {}

    def callee(addr):
        if addr in apart:
            return 0
        if addr not in calls:
            calls[addr] = None  # recursion guard
            calls[addr] = walk(addr)
        if calls[addr] is None:
            sys.exit(f"avr_isr_cycles: recursion at 0x{addr:x}")
        return calls[addr]

    def walk(start):
        @lru_cache(maxsize=None)
        def go(pc, used):
            if pc not in insns:
                sys.exit(f"avr_isr_cycles: no instruction at 0x{pc:x}")
            size, mn, ops, target = insns[pc]
            nxt = pc + size
            if mn in ("ret", "reti"):
                return 4
            if mn in ("icall", "eicall", "ijmp", "eijmp"):
                sys.exit(f"avr_isr_cycles: indirect jump or call at 0x{pc:x}: the path cannot be bounded statically")

            def follow(t, cost):
                if t <= pc:  # a backward jump: one more trip round a loop
                    counts = dict(used)
                    counts[pc] = counts.get(pc, 0) + 1
                    if counts[pc] > loop_bound:
                        return None
                    r = go(t, tuple(sorted(counts.items())))
                else:
                    r = go(t, used)
                return None if r is None else cost + r

            if mn in BRANCH:
                options = [follow(nxt, 1), follow(target, 2)]
            elif mn in SKIP:
                skipped = insns[nxt][0]
                options = [follow(nxt, 1), follow(nxt + skipped, 2 if skipped == 2 else 3)]
            elif mn in ("rjmp", "jmp"):
                options = [follow(target, base_cycles(mn))]
            elif mn in ("rcall", "call"):
                if target == nxt:  # `rcall .+0`: reserves two bytes of stack
                    options = [follow(nxt, 3)]
                else:
                    options = [follow(nxt, base_cycles(mn) + callee(target))]
            else:
                options = [follow(nxt, base_cycles(mn))]
            options = [o for o in options if o is not None]
            return max(options) if options else None

        r = go(start, ())
        if r is None:
            sys.exit(f"avr_isr_cycles: no path from 0x{start:x} to a return within the loop bound")
        return r

    return walk(entry)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("elf")
    ap.add_argument("--vector", default="__vector_29")
    ap.add_argument("--loop-bound", type=int, default=2)
    ap.add_argument("--f-cpu", type=int, default=16_000_000)
    ap.add_argument("--expect", action="append", default=[], help="BOUND=CYCLES: self-test against a known total")
    ap.add_argument("--apart", action="append", default=[], help="a function on a rare path, counted on its own")
    a = ap.parse_args()
    insns, funcs = disassemble(a.elf)
    if a.vector not in funcs:
        sys.exit(f"avr_isr_cycles: {a.elf} has no {a.vector}")
    entry = funcs[a.vector]
    n = sum(1 for addr in insns if entry <= addr < min([f for f in funcs.values() if f > entry] or [1 << 32]))
    apart = {funcs[f]: f for f in funcs if any(f == x or f.startswith(x + ".") for x in a.apart)}
    body = {b: longest(insns, entry, b, apart) for b in range(1, a.loop_bound + 1)}
    total = {b: c + 5 + 3 for b, c in body.items()}
    worst = total[a.loop_bound]
    for e in a.expect:
        b, c = (int(x) for x in e.split("="))
        if total.get(b) != c:
            sys.exit(f"avr_isr_cycles: self-test: {total.get(b)} cycles with loop bound {b}, expected {c}")
    for b in sorted(total):
        print(f"{a.vector} (ADC complete, runs the core's tick): {n} instructions, longest path with {b} EMG "
              f"channel(s) {total[b]} cycles = {total[b] * 1e6 / a.f_cpu:.1f} us at {a.f_cpu / 1e6:g} MHz "
              f"(incl. 5 response + 3 vector jmp)")
    for addr, name in apart.items():
        print(f"  plus, only when the interrupt came more than a tick late: {name} {longest(insns, addr, a.loop_bound) + 4} cycles "
              f"(call included, {a.loop_bound} missed ticks)")
    for rate in (1000, 2000, 4000):
        period = a.f_cpu // rate
        # with two channels a second, shorter ADC interrupt (channel 0) runs each tick; bound it by the same figure
        per_tick = worst * (2 if a.loop_bound > 1 else 1)
        print(f"  at {rate} Hz: {period} cycles per tick; tick ISR {100 * total[1] / period:.1f}% with 1 channel, "
              f"<= {100 * per_tick / period:.1f}% with {a.loop_bound} channels (two ADC interrupts per tick)")
    if worst * 2 > a.f_cpu // 4000:
        print("avr_isr_cycles: the tick does not fit the 4 kHz period", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
