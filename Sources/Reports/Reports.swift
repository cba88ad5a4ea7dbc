import Foundation
import Journal

/// Everything the reports read from the journal about one night.
public struct NightData: Sendable {
    public var night: NightRecord
    public var events: [EventRecord]
    public var gaps: [GapRecord]
    public var trace: NightTrace?
    public var configuration: DetectorConfigRecord?
    public var device: DeviceRecord?

    public static func load(_ journal: Journal, night id: Int64) throws -> NightData? {
        guard let n = try journal.night(id: id) else { return nil }
        return NightData(night: n, events: try journal.events(night: id), gaps: try journal.gaps(night: id), trace: try journal.trace(night: id),
                         configuration: try n.detectorConfigId.flatMap { try journal.configuration(id: $0) }, device: try n.deviceId.flatMap { try journal.device(id: $0) })
    }

    public var cramps: [EventRecord] { events.filter { $0.kind == "cramp" } }
    public var wakes: [EventRecord] { events.filter { $0.kind == "sleep_interruption" } }
    /// The evening's date of the night (the day it started, 12 h back so a 01:00 start is still "last night").
    public var eveningDate: String? {
        night.startedAt.map { d in
            let f = DateFormatter()
            f.dateFormat = "yyyy-MM-dd"
            return f.string(from: d.addingTimeInterval(-12 * 3600))
        }
    }
}

/// How self-reported cramps and detected ones line up.
public struct Reconciliation: Sendable {
    public var matched: [(reported: SelfReportedCramp, night: Int64, onsetSeconds: Double)]
    /// Reported by the person, not found by the detector (on a night that was recorded).
    public var missedByDetector: [SelfReportedCramp]
    /// Found by the detector, not reported (on nights the person kept a diary for).
    public var notNoticed: [(night: Int64, onsetSeconds: Double)]
    /// Reported on a night that was not recorded.
    public var unrecorded: [SelfReportedCramp]

    /// A report matches a detected cramp when the detected onset is within `windowMinutes` of the reported time.
    public static func reconcile(reports: [SelfReportedCramp], nights: [NightData], diaryDates: Set<String>, windowMinutes: Double = 20) -> Reconciliation {
        var matched: [(SelfReportedCramp, Int64, Double)] = [], missed: [SelfReportedCramp] = [], unrecorded: [SelfReportedCramp] = []
        var used = Set<String>()
        for r in reports {
            guard let n = nights.first(where: { n in
                guard let start = n.night.startedAt else { return false }
                return r.time >= start && r.time <= start.addingTimeInterval(n.night.durationSeconds)
            }) else {
                unrecorded.append(r)
                continue
            }
            let start = n.night.startedAt!
            let candidates = n.cramps.filter { abs(start.addingTimeInterval($0.onsetSeconds).timeIntervalSince(r.time)) <= windowMinutes * 60 }
                .filter { !used.contains("\(n.night.id!)-\($0.onsetSeconds)") }
                .sorted { abs(start.addingTimeInterval($0.onsetSeconds).timeIntervalSince(r.time)) < abs(start.addingTimeInterval($1.onsetSeconds).timeIntervalSince(r.time)) }
            if let c = candidates.first {
                used.insert("\(n.night.id!)-\(c.onsetSeconds)")
                matched.append((r, n.night.id!, c.onsetSeconds))
            } else {
                missed.append(r)
            }
        }
        var notNoticed: [(Int64, Double)] = []
        for n in nights where n.eveningDate.map(diaryDates.contains) ?? false {
            for c in n.cramps where !used.contains("\(n.night.id!)-\(c.onsetSeconds)") { notNoticed.append((n.night.id!, c.onsetSeconds)) }
        }
        return Reconciliation(matched: matched, missedByDetector: missed, notNoticed: notNoticed, unrecorded: unrecorded)
    }
}

