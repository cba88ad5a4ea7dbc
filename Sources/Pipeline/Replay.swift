import DeviceProtocol
import Recordings
import SignalCore

/// A stretch with no data in a night.
public struct NightGap: Sendable, Equatable {
    public var onsetSeconds: Double
    public var offsetSeconds: Double
    public var framesLost: Int
    public var firstLostSequence: UInt32?
    public var emgSamplesLost: Int
    public var reason: String
}

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

    public var corruptFrames: Int { decodeErrors.filter { $0.key != .truncated }.values.reduce(0, +) }

    public static func == (a: FrameStats, b: FrameStats) -> Bool {
        a.frames == b.frames && a.sampleBlocks == b.sampleBlocks && a.framesLost == b.framesLost && a.decodeErrors == b.decodeErrors
            && a.firstError?.offset == b.firstError?.offset && a.outOfOrderFrames == b.outOfOrderFrames
    }
}

/// Everything a replayed night produced.
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
    /// Every tick's features, when asked for (`recordTicks`): replay them through other thresholds.
    public var tickLog: TickLog?
    /// Mean z-angle of the accelerometer per 5-s epoch (degrees; NaN where lost), for the sleep window.
    public var zAngleEpochs: [Float] = []
    /// Per second: EMG envelope above rest (µV) and accelerometer activity (g), for the timeline.
    public var traceEnvelope: [Float] = []
    public var traceActivity: [Float] = []
}

/// Problems that stop a replay, said for a person.
public struct ReplayError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ d: String) { description = d }
}

/// Replays a recording through the same decoder and detector a live night uses.
public struct Replayer {
    public var configuration: DetectorConfiguration
    /// Called about every 5 % with the fraction done (on a TTY).
    public var progress: ((Double) -> Void)?
    /// Keep every tick's features in the result (for threshold sweeps).
    public var recordTicks = false
    /// Channel choice and CSV layout for recordings that are not raw captures.
    public var recordingOptions = RecordingOptions()
    /// Receives the replayed signals, gaps and events (e.g. an EDF+ export).
    public var signalSink: NightSignalSink?

    public init(configuration: DetectorConfiguration = DetectorConfiguration(), recordTicks: Bool = false, progress: ((Double) -> Void)? = nil) {
        self.configuration = configuration
        self.recordTicks = recordTicks
        self.progress = progress
    }

    public func replay(path: String) throws -> NightResult {
        let format = try FormatDetector.detect(path: path)
        switch format {
        case .rawCapture:
            return try replayCapture(path: path)
        case .edf, .edfPlus, .bdf, .bdfPlus:
            return try replayEDF(path: path, format: format)
        case .csv:
            return try replayCSV(path: path)
        }
    }

    func replayCapture(path: String) throws -> NightResult {
        let reader = try ChunkedFileReader(path: path)
        let run = CaptureRun(path: path, configuration: configuration)
        run.recordTicks = recordTicks
        run.sink = signalSink
        var lastReported = 0.0
        while true {
            let chunk = try reader.next()
            if chunk.isEmpty { break }
            try run.feed(chunk)
            if let progress, reader.size > 0 {
                let done = Double(reader.offset) / Double(reader.size)
                if done - lastReported >= 0.05 {
                    lastReported = done
                    progress(done)
                }
            }
        }
        return try run.finish(sizeBytes: reader.size)
    }
}

