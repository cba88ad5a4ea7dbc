import Foundation
import Journal
import StudySync
import Testing
import TestSupport

/// The README's "Running a study", through the real `crampwatch`: a coordinator from an empty database to a
/// cohort report, a hub's sync, and a password that never appears on a command line or in the output.
@Suite(.serialized, .temporaryFolder, .enabled(if: PostgresServer.available,
                                               "PostgreSQL's initdb and pg_ctl are not installed (PG_BIN)"))
struct StudyCLITests {
    @Test func coordinatorFromAnEmptyDatabaseToACohortReport() async throws {
        let server = try PostgresServer.get()
        let db = "t_cli_" + UUID().uuidString.prefix(6).lowercased()
        try await StudyAdmin.createDatabase(try server.admin(), name: db)
        let url = "postgres://\(PostgresServer.admin)@127.0.0.1:\(server.port)/\(db)?sslmode=disable"
        let coordinator = ["CRAMPWATCH_PGPASSWORD": server.password]
        let initRun = try await CLI.run(["study", "init", "--postgres", url], environment: coordinator)
        #expect(initRun.status == 0, "\(initRun.stderr)")
        #expect(initRun.stdout.contains("applied v1-participants-nights-diary, v2-roles-row-security"))
        let hubPassword = TemporaryFolder.path("hub-password")
        try Data("s3cret-hub\n".utf8).write(to: URL(fileURLWithPath: hubPassword))
        let enroll = try await CLI.run(["study", "enroll", "--postgres", url, "--participant", "H-01",
                                        "--hub-password-file", hubPassword], environment: coordinator)
        #expect(enroll.status == 0, "\(enroll.stderr)")
        #expect(enroll.stdout.contains("cw_hub_h_01"))
        let journal = try HubFixture.journal(seed: 11, nights: 3)
        let hubURL = "postgres://cw_hub_h_01@127.0.0.1:\(server.port)/\(db)?sslmode=disable"
        let sync = try await CLI.run(["sync", "--postgres", hubURL, "--password-file", hubPassword,
                                      "--participant", "H-01", "--journal", journal.path, "--json"])
        #expect(sync.status == 0, "\(sync.stderr)")
        #expect(sync.json["nightsSent"] as? Int == 3 && sync.json["diaryEntriesSent"] as? Int == 3)
        let again = try await CLI.run(["sync", "--postgres", hubURL, "--password-file", hubPassword,
                                       "--participant", "H-01", "--journal", journal.path, "--json"])
        #expect(again.json["nightsSent"] as? Int == 0 && again.json["unchanged"] as? Int == 8)
        let page = TemporaryFolder.path("cohort.html")
        let report = try await CLI.run(["study", "report", "--postgres", url, "--out", page, "--time-zone", "UTC"],
                                       environment: coordinator)
        #expect(report.status == 0, "\(report.stderr)")
        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(html.contains("H-01") && html.contains("data-metric=\"nights\">3<"))
        let json = try await CLI.run(["study", "report", "--postgres", url, "--json", "--time-zone", "UTC"],
                                     environment: coordinator)
        let pooled = json.json["pooled"] as? [String: Any]
        #expect(pooled?["nights"] as? Int == 3)
        let validate = try await CLI.run(["validate", "--postgres", url, "--json"], environment: coordinator)
        #expect(validate.status == 0, "\(validate.stderr)")
        #expect(validate.json["nights"] as? Int == 0)
        for run in [initRun, enroll, sync, again, report, json, validate] {
            let said = run.stdout + run.stderr
            #expect(!said.contains(server.password) && !said.contains("s3cret"))
        }
    }

    @Test func aPasswordInTheURLIsRefusedAndNotRepeated() async throws {
        let run = try await CLI.run(["study", "init", "--postgres", "postgres://u:hunter2@127.0.0.1:1/db"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("carries a password") && !run.stderr.contains("hunter2"))
        let nowhere = "postgres://nobody@127.0.0.1:\(try PostgresServer.freePort())/x"
        let wrong = try await CLI.run(["sync", "--postgres", nowhere,
                                       "--participant", "P", "--journal", TemporaryFolder.path("j.sqlite")],
                                      environment: ["CRAMPWATCH_PGPASSWORD": "hunter3"])
        #expect(wrong.status == 1 && wrong.stderr.contains("cannot connect") && !wrong.stderr.contains("hunter3"))
    }
}
