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
        guard options.hours > 0 && options.hours <= 24 else { throw ConfigurationError("--hours must be between 0 and 24, not \(options.hours)") }
        guard (250...4000).contains(options.emgRateHz) else { throw ConfigurationError("EMG rate \(options.emgRateHz) Hz is outside 250…4000 Hz") }
        guard (25...200).contains(options.accelRateHz) else { throw ConfigurationError("accelerometer rate \(options.accelRateHz) Hz is outside 25…200 Hz") }
        guard (0...4).contains(options.emgChannels) else { throw ConfigurationError("EMG channels must be 0 (accelerometer only) to 4") }
        guard options.mainsHz == 50 || options.mainsHz == 60 else { throw ConfigurationError("mains must be 50 or 60 Hz") }
        let maxBlock = (ProtocolV1.maxPayload - 16 - 2 * 3 * 8) / (2 * options.plannedEMGChannels)
        guard (1...maxBlock).contains(options.blockSamples) else { throw ConfigurationError("block of \(options.blockSamples) samples does not fit a frame (max \(maxBlock))") }
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
            // Another kind of device, so another serial (the journal knows a device, and whether it has EMG, by its serial).
            serial: options.emgChannels > 0 ? "SIM-\(options.seed)" : "SIMA-\(options.seed)", fwMajor: 1, fwMinor: 0, fwPatch: 0, hwRevision: 0,
            emgChannels: options.emgChannels, accelAxes: 3, mainsHz: options.mainsHz, adcBits: 16,
            emgRateHz: options.emgChannels > 0 ? options.emgRateHz : 0, accelRateHz: options.accelRateHz,
            emgMicrovoltsPerLSB: options.emgChannels > 0 ? Self.emgMicrovoltsPerLSB : 0, accelGPerLSB: Self.accelGPerLSB,
            emgBlockSamples: options.emgChannels > 0 ? options.blockSamples : 0, bootID: UInt32(truncatingIfNeeded: options.seed &* 2_654_435_761),
            emgSites: Array(sites.prefix(options.emgChannels)) + Array(repeating: 0, count: 4 - options.emgChannels))
    }

    /// What an accelerometer alone can be scored on.
    public static func visibleWithoutEMG(_ kind: EventKind) -> Bool { kind == .sleepInterruption || kind == .voluntaryMovement }

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
        var emgSynth = (0..<channels).map { c in EMGSynth(channel: c, sampleRateHz: fs, mainsHz: Double(o.mainsHz), rng: &rng) }
        // The amplifier's real gain differs from its nominal one by up to ±30 %.
        let gain = rng.uniform(0.75, 1.3)
        var accelSynth = AccelSynth(sampleRateHz: fa, posture: Scenario.postures[Int(rng.uniform(0, Double(Scenario.postures.count)))])
        var sequence: UInt32 = 0
        var out: [UInt8] = []
        out.reserveCapacity(70_000)
        var report = SimulationReport(options: o, durationSeconds: Double(totalSamples) / fs, framesSent: 0, framesWritten: 0, droppedSequences: [], corruptedSequences: [], labels: labels)
        let bootMicros: UInt64 = 1_500_000
        let driftPPM = 20.0
        func timestamp(_ emgIndex: Int) -> UInt64 { bootMicros + UInt64((Double(emgIndex) * 1e6 / fs * (1 + driftPPM * 1e-6)).rounded()) }
        func accelTimestamp(_ accelIndex: Int) -> UInt64 { bootMicros + UInt64((Double(accelIndex) * 1e6 / fa * (1 + driftPPM * 1e-6)).rounded()) }

        let blockCount = (totalSamples + o.blockSamples - 1) / o.blockSamples
        // An accelerometer-only device's transport faults come from a generator of their own; the main one still
        // makes the draws the device with EMG would have made for its frames (`shadowFaults`).
        var transport = SeededGenerator(seed: o.seed ^ 0xACCE_1E20_0000_0001)
        var shadowSequence: UInt32 = 0
        func emit(_ message: Message, timestampMicros: UInt64, isLast: Bool, faults rng: inout SeededGenerator) throws {
            let frame = Frame(sequence: sequence, timestampMicros: timestampMicros, message: message)
            var bytes: [UInt8] = []
            FrameEncoder.encode(frame, appendingTo: &bytes)
            report.framesSent += 1
            let mayFault = sequence > 0 && !isLast
            if mayFault && rng.chance(o.dropProbability) {
                report.droppedSequences.append(sequence)
            } else {
                if mayFault && rng.chance(o.corruptProbability) {
                    let i = Int(rng.unit() * Double(bytes.count - 1))
                    var flipped = bytes[i] ^ UInt8(1 + rng.next() % 255)
                    if flipped == 0 { flipped = 0x5A }
                    bytes[i] = flipped
                    report.corruptedSequences.append(sequence)
                }
                out += bytes
                report.framesWritten += 1
                if out.count >= 65_536 {
                    try write(out)
                    out.removeAll(keepingCapacity: true)
                }
            }
            sequence &+= 1
        }
        func shadowFaults(isLast: Bool) {
            let mayFault = shadowSequence > 0 && !isLast
            if mayFault && rng.chance(o.dropProbability) {
            } else if mayFault && rng.chance(o.corruptProbability) {
                _ = rng.unit()
                _ = rng.next()
            }
            shadowSequence &+= 1
        }
        func send(_ message: Message, timestampMicros: UInt64, isLast: Bool) throws {
            if sendsEMG {
                try emit(message, timestampMicros: timestampMicros, isLast: isLast, faults: &rng)
            } else {
                try emit(message, timestampMicros: timestampMicros, isLast: isLast, faults: &transport)
            }
        }
        var pendingAccel: [Int16] = []
        var pendingAccelFirst = 0
        func sendAccelerometerBlocks(final: Bool) throws {
            let n = accelerometerOnlyBlockSamples
            while pendingAccel.count >= 3 * n || (final && !pendingAccel.isEmpty) {
                let m = min(n, pendingAccel.count / 3)
                let isLast = final && pendingAccel.count == 3 * m
                try send(.sampleBlock(SampleBlock(emgIndex: 0, accelIndex: UInt32(truncatingIfNeeded: pendingAccelFirst), emgChannels: 0, accelAxes: 3,
                                                  emg: [], accel: Array(pendingAccel[0..<(3 * m)]))),
                         timestampMicros: accelTimestamp(pendingAccelFirst), isLast: isLast)
                pendingAccel.removeFirst(3 * m)
                pendingAccelFirst += m
            }
        }

        if !sendsEMG { shadowFaults(isLast: false) }
        try send(.deviceInfo(deviceInfo), timestampMicros: timestamp(0), isLast: false)
        var emg = [Int16](repeating: 0, count: o.blockSamples * channels)
        var accel: [Int16] = []
        var contractionCursor = 0
        var nextStatusSecond = 1
        var overflowCounter: UInt32 = 0
        for block in 0..<blockCount {
            let first = block * o.blockSamples
            let count = min(o.blockSamples, totalSamples - first)
            if emg.count != count * channels { emg = [Int16](repeating: 0, count: count * channels) }
            var clipped = false
            // Contractions that may touch this block.
            let t0 = Double(first) / fs, t1 = Double(first + count) / fs
            while contractionCursor < scenario.contractions.count && scenario.contractions[contractionCursor].offset < t0 - 700 { contractionCursor += 1 }
            for c in 0..<channels {
                emgSynth[c].render(first: first, count: count, scenario: scenario, contractionCursor: contractionCursor, t1: t1, rng: &rng) { i, microvolts in
                    let counts = (gain * microvolts / Double(Self.emgMicrovoltsPerLSB)).rounded()
                    let v = Int16(clamping: Int(max(-32767, min(32767, counts))))
                    if v == 32767 || v == -32767 { clipped = true }
                    emg[i * channels + c] = v
                }
            }
            // Accelerometer samples whose time falls inside this block.
            let a0 = Int((Double(first) * fa / fs).rounded(.up))
            let a1 = Int((Double(first + count) * fa / fs).rounded(.up))
            accel.removeAll(keepingCapacity: true)
            for j in a0..<a1 {
                let g = accelSynth.sample(j, scenario: scenario, rng: &rng)
                for axis in 0..<3 {
                    accel.append(Int16(clamping: Int((g[axis] / Double(Self.accelGPerLSB)).rounded())))
                }
            }
            let isLast = block == blockCount - 1
            if sendsEMG {
                try emit(.sampleBlock(SampleBlock(emgIndex: UInt32(truncatingIfNeeded: first), accelIndex: UInt32(truncatingIfNeeded: a0), emgChannels: channels, accelAxes: 3,
                                                  flags: clipped ? SampleBlock.flagClipping : 0, emg: emg, accel: accel)), timestampMicros: timestamp(first), isLast: isLast, faults: &rng)
            } else {
                shadowFaults(isLast: isLast)
                pendingAccel += accel
                try sendAccelerometerBlocks(final: isLast)
            }
            if !isLast && t1 >= Double(nextStatusSecond) {
                nextStatusSecond += 1
                var contact: UInt8 = 0
                for c in 0..<o.emgChannels where !scenario.artifacts.contains(where: { $0.channel == c && $0.shape != .clipping && t1 >= $0.onset && t1 < $0.offset }) {
                    contact |= UInt8(1 << c)
                }
                if !sendsEMG { shadowFaults(isLast: false) }
                try send(.status(DeviceStatus(batteryMillivolts: 3900, batteryPercent: 80, electrodeContact: contact, overflowSamples: overflowCounter, framesDropped: 0, stateFlags: 1)),
                         timestampMicros: timestamp(first + count), isLast: false)
                overflowCounter += 0
            }
        }
        if !out.isEmpty { try write(out) }
        return report
    }
}

