// libFuzzer's driver, started from a Swift fuzz target's entry point.
//
// SwiftPM links every ELF executable with `--defsym main=<module>_main` (the renamed entry point that lets tests
// link executables), so libFuzzer's own `main` can never be the program's: each fuzz target defines
// `<module>_main` (Entry.swift), which calls this, and libFuzzer's `main` is never linked in.
#ifndef CFUZZDRIVER_H
#define CFUZZDRIVER_H

/// Runs libFuzzer (with the program's arguments, as its own main would) on the target's
/// `LLVMFuzzerTestOneInput`; returns its exit status.
int crampwatch_fuzz_main(int argc, char **argv);

#include <stddef.h>
#include <stdint.h>

/// libFuzzer's own mutations (with the dictionary), for a target's custom mutator to call on part of an input.
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t maxSize);

#endif
