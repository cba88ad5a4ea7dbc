/* Runs the host unit tests of the core unchanged on the emulated Cortex-M4: tests/test_core.c, and
   tests/test_golden.c on the golden vectors file named on the semihosting command line. */
#include <string.h>

#include "semihost.h"

int test_core_main(void);
int test_golden_main(int argc, char **argv);

int main(void) {
    static char cmdline[512];
    long block[2] = {(long)cmdline, sizeof cmdline};
    char *argv[3] = {"tests", NULL, NULL};
    if (semihost(SH_GET_CMDLINE, block) == 0 && strrchr(cmdline, ' ')) argv[1] = strrchr(cmdline, ' ') + 1;
    int core = test_core_main();
    int golden = argv[1] ? test_golden_main(2, argv) : (semihost(SH_WRITE0, "qemu-mps2: no golden vectors path given\n"), 1);
    return core || golden;
}
