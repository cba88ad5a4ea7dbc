import Foundation
import NightAnalysis
import Reports

/// The Nights page: a month, Monday first, each recorded evening a link to its night, cramp nights marked.
enum MonthCalendar {
    /// "2026-11" → (2026, 11); nil when it is not a month.
    static func month(_ s: String) -> (year: Int, month: Int)? {
        let p = s.split(separator: "-")
        guard p.count == 2, p[0].count == 4, let y = Int(p[0]), let m = Int(p[1]), (1...12).contains(m),
              (1970...9999).contains(y) else { return nil }
        return (y, m)
    }

    /// `months` is the span worth paging through ("2026-09"..."2026-12": the first recorded night's month to this
    /// month): "Earlier" and "Later" stop at its ends rather than lead to empty months.
    static func render(_ s: JournalSnapshot, year: Int, month: Int, months: ClosedRange<String>) -> String {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = s.timeZone
        guard let first = cal.date(from: DateComponents(year: year, month: month, day: 1)),
              let days = cal.range(of: .day, in: .month, for: first)?.count else { return "" }
        let byEvening = Dictionary(grouping: s.nights.filter { $0.evening != nil }, by: { $0.evening! })
        let name = Parts.clock(first, s.timeZone, "MMMM yyyy")
        // Monday first: weekday 2 is Monday in the Gregorian calendar.
        let lead = (cal.component(.weekday, from: first) + 5) % 7
        var b = "<h1>Nights</h1>\n" + navigation(year: year, month: month, months: months)
        b += "<table class=\"calendar\"><caption>\(esc(name)): a red day had a cramp, a ringed day was recorded "
            + "without one.</caption>\n<thead><tr>"
            + ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].map { "<th scope=\"col\">\($0)</th>" }.joined()
            + "</tr></thead><tbody>\n<tr>" + String(repeating: "<td></td>", count: lead)
        for day in 1...days {
            let evening = String(format: "%04d-%02d-%02d", year, month, day)
            b += "<td>" + dayCell(day, evening: evening, nights: byEvening[evening] ?? []) + "</td>"
            if (lead + day) % 7 == 0 && day < days { b += "</tr>\n<tr>" }
        }
        let trail = (7 - (lead + days) % 7) % 7
        b += String(repeating: "<td></td>", count: trail) + "</tr>\n</tbody></table>\n"
        let cramps = byEvening.filter { $0.key.hasPrefix(String(format: "%04d-%02d", year, month)) }
            .filter { $0.value.contains(where: \.hasCramp) }.count
        return b + "<p data-metric=\"cramp_nights\">\(esc(Words.count(cramps, "night"))) with a cramp this month.</p>\n"
    }

    static func dayCell(_ day: Int, evening: String, nights: [NightFacts]) -> String {
        guard let last = nights.max(by: { $0.id < $1.id }) else { return "<span>\(day)</span>" }
        let cramps = nights.filter(\.emgMeasured).reduce(0) { $0 + $1.cramps }
        let words = cramps > 0 ? Words.count(cramps, "cramp") : "recorded, no cramp"
        return "<a class=\"\(cramps > 0 ? "cramp" : "recorded")\" href=\"/night/\(last.id)\" "
            + "aria-label=\"\(esc(evening)): \(esc(words))\">\(day)</a>"
    }

    static func navigation(year: Int, month: Int, months: ClosedRange<String>) -> String {
        let prev = month == 1 ? (year - 1, 12) : (year, month - 1)
        let next = month == 12 ? (year + 1, 1) : (year, month + 1)
        let link = { (y: Int, m: Int, text: String) in
            let key = String(format: "%04d-%02d", y, m)
            // An empty span keeps "Later" on the right when "Earlier" has nowhere to go.
            guard months.contains(key) else { return "<span></span>" }
            return "<a class=\"button\" href=\"/nights?month=\(key)\">\(text)</a>"
        }
        return "<p class=\"month-nav\">" + link(prev.0, prev.1, "← Earlier") + link(next.0, next.1, "Later →")
            + "</p>\n"
    }
}
