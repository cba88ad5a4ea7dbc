// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Crampwatch",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "crampwatch", targets: ["crampwatch"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // Wire format v1: frame codec, device info, commands. Pure Swift, stdlib only.
        .target(name: "DeviceProtocol"),
        // Filters, envelopes, baselines, detectors. Pure and allocation-free in the sample loop.
        .target(name: "SignalCore"),
        // Physiologically plausible simulated nights with ground truth.
        .target(name: "NightSimulator", dependencies: ["DeviceProtocol", "SignalCore"]),
        // Recorded files: raw device captures (EDF/CSV follow).
        .target(name: "Recordings", dependencies: ["DeviceProtocol"]),
        // The only module that speaks SQL.
        .target(name: "Journal", dependencies: [.product(name: "GRDB", package: "GRDB.swift")]),
        // Event matching and metrics against reference labels.
        .target(name: "Evaluation"),
        // Wires sources to the signal core and to sinks.
        .target(name: "Pipeline", dependencies: ["DeviceProtocol", "SignalCore", "Recordings", "Journal", "Evaluation"]),
        // Self-contained HTML + inline SVG reports from the journal.
        .target(name: "Reports", dependencies: ["Journal", "Evaluation"]),
        .executableTarget(
            name: "crampwatch",
            dependencies: [
                "DeviceProtocol", "SignalCore", "NightSimulator", "Recordings", "Journal", "Pipeline", "Evaluation", "Reports",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "DeviceProtocolTests", dependencies: ["DeviceProtocol"]),
        .testTarget(name: "SignalCoreTests", dependencies: ["SignalCore"]),
        .testTarget(name: "NightSimulatorTests", dependencies: ["NightSimulator", "DeviceProtocol", "SignalCore"]),
        .testTarget(name: "JournalTests", dependencies: ["Journal", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "NightSimulator", "Evaluation", "Journal", "Recordings"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "Journal", "Pipeline", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "CLITests"),
    ],
    swiftLanguageModes: [.v6]
)
