/// How the EMG envelope is computed.
public enum EnvelopeKind: String, Sendable, Codable, Hashable, CaseIterable {
    /// Rectified RMS of the band-passed, notched signal.
    case rms
    /// Teager–Kaiser energy operator, then RMS: sharpens onsets, changes the amplitude scale.
    case tkeo
}

/// Every threshold of the detector, with its unit and its source. Codable (JSON, readable and
/// editable by a person), versioned, and tolerant: a file may leave out any setting (the default
/// applies) but may not name one that does not exist (a typo would otherwise be silently ignored).
public struct DetectorConfiguration: Sendable, Codable, Hashable {
    /// The format version this build writes.
    public static let currentVersion = 1


    // Format.
    /// format version of this configuration. Source: —.
    public var version: Int = 1

    // Filtering.
    /// band-pass low edge (Hz). Source: surface-EMG practice (SENIAM; motion artifacts lie below 20 Hz).
    public var bandLowHz: Double = 20
    /// band-pass high edge (Hz), held under 0.45 × the sampling rate. Source: surface-EMG practice (SENIAM).
    public var bandHighHz: Double = 450
    /// Butterworth order of each side of the band-pass. Source: our choice (flat pass band, few sections).
    public var filterOrder: Int = 2
    /// notch out mains interference. Source: —.
    public var notchEnabled: Bool = true
    /// mains frequency (50 or 60); 0 = from the device, else detected from the signal. Source: —.
    public var mainsHz: Double = 0
    /// notches at the mains frequency and its harmonics up to this one. Source: our measurement (harmonics 2–3 carry most residual power).
    public var notchHarmonics: Int = 3
    /// quality factor of each notch. Source: our choice (±1 Hz wide at 50 Hz).
    public var notchQ: Double = 30

    // Envelope and baseline.
    /// rms (rectified RMS) or tkeo (Teager–Kaiser energy, then RMS). Source: S-PLMAD (RMS); Li et al. 2007 (TKEO).
    public var envelopeKind: EnvelopeKind = .rms
    /// RMS window (s). Source: S-PLMAD (Ferri et al.).
    public var envelopeWindowSeconds: Double = 0.15
    /// resting-baseline window (s). Source: S-PLMAD 30-s noise floor.
    public var baselineWindowSeconds: Int = 30
    /// percentile of the 1-s envelope means taken as resting. Source: our measurement.
    public var baselinePercentile: Double = 0.2

    // Leg movements.
    /// leg movement onset above rest (µV). Source: WASM 2016.
    public var legMovementOnsetAboveRestMicrovolts: Float = 8
    /// leg movement offset level above rest (µV). Source: WASM 2016.
    public var legMovementOffsetAboveRestMicrovolts: Float = 2
    /// quiet needed to end a movement (s). Source: WASM 2016.
    public var legMovementOffsetQuietSeconds: Double = 0.5
    /// shortest leg movement (s). Source: WASM 2016.
    public var legMovementMinSeconds: Double = 0.5
    /// longest leg movement (s). Source: WASM 2016.
    public var legMovementMaxSeconds: Double = 10

    // Cramps.
    /// shortest cramp (s). Source: our definition (sustained involuntary contraction).
    public var crampMinSeconds: Double = 10
    /// mean envelope above rest over a cramp (µV). Source: our measurement.
    public var crampMinMeanAboveRestMicrovolts: Float = 15
    /// the leg must be still from 1 s before to this long after onset (s). Source: our definition (cramps arise from sleep).
    public var crampStillOnsetSeconds: Double = 2
    /// movement is measured this long after a cramp (s). Source: our choice.
    public var crampAfterSeconds: Double = 10
    /// longer is a change of resting level, not a cramp (s). Source: our choice (cramps last up to ~10 min).
    public var crampMaxSeconds: Double = 900

