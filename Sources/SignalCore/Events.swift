/// What a detected (or labelled) event is.
public enum EventKind: String, Sendable, Codable, CaseIterable {
    case cramp
    case legMovement = "leg_movement"
    case sleepInterruption = "sleep_interruption"
    case artifact
    case gap
    /// Used by labels only: turning over and other voluntary movement (not reported as an event).
    case voluntaryMovement = "voluntary_movement"
    /// Every muscle-activity burst, whatever it was classified as; reported only when
    /// `DetectorConfiguration.reportMuscleActivity` is on (for checking the onset detector on other data).
    case muscleActivity = "muscle_activity"
}

/// Why a stretch of signal was marked as artifact.
public enum ArtifactCause: UInt8, Sendable, Codable {
    case none = 0, clipping, flatLine, mains, motion

    public var name: String {
        switch self {
        case .none: "none"
        case .clipping: "clipping"
        case .flatLine: "flat_line"
        case .mains: "mains"
        case .motion: "motion"
        }
    }
}

/// An event the signal core detected. Plain data: emitting one does not allocate.
public struct DetectedEvent: Sendable, Equatable {
    public var kind: EventKind
    /// Seconds from the first sample of the recording.
    public var onsetSeconds: Double
    public var offsetSeconds: Double
    /// EMG channel that carried it (−1: not channel specific).
    public var channel: Int
    /// Largest envelope above the resting baseline during the event (µV).
    public var peakAboveRestMicrovolts: Float
    /// Mean envelope above the resting baseline (µV).
    public var meanAboveRestMicrovolts: Float
    /// Mean accelerometer activity during the event (g).
    public var accelActivityG: Float
    /// 0…1, how clearly the criteria were met.
    public var confidence: Float
    /// A "cramp started" notice sent as soon as the criterion is met; the final event follows at its end.
    public var isProvisional: Bool
    public var artifactCause: ArtifactCause
    /// Median frequency of the EMG during the event, averaged over it (Hz).
    public var medianFrequencyHz: Float
    /// Cramps: largest accelerometer activity in the `crampAfterSeconds` after the cramp (g).
    public var accelActivityAfterG: Float
    /// Leg movements and cramps: largest accelerometer activity from 1 s before onset to
    /// `crampStillOnsetSeconds` after it (g) — whether the leg or body moved as the contraction began.
    public var onsetActivityG: Float
    /// Leg movements and cramps: share of the ticks after `crampStillOnsetSeconds` in which the leg moved.
    public var movingFraction: Float
    /// Leg movements and cramps: share of the ticks with the envelope at least the onset level above rest.
    public var sustainedFraction: Float

    public init(kind: EventKind, onsetSeconds: Double, offsetSeconds: Double, channel: Int = -1,
                peakAboveRestMicrovolts: Float = 0, meanAboveRestMicrovolts: Float = 0, accelActivityG: Float = 0,
                confidence: Float = 1, isProvisional: Bool = false, artifactCause: ArtifactCause = .none,
                medianFrequencyHz: Float = 0, accelActivityAfterG: Float = 0, onsetActivityG: Float = 0,
                movingFraction: Float = 0, sustainedFraction: Float = 0) {
        self.kind = kind
        self.onsetSeconds = onsetSeconds
        self.offsetSeconds = offsetSeconds
        self.channel = channel
        self.peakAboveRestMicrovolts = peakAboveRestMicrovolts
        self.meanAboveRestMicrovolts = meanAboveRestMicrovolts
        self.accelActivityG = accelActivityG
        self.confidence = confidence
        self.isProvisional = isProvisional
        self.artifactCause = artifactCause
        self.medianFrequencyHz = medianFrequencyHz
        self.accelActivityAfterG = accelActivityAfterG
        self.onsetActivityG = onsetActivityG
        self.movingFraction = movingFraction
        self.sustainedFraction = sustainedFraction
    }

    public var durationSeconds: Double { offsetSeconds - onsetSeconds }
}

/// A fixed-capacity output list for events: appending within capacity never allocates.
public struct EventBuffer: Sendable {
    public private(set) var events: [DetectedEvent]

    public init(capacity: Int = 256) {
        events = []
        events.reserveCapacity(capacity)
    }

    @inlinable
    public var isEmpty: Bool { events.isEmpty }

    public mutating func append(_ e: DetectedEvent) { events.append(e) }

    /// Empties the buffer, keeping its storage.
    public mutating func removeAll() { events.removeAll(keepingCapacity: true) }
}
