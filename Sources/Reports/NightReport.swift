import Foundation
import NightAnalysis
import Journal

/// A problem making a report, said for a person.
public struct ReportError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ d: String) { description = d }
}

/// Shared bits of every report: detector configurations, data gaps, provenance.
enum Common {
    static func clock(_ d: Date, _ tz: TimeZone, _ format: String = "yyyy-MM-dd HH:mm") -> String {
        Words.date(d, format, tz)
    }

    /// The detector configurations behind the nights shown, with their thresholds printed (not folded away,
    /// so they are on paper too): the one used most in full, any other by what it changes.
    static func configurationSection(_ ids: [Int64?], _ snapshot: JournalSnapshot) -> String {
        var uses: [Int64: Int] = [:]
        for id in ids.compactMap({ $0 }) { uses[id, default: 0] += 1 }
        let used = uses.keys.sorted { (uses[$0]!, $1) > (uses[$1]!, $0) }
        var s = "<h2>Detector configuration</h2>\n"
        s += "<p class=\"note\">Every number here comes from the detector with the configuration below "
            + "(identified by the SHA-256 of its thresholds). "
        s += "Nights analysed with different configurations are not strictly comparable.</p>\n"
        if used.isEmpty { return s + "<p>No configuration recorded.</p>\n" }
        var first: (hash: String, settings: [(String, String)])?
        for id in used {
            guard let c = snapshot.configurations[id] else { continue }
            let settings = thresholds(c.json)
            s += "<p class=\"config\">Configuration <code data-config-hash=\"\(esc(c.hash))\">"
                + "\(esc(String(c.hash.prefix(12))))</code>, used for \(esc(Words.count(uses[id]!, "night")))"
            guard let settings else {
                s += ":</p>\n<pre>\(esc(c.json))</pre>\n"
                continue
            }
            if let base = first {
                let before = Dictionary(base.settings, uniquingKeysWith: { a, _ in a })
                let changed = settings.filter { before[$0.0] != $0.1 }
                s += ", differs from <code>\(esc(String(base.hash.prefix(12))))</code> in:</p>\n"
                    + thresholdList(changed)
            } else {
                s += ":</p>\n" + thresholdList(settings)
                first = (c.hash, settings)
            }
        }
        return s
    }

    /// A configuration's settings as (name, value) in name order; nil when its JSON is not an object.
    static func thresholds(_ json: String) -> [(String, String)]? {
        guard let object = try? JSONDecoder().decode([String: Setting].self, from: Data(json.utf8)) else { return nil }
        // mainsHz 0 in a stored configuration: each night was filtered at its own recording's mains frequency.
        return object.keys.sorted().map { key in
            (key, key == "mainsHz" && object[key]!.text == "0" ? "from each recording" : object[key]!.text)
        }
    }

    /// One setting's value. Decoded strictly (a JSON `true` is never the number 1, nor 1 `true`).
    enum Setting: Decodable {
        case flag(Bool), number(Double), text(String), other

        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let b = try? c.decode(Bool.self) { self = .flag(b) }
            else if let x = try? c.decode(Double.self) { self = .number(x) }
            else if let t = try? c.decode(String.self) { self = .text(t) }
            else { self = .other }
        }

        var text: String {
            switch self {
            case .flag(let b): return b ? "yes" : "no"
            case .number(let x): return x.isFinite ? String(format: "%g", x) : Words.unknown
            case .text(let t): return t
            case .other: return "(nested)"
            }
        }
    }

    static func thresholdList(_ settings: [(String, String)]) -> String {
        "<ul class=\"thresholds\">" + settings.map { "<li><code>\(esc($0.0))</code> \(esc($0.1))</li>" }.joined()
            + "</ul>\n"
    }

    static func footer(_ snapshot: JournalSnapshot, generated: Date) -> String {
        "<p class=\"note\">Made by Crampwatch from the journal \(esc(snapshot.path)) on "
            + "\(esc(clock(generated, snapshot.timeZone))) (\(esc(snapshot.timeZone.identifier))). "
            + "Crampwatch detects events from surface EMG and movement; it does not diagnose anything.</p>\n"
    }
}

/// One night: a timeline of the EMG and movement with the detected events, the gaps, and what the person reported.
public enum NightReport {
    /// Said wherever a night recorded without EMG would otherwise read "0 cramps".
    public static let noEMGNote = "no EMG: cramps and leg movements were not measured"

