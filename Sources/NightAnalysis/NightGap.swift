/// A stretch of a night with no data: frames lost in transit, records missing from a file, rows missing
/// from a CSV. Gaps are data: every one is kept, recorded in the journal and written into exports.
public struct NightGap: Sendable, Equatable {
    public var onsetSeconds: Double
    public var offsetSeconds: Double
    public var framesLost: Int
    public var firstLostSequence: UInt32?
    /// Samples lost per EMG channel (without EMG: accelerometer samples, the night's clock).
    public var emgSamplesLost: Int
    public var reason: String

    public init(onsetSeconds: Double, offsetSeconds: Double, framesLost: Int, firstLostSequence: UInt32?,
                emgSamplesLost: Int, reason: String) {
        self.onsetSeconds = onsetSeconds
        self.offsetSeconds = offsetSeconds
        self.framesLost = framesLost
        self.firstLostSequence = firstLostSequence
        self.emgSamplesLost = emgSamplesLost
        self.reason = reason
    }

    /// The gap in words for an annotation: the reason, with the count of frames when frames were lost.
    public var note: String {
        reason == Self.framesLostInTransit ? "\(Words.count(framesLost, "frame")) lost in transit" : reason
    }

    /// The reason of a gap left by frames that never arrived.
    public static let framesLostInTransit = "frames lost in transit"
}
