import DeviceProtocol
import Evaluation
import Foundation
import Journal
import Recordings
import SignalCore
import TestSupport
import Testing

@testable import Ingest
import CrampwatchJSON
import Exports
@testable import NightAnalysis
import Sessions

enum Samples {
    static let root = Repository.samples
    static let nights = ["night-a", "night-b-faulty", "night-c-60hz"]

    static func capture(_ night: String) -> String { Repository.night(night) }

    static func labels(_ night: String) throws -> [(kind: String, interval: Interval)] {
        let text = try String(contentsOf: root.appendingPathComponent("\(night)/labels.csv"), encoding: .utf8)
        return text.split(separator: "\n").dropFirst().map { line in
            let f = line.split(separator: ",")
            return (String(f[0]), Interval(Double(f[1])!, Double(f[2])!))
        }
    }

    struct Simulation: Decodable {
        var droppedSequences: [UInt32]
        var corruptedSequences: [UInt32]
        var framesSent: Int
    }

    static func simulation(_ night: String) throws -> Simulation {
        try JSONDecoder().decode(Simulation.self,
                                 from: Data(contentsOf: root.appendingPathComponent("\(night)/simulation.json")))
    }
}

@Suite(.temporaryFolder) struct ReplayTests {
    @Test func bundledNightsFindCrampsWithF1AtLeast90PercentAndOnsetWithin3s() throws {
        var reference: [Interval] = [], detected: [Interval] = []
        var pooled = MatchResult(pairs: [], referenceCount: 0, detectionCount: 0)
        var onsetErrors: [Double] = []
        for night in Samples.nights {
            let result = try Replayer().replay(path: Samples.capture(night))
            reference = try Samples.labels(night).filter { $0.kind == "cramp" }.map(\.interval)
            detected = result.events.filter { $0.kind == .cramp }.map { Interval($0.onsetSeconds, $0.offsetSeconds) }
            let m = EventMatcher.match(reference: reference, detected: detected)
            pooled.pairs += m.pairs
            pooled.referenceCount += m.referenceCount
            pooled.detectionCount += m.detectionCount
            onsetErrors += EventMatcher.onsetErrors(m, reference: reference, detected: detected)
            #expect(m.f1 >= 0.9,
                    Comment(rawValue: "\(night): cramp F1 \(m.f1) (\(m.truePositives) found, "
                            + "\(m.falsePositives) false, \(m.falseNegatives) missed)"))
        }
        #expect(pooled.referenceCount >= 7)
        // Motor units fire 6–25 Hz with action potentials a few ms long: surface-EMG median frequencies of 40–200 Hz.
        var movedAfter = 0, cramps = 0
        for night in Samples.nights {
            for c in try Replayer().replay(path: Samples.capture(night)).events where c.kind == .cramp {
                #expect(c.medianFrequencyHz > 40 && c.medianFrequencyHz < 200,
                        "cramp median frequency \(c.medianFrequencyHz) Hz")
                cramps += 1
                if c.accelActivityAfterG > 0.02 { movedAfter += 1 }
            }
        }
        // The simulated sleeper is awake and moving after most cramps.
        #expect(movedAfter * 2 > cramps, "\(movedAfter) of \(cramps) cramps followed by movement")
        #expect(pooled.f1 >= 0.9)
        #expect(onsetErrors.count == pooled.truePositives)
        for e in onsetErrors { #expect(abs(e) <= 3, "cramp onset off by \(e) s") }
    }

    @Test func everyDroppedOrCorruptedFrameIsAGapWithTheExactCount() throws {
        let night = "night-b-faulty"
        let sim = try Samples.simulation(night)
        #expect(sim.droppedSequences.count > 10 && sim.corruptedSequences.count > 10)
        let result = try Replayer().replay(path: Samples.capture(night))
        let lost = Set(sim.droppedSequences + sim.corruptedSequences)
        #expect(result.gaps.reduce(0) { $0 + $1.framesLost } == lost.count)
        #expect(result.stats.framesLost == lost.count)
        #expect(result.stats.frames == sim.framesSent - lost.count)
        // Each gap starts at a frame that was really lost.
        for g in result.gaps { #expect(lost.contains(g.firstLostSequence!)) }
        // Lost sample blocks leave a hole in time; lost status frames do not.
        #expect(result.gaps.contains { $0.emgSamplesLost == 32 })
        #expect(result.stats.corruptFrames >= sim.corruptedSequences.count)
    }

    @Test func cleanNightsHaveNoGaps() throws {
        let result = try Replayer().replay(path: Samples.capture("night-a"))
        #expect(result.gaps.isEmpty)
        #expect(result.stats.framesLost == 0 && result.stats.corruptFrames == 0)
        #expect(abs(result.durationSeconds - 720) < 0.01)
    }

    @Test(arguments: [1, 13, 512, 65_536])
    func replayDoesNotDependOnHowBytesArrive(chunk: Int) throws {
        let path = Samples.capture("night-c-60hz")
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let whole = try Replayer().replay(path: path)
        let run = CaptureRun(path: path, configuration: DetectorConfiguration())
        try bytes.withUnsafeBytes { all in
            var i = 0
            while i < all.count {
                let n = min(chunk, all.count - i)
                try run.feed(UnsafeRawBufferPointer(rebasing: all[i..<(i + n)]))
                i += n
            }
        }
        let pieces = try run.finish(sizeBytes: UInt64(bytes.count))
        #expect(pieces.events == whole.events)
        #expect(pieces.gaps == whole.gaps)
    }

    @Test func nightIsSavedWithEventsAndGapsInAPrivateJournal() throws {
        let path = TemporaryFolder.path("journal.sqlite")
        let journal = try Journal(path: path)
        let result = try Replayer().replay(path: Samples.capture("night-b-faulty"))
        let id = try NightStore.save(result, to: journal)
        #expect(try fileMode(path) == 0o600)
        let night = try #require(try journal.night(id: id))
        #expect(night.framesLost == result.stats.framesLost)
        #expect(abs(night.durationSeconds - result.durationSeconds) < 1e-9)
        let events = try journal.events(night: id)
        #expect(events.count == result.events.count)
        #expect(events.filter { $0.kind == "cramp" }.count == result.events.filter { $0.kind == .cramp }.count)
        #expect(try journal.gaps(night: id).count == result.gaps.count)
        #expect(try journal.configuration(id: night.detectorConfigId!)?.hash
                == ConfigurationIdentity.hash(result.configuration))
    }

    @Test func truncatedCaptureKeepsEverythingBeforeTheCut() throws {
        let source = Samples.capture("night-a")
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: source)))
        let cut = bytes.count * 3 / 4
        bytes = Array(bytes[0..<cut])
        // Cut inside a frame: make sure the last byte is not a delimiter.
        while bytes.last == 0 { bytes.removeLast() }
        let path = TemporaryFolder.path("cut.cwcap")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let result = try Replayer().replay(path: path)
        let full = try Replayer().replay(path: source)
        let truncatedAt = try #require(result.truncatedAt)
        #expect(truncatedAt < UInt64(bytes.count) && UInt64(bytes.count) - truncatedAt < 200)
        #expect(result.durationSeconds > 0.7 * full.durationSeconds)
        // Cramps that ended well before the cut are the same.
        let before = { (r: NightResult) in
            r.events.filter { $0.kind == .cramp && $0.offsetSeconds < result.durationSeconds - 30
        } }
        #expect(before(result) == before(full))
    }

    @Test(arguments: Samples.nights)
    func tickLogReplaysToTheSameEventsAndRespondsToThresholds(night: String) throws {
        let result = try Replayer(recordTicks: true).replay(path: Samples.capture(night))
        let log = try #require(result.tickLog)
        #expect(log.features.count > 50_000)
        #expect(log.detect(with: result.configuration) == result.events)
        // A longer minimum cramp duration can only remove cramps, never add them.
        var strict = result.configuration
        strict.crampMinSeconds = 20
        let fewer = log.detect(with: strict).filter { $0.kind == .cramp }
        #expect(fewer.count <= result.events.filter { $0.kind == .cramp }.count)
        #expect(fewer.allSatisfy { $0.durationSeconds >= 20 })
    }

    @Test func sha256MatchesTheStandardVector() {
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }
}
