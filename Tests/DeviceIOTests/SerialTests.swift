import DeviceIO
import DeviceProtocol
import Foundation
import CrampwatchJSON
import Exports
import Ingest
import NightAnalysis
import Sessions
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The serial transport over a real pseudo-terminal pair: the test plays the device on the master side.
@Suite struct SerialTests {
    /// Opens a pty pair with glibc's openpty (looked up at run time: Swift's Glibc module does not declare <pty.h>);
    /// returns the master fd and the slave's path.
    static func openPTY() throws -> (Int32, String) {
        typealias OpenPTY = @convention(c) (UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Int32>,
                                            UnsafeMutablePointer<CChar>?, UnsafeRawPointer?, UnsafeRawPointer?) -> Int32
        let handle = dlopen(nil, RTLD_NOW)
        let sym = try #require(dlsym(handle, "openpty") ?? dlsym(dlopen("libutil.so.1", RTLD_NOW), "openpty"))
        let openpty = unsafeBitCast(sym, to: OpenPTY.self)
        var master: Int32 = -1, slave: Int32 = -1
        var name = [CChar](repeating: 0, count: 128)
        try #require(openpty(&master, &slave, &name, nil, nil) == 0)
        // Keep the slave open until the port is open, then the reader owns its own descriptor.
        let path = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        slaveFDs.append(slave)
        return (master, path)
    }

    nonisolated(unsafe) static var slaveFDs: [Int32] = []

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], chunk: Int) {
        var off = 0
        while off < bytes.count {
            let n = bytes[off..<min(bytes.count, off + chunk)].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR || errno == EAGAIN { continue }; return }
            off += n
        }
    }

    @Test func wholeNightOverAPTYArrivesIntactAndStartIsSent() throws {
        let (master, slavePath) = try Self.openPTY()
        let source = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Harness.nightA)))
        let reader = DeviceReader(address: .serial(path: slavePath))
        let info = try reader.connect()
        #expect(info == nil)  // over serial the device info comes in the stream

        // The host's START frame arrives on the device side.
        var commandBytes = [UInt8](repeating: 0, count: 256)
        var p = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
        #expect(poll(&p, 1, 2000) == 1)
        let n = read(master, &commandBytes, commandBytes.count)
        var commands: [Message] = []
        FrameDecoder().feed(Array(commandBytes[0..<max(0, n)])) {
            if case .frame(let v) = $0 { commands.append(v.message())
                } }
        #expect(commands.count == 1)
        if case .command(let c) = commands.first {
            #expect(c.type == .start)
        } else {
            Issue.record("no START command: \(commands)")
        }

        // The device streams the night in odd-sized writes from another thread.
        let writer = Thread { Self.writeAll(master, source, chunk: 777) }
        writer.start()
        var received: [UInt8] = []
        received.reserveCapacity(source.count)
        let run = CaptureRun(path: slavePath, configuration: .init())
        let deadline = Date(timeIntervalSinceNow: 120)
        while received.count < source.count && Date() < deadline {
            switch reader.next(timeoutSeconds: 0.5) {
            case .bytes(let b):
                received += b
                try b.withUnsafeBytes { try run.feed($0) }
            case .disconnected(let why):
                Issue.record("disconnected: \(why)")
                received = []
            default:
                break
            }
        }
        #expect(received.count == source.count)
        #expect(Bytes.difference(received, source) == nil)
        let night = try run.finish(sizeBytes: UInt64(received.count))
        #expect(night.stats.frames == Harness.nightAFrames)
        #expect(night.stats.framesLost == 0)
        #expect(night.durationSeconds == 720)

        // Hang-up (the device unplugged) is reported, not a crash or a hang.
        close(master)
        var sawDisconnect = false
        for _ in 0..<10 {
            if case .disconnected(let why) = reader.next(timeoutSeconds: 0.5) {
                sawDisconnect = true; #expect(why.contains("hung up")); break
            }
        }
        #expect(sawDisconnect)
        reader.stop()
    }

    @Test func missingPortGivesAnErrorThatSaysWhatToDo() {
        #expect {
            _ = try SerialPort(path: "/dev/ttyACM-does-not-exist")
        } throws: { error in
            let text = "\(error)"
            return text.contains("open failed") && text.contains("Is the device plugged in?")
        }
    }
}
