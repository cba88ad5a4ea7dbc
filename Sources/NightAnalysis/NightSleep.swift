import SignalCore

/// Where a night's sleep and wake come from.
public enum SleepSource: String, Sendable, Codable, CaseIterable {
    /// A sleep lab's scored stages carried by the recording (EDF+ "Sleep stage W/N1/N2/N3/R" epochs): what the lab
    /// scored from EEG, EOG and chin EMG, which a leg cannot see.
    case scoredStages = "scored_stages"
    /// The sleep period from the leg accelerometer's z-angle (`SleepWindow`), minus the detected wake bouts.
    case accelerometer
    /// No sleep period could be found (a recording under about 30 minutes, or no accelerometer and no scored
    /// stages): the whole recording minus the detected wake bouts.
    case wholeRecording = "whole_recording"
}

/// A lab's hypnogram: scored epochs, asleep or awake, in time order. Epochs scored "?" or movement time are left
/// out, so they count as neither.
public struct Hypnogram: Sendable, Equatable {
    public struct Epoch: Sendable, Equatable {
        public var onsetSeconds: Double
        public var offsetSeconds: Double
        public var asleep: Bool
        public init(onsetSeconds: Double, offsetSeconds: Double, asleep: Bool) {
            self.onsetSeconds = onsetSeconds
            self.offsetSeconds = offsetSeconds
            self.asleep = asleep
        }
    }

    public var epochs: [Epoch]

    public init(epochs: [Epoch]) { self.epochs = epochs.sorted { $0.onsetSeconds < $1.onsetSeconds } }
}

/// The night's sleep and wake from one source, so that every figure that needs them — the sleep period, total sleep,
/// WASO, efficiency, awakenings, and which periodic leg movements are PLMS — means the same.
struct NightSleep {
    var source: SleepSource
    var onsetSeconds: Double
    var offsetSeconds: Double
    /// Wake, as spans in time order: the detected wake bouts, or the hypnogram's wake epochs merged into runs.
    var wake: [(onset: Double, offset: Double)]
    /// The sleep period minus its wake and its data gaps.
    var sleepSeconds: Double
    /// Wake inside the sleep period.
    var wasoSeconds: Double
    /// Wake spans inside the sleep period (for scored stages, runs of at least `wakeMinSeconds`).
    var awakenings: Int
    let asleepAt: (Double) -> Bool

    /// From the accelerometer's sleep period (or the whole recording) and the detected wake bouts.
    init(window: SleepWindow.Result, wakes: [DetectedEvent], gaps: [NightGap]) {
        source = window.detected ? .accelerometer : .wholeRecording
        onsetSeconds = window.onsetSeconds
        offsetSeconds = window.offsetSeconds
        wake = wakes.map { (onset: $0.onsetSeconds, offset: $0.offsetSeconds) }
        let (a, b) = (window.onsetSeconds, window.offsetSeconds)
        let inside = { (x: Double, y: Double) in max(0, min(y, b) - max(x, a)) }
        let wakeInside = wake.filter { inside($0.onset, $0.offset) > 0 }
        wasoSeconds = wakeInside.reduce(0) { $0 + inside($1.onset, $1.offset) }
        awakenings = wakeInside.count
        let gapInside = gaps.reduce(0) { $0 + inside($1.onsetSeconds, $1.offsetSeconds) }
        sleepSeconds = max(0, b - a - wasoSeconds - gapInside)
        let spans = wake, gapSpans = gaps.map { ($0.onsetSeconds, $0.offsetSeconds) }
        asleepAt = { t in
            t >= a && t <= b && !spans.contains { t >= $0.onset && t <= $0.offset }
                && !gapSpans.contains { t >= $0.0 && t < $0.1 }
        }
    }

    /// From a lab's scored stages: the sleep period runs from the first sleep epoch to the end of the last, sleep is
    /// its sleep epochs minus data gaps, and an awakening is a run of wake epochs of at least `wakeMinSeconds`
    /// inside it, as `validate` reads the same stages. Nil when the hypnogram holds no sleep epoch.
    init?(hypnogram: Hypnogram, gaps: [NightGap], wakeMinSeconds: Double) {
        let sleep = hypnogram.epochs.filter(\.asleep)
        guard let first = sleep.first?.onsetSeconds, let last = sleep.map(\.offsetSeconds).max() else { return nil }
        source = .scoredStages
        onsetSeconds = first
        offsetSeconds = last
        wake = Self.runs(hypnogram.epochs.filter { !$0.asleep })
        let gapIn = { (x: Double, y: Double) in
            gaps.reduce(0) { $0 + max(0, min(y, $1.offsetSeconds) - max(x, $1.onsetSeconds)) }
        }
        sleepSeconds = max(0, sleep.reduce(0) { $0 + ($1.offsetSeconds - $1.onsetSeconds) - gapIn($1.onsetSeconds,
                                                                                                   $1.offsetSeconds) })
        let inside = wake.filter { $0.onset >= first && $0.offset <= last }
        wasoSeconds = inside.reduce(0) { $0 + ($1.offset - $1.onset) }
        awakenings = inside.filter { $0.offset - $0.onset >= wakeMinSeconds - 1e-6 }.count
        let epochs = sleep
        asleepAt = { t in epochs.contains { t >= $0.onsetSeconds && t < $0.offsetSeconds } }
    }

    /// Epochs that touch joined into spans.
    static func runs(_ epochs: [Hypnogram.Epoch]) -> [(onset: Double, offset: Double)] {
        var out: [(onset: Double, offset: Double)] = []
        for e in epochs {
            if let last = out.last, e.onsetSeconds <= last.offset + 1e-6 {
                out[out.count - 1].offset = max(last.offset, e.offsetSeconds)
            } else {
                out.append((onset: e.onsetSeconds, offset: e.offsetSeconds))
            }
        }
        return out
    }
}
