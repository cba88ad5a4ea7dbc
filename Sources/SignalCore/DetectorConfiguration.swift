/// How the EMG envelope is computed.
public enum EnvelopeKind: String, Sendable, Codable, Hashable, CaseIterable {
    /// Rectified RMS of the band-passed, notched signal.
    case rms
    /// Teager–Kaiser energy operator, then RMS: sharpens onsets, changes the amplitude scale.
    case tkeo
}

/// Every threshold of the detector. Codable (JSON, readable and editable by a person), versioned, and
/// tolerant: a file may leave out any setting (the default applies) but may not name one that does not exist
/// (a typo would otherwise be silently ignored).
///
/// Each setting's key, unit, meaning, source, stage and allowed range are declared once, in `settings`
/// (DetectorSettings.swift); a new setting is a stored property here plus one entry there.
public struct DetectorConfiguration: Sendable, Codable, Hashable {
    /// The format version this build writes.
    public static let currentVersion = 1

    /// Format version of this configuration.
    public var version: Int = 1

    // Filtering.
    /// Band-pass low edge.
    public var bandLowHz: Double = 20
    /// Band-pass high edge.
    public var bandHighHz: Double = 450
    /// Butterworth order of each side of the band-pass.
    public var filterOrder: Int = 2
    /// Whether mains interference is notched out.
    public var notchEnabled: Bool = true
    /// Mains frequency; 0 = from the device or detected.
    public var mainsHz: Double = 0
    /// Highest notched harmonic of the mains frequency.
    public var notchHarmonics: Int = 3
    /// Quality factor of each notch.
    public var notchQ: Double = 30

    // Envelope and baseline.
    /// How the envelope is computed.
    public var envelopeKind: EnvelopeKind = .rms
    /// Envelope window.
    public var envelopeWindowSeconds: Double = 0.15
    /// Resting-baseline window.
    public var baselineWindowSeconds: Int = 30
    /// Percentile (as a fraction) of the 1-s envelope means taken as resting.
    public var baselinePercentile: Double = 0.2

    // Leg movements.
    /// Leg movement onset above rest.
    public var legMovementOnsetAboveRestMicrovolts: Float = 8
    /// Leg movement offset level above rest.
    public var legMovementOffsetAboveRestMicrovolts: Float = 2
    /// Quiet needed to end a movement.
    public var legMovementOffsetQuietSeconds: Double = 0.5
    /// Shortest leg movement.
    public var legMovementMinSeconds: Double = 0.5
    /// Longest leg movement.
    public var legMovementMaxSeconds: Double = 10

    // Cramps.
    /// Shortest cramp.
    public var crampMinSeconds: Double = 10
    /// Mean envelope above rest over a cramp.
    public var crampMinMeanAboveRestMicrovolts: Float = 15
    /// Onset allowance: movement this long after a contraction's onset is not held against a cramp.
    public var crampStillOnsetSeconds: Double = 2
    /// Largest share of a cramp's ticks after the onset allowance in which the leg moves.
    public var crampMaxMovingFraction: Float = 0.5
    /// Least share of a cramp's ticks with the envelope at the onset level above rest or more.
    public var crampMinSustainedFraction: Float = 0.8
    /// How long after a cramp movement is measured.
    public var crampAfterSeconds: Double = 10
    /// Longest cramp (longer is a change of resting level).
    public var crampMaxSeconds: Double = 900

    // Sleep and movement.
    /// Accelerometer activity that counts as movement.
    public var movementThresholdG: Float = 0.02
    /// Shortest sleep interruption.
    public var wakeMinSeconds: Double = 60
    /// Stillness that ends a wake bout.
    public var wakeEndQuietSeconds: Double = 45
    /// Movement below this within a second of a leg movement is the leg movement's, not wake.
    public var wakeLegMovementMaxG: Float = 0.05

    // Artifacts.
    /// Envelope level below which the signal is a flat line.
    public var flatLineMicrovolts: Float = 0.3
    /// Mains-to-band power ratio of a mains-dominated signal.
    public var mainsRatio: Float = 4
    /// Least mains level of a mains-dominated signal.
    public var mainsMinMicrovolts: Float = 20
    /// Least level below 20 Hz of a motion artifact.
    public var motionMinMicrovolts: Float = 300
    /// Ratio to the band's RMS of a motion artifact.
    public var motionRatio: Float = 3
    /// Time without its cause that ends an artifact.
    public var artifactHoldSeconds: Double = 1
    /// Shortest artifact reported.
    public var artifactMinSeconds: Double = 0.5

    // Output.
    /// Whether every burst of muscle activity is reported.
    public var reportMuscleActivity: Bool = false

    // Gaps.
    /// Longest gap that is bridged.
    public var maxBridgeSeconds: Double = 1

    /// The defaults (see `settings`).
    public init() {}

    /// A JSON key: any string, so that a key no setting declares can be named in the error.
    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Reads the settings a file names (each as its declared JSON type); refuses unknown keys and newer versions.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        for key in c.allKeys where Self.setting(named: key.stringValue) == nil {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: c,
                debugDescription: "unknown setting \"\(key.stringValue)\" (a typo?); "
                    + "`crampwatch config show` lists the settings")
        }
        var d = DetectorConfiguration()
        for setting in Self.settings { try setting.decode(from: c, into: &d) }
        guard d.version <= Self.currentVersion else {
            throw DecodingError.dataCorruptedError(
                forKey: AnyKey(stringValue: "version"), in: c,
                debugDescription: "configuration version \(d.version) is newer than this Crampwatch understands "
                    + "(\(Self.currentVersion)); update Crampwatch")
        }
        self = d
    }

    /// Writes every declared setting under its key.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        for setting in Self.settings { try setting.encode(self, to: &c) }
    }

    /// Checks each setting against its declared range, then the limits between settings; the message says what
    /// to change.
    public func validate(sampleRateHz: Double) throws {
        guard sampleRateHz >= 20 && sampleRateHz <= 20_000 else {
            throw ConfigurationError("sampling rate \(sampleRateHz) Hz is outside 20…20000 Hz")
        }
        for setting in Self.settings { try setting.check(self) }
        guard bandLowHz < bandHighHz else {
            throw ConfigurationError(
                "band-pass low edge (\(bandLowHz) Hz) must be below the high edge (\(bandHighHz) Hz)")
        }
        guard legMovementOffsetAboveRestMicrovolts < legMovementOnsetAboveRestMicrovolts else {
            throw ConfigurationError("leg-movement offset threshold must be below the onset threshold")
        }
        guard crampMinSeconds < crampMaxSeconds else {
            throw ConfigurationError("crampMinSeconds must be below crampMaxSeconds")
        }
    }
}

/// Which part of the detector reads a setting. Threshold sweeps reuse work across configurations
/// that agree on every setting of the earlier stages (see `TickLog.detect(with:)` for several configurations).
public enum DetectorStage: String, Sendable, CaseIterable {
    /// Read by nothing while detecting (the file format's version).
    case format
    /// Filters and envelopes (`NightDetector`): another value needs another replay of the recording.
    case features
    /// The per-tick state machines of `TickDetector` (baselines, artifacts, episodes, wake bouts):
    /// another value needs another pass over the tick log.
    case stateMachines
    /// Only the classification of closed episodes (leg movement, muscle activity, cramp, the movement after a
    /// cramp) and the minimum durations of reported artifacts and wake bouts: another value reuses the
    /// state machines' pass. None of these feeds back into a state machine (the "cramp started" notice,
    /// which reads crampMinSeconds, is provisional and never part of a tick log's results).
    case classification
}
