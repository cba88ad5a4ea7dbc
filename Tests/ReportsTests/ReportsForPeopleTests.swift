import Foundation
import TestSupport
import Testing

@testable import Journal
@testable import Reports

/// Nights built row by row, with the figures the night analysis would have stored, so every number a report
/// shows is known in advance.
enum Constructed {
    static let utc = TimeZone(identifier: "UTC")!

    struct Night {
        var evening: String
        var hours = 8.0
        /// (seconds from the start, seconds long)
        var cramps: [(Double, Double)] = []
        var wakeSeconds = 0.0
        var shortGaps = 0
        /// (seconds from the start, seconds long)
        var longGaps: [(Double, Double)] = []
    }

    /// Saves `n`, starting 23:00 UTC on its evening, with its events, gaps and figures; returns its id.
    @discardableResult
    static func save(_ n: Night, to j: Journal) throws -> Int64 {
        let start = ISO8601DateFormatter().date(from: "\(n.evening)T23:00:00Z")!
        let events = n.cramps.map { c in
            EventRecord(kind: "cramp", onsetSeconds: c.0, offsetSeconds: c.0 + c.1, channel: 0, peakMicrovolts: 150,
                        meanMicrovolts: 90, accelActivityG: 0, confidence: 1, woke: true)
        } + (n.wakeSeconds > 0 ? [EventRecord(kind: "sleep_interruption", onsetSeconds: 2 * 3600,
                                                offsetSeconds: 2 * 3600 + n.wakeSeconds, channel: nil,
                                                peakMicrovolts: nil, meanMicrovolts: nil, accelActivityG: 0.1,
                                                confidence: 1)] : [])
        // Short gaps of 32 ms every 2.5 minutes from 01:10, then the long ones.
        let short = (0..<n.shortGaps).map { i -> GapRecord in
            let t = 7800 + Double(i) * 150
            return GapRecord(onsetSeconds: t, offsetSeconds: t + 0.032, framesLost: 1, firstLostSequence: nil,
                             emgSamplesLost: 32, reason: "frames lost in transit")
        }
        let long = n.longGaps.map {
            GapRecord(onsetSeconds: $0.0, offsetSeconds: $0.0 + $0.1, framesLost: Int($0.1 * 31.25),
                      firstLostSequence: nil, emgSamplesLost: 0, reason: "device gone")
        }
        let gaps = short + long
        let duration = n.hours * 3600
        let id = try j.saveNight(
            NightRecord(deviceId: nil, recordingId: nil, detectorConfigId: nil, startedAt: start, startSource: "user",
                        durationSeconds: duration, source: "replay", framesReceived: 1000,
                        framesLost: gaps.map(\.framesLost).reduce(0, +), corruptFrames: 0, truncatedAtByte: nil,
                        createdAt: start),
            device: nil, recording: nil, events: events, gaps: gaps)
        let gapSeconds = gaps.map { $0.offsetSeconds - $0.onsetSeconds }.reduce(0, +)
        try j.saveFigures(NightFiguresRecord(
            nightId: id, emgMeasured: true, durationSeconds: duration, cramps: n.cramps.count,
            crampSeconds: n.cramps.map(\.1).reduce(0, +), longestCrampSeconds: n.cramps.map(\.1).max() ?? 0,
            crampsThatWoke: n.cramps.count, legMovements: 0, periodicLegMovements: 0, plmIndexPerHour: 0,
            artifacts: 0, artifactSeconds: 0, sleepInterruptions: n.wakeSeconds > 0 ? 1 : 0,
            wakeSeconds: n.wakeSeconds, gaps: gaps.count, gapSeconds: gapSeconds,
            framesLost: gaps.map(\.framesLost).reduce(0, +), corruptFrames: 0, sleepWindowOnsetSeconds: 0,
            sleepWindowOffsetSeconds: duration, sleepWindowDetected: true,
            totalSleepSeconds: duration - n.wakeSeconds, wasoSeconds: n.wakeSeconds,
            sleepEfficiency: (duration - n.wakeSeconds) / duration, awakenings: n.wakeSeconds > 0 ? 1 : 0,
            computedFrom: "saved"))
        return id
    }