    // Sleep and movement.
    /// accelerometer activity that counts as movement (g). Source: our measurement (still sleep ≈ 0.003 g).
    public var movementThresholdG: Float = 0.02
    /// shortest sleep interruption (s). Source: van Hees 2018 (wake bouts ≥ 1 min).
    public var wakeMinSeconds: Double = 60
    /// a wake bout ends after this long without movement (s). Source: our measurement.
    public var wakeEndQuietSeconds: Double = 45

    // Artifacts.
    /// envelope below this is a flat line (µV). Source: our measurement.
    public var flatLineMicrovolts: Float = 0.3
    /// mains-dominated: mains power this many times the band's. Source: our measurement.
    public var mainsRatio: Float = 4
    /// and at least this much mains (µV RMS). Source: our measurement.
    public var mainsMinMicrovolts: Float = 20
    /// motion artifact: signal below 20 Hz of at least this (µV RMS). Source: our choice (EMG amplifier practice).
    public var motionMinMicrovolts: Float = 300
    /// and this many times the band's RMS. Source: our choice.
    public var motionRatio: Float = 3
    /// an artifact ends after this long without its cause (s). Source: our choice.
    public var artifactHoldSeconds: Double = 1
    /// shortest artifact reported (s). Source: our choice.
    public var artifactMinSeconds: Double = 0.5

    // Output.
    /// also report every burst of muscle activity. Source: —.
    public var reportMuscleActivity: Bool = false

    // Gaps.
    /// gaps up to this long are bridged (s). Source: our choice.
    public var maxBridgeSeconds: Double = 1

    public init() {}