/// The reports: a night's timeline, trends over weeks, and a one-page summary for a clinician.
public enum Reports {
    /// One night: summary cards, the timeline (EMG envelope, movement, sleep/wake band, events, gaps), the event list.
    public static func night(_ d: NightData) -> String {
        let n = d.night
        let start = n.startedAt
        func clock(_ t: Double) -> String {
            guard let start else { return "+" + minutes(t) }
            let f = DateFormatter()
            f.dateFormat = "HH:mm"
            return f.string(from: start.addingTimeInterval(t))
        }
        var body = "<h1>Night \(n.id!)\(start.map { " — " + dateTitle($0) } ?? "")</h1>"
        body += "<p class=\"muted\">\(minutes(n.durationSeconds)) recorded\(n.startSource == "file_time" ? " (start time estimated from the file)" : ""); device \(esc(d.device?.serial ?? "unknown")).</p>"
        let crampSeconds = d.cramps.reduce(0) { $0 + $1.offsetSeconds - $1.onsetSeconds }
        let woke = d.cramps.filter { $0.featuresJSON?.contains("\"woke\":\"true\"") ?? false }.count
        let wakeSeconds = d.wakes.reduce(0) { $0 + $1.offsetSeconds - $1.onsetSeconds }
        body += "<div class=\"cards\">"
        body += "<div class=\"card\"><div class=\"big\">\(d.cramps.count)</div>cramp\(d.cramps.count == 1 ? "" : "s"), \(minutes(crampSeconds)) in all</div>"
        body += "<div class=\"card\"><div class=\"big\">\(woke)</div>woke you</div>"
        body += "<div class=\"card\"><div class=\"big\">\(d.wakes.count)</div>sleep interruption\(d.wakes.count == 1 ? "" : "s"), \(minutes(wakeSeconds)) awake</div>"
        body += "<div class=\"card\"><div class=\"big\">\(d.events.filter { $0.kind == "leg_movement" }.count)</div>leg movements</div></div>"
        body += "<h2>Timeline</h2>" + timeline(d, clock: clock)
        body += "<h2>Events</h2><table><tr><th>what</th><th>from</th><th>to</th><th>how long</th><th>details</th></tr>"
        let names = ["cramp": "Cramp", "leg_movement": "Leg movement", "sleep_interruption": "Awake", "artifact": "Signal problem"]
        for e in d.events where e.kind != "leg_movement" {
            var details: [String] = []
            if let p = e.peakMicrovolts { details.append("peak \(f0(p)) µV above rest") }
            if let j = e.featuresJSON { details.append(j.replacingOccurrences(of: "\"", with: "").replacingOccurrences(of: "[{}]", with: "", options: .regularExpression)) }
            body += "<tr><td>\(names[e.kind] ?? e.kind)</td><td>\(clock(e.onsetSeconds))</td><td>\(clock(e.offsetSeconds))</td><td>\(minutes(e.offsetSeconds - e.onsetSeconds))</td><td>\(esc(details.joined(separator: "; ")))</td></tr>"
        }
        body += "</table>"
        body += dataQuality(d)
        return page(title: "Crampwatch — night \(n.id!)", body: body)
    }

    static func dateTitle(_ d: Date) -> String {
        let f = DateFormatter()
        f.dateFormat = "EEEE d MMMM yyyy, HH:mm"
        return f.string(from: d)
    }

    static func dataQuality(_ d: NightData) -> String {
        let gapSeconds = d.gaps.reduce(0) { $0 + $1.offsetSeconds - $1.onsetSeconds }
        let lost = d.gaps.reduce(0) { $0 + $1.framesLost }
        var s = "<h2>What to keep in mind</h2><ul>"
        s += "<li>Data gaps: \(d.gaps.count) (\(lost) frames lost, \(minutes(gapSeconds)) without data). Events cannot be seen inside gaps.</li>"
        s += "<li>Signal problems (electrode off, clipping, mains, motion): \(d.events.filter { $0.kind == "artifact" }.count); no cramps are counted inside them.</li>"
        s += "<li>Detector configuration \(esc(d.configuration.map { String($0.hash.prefix(12)) + ($0.name.map { " (\($0))" } ?? "") } ?? "unknown")).</li></ul>"
        return s
    }

