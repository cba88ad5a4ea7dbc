import NightAnalysis

/// A few minutes of signal (the electrodes tested in the evening, a device unplugged straight away, a file cut
/// short) is not a night: saved, it would count as a cramp-free night in every report. `replay`, `monitor` and
/// `journal recover` apply this one rule (`--min-night`); the recording itself is always kept, so it can be saved
/// later with `--min-night 0`.
public struct MinimumNight: Sendable, Equatable {
    /// Ten minutes: a test of the electrodes is over by then, and no sleep period is that short.
    public static let defaultMinutes = 10.0
    /// What `--min-night` may be: from 0 (save anything) to a whole day.
    public static let allowedMinutes = 0.0...1440.0

    public var minutes: Double

    public init(minutes: Double = MinimumNight.defaultMinutes) { self.minutes = minutes }

    /// Whether a recording this long (seconds) is a night to save.
    public func admits(_ seconds: Double) -> Bool { seconds >= minutes * 60 }

    /// Why a recording was not saved: "only 3 min 12 s recorded, under the 10 min a night needs".
    public func shortfall(recordedSeconds: Double) -> String {
        "only \(Words.duration(recordedSeconds)) recorded, under the \(Words.whole(minutes)) min a night needs"
    }
}
