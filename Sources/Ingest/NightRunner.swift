import DeviceProtocol
import Exports
import NightAnalysis
import Recordings
import SignalCore

/// The one night runner: every source (raw captures live or replayed, EDF/BDF, CSV) hands it physical samples
/// (EMG in µV, accelerometer in g) and the gaps between them; it runs the detector, tells the observers, keeps
/// the night's events and gaps, and builds the night's result. Sources differ only in how they read bytes.
public final class NightRunner {
    public let detector: NightDetector
    public let info: DeviceInfo
    let observers: [NightObserver]
    var events = EventBuffer(capacity: 1024)
    public private(set) var finalEvents: [DetectedEvent] = []
    public private(set) var provisionalNotices = 0
    public private(set) var gaps: [NightGap] = []

    /// Starts the night: the observers learn what the source is (`nightStarted`) before any sample.
    public init(detector: NightDetector, info: DeviceInfo, observers: [NightObserver], recordTicks: Bool) throws {
        self.detector = detector
        self.info = info
        self.observers = observers
        if recordTicks { detector.startTickLog() }
        for o in observers { try o.nightStarted(info) }
    }

    /// Samples in the detector's units, interleaved by channel (EMG) and by axis (accelerometer).
    public func process(emg: UnsafeBufferPointer<Float>, accel: UnsafeBufferPointer<Float>) throws {
        detector.process(emg: emg, accel: accel, into: &events)
        for o in observers { try o.samples(emg: emg, accel: accel) }
        try drain()
    }

    /// A stretch without data. The detector skips `emgSamples` on its clock (EMG, or the accelerometer without
    /// EMG) and `accelSamples` of the accelerometer; 0 and 0 records the gap without skipping time.
    public func gap(_ g: NightGap, emgSamples: Int, accelSamples: Int) throws {
        gaps.append(g)
        let skipped = emgSamples > 0 ? Double(emgSamples) / Double(clockRateHz) : 0
        if emgSamples > 0 { detector.skip(emgSamples: emgSamples, accelSamples: accelSamples, into: &events) }
        for o in observers { try o.gap(g, skippedSeconds: skipped) }
        try drain()
    }

    /// Samples per second of the night's clock: EMG, or the accelerometer on a device without EMG.
    public var clockRateHz: Int { info.emgChannels > 0 ? info.emgRateHz : info.accelRateHz }

    /// Seconds of the night so far (gaps included).
    public var recordedSeconds: Double { detector.recordedSeconds }

    /// Hands the detector's new events to the observers and keeps the final ones.
    func drain() throws {
        guard !events.isEmpty else { return }
        for e in events.events {
            if e.isProvisional { provisionalNotices += 1 } else { finalEvents.append(e) }
            for o in observers { try o.event(e) }
        }
        events.removeAll()
    }

    /// Ends the night: flushes the detector and the observers and builds the result.
    public func finish(path: String, format: RecordingFormat, sizeBytes: UInt64, stats: FrameStats = FrameStats(),
                       truncatedAt: UInt64? = nil, hypnogram: Hypnogram? = nil) throws -> NightResult {
        detector.finish(into: &events)
        try drain()
        for o in observers { try o.nightFinished() }
        finalEvents.sort { ($0.onsetSeconds, $0.kind.rawValue) < ($1.onsetSeconds, $1.kind.rawValue) }
        // The mains frequency the night was filtered at belongs to the recording: where it was detected, say so.
        var info = self.info
        if info.mainsHz == 0 && detector.detectedMainsHz > 0 { info.mainsHz = Int(detector.detectedMainsHz) }
        let result = NightResult(
            path: path, format: format, sizeBytes: sizeBytes, deviceInfo: info, configuration: detector.configuration,
            durationSeconds: detector.recordedSeconds, events: finalEvents, provisionalCrampNotices: provisionalNotices,
            gaps: gaps, stats: stats, truncatedAt: truncatedAt, tickLog: detector.tickLog,
            zAngleEpochs: detector.zAngleEpochs, traceEnvelope: detector.machines.traceEnvelope,
            traceActivity: detector.machines.traceActivity, hypnogram: hypnogram)
        // Refused here, before any caller saves or prints it.
        if let what = result.impossibleFigure { throw AnalysisError(path: path, what: what) }
        return result
    }
}

extension NightRunner {
    /// A gap in a recording of physical samples (EDF+D, CSV): `seconds` rounded to whole samples of the clock.
    /// A gap that would take the night past `InputBounds.longestSeconds` is refused, naming `place` in `path`.
    public func gap(seconds: Double, reason: String, path: String, offset: UInt64?, place: String) throws {
        let fs = Double(detector.sampleRateHz)
        let onset = Double(detector.emgSampleIndex) / fs
        let refusal = "\(place): a gap of \(InputBounds.readable(seconds)) s would make the recording longer than "
            + "48 h, so its times "
            + "are damaged here"
        let n = try InputBounds.whole(seconds * fs, in: 0...max(0, (InputBounds.longestSeconds - onset) * fs),
                                      path: path, offset: offset, otherwise: refusal)
        guard n > 0 else { return }
        let g = NightGap(onsetSeconds: onset, offsetSeconds: onset + Double(n) / fs, framesLost: 0,
                         firstLostSequence: nil,
                         emgSamplesLost: n, reason: reason)
        let accel = try InputBounds.whole(seconds * Double(detector.accelRateHz),
                                          in: 0...(InputBounds.longestSeconds * 1000), path: path, offset: offset,
                                          otherwise: refusal)
        try gap(g, emgSamples: n, accelSamples: accel)
    }
}
