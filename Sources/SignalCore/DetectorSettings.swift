/// Every detector setting, declared once: its JSON key, where it is stored, its unit, meaning, source, the
/// detector stage that reads it and the values it may take. The Codable form, `validate(sampleRateHz:)`'s range
/// checks, `documentation`, `stages`, the stage keys, sweeps' value types, `crampwatch config show` and the
/// settings table in the docs are all derived from `DetectorConfiguration.settings`.
public struct DetectorSetting: Sendable {
    /// The setting's name in the JSON form, on the command line (`--sweep NAME=…`) and in the docs.
    public let key: String
    /// Where the value is stored, with its Swift type.
    public let storage: Storage
    /// The unit of the value ("" for counts, ratios, switches and choices).
    public let unit: String
    /// What the setting does, without its unit.
    public let meaning: String
    /// Where the default comes from (a standard, a paper, our measurement or our choice; "—" for none).
    public let source: String
    /// The first part of the detector that reads the setting.
    public let stage: DetectorStage
    /// The values `validate(sampleRateHz:)` accepts, if the setting alone limits them; checks between settings
    /// (the band-pass low edge below the high edge, …) stay in `validate`.
    public let allowed: SettingRange?

    /// Where a setting is stored. The Swift type decides the JSON type: integers stay integers, Floats are
    /// written with Float's shortest digits (the canonical JSON, hashed into the journal, depends on both).
    public enum Storage: Sendable {
        /// A JSON number read and written as a Double.
        case double(WritableKeyPath<DetectorConfiguration, Double> & Sendable)
        /// A JSON number read and written as a Float (0.3 is written `0.3`, not Double's `0.30000001192092896`).
        case float(WritableKeyPath<DetectorConfiguration, Float> & Sendable)
        /// A whole JSON number.
        case integer(WritableKeyPath<DetectorConfiguration, Int> & Sendable)
        /// JSON true or false.
        case boolean(WritableKeyPath<DetectorConfiguration, Bool> & Sendable)
        /// A JSON string naming an `EnvelopeKind`.
        case envelopeKind(WritableKeyPath<DetectorConfiguration, EnvelopeKind> & Sendable)
    }

    /// One entry of `DetectorConfiguration.settings` (a named factory keeps the table readable as a list).
    static func setting(_ key: String, _ storage: Storage, unit: String = "", stage: DetectorStage,
                        allowed: SettingRange? = nil, meaning: String, source: String) -> DetectorSetting {
        DetectorSetting(key: key, storage: storage, unit: unit, meaning: meaning, source: source, stage: stage,
                        allowed: allowed)
    }

    /// The setting's value as a number (true is 1); nil for a choice such as `envelopeKind`.
    public func number(in c: DetectorConfiguration) -> Double? {
        switch storage {
        case .double(let p): c[keyPath: p]
        case .float(let p): Double(c[keyPath: p])
        case .integer(let p): Double(c[keyPath: p])
        case .boolean(let p): c[keyPath: p] ? 1 : 0
        case .envelopeKind: nil
        }
    }

    /// Whether a sweep may set the setting from a number (every setting but a choice).
    public var isNumeric: Bool {
        if case .envelopeKind = storage { return false }
        return true
    }

    /// Whether the JSON form holds a whole number (a sweep's value is rounded to it).
    public var isInteger: Bool {
        if case .integer = storage { return true }
        return false
    }

    /// Whether the JSON form holds true or false (a sweep's nonzero value is true).
    public var isBoolean: Bool {
        if case .boolean = storage { return true }
        return false
    }

    /// The value as a person reads it (and as the JSON form writes it): `20`, `0.3`, `true`, `rms`.
    public func text(in c: DetectorConfiguration) -> String {
        switch storage {
        case .double(let p): SettingRange.text(c[keyPath: p])
        case .float(let p): SettingRange.trimmed("\(c[keyPath: p])")
        case .integer(let p): "\(c[keyPath: p])"
        case .boolean(let p): "\(c[keyPath: p])"
        case .envelopeKind(let p): c[keyPath: p].rawValue
        }
    }

    /// The allowed values as the docs show them: a range, the choices, or "—" when the setting alone has no limit.
    public var allowedText: String {
        if let allowed { return allowed.text }
        switch storage {
        case .boolean: return "true, false"
        case .envelopeKind: return EnvelopeKind.allCases.map(\.rawValue).joined(separator: ", ")
        default: return "—"
        }
    }