/// One EMG channel: resting noise, mains, baseline wander, motor-unit activity, electrode artifacts.
struct EMGSynth {
    let channel: Int
    let fs: Double
    let mainsHz: Double
    let mainsAmplitude: Double
    let mainsPhase: Double
    let wanderHz: Double
    let noiseMicrovolts: Double
    var units: [MotorUnit]
    var future: [Double]  // MUAP contributions still to be added, ring
    var futureHead = 0
    let muap: [Double]
    let unitScale: Double

    struct MotorUnit {
        var rateHz: Double
        var nextFire: Double  // seconds
        var amplitude: Double
    }

    init(channel: Int, sampleRateHz: Double, mainsHz: Double, rng: inout SeededGenerator) {
        self.channel = channel
        fs = sampleRateHz
        self.mainsHz = mainsHz
        mainsAmplitude = rng.uniform(2, 20)
        mainsPhase = rng.uniform(0, 2 * .pi)
        wanderHz = rng.uniform(0.1, 0.4)
        // Electrode and amplifier noise differ from night to night: 1–10 µV RMS.
        noiseMicrovolts = rng.logUniform(1, 10)
        units = (0..<16).map { _ in MotorUnit(rateHz: rng.uniform(6, 25), nextFire: rng.uniform(0, 0.2), amplitude: rng.uniform(0.4, 1.6)) }
        // A biphasic motor-unit action potential about 6 ms long.
        let width = Int(0.006 * sampleRateHz) + 1
        muap = (0..<width).map { i in
            let x = (Double(i) / Double(width - 1) - 0.5) * 6
            return -x * exp(-x * x / 2)
        }
        future = [Double](repeating: 0, count: 256)
        // Measured once: RMS of the unit train at full activity, so amplitudes are in µV RMS.
        let meanRate = units.reduce(0) { $0 + $1.rateHz * $1.amplitude * $1.amplitude }
        let energyPerSpike = muap.reduce(0) { $0 + $1 * $1 }
        unitScale = 1 / (meanRate * energyPerSpike / sampleRateHz).squareRoot()
    }