    /// A cramp the person noted at `time` (ISO 8601), in the diary of `evening`.
    static func noted(_ j: Journal, evening: String, at time: String, magnesium: Double? = nil) throws {
        var e = DiaryEntry(date: evening)
        e.magnesiumMg = magnesium
        try j.amendDiary(e, cramps: [SelfReportedCramp(time: ISO8601DateFormatter().date(from: time)!, leg: "left",
                                                       pain: 6)])
    }

    /// The page's text as a person reads it: tags, titles and attributes gone.
    static func text(_ html: String) -> String {
        html.replacingOccurrences(of: "<title>[^<]*</title>", with: " ", options: .regularExpression)
            .replacingOccurrences(of: "<[^>]+>", with: " ", options: .regularExpression)
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    /// Every "N s" a page says where N is 60 or more: a duration a person would have to divide by 60.
    static func rawSeconds(_ html: String) -> [String] {
        let text = Self.text(html) + " " + html.matches(of: #/<title>([^<]*)</title>/#).map { String($0.1) }
            .joined(separator: " ")
        return text.matches(of: #/(\d+(?:\.\d+)?) s\b/#).filter { (Double($0.1) ?? 0) >= 60 }.map { String($0.0) }
    }

    /// Phrases with "1" and a plural noun ("1 cramps").
    static func badPlurals(_ html: String) -> [String] {
        let nouns = "cramps|nights|gaps|frames|units|weeks|days|awakenings|recordings|entries|evenings"
        // Swift's Regex has no lookbehind yet.
        let regex = try! NSRegularExpression(pattern: "(?<![0-9.,])1 (\(nouns))\\b")
        let text = Self.text(html) as NSString
        return regex.matches(in: text as String, range: NSRange(location: 0, length: text.length))
            .map { text.substring(with: $0.range) }
    }
}

@Suite(.temporaryFolder) struct ReportsForPeopleTests {
    /// Night 1: cramps of 7 min 41 s and 1 min 15 s, 1 h 2 min awake, 106 short gaps from 01:10 then two long ones.
    func journalWithOneLongNight() throws -> (Journal, JournalSnapshot, Int64) {
        let j = try Journal(path: TemporaryFolder.path("j.sqlite"))
        let id = try Constructed.save(.init(evening: "2026-05-01", cramps: [(3600, 461), (4 * 3600, 75)],
                                            wakeSeconds: 3737, shortGaps: 106, longGaps: [(7 * 3600, 5),
                                                                                         (7.5 * 3600, 75)]), to: j)
        return (j, try JournalSnapshot(journal: j, timeZone: Constructed.utc), id)
    }

    @Test func everyReportSaysDurationsInWords() throws {
        let (j, s, id) = try journalWithOneLongNight()
        let night = try NightReport.render(snapshot: s, journal: j, night: id)
        #expect(Fixture.metric(night, "wake_s") == "1 h 2 min")
        #expect(Fixture.metric(night, "longest_cramp_s") == "7 min 41 s")
        #expect(Fixture.metric(night, "cramp_s") == "8 min 56 s")
        #expect(night.contains("data-seconds=\"3737.000\" data-metric=\"wake_s\""))
        #expect(night.contains("<p>8 h recorded, from 23:00 to 07:00.</p>"))
        #expect(night.contains("<td class=\"nw\">7 min 41 s</td>") && night.contains("within 15 min of"))
        let trend = TrendReport.render(snapshot: s)
        #expect(Fixture.metric(trend, "median_cramp_s") == "4 min 28 s")
        #expect(Fixture.metric(trend, "gap_s") == "1 min 23 s")
        let clinician = ClinicianReport.render(snapshot: s)
        #expect(Fixture.metric(clinician, "longest_cramp_s") == "7 min 41 s")
        #expect(Fixture.metric(clinician, "wake_min_per_night") == "1 h 2 min")
        #expect(clinician.contains("8 h of recording, 1 min 23 s of it without data"))
        for (name, html) in [("night", night), ("trend", trend), ("clinician", clinician)] {
            #expect(Constructed.rawSeconds(html) == [], "\(name) says seconds a person must divide")
        }
    }

    @Test func shortGapsInARowAreOneLineAndLongGapsKeepTheirOwn() throws {
        let (j, s, id) = try journalWithOneLongNight()
        let html = try NightReport.render(snapshot: s, journal: j, night: id)
        // 106 frames in the short gaps, 156 and 2343 in the long ones.
        #expect(Constructed.text(html).contains("108 gaps, 1 min 23 s without data, 2605 frames lost."))
        let gapTable = String(html[html.range(of: "<h2>Data gaps</h2>")!.upperBound...])
        #expect(Fixture.count(gapTable, "<tr>") == 4, "a header, one line of short gaps, two long gaps")
        // 106 gaps from 01:10 every 2.5 minutes: the last one at 05:32:30.
        #expect(gapTable.contains("<td class=\"nw\" data-gap-run=\"106\">01:10–05:32</td>"
                                  + "<td>106 short gaps of under 1 s, 3 s in all</td><td>106 in all</td>"))
        #expect(gapTable.contains("<td class=\"nw\">06:00:00</td><td class=\"nw\">5 s</td><td>156</td>"))
        #expect(gapTable.contains("<td class=\"nw\">06:30:00</td><td class=\"nw\">1 min 15 s</td><td>2343</td>"))
        // Every gap is still drawn on the timeline.
        #expect(Fixture.count(html, "<rect class=\"gap\"") == 108)
    }

    @Test func aLongGapBetweenShortOnesSplitsTheirRun() {
        func gap(_ t: Double, _ d: Double) -> GapRecord {
            GapRecord(onsetSeconds: t, offsetSeconds: t + d, framesLost: 1, firstLostSequence: nil, emgSamplesLost: 0,
                      reason: d < 1 ? "lost" : "gone")
        }
        // Out of order on purpose, and one with a damaged (infinite) length, which is listed alone.
        let lines = GapLine.lines([gap(30, 0.1), gap(10, 0.1), gap(20, 0.1), gap(40, 5), gap(50, 0.2),
                                   gap(60, .infinity), gap(70, 0.3), gap(80, 0.4)])
        #expect(lines.map(\.gaps) == [3, 1, 1, 1, 2])
        #expect(lines.map(\.onsetSeconds) == [10, 40, 50, 60, 70])
        #expect(lines[0].offsetSeconds == 30.1 && lines[0].framesLost == 3 && lines[0].reasons == ["lost"])
        #expect(abs(lines[4].seconds - 0.7) < 1e-9)
    }

    @Test func theLastTimeOnTheAxisIsNotCutAtTheRightEdge() throws {
        let (j, s, id) = try journalWithOneLongNight()
        let html = try NightReport.render(snapshot: s, journal: j, night: id)
        let svg = String(html[html.range(of: "<svg")!.lowerBound..<html.range(of: "</svg>")!.upperBound])
        // 8 h from 23:00: the last tick, 07:00, is at the plot's right edge.
        #expect(svg.contains("text-anchor=\"end\">07:00</text>"))
        #expect(svg.contains("text-anchor=\"middle\">01:00</text>"))
        let width = try #require(Double(svg.firstMatch(of: #/viewBox="0 0 (\d+)/#)!.1))
        for label in svg.matches(of: #/<text[^>]* x="([0-9.]+)"[^>]*text-anchor="(\w+)">([^<]*)</text>/#) {
            let x = Double(label.1)!, w = SVG.estimatedWidth(String(label.3))
            let (from, to) = label.2 == "end" ? (x - w, x) : label.2 == "start" ? (x, x + w) : (x - w / 2, x + w / 2)
            #expect(from >= 0 && to <= width, "\(label.3) spans \(from)–\(to) of \(width)")
        }
    }

    /// Nights on 05-01, 05-02 and 05-04; a cramp noted on the evening of 05-03 (nothing recorded) and one on
    /// 05-06 (after the last night); magnesium every recorded evening.
    func journalWithMissingNights() throws -> (Journal, JournalSnapshot) {
        let j = try Journal(path: TemporaryFolder.path("j.sqlite"))
        try Constructed.save(.init(evening: "2026-05-01", cramps: [(3600, 40)]), to: j)
        try Constructed.save(.init(evening: "2026-05-02", cramps: [(3600, 40), (7200, 30)]), to: j)
        try Constructed.save(.init(evening: "2026-05-04"), to: j)
        for evening in ["2026-05-01", "2026-05-02", "2026-05-04"] {
            var e = DiaryEntry(date: evening)
            e.magnesiumMg = 300
            try j.amendDiary(e)
        }
        try Constructed.noted(j, evening: "2026-05-03", at: "2026-05-04T02:00:00Z")
        try Constructed.noted(j, evening: "2026-05-06", at: "2026-05-06T23:30:00Z")
        return (j, try JournalSnapshot(journal: j, timeZone: Constructed.utc))
    }

    @Test func trendsHaveOneSlotPerDateAndShowTheNightsNothingWasRecorded() throws {
        let (_, s) = try journalWithMissingNights()
        let t = TrendNumbers.compute(s)
        #expect(t.dates.map(\.date) == ["2026-05-01", "2026-05-02", "2026-05-03", "2026-05-04", "2026-05-05",
                                        "2026-05-06"])
        #expect(t.dates.map(\.recorded) == [true, true, false, true, false, false])
        #expect(t.dates.map(\.cramps) == [1, 2, nil, 0, nil, nil])
        #expect(t.dates.map(\.reportedWhenNothingWasRecording) == [0, 0, 1, 0, 0, 1])
        #expect(t.reportedOutsideRecordings == 2 && t.datesLeftOff == 0)
        let html = TrendReport.render(snapshot: s)
        #expect(Fixture.metric(html, "reported_outside") == "2")
        #expect(Fixture.metric(html, "noted_without_recording") == "2")
        // Five date charts, each with three dates without a recording; cramp bars only where something was.
        #expect(Fixture.count(html, "data-empty=\"no recording\"") == 15)
        #expect(Fixture.count(html, "<rect class=\"bar-cramps\"") == 3)
        #expect(Fixture.count(html, "<polygon class=\"noted\"") == 2)
        #expect(html.contains("<title>2026-05-03: no recording; 1 cramp you noted while nothing was recording</title>"))
        #expect(html.contains("<title>2026-05-02: 2 cramps</title>"))
        #expect(html.contains("<title>2026-05-01: 1 cramp</title>"))
        #expect(html.contains("One slot per evening from 2026-05-01 to 2026-05-06"))