    public static func render(snapshot: JournalSnapshot, journal: Journal, night id: Int64,
                              generated: Date = Date()) throws -> String {
        page(try body(snapshot: snapshot, journal: journal, night: id, generated: generated))
    }

    /// The report's body, for a frame of its own (the web app's night page).
    public static func body(snapshot: JournalSnapshot, journal: Journal, night id: Int64,
                            generated: Date = Date()) throws -> ReportBody {
        guard let n = snapshot.night(id) else {
            throw ReportError("there is no night \(id) in \(snapshot.path); `crampwatch journal nights` lists them.")
        }
        let events = snapshot.events[id] ?? []
        let gaps = snapshot.gaps[id] ?? []
        let trace = try journal.trace(night: id)
        let annotations = try journal.annotations(night: id)
        let rec = snapshot.reconcile(nights: [n], from: n.evening, to: n.evening)
        let tz = snapshot.timeZone
        let title = "Night \(id)" + (n.startedAt.map { " — " + Common.clock($0, tz) } ?? "")
        var b = "<h1>\(esc(title))</h1>\n"
        b += "<p>" + esc(recordedLine(n, tz)) + ".</p>\n"
        b += summarySection(n)
        let noticed = (rec.matched.map(\.report) + rec.missedByDetector).sorted { $0.time < $1.time }
        b += "<h2>Timeline</h2>\n"
            + timeline(n, events: events, gaps: gaps, trace: trace, annotations: annotations, noticed: noticed, tz: tz)
        b += eventsSection(events, n, tz)
        b += reportedSection(rec, n, snapshot)
        if !annotations.isEmpty {
            b += "<h2>Reference annotations</h2>\n<p class=\"note\">Imported labels (not detected events), "
                + "shown as a separate row on the timeline.</p>\n"
            b += table(["kind", "from", "to", "source"], annotations.map {
                [cell($0.kind), cell(at($0.onsetSeconds, n, tz), nowrap: true),
                 cell(at($0.offsetSeconds, n, tz), nowrap: true), cell($0.source)]
            })
        }
        b += gapsSection(gaps, n, tz, night: id)
        b += Common.configurationSection([n.detectorConfigId], snapshot)
        b += Common.footer(snapshot, generated: generated)
        return ReportBody(title: "Crampwatch — " + title, html: b, paper: nil)
    }

    /// "12 min recorded, from 23:10 to 23:22": how long, and when when it is known; else that it is not.
    static func recordedLine(_ n: NightFacts, _ tz: TimeZone) -> String {
        let known = Words.isKnownDuration(n.durationSeconds)
        var line = known ? "\(Words.duration(n.durationSeconds)) recorded" : "Recorded for an unknown length of time"
        if let s = n.startedAt {
            line += ", from \(Common.clock(s, tz, "HH:mm"))"
            if known, let end = n.end { line += " to \(Common.clock(end, tz, "HH:mm"))" }
            if n.startSource == "file_time" { line += " (start estimated from the file's time)" }
        } else {
            line += "; \(Words.startUnknown) (the times below count from the recording's start)"
        }
        return line
    }

    /// The night's figures; without EMG the EMG ones say "not measured", never "0".
    static func summarySection(_ n: NightFacts) -> String {
        var b = ""
        let emg = { (name: String, value: String) -> String in metric(name, n.emgMeasured ? value : "not measured") }
        let emgDuration = { (name: String, seconds: Double) -> String in
            n.emgMeasured ? durationMetric(name, seconds) : metric(name, "not measured")
        }
        let wake = { (name: String, value: String?) -> String in metric(name, value ?? "not measured") }
        if !n.wakeMeasured {
            b += "<p class=\"caveat\" data-wake=\"none\">This night was recorded without an accelerometer and without "
                + "a sleep lab's scored stages, so nothing could tell sleep from wake: its sleep, awakenings and time "
                + "awake were not measured, and whether a cramp woke you is not known.</p>\n"
        }
        if !n.emgMeasured {
            b += "<p class=\"caveat\" data-emg=\"none\">This night was recorded without EMG (an accelerometer only): "
                + "\(esc(noEMGNote)). Sleep, awakenings and time awake come from movement as on any night.</p>\n"
        }
        b += table(["", "this night"], [
            [cell("Cramps"), emg("cramps", "\(n.cramps)")],
            [cell("Time in cramp"), emgDuration("cramp_s", n.crampSeconds)],
            [cell("Longest cramp"), emgDuration("longest_cramp_s", n.longestCrampSeconds)],
            [cell("Cramps that woke you"), emg("cramps_that_woke", n.crampsThatWoke.map { "\($0)" } ?? "not measured")],
            [cell("Leg movements"), emg("leg_movements", "\(n.legMovements)")],
            [cell("Awakenings (wake bouts in the sleep period)"), wake("awakenings", n.awakenings.map { "\($0)" })],
            [cell(n.sleepFromLab ? "Time awake after falling asleep" : "Time awake"),
             n.wakeMeasured ? durationMetric("wake_s", n.timeAwakeSeconds) : wake("wake_s", nil)],
            [cell("Sleep efficiency (\([n].sleepFromWords))"),
             n.wakeMeasured ? metric("sleep_efficiency", n.sleepEfficiency.map(Words.percent) ?? "—")
                            : wake("sleep_efficiency", nil)],
            [cell("Data gaps"), metric("gaps", "\(n.gaps)")],
            [cell("Time without data"), durationMetric("gap_s", n.gapSeconds)],
            [cell("Signal problems (artifacts)"), emg("artifacts", "\(n.artifacts)")],
        ])
        return b
    }

