import Foundation
import Ingest
import Journal
import Sessions
import TestSupport
import Testing

/// Issue 16 part 6: capture retention through the real CLI (`crampwatch captures prune`) on real captures and a
/// real journal. The newest nights keep their raw capture; older ones are converted to gzip-compressed BDF+/EDF+
/// that replays to the very night the journal holds, or deleted with the night kept. What the journal does not
/// know as a finished monitor night (an unknown file, a replayed file, a night still recording, a capture a monitor
/// holds) is never touched.
@Suite(.serialized, .tags(.cli), .temporaryFolder) struct CaptureRetentionTests {
    static let day: TimeInterval = 86_400
    /// 2026-11-20 22:30 UTC.
    static let firstNight = Date(timeIntervalSince1970: 1_795_213_800)

    /// A monitor night saved from a copy of a bundled capture placed `days` after the first night; its path.
    static func monitorNight(_ journal: Journal, in dir: URL, days: Int, from sample: String = "night-a")
        throws -> (id: Int64, path: String) {
        let path = dir.appendingPathComponent("crampwatch-day\(days).cwcap").path
        try FileManager.default.copyItem(atPath: Repository.night(sample), toPath: path)
        let result = try Replayer().replay(path: path)
        let id = try NightStore.save(result, to: journal, source: "monitor",
                                     startedAt: firstNight.addingTimeInterval(Double(days) * day),
                                     startSource: "device")
        return (id, path)
    }

    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    static func size(_ path: String) throws -> Int64 {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? -1
    }

    /// The retention rows, through the journal's own connection. (A second GRDB connection opened in this process
    /// after the CLI had written the file failed with "database disk image is malformed" while `sqlite3`'s
    /// integrity_check said ok: the journal's flock fd closing beside SQLite's fcntl locks is a suspect.)
    static func retention(_ journal: Journal) throws -> [CaptureRetentionRecord] {
        try journal.recordingUses().compactMap(\.retention).sorted { $0.recordingId < $1.recordingId }
    }

    /// (kind, onset ms, offset ms) of stored events, to compare with a replay's.
    static func keys(_ events: [EventRecord]) -> [String] {
        events.map { key($0.kind, $0.onsetSeconds, $0.offsetSeconds) }
    }

    static func key(_ kind: String, _ onset: Double, _ offset: Double) -> String {
        "\(kind)@\(Int((onset * 1000).rounded()))-\(Int((offset * 1000).rounded()))"
    }

    @Test func theNewestNightsStayRawAndOlderOnesBecomeCompressedBDFThatReplaysToTheSameNight() async throws {
        let dir = try TemporaryFolder.make("captures")
        let j = try Journal(path: dir.appendingPathComponent("journal.sqlite").path)
        // Saved out of date order: retention goes by when a night began, not by its number.
        let d2 = try Self.monitorNight(j, in: dir, days: 2), d0 = try Self.monitorNight(j, in: dir, days: 0)
        let d3 = try Self.monitorNight(j, in: dir, days: 3), d1 = try Self.monitorNight(j, in: dir, days: 1)
        // Never touched: a capture the journal does not know, a file replayed from elsewhere, an unfinished night.
        let unknown = dir.appendingPathComponent("crampwatch-unsaved.cwcap").path
        try FileManager.default.copyItem(atPath: Repository.night("night-a"), toPath: unknown)
        let replayed = dir.appendingPathComponent("friend.cwcap").path
        try FileManager.default.copyItem(atPath: Repository.night("night-c-60hz"), toPath: replayed)
        try NightStore.save(try Replayer().replay(path: replayed), to: j, source: "replay",
                            startedAt: Self.firstNight.addingTimeInterval(-10 * Self.day), startSource: "user")
        let open = dir.appendingPathComponent("crampwatch-killed.cwcap").path
        try FileManager.default.copyItem(atPath: Repository.night("night-b-faulty"), toPath: open)
        let openNight = try j.beginNight(
            NightRecord(deviceId: nil, recordingId: nil, detectorConfigId: nil,
                        startedAt: Self.firstNight.addingTimeInterval(-5 * Self.day), startSource: "monitor",
                        durationSeconds: 0, source: "monitor", framesReceived: 0, framesLost: 0, corruptFrames: 0,
                        truncatedAtByte: nil, createdAt: Date()),
            device: nil,
            recording: RecordingRecord(path: open, format: "raw_capture", sizeBytes: 0, importedAt: Date()))
        let captureSize = try Self.size(d0.path)
        // Day 0's capture replayed later, as the newest night of all: it stays day 0's age, and its row follows
        // the file.
        let replayOfDay0 = try NightStore.save(try Replayer().replay(path: d0.path), to: j, source: "replay",
                                               startedAt: Self.firstNight.addingTimeInterval(9 * Self.day),
                                               startSource: "user")

        let r = try await CLI.run(["captures", "prune", "--keep", "2", "--convert", "bdf", "--journal", j.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("captures: 3 kept, 2 converted"), "\(r.stdout)")
        #expect(r.stdout.contains("\(unknown): kept: not in the journal (replay it to save its night)"))
        #expect(r.stdout.contains("\(open): kept: night \(openNight) is not finished"), "\(r.stdout)")
        // The two newest by date (days 2 and 3) are untouched raw captures; so is everything never the journal's.
        for path in [d2.path, d3.path, unknown] {
            let kept = try Data(contentsOf: URL(fileURLWithPath: path))
            #expect(Bytes.difference(kept, try Data(contentsOf: URL(fileURLWithPath: Repository.night("night-a"))))
                    == nil, "\(path)")
        }
        #expect(Self.exists(replayed) && Self.exists(open))
        // Days 0 and 1: converted, the capture gone, the journal naming the new file and remembering the old one.
        let uses = Dictionary(uniqueKeysWithValues: try j.recordingUses().map { ($0.nights.first?.id ?? -1, $0) })
        for night in [d0, d1] {
            let gz = String(night.path.dropLast(6)) + ".bdf.gz"
            #expect(!Self.exists(night.path) && Self.exists(gz))
            #expect(try fileMode(gz) == 0o600)
            let use = try #require(uses[night.id])
            #expect(use.recording.path == gz && use.recording.format == "bdf+.gz")
            let gzSize = try Self.size(gz)
            #expect(use.recording.sizeBytes == gzSize)
            #expect(use.retention?.action == "converted" && use.retention?.originalPath == night.path)
            #expect(use.retention?.originalSizeBytes == captureSize)
            // About half the capture (BDF+ alone would be larger than it: 24 bits a sample).
            #expect(Double(gzSize) / Double(captureSize) < 0.6, "\(gzSize) of \(captureSize)")
            // What the journal needs is kept: unpacked, the BDF+ replays to the night the journal holds.
            let unpacked = try await Processes.run("/usr/bin/env", ["gunzip", "-k", gz])
            #expect(unpacked.status == 0, "\(unpacked.stderr)")
            let again = try Replayer().replay(path: String(gz.dropLast(3)))
            #expect(again.durationSeconds == 720)
            let replayedKeys = again.events.filter { $0.kind.rawValue != "gap" }.map {
                Self.key($0.kind.rawValue, $0.onsetSeconds, $0.offsetSeconds)
            }
            #expect(Self.keys(try j.events(night: night.id)) == replayedKeys)
            #expect(try j.events(night: night.id).filter { $0.kind == "cramp" }.count == 3)
        }
        #expect(uses[replayOfDay0]?.recording.path == String(d0.path.dropLast(6)) + ".bdf.gz")
        #expect(try Self.retention(j).count == 3)
        // Run again: nothing more to do.
        let twice = try await CLI.run(["captures", "prune", "--keep", "2", "--convert", "bdf", "--journal", j.path])
        #expect(twice.status == 0 && twice.stdout.contains("captures: 3 kept, 0 converted"), "\(twice.stdout)")
    }

    @Test func deletingOldCapturesKeepsEveryNightInTheJournal() async throws {
        let dir = try TemporaryFolder.make("captures")
        let j = try Journal(path: dir.appendingPathComponent("journal.sqlite").path)
        let nights = try (0..<3).map { try Self.monitorNight(j, in: dir, days: $0) }
        let before = try nights.map {
            (try j.events(night: $0.id), try j.figures(night: $0.id), try j.trace(night: $0.id))
        }

        let dry = try await CLI.run(["captures", "prune", "--keep", "1", "--delete", "--dry-run",
                                     "--journal", j.path])
        #expect(dry.status == 0 && dry.stdout.contains("1 kept, 2 would be deleted (dry run"), "\(dry.stdout)")
        #expect(nights.allSatisfy { Self.exists($0.path) })

        let r = try await CLI.run(["captures", "prune", "--keep", "1", "--delete", "--journal", j.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("captures: 1 kept, 2 deleted (8.4 MB freed)"), "\(r.stdout)")
        #expect(!Self.exists(nights[0].path) && !Self.exists(nights[1].path) && Self.exists(nights[2].path))
        // Every night, its events, figures and trace are as they were; the journal says the capture was deleted.
        for (night, (events, figures, trace)) in zip(nights, before) {
            #expect(try j.events(night: night.id) == events)
            #expect(try j.figures(night: night.id) == figures)
            #expect(try j.trace(night: night.id) == trace)
        }
        #expect(try Self.retention(j).map(\.action) == ["deleted", "deleted"])
        #expect(try Self.retention(j).map(\.originalPath) == [nights[0].path, nights[1].path])
        let list = try await CLI.run(["captures", "list", "--json", "--journal", j.path])
        let rows = try #require(try JSONSerialization.jsonObject(with: list.output) as? [[String: Any]])
        #expect(rows.map { $0["state"] as? String } == ["capture", "deleted", "deleted"])
        #expect(rows.map { $0["nights"] as? [Int] } == [[3], [2], [1]])
        #expect(rows.map { $0["size_bytes"] as? Int } == [4_194_392, 0, 0])
        // Deleting the night afterwards takes its retention row with it.
        _ = try j.deleteNight(nights[0].id)
        #expect(try Self.retention(j).count == 1)
    }

    /// A capture a monitor still holds (its flock), or one moved away by hand, is left alone and said so.
    @Test func aCaptureInUseOrGoneIsLeftAlone() async throws {
        let dir = try TemporaryFolder.make("captures")
        let j = try Journal(path: dir.appendingPathComponent("journal.sqlite").path)
        let held = try Self.monitorNight(j, in: dir, days: 0), gone = try Self.monitorNight(j, in: dir, days: 1)
        _ = try Self.monitorNight(j, in: dir, days: 2)
        try FileManager.default.removeItem(atPath: gone.path)
        let fd = open(held.path, O_RDONLY)
        defer { close(fd) }
        #expect(CaptureLock.lock(fd: fd))
        let r = try await CLI.run(["captures", "prune", "--keep", "1", "--delete", "--journal", j.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("\(held.path): kept: a monitor is recording into it"), "\(r.stdout)")
        #expect(r.stdout.contains("\(gone.path): kept: it is not there any more"), "\(r.stdout)")
        #expect(r.stdout.contains("captures: 3 kept, 0 deleted"))
        #expect(Self.exists(held.path))
        #expect(try Self.retention(j).isEmpty)
    }

    @Test func pruneRefusesUnclearRequests() async throws {
        for args in [["--keep", "0", "--delete"], ["--keep", "3"], ["--keep", "3", "--delete", "--convert", "bdf"],
                     ["--keep", "3", "--convert", "zip"]] {
            let r = try await CLI.run(["captures", "prune"] + args + ["--journal", TemporaryFolder.path("j.sqlite")])
            #expect(r.status == 64, "\(args): \(r.stderr)")
        }
    }
}
