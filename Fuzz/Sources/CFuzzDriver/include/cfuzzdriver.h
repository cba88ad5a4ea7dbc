// libFuzzer's driver, started from a Swift executable's main.swift.
//
// SwiftPM links every ELF executable with `--defsym main=<module>_main` (the renamed entry point that lets tests
// link executables), so libFuzzer's own `main` can never be the program's: each fuzz target keeps a one-line
// main.swift that calls this, and libFuzzer's `main` is never linked in.
#ifndef CFUZZDRIVER_H
#define CFUZZDRIVER_H

/// Runs libFuzzer (with the program's arguments, as its own main would) on the target's
/// `LLVMFuzzerTestOneInput`; returns its exit status.
int crampwatch_fuzz_main(int argc, char **argv);

#endif
