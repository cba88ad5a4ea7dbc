import SignalCore

/// Where a night's sleep and wake come from.
public enum SleepSource: String, Sendable, Codable, CaseIterable {
    /// A sleep lab's scored stages carried by the recording (EDF+ "Sleep stage W/N1/N2/N3/R" epochs): what the lab
    /// scored from EEG, EOG and chin EMG, which a leg cannot see.
    case scoredStages = "scored_stages"
    /// The sleep period from the leg accelerometer's z-angle (`SleepWindow`), minus the detected wake bouts.
    case accelerometer
    /// The accelerometer could not find a sleep period (a recording under about 30 minutes, or no still half hour):
    /// the whole recording minus the detected wake bouts.
    case wholeRecording = "whole_recording"
    /// Neither an accelerometer nor scored stages: nothing saw sleep or wake, so total sleep, wake, efficiency and
    /// awakenings are unknown, not "all asleep". The PLM index is then per hour of recording with data.
    case notMeasured = "not_measured"

    /// False when nothing in the recording could tell sleep from wake.
    public var measuresWake: Bool { self != .notMeasured }
}

/// A lab's hypnogram: its scored epochs as spans of sleep and of wake, in time order. Epochs scored "?" or movement
/// time are left out, so they count as neither.
public struct Hypnogram: Sendable, Equatable {
    public var sleep: [Range<Double>]
    public var wake: [Range<Double>]

    /// Epochs (onset, offset in seconds from the first sample) and whether each was scored as sleep.
    public init(epochs: [(onset: Double, offset: Double, asleep: Bool)]) {
        let sorted = epochs.filter { $0.offset > $0.onset }.sorted { $0.onset < $1.onset }
        sleep = sorted.filter(\.asleep).map { $0.onset..<$0.offset }
        wake = sorted.filter { !$0.asleep }.map { $0.onset..<$0.offset }
    }
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

    /// Without an accelerometer or scored stages: the whole recording with data is the PLM index's denominator, and
    /// no wake is known (the figures that need it are reported as not measured).
    init(notMeasuredFor durationSeconds: Double, gaps: [NightGap]) {
        source = .notMeasured
        onsetSeconds = 0
        offsetSeconds = durationSeconds
        wake = []
        wasoSeconds = 0
        awakenings = 0
        sleepSeconds = max(0, durationSeconds - gaps.reduce(0) { $0 + ($1.offsetSeconds - $1.onsetSeconds) })
        let gapSpans = gaps.map { ($0.onsetSeconds, $0.offsetSeconds) }
        asleepAt = { t in t >= 0 && t <= durationSeconds && !gapSpans.contains { t >= $0.0 && t < $0.1 } }
    }

    /// From a lab's scored stages: the sleep period runs from the first sleep epoch to the end of the last, sleep is
    /// its sleep epochs minus data gaps, and an awakening is a run of wake epochs of at least `wakeMinSeconds`
    /// inside it, as `validate` reads the same stages. Nil when the hypnogram holds no sleep epoch.
    init?(hypnogram: Hypnogram, gaps: [NightGap], wakeMinSeconds: Double) {
        let sleep = hypnogram.sleep
        guard let first = sleep.first?.lowerBound, let last = sleep.map(\.upperBound).max() else { return nil }
        source = .scoredStages
        onsetSeconds = first
        offsetSeconds = last
        wake = Hypnogram.runs(hypnogram.wake)
        let gapIn = { (r: Range<Double>) in
            gaps.reduce(0) { $0 + max(0, min(r.upperBound, $1.offsetSeconds) - max(r.lowerBound, $1.onsetSeconds)) }
        }
        sleepSeconds = max(0, sleep.reduce(0) { $0 + ($1.upperBound - $1.lowerBound) - gapIn($1) })
        let inside = wake.filter { $0.onset >= first && $0.offset <= last }
        wasoSeconds = inside.reduce(0) { $0 + ($1.offset - $1.onset) }
        awakenings = inside.filter { $0.offset - $0.onset >= wakeMinSeconds - 1e-6 }.count
        asleepAt = { t in sleep.contains { $0.contains(t) } }
    }
}
