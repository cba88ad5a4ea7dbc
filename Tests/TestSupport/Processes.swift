import Foundation
import Subprocess
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// How a child process ended, and everything it wrote.
public struct ProcessResult: Sendable {
    /// The exit code, or the signal number when `signalled`.
    public var status: Int32
    /// Whether a signal ended the process (a crash, or a kill).
    public var signalled: Bool
    /// The bytes written to standard output (empty when it went elsewhere).
    public var output: Data
    /// The bytes written to standard error (empty when they went elsewhere).
    public var errorOutput: Data

    /// Standard output as UTF-8 text.
    public var stdout: String { String(decoding: output, as: UTF8.self) }
    /// Standard error as UTF-8 text.
    public var stderr: String { String(decoding: errorOutput, as: UTF8.self) }

    /// Standard output parsed as one JSON object; empty when it is not one.
    public var json: [String: Any] { (try? JSONSerialization.jsonObject(with: output)) as? [String: Any] ?? [:] }

    init(_ termination: TerminationStatus, output: Data = Data(), errorOutput: Data = Data()) {
        switch termination {
        case .exited(let code): (status, signalled) = (code, false)
        case .signaled(let signal): (status, signalled) = (signal, true)
        }
        self.output = output
        self.errorOutput = errorOutput
    }
}

/// Where a started process's standard output or error goes.
public enum Destination: Sendable {
    /// Thrown away (/dev/null).
    case discarded
    /// A file, created or emptied first; the test reads it while the process runs or afterwards.
    case file(URL)
    /// A descriptor the caller owns and closes (a pseudo-terminal, for example).
    case descriptor(Int32)
}

/// A process started by ``Processes/start(_:_:environment:in:stdout:stderr:while:)``, valid while the body runs.
public struct RunningProcess: Sendable {
    /// The child's process id.
    public let pid: Int32

    /// Whether the child has not yet exited (looked at without reaping it, so the runner still collects its status).
    public var isRunning: Bool {
        var info = siginfo_t()
        let flags = WEXITED | WNOHANG | WNOWAIT
        guard waitid(P_PID, id_t(pid), &info, flags) == 0 else { return false }
        return info._sifields._sigchld.si_pid == 0
    }

    /// Sends `signal` to the child.
    public func send(_ signal: Int32) { kill(pid, signal) }

    /// The pids of the child's own children (read from /proc, so only processes this test started are signalled).
    public var children: [Int32] { Processes.children(of: pid) }
}

/// Child processes for tests, through swift-subprocess: standard output and standard error are read at the same
/// time, so a child that fills one pipe while the test waits on the other cannot block (Foundation's `Process`
/// with two pipes read one after the other can).
public enum Processes {
    /// The most a test collects from one stream; more fails the run instead of filling the memory.
    public static let outputLimit = 256 << 20

    /// Runs `executable` to its end and returns its status with its stdout and stderr.
    ///
    /// - Parameters:
    ///   - environment: added to (or replacing entries of) this process's environment.
    ///   - input: given on standard input, then closed; none by default.
    ///   - directory: the working directory; this process's by default.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                           input: Data? = nil, in directory: URL? = nil) async throws -> ProcessResult {
        let result = try await Subprocess.run(
            .path(FilePath(executable)), arguments: Arguments(arguments), environment: inherited(environment),
            workingDirectory: directory.map { FilePath($0.path) }, input: .data(input ?? Data()),
            output: .data(limit: outputLimit), error: .data(limit: outputLimit))
        return ProcessResult(result.terminationStatus, output: result.standardOutput, errorOutput: result.standardError)
    }

    /// Starts `executable` with its output going to files or descriptors, runs `body` while it lives (to watch
    /// files, signal it or its children), then waits for it to end.
    ///
    /// The result's `output` and `errorOutput` are empty: read the files given as destinations.
    public static func start<T: Sendable>(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], in directory: URL? = nil,
        stdout: Destination = .discarded, stderr: Destination = .discarded,
        while body: (RunningProcess) async throws -> T
    ) async throws -> (result: ProcessResult, value: T) {
        let out = try open(stdout), err = try open(stderr)
        let result = try await Subprocess.run(
            .path(FilePath(executable)), arguments: Arguments(arguments), environment: inherited(environment),
            workingDirectory: directory.map { FilePath($0.path) }, input: .none,
            output: .fileDescriptor(out.fd, closeAfterSpawningProcess: out.owned),
            error: .fileDescriptor(err.fd, closeAfterSpawningProcess: err.owned)
        ) { execution in
            try await body(RunningProcess(pid: execution.processIdentifier.value))
        }
        return (ProcessResult(result.terminationStatus), result.closureResult)
    }

    /// The pids whose parent is `parent` (from /proc).
    public static func children(of parent: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            // After "pid (name)": state, then the parent's pid.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 2 && Int32(fields[1]) == parent
        }
    }

    static func inherited(_ overrides: [String: String]) -> Subprocess.Environment {
        var changes: [Subprocess.Environment.Key: String?] = [:]
        for (key, value) in overrides { changes[Subprocess.Environment.Key(stringLiteral: key)] = value }
        return .inherit.updating(changes)
    }

    /// A descriptor for a destination, and whether the runner closes it once the child has it.
    static func open(_ destination: Destination) throws -> (fd: FileDescriptor, owned: Bool) {
        switch destination {
        case .discarded:
            return (try FileDescriptor.open("/dev/null", .writeOnly), true)
        case .file(let url):
            let fd = try FileDescriptor.open(FilePath(url.path), .writeOnly, options: [.create, .truncate],
                                             permissions: [.ownerReadWrite, .groupRead, .otherRead])
            return (fd, true)
        case .descriptor(let raw):
            return (FileDescriptor(rawValue: raw), false)
        }
    }
}
