; tools/avr_stack.py's self-test: main pushes 1 byte and calls f (2 bytes of return address);
; f pushes 2 and allocates a 5-byte frame: main's chain is 1 + 2 + 7 = 10, plus 2 for `call main`.
; The interrupt pushes 1 byte, plus its 2-byte return address. Worst case: 12 + 3 = 15 bytes.
    .global pad
pad:
    ret
    .global main
main:
    push r16
    call f
    pop r16
    ret
    .global f
f:
    push r17
    push r18
    in r28, 0x3d
    in r29, 0x3e
    sbiw r28, 5
    pop r18
    pop r17
    ret
    .global __vector_5
__vector_5:
    push r0
    pop r0
    reti
