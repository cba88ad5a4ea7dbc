import SignalCore

/// The night in numbers, as a person asks about it.
public struct NightSummary: Sendable, Equatable, Codable {
    public var durationSeconds: Double
    public var cramps: Int
    public var crampSeconds: Double
    public var longestCrampSeconds: Double
    /// Cramps followed by a sleep interruption that began during the cramp or within a minute of its end.
    public var crampsThatWoke: Int
    public var legMovements: Int
    /// Leg movements in periodic series (≥ 4, onset-to-onset 10–90 s, WASM 2016).
    public var periodicLegMovements: Int
    /// Periodic leg movements per hour of recording outside wake bouts.
    public var plmIndexPerHour: Double
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
    /// Sleep period minus wake bouts and data gaps inside it.
    public var totalSleepSeconds: Double
    /// Wake after sleep onset: wake bouts inside the sleep period.
    public var wasoSeconds: Double
    /// Total sleep time over the whole recording (time in bed).
    public var sleepEfficiency: Double
    /// Wake bouts inside the sleep period (bouts, not every short gap).
    public var awakenings: Int

    enum CodingKeys: String, CodingKey {
        case durationSeconds = "duration_s", cramps, crampSeconds = "cramp_s", longestCrampSeconds = "longest_cramp_s"
        case crampsThatWoke = "cramps_that_woke", legMovements = "leg_movements", periodicLegMovements = "periodic_leg_movements"
        case plmIndexPerHour = "plm_index_per_h", sleepInterruptions = "sleep_interruptions", wakeSeconds = "wake_s"
        case artifacts, artifactSeconds = "artifact_s", gaps, gapSeconds = "gap_s", framesLost = "frames_lost", corruptFrames = "corrupt_frames"
        case sleepWindowOnsetSeconds = "sleep_window_onset_s", sleepWindowOffsetSeconds = "sleep_window_offset_s"
        case sleepWindowDetected = "sleep_window_detected", totalSleepSeconds = "total_sleep_s", wasoSeconds = "waso_s"
        case sleepEfficiency = "sleep_efficiency", awakenings
    }

    public init(events: [DetectedEvent], gaps: [NightGap], durationSeconds: Double, framesLost: Int, corruptFrames: Int,
                zAngleEpochs: [Float] = [], epochSeconds: Double = 5) {
        self.durationSeconds = durationSeconds
        let cramps = events.filter { $0.kind == .cramp }
        let wakes = events.filter { $0.kind == .sleepInterruption }
        let lms = events.filter { $0.kind == .legMovement }
        self.cramps = cramps.count
        crampSeconds = cramps.reduce(0) { $0 + $1.durationSeconds }
        longestCrampSeconds = cramps.map(\.durationSeconds).max() ?? 0
        crampsThatWoke = cramps.filter { c in Self.woke(c, wakes) }.count
        legMovements = lms.count
        // WASM: periodic leg movements are counted in sleep, so not inside wake bouts.
        let asleep = lms.filter { lm in !wakes.contains { lm.onsetSeconds >= $0.onsetSeconds && lm.onsetSeconds <= $0.offsetSeconds } }
        periodicLegMovements = Self.periodicSeries(asleep).reduce(0) { $0 + $1.count }
        sleepInterruptions = wakes.count
        wakeSeconds = wakes.reduce(0) { $0 + $1.durationSeconds }
        let artifacts = events.filter { $0.kind == .artifact }
        self.artifacts = artifacts.count
        artifactSeconds = artifacts.reduce(0) { $0 + $1.durationSeconds }
        self.gaps = gaps.count
        gapSeconds = gaps.reduce(0) { $0 + ($1.offsetSeconds - $1.onsetSeconds) }
        self.framesLost = framesLost
        self.corruptFrames = corruptFrames
        let sleepHours = max(0, durationSeconds - wakeSeconds - gapSeconds) / 3600
        plmIndexPerHour = sleepHours > 0 ? Double(periodicLegMovements) / sleepHours : 0

        let window = SleepWindow.find(zAngleEpochs: zAngleEpochs, epochSeconds: epochSeconds, durationSeconds: durationSeconds)
        sleepWindowOnsetSeconds = window.onsetSeconds
        sleepWindowOffsetSeconds = window.offsetSeconds
        sleepWindowDetected = window.detected
        func inside(_ a: Double, _ b: Double) -> Double { max(0, min(b, window.offsetSeconds) - max(a, window.onsetSeconds)) }
        let wakeInside = wakes.filter { inside($0.onsetSeconds, $0.offsetSeconds) > 0 }
        wasoSeconds = wakeInside.reduce(0) { $0 + inside($1.onsetSeconds, $1.offsetSeconds) }
        awakenings = wakeInside.count
        let gapInside = gaps.reduce(0) { $0 + inside($1.onsetSeconds, $1.offsetSeconds) }
        totalSleepSeconds = max(0, window.offsetSeconds - window.onsetSeconds - wasoSeconds - gapInside)
        sleepEfficiency = durationSeconds > 0 ? totalSleepSeconds / durationSeconds : 0
    }

    /// Whether the sleeper woke during or right after the cramp.
    public static func woke(_ cramp: DetectedEvent, _ wakes: [DetectedEvent]) -> Bool {
        wakes.contains { $0.onsetSeconds >= cramp.onsetSeconds - 5 && $0.onsetSeconds <= cramp.offsetSeconds + 60 }
    }

    /// Runs of ≥ 4 leg movements whose onsets are 10–90 s apart (WASM 2016 periodicity).
    public static func periodicSeries(_ lms: [DetectedEvent]) -> [[DetectedEvent]] {
        var series: [[DetectedEvent]] = []
        var run: [DetectedEvent] = []
        for lm in lms.sorted(by: { $0.onsetSeconds < $1.onsetSeconds }) {
            if let last = run.last {
                let interval = lm.onsetSeconds - last.onsetSeconds
                if interval >= 10 && interval <= 90 {
                    run.append(lm)
                    continue
                }
                if interval < 10 { continue }  // too close: WASM counts the pair as one
                if run.count >= 4 { series.append(run) }
                run = [lm]
            } else {
                run = [lm]
            }
        }
        if run.count >= 4 { series.append(run) }
        return series
    }
}
