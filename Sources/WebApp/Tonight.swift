import Foundation
import Journal
import NightAnalysis
import Reports

/// Tonight: whether the monitor is recording, for how long, and the events so far — read from the journal
/// the monitor writes as the night happens.
struct TonightStatus: Sendable, Equatable {
    var recording: Bool
    var night: Int64?
    var startedAt: Date?
    var recordedSeconds: Double
    var framesLost: Int
    /// Events so far in words, newest last ("03:12 cramp (provisional), left calf").
    var events: [String]

    static func read(_ journal: Journal, tz: TimeZone) throws -> TonightStatus {
        guard let (n, _) = try journal.unfinishedNights().last, let id = n.id else {
            return TonightStatus(recording: false, recordedSeconds: 0, framesLost: 0, events: [])
        }
        let events = try journal.events(night: id).map { e in
            let at = n.startedAt.map { Parts.clock($0.addingTimeInterval(e.onsetSeconds), tz) }
                ?? Words.clock(e.onsetSeconds, nil)
            let kind = e.kind.replacingOccurrences(of: "_", with: " ")
            let length = Words.duration(e.offsetSeconds - e.onsetSeconds)
            return "\(at) \(kind)\(e.provisional ? " (still going)" : ""), \(length)"
        }
        return TonightStatus(recording: true, night: id, startedAt: n.startedAt, recordedSeconds: n.durationSeconds,
                             framesLost: n.framesLost, events: events)
    }

    var headline: String {
        guard recording else { return "Not recording now." }
        return "Recording: \(Words.duration(recordedSeconds)) so far."
    }

    func html(_ tz: TimeZone) -> String {
        var b = "<p class=\"status\" id=\"status\" data-recording=\"\(recording)\">\(esc(headline))</p>\n"
        if let s = startedAt { b += "<p>Started at \(esc(Parts.clock(s, tz))).</p>\n" }
        if recording && framesLost > 0 { b += "<p>\(esc(Words.count(framesLost, "frame"))) lost so far.</p>\n" }
        b += "<h2>Events so far</h2>\n<ul id=\"events\">"
        b += events.isEmpty ? "<li>None yet.</li>" : events.map { "<li>\(esc($0))</li>" }.joined()
        return b + "</ul>\n"
    }
}
