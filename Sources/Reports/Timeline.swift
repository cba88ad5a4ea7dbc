import Foundation
import NightAnalysis
import Journal

/// The night report's timeline: rows drawn from the top down (EMG envelope, accelerometer activity, a sleep/wake
/// band, event markers, reference labels, received data), sharing one time axis, as one inline SVG.
struct TimelineDrawing {
    let night: NightFacts
    let tz: TimeZone
    /// The plot's width in pixels, and one trace bin per pixel.
    static let plotPixels = 858
    let left = 92.0, right = 10.0
    let rowH = 60.0, gapBetween = 10.0
    let plotW = Double(Self.plotPixels)
    var width: Double { left + plotW + right }
    /// The seconds the time axis spans: the night's length, or an hour when its stored length cannot be true
    /// (the events are then drawn at the edges rather than not at all).
    let duration: Double
    /// Top of the next row.
    private(set) var y = 18.0
    private(set) var body = ""
    private(set) var rows: [(label: String, y: Double, h: Double)] = []

    init(night: NightFacts, tz: TimeZone) {
        self.night = night
        self.tz = tz
        duration = Words.isKnownDuration(night.durationSeconds) ? max(night.durationSeconds, 1) : 3600
    }

    /// The horizontal position of `t` seconds from the start, clamped to the plot (a time that is not a
    /// number goes to the start).
    func x(_ t: Double) -> Double {
        let f = t / duration
        return left + (f.isNaN ? 0 : min(max(f, 0), 1)) * plotW
    }

    private func at(_ offset: Double) -> String { NightReport.at(offset, night, tz) }

    /// The per-second traces: EMG envelope and accelerometer activity (or why they are missing).
    mutating func drawTraces(_ trace: NightTrace?) {
        let bins = Self.plotPixels
        let envelope = trace?.envelopeValues ?? [], activity = trace?.activityValues ?? []
        // Both traces are one value per `secondsPerPoint` from the start; drawn over the same time axis as the events.
        let plotW = plotW, duration = duration
        let secondsPerPoint = trace?.secondsPerPoint ?? 1
        let span = { (count: Int) -> Double in plotW * min(1, Double(count) * secondsPerPoint / duration) }
        if envelope.contains(where: { $0.isFinite }) {
            let values = SVG.maxBins(envelope, bins: bins)
            let finite = values.filter { $0.isFinite }.sorted()
            let top = max(1, Double(finite[min(finite.count - 1, finite.count * 995 / 1000)]) * 1.1)
            body += SVG.polylines(values, x0: left, y0: y, w: span(envelope.count), h: rowH, maxValue: top,
                                  cssClass: "emg", color: "#3b6aa0")
            body += "<text x=\"\(left - 4)\" y=\"\(y + 10)\" text-anchor=\"end\">\(esc(num(top, 0))) µV</text>"
            rows.append(("EMG", y, rowH))
            y += rowH + gapBetween
        }
        if activity.contains(where: { $0.isFinite }) {
            let values = SVG.maxBins(activity, bins: bins)
            let top = max(0.05, Double(values.filter { $0.isFinite }.max() ?? 0) * 1.1)
            body += SVG.polylines(values, x0: left, y0: y, w: span(activity.count), h: rowH, maxValue: top,
                                  cssClass: "accel", color: "#6d4c9f")
            body += "<text x=\"\(left - 4)\" y=\"\(y + 10)\" text-anchor=\"end\">\(esc(num(top, 2))) g</text>"
            rows.append(("movement", y, rowH))
            y += rowH + gapBetween
        }
        if !night.emgMeasured {
            body += "<text class=\"no-emg\" x=\"\(left)\" y=\"\(y + 12)\">"
                + "EMG: none — \(esc(NightReport.noEMGNote)).</text>"
            rows.append(("EMG", y, 16))
            y += 24
        }
        if envelope.isEmpty && activity.isEmpty {
            body += "<text x=\"\(left)\" y=\"\(y + 12)\">No per-second trace was saved with this night "
                + "(saved before traces were kept); events are still shown.</text>"
            y += 24
        }
    }

    /// Sleep/wake band: asleep unless a wake bout; no data in gaps. A night whose wake was not measured (no
    /// accelerometer, no scored stages) gets a grey band that says so, never a night drawn as all sleep.
    mutating func drawSleepBand(_ events: [EventRecord], stages: (sleep: [Range<Double>], wake: [Range<Double>])?) {
        if let stages { return drawScoredStages(stages) }
        guard night.wakeMeasured else {
            body += bandRect("not-measured", 0..<duration, "#e0e0e0", "sleep and wake not measured")
                + "<text class=\"no-wake\" x=\"\(left + 4)\" y=\"\(y + 11)\">sleep and wake not measured (no "
                + "accelerometer, no scored stages)</text>"
            return endBand("sleep / wake")
        }
        body += bandRect("sleep", 0..<duration, "#c9dcf2", "asleep (no movement bout)")
        for e in events where e.kind == "sleep_interruption" {
            body += bandRect("wake", e.onsetSeconds..<e.offsetSeconds, "#f4a259", "awake \(at(e.onsetSeconds)), "
                             + Words.duration(e.offsetSeconds - e.onsetSeconds))
        }
        endBand("sleep / wake")
    }

