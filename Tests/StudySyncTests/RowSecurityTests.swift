import Foundation
import Journal
import PostgresNIO
import StudySync
import Testing
import TestSupport

/// Each hub's role reads and writes its own participant's rows only; the reader group reads all.
@Suite(.serialized, .temporaryFolder, .needsPostgres)
struct RowSecurityTests {
    @Test func hubACannotReadOrWriteHubBsRows() async throws {
        let server = try PostgresServer.get()
        let admin = try await server.freshStudy("rls")
        let a = try await StudyAdmin.enroll(server, admin, "PA")
        let b = try await StudyAdmin.enroll(server, admin, "PB")
        _ = try await StudySyncer.sync(journal: try HubFixture.journal(seed: 1, nights: 3), target: a,
                                       participant: "PA")
        _ = try await StudySyncer.sync(journal: try HubFixture.journal(seed: 2, nights: 5), target: b,
                                       participant: "PB")
        // Reading: A sees its 3 nights and its own participant row, nothing of B's.
        #expect(try await StudyAdmin.count(a, "SELECT count(*) FROM study.night") == 3)
        #expect(try await StudyAdmin.count(a, "SELECT count(*) FROM study.night WHERE participant = 'PB'") == 0)
        #expect(try await StudyAdmin.count(a, "SELECT count(*) FROM study.event WHERE participant = 'PB'") == 0)
        #expect(try await StudyAdmin.count(a, "SELECT count(*) FROM study.diary_entry WHERE participant = 'PB'") == 0)
        #expect(try await StudyAdmin.strings(a, "SELECT participant FROM study.participant") == ["PA"])
        // Writing: an insert as B is refused, an update or delete of B's rows touches nothing.
        await #expect(throws: (any Error).self) {
            _ = try await StudyAdmin.count(a, """
                INSERT INTO study.noticed_cramp (participant, cramp_key, noticed_at, cramp)
                VALUES ('PB', 'forged', now(), '{}') RETURNING 1
                """)
        }
        #expect(try await StudyAdmin.count(a, """
            WITH u AS (UPDATE study.night SET withdrawn_at = now() WHERE participant = 'PB' RETURNING 1)
            SELECT count(*) FROM u
            """) == 0)
        await #expect(throws: (any Error).self) {
            _ = try await StudyAdmin.count(a, "WITH d AS (DELETE FROM study.night RETURNING 1) SELECT count(*) FROM d")
        }
        await #expect(throws: (any Error).self) {
            _ = try await StudyAdmin.count(a, "WITH u AS (UPDATE study.night SET events = '[]' RETURNING 1) "
                                          + "SELECT count(*) FROM u")
        }
        // Syncing as B with A's role is refused before anything is sent.
        await #expect(throws: StudyError.self) {
            _ = try await StudySyncer.sync(journal: try HubFixture.journal(seed: 3, nights: 1), target: a,
                                           participant: "PB")
        }
        #expect(try await StudyAdmin.count(admin, "SELECT count(*) FROM study.night WHERE withdrawn_at IS NULL") == 8)
        #expect(try await StudyAdmin.count(admin, "SELECT count(*) FROM study.noticed_cramp") == 2)
    }

    /// A role in the reader group reads every participant's rows and can write none.
    @Test func theReaderGroupReadsAllAndWritesNothing() async throws {
        let server = try PostgresServer.get()
        let admin = try await server.freshStudy("reader")
        for p in ["PR1", "PR2"] {
            let hub = try await StudyAdmin.enroll(server, admin, p)
            _ = try await StudySyncer.sync(journal: try HubFixture.journal(seed: 7, nights: 2), target: hub,
                                           participant: p)
        }
        let reader = "cw_reader_" + UUID().uuidString.prefix(6).lowercased()
        _ = try await StudyConnection.with(admin) { c in
            try await c.query(PostgresQuery(unsafeSQL: "CREATE ROLE \(reader) LOGIN PASSWORD 'r' IN ROLE "
                                            + StudySchema.readerGroup), logger: StudyAdmin.logger)
        }
        let r = try server.hub(reader, password: "r", db: admin.database)
        #expect(try await StudyAdmin.count(r, "SELECT count(*) FROM study.night") == 4)
        #expect(try await StudyAdmin.count(r, "SELECT count(DISTINCT participant) FROM study.event") == 2)
        await #expect(throws: (any Error).self) {
            _ = try await StudyAdmin.count(r, "WITH u AS (UPDATE study.night SET withdrawn_at = now() RETURNING 1) "
                                          + "SELECT count(*) FROM u")
        }
    }
}
