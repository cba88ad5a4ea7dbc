/* Minimal Cortex-M4 start-up for QEMU's mps2-an386 and ARM semihosting (bkpt 0xAB): a vector
   table, .data/.bss set-up, and the semihosting calls the session needs (open, write, close,
   command line, exit). No vendor headers, no newlib start-up. */
#include <stddef.h>
#include <stdint.h>

#include "semihost.h"

extern uint32_t _data_load, _data_start, _data_end, _bss_start, _bss_end, _stack_top;
int main(void);

long semihost(long op, const void *arg) {
    register long r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void semihost_exit(int status) {
    /* SYS_EXIT_EXTENDED: ADP_Stopped_ApplicationExit (0x20026) and the status, which QEMU exits with */
    const long block[2] = {0x20026, status};
    semihost(0x20, block);
    for (;;) {
    }
}

void default_handler(void);
void systick_handler(void) __attribute__((weak, alias("default_handler")));

static void fault(void) {
    semihost(SH_WRITE0, "qemu-mps2: fault (HardFault, NMI or an unexpected exception): the core crashed\n");
    semihost_exit(3);
}

void default_handler(void) { fault(); }

void reset_handler(void) {
    for (uint32_t *s = &_data_load, *d = &_data_start; d < &_data_end;) *d++ = *s++;
    for (uint32_t *d = &_bss_start; d < &_bss_end;) *d++ = 0;
    semihost_exit(main());
}

__attribute__((section(".vectors"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))&_stack_top, reset_handler, fault, fault, fault, fault, fault, 0, 0, 0, 0, fault, fault, 0, fault, systick_handler,
};
