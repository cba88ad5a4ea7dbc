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

/// The evening diary from the web form: every factor `journal diary add` takes, checked by the same
/// ``CheckedDiary`` (the limits and the messages live in Journal, once).
enum DiaryForm {
    /// The form's fields of a noticed cramp; all blank means none was noticed.
    static let crampFields = ["cramp_time", "cramp_leg", "cramp_pain"]

    /// What the form says, as the one check takes it.
    static func input(_ f: Form) -> DiaryInput {
        var fields: [String: String] = [:]
        for (name, value) in f.values where name != "csrf" && name != "date" && !crampFields.contains(name) {
            fields[name] = value
        }
        let cramp = crampFields.map { f[$0] }
        let cramps = cramp.allSatisfy { $0 == nil } ? []
            : [NoticedCrampInput(time: cramp[0], leg: cramp[1], pain: cramp[2])]
        return DiaryInput(date: f["date"], fields: fields, cramps: cramps)
    }

    /// The entry and noticed cramp the form describes, or what to correct.
    static func checked(_ f: Form, today: String, timeZone: TimeZone) throws(FormProblem) -> CheckedDiary {
        do {
            return try CheckedDiary(input(f), today: today, timeZone: timeZone)
        } catch {
            throw FormProblem(message: error.description)
        }
    }
}

/// A cramp noticed now, from the big button.
enum CrampForm {
    static func cramp(_ f: Form, now: Date) throws(FormProblem) -> SelfReportedCramp {
        guard let leg = f["leg"], DiaryLimits.legs.contains(leg) else {
            throw FormProblem(message: "Choose the leg: left, right or both.")
        }
        var pain = 5
        if let p = f["pain"] {
            guard let v = Int(p), DiaryLimits.pain.contains(v) else {
                throw FormProblem(message: "Pain is a whole number from 0 (none) to 10 (worst).")
            }
            pain = v
        }
        return SelfReportedCramp(time: now, leg: leg, pain: pain, notes: "noted with the web app's button")
    }
}
