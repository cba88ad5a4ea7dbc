/// Per-tick features of a whole recording, with its long gaps: computed once, replayed through
/// many detector configurations (threshold sweeps).
public struct TickLog: Sendable {
    public var emgChannels: Int
    public var hasAccelerometer: Bool
    public var tickSeconds: Double
    public var settleTicks: Int
    /// Index of `features[0]`.
    public var firstTick: Int = 0
    public var features: [TickFeatures] = []
    /// Long gaps: (end tick of the data before, tick where data resumes).
    public var restarts: [(endTick: Int, resumeTick: Int)] = []
    /// Tick at which the recording ended.
    public var endTick: Int = 0

    public init(emgChannels: Int, hasAccelerometer: Bool, tickSeconds: Double, settleTicks: Int) {
        self.emgChannels = emgChannels
        self.hasAccelerometer = hasAccelerometer
        self.tickSeconds = tickSeconds
        self.settleTicks = settleTicks
    }

    /// Runs the state machines of `configuration` over the log: one full, independent pass. Only the
    /// thresholds matter here: filter settings are those the log was computed with.
    public func detect(with configuration: DetectorConfiguration) -> [DetectedEvent] {
        var out: [DetectedEvent]? = []
        drive(TickDetector(configuration: configuration, emgChannels: emgChannels, hasAccelerometer: hasAccelerometer,
                           tickSeconds: tickSeconds), into: &out)
        out!.sort { ($0.onsetSeconds, $0.kind.rawValue) < ($1.onsetSeconds, $1.kind.rawValue) }
        return out!
    }

    /// Runs many configurations: those that differ only in classification settings
    /// (`DetectorConfiguration.stages`) share one pass of the state machines (`trace(with:)`), and each
    /// then only classifies the trace's closed episodes (`events(from:with:)`). Gives exactly the events
    /// of `detect(with:)` for each configuration.
    public func detect(with configurations: [DetectorConfiguration]) -> [[DetectedEvent]] {
        var traces: [DetectorConfiguration: EpisodeTrace] = [:]
        return configurations.map { c in
            let key = c.stateMachineKey
            if traces[key] == nil { traces[key] = trace(with: c) }
            return events(from: traces[key]!, with: c)
        }
    }

    /// One pass of the state machines that records every closed episode, artifact and wake-machine second
    /// unclassified and unfiltered, in the order a full pass would emit them.
    public func trace(with configuration: DetectorConfiguration) -> EpisodeTrace {
        let machine = TickDetector(configuration: configuration, emgChannels: emgChannels,
                                   hasAccelerometer: hasAccelerometer, tickSeconds: tickSeconds)
        machine.trace = []
        machine.trace!.reserveCapacity(4096 + features.count / machine.ticksPerSecond)
        var ignored: [DetectedEvent]?
        drive(machine, into: &ignored)
        return EpisodeTrace(items: machine.trace!, stateMachineKey: configuration.stateMachineKey)
    }

    /// The events a full pass with `configuration` gives, from a trace of a configuration with the same
    /// `stateMachineKey`: episodes are classified, artifacts filtered by their minimum duration, and each
    /// cramp's movement afterwards read from the log's activity, flushed at the same point a full pass would
    /// (after `crampAfterSeconds` of ticks, at the next cramp, or at a gap or the end). The wake machine runs
    /// again over the traced seconds with this configuration's cramps, in the order a full pass gives them.
    public func events(from trace: EpisodeTrace, with c: DetectorConfiguration) -> [DetectedEvent] {
        precondition(c.stateMachineKey == trace.stateMachineKey, "the trace was made with other state-machine settings")
        var out: [DetectedEvent] = []
        out.reserveCapacity(trace.items.count)
        // Ticks after a cramp over which its movement is measured: the first n with n × tick ≥ crampAfterSeconds.
        // (Capped: a setting of 1e300 s must not overflow; such a cramp is flushed at the next boundary.)
        let afterLimit = Int.max / 4
        var afterTicks = max(1, Int(c.crampAfterSeconds > 0 ? min(c.crampAfterSeconds / tickSeconds,
                                                                  Double(afterLimit)) : 1) - 2)
        while afterTicks > 1 && Double(afterTicks - 1) * tickSeconds >= c.crampAfterSeconds { afterTicks -= 1 }
        while afterTicks < afterLimit && Double(afterTicks) * tickSeconds < c.crampAfterSeconds { afterTicks += 1 }
        var pending: (event: DetectedEvent, from: Int, fromTick: Int, due: Int)?
        var wake = WakeMachine(configuration: c, ticksPerSecond: max(1, Int((1 / tickSeconds).rounded())),
                               tickSeconds: tickSeconds)
        features.withUnsafeBufferPointer { ticks in
            func flush(through last: Int) {
                guard var p = pending else { return }
                var activitySum: Double = 0
                var lastMoving: Int?
                var k = p.from + 1
                while k <= last {
                    activitySum = max(activitySum, Double(ticks[k].activity))
                    if ticks[k].activity > c.movementThresholdG { lastMoving = p.fromTick + (k - p.from) }
                    k += 1
                }
                p.event.accelActivityAfterG = Float(activitySum)
                out.append(p.event)
                if hasAccelerometer { wake.cramp(p.event, lastMovingTick: lastMoving) }
                pending = nil
            }
            for item in trace.items {
                if let p = pending, p.due <= item.index { flush(through: p.due) }
                switch item.content {
                case .artifact(let e):
                    if e.offsetSeconds - e.onsetSeconds >= c.artifactMinSeconds { out.append(e) }
                case .second(let s):
                    if let e = wake.step(s) { out.append(e) }
                case .episode(let d, let endTick, let confidenceScale):
                    let r = TickDetector.classify(d, endTick: endTick, confidenceScale: confidenceScale,
                                                  configuration: c, tickSeconds: tickSeconds,
                                                  hasAccelerometer: hasAccelerometer)
                    if let m = r.muscleActivity { out.append(m) }
                    if let l = r.legMovement {
                        out.append(l)
                    } else if let e = r.cramp {
                        flush(through: item.index)
                        if c.crampAfterSeconds > 0 {
                            pending = (e, item.index, item.tick, item.index + afterTicks)
                        } else {
                            out.append(e)
                            if hasAccelerometer { wake.cramp(e, lastMovingTick: nil) }
                        }
                    }
                case .boundary:
                    flush(through: item.index)
                    if let e = wake.finish() { out.append(e) }
                }
            }
            // `finish` always ends the trace with a boundary, which flushed any pending cramp.
            precondition(pending == nil)
        }
        out.sort { ($0.onsetSeconds, $0.kind.rawValue) < ($1.onsetSeconds, $1.kind.rawValue) }
        return out
    }

