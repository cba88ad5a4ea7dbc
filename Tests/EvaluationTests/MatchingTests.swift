import Testing

@testable import Evaluation

@Suite struct MatchingTests {
    @Test func anyOverlapOneToOne() {
        let ref = [Interval(10, 20), Interval(30, 40), Interval(100, 110)]
        let det = [Interval(15, 25), Interval(18, 19), Interval(41, 45), Interval(200, 210)]
        let strict = EventMatcher.match(reference: ref, detected: det)
        #expect(strict.truePositives == 1)
        #expect(strict.falsePositives == 3)
        #expect(strict.falseNegatives == 2)
        #expect(abs(strict.f1 - 2.0 / 7.0) < 1e-12)
        // With 2 s tolerance the detection at 41 s matches the reference ending at 40 s.
        let tolerant = EventMatcher.match(reference: ref, detected: det, toleranceSeconds: 2)
        #expect(tolerant.truePositives == 2)
        #expect(EventMatcher.onsetErrors(tolerant, reference: ref, detected: det) == [5, 11])
    }

    @Test func emptyListsAreNotFailures() {
        let r = EventMatcher.match(reference: [], detected: [])
        #expect(r.f1 == 1 && r.sensitivity == 1 && r.precision == 1)
        #expect(EventMatcher.match(reference: [Interval(0, 1)], detected: []).f1 == 0)
    }
}
