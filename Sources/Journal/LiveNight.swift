import Foundation
import GRDB

/// A night written while it happens: the live monitor stores each event the moment the detector emits it
/// (a cramp's provisional notice included), then replaces them with the night's final list when it stops.
/// A night left in "recording" (the process was killed) is finished by `journal recover` from its capture.
extension Journal {
    /// Stores the night's row (status "recording") with its device and recording; returns its id.
    public func beginNight(_ night: NightRecord, device: DeviceRecord?, recording: RecordingRecord?) throws -> Int64 {
        var night = night
        night.status = NightStatus.recording
        return try saveNight(night, device: device, recording: recording, events: [], gaps: [])
    }

    /// Stores one event of a night being recorded. A final cramp replaces the provisional notices before it, on
    /// any channel: the detector follows one contraction at a time, and its strongest channel may change after the
    /// notice (a notice kept beside its cramp showed on Tonight as a second cramp "still going").
    @discardableResult
    public func appendEvent(_ event: EventRecord, night: Int64) throws -> Int64 {
        try writeTransaction { db in
            var e = event
            e.nightId = night
            if e.detectorConfigId == nil {
                e.detectorConfigId = try Int64.fetchOne(db, sql: "SELECT detectorConfigId FROM night WHERE id = ?",
                                                        arguments: [night])
            }
            if e.kind == "cramp" && !e.provisional {
                try EventRecord
                    .filter(EventRecord.Columns.nightId == night && EventRecord.Columns.provisional == true
                            && EventRecord.Columns.kind == "cramp"
                            && EventRecord.Columns.onsetSeconds <= e.onsetSeconds + 0.001)
                    .deleteAll(db)
            }
            try e.insert(db)
            return e.id!
        }
    }

    /// Stores one gap of a night being recorded.
    public func appendGap(_ gap: GapRecord, night: Int64) throws {
        try writeTransaction { db in
            var g = gap
            g.nightId = night
            try g.insert(db)
        }
    }

    /// Updates the running totals of a night being recorded (so a killed night still says how long it ran), and
    /// the last seconds of its EMG level and movement (`recent`) for a web page watching tonight.
    public func updateProgress(night: Int64, durationSeconds: Double, framesReceived: Int, framesLost: Int,
                               corruptFrames: Int, recent: LiveLevelsRecord? = nil) throws {
        try writeTransaction { db in
            try db.execute(sql: "UPDATE night SET durationSeconds = ?, framesReceived = ?, framesLost = ?, "
                               + "corruptFrames = ? WHERE id = ?",
                           arguments: [durationSeconds, framesReceived, framesLost, corruptFrames, night])
            if var recent {
                recent.nightId = night
                try recent.save(db)
            }
        }
    }

    /// The last seconds of EMG level and movement of a night being recorded, as the monitor last wrote them.
    public func liveLevels(night: Int64) throws -> LiveLevelsRecord? {
        try readTransaction { db in try LiveLevelsRecord.fetchOne(db, key: night) }
    }

    /// Finishes a night in one transaction: its totals, clock fit and status from `night`, and exactly `events`
    /// and `gaps` (whatever was stored live is replaced, so nothing is duplicated and nothing provisional stays).
    public func completeNight(_ id: Int64, _ night: NightRecord, events: [EventRecord], gaps: [GapRecord],
                              recordingSizeBytes: Int64?) throws {
        try writeTransaction { db in
            guard let old = try NightRecord.fetchOne(db, key: id) else {
                throw JournalError(path: path, "night \(id) is not in the journal (was it deleted while recording?)")
            }
            let row = old.taking(night)
            try row.update(db)
            if let size = recordingSizeBytes, let rec = row.recordingId {
                try db.execute(sql: "UPDATE recording SET sizeBytes = ? WHERE id = ?", arguments: [size, rec])
            }
            try EventRecord.filter(EventRecord.Columns.nightId == id).deleteAll(db)
            try GapRecord.filter(GapRecord.Columns.nightId == id).deleteAll(db)
            _ = try LiveLevelsRecord.deleteOne(db, key: id)
            try Self.insert(events: events, gaps: gaps, night: row, db)
        }
    }

    /// Nights still marked "recording", with their recordings: a monitor is running, or was killed.
    public func unfinishedNights() throws -> [(night: NightRecord, recording: RecordingRecord?)] {
        try readTransaction { db in
            let stillRecording = NightRecord.Columns.status == NightStatus.recording
            return try NightRecord.filter(stillRecording).order(Column("id")).fetchAll(db).map { n in
                (n, try n.recordingId.flatMap { try RecordingRecord.fetchOne(db, key: $0) })
            }
        }
    }
}

/// The last seconds of a night being recorded, one point a second: the strongest channel's EMG envelope above
/// rest (µV) and the accelerometer's activity (g). One row per night, replaced each time the monitor writes its
/// totals and removed when the night is finished.
public struct LiveLevelsRecord: Codable, FetchableRecord, PersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "liveLevels"
    public var nightId: Int64
    /// Seconds from the night's start at the end of the newest point.
    public var endSeconds: Double
    public var envelope: Data
    public var activity: Data
    public var updatedAt: Date

    public init(nightId: Int64 = 0, endSeconds: Double, envelope: [Float], activity: [Float],
                updatedAt: Date = Date()) {
        self.nightId = nightId
        self.endSeconds = endSeconds
        self.envelope = NightTrace.data(envelope)
        self.activity = NightTrace.data(activity)
        self.updatedAt = updatedAt
    }

    public var envelopeValues: [Float] { NightTrace.floats(envelope) }
    public var activityValues: [Float] { NightTrace.floats(activity) }

    static func migrateV10(_ db: Database) throws {
        try db.create(table: databaseTableName) { t in
            t.primaryKey("nightId", .integer).references("night", onDelete: .cascade)
            t.column("endSeconds", .double).notNull()
            t.column("envelope", .blob).notNull()
            t.column("activity", .blob).notNull()
            t.column("updatedAt", .datetime).notNull()
        }
        // Gone with its night whoever deletes it, as v6 does for the other rows a night owns: foreign keys are off
        // in a plain `sqlite3` shell.
        try db.execute(sql: "CREATE TRIGGER night_delete_live_levels AFTER DELETE ON night "
                           + "BEGIN DELETE FROM liveLevels WHERE nightId = OLD.id; END")
    }
}
