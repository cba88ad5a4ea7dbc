/// The streaming detector for one night: EMG (1–4 channels, µV) and an optional 3-axis
/// accelerometer (g) go in, events come out.
///
/// Everything is driven by sample counts, so the events depend only on the samples, never on
/// how they were split into blocks (chunking invariance). Work happens on "ticks" of about
/// 10 ms: per sample the EMG is band-passed and notched and its energy accumulated; per tick the
/// RMS envelope, baselines and state machines advance. All storage is allocated in `init`;
/// `process` does not allocate.
public final class NightDetector {
    public let configuration: DetectorConfiguration
    public let sampleRateHz: Int
    public let accelRateHz: Int
    public let emgChannels: Int
    public let accelAxes: Int
    /// EMG samples per tick.
    public let samplesPerTick: Int
    public let tickSeconds: Double
    let envelopeTicks: Int
    let ticksPerSecond: Int
    let clipLevelMicrovolts: Float

    // Per-channel signal chain.
    var band: [SOSCascade]
    var notch: [SOSCascade]
    var envRing: [Double]  // emgChannels × envRingCapacity tick energies
    let envRingCapacity = 256
    var tickEnergy: [Double]
    var tickMainsEnergy: [Double]
    var tickClipped: [Bool]
    var scratchBand: UnsafeMutableBufferPointer<Float>
    var scratchNotch: UnsafeMutableBufferPointer<Float>
    let scratchCapacity = 4096

    // Tick bookkeeping.
    /// Absolute index of the next EMG sample.
    public private(set) var emgSampleIndex: Int = 0
    var tickFill = 0
    var producedTicks = 0  // absolute index of the tick being filled
    var resolvedTicks = 0
    // Pending ticks waiting for the accelerometer to catch up.
    let pendingCapacity = 4096
    var pendingEnvelope: [SIMD4<Float>]
    var pendingMains: [SIMD4<Float>]
    var pendingBandRMS: [SIMD4<Float>]
    var pendingClip: [UInt8]

    // Accelerometer.
    var accel: AccelActivity
    public private(set) var accelSampleIndex: Int = 0
    var accelHistory: [Float]
    let accelHistoryCapacity = 1024

    // The state machines, and (optionally) a log of every tick for threshold sweeps.
    public let machines: TickDetector
    public var tickLog: TickLog?

    /// - Parameters:
    ///   - clipLevelMicrovolts: |x| at or above this is clipping (the ADC rail); infinity if unknown.
    public init(configuration: DetectorConfiguration, sampleRateHz: Int, emgChannels: Int, accelRateHz: Int, accelAxes: Int,
                clipLevelMicrovolts: Float = .infinity) throws {
        try configuration.validate(sampleRateHz: Double(sampleRateHz))
        guard (1...4).contains(emgChannels) else { throw ConfigurationError("\(emgChannels) EMG channels: 1 to 4 are supported") }
        guard accelAxes == 0 || accelAxes == 3 else { throw ConfigurationError("accelerometer must have 3 axes or none, not \(accelAxes)") }
        guard accelAxes == 0 || (1...1000).contains(accelRateHz) else { throw ConfigurationError("accelerometer rate \(accelRateHz) Hz is outside 1…1000 Hz") }
        self.configuration = configuration
        self.sampleRateHz = sampleRateHz
        self.accelRateHz = accelRateHz
        self.emgChannels = emgChannels
        self.accelAxes = accelAxes
        self.clipLevelMicrovolts = clipLevelMicrovolts
        let fs = Double(sampleRateHz)
        samplesPerTick = max(1, Int((fs * 0.01).rounded()))
        tickSeconds = Double(samplesPerTick) / fs
        envelopeTicks = max(1, min(envRingCapacity, Int((configuration.envelopeWindowSeconds / tickSeconds).rounded())))
        ticksPerSecond = max(1, Int((1 / tickSeconds).rounded()))

        let high = min(configuration.bandHighHz, 0.45 * fs)
        var bandSections = try FilterDesign.butterworth(.highPass, order: configuration.filterOrder, cutoffHz: configuration.bandLowHz, sampleRateHz: fs)
        bandSections += try FilterDesign.butterworth(.lowPass, order: configuration.filterOrder, cutoffHz: high, sampleRateHz: fs)
        var notchSections: [Biquad] = []
        if configuration.mainsHz > 0 {
            for h in 1...max(1, configuration.notchHarmonics) {
                let f = configuration.mainsHz * Double(h)
                if f < 0.45 * fs { notchSections.append(try FilterDesign.notch(centerHz: f, q: configuration.notchQ, sampleRateHz: fs)) }
            }
        }
        band = Array(repeating: SOSCascade(bandSections), count: emgChannels)
        notch = Array(repeating: SOSCascade(notchSections), count: emgChannels)
        envRing = Array(repeating: 0, count: emgChannels * envRingCapacity)
        tickEnergy = Array(repeating: 0, count: emgChannels)
        tickMainsEnergy = Array(repeating: 0, count: emgChannels)
        tickClipped = Array(repeating: false, count: emgChannels)
        scratchBand = .allocate(capacity: scratchCapacity)
        scratchNotch = .allocate(capacity: scratchCapacity)
        pendingEnvelope = Array(repeating: .zero, count: pendingCapacity)
        pendingMains = Array(repeating: .zero, count: pendingCapacity)
        pendingBandRMS = Array(repeating: .zero, count: pendingCapacity)
        pendingClip = Array(repeating: 0, count: pendingCapacity)
        accel = AccelActivity(sampleRateHz: max(1, accelRateHz))
        accelHistory = Array(repeating: 0, count: accelHistoryCapacity)
        machines = TickDetector(configuration: configuration, emgChannels: emgChannels, hasAccelerometer: accelAxes == 3, tickSeconds: tickSeconds)
    }

