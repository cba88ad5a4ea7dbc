import Foundation
import PostgresNIO
@testable import StudySync
import Testing
import TestSupport

/// The SCRAM-SHA-256 verifier `study enroll` sends, without a server.
struct ScramVerifierTests {
    /// The verifier of RFC 7677's example ("pencil" and its salt), as Python's hashlib computes it:
    /// `pbkdf2_hmac('sha256', …, 4096)`, then `hmac` of "Client Key" (hashed) and "Server Key".
    @Test func theVerifierIsPostgreSQLsFromAnIndependentImplementation() throws {
        let salt = try #require(Data(base64Encoded: "W22ZaJ0SNY7soEsUEjb6gQ=="))
        #expect(try ScramVerifier.make(password: "pencil", salt: Array(salt))
                == "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY="
                + ":wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=")
        let a = try ScramVerifier.make(password: "x"), b = try ScramVerifier.make(password: "x")
        #expect(a != b && a.hasPrefix("SCRAM-SHA-256$4096:"), "a new salt each time")
    }
}

/// `study enroll` gives the server a hub password's SCRAM-SHA-256 verifier, never the password.
@Suite(.serialized, .temporaryFolder, .needsPostgres)
struct EnrollmentTests {
    /// With every statement logged (`log_statement = 'all'`), enrolling and enrolling again (a new password) leave
    /// neither password in the server's log, which shows the statements were logged; the hub logs in with the
    /// newest password (a quote and letters beyond ASCII in it), and not with the first.
    @Test func thePasswordNeverReachesTheServersLog() async throws {
        let server = try PostgresServer.get()
        let admin = try await server.freshStudy("enroll")
        try await StudyConnection.with(try server.admin()) { c in
            try await c.query(PostgresQuery(unsafeSQL: "ALTER DATABASE \(admin.database) SET log_statement = 'all'"),
                              logger: StudyAdmin.logger)
        }
        let first = "first-" + UUID().uuidString, second = "it's-grüße-" + UUID().uuidString
        try await StudyEnrollment.enroll(admin, participant: "LOG-1", password: first)
        try await StudyEnrollment.enroll(admin, participant: "LOG-1", password: second)
        let hub = try server.hub(StudyEnrollment.roleName("LOG-1"), password: second, db: admin.database)
        #expect(try await StudyAdmin.strings(hub, "SELECT participant FROM study.participant") == ["LOG-1"])
        await #expect(throws: (any Error).self) {
            _ = try await StudyAdmin.count(try server.hub(StudyEnrollment.roleName("LOG-1"), password: first,
                                                          db: admin.database), "SELECT 1")
        }
        let log = try String(contentsOf: server.folder.appendingPathComponent("log"), encoding: .utf8)
        #expect(log.contains("CREATE ROLE cw_hub_log_1 LOGIN PASSWORD 'SCRAM-SHA-256$4096:"))
        #expect(log.contains("ALTER ROLE cw_hub_log_1 LOGIN PASSWORD 'SCRAM-SHA-256$4096:"))
        #expect(!log.contains(first) && !log.contains(second) && !log.contains(second.replacingOccurrences(
            of: "'", with: "''")))
    }
}
