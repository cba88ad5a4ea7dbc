import Foundation
import Journal
import PostgresNIO
import StudySync
import TestSupport

/// What the tests do as the coordinator, straight in SQL.
enum StudyAdmin {
    static var logger: Logger {
        var l = Logger(label: "study-tests")
        l.logLevel = .critical
        return l
    }

    static func createDatabase(_ admin: StudyTarget, name: String) async throws {
        try await StudyConnection.with(admin) { c in
            try await c.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
        }
    }

    /// Rows of one-column text results.
    static func strings(_ target: StudyTarget, _ sql: String) async throws -> [String] {
        try await StudyConnection.with(target) { c in
            var out: [String] = []
            for try await s in try await c.query(PostgresQuery(unsafeSQL: sql), logger: logger).decode(String.self) {
                out.append(s)
            }
            return out
        }
    }

    static func count(_ target: StudyTarget, _ sql: String) async throws -> Int {
        try await StudyConnection.with(target) { c in
            var n = -1
            for try await v in try await c.query(PostgresQuery(unsafeSQL: sql), logger: logger).decode(Int.self) {
                n = v
            }
            return n
        }
    }

    /// Enrolls `participant` and returns the hub's own target.
    static func enroll(_ server: PostgresServer, _ admin: StudyTarget, _ participant: String) async throws
        -> StudyTarget {
        let password = "hub-" + UUID().uuidString
        try await StudyEnrollment.enroll(admin, participant: participant, password: password)
        return try server.hub(StudyEnrollment.roleName(participant), password: password, db: admin.database)
    }
}

/// A hub's journal with `nights` nights of known content: cramps, a gap, stored figures, a diary entry per
/// evening and a noticed cramp, from a seed.
enum HubFixture {
    static let base = Date(timeIntervalSince1970: 1_780_000_000)  // 2026-05-28

    static func journal(seed: UInt64, nights: Int) throws -> Journal {
        let j = try Journal(path: TemporaryFolder.path("hub-\(seed).sqlite"))
        var random = SplitMix64(seed: seed)
        let device = DeviceRecord(serial: "SIM-\(seed)", firmware: "1.0", emgChannels: 2, accelAxes: 3, emgRateHz: 1000,
                                  accelRateHz: 100, mainsHz: 50, firstSeen: base)
        let config = try j.configurationID(json: "{\"crampMinSeconds\":10}", hash: String(repeating: "a", count: 64))
        for i in 0..<nights {
            let start = base.addingTimeInterval(Double(i) * 86_400 + 79_200)  // 22:00 UTC each evening
            let duration = 25_200 + Double(random.next() % 3_600)
            let crampCount = Int(random.next() % 3)
            let events = (0..<crampCount).map { k -> EventRecord in
                let onset = 3_000 + Double(k) * 6_000 + Double(random.next() % 1_000)
                return EventRecord(kind: "cramp", onsetSeconds: onset, offsetSeconds: onset + 20 + Double(k * 7),
                                   channel: 1, peakMicrovolts: 300, meanMicrovolts: 120, accelActivityG: 0.1,
                                   confidence: 0.9, woke: k == 0)
            } + [EventRecord(kind: "sleep_interruption", onsetSeconds: 12_000, offsetSeconds: 12_300, channel: nil,
                             peakMicrovolts: nil, meanMicrovolts: nil, accelActivityG: 0.4, confidence: 1)]
            let gaps = [GapRecord(onsetSeconds: 100, offsetSeconds: 101, framesLost: 3, firstLostSequence: 10,
                                  emgSamplesLost: 96, reason: "frames lost in transit")]
            let night = NightRecord(deviceId: nil, recordingId: nil, detectorConfigId: config, startedAt: start,
                                    startSource: "device", durationSeconds: duration, source: "replay",
                                    framesReceived: 1000, framesLost: 3, corruptFrames: 0, truncatedAtByte: nil,
                                    createdAt: start.addingTimeInterval(duration), mainsHz: 50)
            let id = try j.saveNight(night, device: device, recording: nil, events: events, gaps: gaps)
            try j.saveFigures(figures(id, duration, events))
            var entry = DiaryEntry(date: JournalSnapshotDates.evening(start), createdAt: start)
            entry.magnesiumMg = random.next() % 2 == 0 ? 250 : 0
            entry.lateMeal = random.next() % 2 == 0
            entry.notes = "dinner with Anna at Luigi's"  // free text: must not leave the hub
            _ = try j.saveDiary(entry)
        }
        _ = try j.saveSelfReportedCramp(SelfReportedCramp(time: base.addingTimeInterval(79_200 + 3_100), leg: "left",
                                                          pain: 6))
        return j
    }

    static func figures(_ id: Int64, _ duration: Double, _ events: [EventRecord]) -> NightFiguresRecord {
        let cramps = events.filter { $0.kind == "cramp" }
        let lengths = cramps.map { $0.offsetSeconds - $0.onsetSeconds }
        return NightFiguresRecord(
            nightId: id, emgMeasured: true, durationSeconds: duration, cramps: cramps.count,
            crampSeconds: lengths.reduce(0, +), longestCrampSeconds: lengths.max() ?? 0,
            crampsThatWoke: cramps.filter { $0.woke == true }.count, legMovements: 0, periodicLegMovements: 0,
            plmIndexPerHour: 0, artifacts: 0, artifactSeconds: 0, sleepInterruptions: 1, wakeSeconds: 300, gaps: 1,
            gapSeconds: 1, framesLost: 3, corruptFrames: 0, sleepWindowOnsetSeconds: 600,
            sleepWindowOffsetSeconds: duration - 600, sleepWindowDetected: true, totalSleepSeconds: duration - 1_501,
            wasoSeconds: 300, sleepEfficiency: (duration - 1_501) / duration, awakenings: 1, computedFrom: "saved")
    }
}

/// The diary evening of a start, in UTC (the tests' hubs keep their nights in UTC).
enum JournalSnapshotDates {
    static func evening(_ d: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd"
        return f.string(from: d)
    }
}
