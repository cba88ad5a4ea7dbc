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
    "$SWIFTC" $SAN $OPT -module-name "$name" -I "$OUT/modules" -I "$OUT/modules/CCRC32C" -I "$OUT/modules/CSystem" \
        -emit-module -emit-module-path "$OUT/modules/$name.swiftmodule" -c "$@" -o "$OUT/obj/$name.o"
}
# swift-system (SystemPackage), which Recordings does its file I/O through: compiled from the checkout SwiftPM
# resolved, with the defines and availability macros its Package.swift gives (on Linux they name versions only).
[ -d .build/checkouts/swift-system ] || swift package resolve >/dev/null
SYS=.build/checkouts/swift-system
mkdir -p "$OUT/modules/CSystem"
cp "$SYS"/Sources/CSystem/include/*.h "$SYS/Sources/CSystem/include/module.modulemap" "$OUT/modules/CSystem/"
"$CLANG" -O2 -g -fsanitize=fuzzer-no-link,address -I"$SYS/Sources/CSystem/include" -c "$SYS/Sources/CSystem/shims.c" -o "$OUT/obj/CSystem.o"
AVAIL=$(sed -n 's/^ *Available("\([0-9.]*\)".*/\1/p' "$SYS/Package.swift" | while read -r v; do
    printf ' -enable-experimental-feature AvailabilityMacro=System\\ %s:macOS\\ 10.10'  "$v"; done)
eval "\"\$SWIFTC\" $SAN $OPT -module-name SystemPackage -I \"\$OUT/modules/CSystem\" -DSYSTEM_PACKAGE \
    -enable-experimental-feature Lifetimes $AVAIL -emit-module -emit-module-path \"\$OUT/modules/SystemPackage.swiftmodule\" \
    -c \$(find \"\$SYS/Sources/System\" -name '*.swift') -o \"\$OUT/obj/SystemPackage.o\""

module DeviceProtocol Sources/DeviceProtocol/*.swift
module Recordings Sources/Recordings/*.swift

target() {  # target NAME HARNESS OBJECTS...
    name=$1; harness=$2; shift 2
    "$SWIFTC" $SAN $OPT -module-name "$(echo "$name" | tr -d -)" -I "$OUT/modules" -I "$OUT/modules/CCRC32C" -I "$OUT/modules/CSystem" \
        $LINK "$harness" Fuzz/Support.swift "$@" -o "$OUT/$name"
}
target fuzz-frame-decoder Fuzz/FrameDecoderFuzz.swift "$OUT/obj/DeviceProtocol.o" "$OUT/obj/CCRC32C.o"
SYSOBJ="$OUT/obj/SystemPackage.o $OUT/obj/CSystem.o"
target fuzz-edf Fuzz/EDFFuzz.swift "$OUT/obj/Recordings.o" "$OUT/obj/DeviceProtocol.o" "$OUT/obj/CCRC32C.o" $SYSOBJ
target fuzz-csv Fuzz/CSVFuzz.swift "$OUT/obj/Recordings.o" "$OUT/obj/DeviceProtocol.o" "$OUT/obj/CCRC32C.o" $SYSOBJ
echo "fuzz targets built in $OUT/: fuzz-frame-decoder fuzz-edf fuzz-csv"
