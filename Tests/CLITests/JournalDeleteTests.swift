import Foundation
import TestSupport
import Testing

/// `journal delete` and diary cramps through the real CLI, read back with the sqlite3 shell.
@Suite(.tags(.cli), .temporaryFolder) struct JournalDeleteTests {
    func sqlite(_ journal: String, _ sql: String) async throws -> String {
        let r = try await Processes.run("/usr/bin/sqlite3", [journal, sql])
        #expect(r.status == 0, "\(r.stderr)")
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3"), "needs the sqlite3 shell"))
    func deletingANightRemovesItAndItsRowsAndKeepsTheDiary() async throws {
        let journal = TemporaryFolder.path("j.sqlite")
        for night in ["night-a", "night-b-faulty"] {
            #expect(try await CLI.run(["replay", Repository.night(night), "--journal", journal]).status == 0)
        }
        for _ in 0..<3 {
            let add = try await CLI.run(["journal", "diary", "add", "--cramp", "03:10,left,7", "--notes", "woke at 3",
                                         "--journal", journal])
            #expect(add.status == 0, "\(add.stderr)")
        }
        #expect(try await sqlite(journal, "SELECT COUNT(*) FROM selfReportedCramp") == "1")
        // The same note three times is one note; another is added below it.
        #expect(try await sqlite(journal, "SELECT notes FROM diaryEntry") == "woke at 3")
        _ = try await CLI.run(["journal", "diary", "add", "--notes", "calf, left", "--journal", journal])
        let notes = try await sqlite(journal, "SELECT replace(notes, char(10), '|') FROM diaryEntry")
        #expect(notes == "woke at 3|calf, left")
        let delete = try await CLI.run(["journal", "delete", "1", "--journal", journal])
        #expect(delete.status == 0, "\(delete.stderr)")
        #expect(delete.stdout.contains("Deleted night 1") && delete.stdout.contains("14 events"), "\(delete.stdout)")
        #expect(try await sqlite(journal, "SELECT COUNT(*) FROM event WHERE nightId = 1") == "0")
        #expect(try await sqlite(journal, "SELECT COUNT(*) FROM nightFigures") == "1")
        #expect(try await sqlite(journal, "SELECT COUNT(*) FROM selfReportedCramp") == "1")
        // The sqlite3 shell, foreign keys off: the schema still takes the night's rows with it.
        _ = try await sqlite(journal, "DELETE FROM night WHERE id = 2")
        #expect(try await sqlite(journal, "SELECT COUNT(*) FROM event") == "0")
        #expect(try await sqlite(journal, "SELECT COUNT(*) FROM gap") == "0")
        let again = try await CLI.run(["journal", "delete", "1", "--journal", journal])
        #expect(again.status == 1 && again.stderr.contains("there is no night 1"))
        #expect(again.stderr.split(separator: "\n").count == 1)
    }
}

@Suite(.tags(.cli), .temporaryFolder) struct JournalNightsOrderTests {
    /// Nights are listed by when they were slept, whatever order they were saved in.
    @Test func nightsAreListedInDateOrder() async throws {
        let journal = TemporaryFolder.path("j.sqlite")
        for (night, start) in [("night-a", "2026-11-24T23:10:00Z"), ("night-b-faulty", "2026-11-22T22:40:00Z"),
                               ("night-c-60hz", "2026-11-23T23:00:00Z")] {
            let r = try await CLI.run(["replay", Repository.night(night), "--journal", journal, "--start", start,
                                       "--min-night", "0"])
            #expect(r.status == 0, "\(r.stderr)")
        }
        let list = try await CLI.run(["journal", "nights", "--journal", journal, "--json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(rows.compactMap { $0["id"] as? Int } == [2, 3, 1])
        let text = try await CLI.run(["journal", "nights", "--journal", journal])
        let ids = text.stdout.split(separator: "\n").dropFirst()
            .compactMap { Int($0.split(separator: " ").first ?? "") }
        #expect(ids == [2, 3, 1], "\(text.stdout)")
    }
}