/// Turns a stream of capture bytes into a night: decoding, scaling, gap accounting, detection.
/// Used by replay and (with live bytes) by the monitor.
public final class CaptureRun {
    let path: String
    let configuration: DetectorConfiguration
    let decoder = FrameDecoder()
    var detector: NightDetector?
    var info: DeviceInfo?
    var events = EventBuffer(capacity: 1024)
    var finalEvents: [DetectedEvent] = []
    var provisional = 0
    var gaps: [NightGap] = []
    var stats = FrameStats()
    var pendingLost = 0
    var pendingFirstLost: UInt32?
    var nextEMGIndex: Int?
    var nextAccelIndex = 0
    let emgScratch = UnsafeMutableBufferPointer<Float>.allocate(capacity: ProtocolV1.maxPayload / 2)
    let accelScratch = UnsafeMutableBufferPointer<Float>.allocate(capacity: ProtocolV1.maxPayload / 2)
    var truncatedAt: UInt64?
    var failure: ReplayError?
    /// Where the device-info frame in use began (for messages).
    var infoOffset: UInt64 = 0
    /// After a late or duplicated frame: the sequence number that was really expected next.
    var resumeAt: UInt32?
    /// The frame being reported arrived late (or twice).
    var lateFrame = false
    /// How far behind a frame may arrive and still count as late rather than as a device restart.
    static let lateFrameWindow: UInt32 = 4096
    /// Keep every tick's features (for threshold sweeps).
    public var recordTicks = false
    /// Receives the scaled samples, gaps and final events (e.g. an EDF+ export).
    public var sink: NightSignalSink?

    /// Called with each event as the detector emits it, provisional cramp notices included (the live monitor prints them).
    public var onEvent: ((DetectedEvent) -> Void)?
    /// Frame accounting so far (the live monitor's status line).
    public var statsSoFar: FrameStats { stats }
    /// Called once, when the device has described itself and detection starts (the live monitor opens the night then).
    public var onStart: ((DeviceInfo) -> Void)?
    /// Called with each gap as it is found.
    public var onGap: ((NightGap) -> Void)?
    /// The device timestamp of the newest sample seen, in microseconds of the device's clock (live clock fitting).
    public private(set) var newestSampleDeviceMicros: UInt64?
    /// The device's clock at the night's first sample (sample index 0), extrapolated from the first block that arrived.
    public private(set) var firstSampleDeviceMicros: UInt64?
    /// Seconds of signal so far.
    public var secondsSoFar: Double {
        guard let info, let detector else { return 0 }
        return Double(detector.emgSampleIndex) / Double(max(1, info.emgRateHz))
    }
    /// The last whole second: the strongest channel's EMG envelope above rest (µV) and accelerometer activity (g).
    public var lastSecondLevels: (emgAboveRestMicrovolts: Float, activityG: Float)? {
        guard let m = detector?.machines, let e = m.traceEnvelope.last, let a = m.traceActivity.last else { return nil }
        return (e, a)
    }

    public init(path: String, configuration: DetectorConfiguration) {
        self.path = path
        self.configuration = configuration
    }

    deinit {
        emgScratch.deallocate()
        accelScratch.deallocate()
    }

    public func feed(_ bytes: UnsafeRawBufferPointer) throws {
        decoder.feed(bytes) { handle($0) }
        if let failure { throw failure }
    }

    private func handle(_ event: DecoderEvent) {
        guard failure == nil else { return }
        switch event {
        case .error(let kind, let offset):
            stats.decodeErrors[kind, default: 0] += 1
            if stats.firstError == nil { stats.firstError = (kind, offset) }
            if kind == .truncated { truncatedAt = offset }
        case .gap(let expected, let got, var lost):
            var first = expected
            if let resume = resumeAt {
                // After a late frame the decoder expects the sequence after *it*; what is really missing starts at `resume`.
                resumeAt = nil
                let real = got &- resume
                guard real > 0 && real < 0x8000_0000 else { return }
                lost = real
                first = resume
            }
            stats.framesLost += Int(lost)
            if pendingFirstLost == nil { pendingFirstLost = first }
            pendingLost += Int(lost)
        case .reorder(let expected, let got):
            if expected &- got <= Self.lateFrameWindow {
                // A duplicate, or a frame that arrives after the ones behind it: its samples were already
                // accounted for (received, or inside a recorded gap), so it is counted and set aside.
                stats.outOfOrderFrames += 1
                lateFrame = true
                resumeAt = max(resumeAt ?? expected, expected)
            } else {
                // Far behind: the device restarted its numbering.
                resumeAt = nil
            }
        case .frame(let view):
            stats.frames += 1
            if let resume = resumeAt, !lateFrame, view.sequence &- resume < 0x8000_0000 { resumeAt = nil }
            defer { lateFrame = false }
            if lateFrame && view.type == .sampleBlock { return }
            switch view.type {
            case .deviceInfo:
                guard case .deviceInfo(let d) = view.message() else { return }
                if let info, info.bootID != d.bootID {
                    stats.deviceRestarts += 1
                }
                // Until samples flow, the newest description wins: a device configured before START (CONFIGURE)
                // sent its power-up description first.
                if detector == nil {
                    info = d
                    infoOffset = view.offset
                }
            case .sampleBlock:
                sampleBlock(view)
            default:
                break
            }
        }
    }