    deinit {
        scratchBand.deallocate()
        scratchNotch.deallocate()
    }

    /// Seconds from the recording's first sample to the start of tick `t`.
    @inline(__always)
    func time(ofTick t: Int) -> Double { Double(t) * tickSeconds }

    // MARK: - Input

    /// Processes interleaved EMG (`emg.count` a multiple of `emgChannels`, µV) and interleaved
    /// accelerometer samples (multiple of 3, g) covering roughly the same time; emits into `events`.
    public func process(emg: UnsafeBufferPointer<Float>, accel accelSamples: UnsafeBufferPointer<Float>, into events: inout EventBuffer) {
        let frames = emg.count / emgChannels
        var done = 0
        while done < frames {
            let n = min(scratchCapacity, frames - done)
            processEMGChunk(emg, from: done, count: n, events: &events)
            done += n
        }
        if accelAxes == 3 {
            let m = accelSamples.count / 3
            for j in 0..<m {
                let v = accel.push(SIMD3(accelSamples[3 * j], accelSamples[3 * j + 1], accelSamples[3 * j + 2]))
                accelHistory[accelSampleIndex & (accelHistoryCapacity - 1)] = v
                accelSampleIndex += 1
            }
        }
        resolveReadyTicks(force: false, events: &events)
    }

    private func processEMGChunk(_ emg: UnsafeBufferPointer<Float>, from start: Int, count n: Int, events: inout EventBuffer) {
        let fillAtStart = tickFill
        let tickAtStart = producedTicks
        var fill = fillAtStart
        var tick = tickAtStart
        let spt = samplesPerTick
        let clip = clipLevelMicrovolts
        for c in 0..<emgChannels {
            let raw = scratchBand
            let notched = scratchNotch
            var anyClip = tickClipped[c]
            for i in 0..<n {
                let x = emg[(start + i) * emgChannels + c]
                raw[i] = x
                if abs(x) >= clip { anyClip = true }
            }
            let bandSlice = UnsafeMutableBufferPointer(rebasing: raw[0..<n])
            band[c].process(inPlace: bandSlice)
            for i in 0..<n { notched[i] = raw[i] }
            notch[c].process(inPlace: UnsafeMutableBufferPointer(rebasing: notched[0..<n]))
            var energy = tickEnergy[c]
            var mains = tickMainsEnergy[c]
            fill = fillAtStart
            tick = tickAtStart
            for i in 0..<n {
                let y = notched[i]
                let m = raw[i] - y
                energy += Double(y * y)
                mains += Double(m * m)
                fill += 1
                if fill == spt {
                    finishTick(channel: c, tick: tick, energy: energy, mains: mains, clipped: anyClip)
                    energy = 0
                    mains = 0
                    anyClip = false
                    fill = 0
                    tick += 1
                }
            }
            tickEnergy[c] = energy
            tickMainsEnergy[c] = mains
            tickClipped[c] = anyClip
        }
        // If the accelerometer lags far behind, resolve the oldest ticks without waiting.
        if tick - resolvedTicks >= pendingCapacity - 1 { resolveReadyTicks(force: true, events: &events) }
        tickFill = fill
        producedTicks = tick
        emgSampleIndex += n
    }

    @inline(__always)
    private func finishTick(channel c: Int, tick: Int, energy: Double, mains: Double, clipped: Bool) {
        let slot = tick & (envRingCapacity - 1)
        envRing[c * envRingCapacity + slot] = energy
        var sum = 0.0
        for k in 0..<envelopeTicks { sum += envRing[c * envRingCapacity + ((tick - k) & (envRingCapacity - 1))] }
        let envelope = Float((sum / Double(envelopeTicks * samplesPerTick)).squareRoot())
        let p = tick & (pendingCapacity - 1)
        pendingEnvelope[p][c] = envelope
        pendingMains[p][c] = Float((mains / Double(samplesPerTick)).squareRoot())
        pendingBandRMS[p][c] = Float((energy / Double(samplesPerTick)).squareRoot())
        if clipped { pendingClip[p] |= UInt8(1 << c) } else { pendingClip[p] &= ~UInt8(1 << c) }
    }

