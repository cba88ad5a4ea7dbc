import Foundation
import TestSupport
import Testing

/// Paths and process helpers for the device tests: the real `crampwatch` binary, run under the
/// virtual USB device (Firmware/build/cwsim, a umockdev live handler) so libusb's real code path runs.
enum Harness {
    static let nightA = Repository.night("night-a")
    static let nightAFrames = 23220
    static let nightB = Repository.night("night-b-faulty")
    static let sim = Repository.root.appendingPathComponent("Firmware/build/cwsim").path
    static var crampwatch: String { Binary.crampwatch }

    /// A fresh folder for one device test, and the path of its capture `name` inside it.
    static func folder(capture name: String) throws -> (dir: URL, capture: String) {
        let dir = try TemporaryFolder.make("deviceio")
        return (dir, dir.appendingPathComponent(name).path)
    }

    /// Expects the capture to hold exactly `source`'s bytes: the device streamed the recording, and the monitor
    /// wrote what arrived, garbage and damaged frames included, unchanged.
    static func expectCapture(_ capture: String, isByteForByte source: String,
                              sourceLocation: SourceLocation = #_sourceLocation) throws {
        let written = try Data(contentsOf: URL(fileURLWithPath: capture))
        #expect(Bytes.difference(written, try Data(contentsOf: URL(fileURLWithPath: source))) == nil,
                "\(capture) differs from \(source)", sourceLocation: sourceLocation)
    }

    /// Runs a program to its end in `dir`, collecting stdout and stderr.
    static func run(_ executable: String, _ arguments: [String], in dir: URL) async throws -> ProcessResult {
        try await Processes.run(executable, arguments, in: dir)
    }

    /// `crampwatch monitor` under the virtual device with the given faults.
    static func monitor(faults: [String], capture: String, in dir: URL, extra: [String] = ["--no-journal"],
                        source: String = nightA) async throws -> ProcessResult {
        #expect(FileManager.default.fileExists(atPath: sim),
                "the virtual device is not built: run `make -C Firmware sim`")
        let monitor = [crampwatch, "monitor", "--capture", capture, "--json", "--stop-after-idle", "3",
                       "--silence-warning", "1"]
        return try await run(sim, ["--capture", source] + faults + ["--"] + monitor + extra, in: dir)
    }

    static func replay(_ capture: String, in dir: URL) async throws -> ProcessResult {
        try await run(crampwatch, ["replay", capture, "--json", "--no-journal"], in: dir)
    }

    /// Events without the fields that name the file.
    static func events(_ r: ProcessResult) -> [NSDictionary] {
        (r.json["events"] as? [[String: Any]] ?? []).map { $0 as NSDictionary }
    }

    static func summary(_ r: ProcessResult) -> [String: Any] { r.json["summary"] as? [String: Any] ?? [:] }
}
