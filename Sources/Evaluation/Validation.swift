import Dispatch
import Foundation
import Ingest
import Recordings
import NightAnalysis
import SignalCore

/// One recording with its reference labels.
public struct ValidationInput: Sendable {
    public var recordingPath: String
    /// The reference scoring in any of the four formats; nil for the EDF+ annotations inside the recording.
    public var labelsPath: String?
    /// The vocabulary of clinical scorings, with any `--label-map` added.
    public var labelMap: LabelMap
    public init(recordingPath: String, labelsPath: String?, labelMap: LabelMap = LabelMap()) {
        self.recordingPath = recordingPath
        self.labelsPath = labelsPath
        self.labelMap = labelMap
    }
}

/// A recording replayed once, its per-tick features kept for re-detection with other thresholds.
public struct PreparedRecording: Sendable {
    public var input: ValidationInput
    public var reference: ReferenceScoring
    public var labels: [ReferenceLabel] { reference.labels }
    public var durationSeconds: Double
    public var log: TickLog
    public var gaps: [NightGap]
    /// What the channel choice left out or could not use (too coarse a channel, another rate), one line each.
    public var channelNotes: [String] = []
}

/// Metrics of one event kind.
public struct KindMetrics: Sendable, Codable, Equatable {
    public var kind: String
    public var reference: Int
    public var detected: Int
    public var true_positives: Int
    public var false_positives: Int
    public var false_negatives: Int
    public var sensitivity: Double?
    public var precision: Double?
    public var f1: Double?
    public var false_alarms_per_night: Double
    public var false_alarms_per_hour: Double
    public var onset_latency_median_s: Double?
    public var onset_latency_p90_s: Double?
    public var duration_error_median_s: Double?
}

public struct WakeAgreement: Sendable, Codable, Equatable {
    public var epochs: Int
    public var sensitivity: Double?
    public var specificity: Double?
    public var kappa: Double?
}

public struct RecordingMetrics: Sendable, Codable {
    public var recording: String
    public var duration_s: Double
    public var kinds: [KindMetrics]
    public var wake_epochs: WakeAgreement
    /// False for a recording without EMG: only sleep interruptions were scored (cramps, leg movements and
    /// artifacts were not measured, so their labels count neither as found nor as missed).
    public var emg_measured: Bool = true
    /// False for a recording without an accelerometer (a sleep-lab montage): sleep interruptions were not measured
    /// (wake is read from the leg's movement; quiet wake shows in no leg-EMG rule), so their labels count neither
    /// as found nor as missed, and its epochs are left out of the wake agreement.
    public var accel_measured: Bool = true
    /// Where the reference came from and what it held.
    public var reference: ReferenceSummary?
    /// What the channel choice left out or could not use, one line each.
    public var channel_notes: [String]?
}

/// A reference scoring as the report shows it: its format, what it held, and what was not scored.
public struct ReferenceSummary: Sendable, Codable, Equatable {
    public var file: String
    public var format: String
    public var counts: [String: Int]
    public var unmapped: [String: Int]
    public var notes: [String]
    init(_ r: ReferenceScoring) {
        file = r.path
        format = r.format.rawValue
        counts = r.counts
        unmapped = r.unmapped
        notes = r.notes
    }
}

/// A night to score: its detected events beside its reference labels (from a recording replayed now, or from a
/// study's stored night). Without EMG only sleep interruptions are scored.
public struct ScoredNight: Sendable {
    public var name: String
    public var durationSeconds: Double
    public var labels: [ReferenceLabel]
    /// Wake from sleep stages, and the sleep period they bound, when the reference has stages.
    public var stageWake: [Interval]?
    public var sleepPeriod: Interval?
    public var emgMeasured: Bool
    /// False without an accelerometer: wake is read from the leg's movement, so sleep interruptions are not
    /// scored and the night's epochs stay out of the pooled wake agreement.
    public var accelMeasured: Bool
    public var events: [(kind: String, interval: Interval)]
    public var reference: ReferenceSummary?
    public var channelNotes: [String]

