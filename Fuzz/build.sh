#!/bin/sh
# Builds the libFuzzer targets (the package in Fuzz/) into .build-fuzz/release/ with SwiftPM, every module of
# Crampwatch they use compiled with -sanitize=fuzzer,address; the normal build (.build) is untouched.
# Usage: Fuzz/build.sh [more swift build options]
set -eu
cd "$(dirname "$0")/.."
# `--sanitize` gives swiftc one -sanitize= option per sanitizer, and swiftc keeps only the last: the modules would
# get coverage or ASan, not both. The -Xswiftc option comes after them and names both (checked with -v).
swift build --package-path Fuzz --build-path .build-fuzz -c release --sanitize fuzzer --sanitize address \
    -Xswiftc -sanitize=fuzzer,address "$@"
echo "fuzz targets built in .build-fuzz/release/: fuzz-frame-decoder fuzz-cyton fuzz-edf fuzz-csv fuzz-replay"
