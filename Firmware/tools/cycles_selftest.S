; A known interrupt for tools/avr_isr_cycles.py's self-test: 2 + 1 + 3 per loop trip taken
; (dec 1 + brne 2) + 2 for the last trip (dec 1 + brne 1) + sbis skipping a 2-word sts (3)
; + pop 2 + reti 4. With the loop's backward branch taken at most 2 times: 2+1+6+2+3+2+4 = 20,
; plus 5 (response) + 3 (vector jmp) = 28. With at most 1 time: 25.
    .global pad
pad:
    ret
    .global __vector_29
__vector_29:
    push r24
    ldi r24, 3
1:  dec r24
    brne 1b
    sbis 0x03, 0
    sts 0x0100, r24
    pop r24
    reti
