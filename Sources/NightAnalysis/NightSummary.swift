import SignalCore

/// The night in numbers, as a person asks about it.
///
/// A night recorded without EMG (an accelerometer-only device) has `emgMeasured` false: its cramp, leg-movement
/// and artifact figures are not zero but unknown, and the JSON says so — those fields are `null`, with
/// `"emg_measured": false`, `"not_measured": ["cramps", "leg_movements", "artifacts"]` and `"note"` saying it in words.
/// Likewise a night with neither an accelerometer nor a lab's scored stages has `wakeMeasured` false (its
/// `sleepSource` is `notMeasured`): sleep, wake, awakenings and which cramps woke are null, not "none".
public struct NightSummary: Sendable, Equatable, Codable {
    /// What every place that shows a night without EMG says instead of "0 cramps".
    public static let notMeasuredNote = "no EMG: cramps and leg movements were not measured"
    /// Summary fields that need EMG (null in the JSON of a night without it).
    public static let emgFields = ["cramps", "leg_movements", "artifacts"]
    /// What every place that shows a night without an accelerometer or scored stages says instead of "0 awakenings".
    public static let wakeNotMeasuredNote = "no accelerometer and no scored sleep stages: sleep, wake and awakenings "
        + "were not measured, and leg movements per hour are per hour of recording"
    /// Summary fields that need sleep and wake (null in the JSON of a night without either).
    public static let wakeFields = ["sleep", "sleep_interruptions", "awakenings"]

    /// False when nothing in the recording could tell sleep from wake (no accelerometer, no scored stages).
    public var wakeMeasured: Bool { sleepSource.measuresWake }

    /// False for a night recorded without EMG: cramps, leg movements and EMG artifacts were not measured.
    public var emgMeasured: Bool = true
    public var durationSeconds: Double
    public var cramps: Int
    public var crampSeconds: Double
    public var longestCrampSeconds: Double
    /// Cramps followed by a wake bout (`wakeBouts`: the lab's, or a detected sleep interruption) that began during the
    /// cramp or within a minute of its end.
    public var crampsThatWoke: Int
    public var legMovements: Int
    /// Leg movements in periodic series (≥ 4, onset-to-onset 10–90 s, WASM 2016) whose onset is in sleep (PLMS).
    public var periodicLegMovements: Int
    /// The PLMS index: periodic leg movements in sleep per hour of sleep (`totalSleepSeconds`).
    public var plmIndexPerHour: Double
    /// Periodic leg movements whose onset is in wake (PLMW); the series are built from all movements.
    public var periodicLegMovementsInWake: Int = 0
    /// The PLMW index: periodic leg movements in wake per hour of wake (the time with data outside total sleep).
    public var plmwIndexPerHour: Double = 0
    public var sleepInterruptions: Int
    public var wakeSeconds: Double
    public var artifacts: Int
    public var artifactSeconds: Double
    public var gaps: Int
    public var gapSeconds: Double
    public var framesLost: Int
    public var corruptFrames: Int
    /// The sleep period (see `SleepWindow`), seconds from the start.
    public var sleepWindowOnsetSeconds: Double
    public var sleepWindowOffsetSeconds: Double
    /// False when the recording was too short (or had no accelerometer) to find it; the whole recording is used.
    public var sleepWindowDetected: Bool
    /// Where sleep and wake came from: a lab's scored stages in the recording, the accelerometer, or neither.
    public var sleepSource: SleepSource = .wholeRecording
    /// Sleep period minus wake and data gaps inside it (with scored stages: the sleep epochs minus gaps).
    public var totalSleepSeconds: Double
    /// Wake after sleep onset: wake bouts inside the sleep period.
    public var wasoSeconds: Double
    /// Total sleep time over the time with data (the recording minus its gaps: a gap is neither sleep nor wake).
    public var sleepEfficiency: Double
    /// Wake bouts inside the sleep period (bouts, not every short gap).
    public var awakenings: Int

