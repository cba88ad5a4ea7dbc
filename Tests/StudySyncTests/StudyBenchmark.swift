import Evaluation
import Foundation
import Journal
import StudySync
import Testing
import TestSupport

/// The README's study figure, not a timed test: 500 hubs × 30 nights synced into one study (wall time, database
/// size), then `validate --postgres`'s work over 1,000 scored nights. Runs only when asked:
/// `STUDY_BENCH=1 swift test --skip-build --filter StudyBenchmark` (STUDY_BENCH_HUBS, STUDY_BENCH_NIGHTS,
/// STUDY_BENCH_PARALLEL change the sizes); prints one line of figures.
@Suite(.serialized, .temporaryFolder, .enabled(if: PostgresServer.available && BenchmarkSwitch.asked,
                                               "a benchmark: set STUDY_BENCH=1 to run it"))
struct StudyBenchmark {
    static let env = ProcessInfo.processInfo.environment

    @Test func fiveHundredHubsOfThirtyNights() async throws {
        let hubs = Int(Self.env["STUDY_BENCH_HUBS"] ?? "") ?? 500
        let nights = Int(Self.env["STUDY_BENCH_NIGHTS"] ?? "") ?? 30
        let parallel = Int(Self.env["STUDY_BENCH_PARALLEL"] ?? "") ?? 8
        let scoredWanted = 1_000
        let server = try PostgresServer.get()
        let admin = try await server.freshStudy("bench")
        // The hubs' journals and roles first: only the sync is timed.
        var prepared: [(String, StudyTarget, Journal)] = []
        var scored = 0
        for h in 0..<hubs {
            let p = "B\(h)"
            let j = try HubFixture.journal(seed: UInt64(1_000 + h), nights: nights)
            for id in 1...Int64(nights) where scored < scoredWanted {
                let labels = try j.events(night: id).filter { $0.kind == "cramp" }.map {
                    ReferenceAnnotationRecord(nightId: id, kind: "cramp", onsetSeconds: $0.onsetSeconds + 1,
                                              offsetSeconds: $0.offsetSeconds, source: "bench")
                }
                try j.saveAnnotations(labels + [ReferenceAnnotationRecord(
                    nightId: id, kind: "cramp", onsetSeconds: 20_000, offsetSeconds: 20_025, source: "bench")],
                                      night: id, source: "bench")
                scored += 1
            }
            prepared.append((p, try await StudyAdmin.enroll(server, admin, p), j))
        }
        let started = Date()
        var next = 0
        try await withThrowingTaskGroup(of: Void.self) { group in
            func add() {
                guard next < prepared.count else { return }
                let (p, target, j) = prepared[next]
                next += 1
                group.addTask { _ = try await StudySyncer.sync(journal: j, target: target, participant: p) }
            }
            for _ in 0..<parallel { add() }
            while try await group.next() != nil { add() }
        }
        let syncSeconds = Date().timeIntervalSince(started)
        let total = try await StudyAdmin.count(admin, "SELECT count(*) FROM study.night")
        #expect(total == hubs * nights)
        let size = try await StudyAdmin.count(admin, "SELECT pg_database_size(current_database())::bigint")
        let again = Date()
        _ = try await StudySyncer.sync(journal: prepared[0].2, target: prepared[0].1, participant: prepared[0].0)
        let secondSync = Date().timeIntervalSince(again)
        let validation = Date()
        let scoredNights = StudyCohort.scoredNights(try await StudyCohort.load(admin, scoredOnly: true))
        let report = Validator.evaluate(scoredNights, toleranceSeconds: 0)
        let validationSeconds = Date().timeIntervalSince(validation)
        #expect(report.nights == min(scoredWanted, hubs * nights))
        let reportStart = Date()
        let cohort = StudyCohort.report(try await StudyCohort.load(admin), timeZone: TimeZone(identifier: "UTC")!)
        let reportSeconds = Date().timeIntervalSince(reportStart)
        #expect(cohort.pooled.nights == hubs * nights)
        print(String(format: "study bench: %d hubs x %d nights synced (%d at a time) in %.1f s (%.0f nights/s); "
                     + "database %.1f MB; one hub's second sync %.2f s; cohort validation of %d scored nights "
                     + "(load + score) %.1f s, cramp F1 %.3f; cohort report %.1f s",
                     hubs, nights, parallel, syncSeconds, Double(total) / syncSeconds, Double(size) / 1_048_576,
                     secondSync, report.nights, validationSeconds, report.metrics("cramp")?.f1 ?? -1, reportSeconds))
    }
}

/// Whether the benchmark was asked for (apart from its suite: a trait cannot name the type it is attached to).
enum BenchmarkSwitch {
    static let asked = ProcessInfo.processInfo.environment["STUDY_BENCH"] != nil
}
