import Foundation
import GRDB
import TestSupport
import Testing

@testable import Journal

@Suite(.temporaryFolder) struct JournalTests {
    /// A journal path in a folder that does not exist yet (the journal creates it, private).
    func temporaryPath() -> String { TemporaryFolder.path("sub/journal.sqlite") }

    @Test func createsAPrivateFileAndStoresANight() throws {
        let path = temporaryPath()
        let j = try Journal(path: path)
        #expect(try fileMode(path) == 0o600)
        #expect(try fileMode((path as NSString).deletingLastPathComponent) == 0o700)
        let config = try j.configurationID(json: "{\"a\":1}", hash: "abc")
        #expect(try j.configurationID(json: "{\"a\":1}", hash: "abc") == config)
        let night = NightRecord(deviceId: nil, recordingId: nil, detectorConfigId: config, startedAt: nil,
                                startSource: "unknown", durationSeconds: 600,
                                source: "replay", framesReceived: 100, framesLost: 3, corruptFrames: 1,
                                truncatedAtByte: nil, createdAt: Date())
        let device = DeviceRecord(serial: "X1", firmware: "1.0.0", emgChannels: 2, accelAxes: 3, emgRateHz: 2000,
                                  accelRateHz: 100, mainsHz: 50, firstSeen: Date())
        let events = [
            EventRecord(kind: "cramp", onsetSeconds: 100, offsetSeconds: 130, channel: 1, peakMicrovolts: 200,
                        meanMicrovolts: 90, accelActivityG: 0.01, confidence: 0.9),
            EventRecord(kind: "leg_movement", onsetSeconds: 10, offsetSeconds: 12, channel: 0, peakMicrovolts: 30,
                        meanMicrovolts: 15, accelActivityG: 0, confidence: 0.8),
        ]
        let gaps = [GapRecord(onsetSeconds: 50, offsetSeconds: 50.1, framesLost: 3, firstLostSequence: 77,
                              emgSamplesLost: 96, reason: "frames lost in transit")]
        let id = try j.saveNight(night, device: device, recording: nil, events: events, gaps: gaps)
        let id2 = try j.saveNight(night, device: device, recording: nil, events: [], gaps: [])
        #expect(id2 == id + 1)
        let reopened = try Journal(path: path)
        #expect(try reopened.nights().count == 2)
        #expect(try reopened.events(night: id).map(\.kind) == ["leg_movement", "cramp"])
        #expect(try reopened.gaps(night: id).first?.framesLost == 3)
        #expect(try reopened.eventCounts(night: id) == ["cramp": 1, "leg_movement": 1])
        #expect(try reopened.night(id: id)?.deviceId == reopened.night(id: id2)?.deviceId)
        for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
            #expect(try fileMode(path + suffix) == 0o600)
        }
    }

    @Test func refusesAJournalFromTheFuture() throws {
        let path = temporaryPath()
        _ = try Journal(path: path)
        // Pretend a newer Crampwatch added a migration.
        let db = try GRDBTestAccess.open(path)
        try db.write { try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-the-future')") }
        let error = #expect(throws: JournalError.self) { try Journal(path: path) }
        #expect(error?.description.contains("newer version of Crampwatch") == true)
    }

    @Test func refusesAFileThatIsNotAJournal() throws {
        let path = temporaryPath()
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: JournalError.self) { try Journal(path: path) }
        #expect(error?.description.contains("not a Crampwatch journal") == true)
    }

    /// Tonight found by walking it on a phone: the "cramp started" notice came on the strongest channel of the moment
    /// (2), the final cramp on channel 1, and the notice stayed beside it as a second cramp "still going".
    @Test func aFinalCrampReplacesItsNoticeWhateverTheChannel() throws {
        let j = try Journal(path: temporaryPath())
        let night = try j.beginNight(
            NightRecord(deviceId: nil, recordingId: nil, detectorConfigId: nil, startedAt: nil, startSource: "monitor",
                        durationSeconds: 0, source: "monitor", framesReceived: 0, framesLost: 0, corruptFrames: 0,
                        truncatedAtByte: nil, createdAt: Date()),
            device: nil, recording: nil)
        func cramp(_ onset: Double, _ offset: Double, channel: Int, provisional: Bool) -> EventRecord {
            var e = EventRecord(kind: "cramp", onsetSeconds: onset, offsetSeconds: offset, channel: channel,
                                peakMicrovolts: 200, meanMicrovolts: 100, accelActivityG: 0, confidence: 1)
            e.provisional = provisional
            return e
        }
        try j.appendEvent(cramp(120.5, 130.5, channel: 1, provisional: true), night: night)
        try j.appendEvent(cramp(120.5, 150.5, channel: 0, provisional: false), night: night)
        // A notice for a later contraction is not touched by this cramp.
        try j.appendEvent(cramp(400, 410, channel: 0, provisional: true), night: night)
        let cramps = try j.events(night: night).filter { $0.kind == "cramp" }
        #expect(cramps.map(\.onsetSeconds) == [120.5, 400] && cramps.map(\.provisional) == [false, true])
        #expect(cramps.first?.channel == 0 && cramps.first?.offsetSeconds == 150.5)
    }

    @Test func defaultPathFollowsXDG() {
        #expect(Journal.defaultPath(environment: ["XDG_DATA_HOME": "/x/data",
                                                  "HOME": "/home/a"]) == "/x/data/crampwatch/journal.sqlite")
        #expect(Journal.defaultPath(environment: ["HOME": "/home/a"])
                == "/home/a/.local/share/crampwatch/journal.sqlite")
    }
}

enum GRDBTestAccess {
    static func open(_ path: String) throws -> DatabaseQueue { try DatabaseQueue(path: path) }
}

@Suite(.temporaryFolder) struct JournalConcurrencyTests {
    /// Several processes' worth of openers racing on a brand-new journal: each must find or create the same schema,
    /// none may fail with "table already exists".
    @Test func manyOpenersOfANewJournalAtOnce() async throws {
        for round in 0..<5 {
            let path = try TemporaryFolder.make("race").appendingPathComponent("journal.sqlite").path
            let failures = await withTaskGroup(of: String?.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        do { _ = try Journal(path: path); return nil } catch { return "\(error)" }
                    }
                }
                var out: [String] = []
                for await r in group { if let r { out.append(r) } }
                return out
            }
            #expect(failures.isEmpty, "round \(round): \(failures)")
            #expect(try Journal(path: path).nights().isEmpty)
        }
    }
}