    enum CodingKeys: String, CodingKey {
        case durationSeconds = "duration_s", cramps, crampSeconds = "cramp_s", longestCrampSeconds = "longest_cramp_s"
        case crampsThatWoke = "cramps_that_woke", legMovements = "leg_movements",
        periodicLegMovements = "periodic_leg_movements"
        case periodicLegMovementsInWake = "periodic_leg_movements_in_wake", plmwIndexPerHour = "plmw_index_per_h"
        case plmIndexPerHour = "plm_index_per_h", sleepInterruptions = "sleep_interruptions", wakeSeconds = "wake_s"
        case artifacts, artifactSeconds = "artifact_s", gaps, gapSeconds = "gap_s", framesLost = "frames_lost",
        corruptFrames = "corrupt_frames"
        case sleepWindowOnsetSeconds = "sleep_window_onset_s", sleepWindowOffsetSeconds = "sleep_window_offset_s"
        case sleepWindowDetected = "sleep_window_detected", sleepSource = "sleep_source"
        case totalSleepSeconds = "total_sleep_s", wasoSeconds = "waso_s"
        case sleepEfficiency = "sleep_efficiency", awakenings
        case emgMeasured = "emg_measured", wakeMeasured = "wake_measured", notMeasured = "not_measured", note
    }

