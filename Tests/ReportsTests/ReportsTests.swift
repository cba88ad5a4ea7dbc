import Foundation
import CrampwatchJSON
import Exports
import Ingest
import NightAnalysis
import Sessions
import TestSupport
import Testing

@testable import Journal
@testable import Reports

enum Fixture {
    static func temporaryPath(_ name: String = "journal.sqlite") -> String { TemporaryFolder.path(name) }

    /// The bundled nights, replayed once through the real decoder and detector.
    static let replayed: [NightResult] = ["night-a", "night-b-faulty", "night-c-60hz"].map { name in
        try! Replayer().replay(path: Repository.night(name))
    }

    static let utc = TimeZone(identifier: "UTC")!

    static func date(_ s: String) -> Date { ISO8601DateFormatter().date(from: s)! }

    /// Four weeks (28 evenings from 2026-05-01) of nights made from the bundled recordings, starting 23:00 UTC each
    /// evening: every 4th evening (0, 4, …) is night-a with its cramps, every 4th + 1 is night-b-faulty, the others are
    /// a quiet night (night-c with its cramps removed). A diary entry on the even evenings: magnesium on evenings
    /// divisible by 4.
    static func fourWeeks() throws -> (Journal, path: String) {
        let path = temporaryPath()
        let j = try Journal(path: path)
        let a = replayed[0], b = replayed[1]
        let quiet = replayed[2].with(events: replayed[2].events.filter { $0.kind != .cramp })
        for day in 0..<28 {
            let evening = String(format: "2026-05-%02d", day + 1)
            let start = date("\(evening)T23:00:00Z")
            let night = day % 4 == 0 ? a : day % 4 == 1 ? b : quiet
            try NightStore.save(night, to: j, startedAt: start, startSource: "user")
            if day % 2 == 0 {
                var e = DiaryEntry(date: evening)
                e.magnesiumMg = day % 4 == 0 ? 300 : 0
                e.stretchedBeforeBed = day % 8 == 0
                e.bedtime = "23:00"
                try j.amendDiary(e)
            }
        }
        return (j, path)
    }

