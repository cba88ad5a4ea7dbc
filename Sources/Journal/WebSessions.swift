import Foundation
import GRDB

/// A phone paired with `crampwatch serve`, kept across restarts: the box by the bed reboots at night, and a
/// phone that must pair again every morning gets put away. Only a hash of the cookie's token is stored, so a
/// copy of the journal opens no session.
public struct WebSessionRecord: Codable, FetchableRecord, PersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "webSession"
    /// SHA-256 of the cookie's token, lowercase hex.
    public var tokenHash: String
    public var createdAt: Date
    public var lastUsedAt: Date
    /// When the session ends unless used again before (``Journal/webSessionIdle`` after its last use).
    public var expiresAt: Date

    public enum Columns {
        public static let tokenHash = Column(CodingKeys.tokenHash)
        public static let createdAt = Column(CodingKeys.createdAt)
        public static let expiresAt = Column(CodingKeys.expiresAt)
    }

    /// Paired browsers of the web app (v12).
    static func migrateV12(_ db: Database) throws {
        try db.create(table: databaseTableName) { t in
            t.primaryKey("tokenHash", .text)
            t.column("createdAt", .datetime).notNull()
            t.column("lastUsedAt", .datetime).notNull()
            t.column("expiresAt", .datetime).notNull()
        }
    }
}

extension Journal {
    /// A paired browser left unused this long must pair again.
    public static let webSessionIdle: TimeInterval = 90 * 86_400
    /// Paired sessions kept at most; past this the oldest goes.
    public static let webSessionsKept = 1000

    /// Stores a new paired session, dropping expired ones and the oldest past ``webSessionsKept``.
    public func saveWebSession(tokenHash: String, now: Date = Date()) throws {
        try writeTransaction { db in
            try WebSessionRecord.filter(WebSessionRecord.Columns.expiresAt <= now).deleteAll(db)
            try WebSessionRecord(tokenHash: tokenHash, createdAt: now, lastUsedAt: now,
                                 expiresAt: now.addingTimeInterval(Self.webSessionIdle)).insert(db)
            let extra = try WebSessionRecord.fetchCount(db) - Self.webSessionsKept
            if extra > 0 {
                let oldest = try String.fetchAll(db, WebSessionRecord.select(WebSessionRecord.Columns.tokenHash)
                    .order(WebSessionRecord.Columns.createdAt).limit(extra))
                try WebSessionRecord.filter(keys: oldest).deleteAll(db)
            }
        }
    }

    /// The live session with this token hash, if any; an expired one is removed and not returned.
    public func webSession(tokenHash: String, now: Date = Date()) throws -> WebSessionRecord? {
        guard let s = try readTransaction({ db in try WebSessionRecord.fetchOne(db, key: tokenHash) }) else {
            return nil
        }
        guard s.expiresAt > now else {
            try writeTransaction { db in _ = try WebSessionRecord.deleteOne(db, key: tokenHash) }
            return nil
        }
        return s
    }

    /// Marks a session used now, moving its expiry on.
    public func touchWebSession(tokenHash: String, now: Date = Date()) throws {
        try writeTransaction { db in
            try db.execute(sql: "UPDATE webSession SET lastUsedAt = ?, expiresAt = ? WHERE tokenHash = ?",
                           arguments: [now, now.addingTimeInterval(Self.webSessionIdle), tokenHash])
        }
    }
}
