/// Every threshold of the detector, with its unit and its source. Codable so it can be stored,
/// hashed and named in the journal.
public struct DetectorConfiguration: Sendable, Codable, Hashable {
    // Filtering (surface EMG conventions: 20 Hz high-pass against motion, ~450 Hz low-pass).
    public var bandLowHz: Double = 20
    public var bandHighHz: Double = 450
    public var filterOrder: Int = 2
    /// 50 or 60; 0 disables the notch.
    public var mainsHz: Double = 50
    public var notchHarmonics: Int = 3
    public var notchQ: Double = 30

    // Envelope and baseline (S-PLMAD: 0.15 s RMS, 30 s noise floor).
    public var envelopeWindowSeconds: Double = 0.15
    public var baselineWindowSeconds: Int = 30
    /// Percentile of the 1-s envelope means in the baseline window taken as "resting".
    public var baselinePercentile: Double = 0.2

    // Leg movements (WASM 2016).
    public var legMovementOnsetAboveRestMicrovolts: Float = 8
    public var legMovementOffsetAboveRestMicrovolts: Float = 2
    public var legMovementOffsetQuietSeconds: Double = 0.5
    public var legMovementMinSeconds: Double = 0.5
    public var legMovementMaxSeconds: Double = 10

    // Cramps.
    public var crampMinSeconds: Double = 10
    /// Mean envelope above rest over the whole contraction.
    public var crampMinMeanAboveRestMicrovolts: Float = 15
    /// The contraction must begin while the leg is still: accelerometer activity from 1 s before to this
    /// many seconds after onset stays under `movementThresholdG`. Voluntary movement starts with motion.
    public var crampStillOnsetSeconds: Double = 2
    /// Accelerometer activity is measured this long after each cramp (stretching, getting up).
    public var crampAfterSeconds: Double = 10
    /// Longer than this is a change of resting level (electrode, posture), not a cramp.
    public var crampMaxSeconds: Double = 900

    // Accelerometer.
    /// Activity = 1-s mean of the sample-to-sample change of the acceleration vector (g).
    public var movementThresholdG: Float = 0.02
    /// A sleep interruption: movement spread over at least this long…
    public var wakeMinSeconds: Double = 60
    /// …ending after this long without movement.
    public var wakeEndQuietSeconds: Double = 45

    // Artifacts.
    public var flatLineMicrovolts: Float = 0.3
    /// Mains-dominated: 50/60 Hz power this many times the rest of the band, and above `mainsMinMicrovolts`.
    public var mainsRatio: Float = 4
    public var mainsMinMicrovolts: Float = 20
    /// An artifact ends after this long without its cause.
    public var artifactHoldSeconds: Double = 1
    public var artifactMinSeconds: Double = 0.5

    /// Also report every burst of muscle activity (kind `muscle_activity`), classified or not.
    public var reportMuscleActivity: Bool = false

    // Data gaps.
    /// Gaps up to this long are bridged by holding the envelope; longer ones restart the detector.
    public var maxBridgeSeconds: Double = 1

    public init() {}

    /// Checks ranges; the message says what to change.
    public func validate(sampleRateHz: Double) throws {
        guard sampleRateHz >= 100 && sampleRateHz <= 20_000 else {
            throw ConfigurationError("EMG sampling rate \(sampleRateHz) Hz is outside 100…20000 Hz")
        }
        guard bandLowHz > 0 && bandLowHz < bandHighHz else {
            throw ConfigurationError("band-pass low edge (\(bandLowHz) Hz) must be above 0 and below the high edge (\(bandHighHz) Hz)")
        }
        guard envelopeWindowSeconds >= 0.01 && envelopeWindowSeconds <= 2 else {
            throw ConfigurationError("envelope window \(envelopeWindowSeconds) s is outside 0.01…2 s")
        }
        guard baselineWindowSeconds >= 2 && baselineWindowSeconds <= 600 else {
            throw ConfigurationError("baseline window \(baselineWindowSeconds) s is outside 2…600 s")
        }
        guard legMovementOffsetAboveRestMicrovolts < legMovementOnsetAboveRestMicrovolts else {
            throw ConfigurationError("leg-movement offset threshold must be below the onset threshold")
        }
        guard crampMinSeconds >= 1 else { throw ConfigurationError("minimum cramp duration must be at least 1 s") }
    }
}