    /// Checks HTML with Python's html.parser (tags balance, nothing left open) and as XML (ElementTree). Returns
    /// problems, empty when fine.
    static func wellFormedProblems(_ html: String) async throws -> String {
        let file = temporaryPath("report.html")
        try html.write(toFile: file, atomically: true, encoding: .utf8)
        let script = """
            import sys, xml.etree.ElementTree as ET
            from html.parser import HTMLParser
            VOID = {"meta", "br", "hr", "img", "input", "link", "area", "base", "col", "source", "wbr"}
            class P(HTMLParser):
                def __init__(self):
                    super().__init__(); self.stack = []; self.problems = []
                def handle_starttag(self, tag, attrs):
                    if tag not in VOID: self.stack.append(tag)
                def handle_startendtag(self, tag, attrs): pass
                def handle_endtag(self, tag):
                    if not self.stack or self.stack[-1] != tag:
                        self.problems.append("unexpected </%s> at %s, open: %s" % (tag, self.getpos(), self.stack[-3:]))
                    else: self.stack.pop()
            text = open(sys.argv[1], encoding="utf-8").read()
            p = P(); p.feed(text); p.close()
            if p.stack: p.problems.append("left open: %s" % p.stack)
            try: ET.fromstring(text.replace("<!DOCTYPE html>", "", 1))
            except ET.ParseError as e: p.problems.append("not well-formed XML: %s" % e)
            if "http://" in text.replace("http://www.w3.org/2000/svg", "") or "https://" in text or "<script" in text:
                p.problems.append("refers to the network or has a script")
            print("\\n".join(p.problems))
            """
        let p = try await Python.run(["-c", script, file])
        if p.status != 0 { return "python3 failed with status \(p.status): \(p.stderr)" }
        return p.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The text of the element carrying `data-metric="name"` (the first one).
    static func metric(_ html: String, _ name: String) -> String? {
        guard let r = html.range(of: "data-metric=\"\(name)\">") else { return nil }
        return String(html[r.upperBound...].prefix { $0 != "<" })
    }

    static func count(_ html: String, _ needle: String) -> Int { html.components(separatedBy: needle).count - 1 }
}

@Suite(.tags(.python), .temporaryFolder) struct ReportsTests {
    @Test func wilsonIntervalsMatchPublishedValues() {
        let a = Stats.wilson(5, 10)
        #expect(abs(a.low - 0.2366) < 0.0005 && abs(a.high - 0.7634) < 0.0005)
        let b = Stats.wilson(0, 10)
        #expect(b.low == 0 && abs(b.high - 0.2775) < 0.0005)
        let c = Stats.wilson(10, 10)
        #expect(abs(c.low - 0.7225) < 0.0005 && c.high == 1)
        #expect(Stats.wilson(0, 0) == (0, 1))
        #expect(Stats.median([3, 1, 2]) == 2 && Stats.median([4, 1, 2, 3]) == 2.5 && Stats.median([]) == nil)
        // 23:50 and 00:10 are 20 minutes apart, not 23 hours: SD of two times 20 min apart is 14.1 min.
        #expect(abs(Stats.clockSpreadMinutes([23 * 60 + 50, 10])! - 14.142) < 0.01)
    }

    @Test func theTraceSavedWithANightShowsTheCrampsAboveRest() throws {
        let j = try Journal(path: Fixture.temporaryPath())
        let r = Fixture.replayed[0]
        let id = try NightStore.save(r, to: j)
        let trace = try #require(try j.trace(night: id))
        let emg = trace.envelopeValues
        #expect(trace.secondsPerPoint == 1)
        #expect(abs(emg.count - Int(r.durationSeconds)) <= 1 && trace.activityValues.count == emg.count)
        let cramp = try #require(r.events.first { $0.kind == .cramp })
        let inside = emg[Int(cramp.onsetSeconds) + 2..<Int(cramp.offsetSeconds) - 1]
        let during = inside.reduce(0, +) / Float(inside.count)
        let quiet = emg[2..<60].sorted()[29]
        #expect(during > 50 && during > 5 * quiet, "cramp \(during) µV vs rest \(quiet) µV")
    }

    @Test func reconciliationCountsAConstructedNight() async throws {
        let j = try Journal(path: Fixture.temporaryPath())
        let start = Fixture.date("2026-05-03T23:00:00Z")
        func cramp(_ hours: Double) -> EventRecord {
            EventRecord(kind: "cramp", onsetSeconds: hours * 3600, offsetSeconds: hours * 3600 + 30, channel: 0,
                        peakMicrovolts: 200, meanMicrovolts: 100,
                        accelActivityG: 0, confidence: 1, woke: true)
        }
        func night(_ start: Date, _ events: [EventRecord]) throws -> Int64 {
            try j.saveNight(NightRecord(deviceId: nil, recordingId: nil, detectorConfigId: nil, startedAt: start,
                                        startSource: "user", durationSeconds: 8 * 3600,
                                        source: "replay", framesReceived: 1, framesLost: 0, corruptFrames: 0,
                                        truncatedAtByte: nil, createdAt: Date()),
                            device: nil, recording: nil, events: events, gaps: [])
        }
        let first = try night(start, [cramp(1), cramp(3), cramp(5)])
        // The next night has a cramp and no diary at all.
        _ = try night(Fixture.date("2026-05-04T23:00:00Z"), [cramp(2)])
        var entry = DiaryEntry(date: "2026-05-03")
        entry.stress = 3
        try j.amendDiary(entry, cramps: [
            // matches the 1 h cramp
            SelfReportedCramp(time: start.addingTimeInterval(3600 + 5 * 60), leg: "left", pain: 6),
            // 40 min off: missed
            SelfReportedCramp(time: start.addingTimeInterval(3 * 3600 + 40 * 60), leg: "right", pain: 4),
            // nothing detected: missed
            SelfReportedCramp(time: start.addingTimeInterval(6.5 * 3600), leg: "both", pain: 8),
        ])
        // A cramp noticed on an evening nothing was recorded.
        try j.amendDiary(DiaryEntry(date: "2026-05-10"),
                         cramps: [SelfReportedCramp(time: Fixture.date("2026-05-11T02:00:00Z"), leg: "left", pain: 5)])
        let s = try JournalSnapshot(journal: j, timeZone: Fixture.utc)
        #expect(s.nights.map(\.evening) == ["2026-05-03", "2026-05-04"])
        let r = s.reconcile()
        #expect(r.matched.count == 1)
        #expect(r.matched.first?.event.onsetSeconds == 3600)
        #expect(r.matched.first?.report.pain == 6)
        #expect(r.missedByDetector.map(\.pain).sorted() == [4, 8])
        #expect(r.notNoticed.map(\.onsetSeconds) == [3 * 3600, 5 * 3600])
        #expect(r.noDiary.map(\.onsetSeconds) == [2 * 3600])
        #expect(r.outsideRecordings.map(\.pain) == [5])
        // The night report shows the same numbers.
        let html = try NightReport.render(snapshot: s, journal: j, night: first)
        #expect(Fixture.metric(html, "matched") == "1")
        #expect(Fixture.metric(html, "missed_by_detector") == "2")
        #expect(Fixture.metric(html, "not_noticed") == "2")
        #expect(Fixture.metric(html, "no_diary") == "0")
        #expect(Fixture.count(html, "<rect class=\"cramp\"") == 3)
        #expect(Fixture.count(html, "<polygon class=\"self-report\"") == 3)
        #expect(try await Fixture.wellFormedProblems(html) == "")
    }

    @Test func everyReportOfAFourWeekJournalShowsTheNumbersTheJournalHolds() async throws {
        let (j, _) = try Fixture.fourWeeks()
        let s = try JournalSnapshot(journal: j, timeZone: Fixture.utc)
        #expect(s.nights.count == 28)

        // Night reports: counts and SVG markers against SQL, for a clean and a faulty night.
        for id: Int64 in [1, 2] {
            let html = try NightReport.render(snapshot: s, journal: j, night: id)
            #expect(try await Fixture.wellFormedProblems(html) == "")
            let cramps = Int(try j.scalar("SELECT COUNT(*) FROM event WHERE nightId = ? AND kind = 'cramp'",
                                          arguments: [id])!)
            let lms = Int(try j.scalar("SELECT COUNT(*) FROM event WHERE nightId = ? AND kind = 'leg_movement'",
                                       arguments: [id])!)
            let wakes = Int(try j.scalar("SELECT COUNT(*) FROM event WHERE nightId = ? AND kind = 'sleep_interruption'",
                                         arguments: [id])!)
            let gaps = Int(try j.scalar("SELECT COUNT(*) FROM gap WHERE nightId = ?", arguments: [id])!)
            #expect(cramps > 0)
            #expect(Fixture.metric(html, "cramps") == "\(cramps)")
            #expect(Fixture.count(html, "<rect class=\"cramp\"") == cramps)
            #expect(Fixture.count(html, "<line class=\"leg-movement\"") == lms)
            #expect(Fixture.count(html, "<polygon class=\"awakening\"") == wakes)
            #expect(Fixture.count(html, "<rect class=\"wake\"") == wakes)
            #expect(Fixture.count(html, "<rect class=\"gap\"") == gaps)
            #expect(Fixture.metric(html, "gaps") == "\(gaps)")
            #expect(Fixture.count(html, "<polyline class=\"emg\"") >= 1)
            #expect(Fixture.count(html, "<polyline class=\"accel\"") >= 1)
            #expect(html.contains("data-config-hash=\""))
        }
        #expect(Int(try j.scalar("SELECT COUNT(*) FROM gap WHERE nightId = 2")!) > 0)

        // Trend report.
        let trend = TrendReport.render(snapshot: s)
        #expect(try await Fixture.wellFormedProblems(trend) == "")
        let nights = Int(try j.scalar("SELECT COUNT(*) FROM night")!)
        let crampNights = Int(try j.scalar("SELECT COUNT(DISTINCT nightId) FROM event WHERE kind = 'cramp'")!)
        let cramps = Int(try j.scalar("SELECT COUNT(*) FROM event WHERE kind = 'cramp'")!)
        let awakenings = Int(try j.scalar("SELECT COUNT(*) FROM event WHERE kind = 'sleep_interruption'")!)
        #expect(nights == 28 && crampNights == 14)
        #expect(Fixture.metric(trend, "nights") == "\(nights)")
        #expect(Fixture.metric(trend, "cramp_nights") == "\(crampNights)")
        #expect(Fixture.metric(trend, "cramps") == "\(cramps)")
        #expect(Fixture.metric(trend, "awakenings") == "\(awakenings)")
        #expect(Fixture.count(trend, "<rect class=\"bar-cramps\"") == 28)
        #expect(Fixture.metric(trend, "start_spread_min") == "0 min")
        let t = TrendNumbers.compute(s)
        #expect(t.weeks.map(\.nights) == [7, 7, 7, 7])
        #expect(t.weeks.map(\.weekStarting) == ["2026-05-01", "2026-05-08", "2026-05-15", "2026-05-22"])
        #expect(t.weeks.map(\.crampNights).reduce(0, +) == crampNights)
        #expect(t.onsetsByHour.reduce(0, +) == cramps)
        // Magnesium: recorded on the 14 even evenings; taken on the 7 divisible by 4 (all night-a, all with cramps),
        // not on the other 7 (all quiet).
        let mg = try #require(t.factors.first { $0.factor.hasPrefix("magnesium") })
        #expect(mg.nightsWith == 7 && mg.crampNightsWith == 7 && mg.nightsWithout == 7 && mg.crampNightsWithout == 0)
        #expect(abs(mg.rateWithLow! - Stats.wilson(7, 7).low) < 1e-12)
        #expect(!mg.intervalsOverlap)
        #expect(trend.contains("These are counts, not causes"))
        #expect(Fixture.metric(trend, "factor_with") != nil)

        // Clinician summary.
        let clin = ClinicianReport.render(snapshot: s)
        #expect(try await Fixture.wellFormedProblems(clin) == "")
        let c = ClinicianSummary.compute(s)
        #expect(c.nightsRecorded == 28 && c.crampNights == 14 && c.cramps == cramps)
        #expect(abs(c.crampNightsPerWeek - 3.5) < 1e-9)
        #expect(Fixture.metric(clin, "cramp_nights") == "14 of 28")
        #expect(Fixture.metric(clin, "cramp_nights_per_week")?.hasPrefix("3.5 (") == true)
        let woke = Int(try j.scalar("SELECT COUNT(*) FROM event WHERE kind = 'cramp' "
                                    + "AND woke")!)
        #expect(Fixture.metric(clin, "cramps_that_woke") == "\(woke) of \(cramps)")
        let longest = try j.scalar("SELECT MAX(offsetSeconds - onsetSeconds) FROM event WHERE kind = 'cramp'")!
        #expect(Fixture.metric(clin, "longest_cramp_s") == String(format: "%.0f s", longest))
        #expect(c.frequent == .present && c.persistent == .present && c.disruptsSleep == .present)
        #expect(clin.contains("data-sign=\"frequent\">present<"))
        #expect(clin.contains("What this page does not say"))
        #expect(clin.contains("not clinical criteria"))

        // Only the first week: the frequency sign needs 7 nights and persistence needs 3 weeks.
        let early = ClinicianSummary.compute(s, from: "2026-05-01", to: "2026-05-06")
        #expect(early.nightsRecorded == 6 && early.frequent == .unknown && early.persistent == .unknown)
    }

    @Test func reportFilesArePrivateEvenWhenTheyExistedBefore() throws {
        let path = Fixture.temporaryPath("r.html")
        #expect(FileManager.default.createFile(atPath: path, contents: Data("old".utf8),
                                               attributes: [.posixPermissions: 0o644]))
        try ReportFile.write("<p>new</p>", to: path)
        let mode = (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as! NSNumber).intValue
        #expect(mode == 0o600)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "<p>new</p>")
        let error = #expect(throws: ReportError.self) { try ReportFile.write("x", to: "/nonexistent-dir/r.html") }
        #expect(error?.description.contains("--out") == true)
    }

    /// A sum of lengths is the sum a person would write down: night-a's cramps are 63.33 s (not 63.32999999999997),
    /// and four weeks of them with night-b-faulty's 49.62 s are 790.65 s, in the numbers and in the JSON.
    @Test func sumsOfLengthsHaveNoBinaryNoise() throws {
        let (j, _) = try Fixture.fourWeeks()
        let s = try JournalSnapshot(journal: j, timeZone: Fixture.utc)
        #expect(Fixture.replayed[0].summary.crampSeconds == 63.33)
        #expect(Fixture.replayed[1].summary.totalSleepSeconds == 494.908)
        let t = TrendNumbers.compute(s)
        #expect(t.crampSeconds == 790.65, "\(t.crampSeconds)")
        #expect(t.gapSeconds == 22.624, "\(t.gapSeconds)")
        #expect(t.dates.first?.crampSeconds == 63.33)
        #expect(s.nights.first?.crampDurations.reduce(0, +) == 63.33)
        let json = String(decoding: try JSONEncoder().encode(t), as: UTF8.self)
        #expect(json.contains("\"crampSeconds\":790.65,"), "\(json.prefix(400))")
        // Two cramps of 19.92 s and 29.7 s: their median is 24.81 s.
        let one = TrendNumbers.compute(s, from: "2026-05-02", to: "2026-05-02")
        #expect(one.medianCrampSeconds == 24.81, "\(String(describing: one.medianCrampSeconds))")
        let cohort = CohortNumbers.compute([("p1", s)])
        #expect(cohort.pooled.crampSeconds == 790.65)
    }

    @Test func aNightThatIsNotThereIsAClearError() async throws {
        let j = try Journal(path: Fixture.temporaryPath())
        let s = try JournalSnapshot(journal: j)
        let error = #expect(throws: ReportError.self) { try NightReport.render(snapshot: s, journal: j, night: 5) }
        #expect(error?.description.contains("no night 5") == true)
        #expect(try await Fixture.wellFormedProblems(TrendReport.render(snapshot: s)) == "")
        #expect(try await Fixture.wellFormedProblems(ClinicianReport.render(snapshot: s)) == "")
    }
}

