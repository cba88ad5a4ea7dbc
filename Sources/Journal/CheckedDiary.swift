import Foundation

/// A diary entry as a person gave it, as text: the flags of `journal diary add` or the fields of the web app's
/// form. Nothing is checked yet; ``CheckedDiary`` does that, once, for both.
public struct DiaryInput: Sendable, Equatable {
    /// The evening the night began (yyyy-mm-dd); nil means this evening.
    public var date: String?
    /// The typed text by field name: the names of ``DiaryLimits/amounts`` and `magnesium_form`, `stretched`,
    /// `late_meal` ("yes"/"no"), `stress`, `bedtime`, `wake_time`, `notes`. A blank field says nothing.
    public var fields: [String: String]
    /// The cramps noticed that night.
    public var cramps: [NoticedCrampInput]

    public init(date: String? = nil, fields: [String: String] = [:], cramps: [NoticedCrampInput] = []) {
        self.date = date
        self.fields = fields
        self.cramps = cramps
    }
}

/// A cramp noticed in the night, as typed: clock time, leg and pain. A part left out is nil.
public struct NoticedCrampInput: Sendable, Equatable {
    public var time: String?
    public var leg: String?
    public var pain: String?

    public init(time: String?, leg: String?, pain: String?) {
        self.time = time
        self.leg = leg
        self.pain = pain
    }

    /// `HH:mm,leg,pain` as `diary add --cramp` takes it; more or fewer parts are kept for the check to name.
    public init(line: String) {
        let f = line.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        let part = { (i: Int) -> String? in i < f.count && !f[i].isEmpty ? f[i] : nil }
        self.init(time: part(0), leg: part(1), pain: f.count > 3 ? "\(f[2...].joined(separator: ","))" : part(2))
    }
}

/// What is wrong with a diary entry, in one line a person can act on. The CLI and the web app show it as it is.
public struct DiaryProblem: Error, CustomStringConvertible, Sendable, Equatable {
    /// The field at fault (the names of ``DiaryInput/fields``, or `date`, `cramp`), for a form to point at.
    public let field: String
    public let description: String

    public init(_ field: String, _ description: String) {
        self.field = field
        self.description = description
    }
}

/// The one set of limits on what a diary entry may say. The limits are generous: they catch a slip of the
/// finger (an extra zero, a minus sign), not an unusual day.
public enum DiaryLimits {
    /// An amount: its field name, its label in words, its unit and the largest value believed.
    public struct Amount: Sendable {
        public let field: String
        public let label: String
        public let unit: String
        public let max: Double
    }

    /// In the order the form shows them.
    public static let amounts: [Amount] = [
        Amount(field: "magnesium", label: "Magnesium", unit: "mg", max: 5000),
        Amount(field: "calcium", label: "Calcium", unit: "mg", max: 10000),
        Amount(field: "potassium", label: "Potassium", unit: "mg", max: 20000),
        Amount(field: "vitamin_d", label: "Vitamin D", unit: "IU", max: 100_000),
        Amount(field: "fluids", label: "Fluids", unit: "ml", max: 20000),
        Amount(field: "caffeine", label: "Caffeine", unit: "mg", max: 3000),
        Amount(field: "alcohol", label: "Alcohol", unit: "units", max: 50),
        Amount(field: "exercise", label: "Exercise", unit: "minutes", max: 1440),
        Amount(field: "screens", label: "Screens before bed", unit: "minutes", max: 1440),
    ]
    public static let magnesiumFormLength = 60
    public static let notesLength = 4000
    public static let legs = ["left", "right", "both"]
    public static let pain = 0...10
    public static let stress = 0...10
}

/// A diary entry that has passed the limits, with its noticed cramps placed in time: the only way from what a
/// person typed to ``Journal/amendDiary(_:cramps:)``, for `journal diary add` and the web form alike, so the
/// same input gets the same answer and the same message in both.
public struct CheckedDiary: Sendable {
    public let entry: DiaryEntry
    public let cramps: [SelfReportedCramp]

    /// Checks `input` or throws the first problem found, in the order the form shows its fields.
    /// - Parameters:
    ///   - today: this evening (yyyy-mm-dd); a later evening has not happened yet.
    ///   - timeZone: where the clock times of bedtime and noticed cramps were read.
    public init(_ input: DiaryInput, today: String, timeZone: TimeZone) throws(DiaryProblem) {
        let date = input.date.map(Self.trimmed) ?? today
        guard Self.isDate(date) else {
            throw DiaryProblem("date", "The date must be a calendar date like 2026-05-03 (the evening the night "
                               + "began).")
        }
        // Dates in this format sort as text.
        guard date <= today else {
            throw DiaryProblem("date", "\(date) has not happened yet; write the entry on that evening or after.")
        }
        var e = DiaryEntry(date: date)
        let text = { (name: String) -> String? in
            input.fields[name].map(Self.trimmed).flatMap { $0.isEmpty ? nil : $0 }
        }
        for a in DiaryLimits.amounts {
            guard let t = text(a.field) else { continue }
            guard let v = Double(t.replacingOccurrences(of: ",", with: ".")), v >= 0, v <= a.max else {
                throw DiaryProblem(a.field, "\(a.label) must be a number from 0 to \(Int(a.max)) \(a.unit) (the "
                                   + "day's total).")
            }
            Self.set(a.field, v, in: &e)
        }
        try Self.fillRest(&e, text)
        entry = e
        var placed: [SelfReportedCramp] = []
        for c in input.cramps { placed.append(try Self.cramp(c, evening: date, timeZone: timeZone)) }
        cramps = placed
    }

