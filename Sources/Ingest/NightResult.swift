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

/// Everything a night produced, replayed or live: built in one place, `NightRunner.finish`. What the figures are
/// computed from is fixed once built, so `summary` is computed once, with the result, and never goes stale.
public struct NightResult: Sendable {
    public let path: String
    public let format: RecordingFormat
    public let sizeBytes: UInt64
    public let deviceInfo: DeviceInfo
    public let configuration: DetectorConfiguration
    public let durationSeconds: Double
    /// Final events, sorted by onset (provisional notices are counted, not kept).
    public let events: [DetectedEvent]
    public let provisionalCrampNotices: Int
    public let gaps: [NightGap]
    public let stats: FrameStats
    /// Set when the file ended inside a frame: the byte offset of that frame.
    public let truncatedAt: UInt64?
    /// Set when an EDF/BDF left unclosed by a crash was repaired before it was read: what was done, in words.
    public var repairNote: String?
    /// What the channel choice of an EDF/BDF or CSV left out or could not use (e.g. "Right Leg: resolution 31 uV per
    /// step, too coarse to score leg movements"), worded in `channelNotes` by whether the night has a lab's stages.
    public var channelNoteKinds: [ChannelNote] = []
    /// Lines about the recording's own scored stages (stages that overlap, so not used).
    public var stageNotes: [String] = []
    /// The channel and stage notes, one line each, as a person reads them.
    public var channelNotes: [String] {
        channelNoteKinds.map { $0.text(scoredStages: hypnogram != nil) } + stageNotes
    }
    /// Every tick's features, when asked for (`recordTicks`): replay them through other thresholds.
    public let tickLog: TickLog?
    /// Mean z-angle of the accelerometer per 5-s epoch (degrees; NaN where lost), for the sleep window.
    public let zAngleEpochs: [Float]
    /// Per second: EMG envelope above rest (µV) and accelerometer activity (g), for the timeline.
    public let traceEnvelope: [Float]
    public let traceActivity: [Float]
    /// A sleep lab's scored stages, carried by the recording or given in a scoring file of their own
    /// (`hypnogramFile`): the night's sleep and wake.
    public let hypnogram: Hypnogram?
    /// The scoring file the hypnogram came from (`replay --hypnogram`); nil when the recording carried it.
    public var hypnogramFile: String?
    /// The night's figures, computed by the night analysis (the only place that computes them).
    public let summary: NightSummary
    /// What a cramp may have woken the sleeper into (`NightSummary.wakeBouts`): each cramp's `woke`.
    public let wakeBouts: [DetectedEvent]

    init(path: String, format: RecordingFormat, sizeBytes: UInt64, deviceInfo: DeviceInfo,
         configuration: DetectorConfiguration, durationSeconds: Double, events: [DetectedEvent],
         provisionalCrampNotices: Int, gaps: [NightGap], stats: FrameStats, truncatedAt: UInt64?, tickLog: TickLog?,
         zAngleEpochs: [Float], traceEnvelope: [Float], traceActivity: [Float], hypnogram: Hypnogram? = nil) {
        self.path = path
        self.format = format
        self.sizeBytes = sizeBytes
        self.deviceInfo = deviceInfo
        self.configuration = configuration
        self.durationSeconds = durationSeconds
        self.events = events
        self.provisionalCrampNotices = provisionalCrampNotices
        self.gaps = gaps
        self.stats = stats
        self.truncatedAt = truncatedAt
        self.tickLog = tickLog
        self.zAngleEpochs = zAngleEpochs
        self.traceEnvelope = traceEnvelope
        self.traceActivity = traceActivity
        self.hypnogram = hypnogram
        wakeBouts = NightSummary.wakeBouts(events: events, hypnogram: hypnogram,
                                           wakeMinSeconds: configuration.wakeMinSeconds)
        summary = NightSummary(events: events, gaps: gaps, durationSeconds: durationSeconds,
                               framesLost: stats.framesLost, corruptFrames: stats.corruptFrames,
                               zAngleEpochs: zAngleEpochs, epochSeconds: Double(NightDetector.epochSeconds),
                               emgMeasured: deviceInfo.emgChannels > 0, hypnogram: hypnogram,
                               wakeMinSeconds: configuration.wakeMinSeconds,
                               accelMeasured: deviceInfo.accelAxes == 3, wakeBouts: wakeBouts)
    }

