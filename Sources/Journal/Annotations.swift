import Foundation
import GRDB

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
        public static let source = Column(CodingKeys.source)
    }

    public init(id: Int64? = nil, nightId: Int64, kind: String, onsetSeconds: Double, offsetSeconds: Double,
                source: String) {
        self.id = id
        self.nightId = nightId
        self.kind = kind
        self.onsetSeconds = onsetSeconds
        self.offsetSeconds = offsetSeconds
        self.source = source
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension DiaryEntry {
    /// Copies every field `other` sets over this entry's (a second `diary add` for the same evening amends it);
    /// notes accumulate, each once.
    public mutating func merge(_ o: DiaryEntry) {
        magnesiumMg = o.magnesiumMg ?? magnesiumMg
        magnesiumForm = o.magnesiumForm ?? magnesiumForm
        calciumMg = o.calciumMg ?? calciumMg
        potassiumMg = o.potassiumMg ?? potassiumMg
        vitaminDIU = o.vitaminDIU ?? vitaminDIU
        fluidsMl = o.fluidsMl ?? fluidsMl
        caffeineMg = o.caffeineMg ?? caffeineMg
        alcoholUnits = o.alcoholUnits ?? alcoholUnits
        exerciseMinutes = o.exerciseMinutes ?? exerciseMinutes
        stretchedBeforeBed = o.stretchedBeforeBed ?? stretchedBeforeBed
        stress = o.stress ?? stress
        bedtime = o.bedtime ?? bedtime
        wakeTime = o.wakeTime ?? wakeTime
        lateMeal = o.lateMeal ?? lateMeal
        screensMinutesBeforeBed = o.screensMinutesBeforeBed ?? screensMinutesBeforeBed
        if let n = o.notes, !Self.notes(notes, hold: n) { notes = notes.map { $0 + "\n" + n } ?? n }
    }

    /// Whether `n` is already one of the notes (added the same twice, or the same `diary add` run again).
    static func notes(_ notes: String?, hold n: String) -> Bool {
        guard let notes else { return false }
        return ("\n" + notes + "\n").contains("\n" + n + "\n")
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
            let needsQuotes = s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            return needsQuotes ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
    }
}

extension Journal {
    /// Adds the diary entry of an evening, or amends the one already there (fields given now win), with the cramps
    /// noticed that night, in one transaction.
    @discardableResult
    public func amendDiary(_ entry: DiaryEntry, cramps: [SelfReportedCramp] = []) throws -> DiaryEntry {
        try writeTransaction { db in
            var saved = entry
            if var existing = try DiaryEntry.filter(DiaryEntry.Columns.date == entry.date).fetchOne(db) {
                existing.merge(entry)
                try existing.update(db)
                saved = existing
            } else {
                try saved.insert(db)
            }
            for c in cramps { _ = try Self.saveNoticedCramp(c, in: db) }
            return saved
        }
    }

    public func diaryEntries(from: String? = nil, to: String? = nil) throws -> [DiaryEntry] {
        try readTransaction { db in
            var q = DiaryEntry.order(DiaryEntry.Columns.date)
            if let from { q = q.filter(DiaryEntry.Columns.date >= from) }
            if let to { q = q.filter(DiaryEntry.Columns.date <= to) }
            return try q.fetchAll(db)
        }
    }

    /// Imports reference labels for a night, replacing those from the same source.
    public func saveAnnotations(_ annotations: [ReferenceAnnotationRecord], night: Int64, source: String) throws {
        try writeTransaction { db in
            guard try NightRecord.exists(db, key: night) else {
                throw JournalError(path: path, "there is no night \(night); `crampwatch journal nights` lists them.")
            }
            let columns = ReferenceAnnotationRecord.Columns.self
            try ReferenceAnnotationRecord.filter(columns.nightId == night && columns.source == source).deleteAll(db)
            for var a in annotations {
                a.nightId = night
                a.source = source
                try a.insert(db)
            }
        }
    }

    public func annotations(night: Int64) throws -> [ReferenceAnnotationRecord] {
        try readTransaction { db in
            try ReferenceAnnotationRecord.filter(ReferenceAnnotationRecord.Columns.nightId == night)
                .order(ReferenceAnnotationRecord.Columns.onsetSeconds, Column("id")).fetchAll(db)
        }
    }

    /// Every event of every night, for trends and export.
    public func allEvents() throws -> [EventRecord] {
        try readTransaction { db in
            try EventRecord.order(EventRecord.Columns.nightId, EventRecord.Columns.onsetSeconds, Column("id"))
                .fetchAll(db)
        }
    }

    public func allGaps() throws -> [GapRecord] {
        try readTransaction { db in
            try GapRecord.order(GapRecord.Columns.nightId, GapRecord.Columns.onsetSeconds).fetchAll(db)
        }
    }

    public func allConfigurations() throws -> [DetectorConfigRecord] {
        try readTransaction { db in try DetectorConfigRecord.order(Column("id")).fetchAll(db) }
    }

    /// Runs a read-only SQL query (for tests that compare reports with the journal; SQL stays inside this module
    /// otherwise).
    func scalar(_ sql: String, arguments: StatementArguments = []) throws -> Double? {
        try readTransaction { db in try Double.fetchOne(db, sql: sql, arguments: arguments) }
    }

    /// Tables that can be exported, by their names in the journal.
    public static let exportableTables = [
        "night", "event", "gap", "diaryEntry", "selfReportedCramp", "referenceAnnotation", "device", "recording",
        "detectorConfig",
    ]

    /// Every row of one table, in id order, for export. Blobs are not exported (the per-second traces stay in the
    /// journal).
    public func exportTable(_ name: String) throws -> (columns: [String], rows: [[ExportValue]]) {
        guard Self.exportableTables.contains(name) else {
            throw JournalError(path: path, "there is no table \"\(name)\" to export; "
                               + "choose one of \(Self.exportableTables.joined(separator: ", ")).")
        }
        return try readTransaction { db in
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
