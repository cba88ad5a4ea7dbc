import CLibUSB
import DeviceProtocol
import Foundation

/// An attached device seen on the bus.
public struct USBDeviceDescription: Sendable, Equatable, CustomStringConvertible {
    public var bus: Int
    public var address: Int
    public var vendorID: UInt16
    public var productID: UInt16
    /// The USB serial-number string, when the device could be opened to read it.
    public var serial: String?

    public var description: String {
        String(format: "bus %03d device %03d  %04x:%04x  serial %@", bus, address, vendorID, productID, serial ?? "?")
    }
}

/// A libusb context with its own event thread. Transfers complete on that thread.
public final class USBContext: @unchecked Sendable {
    let raw: OpaquePointer
    private var eventThread: Thread?
    private let stopLock = NSLock()
    private var stopping = false
    private let finished = DispatchSemaphore(value: 0)

    public init() throws(USBError) {
        var ctx: OpaquePointer?
        try usbCall("libusb_init") { libusb_init(&ctx) }
        raw = ctx!
        if let level = ProcessInfo.processInfo.environment["CRAMPWATCH_USB_DEBUG"], let n = Int32(level) {
            _ = cw_libusb_set_log_level(raw, n)
        }
    }

    /// Whether libusb reports hotplug events on this system (through udev; umockdev emulates its uevents).
    public var hasHotplug: Bool { libusb_has_capability(UInt32(LIBUSB_CAP_HAS_HOTPLUG.rawValue)) != 0 }

    /// Counts arrivals of the watched device (written by libusb's hotplug callback, on whichever thread handles
    /// events).
    final class Arrivals: @unchecked Sendable {
        private let lock = NSLock()
        private var n = 0
        func note() { lock.withLock { n += 1 } }
        var count: Int { lock.withLock { n } }
    }
    private let arrivals = Arrivals()
    private var hotplugHandle: libusb_hotplug_callback_handle = 0
    public private(set) var watchingArrivals = false

    /// Asks libusb to report when a device with these IDs is plugged in. False where libusb has no hotplug.
    public func watchArrivals(vendorID: UInt16, productID: UInt16) -> Bool {
        guard hasHotplug, !watchingArrivals else { return watchingArrivals }
        let box = Unmanaged.passUnretained(arrivals).toOpaque()
        let rc = libusb_hotplug_register_callback(
            raw, Int32(LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED.rawValue), 0, Int32(vendorID), Int32(productID),
            LIBUSB_HOTPLUG_MATCH_ANY,
            { _, _, _, user in
                Unmanaged<Arrivals>.fromOpaque(user!).takeUnretainedValue().note()
                return 0
            }, box, &hotplugHandle)
        watchingArrivals = rc == 0
        return watchingArrivals
    }

    /// Arrivals so far.
    public var arrivalCount: Int { arrivals.count }

    /// Handles libusb events for up to `seconds` (so hotplug callbacks run); true if the watched device arrived.
    public func waitForArrival(after count: Int, seconds: Double) -> Bool {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while arrivals.count == count {
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { return false }
            var tv = timeval(tv_sec: 0, tv_usec: Int(min(left, 0.05) * 1e6))
            _ = libusb_handle_events_timeout_completed(raw, &tv, nil)
        }
        return true
    }

    /// Runs libusb's event loop on a dedicated thread until `close()`.
    func startEventThread() {
        guard eventThread == nil else { return }
        let t = Thread { [self] in
            var tv = timeval(tv_sec: 0, tv_usec: 100_000)
            while !isStopping {
                _ = libusb_handle_events_timeout_completed(raw, &tv, nil)
            }
            finished.signal()
        }
        t.name = "libusb-events"
        eventThread = t
        t.start()
    }

    private var isStopping: Bool { stopLock.withLock { stopping } }

    public func close() {
        if eventThread != nil {
            stopLock.withLock { stopping = true }
            finished.wait()
            eventThread = nil
        }
        libusb_exit(raw)
    }

