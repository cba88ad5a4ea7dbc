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

/// Sampling settings to send with CONFIGURE before streaming starts (nil fields keep the device's own).
public struct DeviceSettings: Sendable, Equatable {
    public var emgRateHz: Int?
    public var accelRateHz: Int?
    public var mainsHz: Int?
    public var emgChannels: Int?
    public init(emgRateHz: Int? = nil, accelRateHz: Int? = nil, mainsHz: Int? = nil, emgChannels: Int? = nil) {
        self.emgRateHz = emgRateHz
        self.accelRateHz = accelRateHz
        self.mainsHz = mainsHz
        self.emgChannels = emgChannels
    }
    public var isEmpty: Bool { emgRateHz == nil && accelRateHz == nil && mainsHz == nil && emgChannels == nil }

    /// What PROTOCOL.md section 2 allows; nil if acceptable, else what is wrong.
    public var problem: String? {
        if let r = emgRateHz, !(250...4000).contains(r) { return "EMG rate \(r) Hz is outside 250 to 4000 Hz" }
        if let r = accelRateHz, !(25...200).contains(r) { return "accelerometer rate \(r) Hz is outside 25 to 200 Hz" }
        if let m = mainsHz, ![0, 50, 60].contains(m) { return "mains \(m) Hz must be 0 (detect it), 50 or 60" }
        if let c = emgChannels, !(1...4).contains(c) { return "\(c) EMG channels: a device has 1 to 4" }
        return nil
    }

    func command(over d: DeviceInfo) -> Command {
        .configure(token: UInt32.random(in: 1...UInt32.max), emgRateHz: UInt16(emgRateHz ?? d.emgRateHz),
                   accelRateHz: UInt16(accelRateHz ?? d.accelRateHz),
                   mainsHz: UInt8(mainsHz ?? d.mainsHz), emgChannels: UInt8(emgChannels ?? d.emgChannels))
    }

    /// The error when the device, described by `d` before CONFIGURE, reports `now` instead of these settings.
    func notTaken(over d: DeviceInfo, reported now: DeviceInfo) -> DeviceError {
        let asked = "EMG \(emgRateHz ?? d.emgRateHz) Hz, accelerometer \(accelRateHz ?? d.accelRateHz) Hz, "
            + "mains \(mainsHz ?? d.mainsHz) Hz, \(emgChannels ?? d.emgChannels) EMG channels"
        let reported = "\(now.emgRateHz) Hz, \(now.accelRateHz) Hz, \(now.mainsHz) Hz, \(now.emgChannels) channels"
        return DeviceError("the device did not take the settings (asked: \(asked); it reports \(reported)). "
                           + "Its firmware may not support them; start without the options to use its own.")
    }

    /// Whether the device now reports these settings.
    func matches(_ d: DeviceInfo) -> Bool {
        (emgRateHz ?? d.emgRateHz) == d.emgRateHz && (accelRateHz ?? d.accelRateHz) == d.accelRateHz
            && (mainsHz ?? d.mainsHz) == d.mainsHz && (emgChannels ?? d.emgChannels) == d.emgChannels
    }
}

/// Keeps one device streaming all night: connects, starts it, hands out bytes, and after an unplug reconnects:
/// at once when libusb's hotplug event reports the device back, else by polling with backoff (which also works
/// without udev). The same night continues: sequence numbers in the stream make the gap exact downstream.
public final class DeviceReader {
    public let address: DeviceAddress
    public var transfers = 4
    /// Sent with CONFIGURE before START (and checked against GET_INFO over USB).
    public var settings = DeviceSettings()
    private var context: USBContext?
    private var source: ByteSource?
    private var info: DeviceInfo?
    private var idleSince = Date()
    /// When a lost device is tried again; its delays can be set before streaming.
    public let backoff = ReconnectBackoff()
    public var reconnects: Int { backoff.reconnects }
    private var serialStarted = false
    private var arrivalsSeen = 0
    private var arrivedByHotplug = false
    /// How long the device was gone before the last reconnect, and whether libusb's hotplug event brought it back.
    public var lastOutageSeconds: Double { backoff.lastOutageSeconds }
    public private(set) var lastReconnectByHotplug = false
    private var usbProductID: UInt16 {
        if case .usb(_, let pid) = address { return pid }
        return 0
    }

    public init(address: DeviceAddress) {
        self.address = address
    }

