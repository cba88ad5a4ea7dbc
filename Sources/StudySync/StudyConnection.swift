import Foundation
import PostgresNIO

/// A problem with the study database, with what to do about it. Never carries a password.
public struct StudyError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "study: \(message)" }
}

/// Where the study database is and how to reach it: `postgres://USER@HOST:PORT/DATABASE?sslmode=...`.
///
/// The password never comes from the URL (a command line is visible to every user of the machine in `ps` and lands
/// in shell histories): it is read from a file (`--password-file`) or from the environment
/// (`CRAMPWATCH_PGPASSWORD`, then `PGPASSWORD`). `sslmode` is `disable`, `prefer` (the default, as libpq's),
/// `require` (encrypted, certificate not checked) or `verify-full` (encrypted, certificate and host name checked
/// against `sslrootcert`, or the system's roots).
public struct StudyTarget: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var user: String
    public var database: String
    public var sslMode: String
    public var sslRootCert: String?
    public var password: String?

    public static let sslModes = ["disable", "prefer", "require", "verify-full"]

    /// Parses the URL; refuses one that carries a password.
    public init(url: String, password: String?) throws {
        guard let c = URLComponents(string: url), c.scheme == "postgres" || c.scheme == "postgresql" else {
            throw StudyError("--postgres wants a URL such as postgres://USER@HOST:5432/DATABASE, not \"\(url)\"")
        }
        guard c.password == nil else {
            throw StudyError("the --postgres URL carries a password; take it out and put it in a file "
                             + "(--password-file) or in CRAMPWATCH_PGPASSWORD, so it is not on the command line")
        }
        guard let user = c.user, !user.isEmpty else {
            throw StudyError("the --postgres URL names no user (postgres://USER@HOST/DATABASE)")
        }
        host = c.host.flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1"
        port = c.port ?? 5432
        self.user = user
        let path = c.path.hasPrefix("/") ? String(c.path.dropFirst()) : c.path
        database = path.isEmpty ? user : path
        let query = Dictionary((c.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, b in b })
        sslMode = query["sslmode"] ?? "prefer"
        guard Self.sslModes.contains(sslMode) else {
            throw StudyError("sslmode \(sslMode) is not one of \(Self.sslModes.joined(separator: ", "))")
        }
        sslRootCert = query["sslrootcert"]
        self.password = password
    }

    /// The password from `file` (its first line), else from the environment; nil when neither gives one.
    public static func password(file: String?, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws -> String? {
        if let file {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw StudyError("cannot read the password file \(file)")
            }
            return String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
        }
        return environment["CRAMPWATCH_PGPASSWORD"] ?? environment["PGPASSWORD"]
    }

    /// The study as the local journal names it in its watermark: no user, no password.
    public var studyName: String { "\(host):\(port)/\(database)" }

    func configuration() throws -> PostgresConnection.Configuration {
        PostgresConnection.Configuration(host: host, port: port, username: user, password: password,
                                         database: database, tls: try tls())
    }

    func tls() throws -> PostgresConnection.Configuration.TLS {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch sslMode {
        case "disable":
            return .disable
        case "verify-full":
            if let root = sslRootCert { tls.trustRoots = .file(root) }
            tls.certificateVerification = .fullVerification
        default:
            tls.certificateVerification = .none
        }
        let context: NIOSSLContext
        do { context = try NIOSSLContext(configuration: tls) } catch {
            throw StudyError("cannot set up TLS (sslrootcert \(sslRootCert ?? "-")): \(error)")
        }
        return sslMode == "prefer" ? .prefer(context) : .require(context)
    }
}

/// One connection to the study database, closed by `with`.
public enum StudyConnection {
    /// A logger that keeps the driver quiet: nothing it knows (queries, binds) reaches a log.
    static var logger: Logger {
        var l = Logger(label: "crampwatch.study")
        l.logLevel = .critical
        return l
    }

    /// Connects, runs `body`, and closes the connection whatever happens.
    public static func with<T: Sendable>(_ target: StudyTarget,
                                         _ body: (PostgresConnection) async throws -> T) async throws -> T {
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: try target.configuration(),
                                                              id: 1, logger: logger)
        } catch let error as StudyError {
            throw error
        } catch {
            throw StudyError("cannot connect to \(target.studyName) as \(target.user): \(describe(error))")
        }
        do {
            let result = try await body(connection)
            try? await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// What went wrong, in the server's words when it said something (never the query's binds).
    public static func describe(_ error: any Error) -> String {
        if let e = error as? StudyError { return e.message }
        if let p = error as? PSQLError {
            if let message = p.serverInfo?[.message] { return message }
            return "\(p.code)"
        }
        if let t = error as? PostgresTransactionError {
            return [t.closureError, t.commitError, t.beginError].compactMap { $0 }.first.map(describe) ?? "\(t)"
        }
        return "\(error)"
    }
}