    public init(name: String, durationSeconds: Double, labels: [ReferenceLabel], stageWake: [Interval]? = nil,
                sleepPeriod: Interval? = nil, emgMeasured: Bool, accelMeasured: Bool = true,
                events: [(kind: String, interval: Interval)], reference: ReferenceSummary? = nil,
                channelNotes: [String] = []) {
        self.name = name
        self.durationSeconds = durationSeconds
        self.labels = labels
        self.stageWake = stageWake
        self.sleepPeriod = sleepPeriod
        self.emgMeasured = emgMeasured
        self.accelMeasured = accelMeasured
        self.events = events
        self.reference = reference
        self.channelNotes = channelNotes
    }
}

public struct ValidationReport: Sendable, Codable {
    public var tolerance_s: Double
    public var nights: Int
    public var pooled: [KindMetrics]
    public var pooled_wake_epochs: WakeAgreement
    public var recordings: [RecordingMetrics]

    public func metrics(_ kind: String) -> KindMetrics? { pooled.first { $0.kind == kind } }
}

/// Validation of detector configurations against reference labels.
public enum Validator {
    public static let kinds = ["cramp", "leg_movement", "sleep_interruption", "artifact"]

    /// Replays every recording once with `configuration`'s filter settings, on every core.
    public static func prepare(_ inputs: [ValidationInput],
                               configuration: DetectorConfiguration) throws -> [PreparedRecording] {
        let box = ResultBox<PreparedRecording>(count: inputs.count)
        DispatchQueue.concurrentPerform(iterations: inputs.count) { i in
            do {
                let input = inputs[i]
                let result = try Replayer(configuration: configuration, recordTicks: true)
                    .replay(path: input.recordingPath)
                let clock = RecordingClock(durationSeconds: result.durationSeconds,
                                           startSeconds: startSeconds(result.format, path: input.recordingPath))
                let reference = try ReferenceScoring.load(labelsPath: input.labelsPath,
                                                          recordingPath: input.recordingPath, clock: clock,
                                                          map: input.labelMap,
                                                          wakeMinSeconds: configuration.wakeMinSeconds)
                box.set(i, PreparedRecording(input: input, reference: reference,
                                             durationSeconds: result.durationSeconds, log: result.tickLog!,
                                             gaps: result.gaps, channelNotes: result.channelNotes))
            } catch {
                box.fail("\(error)")
            }
        }
        if let f = box.failure { throw ReplayError(f) }
        return box.values.map { $0! }
    }

    /// The start of an EDF-family recording as `RecordingClock` counts it; nil for other formats.
    public static func startSeconds(_ format: RecordingFormat, path: String) -> Double? {
        guard [.edf, .edfPlus, .bdf, .bdfPlus].contains(format), let reader = try? EDFReader(path: path) else {
            return nil
        }
        return RecordingClock.edfStart(reader)
    }

    /// Detects with `configuration` (thresholds only) on prepared recordings and scores against the labels.
    public static func evaluate(_ prepared: [PreparedRecording], configuration: DetectorConfiguration,
                                toleranceSeconds: Double) -> ValidationReport {
        evaluate(prepared, events: prepared.map { $0.log.detect(with: configuration) },
                 toleranceSeconds: toleranceSeconds)
    }

    /// Scores already detected events (one list per prepared recording) against the labels.
    public static func evaluate(_ prepared: [PreparedRecording], events perRecordingEvents: [[DetectedEvent]],
                                toleranceSeconds: Double) -> ValidationReport {
        let nights = zip(prepared, perRecordingEvents).map { r, events in
            ScoredNight(name: r.input.recordingPath, durationSeconds: r.durationSeconds, labels: r.labels,
                        stageWake: r.reference.stageWake, sleepPeriod: r.reference.sleepPeriod,
                        emgMeasured: r.log.emgChannels > 0, accelMeasured: r.log.hasAccelerometer,
                        events: events.map { (kind: $0.kind.rawValue, interval: Interval($0.onsetSeconds,
                                                                                            $0.offsetSeconds)) },
                        reference: ReferenceSummary(r.reference), channelNotes: r.channelNotes)
        }
        return evaluate(nights, toleranceSeconds: toleranceSeconds)
    }

