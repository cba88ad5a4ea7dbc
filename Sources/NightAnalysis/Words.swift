import Foundation

/// How Crampwatch says a duration, a count, a share or a moment of the night in words: one place for each, so every
/// report, `replay`, `journal show` and the monitor say "1 h 2 min" and "1 cramp" alike.
///
/// Every function here takes any value a journal row can hold: a value that is not finite, negative where
/// that means nothing, or beyond any real night reads "unknown", never a trap and never "inf".
public enum Words {
    /// Said for a number that cannot be true (not finite, negative, beyond ``longestKnownSeconds``).
    public static let unknown = "unknown"

    /// The longest duration the reports say in words (ten years): months of nights add up to far less, so
    /// anything longer comes from a damaged row.
    public static let longestKnownSeconds = 10 * 365.25 * 86_400

    /// Whether `seconds` is a duration a person can be told: finite, not negative (a rounding error of less
    /// than half a second counts as 0) and at most ``longestKnownSeconds``.
    public static func isKnownDuration(_ seconds: Double) -> Bool {
        seconds.isFinite && seconds > -0.5 && seconds <= longestKnownSeconds
    }

    /// A duration in words: "under 1 s", "41 s", "7 min 41 s", "1 h 2 min", "2 days 3 h", or "unknown".
    ///
    /// Under a minute it is exact to the second; under an hour to the second; from an hour on, to the
    /// minute; from a day on, to the hour, because nobody needs the seconds of a week. With `days` false a
    /// long duration stays in hours ("26 h"): recording time summed over nights is not days of anything.
    public static func duration(_ seconds: Double, days: Bool = true) -> String {
        guard isKnownDuration(seconds) else { return unknown }
        // Checked above: at most about 3.2e8, so every conversion below fits an Int.
        let s = Int(max(0, seconds).rounded())
        if s == 0 { return seconds > 0 ? "under 1 s" : "0 s" }
        if s < 60 { return "\(s) s" }
        if s < 3600 { return s % 60 == 0 ? "\(s / 60) min" : "\(s / 60) min \(s % 60) s" }
        let minutes = Int((seconds / 60).rounded())
        if minutes < 24 * 60 {
            return minutes % 60 == 0 ? "\(minutes / 60) h" : "\(minutes / 60) h \(minutes % 60) min"
        }
        let hours = Int((seconds / 3600).rounded())
        if !days { return "\(hours) h" }
        let whole = count(hours / 24, "day")
        return hours % 24 == 0 ? whole : "\(whole) \(hours % 24) h"
    }

    /// A duration known to the minute (a spread of clock times), in the same words as ``duration(_:)`` but
    /// rounded to whole minutes: "0 min", "14 min", "3 h 25 min".
    public static func duration(minutes: Double) -> String {
        guard minutes.isFinite, isKnownDuration(minutes * 60) else { return unknown }
        let whole = max(0, minutes.rounded())
        return whole == 0 ? "0 min" : duration(whole * 60)
    }

    /// The noun for `n` of it: "cramp" for 1, "cramps" otherwise (or the `plural` given).
    public static func noun(_ n: Int, _ singular: String, _ plural: String? = nil) -> String {
        n == 1 ? singular : plural ?? singular + "s"
    }

    /// A count with its noun: "1 cramp", "0 cramps", "2 nights", "3 entries" (with `plural: "entries"`).
    public static func count(_ n: Int, _ singular: String, _ plural: String? = nil) -> String {
        "\(n) \(noun(n, singular, plural))"
    }

    /// An amount that need not be whole, with its noun: "1 unit", "1.5 units", "0 units"; "unknown units"
    /// when it is not finite.
    public static func amount(_ x: Double, _ singular: String, _ plural: String? = nil) -> String {
        let many = plural ?? singular + "s"
        guard x.isFinite else { return "\(unknown) \(many)" }
        let text = x == x.rounded() && abs(x) < 1e15 ? String(format: "%.0f", x) : String(format: "%g", x)
        return "\(text) \(x == 1 ? singular : many)"
    }

    /// A share from 0 to 1 as a whole percentage ("69 %"); "unknown" outside [0, 1] or when not finite.
    public static func percent(_ x: Double) -> String {
        guard x.isFinite, x >= 0, x <= 1 else { return unknown }
        return String(format: "%.0f %%", x * 100)
    }

    /// A figure as a whole number ("347"), or "unknown" when it is not finite or beyond ±1e15.
    public static func whole(_ v: Double) -> String {
        v.isFinite && abs(v) < 1e15 ? String(Int(v.rounded())) : unknown
    }

    public static func whole(_ v: Float) -> String { whole(Double(v)) }

    /// A date or time of day in a fixed pattern ("yyyy-MM-dd HH:mm", "HH:mm"), in `timeZone`. The POSIX locale
    /// keeps it the same on every machine: a fixed pattern read under a person's own locale can come out in
    /// another calendar or other digits, and a report printed for the doctor must say what the journal says.
    public static func date(_ d: Date, _ pattern: String, _ timeZone: TimeZone = .current) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = timeZone
        f.dateFormat = pattern
        return f.string(from: d)
    }

    /// A moment of the night: the clock time when the start is known ("23:41:07"), else the time since the
    /// start ("+1:02:03"); "unknown" for a time no night can have.
    public static func clock(_ offset: Double, _ start: Date?) -> String {
        guard offset.isFinite, abs(offset) < 1e9 else { return unknown }
        if let start { return date(start.addingTimeInterval(offset), "HH:mm:ss") }
        let s = Int(offset)
        return String(format: "+%d:%02d:%02d", s / 3600, (s % 3600) / 60, s % 60)
    }

    /// Said wherever a night's start is not known (a raw capture without its times file, a CSV, an EDF+ whose
    /// header says "Startdate X"), instead of a guessed clock time.
    public static let startUnknown = "start time unknown — give --start"

    /// How a night's start is known, from the journal's `startSource`: "the device clock, fitted to the monitor's".
    public static func startSource(_ source: String) -> String {
        switch source {
        case "device": return "the device clock, fitted to the monitor's"
        case "monitor": return "the monitor's clock"
        case "user": return "given with --start"
        case "recording_header": return "the recording's header"
        case "file_time": return "estimated from the file's time"
        default: return startUnknown
        }
    }

    /// A number with fixed decimals ("3.5"), or "unknown" when it is not finite.
    public static func number(_ x: Double, decimals: Int = 1) -> String {
        x.isFinite ? String(format: "%.\(max(0, min(decimals, 6)))f", x) : unknown
    }
}

public extension Sequence where Element == Int {
    /// The sum, held at `Int.max` / `Int.min` instead of trapping when damaged rows hold huge counts.
    var saturatingSum: Int {
        reduce(0) { total, x in
            let (sum, overflow) = total.addingReportingOverflow(x)
            return overflow ? (x > 0 ? Int.max : Int.min) : sum
        }
    }
}