    mutating func render(first: Int, count: Int, scenario: Scenario, contractionCursor: Int, t1: Double, rng: inout SeededGenerator, _ put: (Int, Double) -> Void) {
        let mask = future.count - 1
        for i in 0..<count {
            let n = first + i
            let t = Double(n) / fs
            var x = noiseMicrovolts * rng.gaussian()
            x += mainsAmplitude * (sin(2 * .pi * mainsHz * t + mainsPhase) + 0.3 * sin(2 * .pi * 3 * mainsHz * t + mainsPhase))
            x += 25 * sin(2 * .pi * wanderHz * t)
            // Muscle activity wanted now (µV RMS).
            var level = 0.0
            var k = contractionCursor
            while k < scenario.contractions.count && scenario.contractions[k].onset <= t {
                let c = scenario.contractions[k]
                if t < c.offset {
                    let e = c.envelope(at: t)
                    level += c.channel == channel ? e : e * c.crossTalk
                }
                k += 1
            }
            if level > 0 {
                // Irregular motor-unit firing (6–25 Hz, 15 % jitter).
                for u in units.indices where units[u].nextFire <= t {
                    let a = units[u].amplitude * level * unitScale
                    for (j, v) in muap.enumerated() { future[(futureHead + j) & mask] += a * v }
                    units[u].nextFire = t + max(0.02, (1 / units[u].rateHz) * (1 + 0.15 * rng.gaussian()))
                }
            } else {
                for u in units.indices where units[u].nextFire <= t { units[u].nextFire = t + rng.uniform(0, 1 / units[u].rateHz) }
            }
            x += future[futureHead]
            future[futureHead] = 0
            futureHead = (futureHead + 1) & mask
            // Electrode problems replace or swamp the signal.
            for a in scenario.artifacts where a.channel == channel && t >= a.onset && t < a.offset {
                switch a.shape {
                case .flat: x = 0.02 * rng.gaussian()
                case .floating: x = a.amplitude * sin(2 * .pi * mainsHz * t) + 0.2 * a.amplitude * sin(2 * .pi * 3 * mainsHz * t) + 200 * sin(2 * .pi * 0.7 * t)
                case .clipping: x += a.amplitude * sin(2 * .pi * 1.3 * (t - a.onset))
                }
            }
            put(i, x)
        }
    }
}

