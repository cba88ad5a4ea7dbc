import Foundation
import Journal
import PostgresNIO
import StudySync
import Testing
import TestSupport

/// The README's "Running a study", through the real `crampwatch`: a coordinator from an empty database to a
/// cohort report, a hub's sync, and a password that never appears on a command line or in the output.
@Suite(.serialized, .temporaryFolder, .needsPostgres)
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

    /// The README's coordinator: a role with CREATEROLE that owns the study's database, not a superuser, runs
    /// init, enroll, report and validate, and a hub it enrolled syncs.
    @Test func aCoordinatorWhoIsNotASuperuser() async throws {
        let server = try PostgresServer.get()
        let suffix = UUID().uuidString.prefix(6).lowercased()
        let (coordinator, db, password) = ("coord_\(suffix)", "t_coord_\(suffix)", "pw-\(UUID().uuidString)")
        try await StudyConnection.with(try server.admin()) { c in
            for sql in ["CREATE ROLE \(coordinator) LOGIN CREATEROLE PASSWORD '\(password)'",
                        "CREATE DATABASE \(db) OWNER \(coordinator)"] {
                try await c.query(PostgresQuery(unsafeSQL: sql), logger: StudyAdmin.logger)
            }
        }
        let url = "postgres://\(coordinator)@127.0.0.1:\(server.port)/\(db)?sslmode=disable"
        let env = ["CRAMPWATCH_PGPASSWORD": password]
        let me = try StudyTarget(url: url, password: password)
        #expect(try await StudyAdmin.strings(me, "SELECT rolsuper::text FROM pg_roles WHERE rolname = current_user")
                == ["false"])
        let initRun = try await CLI.run(["study", "init", "--postgres", url], environment: env)
        #expect(initRun.status == 0, "\(initRun.stderr)")
        let hubPassword = TemporaryFolder.path("coord-hub-password")
        try Data("hub-\(suffix)\n".utf8).write(to: URL(fileURLWithPath: hubPassword))
        let enroll = try await CLI.run(["study", "enroll", "--postgres", url, "--participant", "C-1",
                                        "--hub-password-file", hubPassword], environment: env)
        #expect(enroll.status == 0, "\(enroll.stderr)")
        let journal = try HubFixture.journal(seed: 21, nights: 4)
        let sync = try await CLI.run(["sync", "--postgres",
                                      "postgres://cw_hub_c_1@127.0.0.1:\(server.port)/\(db)?sslmode=disable",
                                      "--password-file", hubPassword, "--participant", "C-1",
                                      "--journal", journal.path, "--json"])
        #expect(sync.status == 0, "\(sync.stderr)")
        #expect(sync.json["nightsSent"] as? Int == 4)
        let report = try await CLI.run(["study", "report", "--postgres", url, "--json", "--time-zone", "UTC"],
                                       environment: env)
        #expect(report.status == 0, "\(report.stderr)")
        #expect((report.json["pooled"] as? [String: Any])?["nights"] as? Int == 4)
        let validate = try await CLI.run(["validate", "--postgres", url, "--json"], environment: env)
        #expect(validate.status == 0 && validate.json["nights"] as? Int == 0, "\(validate.stderr)")
    }

    /// `validate --postgres` gives `validate`'s metrics on the same nights: night-a's capture and a leg-worn EDF (EMG
    /// and an accelerometer), and a sleep-lab EDF without an accelerometer from the same equipment field, validated
    /// from their files, and from the study after a hub replayed them into its journal, imported their labels (by
    /// absolute path) and synced. Without each night's accelerometer at the study, the sleep-lab night's
    /// interruption labels would count as missed there (or the leg-worn night's would be left out).
    @Test(.tags(.python)) func studyValidationEqualsValidateOnTheFiles() async throws {
        let server = try PostgresServer.get()
        let admin = try await server.freshStudy("same")
        let url = "postgres://\(PostgresServer.admin)@127.0.0.1:\(server.port)/\(admin.database)?sslmode=disable"
        let lab = try TemporaryFolder.make("lab").path
        let generator = Repository.tests.appendingPathComponent("IndependentNights/generate.py").path
        let g = try await Python.run([generator, lab, "--nights", "1", "--hours", "0.5"])
        try #require(g.status == 0, "\(g.stderr)")
        let nightA = Repository.samples.appendingPathComponent("night-a").path
        let nights = [("\(nightA)/night.cwcap", "\(nightA)/labels.csv")] + ["leg-worn", "sleep-lab"].map {
            ("\(lab)/\($0)/night-00/night.edf", "\(lab)/\($0)/night-00/labels.csv")
        }
        let journal = TemporaryFolder.path("same.sqlite")
        for (i, (recording, labels)) in nights.enumerated() {
            let replay = try await CLI.run(["replay", recording, "--journal", journal])
            try #require(replay.status == 0, "\(replay.stderr)")
            let annotate = try await CLI.run(["journal", "annotate", "\(i + 1)", labels, "--journal", journal])
            try #require(annotate.status == 0, "\(annotate.stderr)")
        }
        let files = try await CLI.run(["validate"] + nights.map(\.0) + nights.flatMap { ["--labels", $0.1] }
                                      + ["--journal", journal, "--json"])
        try #require(files.status == 0, "\(files.stderr)")
        let hub = try await StudyAdmin.enroll(server, admin, "SAME")
        let j = try Journal(path: journal)
        let synced = try await StudySyncer.sync(journal: j, target: hub, participant: "SAME")
        #expect(synced.nightsSent == 3)
        let study = try await CLI.run(["validate", "--postgres", url, "--json"],
                                      environment: ["CRAMPWATCH_PGPASSWORD": server.password])
        try #require(study.status == 0, "\(study.stderr)")
        #expect(files.json["nights"] as? Int == 3)
        let fromFiles = try Self.metrics(files.json), fromStudy = try Self.metrics(study.json)
        #expect(fromStudy == fromFiles)
        let recordings = study.json["recordings"] as? [[String: Any]] ?? []
        #expect(recordings.map { $0["accel_measured"] as? Bool } == [true, true, false])
        let pooled = study.json["pooled"] as? [[String: Any]] ?? []
        let interruptions = pooled.first { $0["kind"] as? String == "sleep_interruption" }
        // night-a's three labelled interruptions and the leg-worn night's; the sleep-lab night's are not measured.
        let legWorn = try String(contentsOfFile: nights[1].1, encoding: .utf8).split(separator: "\n")
            .filter { $0.hasPrefix("sleep_interruption,") }.count
        #expect(legWorn > 0 && interruptions?["reference"] as? Int == 3 + legWorn)
        #expect(study.json["nights"] as? Int == 3)
        // The labels were imported by absolute path, which the journal keeps; the study gets the file's name only.
        #expect(try j.annotations(night: 1).first?.source == "\(nightA)/labels.csv")
        #expect(try await StudyAdmin.strings(admin, """
            SELECT DISTINCT l->>'source' FROM study.night, jsonb_array_elements(reference_labels) l
            """) == ["labels.csv"])
        for folder in [nightA, lab] {
            #expect(try await StudyAdmin.count(admin, """
                SELECT count(*) FROM study.night n WHERE strpos(n::text, '\(folder)') > 0
                """) == 0)
        }
    }

    /// A validate report's metrics as canonical JSON: everything but the names and the reference's file, which say
    /// where a night came from (a path, or a participant's night), not how it scored.
    static func metrics(_ report: [String: Any]) throws -> String {
        var r = report
        r["recordings"] = (report["recordings"] as? [[String: Any]] ?? []).map { m in
            m.filter { !["recording", "reference", "channel_notes"].contains($0.key) }
        }
        return String(decoding: try JSONSerialization.data(withJSONObject: r, options: [.sortedKeys]), as: UTF8.self)
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