    /// Each setting with its meaning and source, in order (for `crampwatch config show` and the README).
    public static let documentation: [(name: String, meaning: String, source: String)] = [
        ("version", "format version of this configuration", "—"),
        ("bandLowHz", "band-pass low edge (Hz)", "surface-EMG practice (SENIAM; motion artifacts lie below 20 Hz)"),
        ("bandHighHz", "band-pass high edge (Hz), held under 0.45 × the sampling rate", "surface-EMG practice (SENIAM)"),
        ("filterOrder", "Butterworth order of each side of the band-pass", "our choice (flat pass band, few sections)"),
        ("notchEnabled", "notch out mains interference", "—"),
        ("mainsHz", "mains frequency (50 or 60); 0 = from the device, else detected from the signal", "—"),
        ("notchHarmonics", "notches at the mains frequency and its harmonics up to this one", "our measurement (harmonics 2–3 carry most residual power)"),
        ("notchQ", "quality factor of each notch", "our choice (±1 Hz wide at 50 Hz)"),
        ("envelopeKind", "rms (rectified RMS) or tkeo (Teager–Kaiser energy, then RMS)", "S-PLMAD (RMS); Li et al. 2007 (TKEO)"),
        ("envelopeWindowSeconds", "RMS window (s)", "S-PLMAD (Ferri et al.)"),
        ("baselineWindowSeconds", "resting-baseline window (s)", "S-PLMAD 30-s noise floor"),
        ("baselinePercentile", "percentile of the 1-s envelope means taken as resting", "our measurement"),
        ("legMovementOnsetAboveRestMicrovolts", "leg movement onset above rest (µV)", "WASM 2016"),
        ("legMovementOffsetAboveRestMicrovolts", "leg movement offset level above rest (µV)", "WASM 2016"),
        ("legMovementOffsetQuietSeconds", "quiet needed to end a movement (s)", "WASM 2016"),
        ("legMovementMinSeconds", "shortest leg movement (s)", "WASM 2016"),
        ("legMovementMaxSeconds", "longest leg movement (s)", "WASM 2016"),
        ("crampMinSeconds", "shortest cramp (s)", "our definition (sustained involuntary contraction)"),
        ("crampMinMeanAboveRestMicrovolts", "mean envelope above rest over a cramp (µV)", "our measurement"),
        ("crampStillOnsetSeconds", "the leg must be still from 1 s before to this long after onset (s)", "our definition (cramps arise from sleep)"),
        ("crampAfterSeconds", "movement is measured this long after a cramp (s)", "our choice"),
        ("crampMaxSeconds", "longer is a change of resting level, not a cramp (s)", "our choice (cramps last up to ~10 min)"),
        ("movementThresholdG", "accelerometer activity that counts as movement (g)", "our measurement (still sleep ≈ 0.003 g)"),
        ("wakeMinSeconds", "shortest sleep interruption (s)", "van Hees 2018 (wake bouts ≥ 1 min)"),
        ("wakeEndQuietSeconds", "a wake bout ends after this long without movement (s)", "our measurement"),
        ("flatLineMicrovolts", "envelope below this is a flat line (µV)", "our measurement"),
        ("mainsRatio", "mains-dominated: mains power this many times the band's", "our measurement"),
        ("mainsMinMicrovolts", "and at least this much mains (µV RMS)", "our measurement"),
        ("motionMinMicrovolts", "motion artifact: signal below 20 Hz of at least this (µV RMS)", "our choice (EMG amplifier practice)"),
        ("motionRatio", "and this many times the band's RMS", "our choice"),
        ("artifactHoldSeconds", "an artifact ends after this long without its cause (s)", "our choice"),
        ("artifactMinSeconds", "shortest artifact reported (s)", "our choice"),
        ("reportMuscleActivity", "also report every burst of muscle activity", "—"),
        ("maxBridgeSeconds", "gaps up to this long are bridged (s)", "our choice"),
    ]

    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        let known = Set(Self.documentation.map(\.name))
        for key in c.allKeys where !known.contains(key.stringValue) {
            throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "unknown setting \"\(key.stringValue)\" (a typo?); `crampwatch config show` lists the settings")
        }
        var d = DetectorConfiguration()
        if let v = try c.decodeIfPresent(Int.self, forKey: AnyKey(stringValue: "version")) { d.version = v }
        if let v = try c.decodeIfPresent(Double.self, forKey: AnyKey(stringValue: "bandLowHz")) { d.bandLowHz = v }
        if let v = try c.decodeIfPresent(Double.self, forKey: AnyKey(stringValue: "bandHighHz")) { d.bandHighHz = v }
        if let v = try c.decodeIfPresent(Int.self, forKey: AnyKey(stringValue: "filterOrder")) { d.filterOrder = v }
        if let v = try c.decodeIfPresent(Bool.self, forKey: AnyKey(stringValue: "notchEnabled")) { d.notchEnabled = v }
        if let v = try c.decodeIfPresent(Double.self, forKey: AnyKey(stringValue: "mainsHz")) { d.mainsHz = v }
        if let v = try c.decodeIfPresent(Int.self, forKey: AnyKey(stringValue: "notchHarmonics")) { d.notchHarmonics = v }
        if let v = try c.decodeIfPresent(Double.self, forKey: AnyKey(stringValue: "notchQ")) { d.notchQ = v }
        if let v = try c.decodeIfPresent(EnvelopeKind.self, forKey: AnyKey(stringValue: "envelopeKind")) { d.envelopeKind = v }
        if let v = try c.decodeIfPresent(Double.self, forKey: AnyKey(stringValue: "envelopeWindowSeconds")) { d.envelopeWindowSeconds = v }
        if let v = try c.decodeIfPresent(Int.self, forKey: AnyKey(stringValue: "baselineWindowSeconds")) { d.baselineWindowSeconds = v }
        if let v = try c.decodeIfPresent(Double.self, forKey: AnyKey(stringValue: "baselinePercentile")) { d.baselinePercentile = v }
        if let v = try c.decodeIfPresent(Float.self, forKey: AnyKey(stringValue: "legMovementOnsetAboveRestMicrovolts")) { d.legMovementOnsetAboveRestMicrovolts = v }
        if let v = try c.decodeIfPresent(Float.self, forKey: AnyKey(stringValue: "legMovementOffsetAboveRestMicrovolts")) { d.legMovementOffsetAboveRestMicrovolts = v }
        if let v = try c.decodeIfPresent(Double.self, forKey: AnyKey(stringValue: "legMovementOffsetQuietSeconds")) { d.legMovementOffsetQuietSeconds = v }
        if let v = try c.decodeIfPresent(Double.self, forKey: AnyKey(stringValue: "legMovementMinSeconds")) { d.legMovementMinSeconds = v }
        if let v = try c.decodeIfPresent(Double.self, forKey: AnyKey(stringValue: "legMovementMaxSeconds")) { d.legMovementMaxSeconds = v }
        if let v = try c.decodeIfPresent(Double.self, forKey: AnyKey(stringValue: "crampMinSeconds")) { d.crampMinSeconds = v }
        if let v = try c.decodeIfPresent(Float.self, forKey: AnyKey(stringValue: "crampMinMeanAboveRestMicrovolts")) { d.crampMinMeanAboveRestMicrovolts = v }
        if let v = try c.decodeIfPresent(Double.self, forKey: AnyKey(stringValue: "crampStillOnsetSeconds")) { d.crampStillOnsetSeconds = v }
        if let v = try c.decodeIfPresent(Double.self, forKey: AnyKey(stringValue: "crampAfterSeconds")) { d.crampAfterSeconds = v }
        if let v = try c.decodeIfPresent(Double.self, forKey: AnyKey(stringValue: "crampMaxSeconds")) { d.crampMaxSeconds = v }
        if let v = try c.decodeIfPresent(Float.self, forKey: AnyKey(stringValue: "movementThresholdG")) { d.movementThresholdG = v }
        if let v = try c.decodeIfPresent(Double.self, forKey: AnyKey(stringValue: "wakeMinSeconds")) { d.wakeMinSeconds = v }
        if let v = try c.decodeIfPresent(Double.self, forKey: AnyKey(stringValue: "wakeEndQuietSeconds")) { d.wakeEndQuietSeconds = v }
        if let v = try c.decodeIfPresent(Float.self, forKey: AnyKey(stringValue: "flatLineMicrovolts")) { d.flatLineMicrovolts = v }
        if let v = try c.decodeIfPresent(Float.self, forKey: AnyKey(stringValue: "mainsRatio")) { d.mainsRatio = v }
        if let v = try c.decodeIfPresent(Float.self, forKey: AnyKey(stringValue: "mainsMinMicrovolts")) { d.mainsMinMicrovolts = v }
        if let v = try c.decodeIfPresent(Float.self, forKey: AnyKey(stringValue: "motionMinMicrovolts")) { d.motionMinMicrovolts = v }
        if let v = try c.decodeIfPresent(Float.self, forKey: AnyKey(stringValue: "motionRatio")) { d.motionRatio = v }
        if let v = try c.decodeIfPresent(Double.self, forKey: AnyKey(stringValue: "artifactHoldSeconds")) { d.artifactHoldSeconds = v }
        if let v = try c.decodeIfPresent(Double.self, forKey: AnyKey(stringValue: "artifactMinSeconds")) { d.artifactMinSeconds = v }
        if let v = try c.decodeIfPresent(Bool.self, forKey: AnyKey(stringValue: "reportMuscleActivity")) { d.reportMuscleActivity = v }
        if let v = try c.decodeIfPresent(Double.self, forKey: AnyKey(stringValue: "maxBridgeSeconds")) { d.maxBridgeSeconds = v }
        guard d.version <= Self.currentVersion else {
            throw DecodingError.dataCorruptedError(forKey: AnyKey(stringValue: "version"), in: c, debugDescription: "configuration version \(d.version) is newer than this Crampwatch understands (\(Self.currentVersion)); update Crampwatch")
        }
        self = d
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        try c.encode(version, forKey: AnyKey(stringValue: "version"))
        try c.encode(bandLowHz, forKey: AnyKey(stringValue: "bandLowHz"))
        try c.encode(bandHighHz, forKey: AnyKey(stringValue: "bandHighHz"))
        try c.encode(filterOrder, forKey: AnyKey(stringValue: "filterOrder"))
        try c.encode(notchEnabled, forKey: AnyKey(stringValue: "notchEnabled"))
        try c.encode(mainsHz, forKey: AnyKey(stringValue: "mainsHz"))
        try c.encode(notchHarmonics, forKey: AnyKey(stringValue: "notchHarmonics"))
        try c.encode(notchQ, forKey: AnyKey(stringValue: "notchQ"))
        try c.encode(envelopeKind, forKey: AnyKey(stringValue: "envelopeKind"))
        try c.encode(envelopeWindowSeconds, forKey: AnyKey(stringValue: "envelopeWindowSeconds"))
        try c.encode(baselineWindowSeconds, forKey: AnyKey(stringValue: "baselineWindowSeconds"))
        try c.encode(baselinePercentile, forKey: AnyKey(stringValue: "baselinePercentile"))
        try c.encode(legMovementOnsetAboveRestMicrovolts, forKey: AnyKey(stringValue: "legMovementOnsetAboveRestMicrovolts"))
        try c.encode(legMovementOffsetAboveRestMicrovolts, forKey: AnyKey(stringValue: "legMovementOffsetAboveRestMicrovolts"))
        try c.encode(legMovementOffsetQuietSeconds, forKey: AnyKey(stringValue: "legMovementOffsetQuietSeconds"))
        try c.encode(legMovementMinSeconds, forKey: AnyKey(stringValue: "legMovementMinSeconds"))
        try c.encode(legMovementMaxSeconds, forKey: AnyKey(stringValue: "legMovementMaxSeconds"))
        try c.encode(crampMinSeconds, forKey: AnyKey(stringValue: "crampMinSeconds"))
        try c.encode(crampMinMeanAboveRestMicrovolts, forKey: AnyKey(stringValue: "crampMinMeanAboveRestMicrovolts"))
        try c.encode(crampStillOnsetSeconds, forKey: AnyKey(stringValue: "crampStillOnsetSeconds"))
        try c.encode(crampAfterSeconds, forKey: AnyKey(stringValue: "crampAfterSeconds"))
        try c.encode(crampMaxSeconds, forKey: AnyKey(stringValue: "crampMaxSeconds"))
        try c.encode(movementThresholdG, forKey: AnyKey(stringValue: "movementThresholdG"))
        try c.encode(wakeMinSeconds, forKey: AnyKey(stringValue: "wakeMinSeconds"))
        try c.encode(wakeEndQuietSeconds, forKey: AnyKey(stringValue: "wakeEndQuietSeconds"))
        try c.encode(flatLineMicrovolts, forKey: AnyKey(stringValue: "flatLineMicrovolts"))
        try c.encode(mainsRatio, forKey: AnyKey(stringValue: "mainsRatio"))
        try c.encode(mainsMinMicrovolts, forKey: AnyKey(stringValue: "mainsMinMicrovolts"))
        try c.encode(motionMinMicrovolts, forKey: AnyKey(stringValue: "motionMinMicrovolts"))
        try c.encode(motionRatio, forKey: AnyKey(stringValue: "motionRatio"))
        try c.encode(artifactHoldSeconds, forKey: AnyKey(stringValue: "artifactHoldSeconds"))
        try c.encode(artifactMinSeconds, forKey: AnyKey(stringValue: "artifactMinSeconds"))
        try c.encode(reportMuscleActivity, forKey: AnyKey(stringValue: "reportMuscleActivity"))
        try c.encode(maxBridgeSeconds, forKey: AnyKey(stringValue: "maxBridgeSeconds"))
    }

    /// Checks ranges; the message says what to change.
    public func validate(sampleRateHz: Double) throws {
        guard sampleRateHz >= 20 && sampleRateHz <= 20_000 else {
            throw ConfigurationError("sampling rate \(sampleRateHz) Hz is outside 20…20000 Hz")
        }
        guard bandLowHz > 0 && bandLowHz < bandHighHz else {
            throw ConfigurationError("band-pass low edge (\(bandLowHz) Hz) must be above 0 and below the high edge (\(bandHighHz) Hz)")
        }
        guard mainsHz == 0 || mainsHz == 50 || mainsHz == 60 else { throw ConfigurationError("mainsHz must be 50, 60, or 0 (from the device or detected), not \(mainsHz)") }
        guard envelopeWindowSeconds >= 0.01 && envelopeWindowSeconds <= 2 else {
            throw ConfigurationError("envelope window \(envelopeWindowSeconds) s is outside 0.01…2 s")
        }
        guard baselineWindowSeconds >= 2 && baselineWindowSeconds <= 600 else {
            throw ConfigurationError("baseline window \(baselineWindowSeconds) s is outside 2…600 s")
        }
        guard baselinePercentile >= 0 && baselinePercentile <= 1 else { throw ConfigurationError("baselinePercentile must be between 0 and 1") }
        guard legMovementOffsetAboveRestMicrovolts < legMovementOnsetAboveRestMicrovolts else {
            throw ConfigurationError("leg-movement offset threshold must be below the onset threshold")
        }
        guard crampMinSeconds >= 1 && crampMinSeconds < crampMaxSeconds else { throw ConfigurationError("crampMinSeconds must be at least 1 s and below crampMaxSeconds") }
        guard wakeMinSeconds >= 0 && wakeEndQuietSeconds > 0 else { throw ConfigurationError("wake durations must be positive") }
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

extension DetectorConfiguration {
    /// Every setting's stage. A test checks that it names every documented setting, that
    /// `stateMachineKey` ignores exactly the classification settings, and that sweeps sharing one
    /// state-machine pass give the events of independent full runs.
    public static let stages: [String: DetectorStage] = [
        "version": .format,
        "bandLowHz": .features, "bandHighHz": .features, "filterOrder": .features, "notchEnabled": .features, "mainsHz": .features,
        "notchHarmonics": .features, "notchQ": .features, "envelopeKind": .features, "envelopeWindowSeconds": .features, "maxBridgeSeconds": .features,
        "baselineWindowSeconds": .stateMachines, "baselinePercentile": .stateMachines,
        "legMovementOnsetAboveRestMicrovolts": .stateMachines, "legMovementOffsetAboveRestMicrovolts": .stateMachines,
        "legMovementOffsetQuietSeconds": .stateMachines, "crampStillOnsetSeconds": .stateMachines, "crampMaxSeconds": .stateMachines,
        "movementThresholdG": .stateMachines, "wakeEndQuietSeconds": .stateMachines,
        "flatLineMicrovolts": .stateMachines, "mainsRatio": .stateMachines, "mainsMinMicrovolts": .stateMachines,
        "motionMinMicrovolts": .stateMachines, "motionRatio": .stateMachines, "artifactHoldSeconds": .stateMachines,
        "legMovementMinSeconds": .classification, "legMovementMaxSeconds": .classification,
        "crampMinSeconds": .classification, "crampMinMeanAboveRestMicrovolts": .classification, "crampAfterSeconds": .classification,
        "reportMuscleActivity": .classification, "artifactMinSeconds": .classification, "wakeMinSeconds": .classification,
    ]

    /// This configuration with its classification settings (and version) at their defaults: configurations
    /// with equal keys drive the state machines identically over a tick log.
    public var stateMachineKey: DetectorConfiguration {
        var k = self
        let d = DetectorConfiguration()
        k.version = d.version
        k.legMovementMinSeconds = d.legMovementMinSeconds
        k.legMovementMaxSeconds = d.legMovementMaxSeconds
        k.crampMinSeconds = d.crampMinSeconds
        k.crampMinMeanAboveRestMicrovolts = d.crampMinMeanAboveRestMicrovolts
        k.crampAfterSeconds = d.crampAfterSeconds
        k.reportMuscleActivity = d.reportMuscleActivity
        k.artifactMinSeconds = d.artifactMinSeconds
        k.wakeMinSeconds = d.wakeMinSeconds
        return k
    }
}