    /// The lab's scored stages as the band: sleep blue, wake orange, what the lab did not score grey — the sleep the
    /// night's figures were computed from, not the detected wake bouts.
    mutating func drawScoredStages(_ stages: (sleep: [Range<Double>], wake: [Range<Double>])) {
        body += bandRect("unscored", 0..<duration, "#e0e0e0", "not scored by the lab")
        for (spans, cls, color, words) in [(stages.sleep, "lab-sleep", "#c9dcf2", "asleep"),
                                           (stages.wake, "lab-wake", "#f4a259", "awake")] {
            // Epochs that touch drawn as one span: fewer shapes, and no seams between 30-s epochs.
            for s in Hypnogram.runs(spans).map({ $0.onset..<$0.offset }) {
                body += bandRect(cls, s, color, "\(words) \(at(s.lowerBound)), "
                                 + "\(Words.duration(s.upperBound - s.lowerBound)) (the lab's scored stages)")
            }
        }
        endBand("sleep (lab)")
    }

    /// One span of the sleep band (at least a pixel wide), with what it means on hover.
    func bandRect(_ cls: String, _ span: Range<Double>, _ color: String, _ title: String) -> String {
        let w = max(1, x(span.upperBound) - x(span.lowerBound))
        return "<rect class=\"\(cls)\" x=\"\(num(x(span.lowerBound), 1))\" y=\"\(y)\" width=\"\(num(w, 1))\" "
            + "height=\"\(Self.bandHeight)\" fill=\"\(color)\"><title>\(esc(title))</title></rect>"
    }

    static let bandHeight = 14.0

    /// The band's row label, and the next row below it.
    mutating func endBand(_ label: String) {
        rows.append((label, y, Self.bandHeight))
        y += Self.bandHeight + gapBetween
    }

    /// Event markers, and the cramps the person noticed as diamonds at the time they wrote down.
    mutating func drawEvents(_ events: [EventRecord], noticed: [SelfReportedCramp]) {
        let markY = y, markH = 18.0
        for e in events {
            body += marker(e, markY: markY, markH: markH)
        }
        if let start = night.startedAt {
            for r in noticed {
                let cx = x(r.time.timeIntervalSince(start)), cy = markY + markH / 2
                let points = "\(num(cx, 1)),\(num(cy - 7, 1)) \(num(cx + 5, 1)),\(num(cy, 1)) "
                    + "\(num(cx, 1)),\(num(cy + 7, 1)) \(num(cx - 5, 1)),\(num(cy, 1))"
                let noted = "you noted a cramp at \(esc(Common.clock(r.time, tz, "HH:mm"))), \(esc(r.leg)) leg, "
                    + "pain \(r.pain)/10"
                body += "<polygon class=\"self-report\" points=\"\(points)\" fill=\"#ffd54f\" stroke=\"#5d4037\" "
                    + "stroke-width=\"1\"><title>\(noted)</title></polygon>"
            }
        }
        rows.append(("events", markY, markH + 18))
        y += markH + 18 + gapBetween
    }

    /// One event's mark on the event row: a bar, a tick or a triangle by kind.
    private func marker(_ e: EventRecord, markY: Double, markH: Double) -> String {
        let x0 = x(e.onsetSeconds), w = max(2, x(e.offsetSeconds) - x0)
        let when = esc(at(e.onsetSeconds))
        switch e.kind {
        case "cramp":
            return "<rect class=\"cramp\" x=\"\(num(x0, 1))\" y=\"\(markY)\" width=\"\(num(w, 1))\" "
                + "height=\"\(markH)\" fill=\"#c62828\"><title>cramp \(when), "
                + "\(esc(Words.duration(e.offsetSeconds - e.onsetSeconds)))</title></rect>"
        case "leg_movement":
            return "<line class=\"leg-movement\" x1=\"\(num(x0, 1))\" y1=\"\(markY + markH + 2)\" x2=\"\(num(x0, 1))\" "
                + "y2=\"\(markY + markH + 12)\" stroke=\"#2e7d32\" stroke-width=\"1.5\"><title>leg movement "
                + "\(when)</title></line>"
        case "sleep_interruption":
            return "<polygon class=\"awakening\" points=\"\(num(x0 - 4, 1)),\(markY - 1) "
                + "\(num(x0 + 4, 1)),\(markY - 1) \(num(x0, 1)),\(markY + 6)\" fill=\"#e65100\">"
                + "<title>awakening \(when)</title></polygon>"
        case "artifact":
            return "<rect class=\"artifact\" x=\"\(num(x0, 1))\" y=\"\(markY + markH + 14)\" width=\"\(num(w, 1))\" "
                + "height=\"4\" fill=\"#9e9e9e\"><title>signal problem \(when)</title></rect>"
        default:
            return ""
        }
    }