    /// The timeline: envelope trace, movement trace, a sleep/wake band, event markers and gaps.
    static func timeline(_ d: NightData, clock: (Double) -> String) -> String {
        let width = 900.0, left = 50.0, right = 890.0
        let duration = max(1, d.night.durationSeconds)
        func x(_ t: Double) -> Double { left + (right - left) * t / duration }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"300\" font-size=\"11\" role=\"img\" aria-label=\"night timeline\">"
        // Sleep/wake band.
        s += "<text x=\"4\" y=\"22\">sleep</text><rect x=\"\(left)\" y=\"12\" width=\"\(right - left)\" height=\"14\" fill=\"#cfe3f5\"/>"
        for w in d.wakes { s += "<rect x=\"\(f1(x(w.onsetSeconds)))\" y=\"12\" width=\"\(f1(max(1, x(w.offsetSeconds) - x(w.onsetSeconds))))\" height=\"14\" fill=\"#f5b041\"><title>awake \(clock(w.onsetSeconds))–\(clock(w.offsetSeconds))</title></rect>" }
        // EMG envelope and movement traces (downsampled to the width).
        func trace(_ values: [Float], top: Double, height: Double, color: String, label: String, unit: String) -> String {
            guard !values.isEmpty else { return "<text x=\"\(left)\" y=\"\(top + height / 2)\" fill=\"#999\">no \(label) data</text>" }
            let buckets = Int(right - left)
            var peaks = [Float](repeating: .nan, count: buckets)
            for (i, v) in values.enumerated() where !v.isNaN {
                let b = min(buckets - 1, Int(Double(i) / Double(values.count) * Double(buckets)))
                peaks[b] = peaks[b].isNaN ? v : max(peaks[b], v)
            }
            let maxV = max(1e-6, peaks.filter { !$0.isNaN }.max() ?? 1)
            var path = ""
            var pen = false
            for (b, v) in peaks.enumerated() {
                if v.isNaN { pen = false; continue }
                let y = top + height - height * Double(max(0, v) / maxV)
                path += (pen ? "L" : "M") + "\(f1(left + Double(b))),\(f1(y))"
                pen = true
            }
            return "<text x=\"4\" y=\"\(top + 10)\">\(label)</text><text x=\"4\" y=\"\(top + 22)\" fill=\"#666\">max \(f1(Double(maxV))) \(unit)</text>"
                + "<path d=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1\"/>"
        }
        s += trace(d.trace?.envelopeValues ?? [], top: 40, height: 90, color: "#3a6ea5", label: "EMG", unit: "µV")
        s += trace(d.trace?.activityValues ?? [], top: 145, height: 60, color: "#6c757d", label: "movement", unit: "g")
        // Events.
        for e in d.events {
            switch e.kind {
            case "cramp":
                s += "<rect x=\"\(f1(x(e.onsetSeconds)))\" y=\"215\" width=\"\(f1(max(3, x(e.offsetSeconds) - x(e.onsetSeconds))))\" height=\"18\" fill=\"#c0392b\"><title>cramp \(clock(e.onsetSeconds)), \(minutes(e.offsetSeconds - e.onsetSeconds))</title></rect>"
            case "leg_movement":
                s += "<line x1=\"\(f1(x(e.onsetSeconds)))\" y1=\"238\" x2=\"\(f1(x(e.onsetSeconds)))\" y2=\"248\" stroke=\"#8e44ad\"/>"
            case "artifact":
                s += "<rect x=\"\(f1(x(e.onsetSeconds)))\" y=\"40\" width=\"\(f1(max(1, x(e.offsetSeconds) - x(e.onsetSeconds))))\" height=\"165\" fill=\"#999\" fill-opacity=\"0.25\"><title>signal problem</title></rect>"
            default: break
            }
        }
        for g in d.gaps where g.offsetSeconds > g.onsetSeconds {
            s += "<rect x=\"\(f1(x(g.onsetSeconds)))\" y=\"12\" width=\"\(f1(max(1, x(g.offsetSeconds) - x(g.onsetSeconds))))\" height=\"236\" fill=\"black\" fill-opacity=\"0.15\"><title>no data</title></rect>"
        }
        s += "<text x=\"4\" y=\"228\">cramps</text><text x=\"4\" y=\"247\">leg mvts</text>"
        for k in 0...6 {
            let t = duration * Double(k) / 6
            s += "<text x=\"\(f1(x(t)))\" y=\"275\" text-anchor=\"middle\">\(clock(t))</text>"
        }
        return s + "</svg><p class=\"muted\">Blue band: asleep; orange: awake. Red: cramps; purple ticks: leg movements; grey: signal problems; dark: no data.</p>"
    }