    /// Scores nights whose events are already known (a recording just replayed, or a study's stored nights with
    /// their reference labels): one definition of every metric. Each night is scored on its own, on every core;
    /// the pool adds them up in order, so the report does not depend on the number of cores.
    public static func evaluate(_ nights: [ScoredNight], toleranceSeconds: Double) -> ValidationReport {
        let box = ResultBox<NightScore>(count: nights.count)
        DispatchQueue.concurrentPerform(iterations: nights.count) { i in
            box.set(i, score(nights[i], toleranceSeconds: toleranceSeconds))
        }
        var pooledCounts: [String: PooledCounts] = [:]
        var pooledWake = EpochAgreement(epochs: 0, truePositives: 0, trueNegatives: 0, falsePositives: 0,
                                        falseNegatives: 0)
        for case let n? in box.values {
            for (kind, c) in n.counts { pooledCounts[kind, default: PooledCounts()].add(c) }
            if n.metrics.accel_measured { pooledWake = pooledWake + n.wake }
        }
        let totalHours = nights.reduce(0) { $0 + $1.durationSeconds } / 3600
        let pooled = kinds.map { kind -> KindMetrics in
            let p = pooledCounts[kind] ?? PooledCounts()
            return metrics(kind, ref: p.ref, det: p.det, tp: p.tp, fp: p.fp, nights: nights.count, hours: totalHours,
                           latencies: p.latencies, durationErrors: p.durationErrors)
        }
        return ValidationReport(tolerance_s: toleranceSeconds, nights: nights.count, pooled: pooled,
                                pooled_wake_epochs: agreement(pooledWake),
                                recordings: box.values.compactMap { $0?.metrics })
    }

    /// One night's counts toward the pool, and its own metrics.
    struct NightScore: Sendable {
        var metrics: RecordingMetrics
        var counts: [String: PooledCounts]
        var wake: EpochAgreement
    }

    struct PooledCounts: Sendable {
        var ref = 0, det = 0, tp = 0, fp = 0
        var latencies: [Double] = [], durationErrors: [Double] = []
        mutating func add(_ o: PooledCounts) {
            ref += o.ref; det += o.det; tp += o.tp; fp += o.fp
            latencies += o.latencies; durationErrors += o.durationErrors
        }
    }

    static func score(_ r: ScoredNight, toleranceSeconds: Double) -> NightScore {
        var kinds: [KindMetrics] = []
        var counts: [String: PooledCounts] = [:]
        for kind in scoredKinds(r) {
            let ref = r.labels.filter { $0.kind == kind }.map(\.interval)
            let det = r.events.filter { $0.kind == kind }.map(\.interval)
            let score = EventScore(reference: ref, detected: det, durationSeconds: r.durationSeconds,
                                   parameters: .init(tolerance: toleranceSeconds))
            let pairs = EventMatcher.match(reference: ref, detected: det, toleranceSeconds: toleranceSeconds)
            let latencies = pairs.pairs.map { det[$0.detection].onset - ref[$0.reference].onset }
            let durationErrors = pairs.pairs.map { abs(det[$0.detection].duration - ref[$0.reference].duration) }
            kinds.append(metrics(kind, ref: score.referenceCount, det: det.count, tp: score.truePositives,
                                 fp: score.falsePositives, nights: 1, hours: r.durationSeconds / 3600,
                                 latencies: latencies, durationErrors: durationErrors))
            counts[kind] = PooledCounts(ref: score.referenceCount, det: det.count, tp: score.truePositives,
                                        fp: score.falsePositives, latencies: latencies, durationErrors: durationErrors)
        }
        let wake = wakeAgreement(r)
        let metrics = RecordingMetrics(recording: r.name, duration_s: r.durationSeconds, kinds: kinds,
                                       wake_epochs: agreement(wake), emg_measured: r.emgMeasured,
                                       accel_measured: r.accelMeasured, reference: r.reference,
                                       channel_notes: r.channelNotes.isEmpty ? nil : r.channelNotes)
        return NightScore(metrics: metrics, counts: counts, wake: wake)
    }

