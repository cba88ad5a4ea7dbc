/// Per-tick features of the EMG and accelerometer: what the state machines look at.
/// Computing them is the expensive part (filters); a threshold sweep computes them once per
/// recording and replays them through many `TickDetector`s.
public struct TickFeatures: Sendable, Equatable {
    /// RMS envelope of the band-passed, notched EMG per channel (µV).
    public var envelope: SIMD4<Float>
    /// RMS of the mains component (50/60 Hz and harmonics) over the tick (µV).
    public var mains: SIMD4<Float>
    /// RMS of the notched band over the tick (µV).
    public var bandRMS: SIMD4<Float>
    /// Bit c set: channel c hit the ADC rail in this tick.
    public var clipped: UInt8
    /// Accelerometer activity at the tick's end (g).
    public var activity: Float
    /// Median frequency of each channel's last ~0.25 s (Hz).
    public var medianFrequencyHz: SIMD4<Float>
    /// Motion level per channel (µV RMS): the spread over the last second of what the band-pass
    /// removed (offset, drift, motion).
    public var lowFrequency: SIMD4<Float>

    public init(envelope: SIMD4<Float> = .zero, mains: SIMD4<Float> = .zero, bandRMS: SIMD4<Float> = .zero,
                clipped: UInt8 = 0, activity: Float = 0,
                medianFrequencyHz: SIMD4<Float> = .zero, lowFrequency: SIMD4<Float> = .zero) {
        self.envelope = envelope
        self.mains = mains
        self.bandRMS = bandRMS
        self.clipped = clipped
        self.activity = activity
        self.medianFrequencyHz = medianFrequencyHz
        self.lowFrequency = lowFrequency
    }
}

/// The detector's state machines — baselines, artifacts, leg movements and cramps, sleep
/// interruptions — driven by one `TickFeatures` per tick. Pure and allocation-free.
/// With `emgChannels` 0 only the sleep-interruption machine runs (the EMG loops are empty).
public final class TickDetector {
    public let configuration: DetectorConfiguration
    public let emgChannels: Int
    public let hasAccelerometer: Bool
    public let tickSeconds: Double
    public let ticksPerSecond: Int
    var accelAxes: Int { hasAccelerometer ? 3 : 0 }
    let artifactHoldTicks: Int
    let stillTicks: Int

    let tickActivity = Ring<Float>(repeating: 0, capacity: 1024)  // last ticks' activity, for the still-onset rule
    /// Last ticks' envelope above rest (strongest clean channel; 0 where none is measured), for the offset rule.
    let tickAbove = Ring<Float>(repeating: 0, capacity: 1024)
    /// Ticks in `legMovementOffsetQuietSeconds`: the length of the quiet period that ends a movement.
    let quietTicks: Int
    /// Mains and band power per channel, averaged over about an envelope window (`artifactSmoothing` per tick), for
    /// the mains and motion tests: at 200–256 Hz a tick holds 2–3 samples, and a strong contraction's own
    /// 10–50 Hz content then beat a single tick's band RMS by the ratios often enough to cut a cramp into
    /// "artifacts" and leg movements.
    var mainsPower = SIMD4<Float>.zero
    var bandPower = SIMD4<Float>.zero
    let artifactSmoothing: Float
    var baselines: [RestingBaseline]
    var secondEnvelopeSum: [Float]
    var secondTicks = 0
    /// Ticks of the current second that passed before it began (a gap ended inside that second): its means are
    /// over the rest, and it still ends on the whole second, so events after a gap keep their true times.
    var secondTicksMissed = 0
    var secondClean: [Bool]
    var blankUntilTick = 0
    var episode = Episode.idle
    var artifacts: [ArtifactState]
    var wake: WakeMachine
    var secondMaxActivity: Float = 0
    var secondIndex = 0
    /// Last tick a muscle-activity episode was open: a second of small movement this close to one is the leg
    /// movement's own motion, not wake (`wakeLegMovementMaxG`).
    var lastEpisodeTick = Int.min / 2
    /// Where that episode began.
    var lastEpisodeOnsetTick = Int.min / 2
    /// Per second: the strongest channel's envelope above rest (µV) and the accelerometer activity (g);
    /// NaN inside gaps. Storage for 48 hours is reserved up front.
    public private(set) var traceEnvelope: [Float] = []
    public private(set) var traceActivity: [Float] = []
    /// Set by `TickLog.trace(with:)`: closed episodes, finished artifacts and the wake machine's seconds are recorded
    /// unclassified and unfiltered (with `traceIndex`, the index of the tick being consumed) instead of emitted.
    var trace: [TraceItem]?
    var traceIndex = -1
    /// The tick number being consumed (ticks jump at a long gap; `traceIndex` does not).
    var traceTick = 0