        // A range counts the cramps noted in it, recorded or not (before, any range counted none).
        let early = TrendNumbers.compute(s, from: "2026-05-01", to: "2026-05-04")
        #expect(early.reportedOutsideRecordings == 1 && early.dates.count == 4)
        let clinician = ClinicianSummary.compute(s)
        #expect(clinician.reportedWhenNothingWasRecording == 2 && clinician.selfReportedCramps == 2)
        #expect(ClinicianSummary.compute(s, from: "2026-05-02", to: "2026-05-03").selfReportedCramps == 1)
        #expect(Fixture.metric(ClinicianReport.render(snapshot: s), "reported_outside") == "2")
    }

    @Test func aComparisonWithAnEmptySideSaysItCannotTell() throws {
        let (_, s) = try journalWithMissingNights()
        let t = TrendNumbers.compute(s)
        let mg = try #require(t.factors.first { $0.factor.hasPrefix("magnesium") })
        #expect(mg.nightsWith == 3 && mg.nightsWithout == 0 && !mg.comparable)
        #expect(mg.verdict == "cannot tell (no nights without magnesium)")
        let html = TrendReport.render(snapshot: s)
        #expect(html.contains("<td data-verdict=\"cannot_tell\">cannot tell (no nights without magnesium)</td>"))
        #expect(!html.contains("no (intervals overlap)"))
        // Both sides present: compared, and said as before.
        let (_, four) = (0, try JournalSnapshot(journal: try Fixture.fourWeeks().0, timeZone: Constructed.utc))
        let both = try #require(TrendNumbers.compute(four).factors.first { $0.factor.hasPrefix("stretched") })
        #expect(both.comparable && both.nightsWith == 4 && both.nightsWithout == 10)
        #expect(both.verdict == "no (intervals overlap)")
    }

    @Test func onesAreSingular() throws {
        let j = try Journal(path: TemporaryFolder.path("j.sqlite"))
        try Constructed.save(.init(evening: "2026-05-01", cramps: [(3600, 40)], shortGaps: 1), to: j)
        try Constructed.noted(j, evening: "2026-05-03", at: "2026-05-04T02:00:00Z")
        let s = try JournalSnapshot(journal: j, timeZone: Constructed.utc)
        let night = try NightReport.render(snapshot: s, journal: j, night: 1)
        let trend = TrendReport.render(snapshot: s), clinician = ClinicianReport.render(snapshot: s)
        #expect(Constructed.text(night).contains("1 gap, under 1 s without data, 1 frame lost."))
        #expect(Constructed.text(clinician).contains("1 night recorded between 2026-05-01 and 2026-05-01 (1 day)"))
        #expect(clinician.contains("(1 of 1 week)") && clinician.contains("needs ≥ 7 nights"))
        #expect(trend.contains("1 cramp you noted while nothing was recording"))
        for (name, html) in [("night", night), ("trend", trend), ("clinician", clinician)] {
            #expect(Constructed.badPlurals(html) == [], "\(name)")
        }
        // The detector makes a phrase like "1 cramps" impossible to build; this is what the check catches.
        #expect(Constructed.badPlurals("<p>1 cramps, 1 units, 21 nights</p>") == ["1 cramps", "1 units"])
    }

    /// Values no real night has, written straight into the journal as a damaged or hostile file could hold
    /// them: every report still renders, says "unknown", and never prints "inf" or "nan".
    @Test func impossibleValuesInTheJournalReadUnknownAndNeverTrap() throws {
        let (j, _, id) = try journalWithOneLongNight()
        try Constructed.save(.init(evening: "2026-05-02", cramps: [(3600, 40)]), to: j)
        try j.writeTransaction { db in
            try db.execute(sql: """
                UPDATE nightFigures SET durationSeconds = 9e999, wakeSeconds = -9e999, longestCrampSeconds = 1e300,
                    crampSeconds = -5, gapSeconds = 1e300, sleepEfficiency = 9e999, awakenings = ?,
                    cramps = ? WHERE nightId = ?
                """, arguments: [Int.max, Int.max, id])
            try db.execute(sql: "UPDATE night SET durationSeconds = 9e999 WHERE id = ?", arguments: [id])
            try db.execute(sql: "UPDATE night SET startedAt = 1e300 WHERE id = 2")
            try db.execute(sql: """
                UPDATE event SET onsetSeconds = -9e999, offsetSeconds = 9e999, peakMicrovolts = 9e999
                WHERE id = (SELECT MIN(id) FROM event)
                """)
            try db.execute(sql: "UPDATE gap SET offsetSeconds = onsetSeconds - 100 WHERE id = 1")
        }
        let s = try JournalSnapshot(journal: j, timeZone: Constructed.utc)
        #expect(s.night(2)?.startedAt == nil && s.night(2)?.evening == nil, "a start in the year 10^292 is unknown")
        let pages = [try NightReport.render(snapshot: s, journal: j, night: id),
                     try NightReport.render(snapshot: s, journal: j, night: 2),
                     TrendReport.render(snapshot: s), ClinicianReport.render(snapshot: s)]
        #expect(Fixture.metric(pages[0], "wake_s") == "unknown")
        #expect(Fixture.metric(pages[0], "longest_cramp_s") == "unknown")
        #expect(Fixture.metric(pages[0], "sleep_efficiency") == "unknown")
        #expect(Fixture.metric(pages[0], "awakenings") == "\(Int.max)")
        #expect(pages[0].contains("<p>Recorded for an unknown length of time, from 23:00.</p>"))
        #expect(Fixture.metric(pages[2], "awakenings") == "\(Int.max)", "the sum saturates")
        #expect(pages[2].contains("night 2, start unknown"))
        for page in pages {
            let text = Constructed.text(page).lowercased()
            #expect(!text.contains("inf") && !text.contains("nan"), "\(text.prefix(300))")
            #expect(page.contains("unknown"))
            #expect(!page.contains("=\"nan\"") && !page.contains("=\"inf\"") && !page.contains("=\"-inf\""))
        }
    }
}
