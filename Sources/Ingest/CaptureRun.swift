import DeviceProtocol
import Exports
import NightAnalysis
import Recordings
import SignalCore

/// Turns a stream of capture bytes into a night: decoding, scaling, gap accounting, detection.
/// Used by replay and (with live bytes) by the monitor.
///
/// Time is counted in EMG samples (`emg_index`); a device without EMG channels is timed by its
/// accelerometer samples (`accel_index`) instead, and gets the same sleep detection.
public final class CaptureRun {
    let path: String
    let configuration: DetectorConfiguration
    let observers: [NightObserver]
    let recordTicks: Bool
    let decoder = FrameDecoder()
    /// The night, once the device has described itself and samples flow.
    var runner: NightRunner?
    var info: DeviceInfo?
    var stats = FrameStats()
    var pendingLost = 0
    var pendingFirstLost: UInt32?
    /// The next sample index expected on the clock channel (EMG; the accelerometer without EMG).
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

    /// Frame accounting so far (the live monitor's status line).
    public var statsSoFar: FrameStats { stats }
    /// The device timestamp of the newest sample seen, in microseconds of the device's clock (live clock fitting).
    public private(set) var newestSampleDeviceMicros: UInt64?
    /// The device's clock at the night's first sample (sample index 0), extrapolated from the first block that arrived.
    public private(set) var firstSampleDeviceMicros: UInt64?
    /// Seconds of signal so far.
    public var secondsSoFar: Double { runner?.recordedSeconds ?? 0 }
    /// - observers: told of the night as it unfolds (writers, the live journal, the status line), in this order.
    /// - recordTicks: keep every tick's features (threshold sweeps).
    public init(path: String, configuration: DetectorConfiguration, observers: [NightObserver] = [],
                recordTicks: Bool = false) {
        self.path = path
        self.configuration = configuration
        self.observers = observers
        self.recordTicks = recordTicks
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
        case .gap(let expected, let got, let lost):
            sequenceGap(expected: expected, got: got, lost: lost)
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
            frame(view)
        }
    }

    private func sequenceGap(expected: UInt32, got: UInt32, lost: UInt32) {
        var lost = lost, first = expected
        if let resume = resumeAt {
            // After a late frame the decoder expects the sequence after *it*; what is really missing starts at
            // `resume`.
            resumeAt = nil
            let real = got &- resume
            guard real > 0 && real < 0x8000_0000 else { return }
            lost = real
            first = resume
        }
        stats.framesLost += Int(lost)
        if pendingFirstLost == nil { pendingFirstLost = first }
        pendingLost += Int(lost)
    }

    private func frame(_ view: FrameView) {
        stats.frames += 1
        if let resume = resumeAt, !lateFrame, view.sequence &- resume < 0x8000_0000 { resumeAt = nil }
        defer { lateFrame = false }
        if lateFrame && view.type == .sampleBlock { return }
        switch view.type {
        case .deviceInfo:
            guard case .deviceInfo(let d) = view.message() else { return }
            if let info, info.bootID != d.bootID { stats.deviceRestarts += 1 }
            // Until samples flow, the newest description wins: a device configured before START (CONFIGURE)
            // sent its power-up description first.
            if runner == nil {
                info = d
                infoOffset = view.offset
            }
        case .sampleBlock:
            sampleBlock(view)
        default:
            break
        }
    }

    /// Starts the night with the device's description: the detector for its channels, rates and units.
    private func start(with d: DeviceInfo, frameOffset: UInt64) {
        info = d
        let detector: NightDetector
        do {
            var cfg = configuration
            // The device knows its mains frequency; if it says 0, the detector finds it in the signal.
            if cfg.mainsHz == 0 && (d.mainsHz == 50 || d.mainsHz == 60) { cfg.mainsHz = Double(d.mainsHz) }
            let clip = Float(Int(1) << (min(16, max(2, d.adcBits)) - 1) - 1) * d.emgMicrovoltsPerLSB
            if d.emgChannels == 0 && d.accelAxes == 3 && d.accelRateHz <= 0 {
                throw ConfigurationError("it has no EMG channels and its accelerometer rate is 0 Hz")
            }
            detector = try NightDetector(configuration: cfg, sampleRateHz: d.emgRateHz, emgChannels: d.emgChannels,
                                         accelRateHz: d.accelRateHz, accelAxes: d.accelAxes, clipLevelMicrovolts: clip)
        } catch {
            failure = ReplayError("\(path): at byte offset \(frameOffset): the device describes itself in a way the "
                                  + "detector cannot use: \(error)")
            return
        }
        attempt { runner = try NightRunner(detector: detector, info: d, observers: observers,
                                           recordTicks: recordTicks) }
    }

    private func sampleBlock(_ view: FrameView) {
        if runner == nil, let info, failure == nil { start(with: info, frameOffset: infoOffset) }
        guard failure == nil else { return }
        guard let runner, let info else {
            failure = ReplayError("\(path): at byte offset \(view.offset): sample data arrived before the device "
                                  + "described itself (no device-info frame), so the units are unknown. Was the "
                                  + "capture started mid-stream?")
            return
        }
        let b = view.sampleBlock
        guard b.emgChannels == info.emgChannels, b.accelAxes == info.accelAxes || b.accelCount == 0 else {
            failure = ReplayError("\(path): at byte offset \(view.offset): frame \(view.sequence) has \(b.emgChannels) "
                                  + "EMG channels and \(b.accelAxes) accelerometer axes but the device said "
                                  + "\(info.emgChannels) and \(info.accelAxes)")
            return
        }
        stats.sampleBlocks += 1
        // The clock: EMG samples, or accelerometer samples on a device without EMG.
        let accelOnly = info.emgChannels == 0
        let emgIndex = accelOnly ? Int(b.accelIndex) : Int(b.emgIndex)
        if let expected = nextEMGIndex, emgIndex < expected {
            // A block behind the stream that the sequence numbers did not flag: its samples were already accounted for.
            stats.outOfOrderFrames += 1
            return
        }
        guard !refusesTiming(of: b, frame: view, info: info) else { return }
        recordMissing(before: emgIndex, accelIndex: Int(b.accelIndex), runner: runner, frame: view)
        guard failure == nil else { return }
        let uv = info.emgMicrovoltsPerLSB, g = info.accelGPerLSB
        let emgValues = accelOnly ? 0 : b.emgCount * b.emgChannels
        let accelValues = b.accelCount * b.accelAxes
        // Counts → µV and g into buffers allocated once (a block is at most 1024 bytes).
        let e = emgScratch, a = accelScratch
        b.convertEMG(into: e.baseAddress!, scale: uv)
        b.convertAccel(into: a.baseAddress!, scale: g)
        attempt {
            try runner.process(emg: UnsafeBufferPointer(rebasing: e[0..<emgValues]),
                               accel: UnsafeBufferPointer(rebasing: a[0..<accelValues]))
        }
        let count = accelOnly ? b.accelCount : b.emgCount
        nextEMGIndex = emgIndex + count
        nextAccelIndex = Int(b.accelIndex) + b.accelCount
        noteDeviceTime(view.timestampMicros, firstIndex: emgIndex, count: count, rateHz: Double(runner.clockRateHz))
    }

    /// Records the gap before a block: frames lost in transit, or the start of the recording missing.
    private func recordMissing(before emgIndex: Int, accelIndex: Int, runner: NightRunner, frame view: FrameView) {
        let fs = Double(runner.clockRateHz)
        guard let expected = nextEMGIndex else {
            // The first blocks never arrived (or the capture starts after the device's first block).
            guard emgIndex > 0 || pendingLost > 0 else { return }
            guard !refusesGap(endingAt: emgIndex, accelIndex: accelIndex, runner: runner, frame: view) else { return }
            reportGap(NightGap(onsetSeconds: 0, offsetSeconds: Double(emgIndex) / fs, framesLost: pendingLost,
                               firstLostSequence: pendingFirstLost, emgSamplesLost: emgIndex,
                               reason: "the start of the recording is missing"),
                      emgSamples: emgIndex, accelSamples: accelIndex)
            return
        }
        guard emgIndex > expected || pendingLost > 0 else { return }
        guard !refusesGap(endingAt: emgIndex, accelIndex: accelIndex, runner: runner, frame: view) else { return }
        let lostSamples = emgIndex - expected
        reportGap(NightGap(onsetSeconds: Double(expected) / fs, offsetSeconds: Double(emgIndex) / fs,
                           framesLost: pendingLost,
                           firstLostSequence: pendingFirstLost, emgSamplesLost: lostSamples,
                           reason: lostSamples > 0 ? NightGap.framesLostInTransit : "non-sample frames lost"),
                  emgSamples: lostSamples, accelSamples: accelIndex - nextAccelIndex)
    }

    /// A gap ending past 48 h into the night (a sample index damaged in a way its checksum did not catch) is
    /// refused, like a CSV time or an EDF+D onset that far: read as a gap, it would cost memory and time in
    /// proportion to the jump. Sets `failure` and returns true when it does.
    private func refusesGap(endingAt emgIndex: Int, accelIndex: Int, runner: NightRunner,
                            frame view: FrameView) -> Bool {
        let seconds = Double(emgIndex) / Double(runner.clockRateHz)
        let accelHz = Double(runner.info.accelRateHz)
        let accelSeconds = accelHz > 0 ? Double(accelIndex) / accelHz : 0
        guard max(seconds, accelSeconds) > InputBounds.longestSeconds else { return false }
        failure = ReplayError("\(path): at byte offset \(view.offset): frame \(view.sequence) says its samples start "
                              + "\(InputBounds.readable(max(seconds, accelSeconds))) s into the night; a recording "
                              + "cannot be longer than 48 h, so the capture is damaged here")
        return true
    }

    /// The device takes its EMG and accelerometer samples on one clock, so in a block both start, and end, within a
    /// second of each other, and no accelerometer sample comes twice. A block that says otherwise is damaged in a
    /// way its checksum did not catch; read as it says, the accelerometer's 5-s epochs (the sleep window) would drift
    /// away from the night's time, by as much as the numbers say. Sets `failure` and returns true when it refuses.
    private func refusesTiming(of b: SampleBlockView, frame view: FrameView, info: DeviceInfo) -> Bool {
        guard info.emgChannels > 0, info.accelAxes == 3, info.emgRateHz > 0, info.accelRateHz > 0 else {
            return false
        }
        let fs = Double(info.emgRateHz), fa = Double(info.accelRateHz)
        let emg = (Double(b.emgIndex) / fs, Double(Int(b.emgIndex) + b.emgCount) / fs)
        let accel = (Double(b.accelIndex) / fa, Double(Int(b.accelIndex) + b.accelCount) / fa)
        let again = nextEMGIndex != nil && Int(b.accelIndex) < nextAccelIndex
        guard abs(emg.0 - accel.0) > 1 || abs(emg.1 - accel.1) > 1 || again else { return false }
        let r = InputBounds.readable
        failure = ReplayError("\(path): at byte offset \(view.offset): frame \(view.sequence) says its EMG runs from "
                              + "\(r(emg.0)) to \(r(emg.1)) s and its accelerometer from \(r(accel.0)) to "
                              + "\(r(accel.1)) s"
                              + (again ? ", again over accelerometer samples already read" : "")
                              + "; the device takes both on one clock, so the capture is damaged here")
        return true
    }

    private func reportGap(_ g: NightGap, emgSamples: Int, accelSamples: Int) {
        pendingLost = 0
        pendingFirstLost = nil
        attempt { try runner?.gap(g, emgSamples: emgSamples, accelSamples: accelSamples) }
    }

    /// The device clock of the newest sample and of the night's first: the live clock fit reads them.
    private func noteDeviceTime(_ blockMicros: UInt64, firstIndex: Int, count: Int, rateHz fs: Double) {
        // The block's timestamp is its first sample's; the newest sample is (count - 1) periods later.
        let microsPerSample = fs > 0 ? 1_000_000 / fs : 0
        newestSampleDeviceMicros = blockMicros &+ UInt64(Double(max(0, count - 1)) * microsPerSample)
        if firstSampleDeviceMicros == nil {
            let back = UInt64(Double(firstIndex) * microsPerSample)
            firstSampleDeviceMicros = blockMicros >= back ? blockMicros - back : 0
        }
    }

    /// Runs an observer-facing step; the first error ends the run (the decoder's callbacks cannot throw).
    private func attempt(_ body: () throws -> Void) {
        guard failure == nil else { return }
        do { try body() } catch let e as ReplayError { failure = e } catch { failure = ReplayError("\(error)") }
    }

    /// Ends the run: flushes the detector and reports a truncated tail.
    public func finish(sizeBytes: UInt64) throws -> NightResult {
        decoder.finish { handle($0) }
        if runner == nil, let info, failure == nil { start(with: info, frameOffset: infoOffset) }
        if let failure { throw failure }
        guard let info, let runner else {
            if let first = stats.firstError {
                throw RecordingError(path: path, offset: first.offset, "no usable data: \(first.kind.explanation)")
            }
            throw RecordingError(path: path, offset: 0, "the capture holds no device-info frame and no samples")
        }
        if pendingLost > 0, let expected = nextEMGIndex {
            let t = Double(expected) / Double(info.emgChannels > 0 ? info.emgRateHz : info.accelRateHz)
            reportGap(NightGap(onsetSeconds: t, offsetSeconds: t, framesLost: pendingLost,
                               firstLostSequence: pendingFirstLost,
                               emgSamplesLost: 0, reason: "frames lost at the end"), emgSamples: 0, accelSamples: 0)
        }
        if let failure { throw failure }
        do {
            return try runner.finish(path: path, format: .rawCapture, sizeBytes: sizeBytes, stats: stats,
                                     truncatedAt: truncatedAt)
        } catch let e as ReplayError { throw e } catch { throw ReplayError("\(error)") }
    }
}
