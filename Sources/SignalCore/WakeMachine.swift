/// Sleep interruptions from the leg, one second at a time: seconds in which the leg moved (leg movements' own
/// small motion already left out by the caller) chain into a bout while the gaps between them stay under
/// `wakeEndQuietSeconds`, and a bout of `wakeMinSeconds` or more is an interruption when some of its movement is
/// not a leg movement's own.
///
/// A periodic series whose movements swing the leg is not wake: every moving second of it lies within a leg
/// movement (a muscle burst no longer than `legMovementMaxSeconds`). An awake person also moves without such a
/// burst (shifting, reaching, getting up: walking's strides run together into one long episode), so a bout is
/// wake only when at least one of its moving seconds is not a leg movement's.
///
/// A cramp is felt: the sleeper is awake through it, however still the leg holds. So a cramp joins the bout
/// around it (or begins one) from its onset to the last movement after it, and a bout holding a cramp that was
/// followed by movement (the sleeper stretched, rubbed the calf or got up) is an interruption whatever its
/// length. Without this, a cramp that woke someone left no interruption, because the leg holds still through it.
///
/// The full pass (`TickDetector`) and a sweep's replay of a shared trace (`TickLog.events(from:with:)`) drive
/// this same machine with the same seconds and cramps in the same order, so both give the same interruptions.
struct WakeMachine {
    let configuration: DetectorConfiguration
    let ticksPerSecond: Int
    let tickSeconds: Double

    enum State {
        case idle
        case bout(Bout)
    }

    struct Bout {
        var onsetSecond: Int
        var lastMovingSecond: Int
        var activitySum: Double
        var movingSeconds: Int
        /// Moving seconds that are not a leg movement's own (a cramp's count here).
        var unexplainedSeconds: Int
        /// A cramp followed by movement is inside: an interruption however short.
        var crampWoke = false
        /// The onset of the cramp that began the bout (s): the interruption begins with it, not at its whole second.
        var crampOnsetSeconds: Double?
    }

    var state = State.idle
    /// The second after the last interruption emitted: a cramp never reaches back into it.
    var emittedThroughSecond = Int.min / 2

    init(configuration: DetectorConfiguration, ticksPerSecond: Int, tickSeconds: Double) {
        self.configuration = configuration
        self.ticksPerSecond = ticksPerSecond
        self.tickSeconds = tickSeconds
    }

    /// The end of a second. Returns the interruption that this second's quiet ends, if any.
    mutating func step(_ w: WakeSecond) -> DetectedEvent? {
        let own = w.episodeSeconds >= 0 && Double(w.episodeSeconds) <= configuration.legMovementMaxSeconds
        let unexplained = w.moving && !own ? 1 : 0
        switch state {
        case .idle:
            if w.moving {
                state = .bout(Bout(onsetSecond: w.second, lastMovingSecond: w.second, activitySum: Double(w.activity),
                                   movingSeconds: 1, unexplainedSeconds: unexplained))
            }
        case .bout(var b):
            if w.moving {
                b.lastMovingSecond = w.second
                b.activitySum += Double(w.activity)
                b.movingSeconds += 1
                b.unexplainedSeconds += unexplained
                state = .bout(b)
            } else if Double(w.second - b.lastMovingSecond) * Double(ticksPerSecond) * tickSeconds
                        >= configuration.wakeEndQuietSeconds {
                state = .idle
                return emit(b)
            }
        }
        return nil
    }

    /// A final cramp, with the last tick after it in which the leg moved (nil: it lay still). Times become seconds
    /// as the detector counts them (tick / ticks per second), so both passes agree to the second.
    mutating func cramp(_ e: DetectedEvent, lastMovingTick: Int?) {
        let onsetTick = Int((e.onsetSeconds / tickSeconds).rounded())
        let endTick = max(onsetTick + 1, Int((e.offsetSeconds / tickSeconds).rounded()))
        cramp(onsetSecond: onsetTick / ticksPerSecond, endSecond: (endTick - 1) / ticksPerSecond,
              lastMovingAfter: lastMovingTick.map { $0 / ticksPerSecond }, activity: e.accelActivityG,
              onsetSeconds: Double(onsetTick) * tickSeconds)
    }

    /// A cramp from second `onset` to second `end` (inclusive), the last second after it in which the leg moved
    /// (nil: it lay still), and its mean activity (g).
    mutating func cramp(onsetSecond onset: Int, endSecond end: Int, lastMovingAfter: Int?, activity: Float,
                        onsetSeconds: Double? = nil) {
        let first = max(onset, emittedThroughSecond)
        let precise = first == onset ? onsetSeconds : nil
        let last = max(end, lastMovingAfter ?? end)
        guard first <= last else { return }
        let seconds = last - first + 1
        switch state {
        case .idle:
            state = .bout(Bout(onsetSecond: first, lastMovingSecond: last,
                               activitySum: Double(activity) * Double(seconds), movingSeconds: seconds,
                               unexplainedSeconds: seconds, crampWoke: lastMovingAfter != nil,
                               crampOnsetSeconds: precise))
        case .bout(var b):
            // Movement that began in the cramp's second or before it (the foot pointing) begins the bout itself.
            if first < b.onsetSecond { b.crampOnsetSeconds = precise }
            b.onsetSecond = min(b.onsetSecond, first)
            b.lastMovingSecond = max(b.lastMovingSecond, last)
            b.crampWoke = b.crampWoke || lastMovingAfter != nil
            b.unexplainedSeconds += seconds
            state = .bout(b)
        }
    }

    /// A gap or the end of the recording: the open bout ends where its movement last was.
    mutating func finish() -> DetectedEvent? {
        defer { state = .idle }
        if case .bout(let b) = state { return emit(b) }
        return nil
    }

    mutating func emit(_ b: Bout) -> DetectedEvent? {
        let onset = b.crampOnsetSeconds ?? Double(b.onsetSecond * ticksPerSecond) * tickSeconds
        let offset = Double((b.lastMovingSecond + 1) * ticksPerSecond) * tickSeconds
        guard (offset - onset >= configuration.wakeMinSeconds && b.unexplainedSeconds > 0) || b.crampWoke else {
            return nil
        }
        emittedThroughSecond = b.lastMovingSecond + 1
        let span = Float(max(1, b.lastMovingSecond - b.onsetSecond + 1))
        return DetectedEvent(kind: .sleepInterruption, onsetSeconds: onset, offsetSeconds: offset,
                             accelActivityG: Float(b.activitySum / Double(max(1, b.movingSeconds))),
                             confidence: min(1, Float(b.movingSeconds) / span + 0.5))
    }
}

/// One second as the wake machine sees it.
struct WakeSecond: Sendable {
    var second: Int
    /// The leg moved (activity over `movementThresholdG`, a leg movement's own small motion left out).
    var moving: Bool
    /// Largest activity in the second (g).
    var activity: Float
    /// How long the muscle-activity episode open in or just before this second had lasted (s); -1 when none.
    var episodeSeconds: Float
}