    private func start(with d: DeviceInfo, frameOffset: UInt64) {
        info = d
        do {
            var cfg = configuration
            // The device knows its mains frequency; if it says 0, the detector finds it in the signal.
            if cfg.mainsHz == 0 && (d.mainsHz == 50 || d.mainsHz == 60) { cfg.mainsHz = Double(d.mainsHz) }
            let clip = Float(Int(1) << (min(16, max(2, d.adcBits)) - 1) - 1) * d.emgMicrovoltsPerLSB
            detector = try NightDetector(configuration: cfg, sampleRateHz: d.emgRateHz, emgChannels: d.emgChannels,
                                         accelRateHz: d.accelRateHz, accelAxes: d.accelAxes, clipLevelMicrovolts: clip)
            if recordTicks { detector?.startTickLog() }
        } catch {
            failure = ReplayError("\(path): at byte offset \(frameOffset): the device describes itself in a way the detector cannot use: \(error)")
            return
        }
        sinkCall { try $0.start(d) }
        onStart?(d)
    }

    private func sampleBlock(_ view: FrameView) {
        if detector == nil, let info, failure == nil { start(with: info, frameOffset: infoOffset) }
        guard let detector, let info else {
            failure = ReplayError("\(path): at byte offset \(view.offset): sample data arrived before the device described itself (no device-info frame), so the units are unknown. Was the capture started mid-stream?")
            return
        }
        let b = view.sampleBlock
        guard b.emgChannels == info.emgChannels, b.accelAxes == info.accelAxes || b.accelCount == 0 else {
            failure = ReplayError("\(path): at byte offset \(view.offset): frame \(view.sequence) has \(b.emgChannels) EMG channels and \(b.accelAxes) accelerometer axes but the device said \(info.emgChannels) and \(info.accelAxes)")
            return
        }
        stats.sampleBlocks += 1
        let emgIndex = Int(b.emgIndex)
        let fs = Double(info.emgRateHz)
        if let expected = nextEMGIndex {
            if emgIndex < expected {
                // A block behind the stream that the sequence numbers did not flag: its samples were already accounted for.
                stats.outOfOrderFrames += 1
                return
            }
            if emgIndex > expected || pendingLost > 0 {
                let lostSamples = emgIndex - expected
                addGap(NightGap(onsetSeconds: Double(expected) / fs, offsetSeconds: Double(emgIndex) / fs, framesLost: pendingLost,
                                firstLostSequence: pendingFirstLost, emgSamplesLost: lostSamples,
                                reason: lostSamples > 0 ? "frames lost in transit" : "non-sample frames lost"))
                if lostSamples > 0 {
                    detector.skip(emgSamples: lostSamples, accelSamples: Int(b.accelIndex) - nextAccelIndex, into: &events)
                    sinkCall { try $0.gap(seconds: Double(lostSamples) / fs, note: "\(pendingLost) frames lost in transit") }
                }
                pendingLost = 0
                pendingFirstLost = nil
            }
        } else if emgIndex > 0 || pendingLost > 0 {
            // The first blocks never arrived (or the capture starts after the device's first block).
            addGap(NightGap(onsetSeconds: 0, offsetSeconds: Double(emgIndex) / fs, framesLost: pendingLost, firstLostSequence: pendingFirstLost,
                            emgSamplesLost: emgIndex, reason: "the start of the recording is missing"))
            pendingLost = 0
            pendingFirstLost = nil
            if emgIndex > 0 {
                detector.skip(emgSamples: emgIndex, accelSamples: Int(b.accelIndex), into: &events)
                sinkCall { try $0.gap(seconds: Double(emgIndex) / fs, note: "the start of the recording is missing") }
            }
        }
        let uv = info.emgMicrovoltsPerLSB, g = info.accelGPerLSB
        let emgValues = b.emgCount * b.emgChannels
        let accelValues = b.accelCount * b.accelAxes
        // Counts → µV and g into buffers allocated once (a block is at most 1024 bytes).
        let e = emgScratch, a = accelScratch
        b.convertEMG(into: e.baseAddress!, scale: uv)
        b.convertAccel(into: a.baseAddress!, scale: g)
        detector.process(emg: UnsafeBufferPointer(rebasing: e[0..<emgValues]), accel: UnsafeBufferPointer(rebasing: a[0..<accelValues]), into: &events)
        sinkCall { try $0.samples(emg: UnsafeBufferPointer(rebasing: e[0..<emgValues]), accel: UnsafeBufferPointer(rebasing: a[0..<accelValues])) }
        nextEMGIndex = emgIndex + b.emgCount
        nextAccelIndex = Int(b.accelIndex) + b.accelCount
        // The block's timestamp is its first sample's; the newest sample is (count - 1) periods later.
        let microsPerSample = 1_000_000 / fs
        newestSampleDeviceMicros = view.timestampMicros &+ UInt64(Double(max(0, b.emgCount - 1)) * microsPerSample)
        if firstSampleDeviceMicros == nil {
            let back = UInt64(Double(emgIndex) * microsPerSample)
            firstSampleDeviceMicros = view.timestampMicros >= back ? view.timestampMicros - back : 0
        }
        drainEvents()
    }

