import DeviceProtocol
import Foundation

/// What a transport hands the reader.
public enum SourceEvent: Sendable, Equatable {
    /// Bytes from the device, in order.
    case bytes([UInt8])
    /// Nothing arrived within the wait.
    case idle
    /// The device went away (unplugged) or the stream ended; the reason is for a person.
    case disconnected(String)
}

/// A byte stream from a device: USB bulk or CDC-ACM serial carry the same protocol-v1 frames.
public protocol ByteSource: AnyObject {
    /// Waits up to `timeoutSeconds` for bytes.
    func next(timeoutSeconds: Double) -> SourceEvent
    /// Sends one host command frame.
    func send(_ command: Command) throws
    /// Stops streaming and releases the device.
    func close()
}

/// Encodes host commands with their own sequence counter (PROTOCOL.md: host→device frames count separately).
public struct CommandEncoder: Sendable {
    var sequence: UInt32 = 0
    let start = DispatchTime.now().uptimeNanoseconds

    public init() {}

    public mutating func encode(_ command: Command) -> [UInt8] {
        let micros = (DispatchTime.now().uptimeNanoseconds - start) / 1000
        defer { sequence &+= 1 }
        return FrameEncoder.encode(Frame(sequence: sequence, timestampMicros: micros, message: .command(command)))
    }
}

/// Bytes handed from the libusb event thread to Swift: the event thread only appends under a
/// short lock and never waits for the consumer.
final class ByteQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var chunks: [[UInt8]] = []
    private var ended: String?
    private(set) var bytesQueued = 0

    func push(_ bytes: UnsafeRawBufferPointer) {
        let copy = [UInt8](bytes)
        condition.lock()
        chunks.append(copy)
        bytesQueued += copy.count
        condition.signal()
        condition.unlock()
    }

    func end(_ reason: String) {
        condition.lock()
        if ended == nil { ended = reason }
        condition.signal()
        condition.unlock()
    }

    func pop(timeoutSeconds: Double) -> SourceEvent {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: timeoutSeconds)
        while chunks.isEmpty && ended == nil {
            if !condition.wait(until: deadline) { break }
        }
        if !chunks.isEmpty {
            // Hand over everything queued at once: fewer wake-ups at high rates.
            if chunks.count == 1 { return .bytes(chunks.removeFirst()) }
            let all = Array(chunks.joined())
            chunks.removeAll(keepingCapacity: true)
            return .bytes(all)
        }
        if let ended { return .disconnected(ended) }
        return .idle
    }
}
