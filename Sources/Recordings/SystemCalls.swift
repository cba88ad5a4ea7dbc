import SystemPackage
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// File I/O goes through swift-system's FileDescriptor, which calls again when a signal interrupts a call (EINTR).
// fsync, which it does not wrap, goes through `retryingOnInterrupt`, so that no call site loops on EINTR.
// The modules that write files (Exports, Sessions, the CLI) use the same funnel.

/// Makes a system call that swift-system does not wrap, again while a signal interrupts it (EINTR), as
/// FileDescriptor does for its own calls; -1 with any other errno is thrown.
@discardableResult
public func retryingOnInterrupt<T: FixedWidthInteger>(_ call: () -> T) throws(Errno) -> T {
    var result = call()
    while result == -1 && errno == EINTR { result = call() }
    if result == -1 { throw Errno(rawValue: errno) }
    return result
}

extension FileDescriptor {
    /// Opens `path` as given (a `FilePath` would tidy its separators first).
    static func open(_ path: String, _ mode: AccessMode, options: OpenOptions,
                     permissions: FilePermissions? = nil) throws(Errno) -> FileDescriptor {
        do {
            return try path.withCString {
                try FileDescriptor.open($0, mode, options: options, permissions: permissions)
            }
        } catch {
            throw error as? Errno ?? .ioError
        }
    }

    /// Creates `path` (or empties it, unless `exclusive`), readable and writable by its owner alone whatever the
    /// umask: every file Crampwatch writes holds health data. O_CREAT's mode applies only to a file it creates,
    /// so the mode is set again on the open file, and an older file there with a wider mode becomes private too.
    public static func createPrivate(_ path: String, _ mode: AccessMode = .writeOnly,
                                     exclusive: Bool = false) throws(Errno) -> FileDescriptor {
        let options: OpenOptions = exclusive ? [.create, .exclusiveCreate, .closeOnExec]
            : [.create, .truncate, .closeOnExec]
        let fd = try open(path, mode, options: options, permissions: .ownerReadWrite)
        // A file system without Unix modes (FAT or exFAT on a USB stick, to carry a report to the doctor) refuses
        // the change with EPERM; the file is written all the same, in the place the person chose, with the mode
        // that file system gives every file. Failing here would also leave an older file there emptied.
        _ = try? retryingOnInterrupt { fchmod(fd.rawValue, 0o600) }
        return fd
    }

    /// Opens an existing recording, or says why not in a person's words.
    static func open(recording path: String, _ mode: AccessMode) throws -> FileDescriptor {
        do {
            return try open(path, mode, options: .closeOnExec)
        } catch {
            throw RecordingError(path: path, offset: nil, ChunkedFileReader.openMessage(error))
        }
    }

    /// Reads up to `count` bytes at `offset`: fewer only at the end of the file.
    func read(count: Int, at offset: Int, path: String) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let got = try bytes.withUnsafeMutableBytes { try read(into: $0, at: offset, path: path) }
        return Array(bytes.prefix(got))
    }

    /// Fills `buffer` from `offset` on, stopping early only at the end of the file; returns the bytes read.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int, path: String) throws -> Int {
        var got = 0
        while got < buffer.count {
            let n: Int
            do {
                let rest = UnsafeMutableRawBufferPointer(rebasing: buffer[got...])
                n = try read(fromAbsoluteOffset: Int64(offset + got), into: rest)
            } catch {
                throw RecordingError(path: path, offset: UInt64(offset + got), "read failed: \(Errno.text(error))")
            }
            if n == 0 { break }
            got += n
        }
        return got
    }
}

extension Errno {
    /// The C library's words for a failed call (`strerror`), which this module's messages quote.
    public static func text(_ error: any Error) -> String {
        guard let e = error as? Errno else { return "\(error)" }
        return String(cString: strerror(e.rawValue))
    }
}
