import Foundation

/// The `sqlite3` shell on a journal, as a person would query it: what it prints, trimmed. A statement the shell
/// refuses is a test failure with its message, not an empty answer.
public enum SQLiteShell {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public static func run(_ journal: String, _ sql: String) async throws -> String {
        let r = try await Processes.run("/usr/bin/sqlite3", [journal, sql])
        guard r.status == 0 else { throw Failure(description: "sqlite3 \(journal) \"\(sql)\": \(r.stderr)") }
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
