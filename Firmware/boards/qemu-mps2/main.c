/* The core on an emulated Cortex-M4 (QEMU mps2-an386): runs the scripted session of the synthetic
   board (boards/synthetic: CONFIGURE, START, 10 s at 2 kHz x 2 channels with a main-loop stall
   that overflows the ring, GET_STATUS, STOP) and writes every frame the device sends to the file
   named on the semihosting command line. The host runs the same session (session_host.c) and
   `make qemu` compares the two files byte for byte. */
#include <stdbool.h>
#include <stddef.h>
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

int main(void) {
    static char cmdline[256];
    long block[2] = {(long)cmdline, sizeof cmdline};
    if (semihost(SH_GET_CMDLINE, block) != 0) {
        say("qemu-mps2: no semihosting command line (run with -semihosting-config ...,arg=PROGRAM,arg=OUTPUT)\n");
        return 2;
    }
    const char *path = strrchr(cmdline, ' ');
    if (!path) {
        say("qemu-mps2: usage: session OUTPUT\n");
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
    cw_synth_session(&dev, 2000, 2, 10, 4); /* = session_host.c */
    semihost(SH_CLOSE, &out);
    say(written > 0 ? "qemu-mps2: session written\n" : "qemu-mps2: nothing written\n");
    return written > 0 ? 0 : 1;
}
