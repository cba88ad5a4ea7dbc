import GRDB

/// Deleting a night removes everything that belongs to it, whoever deletes it: `journal delete`, or a person
/// with the `sqlite3` shell, where foreign keys are off unless asked for (so ON DELETE CASCADE alone would
/// leave orphan events behind). Triggers in the schema do it instead.
extension Journal {
    /// The tables whose rows belong to one night (column `nightId`).
    static let nightOwnedTables = ["event", "gap", "nightTrace", "nightFigures", "referenceAnnotation"]

    static func migrateV6DeleteCascades(_ db: Database) throws {
        let deletes = nightOwnedTables.map { "DELETE FROM \($0) WHERE nightId = OLD.id;" }.joined(separator: " ")
        try db.execute(sql: "CREATE TRIGGER night_delete_cascade AFTER DELETE ON night BEGIN \(deletes) END")
        // Rows already orphaned by a delete made before this migration.
        for table in nightOwnedTables {
            try db.execute(sql: "DELETE FROM \(table) WHERE nightId NOT IN (SELECT id FROM night)")
        }
    }

    /// What deleting a night removed.
    public struct Deletion: Sendable, Equatable {
        public var night: NightRecord
        public var events: Int
        public var gaps: Int
        /// The recording's row, when no other night came from it (the file itself is not touched).
        public var recordingForgotten: Bool
    }

    /// Deletes a night with its events, gaps, figures, trace and reference labels in one transaction; nil when
    /// there is no such night. Diary entries and noticed cramps stay: they are the person's own words.
    public func deleteNight(_ id: Int64) throws -> Deletion? {
        try writeTransaction { db in
            guard let night = try NightRecord.fetchOne(db, key: id) else { return nil }
            let events = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM event WHERE nightId = ?", arguments: [id]) ?? 0
            let gaps = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM gap WHERE nightId = ?", arguments: [id]) ?? 0
            _ = try NightRecord.deleteOne(db, key: id)
            var forgotten = false
            if let recording = night.recordingId,
               try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM night WHERE recordingId = ?",
                                arguments: [recording]) == 0 {
                try db.execute(sql: "DELETE FROM recording WHERE id = ?", arguments: [recording])
                forgotten = true
            }
            return Deletion(night: night, events: events, gaps: gaps, recordingForgotten: forgotten)
        }
    }
}