    /// Every detected event with its time, length and details, in time order.
    static func eventsSection(_ events: [EventRecord], _ n: NightFacts, _ tz: TimeZone) -> String {
        let rows: [(Double, [String])] = events.map { e in
            var details: [String] = []
            if let c = e.channel { details.append("channel \(c + 1)") }
            if let p = e.peakMicrovolts { details.append("peak \(Words.number(p, decimals: 0)) µV above rest") }
            if e.woke == true { details.append("woke you") }
            if let cause = e.artifactCause {
                details.append("cause: " + cause.replacingOccurrences(of: "_", with: " "))
            }
            let kind = e.kind.replacingOccurrences(of: "_", with: " ")
            return (e.onsetSeconds, [cell(kind), cell(at(e.onsetSeconds, n, tz), nowrap: true),
                                     cell(Words.duration(e.offsetSeconds - e.onsetSeconds), nowrap: true),
                                     cell(details.joined(separator: ", "))])
        }
        // A damaged onset (not a number) sorts last instead of upsetting the order.
        let order = { (t: Double) -> Double in t.isNaN ? .infinity : t }
        return "<h2>Events</h2>\n" + (rows.isEmpty ? "<p>No events detected.</p>\n"
            : table(["kind", "at", "lasting", "details"], rows.sorted { order($0.0) < order($1.0) }.map(\.1)))
    }

    /// The cramps the person noted against the detected ones.
    static func reportedSection(_ rec: Reconciliation, _ n: NightFacts, _ snapshot: JournalSnapshot) -> String {
        var b = "<h2>What you reported</h2>\n"
        let reports = rec.matched.map(\.report) + rec.missedByDetector
        if reports.isEmpty && n.evening.flatMap({ snapshot.diary[$0] }) == nil {
            b += "<p>No diary entry for this night, so detected cramps cannot be compared with what you noticed.</p>\n"
        }
        if !n.emgMeasured {
            b += "<p>Cramps you noted this night: \(rec.inNightsWithoutEMG.count) (\(esc(noEMGNote)), "
                + "so they cannot be compared with detections).</p>\n"
        }
        b += table(["", "count"], [
            [cell("Reported and detected"), metric("matched", "\(rec.matched.count)")],
            [cell("Reported, not detected (missed by the detector, or outside the electrodes' view)"),
             metric("missed_by_detector", "\(rec.missedByDetector.count)")],
            [cell("Detected, not reported (slept through it or forgot)"),
             metric("not_noticed", "\(rec.notNoticed.count)")],
            [cell("Detected, no diary to compare with"), metric("no_diary", "\(rec.noDiary.count)")],
        ])
        b += "<p class=\"note\">A report counts as the same cramp when it is within "
            + "\(esc(Words.duration(Reconciliation.toleranceSeconds))) of a detected one.</p>\n"
        return b
    }

    /// The gaps in the data: how many, how long, then one line per long gap and one per run of short ones.
    static func gapsSection(_ gaps: [GapRecord], _ n: NightFacts, _ tz: TimeZone, night id: Int64) -> String {
        var b = "<h2>Data gaps</h2>\n<p>\(esc(Words.count(gaps.count, "gap"))), "
            + "\(esc(Words.duration(n.gapSeconds))) without data, \(esc(Words.count(n.framesLost, "frame"))) lost. "
        b += "Events cannot be detected where there is no data; nothing is drawn there.</p>\n"
        let lines = GapLine.lines(gaps), shown = 20
        if !lines.isEmpty {
            b += table(["at", "lasting", "frames lost", "why"], lines.prefix(shown).map { $0.cells(n, tz) })
            if lines.count > shown {
                b += "<p class=\"note\">… and \(lines.count - shown) more; `crampwatch journal events \(id)` "
                    + "lists every gap.</p>\n"
            }
        }
        return b
    }

