import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import GRDB
import Pipeline
import Testing

@testable import Journal
@testable import Reports

@Suite struct ReportsTests {
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Samples")

    /// A journal with the three bundled nights on three evenings, a diary and a self-reported cramp.
    func journal() throws -> (Journal, [Int64]) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cw-reports-\(UUID().uuidString)/j.sqlite").path
        let j = try Journal(path: path)
        var ids: [Int64] = []
        for (i, night) in ["night-a", "night-b-faulty", "night-c-60hz"].enumerated() {
            let r = try Replayer().replay(path: Self.samples.appendingPathComponent("\(night)/night.cwcap").path)
            let start = ISO8601DateFormatter().date(from: "2026-11-2\(i + 1)T23:00:00Z")!
            ids.append(try NightStore.save(r, to: j, startedAt: start, startSource: "user"))
        }
        for (date, mg, stretched) in [("2026-11-21", 300.0, true), ("2026-11-22", 0.0, false), ("2026-11-23", 250.0, true)] {
            var e = DiaryEntry(date: date)
            e.magnesiumMg = mg
            e.stretchedBeforeBed = stretched
            e.bedtime = "22:45"
            try j.saveDiary(e)
        }
        return (j, ids)
    }

    /// Every inline SVG must be well-formed XML, and the page must have balanced <html>/<body>.
    func checkWellFormed(_ html: String, charts: Bool = true) throws {
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("</body></html>"))
        #expect(!html.contains("http://") || html.components(separatedBy: "http://").dropFirst().allSatisfy { $0.hasPrefix("www.w3.org/2000/svg") })
        var rest = html[...]
        var count = 0
        while let start = rest.range(of: "<svg"), let end = rest.range(of: "</svg>", range: start.upperBound..<rest.endIndex) {
            let fragment = String(rest[start.lowerBound..<end.upperBound])
            _ = try XMLDocument(xmlString: fragment, options: [])
            count += 1
            rest = rest[end.upperBound...]
        }
        #expect(!charts || count >= 1)
    }

    @Test func nightReportShowsTheNightAndItsLimits() throws {
        let (j, ids) = try journal()
        let d = try #require(try NightData.load(j, night: ids[0]))
        let html = Reports.night(d)
        try checkWellFormed(html)
        #expect(d.cramps.count == 3)
        #expect(html.contains("<div class=\"big\">3</div>cramps"))
        #expect(html.components(separatedBy: "<title>cramp ").count - 1 == 3)
        #expect(html.contains("Data gaps: 0"))
        #expect(try #require(d.trace).envelopeValues.count == 720)
        let faulty = Reports.night(try #require(try NightData.load(j, night: ids[1])))
        #expect(faulty.contains("frames lost"))
        #expect(!faulty.contains("Data gaps: 0 "))
    }

    @Test func trendAndClinicianPagesCountWhatWasRecorded() throws {
        let (j, _) = try journal()
        let nights = try j.nights().compactMap { try NightData.load(j, night: $0.id!) }
        let trend = Reports.trend(nights: nights, diary: try j.diary())
        try checkWellFormed(trend)
        #expect(trend.contains("3 recorded nights"))
        #expect(trend.contains("magnesium mg"))
        #expect(trend.contains("stretched before bed"))
        let clinician = Reports.clinician(nights: nights, reconciliation: nil)
        try checkWellFormed(clinician, charts: false)
        let cramps = nights.reduce(0) { $0 + $1.cramps.count }
        #expect(clinician.contains("\(nights.filter { !$0.cramps.isEmpty }.count) of 3"))
        #expect(clinician.contains("\(cramps) in all"))
        // Cramps on 3 of 3 nights in 3 days: frequent, and they woke the sleeper.
        #expect(clinician.contains("frequent") && clinician.contains("disrupting sleep"))
    }

    @Test func selfReportsAreReconciledWithDetections() throws {
        let (j, ids) = try journal()
        let first = try #require(try NightData.load(j, night: ids[0]))
        let start = first.night.startedAt!
        let c = first.cramps[0]
        // One noticed a minute after the detected onset, one at a time with no detected cramp, one on an unrecorded night.
        try j.saveSelfReportedCramp(SelfReportedCramp(time: start.addingTimeInterval(c.onsetSeconds + 60), leg: "left", pain: 6))
        try j.saveSelfReportedCramp(SelfReportedCramp(time: start.addingTimeInterval(440), leg: "right", pain: 3))
        try j.saveSelfReportedCramp(SelfReportedCramp(time: ISO8601DateFormatter().date(from: "2026-10-01T03:00:00Z")!, leg: "both", pain: 8))
        let nights = try j.nights().compactMap { try NightData.load(j, night: $0.id!) }
        let r = Reconciliation.reconcile(reports: try j.selfReportedCramps(), nights: nights, diaryDates: Set(try j.diary().map(\.date)), windowMinutes: 1.5)
        #expect(r.matched.count == 1)
        #expect(r.missedByDetector.count == 1)
        #expect(r.unrecorded.count == 1)
        let detected = nights.reduce(0) { $0 + $1.cramps.count }
        #expect(r.notNoticed.count == detected - 1)
    }

    @Test func aVersionOneJournalIsMigratedWithItsNights() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cw-v1-\(UUID().uuidString).sqlite").path
        let queue = try DatabaseQueue(path: path)
        try Journal.migrator.migrate(queue, upTo: "v1-nights-events-gaps")
        try queue.write { db in
            try db.execute(sql: "INSERT INTO night (startSource, durationSeconds, source, framesReceived, framesLost, corruptFrames, createdAt) VALUES ('unknown', 600, 'replay', 10, 0, 0, '2026-11-20 00:00:00')")
        }
        try queue.close()
        let j = try Journal(path: path)
        #expect(try j.nights().count == 1)
        var e = DiaryEntry(date: "2026-11-20")
        e.fluidsMl = 1200
        try j.saveDiary(e)
        #expect(try j.diary().first?.fluidsMl == 1200)
        #expect(try j.trace(night: 1) == nil)
    }
}
