import Evaluation
import Foundation
import Journal
import Reports
import StudySync
import Testing
import TestSupport

/// The study's figures against each hub's own: the same numbers from the same code.
@Suite(.serialized, .temporaryFolder, .needsPostgres)
struct CohortTests {
    static let utc = TimeZone(identifier: "UTC")!

    @Test func cohortFiguresEqualEachHubsOwnJournal() async throws {
        let server = try PostgresServer.get()
        let admin = try await server.freshStudy("cohort")
        var journals: [String: Journal] = [:]
        for h in 0..<3 {
            let p = "PC\(h)"
            let j = try HubFixture.journal(seed: UInt64(40 + h), nights: 10 + h)
            journals[p] = j
            _ = try await StudySyncer.sync(journal: j, target: try await StudyAdmin.enroll(server, admin, p),
                                           participant: p)
        }
        // A night deleted on one hub is withdrawn at the study and left out of its figures, as of the hub's.
        #expect(try journals["PC1"]!.deleteNight(3) != nil)
        _ = try await StudySyncer.sync(journal: journals["PC1"]!,
                                       target: try await StudyAdmin.enroll(server, admin, "PC1"), participant: "PC1")
        let contents = try await StudyCohort.load(admin)
        #expect(contents.withdrawnNights == 1)
        let cohort = StudyCohort.report(contents, timeZone: Self.utc)
        #expect(cohort.participants.map(\.participant) == ["PC0", "PC1", "PC2"])
        var pooledNights = 0, pooledCrampNights = 0
        for (p, j) in journals {
            let own = TrendNumbers.compute(try JournalSnapshot(journal: j, timeZone: Self.utc))
            let copy = JournalSnapshot(path: "-", records: contents.records[p]!, timeZone: Self.utc)
            let study = TrendNumbers.compute(copy)
            #expect(study == own, "\(p)")
            let row = try #require(cohort.participants.first { $0.participant == p })
            #expect(row.nights == own.nights && row.crampNights == own.crampNights && row.cramps == own.cramps)
            #expect(row.factors == own.factors && row.medianCrampSeconds == own.medianCrampSeconds)
            let interval = Stats.wilson(own.crampNights, own.nights)
            #expect(row.crampNightsPerWeekLow == 7 * interval.low && row.crampNightsPerWeekHigh == 7 * interval.high)
            pooledNights += own.nights
            pooledCrampNights += own.crampNights
        }
        #expect(cohort.pooled.nights == 32 && pooledNights == 32)
        #expect(cohort.pooled.crampNights == pooledCrampNights)
        let html = CohortReport.render(cohort, study: "test")
        #expect(html.contains("data-metric=\"nights\">32<"))
        #expect(!html.contains("cause of") && html.contains("not causes"))
        // Each participant's own diary factors, as their trend report counts them.
        for row in cohort.participants {
            let start = try #require(html.range(of: "<section data-participant=\"\(row.participant)\">"))
            let section = String(html[start.upperBound...]).components(separatedBy: "</section>")[0]
            let recorded = row.factors.filter { $0.nightsWith > 0 }
            #expect(recorded.count >= 2, "the fixture's diary records magnesium and a late meal")
            #expect(section.components(separatedBy: "data-metric=\"nights_with\"").count - 1 == recorded.count)
            for f in recorded {
                let name = f.factor.replacingOccurrences(of: "&", with: "&amp;")
                    .replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
                #expect(section.contains("<td>\(name)</td><td class=\"n\" data-metric=\"nights_with\">"
                                         + "\(f.nightsWith)</td><td class=\"n\" data-metric=\"cramp_nights_with\">"
                                         + "\(f.crampNightsWith)</td>"), "\(row.participant) \(f.factor)")
            }
        }
    }

    /// `validate --postgres`: every scored night's stored events against its labels, with validate's metrics.
    @Test func studyValidationScoresStoredEventsAgainstLabels() async throws {
        let server = try PostgresServer.get()
        let admin = try await server.freshStudy("validate")
        var detected = 0
        for h in 0..<2 {
            let p = "PV\(h)"
            let j = try HubFixture.journal(seed: UInt64(60 + h), nights: 4)
            for id in [Int64(1), 2] {
                // The reference: every detected cramp, and one the detector missed.
                let cramps = try j.events(night: id).filter { $0.kind == "cramp" }
                detected += cramps.count
                let labels = cramps.map {
                    ReferenceAnnotationRecord(nightId: id, kind: "cramp", onsetSeconds: $0.onsetSeconds,
                                              offsetSeconds: $0.offsetSeconds, source: "scorer:T")
                } + [ReferenceAnnotationRecord(nightId: id, kind: "cramp", onsetSeconds: 20_000, offsetSeconds: 20_030,
                                               source: "scorer:T")]
                try j.saveAnnotations(labels, night: id, source: "scorer:T")
            }
            _ = try await StudySyncer.sync(journal: j, target: try await StudyAdmin.enroll(server, admin, p),
                                           participant: p)
        }
        let nights = StudyCohort.scoredNights(try await StudyCohort.load(admin))
        #expect(nights.count == 4)
        let report = Validator.evaluate(nights, toleranceSeconds: 0)
        let cramp = try #require(report.metrics("cramp"))
        #expect(cramp.reference == detected + 4 && cramp.true_positives == detected && cramp.false_negatives == 4)
        #expect(cramp.false_positives == 0 && cramp.precision == (detected > 0 ? 1 : nil))
        #expect(report.nights == 4)
    }
}
