import Foundation
import TestSupport
import Testing

/// docs/formats.md shows what the program writes: the journal's tables and migrations, `replay --json` of the
/// faulty bundled night, and the signals JSON. These tests run the commands the page names and hold every value it
/// shows to what the program printed, so the page cannot drift from the program (issue 16: a newcomer copies it).
@Suite(.tags(.cli), .temporaryFolder) struct FormatsDocTests {
    static let hasSQLite = FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3")

    /// Where `doc` (a value from the page) is not inside `actual`: objects key by key, arrays of objects element by
    /// element (each shown element matches one printed), arrays of numbers as a prefix, other values equal.
    static func mismatches(_ doc: Any, _ actual: Any?, at path: String = "") -> [String] {
        switch doc {
        case let object as [String: Any]:
            guard let printed = actual as? [String: Any] else { return ["\(path): not an object"] }
            return object.keys.sorted().flatMap { key in
                mismatches(object[key]!, printed[key], at: path.isEmpty ? key : "\(path).\(key)")
            }
        case let array as [Any]:
            guard let printed = actual as? [Any] else { return ["\(path): not an array"] }
            if array.allSatisfy({ !($0 is [String: Any]) }) {
                return printed.prefix(array.count).elementsEqual(array, by: same)
                    ? [] : ["\(path): \(array) is not how \(printed.prefix(array.count)) begins"]
            }
            return array.enumerated().compactMap { i, shown in
                printed.contains { mismatches(shown, $0).isEmpty } ? nil : "\(path)[\(i)]: \(shown) not printed"
            }
        default:
            guard let value = actual else { return ["\(path): missing"] }
            return same(doc, value) ? [] : ["\(path): page says \(doc), program printed \(value)"]
        }
    }

    /// Two JSON scalars as JSONSerialization gives them: null, a string, a boolean, or a number (1 and 1.0 alike).
    static func same(_ a: Any, _ b: Any) -> Bool {
        switch (a, b) {
        case (is NSNull, is NSNull): return true
        case let (x as String, y as String): return x == y
        case let (x as Bool, y as Bool) where type(of: a) == type(of: b): return x == y
        case let (x as NSNumber, y as NSNumber): return x.doubleValue == y.doubleValue
        default: return false
        }
    }

    @Test(.enabled(if: hasSQLite, "needs the sqlite3 shell"))
    func theJournalHasTheTablesAndMigrationsThePageNames() async throws {
        let journal = TemporaryFolder.path("j.sqlite")
        let r = try await CLI.run(["replay", Repository.night("night-a"), "--journal", journal])
        #expect(r.status == 0, "\(r.stderr)")
        let tables = try await SQLiteShell.run(journal, """
            SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
            AND name != 'grdb_migrations' ORDER BY name
            """).split(separator: "\n").map(String.init)
        #expect(Set(tables) == (try FormatsDoc.journalTables()), "the journal has \(tables)")
        let migrations = try await SQLiteShell.run(journal, "SELECT identifier FROM grdb_migrations ORDER BY rowid")
            .split(separator: "\n").map(String.init)
        let named = try FormatsDoc.journalMigrations()
        #expect(migrations.first == named.first && migrations.last == named.last, "the journal has \(migrations)")
        #expect(named.last.hasPrefix("v\(migrations.count)-"), "\(migrations.count) migrations, page: \(named.last)")
    }

    @Test func replayJSONIsWhatThePageShows() async throws {
        let marker = "## `replay --json`: a contract"
        let doc = try FormatsDoc.jsonExample(after: marker)
        let journal = TemporaryFolder.path("j2.sqlite")
        // The page's command, from the repository's root so that the recording's path reads as it does there.
        let r = try await CLI.run(["replay", "Samples/night-b-faulty/night.cwcap", "--json", "--journal", journal],
                                  in: Repository.root)
        try #require(r.status == 0, "\(r.stderr)")
        let printed = r.json
        #expect(Set(printed.keys) == Set(doc.keys), "top-level keys the page does not show, or shows and lacks")
        #expect(printed["journal"] as? String == journal)
        var shown = doc
        shown["journal"] = nil
        #expect(Self.mismatches(shown, printed) == [])
        // The summary is shown whole: a figure added to it must be added to the page.
        let summary = try #require(printed["summary"] as? [String: Any])
        #expect(FormatsDoc.keyPaths(summary) == FormatsDoc.keyPaths(doc["summary"] as Any))
        // "… and 107 of the 110 events are left out": the count the page states.
        let page = try FormatsDoc.text()
        let stated = try #require(page.firstMatch(of: /(\d+) of the (\d+) events are left out/))
        let events = try #require(printed["events"] as? [Any])
        #expect(events.count == Int(stated.2), "the page says \(stated.2) events")
        #expect((doc["events"] as? [Any])?.count == events.count - (Int(stated.1) ?? 0))
    }

    @Test func signalsJSONIsWhatThePageShows() async throws {
        let doc = try FormatsDoc.jsonExample(after: "* **Signals as JSON**")
        let out = TemporaryFolder.path("night.json")
        let r = try await CLI.run(["replay", Repository.night("night-b-faulty"), "--no-journal",
                                   "--export-signals", out])
        try #require(r.status == 0, "\(r.stderr)")
        let printed = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out)))
                                   as? [String: Any])
        #expect(Self.mismatches(doc, printed) == [])
        #expect(FormatsDoc.keyPaths(doc).isSubset(of: FormatsDoc.keyPaths(printed)))
    }
}
