import Evaluation
import Ingest
import NightAnalysis
import NightSimulator
import SignalCore

/// The reference of one night, as the WASM study scores it: labelled intervals by kind, and which of the
/// labelled cramps began with the leg moving.
public struct NightReference: Sendable {
    public var durationSeconds: Double
    public var intervals: [EventKind: [Interval]]
    public var movementOnsetCramps: [Interval]
    /// The reference's own PLMS index when it has one (a scoring with sleep stages divides by total sleep time);
    /// nil: computed from the labelled leg movements and interruptions as the night analysis would.
    public var plmsIndex: Double?

    public init(durationSeconds: Double, intervals: [EventKind: [Interval]], movementOnsetCramps: [Interval],
                plmsIndex: Double? = nil) {
        self.durationSeconds = durationSeconds
        self.intervals = intervals
        self.movementOnsetCramps = movementOnsetCramps
        self.plmsIndex = plmsIndex
    }

    /// A simulated night's labels.
    public init(simulator: NightSimulator) {
        durationSeconds = simulator.options.hours * 3600
        var byKind: [EventKind: [Interval]] = [:]
        for l in simulator.labels { byKind[l.kind, default: []].append(Interval(l.onsetSeconds, l.offsetSeconds)) }
        intervals = byKind
        let onsets = Set(simulator.movementOnsetCrampOnsets)
        movementOnsetCramps = (byKind[.cramp] ?? []).filter { onsets.contains($0.onset) }
    }
}

/// One night scored the way issue 21 asks: leg movements against WASM 2016 truth, the PLMS index, sleep
/// interruptions (and false ones inside periodic series), cramps (and those that began with leg motion).
public struct WASMNightScore: Sendable {
    public var legMovements: MatchResult
    public var plmsIndexTruth: Double
    public var plmsIndexDetected: Double
    public var interruptions: MatchResult
    /// Detected interruptions matching no labelled one and overlapping a labelled periodic series.
    public var falseInterruptionsInSeries: Int
    public var seriesSeconds: Double
    public var cramps: MatchResult
    public var crampOnsetErrors: [Double]
    public var movementOnsetCramps: MatchResult

    /// Leg movements are scored outside voluntary stretches longer than WASM's 10 s (walking, stretching):
    /// walking's stride bursts are leg movements in wake that a scorer may merge or split, and they never form
    /// a periodic series (onsets < 10 s apart).
    public init(reference r: NightReference, detected events: [DetectedEvent], summary: NightSummary) {
        func detected(_ kind: EventKind) -> [Interval] {
            events.filter { $0.kind == kind }.map { Interval($0.onsetSeconds, $0.offsetSeconds) }
        }
        let long = (r.intervals[.voluntaryMovement] ?? []).filter { $0.duration > 10 }
        func outsideLong(_ i: Interval) -> Bool { !long.contains { i.onset >= $0.onset && i.onset <= $0.offset } }
        let refLM = (r.intervals[.legMovement] ?? []).filter(outsideLong)
        legMovements = EventMatcher.match(reference: refLM, detected: detected(.legMovement).filter(outsideLong))
        let refWake = r.intervals[.sleepInterruption] ?? []
        func asEvents(_ list: [Interval], _ kind: EventKind) -> [DetectedEvent] {
            list.map { DetectedEvent(kind: kind, onsetSeconds: $0.onset, offsetSeconds: $0.offset) }
        }
        let allRefLM = asEvents(r.intervals[.legMovement] ?? [], .legMovement)
        let refCrampEvents = asEvents(r.intervals[.cramp] ?? [], .cramp)
        plmsIndexTruth = r.plmsIndex ?? NightSummary.periodicIndices(legMovements: allRefLM,
                                                      wakes: asEvents(refWake, .sleepInterruption),
                                                      durationSeconds: r.durationSeconds,
                                                      gapSeconds: 0, breakers: refCrampEvents).sleepIndexPerHour
        plmsIndexDetected = summary.plmIndexPerHour
        let wakes = detected(.sleepInterruption)
        interruptions = EventMatcher.match(reference: refWake, detected: wakes)
        let spans = NightSummary.periodicSeries(allRefLM, breakers: refCrampEvents)
            .map { Interval($0.first!.onsetSeconds, $0.last!.offsetSeconds) }
        seriesSeconds = spans.reduce(0) { $0 + $1.duration }
        let matched = Set(interruptions.pairs.map(\.detection))
        falseInterruptionsInSeries = wakes.indices.filter { d in
            !matched.contains(d) && spans.contains { wakes[d].onset < $0.offset && wakes[d].offset > $0.onset }
        }.count
        let refCramps = r.intervals[.cramp] ?? [], crampsFound = detected(.cramp)
        cramps = EventMatcher.match(reference: refCramps, detected: crampsFound)
        crampOnsetErrors = EventMatcher.onsetErrors(cramps, reference: refCramps, detected: crampsFound)
        movementOnsetCramps = EventMatcher.match(reference: r.movementOnsetCramps, detected: crampsFound)
    }
}

/// The figures of a set of nights, pooled.
public struct WASMStudyResult: Sendable {
    public var nights: [WASMNightScore]

