import Foundation
import GRDB
import TestSupport
import Testing

@testable import Journal

@Suite(.temporaryFolder) struct DiaryAndMigrationTests {
    func temporaryPath() -> String { TemporaryFolder.path("journal.sqlite") }

    func sampleNight(_ j: Journal, start: Date? = nil) throws -> Int64 {
        let n = NightRecord(deviceId: nil, recordingId: nil, detectorConfigId: nil, startedAt: start,
                            startSource: "user", durationSeconds: 3600, source: "replay",
                            framesReceived: 10, framesLost: 0, corruptFrames: 0, truncatedAtByte: nil,
                            createdAt: Date())
        return try j.saveNight(n, device: nil, recording: nil, events: [
            EventRecord(kind: "cramp", onsetSeconds: 100, offsetSeconds: 130, channel: 0, peakMicrovolts: 200,
                        meanMicrovolts: 90, accelActivityG: 0, confidence: 1),
        ], gaps: [])
    }

    /// A private journal file as an earlier release left it: the shipped migrations up to `version`, then `rows`;
    /// `check` looks at it before the connection closes (the journal under test then opens it alone).
    func journal(upTo version: String, rows: [String], check: (Database) throws -> Void) throws -> String {
        let path = temporaryPath()
        let fd = open(path, O_RDWR | O_CREAT, 0o600)
        close(fd)
        let q = try DatabaseQueue(path: path)
        try Journal.migrator.migrate(q, upTo: version)
        try q.write { db in
            for sql in rows { try db.execute(sql: sql) }
        }
        try q.read(check)
        return path
    }

