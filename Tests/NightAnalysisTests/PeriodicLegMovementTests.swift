import NightAnalysis
import SignalCore
import Testing

/// Periodic series and the PLMS/PLMW indices as WASM 2016 defines them.
@Suite struct PeriodicLegMovementTests {
    static func lms(_ onsets: [Double]) -> [DetectedEvent] {
        onsets.map { DetectedEvent(kind: .legMovement, onsetSeconds: $0, offsetSeconds: $0 + 2) }
    }

    @Test func anIntervalUnderTenSecondsEndsTheSeries() {
        // 0, 20, 40, 60 form a series; 65 is 5 s after 60 and ends it; 65, 85, 105, 125 form the next.
        let series = NightSummary.periodicSeries(Self.lms([0, 20, 40, 60, 65, 85, 105, 125, 300]))
        #expect(series.map { $0.map(\.onsetSeconds) } == [[0, 20, 40, 60], [65, 85, 105, 125]])
        // Three periodic movements, then one too close: no series at all.
        #expect(NightSummary.periodicSeries(Self.lms([0, 20, 40, 45, 200])).isEmpty)
    }

    @Test func aBurstLongerThanTenSecondsEndsTheSeries() {
        // Seven movements 20 s apart would be one series; a 20-s cramp from 45 s ends it after 40, so 0, 20, 40 are
        // too few and 60–120 form the series.
        let cramp = DetectedEvent(kind: .cramp, onsetSeconds: 45, offsetSeconds: 65)
        let lms = Self.lms([0, 20, 40, 60, 80, 100, 120])
        #expect(NightSummary.periodicSeries(lms, breakers: [cramp]).map { $0.map(\.onsetSeconds) }
                == [[60, 80, 100, 120]])
        // A cramp of 10 s or less is no longer than a leg movement may be: the series goes on.
        let short = DetectedEvent(kind: .cramp, onsetSeconds: 45, offsetSeconds: 55)
        #expect(NightSummary.periodicSeries(lms, breakers: [short]).map(\.count) == [7])
        // And the indices count what the series hold: 4 periodic movements, all in sleep.
        let p = NightSummary.periodicIndices(legMovements: lms, wakes: [], durationSeconds: 3600, gapSeconds: 0,
                                             breakers: [cramp])
        #expect(p.inSleep == 4 && p.inWake == 0)
    }

    @Test func periodicMovementsInWakeBoutsArePLMWAndCountedApart() {
        // Eight movements 20 s apart over 0–140 s; a wake bout from 90 s to 150 s holds the last three.
        let wake = DetectedEvent(kind: .sleepInterruption, onsetSeconds: 90, offsetSeconds: 150)
        let p = NightSummary.periodicIndices(legMovements: Self.lms(stride(from: 0, through: 140, by: 20).map { $0 }),
                                             wakes: [wake], durationSeconds: 3600, gapSeconds: 60)
        #expect(p.inSleep == 5 && p.inWake == 3)
        // Sleep: 3600 − 60 wake − 60 gap = 3480 s; wake: 60 s.
        #expect(abs(p.sleepIndexPerHour - 5 / (3480.0 / 3600)) < 1e-9)
        #expect(abs(p.wakeIndexPerHour - 3 / (60.0 / 3600)) < 1e-9)
    }
}
