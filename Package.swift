// swift-tools-version: 6.1
import PackageDescription

// Dynamic exclusivity checks cost ~40 % of replay time in the per-sample paths (measured with perf).
// Debug builds, where every test runs, keep them; release builds of the hot modules do not.
let hotPath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

// POSIX file I/O through FileDescriptor, which retries a call a signal interrupts (EINTR).
let systemPackage: Target.Dependency = .product(name: "SystemPackage", package: "swift-system")

let package = Package(
    name: "Crampwatch",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "crampwatch", targets: ["crampwatch"]),
        // For the fuzz package (Fuzz/Package.swift), which depends on this one by path: the wire format, the
        // file formats, the night runner and the night's figures.
        .library(name: "DeviceProtocol", targets: ["DeviceProtocol"]),
        .library(name: "Recordings", targets: ["Recordings"]),
        .library(name: "Ingest", targets: ["Ingest"]),
        .library(name: "NightAnalysis", targets: ["NightAnalysis"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        // Tests only (TestSupport): child processes whose stdout and stderr are read together, so none can block.
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        // `crampwatch serve`: the bedside web app (WebApp), HTTP and HTTPS.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        // Tonight's live stream ends when the server is asked to stop (graceful shutdown), not at its next tick.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        // A study across many hubs (StudySync): journals synced into PostgreSQL, cohort figures and validation.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // `study enroll`: a hub password's SCRAM-SHA-256 verifier (HMAC, SHA-256), so the password never goes to the
        // server. postgres-nio depends on it already; its range is postgres-nio's.
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
    ],
    targets: [
        // The crc32 instruction for CRC-32C (C, because Swift cannot reach it); DeviceProtocol has a table fallback.
        .target(name: "CCRC32C"),
        // Wire format v1: frame codec, device info, commands. No I/O, no Foundation.
        .target(name: "DeviceProtocol", dependencies: ["CCRC32C"], swiftSettings: hotPath),
        // Filters, envelopes, baselines, detectors. Pure and allocation-free in the sample loop.
        // The default EMG filter cascade as an AVX wavefront (C: run-time CPU dispatch, which Swift cannot express).
        .target(name: "CSignalKernels", cSettings: [.unsafeFlags(["-O2", "-ffp-contract=off"])]),
        // libm through swift-numerics' RealModule (Double.cos, .exp, .atan2, ...), not a re-exported Glibc.
        .target(name: "SignalCore", dependencies: ["CSignalKernels", .product(name: "RealModule", package: "swift-numerics")],
                swiftSettings: hotPath),
        // libusb-1.0 through pkg-config, with shims for what Swift cannot call. Only DeviceIO imports it.
        .systemLibrary(name: "CLibUSB", pkgConfig: "libusb-1.0", providers: [.apt(["libusb-1.0-0-dev"])]),
        // USB (libusb) and serial (termios) transports, discovery, reconnect, commands.
        .target(name: "DeviceIO", dependencies: ["CLibUSB", "DeviceProtocol", systemPackage]),
        // Physiologically plausible simulated nights with ground truth.
        .target(name: "NightSimulator", dependencies: ["DeviceProtocol", "SignalCore"]),
        // Every file format in and out: raw device captures, EDF/EDF+/BDF/BDF+ (read, write, repair), CSV; channel choice.
        .target(name: "Recordings", dependencies: ["DeviceProtocol", systemPackage]),
        // The only module that speaks SQL.
        .target(name: "Journal", dependencies: [.product(name: "GRDB", package: "GRDB.swift"), systemPackage]),
        // Pure night analysis: summary, sleep window, periodic leg movements, clock fit, configuration identity.
        // The only place that computes a figure a person sees.
        .target(name: "NightAnalysis", dependencies: ["SignalCore"]),
        // The observers of a night as it is detected, and the writers among them: EDF+/BDF+, CSV and JSON signals.
        .target(name: "Exports", dependencies: ["DeviceProtocol", "SignalCore", "Recordings", "NightAnalysis", systemPackage]),
        // The one night runner and its sources (raw captures live or replayed, EDF/BDF, CSV).
        .target(name: "Ingest", dependencies: ["DeviceProtocol", "SignalCore", "Recordings", "NightAnalysis", "Exports"],
                swiftSettings: hotPath),
        // Scorings, matching and metrics; validation of recordings against them and threshold sweeps.
        .target(name: "Evaluation", dependencies: ["SignalCore", "NightAnalysis", "Ingest", "Recordings"]),
        // Nights kept: saving a night in the journal, recording a live night into it, recovering killed ones.
        .target(name: "Sessions", dependencies: ["DeviceIO", "DeviceProtocol", "SignalCore", "NightAnalysis", "Recordings", "Exports", "Ingest",
                                                "Journal", systemPackage]),
        // SVG drawings and self-contained HTML pages.
        .target(name: "Reports", dependencies: ["Journal", "Evaluation", "NightAnalysis", "Recordings", systemPackage]),
        // `crampwatch serve`: the bedside web app over the journal, with the reports' drawings; pairing and CSRF.
        .target(name: "WebApp", dependencies: ["Journal", "Reports", "NightAnalysis",
                                               .product(name: "Hummingbird", package: "hummingbird"),
                                               .product(name: "HummingbirdCore", package: "hummingbird"),
                                               .product(name: "HummingbirdTLS", package: "hummingbird"),
                                               .product(name: "HTTPTypes", package: "swift-http-types"),
                                               .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")]),
        // A study across many hubs: the study schema in PostgreSQL, syncing a journal into it, cohort figures and
        // cohort validation. The only module that speaks PostgreSQL (as Journal is the only one that speaks SQLite).
        .target(name: "StudySync", dependencies: ["Journal", "NightAnalysis", "Evaluation", "Reports",
                                                  .product(name: "PostgresNIO", package: "postgres-nio"),
                                                  .product(name: "Crypto", package: "swift-crypto"),
                                                  .product(name: "_CryptoExtras", package: "swift-crypto")]),
        // The CLI's JSON contract (replay --json, monitor --json, --export-events): the shapes scripts read.
        .target(name: "CrampwatchJSON", dependencies: ["DeviceProtocol", "SignalCore", "NightAnalysis", "Ingest"]),
        .executableTarget(
            name: "crampwatch",
            dependencies: [
                "DeviceProtocol", "DeviceIO", "SignalCore", "NightSimulator", "Recordings", "Journal", "NightAnalysis", "Exports",
                "Ingest", "Evaluation", "Sessions", "Reports", "CrampwatchJSON", "WebApp", "StudySync",
                .product(name: "ArgumentParser", package: "swift-argument-parser"), systemPackage,
            ]
        ),
        // Accuracy studies over simulated nights (tests, benchmarks).
        .target(name: "Studies",
                dependencies: ["NightSimulator", "Ingest", "Evaluation", "NightAnalysis", "SignalCore"]),
        // Counts heap allocations (benchmarks, and the no-allocation test of the sample loop).
        .target(name: "CAllocCounter"),
        .executableTarget(
            name: "crampwatch-bench",
            dependencies: ["CAllocCounter", "DeviceProtocol", "SignalCore", "NightSimulator", "Ingest", "NightAnalysis", "Exports", "Sessions",
                           "CrampwatchJSON", "Journal", "Studies"],
            path: "Sources/crampwatch-bench"
        ),
        // What the test targets share: the child-process runner, the crampwatch binary, paths, one seeded generator,
        // temporary folders that clean up, and the tags `make check` selects by.
        .target(
            name: "TestSupport",
            dependencies: [
                .product(name: "Subprocess", package: "swift-subprocess"),
                systemPackage,
            ],
            path: "Tests/TestSupport"
        ),
        .testTarget(name: "DeviceProtocolTests", dependencies: ["DeviceProtocol", "TestSupport"]),
        .testTarget(name: "SignalCoreTests", dependencies: ["SignalCore", "CAllocCounter", "TestSupport"]),
        .testTarget(name: "NightSimulatorTests", dependencies: ["NightSimulator", "DeviceProtocol", "SignalCore", "TestSupport"]),
        .testTarget(name: "JournalTests", dependencies: ["Journal", .product(name: "GRDB", package: "GRDB.swift"), "TestSupport"]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "Ingest", "NightAnalysis", "Exports", "Sessions", "CrampwatchJSON", "NightSimulator", "Studies", "SignalCore", "TestSupport"]),
        .testTarget(name: "NightAnalysisTests", dependencies: ["NightAnalysis", "SignalCore", "TestSupport"]),
        .testTarget(name: "IngestTests", dependencies: ["Ingest", "Exports", "CrampwatchJSON", "NightAnalysis", "Sessions", "NightSimulator", "Evaluation", "Journal", "Recordings", "Studies", "TestSupport"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "Journal", "Ingest", "NightAnalysis", "Exports", "Sessions", "CrampwatchJSON", .product(name: "GRDB", package: "GRDB.swift"), "TestSupport"]),
        .testTarget(name: "DeviceIOTests", dependencies: ["DeviceIO", "DeviceProtocol", "Ingest", "NightAnalysis", "Exports", "Sessions", "CrampwatchJSON", "TestSupport"]),
        .testTarget(name: "SessionsTests", dependencies: ["Sessions", "Ingest", "NightAnalysis", "Journal", .product(name: "GRDB", package: "GRDB.swift"), "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["TestSupport"]),
        // A real PostgreSQL 15 the tests start themselves (initdb in a temporary folder, a free loopback port).
        .testTarget(name: "StudySyncTests", dependencies: ["StudySync", "Journal", "NightAnalysis", "Reports", "TestSupport",
                                                          .product(name: "GRDB", package: "GRDB.swift"),
                                                          .product(name: "PostgresNIO", package: "postgres-nio")]),
        // `crampwatch serve` over HTTP on loopback (the real binary), and in a real browser (.browser).
        .testTarget(name: "WebAppTests", dependencies: ["TestSupport", "WebApp"], exclude: ["browser_check.py"]),
        // The bad-input corpus (Tests/Corpus) through the real CLI: exit codes and one clear line each.
        .testTarget(name: "BadInputTests", dependencies: ["TestSupport"]),
        .testTarget(name: "RecordingsTests", dependencies: ["Recordings", "Ingest", "Exports", "NightAnalysis", "Sessions", "CrampwatchJSON", "SignalCore", "TestSupport"], exclude: ["edf_check.py"]),
    ],
    swiftLanguageModes: [.v6]
)