    @Test func migratingAVersion1JournalKeepsItsNightsAndAddsTheNewTables() throws {
        // A journal as the first release left it: only the shipped v1 migration, with one night, one event and one gap.
        let path = try journal(upTo: "v1-nights-events-gaps", rows: [
            "INSERT INTO night (startSource, durationSeconds, source, framesReceived, framesLost, corruptFrames, "
                + "createdAt)"
                + " VALUES ('unknown', 720, 'replay', 5000, 3, 1, '2026-05-01 08:00:00')",
            "INSERT INTO event (nightId, kind, onsetSeconds, offsetSeconds, confidence) VALUES (1, 'cramp', 10, 40, 1)",
            "INSERT INTO gap (nightId, onsetSeconds, offsetSeconds, framesLost, emgSamplesLost, reason)"
                + " VALUES (1, 50, 50.1, 3, 96, 'frames lost in transit')",
        ]) { db in
            let applied = try Journal.migrator.appliedIdentifiers(db)
            #expect(applied == ["v1-nights-events-gaps"])
        }
        let j = try Journal(path: path)
        #expect(Journal.knownMigrations == ["v1-nights-events-gaps", "v2-diary-self-reports-traces",
                                            "v3-reference-annotations", "v4-live-nights", "v5-night-figures",
                                            "v6-delete-cascades", "v7-recording-content",
                                            "v8-event-columns-night-mains", "v9-capture-retention",
                                            "v10-live-levels", "v11-periodic-in-wake", "v12-web-sessions",
                                            "v13-study-synced", "v14-sleep-source", "v15-wake-not-measured",
                                            "v16-scored-stages"])
        let nights = try j.nights()
        #expect(nights.count == 1)
        #expect(nights[0].framesLost == 3 && nights[0].durationSeconds == 720)
        #expect(try j.events(night: 1).map(\.kind) == ["cramp"])
        #expect(try j.gaps(night: 1).map(\.framesLost) == [3])
        #expect(try j.trace(night: 1) == nil)
        var e = DiaryEntry(date: "2026-05-01")
        e.magnesiumMg = 250
        try j.amendDiary(e)
        #expect(try j.diaryEntries().map(\.magnesiumMg) == [250])
        #expect(try fileMode(path) == 0o600)
        #expect(try j.scalar("SELECT COUNT(*) FROM grdb_migrations") == 16)
        // Saved before figures were stored: the night analysis fills them in once
        // (Sessions.NightStore.fillMissingFigures).
        #expect(try j.nightsWithoutFigures().map(\.id) == [1])
        #expect(nights[0].status == NightStatus.complete)
        let journalMode = try DatabaseQueue(path: path).read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        #expect(journalMode == "wal")
    }

    @Test func migratingAVersion2JournalKeepsItsDiaryAndAddsAnnotations() throws {
        let path = try journal(upTo: "v2-diary-self-reports-traces", rows: [
            "INSERT INTO night (startSource, durationSeconds, source, framesReceived, framesLost, corruptFrames, "
                + "createdAt)"
                + " VALUES ('user', 3600, 'replay', 5000, 0, 0, '2026-05-01 08:00:00')",
            "INSERT INTO diaryEntry (date, magnesiumMg, alcoholUnits, createdAt)"
                + " VALUES ('2026-05-01', 300, 2, '2026-05-01 21:00:00')",
            "INSERT INTO selfReportedCramp (time, leg, pain) VALUES ('2026-05-02 03:10:00', 'left', 7)",
        ]) { db in
            let tables = try db_tables(db)
            #expect(!tables.contains("referenceAnnotation"))
        }
        let j = try Journal(path: path)
        #expect(try j.diary().map(\.magnesiumMg) == [300])
        #expect(try j.diary().map(\.alcoholUnits) == [2])
        #expect(try j.selfReportedCramps().map(\.pain) == [7])
        try j.saveAnnotations([ReferenceAnnotationRecord(nightId: 0, kind: "cramp", onsetSeconds: 1, offsetSeconds: 2,
                                                         source: "")], night: 1, source: "x")
        #expect(try j.annotations(night: 1).count == 1)
    }

    func db_tables(_ db: Database) throws -> [String] {
        try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                                + "AND name != 'grdb_migrations' ORDER BY name")
    }

    @Test func anEmptyFileMigratesToTheWholeSchema() throws {
        let path = temporaryPath()
        _ = try Journal(path: path)
        let tables = try DatabaseQueue(path: path).read { try db_tables($0) }
        #expect(tables == ["captureRetention", "detectorConfig", "device", "diaryEntry", "event", "gap", "liveLevels",
                           "night", "nightFigures", "nightTrace", "recording", "referenceAnnotation",
                           "selfReportedCramp", "studySynced", "webSession"])
        #expect(try fileMode(path) == 0o600)
    }

    @Test func aDiaryEntryRoundTripsEveryFactorAndASecondAddAmendsIt() throws {
        let j = try Journal(path: temporaryPath())
        var entry = DiaryEntry(date: "2026-05-03")
        entry.magnesiumMg = 300; entry.magnesiumForm = "citrate"; entry.calciumMg = 500;
        entry.potassiumMg = 3500; entry.vitaminDIU = 1000
        entry.fluidsMl = 1800; entry.caffeineMg = 190; entry.alcoholUnits = 1.5;
        entry.exerciseMinutes = 40; entry.stretchedBeforeBed = true
        entry.stress = 4; entry.bedtime = "23:10"; entry.wakeTime = "07:00";
        entry.lateMeal = false; entry.screensMinutesBeforeBed = 25; entry.notes = "long walk"
        let at = Date(timeIntervalSince1970: 1_777_863_000)  // 2026-05-04 03:10 UTC
        try j.amendDiary(entry, cramps: [SelfReportedCramp(time: at, leg: "left", pain: 7, notes: "woke me")])
        var back = try #require(try j.diaryEntries().first)
        var expected = entry
        expected.id = back.id
        expected.createdAt = back.createdAt
        #expect(back == expected)
        let cramps = try j.selfReportedCramps()
        #expect(cramps.count == 1)
        #expect(abs(cramps[0].time.timeIntervalSince(at)) < 0.001)
        #expect(cramps[0].leg == "left" && cramps[0].pain == 7 && cramps[0].notes == "woke me")

        // Amend: only the named fields change; notes accumulate.
        var more = DiaryEntry(date: "2026-05-03")
        more.magnesiumMg = 400; more.stress = 8; more.notes = "forgot: coffee late"
        try j.amendDiary(more)
        back = try #require(try j.diaryEntries().first)
        #expect(try j.diaryEntries().count == 1)
        #expect(back.magnesiumMg == 400 && back.magnesiumForm == "citrate" && back.stress == 8 && back.fluidsMl == 1800)
        #expect(back.notes == "long walk\nforgot: coffee late")
        #expect(try j.diaryEntries(from: "2026-05-04").isEmpty)
        #expect(try j.diaryEntries(from: "2026-05-01", to: "2026-05-03").count == 1)
    }

    @Test func theSchemaRefusesImpossibleValuesAndLeavesNothingHalfWritten() throws {
        let j = try Journal(path: temporaryPath())
        #expect(throws: DatabaseError.self) {
            try j.amendDiary(DiaryEntry(date: "2026-05-03"),
                             cramps: [SelfReportedCramp(time: Date(), leg: "left", pain: 11)])
        }
        var stressed = DiaryEntry(date: "2026-05-06")
        stressed.stress = 11
        #expect(throws: DatabaseError.self) { try j.amendDiary(stressed) }
        #expect(try j.diaryEntries().isEmpty)
        #expect(try j.selfReportedCramps().isEmpty)
    }

    @Test func tracesKeepEveryFloatIncludingGapsAsNaN() throws {
        let j = try Journal(path: temporaryPath())
        let values: [Float] = [0, 1.5, .nan, 347.25, -2, .greatestFiniteMagnitude]
        let id = try sampleNight(j)
        try j.saveTrace(NightTrace(nightId: id, secondsPerPoint: 1, envelope: values, activity: [0.003, 0.2]))
        let trace = try #require(try j.trace(night: id))
        let back = trace.envelopeValues
        #expect(back.count == values.count)
        for (a, b) in zip(back, values) { #expect(a == b || (a.isNaN && b.isNaN)) }
        #expect(trace.activityValues == [0.003, 0.2])
    }

    @Test func annotationsAreReplacedBySourceAndRefusedForAMissingNight() throws {
        let j = try Journal(path: temporaryPath())
        let id = try sampleNight(j)
        let labels = [ReferenceAnnotationRecord(nightId: 0, kind: "cramp", onsetSeconds: 99, offsetSeconds: 131,
                                                source: ""),
                      ReferenceAnnotationRecord(nightId: 0, kind: "leg_movement", onsetSeconds: 5, offsetSeconds: 7,
                                                source: "")]
        try j.saveAnnotations(labels, night: id, source: "labels.csv")
        try j.saveAnnotations(labels, night: id, source: "labels.csv")
        try j.saveAnnotations(Array(labels.prefix(1)), night: id, source: "scorer:AB")
        let back = try j.annotations(night: id)
        #expect(back.count == 3)
        #expect(back.map(\.kind) == ["leg_movement", "cramp", "cramp"])
        #expect(Set(back.map(\.source)) == ["labels.csv", "scorer:AB"])
        let error = #expect(throws: JournalError.self) { try j.saveAnnotations(labels, night: 99, source: "x") }
        #expect(error?.description.contains("no night 99") == true)
    }

    @Test func exportedRowsMatchTheTables() throws {
        let j = try Journal(path: temporaryPath())
        _ = try sampleNight(j)
        _ = try sampleNight(j)
        var entry = DiaryEntry(date: "2026-05-03")
        entry.magnesiumMg = 100; entry.magnesiumForm = "food, \"green\" leaves"; entry.notes = "a,b"
        try j.amendDiary(entry)
        let events = try j.exportTable("event")
        #expect(events.rows.count == 2)
        #expect(events.columns.first == "id" && events.columns.contains("onsetSeconds"))
        let onset = events.columns.firstIndex(of: "onsetSeconds")!
        #expect(events.rows.map { $0[onset] } == [.real(100), .real(100)])
        let diary = try j.exportTable("diaryEntry")
        let form = diary.columns.firstIndex(of: "magnesiumForm")!
        #expect(diary.rows[0][form].csv == "\"food, \"\"green\"\" leaves\"")
        #expect(diary.rows[0][diary.columns.firstIndex(of: "calciumMg")!] == .null)
        #expect(throws: JournalError.self) { try j.exportTable("grdb_migrations") }
    }

    @Test func aReaderSeesConsistentDataWhileAWriterSavesNights() async throws {
        let path = temporaryPath()
        let writer = try Journal(path: path)
        let reader = try Journal(path: path)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for _ in 0..<40 { _ = try self.sampleNight(writer) }
            }
            group.addTask {
                for _ in 0..<40 {
                    // Each night is saved with its event in one transaction, so a reader never sees one without the
                    // other.
                    let nights = try reader.scalar("SELECT COUNT(*) FROM night") ?? 0
                    let events = try reader.scalar("SELECT COUNT(*) FROM event") ?? 0
                    #expect(nights <= events)
                    _ = try reader.nights()
                }
            }
            try await group.waitForAll()
        }
        #expect(try reader.nights().count == 40)
    }
}
