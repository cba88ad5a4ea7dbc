import DeviceProtocol
import Foundation
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// A failed system call on the serial port: errno, the call and the path.
public struct SerialError: Error, CustomStringConvertible, Sendable {
    public let errno: Int32
    public let call: String
    public let path: String

    public var description: String {
        var s = "\(path): \(call) failed: \(String(cString: strerror(errno))) (errno \(errno))"
        if errno == EACCES {
            s += ". Add yourself to the 'dialout' group (sudo usermod -aG dialout $USER, then log in again) "
                + "or install the udev rule from the README."
        }
        if errno == ENOENT {
            s += ". Is the device plugged in? Serial devices appear as /dev/ttyACM0, /dev/ttyACM1, …"
        }
        if errno == EBUSY { s += ". Another program has the port open." }
        return s
    }
}

/// The serial port's funnel for the calls swift-system does not wrap (termios): makes the call again while a
/// signal interrupts it (EINTR), as FileDescriptor does for its own calls, and turns -1 with any other errno
/// into a `SerialError` naming the call (the NIO `syscall` idea).
@discardableResult
func sysCall(_ call: String, _ path: String, _ body: () -> Int32) throws(SerialError) -> Int32 {
    var result = body()
    while result == -1 && errno == EINTR { result = body() }
    if result == -1 { throw SerialError(errno: errno, call: call, path: path) }
    return result
}

/// A CDC-ACM serial device (`/dev/ttyACM*`) in termios raw mode carrying protocol-v1 frames.
public final class SerialPort: ByteSource, @unchecked Sendable {
    public let path: String
    let fd: FileDescriptor
    private var commands = CommandEncoder()
    private var buffer = [UInt8](repeating: 0, count: 16_384)
    private var closed = false

    /// - baud: CDC-ACM ignores it (921600 is set for real UART bridges); an FTDI bridge such as the Cyton's
    ///   dongle needs its own (115200).
    public init(path: String, baud: speed_t = speed_t(B921600)) throws(SerialError) {
        self.path = path
        do {
            fd = try path.withCString {
                let options: FileDescriptor.OpenOptions = [.init(rawValue: O_NOCTTY), .nonBlocking, .closeOnExec]
                return try FileDescriptor.open($0, .readWrite, options: options)
            }
        } catch {
            throw SerialError(errno: (error as? Errno)?.rawValue ?? EIO, call: "open", path: path)
        }
        do throws(SerialError) {
            var tio = termios()
            try sysCall("tcgetattr", path) { tcgetattr(fd.rawValue, &tio) }
            cfmakeraw(&tio)
            // 8N1: cfmakeraw sets 8 bits and no parity; one stop bit.
            tio.c_cflag &= ~tcflag_t(CSTOPB)
            cfsetispeed(&tio, baud)
            cfsetospeed(&tio, baud)
            tio.c_cflag |= tcflag_t(CLOCAL | CREAD)
            try sysCall("tcsetattr", path) { tcsetattr(fd.rawValue, TCSANOW, &tio) }
            _ = tcflush(fd.rawValue, TCIFLUSH)
        } catch {
            try? fd.close()
            throw error
        }
    }

    deinit { close() }

    public func next(timeoutSeconds: Double) -> SourceEvent {
        guard !closed else { return .disconnected("\(path) is closed") }
        var p = pollfd(fd: fd.rawValue, events: Int16(POLLIN), revents: 0)
        let r = poll(&p, 1, Int32(max(0, timeoutSeconds * 1000)))
        // A signal ends the wait early on purpose (the owner checks whether to stop): idle, not retried.
        if r < 0 {
            return errno == EINTR ? .idle : .disconnected("\(path): poll failed: \(String(cString: strerror(errno)))")
        }
        if r == 0 { return .idle }
        if p.revents & Int16(POLLIN) != 0 {
            do {
                let n = try buffer.withUnsafeMutableBytes { try fd.read(into: $0) }
                if n > 0 { return .bytes(Array(buffer[0..<n])) }
            } catch Errno.resourceTemporarilyUnavailable {
                return .idle
            } catch let error as Errno where error != .ioError {
                return .disconnected("\(path): read failed: \(String(cString: strerror(error.rawValue)))")
            } catch {}
        }
        // POLLHUP/POLLERR or EOF/EIO: the device went away (or the other end of a pty closed).
        return .disconnected("\(path): the serial device hung up (unplugged?)")
    }

    public func send(_ command: Command) throws {
        try write(commands.encode(command))
    }

    /// Writes raw bytes (a Cyton's text commands), waiting while the port is full.
    public func write(_ bytes: [UInt8]) throws {
        var off = 0
        while off < bytes.count {
            do {
                off += try bytes[off...].withUnsafeBytes { try fd.write($0) }
            } catch Errno.resourceTemporarilyUnavailable {
                // The port is non-blocking: wait until it takes more.
                var p = pollfd(fd: fd.rawValue, events: Int16(POLLOUT), revents: 0)
                _ = poll(&p, 1, 100)
            } catch {
                throw SerialError(errno: (error as? Errno)?.rawValue ?? EIO, call: "write", path: path)
            }
        }
    }

    public func close() {
        guard !closed else { return }
        closed = true
        try? fd.close()
    }
}
