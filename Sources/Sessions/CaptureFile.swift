import Foundation
import Recordings
import SystemPackage

/// The raw capture a live night is recorded into: created 0600, locked for as long as the process lives (so
/// `journal recover` knows the night is still being recorded), forced to disk every `fsyncIntervalSeconds`.
/// A write that fails (the disk or the file-size limit is full) stops the capture, not the night: detection and
/// the journal go on, and `stoppedAt` says how much was kept.
public final class CaptureFile {
    public let path: String
    let fd: Int32
    let fsyncIntervalSeconds: Double
    var lastSync = Date()
    /// Bytes written so far.
    public private(set) var written: UInt64 = 0
    /// Set when writing failed: the byte offset where the capture stops.
    public private(set) var stoppedAt: UInt64?
    /// Why writing failed, for a log line.
    public private(set) var failure: String?

    /// Creates (or truncates) the file; the error says what to do.
    public init(path: String, fsyncIntervalSeconds: Double) throws {
        self.path = path
        self.fsyncIntervalSeconds = fsyncIntervalSeconds
        do {
            fd = try FileDescriptor.createPrivate(path).rawValue
        } catch {
            throw SessionError("\(path): cannot create the capture file: \(Errno.text(error)). Choose "
                               + "another place with --capture.")
        }
        // Held until we exit (however we exit): tells `journal recover` this night is still being recorded.
        _ = CaptureLock.lock(fd: fd)
    }

    /// Appends bytes; false once the capture has stopped (the bytes are still detected by the caller).
    @discardableResult
    public func write(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard stoppedAt == nil else { return false }
        var off = bytes.startIndex
        while off < bytes.endIndex {
            do {
                // FileDescriptor.write retries a write a signal interrupts; a short write continues here.
                let n = try bytes[off...].withUnsafeBytes { try FileDescriptor(rawValue: fd).write($0) }
                off += n
                written += UInt64(n)
            } catch {
                stop(errno: (error as? Errno)?.rawValue ?? EIO)
                return false
            }
        }
        return true
    }

    private func stop(errno code: Int32) {
        let why = String(cString: strerror(code))
        let full = code == ENOSPC || code == EFBIG || code == EDQUOT
        stoppedAt = written
        _ = try? retryingOnInterrupt { fsync(fd) }
        failure = "\(path): writing the capture failed at byte \(written): "
                  + "\(why)\(full ? " — the disk (or this file's size limit) is full" : ""). "
            + "The \(written) bytes already written are kept; detection and the journal go on, but the rest of the "
            + "night is not recorded. Free some space for the next night."
    }

    /// Forces the capture to disk when the interval has passed.
    public func syncIfDue(now: Date = Date()) {
        guard stoppedAt == nil, now.timeIntervalSince(lastSync) >= fsyncIntervalSeconds else { return }
        _ = try? retryingOnInterrupt { fsync(fd) }
        lastSync = now
    }

    public func close() {
        _ = try? retryingOnInterrupt { fsync(fd) }
        Glibc.close(fd)
    }

    /// Removes a capture that never received anything (the device could not be opened).
    public func discard() {
        Glibc.close(fd)
        unlink(path)
    }
}

/// A problem that stops a live night, said for a person.
public struct SessionError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ d: String) { description = d }
}
