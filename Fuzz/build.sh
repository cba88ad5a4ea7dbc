#!/bin/sh
# Builds the libFuzzer targets into .build-fuzz/ with swiftc directly (-sanitize=fuzzer,address),
# compiling the modules they test from Sources/ as they are. The normal SwiftPM build is untouched.
# Usage: Fuzz/build.sh            (all three targets)
set -eu
cd "$(dirname "$0")/.."
OUT=.build-fuzz
SWIFTC=${SWIFTC:-swiftc}
# The clang that ships with Swift knows -fsanitize=fuzzer; the system's may not exist.
CLANG=${CLANG:-$(dirname "$(command -v "$SWIFTC")")/clang}
[ -x "$CLANG" ] || CLANG=clang
mkdir -p "$OUT/obj" "$OUT/modules/CCRC32C"
SAN="-sanitize=fuzzer,address"
OPT="-O -g -parse-as-library -wmo"
# lld (shipped with Swift) links quietly; gold warns about every ASan symbol.
LINK=""
[ -x "$(dirname "$(command -v "$SWIFTC")")/ld.lld" ] && LINK="-use-ld=lld"

# CCRC32C (C): the module map SwiftPM would generate.
printf 'module CCRC32C {\n    header "%s"\n    export *\n}\n' "$PWD/Sources/CCRC32C/include/ccrc32c.h" > "$OUT/modules/CCRC32C/module.modulemap"
"$CLANG" -O2 -g -fsanitize=fuzzer-no-link,address -ISources/CCRC32C/include -c Sources/CCRC32C/ccrc32c.c -o "$OUT/obj/CCRC32C.o"

module() {  # module NAME SOURCES...
    name=$1; shift
    "$SWIFTC" $SAN $OPT -module-name "$name" -I "$OUT/modules" -I "$OUT/modules/CCRC32C" \
        -emit-module -emit-module-path "$OUT/modules/$name.swiftmodule" -c "$@" -o "$OUT/obj/$name.o"
}
module DeviceProtocol Sources/DeviceProtocol/*.swift
module Recordings Sources/Recordings/*.swift

target() {  # target NAME HARNESS OBJECTS...
    name=$1; harness=$2; shift 2
    "$SWIFTC" $SAN $OPT -module-name "$(echo "$name" | tr -d -)" -I "$OUT/modules" -I "$OUT/modules/CCRC32C" \
        $LINK "$harness" Fuzz/Support.swift "$@" -o "$OUT/$name"
}
target fuzz-frame-decoder Fuzz/FrameDecoderFuzz.swift "$OUT/obj/DeviceProtocol.o" "$OUT/obj/CCRC32C.o"
target fuzz-edf Fuzz/EDFFuzz.swift "$OUT/obj/Recordings.o" "$OUT/obj/DeviceProtocol.o" "$OUT/obj/CCRC32C.o"
target fuzz-csv Fuzz/CSVFuzz.swift "$OUT/obj/Recordings.o" "$OUT/obj/DeviceProtocol.o" "$OUT/obj/CCRC32C.o"
echo "fuzz targets built in $OUT/: fuzz-frame-decoder fuzz-edf fuzz-csv"
