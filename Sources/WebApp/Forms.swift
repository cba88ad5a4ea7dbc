import Foundation
import Journal

/// A submitted form (`application/x-www-form-urlencoded`): the last value of each name.
struct Form: Sendable {
    var values: [String: String] = [:]

    init(_ body: String) {
        for pair in body.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(kv[0]), value = kv.count > 1 ? Self.decode(kv[1]) : ""
            values[name] = value
        }
    }

    static func decode(_ s: Substring) -> String {
        String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
    }

    /// The value, trimmed; nil when empty or missing (a field left blank says nothing).
    subscript(_ name: String) -> String? {
        let v = values[name]?.trimmingCharacters(in: .whitespacesAndNewlines)
        return v?.isEmpty == false ? v : nil
    }
}

/// Something wrong in what a person typed, said for them.
struct FormProblem: Error, Sendable {
    var message: String
}

/// The evening diary from the web form: every factor `journal diary add` takes, with the same limits.
enum DiaryForm {
    /// (field, label, unit, largest value) of the amounts, in the order the form shows them.
    static let amounts: [(field: String, label: String, unit: String, max: Double)] = [
        ("magnesium", "Magnesium", "mg", 5000), ("calcium", "Calcium", "mg", 10000),
        ("potassium", "Potassium", "mg", 20000), ("vitamin_d", "Vitamin D", "IU", 100_000),
        ("fluids", "Fluids", "ml", 20000), ("caffeine", "Caffeine", "mg", 3000),
        ("alcohol", "Alcohol", "units", 50), ("exercise", "Exercise", "minutes", 1440),
        ("screens", "Screens before bed", "minutes", 1440),
    ]

    /// The entry the form describes, or what to correct.
    static func entry(_ f: Form, today: String) throws(FormProblem) -> DiaryEntry {
        let date = f["date"] ?? today
        guard isDate(date) else { throw FormProblem(message: "The date must look like 2026-05-03.") }
        guard date <= today else {
            throw FormProblem(message: "\(date) has not happened yet; pick tonight or earlier.")
        }
        var e = DiaryEntry(date: date)
        var numbers: [String: Double] = [:]
        for a in amounts {
            guard let text = f[a.field] else { continue }
            guard let v = Double(text.replacingOccurrences(of: ",", with: ".")), v >= 0, v <= a.max else {
                throw FormProblem(message: "\(a.label) must be a number from 0 to \(Int(a.max)) \(a.unit).")
            }
            numbers[a.field] = v
        }
        e.magnesiumMg = numbers["magnesium"]; e.calciumMg = numbers["calcium"]; e.potassiumMg = numbers["potassium"]
        e.vitaminDIU = numbers["vitamin_d"]; e.fluidsMl = numbers["fluids"]; e.caffeineMg = numbers["caffeine"]
        e.alcoholUnits = numbers["alcohol"]; e.exerciseMinutes = numbers["exercise"]
        e.screensMinutesBeforeBed = numbers["screens"]
        try fillRest(&e, f)
        return e
    }

    /// The fields that are not amounts: form of magnesium, yes/no answers, stress, clock times and notes.
    static func fillRest(_ e: inout DiaryEntry, _ f: Form) throws(FormProblem) {
        if let form = f["magnesium_form"] {
            guard form.count <= 60 else { throw FormProblem(message: "The magnesium form fits in 60 characters.") }
            guard e.magnesiumMg != nil else {
                throw FormProblem(message: "Say how much magnesium too, or leave its form empty.")
            }
            e.magnesiumForm = form
        }
        e.stretchedBeforeBed = try yesNo(f["stretched"], "Stretched before bed")
        e.lateMeal = try yesNo(f["late_meal"], "Late meal")
        if let s = f["stress"] {
            guard let v = Int(s), (0...10).contains(v) else {
                throw FormProblem(message: "Stress is a whole number from 0 (calm) to 10 (worst).")
            }
            e.stress = v
        }
        for (field, label) in [("bedtime", "Bedtime"), ("wake_time", "Wake time")] {
            guard let t = f[field] else { continue }
            guard isClock(t) else { throw FormProblem(message: "\(label) must be a time like 23:15.") }
            if field == "bedtime" { e.bedtime = t } else { e.wakeTime = t }
        }
        if let n = f["notes"] {
            guard n.count <= 4000 else { throw FormProblem(message: "Notes are limited to 4000 characters.") }
            e.notes = n
        }
    }

    static func yesNo(_ v: String?, _ label: String) throws(FormProblem) -> Bool? {
        switch v {
        case nil: return nil
        case "yes": return true
        case "no": return false
        default: throw FormProblem(message: "\(label): choose yes or no.")
        }
    }

    static func isDate(_ s: String) -> Bool {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyy-MM-dd"
        f.isLenient = false
        return s.count == 10 && f.date(from: s) != nil
    }

    static func isClock(_ s: String) -> Bool {
        let p = s.split(separator: ":")
        guard p.count == 2, p[0].count <= 2, p[1].count == 2, let h = Int(p[0]), let m = Int(p[1]) else { return false }
        return (0..<24).contains(h) && (0..<60).contains(m)
    }
}

/// A cramp noticed now, from the big button.
enum CrampForm {
    static func cramp(_ f: Form, now: Date) throws(FormProblem) -> SelfReportedCramp {
        guard let leg = f["leg"], ["left", "right", "both"].contains(leg) else {
            throw FormProblem(message: "Choose the leg: left, right or both.")
        }
        var pain = 5
        if let p = f["pain"] {
            guard let v = Int(p), (0...10).contains(v) else {
                throw FormProblem(message: "Pain is a whole number from 0 (none) to 10 (worst).")
            }
            pain = v
        }
        return SelfReportedCramp(time: now, leg: leg, pain: pain, notes: "noted with the web app's button")
    }
}
