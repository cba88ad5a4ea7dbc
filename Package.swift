// swift-tools-version: 6.1
import PackageDescription

// Dynamic exclusivity checks cost ~40 % of replay time in the per-sample paths (measured with perf).
// Debug builds, where every test runs, keep them; release builds of the hot modules do not.
let hotPath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "Crampwatch",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "crampwatch", targets: ["crampwatch"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // Tests only (TestSupport): child processes whose stdout and stderr are read together, so none can block.
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.5.0"),
    ],
    targets: [
        // Wire format v1: frame codec, device info, commands. Pure Swift, stdlib only.
        // The crc32 instruction for CRC-32C (C, because Swift cannot reach it); table fallback in Swift.
        .target(name: "CCRC32C"),
        .target(name: "DeviceProtocol", dependencies: ["CCRC32C"], swiftSettings: hotPath),
        // Filters, envelopes, baselines, detectors. Pure and allocation-free in the sample loop.
        // The default EMG filter cascade as an AVX wavefront (C: run-time CPU dispatch, which Swift cannot express).
        .target(name: "CSignalKernels", cSettings: [.unsafeFlags(["-O2", "-ffp-contract=off"])]),
        .target(name: "SignalCore", dependencies: ["CSignalKernels"], swiftSettings: hotPath),
        // libusb-1.0 through pkg-config, with shims for what Swift cannot call. Only DeviceIO imports it.
        .systemLibrary(name: "CLibUSB", pkgConfig: "libusb-1.0", providers: [.apt(["libusb-1.0-0-dev"])]),
        // USB (libusb) and serial (termios) transports, discovery, reconnect, commands.
        .target(name: "DeviceIO", dependencies: ["CLibUSB", "DeviceProtocol"]),
        // Physiologically plausible simulated nights with ground truth.
        .target(name: "NightSimulator", dependencies: ["DeviceProtocol", "SignalCore"]),
        // Recorded files: raw device captures (EDF/CSV follow).
        .target(name: "Recordings", dependencies: ["DeviceProtocol"]),
        // The only module that speaks SQL.
        .target(name: "Journal", dependencies: [.product(name: "GRDB", package: "GRDB.swift")]),
        // Event matching and metrics against reference labels.
        .target(name: "Evaluation"),
        // Self-contained HTML reports with inline SVG.
        .target(name: "Reports", dependencies: ["Journal", "Evaluation"]),
        // Wires sources to the signal core and to sinks.
        .target(name: "Pipeline", dependencies: ["DeviceProtocol", "SignalCore", "Recordings", "Journal", "Evaluation"], swiftSettings: hotPath),
        .executableTarget(
            name: "crampwatch",
            dependencies: [
                "DeviceProtocol", "DeviceIO", "SignalCore", "NightSimulator", "Recordings", "Journal", "Pipeline", "Evaluation", "Reports",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Accuracy studies over simulated nights (tests, benchmarks).
        .target(name: "Studies", dependencies: ["NightSimulator", "Pipeline", "Evaluation", "SignalCore"]),
        // Counts heap allocations (benchmarks, and the no-allocation test of the sample loop).
        .target(name: "CAllocCounter"),
        .executableTarget(
            name: "crampwatch-bench",
            dependencies: ["CAllocCounter", "DeviceProtocol", "SignalCore", "NightSimulator", "Pipeline", "Journal", "Studies"],
            path: "Sources/crampwatch-bench"
        ),
        // What the test targets share: the child-process runner, the crampwatch binary, paths, one seeded generator,
        // temporary folders that clean up, and the tags `make check` selects by.
        .target(
            name: "TestSupport",
            dependencies: [
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            path: "Tests/TestSupport"
        ),
        .testTarget(name: "DeviceProtocolTests", dependencies: ["DeviceProtocol", "TestSupport"]),
        .testTarget(name: "SignalCoreTests", dependencies: ["SignalCore", "CAllocCounter", "TestSupport"]),
        .testTarget(
            name: "NightSimulatorTests", dependencies: ["NightSimulator", "DeviceProtocol", "SignalCore", "TestSupport"]
        ),
        .testTarget(
            name: "JournalTests", dependencies: ["Journal", .product(name: "GRDB", package: "GRDB.swift"), "TestSupport"]
        ),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "TestSupport"]),
        .testTarget(
            name: "PipelineTests",
            dependencies: [
                "Pipeline", "NightSimulator", "Evaluation", "Journal", "Recordings", "Studies", "TestSupport",
            ]
        ),
        .testTarget(
            name: "ReportsTests",
            dependencies: [
                "Reports", "Journal", "Pipeline", .product(name: "GRDB", package: "GRDB.swift"), "TestSupport",
            ]
        ),
        .testTarget(name: "DeviceIOTests", dependencies: ["DeviceIO", "DeviceProtocol", "Pipeline", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["TestSupport"]),
        // The bad-input corpus (Tests/Corpus) through the real CLI: exit codes and one clear line each.
        .testTarget(name: "BadInputTests", dependencies: ["TestSupport"]),
        .testTarget(
            name: "RecordingsTests",
            dependencies: ["Recordings", "Pipeline", "SignalCore", "TestSupport"],
            exclude: ["edf_check.py"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