    enum Episode {
        case idle
        case active(EpisodeData)
    }

    struct EpisodeData {
        var onsetTick: Int
        var quietSinceTick: Int?
        var ticks = 0
        var artifactTicks = 0
        var sumAbove: Double = 0
        var peakAbove: Float = 0
        var peakChannel = 0
        var activitySum: Double = 0
        var medianFrequencySum: Double = 0
        var medianFrequencyTicks = 0
        var onsetMaxActivity: Float = 0
        /// Ticks after the onset allowance (`crampStillOnsetSeconds`), and those of them in which the leg moved:
        /// a cramp holds the leg still once it has begun, walking and stretching move it all along.
        var afterOnsetTicks = 0
        var movingTicks = 0
        /// Ticks with the envelope at least the onset level above rest: a cramp's firing is sustained.
        var sustainedTicks = 0
        var provisionalSent = false

        /// Share of the ticks after the onset allowance in which the leg moved (0 when there are none).
        var movingFraction: Float { afterOnsetTicks > 0 ? Float(movingTicks) / Float(afterOnsetTicks) : 0 }
        /// Share of the episode's ticks with the envelope at least the onset level above rest.
        var sustainedFraction: Float { ticks > 0 ? Float(sustainedTicks) / Float(ticks) : 0 }
    }

    enum ArtifactState {
        case idle
        case active(onsetTick: Int, lastCauseTick: Int, cause: ArtifactCause)
    }

    public init(configuration: DetectorConfiguration, emgChannels: Int, hasAccelerometer: Bool, tickSeconds: Double) {
        self.configuration = configuration
        self.emgChannels = emgChannels
        self.hasAccelerometer = hasAccelerometer
        self.tickSeconds = tickSeconds
        ticksPerSecond = max(1, Int((1 / tickSeconds).rounded()))
        wake = WakeMachine(configuration: configuration, ticksPerSecond: ticksPerSecond, tickSeconds: tickSeconds)
        artifactHoldTicks = Int(configuration.artifactHoldSeconds / tickSeconds)
        stillTicks = Int(configuration.crampStillOnsetSeconds / tickSeconds)
        artifactSmoothing = Float(1 - Double.exp(-tickSeconds / max(tickSeconds, configuration.envelopeWindowSeconds)))
        // The fewest ticks that span the quiet period (a tick count, so 0.5 s of 0.01-s ticks is 50, not 51).
        quietTicks = max(1, min(tickAbove.capacity - 1,
                                Int((configuration.legMovementOffsetQuietSeconds / tickSeconds - 1e-9).rounded(.up))))
        baselines = Array(repeating: RestingBaseline(windowSeconds: configuration.baselineWindowSeconds,
                                                     percentile: configuration.baselinePercentile), count: emgChannels)
        secondEnvelopeSum = Array(repeating: 0, count: emgChannels)
        secondClean = Array(repeating: true, count: emgChannels)
        artifacts = Array(repeating: .idle, count: emgChannels)
        blankUntilTick = ticksPerSecond
        traceEnvelope.reserveCapacity(48 * 3600)
        traceActivity.reserveCapacity(48 * 3600)
    }

