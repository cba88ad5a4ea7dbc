import Foundation
import TestSupport
import Testing

/// Numbers no recording should hold, through the real CLI against a real journal (issue 17): each is refused in one
/// line naming the file and the place, leaving the journal and its WAL byte for byte as they were, or is read with
/// the bad stretch marked as an artifact and every event after it still found. Never a trap.
@Suite(.tags(.cli, .fuzz), .temporaryFolder) struct HostileNumbersTests {
    /// night-a (3 cramps, 2 leg movements at 451 and 472 s, 3 sleep interruptions) as the CSV that replay reads:
    /// a header line, then one row per EMG sample at 1000 Hz, the accelerometer on every 10th row.
    static func nightACSV() async throws -> (header: String, rows: [String]) {
        let path = TemporaryFolder.path("night-a.csv")
        let r = try await CLI.run(["replay", Repository.night("night-a"), "--no-journal", "--export-signals", path])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        return (lines[0], Array(lines.dropFirst()))
    }

    static func write(_ name: String, _ header: String, _ rows: [String]) throws -> String {
        let path = TemporaryFolder.path(name)
        try (([header] + rows).joined(separator: "\n") + "\n").write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    /// `row` with its column `column` set to `value`.
    static func setting(_ row: String, column: Int, to value: String) -> String {
        var f = row.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        f[column] = value
        return f.joined(separator: ",")
    }

    /// A journal with one night in it, and its bytes (main file and WAL) to compare after a refusal.
    static func journalWithOneNight() async throws -> (path: String, bytes: () throws -> [Data]) {
        let journal = TemporaryFolder.path("journal.sqlite")
        let r = try await CLI.run(["replay", Repository.night("night-a"), "--journal", journal])
        #expect(r.status == 0, "\(r.stderr)")
        let bytes = {
            try [journal, journal + "-wal"].map { FileManager.default.fileExists(atPath: $0) ? try Data(
                contentsOf: URL(fileURLWithPath: $0)) : Data() }
        }
        return (journal, bytes)
    }

    func eventsOf(_ stdout: String) throws -> [[String: Any]] {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any])
        return try #require(object["events"] as? [[String: Any]])
    }

    func expectRefused(_ r: ProcessResult, file: String, says words: [String]) {
        #expect(!r.signalled, "killed by signal \(r.status): \(r.stderr)")
        #expect(r.status == 1, "exit \(r.status): \(r.stderr)")
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "one line on stderr, not \(lines.count): \(r.stderr)")
        #expect(r.stderr.contains(file), "the line names the file: \(r.stderr)")
        for w in words { #expect(r.stderr.contains(w), "stderr lacks \"\(w)\": \(r.stderr)") }
        #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("Error Domain"), "\(r.stderr)")
    }

    @Test func timesBeyondFortyEightHoursAreRefusedAndTheJournalIsUntouched() async throws {
        let (header, rows) = try await Self.nightACSV()
        let (journal, bytes) = try await Self.journalWithOneNight()
        let before = try bytes()
        // The last row's time is 1e16 s (was a trap: "Double value cannot be converted to Int").
        var last = rows
        last[last.count - 1] = Self.setting(last[last.count - 1], column: 0, to: "1e16")
        let far = try Self.write("time-1e16.csv", header, last)
        expectRefused(try await CLI.run(["replay", far, "--journal", journal]), file: far,
                      says: ["line \(rows.count + 1)", "time 1e16 s", "longer than 48 h", "at byte offset"])
        // Every row from 200 s on is 1e8 s later (was accepted as a gap, 3.9 GB and 26 s).
        let jumped = rows.enumerated().map { i, row in
            i < 200_000 ? row : Self.setting(row, column: 0, to: String(Double(i) / 1000 + 1e8))
        }
        let jump = try Self.write("jump-1e8.csv", header, jumped)
        expectRefused(try await CLI.run(["replay", jump, "--journal", journal]), file: jump,
                      says: ["line 200002", "100000000 s after the row before", "longer than 48 h"])
        #expect(try bytes() == before, "a refused recording changed the journal or its WAL")
        let nights = try await CLI.run(["journal", "nights", "--journal", journal, "--json"])
        #expect((try JSONSerialization.jsonObject(with: nights.output) as? [Any])?.count == 1)
    }

    @Test func anEDFRecordOfTenToTheMinus300SecondsIsRefused() async throws {
        // A one-signal EDF whose data records claim to last 1e-300 s: its rate would be 1e303 Hz.
        var header = "0       " + "X X X X".padding(80) + "Startdate X X X X".padding(80) + "01.01.2622.00.00"
        header += "512".padding(8) + "".padding(44) + "2".padding(8) + "1e-300".padding(8) + "1".padding(4)
        for (field, width) in [("EMG tibialis", 16), ("", 80), ("uV", 8), ("-3200", 8), ("3200", 8), ("-32768", 8),
                               ("32767", 8), ("", 80), ("1000", 8), ("", 32)] {
            header += field.padding(width)
        }
        let path = TemporaryFolder.path("edf-record-1e-300.edf")
        try (Data(header.utf8) + Data(count: 4000)).write(to: URL(fileURLWithPath: path))
        expectRefused(try await CLI.run(["replay", path, "--no-journal"]), file: path,
                      says: ["at byte offset 244", "duration of a data record is 1e-300 s"])
    }

    @Test(arguments: ["1e30", "1e39", "-1e300"])
    func anAbsurdEMGValueIsAClippingArtifactAndTheRestOfTheNightIsFound(value: String) async throws {
        let (header, rows) = try await Self.nightACSV()
        var bad = rows
        bad[100_000] = Self.setting(bad[100_000], column: 1, to: value)  // 100 s into the night
        let path = try Self.write("emg-\(value).csv", header, bad)
        let journal = TemporaryFolder.path("j.sqlite")
        let r = try await CLI.run(["replay", path, "--journal", journal, "--json"])
        #expect(r.status == 0 && !r.signalled, "\(r.stderr)")
        let events = try eventsOf(r.stdout)
        let kinds = events.map { $0["kind"] as? String ?? "" }
        // The same night as the clean file: a value of 1e39 µV used to leave every filter non-finite.
        #expect(kinds.filter { $0 == "leg_movement" }.count == 8, "\(kinds)")
        #expect(kinds.filter { $0 == "cramp" }.count == 3, "\(kinds)")
        let artifacts = events.filter { $0["kind"] as? String == "artifact" }
        #expect(artifacts.count == 1 && artifacts.first?["cause"] as? String == "clipping", "\(artifacts)")
        let onset = try #require(artifacts.first?["onset_s"] as? Double)
        #expect(abs(onset - 100) < 0.1, "the artifact is where the value was: \(onset) s")
        let peaks = events.compactMap { $0["peak_uv"] as? Double }
        #expect(peaks.allSatisfy { $0.isFinite && $0 < 1000 }, "\(peaks)")
        // And the journal reads back.
        for command in [["journal", "show", "1"], ["journal", "nights"], ["report", "night", "1", "--out",
                                                                           TemporaryFolder.path("n.html")]] {
            let shown = try await CLI.run(command + ["--journal", journal])
            #expect(shown.status == 0 && !shown.signalled, "\(command): \(shown.stderr)")
        }
    }

    @Test func eventsAfterAGapEndingMidSecondKeepTheirTimes() async throws {
        // Rows from 100 s to 112.35 s removed: the 1-s windows after the gap must still end on whole seconds
        // (they restarted at 112.35 s with whole-second labels, so sleep interruptions ended 1 s early).
        let (header, rows) = try await Self.nightACSV()
        let clean = try await CLI.run(["replay", try Self.write("clean.csv", header, rows), "--no-journal", "--json"])
        let cut = Array(rows[..<100_000] + rows[112_350...])
        let gapped = try await CLI.run(["replay", try Self.write("gap.csv", header, cut), "--no-journal", "--json"])
        #expect(gapped.status == 0, "\(gapped.stderr)")
        func interruptions(_ out: String) throws -> [[Double]] {
            try eventsOf(out).filter { $0["kind"] as? String == "sleep_interruption" }
                .map { [$0["onset_s"] as? Double ?? -1, $0["offset_s"] as? Double ?? -1] }
        }
        let expected = try interruptions(clean.stdout)
        #expect(expected.count == 3)
        #expect(try interruptions(gapped.stdout) == expected)
    }

    @Test func anEDFCutInsideItsFirstRecordIsNotSavedAsANight() async throws {
        // Repaired, it holds no complete record: a 0-s recording, which the reports used to count as a
        // cramp-free night. Recordings under 10 minutes are printed, not saved, unless --min-night says so.
        let source = try Data(contentsOf: URL(fileURLWithPath: Repository.samples.path + "/night-a/night.edf"))
        let path = TemporaryFolder.path("cut.edf")
        try source.prefix(1792 + 3000).write(to: URL(fileURLWithPath: path))
        let repair = try await CLI.run(["repair", path])
        #expect(repair.status == 0, "\(repair.stderr)")
        let journal = TemporaryFolder.path("j.sqlite")
        let r = try await CLI.run(["replay", path, "--journal", journal])
        #expect(r.status == 0 && !r.signalled, "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(r.stderr.contains("only 0 s recorded") && r.stderr.contains("not saved"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: journal), "nothing to save, so no journal was made")
        // A 9-minute night is saved when asked.
        let short = try await CLI.run(["replay", Repository.night("night-c-60hz"), "--journal", journal,
                                       "--min-night", "5"])
        #expect(short.status == 0 && short.stdout.contains("as night 1"), "\(short.stdout) \(short.stderr)")
    }

    @Test func aTextFileGivenAsTheJournalIsOneLine() async throws {
        let notes = TemporaryFolder.path("notes.txt")
        try String(repeating: "my notes\n", count: 50).write(toFile: notes, atomically: false, encoding: .utf8)
        let before = try Data(contentsOf: URL(fileURLWithPath: notes))
        expectRefused(try await CLI.run(["journal", "nights", "--journal", notes]), file: notes,
                      says: ["not a Crampwatch journal"])
        expectRefused(try await CLI.run(["replay", Repository.night("night-c-60hz"), "--journal", notes]), file: notes,
                      says: ["not a Crampwatch journal"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: notes)) == before)
    }

    @Test func labelsThatCannotBeReadSayWhyInWords() async throws {
        let dir = try TemporaryFolder.make()
        let capture = dir.appendingPathComponent("night.cwcap").path
        try FileManager.default.copyItem(atPath: Repository.night("night-c-60hz"), toPath: capture)
        // No labels.csv beside the recording: say how to give one.
        let missing = try await CLI.run(["validate", capture])
        expectRefused(missing, file: capture, says: ["no labels.csv beside it", "--labels"])
        // Labels saved as UTF-16 (as spreadsheets do): say so, not "give it with --labels".
        let utf16 = dir.appendingPathComponent("labels16.csv").path
        try "kind,onset_s,offset_s\ncramp,10,20\n".data(using: .utf16)!.write(to: URL(fileURLWithPath: utf16))
        let wide = try await CLI.run(["validate", capture, "--labels", utf16])
        expectRefused(wide, file: utf16, says: ["UTF-16", "save it as UTF-8"])
        #expect(!wide.stderr.contains("--labels"))
        let nowhere = try await CLI.run(["validate", capture, "--labels", "/nonexistent/labels.csv"])
        expectRefused(nowhere, file: "/nonexistent/labels.csv", says: ["no such file"])
    }

    @Test func everyReaderSurvivesAnyNumberARowCanHold() async throws {
        let (journal, _) = try await Self.journalWithOneNight()
        // What a hand edit in sqlite3 can leave: infinities, huge and negative times.
        let sql = "UPDATE event SET peakMicrovolts = 9e999 WHERE id = 1; "
            + "UPDATE event SET onsetSeconds = -1e300 WHERE id = 2; "
            + "UPDATE nightFigures SET sleepEfficiency = 9e999, totalSleepSeconds = -9e999, durationSeconds = 1e300; "
            + "UPDATE night SET durationSeconds = 1e300;"
        _ = try await SQLiteShell.run(journal, sql)
        for command in [["journal", "show", "1"], ["journal", "show", "1", "--json"], ["journal", "nights"],
                        ["journal", "nights", "--json"]] {
            let r = try await CLI.run(command + ["--journal", journal])
            #expect(r.status == 0 && !r.signalled, "\(command): \(r.stderr)")
            // Text says "unknown" for a value no night can have; JSON gives the value itself.
            let json = command.contains("--json")
            #expect(json ? r.stdout.contains("\"inf\"") && r.stdout.contains("1e+300") : r.stdout.contains("unknown"),
                    "\(command) shows the impossible value: \(r.stdout)")
        }
    }
}

private extension String {
    func padding(_ width: Int) -> String { padding(toLength: width, withPad: " ", startingAt: 0) }
}
