import Foundation
import GRDB

/// One evening's diary: what the person did that day and how they slept. One entry per date.
///
/// `date` is the *evening* the night began (local date, `yyyy-MM-dd`), so a night that starts at
/// 23:30 on 3 May and a cramp at 03:10 on 4 May both belong to the entry for 2026-05-03.
public struct DiaryEntryRecord: Codable, FetchableRecord, MutablePersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "diaryEntry"
    public var id: Int64?
    public var date: String
    public var magnesiumMg: Double?
    /// "supplement:citrate", "supplement:oxide", "food", … free text from the person.
    public var magnesiumForm: String?
    public var calciumMg: Double?
    public var potassiumMg: Double?
    public var vitaminDIU: Double?
    public var fluidsMl: Double?
    public var caffeineMg: Double?
    /// Standard drinks (10 g of alcohol each).
    public var alcoholDrinks: Double?
    public var exerciseMinutes: Double?
    public var stretchedBeforeBed: Bool?
    /// 0 (none) – 10 (worst).
    public var stress: Int?
    /// Local clock time `HH:mm`.
    public var bedtime: String?
    /// Local clock time `HH:mm`.
    public var wakeTime: String?
    public var lateMeal: Bool?
    public var screensBeforeBedMinutes: Double?
    public var notes: String?
    public var updatedAt: Date

    public enum Columns {
        public static let date = Column(CodingKeys.date)
    }

    public init(id: Int64? = nil, date: String, magnesiumMg: Double? = nil, magnesiumForm: String? = nil, calciumMg: Double? = nil, potassiumMg: Double? = nil,
                vitaminDIU: Double? = nil, fluidsMl: Double? = nil, caffeineMg: Double? = nil, alcoholDrinks: Double? = nil, exerciseMinutes: Double? = nil,
                stretchedBeforeBed: Bool? = nil, stress: Int? = nil, bedtime: String? = nil, wakeTime: String? = nil, lateMeal: Bool? = nil,
                screensBeforeBedMinutes: Double? = nil, notes: String? = nil, updatedAt: Date = Date()) {
        self.id = id; self.date = date; self.magnesiumMg = magnesiumMg; self.magnesiumForm = magnesiumForm; self.calciumMg = calciumMg
        self.potassiumMg = potassiumMg; self.vitaminDIU = vitaminDIU; self.fluidsMl = fluidsMl; self.caffeineMg = caffeineMg
        self.alcoholDrinks = alcoholDrinks; self.exerciseMinutes = exerciseMinutes; self.stretchedBeforeBed = stretchedBeforeBed
        self.stress = stress; self.bedtime = bedtime; self.wakeTime = wakeTime; self.lateMeal = lateMeal
        self.screensBeforeBedMinutes = screensBeforeBedMinutes; self.notes = notes; self.updatedAt = updatedAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// Copies every field `other` sets over this entry's (a second `diary add` for the same date amends it).
    public mutating func merge(_ o: DiaryEntryRecord) {
        magnesiumMg = o.magnesiumMg ?? magnesiumMg; magnesiumForm = o.magnesiumForm ?? magnesiumForm; calciumMg = o.calciumMg ?? calciumMg
        potassiumMg = o.potassiumMg ?? potassiumMg; vitaminDIU = o.vitaminDIU ?? vitaminDIU; fluidsMl = o.fluidsMl ?? fluidsMl
        caffeineMg = o.caffeineMg ?? caffeineMg; alcoholDrinks = o.alcoholDrinks ?? alcoholDrinks; exerciseMinutes = o.exerciseMinutes ?? exerciseMinutes
        stretchedBeforeBed = o.stretchedBeforeBed ?? stretchedBeforeBed; stress = o.stress ?? stress; bedtime = o.bedtime ?? bedtime
        wakeTime = o.wakeTime ?? wakeTime; lateMeal = o.lateMeal ?? lateMeal; screensBeforeBedMinutes = o.screensBeforeBedMinutes ?? screensBeforeBedMinutes
        if let n = o.notes { notes = notes.map { $0 + "\n" + n } ?? n }
        updatedAt = o.updatedAt
    }
}

