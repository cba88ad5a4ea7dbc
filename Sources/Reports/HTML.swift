import Foundation
import NightAnalysis

/// Escapes text for HTML/XML content and attribute values. The reports are also well-formed XML; the web app
/// escapes with this too, so whatever a person typed shows as text on every page.
public func esc(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.count)
    for ch in s {
        switch ch {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(ch)
        }
    }
    return out
}

/// Numbers as drawings print them (SVG coordinates): fixed decimals, no locale surprises. Text a person reads
/// goes through ``Words``.
func num(_ x: Double, _ decimals: Int = 1) -> String { String(format: "%.\(decimals)f", x.isFinite ? x : 0) }

/// The paper a page is printed on. Without one the page leaves the size to the printer's settings, and the
/// clinician page is laid out to fit either.
public enum Paper: String, Sendable, CaseIterable {
    case a4, letter

    /// The size as CSS's `@page` names it.
    var cssSize: String { self == .a4 ? "A4" : "letter" }
}

/// A report's page before it is framed: its title, its body and the paper it declares. The web app
/// (`crampwatch serve`) sets the same body in its own frame, so a page and its report share one drawing code.
public struct ReportBody: Sendable {
    public var title: String
    /// Escaped HTML, ready to go inside `<body>`.
    public var html: String
    public var paper: Paper?

    public init(title: String, html: String, paper: Paper? = nil) {
        self.title = title
        self.html = html
        self.paper = paper
    }
}

/// The reports' style sheet: the web app serves it too, so a report prints the same from either.
public enum ReportStyle {
    /// The rules every report page carries (without `@page`, which depends on the paper).
    public static let css = """
    body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2em auto; \
    max-width: 62em; color: #1b1b1b; line-height: 1.4; padding: 0 1em; }
    h1 { font-size: 1.5em; margin-bottom: 0.2em; } \
    h2 { font-size: 1.15em; margin-top: 1.6em; border-bottom: 1px solid #ddd; }
    table { border-collapse: collapse; margin: 0.6em 0; } \
    th, td { padding: 0.2em 0.7em; border-bottom: 1px solid #eee; text-align: left; }
    td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; } td.nw { white-space: nowrap; }
    .note { color: #555; font-size: 0.9em; } \
    .caveat { background: #fff8e1; border-left: 4px solid #f0b400; padding: 0.5em 1em; }
    .sign-present { color: #a00000; font-weight: bold; } .sign-absent { color: #1b5e20; } .sign-unknown { color: #555; }
    svg { display: block; margin: 0.5em 0; max-width: 100%; height: auto; } svg text { font-size: 11px; fill: #333; }
    pre { background: #f6f6f6; padding: 0.6em; overflow-x: auto; font-size: 0.8em; }
    .thresholds { columns: 3 16em; column-gap: 2em; font: 0.75em/1.3 monospace, monospace; margin: 0.3em 0 0.8em; \
    padding: 0; list-style: none; } .thresholds li { break-inside: avoid; } \
    .thresholds code { font: inherit; color: #555; }
    .columns { display: grid; grid-template-columns: 1fr 1fr; column-gap: 2em; }
    @media print {
    body { margin: 0; max-width: none; padding: 0; }
    .noprint { display: none; }
    table, svg, figure, .caveat, li, tr, .thresholds { break-inside: avoid; }
    h1, h2, h3 { break-after: avoid; }
    }
    .one-page h1 { font-size: 1.3em; margin: 0 0 0.2em; } .one-page h2 { font-size: 1.02em; margin: 0.7em 0 0.2em; }
    .one-page p, .one-page ul { margin: 0.3em 0; } .one-page table { margin: 0.2em 0; }
    .one-page th, .one-page td { padding: 0.05em 0.5em; } .one-page li { margin: 0; }
    @media print { .one-page { font-size: 9pt; line-height: 1.25; } .one-page .caveat { padding: 0.25em 0.7em; } }
    """

    /// `@page` for a paper (nil: the printer's).
    public static func pageRule(_ paper: Paper?) -> String {
        "@page { \(paper.map { "size: \($0.cssSize); " } ?? "")margin: 12mm 13mm; }"
    }
}

/// A whole self-contained page: inline CSS, inline SVG, no scripts, nothing fetched from a network.
///
/// Printing keeps every table, drawing and figure whole on one page and every heading with what follows it;
/// drawings shrink to the paper's width.
func page(_ b: ReportBody) -> String {
    """
    <!DOCTYPE html>
    <html lang="en">
    <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>\(esc(b.title))</title>
    <style>
    \(ReportStyle.pageRule(b.paper))
    \(ReportStyle.css)
    </style>
    </head>
    <body>
    \(b.html)
    </body>
    </html>

    """
}

func page(title: String, body: String, paper: Paper? = nil) -> String {
    page(ReportBody(title: title, html: body, paper: paper))
}

