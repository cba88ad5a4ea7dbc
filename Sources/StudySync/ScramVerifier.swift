import Crypto
import _CryptoExtras
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
    static func make(password: String, salt: [UInt8] = randomSalt()) throws -> String {
        let salted = try saltedPassword(Array(password.utf8), salt: salt, iterations: iterations)
        let key = SymmetricKey(data: salted)
        let clientKey = Data(HMAC<SHA256>.authenticationCode(for: Data("Client Key".utf8), using: key))
        let storedKey = Data(SHA256.hash(data: clientKey))
        let serverKey = Data(HMAC<SHA256>.authenticationCode(for: Data("Server Key".utf8), using: key))
        return "SCRAM-SHA-256$\(iterations):\(Data(salt).base64EncodedString())$"
            + "\(storedKey.base64EncodedString()):\(serverKey.base64EncodedString())"
    }

    /// PBKDF2-HMAC-SHA-256 (RFC 8018), one SHA-256 output long, as SCRAM's SaltedPassword is. swift-crypto refuses
    /// fewer than 210,000 rounds unless told; PostgreSQL's verifier uses 4096 (its `scram_iterations`), and a verifier
    /// with other rounds would not be the one psql's `\password` makes, so the unchecked form is the right one here.
    static func saltedPassword(_ password: [UInt8], salt: [UInt8], iterations: Int) throws -> [UInt8] {
        let key = try KDF.Insecure.PBKDF2.deriveKey(from: password, salt: salt, using: .sha256,
                                                      outputByteCount: 32, unsafeUncheckedRounds: iterations)
        return key.withUnsafeBytes { Array($0) }
    }

    /// 16 bytes from the system's generator, as PostgreSQL's own salt.
    static func randomSalt() -> [UInt8] {
        var g = SystemRandomNumberGenerator()
        return (0..<16).map { _ in UInt8.random(in: 0...255, using: &g) }
    }
}