    /// Trends over the nights: cramps per night, durations, time of night, sleep efficiency, awakenings,
    /// bedtime regularity; diary factors beside cramp nights.
    public static func trend(nights: [NightData], diary: [DiaryEntry]) -> String {
        var body = "<h1>Your nights: trends</h1><p class=\"muted\">\(nights.count) recorded night\(nights.count == 1 ? "" : "s"), \(diary.count) diary entr\(diary.count == 1 ? "y" : "ies").</p>"
        let label: (NightData) -> String = { $0.eveningDate.map { String($0.suffix(5)) } ?? "#\($0.night.id!)" }
        body += "<h2>Cramps per night</h2>" + barChart(nights.map { (label($0), Double($0.cramps.count)) }, unit: "cramps")
        body += "<h2>Minutes of cramp per night</h2>" + barChart(nights.map { (label($0), $0.cramps.reduce(0) { $0 + $1.offsetSeconds - $1.onsetSeconds } / 60) }, unit: "minutes", color: "#c0392b")
        body += "<h2>Awakenings per night</h2>" + barChart(nights.map { (label($0), Double($0.wakes.count)) }, unit: "awakenings", color: "#f5b041")
        body += "<h2>Sleep efficiency</h2>" + barChart(nights.map { n in
            let awake = n.wakes.reduce(0) { $0 + $1.offsetSeconds - $1.onsetSeconds } + n.gaps.reduce(0) { $0 + $1.offsetSeconds - $1.onsetSeconds }
            return (label(n), max(0, 100 * (1 - awake / max(1, n.night.durationSeconds))))
        }, unit: "% of the night asleep", color: "#2e8b57")
        // Time of night of cramps, by hour after the start.
        var byHour = [Double](repeating: 0, count: 12)
        for n in nights { for c in n.cramps { byHour[min(11, Int(c.onsetSeconds / 3600))] += 1 } }
        body += "<h2>When in the night cramps start</h2>" + barChart(byHour.enumerated().map { ("h\($0.offset + 1)", $0.element) }, unit: "cramps", color: "#8e44ad")
        // Bedtime regularity.
        let bedtimes = diary.compactMap { $0.bedtime.flatMap(minutesAfterNoon) }
        if bedtimes.count >= 2 {
            let mean = bedtimes.reduce(0, +) / Double(bedtimes.count)
            let sd = (bedtimes.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(bedtimes.count - 1)).squareRoot()
            body += "<h2>Bedtime regularity</h2><p>Bedtimes in your diary vary by about <b>\(f0(sd)) minutes</b> (standard deviation over \(bedtimes.count) nights).</p>"
        }
        body += factorsSection(nights: nights, diary: diary)
        return page(title: "Crampwatch — trends", body: body)
    }

    static func minutesAfterNoon(_ hhmm: String) -> Double? {
        let p = hhmm.split(separator: ":").compactMap { Double($0) }
        guard p.count == 2 else { return nil }
        let m = p[0] * 60 + p[1]
        return m < 12 * 60 ? m + 12 * 60 : m - 12 * 60
    }

    /// Diary factors beside cramp nights: for each factor, the share of nights with a cramp when the factor
    /// was present (or above its median) and when not, with 95 % Wilson intervals. Never a causal claim.
    static func factorsSection(nights: [NightData], diary: [DiaryEntry]) -> String {
        let byDate = Dictionary(diary.map { ($0.date, $0) }, uniquingKeysWith: { $1 })
        let paired = nights.compactMap { n -> (NightData, DiaryEntry)? in n.eveningDate.flatMap { byDate[$0] }.map { (n, $0) } }
        var s = "<h2>What you did and cramp nights</h2>"
        guard paired.count >= 3 else { return s + "<p class=\"muted\">Needs at least 3 nights with both a recording and a diary entry (now \(paired.count)).</p>" }
        s += "<p class=\"muted\">Share of nights with at least one cramp, with 95 % intervals. Few nights give wide intervals; overlapping intervals mean no clear difference. This shows what happened together, not what caused what.</p>"
        s += "<table><tr><th>factor</th><th>nights with it (or above the median)</th><th>nights without</th></tr>"
        let names = Set(paired.flatMap { $0.1.factors.map(\.name) }).sorted()
        for name in names {
            let values = paired.compactMap { p in p.1.factors.first { $0.name == name }.map { (p.0.cramps.isEmpty ? 0 : 1, $0.value) } }
            guard values.count >= 3 else { continue }
            let sorted = values.map(\.1).sorted()
            let median = sorted[sorted.count / 2]
            let binary = Set(sorted).isSubset(of: [0, 1])
            let high = values.filter { binary ? $0.1 == 1 : $0.1 > median }, low = values.filter { binary ? $0.1 == 0 : $0.1 <= median }
            func cell(_ group: [(Int, Double)]) -> String {
                guard !group.isEmpty else { return "–" }
                let k = group.reduce(0) { $0 + $1.0 }
                let w = wilson(k, group.count)
                return "\(k) of \(group.count) (\(f0(100 * Double(k) / Double(group.count))) %, \(f0(100 * w.low))–\(f0(100 * w.high)) %)"
            }
            s += "<tr><td>\(esc(name.replacingOccurrences(of: "_", with: " ")))\(binary ? "" : " &gt; \(f1(median))")</td><td>\(cell(high))</td><td>\(cell(low))</td></tr>"
        }
        return s + "</table>"
    }

