import Foundation
import GRDB

/// One recording, one night: a recording is found by the SHA-256 of its bytes, and analysing it again replaces
/// that night's detections in place (same night number, its reference labels kept) instead of adding a twin.
extension Journal {
    /// The night saved from the recording with this content, if any (the newest, should there be several from
    /// before recordings were known by content).
    public func nightID(recordingSHA256 sha256: String) throws -> Int64? {
        try readTransaction { db in try Int64.fetchOne(db, sql: Self.nightByContent, arguments: [sha256]) }
    }

    static let nightByContent = """
        SELECT night.id FROM night JOIN recording ON recording.id = night.recordingId
        WHERE recording.contentSHA256 = ? ORDER BY night.id DESC LIMIT 1
        """

    /// As `nightID(recordingSHA256:)`, through a read-only connection, without writing a byte to the journal (nor
    /// creating it): replay asks this before it analyses anything. Nil when the file or the column is missing.
    public static func nightID(path: String, recordingSHA256 sha256: String) -> Int64? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        var readOnly = Configuration()
        readOnly.readonly = true
        guard let queue = try? DatabaseQueue(path: path, configuration: readOnly) else { return nil }
        return try? queue.read { db in try Int64.fetchOne(db, sql: nightByContent, arguments: [sha256]) }
    }

    /// Replaces night `id`'s analysis by a new one in one transaction: the night row takes `night`'s values (its
    /// number and creation time stay), its events, gaps, trace and figures are removed and `events` and `gaps`
    /// written; reference labels stay. The caller then saves the new trace and figures.
    public func replaceNight(_ id: Int64, with night: NightRecord, device: DeviceRecord?, recording: RecordingRecord?,
                             events: [EventRecord], gaps: [GapRecord]) throws {
        try writeTransaction { db in
            guard let old = try NightRecord.fetchOne(db, key: id) else {
                throw JournalError(path: path, "there is no night \(id) to replace")
            }
            var row = old.taking(night)
            row.deviceId = try device.map { try Self.deviceID(db, $0) } ?? old.deviceId
            if var r = recording {
                if let existing = old.recordingId { r.id = existing; try r.update(db) } else { try r.insert(db) }
                row.recordingId = r.id
            }
            try row.update(db)
            for table in ["event", "gap", "nightTrace", "nightFigures"] {
                try db.execute(sql: "DELETE FROM \(table) WHERE nightId = ?", arguments: [id])
            }
            try Self.insert(events: events, gaps: gaps, night: row, db)
        }
    }

    /// Records what a live night's capture turned out to hold, once it is closed.
    public func setRecordingContent(night id: Int64, sha256: String, sizeBytes: Int64) throws {
        try writeTransaction { db in
            try db.execute(sql: """
                UPDATE recording SET contentSHA256 = ?, sizeBytes = ?
                WHERE id = (SELECT recordingId FROM night WHERE id = ?)
                """, arguments: [sha256, sizeBytes, id])
        }
    }

    /// The device's row, added when the serial is new.
    static func deviceID(_ db: Database, _ device: DeviceRecord) throws -> Int64? {
        if let existing = try DeviceRecord.filter(DeviceRecord.Columns.serial == device.serial).fetchOne(db) {
            return existing.id
        }
        var d = device
        try d.insert(db)
        return d.id
    }

    static func insert(events: [EventRecord], gaps: [GapRecord], night: NightRecord, _ db: Database) throws {
        for var e in events {
            e.nightId = night.id!
            e.detectorConfigId = e.detectorConfigId ?? night.detectorConfigId
            try e.insert(db)
        }
        for var g in gaps {
            g.nightId = night.id!
            try g.insert(db)
        }
    }
}

extension NightRecord {
    /// This saved night with what a new analysis of it says (a live night finished, or a recording replayed with
    /// `--replace`): every figure from `night`, but its identity kept (number, device, recording, creation time),
    /// and a known value kept where the new one is unknown. An unknown or guessed start does not wipe a known one,
    /// so the night's diary stays linked to its date.
    func taking(_ night: NightRecord) -> NightRecord {
        var row = night
        row.id = id
        row.createdAt = createdAt
        row.deviceId = deviceId
        row.recordingId = recordingId
        row.detectorConfigId = night.detectorConfigId ?? detectorConfigId
        // The old start stays when the new analysis knows none, only guesses one, or reads a recorder's header where
        // the person had given the start (a recorder's clock is often wrong, and the correction is theirs).
        let personGaveIt = startSource == "user" && startedAt != nil && night.startSource != "user"
        if night.startedAt == nil || (night.startSource == "file_time" && startedAt != nil) || personGaveIt {
            row.startedAt = startedAt
            row.startSource = startSource
        }
        row.clockOffsetSeconds = night.clockOffsetSeconds ?? clockOffsetSeconds
        row.clockDriftPPM = night.clockDriftPPM ?? clockDriftPPM
        row.clockFitPoints = night.clockFitPoints ?? clockFitPoints
        row.clockResidualMs = night.clockResidualMs ?? clockResidualMs
        row.mainsHz = night.mainsHz ?? mainsHz
        return row
    }
}
