import SignalCore
import Studies
import TestSupport
import Testing

/// Issue 21's figures on simulated nights with the moving cases (periodic leg movements that move the leg,
/// some on both channels; cramps that begin as the foot points; getting up and walking; stretching), seeds
/// never used while choosing the thresholds (those used 9000–9009). One hour each, with a cramp an hour
/// besides the moving ones, so CI stays quick.
@Suite(.tags(.slow)) struct WASMAccuracyTests {
    @Test func twentyUnseenMovingNightsMeetIssue21() throws {
        let r = try AccuracyStudy.runWASM(seeds: (0..<20).map { UInt64(7000 + $0) }, hours: 1)
        for line in r.lines { print("WASM study (simulated): \(line)") }
        #expect(r.nights.count == 20)
        #expect(r.movementOnsetCramps.referenceCount >= 20)
        #expect(r.legMovements.f1 >= 0.95, "leg-movement F1 \(r.legMovements.f1)")
        #expect(r.plmsWithin(2) >= 0.9, "PLMS index within 2/h on \(r.plmsWithin(2)) of nights")
        #expect(r.interruptions.f1 >= 0.95, "interruption F1 \(r.interruptions.f1)")
        #expect(r.falseInterruptionsPerSeriesHour <= 0.1)
        Self.expectCrampTargets(r)
    }

    /// Issue 21's cramp targets, the same on every set of nights: F1 ≥ 0.95, recall ≥ 0.9 for cramps that begin
    /// with leg motion, median onset error ≤ 2 s, ≤ 0.1 false cramps a night.
    static func expectCrampTargets(_ r: WASMStudyResult, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.cramps.f1 >= 0.95, "cramp F1 \(r.cramps.f1)", sourceLocation: sourceLocation)
        #expect(r.movementOnsetCramps.sensitivity >= 0.9, sourceLocation: sourceLocation)
        #expect(r.medianCrampOnsetError <= 2, sourceLocation: sourceLocation)
        #expect(r.falseCrampsPerNight <= 0.1, sourceLocation: sourceLocation)
    }

    /// How the thresholds of issue 21 were chosen, on the tuning seeds 9000–9009: each setting varied alone
    /// around the defaults, the figures it moves printed, and the default must do at least as well as every
    /// other value on the figure it was chosen for (ties go to the value nearer the old behaviour).
    @Test func thresholdsAreTheBestOnTheTuningNights() throws {
        let variations: [(String, [Double])] = [
            ("crampMaxMovingFraction", [0.3, 0.5, 0.7, 1]),
            ("crampMinSustainedFraction", [0, 0.3, 0.5, 0.7, 0.8, 0.9]),
            ("wakeLegMovementMaxG", [0, 0.05, 0.1, 0.2]),
            ("crampStillOnsetSeconds", [1, 2, 3]),
        ]
        var configurations = [DetectorConfiguration()]
        for (key, values) in variations {
            let setting = try #require(DetectorConfiguration.setting(named: key))
            for v in values {
                var c = DetectorConfiguration()
                guard case .float(let p) = setting.storage else {
                    guard case .double(let p) = setting.storage else { Issue.record("\(key): not a number"); continue }
                    c[keyPath: p] = v
                    configurations.append(c)
                    continue
                }
                c[keyPath: p] = Float(v)
                configurations.append(c)
            }
        }
        let results = try AccuracyStudy.sweepWASM(seeds: (0..<10).map { UInt64(9000 + $0) }, hours: 1,
                                                  configurations: configurations)
        var index = 1
        let base = results[0]
        for (key, values) in variations {
            for v in values {
                let r = results[index]
                index += 1
                print("tuning \(key)=\(v): " + r.lines.dropFirst().joined(separator: "; "))
                switch key {
                case "wakeLegMovementMaxG":
                    #expect(base.interruptions.f1 >= r.interruptions.f1 - 1e-9, "\(key)=\(v)")
                    #expect(base.falseInterruptionsPerSeriesHour <= r.falseInterruptionsPerSeriesHour + 1e-9)
                default:
                    #expect(base.cramps.f1 >= r.cramps.f1 - 1e-9, "\(key)=\(v)")
                }
            }
        }
    }
}
