import Foundation
import GRDB
import Journal
import StudySync
import Testing
import TestSupport

/// `study init`, `sync` and row-level security against a real PostgreSQL 15 the tests start (PostgresServer).
@Suite(.serialized, .temporaryFolder, .needsPostgres)
struct SyncTests {
    @Test func initTwiceAppliesEachMigrationOnce() async throws {
        let server = try PostgresServer.get()
        let target = try await server.freshStudy("init")
        #expect(try await StudySchema.migrate(target) == [])
        let applied = try await StudyAdmin.strings(target, "SELECT id FROM study.schema_migration ORDER BY id")
        #expect(applied == StudySchema.migrations.map(\.id).sorted())
    }

    /// A night with an accelerometer is written as before the study knew of accelerometers (the same bytes, so the
    /// same content key: not sent again after an upgrade); a night without one says so, and reads back so.
    @Test func theAccelerometerIsWrittenOnlyWhenMissing() throws {
        let night = try #require(try HubFixture.journal(seed: 5, nights: 1).nights().first)
        let measured = NightDocument(night: night, figures: nil, events: [], gaps: [], referenceLabels: [],
                                     emgMeasured: true, configHash: nil)
        var missing = measured
        missing.accelMeasured = false
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        let a = String(decoding: try e.encode(measured), as: UTF8.self)
        let b = String(decoding: try e.encode(missing), as: UTF8.self)
        #expect(!a.contains("accelMeasured") && b.contains("\"accelMeasured\":false"))
        #expect(try JSONDecoder().decode(NightDocument.self, from: Data(a.utf8)) == measured)
        #expect(try JSONDecoder().decode(NightDocument.self, from: Data(b.utf8)) == missing)
    }

    /// TLS: sslmode=require encrypts, verify-full checks the certificate against sslrootcert (and refuses a wrong
    /// root), and the server says the session is encrypted.
    @Test func tlsRequireAndVerifyFull() async throws {
        let server = try PostgresServer.get()
        let base = "postgres://\(PostgresServer.admin)@127.0.0.1:\(server.port)/postgres"
        let query = "SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
        for mode in ["require", "verify-full&sslrootcert=\(server.certificate)"] {
            let target = try StudyTarget(url: "\(base)?sslmode=\(mode)", password: server.password)
            #expect(try await StudyAdmin.strings(target, query) == ["true"], "\(mode)")
        }
        let plain = try StudyTarget(url: "\(base)?sslmode=disable", password: server.password)
        #expect(try await StudyAdmin.strings(plain, query) == ["false"])
        let wrongRoot = TemporaryFolder.path("other.pem")
        try await PostgresServerTLS.otherCertificate(at: wrongRoot)
        let refused = try StudyTarget(url: "\(base)?sslmode=verify-full&sslrootcert=\(wrongRoot)",
                                      password: server.password)
        await #expect(throws: StudyError.self) { _ = try await StudyAdmin.strings(refused, query) }
    }

