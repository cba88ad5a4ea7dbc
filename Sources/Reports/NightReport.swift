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
        s += "<p class=\"note\">Every number here comes from the detector with the configuration below (identified by the SHA-256 of its thresholds). "
        s += "Nights analysed with different configurations are not strictly comparable.</p>\n"
        if used.isEmpty { return s + "<p>No configuration recorded.</p>\n" }
        for id in used {
            guard let c = snapshot.configurations[id] else { continue }
            let nights = snapshot.nights.filter { $0.detectorConfigId == id }.count
            s += "<details><summary>Configuration <code data-config-hash=\"\(esc(c.hash))\">\(esc(String(c.hash.prefix(12))))</code>, used for \(nights) night\(nights == 1 ? "" : "s")</summary><pre>\(esc(prettyJSON(c.json)))</pre></details>\n"
        }
        return s
    }

    static func prettyJSON(_ json: String) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)),
              let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]) else { return json }
        return String(decoding: data, as: UTF8.self)
    }

    static func footer(_ snapshot: JournalSnapshot, generated: Date) -> String {
        "<p class=\"note\">Made by Crampwatch from the journal \(esc(snapshot.path)) on \(esc(clock(generated, snapshot.timeZone))) (\(esc(snapshot.timeZone.identifier))). "
            + "Crampwatch detects events from surface EMG and movement; it does not diagnose anything.</p>\n"
    }
}

/// One night: a timeline of the EMG and movement with the detected events, the gaps, and what the person reported.
public enum NightReport {
    /// Said wherever a night recorded without EMG would otherwise read "0 cramps".
    public static let noEMGNote = "no EMG: cramps and leg movements were not measured"

