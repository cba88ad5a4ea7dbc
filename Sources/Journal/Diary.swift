import Foundation
import GRDB

/// What the person did on a day (the evening before a night), in their own words and numbers.
/// Every factor is optional: people write down what they remember.
public struct DiaryEntry: Codable, FetchableRecord, MutablePersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "diaryEntry"
    public var id: Int64?
    /// The evening's date, YYYY-MM-DD (the night that follows it).
    public var date: String
    public var magnesiumMg: Double?
    /// "citrate", "oxide", "glycinate", "food", …
    public var magnesiumForm: String?
    public var calciumMg: Double?
    public var potassiumMg: Double?
    public var vitaminDIU: Double?
    public var fluidsMl: Double?
    public var caffeineMg: Double?
    public var alcoholUnits: Double?
    public var exerciseMinutes: Double?
    public var stretchedBeforeBed: Bool?
    /// 0 (calm) … 10 (very stressed).
    public var stress: Int?
    /// HH:MM, local time.
    public var bedtime: String?
    public var wakeTime: String?
    public var lateMeal: Bool?
    public var screensMinutesBeforeBed: Double?
    public var notes: String?
    public var createdAt: Date

    public enum Columns {
        public static let date = Column(CodingKeys.date)
    }

    public init(date: String, createdAt: Date = Date()) {
        self.date = date
        self.createdAt = createdAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// The factors a person can compare nights by, as (name, value) where known.
    public var factors: [(name: String, value: Double)] {
        var f: [(String, Double)] = []
        if let v = magnesiumMg { f.append(("magnesium_mg", v)) }
        if let v = calciumMg { f.append(("calcium_mg", v)) }
        if let v = potassiumMg { f.append(("potassium_mg", v)) }
        if let v = vitaminDIU { f.append(("vitamin_d_iu", v)) }
        if let v = fluidsMl { f.append(("fluids_ml", v)) }
        if let v = caffeineMg { f.append(("caffeine_mg", v)) }
        if let v = alcoholUnits { f.append(("alcohol_units", v)) }
        if let v = exerciseMinutes { f.append(("exercise_min", v)) }
        if let v = stretchedBeforeBed { f.append(("stretched_before_bed", v ? 1 : 0)) }
        if let v = stress { f.append(("stress", Double(v))) }
        if let v = lateMeal { f.append(("late_meal", v ? 1 : 0)) }
        if let v = screensMinutesBeforeBed { f.append(("screens_min", v)) }
        return f
    }
}

