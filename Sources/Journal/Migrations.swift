import GRDB

/// The journal's schema: named migrations, applied in order. One that has shipped is never edited (a journal
/// already migrated by it would not run it again), so a change to the schema is a new migration: a function of
/// its own, registered at the end of `migrator`.
extension Journal {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-nights-events-gaps", migrate: migrateV1NightsEventsGaps)
        m.registerMigration("v2-diary-self-reports-traces", migrate: migrateV2DiarySelfReportsTraces)
        m.registerMigration("v3-reference-annotations", migrate: migrateV3ReferenceAnnotations)
        m.registerMigration("v4-live-nights", migrate: migrateV4LiveNights)
        m.registerMigration("v5-night-figures", migrate: NightFiguresRecord.migrateV5)
        m.registerMigration("v6-delete-cascades", migrate: migrateV6DeleteCascades)
        m.registerMigration("v7-recording-content", migrate: migrateV7RecordingContent)
        m.registerMigration("v8-event-columns-night-mains", migrate: migrateV8EventColumnsNightMains)
        m.registerMigration("v9-capture-retention", migrate: migrateV9CaptureRetention)
        m.registerMigration("v10-live-levels", migrate: LiveLevelsRecord.migrateV10)
        m.registerMigration("v11-periodic-in-wake", migrate: NightFiguresRecord.migrateV11PeriodicInWake)
        m.registerMigration("v12-web-sessions", migrate: WebSessionRecord.migrateV12)
        m.registerMigration("v13-study-synced", migrate: StudySyncedRecord.migrateV13)
        m.registerMigration("v14-sleep-source", migrate: NightFiguresRecord.migrateV14SleepSource)
        m.registerMigration("v15-wake-not-measured", migrate: NightFiguresRecord.migrateV15WakeNotMeasured)
        m.registerMigration("v16-scored-stages", migrate: NightTrace.migrateV16ScoredStages)
        return m
    }

    /// Devices, recordings, detector configurations, nights with their events and gaps.
    static func migrateV1NightsEventsGaps(_ db: Database) throws {
        try db.create(table: "device") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("serial", .text).notNull().unique()
            t.column("firmware", .text).notNull()
            t.column("emgChannels", .integer).notNull()
            t.column("accelAxes", .integer).notNull()
            t.column("emgRateHz", .integer).notNull()
            t.column("accelRateHz", .integer).notNull()
            t.column("mainsHz", .integer).notNull()
            t.column("firstSeen", .datetime).notNull()
        }
        try db.create(table: "recording") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("path", .text).notNull()
            t.column("format", .text).notNull()
            t.column("sizeBytes", .integer).notNull()
            t.column("importedAt", .datetime).notNull()
        }
        try db.create(table: "detectorConfig") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("hash", .text).notNull().unique()
            t.column("json", .text).notNull()
            t.column("name", .text).unique()
            t.column("createdAt", .datetime).notNull()
        }
        try db.create(table: "night") { t in
            t.autoIncrementedPrimaryKey("id")
            t.belongsTo("device", onDelete: .setNull)
            t.belongsTo("recording", onDelete: .setNull)
            t.belongsTo("detectorConfig", onDelete: .setNull)
            t.column("startedAt", .datetime)
            t.column("startSource", .text).notNull()
            t.column("durationSeconds", .double).notNull()
            t.column("source", .text).notNull()
            t.column("framesReceived", .integer).notNull()
            t.column("framesLost", .integer).notNull()
            t.column("corruptFrames", .integer).notNull()
            t.column("truncatedAtByte", .integer)
            t.column("createdAt", .datetime).notNull()
        }
        try db.create(table: "event") { t in
            t.autoIncrementedPrimaryKey("id")
            t.belongsTo("night", onDelete: .cascade).notNull()
            t.column("kind", .text).notNull()
            t.column("onsetSeconds", .double).notNull()
            t.column("offsetSeconds", .double).notNull()
            t.column("channel", .integer)
            t.column("peakMicrovolts", .double)
            t.column("meanMicrovolts", .double)
            t.column("accelActivityG", .double)
            t.column("confidence", .double).notNull()
            t.column("featuresJSON", .text)
            t.belongsTo("detectorConfig", onDelete: .setNull)
            t.check(sql: "offsetSeconds >= onsetSeconds")
        }
        try db.create(index: "event_night_onset", on: "event", columns: ["nightId", "onsetSeconds"])
        try db.create(table: "gap") { t in
            t.autoIncrementedPrimaryKey("id")
            t.belongsTo("night", onDelete: .cascade).notNull()
            t.column("onsetSeconds", .double).notNull()
            t.column("offsetSeconds", .double).notNull()
            t.column("framesLost", .integer).notNull()
            t.column("firstLostSequence", .integer)
            t.column("emgSamplesLost", .integer).notNull()
            t.column("reason", .text).notNull()
        }
    }

    /// The diary (one entry per evening), the cramps a person noticed, and each night's per-second traces.
    static func migrateV2DiarySelfReportsTraces(_ db: Database) throws {
        try db.create(table: "diaryEntry") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("date", .text).notNull().unique(onConflict: .replace)
            for c in ["magnesiumMg", "calciumMg", "potassiumMg", "vitaminDIU", "fluidsMl", "caffeineMg", "alcoholUnits",
                      "exerciseMinutes", "screensMinutesBeforeBed"] {
                t.column(c, .double)
            }
            t.column("magnesiumForm", .text)
            t.column("stretchedBeforeBed", .boolean)
            t.column("stress", .integer).check { $0 == nil || ($0 >= 0 && $0 <= 10) }
            t.column("bedtime", .text)
            t.column("wakeTime", .text)
            t.column("lateMeal", .boolean)
            t.column("notes", .text)
            t.column("createdAt", .datetime).notNull()
        }
        try db.create(table: "selfReportedCramp") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("time", .datetime).notNull().indexed()
            t.column("leg", .text).notNull()
            t.column("pain", .integer).notNull().check { $0 >= 0 && $0 <= 10 }
            t.column("durationMinutes", .double)
            t.column("notes", .text)
        }
        try db.create(table: "nightTrace") { t in
            t.primaryKey("nightId", .integer).references("night", onDelete: .cascade)
            t.column("secondsPerPoint", .double).notNull()
            t.column("envelope", .blob).notNull()
            t.column("activity", .blob).notNull()
        }
    }

    /// Reference annotations (imported labels).
    static func migrateV3ReferenceAnnotations(_ db: Database) throws {
        try db.create(table: "referenceAnnotation") { t in
            t.autoIncrementedPrimaryKey("id")
            t.belongsTo("night", onDelete: .cascade).notNull()
            t.column("kind", .text).notNull()
            t.column("onsetSeconds", .double).notNull()
            t.column("offsetSeconds", .double).notNull()
            t.column("source", .text).notNull()
            t.check(sql: "offsetSeconds >= onsetSeconds")
        }
    }

    /// Recordings known by content: the SHA-256 of the file, so the same recording is one night however often it
    /// is replayed (NULL for recordings saved before, and for a live capture until its night is finished).
    static func migrateV7RecordingContent(_ db: Database) throws {
        try db.alter(table: "recording") { t in
            t.add(column: "contentSHA256", .text)
        }
        try db.create(index: "recording_on_contentSHA256", on: "recording", columns: ["contentSHA256"])
    }

    /// What an event's features say, as columns a tool can query (`WHERE woke`), instead of a JSON string of
    /// strings; and the mains frequency a night was filtered at, kept with the night rather than in the detector
    /// configuration's identity (a person who changed nothing has one configuration, at 50 or at 60 Hz).
    static func migrateV8EventColumnsNightMains(_ db: Database) throws {
        try db.alter(table: "event") { t in
            t.add(column: "woke", .boolean)
            t.add(column: "accelActivityAfterG", .double)
            t.add(column: "medianFrequencyHz", .double)
            t.add(column: "artifactCause", .text)
        }
        try db.execute(sql: """
            UPDATE event SET
              woke = CASE json_extract(featuresJSON, '$.woke') WHEN 'true' THEN 1 WHEN 'false' THEN 0 END,
              accelActivityAfterG = CAST(json_extract(featuresJSON, '$.accel_activity_after_g') AS REAL),
              medianFrequencyHz = CAST(json_extract(featuresJSON, '$.median_frequency_hz') AS REAL),
              artifactCause = json_extract(featuresJSON, '$.cause')
            WHERE json_valid(featuresJSON)
            """)
        try db.alter(table: "event") { t in t.drop(column: "featuresJSON") }
        try db.alter(table: "night") { t in t.add(column: "mainsHz", .integer) }
    }

    /// Live nights: written event by event while the monitor runs, finished (or recovered) at the end.
    static func migrateV4LiveNights(_ db: Database) throws {
        try db.alter(table: "night") { t in
            t.add(column: "status", .text).notNull().defaults(to: NightStatus.complete)
            t.add(column: "clockOffsetSeconds", .double)
            t.add(column: "clockDriftPPM", .double)
            t.add(column: "clockFitPoints", .integer)
            t.add(column: "clockResidualMs", .double)
        }
        try db.alter(table: "event") { t in
            t.add(column: "provisional", .boolean).notNull().defaults(to: false)
        }
    }
}
