import Foundation
import NightAnalysis

/// The last seconds of a night being recorded, drawn with the timeline's own traces and colours: the EMG level
/// above rest and the movement, one point a second (`crampwatch serve`'s Tonight).
public enum LiveDrawing {
    public static func levels(envelope: [Float], activity: [Float], width: Double = 360) -> String {
        let left = 52.0, rowH = 48.0, top = 18.0, plotW = width - left - 6
        let height = top + 2 * rowH + 20
        let seconds = max(envelope.count, activity.count)
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" font-size=\"11\" font-family=\"sans-serif\" "
            + "width=\"\(num(width, 0))\" height=\"\(num(height, 0))\" viewBox=\"0 0 \(num(width, 0)) "
            + "\(num(height, 0))\" role=\"img\" aria-label=\"EMG level and movement, the last "
            + "\(seconds) seconds\"><title>EMG level and movement, the last \(seconds) seconds</title>"
        s += "<text x=\"\(num(left, 0))\" y=\"11\">The last \(esc(Words.count(seconds, "second")))</text>"
        let rows: [(values: [Float], unit: String, decimals: Int, color: String, css: String, least: Double)] = [
            (envelope, "µV", 0, "#3b6aa0", "emg", 1), (activity, "g", 2, "#6d4c9f", "accel", 0.05),
        ]
        for (i, r) in rows.enumerated() {
            let y = top + Double(i) * rowH
            let peak = max(r.least, Double(r.values.filter(\.isFinite).max() ?? 0) * 1.1)
            s += "<line x1=\"\(num(left, 0))\" y1=\"\(num(y + rowH - 6, 1))\" x2=\"\(num(left + plotW, 0))\" "
                + "y2=\"\(num(y + rowH - 6, 1))\" stroke=\"#ccc\" />"
            s += SVG.polylines(r.values, x0: left, y0: y, w: plotW, h: rowH - 6, maxValue: peak, cssClass: r.css,
                               color: r.color)
            s += "<text x=\"\(num(left - 4, 0))\" y=\"\(num(y + 10, 0))\" text-anchor=\"end\">"
                + "\(esc(num(peak, r.decimals))) \(r.unit)</text>"
            s += "<text x=\"\(num(left - 4, 0))\" y=\"\(num(y + rowH - 8, 0))\" text-anchor=\"end\">"
                + "\(i == 0 ? "EMG" : "move")</text>"
        }
        return s + "</svg>\n"
    }
}