    /// Feeds the log through `machine`: ticks numbered as the replay numbered them (a long gap moves the
    /// clock to where data resumes), restarts where the replay restarted, finished at `endTick`.
    /// Non-provisional events are appended to `out` when it is not nil.
    func drive(_ machine: TickDetector, into out: inout [DetectedEvent]?) {
        var buffer = EventBuffer(capacity: 1024)
        var tick = firstTick
        var restartIndex = 0
        features.withUnsafeBufferPointer { ticks in
            for i in ticks.indices {
                while restartIndex < restarts.count && restarts[restartIndex].endTick <= tick {
                    machine.restart(endTick: restarts[restartIndex].endTick,
                                    resumeTick: restarts[restartIndex].resumeTick, settleTicks: settleTicks,
                                    into: &buffer)
                    tick = restarts[restartIndex].resumeTick
                    restartIndex += 1
                }
                machine.traceIndex = i
                machine.traceTick = tick
                machine.consume(tick: tick, ticks[i], into: &buffer)
                if !buffer.isEmpty {
                    if out != nil { out! += buffer.events.filter { !$0.isProvisional } }
                    buffer.removeAll()
                }
                tick += 1
            }
        }
        // Gaps after the last tick.
        while restartIndex < restarts.count {
            machine.restart(endTick: restarts[restartIndex].endTick, resumeTick: restarts[restartIndex].resumeTick,
                            settleTicks: settleTicks, into: &buffer)
            restartIndex += 1
        }
        machine.finish(endTick: endTick, into: &buffer)
        if out != nil { out! += buffer.events.filter { !$0.isProvisional } }
    }
}

/// One pass of the state machines over a tick log with closed episodes left unclassified: shared by
/// every configuration with the same `stateMachineKey` (`TickLog.events(from:with:)`).
public struct EpisodeTrace: Sendable {
    var items: [TraceItem]
    /// The state-machine settings the trace was made with.
    public let stateMachineKey: DetectorConfiguration
    /// Closed episodes (leg-movement, muscle-activity or cramp candidates) in the trace.
    public var episodes: Int { items.reduce(0) { if case .episode = $1.content { $0 + 1 } else { $0 } } }
}

/// What a traced pass recorded, at the index of the tick being consumed (for a gap or the end, the last one consumed).
struct TraceItem: Sendable {
    enum Content: Sendable {
        /// A finished artifact, before the artifactMinSeconds filter.
        case artifact(DetectedEvent)
        /// The end of a second, as the wake machine sees it.
        case second(WakeSecond)
        /// A closed episode, before classification.
        case episode(TickDetector.EpisodeData, endTick: Int, confidenceScale: Float)
        /// A gap or the end of the recording: a pending cramp is flushed here.
        case boundary
    }
    var index: Int
    /// The tick number (`index` counts ticks with data; the tick number jumps over a long gap).
    var tick: Int
    var content: Content
}

extension NightDetector {
    /// Starts logging every tick's features (for threshold sweeps); call before the first sample.
    public func startTickLog() {
        var log = TickLog(emgChannels: emgChannels, hasAccelerometer: accelAxes == 3, tickSeconds: tickSeconds,
                          settleTicks: settleTicks)
        // Room for 12 hours up front: the pages are only touched as ticks are written, so shorter
        // recordings cost nothing more, and a night never pays for copying a growing log (measured:
        // those copies and their page faults were a tenth of a threshold sweep's time).
        log.features.reserveCapacity(12 * 3600 * ticksPerSecond)
        tickLog = log
    }
}