    private func addGap(_ g: NightGap) {
        gaps.append(g)
        onGap?(g)
    }

    private func drainEvents() {
        guard !events.isEmpty else { return }
        for e in events.events {
            onEvent?(e)
            if e.isProvisional { provisional += 1 } else {
                finalEvents.append(e)
                sinkCall { try $0.event(e) }
            }
        }
        events.removeAll()
    }

    private func sinkCall(_ body: (NightSignalSink) throws -> Void) {
        guard let sink, failure == nil else { return }
        do { try body(sink) } catch { failure = ReplayError("\(error)") }
    }

    /// Ends the run: flushes the detector and reports a truncated tail.
    public func finish(sizeBytes: UInt64) throws -> NightResult {
        decoder.finish { handle($0) }
        if detector == nil, let info, failure == nil { start(with: info, frameOffset: infoOffset) }
        if let failure { throw failure }
        guard let info, let detector else {
            if let first = stats.firstError {
                throw RecordingError(path: path, offset: first.offset, "no usable data: \(first.kind.explanation)")
            }
            throw RecordingError(path: path, offset: 0, "the capture holds no device-info frame and no samples")
        }
        if pendingLost > 0, let expected = nextEMGIndex {
            let t = Double(expected) / Double(info.emgRateHz)
            addGap(NightGap(onsetSeconds: t, offsetSeconds: t, framesLost: pendingLost, firstLostSequence: pendingFirstLost, emgSamplesLost: 0, reason: "frames lost at the end"))
            pendingLost = 0
        }
        detector.finish(into: &events)
        drainEvents()
        sinkCall { try $0.finish() }
        if let failure { throw failure }
        finalEvents.sort { ($0.onsetSeconds, $0.kind.rawValue) < ($1.onsetSeconds, $1.kind.rawValue) }
        return NightResult(
            path: path, format: .rawCapture, sizeBytes: sizeBytes, deviceInfo: info, configuration: detector.configuration,
            durationSeconds: Double(detector.emgSampleIndex) / Double(info.emgRateHz), events: finalEvents,
            provisionalCrampNotices: provisional, gaps: gaps, stats: stats, truncatedAt: truncatedAt, tickLog: detector.tickLog,
            zAngleEpochs: detector.zAngleEpochs, traceEnvelope: detector.machines.traceEnvelope, traceActivity: detector.machines.traceActivity)
    }
}
