import Foundation
import StudySync
import Testing

/// A real PostgreSQL server for the study tests, started by the tests themselves: `initdb` into a temporary folder,
/// `pg_ctl start` on a free port of 127.0.0.1 with password (SCRAM) authentication, as the `postgres` user when the
/// tests run as root (PostgreSQL refuses to run as root). One server for the whole test process, stopped at exit;
/// each test gets a database of its own. Binaries: `PG_BIN`, else Debian's /usr/lib/postgresql/15/bin.
extension Trait where Self == ConditionTrait {
    /// The study suites' condition: PostgreSQL's programs are here (else the suite shows as skipped, with why).
    static var needsPostgres: Self {
        .enabled(if: PostgresServer.available, "PostgreSQL's initdb and pg_ctl are not installed (PG_BIN)")
    }
}

final class PostgresServer: Sendable {
    static let bin = ProcessInfo.processInfo.environment["PG_BIN"] ?? "/usr/lib/postgresql/15/bin"
    /// Whether the server's programs are here; the suites are `.enabled(if:)` this, so a machine without them shows
    /// the tests as skipped, never as passed.
    static let available = FileManager.default.isExecutableFile(atPath: bin + "/initdb")
        && FileManager.default.isExecutableFile(atPath: bin + "/pg_ctl")

    static let admin = "study_admin"
    let folder: URL
    let port: Int
    let password: String

    init(folder: URL, port: Int, password: String) {
        self.folder = folder
        self.port = port
        self.password = password
    }

    /// The one server of this process, started on first use.
    static let shared: Result<PostgresServer, any Error> = Result { try start() }

    static func get() throws -> PostgresServer { try shared.get() }

    static func start() throws -> PostgresServer {
        let folder = URL(fileURLWithPath: NSTemporaryDirectory())
            .appendingPathComponent("cw-pg-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let password = "pw-" + UUID().uuidString
        try Data((password + "\n").utf8).write(to: folder.appendingPathComponent("pwfile"))
        if getuid() == 0 { try run("/bin/chown", ["-R", "postgres:postgres", folder.path], asPostgres: false) }
        let data = folder.appendingPathComponent("data").path
        try run(bin + "/initdb", ["-D", data, "-U", admin, "--pwfile=" + folder.appendingPathComponent("pwfile").path,
                                  "--auth-host=scram-sha-256", "--auth-local=scram-sha-256", "-E", "UTF8",
                                  "--no-sync", "--no-instructions"])
        // A self-signed certificate for 127.0.0.1, so TLS (sslmode=require, verify-full) is tested for real.
        let cert = folder.appendingPathComponent("server.crt").path
        let key = folder.appendingPathComponent("server.key").path
        try run("/usr/bin/openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                                     "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                asPostgres: false)
        if getuid() == 0 { try run("/bin/chown", ["postgres:postgres", cert, key], asPostgres: false) }
        let port = try freePort()
        let options = "-p \(port) -k \(folder.path) -c listen_addresses=127.0.0.1 -c fsync=off "
            + "-c synchronous_commit=off -c full_page_writes=off -c max_connections=120 "
            + "-c ssl=on -c ssl_cert_file=\(cert) -c ssl_key_file=\(key)"
        try run(bin + "/pg_ctl", ["-D", data, "-o", options, "-l", folder.appendingPathComponent("log").path,
                                  "-w", "-t", "60", "start"])
        stopAtExit(bin: bin, data: data, folder: folder.path)
        return PostgresServer(folder: folder, port: port, password: password)
    }

    /// The server's certificate (self-signed), the root a `verify-full` client trusts.
    var certificate: String { folder.appendingPathComponent("server.crt").path }

    /// The coordinator's target (the superuser made by initdb) on database `db`.
    func admin(_ db: String = "postgres") throws -> StudyTarget {
        try StudyTarget(url: "postgres://\(Self.admin)@127.0.0.1:\(port)/\(db)?sslmode=disable", password: password)
    }

    /// A hub's target: its own role and password.
    func hub(_ role: String, password: String, db: String) throws -> StudyTarget {
        try StudyTarget(url: "postgres://\(role)@127.0.0.1:\(port)/\(db)?sslmode=disable", password: password)
    }

    /// A fresh database for one test, with the study schema in it.
    func freshStudy(_ name: String) async throws -> StudyTarget {
        let db = "t_" + name.lowercased() + "_" + UUID().uuidString.prefix(6).lowercased()
        try await StudyAdmin.createDatabase(try admin(), name: db)
        let target = try admin(db)
        _ = try await StudySchema.migrate(target)
        return target
    }

    /// Runs a program to its end (posix_spawn and waitpid: Foundation's Process waits on a descriptor that the
    /// server pg_ctl starts would inherit and keep open, so it never saw pg_ctl end).
    static func run(_ program: String, _ arguments: [String], asPostgres: Bool = true) throws {
        let argv = asPostgres && getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--", program] + arguments
            : [program] + arguments
        let errors = NSTemporaryDirectory() + "cw-pg-err-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: errors) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, errors, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let cArgs = argv.map { strdup($0) } + [nil]
        defer { for a in cArgs { free(a) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, cArgs, environ)
        guard spawned == 0 else { throw StudyError("cannot run \(argv[0]): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        guard status == 0 else {
            let message = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
            throw StudyError("\(program) failed (status \(status)): \(message)")
        }
    }

    /// A port nothing listens on now: bind port 0 on loopback, read what the kernel gave, close.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0
            }
        }
        guard bound else { throw StudyError("no free port on 127.0.0.1") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}

/// The server is stopped (immediate mode) and its folder removed when the test process exits.
nonisolated(unsafe) private var serverToStop: (bin: String, data: String, folder: String)?

private func stopAtExit(bin: String, data: String, folder: String) {
    serverToStop = (bin, data, folder)
    atexit {
        guard let s = serverToStop else { return }
        try? PostgresServer.run(s.bin + "/pg_ctl", ["-D", s.data, "-m", "immediate", "-w", "stop"])
        if ProcessInfo.processInfo.environment["KEEP"] == nil { try? FileManager.default.removeItem(atPath: s.folder) }
    }
}
