import CLibUSB

/// A libusb call that failed: the libusb error code and the name of the call.
public struct USBError: Error, CustomStringConvertible, Sendable, Equatable {
    /// libusb's error code (negative, `LIBUSB_ERROR_*`).
    public let code: Int32
    /// The libusb function that failed.
    public let call: String

    public init(code: Int32, call: String) {
        self.code = code
        self.call = call
    }

    public var isNoDevice: Bool { code == LIBUSB_ERROR_NO_DEVICE.rawValue }
    public var isTimeout: Bool { code == LIBUSB_ERROR_TIMEOUT.rawValue }
    /// No such device is attached (or it has no such interface).
    public var isNotFound: Bool { code == LIBUSB_ERROR_NOT_FOUND.rawValue }

    public var description: String {
        let name = String(cString: libusb_error_name(code))
        return "\(call) failed: \(name) (\(code))" + (hint.isEmpty ? "" : ". \(hint)")
    }

    var hint: String {
        switch code {
        case LIBUSB_ERROR_ACCESS.rawValue:
            return "No permission to open the device: install the udev rule from the README "
                + "(or run once with sudo to check)."
        case LIBUSB_ERROR_NO_DEVICE.rawValue:
            return "The device was unplugged; check the cable."
        case LIBUSB_ERROR_BUSY.rawValue:
            return "Another program has claimed the device; close it (is a second monitor running?)."
        case LIBUSB_ERROR_NOT_FOUND.rawValue:
            return "The device is not attached or has no such interface."
        case LIBUSB_ERROR_TIMEOUT.rawValue:
            return "The device did not answer in time."
        case LIBUSB_ERROR_PIPE.rawValue:
            return "The device stalled the endpoint (it rejected the request)."
        default:
            return ""
        }
    }
}

/// The one funnel for libusb calls: a negative return becomes a `USBError` naming the call.
@discardableResult
func usbCall(_ call: String, _ body: () -> Int32) throws(USBError) -> Int32 {
    let r = body()
    if r < 0 { throw USBError(code: r, call: call) }
    return r
}
