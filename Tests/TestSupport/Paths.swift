import Foundation

/// Folders of the repository and beside it, found from this file's place (Tests/TestSupport/Paths.swift).
public enum Repository {
    /// The repository's root folder.
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Samples/: the bundled nights.
    public static let samples = root.appendingPathComponent("Samples")

    /// Tests/.
    public static let tests = root.appendingPathComponent("Tests")

    /// The bad-input corpus, Tests/Corpus.
    public static let corpus = tests.appendingPathComponent("Corpus")

    /// A bundled night's raw capture, e.g. `night("night-a")`.
    public static func night(_ name: String) -> String {
        samples.appendingPathComponent("\(name)/night.cwcap").path
    }

    /// The shared data sets (`../shared/data` beside the repository; `CRAMPWATCH_SHARED_DATA` overrides).
    public static let sharedData: URL = {
        if let env = ProcessInfo.processInfo.environment["CRAMPWATCH_SHARED_DATA"] { return URL(fileURLWithPath: env) }
        return root.deletingLastPathComponent().appendingPathComponent("shared/data")
    }()
}

/// The executables SwiftPM built beside the test bundle.
public enum Binary {
    /// The real `crampwatch` executable: `CRAMPWATCH_BINARY` if set, else the one in the build folder the tests
    /// run from (.build/<triple>/debug or release: the test bundle sits next to the executables).
    public static let crampwatch: String = {
        if let env = ProcessInfo.processInfo.environment["CRAMPWATCH_BINARY"] { return env }
        return built("crampwatch")
    }()

    /// An executable product in the build folder the tests run from.
    public static func built(_ name: String) -> String {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while dir.path != "/" && !FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent(name).path) {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent(name).path
    }
}

/// The real `crampwatch` command line, as a person or a script runs it.
public enum CLI {
    /// Runs `crampwatch` with `arguments`; `prefix` runs it through another program (e.g. setpriv).
    /// Backtraces are off so that a crash shows as a signal, not as pages of stderr.
    public static func run(_ arguments: [String], environment: [String: String] = [:], prefix: [String] = [],
                           in directory: URL? = nil) async throws -> ProcessResult {
        var env = environment
        env["SWIFT_BACKTRACE"] = env["SWIFT_BACKTRACE"] ?? "enable=no"
        let command = prefix + [Binary.crampwatch] + arguments
        return try await Processes.run(command[0], Array(command.dropFirst()), environment: env, in: directory)
    }
}

/// Python 3 (the checkers and reference implementations the tests compare with).
public enum Python {
    /// Runs `python3` with `arguments` (a script path or `-c`), optionally feeding `input` on stdin.
    public static func run(_ arguments: [String], input: Data? = nil) async throws -> ProcessResult {
        try await Processes.run("/usr/bin/env", ["python3"] + arguments, input: input)
    }
}