    /// Throws if the value is outside `allowed`; the message names the setting, its range and unit.
    public func check(_ c: DetectorConfiguration) throws {
        guard let allowed, let value = number(in: c), !allowed.contains(value) else { return }
        let unit = unit.isEmpty ? "" : " \(unit)"
        throw ConfigurationError("\(key) must be \(allowed.phrase)\(unit), not \(text(in: c))\(unit)")
    }

    func decode(from container: KeyedDecodingContainer<DetectorConfiguration.AnyKey>,
                into c: inout DetectorConfiguration) throws {
        let k = DetectorConfiguration.AnyKey(stringValue: key)
        switch storage {
        case .double(let p): if let v = try container.decodeIfPresent(Double.self, forKey: k) { c[keyPath: p] = v }
        case .float(let p): if let v = try container.decodeIfPresent(Float.self, forKey: k) { c[keyPath: p] = v }
        case .integer(let p): if let v = try container.decodeIfPresent(Int.self, forKey: k) { c[keyPath: p] = v }
        case .boolean(let p): if let v = try container.decodeIfPresent(Bool.self, forKey: k) { c[keyPath: p] = v }
        case .envelopeKind(let p):
            if let v = try container.decodeIfPresent(EnvelopeKind.self, forKey: k) { c[keyPath: p] = v }
        }
    }

    func encode(_ c: DetectorConfiguration, to container: inout KeyedEncodingContainer<DetectorConfiguration.AnyKey>)
        throws {
        let k = DetectorConfiguration.AnyKey(stringValue: key)
        // Each value is encoded as its concrete type, exactly as the hand-written encoder did.
        switch storage {
        case .double(let p): try container.encode(c[keyPath: p], forKey: k)
        case .float(let p): try container.encode(c[keyPath: p], forKey: k)
        case .integer(let p): try container.encode(c[keyPath: p], forKey: k)
        case .boolean(let p): try container.encode(c[keyPath: p], forKey: k)
        case .envelopeKind(let p): try container.encode(c[keyPath: p], forKey: k)
        }
    }

    /// Sets this setting of `c` to its value in `source`.
    func copy(from source: DetectorConfiguration, to c: inout DetectorConfiguration) {
        switch storage {
        case .double(let p): c[keyPath: p] = source[keyPath: p]
        case .float(let p): c[keyPath: p] = source[keyPath: p]
        case .integer(let p): c[keyPath: p] = source[keyPath: p]
        case .boolean(let p): c[keyPath: p] = source[keyPath: p]
        case .envelopeKind(let p): c[keyPath: p] = source[keyPath: p]
        }
    }
}

/// The values one setting may take on its own.
public enum SettingRange: Sendable, Hashable {
    /// From the lower to the upper bound, both included.
    case within(ClosedRange<Double>)
    /// At least this value.
    case atLeast(Double)
    /// Above this value (the value itself excluded).
    case above(Double)
    /// Exactly one of these values.
    case oneOf([Double])

    /// Whether `value` is allowed (never for NaN).
    public func contains(_ value: Double) -> Bool {
        switch self {
        case .within(let r): r.contains(value)
        case .atLeast(let low): value >= low
        case .above(let low): value > low
        case .oneOf(let values): values.contains(value)
        }
    }

    /// As the docs table shows it: `0.01…2`, `≥ 1`, `> 0`, `0, 50, 60`.
    public var text: String {
        switch self {
        case .within(let r): "\(Self.text(r.lowerBound))…\(Self.text(r.upperBound))"
        case .atLeast(let low): "≥ \(Self.text(low))"
        case .above(let low): "> \(Self.text(low))"
        case .oneOf(let values): values.map(Self.text).joined(separator: ", ")
        }
    }

    /// As an error message says it, after "must be": `within 0.01…2`, `at least 1`, `0, 50 or 60`.
    public var phrase: String {
        switch self {
        case .within: "within \(text)"
        case .atLeast(let low): "at least \(Self.text(low))"
        case .above(let low): "above \(Self.text(low))"
        case .oneOf(let values):
            values.dropLast().map(Self.text).joined(separator: ", ") + (values.count > 1 ? " or " : "")
                + (values.last.map(Self.text) ?? "")
        }
    }

