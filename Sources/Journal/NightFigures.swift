import Foundation
import GRDB

/// A night's figures as the night analysis computed them when the night was saved: every figure a person sees
/// (in `replay`, `journal show`, the reports and every JSON) is read from here, never recomputed from the rows.
/// Figures that need EMG are NULL for a night recorded without it (not measured, rather than zero).
public struct NightFiguresRecord: Codable, FetchableRecord, PersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "nightFigures"
    public var nightId: Int64
    public var emgMeasured: Bool
    public var durationSeconds: Double
    public var cramps: Int?
    public var crampSeconds: Double?
    public var longestCrampSeconds: Double?
    public var crampsThatWoke: Int?
    public var legMovements: Int?
    public var periodicLegMovements: Int?
    public var plmIndexPerHour: Double?
    /// Periodic leg movements in wake bouts and their index per hour of wake (WASM 2016's PLMW); NULL for nights
    /// saved before they were kept, and for nights without EMG.
    public var periodicLegMovementsInWake: Int?
    public var plmwIndexPerHour: Double?
    public var artifacts: Int?
    public var artifactSeconds: Double?
    /// The figures that need sleep and wake are NULL for a night with neither an accelerometer nor a lab's scored
    /// stages (`sleepSource` "not_measured"): nothing saw sleep or wake, so none of them is known.
    public var sleepInterruptions: Int?
    public var wakeSeconds: Double?
    public var gaps: Int
    public var gapSeconds: Double
    public var framesLost: Int
    public var corruptFrames: Int
    public var sleepWindowOnsetSeconds: Double?
    public var sleepWindowOffsetSeconds: Double?
    /// False when the sleep period could not be found (too short, no accelerometer): the whole recording was used.
    public var sleepWindowDetected: Bool
    /// Where sleep and wake came from: "scored_stages" (a lab's hypnogram in the recording), "accelerometer",
    /// "whole_recording" or "not_measured"; NULL for nights saved before it was kept (then `sleepWindowDetected`
    /// tells accelerometer from whole recording).
    public var sleepSource: String?
    public var totalSleepSeconds: Double?
    public var wasoSeconds: Double?
    public var sleepEfficiency: Double?
    public var awakenings: Int?
    /// "saved": computed from the whole night when it was saved; "rows": computed later from the stored
    /// events and gaps of a night saved by an older Crampwatch (no sleep period: the whole recording counts).
    public var computedFrom: String

    public init(nightId: Int64, emgMeasured: Bool, durationSeconds: Double, cramps: Int?, crampSeconds: Double?,
                longestCrampSeconds: Double?, crampsThatWoke: Int?, legMovements: Int?, periodicLegMovements: Int?,
                plmIndexPerHour: Double?, artifacts: Int?, artifactSeconds: Double?, sleepInterruptions: Int?,
                wakeSeconds: Double?,
                gaps: Int, gapSeconds: Double, framesLost: Int, corruptFrames: Int, sleepWindowOnsetSeconds: Double?,
                sleepWindowOffsetSeconds: Double?, sleepWindowDetected: Bool, totalSleepSeconds: Double?,
                wasoSeconds: Double?,
                sleepEfficiency: Double?, awakenings: Int?, computedFrom: String,
                periodicLegMovementsInWake: Int? = nil, plmwIndexPerHour: Double? = nil, sleepSource: String? = nil) {
        self.nightId = nightId; self.emgMeasured = emgMeasured; self.durationSeconds = durationSeconds
        self.cramps = cramps; self.crampSeconds = crampSeconds; self.longestCrampSeconds = longestCrampSeconds
        self.crampsThatWoke = crampsThatWoke; self.legMovements = legMovements
        self.periodicLegMovements = periodicLegMovements
        self.plmIndexPerHour = plmIndexPerHour; self.artifacts = artifacts; self.artifactSeconds = artifactSeconds
        self.sleepInterruptions = sleepInterruptions; self.wakeSeconds = wakeSeconds; self.gaps = gaps
        self.gapSeconds = gapSeconds
        self.framesLost = framesLost; self.corruptFrames = corruptFrames
        self.sleepWindowOnsetSeconds = sleepWindowOnsetSeconds; self.sleepWindowOffsetSeconds = sleepWindowOffsetSeconds
        self.sleepWindowDetected = sleepWindowDetected; self.totalSleepSeconds = totalSleepSeconds
        self.wasoSeconds = wasoSeconds
        self.sleepEfficiency = sleepEfficiency; self.awakenings = awakenings; self.computedFrom = computedFrom
        self.periodicLegMovementsInWake = periodicLegMovementsInWake; self.plmwIndexPerHour = plmwIndexPerHour
        self.sleepSource = sleepSource
    }

    /// The sleep and wake columns may be NULL (not measured: no accelerometer and no scored stages). SQLite cannot
    /// drop a NOT NULL, so the table is rebuilt with the same rows; then the nights saved before from a device
    /// without an accelerometer, and without scored stages, get NULL instead of the "all asleep" they were given, and
    /// their cramps an unknown `woke`.
    static func migrateV15WakeNotMeasured(_ db: Database) throws {
        let columns = try db.columns(in: databaseTableName).map(\.name)
        let nullable: Set = ["sleepInterruptions", "wakeSeconds", "sleepWindowOnsetSeconds", "sleepWindowOffsetSeconds",
                             "totalSleepSeconds", "wasoSeconds", "sleepEfficiency", "awakenings"]
        // A rename rewrites the triggers that name the table (v6's night_delete_cascade would then delete from the
        // old copy, which is dropped): they are set aside and made again, word for word, once the table is back.
        let triggers = try String.fetchAll(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'trigger' "
                                               + "AND sql LIKE '%nightFigures%'")
        for name in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                                 + "AND sql LIKE '%nightFigures%'") {
            try db.execute(sql: "DROP TRIGGER \"\(name)\"")
        }
        try db.rename(table: databaseTableName, to: "nightFiguresV14")
        try migrateV5(db, nullable: nullable)
        try migrateV11PeriodicInWake(db)
        try migrateV14SleepSource(db)
        let list = columns.map { "\"\($0)\"" }.joined(separator: ", ")
        try db.execute(sql: "INSERT INTO nightFigures (\(list)) SELECT \(list) FROM nightFiguresV14")
        try db.drop(table: "nightFiguresV14")
        for sql in triggers { try db.execute(sql: sql) }
        let withoutWake = """
            SELECT f.nightId FROM nightFigures f JOIN night n ON n.id = f.nightId JOIN device d ON d.id = n.deviceId
            WHERE d.accelAxes != 3 AND coalesce(f.sleepSource, '') != 'scored_stages'
            """
        try db.execute(sql: """
            UPDATE nightFigures SET sleepSource = 'not_measured', \(nullable.sorted().map { "\($0) = NULL" }
                .joined(separator: ", ")), crampsThatWoke = NULL, periodicLegMovementsInWake = NULL,
                plmwIndexPerHour = NULL
            WHERE nightId IN (\(withoutWake))
            """)
        try db.execute(sql: "UPDATE event SET woke = NULL WHERE nightId IN (\(withoutWake))")
    }

    /// Where sleep came from (issue 21: a lab's scored stages); nights saved before keep NULL.
    static func migrateV14SleepSource(_ db: Database) throws {
        try db.alter(table: databaseTableName) { t in t.add(column: "sleepSource", .text) }
    }

    /// PLMW apart from PLMS (issue 21): two nullable columns; nights saved before keep NULL (not measured then).
    static func migrateV11PeriodicInWake(_ db: Database) throws {
        try db.alter(table: databaseTableName) { t in
            t.add(column: "periodicLegMovementsInWake", .integer)
            t.add(column: "plmwIndexPerHour", .double)
        }
    }

    /// The table as v5 made it; `nullable` names columns that v5 made NOT NULL and a later rebuild lets be NULL.
    static func migrateV5(_ db: Database) throws { try migrateV5(db, nullable: []) }

    static func migrateV5(_ db: Database, nullable: Set<String>) throws {
        try db.create(table: databaseTableName) { t in
            t.primaryKey("nightId", .integer).references("night", onDelete: .cascade)
            t.column("emgMeasured", .boolean).notNull()
            t.column("durationSeconds", .double).notNull()
            for c in ["cramps", "crampsThatWoke", "legMovements", "periodicLegMovements", "artifacts"] {
                t.column(c, .integer)
            }
            for c in ["crampSeconds", "longestCrampSeconds", "plmIndexPerHour", "artifactSeconds"] {
                t.column(c, .double)
            }
            for c in ["sleepInterruptions", "gaps", "framesLost", "corruptFrames", "awakenings"] {
                let column = t.column(c, .integer)
                if !nullable.contains(c) { column.notNull() }
            }
            for c in ["wakeSeconds", "gapSeconds", "sleepWindowOnsetSeconds", "sleepWindowOffsetSeconds",
                      "totalSleepSeconds", "wasoSeconds", "sleepEfficiency"] {
                let column = t.column(c, .double)
                if !nullable.contains(c) { column.notNull() }
            }
            t.column("sleepWindowDetected", .boolean).notNull()
            t.column("computedFrom", .text).notNull()
        }
    }
}

extension Journal {
    /// Stores (or replaces) a night's figures.
    public func saveFigures(_ figures: NightFiguresRecord) throws {
        try writeTransaction { db in try figures.save(db) }
    }

    public func figures(night: Int64) throws -> NightFiguresRecord? {
        try readTransaction { db in try NightFiguresRecord.fetchOne(db, key: night) }
    }

    /// Every night's figures, by night id.
    public func allFigures() throws -> [Int64: NightFiguresRecord] {
        try readTransaction { db in
            Dictionary(try NightFiguresRecord.fetchAll(db).map { ($0.nightId, $0) }, uniquingKeysWith: { a, _ in a })
        }
    }

    /// Complete nights that have no stored figures (saved by a Crampwatch older than the figures table).
    public func nightsWithoutFigures() throws -> [NightRecord] {
        try readTransaction { db in
            try NightRecord.fetchAll(db, sql: """
                SELECT * FROM night WHERE status != ? AND id NOT IN (SELECT nightId FROM nightFigures) ORDER BY id
                """, arguments: [NightStatus.recording])
        }
    }
}