    /// Seconds from the recording's first sample to the start of tick `t`.
    @inline(__always)
    func time(ofTick t: Int) -> Double { Double(t) * tickSeconds }

    /// A long gap: closes what was open at `endTick` and resumes at `resumeTick` after a settling time.
    public func restart(endTick: Int, resumeTick: Int, settleTicks: Int, into events: inout EventBuffer) {
        endEverything(atTick: endTick, events: &events, confidenceScale: 0.5)
        mainsPower = .zero
        bandPower = .zero
        for c in 0..<emgChannels {
            secondEnvelopeSum[c] = 0
            secondClean[c] = true
        }
        secondTicks = resumeTick % ticksPerSecond
        secondTicksMissed = secondTicks
        secondMaxActivity = 0
        blankUntilTick = resumeTick + settleTicks
        secondIndex = resumeTick / ticksPerSecond
    }

    /// End of the recording at `endTick`.
    public func finish(endTick: Int, into events: inout EventBuffer) {
        endEverything(atTick: endTick, events: &events, confidenceScale: 1)
    }

    /// Advances the state machines by tick `t`.
    public func consume(tick t: Int, _ f: TickFeatures, into events: inout EventBuffer) {
        let env = f.envelope, mains = f.mains, bandRMS = f.bandRMS, clip = f.clipped, activity = f.activity
        stepPendingCramp(tick: t, activity: activity, events: &events)
        tickActivity[t] = activity
        let blank = t < blankUntilTick

        let motion = f.lowFrequency
        mainsPower += artifactSmoothing * (mains * mains - mainsPower)
        bandPower += artifactSmoothing * (bandRMS * bandRMS - bandPower)
        let smoothMains = mainsPower.squareRoot(), smoothBand = bandPower.squareRoot()
        // Artifacts, per channel.
        var inArtifact: UInt8 = 0
        for c in 0..<emgChannels {
            var cause = ArtifactCause.none
            if clip & UInt8(1 << c) != 0 {
                cause = .clipping
            } else if !blank && env[c] < configuration.flatLineMicrovolts {
                cause = .flatLine
            } else if smoothMains[c] > configuration.mainsMinMicrovolts
                && smoothMains[c] > configuration.mainsRatio * smoothBand[c] {
                cause = .mains
            } else if motion[c] > configuration.motionMinMicrovolts
                && motion[c] > configuration.motionRatio * smoothBand[c] {
                cause = .motion
            }
            stepArtifact(channel: c, tick: t, cause: cause, events: &events)
            if case .active = artifacts[c] { inArtifact |= UInt8(1 << c) }
        }

        // Activity above rest: the strongest clean channel.
        var above: Float = -.infinity
        var channel = 0
        if !blank {
            for c in 0..<emgChannels where inArtifact & UInt8(1 << c) == 0 && baselines[c].isReady {
                let a = env[c] - baselines[c].value
                if a > above {
                    above = a
                    channel = c
                }
            }
        }
        tickAbove[t] = above.isFinite ? above : 0
        stepEpisode(tick: t, above: above, channel: channel, artifact: inArtifact != 0, activity: activity,
                    medianFrequency: f.medianFrequencyHz[channel], events: &events)

        // Baselines: one mean per second, frozen during contractions and artifacts.
        let episodeActive = noteEpisode(tick: t)
        for c in 0..<emgChannels {
            secondEnvelopeSum[c] += env[c]
            if episodeActive || inArtifact & UInt8(1 << c) != 0 || clip & UInt8(1 << c) != 0 { secondClean[c] = false }
        }
        secondMaxActivity = max(secondMaxActivity, activity)
        secondTicks += 1
        if secondTicks == ticksPerSecond {
            // One point per second for the night's timeline: the strongest channel's mean envelope above rest.
            let ticks = Float(ticksPerSecond - secondTicksMissed)
            var strongest: Float = 0
            for c in 0..<emgChannels {
                strongest = max(strongest, secondEnvelopeSum[c] / ticks - baselines[c].value)
            }
            while traceEnvelope.count < secondIndex { traceEnvelope.append(.nan); traceActivity.append(.nan) }
            traceEnvelope.append(emgChannels > 0 ? strongest : .nan)  // no EMG: nothing measured, not "at rest"
            traceActivity.append(accelAxes == 3 ? secondMaxActivity : .nan)
            for c in 0..<emgChannels {
                if secondClean[c] && t >= blankUntilTick - ticksPerSecond / 2
                    || (secondClean[c] && !baselines[c].isReady) {
                    baselines[c].push(secondEnvelopeSum[c] / ticks)
                }
                secondEnvelopeSum[c] = 0
                secondClean[c] = true
            }
            if accelAxes == 3 { endWakeSecond(tick: t, events: &events) }
            secondMaxActivity = 0
            secondTicks = 0
            secondTicksMissed = 0
            secondIndex += 1
        }
    }

