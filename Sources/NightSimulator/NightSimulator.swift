import Foundation
import DeviceProtocol
import SignalCore

/// What a simulation produced besides the bytes.
public struct SimulationReport: Sendable, Codable {
    public var options: SimulationOptions
    public var durationSeconds: Double
    public var framesSent: Int
    public var framesWritten: Int
    /// Sequence numbers of frames dropped in transit.
    public var droppedSequences: [UInt32]
    /// Sequence numbers of frames written with a corrupted byte.
    public var corruptedSequences: [UInt32]
    public var labels: [Label]
}

/// Simulates a night as the device would send it: protocol v1 frames of EMG (µV → ADC counts)
/// and accelerometer (g → counts), with ground-truth labels. Deterministic for a seed.
///
/// With `emgChannels` 0 the device is accelerometer-only: the sleeper's night is the one the same seed
/// gives with EMG (`SimulationOptions.plannedEMGChannels`), whose muscles are still rendered so that every
/// random draw — and so every accelerometer sample — is the same; the device sends only the accelerometer,
/// in blocks of a quarter second (`emg_channels` 0, `emg_count` 0, timestamps of the first accelerometer
/// sample). Its transport faults are drawn from a generator of their own. The labels are those an
/// accelerometer can be scored on: sleep interruptions (and voluntary movements, which are not events).
public final class NightSimulator {
    public let options: SimulationOptions
    public let deviceInfo: DeviceInfo
    public let labels: [Label]
    let scenario: Scenario
    var rng: SeededGenerator

    static let emgMicrovoltsPerLSB: Float = 0.25
    static let accelGPerLSB: Float = 1.0 / 4096

    public init(options: SimulationOptions) throws {
        guard options.hours > 0 && options.hours <= 24 else {
            throw ConfigurationError("--hours must be between 0 and 24, not \(options.hours)")
        }
        guard (250...4000).contains(options.emgRateHz) else {
            throw ConfigurationError("EMG rate \(options.emgRateHz) Hz is outside 250…4000 Hz")
        }
        guard (25...200).contains(options.accelRateHz) else {
            throw ConfigurationError("accelerometer rate \(options.accelRateHz) Hz is outside 25…200 Hz")
        }
        guard (0...4).contains(options.emgChannels) else {
            throw ConfigurationError("EMG channels must be 0 (accelerometer only) to 4")
        }
        guard options.mainsHz == 50 || options.mainsHz == 60 else {
            throw ConfigurationError("mains must be 50 or 60 Hz")
        }
        let maxBlock = (ProtocolV1.maxPayload - 16 - 2 * 3 * 8) / (2 * options.plannedEMGChannels)
        guard (1...maxBlock).contains(options.blockSamples) else {
            throw ConfigurationError("block of \(options.blockSamples) samples does not fit a frame (max \(maxBlock))")
        }
        guard (0...0.5).contains(options.dropProbability) && (0...0.5).contains(options.corruptProbability) else {
            throw ConfigurationError("drop and corruption probabilities must be between 0 and 0.5")
        }
        self.options = options
        var r = SeededGenerator(seed: options.seed)
        scenario = Scenario(options: options, rng: &r)
        labels = options.emgChannels > 0 ? scenario.labels : scenario.labels.filter { Self.visibleWithoutEMG($0.kind) }
        rng = r
        let sites: [UInt8] = [1, 2, 0x81, 0x82]
        deviceInfo = DeviceInfo(
            // Another kind of device, so another serial (the journal knows a device, and whether it has EMG,
            // by its serial).
            serial: options.emgChannels > 0 ? "SIM-\(options.seed)" : "SIMA-\(options.seed)",
            fwMajor: 1, fwMinor: 0, fwPatch: 0, hwRevision: 0,
            emgChannels: options.emgChannels, accelAxes: 3, mainsHz: options.mainsHz, adcBits: 16,
            emgRateHz: options.emgChannels > 0 ? options.emgRateHz : 0, accelRateHz: options.accelRateHz,
            emgMicrovoltsPerLSB: options.emgChannels > 0 ? Self.emgMicrovoltsPerLSB : 0,
            accelGPerLSB: Self.accelGPerLSB,
            emgBlockSamples: options.emgChannels > 0 ? options.blockSamples : 0,
            bootID: UInt32(truncatingIfNeeded: options.seed &* 2_654_435_761),
            emgSites: Array(sites.prefix(options.emgChannels)) + Array(repeating: 0, count: 4 - options.emgChannels))
    }