    /// Imported reference labels, on a row of their own.
    mutating func drawReferences(_ annotations: [ReferenceAnnotationRecord]) {
        guard !annotations.isEmpty else { return }
        for a in annotations {
            let w = max(2, x(a.offsetSeconds) - x(a.onsetSeconds))
            body += "<rect class=\"reference\" x=\"\(num(x(a.onsetSeconds), 1))\" y=\"\(y)\" width=\"\(num(w, 1))\" "
                + "height=\"8\" fill=\"#455a64\"><title>reference \(esc(a.kind)) (\(esc(a.source)))</title></rect>"
        }
        rows.append(("reference", y, 8))
        y += 8 + gapBetween
    }

    /// Gaps: every one as a tick on the "data" row; those wider than a pixel also hatched over every row,
    /// so missing data is never mistaken for quiet.
    mutating func drawGaps(_ gaps: [GapRecord]) {
        let dataY = y, top = 14.0
        body += "<rect x=\"\(left)\" y=\"\(dataY)\" width=\"\(num(plotW, 1))\" height=\"8\" fill=\"#e8f5e9\">"
            + "<title>data received</title></rect>"
        for g in gaps {
            let x0 = x(g.onsetSeconds), w = x(g.offsetSeconds) - x0
            let what = "no data: \(Words.duration(g.offsetSeconds - g.onsetSeconds)), "
                + "\(Words.count(g.framesLost, "frame")) lost"
            body += "<rect class=\"gap\" x=\"\(num(x0, 1))\" y=\"\(dataY)\" width=\"\(num(max(1, w), 1))\" "
                + "height=\"8\" fill=\"#424242\"><title>\(esc(what))</title></rect>"
            if w >= 1 {
                body += "<rect class=\"gap-span\" x=\"\(num(x0, 1))\" y=\"\(top)\" width=\"\(num(w, 1))\" "
                    + "height=\"\(num(dataY - top, 1))\" fill=\"url(#hatch)\" stroke=\"#757575\" stroke-width=\"0.5\">"
                    + "<title>\(esc(what))</title></rect>"
            }
        }
        rows.append(("data", dataY, 8))
        y += 8 + gapBetween
    }

    /// The time axis under the rows, the row labels, and the whole SVG element followed by its legend.
    func finished() -> String {
        var body = body
        let axisY = y + 4
        body += "<line x1=\"\(left)\" y1=\"\(axisY)\" x2=\"\(left + plotW)\" y2=\"\(axisY)\" stroke=\"#999\" />"
        // At most about ten ticks, whatever the length: a whole hour per tick beyond 20 hours.
        let step = [60.0, 300, 600, 1800, 3600, 7200].first { duration / $0 <= 10 }
            ?? (duration / 10 / 3600).rounded(.up) * 3600
        // `duration` is at most ten years and `step` a tenth of it or more: the count fits an Int.
        for i in 0...max(0, min(40, Int((duration / step).rounded(.down)))) {
            let t = Double(i) * step
            let label = night.startedAt.map { Common.clock($0.addingTimeInterval(t), tz, "HH:mm") }
                ?? "+" + Words.duration(t)
            body += "<line x1=\"\(num(x(t), 1))\" y1=\"\(axisY)\" x2=\"\(num(x(t), 1))\" y2=\"\(axisY + 4)\" "
                + "stroke=\"#999\" />" + SVG.label(label, x: x(t), y: axisY + 16, width: width, cssClass: "tick")
        }
        let height = axisY + 24
        var labels = ""
        for r in rows {
            labels += "<text x=\"\(left - 6)\" y=\"\(num(r.y + r.h / 2 + 4, 1))\" text-anchor=\"end\">"
                + "\(esc(r.label))</text>"
        }
        let defs = "<defs><pattern id=\"hatch\" width=\"4\" height=\"4\" patternUnits=\"userSpaceOnUse\" "
            + "patternTransform=\"rotate(45)\"><rect width=\"2\" height=\"4\" fill=\"#bdbdbd\" /></pattern></defs>"
        let size = "width=\"\(num(width, 0))\" height=\"\(num(height, 0))\" "
            + "viewBox=\"0 0 \(num(width, 0)) \(num(height, 0))\""
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\" font-size=\"11\" "
            + "font-family=\"sans-serif\" " + size + " role=\"img\" aria-label=\"night timeline\">"
            + "<title>Night timeline</title>"
            + defs + labels + body + "</svg>\n" + Self.legend
    }

    static let legend = "<p class=\"note\">EMG: the detector's envelope above the resting level, strongest channel, "
        + "per second (scale to the 99.5th percentile). Movement: accelerometer activity per second. "
        + "Red bars: cramps; yellow diamonds: cramps you noted; green ticks: leg movements; orange: awakenings and "
        + "time awake; grey bars: signal problems; dark ticks on the data row: gaps (hatched across the chart when "
        + "longer than a pixel).</p>\n"
}