    /// The fields that need EMG, as they are null when it was not measured.
    static let emgKeys: [CodingKeys] = [.cramps, .crampSeconds, .longestCrampSeconds, .crampsThatWoke, .legMovements,
                                        .periodicLegMovements,
                                        .plmIndexPerHour, .periodicLegMovementsInWake, .plmwIndexPerHour,
                                        .artifacts, .artifactSeconds]
    /// The fields that need sleep and wake, as they are null when neither was measured.
    static let wakeKeys: [CodingKeys] = [.crampsThatWoke, .periodicLegMovementsInWake, .plmwIndexPerHour,
                                         .sleepInterruptions, .wakeSeconds, .sleepWindowOnsetSeconds,
                                         .sleepWindowOffsetSeconds, .totalSleepSeconds, .wasoSeconds,
                                         .sleepEfficiency, .awakenings]

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        let unknown = Set((emgMeasured ? [] : Self.emgKeys) + (wakeMeasured ? [] : Self.wakeKeys))
        // A figure nothing measured is null, never a zero that reads as "none".
        func put<T: Encodable>(_ value: T, _ key: CodingKeys) throws {
            if unknown.contains(key) { try c.encodeNil(forKey: key) } else { try c.encode(value, forKey: key) }
        }
        try c.encode(durationSeconds, forKey: .durationSeconds)
        try c.encode(emgMeasured, forKey: .emgMeasured)
        try c.encode(wakeMeasured, forKey: .wakeMeasured)
        try put(cramps, .cramps)
        try put(crampSeconds, .crampSeconds)
        try put(longestCrampSeconds, .longestCrampSeconds)
        try put(crampsThatWoke, .crampsThatWoke)
        try put(legMovements, .legMovements)
        try put(periodicLegMovements, .periodicLegMovements)
        try put(plmIndexPerHour, .plmIndexPerHour)
        try put(periodicLegMovementsInWake, .periodicLegMovementsInWake)
        try put(plmwIndexPerHour, .plmwIndexPerHour)
        try put(artifacts, .artifacts)
        try put(artifactSeconds, .artifactSeconds)
        let notes = (emgMeasured ? [] : [Self.notMeasuredNote]) + (wakeMeasured ? [] : [Self.wakeNotMeasuredNote])
        if !notes.isEmpty {
            try c.encode((emgMeasured ? [] : Self.emgFields) + (wakeMeasured ? [] : Self.wakeFields),
                         forKey: .notMeasured)
            try c.encode(notes.joined(separator: "; "), forKey: .note)
        }
        try put(sleepInterruptions, .sleepInterruptions)
        try put(wakeSeconds, .wakeSeconds)
        try c.encode(gaps, forKey: .gaps)
        try c.encode(gapSeconds, forKey: .gapSeconds)
        try c.encode(framesLost, forKey: .framesLost)
        try c.encode(corruptFrames, forKey: .corruptFrames)
        try put(sleepWindowOnsetSeconds, .sleepWindowOnsetSeconds)
        try put(sleepWindowOffsetSeconds, .sleepWindowOffsetSeconds)
        try c.encode(sleepWindowDetected, forKey: .sleepWindowDetected)
        try c.encode(sleepSource, forKey: .sleepSource)
        try put(totalSleepSeconds, .totalSleepSeconds)
        try put(wasoSeconds, .wasoSeconds)
        try put(sleepEfficiency, .sleepEfficiency)
        try put(awakenings, .awakenings)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        emgMeasured = try c.decodeIfPresent(Bool.self, forKey: .emgMeasured) ?? true
        durationSeconds = try c.decode(Double.self, forKey: .durationSeconds)
        cramps = try c.decodeIfPresent(Int.self, forKey: .cramps) ?? 0
        crampSeconds = try c.decodeIfPresent(Double.self, forKey: .crampSeconds) ?? 0
        longestCrampSeconds = try c.decodeIfPresent(Double.self, forKey: .longestCrampSeconds) ?? 0
        crampsThatWoke = try c.decodeIfPresent(Int.self, forKey: .crampsThatWoke) ?? 0
        legMovements = try c.decodeIfPresent(Int.self, forKey: .legMovements) ?? 0
        periodicLegMovements = try c.decodeIfPresent(Int.self, forKey: .periodicLegMovements) ?? 0
        plmIndexPerHour = try c.decodeIfPresent(Double.self, forKey: .plmIndexPerHour) ?? 0
        periodicLegMovementsInWake = try c.decodeIfPresent(Int.self, forKey: .periodicLegMovementsInWake) ?? 0
        plmwIndexPerHour = try c.decodeIfPresent(Double.self, forKey: .plmwIndexPerHour) ?? 0
        artifacts = try c.decodeIfPresent(Int.self, forKey: .artifacts) ?? 0
        artifactSeconds = try c.decodeIfPresent(Double.self, forKey: .artifactSeconds) ?? 0
        sleepInterruptions = try c.decodeIfPresent(Int.self, forKey: .sleepInterruptions) ?? 0
        wakeSeconds = try c.decodeIfPresent(Double.self, forKey: .wakeSeconds) ?? 0
        gaps = try c.decode(Int.self, forKey: .gaps)
        gapSeconds = try c.decode(Double.self, forKey: .gapSeconds)
        framesLost = try c.decode(Int.self, forKey: .framesLost)
        corruptFrames = try c.decode(Int.self, forKey: .corruptFrames)
        sleepWindowOnsetSeconds = try c.decodeIfPresent(Double.self, forKey: .sleepWindowOnsetSeconds) ?? 0
        sleepWindowOffsetSeconds = try c.decodeIfPresent(Double.self, forKey: .sleepWindowOffsetSeconds) ?? 0
        sleepWindowDetected = try c.decode(Bool.self, forKey: .sleepWindowDetected)
        sleepSource = try c.decodeIfPresent(SleepSource.self, forKey: .sleepSource)
            ?? (sleepWindowDetected ? .accelerometer : .wholeRecording)
        totalSleepSeconds = try c.decodeIfPresent(Double.self, forKey: .totalSleepSeconds) ?? 0
        wasoSeconds = try c.decodeIfPresent(Double.self, forKey: .wasoSeconds) ?? 0
        sleepEfficiency = try c.decodeIfPresent(Double.self, forKey: .sleepEfficiency) ?? 0
        awakenings = try c.decodeIfPresent(Int.self, forKey: .awakenings) ?? 0
    }

    public init(events: [DetectedEvent], gaps: [NightGap], durationSeconds: Double, framesLost: Int, corruptFrames: Int,
                zAngleEpochs: [Float] = [], epochSeconds: Double = 5, emgMeasured: Bool = true,
                hypnogram: Hypnogram? = nil, wakeMinSeconds: Double = 60, accelMeasured: Bool = true,
                wakeBouts: [DetectedEvent]? = nil) {
        self.emgMeasured = emgMeasured
        self.durationSeconds = durationSeconds
        let cramps = events.filter { $0.kind == .cramp }
        let wakes = events.filter { $0.kind == .sleepInterruption }
        let lms = events.filter { $0.kind == .legMovement }
        self.cramps = cramps.count
        crampSeconds = cramps.reduce(0) { $0 + $1.durationSeconds }
        longestCrampSeconds = cramps.map(\.durationSeconds).max() ?? 0
        // `wakeBouts`: the caller's, when it already has them (a night's result keeps them for each cramp's `woke`).
        let bouts = wakeBouts ?? Self.wakeBouts(events: events, hypnogram: hypnogram, wakeMinSeconds: wakeMinSeconds)
        crampsThatWoke = cramps.filter { c in Self.woke(c, bouts) }.count
        legMovements = lms.count
        sleepInterruptions = wakes.count
        wakeSeconds = wakes.reduce(0) { $0 + $1.durationSeconds }
        let artifacts = events.filter { $0.kind == .artifact }
        self.artifacts = artifacts.count
        artifactSeconds = artifacts.reduce(0) { $0 + $1.durationSeconds }
        self.gaps = gaps.count
        gapSeconds = gaps.reduce(0) { $0 + ($1.offsetSeconds - $1.onsetSeconds) }
        self.framesLost = framesLost
        self.corruptFrames = corruptFrames
        let sleep = hypnogram.flatMap { NightSleep(hypnogram: $0, gaps: gaps, wakeMinSeconds: wakeMinSeconds) }
            ?? (accelMeasured
                ? NightSleep(window: SleepWindow.find(zAngleEpochs: zAngleEpochs, epochSeconds: epochSeconds,
                                                      durationSeconds: durationSeconds), wakes: wakes, gaps: gaps)
                : NightSleep(notMeasuredFor: durationSeconds, gaps: gaps))
        sleepSource = sleep.source
        sleepWindowOnsetSeconds = sleep.onsetSeconds
        sleepWindowOffsetSeconds = sleep.offsetSeconds
        sleepWindowDetected = sleep.source == .accelerometer || sleep.source == .scoredStages
        wasoSeconds = sleep.wasoSeconds
        awakenings = sleep.awakenings
        totalSleepSeconds = sleep.sleepSeconds
        // Of the time with data: a gap is neither sleep nor wake, so it counts on neither side.
        let measured = durationSeconds - gapSeconds
        sleepEfficiency = measured > 0 ? totalSleepSeconds / measured : 0
        // WASM 2016: series from every leg movement; PLMS and PLMW apart by where each onset falls, in the sleep
        // the other figures use, so the PLMS index divides by the total sleep shown beside it.
        let plm = Self.periodicIndices(legMovements: lms, breakers: cramps, sleepSeconds: totalSleepSeconds,
                                       wakeSeconds: max(0, measured - totalSleepSeconds), asleep: sleep.asleepAt)
        periodicLegMovements = plm.inSleep
        periodicLegMovementsInWake = plm.inWake
        plmwIndexPerHour = plm.wakeIndexPerHour
        plmIndexPerHour = plm.sleepIndexPerHour
        dropBinaryNoise()
    }

    /// The figures that are sums or ratios, as every place stores and shows them (`Double.withoutBinaryNoise`).
    private mutating func dropBinaryNoise() {
        let figures: [WritableKeyPath<NightSummary, Double>] = [
            \.durationSeconds, \.crampSeconds, \.longestCrampSeconds, \.plmIndexPerHour, \.plmwIndexPerHour,
            \.wakeSeconds, \.artifactSeconds, \.gapSeconds, \.sleepWindowOnsetSeconds, \.sleepWindowOffsetSeconds,
            \.totalSleepSeconds, \.wasoSeconds, \.sleepEfficiency,
        ]
        for f in figures { self[keyPath: f] = self[keyPath: f].withoutBinaryNoise }
    }
}

extension Double {
    /// A sum or a ratio as it is stored and shown: to the microsecond (a ratio or an index to 6 decimals). A sum
    /// of cramp lengths carries the noise of adding binary fractions (63.33 s came out as 63.32999999999997),
    /// which the JSON printed as it was, and the journal, the reports and a phone or a clinic reading them would
    /// each have rounded their own way. Rounded once where the figure is made, every reader sees one number.
    public var withoutBinaryNoise: Double { (self * 1e6).rounded() / 1e6 }
}
