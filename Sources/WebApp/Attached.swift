import Reports

/// A device plugged in now, as the Device page lists it.
public struct AttachedDevice: Sendable, Equatable {
    /// "Crampwatch device", "OpenBCI Cyton dongle".
    public var kind: String
    /// Where and which: bus, USB ids, serial number, serial port.
    public var detail: String
    /// The command that records a night from it.
    public var command: String

    public init(kind: String, detail: String, command: String) {
        self.kind = kind
        self.detail = detail
        self.command = command
    }
}

/// What is plugged in now, or why it could not be looked at (libusb would not start, say).
public struct AttachedDevices: Sendable, Equatable {
    public var devices: [AttachedDevice]
    public var problem: String?

    public init(devices: [AttachedDevice], problem: String? = nil) {
        self.devices = devices
        self.problem = problem
    }

    /// The Device page's first section: attached now, said apart from the devices the journal remembers.
    var html: String {
        var b = "<h2>Attached now</h2>\n"
        if devices.isEmpty {
            b += "<p>No Crampwatch device (USB 1209:c4a3) and no OpenBCI dongle (FTDI 0403:6015) is attached to "
                + "this computer now.</p>\n"
        } else {
            b += "<ul class=\"attached\">\n" + devices.map { d in
                "<li><strong>\(esc(d.kind))</strong>: \(esc(d.detail)). Records with <code>\(esc(d.command))</code>."
                    + "</li>\n"
            }.joined() + "</ul>\n"
        }
        if let problem { b += "<p class=\"note\">Could not look at the USB bus: \(esc(problem)).</p>\n" }
        return b
    }
}
