import DeviceProtocol
import Foundation

/// What the reader reports to its owner, on the owner's thread.
public enum ReaderEvent: Sendable, Equatable {
    /// Over USB the device info read by GET_INFO; over serial nil (it arrives in the stream).
    case connected(DeviceInfo?, reconnect: Bool)
    case bytes([UInt8])
    case idle(seconds: Double)
    case disconnected(String)
    case log(String)
}

/// Where the reader gets its device from.
public enum DeviceAddress: Sendable, Equatable {
    /// USB vendor bulk, optionally a given serial number.
    case usb(serial: String?, productID: UInt16)
    /// A CDC-ACM serial device path.
    case serial(path: String)
}

/// Keeps one device streaming all night: connects, starts it, hands out bytes, and after an unplug
/// reconnects with backoff (hotplug is not needed: it polls, which also works without udev).
/// The same night continues: sequence numbers in the stream make the gap exact downstream.
public final class DeviceReader {
    public let address: DeviceAddress
    public var transfers = 4
    public var backoffStartSeconds = 0.05
    public var backoffMaxSeconds = 5.0
    private var context: USBContext?
    private var source: ByteSource?
    private var info: DeviceInfo?
    private var idleSince = Date()
    private var nextAttempt = Date.distantPast
    private var backoff = 0.05
    public private(set) var reconnects = 0
    private var loggedWaiting = false
    private var serialStarted = false

    public init(address: DeviceAddress) {
        self.address = address
    }

    /// Connects once; throws a clear error when the device is absent or unusable.
    public func connect() throws -> DeviceInfo? {
        switch address {
        case .usb(let serial, let pid):
            if context == nil { context = try USBContext() }
            let device = try context!.open(productID: pid, serial: serial)
            let d: DeviceInfo
            do { d = try device.readInfo() } catch { device.close(); throw error }
            // A device that kept its boot id is still streaming the night: do not restart it (START resets its indices).
            let restart = info == nil || info!.bootID != d.bootID
            if restart {
                do { try device.send(.start(token: UInt32.random(in: 1...UInt32.max))) } catch { device.close(); throw error }
            }
            source = try USBStream(device: device, transfers: transfers)
            info = d
            return d
        case .serial(let path):
            let port = try SerialPort(path: path)
            if !serialStarted { try port.send(.start(token: UInt32.random(in: 1...UInt32.max))) }
            serialStarted = true
            source = port
            // Over serial the device info arrives in the stream (START sends it first).
            return nil
        }
    }

    /// Waits up to `timeoutSeconds` and reports what happened; reconnects by itself.
    public func next(timeoutSeconds: Double) -> ReaderEvent {
        guard let source else {
            let now = Date()
            if now < nextAttempt {
                Thread.sleep(forTimeInterval: min(timeoutSeconds, nextAttempt.timeIntervalSince(now)))
                return .idle(seconds: Date().timeIntervalSince(idleSince))
            }
            do {
                let d = try connect()
                reconnects += 1
                backoff = backoffStartSeconds
                loggedWaiting = false
                idleSince = Date()
                return .connected(d, reconnect: true)
            } catch {
                nextAttempt = Date(timeIntervalSinceNow: backoff)
                backoff = min(backoffMaxSeconds, backoff * 2)
                if !loggedWaiting {
                    loggedWaiting = true
                    return .log("waiting for the device to come back (\(error))")
                }
                return .idle(seconds: Date().timeIntervalSince(idleSince))
            }
        }
        switch source.next(timeoutSeconds: timeoutSeconds) {
        case .bytes(let b):
            idleSince = Date()
            return .bytes(b)
        case .idle:
            return .idle(seconds: Date().timeIntervalSince(idleSince))
        case .disconnected(let why):
            source.close()
            self.source = nil
            backoff = backoffStartSeconds
            nextAttempt = Date(timeIntervalSinceNow: backoff)
            return .disconnected(why)
        }
    }

    /// USB stream counters, when streaming over USB.
    public var usbStats: USBStreamStats? { (source as? USBStream)?.stats }

    /// Sends STOP (best effort) and releases everything.
    public func stop() {
        if let source {
            try? source.send(.stop(token: 0))
            source.close()
        }
        source = nil
        context?.close()
        context = nil
    }
}