    /// Detected sleep interruptions against the reference's wake in 30-s epochs: with sleep stages, every wake
    /// epoch in the sleep period (counted inside it); else the sleep-interruption labels over the recording.
    static func wakeAgreement(_ r: ScoredNight) -> EpochAgreement {
        let detected = r.events.filter { $0.kind == "sleep_interruption" }.map(\.interval)
        if let wake = r.stageWake {
            return EpochAgreement(reference: wake, detected: detected, durationSeconds: r.durationSeconds,
                                  within: r.sleepPeriod ?? Interval(0, 0))
        }
        return EpochAgreement(reference: r.labels.filter { $0.kind == "sleep_interruption" }.map(\.interval),
                              detected: detected, durationSeconds: r.durationSeconds)
    }

    /// What can be scored on a night: everything, or without EMG only what the accelerometer shows, and
    /// without an accelerometer only what the EMG shows (no sleep interruptions).
    static func scoredKinds(_ r: ScoredNight) -> [String] {
        (r.emgMeasured ? kinds : ["sleep_interruption"]).filter { $0 != "sleep_interruption" || r.accelMeasured }
    }

    static func agreement(_ a: EpochAgreement) -> WakeAgreement {
        WakeAgreement(epochs: a.epochs, sensitivity: finite(a.sensitivity), specificity: finite(a.specificity),
                      kappa: finite(a.kappa))
    }

    static func finite(_ x: Double) -> Double? { x.isFinite ? (x * 10000).rounded() / 10000 : nil }

    static func metrics(_ kind: String, ref: Int, det: Int, tp: Int, fp: Int, nights: Int, hours: Double,
                        latencies: [Double], durationErrors: [Double]) -> KindMetrics {
        let fn = ref - tp
        let sensitivity = ref > 0 ? Double(tp) / Double(ref) : Double.nan
        let precision = tp + fp > 0 ? Double(tp) / Double(tp + fp) : Double.nan
        let f1 = ref + fp > 0 ? Double(2 * tp) / Double(2 * tp + fp + fn) : Double.nan
        return KindMetrics(kind: kind, reference: ref, detected: det, true_positives: tp, false_positives: fp,
                           false_negatives: fn,
                           sensitivity: finite(sensitivity), precision: finite(precision), f1: finite(f1),
                           false_alarms_per_night: finite(Double(fp) / Double(max(1, nights))) ?? 0,
                           false_alarms_per_hour: finite(hours > 0 ? Double(fp) / hours : 0) ?? 0,
                           onset_latency_median_s: finite(Percentile.of(latencies, 0.5)),
                           onset_latency_p90_s: finite(Percentile.of(latencies, 0.9)),
                           duration_error_median_s: finite(Percentile.of(durationErrors, 0.5)))
    }
}

/// Results of parallel work, filled under a lock.
final class ResultBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [T?]
    private(set) var failure: String?
    init(count: Int) { values = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ v: T) { lock.lock(); values[i] = v; lock.unlock() }
    func fail(_ message: String) { lock.lock(); if failure == nil { failure = message }; lock.unlock() }
    private(set) var count = 0
    func increment() { lock.lock(); count += 1; lock.unlock() }
}

/// Threshold sweeps: a grid of configurations, each scored; filter-stage settings share one replay.
public enum Sweep {
    public struct Axis: Sendable {
        public var name: String
        public var values: [Double]
    }

    /// Parses `NAME=FROM:TO:STEP`; the name must be a setting of `DetectorConfiguration`.
    public static func axis(_ spec: String) throws -> Axis {
        let parts = spec.split(separator: "=", maxSplits: 1).map(String.init)
        let known = DetectorConfiguration.documentation.map(\.name)
        guard parts.count == 2, known.contains(parts[0]) else {
            throw ReplayError("--sweep \(spec): expected NAME=FROM:TO:STEP with NAME one of: "
                              + "\(known.filter { $0 != "version" }.joined(separator: ", "))")
        }
        let r = parts[1].split(separator: ":").compactMap { Double($0) }
        guard r.count == 3, r[2] > 0, r[1] >= r[0] else {
            throw ReplayError("--sweep \(spec): FROM:TO:STEP must be three numbers with FROM ≤ TO and STEP > 0, e.g. "
                              + "crampMinSeconds=6:20:2")
        }
        let count = Int(((r[1] - r[0]) / r[2] + 1e-9).rounded(.down)) + 1
        guard count <= 10_000 else { throw ReplayError("--sweep \(spec) gives \(count) values; use a larger step") }
        return Axis(name: parts[0], values: (0..<count).map { r[0] + Double($0) * r[2] })
    }