    /// Samples were lost (a gap): ends what was in progress at the gap, restarts the filters,
    /// and moves the clocks forward.
    ///
    /// Short gaps (up to `maxBridgeSeconds`, e.g. a few lost frames) are bridged instead: the envelope and
    /// accelerometer activity are held at their last values across the gap, so one lost frame does not cut
    /// a cramp in two. The gap itself is still recorded by the caller.
    public func skip(emgSamples: Int, accelSamples: Int, into events: inout EventBuffer) {
        if Double(emgSamples) <= configuration.maxBridgeSeconds * Double(sampleRateHz) && producedTicks > 0 && emgSamples >= 0 {
            bridge(emgSamples: emgSamples, accelSamples: max(0, accelSamples), events: &events)
            return
        }
        resolveReadyTicks(force: true, events: &events)
        let endTick = producedTicks
        for c in 0..<emgChannels {
            band[c].reset()
            notch[c].reset()
            tickEnergy[c] = 0
            tickMainsEnergy[c] = 0
            tickClipped[c] = false
            for k in 0..<envRingCapacity { envRing[c * envRingCapacity + k] = 0 }
        }
        emgSampleIndex += emgSamples
        producedTicks = emgSampleIndex / samplesPerTick
        tickFill = emgSampleIndex % samplesPerTick
        resolvedTicks = producedTicks
        accel.reset()
        accelSampleIndex += max(0, accelSamples)
        // Let the filters settle for half a second before detecting again.
        machines.restart(endTick: endTick, resumeTick: producedTicks, settleTicks: settleTicks, into: &events)
        tickLog?.restarts.append((endTick, producedTicks))
    }

    private func bridge(emgSamples n: Int, accelSamples m: Int, events: inout EventBuffer) {
        var fill = tickFill
        var tick = producedTicks
        for _ in 0..<n {
            fill += 1
            if fill == samplesPerTick {
                let previous = (tick - 1) & (pendingCapacity - 1), p = tick & (pendingCapacity - 1)
                pendingEnvelope[p] = pendingEnvelope[previous]
                pendingMains[p] = pendingMains[previous]
                pendingBandRMS[p] = pendingBandRMS[previous]
                pendingClip[p] = 0
                for c in 0..<emgChannels {
                    envRing[c * envRingCapacity + (tick & (envRingCapacity - 1))] = envRing[c * envRingCapacity + ((tick - 1) & (envRingCapacity - 1))]
                    tickEnergy[c] = 0
                    tickMainsEnergy[c] = 0
                    tickClipped[c] = false
                }
                fill = 0
                tick += 1
                if tick - resolvedTicks >= pendingCapacity - 1 { resolveReadyTicks(force: true, events: &events) }
            }
        }
        tickFill = fill
        producedTicks = tick
        emgSampleIndex += n
        if accelAxes == 3 {
            for _ in 0..<m {
                accelHistory[accelSampleIndex & (accelHistoryCapacity - 1)] = accel.value
                accelSampleIndex += 1
            }
        }
        resolveReadyTicks(force: false, events: &events)
    }

    /// End of the recording: resolves everything pending and closes open events.
    public func finish(into events: inout EventBuffer) {
        resolveReadyTicks(force: true, events: &events)
        machines.finish(endTick: producedTicks, into: &events)
        tickLog?.endTick = producedTicks
    }

    /// Ticks of settling after a long gap (filters restart).
    public var settleTicks: Int { ticksPerSecond / 2 + envelopeTicks }

    /// Starts logging every tick's features (for threshold sweeps); call before the first sample.
    public func startTickLog() {
        var log = TickLog(emgChannels: emgChannels, hasAccelerometer: accelAxes == 3, tickSeconds: tickSeconds, settleTicks: settleTicks)
        log.features.reserveCapacity(1 << 16)
        tickLog = log
    }

    // MARK: - Ticks

    private func resolveReadyTicks(force: Bool, events: inout EventBuffer) {
        while resolvedTicks < producedTicks {
            let t = resolvedTicks
            var activity: Float = 0
            if accelAxes == 3 {
                // Accelerometer samples strictly before the tick's end.
                let needed = ((t + 1) * samplesPerTick * accelRateHz + sampleRateHz - 1) / sampleRateHz
                if accelSampleIndex < needed && !force && producedTicks - t < pendingCapacity - 1 { return }
                let j = min(needed, accelSampleIndex) - 1
                if j >= 0 && accelSampleIndex - j <= accelHistoryCapacity {
                    activity = accelHistory[j & (accelHistoryCapacity - 1)]
                }
            }
            resolveTick(t, activity: activity, events: &events)
            resolvedTicks += 1
        }
    }

    private func resolveTick(_ t: Int, activity: Float, events: inout EventBuffer) {
        let p = t & (pendingCapacity - 1)
        let f = TickFeatures(envelope: pendingEnvelope[p], mains: pendingMains[p], bandRMS: pendingBandRMS[p], clipped: pendingClip[p], activity: activity)
        tickLog?.features.append(f)
        machines.consume(tick: t, f, into: &events)
    }

}
