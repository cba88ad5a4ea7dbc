import Foundation
import Testing
import TestSupport

/// The Device page shows what is attached now (found as `crampwatch devices` finds it) apart from the devices the
/// journal recorded nights from, each said as such.
@Suite(.tags(.cli, .usb), .temporaryFolder) struct DevicePageTests {
    static let sim = Repository.root.appendingPathComponent("Firmware/build/cwsim").path

    /// A journal with night-a, recorded (so the page says) by a device with serial REC-7 that is not attached.
    static func journalWithRecordedDevice() async throws -> String {
        let journal = try await WebAppTests.journalWithNight()
        _ = try await SQLiteShell.run(journal, """
            INSERT INTO device (serial, firmware, emgChannels, accelAxes, emgRateHz, accelRateHz, mainsHz, firstSeen)
            VALUES ('REC-7', '1.2.0', 2, 3, 1000, 100, 50, '2026-11-01 22:00:00');
            UPDATE night SET deviceId = last_insert_rowid()
            """)
        return journal
    }

    @Test func nothingAttachedIsSaidApartFromWhatRecorded() async throws {
        let journal = try await Self.journalWithRecordedDevice()
        try await Served.with(journal: journal) { s in
            let page = try await s.request("/device")
            #expect(page.status == 200)
            let attached = try #require(page.body.range(of: "<h2>Attached now</h2>"))
            let recorded = try #require(page.body.range(of: "<h2>Recorded: devices that recorded nights</h2>"))
            #expect(attached.lowerBound < recorded.lowerBound, "attached now comes first")
            let now = String(page.body[attached.upperBound..<recorded.lowerBound])
            #expect(now.contains("No Crampwatch device (USB 1209:c4a3) and no OpenBCI dongle (FTDI 0403:6015) is "
                                 + "attached to this computer now."))
            #expect(!now.contains("REC-7"), "a recorded device is not said to be attached")
            #expect(page.body[recorded.upperBound...].contains("REC-7"))
        }
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: sim), "the virtual device is not built"))
    func theVirtualDeviceShowsAsAttachedNow() async throws {
        let journal = try await Self.journalWithRecordedDevice()
        // The virtual USB device (serial 0001) plugged in while the server runs under it.
        try await Served.with(journal: journal, under: [Self.sim, "--synthetic", "600", "--serial", "CW-42", "--"]) {
            s in
            let page = try await s.request("/device")
            #expect(page.status == 200)
            let attached = try #require(page.body.range(of: "<h2>Attached now</h2>"))
            let recorded = try #require(page.body.range(of: "<h2>Recorded: devices that recorded nights</h2>"))
            let now = String(page.body[attached.upperBound..<recorded.lowerBound])
            #expect(now.contains("<strong>Crampwatch device</strong>: USB 1209:c4a3, bus 001 device 002, serial "
                                 + "CW-42. Records with <code>crampwatch monitor</code>."), "\(now)")
            #expect(!now.contains("REC-7"))
            // The same discovery as `crampwatch devices`, which lists it the same way.
            let listed = try await Processes.run(Self.sim, ["--synthetic", "600", "--serial", "CW-42", "--",
                                                            Binary.crampwatch, "devices"])
            #expect(listed.stdout.contains("bus 001 device 002  1209:c4a3  serial CW-42"), "\(listed.stdout)")
        }
    }
}
