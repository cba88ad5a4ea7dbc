import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import Evaluation
import NightSimulator
import Ingest
import SignalCore

/// Detection accuracy of one event kind over a set of nights.
public struct KindAccuracy: Sendable {
    public var kind: EventKind
    public var match: MatchResult
    /// Detection onset minus labelled onset, for every match (s).
    public var onsetErrors: [Double]
    public var nights: Int

    public var falsePerNight: Double { Double(match.falsePositives) / Double(max(1, nights)) }
    public var medianAbsoluteOnsetError: Double {
        let a = onsetErrors.map(abs).sorted()
        return a.isEmpty ? 0 : a[a.count / 2]
    }
}

/// Simulates nights with seeds, replays each through the detector (in memory, the same path as a
/// capture file), and matches the events against the simulator's labels.
public enum AccuracyStudy {
    public static let kinds: [EventKind] = [.cramp, .legMovement, .sleepInterruption, .artifact]

    /// - Parameters:
    ///   - seeds: one night per seed; mains alternates 50/60 Hz with the seed's parity.
    ///   - accelRateHz: the accelerometer's rate; nil keeps the simulator's own (100 Hz). The Cyton's is 25.
    public static func run(seeds: [UInt64], hours: Double, emgRateHz: Int = 2000, accelRateHz: Int? = nil,
                           crampsPerHour: Double = 0.3,
                           configuration: DetectorConfiguration = DetectorConfiguration()) throws -> [KindAccuracy] {
        let perNight = try perSeed(seeds) { i in
            var o = SimulationOptions.studyNight(seed: seeds[i], hours: hours, emgRateHz: emgRateHz,
                                                 crampsPerHour: crampsPerHour)
            if let accelRateHz { o.accelRateHz = accelRateHz }
            let (simulator, result) = try simulate(o, configuration: configuration)
            var byKind: [EventKind: (MatchResult, [Double])] = [:]
            for kind in kinds {
                let reference = simulator.labels.filter { $0.kind == kind }.map { Interval($0.onsetSeconds,
                                                                                           $0.offsetSeconds) }
                let detected = result.events.filter { $0.kind == kind }.map { Interval($0.onsetSeconds,
                                                                                       $0.offsetSeconds) }
                let m = EventMatcher.match(reference: reference, detected: detected)
                byKind[kind] = (m, EventMatcher.onsetErrors(m, reference: reference, detected: detected))
            }
            return byKind
        }
        return kinds.map { kind in
            var pooled = MatchResult(pairs: [], referenceCount: 0, detectionCount: 0)
            var errors: [Double] = []
            for night in perNight {
                let (m, e) = night[kind]!
                pooled.pairs += m.pairs
                pooled.referenceCount += m.referenceCount
                pooled.detectionCount += m.detectionCount
                errors += e
            }
            return KindAccuracy(kind: kind, match: pooled, onsetErrors: errors, nights: seeds.count)
        }
    }
}

extension AccuracyStudy {
    /// Runs `night` for each seed's index on the worker threads, one night per thread at a time, and returns the
    /// results in seed order. The studies all share this so that a failing night fails the study the same way:
    /// with its seed named, after the other nights have run.
    static func perSeed<T>(_ seeds: [UInt64], _ night: @Sendable (Int) throws -> T) throws -> [T] {
        let box = SeedResults<T>(count: seeds.count)
        DispatchQueue.concurrentPerform(iterations: seeds.count) { i in
            do {
                let result = try night(i)
                box.lock.locked { box.results[i] = result }
            } catch {
                box.lock.locked { box.failure = "seed \(seeds[i]): \(error)" }
            }
        }
        if let f = box.failure { throw StudyError(description: f) }
        return box.results.map { $0! }
    }

    /// Simulates one night and replays it through the detector in memory, the same path as a capture file.
    /// - recordTicks: keep the tick log, so that a sweep can drive other configurations from it.
    static func simulate(_ options: SimulationOptions, configuration: DetectorConfiguration,
                         recordTicks: Bool = false) throws -> (simulator: NightSimulator, result: NightResult) {
        let simulator = try NightSimulator(options: options)
        let run = CaptureRun(path: "simulated night \(options.seed)", configuration: configuration,
                             recordTicks: recordTicks)
        _ = try simulator.run { bytes in try bytes.withUnsafeBytes { try run.feed($0) } }
        return (simulator, try run.finish(sizeBytes: 0))
    }
}

/// Results written by the worker threads, under the lock.
final class SeedResults<T>: @unchecked Sendable {
    let lock = NSLockish()
    var results: [T?]
    var failure: String?
    init(count: Int) { results = Array(repeating: nil, count: count) }
}

public struct StudyError: Error, CustomStringConvertible {
    public let description: String
}

/// A tiny lock without Foundation (pthread mutex).
final class NSLockish: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }
    func locked(_ body: () -> Void) {
        pthread_mutex_lock(&mutex)
        body()
        pthread_mutex_unlock(&mutex)
    }
}

extension SimulationOptions {
    /// A night of an accuracy study: one per seed, mains alternating 50/60 Hz with the seed's parity.
    static func studyNight(seed: UInt64, hours: Double, emgRateHz: Int, crampsPerHour: Double,
                           movingCases: Bool = false) -> SimulationOptions {
        var o = SimulationOptions()
        o.seed = seed
        o.hours = hours
        o.emgRateHz = emgRateHz
        o.mainsHz = seed % 2 == 0 ? 50 : 60
        o.crampsPerHour = crampsPerHour
        o.movingCases = movingCases
        return o
    }
}
