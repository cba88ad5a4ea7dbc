import SignalCore

/// Which cramps woke the sleeper, and which leg movements form periodic series (WASM 2016).
extension NightSummary {
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
