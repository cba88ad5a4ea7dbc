import NightAnalysis
import SignalCore
import Testing

/// One sleep for every figure: a lab's hypnogram when the recording has one, else the accelerometer's sleep period
/// and the detected wake bouts.
@Suite struct NightSleepTests {
    static func epochs(_ stages: String) -> Hypnogram {
        Hypnogram(epochs: stages.enumerated().map { i, c in (onset: Double(i) * 30, offset: Double(i + 1) * 30,
                                                              asleep: c == "S") })
    }

    /// 40 epochs (20 min): 4 wake before sleep onset, 10 sleep, 1 wake (30 s: no awakening), 10 sleep, 3 wake
    /// (90 s: an awakening), 10 sleep, 2 wake after the last sleep epoch.
    static let hypnogram = epochs("WWWW" + String(repeating: "S", count: 10) + "W" + String(repeating: "S", count: 10)
                                  + "WWW" + String(repeating: "S", count: 10) + "WW")

    @Test func theLabsStagesGiveTheSleepPeriodTotalSleepAndAwakenings() {
        let gap = NightGap(onsetSeconds: 200, offsetSeconds: 210, framesLost: 5, firstLostSequence: 1,
                           emgSamplesLost: 0, reason: "lost")
        // A detected wake bout the stages do not have changes none of the sleep figures.
        let wake = DetectedEvent(kind: .sleepInterruption, onsetSeconds: 400, offsetSeconds: 500)
        let s = NightSummary(events: [wake], gaps: [gap], durationSeconds: 1200, framesLost: 5, corruptFrames: 0,
                             hypnogram: Self.hypnogram, wakeMinSeconds: 60)
        #expect(s.sleepSource == .scoredStages && s.sleepWindowDetected)
        #expect(s.sleepWindowOnsetSeconds == 120 && s.sleepWindowOffsetSeconds == 1140)
        // 30 sleep epochs (900 s) minus the 10-s gap inside one of them.
        #expect(s.totalSleepSeconds == 890)
        #expect(s.wasoSeconds == 120 && s.awakenings == 1)
        #expect(s.sleepInterruptions == 1, "the detected bouts are still what was detected")
        #expect(s.sleepEfficiency == (890.0 / 1190).withoutBinaryNoise && s.sleepEfficiency == 0.747899)
    }

    @Test func periodicMovementsAreSleepOrWakeByTheLabsEpochs() {
        // Eight movements 20 s apart from 60 s: 60, 80, 100 are in the wake before sleep onset (PLMW), 120–200 in
        // sleep (PLMS).
        let lms = stride(from: 60.0, through: 200, by: 20).map {
            DetectedEvent(kind: .legMovement, onsetSeconds: $0, offsetSeconds: $0 + 2)
        }
        let s = NightSummary(events: lms, gaps: [], durationSeconds: 1200, framesLost: 0, corruptFrames: 0,
                             hypnogram: Self.hypnogram)
        #expect(s.periodicLegMovements == 5 && s.periodicLegMovementsInWake == 3)
        #expect(abs(s.plmIndexPerHour - 5 / (900.0 / 3600)) < 1e-9, "per hour of the lab's total sleep")
        #expect(abs(s.plmwIndexPerHour - 3 / (300.0 / 3600)) < 1e-9, "per hour of its wake")
    }

    @Test func withoutStagesThePLMSIndexDividesByTheTotalSleepShownBesideIt() {
        // No accelerometer angles: the whole recording, minus a wake bout (110–200 s) holding two of six
        // movements (140 and 180 s).
        let lms = stride(from: 20.0, through: 220, by: 40).map {
            DetectedEvent(kind: .legMovement, onsetSeconds: $0, offsetSeconds: $0 + 2)
        }
        let wake = DetectedEvent(kind: .sleepInterruption, onsetSeconds: 110, offsetSeconds: 200)
        let s = NightSummary(events: lms + [wake], gaps: [], durationSeconds: 3600, framesLost: 0, corruptFrames: 0)
        #expect(s.sleepSource == .wholeRecording && !s.sleepWindowDetected)
        #expect(s.totalSleepSeconds == 3510)
        #expect(s.periodicLegMovements == 4 && s.periodicLegMovementsInWake == 2)
        #expect(s.plmIndexPerHour == (4 / (s.totalSleepSeconds / 3600)).withoutBinaryNoise)
    }

    @Test func withStagesACrampWokeTheSleeperWhenTheLabScoredWakeAfterIt() {
        // The hypnogram's wake runs: 0–120 s, 420–450 s (30 s, too short to be a bout), 750–840 s, 1140–1200 s.
        // The first cramp has only the 30-s run after it, the second the 90-s run 20 s after its end, the third
        // nothing within a minute.
        let cramps = [DetectedEvent(kind: .cramp, onsetSeconds: 400, offsetSeconds: 430),
                      DetectedEvent(kind: .cramp, onsetSeconds: 700, offsetSeconds: 730),
                      DetectedEvent(kind: .cramp, onsetSeconds: 1000, offsetSeconds: 1030)]
        // A detected interruption right after the first cramp does not count where the lab scored sleep.
        let detected = DetectedEvent(kind: .sleepInterruption, onsetSeconds: 431, offsetSeconds: 500)
        let bouts = NightSummary.wakeBouts(events: cramps + [detected], hypnogram: Self.hypnogram, wakeMinSeconds: 60)
        #expect(bouts.map(\.onsetSeconds) == [0, 750, 1140] && bouts.map(\.offsetSeconds) == [120, 840, 1200])
        #expect(cramps.map { NightSummary.woke($0, bouts) } == [false, true, false])
        let s = NightSummary(events: cramps + [detected], gaps: [], durationSeconds: 1200, framesLost: 0,
                             corruptFrames: 0, hypnogram: Self.hypnogram, wakeMinSeconds: 60)
        #expect(s.crampsThatWoke == 1)
        // Without the stages the detected interruption is the bout, and the first cramp woke the sleeper.
        let own = NightSummary(events: cramps + [detected], gaps: [], durationSeconds: 1200, framesLost: 0,
                               corruptFrames: 0)
        #expect(own.crampsThatWoke == 1 && NightSummary.woke(cramps[0], [detected]))
    }

    @Test func aHypnogramWithoutSleepLeavesTheAccelerometersSleep() {
        let s = NightSummary(events: [], gaps: [], durationSeconds: 600, framesLost: 0, corruptFrames: 0,
                             hypnogram: Self.epochs("WWWW"))
        #expect(s.sleepSource == .wholeRecording && s.totalSleepSeconds == 600)
    }
}