    /// Onsets of the labelled cramps that began with the leg moving (`SimulationOptions.movingCases`).
    public var movementOnsetCrampOnsets: [Double] { options.emgChannels > 0 ? scenario.movementOnsetCramps : [] }

    /// What an accelerometer alone can be scored on.
    public static func visibleWithoutEMG(_ kind: EventKind) -> Bool {
        kind == .sleepInterruption || kind == .voluntaryMovement
    }

    /// Accelerometer samples per frame of an accelerometer-only device (a quarter second).
    public var accelerometerOnlyBlockSamples: Int { max(1, options.accelRateHz / 4) }

    /// Generates the whole night, handing wire bytes to `write` in chunks of about 64 KiB.
    public func run(write: ([UInt8]) throws -> Void) throws -> SimulationReport {
        let o = options
        let fs = Double(o.emgRateHz), fa = Double(o.accelRateHz)
        let totalSamples = Int(o.hours * 3600 * fs)
        // Muscles rendered (always, so that the random draws are those of the night with EMG), and those sent.
        let channels = o.plannedEMGChannels
        let sendsEMG = o.emgChannels > 0
        var emgSynth = (0..<channels).map { c in
            EMGSynth(channel: c, sampleRateHz: fs, mainsHz: Double(o.mainsHz), rng: &rng)
        }
        // The amplifier's real gain differs from its nominal one by up to ±30 %.
        let gain = rng.uniform(0.75, 1.3)
        let posture = Scenario.postures[Int(rng.uniform(0, Double(Scenario.postures.count)))]
        var accelSynth = AccelSynth(sampleRateHz: fa, posture: posture)
        let clock = SimulatedClock(emgRateHz: fs, accelRateHz: fa)
        var link = SimulatedLink(options: o)
        // An accelerometer-only device's transport faults come from a generator of their own; the main one still
        // makes the draws the device with EMG would have made for its frames (`shadow`).
        var transport = SeededGenerator(seed: o.seed ^ 0xACCE_1E20_0000_0001)
        var shadow = ShadowFaults(options: o)
        var framer = AccelerometerOnlyFramer(samplesPerFrame: accelerometerOnlyBlockSamples)
        func send(_ message: Message, timestampMicros: UInt64, isLast: Bool) throws {
            if sendsEMG {
                try link.transmit(message, timestampMicros: timestampMicros, isLast: isLast, faults: &rng, write: write)
            } else {
                try link.transmit(message, timestampMicros: timestampMicros, isLast: isLast, faults: &transport,
                                  write: write)
            }
        }

        if !sendsEMG { shadow.draw(isLast: false, rng: &rng) }
        try send(.deviceInfo(deviceInfo), timestampMicros: clock.timestamp(emgIndex: 0), isLast: false)
        var emg = [Int16](repeating: 0, count: o.blockSamples * channels)
        var accel: [Int16] = []
        let contractions = scenario.contractions
        var contractionCursor = 0
        var nextStatusSecond = 1
        let blockCount = (totalSamples + o.blockSamples - 1) / o.blockSamples
        for block in 0..<blockCount {
            let first = block * o.blockSamples
            let count = min(o.blockSamples, totalSamples - first)
            // Contractions that may touch this block.
            let t0 = Double(first) / fs, t1 = Double(first + count) / fs
            while contractionCursor < contractions.count && contractions[contractionCursor].offset < t0 - 700 {
                contractionCursor += 1
            }
            let clipped = renderEMG(into: &emg, first: first, count: count, synths: &emgSynth, gain: gain,
                                    contractionCursor: contractionCursor, t1: t1)
            // Accelerometer samples whose time falls inside this block.
            let a0 = Int((Double(first) * fa / fs).rounded(.up))
            let a1 = Int((Double(first + count) * fa / fs).rounded(.up))
            renderAccelerometer(into: &accel, samples: a0..<a1, synth: &accelSynth)
            let isLast = block == blockCount - 1
            if sendsEMG {
                let samples = SampleBlock(
                    emgIndex: UInt32(truncatingIfNeeded: first), accelIndex: UInt32(truncatingIfNeeded: a0),
                    emgChannels: channels, accelAxes: 3, flags: clipped ? SampleBlock.flagClipping : 0,
                    emg: emg, accel: accel)
                try link.transmit(.sampleBlock(samples), timestampMicros: clock.timestamp(emgIndex: first),
                                  isLast: isLast, faults: &rng, write: write)
            } else {
                shadow.draw(isLast: isLast, rng: &rng)
                for frame in framer.take(accel, final: isLast) {
                    let timestamp = clock.timestamp(accelIndex: frame.firstAccelIndex)
                    try send(.sampleBlock(frame.block), timestampMicros: timestamp, isLast: frame.isLast)
                }
            }
            if !isLast && t1 >= Double(nextStatusSecond) {
                nextStatusSecond += 1
                if !sendsEMG { shadow.draw(isLast: false, rng: &rng) }
                let timestamp = clock.timestamp(emgIndex: first + count)
                try send(.status(status(at: t1)), timestampMicros: timestamp, isLast: false)
            }
        }
        try link.flush(write: write)
        return SimulationReport(options: o, durationSeconds: Double(totalSamples) / fs, framesSent: link.framesSent,
                                framesWritten: link.framesWritten, droppedSequences: link.droppedSequences,
                                corruptedSequences: link.corruptedSequences, labels: labels)
    }

