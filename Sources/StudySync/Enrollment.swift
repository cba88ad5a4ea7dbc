import Foundation
import PostgresNIO

/// Participants by pseudonym, each with a login role of its own: a member of `crampwatch_hub`, which row-level
/// security holds to the participant's own rows.
public enum StudyEnrollment {
    /// The pseudonym's rules: what the schema's CHECK allows, and safe inside a role name.
    public static func isValidPseudonym(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 40
            && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }

    /// The hub's role for a participant (lower case: PostgreSQL folds unquoted names).
    public static func roleName(_ participant: String) -> String {
        "cw_hub_" + participant.lowercased().replacingOccurrences(of: "-", with: "_")
    }

    /// Creates (or, enrolled again, gives a new password to) the participant's role and row. The coordinator's role
    /// needs CREATEROLE. The server gets the password's SCRAM-SHA-256 verifier, computed here, never the password
    /// itself: a statement may be logged by the server (roles take no bind parameters, so it is a literal in the
    /// statement), and the verifier does not let anyone log in.
    public static func enroll(_ target: StudyTarget, participant: String, password: String) async throws {
        guard isValidPseudonym(participant) else {
            throw StudyError("the participant id \"\(participant)\" is not a pseudonym of letters, digits, - and _ "
                             + "(at most 40)")
        }
        guard !password.contains("\0") else { throw StudyError("the hub password holds a NUL byte") }
        let role = roleName(participant)
        // Base64 and `$:`: nothing to quote inside the literal.
        let literal = "'" + (try ScramVerifier.make(password: password)) + "'"
        try await StudyConnection.with(target) { c in
            let log = StudyConnection.logger
            try await c.withTransaction(logger: log) { c in
                var exists = false
                for try await _ in try await c.query("SELECT 1 FROM pg_roles WHERE rolname = \(role)", logger: log) {
                    exists = true
                }
                let verb = exists ? "ALTER" : "CREATE"
                try await c.runScript("\(verb) ROLE \(role) LOGIN PASSWORD \(literal)")
                if !exists { try await c.runScript("GRANT \(StudySchema.hubGroup) TO \(role)") }
                try await c.query("""
                    INSERT INTO study.participant (participant, hub_role) VALUES (\(participant), \(role))
                    ON CONFLICT (participant) DO NOTHING
                    """, logger: log)
            }
        }
    }
}