    // MARK: - State machines

    /// Whether an episode is open at tick `t`; if so, remembers it for the wake machine.
    @inline(__always)
    func noteEpisode(tick t: Int) -> Bool {
        guard case .active(let d) = episode else { return false }
        lastEpisodeTick = t
        lastEpisodeOnsetTick = d.onsetTick
        return true
    }

    func stepArtifact(channel c: Int, tick t: Int, cause: ArtifactCause, events: inout EventBuffer) {
        switch artifacts[c] {
        case .idle:
            if cause != .none { artifacts[c] = .active(onsetTick: t, lastCauseTick: t, cause: cause) }
        case .active(let onset, let last, let firstCause):
            if cause != .none {
                artifacts[c] = .active(onsetTick: onset, lastCauseTick: t, cause: firstCause)
            } else if t - last >= artifactHoldTicks {
                emitArtifact(channel: c, onsetTick: onset, endTick: last + 1, cause: firstCause, events: &events)
                artifacts[c] = .idle
            }
        }
    }

    func emitArtifact(channel c: Int, onsetTick: Int, endTick: Int, cause: ArtifactCause, events: inout EventBuffer) {
        let onset = time(ofTick: onsetTick), offset = time(ofTick: endTick)
        if trace != nil {
            trace!.append(TraceItem(index: traceIndex, tick: traceTick,
                                    content: .artifact(DetectedEvent(kind: .artifact, onsetSeconds: onset,
                                                                     offsetSeconds: offset, channel: c,
                                                                     artifactCause: cause))))
            return
        }
        if offset - onset >= configuration.artifactMinSeconds {
            events.append(DetectedEvent(kind: .artifact, onsetSeconds: onset, offsetSeconds: offset, channel: c,
                                        artifactCause: cause))
        }
    }

