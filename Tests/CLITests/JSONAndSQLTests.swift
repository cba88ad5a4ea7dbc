import Foundation
import TestSupport
import Testing

/// What a script or `sqlite3` reads from the journal is usable as it is (issue 16, part 4): times in ISO 8601 with
/// an offset, every count present (0 as 0), an event's features as typed fields and columns, absolute paths, and
/// the mains frequency kept with each night, so a 50-Hz and a 60-Hz night share one detector configuration.
@Suite(.tags(.cli), .temporaryFolder) struct JSONAndSQLTests {
    @Test func theJournalReadsAsDataATimeAndAColumnEach() async throws {
        let journal = TemporaryFolder.path("j.sqlite")
        for (night, start) in [("night-a", "2026-11-24T23:10:00+01:00"), ("night-c-60hz", "2026-11-25T23:40:00Z")] {
            let r = try await CLI.run(["replay", Repository.night(night), "--journal", journal, "--start", start,
                                       "--min-night", "0"])
            #expect(r.status == 0, "\(r.stderr)")
        }
        // One configuration: the mains frequency is each night's, not part of the thresholds' identity.
        #expect(try await SQLiteShell.run(journal, "SELECT COUNT(*) FROM detectorConfig") == "1")
        #expect(try await SQLiteShell.run(journal,
                                          "SELECT group_concat(mainsHz) FROM (SELECT mainsHz FROM night ORDER BY id)")
                == "50,60")
        // Features are columns: the cramps that woke the sleeper, by SQL alone.
        #expect(try await SQLiteShell.run(journal, "SELECT COUNT(*) FROM event WHERE kind = 'cramp' AND woke") == "5")
        #expect(try await SQLiteShell.run(journal, "SELECT COUNT(*) FROM event WHERE kind = 'leg_movement' "
                                       + "AND medianFrequencyHz > 100") == "15")
        #expect(try await SQLiteShell.run(journal, "SELECT COUNT(*) FROM recording WHERE path LIKE '/%'") == "2")

        let unknown = try await CLI.run(["replay", Repository.night("night-b-faulty"), "--journal", journal])
        #expect(unknown.status == 0, "\(unknown.stderr)")
        let nights = try await CLI.run(["journal", "nights", "--journal", journal, "--json"])
        var rows = try #require(try JSONSerialization.jsonObject(with: nights.output) as? [[String: Any]])
        #expect(rows.count == 3)
        // A start nobody knows is said as null, not left out.
        let unknownRow = try #require(rows.first { $0["start_source"] as? String == "unknown" }, "\(rows)")
        #expect(unknownRow["started_at"] is NSNull, "\(unknownRow)")
        rows.removeAll { $0["start_source"] as? String == "unknown" }
        let iso = try Regex(#"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$"#)
        for row in rows {
            let started = try #require(row["started_at"] as? String, "\(row)")
            #expect(started.wholeMatch(of: iso) != nil, "started_at \(started) is not ISO 8601 with an offset")
            let counts = try #require(row["counts"] as? [String: Int])
            #expect(Set(counts.keys) == ["cramp", "leg_movement", "sleep_interruption", "artifact"], "\(counts)")
            #expect(counts["artifact"] == 0)
            #expect(row["mains_hz"] is Int)
        }
        let show = try await CLI.run(["journal", "show", "1", "--journal", journal, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: show.output) as? [String: Any])
        let events = try #require(object["events"] as? [[String: Any]])
        let cramp = try #require(events.first { $0["kind"] as? String == "cramp" })
        #expect(cramp["woke"] as? Bool == true, "\(cramp)")
        #expect(cramp["median_frequency_hz"] is Double && cramp["accel_activity_after_g"] is Double)
        #expect(cramp["features"] == nil)
        #expect((object["recording"] as? String)?.hasPrefix("/") == true)
    }
}
