import Foundation
import TestSupport
import Testing

/// A recording is one night, however often it is replayed (issue 16, part 2): it is known by the SHA-256 of its
/// bytes, so a second replay, of the file or of a renamed copy, changes nothing and says which night it is;
/// `--replace` analyses it again in place, keeping the night's number and its reference labels.
@Suite(.tags(.cli), .temporaryFolder) struct OneRecordingOneNightTests {
    func bytes(_ journal: String) throws -> [Data] {
        try [journal, journal + "-wal"].map {
            FileManager.default.fileExists(atPath: $0) ? try Data(contentsOf: URL(fileURLWithPath: $0)) : Data()
        }
    }

    @Test func theSameRecordingIsOneNight() async throws {
        let journal = TemporaryFolder.path("j.sqlite")
        let first = try await CLI.run(["replay", Repository.night("night-a"), "--journal", journal])
        #expect(first.status == 0 && first.stdout.contains("as night 1"), "\(first.stderr)")
        // The journal knows the recording by the SHA-256 of its bytes, as sha256sum computes it, and by its
        // absolute path.
        let sum = try await Processes.run("/usr/bin/sha256sum", [Repository.night("night-a")])
        let expected = String(sum.stdout.prefix(64))
        #expect(try await SQLiteShell.run(journal, "SELECT contentSHA256 FROM recording") == expected)
        #expect(try await SQLiteShell.run(journal, "SELECT path FROM recording").hasPrefix("/"))

        // A renamed copy, replayed again: nothing analysed, nothing written, and it says where the night is.
        let copy = TemporaryFolder.path("renamed.cwcap")
        try FileManager.default.copyItem(atPath: Repository.night("night-a"), toPath: copy)
        let before = try bytes(journal)
        let again = try await CLI.run(["replay", copy, "--journal", journal])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("already in \(journal) as night 1"), "\(again.stdout)")
        #expect(again.stdout.contains("--replace"))
        let json = try await CLI.run(["replay", copy, "--journal", journal, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: json.output) as? [String: Any])
        #expect(object["already_saved"] as? Bool == true && object["night_id"] as? Int == 1, "\(object)")
        #expect(object["journal"] as? String == journal)
        #expect(try bytes(journal) == before, "a second replay changed the journal")
        #expect(try await SQLiteShell.run(journal, "SELECT COUNT(*) FROM night") == "1")
    }

    @Test func replaceAnalysesTheNightAgainInPlace() async throws {
        let journal = TemporaryFolder.path("j.sqlite")
        let capture = Repository.night("night-a")
        _ = try await CLI.run(["replay", capture, "--journal", journal, "--start", "2026-11-24T23:10:00Z"])
        let labels = TemporaryFolder.path("labels.csv")
        try "kind,onset_s,offset_s\ncramp,126,150\n".write(toFile: labels, atomically: false, encoding: .utf8)
        let annotate = try await CLI.run(["journal", "annotate", "1", labels, "--journal", journal])
        #expect(annotate.status == 0, "\(annotate.stderr)")
        let events = try await SQLiteShell.run(journal, "SELECT COUNT(*) FROM event WHERE nightId = 1")
        // Damage the saved analysis by hand, then analyse the recording again.
        _ = try await SQLiteShell.run(journal, "DELETE FROM event WHERE kind = 'cramp'; DELETE FROM nightFigures;")
        let r = try await CLI.run(["replay", capture, "--journal", journal, "--replace"])
        #expect(r.status == 0 && r.stdout.contains("as night 1"), "\(r.stdout) \(r.stderr)")
        #expect(try await SQLiteShell.run(journal, "SELECT COUNT(*) FROM night") == "1")
        #expect(try await SQLiteShell.run(journal, "SELECT COUNT(*) FROM event WHERE nightId = 1") == events)
        #expect(try await SQLiteShell.run(journal, "SELECT cramps FROM nightFigures WHERE nightId = 1") == "3")
        #expect(try await SQLiteShell.run(journal, "SELECT COUNT(*) FROM referenceAnnotation WHERE nightId = 1") == "1")
        #expect(try await SQLiteShell.run(journal, "SELECT COUNT(*) FROM recording") == "1")
        // The start given the first time stays when the new analysis knows none better.
        #expect(try await SQLiteShell.run(journal, "SELECT startSource FROM night WHERE id = 1") == "user")
    }

    /// A start the person gave outlives a --replace that reads the recorder's header (its clock may be wrong, and the
    /// correction is theirs); a new --start replaces it.
    @Test func aStartThePersonGaveOutlivesAReplaceThatReadsTheHeader() async throws {
        let journal = TemporaryFolder.path("j.sqlite")
        let edf = Repository.samples.appendingPathComponent("night-a/night.edf").path
        let first = try await CLI.run(["replay", edf, "--journal", journal, "--start", "2026-11-24T23:10:00Z"])
        try #require(first.status == 0, "\(first.stderr)")
        let start = "SELECT startSource, startedAt FROM night WHERE id = 1"
        #expect(try await SQLiteShell.run(journal, start) == "user|2026-11-24 23:10:00.000")
        let again = try await CLI.run(["replay", edf, "--journal", journal, "--replace"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try await SQLiteShell.run(journal, start) == "user|2026-11-24 23:10:00.000")
        let corrected = try await CLI.run(["replay", edf, "--journal", journal, "--replace", "--start",
                                           "2026-11-25T22:00:00Z"])
        #expect(corrected.status == 0, "\(corrected.stderr)")
        #expect(try await SQLiteShell.run(journal, start) == "user|2026-11-25 22:00:00.000")
    }
}
