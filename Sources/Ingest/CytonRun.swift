import DeviceProtocol
import Exports
import NightAnalysis
import Recordings
import SignalCore

/// Turns a Cyton capture's bytes (`CytonCapture`: the header, the dongle's bytes, host-timed gaps) into a night,
/// live (`monitor --cyton`) and replayed alike: packets → µV and g → `CytonNight` → the one night runner.
public final class CytonRun: LiveRun {
    let path: String
    let parser = CytonCaptureParser()
    let decoder = CytonDecoder()
    let night: CytonNight
    var header: CytonCapture.Header?
    var failure: Error?
    var microvoltsPerCount = 0.0

    public var statsSoFar: FrameStats { night.stats }
    public var secondsSoFar: Double { night.runner?.recordedSeconds ?? 0 }
    public var liveRunner: NightRunner? { night.runner }
    /// The Cyton sends no clock of its own: the night is placed by the host's.
    public var newestSampleDeviceMicros: UInt64? { nil }
    public var firstSampleDeviceMicros: UInt64? { nil }

    public init(path: String, configuration: DetectorConfiguration, observers: [NightObserver] = [],
                recordTicks: Bool = false) {
        self.path = path
        night = CytonNight(path: path, configuration: configuration, observers: observers, recordTicks: recordTicks)
    }

    public func feed(_ bytes: UnsafeRawBufferPointer) throws {
        do {
            try parser.feed(bytes) { try handle($0) }
            try night.flush()
        } catch let e as CytonCaptureError {
            throw ReplayError("\(path): \(e)")
        }
        if let failure { throw failure }
    }

    private func handle(_ event: CytonCaptureEvent) throws {
        switch event {
        case .header(let h):
            header = h
            microvoltsPerCount = Cyton.microvoltsPerCount(gain: h.gain)
            night.describe(serial: "OpenBCI Cyton \(h.port)", channels: h.channels.count,
                           microvoltsPerCount: microvoltsPerCount)
        case .bytes(let b):
            decoder.feed(b) { e in
                guard failure == nil else { return }
                do { try decoded(e) } catch { failure = error }
            }
        case .gap(let micros):
            // Unplugged: the board starts its numbering again, so the loss is timed by the host.
            decoder.restartNumbering()
            night.lost(Int((Double(micros) / 1e6 * Double(Cyton.sampleRateHz)).rounded()))
        }
        if let failure { throw failure }
    }

    private func decoded(_ e: CytonEvent) throws {
        switch e {
        case .packet(let p):
            guard let header else {
                throw ReplayError("\(path): packets arrived before the capture's header, so the units are unknown")
            }
            night.stats.frames += 1
            let uv = microvoltsPerCount
            try night.sample(emg: header.channels.map { Float(Double(p.counts[$0 - 1]) * uv) },
                             accel: p.accel.map { a in a.map { Float(Double($0) * Cyton.gPerCount) } })
        case .lost(let n, _):
            night.lost(n)
        case .damaged(let offset):
            night.stats.decodeErrors[.crc, default: 0] += 1
            if night.stats.firstError == nil { night.stats.firstError = (.crc, offset) }
        case .skipped:
            break
        }
    }

    public func finish(sizeBytes: UInt64) throws -> NightResult {
        decoder.finish { e in try? decoded(e) }
        if let failure { throw failure }
        guard header != nil else {
            throw RecordingError(path: path, offset: 0, "the Cyton capture ends inside its header")
        }
        return try night.finish(sizeBytes: sizeBytes, truncatedAt: parser.leftoverBytes > 0 ? parser.offset : nil)
    }
}

/// A Cyton's night, however its samples were read (a capture, an OpenBCI GUI file): 250 Hz EMG in µV, the
/// accelerometer's readings in g when they come, and lost packets.
///
/// The night's clock is the packet count at 250 Hz, lost packets included. The accelerometer reaches the detector
/// at exactly 25 Hz on that clock: after every 10th EMG sample the latest reading the board sent is held. The
/// LIS3DH has its own oscillator, so a reading now and then arrives one packet early or late; holding keeps the
/// two streams on one clock (a reading is at most 36 ms old). The night begins at the first packet with a
/// reading (the few packets before it are left out); a board that sends none in its first 2 s is run without
/// the accelerometer.
final class CytonNight {
    let path: String
    let configuration: DetectorConfiguration
    let observers: [NightObserver]
    let recordTicks: Bool
    var runner: NightRunner?
    var stats = FrameStats()
    var serial = "OpenBCI Cyton"
    var channels = 0
    var microvoltsPerCount = 0.0
    /// Packets before the first accelerometer reading, while the night has not begun.
    var packetsWaiting = 0
    var heldAccel: [Float]?
    var clockIndex = 0
    var emg: [Float] = []
    var accel: [Float] = []
    /// Lost packets not yet put in the night (they are, as a gap, before the next packet).
    var pendingLost = 0

    init(path: String, configuration: DetectorConfiguration, observers: [NightObserver], recordTicks: Bool) {
        self.path = path
        self.configuration = configuration
        self.observers = observers
        self.recordTicks = recordTicks
    }

    /// The board as the source knows it; `microvoltsPerCount` is its resolution (0 when it is unknown).
    func describe(serial: String, channels: Int, microvoltsPerCount: Double) {
        self.serial = serial
        self.channels = channels
        self.microvoltsPerCount = microvoltsPerCount
    }

    func lost(_ n: Int) {
        stats.framesLost += n
        if runner != nil { pendingLost += n }
    }