    /// Devices with the given vendor and product IDs (and serial, when given).
    public func devices(vendorID: UInt16 = ProtocolV1.usbVendorID, productID: UInt16 = ProtocolV1.usbTestProductID,
                        serial: String? = nil) throws(USBError) -> [USBDeviceDescription] {
        var list: UnsafeMutablePointer<OpaquePointer?>?
        let n = try usbCall("libusb_get_device_list") { Int32(truncatingIfNeeded: libusb_get_device_list(raw, &list)) }
        defer { libusb_free_device_list(list, 1) }
        var found: [USBDeviceDescription] = []
        for i in 0..<Int(n) {
            guard let dev = list?[i] else { continue }
            var d = libusb_device_descriptor()
            guard libusb_get_device_descriptor(dev, &d) == 0, d.idVendor == vendorID, d.idProduct == productID else {
                continue
            }
            var desc = USBDeviceDescription(bus: Int(libusb_get_bus_number(dev)),
                                            address: Int(libusb_get_device_address(dev)),
                                            vendorID: d.idVendor, productID: d.idProduct, serial: nil)
            var handle: OpaquePointer?
            if d.iSerialNumber != 0, libusb_open(dev, &handle) == 0, let handle {
                var buf = [UInt8](repeating: 0, count: 128)
                let len = libusb_get_string_descriptor_ascii(handle, d.iSerialNumber, &buf, Int32(buf.count))
                if len > 0 { desc.serial = String(decoding: buf[0..<Int(len)], as: UTF8.self) }
                libusb_close(handle)
            }
            if let serial, desc.serial != serial { continue }
            found.append(desc)
        }
        return found
    }

    /// Opens the first matching device and claims its vendor interface.
    public func open(vendorID: UInt16 = ProtocolV1.usbVendorID, productID: UInt16 = ProtocolV1.usbTestProductID,
                     serial: String? = nil) throws(USBError) -> USBDevice {
        var list: UnsafeMutablePointer<OpaquePointer?>?
        let n = try usbCall("libusb_get_device_list") { Int32(truncatingIfNeeded: libusb_get_device_list(raw, &list)) }
        defer { libusb_free_device_list(list, 1) }
        for i in 0..<Int(n) {
            guard let dev = list?[i] else { continue }
            var d = libusb_device_descriptor()
            guard libusb_get_device_descriptor(dev, &d) == 0, d.idVendor == vendorID, d.idProduct == productID else {
                continue
            }
            var handle: OpaquePointer?
            try usbCall("libusb_open") { libusb_open(dev, &handle) }
            let device = USBDevice(context: self, handle: handle!)
            if let serial {
                var buf = [UInt8](repeating: 0, count: 128)
                let len = libusb_get_string_descriptor_ascii(handle, d.iSerialNumber, &buf, Int32(buf.count))
                if len <= 0 || String(decoding: buf[0..<Int(len)], as: UTF8.self) != serial {
                    device.close()
                    continue
                }
            }
            do throws(USBError) {
                try device.claim()
            } catch {
                device.close()
                throw error
            }
            return device
        }
        let ids = String(format: "%04x:%04x", vendorID, productID) + (serial.map { " serial \($0)" } ?? "")
        throw USBError(code: LIBUSB_ERROR_NOT_FOUND.rawValue, call: "open \(ids)")
    }
}

/// An opened, claimed device.
public final class USBDevice: @unchecked Sendable {
    public static let interface: Int32 = 0
    /// The endpoints PROTOCOL.md names; the device's own descriptor has the last word (an ATmega32U4 cannot use
    /// endpoint 1 in both directions, so its firmware answers on bulk OUT 0x02).
    public static let bulkIn: UInt8 = 0x81
    public static let bulkOut: UInt8 = 0x01
    public private(set) var bulkInAddress = USBDevice.bulkIn
    public private(set) var bulkOutAddress = USBDevice.bulkOut