    /// A number without a trailing ".0": `20`, `0.15`, `1e+300`.
    static func text(_ value: Double) -> String { trimmed("\(value)") }

    static func trimmed(_ description: String) -> String {
        description.hasSuffix(".0") ? String(description.dropLast(2)) : description
    }
}

extension DetectorStage {
    /// The stage as the docs name it.
    public var label: String {
        switch self {
        case .format: "format"
        case .features: "features"
        case .stateMachines: "state machines"
        case .classification: "classification"
        }
    }

    /// Whether a configuration key for `self` must keep settings of `stage` (format is read by no stage).
    func needs(_ stage: DetectorStage) -> Bool {
        switch (self, stage) {
        case (_, .format), (.format, _): false
        case (.features, .features): true
        case (.features, _): false
        case (.stateMachines, .classification): false
        case (.stateMachines, _): true
        case (.classification, _): true
        }
    }
}

extension DetectorConfiguration {
    /// The declaration of every setting, in the order `config show` and the docs list them.
    public static let settings: [DetectorSetting] = [
        .setting("version", .integer(\.version), stage: .format,
              meaning: "format version of this configuration", source: "—"),
        // Filtering.
        .setting("bandLowHz", .double(\.bandLowHz), unit: "Hz", stage: .features, allowed: .above(0),
              meaning: "band-pass low edge",
              source: "surface-EMG practice (SENIAM; motion artifacts lie below 20 Hz)"),
        .setting("bandHighHz", .double(\.bandHighHz), unit: "Hz", stage: .features,
              meaning: "band-pass high edge, held under 0.45 × the sampling rate",
              source: "surface-EMG practice (SENIAM)"),
        .setting("filterOrder", .integer(\.filterOrder), stage: .features,
              meaning: "Butterworth order of each side of the band-pass",
              source: "our choice (flat pass band, few sections)"),
        .setting("notchEnabled", .boolean(\.notchEnabled), stage: .features,
              meaning: "notch out mains interference", source: "—"),
        .setting("mainsHz", .double(\.mainsHz), unit: "Hz", stage: .features, allowed: .oneOf([0, 50, 60]),
              meaning: "mains frequency; 0 = from the device, else detected from the signal", source: "—"),
        .setting("notchHarmonics", .integer(\.notchHarmonics), stage: .features,
              meaning: "notches at the mains frequency and its harmonics up to this one",
              source: "our measurement (harmonics 2–3 carry most residual power)"),
        .setting("notchQ", .double(\.notchQ), stage: .features,
              meaning: "quality factor of each notch", source: "our choice (±1 Hz wide at 50 Hz)"),
        // Envelope and baseline.
        .setting("envelopeKind", .envelopeKind(\.envelopeKind), stage: .features,
              meaning: "rms (rectified RMS) or tkeo (Teager–Kaiser energy, then RMS)",
              source: "S-PLMAD (RMS); Li et al. 2007 (TKEO)"),
        .setting("envelopeWindowSeconds", .double(\.envelopeWindowSeconds), unit: "s", stage: .features,
              allowed: .within(0.01...2), meaning: "RMS window", source: "S-PLMAD (Ferri et al.)"),
        .setting("baselineWindowSeconds", .integer(\.baselineWindowSeconds), unit: "s", stage: .stateMachines,
              allowed: .within(2...600), meaning: "resting-baseline window", source: "S-PLMAD 30-s noise floor"),
        .setting("baselinePercentile", .double(\.baselinePercentile), stage: .stateMachines, allowed: .within(0...1),
              meaning: "percentile of the 1-s envelope means taken as resting", source: "our measurement"),
        // Leg movements.
        .setting("legMovementOnsetAboveRestMicrovolts", .float(\.legMovementOnsetAboveRestMicrovolts), unit: "µV",
              stage: .stateMachines, meaning: "leg movement onset above rest", source: "WASM 2016"),
        .setting("legMovementOffsetAboveRestMicrovolts", .float(\.legMovementOffsetAboveRestMicrovolts), unit: "µV",
              stage: .stateMachines, meaning: "leg movement offset level above rest", source: "WASM 2016"),
        .setting("legMovementOffsetQuietSeconds", .double(\.legMovementOffsetQuietSeconds), unit: "s",
              stage: .stateMachines,
              meaning: "quiet needed to end a movement: the envelope averages at most the offset level above rest "
                + "over it",
              source: "WASM 2016; averaged over the period, not required of every tick (our measurement: 200–256 Hz "
                + "envelopes of noisy electrodes kept REM twitches above 2 µV for 0.5 s)"),
        .setting("legMovementMinSeconds", .double(\.legMovementMinSeconds), unit: "s", stage: .classification,
              meaning: "shortest leg movement, its length measured less the envelope window (which outlasts a burst)",
              source: "WASM 2016; the window taken off by our measurement: REM twitches of 0.2–0.3 s measured 0.5 s"),
        .setting("legMovementMaxSeconds", .double(\.legMovementMaxSeconds), unit: "s", stage: .classification,
              meaning: "longest leg movement", source: "WASM 2016"),
        // Cramps.
        .setting("crampMinSeconds", .double(\.crampMinSeconds), unit: "s", stage: .classification, allowed: .atLeast(1),
              meaning: "shortest cramp", source: "our definition (sustained involuntary contraction)"),
        .setting("crampMinMeanAboveRestMicrovolts", .float(\.crampMinMeanAboveRestMicrovolts), unit: "µV",
              stage: .classification, meaning: "mean envelope above rest over a cramp", source: "our measurement"),
        .setting("crampStillOnsetSeconds", .double(\.crampStillOnsetSeconds), unit: "s", stage: .stateMachines,
              meaning: "onset allowance: the leg may move this long after onset (a cramp can start as the foot "
                + "points); the motion from 1 s before to then is the event's onset activity",
              source: "our choice (plantar flexion at onset lasts 1–3 s); 1–3 s scored alike on the tuning nights"),
        .setting("crampMaxMovingFraction", .float(\.crampMaxMovingFraction), stage: .classification,
              allowed: .within(0...1),
              meaning: "a cramp: the leg moves in at most this share of the ticks after the onset allowance "
                + "(walking and stretching move it all along)",
              source: "our measurement: cramp F1 1.00 at 0.3–0.7, 0.51 at 1 (tuning nights)"),
        .setting("crampMinSustainedFraction", .float(\.crampMinSustainedFraction), stage: .classification,
              allowed: .within(0...1),
              meaning: "a cramp: the envelope stays at the onset level above rest or more in at least this "
                + "share of its ticks (walking's bursts fall back between strides)",
              source: "our measurement: without an accelerometer it alone tells walking (0.50–0.71) from a cramp "
                + "(≥ 0.93; independent sleep-lab nights); cramp F1 1.00 at every value 0–0.9 on the tuning "
                + "nights"),
        .setting("crampAfterSeconds", .double(\.crampAfterSeconds), unit: "s", stage: .classification,
              meaning: "movement is measured this long after a cramp", source: "our choice"),
        .setting("crampMaxSeconds", .double(\.crampMaxSeconds), unit: "s", stage: .stateMachines,
              meaning: "longer is a change of resting level, not a cramp",
              source: "our choice (cramps last up to ~10 min)"),
        // Sleep and movement.
        .setting("movementThresholdG", .float(\.movementThresholdG), unit: "g", stage: .stateMachines,
              meaning: "accelerometer activity that counts as movement",
              source: "our measurement (still sleep ≈ 0.003 g)"),
        .setting("wakeMinSeconds", .double(\.wakeMinSeconds), unit: "s", stage: .classification, allowed: .atLeast(0),
              meaning: "shortest sleep interruption", source: "van Hees 2018 (wake bouts ≥ 1 min)"),
        .setting("wakeEndQuietSeconds", .double(\.wakeEndQuietSeconds), unit: "s", stage: .stateMachines,
              allowed: .above(0), meaning: "a wake bout ends after this long without movement",
              source: "our measurement"),
        .setting("wakeLegMovementMaxG", .float(\.wakeLegMovementMaxG), unit: "g", stage: .stateMachines,
              allowed: .atLeast(0),
              meaning: "a second whose movement stays below this within 1 s of a leg movement is the leg "
                + "movement's, not wake; larger motion there prolongs a bout but never makes one wake alone",
              source: "our measurement: interruption F1 1.00 at 0 and 0.05, 0.99 at 0.1, 0.87 at 0.2 "
                + "(tuning nights, with the leg-movement rule of detection.md step 6)"),
        // Artifacts.
        .setting("flatLineMicrovolts", .float(\.flatLineMicrovolts), unit: "µV", stage: .stateMachines,
              meaning: "envelope below this is a flat line", source: "our measurement"),
        .setting("mainsRatio", .float(\.mainsRatio), stage: .stateMachines,
              meaning: "mains-dominated: mains power this many times the band's", source: "our measurement"),
        .setting("mainsMinMicrovolts", .float(\.mainsMinMicrovolts), unit: "µV RMS", stage: .stateMachines,
              meaning: "and at least this much mains", source: "our measurement"),
        .setting("motionMinMicrovolts", .float(\.motionMinMicrovolts), unit: "µV RMS", stage: .stateMachines,
              meaning: "motion artifact: signal below 20 Hz of at least this",
              source: "our choice (EMG amplifier practice)"),
        .setting("motionRatio", .float(\.motionRatio), stage: .stateMachines,
              meaning: "and this many times the band's RMS", source: "our choice"),
        .setting("artifactHoldSeconds", .double(\.artifactHoldSeconds), unit: "s", stage: .stateMachines,
              meaning: "an artifact ends after this long without its cause", source: "our choice"),
        .setting("artifactMinSeconds", .double(\.artifactMinSeconds), unit: "s", stage: .classification,
              meaning: "shortest artifact reported", source: "our choice"),
        // Output.
        .setting("reportMuscleActivity", .boolean(\.reportMuscleActivity), stage: .classification,
              meaning: "also report every burst of muscle activity", source: "—"),
        // Gaps.
        .setting("maxBridgeSeconds", .double(\.maxBridgeSeconds), unit: "s", stage: .features,
              meaning: "gaps up to this long are bridged", source: "our choice"),
    ]