    func stepEpisode(tick t: Int, above: Float, channel: Int, artifact: Bool, activity: Float, medianFrequency: Float,
                     events: inout EventBuffer) {
        switch episode {
        case .idle:
            guard above > configuration.legMovementOnsetAboveRestMicrovolts else { return }
            var d = EpisodeData(onsetTick: t)
            // Movement in the second before onset counts against "began while still".
            let back = min(ticksPerSecond, tickActivity.capacity - 1)
            for k in 1...back where t - k >= 0 { d.onsetMaxActivity = max(d.onsetMaxActivity, tickActivity[t - k]) }
            d.peakChannel = channel
            episode = .active(d)
            stepEpisode(tick: t, above: above, channel: channel, artifact: artifact, activity: activity,
                        medianFrequency: medianFrequency, events: &events)
        case .active(var d):
            d.ticks += 1
            if artifact { d.artifactTicks += 1 }
            let a = max(0, above)
            d.sumAbove += Double(a)
            d.activitySum += Double(activity)
            if medianFrequency > 0 {
                d.medianFrequencySum += Double(medianFrequency)
                d.medianFrequencyTicks += 1
            }
            if a > d.peakAbove {
                d.peakAbove = a
                d.peakChannel = channel
            }
            if t - d.onsetTick < stillTicks {
                d.onsetMaxActivity = max(d.onsetMaxActivity, activity)
            } else if accelAxes == 3 {
                d.afterOnsetTicks += 1
                if activity > configuration.movementThresholdG { d.movingTicks += 1 }
            }
            if above >= configuration.legMovementOnsetAboveRestMicrovolts { d.sustainedTicks += 1 }
            if above <= configuration.legMovementOffsetAboveRestMicrovolts {
                if d.quietSinceTick == nil { d.quietSinceTick = t }
            } else {
                d.quietSinceTick = nil
            }
            let elapsed = time(ofTick: t + 1) - time(ofTick: d.onsetTick)
            // Provisional "cramp started" as soon as the criterion is met.
            if !d.provisionalSent && d.quietSinceTick == nil && elapsed >= configuration.crampMinSeconds
                && d.movingFraction <= configuration.crampMaxMovingFraction
                && Float(d.sumAbove / Double(d.ticks)) >= configuration.crampMinMeanAboveRestMicrovolts
                && d.artifactTicks * 2 < d.ticks {
                d.provisionalSent = true
                var e = Self.makeEpisodeEvent(d, kind: .cramp, endTick: t + 1, tickSeconds: tickSeconds)
                e.isProvisional = true
                events.append(e)
            }
            let quietStart = t + 1 - quietTicks
            if quietStart > d.onsetTick && isQuiet(from: quietStart, to: t) {
                episode = .idle
                closeEpisode(d, endTick: quietStart, events: &events, confidenceScale: 1)
            } else if elapsed > configuration.crampMaxSeconds {
                // Longer than any cramp: a change of resting level, not a contraction. Relearn the baseline.
                episode = .idle
                for c in 0..<emgChannels { baselines[c].reset() }
                blankUntilTick = t + ticksPerSecond
            } else {
                episode = .active(d)
            }
        }
    }

    /// WASM 2016's offset: the period from tick `a` to tick `b` is quiet when it begins at a tick at most
    /// `legMovementOffsetAboveRestMicrovolts` above rest and the envelope over it averages no more. Averaged over
    /// the period rather than required of every tick: at 200–256 Hz a 0.15-s RMS window holds few independent
    /// samples, and on a noisy electrode its tick-to-tick spread (~1.5 µV at rest) kept single ticks over 2 µV, so
    /// a 0.1-s REM twitch became a "movement" of 0.5 s or more (independent sleep-lab nights: 71 false leg
    /// movements). Beginning at a quiet tick keeps the offset where the envelope's tail has decayed, as before.
    @inline(__always)
    func isQuiet(from a: Int, to b: Int) -> Bool {
        guard tickAbove[a] <= configuration.legMovementOffsetAboveRestMicrovolts else { return false }
        var sum: Float = 0
        for k in a...b { sum += tickAbove[k] }
        return sum <= configuration.legMovementOffsetAboveRestMicrovolts * Float(b - a + 1)
    }

    static func makeEpisodeEvent(_ d: EpisodeData, kind: EventKind, endTick: Int,
                                 tickSeconds: Double) -> DetectedEvent {
        let ticks = max(1, d.ticks)
        return DetectedEvent(
            kind: kind, onsetSeconds: Double(d.onsetTick) * tickSeconds, offsetSeconds: Double(endTick) * tickSeconds,
            channel: d.peakChannel,
            peakAboveRestMicrovolts: d.peakAbove, meanAboveRestMicrovolts: Float(d.sumAbove / Double(ticks)),
            accelActivityG: Float(d.activitySum / Double(ticks)), confidence: 1,
            medianFrequencyHz: d.medianFrequencyTicks > 0
                ? Float(d.medianFrequencySum / Double(d.medianFrequencyTicks)) : 0,
            onsetActivityG: d.onsetMaxActivity, movingFraction: d.movingFraction,
            sustainedFraction: d.sustainedFraction)
    }