    /// Whether a cramp woke the sleeper (a wake bout began during it or within a minute of its end); nil for other
    /// events, and for every event of a night whose wake was not measured (no accelerometer, no scored stages).
    public func woke(_ e: DetectedEvent) -> Bool? {
        e.kind == .cramp && summary.wakeMeasured ? NightSummary.woke(e, wakeBouts) : nil
    }

    /// The same night with other events (say, some left out), its figures computed again from them.
    public func with(events: [DetectedEvent]) -> NightResult {
        rebuilt(events: events, hypnogram: hypnogram, hypnogramFile: hypnogramFile)
    }

    /// The same night with a sleep lab's hypnogram from `file` (a scoring file apart from the recording): every sleep
    /// figure follows its stages, as when the recording carries them.
    public func with(hypnogram: Hypnogram, from file: String) -> NightResult {
        rebuilt(events: events, hypnogram: hypnogram, hypnogramFile: file)
    }

    /// The night built again (so its summary is computed again) with these events and this hypnogram.
    func rebuilt(events: [DetectedEvent], hypnogram: Hypnogram?, hypnogramFile: String?) -> NightResult {
        var copy = NightResult(path: path, format: format, sizeBytes: sizeBytes, deviceInfo: deviceInfo,
                               configuration: configuration, durationSeconds: durationSeconds, events: events,
                               provisionalCrampNotices: provisionalCrampNotices, gaps: gaps, stats: stats,
                               truncatedAt: truncatedAt, tickLog: tickLog, zAngleEpochs: zAngleEpochs,
                               traceEnvelope: traceEnvelope, traceActivity: traceActivity, hypnogram: hypnogram)
        copy.repairNote = repairNote
        copy.channelNoteKinds = channelNoteKinds
        copy.stageNotes = stageNotes
        copy.hypnogramFile = hypnogramFile
        return copy
    }
}

/// Problems that stop a replay, said for a person.
public struct ReplayError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ d: String) { description = d }
}

/// A night whose analysis gave a value no night can have (not finite, or an event outside the recording). Never
/// expected — inputs are bounded and clipped before the detector — so it is refused before anything is saved.
public struct AnalysisError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let what: String
    public var description: String {
        "\(path): the analysis gave \(what), which no night can have; nothing was saved. This is a fault in "
        + "Crampwatch, not in you: please report it with the recording"
    }
}

extension NightResult {
    /// The first figure that no night can have: a non-finite time, level or summary value, or an event outside
    /// the recording. Nil for every night the detector can produce.
    public var impossibleFigure: String? {
        guard durationSeconds.isFinite, durationSeconds >= 0 else { return "a length of \(durationSeconds) s" }
        let end = durationSeconds + 1  // an event may end on the last tick's boundary
        for e in events {
            let values = [e.onsetSeconds, e.offsetSeconds, Double(e.peakAboveRestMicrovolts),
                          Double(e.meanAboveRestMicrovolts), Double(e.accelActivityG), Double(e.accelActivityAfterG),
                          Double(e.confidence)]
            if let bad = values.first(where: { !$0.isFinite }) {
                return "a \(e.kind.rawValue) at \(e.onsetSeconds) s with the value \(bad)"
            }
            if e.onsetSeconds < 0 || e.offsetSeconds > end || e.offsetSeconds < e.onsetSeconds {
                return "a \(e.kind.rawValue) from \(e.onsetSeconds) s to \(e.offsetSeconds) s of a "
                    + "\(durationSeconds)-s recording"
            }
        }
        for case let (label?, value as Double) in Mirror(reflecting: summary).children where !value.isFinite {
            return "\(label) = \(value) in the summary"
        }
        return nil
    }
}