    /// 20 hubs of 10 nights sync at once, each as its own role; a second sync changes no row.
    @Test func twentyHubsAtOnceThenASecondSyncChangesNothing() async throws {
        let server = try PostgresServer.get()
        let admin = try await server.freshStudy("twenty")
        let hubs = try await withThrowingTaskGroup(of: (String, StudyTarget, Journal).self) { group in
            for h in 0..<20 {
                group.addTask {
                    let p = "P20-\(h)"
                    let journal = try HubFixture.journal(seed: UInt64(h + 1), nights: 10)
                    return (p, try await StudyAdmin.enroll(server, admin, p), journal)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let first = try await syncAll(hubs)
        #expect(first.map(\.nightsSent) == Array(repeating: 10, count: 20))
        #expect(first.map(\.diaryEntriesSent) == Array(repeating: 10, count: 20))
        #expect(try await StudyAdmin.count(admin, "SELECT count(*) FROM study.night") == 200)
        #expect(try await StudyAdmin.count(admin, "SELECT count(DISTINCT participant) FROM study.night") == 20)
        #expect(try await StudyAdmin.count(admin, "SELECT count(*) FROM study.diary_entry") == 200)
        #expect(try await StudyAdmin.count(admin, "SELECT count(*) FROM study.noticed_cramp") == 20)
        #expect(try await StudyAdmin.count(admin, "SELECT count(*) FROM study.diary_entry WHERE entry ? 'notes'") == 0)
        let versions = "SELECT participant || night_key || xmin::text FROM study.night ORDER BY 1"
        let before = try await StudyAdmin.strings(admin, versions)
        let second = try await syncAll(hubs)
        #expect(second.allSatisfy { !$0.sentAnything && $0.unchanged == 22 }, "\(second)")
        #expect(try await StudyAdmin.strings(admin, versions) == before)
    }

    func syncAll(_ hubs: [(String, StudyTarget, Journal)]) async throws -> [SyncSummary] {
        try await withThrowingTaskGroup(of: SyncSummary.self) { group in
            for (p, target, journal) in hubs {
                group.addTask { try await StudySyncer.sync(journal: journal, target: target, participant: p) }
            }
            return try await group.reduce(into: []) { $0.append($1) }.sorted { $0.participant < $1.participant }
        }
    }

    /// A sync cut short: 4 nights committed; then the hub "died" after the study committed 2 more but before its
    /// watermark was written. The next sync sends the rest, and the study holds each night once.
    @Test func aSyncCutShortResumesWithoutDuplicates() async throws {
        let server = try PostgresServer.get()
        let admin = try await server.freshStudy("resume")
        let hub = try await StudyAdmin.enroll(server, admin, "Pcut")
        let journal = try HubFixture.journal(seed: 99, nights: 10)
        let part = try await StudySyncer.sync(journal: journal, target: hub, participant: "Pcut", maxNights: 6)
        #expect(part.nightsSent == 6 && part.nightsLeft == 4)
        try await DatabaseQueue(path: journal.path).write { db in
            try db.execute(sql: """
                DELETE FROM studySynced WHERE kind = 'night' AND localId IN
                  (SELECT localId FROM studySynced WHERE kind = 'night' ORDER BY localId DESC LIMIT 2)
                """)
        }
        #expect(try await StudyAdmin.count(admin, "SELECT count(*) FROM study.night") == 6)
        let rest = try await StudySyncer.sync(journal: journal, target: hub, participant: "Pcut")
        #expect(rest.nightsSent == 6 && rest.nightsLeft == 0)
        #expect(try await StudyAdmin.count(admin, "SELECT count(*) FROM study.night") == 10)
        #expect(try await StudyAdmin.count(admin, "SELECT count(DISTINCT hub_night_id) FROM study.night") == 10)
        let again = try await StudySyncer.sync(journal: journal, target: hub, participant: "Pcut")
        #expect(!again.sentAnything)
    }

    /// The real thing: `crampwatch sync` killed (SIGKILL) while it sends 300 nights, then a sync that finishes. Every
    /// night the study committed is kept, none is there twice, and the second sync sends only what was missing (at
    /// most one night more: committed at the study, killed before its watermark).
    @Test func aSyncKilledMidWayResumes() async throws {
        let server = try PostgresServer.get()
        let admin = try await server.freshStudy("kill")
        let hub = try await StudyAdmin.enroll(server, admin, "Pkill")
        let journal = try HubFixture.journal(seed: 31, nights: 300)
        let passwordFile = TemporaryFolder.path("pw")
        try Data((hub.password ?? "").utf8).write(to: URL(fileURLWithPath: passwordFile))
        let url = "postgres://\(hub.user)@127.0.0.1:\(server.port)/\(hub.database)?sslmode=disable"
        // The watch and the kill run in a shell of their own, polling with psql: a Swift task's sleep can come back
        // seconds late when every test shares two cooperative threads, and by then all 300 nights may be sent.
        let adminURL = "postgresql://\(PostgresServer.admin)@127.0.0.1:\(server.port)/\(admin.database)?sslmode=disable"
        let watch = """
            "$@" & child=$!
            while [ "$(psql "$0" -tAqc 'SELECT count(*) FROM study.night' 2>/dev/null || echo 0)" -lt 5 ]; do
                kill -0 "$child" 2>/dev/null || break
                sleep 0.005
            done
            kill -KILL "$child"; wait "$child"
            """
        let result = try await Processes.run(
            "/bin/sh", ["-c", watch, adminURL, Binary.crampwatch, "sync", "--postgres", url, "--password-file",
                        passwordFile, "--participant", "Pkill", "--journal", journal.path],
            environment: ["PGPASSWORD": server.password])
        // The shell's status for a child ended by SIGKILL is 128 + 9.
        #expect(result.status == 128 + SIGKILL, "\(result.stderr)")
        let atKill = try await StudyAdmin.count(admin, "SELECT count(*) FROM study.night")
        let watermarked = try journal.studySynced(study: "127.0.0.1:\(server.port)/\(hub.database)#Pkill")
            .filter { $0.kind == "night" }.count
        #expect(atKill >= 5 && atKill < 300, "killed after \(atKill) nights")
        #expect(watermarked == atKill || watermarked == atKill - 1, "\(watermarked) of \(atKill)")
        let rest = try await StudySyncer.sync(journal: journal, target: hub, participant: "Pkill")
        #expect(rest.nightsSent == 300 - watermarked)
        #expect(try await StudyAdmin.count(admin, "SELECT count(*) FROM study.night") == 300)
        #expect(try await StudyAdmin.count(admin, "SELECT count(DISTINCT hub_night_id) FROM study.night") == 300)
    }

    /// A night deleted on the hub is marked withdrawn at the study, not removed; the others stay as they were.
    @Test func aDeletedNightIsWithdrawnNotRemoved() async throws {
        let server = try PostgresServer.get()
        let admin = try await server.freshStudy("withdraw")
        let hub = try await StudyAdmin.enroll(server, admin, "Pdel")
        let journal = try HubFixture.journal(seed: 5, nights: 4)
        _ = try await StudySyncer.sync(journal: journal, target: hub, participant: "Pdel")
        #expect(try journal.deleteNight(2) != nil)
        let s = try await StudySyncer.sync(journal: journal, target: hub, participant: "Pdel")
        #expect(s.withdrawn == 1 && s.nightsSent == 0)
        #expect(try await StudyAdmin.count(admin, "SELECT count(*) FROM study.night") == 4)
        let withdrawn = try await StudyAdmin.strings(
            admin, "SELECT hub_night_id::text FROM study.night WHERE withdrawn_at IS NOT NULL")
        #expect(withdrawn == ["2"])
        #expect(!(try await StudySyncer.sync(journal: journal, target: hub, participant: "Pdel")).sentAnything)
    }
}

enum PostgresServerTLS {
    /// A self-signed certificate that did not sign the server's.
    static func otherCertificate(at path: String) async throws {
        try PostgresServer.run("/usr/bin/openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                                                    path + ".key", "-out", path, "-days", "1", "-subj", "/CN=other"],
                               asPostgres: false)
    }
}
