/// Which signals of a recording feed the detector, and how to convert them to µV and g.
public struct ChannelChoice: Sendable, Equatable {
    /// Signal indices of the EMG channels (1–4, one sampling rate; none for an accelerometer-only recording).
    public var emg: [Int]
    /// Multiply a signal's physical value by this to get µV.
    public var emgToMicrovolts: [Double]
    /// Signal indices of the accelerometer axes (3, one rate), or none.
    public var accel: [Int]
    /// Multiply by this to get g.
    public var accelToG: [Double]
    /// Lines a person may want to read (what was chosen and what was passed over), each with its kind.
    public var typedNotes: [ChannelNote]

    /// The notes' words, as said without scored stages.
    public var notes: [String] { typedNotes.map { $0.text(scoredStages: false) } }
}

/// A line about the channel choice. A note that a reader words differently by what else the recording carries has a
/// case of its own, so the rewording never depends on the words.
public enum ChannelNote: Sendable, Equatable {
    /// EMG but no accelerometer: whether cramps woke the sleeper comes only from scored stages, if any.
    case noAccelerometer
    /// Any other note, in words.
    case other(String)

    /// The words; `scoredStages`: the recording carries a sleep lab's scored stages, which give its sleep and wake.
    public func text(scoredStages: Bool) -> String {
        switch self {
        case .noAccelerometer:
            scoredStages ? ChannelSelector.noAccelerometerStagesNote : ChannelSelector.noAccelerometerNote
        case .other(let text): text
        }
    }
}

/// Picks channels by label and physical dimension, or as the user asked.
public enum ChannelSelector {
    /// Said when a recording has EMG but no accelerometer.
    public static let noAccelerometerNote = "no accelerometer (3 signals in g or m/s²) found: cramps and leg "
        + "movements are still found, but sleep, wake and whether a cramp woke you are not measured"
    /// Said instead when such a recording carries a sleep lab's scored stages, which say it.
    public static let noAccelerometerStagesNote = "no accelerometer (3 signals in g or m/s²) found: whether cramps "
        + "woke you comes from the sleep lab's scored stages"

    /// Words that make a label a leg EMG channel, in order of preference.
    static let legWords = ["tibialis", "gastroc", "soleus", "calf", "leg", "jambe"]
    /// Short names that count only as whole words ("TA", "LAT" = left anterior tibialis, …).
    static let legTokens: Set<String> = ["ta", "tib", "lat", "rat", "plm", "gast", "gs"]
    /// A digital step coarser than this cannot show the 8 µV rise above rest that makes a leg movement
    /// (WASM 2016): half the criterion, so a rise of 8 µV spans at least two steps.
    public static let coarsestMicrovoltsPerStep = 4.0

    /// Whether a short name is a leg muscle, with a side letter before or after it and electrode numbers
    /// after it ("TibL", "RTIB", "PLMr", "LAT1").
    static func isLegToken(_ token: String) -> Bool {
        let bare = String(token.reversed().drop { $0.isNumber }.reversed())
        let sides: Set<Character> = ["l", "r"]
        return legTokens.contains(bare) || legTokens.contains(String(bare.drop { sides.contains($0) }))
            || (bare.count > 2 && sides.contains(bare.last!) && legTokens.contains(String(bare.dropLast())))
    }

    static func isLeg(_ label: String) -> Bool {
        if legWords.contains(where: { label.contains($0) }) { return true }
        var tokens: [String] = []
        var current = ""
        for ch in label {
            if ch.isLetter || ch.isNumber {
                current.append(ch)
            } else if !current.isEmpty {
                tokens.append(current)
                current = ""
            }
        }
        if !current.isEmpty { tokens.append(current) }
        // A side letter may lead or end a short name: "LTA", "RTIB", "TibL".
        return tokens.contains(where: isLegToken)
    }
    /// EMG elsewhere: never taken by default.
    static let notLeg = ["chin", "submental", "mentalis", "ecg", "ekg", "eog", "eeg", "arm", "masseter"]

    /// Factor to µV for a physical dimension, or nil when it is not a voltage.
    public static func microvoltFactor(_ dimension: String) -> Double? {
        switch dimension.trimmingSpaces().lowercased() {
        case "uv", "µv", "μv", "microvolt", "microvolts": 1
        case "mv": 1000
        case "v": 1_000_000
        case "nv": 0.001
        default: nil
        }
    }

    /// Factor to g for a physical dimension, or nil when it is not an acceleration.
    public static func gFactor(_ dimension: String) -> Double? {
        switch dimension.trimmingSpaces().lowercased() {
        case "g": 1
        case "mg": 0.001
        case "m/s^2", "m/s2", "m/s²", "ms^-2", "m*s^-2", "m s-2": 1 / 9.80665
        default: nil
        }
    }