    /// One page for a clinician: frequency, durations, sleep disruption, and the signs the advice names
    /// for seeking help (cramps that persist, are frequent, or disrupt sleep).
    public static func clinician(nights: [NightData], reconciliation: Reconciliation?, patient: String? = nil) -> String {
        let recorded = nights.reduce(0) { $0 + $1.night.durationSeconds } / 3600
        let crampNights = nights.filter { !$0.cramps.isEmpty }.count
        let cramps = nights.flatMap(\.cramps)
        let durations = cramps.map { $0.offsetSeconds - $0.onsetSeconds }.sorted()
        let starts = nights.compactMap(\.night.startedAt).sorted()
        let spanDays = starts.count >= 2 ? max(1, starts.last!.timeIntervalSince(starts.first!) / 86400 + 1) : Double(max(1, nights.count))
        let nightsPerWeek = Double(crampNights) / spanDays * 7
        let woke = cramps.filter { $0.featuresJSON?.contains("\"woke\":\"true\"") ?? false }.count
        var body = "<h1>Nocturnal leg cramps — summary for a clinician</h1>"
        if let patient { body += "<p>\(esc(patient))</p>" }
        let f = DateFormatter()
        f.dateFormat = "d MMM yyyy"
        body += "<p class=\"muted\">\(nights.count) nights recorded\(starts.isEmpty ? "" : ", \(f.string(from: starts.first!)) to \(f.string(from: starts.last!))"), \(f0(recorded)) hours of data. Surface EMG of the lower leg and a leg-worn accelerometer; events detected automatically.</p>"
        body += "<table>"
        body += "<tr><th>Nights with cramps</th><td>\(crampNights) of \(nights.count) (about \(f1(nightsPerWeek)) nights per week)</td></tr>"
        body += "<tr><th>Cramps</th><td>\(cramps.count) in all, \(f1(Double(cramps.count) / Double(max(1, nights.count)))) per night</td></tr>"
        if !durations.isEmpty {
            body += "<tr><th>Duration</th><td>median \(minutes(durations[durations.count / 2])), longest \(minutes(durations.last!))</td></tr>"
        }
        body += "<tr><th>Cramps followed by waking</th><td>\(woke) of \(cramps.count)</td></tr>"
        let wakes = nights.flatMap(\.wakes)
        body += "<tr><th>Sleep interruptions</th><td>\(f1(Double(wakes.count) / Double(max(1, nights.count)))) per night, \(minutes(wakes.reduce(0) { $0 + $1.offsetSeconds - $1.onsetSeconds } / Double(max(1, nights.count)))) awake per night</td></tr>"
        if let r = reconciliation {
            body += "<tr><th>Patient's own reports</th><td>\(r.matched.count) matched a detected cramp, \(r.missedByDetector.count) not detected, \(r.notNoticed.count) detected but not reported</td></tr>"
        }
        body += "</table>"
        // Signs that the advice says call for a professional.
        var signs: [String] = []
        if nightsPerWeek >= 3 { signs.append("frequent: cramps on about \(f1(nightsPerWeek)) nights a week") }
        if spanDays >= 21 && crampNights >= 3 { signs.append("persistent: cramps across \(f0(spanDays)) days of recording") }
        if woke >= 2 || wakes.count >= 2 * max(1, nights.count) { signs.append("disrupting sleep: \(woke) cramps followed by waking") }
        if let longest = durations.last, longest >= 600 { signs.append("long: a cramp of \(minutes(longest))") }
        body += "<h2>Signs that call for a professional's opinion</h2>"
        body += signs.isEmpty ? "<p class=\"ok\">None of the signs (frequent, persistent, sleep-disrupting cramps) is present in these recordings.</p>"
            : "<div class=\"warn\"><ul>" + signs.map { "<li>\(esc($0))</li>" }.joined() + "</ul></div>"
        let lost = nights.reduce(0) { $0 + $1.gaps.reduce(0) { $0 + $1.offsetSeconds - $1.onsetSeconds } }
        let configs = Set(nights.compactMap { $0.configuration?.hash.prefix(12) })
        body += "<h2>Limits of these data</h2><ul><li>\(minutes(lost)) without data across all nights (device unplugged or frames lost).</li>"
        body += "<li>Detector configuration\(configs.count == 1 ? "" : "s"): \(configs.map(String.init).sorted().joined(separator: ", ")). Accuracy was measured on simulated nights; no public recordings of real nocturnal cramps exist to validate against.</li></ul>"
        return page(title: "Crampwatch — clinician summary", body: body)
    }
}
