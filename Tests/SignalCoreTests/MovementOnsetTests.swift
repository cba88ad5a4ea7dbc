@testable import SignalCore
import Testing

/// Issue 21: a leg movement counts whatever the leg did at onset, and a cramp is told from voluntary work by what
/// the contraction does after its onset.
@Suite struct MovementOnsetTests {
    static let tick = 0.01

    /// An episode of `seconds` at `above` µV above rest whose leg moved at onset (0.15 g) and then in
    /// `movingShare` of the ticks after the 2-s onset allowance.
    static func episode(seconds: Double, above: Float, movingShare: Double, sustainedShare: Double = 1)
        -> TickDetector.EpisodeData {
        var d = TickDetector.EpisodeData(onsetTick: 1000)
        d.ticks = Int(seconds / tick)
        d.sumAbove = Double(above) * Double(d.ticks)
        d.peakAbove = above
        d.onsetMaxActivity = 0.15
        d.afterOnsetTicks = max(0, d.ticks - 200)
        d.movingTicks = Int(Double(d.afterOnsetTicks) * movingShare)
        d.sustainedTicks = Int(Double(d.ticks) * sustainedShare)
        return d
    }

    static func classify(_ d: TickDetector.EpisodeData) -> (legMovement: DetectedEvent?, cramp: DetectedEvent?) {
        let r = TickDetector.classify(d, endTick: d.onsetTick + d.ticks, confidenceScale: 1,
                                      configuration: DetectorConfiguration(), tickSeconds: tick,
                                      hasAccelerometer: true)
        return (r.legMovement, r.cramp)
    }

    @Test func aBurstThatMovesTheLegIsStillALegMovementWithItsOnsetMotion() throws {
        let lm = try #require(Self.classify(Self.episode(seconds: 3, above: 40, movingShare: 1)).legMovement)
        #expect(lm.onsetActivityG == 0.15)
        #expect(lm.movingFraction == 1)
    }

    @Test func aCrampThatBeginsWithMovementThenHoldsIsACramp() throws {
        let cramp = try #require(Self.classify(Self.episode(seconds: 30, above: 60, movingShare: 0.2)).cramp)
        #expect(cramp.onsetSeconds == 10 && cramp.durationSeconds == 30)
        #expect(abs(cramp.movingFraction - 0.2) < 0.01)
    }

    @Test func aContractionWithTheLegMovingThroughoutOrFiringInBurstsIsNotACramp() {
        // Walking or stretching: the leg moves in 80 % of the contraction.
        #expect(Self.classify(Self.episode(seconds: 30, above: 60, movingShare: 0.8)).cramp == nil)
        // Still, but the envelope is back near rest most of the time (stride bursts).
        #expect(Self.classify(Self.episode(seconds: 30, above: 60, movingShare: 0, sustainedShare: 0.3)).cramp == nil)
    }
}