    /// - Parameters:
    ///   - emgRequested: labels or 1-based signal numbers given with `--emg-channel`; nil for the default choice;
    ///     `["none"]` for no EMG (the accelerometer alone: sleep and awakenings, no cramps or leg movements).
    ///   - accelRequested: three labels or numbers given with `--accel-channels`; nil for the default; [] for none.
    ///   - unitsPerStep: each signal's digital step in its own unit (EDF), to leave out EMG channels too coarse
    ///     to score leg movements; nil when the format has no digital step (CSV).
    public static func choose(labels: [String], dimensions: [String], ratesHz: [Double], path: String,
                              emgRequested: [String]?, accelRequested: [String]?,
                              unitsPerStep: [Double]? = nil) throws -> ChannelChoice {
        let signals = Signals(labels: labels, dimensions: dimensions, ratesHz: ratesHz, path: path,
                              unitsPerStep: unitsPerStep)
        var notes: [ChannelNote] = []
        var (emg, noEMGFound) = try signals.emg(requested: emgRequested, notes: &notes)
        if emgRequested == nil && !emg.isEmpty {
            emg = signals.firstEMGAtOneRate(emg, notes: &notes)
        }
        guard (0...4).contains(emg.count) else {
            throw RecordingError(path: path, offset: nil,
                                 "\(emg.count) EMG channels asked for; the detector takes 1 to 4")
        }
        try signals.requireOneRate(emg, "the EMG channels")
        let accel = try signals.accelerometer(requested: accelRequested, excluding: emg,
                                              noteIfMissing: noEMGFound == nil, notes: &notes)
        if emg.isEmpty && accel.isEmpty {
            throw noEMGFound ?? RecordingError(
                path: path, offset: nil, "--emg-channel none leaves no signal to detect from: an accelerometer-only "
                    + "recording needs three signals in g or m/s² (--accel-channels x,y,z)")
        }
        if !accel.isEmpty { try signals.requireOneRate(accel, "the accelerometer axes") }
        return ChannelChoice(emg: emg, emgToMicrovolts: emg.map { microvoltFactor(dimensions[$0])! },
                             accel: accel, accelToG: accel.map { gFactor(dimensions[$0])! }, typedNotes: notes)
    }

    /// A recording's signals as `choose` weighs them.
    struct Signals {
        let labels: [String]
        let lower: [String]
        let dimensions: [String]
        let ratesHz: [Double]
        let path: String
        let unitsPerStep: [Double]?

        init(labels: [String], dimensions: [String], ratesHz: [Double], path: String, unitsPerStep: [Double]?) {
            self.labels = labels
            lower = labels.map { $0.lowercased() }
            self.dimensions = dimensions
            self.ratesHz = ratesHz
            self.path = path
            self.unitsPerStep = unitsPerStep
        }

        /// "Right Leg: resolution 31 uV per step, too coarse to score leg movements" for a channel whose
        /// digital step exceeds `coarsestMicrovoltsPerStep`; nil for a fine one.
        func coarseness(_ i: Int) -> String? {
            guard let steps = unitsPerStep, i < steps.count, let factor = microvoltFactor(dimensions[i]) else {
                return nil
            }
            let uv = abs(steps[i]) * factor
            guard uv > coarsestMicrovoltsPerStep else { return nil }
            let shown = uv >= 10 ? "\(Int(uv.rounded()))" : InputBounds.number((uv * 10).rounded() / 10)
            return "\(labels[i]): resolution \(shown) uV per step, too coarse to score leg movements"
        }

        /// The signal a user named, by 1-based number, exact label, label in any case, or label without spaces.
        func resolve(_ wanted: String, flag: String) throws -> Int {
            if let k = Int(wanted), k >= 1, k <= labels.count { return k - 1 }
            if let i = labels.firstIndex(of: wanted) { return i }
            if let i = lower.firstIndex(of: wanted.lowercased()) { return i }
            if let i = labels.firstIndex(where: { $0.trimmingSpaces() == wanted.trimmingSpaces() }) { return i }
            let all = labels.enumerated().map { "\($0.offset + 1) \"\($0.element)\" (\(dimensions[$0.offset]))" }
            throw RecordingError(path: path, offset: nil, "\(flag) \"\(wanted)\": no such signal. The signals are: "
                                 + all.joined(separator: ", "))
        }