    /// The declaration of the setting with this JSON key, if there is one.
    public static func setting(named key: String) -> DetectorSetting? {
        settingIndex[key].map { settings[$0] }
    }

    private static let settingIndex: [String: Int] =
        Dictionary(uniqueKeysWithValues: settings.enumerated().map { ($1.key, $0) })

    /// Each setting with its meaning (unit in parentheses) and source, in order (derived from `settings`).
    public static let documentation: [(name: String, meaning: String, source: String)] = settings.map {
        ($0.key, $0.unit.isEmpty ? $0.meaning : "\($0.meaning) (\($0.unit))", $0.source)
    }

    /// Every setting's stage (derived from `settings`). Threshold sweeps reuse work across configurations that
    /// agree on every setting of the earlier stages.
    public static let stages: [String: DetectorStage] =
        Dictionary(uniqueKeysWithValues: settings.map { ($0.key, $0.stage) })

    /// This configuration with every setting that `stage` does not read at its default: configurations with equal
    /// keys give `stage` the same input.
    public func key(for stage: DetectorStage) -> DetectorConfiguration {
        var k = self
        let defaults = DetectorConfiguration()
        for setting in Self.settings where !stage.needs(setting.stage) { setting.copy(from: defaults, to: &k) }
        return k
    }

    /// This configuration with its state-machine and later settings (and version) at their defaults:
    /// configurations with equal keys can share one replay of a recording through the filters.
    public var featureKey: DetectorConfiguration { key(for: .features) }

    /// This configuration with its classification settings (and version) at their defaults: configurations
    /// with equal keys drive the state machines identically over a tick log.
    public var stateMachineKey: DetectorConfiguration { key(for: .stateMachines) }

    /// The settings table of the docs, in Markdown: every setting with its default, unit, allowed values, stage,
    /// meaning and source. A test holds the table between the docs' `settings-table` markers to this text.
    public static var settingsMarkdownTable: String {
        let defaults = DetectorConfiguration()
        func cell(_ s: String) -> String { s.isEmpty ? "—" : s.replacingPipes() }
        var lines = ["| setting | default | unit | allowed | stage | meaning | source |",
                     "|---|---|---|---|---|---|---|"]
        for s in settings {
            let cells = ["`\(s.key)`", s.text(in: defaults), s.unit, s.allowedText, s.stage.label, s.meaning, s.source]
            lines.append("| " + cells.map(cell).joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension String {
    /// A Markdown table cell may not contain a bare pipe.
    fileprivate func replacingPipes() -> String {
        split(separator: "|", omittingEmptySubsequences: false).joined(separator: "\\|")
    }
}