    func closeEpisode(_ d: EpisodeData, endTick: Int, events: inout EventBuffer, confidenceScale: Float) {
        if trace != nil {
            trace!.append(TraceItem(index: traceIndex, tick: traceTick,
                                    content: .episode(d, endTick: endTick, confidenceScale: confidenceScale)))
            return
        }
        let c = Self.classify(d, endTick: endTick, confidenceScale: confidenceScale, configuration: configuration,
                              tickSeconds: tickSeconds, hasAccelerometer: accelAxes == 3)
        if let m = c.muscleActivity { events.append(m) }
        if let l = c.legMovement {
            events.append(l)
        } else if let e = c.cramp {
            // The final event waits `crampAfterSeconds` to say how much the leg moved afterwards (stretching, getting
            // up).
            flushPendingCramp(events: &events)
            if configuration.crampAfterSeconds > 0 {
                pendingCramp = PendingCramp(event: e, endTick: endTick, activitySum: 0, ticks: 0)
            } else {
                events.append(e)
                if accelAxes == 3 { wake.cramp(e, lastMovingTick: nil) }
            }
        }
    }

    /// What a closed episode is, under `configuration`'s classification settings: a burst of muscle
    /// activity (reported when asked), a leg movement, a cramp, or nothing. Reads only the settings
    /// `DetectorConfiguration.stages` marks as classification, plus legMovementOnsetAboveRestMicrovolts and
    /// movementThresholdG (state-machine settings, equal across configurations that share a pass).
    static func classify(_ d: EpisodeData, endTick: Int, confidenceScale: Float, configuration: DetectorConfiguration,
                         tickSeconds: Double,
                         hasAccelerometer: Bool) -> (muscleActivity: DetectedEvent?, legMovement: DetectedEvent?,
                                                     cramp: DetectedEvent?) {
        let duration = Double(endTick) * tickSeconds - Double(d.onsetTick) * tickSeconds
        guard d.artifactTicks * 2 < max(1, d.ticks) else { return (nil, nil, nil) }
        var e = makeEpisodeEvent(d, kind: .legMovement, endTick: endTick, tickSeconds: tickSeconds)
        var burst: DetectedEvent?
        // The envelope is a trailing RMS window, so it outlasts a burst by about the window's length: the burst is
        // long enough for WASM's 0.5 s when what is left without the window is (a 0.25-s REM twitch measures 0.5 s).
        let longEnough = duration - configuration.envelopeWindowSeconds >= configuration.legMovementMinSeconds
        if configuration.reportMuscleActivity && longEnough {
            burst = e
            burst!.kind = .muscleActivity
        }
        // WASM 2016: every burst of 0.5–10 s is a leg movement, whatever else the body does; what else
        // happened (the leg's motion at onset and during it) travels with the event as attributes.
        if longEnough && duration <= configuration.legMovementMaxSeconds {
            e.confidence = min(1, 0.5 + e.peakAboveRestMicrovolts
                                        / (4 * configuration.legMovementOnsetAboveRestMicrovolts)) * confidenceScale
            return (burst, e, nil)
        } else if duration >= configuration.crampMinSeconds
            && e.meanAboveRestMicrovolts >= configuration.crampMinMeanAboveRestMicrovolts
            && isCrampLike(d, configuration: configuration, hasAccelerometer: hasAccelerometer) {
            e.kind = .cramp
            e.confidence = min(1, 0.5 + e.meanAboveRestMicrovolts
                                        / (4 * configuration.crampMinMeanAboveRestMicrovolts)) * confidenceScale
            return (burst, nil, e)
        }
        return (burst, nil, nil)
    }

