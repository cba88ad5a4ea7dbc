#!/usr/bin/env python3
"""Flash and RAM of AVR images against the ATmega32U4's budget (avr-size -A); exit 1 if over.
usage: avr_budget.py FLASH_BUDGET RAM_BUDGET IMAGE.elf..."""
import subprocess
import sys


def sections(elf):
    out = subprocess.run(["avr-size", "-A", elf], check=True, capture_output=True, text=True).stdout
    sizes = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0].startswith(".") and parts[1].isdigit():
            sizes[parts[0]] = int(parts[1])
    return sizes


def main():
    flash_budget, ram_budget = int(sys.argv[1]), int(sys.argv[2])
    failed = False
    for elf in sys.argv[3:]:
        s = sections(elf)
        flash = s.get(".text", 0) + s.get(".data", 0)
        ram = s.get(".data", 0) + s.get(".bss", 0) + s.get(".noinit", 0)
        ok = flash <= flash_budget and ram <= ram_budget
        failed |= not ok
        print(f"{elf}: flash {flash} of {flash_budget} bytes ({100 * flash / flash_budget:.1f}%), "
              f"static RAM {ram} of {ram_budget} bytes ({100 * ram / ram_budget:.1f}%, {ram_budget - ram} left for the stack): "
              + ("within budget" if ok else "OVER BUDGET"))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
