import Foundation
import GRDB
import Testing

@testable import Journal

/// Pins what each shipped migration does to a journal's schema. A migration that has shipped must never change
/// (a journal it already ran on would not run it again); a new migration adds its tables here and to
/// `schemaAfterEveryMigration`.
@Suite struct MigrationTests {
    /// Migrates a new journal file, in a temporary folder removed afterwards, up to `identifier` and hands it to
    /// `body` (which may write rows the later migrations must carry over, and run them).
    func journal<T>(migratedUpTo identifier: String, _ body: (DatabaseQueue) throws -> T) throws -> T {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cw-migrations-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let q = try DatabaseQueue(path: folder.appendingPathComponent("journal.sqlite").path)
        try Journal.migrator.migrate(q, upTo: identifier)
        return try body(q)
    }

    /// Migrates a new journal file up to `identifier` and reads it with `body`.
    func migrated<T>(upTo identifier: String, _ body: (Database) throws -> T) throws -> T {
        try journal(migratedUpTo: identifier) { q in try q.read(body) }
    }

    /// The schema up to `identifier`: object name to SQL.
    func schema(upTo identifier: String) throws -> [String: String] {
        let rows = try migrated(upTo: identifier) { db in
            try Row.fetchAll(db, sql: "SELECT name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' "
                                 + "AND name <> 'grdb_migrations'")
        }
        return Dictionary(uniqueKeysWithValues: rows.map { ($0["name"] as String, $0["sql"] as String) })
    }

    /// A table's column names, in order, up to `identifier`.
    func columns(_ table: String, upTo identifier: String) throws -> [String] {
        try migrated(upTo: identifier) { db in try db.columns(in: table).map(\.name) }
    }

