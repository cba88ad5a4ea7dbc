import DeviceProtocol
import Foundation
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
        if errno == EACCES { s += ". Add yourself to the 'dialout' group (sudo usermod -aG dialout $USER, then log in again) or install the udev rule from the README." }
        if errno == ENOENT { s += ". Is the device plugged in? Serial devices appear as /dev/ttyACM0, /dev/ttyACM1, …" }
        if errno == EBUSY { s += ". Another program has the port open." }
        return s
    }
}

/// Retries EINTR and turns -1 into a `SerialError` (the NIO `syscall` idea).
@discardableResult
func sysCall(_ call: String, _ path: String, _ body: () -> Int32) throws(SerialError) -> Int32 {
    while true {
        let r = body()
        if r >= 0 { return r }
        if errno == EINTR { continue }
        throw SerialError(errno: errno, call: call, path: path)
    }
}

/// A CDC-ACM serial device (`/dev/ttyACM*`) in termios raw mode carrying protocol-v1 frames.
public final class SerialPort: ByteSource, @unchecked Sendable {
    public let path: String
    let fd: Int32
    private var commands = CommandEncoder()
    private var buffer = [UInt8](repeating: 0, count: 16_384)
    private var closed = false

    public init(path: String) throws(SerialError) {
        self.path = path
        fd = try sysCall("open", path) { open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC) }
        do throws(SerialError) {
            var tio = termios()
            try sysCall("tcgetattr", path) { tcgetattr(fd, &tio) }
            cfmakeraw(&tio)
            // CDC-ACM ignores the baud rate; set one anyway for real UART bridges.
            cfsetispeed(&tio, speed_t(B921600))
            cfsetospeed(&tio, speed_t(B921600))
            tio.c_cflag |= tcflag_t(CLOCAL | CREAD)
            try sysCall("tcsetattr", path) { tcsetattr(fd, TCSANOW, &tio) }
            _ = tcflush(fd, TCIFLUSH)
        } catch {
            Glibc.close(fd)
            throw error
        }
    }

    deinit { close() }

    public func next(timeoutSeconds: Double) -> SourceEvent {
        guard !closed else { return .disconnected("\(path) is closed") }
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let r = poll(&p, 1, Int32(max(0, timeoutSeconds * 1000)))
        if r < 0 { return errno == EINTR ? .idle : .disconnected("\(path): poll failed: \(String(cString: strerror(errno)))") }
        if r == 0 { return .idle }
        if p.revents & Int16(POLLIN) != 0 {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 { return .bytes(Array(buffer[0..<n])) }
            if n < 0 && (errno == EAGAIN || errno == EINTR) { return .idle }
            if n < 0 && errno != EIO { return .disconnected("\(path): read failed: \(String(cString: strerror(errno)))") }
        }
        // POLLHUP/POLLERR or EOF/EIO: the device went away (or the other end of a pty closed).
        return .disconnected("\(path): the serial device hung up (unplugged?)")
    }

    public func send(_ command: Command) throws {
        let bytes = commands.encode(command)
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0); _ = poll(&p, 1, 100); continue }
                throw SerialError(errno: errno, call: "write", path: path)
            }
            off += n
        }
    }

    public func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(fd)
    }
}
