import SignalCore

/// Which cramps woke the sleeper, and which leg movements form periodic series (WASM 2016).
extension NightSummary {
    /// Whether the sleeper woke during or right after the cramp.
    public static func woke(_ cramp: DetectedEvent, _ wakes: [DetectedEvent]) -> Bool {
        wakes.contains { $0.onsetSeconds >= cramp.onsetSeconds - 5 && $0.onsetSeconds <= cramp.offsetSeconds + 60 }
    }

    /// Runs of ≥ 4 consecutive leg movements whose onsets are 10–90 s apart (WASM 2016, rule for periodic
    /// leg movements): an interval under 10 s or over 90 s ends the run, and the movement after it may begin
    /// the next one. Built from every leg movement, asleep or awake: whether a periodic movement is PLMS or
    /// PLMW depends on where its onset falls (`periodicIndices`). Movements on two channels whose activity
    /// overlaps or is less than 0.5 s apart are already one movement: the detector's episode follows the
    /// strongest channel and ends only after 0.5 s below the offset level on all of them.
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
                if run.count >= 4 { series.append(run) }
            }
            run = [lm]
        }
        if run.count >= 4 { series.append(run) }
        return series
    }

    /// Periodic leg movements in sleep (PLMS) and in wake (PLMW), with their indices per hour of sleep and of
    /// wake, as WASM 2016 reports them apart. Wake is the time inside wake bouts; sleep is the rest of the
    /// recording minus its gaps.
    public struct PeriodicIndices: Sendable, Equatable {
        public var inSleep: Int
        public var inWake: Int
        public var sleepIndexPerHour: Double
        public var wakeIndexPerHour: Double
    }

    public static func periodicIndices(legMovements lms: [DetectedEvent], wakes: [DetectedEvent],
                                       durationSeconds: Double, gapSeconds: Double) -> PeriodicIndices {
        let periodic = periodicSeries(lms).joined()
        let inWake = periodic.filter { lm in
            wakes.contains { lm.onsetSeconds >= $0.onsetSeconds && lm.onsetSeconds <= $0.offsetSeconds }
        }.count
        let wakeSeconds = wakes.reduce(0) { $0 + $1.durationSeconds }
        let sleepHours = max(0, durationSeconds - wakeSeconds - gapSeconds) / 3600, wakeHours = wakeSeconds / 3600
        let inSleep = periodic.count - inWake
        return PeriodicIndices(inSleep: inSleep, inWake: inWake,
                               sleepIndexPerHour: sleepHours > 0 ? Double(inSleep) / sleepHours : 0,
                               wakeIndexPerHour: wakeHours > 0 ? Double(inWake) / wakeHours : 0)
    }
}
