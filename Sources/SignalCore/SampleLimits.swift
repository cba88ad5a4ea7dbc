import CSignalKernels

/// The largest values the detector takes in. A recording may hold anything (a CSV cell of 1e39, an EDF whose
/// physical range is ±1e20): past these limits a sample is clipped to the limit, and for EMG the stretch is then
/// reported as a clipping artifact, so no value that could overflow a filter (and stay non-finite for the rest
/// of the night) ever reaches one. Nothing is lost: the rest of the night is detected as usual. EMG is bounded
/// where the filter cascade loads each sample (`CW_EMG_LIMIT_UV`, in the AVX kernel and the reference alike), so
/// the bound costs two instructions per sample and no pass of its own.
public enum SampleLimits {
    /// 1 V: far beyond any surface EMG (a few mV) and any amplifier's rail, far below where a squared value
    /// overflows `Float`.
    public static let emgMicrovolts: Float = CW_EMG_LIMIT_UV
    /// 1000 g: beyond any accelerometer a sleeper wears (they saturate at 2 to 16 g).
    public static let accelG: Float = 1000

    /// A source's EMG value in µV as the detector and the exports take it: clipped to ±`emgMicrovolts` (a CSV
    /// cell of 1e39 would otherwise become an infinite `Float`).
    @inlinable
    public static func emg(_ microvolts: Double) -> Float { clip(Float(microvolts), limit: emgMicrovolts) }

    /// A source's accelerometer value in g, clipped to ±`accelG`.
    @inlinable
    public static func accel(_ g: Double) -> Float { clip(Float(g), limit: accelG) }

    /// `x` clipped to ±`limit`; NaN becomes +`limit` (a value nobody can trust, marked as clipping). Two compares
    /// and two selects: `x < limit` is false for NaN.
    @inlinable
    static func clip(_ x: Float, limit: Float) -> Float {
        x < limit ? (x > -limit ? x : -limit) : limit
    }

    /// The accelerometer sample clipped to ±`accelG` per axis, NaN to +`accelG`.
    @inline(__always)
    static func clip(_ a: SIMD3<Float>) -> SIMD3<Float> {
        SIMD3(clip(a.x, limit: accelG), clip(a.y, limit: accelG), clip(a.z, limit: accelG))
    }
}