    @Test func theShippedMigrationsRunFirstInTheirOrder() {
        #expect(Journal.knownMigrations.prefix(4) == [
            "v1-nights-events-gaps", "v2-diary-self-reports-traces", "v3-reference-annotations", "v4-live-nights",
        ])
    }

    @Test func eachMigrationAddsTheTablesItShippedWith() throws {
        let v1: Set = [
            "detectorConfig", "device", "event", "event_night_onset", "event_on_detectorConfigId", "event_on_nightId",
            "gap", "gap_on_nightId", "night", "night_on_detectorConfigId", "night_on_deviceId", "night_on_recordingId",
            "recording",
        ]
        let v2 = v1.union(["diaryEntry", "nightTrace", "selfReportedCramp", "selfReportedCramp_on_time"])
        let v3 = v2.union(["referenceAnnotation", "referenceAnnotation_on_nightId"])
        #expect(Set(try schema(upTo: "v1-nights-events-gaps").keys) == v1)
        #expect(Set(try schema(upTo: "v2-diary-self-reports-traces").keys) == v2)
        #expect(Set(try schema(upTo: "v3-reference-annotations").keys) == v3)
        let before = try schema(upTo: "v3-reference-annotations")
        let after = try schema(upTo: "v4-live-nights")
        #expect(Set(after.keys) == v3)
        // v4 only adds columns, at the end of night and event.
        #expect(after.filter { $0.key != "night" && $0.key != "event" }
            == before.filter { $0.key != "night" && $0.key != "event" })
        let nightBefore = try columns("night", upTo: "v3-reference-annotations")
        let eventBefore = try columns("event", upTo: "v3-reference-annotations")
        #expect(nightBefore.count == 13 && eventBefore.count == 12)
        #expect(try columns("night", upTo: "v4-live-nights")
            == nightBefore + ["status", "clockOffsetSeconds", "clockDriftPPM", "clockFitPoints", "clockResidualMs"])
        #expect(try columns("event", upTo: "v4-live-nights") == eventBefore + ["provisional"])
    }

    @Test func recordingsGetTheirContentAndEventsTheirFeaturesAsColumns() throws {
        #expect(try columns("recording", upTo: "v7-recording-content").last == "contentSHA256")
        // v8: an event's features, once a JSON string of strings, become typed columns with the same values.
        try journal(migratedUpTo: "v7-recording-content") { q in
            try q.write { db in
                try db.execute(sql: "INSERT INTO night (startSource, durationSeconds, source, framesReceived, "
                                    + "framesLost, corruptFrames, createdAt) "
                                    + "VALUES ('user', 600, 'replay', 1, 0, 0, '2026-12-01')")
                for features in [#"{"woke":"true","accel_activity_after_g":"0.1391","median_frequency_hz":"174.3"}"#,
                                 #"{"cause":"flat_line"}"#, "not json"] {
                    try db.execute(sql: "INSERT INTO event (nightId, kind, onsetSeconds, offsetSeconds, confidence, "
                                        + "featuresJSON) VALUES (1, 'cramp', 1, 2, 1, ?)", arguments: [features])
                }
            }
            try Journal.migrator.migrate(q)
            let rows = try q.read { db in
                try Row.fetchAll(db, sql: "SELECT woke, accelActivityAfterG, medianFrequencyHz, artifactCause "
                                     + "FROM event")
            }
            #expect(rows[0]["woke"] as Bool? == true && rows[0]["accelActivityAfterG"] as Double? == 0.1391)
            #expect(rows[0]["medianFrequencyHz"] as Double? == 174.3 && rows[0]["artifactCause"] as String? == nil)
            #expect(rows[1]["artifactCause"] as String? == "flat_line" && rows[1]["woke"] as Bool? == nil)
            #expect(rows[2]["woke"] as Bool? == nil && rows[2]["medianFrequencyHz"] as Double? == nil)
            let eventColumns = try q.read { db in try db.columns(in: "event").map(\.name) }
            #expect(!eventColumns.contains("featuresJSON"))
            #expect(try q.read { db in try db.columns(in: "night").map(\.name) }.last == "mainsHz")
        }
    }

    /// v15: a night whose device had no accelerometer, and no scored stages, had been given "all asleep, no
    /// awakening"; after it those figures are NULL (not measured) and its cramps' `woke` unknown, while a night with
    /// an accelerometer keeps every figure, and the columns take NULL from then on.
    @Test func nightsWithoutAnAccelerometerLoseTheSleepTheyWereGiven() throws {
        try journal(migratedUpTo: "v14-sleep-source") { q in
            try q.write { db in
                for (id, axes) in [(1, 0), (2, 3)] {
                    try db.execute(sql: "INSERT INTO device (id, serial, firmware, emgChannels, accelAxes, emgRateHz, "
                                        + "accelRateHz, mainsHz, firstSeen) VALUES (?, ?, 'x', 1, ?, 256, ?, 50, "
                                        + "'2026-12-01')", arguments: [id, "s\(id)", axes, axes == 3 ? 32 : 0])
                    try db.execute(sql: "INSERT INTO night (id, deviceId, startSource, durationSeconds, source, "
                                        + "framesReceived, framesLost, corruptFrames, createdAt) VALUES (?, ?, 'user', "
                                        + "3600, 'replay', 1, 0, 0, '2026-12-01')", arguments: [id, id])
                    try db.execute(sql: "INSERT INTO event (nightId, kind, onsetSeconds, offsetSeconds, confidence, "
                                        + "woke) VALUES (?, 'cramp', 100, 130, 1, 0)", arguments: [id])
                    try db.execute(sql: """
                        INSERT INTO nightFigures (nightId, emgMeasured, durationSeconds, cramps, crampsThatWoke,
                          sleepInterruptions, wakeSeconds, gaps, gapSeconds, framesLost, corruptFrames,
                          sleepWindowOnsetSeconds, sleepWindowOffsetSeconds, sleepWindowDetected, totalSleepSeconds,
                          wasoSeconds, sleepEfficiency, awakenings, computedFrom, periodicLegMovementsInWake,
                          plmwIndexPerHour, sleepSource)
                        VALUES (?, 1, 3600, 1, 0, 0, 0, 0, 0, 0, 0, 0, 3600, 0, 3600, 0, 1.0, 0, 'saved', 0, 0,
                          'whole_recording')
                        """, arguments: [id])
                }
            }
            try Journal.migrator.migrate(q)
            let rows = try q.read { db in
                try Row.fetchAll(db, sql: "SELECT f.sleepSource, f.awakenings, f.sleepEfficiency, f.totalSleepSeconds, "
                                     + "f.wasoSeconds, f.sleepInterruptions, f.crampsThatWoke, f.cramps, e.woke "
                                     + "FROM nightFigures f JOIN event e ON e.nightId = f.nightId ORDER BY f.nightId")
            }
            #expect(rows.count == 2)
            #expect(rows[0]["sleepSource"] as String? == "not_measured")
            for column in ["awakenings", "sleepEfficiency", "totalSleepSeconds", "wasoSeconds", "sleepInterruptions",
                           "crampsThatWoke", "woke"] {
                #expect((rows[0][column] as DatabaseValue).isNull, "\(column)")
            }
            #expect(rows[0]["cramps"] as Int? == 1)
            #expect(rows[1]["sleepSource"] as String? == "whole_recording" && rows[1]["awakenings"] as Int? == 0)
            #expect(rows[1]["sleepEfficiency"] as Double? == 1.0 && rows[1]["woke"] as Bool? == false)
            let notNull = try q.read { db in
                try Row.fetchAll(db, sql: "SELECT name FROM pragma_table_info('nightFigures') WHERE \"notnull\" = 1")
                    .map { $0["name"] as String }
            }
            #expect(Set(notNull) == ["emgMeasured", "durationSeconds", "gaps", "framesLost", "corruptFrames",
                                     "gapSeconds", "sleepWindowDetected", "computedFrom"])
            // Deleting a night still deletes its figures, through v6's trigger as before.
            let trigger = try q.read { db in
                try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'night_delete_cascade'")
            }
            #expect(trigger?.contains("DELETE FROM nightFigures WHERE nightId = OLD.id;") == true,
                    "\(trigger ?? "none")")
            try q.write { db in try db.execute(sql: "DELETE FROM night WHERE id = 1") }
            #expect(try q.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM nightFigures") } == 1)
            let keys = try q.read { db in try Row.fetchAll(db, sql: "PRAGMA foreign_key_list(nightFigures)") }
            #expect(keys.count == 1 && keys[0]["table"] as String? == "night"
                    && keys[0]["on_delete"] as String? == "CASCADE")
        }
    }

    @Test func theSchemaAfterEveryMigrationIsTheShippedOne() throws {
        let got = try schema(upTo: "v4-live-nights")
        for (name, sql) in Self.schemaAfterEveryMigration {
            #expect(got[name] == sql, "\(name)")
        }
        #expect(Set(got.keys) == Set(Self.schemaAfterEveryMigration.keys))
    }

    /// `sqlite_master` of a journal after v1 to v4, as the shipped migrations leave it.
    static let schemaAfterEveryMigration: [String: String] = [
        "detectorConfig": #"CREATE TABLE "detectorConfig" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "#
            + #""hash" TEXT NOT NULL UNIQUE, "json" TEXT NOT NULL, "name" TEXT UNIQUE, "#
            + #""createdAt" DATETIME NOT NULL)"#,
        "device": #"CREATE TABLE "device" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "#
            + #""serial" TEXT NOT NULL UNIQUE, "firmware" TEXT NOT NULL, "#
            + #""emgChannels" INTEGER NOT NULL, "accelAxes" INTEGER NOT NULL, "#
            + #""emgRateHz" INTEGER NOT NULL, "accelRateHz" INTEGER NOT NULL, "#
            + #""mainsHz" INTEGER NOT NULL, "firstSeen" DATETIME NOT NULL)"#,
        "diaryEntry": #"CREATE TABLE "diaryEntry" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "#
            + #""date" TEXT NOT NULL UNIQUE ON CONFLICT REPLACE, "magnesiumMg" DOUBLE, "#
            + #""calciumMg" DOUBLE, "potassiumMg" DOUBLE, "vitaminDIU" DOUBLE, "fluidsMl" DOUBLE, "#
            + #""caffeineMg" DOUBLE, "alcoholUnits" DOUBLE, "exerciseMinutes" DOUBLE, "#
            + #""screensMinutesBeforeBed" DOUBLE, "magnesiumForm" TEXT, "#
            + #""stretchedBeforeBed" BOOLEAN, "#
            + #""stress" INTEGER CHECK (("stress" IS NULL) OR (("stress" >= 0) AND ("stress" <= 10))), "#
            + #""bedtime" TEXT, "wakeTime" TEXT, "lateMeal" BOOLEAN, "notes" TEXT, "#
            + #""createdAt" DATETIME NOT NULL)"#,
        "event": #"CREATE TABLE "event" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "#
            + #""nightId" INTEGER NOT NULL REFERENCES "night"("id") ON DELETE CASCADE, "#
            + #""kind" TEXT NOT NULL, "onsetSeconds" DOUBLE NOT NULL, "#
            + #""offsetSeconds" DOUBLE NOT NULL, "channel" INTEGER, "peakMicrovolts" DOUBLE, "#
            + #""meanMicrovolts" DOUBLE, "accelActivityG" DOUBLE, "confidence" DOUBLE NOT NULL, "#
            + #""featuresJSON" TEXT, "#
            + #""detectorConfigId" INTEGER REFERENCES "detectorConfig"("id") ON DELETE SET NULL, "#
            + #""provisional" BOOLEAN NOT NULL DEFAULT 0, CHECK (offsetSeconds >= onsetSeconds))"#,
        "event_night_onset": #"CREATE INDEX "event_night_onset" ON "event"("nightId", "onsetSeconds")"#,
        "event_on_detectorConfigId": #"CREATE INDEX "event_on_detectorConfigId" ON "event"("detectorConfigId")"#,
        "event_on_nightId": #"CREATE INDEX "event_on_nightId" ON "event"("nightId")"#,
        "gap": #"CREATE TABLE "gap" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "#
            + #""nightId" INTEGER NOT NULL REFERENCES "night"("id") ON DELETE CASCADE, "#
            + #""onsetSeconds" DOUBLE NOT NULL, "offsetSeconds" DOUBLE NOT NULL, "#
            + #""framesLost" INTEGER NOT NULL, "firstLostSequence" INTEGER, "#
            + #""emgSamplesLost" INTEGER NOT NULL, "reason" TEXT NOT NULL)"#,
        "gap_on_nightId": #"CREATE INDEX "gap_on_nightId" ON "gap"("nightId")"#,
        "night": #"CREATE TABLE "night" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "#
            + #""deviceId" INTEGER REFERENCES "device"("id") ON DELETE SET NULL, "#
            + #""recordingId" INTEGER REFERENCES "recording"("id") ON DELETE SET NULL, "#
            + #""detectorConfigId" INTEGER REFERENCES "detectorConfig"("id") ON DELETE SET NULL, "#
            + #""startedAt" DATETIME, "startSource" TEXT NOT NULL, "#
            + #""durationSeconds" DOUBLE NOT NULL, "source" TEXT NOT NULL, "#
            + #""framesReceived" INTEGER NOT NULL, "framesLost" INTEGER NOT NULL, "#
            + #""corruptFrames" INTEGER NOT NULL, "truncatedAtByte" INTEGER, "#
            + #""createdAt" DATETIME NOT NULL, "status" TEXT NOT NULL DEFAULT 'complete', "#
            + #""clockOffsetSeconds" DOUBLE, "clockDriftPPM" DOUBLE, "clockFitPoints" INTEGER, "#
            + #""clockResidualMs" DOUBLE)"#,
        "nightTrace":
            #"CREATE TABLE "nightTrace" ("nightId" INTEGER PRIMARY KEY REFERENCES "night"("id") ON DELETE CASCADE, "#
            + #""secondsPerPoint" DOUBLE NOT NULL, "envelope" BLOB NOT NULL, "#
            + #""activity" BLOB NOT NULL)"#,
        "night_on_detectorConfigId": #"CREATE INDEX "night_on_detectorConfigId" ON "night"("detectorConfigId")"#,
        "night_on_deviceId": #"CREATE INDEX "night_on_deviceId" ON "night"("deviceId")"#,
        "night_on_recordingId": #"CREATE INDEX "night_on_recordingId" ON "night"("recordingId")"#,
        "recording": #"CREATE TABLE "recording" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "#
            + #""path" TEXT NOT NULL, "format" TEXT NOT NULL, "sizeBytes" INTEGER NOT NULL, "#
            + #""importedAt" DATETIME NOT NULL)"#,
        "referenceAnnotation": #"CREATE TABLE "referenceAnnotation" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "#
            + #""nightId" INTEGER NOT NULL REFERENCES "night"("id") ON DELETE CASCADE, "#
            + #""kind" TEXT NOT NULL, "onsetSeconds" DOUBLE NOT NULL, "#
            + #""offsetSeconds" DOUBLE NOT NULL, "source" TEXT NOT NULL, "#
            + #"CHECK (offsetSeconds >= onsetSeconds))"#,
        "referenceAnnotation_on_nightId":
            #"CREATE INDEX "referenceAnnotation_on_nightId" ON "referenceAnnotation"("nightId")"#,
        "selfReportedCramp": #"CREATE TABLE "selfReportedCramp" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "#
            + #""time" DATETIME NOT NULL, "leg" TEXT NOT NULL, "#
            + #""pain" INTEGER NOT NULL CHECK (("pain" >= 0) AND ("pain" <= 10)), "#
            + #""durationMinutes" DOUBLE, "notes" TEXT)"#,
        "selfReportedCramp_on_time": #"CREATE INDEX "selfReportedCramp_on_time" ON "selfReportedCramp"("time")"#,
    ]
}
