import Foundation

/// Escapes text for HTML/XML content and attribute values. The reports are also well-formed XML.
func esc(_ s: String) -> String {
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

/// Numbers as reports print them: fixed decimals, no locale surprises.
func num(_ x: Double, _ decimals: Int = 1) -> String { String(format: "%.\(decimals)f", x) }
func pct(_ x: Double) -> String { String(format: "%.0f %%", x * 100) }

func minutesText(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    if s < 60 { return "\(s) s" }
    if s < 3600 { return s % 60 == 0 ? "\(s / 60) min" : "\(s / 60) min \(s % 60) s" }
    return "\(s / 3600) h \((s % 3600) / 60) min"
}

/// A whole self-contained page: inline CSS, inline SVG, no scripts, nothing fetched from a network.
func page(title: String, body: String) -> String {
    """
    <!DOCTYPE html>
    <html lang="en">
    <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>\(esc(title))</title>
    <style>
    body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2em auto; \
    max-width: 62em; color: #1b1b1b; line-height: 1.4; padding: 0 1em; }
    h1 { font-size: 1.5em; margin-bottom: 0.2em; } \
    h2 { font-size: 1.15em; margin-top: 1.6em; border-bottom: 1px solid #ddd; }
    table { border-collapse: collapse; margin: 0.6em 0; } \
    th, td { padding: 0.2em 0.7em; border-bottom: 1px solid #eee; text-align: left; }
    td.n { text-align: right; font-variant-numeric: tabular-nums; }
    .note { color: #555; font-size: 0.9em; } \
    .caveat { background: #fff8e1; border-left: 4px solid #f0b400; padding: 0.5em 1em; }
    .sign-present { color: #a00000; font-weight: bold; } .sign-absent { color: #1b5e20; } .sign-unknown { color: #555; }
    svg { display: block; margin: 0.5em 0; } svg text { font-size: 11px; fill: #333; }
    pre { background: #f6f6f6; padding: 0.6em; overflow-x: auto; font-size: 0.8em; }
    @media print { body { margin: 0; max-width: none; } .noprint { display: none; } }
    </style>
    </head>
    <body>
    \(body)
    </body>
    </html>

    """
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
func cell(_ text: String) -> String { "<td>\(esc(text))</td>" }

/// Inline SVG charts.
enum SVG {
    /// A bar chart: one bar per value, labels under some bars.
    static func bars(_ values: [Double], labels: [String], title: String, unit: String, cssClass: String,
                     width: Double = 900, height: Double = 160, color: String = "#4a78b5") -> String {
        let left = 44.0, bottom = 22.0, top = 16.0
        let maxV = max(values.max() ?? 0, 1)
        let plotH = height - bottom - top, plotW = width - left - 8
        let bw = values.isEmpty ? 0 : min(40, plotW / Double(values.count))
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" font-size=\"11\" font-family=\"sans-serif\" "
            + "width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" "
            + "role=\"img\" aria-label=\"\(esc(title))\">"
        s += "<title>\(esc(title))</title>"
        s += "<text x=\"\(left)\" y=\"11\">\(esc(title)) (\(esc(unit)))</text>"
        s += "<line x1=\"\(left)\" y1=\"\(top + plotH)\" x2=\"\(left + plotW)\" "
            + "y2=\"\(top + plotH)\" stroke=\"#999\" />"
        let decimals = values.allSatisfy { !$0.isFinite || $0 == $0.rounded() } || maxV >= 10 ? 0 : 1
        s += "<text x=\"\(left - 4)\" y=\"\(top + 8)\" text-anchor=\"end\">\(esc(num(maxV, decimals)))</text>"
            + "<text x=\"\(left - 4)\" y=\"\(top + plotH)\" text-anchor=\"end\">0</text>"
        let labelEvery = max(1, Int((Double(values.count) / 12).rounded(.up)))
        for (i, v) in values.enumerated() {
            let h = v.isFinite ? v / maxV * plotH : 0
            let x = left + Double(i) * bw
            s += "<rect class=\"\(cssClass)\" x=\"\(num(x + bw * 0.1, 2))\" y=\"\(num(top + plotH - h, 2))\" "
                + "width=\"\(num(max(1, bw * 0.8), 2))\" height=\"\(num(h, 2))\" "
                + "fill=\"\(color)\"><title>\(esc(i < labels.count ? labels[i] : "")): \(esc(num(v, 2)))</title></rect>"
            if i % labelEvery == 0 && i < labels.count {
                s += "<text x=\"\(num(x + bw / 2, 1))\" y=\"\(num(height - 6, 1))\" "
                    + "text-anchor=\"middle\">\(esc(labels[i]))</text>"
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