        /// The EMG signals asked for, or found by label; with none found, the error to give if the accelerometer
        /// is missing too.
        func emg(requested: [String]?, notes: inout [ChannelNote]) throws -> ([Int], noEMGFound: RecordingError?) {
            if let requested, requested.count == 1, requested[0].lowercased() == "none" { return ([], nil) }
            if let requested {
                let emg = try requested.map { try resolve($0, flag: "--emg-channel") }
                for i in emg where microvoltFactor(dimensions[i]) == nil {
                    throw RecordingError(path: path, offset: nil, "--emg-channel \"\(labels[i])\": its unit is "
                                         + "\"\(dimensions[i])\", not a voltage (uV, mV or V), so it cannot be EMG")
                }
                notes += emg.compactMap(coarseness).map(ChannelNote.other)  // asked for by name: used, but said
                return (emg, nil)
            }
            let voltage = (0..<labels.count).filter { microvoltFactor(dimensions[$0]) != nil }
            let elsewhere = { (i: Int) in notLeg.contains { lower[i].contains($0) } }
            let leg = voltage.filter { i in !elsewhere(i) && isLeg(lower[i]) }
            let genericEMG = voltage.filter { i in !elsewhere(i) && lower[i].contains("emg") }
            let found = leg.isEmpty ? genericEMG : leg
            // A channel too coarse to score is said so in one line, not left to show as hours of artifacts.
            let coarse = found.compactMap(coarseness)
            notes += coarse.map(ChannelNote.other)
            let emg = found.filter { coarseness($0) == nil }
            guard emg.isEmpty else { return (emg, nil) }
            if !coarse.isEmpty { return ([], coarseOnly(coarse, notes: &notes)) }
            // Without leg EMG an accelerometer alone still gives sleep and awakenings; decided by the caller.
            let passed = voltage.filter(elsewhere).map { "\"\(labels[$0])\"" }.joined(separator: ", ")
            let noEMGFound = RecordingError(
                path: path, offset: nil, "no leg EMG channel found (looked for labels with tibialis, TA, calf, "
                    + "gastrocnemius, leg or EMG in µV or mV"
                    + (passed.isEmpty ? "" : "; passed over \(passed), which are not leg muscles")
                    + "), and no accelerometer either. "
                    + "Name one with --emg-channel LABEL (or its number, 1 = first signal)")
            notes.append(.other("no leg EMG channel found"
                                + (passed.isEmpty ? "" : " (passed over \(passed), which are not leg muscles)")
                                + ": accelerometer only, so sleep and awakenings are measured "
                                + "but cramps and leg movements are not"))
            return ([], noEMGFound)
        }

        /// Every leg EMG channel found is too coarse: the accelerometer alone, or this error without one.
        func coarseOnly(_ coarse: [String], notes: inout [ChannelNote]) -> RecordingError {
            notes.append(.other("no leg EMG channel fine enough to score: accelerometer only, so sleep and "
                                + "awakenings are measured but cramps and leg movements are not"))
            return RecordingError(path: path, offset: nil, coarse.joined(separator: "; ") + "; and no accelerometer "
                                  + "either, so there is nothing to score. Name a finer EMG channel with --emg-channel")
        }

        /// Of the EMG signals found by label, those at the first one's rate, at most 4.
        func firstEMGAtOneRate(_ found: [Int], notes: inout [ChannelNote]) -> [Int] {
            let rate = ratesHz[found[0]]
            let other = found.filter { ratesHz[$0] != rate }
            if !other.isEmpty {
                notes.append(.other("left out \(other.map { "\"\(labels[$0])\"" }.joined(separator: ", ")): "
                                    + "sampled at another rate than \"\(labels[found[0]])\""))
            }
            var emg = found.filter { ratesHz[$0] == rate }
            if emg.count > 4 {
                notes.append(.other("used the first 4 of \(emg.count) EMG channels"))
                emg = Array(emg.prefix(4))
            }
            return emg
        }

        /// Throws unless every signal in `indices` has the same sampling rate.
        func requireOneRate(_ indices: [Int], _ what: String) throws {
            guard Set(indices.map { ratesHz[$0] }).count > 1 else { return }
            throw RecordingError(path: path, offset: nil, "\(what) must share one sampling rate, but "
                                 + indices.map { "\"\(labels[$0])\" is at \(format(ratesHz[$0])) Hz" }
                                    .joined(separator: " and "))
        }

        /// The three accelerometer axes asked for, or the first three signals in g or m/s² (named "acc…" first).
        func accelerometer(requested: [String]?, excluding emg: [Int], noteIfMissing: Bool,
                           notes: inout [ChannelNote]) throws -> [Int] {
            if let requested {
                if requested.isEmpty { return [] }
                guard requested.count == 3 else {
                    throw RecordingError(path: path, offset: nil,
                                         "--accel-channels needs three signals (x,y,z), got \(requested.count)")
                }
                let accel = try requested.map { try resolve($0, flag: "--accel-channels") }
                for i in accel where gFactor(dimensions[i]) == nil {
                    throw RecordingError(path: path, offset: nil, "--accel-channels \"\(labels[i])\": its unit is "
                                         + "\"\(dimensions[i])\", not g or m/s²")
                }
                return accel
            }
            let candidates = (0..<labels.count).filter { gFactor(dimensions[$0]) != nil && !emg.contains($0) }
            let named = candidates.filter { lower[$0].contains("acc") }
            let pool = named.count >= 3 ? named : candidates
            if pool.count >= 3 { return Array(pool.prefix(3)) }
            if noteIfMissing {
                notes.append(.noAccelerometer)
            }
            return []
        }
    }

    static func format(_ v: Double) -> String { InputBounds.number(v) }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