    let context: USBContext
    let handle: OpaquePointer
    private var claimed = false
    private var closed = false
    private var commands = CommandEncoder()
    /// wMaxPacketSize of the bulk IN endpoint.
    public private(set) var maxPacketSize = 512

    init(context: USBContext, handle: OpaquePointer) {
        self.context = context
        self.handle = handle
    }

    func claim() throws(USBError) {
        try usbCall("libusb_claim_interface") { libusb_claim_interface(handle, USBDevice.interface) }
        claimed = true
        findBulkEndpoints()
        let mps = libusb_get_max_packet_size(libusb_get_device(handle), bulkInAddress)
        if mps > 0 { maxPacketSize = Int(mps) }
    }

    /// Reads interface 0's bulk endpoints from the active configuration descriptor.
    private func findBulkEndpoints() {
        var config: UnsafeMutablePointer<libusb_config_descriptor>?
        guard libusb_get_active_config_descriptor(libusb_get_device(handle), &config) == 0, let config else { return }
        defer { libusb_free_config_descriptor(config) }
        guard config.pointee.bNumInterfaces > 0, let iface = config.pointee.interface, iface.pointee.num_altsetting > 0,
              let alt = iface.pointee.altsetting, let endpoints = alt.pointee.endpoint else { return }
        var foundIn: UInt8?, foundOut: UInt8?
        for i in 0..<Int(alt.pointee.bNumEndpoints) {
            let e = endpoints[i]
            guard e.bmAttributes & 0x03 == 0x02 else { continue }  // bulk
            if e.bEndpointAddress & 0x80 != 0 {
                foundIn = foundIn ?? e.bEndpointAddress
            } else {
                foundOut = foundOut ?? e.bEndpointAddress
            }
        }
        if let foundIn { bulkInAddress = foundIn }
        if let foundOut { bulkOutAddress = foundOut }
    }

    /// Reads the device description with the vendor control request GET_INFO (PROTOCOL.md section 4).
    public func readInfo(timeoutMillis: UInt32 = 1000) throws -> DeviceInfo {
        var buf = [UInt8](repeating: 0, count: ProtocolV1.maxEncoded + 1)
        let n = try usbCall("libusb_control_transfer(GET_INFO)") {
            libusb_control_transfer(handle, 0xC1, ProtocolV1.usbRequestGetInfo, 0, 0, &buf, UInt16(buf.count),
                                    timeoutMillis)
        }
        let decoder = FrameDecoder()
        var info: DeviceInfo?
        var problem: String?
        decoder.feed(Array(buf[0..<Int(n)])) { event in
            switch event {
            case .frame(let view): if case .deviceInfo(let d) = view.message() { info = d }
            case .error(let kind, _): problem = kind.explanation
            default: break
            }
        }
        guard let info else {
            let why = problem.map { " (\($0))" } ?? ""
            throw DeviceError("GET_INFO returned \(n) bytes that are not a device-info frame\(why); "
                              + "is this a Crampwatch device with protocol v1 firmware?")
        }
        return info
    }

    /// Sends one command on the bulk OUT endpoint (0x01, or what the descriptor says).
    public func send(_ command: Command, timeoutMillis: UInt32 = 1000) throws {
        var bytes = commands.encode(command)
        var sent: Int32 = 0
        try usbCall("libusb_bulk_transfer(OUT \(command.type.name))") {
            libusb_bulk_transfer(handle, bulkOutAddress, &bytes, Int32(bytes.count), &sent, timeoutMillis)
        }
    }

    public func close() {
        guard !closed else { return }
        closed = true
        if claimed { _ = libusb_release_interface(handle, USBDevice.interface) }
        libusb_close(handle)
    }
}

/// Problems with the device that are not a failed libusb call.
public struct DeviceError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ d: String) { description = d }
}
