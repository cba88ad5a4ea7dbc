// swift-tools-version: 6.1
import PackageDescription

// The libFuzzer targets, a package of their own so the normal build never sees a sanitizer. It depends on
// Crampwatch by path. Build it with both sanitizers on for every module (what `make fuzz-build` runs), so that
// libFuzzer sees the coverage of the code under test and ASan checks its memory, not only the harnesses':
//
//     swift build --package-path Fuzz --build-path .build-fuzz -c release --sanitize fuzzer --sanitize address \
//         -Xswiftc -sanitize=fuzzer,address
//
// `--sanitize` gives swiftc one -sanitize= option per sanitizer and swiftc keeps only the last, so the modules
// would get coverage or ASan, not both: the -Xswiftc option comes after them and names both.
// `--sanitize fuzzer` compiles executables with -parse-as-library and links them with libFuzzer, whose `main`
// SwiftPM's `--defsym main=<module>_main` then shadows: each target's Entry.swift defines `<module>_main`, which
// starts libFuzzer's driver. The flags below do the same for the targets alone, so a plain `swift build` here
// links too (with the code under test uninstrumented); unsafeFlags are allowed in a root package.
let sanitizers = ["-sanitize=fuzzer,address"]

func fuzzTarget(_ name: String, _ modules: [String]) -> Target {
    .executableTarget(name: name,
                      dependencies: ["FuzzSupport", "CFuzzDriver"]
                          + modules.map { .product(name: $0, package: "Crampwatch") },
                      swiftSettings: [.unsafeFlags(sanitizers + ["-parse-as-library"])],
                      // lld (shipped with Swift) links quietly; gold warns about an ASan symbol in every link.
                      linkerSettings: [.unsafeFlags(sanitizers + ["-use-ld=lld"])])
}

let package = Package(
    name: "CrampwatchFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "Crampwatch", path: "..")],
    targets: [
        .target(name: "FuzzSupport"),
        .target(name: "CFuzzDriver"),
        fuzzTarget("fuzz-frame-decoder", ["DeviceProtocol"]),
        // The OpenBCI Cyton's packet decoder (resynchronisation, lost packets) and its capture records.
        fuzzTarget("fuzz-cyton", ["DeviceProtocol"]),
        fuzzTarget("fuzz-edf", ["Recordings"]),
        fuzzTarget("fuzz-csv", ["Recordings"]),
        // The whole pipeline: format detection, the sources, the night runner, the detector, the night's figures.
        fuzzTarget("fuzz-replay", ["DeviceProtocol", "Recordings", "Ingest", "NightAnalysis"]),
    ],
    swiftLanguageModes: [.v6]
)
