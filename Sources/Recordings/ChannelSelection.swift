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
    /// Lines a person may want to read (what was chosen and what was passed over).
    public var notes: [String]
}

/// Picks channels by label and physical dimension, or as the user asked.
public enum ChannelSelector {
    /// Words that make a label a leg EMG channel, in order of preference.
    static let legWords = ["tibialis", "gastroc", "soleus", "calf", "leg"]
    /// Short names that count only as whole words ("TA", "LAT" = left anterior tibialis, …).
    static let legTokens: Set<String> = ["ta", "tib", "lat", "rat", "plm", "gast", "gs"]

    static func isLeg(_ label: String) -> Bool {
        if legWords.contains(where: { label.contains($0) }) { return true }
        var tokens: [String] = []
        var current = ""
        for ch in label {
            if ch.isLetter || ch.isNumber { current.append(ch) } else if !current.isEmpty { tokens.append(current); current = "" }
        }
        if !current.isEmpty { tokens.append(current) }
        return tokens.contains { legTokens.contains($0) || legTokens.contains(String($0.drop { $0 == "l" || $0 == "r" })) }
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
    public static func choose(labels: [String], dimensions: [String], ratesHz: [Double], path: String,
                              emgRequested: [String]?, accelRequested: [String]?) throws -> ChannelChoice {
        let n = labels.count
        let lower = labels.map { $0.lowercased() }
        var notes: [String] = []
        func resolve(_ wanted: String, flag: String) throws -> Int {
            if let k = Int(wanted), k >= 1, k <= n { return k - 1 }
            if let i = labels.firstIndex(of: wanted) { return i }
            if let i = lower.firstIndex(of: wanted.lowercased()) { return i }
            if let i = labels.firstIndex(where: { $0.trimmingSpaces() == wanted.trimmingSpaces() }) { return i }
            throw RecordingError(path: path, offset: nil, "\(flag) \"\(wanted)\": no such signal. The signals are: "
                                 + labels.enumerated().map { "\($0.offset + 1) \"\($0.element)\" (\(dimensions[$0.offset]))" }.joined(separator: ", "))
        }
        // EMG
        var emg: [Int]
        var noEMGFound: RecordingError?
        if let emgRequested, emgRequested.count == 1, emgRequested[0].lowercased() == "none" {
            emg = []
        } else if let emgRequested {
            emg = try emgRequested.map { try resolve($0, flag: "--emg-channel") }
            for i in emg where microvoltFactor(dimensions[i]) == nil {
                throw RecordingError(path: path, offset: nil, "--emg-channel \"\(labels[i])\": its unit is \"\(dimensions[i])\", not a voltage (uV, mV or V), so it cannot be EMG")
            }
        } else {
            let voltage = (0..<n).filter { microvoltFactor(dimensions[$0]) != nil }
            let leg = voltage.filter { i in !notLeg.contains { lower[i].contains($0) } && isLeg(lower[i]) }
            let genericEMG = voltage.filter { i in !notLeg.contains { lower[i].contains($0) } && lower[i].contains("emg") }
            emg = leg.isEmpty ? genericEMG : leg
            if emg.isEmpty {
                // Without leg EMG an accelerometer alone still gives sleep and awakenings; decided below.
                let passed = voltage.filter { i in notLeg.contains { lower[i].contains($0) } }.map { "\"\(labels[$0])\"" }
                noEMGFound = RecordingError(path: path, offset: nil, "no leg EMG channel found (looked for labels with tibialis, TA, calf, gastrocnemius, leg or EMG in µV or mV"
                                            + (passed.isEmpty ? "" : "; passed over \(passed.joined(separator: ", ")), which are not leg muscles")
                                            + "), and no accelerometer either. Name one with --emg-channel LABEL (or its number, 1 = first signal)")
                notes.append("no leg EMG channel found"
                             + (passed.isEmpty ? "" : " (passed over \(passed.joined(separator: ", ")), which are not leg muscles)")
                             + ": accelerometer only, so sleep and awakenings are measured but cramps and leg movements are not")
            }
        }
        if emgRequested == nil && !emg.isEmpty {
            let rate = ratesHz[emg[0]]
            let other = emg.filter { ratesHz[$0] != rate }
            if !other.isEmpty { notes.append("left out \(other.map { "\"\(labels[$0])\"" }.joined(separator: ", ")): sampled at another rate than \"\(labels[emg[0]])\"") }
            emg = emg.filter { ratesHz[$0] == rate }
            if emg.count > 4 {
                notes.append("used the first 4 of \(emg.count) EMG channels")
                emg = Array(emg.prefix(4))
            }
        }
        guard (0...4).contains(emg.count) else {
            throw RecordingError(path: path, offset: nil, "\(emg.count) EMG channels asked for; the detector takes 1 to 4")
        }
        if Set(emg.map { ratesHz[$0] }).count > 1 {
            throw RecordingError(path: path, offset: nil, "the EMG channels must share one sampling rate, but "
                                 + emg.map { "\"\(labels[$0])\" is at \(format(ratesHz[$0])) Hz" }.joined(separator: " and "))
        }
        // Accelerometer
        var accel: [Int] = []
        if let accelRequested {
            if !accelRequested.isEmpty {
                guard accelRequested.count == 3 else {
                    throw RecordingError(path: path, offset: nil, "--accel-channels needs three signals (x,y,z), got \(accelRequested.count)")
                }
                accel = try accelRequested.map { try resolve($0, flag: "--accel-channels") }
                for i in accel where gFactor(dimensions[i]) == nil {
                    throw RecordingError(path: path, offset: nil, "--accel-channels \"\(labels[i])\": its unit is \"\(dimensions[i])\", not g or m/s²")
                }
            }
        } else {
            let candidates = (0..<n).filter { gFactor(dimensions[$0]) != nil && !emg.contains($0) }
            let named = candidates.filter { lower[$0].contains("acc") }
            let pool = named.count >= 3 ? named : candidates
            if pool.count >= 3 {
                accel = Array(pool.prefix(3))
            } else if noEMGFound == nil {
                notes.append("no accelerometer (3 signals in g or m/s²) found: cramps are still found, but whether they woke you is not")
            }
        }
        if emg.isEmpty && accel.isEmpty {
            throw noEMGFound ?? RecordingError(path: path, offset: nil, "--emg-channel none leaves no signal to detect from: an accelerometer-only recording needs three signals in g or m/s² (--accel-channels x,y,z)")
        }
        if !accel.isEmpty && Set(accel.map { ratesHz[$0] }).count > 1 {
            throw RecordingError(path: path, offset: nil, "the accelerometer axes must share one sampling rate, but "
                                 + accel.map { "\"\(labels[$0])\" is at \(format(ratesHz[$0])) Hz" }.joined(separator: " and "))
        }
        return ChannelChoice(emg: emg, emgToMicrovolts: emg.map { microvoltFactor(dimensions[$0])! },
                             accel: accel, accelToG: accel.map { gFactor(dimensions[$0])! }, notes: notes)
    }

    static func format(_ v: Double) -> String { v == v.rounded() ? String(Int(v)) : String(v) }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
