import Foundation
import TestSupport
import Testing

@Suite(.tags(.cli), .temporaryFolder) struct CLITests {
    @Test func replayJSONHasTheDocumentedShapeAndTheJournalIsPrivate() async throws {
        let journal = TemporaryFolder.path("j.sqlite")
        let r = try await CLI.run(["replay", Repository.night("night-a"), "--journal", journal, "--json"])
        let keys = try await ReplayJSONContract.configurationKeys()
        let object = try ReplayJSONContract.check(r, journaled: true, configurationKeys: keys)
        #expect(object["night_id"] as? Int == 1)
        #expect(object["journal"] as? String == journal)
        let recording = try #require(object["recording"] as? [String: Any])
        #expect(recording["format"] as? String == "raw_capture" && recording["bytes"] as? Int == 4_194_392)
        #expect(recording["path"] as? String == Repository.night("night-a"))
        let device = try #require(object["device"] as? [String: Any])
        #expect(device["serial"] as? String == "SIM-11" && device["firmware"] as? String == "1.0.0")
        #expect(device["emg_channels"] as? Int == 2 && device["emg_rate_hz"] as? Int == 1000)
        #expect(device["mains_hz"] as? Int == 50)
        #expect(device["accel_axes"] as? Int == 3 && device["accel_rate_hz"] as? Int == 100)
        let summary = try #require(object["summary"] as? [String: Any])
        #expect(summary["duration_s"] as? Double == 720)
        #expect(summary["cramps"] as? Int == 3 && summary["cramps_that_woke"] as? Int == 3)
        #expect(summary["leg_movements"] as? Int == 8 && summary["sleep_interruptions"] as? Int == 3)
        #expect(summary["gaps"] as? Int == 0 && summary["frames_lost"] as? Int == 0)
        #expect(summary["corrupt_frames"] as? Int == 0)
        #expect(try fileMode(journal) == 0o600)

        let nights = try await CLI.run(["journal", "nights", "--journal", journal])
        #expect(nights.status == 0)
        #expect(nights.stdout.contains("    1  "))
        let show = try await CLI.run(["journal", "show", "1", "--journal", journal])
        #expect(show.stdout.components(separatedBy: "\ncramp ").count - 1 == 3)
        let missing = try await CLI.run(["journal", "show", "9", "--journal", journal])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("there is no night 9"))
    }

    /// The faulty sample night: gaps carry `frames_lost`, and the summary counts them.
    @Test func replayJSONOfAFaultyNightHasTheDocumentedGapShape() async throws {
        let r = try await CLI.run(["replay", Repository.night("night-b-faulty"), "--no-journal", "--json"])
        let keys = try await ReplayJSONContract.configurationKeys()
        let object = try ReplayJSONContract.check(r, journaled: false, configurationKeys: keys)
        #expect(object["night_id"] == nil && object["journal"] == nil)
        let summary = try #require(object["summary"] as? [String: Any])
        #expect(summary["gaps"] as? Int == 106 && summary["frames_lost"] as? Int == 106)
        #expect(summary["corrupt_frames"] as? Int == 47 && summary["cramps"] as? Int == 2)
    }

    @Test func aFileThatIsNotACaptureGivesOneLineWithFileAndOffset() async throws {
        let path = TemporaryFolder.path("notes.bin")
        try Data((0..<5000).map { UInt8(1 + $0 % 200) }).write(to: URL(fileURLWithPath: path))
        let r = try await CLI.run(["replay", path, "--no-journal"])
        #expect(r.status == 1)
        #expect(r.stdout.isEmpty)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(r.stderr.contains(path) && r.stderr.contains("byte offset 0"))
    }

    @Test func aTruncatedCaptureSaysWhereAndKeepsTheNight() async throws {
        let source = Repository.samples.appendingPathComponent("night-c-60hz/night.cwcap")
        var bytes = try [UInt8](Data(contentsOf: source))
        bytes = Array(bytes[0..<(bytes.count / 2)])
        while bytes.last == 0 { bytes.removeLast() }
        let path = TemporaryFolder.path("cut.cwcap")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let journal = TemporaryFolder.path("j.sqlite")
        let r = try await CLI.run(["replay", path, "--journal", journal, "--min-night", "0"])
        #expect(r.status == 3)
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(r.stderr.contains(path) && r.stderr.contains("byte offset"))
        #expect(r.stderr.contains("saved as night 1"))
        #expect(r.stdout.contains("Cramps"))
        // --json says where the file was cut: the byte offset the message names.
        let json = try await CLI.run(["replay", path, "--no-journal", "--json"])
        #expect(json.status == 3)
        let recording = try #require(json.json["recording"] as? [String: Any])
        let cut = try #require(recording["truncated_at_byte"] as? Int)
        #expect(cut > 0 && cut <= bytes.count)
        #expect(json.stderr.contains("byte offset \(cut)"), "\(json.stderr)")
    }

    @Test func emptyAndMissingFilesAreExplained() async throws {
        let empty = TemporaryFolder.path("empty.cwcap")
        FileManager.default.createFile(atPath: empty, contents: Data())
        let r = try await CLI.run(["replay", empty, "--no-journal"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("empty"))
        let m = try await CLI.run(["replay", "/nonexistent/night.cwcap", "--no-journal"])
        #expect(m.status == 1)
        #expect(m.stderr.contains("no such file"))
    }

    @Test func helpNamesUnitsAndUsageErrorsSayWhatToDo() async throws {
        let help = try await CLI.run(["simulate", "--help"])
        #expect(help.stdout.contains("--hours <hours>"))
        #expect(help.stdout.contains("--emg-rate <Hz>"))
        let bad = try await CLI.run(["simulate", "--out", "/tmp/x", "--mains", "55"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("--mains must be 50 or 60"))
    }

    @Test func simulateIsDeterministicAndPrivate() async throws {
        let a = TemporaryFolder.path("a"), b = TemporaryFolder.path("b")
        for out in [a, b] {
            let r = try await CLI.run(["simulate", "--seed", "5", "--hours", "0.02", "--emg-rate", "500", "--out", out])
            #expect(r.status == 0, "\(r.stderr)")
        }
        let x = try Data(contentsOf: URL(fileURLWithPath: a + "/night.cwcap"))
        let y = try Data(contentsOf: URL(fileURLWithPath: b + "/night.cwcap"))
        #expect(x == y && x.count > 10_000)
        #expect(try fileMode(a + "/night.cwcap") == 0o600)
    }
}