    /// Connects once; throws a clear error when the device is absent or unusable.
    public func connect() throws -> DeviceInfo? {
        switch address {
        case .usb(let serial, let pid):
            if context == nil { context = try USBContext() }
            let device = try context!.open(productID: pid, serial: serial)
            var d: DeviceInfo
            do { d = try device.readInfo() } catch { device.close(); throw error }
            // A device that kept its boot id is still streaming the night: do not restart it
            // (START resets its indices).
            let restart = info == nil || info!.bootID != d.bootID
            if restart {
                do {
                    if !settings.isEmpty && !settings.matches(d) {
                        // CONFIGURE is refused while streaming: STOP first (harmless when stopped).
                        try device.send(.stop(token: UInt32.random(in: 1...UInt32.max)))
                        try device.send(settings.command(over: d))
                        let now = try device.readInfo()
                        guard settings.matches(now) else { throw settings.notTaken(over: d, reported: now) }
                        d = now
                    }
                    try device.send(.start(token: UInt32.random(in: 1...UInt32.max)))
                } catch { device.close(); throw error }
            }
            source = try USBStream(device: device, transfers: transfers)
            info = d
            return d
        case .serial(let path):
            let port = try SerialPort(path: path)
            if !serialStarted {
                // Over serial the device's answer arrives in the stream; the night's device_info tells what it took.
                if !settings.isEmpty {
                    guard let e = settings.emgRateHz, let a = settings.accelRateHz, let m = settings.mainsHz,
                          let c = settings.emgChannels else {
                        port.close()
                        throw DeviceError("over serial the device's present settings are unknown until it streams: "
                                          + "give --emg-rate, --accel-rate, --mains and --emg-channels together")
                    }
                    try port.send(.stop(token: UInt32.random(in: 1...UInt32.max)))
                    try port.send(.configure(token: UInt32.random(in: 1...UInt32.max), emgRateHz: UInt16(e),
                                             accelRateHz: UInt16(a), mainsHz: UInt8(m), emgChannels: UInt8(c)))
                }
                try port.send(.start(token: UInt32.random(in: 1...UInt32.max)))
            }
            serialStarted = true
            source = port
            // Over serial the device info arrives in the stream (START sends it first).
            return nil
        }
    }

    /// What `connectWhenPresent` came to.
    public enum Arrival: Sendable, Equatable {
        /// Connected and streaming: the device info over USB (nil over serial, where it arrives in the stream),
        /// how long it was waited for (0 when it was there at once), and whether libusb's hotplug event ended the
        /// wait.
        case connected(DeviceInfo?, waitedSeconds: Double, hotplug: Bool)
        /// `stop` said so before a device could be used.
        case stopped
    }

    /// Connects, waiting as long as it takes for the device to be plugged in (at bedtime it may not be yet).
    /// The wait ends the moment libusb's hotplug event reports the device, as a reconnect does, with polling with
    /// backoff (up to `backoff.maxSeconds`) underneath for serial ports and systems without udev. `waiting` is told
    /// each distinct reason once, the first being that nothing is plugged in; `stop` is asked four times a second.
    public func connectWhenPresent(until stop: () -> Bool, waiting: (any Error) -> Void) -> Arrival {
        var wait = PresenceWait(backoff)
        var arrived = false
        while !stop() {
            let seen = context?.arrivalCount ?? 0
            do {
                let info = try connect()
                return .connected(info, waitedSeconds: wait.waitedSeconds, hotplug: arrived)
            } catch {
                if wait.failed(error) { waiting(error) }
            }
            if let context, !context.watchingArrivals, case .usb = address {
                _ = context.watchArrivals(vendorID: ProtocolV1.usbVendorID, productID: usbProductID)
            }
            let deadline = Date(timeIntervalSinceNow: wait.delaySeconds)
            arrived = false
            while !arrived && !stop() && deadline.timeIntervalSinceNow > 0 {
                let slice = min(0.25, deadline.timeIntervalSinceNow)
                if let context, context.watchingArrivals {
                    arrived = context.waitForArrival(after: seen, seconds: slice)
                } else {
                    Thread.sleep(forTimeInterval: max(0, slice))
                }
            }
            wait.waited(arrived: arrived)
        }
        return .stopped
    }

    /// Waits up to `timeoutSeconds` and reports what happened; reconnects by itself.
    public func next(timeoutSeconds: Double) -> ReaderEvent {
        guard let source else { return reconnect(timeoutSeconds: timeoutSeconds) }
        switch source.next(timeoutSeconds: timeoutSeconds) {
        case .bytes(let b):
            idleSince = Date()
            return .bytes(b)
        case .idle:
            return .idle(seconds: Date().timeIntervalSince(idleSince))
        case .disconnected(let why):
            source.close()
            self.source = nil
            let lostAt = Date()
            if let context {
                if !context.watchingArrivals, case .usb = address {
                    _ = context.watchArrivals(vendorID: ProtocolV1.usbVendorID, productID: usbProductID)
                }
                arrivalsSeen = context.arrivalCount
            }
            backoff.lost(since: lostAt)
            return .disconnected(why)
        }
    }

    /// Tries again on ``ReconnectBackoff``'s schedule, which works everywhere; libusb's hotplug event, where it is
    /// watched, ends a wait early and is what `lastReconnectByHotplug` reports.
    private func reconnect(timeoutSeconds: Double) -> ReaderEvent {
        guard backoff.waitForAttempt(atMost: timeoutSeconds, wait: { waitForArrival(seconds: $0) }) else {
            return .idle(seconds: Date().timeIntervalSince(idleSince))
        }
        do {
            let d = try connect()
            backoff.reconnected()
            lastReconnectByHotplug = arrivedByHotplug
            arrivedByHotplug = false
            idleSince = Date()
            return .connected(d, reconnect: true)
        } catch {
            if backoff.failedFirstTime() { return .log("waiting for the device to come back (\(error))") }
            return .idle(seconds: Date().timeIntervalSince(idleSince))
        }
    }

    /// With hotplug, the device's arrival ends the wait at once (true); polling with backoff stays as the fallback
    /// for serial ports and systems without udev.
    private func waitForArrival(seconds: Double) -> Bool {
        guard let context, context.watchingArrivals else {
            Thread.sleep(forTimeInterval: seconds)
            return false
        }
        guard context.waitForArrival(after: arrivalsSeen, seconds: seconds) else { return false }
        arrivalsSeen = context.arrivalCount
        arrivedByHotplug = true
        return true
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