/// A table from a header and rows of already-escaped cells.
func table(_ header: [String], _ rows: [[String]], cssClass: String? = nil) -> String {
    let attributes = cssClass.map { " class=\"\($0)\"" } ?? ""
    var s = "<table\(attributes)><thead><tr>" + header.map { "<th>\(esc($0))</th>" }.joined() + "</tr></thead><tbody>\n"
    for r in rows { s += "<tr>" + r.joined() + "</tr>\n" }
    return s + "</tbody></table>\n"
}

/// A cell holding a number that tests (and people) can find by its metric name.
func metric(_ name: String, _ text: String) -> String {
    "<td class=\"n\" data-metric=\"\(esc(name))\">\(esc(text))</td>"
}
/// A cell of text; `nowrap` keeps a time or a duration ("1 min 32 s") on one line.
func cell(_ text: String, nowrap: Bool = false) -> String {
    nowrap ? "<td class=\"nw\">\(esc(text))</td>" : "<td>\(esc(text))</td>"
}

/// A cell holding a duration in words, with its seconds in `data-seconds` for tools (left out when unknown).
func durationMetric(_ name: String, _ seconds: Double?) -> String {
    guard let seconds else { return metric(name, "—") }
    let exact = Words.isKnownDuration(seconds) ? " data-seconds=\"\(num(max(0, seconds), 3))\"" : ""
    return "<td class=\"n\"\(exact) data-metric=\"\(esc(name))\">\(esc(Words.duration(seconds)))</td>"
}

/// One slot of a bar chart: a bar, or a pale column saying why there is none.
struct BarSlot {
    /// Under the slot (some labels are left out when there are many slots).
    var label: String
    /// The bar's height in the chart's unit; nil or not finite: no bar.
    var value: Double?
    /// What a pointer over the slot says.
    var title: String
    /// Why there is no bar ("no recording"): the slot is drawn as a pale column.
    var empty: String? = nil
    /// Drawn pale behind the bar (the nights recorded in a week behind its cramp nights).
    var backdrop: Double? = nil
    /// Cramps the person noted while nothing was recording: a diamond at that height.
    var noted: Int = 0
}

/// Inline SVG charts.
enum SVG {
    /// The width of `text` at 11 px, a little more than a sans-serif font takes, so a label kept inside by
    /// this estimate is inside on the page.
    static func estimatedWidth(_ text: String, fontSize: Double = 11) -> Double {
        Double(text.count) * fontSize * 0.62
    }

    /// A label centred on `x`, or anchored at its start or end where centring would cut it at an edge of a
    /// drawing `width` wide (the last hour on a time axis ends at the right edge).
    static func label(_ text: String, x: Double, y: Double, width: Double, cssClass: String? = nil) -> String {
        let half = estimatedWidth(text) / 2
        let (anchor, at): (String, Double)
        if x + half > width - 1 {
            (anchor, at) = ("end", min(x, width - 1))
        } else if x - half < 1 {
            (anchor, at) = ("start", max(x, 1))
        } else {
            (anchor, at) = ("middle", x)
        }
        let css = cssClass.map { " class=\"\($0)\"" } ?? ""
        return "<text\(css) x=\"\(num(at, 1))\" y=\"\(num(y, 1))\" text-anchor=\"\(anchor)\">\(esc(text))</text>"
    }

    /// A bar chart of plain values, one labelled slot each.
    static func bars(_ values: [Double], labels: [String], title: String, unit: String, cssClass: String,
                     width: Double = 900, height: Double = 160, color: String = "#4a78b5") -> String {
        let slots = values.indices.map { i in
            let label = i < labels.count ? labels[i] : ""
            return BarSlot(label: label, value: values[i], title: "\(label): \(Words.number(values[i], decimals: 0))")
        }
        return bars(slots, title: title, unit: unit, cssClass: cssClass, width: width, height: height, color: color)
    }

