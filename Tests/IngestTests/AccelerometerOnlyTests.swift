import DeviceProtocol
import Evaluation
import Foundation
import NightSimulator
import Recordings
import SignalCore
import TestSupport
import Testing

@testable import Ingest
import CrampwatchJSON
import Exports
@testable import NightAnalysis
import Sessions

/// Devices without EMG (an accelerometer only): the same sleeper's night, simulated with and without EMG from
/// one seed, must give the same sleep events, and the accelerometer-only night must say that cramps and leg
/// movements were not measured.
@Suite(.tags(.slow), .temporaryFolder) struct AccelerometerOnlyTests {
    struct Night {
        var result: NightResult
        var labels: [Label]
        var report: SimulationReport
        var captureBytes: Int
    }

    /// Simulates and replays one night in memory (the capture path), optionally feeding the bytes in `chunk`-byte
    /// pieces.
    static func night(seed: UInt64, emgChannels: Int, hours: Double, cramps: Int? = nil, crampsPerHour: Double = 0.3,
                      drop: Double = 0, corrupt: Double = 0, chunk: Int? = nil) throws -> Night {
        var o = SimulationOptions()
        o.seed = seed
        o.hours = hours
        o.emgRateHz = 1000
        o.mainsHz = seed % 2 == 0 ? 50 : 60
        o.emgChannels = emgChannels
        o.cramps = cramps
        o.crampsPerHour = crampsPerHour
        o.dropProbability = drop
        o.corruptProbability = corrupt
        let simulator = try NightSimulator(options: o)
        let run = CaptureRun(path: "simulated night \(seed)", configuration: DetectorConfiguration())
        var bytes = 0
        let report = try simulator.run { data in
            bytes += data.count
            try data.withUnsafeBytes { p in
                guard let chunk else { return try run.feed(p) }
                var i = 0
                while i < p.count {
                    try run.feed(UnsafeRawBufferPointer(rebasing: p[i..<min(p.count, i + chunk)]))
                    i += chunk
                }
            }
        }
        return Night(result: try run.finish(sizeBytes: UInt64(bytes)), labels: report.labels, report: report,
                     captureBytes: bytes)
    }

    final class Results: @unchecked Sendable {
        let lock = NSLock()
        var pairs: [(Night, Night?)?]
        var failure: String?
        init(count: Int) { pairs = Array(repeating: nil, count: count) }
    }

    static func intervals(_ events: [DetectedEvent], _ kind: EventKind) -> [Interval] {
        events.filter { $0.kind == kind }.map { Interval($0.onsetSeconds, $0.offsetSeconds) }
    }

    /// Runs `body` for every seed on all cores.
    static func perSeed(_ seeds: [UInt64],
                        _ body: @escaping @Sendable (UInt64) throws -> (Night, Night?)) throws -> [(Night, Night?)] {
        let box = Results(count: seeds.count)
        DispatchQueue.concurrentPerform(iterations: seeds.count) { i in
            do {
                let r = try body(seeds[i])
                box.lock.lock(); box.pairs[i] = r; box.lock.unlock()
            } catch {
                box.lock.lock(); box.failure = "seed \(seeds[i]): \(error)"; box.lock.unlock()
            }
        }
        if let failure = box.failure { throw StudyFailure(description: failure) }
        return box.pairs.map { $0! }
    }

    struct StudyFailure: Error, CustomStringConvertible { let description: String }

    /// 12 half-hour accelerometer-only nights (seeds never used for tuning), scored against the simulator's truth.
    @Test func sleepInterruptionsMatchTheTruth() throws {
        let nights = try Self.perSeed((0..<12).map { UInt64(6000 + $0) }) { seed in
            (try Self.night(seed: seed, emgChannels: 0, hours: 0.5, crampsPerHour: 4), nil)
        }
        var pooled = MatchResult(pairs: [], referenceCount: 0, detectionCount: 0)
        for (accel, _) in nights {
            #expect(accel.result.deviceInfo.emgChannels == 0 && accel.result.deviceInfo.accelAxes == 3
                    && accel.result.deviceInfo.accelRateHz == 100)
            #expect(accel.result.events.allSatisfy { $0.kind == .sleepInterruption },
                    "\(accel.result.events.filter { $0.kind != .sleepInterruption })")
            #expect(accel.labels.allSatisfy { NightSimulator.visibleWithoutEMG($0.kind) })
            let reference = accel.labels.filter { $0.kind == .sleepInterruption }
                               .map { Interval($0.onsetSeconds, $0.offsetSeconds) }
            let m = EventMatcher.match(reference: reference,
                                       detected: Self.intervals(accel.result.events, .sleepInterruption))
            pooled.pairs += m.pairs
            pooled.referenceCount += m.referenceCount
            pooled.detectionCount += m.detectionCount
        }
        print("accelerometer-only sleep interruptions over 12 half-hour nights (seeds 6000-6011): "
              + "\(pooled.referenceCount) labelled, "
              + "\(pooled.detectionCount) detected, \(pooled.truePositives) matched, F1 \(pooled.f1)")
        #expect(pooled.referenceCount >= 20, "\(pooled.referenceCount) labelled sleep interruptions")
        #expect(pooled.f1 >= 0.9,
                Comment(rawValue: "accelerometer-only sleep-interruption F1 \(pooled.f1): "
                        + "\(pooled.falseNegatives) missed, \(pooled.falsePositives) false"))
    }

    /// The same sleeper with and without EMG (same seed). The sleep period is the same (identical z-angle epochs).
    /// The wake differs in two known ways. With EMG, the motion of a leg movement is known as such and does not make
    /// wake on its own (issue 21: periodic leg movements are not wake); without EMG it cannot be told apart. And with
    /// EMG a cramp is seen, and the sleeper is awake from its onset, while without EMG the wake begins with the
    /// first movement during or after it. So every interruption found with EMG lies inside one found without, except
    /// that one a cramp begins starts at that cramp's onset, before the movement the accelerometer alone sees.
    @Test func withoutEMGTheSameSleepPeriodAndAtLeastTheSameWake() throws {
        let seeds = (0..<4).map { UInt64(6000 + $0) }
        let pairs = try Self.perSeed(seeds) { seed in
            (try Self.night(seed: seed, emgChannels: 2, hours: 0.25, cramps: 2),
             try Self.night(seed: seed, emgChannels: 0, hours: 0.25, cramps: 2))
        }
        var compared = 0
        for (seed, (emg, accelOrNil)) in zip(seeds, pairs) {
            let accel = try #require(accelOrNil)
            let a = accel.result, e = emg.result
            #expect(accel.captureBytes * 3 < emg.captureBytes, "\(accel.captureBytes) vs \(emg.captureBytes) bytes")
            #expect(accel.labels == emg.labels.filter { NightSimulator.visibleWithoutEMG($0.kind) },
                    "seed \(seed): the sleeper's night differs")
            #expect(e.events.contains { $0.kind == .cramp }, "seed \(seed): the night with EMG should have cramps")
            #expect(a.events.allSatisfy { $0.kind == .sleepInterruption })
            let cramps = e.events.filter { $0.kind == .cramp }
            for wake in e.events where wake.kind == .sleepInterruption {
                // Begun by a cramp: from its onset; the accelerometer's own wake begins within the cramp.
                let cramp = cramps.first { abs($0.onsetSeconds - wake.onsetSeconds) < 1e-6 }
                let latestOnset = cramp?.offsetSeconds ?? wake.onsetSeconds
                let inside = a.events.contains {
                    $0.onsetSeconds <= latestOnset && $0.offsetSeconds >= wake.offsetSeconds
                }
                let without = a.events.map { "\($0.onsetSeconds)-\($0.offsetSeconds)" }
                #expect(inside,
                        "seed \(seed): wake \(wake.onsetSeconds)-\(wake.offsetSeconds) s with EMG, \(without) without")
                compared += 1
            }
            #expect(a.durationSeconds == e.durationSeconds)
            #expect(a.zAngleEpochs == e.zAngleEpochs && a.zAngleEpochs.count == 180)
            #expect(a.traceActivity == e.traceActivity && a.traceActivity.count == 900)
            #expect(a.traceEnvelope.count == 900 && a.traceEnvelope.allSatisfy(\.isNaN))
            let sa = a.summary, se = e.summary
            #expect(sa.sleepWindowOnsetSeconds == se.sleepWindowOnsetSeconds
                    && sa.sleepWindowOffsetSeconds == se.sleepWindowOffsetSeconds
                    && sa.sleepWindowDetected == se.sleepWindowDetected)
            // More wake with EMG only by the cramps' time before the movement the accelerometer sees.
            let crampSeconds = cramps.reduce(0) { $0 + $1.durationSeconds }
            #expect(se.wakeSeconds <= sa.wakeSeconds + crampSeconds && se.wakeSeconds > 0,
                    Comment(rawValue: "seed \(seed): wake \(se.wakeSeconds) s with EMG, \(sa.wakeSeconds) s without, "
                            + "cramps \(crampSeconds) s"))
            #expect(!sa.emgMeasured && se.emgMeasured)
        }
        #expect(compared >= 4, "\(compared) sleep interruptions compared")
    }

    /// A two-hour night, long enough for the sleep period to be found from the accelerometer alone. (That it is the
    /// same period as with EMG follows from the identical z-angle epochs checked above: it is a function of them.)
    @Test func theSleepPeriodIsFoundWithoutEMG() throws {
        let accel = try Self.night(seed: 7, emgChannels: 0, hours: 2)
        let s = accel.result.summary
        let wakes = accel.result.events.filter { $0.kind == .sleepInterruption }
        #expect(s.sleepWindowDetected && s.sleepWindowOffsetSeconds - s.sleepWindowOnsetSeconds >= 3600, "\(s)")
        #expect(s.awakenings == 3 && wakes.count == 3)
        let inside = wakes.reduce(0.0) { $0 + max(0, min($1.offsetSeconds, s.sleepWindowOffsetSeconds)
                                                     - max($1.onsetSeconds, s.sleepWindowOnsetSeconds)) }
        #expect(abs(s.wasoSeconds - inside) < 1e-9
                && abs(s.totalSleepSeconds - (s.sleepWindowOffsetSeconds - s.sleepWindowOnsetSeconds - inside)) < 1e-9)
        #expect(s.sleepEfficiency == (s.totalSleepSeconds / 7200).withoutBinaryNoise)
        let truth = accel.labels.filter { $0.kind == .sleepInterruption }
                       .map { Interval($0.onsetSeconds, $0.offsetSeconds) }
        #expect(EventMatcher.match(reference: truth, detected: Self.intervals(wakes, .sleepInterruption)).f1 == 1)
    }

    @Test func theJSONSaysNotMeasuredInsteadOfZero() throws {
        let accel = try Self.night(seed: 11, emgChannels: 0, hours: 0.2, cramps: 3)
        let json = NightJSON(result: accel.result, nightID: nil, journalPath: nil)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let object = try #require(try JSONSerialization.jsonObject(with: encoder.encode(json)) as? [String: Any])
        let summary = try #require(object["summary"] as? [String: Any])
        for key in ["cramps", "cramp_s", "longest_cramp_s", "cramps_that_woke", "leg_movements",
                    "periodic_leg_movements", "plm_index_per_h", "artifacts", "artifact_s"] {
            #expect(summary[key] is NSNull, "\(key): \(String(describing: summary[key]))")
        }
        #expect(summary["emg_measured"] as? Bool == false)
        #expect(summary["note"] as? String == "no EMG: cramps and leg movements were not measured")
        #expect(summary["not_measured"] as? [String] == ["cramps", "leg_movements", "artifacts"])
        #expect(summary["sleep_interruptions"] as? Int == 3 && summary["awakenings"] as? Int == 3)
        let device = try #require(object["device"] as? [String: Any])
        #expect(device["emg_channels"] as? Int == 0 && device["emg_rate_hz"] as? Int == 0
                && device["serial"] as? String == "SIMA-11")
        // Read back (e.g. by another tool written against NightSummary): the flag survives, the unknown counts read as
        // 0.
        let back = try JSONDecoder().decode(NightSummary.self, from: JSONSerialization.data(withJSONObject: summary))
        #expect(!back.emgMeasured && back.sleepInterruptions == 3
                && back.totalSleepSeconds == accel.result.summary.totalSleepSeconds)
        // A night with EMG is unchanged: numbers, no note.
        let emg = try Self.night(seed: 11, emgChannels: 2, hours: 0.2, cramps: 3)
        let emgSummary = try #require(try JSONSerialization.jsonObject(with: encoder.encode(emg.result.summary))
                                      as? [String: Any])
        #expect(emgSummary["cramps"] as? Int == 3 && emgSummary["emg_measured"] as? Bool == true
                && emgSummary["note"] == nil)
    }

    @Test func eventsDoNotDependOnHowTheBytesArrive() throws {
        let whole = try Self.night(seed: 21, emgChannels: 0, hours: 0.2, cramps: 2)
        #expect(whole.result.events.count >= 2)
        for chunk in [7, 513] {
            let pieces = try Self.night(seed: 21, emgChannels: 0, hours: 0.2, cramps: 2, chunk: chunk)
            #expect(pieces.result.events == whole.result.events, "chunks of \(chunk) bytes")
            #expect(pieces.result.zAngleEpochs == whole.result.zAngleEpochs
                    && pieces.result.traceActivity == whole.result.traceActivity)
        }
    }

    @Test func lostAndDamagedFramesAreExactGapsAndTheNightStillScores() throws {
        let faulty = try Self.night(seed: 31, emgChannels: 0, hours: 0.3, crampsPerHour: 6, drop: 0.01, corrupt: 0.005)
        let clean = try Self.night(seed: 31, emgChannels: 0, hours: 0.3, crampsPerHour: 6)
        let r = faulty.result
        let lost = faulty.report.droppedSequences.count + faulty.report.corruptedSequences.count
        #expect(lost >= 10)
        #expect(r.stats.framesLost == lost, "\(r.stats.framesLost) frames counted lost, \(lost) dropped or corrupted")
        #expect(r.gaps.reduce(0) { $0 + $1.framesLost } == lost)
        // Lost sample blocks are gaps of exactly their samples (a quarter second each at 100 Hz).
        #expect(r.gaps.filter { $0.emgSamplesLost > 0 }.allSatisfy {
            $0.emgSamplesLost % 25 == 0
            && abs($0.offsetSeconds - $0.onsetSeconds - Double($0.emgSamplesLost) / 100) < 1e-9
        })
        #expect(abs(r.durationSeconds - clean.result.durationSeconds) < 1e-9)
        // Short gaps are bridged: the same awakenings as the clean night, within a second.
        #expect(r.events.count == clean.result.events.count)
        for (x, y) in zip(r.events, clean.result.events) {
            #expect(x.kind == y.kind && abs(x.onsetSeconds - y.onsetSeconds) <= 1
                    && abs(x.offsetSeconds - y.offsetSeconds) <= 1, "\(x) vs \(y)")
        }
    }

    /// The accelerometer-only night written as CSV, EDF+ and BDF+ replays to the capture's events.
    @Test func csvAndEDFWithOnlyAnAccelerometerReplayToTheSameEvents() throws {
        var o = SimulationOptions()
        o.seed = 11
        o.hours = 0.2
        o.emgRateHz = 1000
        o.emgChannels = 0
        o.cramps = 3
        let dir = try TemporaryFolder.make("accel")
        let capture = dir.appendingPathComponent("night.cwcap").path
        FileManager.default.createFile(atPath: capture, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: capture))
        _ = try NightSimulator(options: o).run { handle.write(Data($0)) }
        try handle.close()
        let csv = dir.appendingPathComponent("signals.csv").path, edf = dir.appendingPathComponent("night.edf").path
        let bdf = dir.appendingPathComponent("night.bdf").path, json = dir.appendingPathComponent("signals.json").path
        var replayer = Replayer()
        replayer.observers = [SignalCSVWriter(path: csv), SignalJSONWriter(path: json),
                                         EDFNightWriter(path: edf, bdf: false,
                                                        start: EDFStartTime(unixSeconds: 1_764_025_800)),
                                         EDFNightWriter(path: bdf, bdf: true,
                                                        start: EDFStartTime(unixSeconds: 1_764_025_800))]
        let fromCapture = try replayer.replay(path: capture)
        #expect(fromCapture.events.count == 3 && fromCapture.events.allSatisfy { $0.kind == .sleepInterruption })
        let header = try String(contentsOfFile: csv, encoding: .utf8).prefix { $0 != "\n" }
        #expect(header == "time_s,accel_x_g,accel_y_g,accel_z_g")
        for path in [csv, edf, bdf] {
            let r = try Replayer().replay(path: path)
            #expect(r.deviceInfo.emgChannels == 0 && r.deviceInfo.accelRateHz == 100, "\(path)")
            #expect(r.deviceInfo.serial.hasSuffix("-ACCEL"), "\(r.deviceInfo.serial)")
            #expect(!r.summary.emgMeasured)
            #expect(abs(r.durationSeconds - fromCapture.durationSeconds) < 1e-9, "\(path): \(r.durationSeconds) s")
            #expect(r.zAngleEpochs.count == fromCapture.zAngleEpochs.count)
            #expect(r.events.count == fromCapture.events.count, "\(path): \(r.events.count) events")
            for (x, y) in zip(r.events, fromCapture.events) {
                // Values go through 16-bit EDF / decimal CSV: the same seconds, within a tick.
                #expect(x.kind == y.kind && abs(x.onsetSeconds - y.onsetSeconds) <= 0.011
                        && abs(x.offsetSeconds - y.offsetSeconds) <= 0.011, "\(path): \(x) vs \(y)")
            }
            #expect(r.summary.totalSleepSeconds == fromCapture.summary.totalSleepSeconds
                    || abs(r.summary.totalSleepSeconds - fromCapture.summary.totalSleepSeconds) <= 1)
        }
        // The JSON export: three accelerometer channels, no EMG.
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json)))
                                  as? [String: Any])
        let channels = try #require(object["channels"] as? [[String: Any]])
        #expect(channels.map { $0["name"] as? String ?? "" } == ["accel_x", "accel_y", "accel_z"])
        #expect(channels.allSatisfy { ($0["samples"] as? [Double])?.count == 72_000 && $0["rate_hz"] as? Int == 100 })
    }

    @Test func aRecordingWithNeitherEMGNorAnAccelerometerIsOneClearError() throws {
        let labels = ["EEG Fpz-Cz", "EMG submental", "Resp"], dims = ["uV", "uV", "uV"]
        do {
            _ = try ChannelSelector.choose(labels: labels, dimensions: dims, ratesHz: [100, 100, 10], path: "psg.edf",
                                           emgRequested: nil, accelRequested: nil)
            Issue.record("accepted a recording without leg EMG or accelerometer")
        } catch {
            #expect("\(error)".contains("no leg EMG channel found") && "\(error)".contains("no accelerometer either")
                    && "\(error)".contains("psg.edf"), "\(error)")
        }
        // Accelerometer only, found by default (with a note) or asked for with --emg-channel none.
        let withAccel = ["EEG Fpz-Cz", "EMG submental", "Acc X", "Acc Y",
                         "Acc Z"], accelDims = ["uV", "uV", "g", "g", "g"]
        let c = try ChannelSelector.choose(labels: withAccel, dimensions: accelDims, ratesHz: [100, 100, 50, 50, 50],
                                           path: "x.edf", emgRequested: nil, accelRequested: nil)
        #expect(c.emg.isEmpty && c.accel == [2, 3, 4])
        #expect(c.notes.contains { $0.contains("accelerometer only") && $0.contains("\"EMG submental\"") },
                "\(c.notes)")
        let legs = ["EMG LAT", "Acc X", "Acc Y", "Acc Z"], legDims = ["uV", "g", "g", "g"]
        let none = try ChannelSelector.choose(labels: legs, dimensions: legDims, ratesHz: [500, 50, 50, 50],
                                              path: "x.edf", emgRequested: ["none"], accelRequested: nil)
        #expect(none.emg.isEmpty && none.accel == [1, 2, 3])
        #expect(throws: RecordingError.self) {
            try ChannelSelector.choose(labels: legs, dimensions: legDims, ratesHz: [500, 50, 50, 50], path: "x.edf",
                                       emgRequested: ["none"], accelRequested: [])
        }
    }
}