    /// A moment of the night: its clock time, or "+h:mm:ss" from the start when the start is unknown.
    static func at(_ offset: Double, _ n: NightFacts, _ tz: TimeZone, _ format: String = "HH:mm:ss") -> String {
        guard Words.isKnownDuration(offset) else { return Words.unknown }
        if let s = n.startedAt { return Common.clock(s.addingTimeInterval(offset), tz, format) }
        // Checked above: at most ten years of seconds, so the conversion fits.
        let s = Int(max(0, offset))
        return String(format: "+%d:%02d:%02d", s / 3600, (s % 3600) / 60, s % 60)
    }

    /// The timeline: EMG envelope, accelerometer activity, a sleep/wake band, event markers and gaps, sharing one
    /// time axis.
    static func timeline(_ n: NightFacts, events: [EventRecord], gaps: [GapRecord], trace: NightTrace?,
                         annotations: [ReferenceAnnotationRecord], noticed: [SelfReportedCramp] = [],
                         tz: TimeZone) -> String {
        var drawing = TimelineDrawing(night: n, tz: tz)
        drawing.drawTraces(trace)
        drawing.drawSleepBand(events, stages: n.sleepFromLab ? trace?.stages : nil)
        drawing.drawEvents(events, noticed: noticed)
        drawing.drawReferences(annotations)
        drawing.drawGaps(gaps)
        return drawing.finished()
    }
}

/// One line of the gaps table: a gap of a second or more on its own, or a run of shorter gaps with no long
/// one between them as one line ("106 short gaps of under 1 s"), so a flaky cable does not fill pages.
struct GapLine: Equatable {
    /// Gaps shorter than this are short: a lost frame or a few, each too short to hide an event.
    static let shortSeconds = 1.0

    var onsetSeconds: Double
    var offsetSeconds: Double
    var gaps: Int
    var seconds: Double
    var framesLost: Int
    var reasons: [String]

    static func isShort(_ g: GapRecord) -> Bool {
        let d = g.offsetSeconds - g.onsetSeconds
        return d.isFinite && d > -0.5 && d < shortSeconds
    }

    /// The lines for a night's gaps, in time order.
    static func lines(_ gaps: [GapRecord]) -> [GapLine] {
        let order = { (t: Double) -> Double in t.isNaN ? .infinity : t }
        var lines: [GapLine] = [], runOpen = false
        for g in gaps.sorted(by: { order($0.onsetSeconds) < order($1.onsetSeconds) }) {
            let line = GapLine(onsetSeconds: g.onsetSeconds, offsetSeconds: g.offsetSeconds, gaps: 1,
                               seconds: g.offsetSeconds - g.onsetSeconds, framesLost: g.framesLost,
                               reasons: [g.reason])
            guard isShort(g) else {
                lines.append(line)
                runOpen = false
                continue
            }
            if runOpen, var run = lines.popLast() {
                run.offsetSeconds = max(run.offsetSeconds, g.offsetSeconds)
                run.gaps += 1
                run.seconds += line.seconds
                run.framesLost = [run.framesLost, g.framesLost].saturatingSum
                if !run.reasons.contains(g.reason) { run.reasons.append(g.reason) }
                lines.append(run)
            } else {
                lines.append(line)
                runOpen = true
            }
        }
        return lines
    }

    /// The table cells: when, how long, frames lost, why.
    func cells(_ n: NightFacts, _ tz: TimeZone) -> [String] {
        let why = cell(reasons.joined(separator: "; "))
        guard gaps > 1 else {
            return [cell(NightReport.at(onsetSeconds, n, tz), nowrap: true),
                    cell(Words.duration(seconds), nowrap: true), cell("\(framesLost)"), why]
        }
        let from = NightReport.at(onsetSeconds, n, tz, "HH:mm"), to = NightReport.at(offsetSeconds, n, tz, "HH:mm")
        return ["<td class=\"nw\" data-gap-run=\"\(gaps)\">\(esc(from == to ? from : "\(from)–\(to)"))</td>",
                cell("\(gaps) short gaps of under \(Words.duration(Self.shortSeconds)), "
                     + "\(Words.duration(seconds)) in all"),
                cell("\(framesLost) in all"), why]
    }
}
