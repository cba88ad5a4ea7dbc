import Foundation
import GRDB
import SystemPackage

/// A problem with the journal, with what to do about it.
public struct JournalError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let message: String
    public init(path: String, _ message: String) {
        self.path = path
        self.message = message
    }
    public var description: String { "journal \(path): \(message)" }

    /// A journal that a newer Crampwatch migrated further than this build knows (`schema`: its applied migrations).
    static func newerVersion(_ path: String, schema: Set<String>) -> JournalError {
        let newest = schema.sorted().last ?? "?"
        return JournalError(path: path, "it was written by a newer version of Crampwatch (schema \(newest)). "
                            + "Update Crampwatch; nothing was changed.")
    }

    /// A file that is not an SQLite database.
    static func notAJournal(_ path: String) -> JournalError {
        JournalError(path: path, "this file is not a Crampwatch journal (not an SQLite database). "
                     + "Move it away or choose another place with --journal.")
    }
}

/// The SQLite journal: nights, events, gaps, devices, recordings and detector configurations, with the diary,
/// reference labels and per-second traces. The only module that speaks SQL.
public final class Journal: Sendable {
    public let path: String
    let writer: any DatabaseWriter

    /// Where the journal lives unless `--journal` says otherwise: `$XDG_DATA_HOME/crampwatch/journal.sqlite`
    /// (or `~/.local/share/crampwatch/journal.sqlite`).
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") { return xdg + "/crampwatch/journal.sqlite" }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return home + "/.local/share/crampwatch/journal.sqlite"
    }

    /// Opens (creating if needed, mode 0600 in a 0700 folder) and migrates the journal.
    public init(path: String) throws {
        self.path = path
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        do {
            if !FileManager.default.fileExists(atPath: folder) {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            }
        } catch {
            throw JournalError(path: path, "cannot create the folder \(folder) (does its parent exist, and is it "
                               + "yours?). Choose another place with --journal.")
        }
        // Create the file ourselves so it is private from its first byte (SQLite gives -wal and -shm the same mode),
        // but never open the database itself otherwise: closing any descriptor of a file drops every POSIX lock this
        // process holds on it, SQLite's included, which another Journal on the same file may be relying on.
        do {
            try path.withCString { p in
                if access(p, F_OK) != 0 {
                    let fd = try FileDescriptor.open(p, .readWrite, options: [.create, .closeOnExec],
                                                     permissions: .ownerReadWrite)
                    try fd.close()
                } else if access(p, R_OK | W_OK) != 0 {
                    throw Errno(rawValue: errno)
                }
            }
        } catch {
            let reason = (error as? Errno).map { String(cString: strerror($0.rawValue)) } ?? "\(error)"
            throw JournalError(path: path, "cannot open: \(reason). Check the path and its permissions, "
                               + "or choose another place with --journal.")
        }
        // Two commands opening a new journal at once (the monitor starting while `journal nights` runs) must not
        // both create its tables: the schema check and migrations run under an exclusive flock on a lock file beside
        // it (`<journal>-lock`, never the database, see above), released when this initializer returns.
        let lock = try? (path + "-lock").withCString {
            try FileDescriptor.open($0, .readWrite, options: [.create, .closeOnExec], permissions: .ownerReadWrite)
        }
        try? lock?.lockExclusively()
        defer { try? lock?.close() }
        // A journal from a newer Crampwatch is refused through a read-only connection first: opening a pool
        // already writes (GRDB creates and drops a table to start the WAL), and such a file must stay untouched.
        var readOnly = Configuration()
        readOnly.readonly = true
        if let queue = try? DatabaseQueue(path: path, configuration: readOnly),
           let applied = try? queue.read({ db in
               try Self.migrator.hasBeenSuperseded(db) ? try Self.migrator.appliedIdentifiers(db) : nil
           }) {
            throw JournalError.newerVersion(path, schema: applied)
        }
        var config = Configuration()
        config.journalMode = .wal
        config.busyMode = .timeout(10)
        do {
            writer = try DatabasePool(path: path, configuration: config)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw JournalError.notAJournal(path)
        } catch {
            throw JournalError(path: path, "cannot open: \(error)")
        }
        let migrator = Self.migrator
        do {
            // On the writer's connection: a reader connection opened before the migrations would keep the old
            // table layouts in its caches (an upgraded journal then failed to read its nights' new columns).
            try writer.writeWithoutTransaction { db in
                if try migrator.hasBeenSuperseded(db) {
                    throw JournalError.newerVersion(path, schema: try migrator.appliedIdentifiers(db))
                }
            }
            try migrator.migrate(writer)
        } catch let error as JournalError {
            throw error
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw JournalError.notAJournal(path)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_FULL {
            throw JournalError(path: path,
                               "the disk is full. Free some space; nothing already in the journal was lost.")
        } catch {
            throw JournalError(path: path, "cannot prepare the journal: \(error)")
        }
    }

    /// Refuses a journal that cannot take a night — not SQLite, or from a newer Crampwatch — without writing a byte,
    /// so that `replay` says so before it spends minutes on the recording. A missing file is fine (it is created
    /// when the night is saved); other problems are left to `init`, which reports them when the night is saved.
    public static func checkUsable(path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        var readOnly = Configuration()
        readOnly.readonly = true
        do {
            let queue = try DatabaseQueue(path: path, configuration: readOnly)
            let newer = try queue.read { db in
                try migrator.hasBeenSuperseded(db) ? try migrator.appliedIdentifiers(db) : nil
            }
            if let newer { throw JournalError.newerVersion(path, schema: newer) }
        } catch let error as JournalError {
            throw error
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw JournalError.notAJournal(path)
        } catch {
            return
        }
    }

    /// The migrations this build knows, in order.
    public static var knownMigrations: [String] { migrator.migrations }

    /// Stores a detector configuration by content and returns its row id.
    public func configurationID(json: String, hash: String) throws -> Int64 {
        try write { db in
            if let existing = try DetectorConfigRecord.filter(DetectorConfigRecord.Columns.hash == hash).fetchOne(db) {
                return existing.id!
            }
            var r = DetectorConfigRecord(hash: hash, json: json, createdAt: Date())
            try r.insert(db)
            return r.id!
        }
    }

    /// Stores a configuration under a name, for `replay --config NAME`. A name already used for other
    /// settings is refused unless `replace` is set.
    @discardableResult
    public func saveConfiguration(name: String, json: String, hash: String, replace: Bool = false) throws -> Int64 {
        try write { db in
            if let named = try DetectorConfigRecord.filter(DetectorConfigRecord.Columns.name == name).fetchOne(db) {
                if named.hash == hash { return named.id! }
                guard replace else {
                    throw JournalError(path: path, "a configuration named \"\(name)\" already exists with other "
                                       + "settings; choose another name or add --replace")
                }
                try db.execute(sql: "UPDATE detectorConfig SET name = NULL WHERE id = ?", arguments: [named.id!])
            }
            if var existing = try DetectorConfigRecord.filter(DetectorConfigRecord.Columns.hash == hash).fetchOne(db) {
                existing.name = name
                try existing.update(db)
                return existing.id!
            }
            var r = DetectorConfigRecord(hash: hash, json: json, name: name, createdAt: Date())
            try r.insert(db)
            return r.id!
        }
    }

    /// The configuration saved under `name`.
    public func configuration(named name: String) throws -> DetectorConfigRecord? {
        try read { db in try DetectorConfigRecord.filter(DetectorConfigRecord.Columns.name == name).fetchOne(db) }
    }

    /// Every named configuration.
    public func namedConfigurations() throws -> [DetectorConfigRecord] {
        try read { db in
            try DetectorConfigRecord.filter(DetectorConfigRecord.Columns.name != nil)
                .order(DetectorConfigRecord.Columns.name).fetchAll(db)
        }
    }

    /// Saves a whole night with its events and gaps in one transaction; returns the night's id.
    public func saveNight(_ night: NightRecord, device: DeviceRecord?, recording: RecordingRecord?,
                          events: [EventRecord], gaps: [GapRecord]) throws -> Int64 {
        try write { db in
            var night = night
            if let d = device { night.deviceId = try Self.deviceID(db, d) }
            if var r = recording {
                try r.insert(db)
                night.recordingId = r.id
            }
            try night.insert(db)
            try Self.insert(events: events, gaps: gaps, night: night, db)
            return night.id!
        }
    }

    public func nights() throws -> [NightRecord] {
        try read { db in try NightRecord.order(Column("id")).fetchAll(db) }
    }

    public func night(id: Int64) throws -> NightRecord? {
        try read { db in try NightRecord.fetchOne(db, key: id) }
    }

    public func events(night: Int64) throws -> [EventRecord] {
        try read { db in
            try EventRecord.filter(EventRecord.Columns.nightId == night)
                .order(EventRecord.Columns.onsetSeconds, Column("id")).fetchAll(db)
        }
    }

    public func gaps(night: Int64) throws -> [GapRecord] {
        try read { db in
            try GapRecord.filter(GapRecord.Columns.nightId == night).order(GapRecord.Columns.onsetSeconds).fetchAll(db)
        }
    }

    public func device(id: Int64) throws -> DeviceRecord? {
        try read { db in try DeviceRecord.fetchOne(db, key: id) }
    }

    public func recording(id: Int64) throws -> RecordingRecord? {
        try read { db in try RecordingRecord.fetchOne(db, key: id) }
    }

    public func configuration(id: Int64) throws -> DetectorConfigRecord? {
        try read { db in try DetectorConfigRecord.fetchOne(db, key: id) }
    }

    /// Counts of events per kind for a night.
    public func eventCounts(night: Int64) throws -> [String: Int] {
        try read { db in
            let sql = "SELECT kind, COUNT(*) AS n FROM event WHERE nightId = ? GROUP BY kind"
            let rows = try Row.fetchAll(db, sql: sql, arguments: [night])
            return Dictionary(uniqueKeysWithValues: rows.map { ($0["kind"] as String, $0["n"] as Int) })
        }
    }

    func writeTransaction<T>(_ body: (Database) throws -> T) throws -> T { try write(body) }
    func readTransaction<T>(_ body: (Database) throws -> T) throws -> T { try read(body) }

    private func write<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try writer.write(body)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_FULL {
            throw JournalError(path: path, "the disk is full, so this night could not be saved. Free some space and "
                               + "run the command again; nothing already in the journal was lost.")
        } catch let error as DatabaseError where error.resultCode == .SQLITE_READONLY {
            throw JournalError(path: path, "the journal is read-only. Check its permissions.")
        }
    }

    private func read<T>(_ body: (Database) throws -> T) throws -> T {
        try writer.read(body)
    }
}
