import CSignalKernels
import RealModule

/// The streaming detector for one night: EMG (1–4 channels, µV) and an optional 3-axis
/// accelerometer (g) go in, events come out.
///
/// A device without EMG (an accelerometer only, e.g. at the bedside or on the leg) gives
/// `emgChannels: 0`: then the accelerometer's samples are the clock (`sampleRateHz` is its rate),
/// the ticks carry no EMG features, and only what movement shows is detected — sleep
/// interruptions and the z-angle epochs of the sleep period — exactly as it is with EMG present.
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

    // The signal chain, all channels at once: lane c of every SIMD4 is EMG channel c.
    var filters: FilterCascade
    /// Blocks after which a filter's state was no longer finite, so the cascade was restarted (should stay 0:
    /// inputs are clipped first; counted so a test and the bench can tell).
    public private(set) var filterResets = 0
    let envRing = Ring<SIMD4<Double>>(repeating: .zero, capacity: 256)  // tick energies, for the RMS window
    var sums = TickSums()
    var motion: MotionLevel
    /// The most samples `process` hands on at once.
    static let chunkCapacity = 4096
    /// The default chain runs in `cw_cascade5` and the tick envelopes in `cw_window_rms` (true where the CPU has
    /// AVX). Set it false to run the portable Swift loops instead: both give the same results, and a test holds them to
    /// it.
    public var wavefront = cw_cascade5_available() == 1
    /// The mains frequency in use: from the configuration or the device, or detected (0 until then).
    public private(set) var detectedMainsHz: Double
    /// Sample index at which mains detection ends (0: not detecting).
    var mainsDetectionEnd: Int
    var goertzel50: Goertzel
    var goertzel60: Goertzel
    // Median frequency: the notched signal's last `spectrum.size` samples, every lane a channel.
    var spectrum: MedianFrequencyEstimator
    let spectrumRing: Ring<SIMD4<Float>>
    var medianFrequency = SIMD4<Float>.zero
    // Whether every slot of the ring was written since it last wrapped (no gap moved the index past some): then
    // `sums.ringEnergy` is the sum the median-frequency check needs, without a second pass over the ring.
    var ringWrittenInOrder = true
    var quietLevel = SIMD4<Float>.zero

    // Tick bookkeeping.
    /// Absolute index of the next EMG sample (without EMG: of the next accelerometer sample, the clock).
    public private(set) var emgSampleIndex: Int = 0
    /// Seconds from the first sample to the end of the data so far, gaps included.
    public var recordedSeconds: Double { Double(emgSampleIndex) / Double(sampleRateHz) }
    var tickFill = 0
    var producedTicks = 0  // absolute index of the tick being filled
    var resolvedTicks = 0
    let pending = PendingTicks()

    // Accelerometer.
    var accel: AccelActivity
    public private(set) var accelSampleIndex: Int = 0
    /// The activity after every accelerometer sample, by sample index, for as far back as a tick can wait.
    let accelHistory = Ring<Float>(repeating: 0, capacity: 1024)

    // Posture: the accelerometer's z-angle (van Hees 2015) averaged per 5-s epoch, for the sleep window.
    public static let epochSeconds = 5
    /// Mean z-angle (degrees) of every 5-s epoch so far; NaN where data was lost. Storage for 48 hours is
    /// reserved up front, so appending does not allocate in a night.
    public private(set) var zAngleEpochs: [Float] = []
    var epochSum = SIMD3<Float>.zero
    var epochCount = 0
    var epochFill = 0

    /// The z-angle (degrees) of an acceleration vector: its elevation above the x–y plane.
    @inline(__always)
    func zAngle(_ a: SIMD3<Float>) -> Float {
        Float(Double.atan2(y: Double(a.z), x: Double((a.x * a.x + a.y * a.y).squareRoot())) * 180 / Double.pi)
    }

    /// Accumulates one accelerometer sample (NaN: lost); every 5 s, the epoch's z-angle is that of
    /// its mean acceleration (one atan2 per epoch rather than per sample).
    @inline(__always)
    func addToEpoch(_ a: SIMD3<Float>) {
        if !a.x.isNaN {
            epochSum += a
            epochCount += 1
        }
        epochFill += 1
        if epochFill == Self.epochSeconds * accelRateHz {
            zAngleEpochs.append(epochCount * 2 >= epochFill ? zAngle(epochSum / Float(epochCount)) : .nan)
            epochSum = .zero
            epochCount = 0
            epochFill = 0
        }
    }

    /// `n` lost accelerometer samples, as `n` calls of `addToEpoch(NaN)` would count them, but in a few steps
    /// whatever `n` is: a gap costs one record, not a loop over its samples.
    func addLostToEpochs(_ n: Int) {
        let size = Self.epochSeconds * accelRateHz
        guard size > 0 else { return }
        var left = n
        if epochFill > 0 {
            let take = min(left, size - epochFill - 1)
            epochFill += take
            left -= take
            guard left > 0 else { return }
            addToEpoch(SIMD3(repeating: .nan))  // ends the epoch as the sample-by-sample count would have
            left -= 1
        }
        let whole = left / size
        zAngleEpochs.append(contentsOf: repeatElement(Float.nan, count: whole))
        epochFill = left - whole * size  // no sample of the new epoch was present
    }

    // The state machines, and (optionally) a log of every tick for threshold sweeps.
    public let machines: TickDetector
    public var tickLog: TickLog?

    /// - Parameters:
    ///   - clipLevelMicrovolts: |x| at or above this is clipping (the ADC rail); infinity if unknown.
    ///   - sampleRateHz: the EMG sampling rate; without EMG (`emgChannels` 0) it is ignored and the
    ///     accelerometer's rate is the clock.
    public init(configuration: DetectorConfiguration, sampleRateHz: Int, emgChannels: Int, accelRateHz: Int,
                accelAxes: Int,
                clipLevelMicrovolts: Float = .infinity) throws {
        guard (0...4).contains(emgChannels) else {
            throw ConfigurationError("\(emgChannels) EMG channels: 0 (accelerometer only) to 4 are supported")
        }
        guard accelAxes == 0 || accelAxes == 3 else {
            throw ConfigurationError("accelerometer must have 3 axes or none, not \(accelAxes)")
        }
        guard accelAxes == 0 || (1...1000).contains(accelRateHz) else {
            throw ConfigurationError("accelerometer rate \(accelRateHz) Hz is outside 1…1000 Hz")
        }
        guard emgChannels > 0 || accelAxes == 3 else {
            throw ConfigurationError("no EMG and no accelerometer: nothing to detect from")
        }
        // Without EMG the accelerometer is the clock; the EMG filters are designed (never run) at a nominal 1 kHz
        // so that every other setting is still checked.
        let sampleRateHz = emgChannels > 0 ? sampleRateHz : accelRateHz
        let filterRateHz = emgChannels > 0 ? Double(sampleRateHz) : 1000
        try configuration.validate(sampleRateHz: filterRateHz)
        self.configuration = configuration
        self.sampleRateHz = sampleRateHz
        self.accelRateHz = accelRateHz
        self.emgChannels = emgChannels
        self.accelAxes = accelAxes
        // Values clipped to `SampleLimits` must read as clipping whatever rail the device states.
        self.clipLevelMicrovolts = min(clipLevelMicrovolts, SampleLimits.emgMicrovolts)
        let fs = filterRateHz
        samplesPerTick = max(1, Int((Double(sampleRateHz) * 0.01).rounded()))
        tickSeconds = Double(samplesPerTick) / Double(sampleRateHz)
        let windowTicks = Int((configuration.envelopeWindowSeconds / tickSeconds).rounded())
        envelopeTicks = max(1, min(envRing.capacity, windowTicks))
        ticksPerSecond = max(1, Int((1 / tickSeconds).rounded()))

        let high = min(configuration.bandHighHz, 0.45 * fs)
        var bandDesign = try FilterDesign.butterworth(.highPass, order: configuration.filterOrder,
                                                      cutoffHz: configuration.bandLowHz, sampleRateHz: fs)
        bandDesign += try FilterDesign.butterworth(.lowPass, order: configuration.filterOrder, cutoffHz: high,
                                                   sampleRateHz: fs)
        // Notches: at the known mains frequency, or (mainsHz 0) at the one found in the first two seconds.
        var notchDesign: [Biquad] = []
        if configuration.notchEnabled && configuration.mainsHz > 0 {
            notchDesign = try Self.notches(mainsHz: configuration.mainsHz, configuration: configuration,
                                           sampleRateHz: fs)
        }
        filters = FilterCascade(band: bandDesign, notches: notchDesign, notchCapacity: configuration.notchHarmonics)
        detectedMainsHz = configuration.mainsHz
        mainsDetectionEnd = configuration.notchEnabled && configuration.mainsHz == 0
            && emgChannels > 0 ? 2 * sampleRateHz : 0
        goertzel50 = Goertzel(hz: 50, sampleRateHz: fs)
        goertzel60 = Goertzel(hz: 60, sampleRateHz: fs)
        var fftSize = 64
        while fftSize < Int(fs * 0.25) && fftSize < 1024 { fftSize *= 2 }
        spectrum = MedianFrequencyEstimator(size: fftSize, sampleRateHz: fs)
        spectrumRing = Ring(repeating: .zero, capacity: fftSize)
        let filterTickSeconds = Double(max(1, Int((fs * 0.01).rounded()))) / fs
        motion = MotionLevel(ticksPerSecond: max(1, Int((1 / filterTickSeconds).rounded())))
        accel = AccelActivity(sampleRateHz: max(1, accelRateHz))
        if accelAxes == 3 { zAngleEpochs.reserveCapacity(48 * 3600 / Self.epochSeconds) }
        machines = TickDetector(configuration: configuration, emgChannels: emgChannels,
                                hasAccelerometer: accelAxes == 3, tickSeconds: tickSeconds)
    }

    /// Seconds from the recording's first sample to the start of tick `t`.
    @inline(__always)
    func time(ofTick t: Int) -> Double { Double(t) * tickSeconds }

    // MARK: - Input

    static func notches(mainsHz: Double, configuration: DetectorConfiguration,
                        sampleRateHz fs: Double) throws -> [Biquad] {
        var design: [Biquad] = []
        for h in 1...max(1, configuration.notchHarmonics) {
            let f = mainsHz * Double(h)
            if f < 0.45 * fs {
                design.append(try FilterDesign.notch(centerHz: f, q: configuration.notchQ, sampleRateHz: fs))
            }
        }
        return design
    }

    /// Ends mains detection: picks 50 or 60 Hz by the power the band-passed signal had at each.
    private func finishMainsDetection() {
        mainsDetectionEnd = 0
        let mains: Double = goertzel60.power > goertzel50.power ? 60 : 50
        detectedMainsHz = mains
        guard let design = try? Self.notches(mainsHz: mains, configuration: configuration,
                                             sampleRateHz: Double(sampleRateHz)) else {
            return
        }
        filters.setNotches(design)
    }

    /// Processes interleaved EMG (`emg.count` a multiple of `emgChannels`, µV) and interleaved
    /// accelerometer samples (multiple of 3, g) covering roughly the same time; emits into `events`.
    public func process(emg: UnsafeBufferPointer<Float>, accel accelSamples: UnsafeBufferPointer<Float>,
                        into events: inout EventBuffer) {
        if emgChannels == 0 {
            processAccelerometerOnly(accelSamples, events: &events)
            return
        }
        let frames = emg.count / emgChannels
        var done = 0
        while done < frames {
            var n = min(Self.chunkCapacity, frames - done)
            // Mains detection ends at a fixed sample, whatever the chunking.
            if mainsDetectionEnd > 0 { n = min(n, mainsDetectionEnd - emgSampleIndex) }
            processEMGChunk(emg, from: done, count: n, events: &events)
            done += n
            if mainsDetectionEnd > 0 && emgSampleIndex >= mainsDetectionEnd { finishMainsDetection() }
        }
        if accelAxes == 3 {
            let m = accelSamples.count / 3
            for j in 0..<m { takeAccel(accelSamples, at: j) }
        }
        resolveReadyTicks(force: false, events: &events)
    }

    /// Accelerometer sample `j` of the interleaved x,y,z `samples`, clipped to `SampleLimits.accelG`: its activity
    /// into the history, its direction into the 5-s epoch.
    @inline(__always)
    private func takeAccel(_ samples: UnsafeBufferPointer<Float>, at j: Int) {
        let a = SampleLimits.clip(SIMD3(samples[3 * j], samples[3 * j + 1], samples[3 * j + 2]))
        accelHistory[accelSampleIndex] = accel.push(a)
        addToEpoch(a)
        accelSampleIndex += 1
    }

    /// Without EMG every accelerometer sample advances the clock; a tick carries only the activity
    /// (its EMG features stay zero), so the sleep state machines see exactly what they see with EMG.
    private func processAccelerometerOnly(_ accelSamples: UnsafeBufferPointer<Float>, events: inout EventBuffer) {
        let m = accelSamples.count / 3
        for j in 0..<m {
            takeAccel(accelSamples, at: j)
            emgSampleIndex += 1
            tickFill += 1
            if tickFill == samplesPerTick {
                tickFill = 0
                producedTicks += 1
                resolveReadyTicks(force: false, events: &events)
            }
        }
    }

    private func processEMGChunk(_ emg: UnsafeBufferPointer<Float>, from start: Int, count total: Int,
                                 events: inout EventBuffer) {
        let channels = emgChannels
        var offset = 0
        while offset < total {
            let n = min(FilterCascade.blockCapacity, total - offset)
            // The cascade bounds every sample by SampleLimits.emgMicrovolts as it takes it in (no pass of its own).
            filters.run(emg.baseAddress! + (start + offset) * channels, count: n, channels: channels,
                        kernel: wavefront)
            if !filters.isFinite(afterBlockOf: n) { restartFilters(count: n) }
            processFilteredBlock(count: n, events: &events)
            offset += n
        }
    }

    /// Defence in depth: a filter whose state is no longer finite would stay so for the rest of the night. The
    /// cascade restarts from zero, and the block is handed on as clipped (input at the clip level, nothing through
    /// the filters), so that stretch becomes a clipping artifact and detection carries on after it.
    private func restartFilters(count n: Int) {
        filters.reset()
        let rail = SIMD4<Float>(repeating: clipLevelMicrovolts)
        for i in 0..<n {
            filters.input[i] = rail
            filters.banded[i] = .zero
            filters.output[i] = .zero
        }
        filterResets += 1
    }

    /// Per sample of a filtered block: clipping, the energies of the tick, the spectrum ring; per tick, its features.
    /// The block is walked in segments that end where a tick ends or the spectrum ring wraps, so the per-sample
    /// loops have no branches; what happens at those points happens in the same order as sample by sample.
    private func processFilteredBlock(count n: Int, events: inout EventBuffer) {
        var fill = tickFill
        var tick = producedTicks
        var envelopesFrom = tick  // ticks finished in this block whose envelope is still to compute
        var sums = self.sums
        let spt = samplesPerTick, ringSize = spectrumRing.capacity, sampleIndex = emgSampleIndex
        let clip = SIMD4<Float>(repeating: clipLevelMicrovolts)
        let tkeo = configuration.envelopeKind == .tkeo
        let detecting = mainsDetectionEnd > 0
        let xs = filters.input.base, bs = filters.banded.base, ys = filters.output.base
        var i = 0
        while i < n {
            let position = spectrumRing.slot(sampleIndex &+ i)
            let m = min(n - i, spt - fill, ringSize - position)
            if detecting {
                for j in i..<(i + m) {
                    goertzel50.push(xs[j][0])
                    goertzel60.push(xs[j][0])
                }
            }
            // The segment's samples go to the ring from `position` on: slot position + (j − i) for sample j.
            let block = FilteredSamples(input: xs, banded: bs, output: ys, ring: spectrumRing.base + position - i)
            if tkeo {
                block.sumTKEO(i..<(i + m), clip: clip, into: &sums)
            } else {
                block.sumSquares(i..<(i + m), clip: clip, into: &sums)
            }
            i += m
            fill += m
            if position + m == ringSize {
                updateMedianFrequency(inOrderEnergy: sums.ringEnergy)
                sums.ringEnergy = .zero
            }
            if fill == spt {
                finishTick(tick: tick, sums)
                sums.startTick()
                fill = 0
                tick += 1
                envelopesFrom = afterTick(tick, envelopesFrom: envelopesFrom, events: &events)
            }
        }
        self.sums = sums
        tickFill = fill
        computeEnvelopes(from: envelopesFrom, to: tick)
        producedTicks = tick
        emgSampleIndex += n
    }

    /// After tick `tick − 1` was finished in a block whose envelopes are computed from `envelopesFrom` on:
    /// computes them early where they must not wait, and gives where the block's envelopes now start.
    @inline(__always)
    private func afterTick(_ tick: Int, envelopesFrom: Int, events: inout EventBuffer) -> Int {
        var from = envelopesFrom
        // The envelope's window must still be in the ring when it is computed.
        if tick - from + envelopeTicks >= envRing.capacity {
            computeEnvelopes(from: from, to: tick)
            from = tick
        }
        // If the accelerometer lags far behind, resolve the oldest ticks without waiting.
        if tick - resolvedTicks >= PendingTicks.capacity - 1 {
            computeEnvelopes(from: from, to: tick)
            from = tick
            producedTicks = tick
            resolveReadyTicks(force: true, events: &events)
        }
        return from
    }

    /// Median frequency of each channel over the last `spectrum.size` samples (a few times a second),
    /// only where the muscle is active: a window well above the quietest recent windows. Resting noise
    /// has no meaningful median frequency, and skipping it keeps the cost negligible.
    private func updateMedianFrequency(inOrderEnergy: SIMD4<Float>) {
        let ring = spectrumRing.base, size = spectrumRing.capacity
        var energy = inOrderEnergy
        if !ringWrittenInOrder {
            energy = .zero
            for k in 0..<size { energy += ring[k] * ring[k] }
            ringWrittenInOrder = true
        }
        let rms = (energy / Float(size)).squareRoot()
        for c in 0..<emgChannels {
            quietLevel[c] = quietLevel[c] > 0 ? min(quietLevel[c] * 1.02, rms[c]) : rms[c]
            medianFrequency[c] = rms[c] > 2.5 * quietLevel[c] ? spectrum.medianFrequency { ring[$0][c] } : 0
        }
    }

    /// The RMS envelopes of ticks `first` ..< `end` (their energies are in `envRing`), into `pendingEnvelope`.
    /// Done for a block's ticks together, so the kernel overlaps their sums; each sum is the same as alone.
    private func computeEnvelopes(from first: Int, to end: Int) {
        guard end > first else { return }
        let divisor = Double(envelopeTicks * samplesPerTick)
        let out = pending.envelope.base, outMask = pending.envelope.mask
        let done = wavefront
            && UnsafeMutableRawPointer(out).withMemoryRebound(to: Float.self, capacity: 4 * (outMask + 1)) { o in
            UnsafeRawPointer(envRing.base).withMemoryRebound(to: Double.self, capacity: 4 * envRing.capacity) { ring in
                cw_window_rms(ring, envRing.mask, first, end - first, Int32(envelopeTicks), divisor, o, outMask) == 1
            }
        }
        if done { return }
        for tick in first..<end {
            var sum = SIMD4<Double>.zero
            for k in 0..<envelopeTicks { sum += envRing[tick - k] }
            pending.envelope[tick] = SIMD4<Float>((sum / divisor).squareRoot())
        }
    }

    @inline(__always)
    private func finishTick(tick: Int, _ sums: TickSums) {
        envRing[tick] = SIMD4<Double>(sums.energy)
        let perSample = 1 / Float(samplesPerTick)
        pending.mains[tick] = cw_sqrt4(sums.mains * perSample)
        pending.bandRMS[tick] = cw_sqrt4(sums.energy * perSample)
        var mask: UInt8 = 0
        for c in 0..<emgChannels where sums.clipped[c] != 0 { mask |= UInt8(1 << c) }
        pending.clip[tick] = mask
        pending.medianFrequency[tick] = medianFrequency
        pending.lowFrequency[tick] = motion.push(tick: tick, mean: sums.low * perSample)
    }

    /// Samples were lost (a gap): ends what was in progress at the gap, restarts the filters,
    /// and moves the clocks forward.
    ///
    /// Short gaps (up to `maxBridgeSeconds`, e.g. a few lost frames) are bridged instead: the envelope and
    /// accelerometer activity are held at their last values across the gap, so one lost frame does not cut
    /// a cramp in two. The gap itself is still recorded by the caller.
    /// Without EMG, `accelSamples` moves the clock and `emgSamples` is ignored.
    public func skip(emgSamples: Int, accelSamples: Int, into events: inout EventBuffer) {
        // Mains detection ends at a fixed sample: a gap across it ends it too, or `process` would be left with a
        // negative stretch to the end (and read before its samples).
        defer { if mainsDetectionEnd > 0 && emgSampleIndex >= mainsDetectionEnd { finishMainsDetection() } }
        let emgSamples = emgChannels > 0 ? emgSamples : accelSamples
        if Double(emgSamples) <= configuration.maxBridgeSeconds * Double(sampleRateHz) && producedTicks > 0
            && emgSamples >= 0 {
            bridge(emgSamples: emgSamples, accelSamples: max(0, accelSamples), events: &events)
            return
        }
        resolveReadyTicks(force: true, events: &events)
        let endTick = producedTicks
        filters.reset()
        sums.startTick()
        sums.tkeoPrevious = .zero
        sums.tkeoPrevious2 = .zero
        motion.reset()
        envRing.fill(.zero)
        ringWrittenInOrder = false
        emgSampleIndex += emgSamples
        producedTicks = emgSampleIndex / samplesPerTick
        tickFill = emgSampleIndex % samplesPerTick
        resolvedTicks = producedTicks
        accel.reset()
        addLostToEpochs(max(0, accelSamples))
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
                pending.repeatPrevious(intoTick: tick)
                envRing[tick] = envRing[tick - 1]
                sums.startTick()
                fill = 0
                tick += 1
                if tick - resolvedTicks >= PendingTicks.capacity - 1 { resolveReadyTicks(force: true, events: &events) }
            }
        }
        tickFill = fill
        producedTicks = tick
        if n > 0 { ringWrittenInOrder = false }
        emgSampleIndex += n
        if accelAxes == 3 {
            for _ in 0..<m {
                accelHistory[accelSampleIndex] = accel.value
                addToEpoch(epochCount > 0 ? epochSum / Float(epochCount) : SIMD3(repeating: .nan))
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

    // MARK: - Ticks

    private func resolveReadyTicks(force: Bool, events: inout EventBuffer) {
        while resolvedTicks < producedTicks {
            let t = resolvedTicks
            var activity: Float = 0
            if accelAxes == 3 {
                // Accelerometer samples strictly before the tick's end.
                let needed = ((t + 1) * samplesPerTick * accelRateHz + sampleRateHz - 1) / sampleRateHz
                if accelSampleIndex < needed && !force && producedTicks - t < PendingTicks.capacity - 1 { return }
                let j = min(needed, accelSampleIndex) - 1
                if j >= 0 && accelSampleIndex - j <= accelHistory.capacity {
                    activity = accelHistory[j]
                }
            }
            resolveTick(t, activity: activity, events: &events)
            resolvedTicks += 1
        }
    }

    private func resolveTick(_ t: Int, activity: Float, events: inout EventBuffer) {
        let f = pending.features(ofTick: t, activity: activity)
        tickLog?.features.append(f)
        machines.consume(tick: t, f, into: &events)
    }

}

/// Power of one frequency in a stream (Goertzel), for telling 50 Hz mains from 60 Hz.
struct Goertzel {
    let coefficient: Float
    var s1: Float = 0, s2: Float = 0

    init(hz: Double, sampleRateHz: Double) {
        coefficient = Float(2 * Double.cos(2 * Double.pi * hz / sampleRateHz))
    }

    mutating func push(_ x: Float) {
        let s0 = x + coefficient * s1 - s2
        s2 = s1
        s1 = s0
    }

    var power: Float { s1 * s1 + s2 * s2 - coefficient * s1 * s2 }
}
