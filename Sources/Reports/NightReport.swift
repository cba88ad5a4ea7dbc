import Foundation
import Journal

/// A problem making a report, said for a person.
public struct ReportError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ d: String) { description = d }
}

/// Shared bits of every report: detector configurations, data gaps, provenance.
enum Common {
    static func clock(_ d: Date, _ tz: TimeZone, _ format: String = "yyyy-MM-dd HH:mm") -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = tz
        f.dateFormat = format
        return f.string(from: d)
    }

    static func configurationSection(_ ids: [Int64?], _ snapshot: JournalSnapshot) -> String {
        let used = Array(Set(ids.compactMap { $0 })).sorted()
        var s = "<h2>Detector configuration</h2>\n"
        s += "<p class=\"note\">Every number here comes from the detector with the configuration below "
            + "(identified by the SHA-256 of its thresholds). "
        s += "Nights analysed with different configurations are not strictly comparable.</p>\n"
        if used.isEmpty { return s + "<p>No configuration recorded.</p>\n" }
        for id in used {
            guard let c = snapshot.configurations[id] else { continue }
            let nights = snapshot.nights.filter { $0.detectorConfigId == id }.count
            s += "<details><summary>Configuration <code data-config-hash=\"\(esc(c.hash))\">"
                + "\(esc(String(c.hash.prefix(12))))</code>, "
                + "used for \(nights) night\(nights == 1 ? "" : "s")</summary>"
                + "<pre>\(esc(prettyJSON(c.json)))</pre></details>\n"
        }
        return s
    }

    static func prettyJSON(_ json: String) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)),
              let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        else { return json }
        return String(decoding: data, as: UTF8.self)
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
        guard let n = snapshot.night(id) else {
            throw ReportError("there is no night \(id) in \(snapshot.path); `crampwatch journal nights` lists them.")
        }
        let events = snapshot.events[id] ?? []
        let gaps = snapshot.gaps[id] ?? []
        let trace = try journal.trace(night: id)
        let annotations = try journal.annotations(night: id)
        let rec = snapshot.reconcile(nights: [n])
        let tz = snapshot.timeZone
        let title = "Night \(id)" + (n.startedAt.map { " — " + Common.clock($0, tz) } ?? "")
        var b = "<h1>\(esc(title))</h1>\n"
        b += "<p>\(esc(minutesText(n.durationSeconds))) recorded"
        if let s = n.startedAt {
            b += ", from \(esc(Common.clock(s, tz, "HH:mm"))) to \(esc(Common.clock(n.end!, tz, "HH:mm")))"
                + (n.startSource == "file_time" ? " (start estimated from the file's time)" : "")
        }
        b += ".</p>\n"
        b += summarySection(n)
        let noticed = (rec.matched.map(\.report) + rec.missedByDetector).sorted { $0.time < $1.time }
        b += "<h2>Timeline</h2>\n"
            + timeline(n, events: events, gaps: gaps, trace: trace, annotations: annotations, noticed: noticed, tz: tz)
        b += eventsSection(events, n, tz)
        b += reportedSection(rec, n, snapshot)
        if !annotations.isEmpty {
            b += "<h2>Reference annotations</h2>\n<p class=\"note\">Imported labels (not detected events), "
                + "shown as a separate row on the timeline.</p>\n"
            b += table(["kind", "onset", "offset", "source"], annotations.map {
                [cell($0.kind), cell(num($0.onsetSeconds, 1) + " s"), cell(num($0.offsetSeconds, 1) + " s"),
                 cell($0.source)]
            })
        }
        b += gapsSection(gaps, n, tz, night: id)
        b += Common.configurationSection([n.detectorConfigId], snapshot)
        b += Common.footer(snapshot, generated: generated)
        return page(title: "Crampwatch — " + title, body: b)
    }

    /// The night's figures; without EMG the EMG ones say "not measured", never "0".
    static func summarySection(_ n: NightFacts) -> String {
        var b = ""
        let emg = { (value: String) -> String in n.emgMeasured ? value : "not measured" }
        if !n.emgMeasured {
            b += "<p class=\"caveat\" data-emg=\"none\">This night was recorded without EMG (an accelerometer only): "
                + "\(esc(noEMGNote)). Sleep, awakenings and time awake come from movement as on any night.</p>\n"
        }
        b += table(["", "this night"], [
            [cell("Cramps"), metric("cramps", emg("\(n.cramps)"))],
            [cell("Time in cramp"), metric("cramp_s", emg(num(n.crampSeconds, 0) + " s"))],
            [cell("Longest cramp"), metric("longest_cramp_s", emg(num(n.longestCrampSeconds, 0) + " s"))],
            [cell("Cramps that woke you"), metric("cramps_that_woke", emg("\(n.crampsThatWoke)"))],
            [cell("Leg movements"), metric("leg_movements", emg("\(n.legMovements)"))],
            [cell("Awakenings (wake bouts in the sleep period)"), metric("awakenings", "\(n.awakenings)")],
            [cell("Time awake"), metric("wake_s", num(n.wakeSeconds, 0) + " s")],
            [cell("Sleep efficiency (from movement)"), metric("sleep_efficiency", n.sleepEfficiency.map(pct) ?? "—")],
            [cell("Data gaps"), metric("gaps", "\(n.gaps)")],
            [cell("Time without data"), metric("gap_s", num(n.gapSeconds, 1) + " s")],
            [cell("Signal problems (artifacts)"), metric("artifacts", emg("\(n.artifacts)"))],
        ])
        return b
    }

    /// Every detected event with its time, length and details, in time order.
    static func eventsSection(_ events: [EventRecord], _ n: NightFacts, _ tz: TimeZone) -> String {
        let rows: [(Double, [String])] = events.map { e in
            let offset = e.offsetSeconds - e.onsetSeconds
            var details: [String] = []
            if let c = e.channel { details.append("channel \(c + 1)") }
            if let p = e.peakMicrovolts { details.append("peak \(Int(p)) µV above rest") }
            let features = JournalSnapshot.features(e)
            if features["woke"] == "true" { details.append("woke you") }
            if let cause = features["cause"] {
                details.append("cause: " + cause.replacingOccurrences(of: "_", with: " "))
            }
            let kind = e.kind.replacingOccurrences(of: "_", with: " ")
            return (e.onsetSeconds, [cell(kind), cell(at(e.onsetSeconds, n, tz)), cell(minutesText(offset)),
                                     cell(details.joined(separator: ", "))])
        }
        return "<h2>Events</h2>\n" + (rows.isEmpty ? "<p>No events detected.</p>\n"
            : table(["kind", "at", "lasting", "details"], rows.sorted { $0.0 < $1.0 }.map(\.1)))
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
            + "\(Int(Reconciliation.toleranceSeconds / 60)) minutes of a detected one.</p>\n"
        return b
    }

    /// The gaps in the data: how many, how long, and the first 20 one by one.
    static func gapsSection(_ gaps: [GapRecord], _ n: NightFacts, _ tz: TimeZone, night id: Int64) -> String {
        var b = "<h2>Data gaps</h2>\n<p>\(gaps.count) gap\(gaps.count == 1 ? "" : "s"), "
            + "\(esc(num(n.gapSeconds, 1))) s without data, \(n.framesLost) frames lost. "
        b += "Events cannot be detected where there is no data; nothing is drawn there.</p>\n"
        let shown = 20
        if !gaps.isEmpty {
            b += table(["at", "lasting", "frames lost", "why"], gaps.prefix(shown).map { g in
                [cell(at(g.onsetSeconds, n, tz)), cell(num(g.offsetSeconds - g.onsetSeconds, 3) + " s"),
                 cell("\(g.framesLost)"), cell(g.reason)]
            })
            if gaps.count > shown {
                b += "<p class=\"note\">… and \(gaps.count - shown) more; `crampwatch journal events \(id)` "
                    + "lists them all.</p>\n"
            }
        }
        return b
    }

    static func at(_ offset: Double, _ n: NightFacts, _ tz: TimeZone) -> String {
        if let s = n.startedAt { return Common.clock(s.addingTimeInterval(offset), tz, "HH:mm:ss") }
        let s = Int(offset)
        return String(format: "+%d:%02d:%02d", s / 3600, (s % 3600) / 60, s % 60)
    }

    /// The timeline: EMG envelope, accelerometer activity, a sleep/wake band, event markers and gaps, sharing one
    /// time axis.
    static func timeline(_ n: NightFacts, events: [EventRecord], gaps: [GapRecord], trace: NightTrace?,
                         annotations: [ReferenceAnnotationRecord], noticed: [SelfReportedCramp] = [],
                         tz: TimeZone) -> String {
        var drawing = TimelineDrawing(night: n, tz: tz)
        drawing.drawTraces(trace)
        drawing.drawSleepBand(events)
        drawing.drawEvents(events, noticed: noticed)
        drawing.drawReferences(annotations)
        drawing.drawGaps(gaps)
        return drawing.finished()
    }
}
