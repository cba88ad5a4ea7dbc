import Foundation
import Journal
import NightAnalysis
import Reports

/// Tonight: whether the monitor is recording, for how long, each channel's signal, the last seconds of EMG level
/// and movement, and the events so far — read from the journal the monitor writes as the night happens.
struct TonightStatus: Sendable, Equatable {
    var recording: Bool
    var night: Int64?
    var startedAt: Date?
    var recordedSeconds: Double
    var framesLost: Int
    /// "Channel 1: good", "Channel 2: flat line (electrode off?)".
    var channels: [String] = []
    var levels: LiveLevelsRecord?
    /// Seconds since the monitor last wrote its levels (nil: it has not yet).
    var silentSeconds: Double?
    /// Events so far in words, newest last ("03:12 cramp (still going), 25 s so far").
    var events: [String]

    /// Seconds after which a monitor that has not written is said to be silent (it writes once a second).
    static let silentAfter = 30.0
    /// How far back an artifact colours a channel's signal.
    static let qualityWindow = 60.0

    static func read(_ journal: Journal, tz: TimeZone, now: Date) throws -> TonightStatus {
        guard let (n, _) = try journal.unfinishedNights().last, let id = n.id else {
            return TonightStatus(recording: false, recordedSeconds: 0, framesLost: 0, events: [])
        }
        let records = try journal.events(night: id)
        let events = records.filter { $0.kind != "artifact" }.map { e in
            let at = n.startedAt.map { Parts.clock($0.addingTimeInterval(e.onsetSeconds), tz) }
                ?? Words.clock(e.onsetSeconds, nil)
            let kind = e.kind.replacingOccurrences(of: "_", with: " ")
            // A cramp still going has lasted until now (the night's recorded length), not to its notice.
            guard e.provisional else { return "\(at) \(kind), \(Words.duration(e.offsetSeconds - e.onsetSeconds))" }
            let lasted = max(e.offsetSeconds, n.durationSeconds) - e.onsetSeconds
            return "\(at) \(kind) (still going), \(Words.duration(lasted)) so far"
        }
        let count = try n.deviceId.flatMap { try journal.device(id: $0) }?.emgChannels ?? 0
        let levels = try journal.liveLevels(night: id)
        return TonightStatus(recording: true, night: id, startedAt: n.startedAt, recordedSeconds: n.durationSeconds,
                             framesLost: n.framesLost,
                             channels: quality(channels: count, records, now: n.durationSeconds),
                             levels: levels, silentSeconds: levels.map { now.timeIntervalSince($0.updatedAt) },
                             events: events)
    }

    /// Each EMG channel's signal in the last minute, from the artifacts the detector found on it.
    static func quality(channels: Int, _ events: [EventRecord], now: Double) -> [String] {
        let recent = events.filter { $0.kind == "artifact" && $0.offsetSeconds >= now - qualityWindow }
        let words = ["clipping": "clipping (too strong: check the electrode)",
                     "flat_line": "flat line (electrode off?)",
                     "mains": "mains hum (check the cables)", "motion": "movement disturbs it"]
        return (0..<channels).map { c in
            let causes = Set(recent.filter { $0.channel == c }.compactMap(\.artifactCause)).sorted()
            let text = causes.isEmpty ? "good" : causes.map { words[$0] ?? $0 }.joined(separator: ", ")
            return "Channel \(c + 1): \(text)"
        }
    }

    var headline: String {
        guard recording else { return "Not recording now." }
        if let silent = silentSeconds, silent > Self.silentAfter {
            return "The monitor has written nothing for \(Words.duration(silent)): stopped, or the device is off. "
                + "(`crampwatch journal recover` finishes a killed night.)"
        }
        return "Recording: \(Words.duration(recordedSeconds)) so far."
    }

    func html(_ tz: TimeZone) -> String {
        var b = "<p class=\"status\" id=\"status\" data-recording=\"\(recording)\">\(esc(headline))</p>\n"
        if let s = startedAt { b += "<p>Started at \(esc(Parts.clock(s, tz))).</p>\n" }
        if recording && framesLost > 0 { b += "<p>\(esc(Words.count(framesLost, "frame"))) lost so far.</p>\n" }
        if !channels.isEmpty {
            b += "<h2>Signal</h2>\n<ul class=\"channels\">" + channels.map { "<li>\(esc($0))</li>" }.joined()
                + "</ul>\n"
        }
        if let levels {
            b += LiveDrawing.levels(envelope: levels.envelopeValues, activity: levels.activityValues)
        }
        b += "<h2>Events so far</h2>\n<ul id=\"events\">"
        b += events.isEmpty ? "<li>None yet.</li>" : events.map { "<li>\(esc($0))</li>" }.joined()
        return b + "</ul>\n"
    }
}
