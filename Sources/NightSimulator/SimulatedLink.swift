import DeviceProtocol

/// The device's clock: microseconds since boot, running 20 ppm fast, as a real crystal might.
struct SimulatedClock {
    let emgRateHz: Double
    let accelRateHz: Double
    let bootMicros: UInt64 = 1_500_000
    let driftPPM = 20.0

    /// Timestamp of EMG sample `emgIndex`.
    func timestamp(emgIndex: Int) -> UInt64 {
        bootMicros + UInt64((Double(emgIndex) * 1e6 / emgRateHz * (1 + driftPPM * 1e-6)).rounded())
    }

    /// Timestamp of accelerometer sample `accelIndex`.
    func timestamp(accelIndex: Int) -> UInt64 {
        bootMicros + UInt64((Double(accelIndex) * 1e6 / accelRateHz * (1 + driftPPM * 1e-6)).rounded())
    }
}

/// The link from the device to the capture file: numbers the frames, loses or damages some as the options
/// ask (never the first or the last), and hands the bytes on in chunks of about 64 KiB.
struct SimulatedLink {
    let dropProbability: Double
    let corruptProbability: Double
    private(set) var framesSent = 0
    private(set) var framesWritten = 0
    private(set) var droppedSequences: [UInt32] = []
    private(set) var corruptedSequences: [UInt32] = []
    private var sequence: UInt32 = 0
    private var out: [UInt8] = []

    init(options: SimulationOptions) {
        dropProbability = options.dropProbability
        corruptProbability = options.corruptProbability
        out.reserveCapacity(70_000)
    }

    /// Sends one frame; `rng` draws whether it is lost or damaged.
    mutating func transmit(_ message: Message, timestampMicros: UInt64, isLast: Bool, faults rng: inout SeededGenerator,
                           write: ([UInt8]) throws -> Void) throws {
        let frame = Frame(sequence: sequence, timestampMicros: timestampMicros, message: message)
        var bytes: [UInt8] = []
        FrameEncoder.encode(frame, appendingTo: &bytes)
        framesSent += 1
        let mayFault = sequence > 0 && !isLast
        if mayFault && rng.chance(dropProbability) {
            droppedSequences.append(sequence)
        } else {
            if mayFault && rng.chance(corruptProbability) {
                let i = Int(rng.unit() * Double(bytes.count - 1))
                var flipped = bytes[i] ^ UInt8(1 + rng.next() % 255)
                if flipped == 0 { flipped = 0x5A }
                bytes[i] = flipped
                corruptedSequences.append(sequence)
            }
            out += bytes
            framesWritten += 1
            if out.count >= 65_536 {
                try write(out)
                out.removeAll(keepingCapacity: true)
            }
        }
        sequence &+= 1
    }

    /// Hands on what is left.
    func flush(write: ([UInt8]) throws -> Void) throws {
        if !out.isEmpty { try write(out) }
    }
}

/// The fault draws a device with EMG would make for its frames. An accelerometer-only device makes them on
/// the main generator (its own faults come from another one), so that every later draw — and so the sleeper's
/// night — is the one the same seed gives with EMG.
struct ShadowFaults {
    let dropProbability: Double
    let corruptProbability: Double
    private var sequence: UInt32 = 0

    init(options: SimulationOptions) {
        dropProbability = options.dropProbability
        corruptProbability = options.corruptProbability
    }

    /// The draws `SimulatedLink.transmit` would make for the next frame.
    mutating func draw(isLast: Bool, rng: inout SeededGenerator) {
        let mayFault = sequence > 0 && !isLast
        if mayFault && rng.chance(dropProbability) {
        } else if mayFault && rng.chance(corruptProbability) {
            _ = rng.unit()
            _ = rng.next()
        }
        sequence &+= 1
    }
}

/// Cuts an accelerometer-only device's samples into frames of `samplesPerFrame` samples (x, y, z each).
struct AccelerometerOnlyFramer {
    let samplesPerFrame: Int
    private var pending: [Int16] = []
    private var pendingFirst = 0

    init(samplesPerFrame: Int) { self.samplesPerFrame = samplesPerFrame }

    /// One frame's block, the index of its first sample, and whether it is the night's last frame.
    struct Ready {
        var block: SampleBlock
        var firstAccelIndex: Int
        var isLast: Bool
    }

    /// Adds samples (x, y, z interleaved) and takes the whole frames now ready; with `final`, also the rest.
    mutating func take(_ samples: [Int16], final: Bool) -> [Ready] {
        pending += samples
        var ready: [Ready] = []
        let n = samplesPerFrame
        while pending.count >= 3 * n || (final && !pending.isEmpty) {
            let m = min(n, pending.count / 3)
            let isLast = final && pending.count == 3 * m
            let block = SampleBlock(emgIndex: 0, accelIndex: UInt32(truncatingIfNeeded: pendingFirst), emgChannels: 0,
                                    accelAxes: 3, emg: [], accel: Array(pending[0..<(3 * m)]))
            ready.append(Ready(block: block, firstAccelIndex: pendingFirst, isLast: isLast))
            pending.removeFirst(3 * m)
            pendingFirst += m
        }
        return ready
    }
}