    /// Renders one block of every planned EMG channel as ADC counts (channels interleaved) into `emg`;
    /// true when a sample clipped.
    private func renderEMG(into emg: inout [Int16], first: Int, count: Int, synths: inout [EMGSynth], gain: Double,
                           contractionCursor: Int, t1: Double) -> Bool {
        let channels = synths.count
        if emg.count != count * channels { emg = [Int16](repeating: 0, count: count * channels) }
        var clipped = false
        for c in 0..<channels {
            synths[c].render(first: first, count: count, scenario: scenario, contractionCursor: contractionCursor,
                             t1: t1, rng: &rng) { i, microvolts in
                let counts = (gain * microvolts / Double(Self.emgMicrovoltsPerLSB)).rounded()
                let v = Int16(clamping: Int(max(-32767, min(32767, counts))))
                if v == 32767 || v == -32767 { clipped = true }
                emg[i * channels + c] = v
            }
        }
        return clipped
    }

    /// Renders accelerometer samples `samples` as ADC counts (x, y, z interleaved) into `accel`.
    private func renderAccelerometer(into accel: inout [Int16], samples: Range<Int>, synth: inout AccelSynth) {
        accel.removeAll(keepingCapacity: true)
        for j in samples {
            let g = synth.sample(j, scenario: scenario, rng: &rng)
            for axis in 0..<3 {
                accel.append(Int16(clamping: Int((g[axis] / Double(Self.accelGPerLSB)).rounded())))
            }
        }
    }

    /// The once-a-second status frame: electrode contact is lost on a channel while an electrode problem
    /// other than clipping lasts.
    private func status(at t: Double) -> DeviceStatus {
        var contact: UInt8 = 0
        for c in 0..<options.emgChannels where !scenario.artifacts.contains(where: {
            $0.channel == c && $0.shape != .clipping && t >= $0.onset && t < $0.offset
        }) {
            contact |= UInt8(1 << c)
        }
        return DeviceStatus(batteryMillivolts: 3900, batteryPercent: 80, electrodeContact: contact, overflowSamples: 0,
                            framesDropped: 0, stateFlags: 1)
    }
}