    static func set(_ field: String, _ v: Double, in e: inout DiaryEntry) {
        switch field {
        case "magnesium": e.magnesiumMg = v
        case "calcium": e.calciumMg = v
        case "potassium": e.potassiumMg = v
        case "vitamin_d": e.vitaminDIU = v
        case "fluids": e.fluidsMl = v
        case "caffeine": e.caffeineMg = v
        case "alcohol": e.alcoholUnits = v
        case "exercise": e.exerciseMinutes = v
        default: e.screensMinutesBeforeBed = v
        }
    }

    /// The fields that are not amounts: form of magnesium, yes/no answers, stress, clock times and notes.
    static func fillRest(_ e: inout DiaryEntry, _ text: (String) -> String?) throws(DiaryProblem) {
        if let form = text("magnesium_form") {
            guard form.count <= DiaryLimits.magnesiumFormLength else {
                throw DiaryProblem("magnesium_form", "The magnesium form (citrate, oxide, food, …) fits in "
                                   + "\(DiaryLimits.magnesiumFormLength) characters.")
            }
            guard e.magnesiumMg != nil else {
                throw DiaryProblem("magnesium_form", "A magnesium form needs the amount of magnesium too: say how "
                                   + "much.")
            }
            e.magnesiumForm = form
        }
        e.stretchedBeforeBed = try yesNo(text("stretched"), "stretched", "Stretched before bed")
        e.lateMeal = try yesNo(text("late_meal"), "late_meal", "Late meal")
        if let s = text("stress") {
            guard let v = Int(s), DiaryLimits.stress.contains(v) else {
                throw DiaryProblem("stress", "Stress must be a whole number from 0 (calm) to 10 (worst).")
            }
            e.stress = v
        }
        for (field, label, example) in [("bedtime", "Bedtime", "23:15"), ("wake_time", "Wake time", "06:45")] {
            guard let t = text(field) else { continue }
            guard clock(t) != nil else {
                throw DiaryProblem(field, "\(label) must be a 24-hour clock time like \(example).")
            }
            if field == "bedtime" { e.bedtime = t } else { e.wakeTime = t }
        }
        if let n = text("notes") {
            guard n.count <= DiaryLimits.notesLength else {
                throw DiaryProblem("notes", "Notes are limited to \(DiaryLimits.notesLength) characters; this has "
                                   + "\(n.count).")
            }
            e.notes = n
        }
    }

    static func yesNo(_ v: String?, _ field: String, _ label: String) throws(DiaryProblem) -> Bool? {
        switch v?.lowercased() {
        case nil: return nil
        case "yes": return true
        case "no": return false
        default: throw DiaryProblem(field, "\(label): say yes or no.")
        }
    }

    /// A noticed cramp checked and placed in the night that began on the evening `evening`.
    static func cramp(_ c: NoticedCrampInput, evening: String,
                      timeZone: TimeZone) throws(DiaryProblem) -> SelfReportedCramp {
        guard let time = c.time, let leg = c.leg?.lowercased(), let painText = c.pain else {
            throw DiaryProblem("cramp", "A cramp you noticed needs its time, leg and pain, e.g. 03:10, left, 7.")
        }
        guard let (h, m) = clock(time) else {
            throw DiaryProblem("cramp", "Cramp \"\(time)\": the time must be a 24-hour clock time like 03:10.")
        }
        guard DiaryLimits.legs.contains(leg) else {
            throw DiaryProblem("cramp", "Cramp at \(time): the leg must be left, right or both.")
        }
        guard let pain = Int(painText), DiaryLimits.pain.contains(pain) else {
            throw DiaryProblem("cramp", "Cramp at \(time): the pain must be a whole number from 0 (none) to 10 "
                               + "(worst).")
        }
        guard let at = moment(evening: evening, hour: h, minute: m, timeZone: timeZone) else {
            throw DiaryProblem("cramp", "Cramp at \(time): that time does not exist in the night of \(evening).")
        }
        return SelfReportedCramp(time: at, leg: leg, pain: pain)
    }

    /// The wall-clock moment of `HH:mm` in the night that began on the evening `date`: before noon it is the
    /// next morning.
    public static func moment(evening date: String, hour: Int, minute: Int, timeZone: TimeZone) -> Date? {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = timeZone
        let p = date.split(separator: "-").compactMap { Int($0) }
        guard p.count == 3, let day = cal.date(from: DateComponents(year: p[0], month: p[1], day: p[2], hour: hour,
                                                                    minute: minute)) else {
            return nil
        }
        return hour < 12 ? cal.date(byAdding: .day, value: 1, to: day) : day
    }

    /// "HH:mm" (24-hour) → (hour, minute).
    public static func clock(_ s: String) -> (Int, Int)? {
        let p = s.split(separator: ":", omittingEmptySubsequences: false)
        guard p.count == 2, (1...2).contains(p[0].count), p[1].count == 2, let h = Int(p[0]), let m = Int(p[1]),
              (0..<24).contains(h), (0..<60).contains(m) else {
            return nil
        }
        return (h, m)
    }

    /// A real calendar date written yyyy-mm-dd.
    public static func isDate(_ s: String) -> Bool {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd"
        f.isLenient = false
        return s.count == 10 && f.date(from: s) != nil
    }

    static func trimmed(_ s: String) -> String { s.trimmingCharacters(in: .whitespacesAndNewlines) }
}
