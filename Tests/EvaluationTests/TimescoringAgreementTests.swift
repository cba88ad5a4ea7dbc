import Foundation
import TestSupport
import Testing

@testable import Evaluation

/// Our event scoring against the `timescoring` package itself, on the same random event lists,
/// for several tolerance settings (the package runs in a child python3 process).
@Suite(.tags(.python)) struct TimescoringAgreementTests {
    struct Case: Encodable {
        var reference: [[Double]]
        var detected: [[Double]]
        var duration: Double
        var toleranceStart: Double
        var toleranceEnd: Double
        var minOverlap: Double
        var maxEventDuration: Double
        var minDurationBetweenEvents: Double
    }

    struct Scored: Decodable {
        var tp: Int
        var fp: Int
        var refTrue: Int
        var sensitivity: Double?
        var precision: Double?
        var f1: Double?
    }

    func events(_ rng: inout SplitMix64, count: Int, duration: Double, longest: Double) -> [Interval] {
        var t = 0.0
        var out: [Interval] = []
        for _ in 0..<count {
            t += rng.uniform(5, duration / Double(count + 1))
            let length = rng.uniform(0.5, longest)
            if t + length >= duration - 1 { break }
            out.append(Interval((t * 10).rounded() / 10, ((t + length) * 10).rounded() / 10))
            t += length
        }
        return out
    }

    @Test func agreesWithTimescoringForSeveralTolerances() async throws {
        var rng = SplitMix64(seed: 11)
        var cases: [Case] = [], ours: [EventScore] = []
        for tolerance in [0.0, 1.0, 3.0, 10.0] {
            for minOverlap in [0.0, 0.3] {
                for _ in 0..<6 {
                    let duration = 3600.0
                    let ref = events(&rng, count: 20, duration: duration, longest: 60)
                    // Detections: most references, shifted and stretched a little, plus some strays.
                    var det = ref.filter { _ in rng.uniform(0, 1) < 0.8 }.map {
                        Interval(max(0, $0.onset + rng.uniform(-4, 4)), $0.offset + rng.uniform(-4, 4))
                    }
                        .filter { $0.offset > $0.onset }
                    det += events(&rng, count: 5, duration: duration, longest: 20)
                    det.sort { $0.onset < $1.onset }
                    let p = EventScore.Parameters(tolerance: tolerance, minOverlap: minOverlap)
                    ours.append(EventScore(reference: ref, detected: det, durationSeconds: duration, parameters: p))
                    cases.append(Case(reference: ref.map { [$0.onset, $0.offset] },
                                      detected: det.map { [$0.onset, $0.offset] }, duration: duration,
                                      toleranceStart: tolerance, toleranceEnd: tolerance, minOverlap: minOverlap,
                                      maxEventDuration: 1e9, minDurationBetweenEvents: 0))
                }
            }
        }
        let script = Repository.tests.appendingPathComponent("Python/timescoring_check.py").path
        let check = try await Python.run([script], input: try JSONEncoder().encode(["cases": cases]))
        try #require(check.status == 0, "timescoring check failed: \(check.stderr)")
        let theirs = try JSONDecoder().decode([Scored].self, from: check.output)
        #expect(theirs.count == ours.count)
        var agreeing = 0
        for (t, o) in zip(theirs, ours) {
            #expect(t.tp == o.truePositives && t.fp == o.falsePositives && t.refTrue == o.referenceCount,
                    Comment(rawValue: "timescoring tp \(t.tp) fp \(t.fp) ref \(t.refTrue); "
                            + "ours tp \(o.truePositives) fp \(o.falsePositives) ref \(o.referenceCount)"))
            if let f = t.f1 { #expect(abs(f - o.f1) < 1e-12) }
            if let s = t.sensitivity { #expect(abs(s - o.sensitivity) < 1e-12) }
            if let q = t.precision { #expect(abs(q - o.precision) < 1e-12) }
            if t.tp == o.truePositives && t.fp == o.falsePositives { agreeing += 1 }
        }
        #expect(agreeing == ours.count)
        #expect(ours.contains { $0.falsePositives > 0 } && ours.contains { $0.falseNegatives > 0 })
    }
}
