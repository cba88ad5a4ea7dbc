import SignalCore
import Studies
import TestSupport
import Testing

/// Accuracy on simulated nights whose seeds were never used while tuning the detector
/// (tuning used seeds 1–13 and 100). Mains alternates 50/60 Hz; noise, gain, posture and cramp
/// shapes vary from night to night. Nights here are one hour with cramps more frequent than
/// real life, so CI stays quick; `crampwatch-bench --accuracy` runs full 8-hour nights.
@Suite(.tags(.slow)) struct AccuracyTests {
    @Test func twentyUnseenNightsMeetTheTargets() throws {
        let seeds = (0..<20).map { UInt64(5000 + $0) }
        let results = try AccuracyStudy.run(seeds: seeds, hours: 1, emgRateHz: 1000, crampsPerHour: 2)
        let by = Dictionary(uniqueKeysWithValues: results.map { ($0.kind, $0) })
        let cramp = try #require(by[.cramp]), lm = try #require(by[.legMovement]),
            wake = try #require(by[.sleepInterruption])
        #expect(cramp.match.referenceCount >= 30)
        #expect(cramp.match.f1 >= 0.95,
                "cramp F1 \(cramp.match.f1): \(cramp.match.falseNegatives) missed, \(cramp.match.falsePositives) false")
        #expect(cramp.medianAbsoluteOnsetError <= 2, "median cramp onset error \(cramp.medianAbsoluteOnsetError) s")
        #expect(cramp.falsePerNight <= 0.1)
        #expect(lm.match.referenceCount >= 50)
        #expect(lm.match.f1 >= 0.9, "leg-movement F1 \(lm.match.f1)")
        #expect(wake.match.f1 >= 0.9, "sleep-interruption F1 \(wake.match.f1)")
    }

    /// The OpenBCI Cyton's rates (docs/cyton.md): EMG at 250 Hz, so the band is 20–112.5 Hz (held under
    /// 0.45 × the rate), and the accelerometer at 25 Hz; the same 20 unseen nights.
    @Test func theSameNightsAtTheCytonsRates() throws {
        let seeds = (0..<20).map { UInt64(5000 + $0) }
        let results = try AccuracyStudy.run(seeds: seeds, hours: 1, emgRateHz: 250, accelRateHz: 25,
                                            crampsPerHour: 2)
        let by = Dictionary(uniqueKeysWithValues: results.map { ($0.kind, $0) })
        let cramp = try #require(by[.cramp]), lm = try #require(by[.legMovement]),
            wake = try #require(by[.sleepInterruption])
        print("250 Hz: cramp F1 \(cramp.match.f1) (\(cramp.match.referenceCount) cramps, \(cramp.match.falseNegatives) "
              + "missed, \(cramp.match.falsePositives) false), onset error \(cramp.medianAbsoluteOnsetError) s; "
              + "leg movements F1 \(lm.match.f1) of \(lm.match.referenceCount); interruptions F1 \(wake.match.f1)")
        #expect(cramp.match.referenceCount >= 30)
        #expect(cramp.match.f1 >= 0.95)
        #expect(cramp.medianAbsoluteOnsetError <= 2)
        #expect(lm.match.f1 >= 0.9)
        #expect(wake.match.f1 >= 0.9)
    }
}