/// The accelerometer on the leg: gravity by posture, breathing, movements.
struct AccelSynth {
    let fa: Double
    var posture: SIMD3<Double>
    var postureCursor = 0
    var motionCursor = 0

    init(sampleRateHz: Double, posture: SIMD3<Double>) {
        fa = sampleRateHz
        self.posture = posture
    }

    mutating func sample(_ j: Int, scenario: Scenario, rng: inout SeededGenerator) -> SIMD3<Double> {
        let t = Double(j) / fa
        var g = posture
        while postureCursor < scenario.postures.count && scenario.postures[postureCursor].offset <= t {
            posture = scenario.postures[postureCursor].to
            g = posture
            postureCursor += 1
        }
        if postureCursor < scenario.postures.count {
            let p = scenario.postures[postureCursor]
            if t >= p.onset {
                let s = (t - p.onset) / (p.offset - p.onset)
                let w = s * s * (3 - 2 * s)
                g = posture * (1 - w) + p.to * w
                g /= max(1e-9, (g * g).sum().squareRoot())
            }
        }
        g += SIMD3(rng.gaussian(), rng.gaussian(), rng.gaussian()) * 0.002
        g.z += 0.002 * sin(2 * .pi * 0.25 * t)
        while motionCursor < scenario.motions.count && scenario.motions[motionCursor].offset < t - 60 { motionCursor += 1 }
        var k = motionCursor
        while k < scenario.motions.count && scenario.motions[k].onset <= t {
            let m = scenario.motions[k]
            if t < m.offset {
                let s = (t - m.onset) / (m.offset - m.onset)
                let window: Double = sin(Double.pi * s)
                let swing: Double = sin(2 * Double.pi * m.frequencyHz * (t - m.onset))
                let jitter: Double = 0.3 * rng.gaussian()
                g += m.direction * (m.amplitudeG * window * (swing + jitter))
            }
            k += 1
        }
        return g
    }
}
