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

    /// Generates `set`'s 20 nights (seed 2016, 1 h each) and returns their folders. With
    /// CRAMPWATCH_INDEPENDENT_NIGHTS naming a folder generate.py already filled, its nights are used instead.
    static func nights(set: String) async throws -> [String] {
        var out = TemporaryFolder.path("nights")
        if let given = ProcessInfo.processInfo.environment["CRAMPWATCH_INDEPENDENT_NIGHTS"] {
            out = given
        } else {
            // The generator's own requirements (numpy, pyedflib) missing is a failure with its message, not a skip:
            // setup installs them.
            let generated = try await Python.run([generator, out, "--sets", set])
            try #require(generated.status == 0, "generate.py: \(generated.stderr)")
        }
        return (0..<20).map { String(format: "%@/%@/night-%02d", out, set, $0) }
    }

    /// Scores the detector on each night. `stages`: sleep from the lab's hypnogram the EDF+ files carry (as `replay`
    /// does by default); false reads it from the leg accelerometer alone, as at home.
    static func score(_ folders: [String], stages: Bool = true) throws -> WASMStudyResult {
        var scores: [WASMNightScore] = []
        var replayer = Replayer()
        replayer.recordingOptions.useScoredStages = stages
        for folder in folders {
            let result = try replayer.replay(path: folder + "/night.edf")
            scores.append(WASMNightScore(reference: try reference(folder: folder), detected: result.events,
                                         summary: result.summary))
        }
        return WASMStudyResult(nights: scores)
    }

    @Test(.enabled(if: pythonReady, "needs python3"))
    func legWornNightsMeetIssue21() async throws {
        let folders = try await Self.nights(set: "leg-worn")
        let r = try Self.score(folders)
        for line in r.lines { print("WASM study (independent, leg-worn): \(line)") }
        #expect(r.nights.count == 20)
        #expect(r.legMovements.f1 >= 0.95, "leg-movement F1 \(r.legMovements.f1)")
        // With the lab's stages the files carry (replay's default), the PLMS index is per hour of scored sleep.
        #expect(r.plmsWithin(2) >= 0.9, "PLMS index within 2/h on \(r.plmsWithin(2)) of nights")
        // Not met (measured: interruptions 48 of 60, 1 false, 0.27 false per hour of series). Of the 60 labelled
        // interruptions 16 are getting up and walking and 35 the wake a cramp causes: all found but 3 cramps of
        // 31-56 s the leg lay still after, which the truth's 30-s epochs score as two W epochs and our 60-s minimum
        // does not. 9 are 1-4 min awake in bed after turning over: quiet wake that no leg accelerometer shows. The
        // false one chains a bilateral movement, an arousal movement and a turn. Reported, not fitted.
        withKnownIssue("sleep/wake from leg activity: quiet wake in bed unseen") {
            #expect(r.interruptions.f1 >= 0.95, "interruption F1 \(r.interruptions.f1)")
            #expect(r.falseInterruptionsPerSeriesHour <= 0.1)
        }
        WASMAccuracyTests.expectCrampTargets(r)

        // The same nights as a leg-worn device at home sees them, without the lab's stages: the PLMS index divides
        // by the sleep the accelerometer finds, which keeps the 6-12 min the sleeper lies still and awake before
        // sleep onset (a leg shows no difference). Measured: within 2/h on 15 % of nights.
        let own = try Self.score(folders, stages: false)
        for line in own.lines { print("WASM study (independent, leg-worn, accelerometer only): \(line)") }
        #expect(own.legMovements.f1 == r.legMovements.f1, "the stages change no event")
        withKnownIssue("quiet wake before sleep onset is sleep to a leg accelerometer") {
            #expect(own.plmsWithin(2) >= 0.9, "PLMS index within 2/h on \(own.plmsWithin(2)) of nights")
        }
    }

    /// The sleep-lab layout (leg EMG among PSG channels at 200–512 Hz in V, mV or µV, no accelerometer): leg
    /// movements and cramps meet issue 21's targets. The PLMS index is per hour of the lab's scored sleep. Sleep
    /// interruptions are what Crampwatch detects from a leg accelerometer; these nights have none, so they are not
    /// measured (`validate` says so and leaves their labels out): a known issue, not a figure.
    @Test(.enabled(if: pythonReady, "needs python3"))
    func sleepLabNightsMeetIssue21WhereLegEMGCan() async throws {
        let r = try Self.score(try await Self.nights(set: "sleep-lab"))
        for line in r.lines { print("WASM study (independent, sleep-lab): \(line)") }
        #expect(r.nights.count == 20)
        #expect(r.legMovements.f1 >= 0.95, "leg-movement F1 \(r.legMovements.f1)")
        WASMAccuracyTests.expectCrampTargets(r)
        withKnownIssue("no accelerometer: sleep interruptions not detected") {
            #expect(r.interruptions.f1 >= 0.95, "interruption F1 \(r.interruptions.f1)")
        }
        // Per hour of the lab's scored sleep (measured 95 %; 85 % before a leg movement's 0.5 s was measured
        // without the envelope's trailing window, when REM twitches of 0.2-0.3 s joined series on 2 nights).
        #expect(r.plmsWithin(2) >= 0.9, "PLMS index within 2/h on \(r.plmsWithin(2)) of nights")
    }
}
