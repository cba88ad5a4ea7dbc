import Foundation
import Journal
import NightAnalysis
import Reports

/// What each page shows, read from the journal at the moment it is asked for. Every figure comes from the
/// journal's stored night figures through Reports; nothing is computed here.
struct Views: Sendable {
    let journal: Journal
    var now: @Sendable () -> Date = { Date() }
    var timeZone: TimeZone = .current
    /// What is plugged in now (see ``ServeOptions/attached``).
    var attached: @Sendable () -> AttachedDevices = { AttachedDevices(devices: []) }

    func snapshot() throws -> JournalSnapshot { try JournalSnapshot(journal: journal, timeZone: timeZone) }

    /// The evening we are in: before noon it is still last night's.
    var today: String { JournalSnapshot.eveningDate(now(), timeZone: timeZone) }

    /// The night shown as "last night": the newest night that has finished, else the newest.
    func lastNightID(_ s: JournalSnapshot, records: [NightRecord]) -> Int64? {
        let done = Set(records.filter { $0.status != NightStatus.recording }.compactMap(\.id))
        let ordered = s.nights.sorted { ($0.startedAt ?? .distantPast, $0.id) < ($1.startedAt ?? .distantPast, $1.id) }
        return ordered.last { done.contains($0.id) }?.id ?? ordered.last?.id
    }

    /// One night: what the diary said that evening, then the night's report (timeline, events in words, gaps).
    /// The same for every browser (it is cached), so it holds no form: the cramp button is on Tonight.
    func night(_ id: Int64?) throws -> (title: String, html: String)? {
        let s = try snapshot()
        let records = try journal.nights()
        guard let id = id ?? lastNightID(s, records: records) else {
            return ("No nights yet", "<h1>No nights yet</h1>\n<p>Nothing has been recorded yet. When the monitor has "
                    + "run for a night, it shows here in the morning. The cramp button is on "
                    + "<a href=\"/\">Tonight</a>.</p>\n")
        }
        guard let n = s.night(id) else { return nil }
        let report = try NightReport.body(snapshot: s, journal: journal, night: id, generated: now())
        var b = "<section aria-labelledby=\"diary-said\"><h2 id=\"diary-said\">What the diary said</h2>\n"
        if let evening = n.evening, let e = s.diary[evening] {
            b += "<p>Evening of \(esc(evening)): \(esc(DiaryText.factors(e))).</p>\n"
            if let notes = e.notes { b += "<p class=\"diary-notes\">Notes: \(esc(notes))</p>\n" }
        } else {
            b += "<p>No diary for this evening. <a href=\"/diary\">Write one</a>.</p>\n"
        }
        b += "</section>\n"
        return (report.title, Parts.tablesScrollAlone(report.html) + b)
    }

    /// The reports' trends page in the app's frame.
    func trends() throws -> ReportBody { TrendReport.body(snapshot: try snapshot(), generated: now()) }

    /// The clinician's page in the app's frame: it prints as the same one page as `report clinician`.
    func doctor() throws -> ReportBody {
        var b = ClinicianReport.body(snapshot: try snapshot(), generated: now())
        b.html = "<p class=\"noprint note\">Print this page (your browser's Print) or show it on the screen: it is the "
            + "same one page as <code>crampwatch report clinician</code>.</p>\n" + b.html
        return b
    }

    /// What is attached now, then the devices the journal recorded nights from, each said as such.
    func device() throws -> ReportBody {
        try DeviceReport.body(snapshot: try snapshot(), journal: journal, attached: attached().html)
    }

    /// The evening diary: the form (every factor, large fields) and the last entries.
    func diary(csrf: String, message: String?, problem: Bool, form: Form?) throws -> String {
        var b = "<h1>Diary</h1>\n" + Parts.message(message, problem: problem)
        b += DiaryPage.form(csrf: csrf, today: today, previous: form)
        let entries = try journal.diaryEntries().suffix(14).reversed()
        let cramps = Dictionary(grouping: try journal.selfReportedCramps()) {
            JournalSnapshot.eveningDate($0.time, timeZone: timeZone)
        }
        b += "<h2>Recent evenings</h2>\n"
        if entries.isEmpty { b += "<p>No entries yet.</p>\n" }
        b += "<ul class=\"diary-list\">\n"
        for e in entries {
            b += "<li><strong>\(esc(e.date))</strong>: \(esc(DiaryText.factors(e)))"
            if let n = e.notes { b += "<br /><span class=\"diary-notes\">Notes: \(esc(n))</span>" }
            for c in cramps[e.date] ?? [] {
                b += "<br />Cramp noticed at \(Parts.clock(c.time, timeZone)): \(esc(c.leg)) leg, pain \(c.pain)/10"
            }
            b += "</li>\n"
        }
        return b + "</ul>\n"
    }
}