    /// A bar chart: one slot per entry, a bar where there is a value, a pale column where there is a reason
    /// for none, and a diamond for cramps noted while nothing was recording.
    static func bars(_ slots: [BarSlot], title: String, unit: String, cssClass: String, width: Double = 900,
                     height: Double = 160, color: String = "#4a78b5", maxValue: Double? = nil) -> String {
        let left = 44.0, bottom = 22.0, top = 16.0
        let heights = slots.flatMap { [$0.value ?? 0, $0.backdrop ?? 0, Double($0.noted)] }.filter(\.isFinite)
        let maxV = maxValue ?? max(heights.max() ?? 0, 1)
        let plotH = height - bottom - top, plotW = width - left - 8, base = top + plotH
        let bw = slots.isEmpty ? 0 : min(40, plotW / Double(slots.count))
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" font-size=\"11\" font-family=\"sans-serif\" "
            + "width=\"\(num(width, 0))\" height=\"\(num(height, 0))\" "
            + "viewBox=\"0 0 \(num(width, 0)) \(num(height, 0))\" role=\"img\" aria-label=\"\(esc(title))\">"
        s += "<title>\(esc(title))</title>"
        s += "<text x=\"\(left)\" y=\"11\">\(esc(title))\(unit.isEmpty ? "" : " (\(esc(unit)))")</text>"
        s += "<line x1=\"\(left)\" y1=\"\(base)\" x2=\"\(left + plotW)\" y2=\"\(base)\" stroke=\"#999\" />"
        let whole = heights.allSatisfy { $0 == $0.rounded() } || maxV >= 10
        s += "<text x=\"\(left - 4)\" y=\"\(top + 8)\" text-anchor=\"end\">\(esc(num(maxV, whole ? 0 : 1)))</text>"
            + "<text x=\"\(left - 4)\" y=\"\(base)\" text-anchor=\"end\">0</text>"
        let y = { (v: Double) -> Double in base - min(max(v / maxV, 0), 1) * plotH }
        let labelEvery = max(1, (slots.count + 11) / 12)
        for (i, slot) in slots.enumerated() {
            let x = left + Double(i) * bw, inner = num(max(1, bw * 0.8), 2), x0 = num(x + bw * 0.1, 2)
            if let empty = slot.empty {
                s += "<rect class=\"slot-empty\" data-empty=\"\(esc(empty))\" x=\"\(x0)\" y=\"\(top)\" "
                    + "width=\"\(inner)\" height=\"\(num(plotH, 2))\" fill=\"#f0f0f0\" stroke=\"#c8c8c8\" "
                    + "stroke-dasharray=\"2,2\">"
                    + "<title>\(esc(slot.title))</title></rect>"
            }
            if let b = slot.backdrop, b.isFinite, b > 0 {
                s += "<rect class=\"backdrop\" x=\"\(x0)\" y=\"\(num(y(b), 2))\" width=\"\(inner)\" "
                    + "height=\"\(num(base - y(b), 2))\" fill=\"#dde3ea\"><title>\(esc(slot.title))</title></rect>"
            }
            if let v = slot.value, v.isFinite {
                s += "<rect class=\"\(cssClass)\" x=\"\(x0)\" y=\"\(num(y(v), 2))\" width=\"\(inner)\" "
                    + "height=\"\(num(base - y(v), 2))\" fill=\"\(color)\"><title>\(esc(slot.title))</title></rect>"
            }
            if slot.noted > 0 {
                let cx = x + bw / 2, cy = y(Double(slot.noted))
                let points = "\(num(cx, 1)),\(num(cy - 6, 1)) \(num(cx + 5, 1)),\(num(cy, 1)) "
                    + "\(num(cx, 1)),\(num(cy + 6, 1)) \(num(cx - 5, 1)),\(num(cy, 1))"
                s += "<polygon class=\"noted\" points=\"\(points)\" fill=\"#ffd54f\" "
                    + "stroke=\"#5d4037\"><title>\(esc(slot.title))</title></polygon>"
            }
            if i % labelEvery == 0 {
                s += label(slot.label, x: x + bw / 2, y: height - 6, width: width)
            }
        }
        return s + "</svg>\n"
    }

    /// Reduces a series to at most `bins` points, keeping each bin's maximum (so short bursts stay
    /// visible); NaN when a bin has no data.
    static func maxBins(_ xs: [Float], bins: Int) -> [Float] {
        guard xs.count > bins, bins > 0 else { return xs }
        return (0..<bins).map { b in
            let lo = b * xs.count / bins, hi = max(lo + 1, (b + 1) * xs.count / bins)
            var m = Float.nan
            for v in xs[lo..<hi] where v.isFinite { m = m.isNaN ? v : max(m, v) }
            return m
        }
    }

    /// Polyline segments for a series on [x0, x0 + w], breaking at NaN (no data is shown as no line, never bridged).
    static func polylines(_ xs: [Float], x0: Double, y0: Double, w: Double, h: Double, maxValue: Double,
                          cssClass: String, color: String) -> String {
        guard !xs.isEmpty, maxValue > 0 else { return "" }
        var s = "", points: [String] = []
        func flush() {
            if points.count >= 2 {
                s += "<polyline class=\"\(cssClass)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1\" "
                    + "points=\"\(points.joined(separator: " "))\" />"
            }
            points = []
        }
        let dx = w / Double(max(1, xs.count - 1))
        for (i, v) in xs.enumerated() {
            if !v.isFinite { flush(); continue }
            let y = y0 + h - min(1, Double(v) / maxValue) * h
            points.append("\(num(x0 + Double(i) * dx, 1)),\(num(y, 1))")
        }
        flush()
        return s
    }
}