    /// One packet's EMG (µV, the night's channels in order) and its accelerometer reading (g), if it has one.
    func sample(emg values: [Float], accel reading: [Float]?) throws {
        if let reading { heldAccel = reading }
        if runner == nil {
            packetsWaiting += 1
            guard heldAccel != nil || packetsWaiting >= 2 * Cyton.sampleRateHz else { return }
            try start()
        }
        guard let runner else { return }
        if pendingLost > 0 { try gap(runner) }
        stats.sampleBlocks += 1
        emg += values
        if runner.info.accelAxes == 3 && clockIndex % 10 == 9, let held = heldAccel { accel += held }
        clockIndex += 1
        if emg.count >= 256 * max(1, channels) { try flush() }
    }

    private func gap(_ runner: NightRunner) throws {
        try flush()
        let k = pendingLost, fs = Double(Cyton.sampleRateHz)
        pendingLost = 0
        let accelSkipped = runner.info.accelAxes == 3 ? (clockIndex + k) / 10 - clockIndex / 10 : 0
        let g = NightGap(onsetSeconds: Double(clockIndex) / fs, offsetSeconds: Double(clockIndex + k) / fs,
                         framesLost: k, firstLostSequence: nil, emgSamplesLost: k,
                         reason: NightGap.framesLostInTransit)
        try runner.gap(g, emgSamples: k, accelSamples: accelSkipped)
        clockIndex += k
    }

    func flush() throws {
        guard let runner, !emg.isEmpty else { return }
        try emg.withUnsafeBufferPointer { e in try accel.withUnsafeBufferPointer { a in
            try runner.process(emg: e, accel: a)
        } }
        emg.removeAll(keepingCapacity: true)
        accel.removeAll(keepingCapacity: true)
    }

    private func start() throws {
        let axes = heldAccel == nil ? 0 : 3
        let info = DeviceInfo(serial: serial, emgChannels: channels,
                              accelAxes: axes, mainsHz: 0, adcBits: 24, emgRateHz: Cyton.sampleRateHz,
                              accelRateHz: axes == 3 ? Cyton.accelRateHz : 0,
                              emgMicrovoltsPerLSB: Float(microvoltsPerCount), accelGPerLSB: Float(Cyton.gPerCount),
                              emgBlockSamples: 1, bootID: 0, emgSites: Array(repeating: 0, count: channels))
        let clip = microvoltsPerCount > 0 ? Float(Double((1 << 23) - 1) * microvoltsPerCount) : .infinity
        let detector: NightDetector
        do {
            detector = try NightDetector(configuration: configuration, sampleRateHz: info.emgRateHz,
                                         emgChannels: info.emgChannels, accelRateHz: info.accelRateHz,
                                         accelAxes: axes, clipLevelMicrovolts: clip)
        } catch {
            throw ReplayError("\(path): the detector cannot run on the Cyton's 250 Hz: \(error)")
        }
        runner = try NightRunner(detector: detector, info: info, observers: observers, recordTicks: recordTicks)
    }

    func finish(sizeBytes: UInt64, format: RecordingFormat = .rawCapture, truncatedAt: UInt64?) throws
        -> NightResult {
        try flush()
        guard let runner else {
            throw RecordingError(path: path, offset: 0, "it holds no packets from the board (was the board switched "
                                 + "on, and did it start streaming?)")
        }
        if pendingLost > 0 {
            let t = Double(clockIndex) / Double(Cyton.sampleRateHz)
            try runner.gap(NightGap(onsetSeconds: t, offsetSeconds: t, framesLost: pendingLost, firstLostSequence: nil,
                                    emgSamplesLost: 0, reason: "frames lost at the end"),
                           emgSamples: 0, accelSamples: 0)
        }
        return try runner.finish(path: path, format: format, sizeBytes: sizeBytes, stats: stats,
                                 truncatedAt: truncatedAt)
    }
}

/// A night fed with bytes as they arrive, live or from a file: a raw capture of our device (`CaptureRun`) or of a
/// Cyton (`CytonRun`). `LiveSession` runs either.
public protocol LiveRun: AnyObject {
    func feed(_ bytes: UnsafeRawBufferPointer) throws
    func finish(sizeBytes: UInt64) throws -> NightResult
    var statsSoFar: FrameStats { get }
    var secondsSoFar: Double { get }
    var newestSampleDeviceMicros: UInt64? { get }
    var firstSampleDeviceMicros: UInt64? { get }
    /// The night runner, once the source has said what it streams (nil before).
    var liveRunner: NightRunner? { get }
}

extension LiveRun {
    /// The last whole second: the strongest channel's EMG envelope above rest (µV) and accelerometer activity (g).
    public var lastSecondLevels: (emgAboveRestMicrovolts: Float, activityG: Float)? {
        guard let m = liveRunner?.detector.machines, let e = m.traceEnvelope.last, let a = m.traceActivity.last else {
            return nil
        }
        return (e, a)
    }

    /// The last `seconds` whole seconds of the same two series, oldest first (a web page watching tonight).
    public func recentLevels(seconds: Int) -> (envelope: [Float], activity: [Float])? {
        guard let m = liveRunner?.detector.machines, !m.traceEnvelope.isEmpty else { return nil }
        return (Array(m.traceEnvelope.suffix(seconds)), Array(m.traceActivity.suffix(seconds)))
    }
}

extension CaptureRun: LiveRun {
    public var liveRunner: NightRunner? { runner }
}
