import Foundation
import GRDB

/// What became of a raw capture that capture retention (`crampwatch captures prune`) took away: deleted, or
/// converted to a compressed EDF+/BDF+ file, which the recording's row then names instead. The row keeps the
/// capture's own path and size, so the journal always says where a night's signal went.
public struct CaptureRetentionRecord: Codable, FetchableRecord, PersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "captureRetention"
    public var recordingId: Int64
    /// "deleted" or "converted" (`CaptureRetentionAction`).
    public var action: String
    public var originalPath: String
    public var originalSizeBytes: Int64
    public var doneAt: Date
}

/// The values of `CaptureRetentionRecord.action`.
public enum CaptureRetentionAction {
    public static let deleted = "deleted"
    public static let converted = "converted"
}

/// A recording with the nights made from it and what retention did to it.
public struct RecordingUse: Sendable, Equatable {
    public var recording: RecordingRecord
    public var nights: [NightRecord]
    public var retention: CaptureRetentionRecord?
}

extension Journal {
    /// One row per recording retention acted on; gone with its recording, whoever deletes that (a trigger, as
    /// for a night's rows: foreign keys are off in a plain `sqlite3` shell).
    static func migrateV9CaptureRetention(_ db: Database) throws {
        try db.create(table: "captureRetention") { t in
            t.primaryKey("recordingId", .integer).references("recording", onDelete: .cascade)
            t.column("action", .text).notNull()
                .check { [CaptureRetentionAction.deleted, CaptureRetentionAction.converted].contains($0) }
            t.column("originalPath", .text).notNull()
            t.column("originalSizeBytes", .integer).notNull()
            t.column("doneAt", .datetime).notNull()
        }
        try db.execute(sql: "CREATE TRIGGER recording_delete_retention AFTER DELETE ON recording "
                           + "BEGIN DELETE FROM captureRetention WHERE recordingId = OLD.id; END")
    }

    /// Every recording, oldest first, with its nights and what retention did to it.
    public func recordingUses() throws -> [RecordingUse] {
        try readTransaction { db in
            let nights = Dictionary(grouping: try NightRecord.filter(Column("recordingId") != nil)
                                        .order(Column("id")).fetchAll(db)) { $0.recordingId! }
            let done = Dictionary(uniqueKeysWithValues: try CaptureRetentionRecord.fetchAll(db).map {
                ($0.recordingId, $0)
            })
            return try RecordingRecord.order(Column("id")).fetchAll(db).map { r in
                RecordingUse(recording: r, nights: nights[r.id!] ?? [], retention: done[r.id!])
            }
        }
    }

    /// Notes, in one transaction, that these recordings' capture was deleted; their rows keep its path.
    public func markCaptureDeleted(recordings ids: [Int64], at date: Date = Date()) throws {
        try markCapture(CaptureRetentionAction.deleted, recordings: ids, at: date) { _ in }
    }

    /// Notes, in one transaction, that these recordings' capture was converted: each row then names the new
    /// file (`path`, `format`, `sizeBytes`), and its retention row the capture's own path and size.
    public func markCaptureConverted(recordings ids: [Int64], to path: String, format: String, sizeBytes: Int64,
                                     at date: Date = Date()) throws {
        try markCapture(CaptureRetentionAction.converted, recordings: ids, at: date) { r in
            r.path = path
            r.format = format
            r.sizeBytes = sizeBytes
        }
    }

    /// One retention row per recording, with the capture's own path and size, and `change` made to the recording.
    private func markCapture(_ action: String, recordings ids: [Int64], at date: Date,
                             change: (inout RecordingRecord) -> Void) throws {
        try writeTransaction { db in
            for id in ids {
                guard var r = try RecordingRecord.fetchOne(db, key: id) else { continue }
                try CaptureRetentionRecord(recordingId: id, action: action, originalPath: r.path,
                                           originalSizeBytes: r.sizeBytes, doneAt: date).insert(db)
                let before = r
                change(&r)
                if r != before { try r.update(db) }
            }
        }
    }

    /// Takes back `markCaptureDeleted` when the file could not be deleted after all.
    public func unmarkCaptureDeleted(recordings ids: [Int64]) throws {
        try writeTransaction { db in
            for id in ids where try CaptureRetentionRecord.fetchOne(db, key: id)?.action
                == CaptureRetentionAction.deleted {
                _ = try CaptureRetentionRecord.deleteOne(db, key: id)
            }
        }
    }
}