/// A cramp the person noticed and wrote down.
public struct SelfReportedCramp: Codable, FetchableRecord, MutablePersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "selfReportedCramp"
    public var id: Int64?
    public var time: Date
    /// "left", "right" or "both".
    public var leg: String
    /// 0 … 10.
    public var pain: Int
    public var durationMinutes: Double?
    public var notes: String?

    public enum Columns {
        public static let time = Column(CodingKeys.time)
    }

    public init(time: Date, leg: String, pain: Int, durationMinutes: Double? = nil, notes: String? = nil) {
        self.time = time
        self.leg = leg
        self.pain = pain
        self.durationMinutes = durationMinutes
        self.notes = notes
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// Per-second traces of a night, for the timeline report: EMG envelope above rest (µV) and
/// accelerometer activity (g), stored compactly as little-endian Float32 blobs; and, for a night whose sleep a lab
/// scored, its sleep and wake epochs as spans (onset, offset in seconds, little-endian Float64 pairs), so the
/// timeline draws the sleep the figures were computed from.
public struct NightTrace: Codable, FetchableRecord, PersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "nightTrace"
    public var nightId: Int64
    public var secondsPerPoint: Double
    public var envelope: Data
    public var activity: Data
    /// The lab's sleep and wake spans; NULL for a night without scored stages (and for nights saved before).
    public var stageSleep: Data?
    public var stageWake: Data?

    public init(nightId: Int64, secondsPerPoint: Double, envelope: [Float], activity: [Float],
                stages: (sleep: [Range<Double>], wake: [Range<Double>])? = nil) {
        self.nightId = nightId
        self.secondsPerPoint = secondsPerPoint
        self.envelope = Self.data(envelope)
        self.activity = Self.data(activity)
        stageSleep = stages.map { Self.spansData($0.sleep) }
        stageWake = stages.map { Self.spansData($0.wake) }
    }

    public var envelopeValues: [Float] { Self.floats(envelope) }
    public var activityValues: [Float] { Self.floats(activity) }
    /// The lab's sleep and wake spans, when the night's sleep came from scored stages.
    public var stages: (sleep: [Range<Double>], wake: [Range<Double>])? {
        guard let stageSleep, let stageWake else { return nil }
        return (Self.spans(stageSleep), Self.spans(stageWake))
    }

    static func spansData(_ spans: [Range<Double>]) -> Data {
        spans.flatMap { [$0.lowerBound, $0.upperBound] }.withUnsafeBytes { Data($0) }
    }

    /// Pairs read back; a pair that is not an ordered span of finite seconds (a damaged row) is left out.
    static func spans(_ d: Data) -> [Range<Double>] {
        let values = d.withUnsafeBytes { raw in
            (0..<(d.count / 8)).map { raw.loadUnaligned(fromByteOffset: 8 * $0, as: Double.self) }
        }
        return stride(from: 0, to: values.count - 1, by: 2).compactMap { i in
            let (a, b) = (values[i], values[i + 1])
            return a.isFinite && b.isFinite && a <= b ? a..<b : nil
        }
    }

    /// The lab's stages beside the traces (issue 21: a night's sleep from a lab's hypnogram).
    static func migrateV16ScoredStages(_ db: Database) throws {
        try db.alter(table: databaseTableName) { t in
            t.add(column: "stageSleep", .blob)
            t.add(column: "stageWake", .blob)
        }
    }

    /// A trace as its blob of Float32s: one writer for this and `LiveLevelsRecord`, beside `floats(_:)`, the one
    /// reader, so the two tables keep the same format.
    static func data(_ values: [Float]) -> Data {
        values.withUnsafeBytes { Data($0) }
    }

    static func floats(_ d: Data) -> [Float] {
        d.withUnsafeBytes { raw in
            (0..<(d.count / 4)).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) }
        }
    }
}

extension Journal {
    /// Adds or replaces the diary entry of a date.
    @discardableResult
    public func saveDiary(_ entry: DiaryEntry) throws -> Int64 {
        try writeTransaction { db in
            var e = entry
            try e.insert(db)
            return e.id!
        }
    }

    public func diary() throws -> [DiaryEntry] {
        try readTransaction { db in try DiaryEntry.order(DiaryEntry.Columns.date).fetchAll(db) }
    }

    @discardableResult
    public func saveSelfReportedCramp(_ cramp: SelfReportedCramp) throws -> Int64 {
        try writeTransaction { db in try Self.saveNoticedCramp(cramp, in: db) }
    }

    /// A noticed cramp at the same time (to the minute) in the same leg is the same cramp: writing it again
    /// updates it (pain, duration, notes) instead of counting it twice.
    static func saveNoticedCramp(_ cramp: SelfReportedCramp, in db: Database) throws -> Int64 {
        let minute = (cramp.time.timeIntervalSince1970 / 60).rounded(.down) * 60
        let same = try SelfReportedCramp.filter(
            SelfReportedCramp.Columns.time >= Date(timeIntervalSince1970: minute)
                && SelfReportedCramp.Columns.time < Date(timeIntervalSince1970: minute + 60)
                && Column("leg") == cramp.leg).fetchOne(db)
        var c = cramp
        if let same {
            c.id = same.id
            try c.update(db)
        } else {
            try c.insert(db)
        }
        return c.id!
    }

    public func selfReportedCramps() throws -> [SelfReportedCramp] {
        try readTransaction { db in try SelfReportedCramp.order(SelfReportedCramp.Columns.time).fetchAll(db) }
    }

    public func saveTrace(_ trace: NightTrace) throws {
        try writeTransaction { db in try trace.save(db) }
    }

    public func trace(night: Int64) throws -> NightTrace? {
        try readTransaction { db in try NightTrace.fetchOne(db, key: night) }
    }
}