    /// Every combination of the axes' values, applied to `base`.
    public static func grid(_ axes: [Axis],
                            base: DetectorConfiguration) throws -> [(values: [Double],
                                                                     configuration: DetectorConfiguration)] {
        var combos: [[Double]] = [[]]
        for a in axes { combos = combos.flatMap { c in a.values.map { c + [$0] } } }
        return try combos.map { values in
            (values, try apply(Dictionary(uniqueKeysWithValues: zip(axes.map(\.name), values)), to: base))
        }
    }

    /// Sets named settings through the configuration's own (validating) JSON form.
    public static func apply(_ settings: [String: Double],
                             to base: DetectorConfiguration) throws -> DetectorConfiguration {
        var object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(base)) as! [String: Any]
        for (k, v) in settings {
            // The value's JSON type comes from the setting's declaration; an unknown name is left to the decoder.
            let s = DetectorConfiguration.setting(named: k)
            if s?.isNumeric == false { throw ReplayError("\(k) is not a number; sweep numeric settings only") }
            object[k] = s?.isInteger == true ? Int(v.rounded()) as Any
                : s?.isBoolean == true ? (v != 0) as Any : v as Any
        }
        return try JSONDecoder()
            .decode(DetectorConfiguration.self, from: JSONSerialization.data(withJSONObject: object))
    }

    /// The filter-stage settings: configurations that share them can share one replay.
    public static func filterKey(_ c: DetectorConfiguration) -> DetectorConfiguration { c.featureKey }

    /// Scores every configuration; calls `progress(done, total)` as it goes.
    public static func run(_ inputs: [ValidationInput],
                           grid: [(values: [Double], configuration: DetectorConfiguration)], toleranceSeconds: Double,
                           progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> [ValidationReport] {
        let groups = Dictionary(grouping: grid.indices, by: { filterKey(grid[$0].configuration) })
        var reports = [ValidationReport?](repeating: nil, count: grid.count)
        for (_, members) in groups.sorted(by: { $0.value[0] < $1.value[0] }) {
            let prepared = try Validator.prepare(inputs, configuration: grid[members[0]].configuration)
            // Configurations that differ only in classification settings share one pass of the state machines
            // per recording (`DetectorConfiguration.stages`); the passes run on every core, then each
            // configuration classifies the passes' closed episodes and is scored, again on every core.
            var keys: [DetectorConfiguration] = [], keyIndices: [Int] = [], firstIndices: [Int] = []
            for k in members.indices {
                let key = grid[members[k]].configuration.stateMachineKey
                if let j = keys.firstIndex(of: key) {
                    keyIndices.append(j)
                } else {
                    keyIndices.append(keys.count); firstIndices.append(k); keys.append(key)
                }
            }
            let keyOf = keyIndices, firstWithKey = firstIndices
            let passes = keys.count * prepared.count
            let traces = ResultBox<EpisodeTrace>(count: passes)
            DispatchQueue.concurrentPerform(iterations: passes) { j in
                let key = j / prepared.count, r = j % prepared.count
                traces.set(j, prepared[r].log.trace(with: grid[members[firstWithKey[key]]].configuration))
            }
            let traceList = traces.values.map { $0! }
            let box = ResultBox<ValidationReport>(count: members.count)
            DispatchQueue.concurrentPerform(iterations: members.count) { k in
                let configuration = grid[members[k]].configuration
                let events = prepared.indices.map { r in
                    prepared[r].log.events(from: traceList[keyOf[k] * prepared.count + r], with: configuration)
                }
                box.set(k, Validator.evaluate(prepared, events: events, toleranceSeconds: toleranceSeconds))
                box.increment()
                progress?(box.count, grid.count)
            }
            for (k, i) in members.enumerated() { reports[i] = box.values[k] }
        }
        return reports.map { $0! }
    }
}
