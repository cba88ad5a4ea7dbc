import Foundation
import Testing

@testable import NightAnalysis

/// Durations, counts and shares as every report and command says them to a person.
@Suite struct WordsTests {
    static let durations: [(Double, String)] = [
        (0.0, "0 s"), (-0.0, "0 s"), (-0.3, "0 s"), (0.032, "under 1 s"), (0.6, "1 s"), (41, "41 s"),
        (59.4, "59 s"), (59.6, "1 min"), (60, "1 min"), (461, "7 min 41 s"), (3599.4, "59 min 59 s"),
        (3599.6, "1 h"), (3600, "1 h"), (3737, "1 h 2 min"), (3690, "1 h 2 min"), (7200, "2 h"),
        (26_940, "7 h 29 min"), (86_369, "23 h 59 min"), (86_370, "1 day"), (86_400, "1 day"),
        (90_000, "1 day 1 h"), (2 * 86_400 + 3 * 3600, "2 days 3 h"),
    ]

    @Test(arguments: durations)
    func durationsReadAsWords(seconds: Double, words: String) {
        #expect(Words.duration(seconds) == words)
    }

    /// Anything a damaged journal row can hold reads "unknown", and nothing traps.
    @Test(arguments: [Double]([
        Double.nan, -.nan, .infinity, -.infinity, -1, -3737, 1e300, -1e300, Double.greatestFiniteMagnitude,
        Double(Int.max), 1e10, Words.longestKnownSeconds + 1,
    ]))
    func impossibleDurationsAreUnknown(seconds: Double) {
        #expect(Words.duration(seconds) == "unknown")
        #expect(Words.duration(minutes: seconds) == "unknown")
        #expect(!Words.isKnownDuration(seconds))
        #expect(Words.percent(seconds) == "unknown")
    }

    /// Recording time summed over nights stays in hours: three 8-hour nights are "24 h", not "1 day".
    @Test func summedRecordingTimeStaysInHours() {
        #expect(Words.duration(86_400, days: false) == "24 h" && Words.duration(86_400) == "1 day")
        #expect(Words.duration(30 * 8 * 3600 + 1200, days: false) == "240 h")
        #expect(Words.duration(3737, days: false) == "1 h 2 min" && Words.duration(.nan, days: false) == "unknown")
    }

    @Test func theLongestKnownDurationIsStillWords() {
        #expect(Words.duration(Words.longestKnownSeconds) == "3652 days 12 h")
        #expect(Words.duration(minutes: 14.14) == "14 min" && Words.duration(minutes: 0.2) == "0 min")
        #expect(Words.duration(minutes: 205) == "3 h 25 min")
        #expect(Words.number(.nan) == "unknown" && Words.number(3.456, decimals: 2) == "3.46")
    }

    @Test func countsTakeTheRightPlural() {
        #expect(Words.count(0, "cramp") == "0 cramps")
        #expect(Words.count(1, "cramp") == "1 cramp")
        #expect(Words.count(2, "cramp") == "2 cramps")
        #expect(Words.count(1, "night") == "1 night" && Words.count(7, "night") == "7 nights")
        #expect(Words.count(1, "entry", "entries") == "1 entry" && Words.count(3, "entry", "entries") == "3 entries")
        #expect(Words.count(-1, "gap") == "-1 gaps")
        #expect(Words.amount(1, "unit") == "1 unit")
        #expect(Words.amount(1.5, "unit") == "1.5 units" && Words.amount(0, "unit") == "0 units")
        #expect(Words.amount(2, "unit") == "2 units" && Words.amount(.infinity, "unit") == "unknown units")
    }

    /// Dates come out in the pattern asked, in the zone asked, in ASCII digits whatever the machine's locale.
    @Test func datesFollowThePatternAndTheZone() {
        let d = Date(timeIntervalSince1970: 1_777_851_000)  // 2026-05-03 23:30:00 UTC
        #expect(Words.date(d, "yyyy-MM-dd HH:mm", TimeZone(identifier: "UTC")!) == "2026-05-03 23:30")
        #expect(Words.date(d, "yyyyMMdd-HHmmss", TimeZone(identifier: "Europe/Paris")!) == "20260504-013000")
        #expect(Words.date(d, "HH:mm", TimeZone(identifier: "America/Sao_Paulo")!) == "20:30")
        #expect(Words.clock(90, d).count == 8)
    }

    @Test func sharesArePercentagesOfZeroToOne() {
        #expect(Words.percent(0.694) == "69 %" && Words.percent(1) == "100 %" && Words.percent(0) == "0 %")
        #expect(Words.percent(1.2) == "unknown" && Words.percent(-0.1) == "unknown")
    }

    @Test func sumsOfHugeCountsSaturateInsteadOfTrapping() {
        #expect([1, 2, 3].saturatingSum == 6)
        #expect([Int.max, 1, 5].saturatingSum == Int.max)
        #expect([Int.min, -1].saturatingSum == Int.min)
        #expect([Int].init().saturatingSum == 0)
    }
}
