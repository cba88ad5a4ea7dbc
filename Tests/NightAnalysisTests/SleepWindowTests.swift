import Testing

@testable import NightAnalysis
@testable import SignalCore

@Suite struct SleepWindowTests {
    /// One hour awake (the z-angle wanders), six hours still but for a few turns, one hour awake.
    func night(awakeBefore: Int, asleep: Int, awakeAfter: Int) -> [Float] {
        var state: UInt64 = 7
        func random() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 24)
        }
        var z: [Float] = []
        var angle: Float = 10
        for _ in 0..<(awakeBefore * 720) { angle += (random() - 0.5) * 20; z.append(angle) }
        for i in 0..<(asleep * 720) {
            if i % 1500 == 0 { angle += 40 }  // turning over now and then
            z.append(angle + (random() - 0.5) * 0.05)
        }
        for _ in 0..<(awakeAfter * 720) { angle += (random() - 0.5) * 20; z.append(angle) }
        return z
    }

    @Test func findsTheStillPeriodBetweenAwakeHours() {
        let z = night(awakeBefore: 1, asleep: 6, awakeAfter: 1)
        let w = SleepWindow.find(zAngleEpochs: z, epochSeconds: 5, durationSeconds: 8 * 3600)
        #expect(w.detected)
        #expect(abs(w.onsetSeconds - 3600) < 300, "onset \(w.onsetSeconds)")
        #expect(abs(w.offsetSeconds - 7 * 3600) < 300, "offset \(w.offsetSeconds)")
    }

    @Test func aLongGapIsNotReadAsSleep() {
        // One hour awake, a 40-h gap (no data: NaN epochs), one hour awake. The gap used to count as perfectly
        // still, so the "sleep period" lay inside it.
        let gapEpochs = 40 * 720
        let z = night(awakeBefore: 1, asleep: 0, awakeAfter: 0) + Array(repeating: .nan, count: gapEpochs)
            + night(awakeBefore: 1, asleep: 0, awakeAfter: 0)
        let w = SleepWindow.find(zAngleEpochs: z, epochSeconds: 5, durationSeconds: 42 * 3600)
        #expect(w.offsetSeconds <= 3600 || w.onsetSeconds >= 41 * 3600, "a sleep period inside the gap: \(w)")
        // A real sleep after a gap is still found, where it is.
        let after = night(awakeBefore: 1, asleep: 0, awakeAfter: 0) + Array(repeating: .nan, count: 720)
            + night(awakeBefore: 1, asleep: 6, awakeAfter: 1)
        let found = SleepWindow.find(zAngleEpochs: after, epochSeconds: 5, durationSeconds: 10 * 3600)
        #expect(found.detected && abs(found.onsetSeconds - 3 * 3600) < 300, "\(found)")
    }

    @Test func efficiencyLeavesTimeWithoutDataOut() {
        // 8 h recorded, 2 h of it a gap, no wake bout: whatever was recorded was asleep, so the efficiency is 100 %.
        let gap = NightGap(onsetSeconds: 3600, offsetSeconds: 3 * 3600, framesLost: 10, firstLostSequence: nil,
                           emgSamplesLost: 0, reason: "unplugged")
        let s = NightSummary(events: [], gaps: [gap], durationSeconds: 8 * 3600, framesLost: 10, corruptFrames: 0)
        #expect(s.totalSleepSeconds == 6 * 3600)
        #expect(s.sleepEfficiency == 1)
    }

    @Test func shortRecordingsUseTheWholeRecording() {
        let w = SleepWindow.find(zAngleEpochs: night(awakeBefore: 0, asleep: 0, awakeAfter: 0)
                                               + Array(repeating: 1, count: 100),
                                 epochSeconds: 5, durationSeconds: 500)
        #expect(!w.detected && w.onsetSeconds == 0 && w.offsetSeconds == 500)
    }

    @Test func sleepMetricsCountBoutsInsideTheSleepPeriod() {
        let z = night(awakeBefore: 1, asleep: 6, awakeAfter: 1)
        let wakes = [
            DetectedEvent(kind: .sleepInterruption, onsetSeconds: 1800, offsetSeconds: 2400),  // before sleep onset
            DetectedEvent(kind: .sleepInterruption, onsetSeconds: 10_000, offsetSeconds: 10_300),
            DetectedEvent(kind: .sleepInterruption, onsetSeconds: 20_000, offsetSeconds: 20_120),
        ]
        let s = NightSummary(events: wakes, gaps: [], durationSeconds: 8 * 3600, framesLost: 0, corruptFrames: 0,
                             zAngleEpochs: z)
        #expect(s.awakenings == 2)
        #expect(s.wasoSeconds == 420)
        #expect(abs(s.totalSleepSeconds - (s.sleepWindowOffsetSeconds - s.sleepWindowOnsetSeconds - 420)) < 1e-9)
        // A ratio is to 6 decimals (Double.withoutBinaryNoise), as every place shows it.
        #expect(s.sleepEfficiency == (s.totalSleepSeconds / (8 * 3600)).withoutBinaryNoise)
        #expect(s.sleepEfficiency > 0.65 && s.sleepEfficiency < 0.75)
    }
}