    public static func render(snapshot: JournalSnapshot, journal: Journal, night id: Int64, generated: Date = Date()) throws -> String {
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
        if let s = n.startedAt { b += ", from \(esc(Common.clock(s, tz, "HH:mm"))) to \(esc(Common.clock(n.end!, tz, "HH:mm")))" + (n.startSource == "file_time" ? " (start estimated from the file's time)" : "") }
        b += ".</p>\n"
        // Without EMG these were not measured: say so, never "0".
        let emg = { (value: String) -> String in n.emgMeasured ? value : "not measured" }
        if !n.emgMeasured {
            b += "<p class=\"caveat\" data-emg=\"none\">This night was recorded without EMG (an accelerometer only): \(esc(noEMGNote)). "
                + "Sleep, awakenings and time awake come from movement as on any night.</p>\n"
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
        let noticed = (rec.matched.map(\.report) + rec.missedByDetector).sorted { $0.time < $1.time }
        b += "<h2>Timeline</h2>\n" + timeline(n, events: events, gaps: gaps, trace: trace, annotations: annotations, noticed: noticed, tz: tz)
        b += "<h2>Events</h2>\n"
        var rows: [(Double, [String])] = events.map { e in
            let offset = e.offsetSeconds - e.onsetSeconds
            var details: [String] = []
            if let c = e.channel { details.append("channel \(c + 1)") }
            if let p = e.peakMicrovolts { details.append("peak \(Int(p)) µV above rest") }
            let features = JournalSnapshot.features(e)
            if features["woke"] == "true" { details.append("woke you") }
            if let cause = features["cause"] { details.append("cause: " + cause.replacingOccurrences(of: "_", with: " ")) }
            return (e.onsetSeconds, [cell(e.kind.replacingOccurrences(of: "_", with: " ")), cell(at(e.onsetSeconds, n, tz)), cell(minutesText(offset)), cell(details.joined(separator: ", "))])
        }
        b += rows.isEmpty ? "<p>No events detected.</p>\n" : table(["kind", "at", "lasting", "details"], rows.sorted { $0.0 < $1.0 }.map(\.1))
        b += "<h2>What you reported</h2>\n"
        let reports = rec.matched.map(\.report) + rec.missedByDetector
        if reports.isEmpty && n.evening.flatMap({ snapshot.diary[$0] }) == nil {
            b += "<p>No diary entry for this night, so detected cramps cannot be compared with what you noticed.</p>\n"
        }
        if !n.emgMeasured {
            b += "<p>Cramps you noted this night: \(rec.inNightsWithoutEMG.count) (\(esc(noEMGNote)), so they cannot be compared with detections).</p>\n"
        }
        b += table(["", "count"], [
            [cell("Reported and detected"), metric("matched", "\(rec.matched.count)")],
            [cell("Reported, not detected (missed by the detector, or outside the electrodes' view)"), metric("missed_by_detector", "\(rec.missedByDetector.count)")],
            [cell("Detected, not reported (slept through it or forgot)"), metric("not_noticed", "\(rec.notNoticed.count)")],
            [cell("Detected, no diary to compare with"), metric("no_diary", "\(rec.noDiary.count)")],
        ])
        b += "<p class=\"note\">A report counts as the same cramp when it is within \(Int(Reconciliation.toleranceSeconds / 60)) minutes of a detected one.</p>\n"
        if !annotations.isEmpty {
            b += "<h2>Reference annotations</h2>\n<p class=\"note\">Imported labels (not detected events), shown as a separate row on the timeline.</p>\n"
            b += table(["kind", "onset", "offset", "source"], annotations.map { [cell($0.kind), cell(num($0.onsetSeconds, 1) + " s"), cell(num($0.offsetSeconds, 1) + " s"), cell($0.source)] })
        }
        b += "<h2>Data gaps</h2>\n<p>\(gaps.count) gap\(gaps.count == 1 ? "" : "s"), \(esc(num(n.gapSeconds, 1))) s without data, \(n.framesLost) frames lost. "
        b += "Events cannot be detected where there is no data; nothing is drawn there.</p>\n"
        let shown = 20
        if !gaps.isEmpty {
            b += table(["at", "lasting", "frames lost", "why"], gaps.prefix(shown).map { g in
                [cell(at(g.onsetSeconds, n, tz)), cell(num(g.offsetSeconds - g.onsetSeconds, 3) + " s"), cell("\(g.framesLost)"), cell(g.reason)]
            })
            if gaps.count > shown { b += "<p class=\"note\">… and \(gaps.count - shown) more; `crampwatch journal events \(id)` lists them all.</p>\n" }
        }
        b += Common.configurationSection([n.detectorConfigId], snapshot)
        b += Common.footer(snapshot, generated: generated)
        return page(title: "Crampwatch — " + title, body: b)
    }

    static func at(_ offset: Double, _ n: NightFacts, _ tz: TimeZone) -> String {
        if let s = n.startedAt { return Common.clock(s.addingTimeInterval(offset), tz, "HH:mm:ss") }
        let s = Int(offset)
        return String(format: "+%d:%02d:%02d", s / 3600, (s % 3600) / 60, s % 60)
    }

    /// The timeline: EMG envelope, accelerometer activity, a sleep/wake band, event markers and gaps, sharing one time axis.
    static func timeline(_ n: NightFacts, events: [EventRecord], gaps: [GapRecord], trace: NightTrace?, annotations: [ReferenceAnnotationRecord],
                         noticed: [SelfReportedCramp] = [], tz: TimeZone) -> String {
        let width = 960.0, left = 92.0, right = 10.0
        let plotW = width - left - right
        let rowH = 60.0, gapBetween = 10.0
        var y = 18.0
        let duration = max(n.durationSeconds, 1)
        func x(_ t: Double) -> Double { left + min(max(t / duration, 0), 1) * plotW }
        var body = ""
        var rows: [(label: String, y: Double, h: Double)] = []
        let bins = Int(plotW)
        let envelope = trace?.envelopeValues ?? [], activity = trace?.activityValues ?? []
        // Both traces are one value per `secondsPerPoint` from the start; drawn over the same time axis as the events.
        let span = { (count: Int) -> Double in plotW * min(1, Double(count) * (trace?.secondsPerPoint ?? 1) / duration) }
        if envelope.contains(where: { $0.isFinite }) {
            let values = SVG.maxBins(envelope, bins: bins)
            let finite = values.filter { $0.isFinite }.sorted()
            let top = max(1, Double(finite[min(finite.count - 1, Int(Double(finite.count) * 0.995))]) * 1.1)
            body += SVG.polylines(values, x0: left, y0: y, w: span(envelope.count), h: rowH, maxValue: top, cssClass: "emg", color: "#3b6aa0")
            body += "<text x=\"\(left - 4)\" y=\"\(y + 10)\" text-anchor=\"end\">\(esc(num(top, 0))) µV</text>"
            rows.append(("EMG", y, rowH))
            y += rowH + gapBetween
        }
        if activity.contains(where: { $0.isFinite }) {
            let values = SVG.maxBins(activity, bins: bins)
            let top = max(0.05, Double(values.filter { $0.isFinite }.max() ?? 0) * 1.1)
            body += SVG.polylines(values, x0: left, y0: y, w: span(activity.count), h: rowH, maxValue: top, cssClass: "accel", color: "#6d4c9f")
            body += "<text x=\"\(left - 4)\" y=\"\(y + 10)\" text-anchor=\"end\">\(esc(num(top, 2))) g</text>"
            rows.append(("movement", y, rowH))
            y += rowH + gapBetween
        }
        if !n.emgMeasured {
            body += "<text class=\"no-emg\" x=\"\(left)\" y=\"\(y + 12)\">EMG: none — \(esc(noEMGNote)).</text>"
            rows.append(("EMG", y, 16))
            y += 24
        }
        if envelope.isEmpty && activity.isEmpty {
            body += "<text x=\"\(left)\" y=\"\(y + 12)\">No per-second trace was saved with this night (saved before traces were kept); events are still shown.</text>"
            y += 24
        }
        // Sleep/wake band: asleep unless a wake bout; no data in gaps.
        let bandY = y, bandH = 14.0
        body += "<rect class=\"sleep\" x=\"\(left)\" y=\"\(bandY)\" width=\"\(num(plotW, 1))\" height=\"\(bandH)\" fill=\"#c9dcf2\"><title>asleep (no movement bout)</title></rect>"
        for e in events where e.kind == "sleep_interruption" {
            body += "<rect class=\"wake\" x=\"\(num(x(e.onsetSeconds), 1))\" y=\"\(bandY)\" width=\"\(num(max(1, x(e.offsetSeconds) - x(e.onsetSeconds)), 1))\" height=\"\(bandH)\" fill=\"#f4a259\"><title>awake \(esc(at(e.onsetSeconds, n, tz))), \(esc(minutesText(e.offsetSeconds - e.onsetSeconds)))</title></rect>"
        }
        rows.append(("sleep / wake", bandY, bandH))
        y += bandH + gapBetween
        // Event markers.
        let markY = y, markH = 18.0
        for e in events {
            let x0 = x(e.onsetSeconds), w = max(2, x(e.offsetSeconds) - x0)
            switch e.kind {
            case "cramp":
                body += "<rect class=\"cramp\" x=\"\(num(x0, 1))\" y=\"\(markY)\" width=\"\(num(w, 1))\" height=\"\(markH)\" fill=\"#c62828\"><title>cramp \(esc(at(e.onsetSeconds, n, tz))), \(esc(minutesText(e.offsetSeconds - e.onsetSeconds)))</title></rect>"
            case "leg_movement":
                body += "<line class=\"leg-movement\" x1=\"\(num(x0, 1))\" y1=\"\(markY + markH + 2)\" x2=\"\(num(x0, 1))\" y2=\"\(markY + markH + 12)\" stroke=\"#2e7d32\" stroke-width=\"1.5\"><title>leg movement \(esc(at(e.onsetSeconds, n, tz)))</title></line>"
            case "sleep_interruption":
                body += "<polygon class=\"awakening\" points=\"\(num(x0 - 4, 1)),\(markY - 1) \(num(x0 + 4, 1)),\(markY - 1) \(num(x0, 1)),\(markY + 6)\" fill=\"#e65100\"><title>awakening \(esc(at(e.onsetSeconds, n, tz)))</title></polygon>"
            case "artifact":
                body += "<rect class=\"artifact\" x=\"\(num(x0, 1))\" y=\"\(markY + markH + 14)\" width=\"\(num(w, 1))\" height=\"4\" fill=\"#9e9e9e\"><title>signal problem \(esc(at(e.onsetSeconds, n, tz)))</title></rect>"
            default: break
            }
        }
        // Cramps the person noticed: diamonds on the event row, at the time they wrote down.
        if let start = n.startedAt {
            for r in noticed {
                let cx = x(r.time.timeIntervalSince(start)), cy = markY + markH / 2
                body += "<polygon class=\"self-report\" points=\"\(num(cx, 1)),\(num(cy - 7, 1)) \(num(cx + 5, 1)),\(num(cy, 1)) \(num(cx, 1)),\(num(cy + 7, 1)) \(num(cx - 5, 1)),\(num(cy, 1))\" fill=\"#ffd54f\" stroke=\"#5d4037\" stroke-width=\"1\"><title>you noted a cramp at \(esc(Common.clock(r.time, tz, "HH:mm"))), \(esc(r.leg)) leg, pain \(r.pain)/10</title></polygon>"
            }
        }
        rows.append(("events", markY, markH + 18))
        y += markH + 18 + gapBetween
        if !annotations.isEmpty {
            for a in annotations {
                body += "<rect class=\"reference\" x=\"\(num(x(a.onsetSeconds), 1))\" y=\"\(y)\" width=\"\(num(max(2, x(a.offsetSeconds) - x(a.onsetSeconds)), 1))\" height=\"8\" fill=\"#455a64\"><title>reference \(esc(a.kind)) (\(esc(a.source)))</title></rect>"
            }
            rows.append(("reference", y, 8))
            y += 8 + gapBetween
        }
        // Gaps: every one as a tick on the "data" row; those wider than a pixel also hatched over every row,
        // so missing data is never mistaken for quiet.
        let dataY = y, top = 14.0
        body += "<rect x=\"\(left)\" y=\"\(dataY)\" width=\"\(num(plotW, 1))\" height=\"8\" fill=\"#e8f5e9\"><title>data received</title></rect>"
        for g in gaps {
            let x0 = x(g.onsetSeconds), w = x(g.offsetSeconds) - x0
            let what = "no data: \(num(g.offsetSeconds - g.onsetSeconds, 3)) s, \(g.framesLost) frames lost"
            body += "<rect class=\"gap\" x=\"\(num(x0, 1))\" y=\"\(dataY)\" width=\"\(num(max(1, w), 1))\" height=\"8\" fill=\"#424242\"><title>\(esc(what))</title></rect>"
            if w >= 1 {
                body += "<rect class=\"gap-span\" x=\"\(num(x0, 1))\" y=\"\(top)\" width=\"\(num(w, 1))\" height=\"\(num(dataY - top, 1))\" fill=\"url(#hatch)\" stroke=\"#757575\" stroke-width=\"0.5\"><title>\(esc(what))</title></rect>"
            }
        }
        rows.append(("data", dataY, 8))
        y += 8 + gapBetween
        // Time axis.
        let axisY = y + 4
        body += "<line x1=\"\(left)\" y1=\"\(axisY)\" x2=\"\(left + plotW)\" y2=\"\(axisY)\" stroke=\"#999\" />"
        let step = [60.0, 300, 600, 1800, 3600, 7200].first { duration / $0 <= 10 } ?? 7200
        var t = 0.0
        while t <= duration + 0.001 {
            body += "<line x1=\"\(num(x(t), 1))\" y1=\"\(axisY)\" x2=\"\(num(x(t), 1))\" y2=\"\(axisY + 4)\" stroke=\"#999\" /><text x=\"\(num(x(t), 1))\" y=\"\(axisY + 16)\" text-anchor=\"middle\">\(esc(n.startedAt.map { Common.clock($0.addingTimeInterval(t), tz, "HH:mm") } ?? "+\(Int(t / 60)) min"))</text>"
            t += step
        }
        let height = axisY + 24
        var labels = ""
        for r in rows { labels += "<text x=\"\(left - 6)\" y=\"\(num(r.y + r.h / 2 + 4, 1))\" text-anchor=\"end\">\(esc(r.label))</text>" }
        let defs = "<defs><pattern id=\"hatch\" width=\"4\" height=\"4\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"2\" height=\"4\" fill=\"#bdbdbd\" /></pattern></defs>"
        let legend = "<p class=\"note\">EMG: the detector's envelope above the resting level, strongest channel, per second (scale to the 99.5th percentile). Movement: accelerometer activity per second. "
            + "Red bars: cramps; yellow diamonds: cramps you noted; green ticks: leg movements; orange: awakenings and time awake; grey bars: signal problems; dark ticks on the data row: gaps (hatched across the chart when longer than a pixel).</p>\n"
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\" font-size=\"11\" font-family=\"sans-serif\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"night timeline\"><title>Night timeline</title>"
            + defs + labels + body + "</svg>\n" + legend
    }
}
