#include "cfuzzdriver.h"

#include <stddef.h>
#include <stdint.h>

// Defined by each fuzz target (Swift, @_cdecl), and by libFuzzer (-sanitize=fuzzer at link).
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

int crampwatch_fuzz_main(int argc, char **argv) {
    return LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput);
}
