import DeviceIO
import Foundation
import WebApp

/// What is plugged in now, found one way for `crampwatch devices` and for `serve`'s Device page: OpenBCI dongles
/// by their FTDI ids in sysfs (no libusb needed), then our own USB devices through libusb.
struct Attached {
    var dongles: [CytonDongles.Dongle]
    var usb: [USBDeviceDescription]
    /// libusb could not be used (no context); the dongles are still listed.
    var usbProblem: String?

    /// Looks now. `describe` is given the open context and each device found, while the context is open (`devices`
    /// reads each device's description through it; the web page does not open a device a monitor may be using).
    static func look(describe: (USBContext, USBDeviceDescription) -> Void = { _, _ in }) -> Attached {
        let dongles = CytonDongles.list()
        do {
            let ctx = try USBContext()
            defer { ctx.close() }
            let found = try ctx.devices()
            for d in found { describe(ctx, d) }
            return Attached(dongles: dongles, usb: found, usbProblem: nil)
        } catch {
            return Attached(dongles: dongles, usb: [], usbProblem: "\(error)")
        }
    }

    /// For the Device page.
    var forWeb: AttachedDevices {
        let ours = usb.map { d in
            AttachedDevice(kind: "Crampwatch device",
                           detail: String(format: "USB %04x:%04x, bus %03d device %03d, serial ", d.vendorID,
                                          d.productID, d.bus, d.address) + (d.serial ?? "unknown"),
                           command: "crampwatch monitor" + (usb.count > 1 ? " --device-serial \(d.serial ?? "?")" : ""))
        }
        let cytons = dongles.map { d in
            AttachedDevice(kind: "OpenBCI Cyton dongle",
                           detail: "FTDI \(CytonDongles.vendorID):\(CytonDongles.productID) at \(d.port)"
                               + (d.serial.map { ", serial \($0)" } ?? ""),
                           command: "crampwatch monitor --cyton \(d.port)")
        }
        return AttachedDevices(devices: ours + cytons, problem: usbProblem)
    }
}