/// A cramp the person noticed and wrote down.
public struct SelfReportedCrampRecord: Codable, FetchableRecord, MutablePersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "selfReportedCramp"
    public var id: Int64?
    /// The diary evening it belongs to (`yyyy-MM-dd`).
    public var diaryDate: String
    /// When the person says it happened (wall clock).
    public var occurredAt: Date
    /// "left", "right" or "both".
    public var leg: String
    /// 0 (no pain) – 10 (worst imaginable).
    public var pain: Int
    public var notes: String?

    public enum Columns {
        public static let diaryDate = Column(CodingKeys.diaryDate)
        public static let occurredAt = Column(CodingKeys.occurredAt)
    }

    public init(id: Int64? = nil, diaryDate: String, occurredAt: Date, leg: String, pain: Int, notes: String? = nil) {
        self.id = id; self.diaryDate = diaryDate; self.occurredAt = occurredAt; self.leg = leg; self.pain = pain; self.notes = notes
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A reference label for a night imported from elsewhere (a scorer, a simulator's ground truth, a sleep lab).
public struct ReferenceAnnotationRecord: Codable, FetchableRecord, MutablePersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "referenceAnnotation"
    public var id: Int64?
    public var nightId: Int64
    public var kind: String
    public var onsetSeconds: Double
    public var offsetSeconds: Double
    /// Where the label came from, e.g. the labels file's path or "scorer:AB".
    public var source: String

    public enum Columns {
        public static let nightId = Column(CodingKeys.nightId)
        public static let onsetSeconds = Column(CodingKeys.onsetSeconds)
    }

    public init(id: Int64? = nil, nightId: Int64, kind: String, onsetSeconds: Double, offsetSeconds: Double, source: String) {
        self.id = id; self.nightId = nightId; self.kind = kind; self.onsetSeconds = onsetSeconds; self.offsetSeconds = offsetSeconds; self.source = source
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A night's compact per-second trace of one signal, for the report's timeline.
///
/// `values` is little-endian Float32, one per `secondsPerValue` from the recording's first sample;
/// NaN where there was no data (a gap).
public struct NightTraceRecord: Codable, FetchableRecord, MutablePersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "nightTrace"
    public var id: Int64?
    public var nightId: Int64
    /// "emg_rms_uv" (per EMG channel, 0-based) or "accel_activity_g" (channel nil).
    public var signal: String
    public var channel: Int?
    public var secondsPerValue: Double
    public var values: Data

    public enum Columns {
        public static let nightId = Column(CodingKeys.nightId)
    }

    public init(id: Int64? = nil, nightId: Int64 = 0, signal: String, channel: Int?, secondsPerValue: Double, values: [Float]) {
        self.id = id; self.nightId = nightId; self.signal = signal; self.channel = channel; self.secondsPerValue = secondsPerValue
        var data = Data(capacity: values.count * 4)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        self.values = data
    }

    /// The decoded values.
    public var floats: [Float] {
        let bytes = [UInt8](values)
        return stride(from: 0, to: bytes.count - 3, by: 4).map { i in
            Float(bitPattern: UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24)
        }
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension Journal {
    static func migrateV2(_ db: Database) throws {
        try db.create(table: "diaryEntry") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("date", .text).notNull().unique()
            t.column("magnesiumMg", .double).check { $0 >= 0 }
            t.column("magnesiumForm", .text)
            t.column("calciumMg", .double).check { $0 >= 0 }
            t.column("potassiumMg", .double).check { $0 >= 0 }
            t.column("vitaminDIU", .double).check { $0 >= 0 }
            t.column("fluidsMl", .double).check { $0 >= 0 }
            t.column("caffeineMg", .double).check { $0 >= 0 }
            t.column("alcoholDrinks", .double).check { $0 >= 0 }
            t.column("exerciseMinutes", .double).check { $0 >= 0 }
            t.column("stretchedBeforeBed", .boolean)
            t.column("stress", .integer).check { $0 >= 0 && $0 <= 10 }
            t.column("bedtime", .text)
            t.column("wakeTime", .text)
            t.column("lateMeal", .boolean)
            t.column("screensBeforeBedMinutes", .double).check { $0 >= 0 }
            t.column("notes", .text)
            t.column("updatedAt", .datetime).notNull()
        }
        try db.create(table: "selfReportedCramp") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("diaryDate", .text).notNull().indexed()
            t.column("occurredAt", .datetime).notNull()
            t.column("leg", .text).notNull().check { ["left", "right", "both"].contains($0) }
            t.column("pain", .integer).notNull().check { $0 >= 0 && $0 <= 10 }
            t.column("notes", .text)
        }
        try db.create(table: "referenceAnnotation") { t in
            t.autoIncrementedPrimaryKey("id")
            t.belongsTo("night", onDelete: .cascade).notNull()
            t.column("kind", .text).notNull()
            t.column("onsetSeconds", .double).notNull()
            t.column("offsetSeconds", .double).notNull()
            t.column("source", .text).notNull()
            t.check(sql: "offsetSeconds >= onsetSeconds")
        }
        try db.create(table: "nightTrace") { t in
            t.autoIncrementedPrimaryKey("id")
            t.belongsTo("night", onDelete: .cascade).notNull()
            t.column("signal", .text).notNull()
            t.column("channel", .integer)
            t.column("secondsPerValue", .double).notNull().check { $0 > 0 }
            t.column("values", .blob).notNull()
        }
    }

    /// Adds a diary entry, or amends the entry already there for that date (fields given now win).
    @discardableResult
    public func saveDiary(_ entry: DiaryEntryRecord, cramps: [SelfReportedCrampRecord] = []) throws -> DiaryEntryRecord {
        try write { db in
            var saved = entry
            if var existing = try DiaryEntryRecord.filter(DiaryEntryRecord.Columns.date == entry.date).fetchOne(db) {
                existing.merge(entry)
                try existing.update(db)
                saved = existing
            } else {
                try saved.insert(db)
            }
            for var c in cramps {
                c.diaryDate = entry.date
                try c.insert(db)
            }
            return saved
        }
    }

    public func diaryEntries(from: String? = nil, to: String? = nil) throws -> [DiaryEntryRecord] {
        try read { db in
            var q = DiaryEntryRecord.order(DiaryEntryRecord.Columns.date)
            if let from { q = q.filter(DiaryEntryRecord.Columns.date >= from) }
            if let to { q = q.filter(DiaryEntryRecord.Columns.date <= to) }
            return try q.fetchAll(db)
        }
    }

    public func selfReportedCramps() throws -> [SelfReportedCrampRecord] {
        try read { db in try SelfReportedCrampRecord.order(SelfReportedCrampRecord.Columns.occurredAt).fetchAll(db) }
    }

    /// Imports reference labels for a night, replacing those from the same source.
    public func saveAnnotations(_ annotations: [ReferenceAnnotationRecord], night: Int64, source: String) throws {
        try write { db in
            guard try NightRecord.exists(db, key: night) else {
                throw JournalError(path: path, "there is no night \(night); `crampwatch journal nights` lists them.")
            }
            try ReferenceAnnotationRecord.filter(ReferenceAnnotationRecord.Columns.nightId == night && Column("source") == source).deleteAll(db)
            for var a in annotations {
                a.nightId = night
                a.source = source
                try a.insert(db)
            }
        }
    }

    public func annotations(night: Int64) throws -> [ReferenceAnnotationRecord] {
        try read { db in try ReferenceAnnotationRecord.filter(ReferenceAnnotationRecord.Columns.nightId == night).order(ReferenceAnnotationRecord.Columns.onsetSeconds).fetchAll(db) }
    }

    public func traces(night: Int64) throws -> [NightTraceRecord] {
        try read { db in try NightTraceRecord.filter(NightTraceRecord.Columns.nightId == night).order(Column("signal"), Column("channel")).fetchAll(db) }
    }

    /// Every event of every night, for trends and export.
    public func allEvents() throws -> [EventRecord] {
        try read { db in try EventRecord.order(EventRecord.Columns.nightId, EventRecord.Columns.onsetSeconds, Column("id")).fetchAll(db) }
    }

    public func allGaps() throws -> [GapRecord] {
        try read { db in try GapRecord.order(GapRecord.Columns.nightId, GapRecord.Columns.onsetSeconds).fetchAll(db) }
    }

    public func allConfigurations() throws -> [DetectorConfigRecord] {
        try read { db in try DetectorConfigRecord.order(Column("id")).fetchAll(db) }
    }

    /// Runs a read-only SQL query (for tests that compare reports with the journal; SQL stays in this module's API otherwise).
    func scalar(_ sql: String, arguments: StatementArguments = []) throws -> Double? {
        try read { db in try Double.fetchOne(db, sql: sql, arguments: arguments) }
    }
}

/// A value in an exported row.
public enum ExportValue: Sendable, Equatable, Encodable {
    case null, integer(Int64), real(Double), text(String)

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .integer(let i): try c.encode(i)
        case .real(let d): try c.encode(d)
        case .text(let s): try c.encode(s)
        }
    }

    /// As a CSV field (RFC 4180 quoting).
    public var csv: String {
        switch self {
        case .null: return ""
        case .integer(let i): return String(i)
        case .real(let d): return String(d)
        case .text(let s):
            return s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
    }
}

extension Journal {
    /// Tables that can be exported, by their names in the journal.
    public static let exportableTables = ["night", "event", "gap", "diaryEntry", "selfReportedCramp", "referenceAnnotation", "device", "recording", "detectorConfig"]

    /// Every row of one table, in id order, for export. Blobs are not exported (the per-second traces stay in the journal).
    public func exportTable(_ name: String) throws -> (columns: [String], rows: [[ExportValue]]) {
        guard Self.exportableTables.contains(name) else {
            throw JournalError(path: path, "there is no table \"\(name)\" to export; choose one of \(Self.exportableTables.joined(separator: ", ")).")
        }
        return try read { db in
            let columns = try db.columns(in: name).map(\.name)
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM \"\(name)\" ORDER BY id").map { row in
                columns.map { c -> ExportValue in
                    let v: DatabaseValue = row[c]
                    switch v.storage {
                    case .null: return .null
                    case .int64(let i): return .integer(i)
                    case .double(let d): return .real(d)
                    case .string(let s): return .text(s)
                    case .blob(let b): return .text("<\(b.count) bytes>")
                    }
                }
            }
            return (columns, rows)
        }
    }
}
