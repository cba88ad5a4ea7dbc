import Evaluation
import Foundation
import Ingest
import SignalCore
import Studies
import TestSupport
import Testing

/// Issue 21's figures on the independent test nights (Tests/IndependentNights, written from the WASM 2016 and AASM
/// texts by someone who did not read the detector), generated into a temporary folder: the detector's defaults,
/// never tuned on them. Needs Python 3 with numpy and pyedflib (the generator's own requirements).
@Suite(.tags(.slow), .temporaryFolder) struct IndependentNightsTests {
    static let generator = Repository.tests.appendingPathComponent("IndependentNights/generate.py").path

    static var pythonReady: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") }

    /// One night's reference: labels.csv, and from truth.json the PLMS index and the cramps that began with leg
    /// motion.
    static func reference(folder: String) throws -> NightReference {
        let csv = try String(contentsOfFile: folder + "/labels.csv", encoding: .utf8)
        var intervals: [EventKind: [Interval]] = [:]
        for line in csv.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",")
            guard f.count >= 3, let kind = EventKind(rawValue: String(f[0])),
                  let a = Double(f[1]), let b = Double(f[2]) else { continue }
            intervals[kind, default: []].append(Interval(a, b))
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/truth.json"))
        let truth = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let plm = try #require(truth["plm"] as? [String: Any])
        let cramps = try #require((truth["cramps"] as? [String: Any])?["list"] as? [[String: Any]])
        let moving = cramps.filter { $0["began_with_leg_motion"] as? Bool == true }.compactMap { c -> Interval? in
            guard let a = c["onset_s"] as? Double, let b = c["offset_s"] as? Double else { return nil }
            return Interval(a, b)
        }
        return NightReference(durationSeconds: try #require(truth["duration_s"] as? Double), intervals: intervals,
                              movementOnsetCramps: moving, plmsIndex: plm["plms_index_per_h"] as? Double)
    }

    /// Generates `set`'s 20 nights (seed 2016, 1 h each) and scores the detector on each. With
    /// CRAMPWATCH_INDEPENDENT_NIGHTS naming a folder generate.py already filled, its nights are used instead.
    static func score(set: String) async throws -> WASMStudyResult {
        var out = TemporaryFolder.path("nights")
        if let given = ProcessInfo.processInfo.environment["CRAMPWATCH_INDEPENDENT_NIGHTS"] {
            out = given
        } else {
            // The generator's own requirements (numpy, pyedflib) missing is a failure with its message, not a skip:
            // setup installs them.
            let generated = try await Python.run([generator, out, "--sets", set])
            try #require(generated.status == 0, "generate.py: \(generated.stderr)")
        }
        let folders = (0..<20).map { String(format: "%@/%@/night-%02d", out, set, $0) }
        var scores: [WASMNightScore] = []
        for folder in folders {
            let result = try Replayer().replay(path: folder + "/night.edf")
            scores.append(WASMNightScore(reference: try reference(folder: folder), detected: result.events,
                                         summary: result.summary))
        }
        return WASMStudyResult(nights: scores)
    }

    @Test(.enabled(if: pythonReady, "needs python3"))
    func legWornNightsMeetIssue21() async throws {
        let r = try await Self.score(set: "leg-worn")
        for line in r.lines { print("WASM study (independent, leg-worn): \(line)") }
        #expect(r.nights.count == 20)
        #expect(r.legMovements.f1 >= 0.95, "leg-movement F1 \(r.legMovements.f1)")
        // Not met (measured 10 % of nights, F1 0.32, 6.7 false per hour of series): these nights' periodic
        // movements swing the leg ~0.2 g (median at onset), above the 0.1 g of wakeLegMovementMaxG chosen on our
        // simulator (0.02-0.1 g), and their wake is scored from stages, quiet wake included. Reported, not fitted.
        withKnownIssue("sleep/wake from leg activity: periodic series still read as wake on these nights") {
            #expect(r.plmsWithin(2) >= 0.9, "PLMS index within 2/h on \(r.plmsWithin(2)) of nights")
            #expect(r.interruptions.f1 >= 0.95, "interruption F1 \(r.interruptions.f1)")
            #expect(r.falseInterruptionsPerSeriesHour <= 0.1)
        }
        WASMAccuracyTests.expectCrampTargets(r)
    }

    /// The sleep-lab layout (leg EMG among PSG channels at 200–512 Hz, no accelerometer): measured leg-movement F1
    /// 0.94 (116 false) and cramp F1 0.76 (17 false), cause not yet known; printed, and a known issue.
    @Test(.enabled(if: pythonReady, "needs python3"))
    func sleepLabNightsAreScored() async throws {
        let r = try await Self.score(set: "sleep-lab")
        for line in r.lines { print("WASM study (independent, sleep-lab): \(line)") }
        #expect(r.nights.count == 20)
        withKnownIssue("sleep-lab nights: extra leg movements and cramps, cause not yet known",
                       isIntermittent: true) {
            #expect(r.legMovements.f1 >= 0.95, "leg-movement F1 \(r.legMovements.f1)")
            #expect(r.cramps.f1 >= 0.95, "cramp F1 \(r.cramps.f1)")
        }
    }
}
