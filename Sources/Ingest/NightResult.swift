import DeviceProtocol
import NightAnalysis
import Recordings
import SignalCore

/// Frame-level accounting of a replay or live run.
public struct FrameStats: Sendable, Equatable {
    public var frames = 0
    public var sampleBlocks = 0
    public var framesLost = 0
    public var decodeErrors: [DecodeErrorKind: Int] = [:]
    /// Byte offset and kind of the first decode error.
    public var firstError: (kind: DecodeErrorKind, offset: UInt64)?
    public var outOfOrderFrames = 0
    public var deviceRestarts = 0

    public init() {}

    public var corruptFrames: Int { decodeErrors.filter { $0.key != .truncated }.values.reduce(0, +) }

    public static func == (a: FrameStats, b: FrameStats) -> Bool {
        a.frames == b.frames && a.sampleBlocks == b.sampleBlocks && a.framesLost == b.framesLost
            && a.decodeErrors == b.decodeErrors && a.firstError?.offset == b.firstError?.offset
            && a.outOfOrderFrames == b.outOfOrderFrames
    }
}

/// Everything a night produced, replayed or live: built in one place, `NightRunner.finish`.
public struct NightResult: Sendable {
    public var path: String
    public var format: RecordingFormat
    public var sizeBytes: UInt64
    public var deviceInfo: DeviceInfo
    public var configuration: DetectorConfiguration
    public var durationSeconds: Double
    /// Final events, sorted by onset (provisional notices are counted, not kept).
    public var events: [DetectedEvent]
    public var provisionalCrampNotices: Int
    public var gaps: [NightGap]
    public var stats: FrameStats
    /// Set when the file ended inside a frame: the byte offset of that frame.
    public var truncatedAt: UInt64?
    /// Set when an EDF/BDF left unclosed by a crash was repaired before it was read: what was done, in words.
    public var repairNote: String?
    /// Every tick's features, when asked for (`recordTicks`): replay them through other thresholds.
    public var tickLog: TickLog?
    /// Mean z-angle of the accelerometer per 5-s epoch (degrees; NaN where lost), for the sleep window.
    public var zAngleEpochs: [Float] = []
    /// Per second: EMG envelope above rest (µV) and accelerometer activity (g), for the timeline.
    public var traceEnvelope: [Float] = []
    public var traceActivity: [Float] = []

    /// The night's figures, computed by the night analysis (the only place that computes them).
    public var summary: NightSummary {
        NightSummary(events: events, gaps: gaps, durationSeconds: durationSeconds, framesLost: stats.framesLost,
                     corruptFrames: stats.corruptFrames, zAngleEpochs: zAngleEpochs,
                     epochSeconds: Double(NightDetector.epochSeconds), emgMeasured: deviceInfo.emgChannels > 0)
    }
}

/// Problems that stop a replay, said for a person.
public struct ReplayError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ d: String) { description = d }
}