    public init(nights: [WASMNightScore]) { self.nights = nights }

    static func pooled(_ results: [MatchResult]) -> MatchResult {
        var p = MatchResult(pairs: [], referenceCount: 0, detectionCount: 0)
        for m in results {
            p.pairs += m.pairs
            p.referenceCount += m.referenceCount
            p.detectionCount += m.detectionCount
        }
        return p
    }

    public var legMovements: MatchResult { Self.pooled(nights.map(\.legMovements)) }
    public var interruptions: MatchResult { Self.pooled(nights.map(\.interruptions)) }
    public var cramps: MatchResult { Self.pooled(nights.map(\.cramps)) }
    /// Recall counts only: a cramp that began with motion matched by any detected cramp.
    public var movementOnsetCramps: MatchResult { Self.pooled(nights.map(\.movementOnsetCramps)) }
    /// Share of nights whose detected PLMS index is within `tolerance` per hour of the truth.
    public func plmsWithin(_ tolerance: Double) -> Double {
        Double(nights.filter { abs($0.plmsIndexDetected - $0.plmsIndexTruth) <= tolerance }.count)
            / Double(max(1, nights.count))
    }
    public var falseInterruptionsPerSeriesHour: Double {
        let hours = nights.reduce(0) { $0 + $1.seriesSeconds } / 3600
        return hours > 0 ? Double(nights.reduce(0) { $0 + $1.falseInterruptionsInSeries }) / hours : 0
    }
    public var medianCrampOnsetError: Double {
        let a = nights.flatMap(\.crampOnsetErrors).map(abs).sorted()
        return a.isEmpty ? 0 : a[a.count / 2]
    }
    public var falseCrampsPerNight: Double { Double(cramps.falsePositives) / Double(max(1, nights.count)) }

    /// One line per figure, for the README and the test log.
    public var lines: [String] {
        func f(_ x: Double) -> String { String(Double(Int((x * 1000).rounded())) / 1000) }
        let lm = legMovements, w = interruptions, c = cramps, m = movementOnsetCramps
        return [
            "nights \(nights.count)",
            "leg movements: F1 \(f(lm.f1)) (\(lm.truePositives) of \(lm.referenceCount), \(lm.falsePositives) false)",
            "PLMS index within 2/h on \(f(plmsWithin(2) * 100)) % of nights",
            "interruptions: F1 \(f(w.f1)) (\(w.truePositives) of \(w.referenceCount), \(w.falsePositives) false); "
                + "false per hour of PLM series \(f(falseInterruptionsPerSeriesHour))",
            "cramps: F1 \(f(c.f1)) (\(c.truePositives) of \(c.referenceCount), \(c.falsePositives) false); "
                + "movement-onset recall \(f(m.sensitivity)) (\(m.truePositives) of \(m.referenceCount)); "
                + "median onset error \(f(medianCrampOnsetError)) s; false per night \(f(falseCrampsPerNight))",
        ]
    }
}

extension AccuracyStudy {
    /// Simulated nights with the moving cases (`SimulationOptions.movingCases`), scored per issue 21.
    public static func runWASM(seeds: [UInt64], hours: Double, emgRateHz: Int = 1000, crampsPerHour: Double = 1,
                               configuration: DetectorConfiguration = DetectorConfiguration()) throws
        -> WASMStudyResult {
        let nights = try perSeed(seeds) { i in
            let (simulator, result) = try simulate(.studyNight(
                seed: seeds[i], hours: hours, emgRateHz: emgRateHz, crampsPerHour: crampsPerHour, movingCases: true),
                configuration: configuration)
            return WASMNightScore(reference: NightReference(simulator: simulator), detected: result.events,
                                  summary: result.summary)
        }
        return WASMStudyResult(nights: nights)
    }
}

extension AccuracyStudy {
    /// The same nights as `runWASM`, simulated and filtered once (`CaptureRun`'s tick log), then driven through
    /// each configuration's state machines: how the thresholds of issue 21 were chosen. Configurations must
    /// share the feature settings (filters, envelope).
    public static func sweepWASM(seeds: [UInt64], hours: Double, emgRateHz: Int = 1000, crampsPerHour: Double = 1,
                                 configurations: [DetectorConfiguration]) throws -> [WASMStudyResult] {
        let nights = try perSeed(seeds) { i in
            let (simulator, result) = try simulate(.studyNight(
                seed: seeds[i], hours: hours, emgRateHz: emgRateHz, crampsPerHour: crampsPerHour, movingCases: true),
                configuration: configurations[0], recordTicks: true)
            let reference = NightReference(simulator: simulator)
            return try requireLog(result.tickLog).detect(with: configurations).map { events in
                WASMNightScore(reference: reference, detected: events, summary: NightSummary(
                    events: events, gaps: result.gaps, durationSeconds: result.durationSeconds,
                    framesLost: 0, corruptFrames: 0))
            }
        }
        return configurations.indices.map { c in WASMStudyResult(nights: nights.map { $0[c] }) }
    }
}

/// The tick log, or an error saying it was not kept.
private func requireLog(_ log: TickLog?) throws -> TickLog {
    guard let log else { throw StudyError(description: "the run kept no tick log") }
    return log
}
