import DeviceIO
import Foundation
import TestSupport
import Testing

/// Finding the Cyton's dongle by its FTDI VID:PID in a sysfs tree laid out as the kernel lays it out, and the
/// channel-setting commands the board is sent.
@Suite(.temporaryFolder) struct CytonDongleTests {
    /// /sys/class/tty/<tty>/device -> the USB interface, whose parent is the USB device with idVendor/idProduct.
    static func addTTY(_ root: URL, _ tty: String, vendor: String, product: String, serial: String?) throws {
        let fm = FileManager.default
        let device = root.appendingPathComponent("devices/usb1/1-\(tty)")
        let interface = device.appendingPathComponent("1-\(tty):1.0/\(tty)")
        try fm.createDirectory(at: interface, withIntermediateDirectories: true)
        try vendor.write(to: device.appendingPathComponent("idVendor"), atomically: true, encoding: .utf8)
        try "\(product)\n".write(to: device.appendingPathComponent("idProduct"), atomically: true, encoding: .utf8)
        if let serial {
            try serial.write(to: device.appendingPathComponent("serial"), atomically: true, encoding: .utf8)
        }
        let classDir = root.appendingPathComponent("class/tty/\(tty)")
        try fm.createDirectory(at: classDir, withIntermediateDirectories: true)
        try fm.createSymbolicLink(at: classDir.appendingPathComponent("device"), withDestinationURL: interface)
    }

    @Test func donglesAreFoundByVendorAndProductWithTheirPort() throws {
        let root = try TemporaryFolder.make("sys")
        try Self.addTTY(root, "ttyUSB1", vendor: "0403", product: "6015", serial: "DM00ABCD")
        try Self.addTTY(root, "ttyUSB0", vendor: "0403", product: "6001", serial: "FT232R")  // another FTDI chip
        try Self.addTTY(root, "ttyUSB2", vendor: "0403", product: "6015", serial: nil)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("class/tty/ttyS0"),
                                                withIntermediateDirectories: true)
        let found = CytonDongles.list(sysRoot: root.path)
        #expect(found == [CytonDongles.Dongle(port: "/dev/ttyUSB1", serial: "DM00ABCD"),
                          CytonDongles.Dongle(port: "/dev/ttyUSB2", serial: nil)])
        #expect(found.first?.description == "OpenBCI dongle (FTDI 0403:6015) at /dev/ttyUSB1, serial DM00ABCD")
    }

    /// A USB device with an FTDI serial port as the kernel describes it to udev (umockdev's format): the device with
    /// its ids, its interface, the usb-serial port and the tty with its `device` link.
    static func umockdevTTY(_ tty: String, usb: String, product: String, serial: String) -> String {
        let device = "/devices/pci0000:00/0000:00:14.0/usb1/\(usb)"
        return """
            P: \(device)
            E: SUBSYSTEM=usb
            E: DEVTYPE=usb_device
            A: idVendor=0403
            A: idProduct=\(product)
            A: serial=\(serial)

            P: \(device)/\(usb):1.0
            E: SUBSYSTEM=usb
            E: DEVTYPE=usb_interface

            P: \(device)/\(usb):1.0/\(tty)
            E: SUBSYSTEM=usb-serial

            P: \(device)/\(usb):1.0/\(tty)/tty/\(tty)
            N: \(tty)
            E: SUBSYSTEM=tty
            E: DEVNAME=/dev/\(tty)
            L: device=../../../\(tty)


            """
    }

    /// `crampwatch devices` end to end, with umockdev standing in for the kernel's /sys: a Cyton's dongle (FTDI
    /// FT231X, 0403:6015) is listed with its port and the command that reads it; another FTDI chip (an FT232R,
    /// 0403:6001) beside it is not.
    @Test(.tags(.cli)) func devicesListsTheDongleWithItsPort() async throws {
        let description = TemporaryFolder.path("dongles.umockdev")
        try (Self.umockdevTTY("ttyUSB0", usb: "1-1", product: "6001", serial: "FT232R")
             + Self.umockdevTTY("ttyUSB1", usb: "1-2", product: "6015", serial: "DM00ABCD"))
            .write(toFile: description, atomically: true, encoding: .utf8)
        let r = try await Processes.run("/usr/bin/umockdev-run", ["-d", description, "--", Binary.crampwatch,
                                                                  "devices"],
                                        environment: ["SWIFT_BACKTRACE": "enable=no"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "OpenBCI dongle (FTDI 0403:6015) at /dev/ttyUSB1, serial DM00ABCD  "
                + "(crampwatch monitor --cyton /dev/ttyUSB1)\n", "\(r.stdout)")
    }

    @Test func channelSettingsForTwoCalfChannels() {
        var s = CytonSettings()
        #expect(s.problem == nil)
        // Gain 24 is code 6; bias on, SRB2 and SRB1 off; channels 3-8 powered down.
        #expect(s.commands == ["x1060100X", "x2060100X", "x3160000X", "x4160000X", "x5160000X", "x6160000X",
                               "x7160000X", "x8160000X"])
        s.channels = [4]
        s.gain = 8
        s.input = .shorted
        s.bias = false
        s.srb2 = true
        #expect(s.commands[3] == "x4041010X")
        #expect(s.commands[0] == "x1160000X")
        s.gain = 3
        #expect(s.problem == "the ADS1299's gains are 1, 2, 4, 6, 8, 12 and 24, not 3")
        s.gain = 24
        s.channels = [1, 2, 3, 4, 5]
        #expect(s.problem == "give 1 to 4 channels (the detector takes at most 4)")
        s.channels = [0]
        #expect(s.problem == "the Cyton's channels are 1 to 8")
    }
}
