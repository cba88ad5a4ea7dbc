import Foundation
import Testing

/// Temporary folders that go away with the test that made them.
///
/// Give a suite (or a test) the `.temporaryFolder` trait: each of its test cases then gets its own folder under
/// the system's temporary directory, removed when the case ends, pass or fail (set `KEEP=1` to keep them and
/// print where they are). `make` and `path` hand out fresh places inside it.
public enum TemporaryFolder {
    @TaskLocal static var current: URL?

    /// A fresh, empty folder inside the current test's temporary folder.
    public static func make(_ name: String = "work") throws -> URL {
        let url = base().appendingPathComponent("\(name)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The path of a file named `name` in a fresh folder (the file itself is not created).
    public static func path(_ name: String) -> String {
        ((try? make("f")) ?? base()).appendingPathComponent(name).path
    }

    static func base() -> URL {
        if let current { return current }
        Issue.record("no temporary folder here: give the suite the .temporaryFolder trait")
        return (try? create("cw-test-unscoped")) ?? FileManager.default.temporaryDirectory
    }

    static func create(_ prefix: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func remove(_ url: URL) {
        if ProcessInfo.processInfo.environment["KEEP"] != nil {
            print("KEEP: \(url.path)")
            return
        }
        try? FileManager.default.removeItem(at: url)
    }
}

/// The trait behind `.temporaryFolder`: a task-local folder for each test case.
public struct TemporaryFolderTrait: TestTrait, SuiteTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func scopeProvider(for test: Test, testCase: Test.Case?) -> Self? {
        testCase == nil ? nil : self
    }

    public func provideScope(for test: Test, testCase: Test.Case?,
                             performing function: @Sendable () async throws -> Void) async throws {
        let url = try TemporaryFolder.create("cw-test")
        defer { TemporaryFolder.remove(url) }
        try await TemporaryFolder.$current.withValue(url) { try await function() }
    }
}

extension Trait where Self == TemporaryFolderTrait {
    /// Each test case gets a temporary folder, removed when it ends (see ``TemporaryFolder``).
    public static var temporaryFolder: Self { TemporaryFolderTrait() }
}

/// A file's permission bits (0o600 for the private files Crampwatch writes).
public func fileMode(_ path: String) throws -> Int {
    (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
}
