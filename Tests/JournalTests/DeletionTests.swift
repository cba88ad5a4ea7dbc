import Foundation
import GRDB
import TestSupport
import Testing

@testable import Journal

/// A night deleted in any client takes its rows with it; a noticed cramp written twice is one cramp.
@Suite(.temporaryFolder) struct DeletionTests {
    func journalWithTwoNights() throws -> (Journal, [Int64]) {
        let j = try Journal(path: TemporaryFolder.path("journal.sqlite"))
        let night = NightRecord(deviceId: nil, recordingId: nil, detectorConfigId: nil, startedAt: nil,
                                startSource: "unknown",
                                durationSeconds: 600, source: "replay", framesReceived: 100, framesLost: 3,
                                corruptFrames: 0,
                                truncatedAtByte: nil, createdAt: Date())
        let events = [EventRecord(kind: "cramp", onsetSeconds: 100, offsetSeconds: 130, channel: 1, peakMicrovolts: 200,
                                  meanMicrovolts: 90, accelActivityG: 0.01, confidence: 0.9)]
        let gaps = [GapRecord(onsetSeconds: 50, offsetSeconds: 50.1, framesLost: 3, firstLostSequence: 77,
                              emgSamplesLost: 96,
                              reason: "frames lost in transit")]
        let recording = RecordingRecord(path: "/nights/a.cwcap", format: "raw_capture", sizeBytes: 10,
                                        importedAt: Date())
        let a = try j.saveNight(night, device: nil, recording: recording, events: events, gaps: gaps)
        let b = try j.saveNight(night, device: nil, recording: nil, events: events + events, gaps: gaps)
        try j.saveTrace(NightTrace(nightId: a, secondsPerPoint: 1, envelope: [1, 2], activity: [0, 0]))
        for id in [a, b] {
            try j.updateProgress(night: id, durationSeconds: 600, framesReceived: 100, framesLost: 3, corruptFrames: 0,
                                 recent: LiveLevelsRecord(endSeconds: 600, envelope: [3, 4], activity: [0.1, 0.2]))
        }
        return (j, [a, b])
    }

    func count(_ j: Journal, _ table: String, night: Int64) throws -> Int {
        try DatabaseQueue(path: j.path).read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table) WHERE nightId = ?", arguments: [night]) ?? -1
        }
    }

    @Test func deleteNightRemovesItsRowsAndKeepsTheOthers() throws {
        let (j, ids) = try journalWithTwoNights()
        let d = try #require(try j.deleteNight(ids[0]))
        #expect(d.events == 1 && d.gaps == 1 && d.recordingForgotten)
        for table in ["event", "gap", "nightTrace", "liveLevels"] {
            #expect(try count(j, table, night: ids[0]) == 0, "\(table)")
        }
        #expect(try count(j, "event", night: ids[1]) == 2)
        #expect(try j.nights().map(\.id) == [ids[1]])
        #expect(try j.deleteNight(ids[0]) == nil)
    }

    /// The sqlite3 shell runs with foreign keys off: the schema's trigger still removes a deleted night's rows.
    @Test func aDeleteWithForeignKeysOffLeavesNoOrphans() throws {
        let (j, ids) = try journalWithTwoNights()
        var config = Configuration()
        config.foreignKeysEnabled = false
        try DatabaseQueue(path: j.path, configuration: config).write { db in
            #expect(try Int.fetchOne(db, sql: "PRAGMA foreign_keys") == 0)
            try db.execute(sql: "DELETE FROM night WHERE id = ?", arguments: [ids[1]])
        }
        #expect(try count(j, "event", night: ids[1]) == 0 && count(j, "gap", night: ids[1]) == 0)
        #expect(try count(j, "liveLevels", night: ids[1]) == 0)
        #expect(try count(j, "event", night: ids[0]) == 1 && count(j, "liveLevels", night: ids[0]) == 1)
    }

    @Test func aNoticedCrampWrittenAgainIsTheSameCramp() throws {
        let j = try Journal(path: TemporaryFolder.path("journal.sqlite"))
        let time = Date(timeIntervalSince1970: 1_780_000_200)
        let first = try j.saveSelfReportedCramp(SelfReportedCramp(time: time, leg: "left", pain: 7))
        let again = try j.saveSelfReportedCramp(SelfReportedCramp(time: time.addingTimeInterval(20), leg: "left",
                                                                  pain: 5))
        _ = try j.amendDiary(DiaryEntry(date: "2026-05-28"),
                             cramps: [SelfReportedCramp(time: time, leg: "left", pain: 6)])
        #expect(again == first)
        #expect(try j.selfReportedCramps().map(\.pain) == [6])
        // The other leg, or another minute, is another cramp.
        _ = try j.saveSelfReportedCramp(SelfReportedCramp(time: time, leg: "right", pain: 4))
        _ = try j.saveSelfReportedCramp(SelfReportedCramp(time: time.addingTimeInterval(120), leg: "left", pain: 3))
        #expect(try j.selfReportedCramps().count == 3)
    }
}