    /// A cramp is told from voluntary work by what the contraction does after its onset, not by whether the leg
    /// was still when it began: the leg holds still (walking and stretching move it all along) and the firing
    /// is sustained (walking's rhythmic bursts fall back to rest between strides).
    static func isCrampLike(_ d: EpisodeData, configuration: DetectorConfiguration, hasAccelerometer: Bool) -> Bool {
        (!hasAccelerometer || d.movingFraction <= configuration.crampMaxMovingFraction)
            && d.sustainedFraction >= configuration.crampMinSustainedFraction
    }

    /// The wake machine's step at the end of the second that ends with tick `t`. Small movement within a second
    /// of a muscle-activity episode is the leg movement's own (a periodic series is not wake); larger movement
    /// there counts, and the machine learns how long that episode had lasted, to tell a leg movement's own
    /// motion from the rest.
    func endWakeSecond(tick t: Int, events: inout EventBuffer) {
        let legMovementOnly = t - lastEpisodeTick <= ticksPerSecond
            && secondMaxActivity < configuration.wakeLegMovementMaxG
        let moving = secondMaxActivity > configuration.movementThresholdG && !legMovementOnly
        // The activity is an RMS over the last second around a 1-s low-pass: after a movement that turned the leg
        // (1 g of gravity moved to another axis) it decays as e^(-t/1 s), under movementThresholdG (0.02 g) ~4 s
        // after the burst, and the RMS window adds 1 s. So a burst's own motion is seen up to 5 s after it ends.
        let near = t - lastEpisodeTick <= 5 * ticksPerSecond
        let episodeSeconds = near ? Float(Double(lastEpisodeTick - lastEpisodeOnsetTick + 1) * tickSeconds) : -1
        if trace != nil {
            trace!.append(TraceItem(index: traceIndex, tick: t,
                                    content: .second(WakeSecond(second: secondIndex, moving: moving,
                                                                activity: secondMaxActivity,
                                                                episodeSeconds: episodeSeconds))))
        } else if let e = wake.step(WakeSecond(second: secondIndex, moving: moving, activity: secondMaxActivity,
                                               episodeSeconds: episodeSeconds)) {
            events.append(e)
        }
    }

    struct PendingCramp {
        var event: DetectedEvent
        var endTick: Int
        /// Largest activity seen after the cramp so far.
        var activitySum: Double
        var ticks: Int
        /// The last tick after the cramp in which the leg moved.
        var lastMovingTick: Int?
    }

    var pendingCramp: PendingCramp?

    func stepPendingCramp(tick t: Int, activity: Float, events: inout EventBuffer) {
        guard var p = pendingCramp, t >= p.endTick else { return }
        p.activitySum = max(p.activitySum, Double(activity))
        if activity > configuration.movementThresholdG { p.lastMovingTick = t }
        p.ticks += 1
        pendingCramp = p
        if Double(p.ticks) * tickSeconds >= configuration.crampAfterSeconds { flushPendingCramp(events: &events) }
    }

    func flushPendingCramp(events: inout EventBuffer) {
        guard var p = pendingCramp else { return }
        p.event.accelActivityAfterG = Float(p.activitySum)
        events.append(p.event)
        if accelAxes == 3 { wake.cramp(p.event, lastMovingTick: p.lastMovingTick) }
        pendingCramp = nil
    }

    func endEverything(atTick t: Int, events: inout EventBuffer, confidenceScale: Float) {
        if case .active(let d) = episode {
            closeEpisode(d, endTick: d.quietSinceTick ?? t, events: &events, confidenceScale: confidenceScale)
        }
        episode = .idle
        flushPendingCramp(events: &events)
        trace?.append(TraceItem(index: traceIndex, tick: traceTick, content: .boundary))
        for c in 0..<emgChannels {
            if case .active(let onset, let last, let cause) = artifacts[c] {
                emitArtifact(channel: c, onsetTick: onset, endTick: last + 1, cause: cause, events: &events)
            }
            artifacts[c] = .idle
        }
        if trace == nil, let e = wake.finish() { events.append(e) }
    }
}
