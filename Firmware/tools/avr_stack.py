#!/usr/bin/env python3
"""Worst-case stack of an AVR image, from its disassembly, and static RAM + stack against the budget.

Per function (a symbol in `avr-objdump -d -C`), a conservative frame: every push, every
`rcall .+0` (2 bytes), and the frame it allocates (`in r28,0x3d` followed by `sbiw r28,N` or
`subi r28,lo` / `sbc(i) r29,hi`). Calls (`call`, `rcall`, and `jmp`/`rjmp` to another function's
start) add 2 bytes of return address and the callee's worst case; an `icall` may reach any
virtual method of the given classes (the PluggableUSB module's). Interrupts do not nest on the
AVR (the I flag is clear in a handler and none of these handlers sets it), so the worst case is
main's deepest chain plus the deepest interrupt handler plus its 2-byte return address.

An icall edge back into a function already on the chain is not followed (the "any virtual
method" set over-approximates; the image has no real recursion), and the report names it.

usage: avr_stack.py IMAGE.elf RAM_BUDGET [--virtual CrampwatchUSB::]..."""
import argparse
import re
import subprocess
import sys

LINE = re.compile(r"^\s*([0-9a-f]+):\s+((?:[0-9a-f]{2} )+)\s*(\S+)\s*([^;]*)(?:;\s*0x([0-9a-f]+))?")
FUNC = re.compile(r"^([0-9a-f]+) <(.+)>:$")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("elf")
    ap.add_argument("ram_budget", type=int)
    ap.add_argument("--virtual", action="append", default=[], help="name prefix of the methods an icall may reach")
    ap.add_argument("--expect", type=int, help="self-test: the worst-case stack must be exactly this")
    a = ap.parse_args()
    dis = subprocess.run(["avr-objdump", "-d", "-C", a.elf], check=True, capture_output=True, text=True).stdout
    funcs, order, cur = {}, [], None
    for line in dis.splitlines():
        m = FUNC.match(line)
        if m:
            name = m.group(2)
            if name.startswith("."):  # a local label inside the previous function
                continue
            cur = name
            funcs[cur] = {"addr": int(m.group(1), 16), "insns": []}
            order.append(cur)
            continue
        m = LINE.match(line)
        if m and cur:
            funcs[cur]["insns"].append((int(m.group(1), 16), m.group(3), m.group(4).strip(), int(m.group(5), 16) if m.group(5) else None))
    by_addr = {f["addr"]: n for n, f in funcs.items()}
    virtual = [n for n in funcs if any(n.startswith(p) for p in (a.virtual or ["CrampwatchUSB::"]))]

    frame, callees = {}, {}
    for n, f in funcs.items():
        size, calls = 0, set()
        ins = f["insns"]
        for i, (addr, mn, ops, target) in enumerate(ins):
            if mn == "push":
                size += 1
            elif mn == "rcall" and target == addr + 2:
                size += 2
            elif mn == "in" and ops.replace(" ", "") == "r28,0x3d":
                for addr2, mn2, ops2, _ in ins[i + 1:i + 5]:
                    o = ops2.replace(" ", "")
                    if mn2 == "sbiw" and o.startswith("r28,"):
                        size += int(o.split(",")[1], 0)
                        break
                    if mn2 == "subi" and o.startswith("r28,"):
                        lo = int(o.split(",")[1], 0)
                        hi = 0
                        nxt = ins[ins.index((addr2, mn2, ops2, _)) + 1]
                        if nxt[1] == "sbci" and nxt[2].replace(" ", "").startswith("r29,"):
                            hi = int(nxt[2].replace(" ", "").split(",")[1], 0)
                        size += lo + 256 * hi
                        break
            if mn in ("call", "rcall", "jmp", "rjmp") and target in by_addr and by_addr[target] != n:
                calls.add((by_addr[target], 0 if mn in ("jmp", "rjmp") else 2, False))
            if mn in ("icall", "eicall"):
                calls.update((v, 2, True) for v in virtual)
        frame[n], callees[n] = size, calls

    memo, active, skipped = {}, set(), set()

    def depth(n):
        if n in memo:
            return memo[n]
        if n in active:
            sys.exit(f"avr_stack: recursion through {n}: no static bound")
        active.add(n)
        best, path = 0, []
        for c, ret, indirect in callees[n]:
            if indirect and c in active:
                # "any virtual method" over-approximates an icall; a cycle through one is that
                # over-approximation (Print::write(buf) calling write(byte)), not real recursion
                skipped.add(c)
                continue
            d, p = depth(c)
            if d + ret > best:
                best, path = d + ret, p
        active.discard(n)
        memo[n] = (frame[n] + best, [n] + path)
        return memo[n]

    main_d, main_path = depth("main")
    main_d += 2  # `call main` from the start-up code
    isrs = [n for n in funcs if re.fullmatch(r"__vector_\d+", n)]
    isr_d, isr_name, isr_path = 0, "-", []
    for v in isrs:
        d, p = depth(v)
        if d + 2 > isr_d:
            isr_d, isr_name, isr_path = d + 2, v, p
    out = subprocess.run(["avr-size", "-A", a.elf], check=True, capture_output=True, text=True).stdout
    sizes = {p[0]: int(p[1]) for p in (l.split() for l in out.splitlines()) if len(p) >= 2 and p[0].startswith(".") and p[1].isdigit()}
    static = sizes.get(".data", 0) + sizes.get(".bss", 0) + sizes.get(".noinit", 0)
    total = static + main_d + isr_d
    if a.expect is not None and main_d + isr_d != a.expect:
        sys.exit(f"avr_stack: self-test: {main_d + isr_d} bytes of stack, expected {a.expect}")
    ok = total <= a.ram_budget
    print(f"{a.elf}: worst-case stack {main_d + isr_d} bytes = main {main_d} ({' > '.join(main_path[:6])}{' > ...' if len(main_path) > 6 else ''})"
          f" + interrupt {isr_d} ({isr_name}: {' > '.join(isr_path[:5])}); static RAM {static} + stack = {total} of {a.ram_budget} bytes: "
          + ("within budget" if ok else "OVER BUDGET") + (f" (icall cycles not followed: {', '.join(sorted(skipped))})" if skipped else ""))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
