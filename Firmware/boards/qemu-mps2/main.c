/* The core on an emulated Cortex-M4 (QEMU mps2-an386), writing every frame the device sends to
   the file named on the semihosting command line:
     session OUTPUT  the scripted session of the synthetic board (boards/synthetic: CONFIGURE,
                     START, 10 s at 2 kHz x 2 channels with a main-loop stall that overflows the
                     ring, GET_STATUS, STOP); the host runs the same session (session_host.c) and
                     `make qemu` compares the two files byte for byte;
     isr OUTPUT      the firmware's real shape: SysTick interrupts at 2 kHz run the sampler while
                     the main loop encodes and writes frames, for 5 s of (instruction-counted)
                     emulated time; session_host check-isr decodes the result. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../synthetic/cw_synth.h"
#include "semihost.h"

static long out = -1, written;

static bool write_frame(void *ctx, const uint8_t *data, size_t length) {
    (void)ctx;
    const long args[3] = {out, (long)data, (long)length};
    if (semihost(SH_WRITE, args) != 0) return false; /* returns the bytes NOT written */
    written += (long)length;
    return true;
}

static void say(const char *s) { semihost(SH_WRITE0, s); }

static cw_device dev;

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define CPU_HZ 25000000u /* mps2-an386 */

#define ISR_TICKS (5u * 2000u)

void systick_handler(void) {
    cw_synth_tick(&dev);
    if (cw_synth_ticks() >= ISR_TICKS) SYST_CSR = 0; /* exactly 5 s of samples */
}

static void isr_run(void) {
    cw_command c = {0x2000u, 2000, 100, 50, 2};
    cw_synth_command(&dev, CW_CMD_CONFIGURE, 1, &c);
    c.token = 0x2001u;
    cw_synth_command(&dev, CW_CMD_START, 2, &c);
    SYST_RVR = CPU_HZ / 2000u - 1u;
    SYST_CVR = 0;
    SYST_CSR = 7; /* processor clock, interrupt, enable */
    while (cw_synth_ticks() < ISR_TICKS) cw_device_task(&dev); /* the main loop */
    c.token = 0x2002u;
    cw_synth_command(&dev, CW_CMD_STOP, 3, &c);
}

int main(void) {
    static char cmdline[256];
    long block[2] = {(long)cmdline, sizeof cmdline};
    if (semihost(SH_GET_CMDLINE, block) != 0) {
        say("qemu-mps2: no semihosting command line (run with -semihosting-config ...,arg=PROGRAM,arg=OUTPUT)\n");
        return 2;
    }
    const char *path = strrchr(cmdline, ' ');
    bool isr = strncmp(cmdline, "isr ", 4) == 0;
    if (!path || (!isr && strncmp(cmdline, "session ", 8) != 0)) {
        say("qemu-mps2: usage: session OUTPUT | isr OUTPUT\n");
        return 2;
    }
    path++;
    const long open_args[3] = {(long)path, 5 /* "wb" */, (long)strlen(path)};
    out = semihost(SH_OPEN, open_args);
    if (out < 0) {
        say("qemu-mps2: cannot open the output file\n");
        return 2;
    }
    cw_synth_init(0, write_frame, NULL);
    cw_device_init(&dev);
    if (isr) isr_run();
    else cw_synth_session(&dev, 2000, 2, 10, 4); /* = session_host.c */
    semihost(SH_CLOSE, &out);
    say(written > 0 ? "qemu-mps2: session written\n" : "qemu-mps2: nothing written\n");
    return written > 0 ? 0 : 1;
}
