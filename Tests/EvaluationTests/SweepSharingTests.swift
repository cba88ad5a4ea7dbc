import Foundation
import SignalCore
import TestSupport
import Testing

@testable import Evaluation
import Ingest
import NightAnalysis

/// Threshold sweeps share one pass of the state machines between configurations that differ only in
/// classification settings. These tests hold that sharing to the events of independent full passes.
@Suite(.temporaryFolder) struct SweepSharingTests {
    @Test func stageTableNamesEverySettingOnce() {
        let documented = DetectorConfiguration.documentation.map(\.name)
        #expect(Set(DetectorConfiguration.stages.keys) == Set(documented))
        #expect(DetectorConfiguration.stages.count == documented.count)
        // The filter-stage settings are exactly those that key a sweep's replays.
        let base = DetectorConfiguration()
        for name in documented {
            let changed = try! perturbed(base, name)
            #expect((Sweep.filterKey(changed) != Sweep.filterKey(base))
                    == (DetectorConfiguration.stages[name] == .features),
                    "\(name)")
        }
    }

    @Test func stateMachineKeyIgnoresExactlyTheClassificationSettings() throws {
        let base = DetectorConfiguration()
        for (name, stage) in DetectorConfiguration.stages {
            let changed = try perturbed(base, name)
            #expect(changed != base, "\(name) did not change")
            let shared = changed.stateMachineKey == base.stateMachineKey
            #expect(shared == (stage == .classification || stage == .format), "\(name) (\(stage))")
        }
    }

    /// Configurations over classification settings (one shared pass) and over state-machine settings
    /// (a pass each), mixed in one call, against one full `detect` per configuration.
    @Test(arguments: ["night-a", "night-b-faulty", "night-c-60hz"])
    func sharedPassesGiveTheEventsOfIndependentFullRuns(night: String) throws {
        let result = try Replayer(recordTicks: true).replay(path: Repository.night(night))
        let log = try #require(result.tickLog)
        let base = result.configuration
        var configurations: [DetectorConfiguration] = [base]
        for (name, values) in [("crampMinSeconds", [6.0, 14, 24]), ("crampMinMeanAboveRestMicrovolts", [8.0, 22]),
                               ("crampAfterSeconds", [0.0, 0.015, 45, 400, 1e300]),
                               ("legMovementMinSeconds", [2.0]), ("legMovementMaxSeconds", [4.0, 30]),
                               ("reportMuscleActivity", [1.0]),
                               ("artifactMinSeconds", [0.0, 3]), ("wakeMinSeconds", [15.0, 200]),
                               // State-machine settings: each needs its own pass.
                               ("movementThresholdG", [0.05]), ("legMovementOnsetAboveRestMicrovolts",
                                                                [12.0]), ("artifactHoldSeconds", [3.0])] {
            for v in values { configurations.append(try Sweep.apply([name: v], to: base)) }
        }
        // A grid over a classification and a state-machine setting together.
        for grid in try Sweep.grid([Sweep.Axis(name: "crampMinSeconds", values: [8, 16]),
                                    Sweep.Axis(name: "baselinePercentile", values: [0.1, 0.3])], base: base) {
            configurations.append(grid.configuration)
        }
        let shared = log.detect(with: configurations)
        var distinct: [[DetectedEvent]] = []
        for (c, events) in zip(configurations, shared) {
            let full = log.detect(with: c)
            #expect(events == full, "\(night): \(ConfigurationIdentity.canonicalJSON(c))")
            if !distinct.contains(full) { distinct.append(full) }
        }
        // The settings do change the results (otherwise the comparison would prove nothing).
        #expect(distinct.count >= configurations.count / 2, "\(distinct.count) distinct results")
        #expect(shared[0] == result.events)
        // Cramps carry the movement after them, which depends on crampAfterSeconds.
        let after = { (events: [DetectedEvent]) in events.filter { $0.kind == .cramp }.map(\.accelActivityAfterG) }
        let afterIndex = try #require(configurations.firstIndex { $0.crampAfterSeconds == 400 })
        #expect(after(shared[afterIndex]) != after(shared[0]))
    }

    /// A long gap restarts the state machines; the log's pass must number ticks and restart as the replay did.
    @Test func aLongGapReplaysFromTheLogToTheReplaysEvents() throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Repository.night("night-a"))))
        // Cut out whole frames (between 0x00 delimiters): about a tenth of the night, in two places.
        func delimiter(after i: Int) -> Int { var k = i; while bytes[k] != 0 { k += 1 }; return k + 1 }
        let a0 = delimiter(after: bytes.count / 5), a1 = delimiter(after: bytes.count / 5 + bytes.count / 20)
        let b0 = delimiter(after: bytes.count * 3 / 5), b1 = delimiter(after: bytes.count * 3 / 5 + bytes.count / 20)
        let cut = Array(bytes[0..<a0]) + Array(bytes[a1..<b0]) + Array(bytes[b1...])
        let path = TemporaryFolder.path("gaps.cwcap")
        try Data(cut).write(to: URL(fileURLWithPath: path))
        let result = try Replayer(recordTicks: true).replay(path: path)
        let log = try #require(result.tickLog)
        #expect(log.restarts.count == 2)
        #expect(log.restarts.allSatisfy { $0.resumeTick - $0.endTick > 1000 })
        #expect(log.detect(with: result.configuration) == result.events)
        let strict = try Sweep.apply(["crampMinSeconds": 20], to: result.configuration)
        #expect(log.detect(with: [result.configuration, strict]) == [result.events, log.detect(with: strict)])
        #expect(result.events.contains { $0.onsetSeconds > Double(log.restarts[1].resumeTick) * log.tickSeconds })
    }

    /// `base` with setting `name` changed to another valid value, through the configuration's JSON form.
    func perturbed(_ base: DetectorConfiguration, _ name: String) throws -> DetectorConfiguration {
        var object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(base)) as! [String: Any]
        switch object[name] {
        case let b as Bool where name == "notchEnabled" || name == "reportMuscleActivity": object[name] = !b
        case let s as String: object[name] = s == "rms" ? "tkeo" : "rms"
        case let n as NSNumber:
            let v = n.doubleValue
            switch name {
            case "version": object[name] = 0
            case "mainsHz": object[name] = 60
            case "baselinePercentile": object[name] = 0.3
            case "legMovementOffsetAboveRestMicrovolts": object[name] = 3
            case "filterOrder", "notchHarmonics", "baselineWindowSeconds": object[name] = Int(v) + 1
            default: object[name] = v == 0 ? 1 : v * 1.5
            }
        default: Issue.record("\(name): unexpected JSON value")
        }
        return try JSONDecoder().decode(DetectorConfiguration.self,
                                        from: JSONSerialization.data(withJSONObject: object))
    }
}
