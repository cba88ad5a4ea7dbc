import Foundation
import GRDB

/// What this journal has already handed to a study (`crampwatch sync`): one row per item the study database
/// acknowledged — a night, a diary entry, a noticed cramp or a detector configuration — with the SHA-256 of the
/// content it received. The next sync sends only content whose hash is not here (incremental), and marks withdrawn
/// at the study each hash here whose content the journal no longer has (a deleted night, an amended diary entry).
/// A row is written only after the study's transaction committed, so a sync cut short sends the rest next time.
public struct StudySyncedRecord: Codable, FetchableRecord, PersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "studySynced"
    /// The study (`host:port/database`), so one journal can take part in two studies.
    public var study: String
    /// "night", "diary", "cramp" or "config".
    public var kind: String
    /// The SHA-256 of the content as sent (the study's key for it).
    public var contentHash: String
    /// The journal's row id (0 for a configuration, which the hash alone names).
    public var localId: Int64
    public var syncedAt: Date

    public init(study: String, kind: String, contentHash: String, localId: Int64, syncedAt: Date = Date()) {
        self.study = study
        self.kind = kind
        self.contentHash = contentHash
        self.localId = localId
        self.syncedAt = syncedAt
    }

    static func migrateV13(_ db: Database) throws {
        try db.create(table: databaseTableName) { t in
            t.column("study", .text).notNull()
            t.column("kind", .text).notNull()
            t.column("contentHash", .text).notNull()
            t.column("localId", .integer).notNull()
            t.column("syncedAt", .datetime).notNull()
            t.primaryKey(["study", "kind", "contentHash"])
        }
    }
}

extension Journal {
    /// Everything this journal has handed to `study`.
    public func studySynced(study: String) throws -> [StudySyncedRecord] {
        try readTransaction { db in
            try StudySyncedRecord.filter(Column("study") == study).fetchAll(db)
        }
    }

    /// Records that the study acknowledged these items (after its transaction committed).
    public func markStudySynced(_ records: [StudySyncedRecord]) throws {
        try writeTransaction { db in for r in records { try r.save(db) } }
    }

    /// Forgets items the study has marked withdrawn.
    public func forgetStudySynced(study: String, kind: String, hashes: [String]) throws {
        try writeTransaction { db in
            _ = try StudySyncedRecord.filter(Column("study") == study && Column("kind") == kind
                                             && hashes.contains(Column("contentHash"))).deleteAll(db)
        }
    }
}
