import Foundation

/// The Cyton's USB dongle: an FTDI FT231X serial bridge (VID 0x0403, PID 0x6015), found through sysfs with the
/// serial port the kernel gave it (ttyUSB*).
public enum CytonDongles {
    public static let vendorID = "0403"
    public static let productID = "6015"

    public struct Dongle: Equatable, Sendable, CustomStringConvertible {
        /// /dev/ttyUSB0 and the like.
        public var port: String
        /// The FTDI chip's serial number, when it has one.
        public var serial: String?
        public init(port: String, serial: String?) {
            self.port = port
            self.serial = serial
        }

        public var description: String {
            "OpenBCI dongle (FTDI \(vendorID):\(productID)) at \(port)" + (serial.map { ", serial \($0)" } ?? "")
        }
    }

    /// Dongles attached now. `sysRoot` is "/sys" except in tests.
    public static func list(sysRoot: String = "/sys") -> [Dongle] {
        let ttys = "\(sysRoot)/class/tty"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: ttys)) ?? []).sorted()
        return names.compactMap { name -> Dongle? in
            guard name.hasPrefix("ttyUSB") else { return nil }
            // The tty's device is an interface of the USB device: the first ancestor with idVendor is the device.
            var dir = URL(fileURLWithPath: "\(ttys)/\(name)/device").resolvingSymlinksInPath()
            for _ in 0..<6 {
                let vendor = read(dir.appendingPathComponent("idVendor"))
                if let vendor {
                    let product = read(dir.appendingPathComponent("idProduct"))
                    guard vendor == vendorID, product == productID else { return nil }
                    return Dongle(port: "/dev/\(name)", serial: read(dir.appendingPathComponent("serial")))
                }
                dir = dir.deletingLastPathComponent()
            }
            return nil
        }
    }

    private static func read(_ url: URL) -> String? {
        (try? String(contentsOf: url, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