/// Renders the reports in a real browser when Chromium is installed (the Debian package `chromium`).
@Suite(.tags(.browser), .temporaryFolder) struct BrowserRenderingTests {
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
                          .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Fraction of pixels that are not (near) white, and the number of distinct colours, in a PNG (read with Python's
    /// PIL).
    static func inkAndColours(_ png: String) async throws -> (ink: Double, colours: Int) {
        let p = try await Python.run(["-c", """
            import sys
            from PIL import Image
            im = Image.open(sys.argv[1]).convert("RGB")
            px = list(im.getdata())
            ink = sum(1 for r, g, b in px if min(r, g, b) < 235) / len(px)
            print(ink, len(set(px)))
            """, png])
        let text = p.stdout
        let f = text.split(separator: " ").map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }
        return (Double(f.first ?? "") ?? -1, Int(f.last ?? "") ?? -1)
    }

    @Test(.enabled(if: chromium != nil, "needs chromium (apt-get install chromium)"))
    func reportsRenderInHeadlessChromiumWithoutErrors() async throws {
        let (j, _) = try Fixture.fourWeeks()
        let s = try JournalSnapshot(journal: j, timeZone: Fixture.utc)
        let pages = [("night", try NightReport.render(snapshot: s, journal: j, night: 2)),
                     ("trend", TrendReport.render(snapshot: s)), ("clinician", ClinicianReport.render(snapshot: s))]
        for (name, html) in pages {
            let file = Fixture.temporaryPath("\(name).html")
            try ReportFile.write(html, to: file)
            let png = file + ".png"
            let arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                             "--enable-logging=stderr", "--v=0",
                             "--user-data-dir=" + (file as NSString).deletingLastPathComponent + "/chromium-profile",
                             "--window-size=1100,1400", "--screenshot=" + png, "file://" + file]
            let p = try await Processes.run(Self.chromium!, arguments)
            let log = p.stderr
            #expect(p.status == 0, "\(name): \(log)")
            #expect(!log.contains("CONSOLE") && !log.contains("Uncaught"), "\(name): \(log)")
            let (ink, colours) = try await Self.inkAndColours(png)
            #expect(ink > 0.02, "\(name): the screenshot is nearly blank (\(ink))")
            #expect(colours > 20, "\(name): only \(colours) colours")
        }
    }
}
