import Foundation

/// Escapes text for HTML and SVG.
func esc(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}

func f1(_ x: Double) -> String { String(format: "%.1f", x) }
func f0(_ x: Double) -> String { String(format: "%.0f", x) }

func minutes(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    if s < 60 { return "\(s) s" }
    if s < 3600 { return s % 60 == 0 ? "\(s / 60) min" : "\(s / 60) min \(s % 60) s" }
    return "\(s / 3600) h \((s % 3600) / 60) min"
}

/// A self-contained page: inline CSS and SVG, nothing fetched from the network.
func page(title: String, body: String) -> String {
    """
    <!DOCTYPE html>
    <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
    <title>\(esc(title))</title>
    <style>
    body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.45}
    h1{font-size:1.6rem;margin-bottom:.2rem} h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
    .big{font-size:2.2rem;font-weight:600} .cards{display:flex;flex-wrap:wrap;gap:1rem} .card{border:1px solid #ddd;border-radius:.5rem;padding:.6rem 1rem;min-width:9rem}
    .muted{color:#666;font-size:.9rem} table{border-collapse:collapse;margin:.5rem 0} td,th{border-bottom:1px solid #eee;padding:.25rem .6rem;text-align:left}
    .warn{background:#fff4e5;border-left:4px solid #e67e22;padding:.5rem 1rem} .ok{background:#eef7ee;border-left:4px solid #2e8b57;padding:.5rem 1rem}
    @media print{body{margin:0;max-width:none}.noprint{display:none}}
    </style></head><body>
    \(body)
    <p class="muted">Made by Crampwatch on \(esc(ISO8601DateFormatter().string(from: Date()))). Detected events are estimates from EMG and movement sensors, not a diagnosis.</p>
    </body></html>
    """
}

/// A vertical bar chart as inline SVG.
func barChart(_ values: [(label: String, value: Double)], unit: String, width: Double = 720, height: Double = 200, color: String = "#3a6ea5") -> String {
    guard !values.isEmpty else { return "<p class=\"muted\">No data yet.</p>" }
    let maxV = max(1, values.map(\.value).max() ?? 1)
    let left = 40.0, bottom = height - 30, top = 10.0
    let w = (width - left - 10) / Double(values.count)
    var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"\(esc(unit))\" font-size=\"11\">"
    s += "<line x1=\"\(left)\" y1=\"\(bottom)\" x2=\"\(width - 10)\" y2=\"\(bottom)\" stroke=\"#999\"/>"
    s += "<text x=\"\(left - 4)\" y=\"\(top + 8)\" text-anchor=\"end\">\(f1(maxV))</text><text x=\"\(left - 4)\" y=\"\(bottom)\" text-anchor=\"end\">0</text>"
    for (i, v) in values.enumerated() {
        let h = (bottom - top) * v.value / maxV
        let x = left + Double(i) * w
        s += "<rect x=\"\(f1(x + 1))\" y=\"\(f1(bottom - h))\" width=\"\(f1(max(1, w - 2)))\" height=\"\(f1(h))\" fill=\"\(color)\"><title>\(esc(v.label)): \(f1(v.value)) \(esc(unit))</title></rect>"
        if values.count <= 31 || i % max(1, values.count / 15) == 0 {
            s += "<text x=\"\(f1(x + w / 2))\" y=\"\(bottom + 14)\" text-anchor=\"middle\">\(esc(v.label))</text>"
        }
    }
    return s + "</svg>"
}

/// Wilson score interval for a proportion (95 %).
func wilson(_ successes: Int, _ n: Int) -> (low: Double, high: Double) {
    guard n > 0 else { return (0, 1) }
    let z = 1.96, p = Double(successes) / Double(n), nn = Double(n)
    let centre = (p + z * z / (2 * nn)) / (1 + z * z / nn)
    let half = z * ((p * (1 - p) + z * z / (4 * nn)) / nn).squareRoot() / (1 + z * z / nn)
    return (max(0, centre - half), min(1, centre + half))
}
