import Crypto
import Foundation

/// A password as PostgreSQL stores it for SCRAM-SHA-256 authentication (RFC 5802, RFC 7677), computed here as psql's
/// `\password` computes it: `CREATE ROLE … PASSWORD 'SCRAM-SHA-256$…'` gives the server the verifier, never the
/// password, so the password cannot reach the server's log (`log_statement = 'all'`), `pg_stat_activity` or an
/// error message quoting the statement.
enum ScramVerifier {
    /// PostgreSQL's default (`scram_iterations`).
    static let iterations = 4096

    /// `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, each in base64. The password's UTF-8 bytes are used
    /// as they are: that is what the hub's client (postgres-nio) sends when it logs in; PostgreSQL's SASLprep of a
    /// password typed in psql changes nothing of one in printable ASCII.
    static func make(password: String, salt: [UInt8] = randomSalt()) -> String {
        let salted = saltedPassword(Array(password.utf8), salt: salt, iterations: iterations)
        let key = SymmetricKey(data: salted)
        let clientKey = Data(HMAC<SHA256>.authenticationCode(for: Data("Client Key".utf8), using: key))
        let storedKey = Data(SHA256.hash(data: clientKey))
        let serverKey = Data(HMAC<SHA256>.authenticationCode(for: Data("Server Key".utf8), using: key))
        return "SCRAM-SHA-256$\(iterations):\(Data(salt).base64EncodedString())$"
            + "\(storedKey.base64EncodedString()):\(serverKey.base64EncodedString())"
    }

    /// PBKDF2-HMAC-SHA-256 (RFC 8018) of one block: SCRAM's SaltedPassword is one SHA-256 output long.
    static func saltedPassword(_ password: [UInt8], salt: [UInt8], iterations: Int) -> [UInt8] {
        let key = SymmetricKey(data: password)
        var u = Array(HMAC<SHA256>.authenticationCode(for: salt + [0, 0, 0, 1], using: key))
        var result = u
        for _ in 1..<iterations {
            u = Array(HMAC<SHA256>.authenticationCode(for: u, using: key))
            for i in result.indices { result[i] ^= u[i] }
        }
        return result
    }

    /// 16 bytes from the system's generator, as PostgreSQL's own salt.
    static func randomSalt() -> [UInt8] {
        var g = SystemRandomNumberGenerator()
        return (0..<16).map { _ in UInt8.random(in: 0...255, using: &g) }
    }
}
