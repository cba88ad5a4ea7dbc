/// The limits every number read from a recording must keep, and the one checked conversion from an
/// input-derived `Double` to an integer. A value outside its bound is a `RecordingError` naming the file,
/// the place and the field, never a trap: `Int(x)` on a value from a file would end the process when
/// the file says 1e16 or 1e-300.
public enum InputBounds {
    /// The longest recording, and the longest jump in time inside one: two nights and a day. A CSV whose
    /// time column jumps further, or an EDF/BDF longer than this, is refused rather than read as a gap.
    public static let longestSeconds: Double = 48 * 3600
    /// Sampling rates any signal may have (a rate outside is a damaged header or time column).
    public static let sampleRatesHz: ClosedRange<Double> = 0.001...100_000
    /// The shortest EDF/BDF data record (except 0, which EDF+ allows for annotation-only files).
    public static let shortestRecordSeconds: Double = 0.001

    /// `value` rounded to a whole number, if it is finite and inside `range`; nil otherwise.
    public static func wholeIfInside(_ value: Double, _ range: ClosedRange<Double>) -> Int? {
        // 9e18 keeps every accepted value inside Int, whatever range a caller gives.
        guard value.isFinite, range.contains(value), abs(value) < 9e18 else { return nil }
        return Int(value.rounded())
    }

    /// `value` rounded to a whole number, if it is finite and inside `range`; else a `RecordingError` saying
    /// `otherwise` at `offset` of `path`.
    public static func whole(_ value: Double, in range: ClosedRange<Double>, path: String, offset: UInt64?,
                             otherwise message: @autoclosure () -> String) throws -> Int {
        guard let n = wholeIfInside(value, range) else { throw RecordingError(path: path, offset: offset, message()) }
        return n
    }

    /// A bound as a person writes it: 172800, not 172800.0.
    static func number(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
    }

    /// A number from a damaged file, short enough to read: 1e16 rather than 9.99999999999928e+15, 100000200
    /// rather than 100000200.0, 0.0013 as it is; NaN and infinities by name.
    public static func readable(_ v: Double) -> String {
        guard v.isFinite else { return v.isNaN ? "NaN" : (v > 0 ? "infinity" : "-infinity") }
        let a = abs(v)
        if a == 0 || (a >= 1e-4 && a < 1e9) {
            let r = (v * 1000).rounded() / 1000
            return number(r)
        }
        var m = a, e = 0
        while m >= 10 { m /= 10; e += 1 }
        while m < 1 { m *= 10; e -= 1 }
        m = (m * 100).rounded() / 100
        if m >= 10 { m /= 10; e += 1 }
        return (v < 0 ? "-" : "") + number(m) + "e\(e)"
    }
}
