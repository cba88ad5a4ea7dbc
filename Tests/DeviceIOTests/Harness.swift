import Foundation
import Testing

/// Paths and process helpers for the device tests: the real `crampwatch` binary, run under the
/// virtual USB device (Firmware/build/cwsim, a umockdev live handler) so libusb's real code path runs.
enum Harness {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let nightA = root.appendingPathComponent("Samples/night-a/night.cwcap").path
    static let nightAFrames = 23220
    static let nightB = root.appendingPathComponent("Samples/night-b-faulty/night.cwcap").path
    static let sim = root.appendingPathComponent("Firmware/build/cwsim").path

    static let crampwatch: String = {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("crampwatch").path) && dir.path != "/" {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("crampwatch").path
    }()

    struct Result {
        var status: Int32
        var stdout: Data
        var stderr: String
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: stdout)) as? [String: Any] ?? [:] }
    }

    static func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("cw-deviceio-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    /// Runs a program with stdout/stderr going to files (no pipe can fill up and block it).
    static func run(_ executable: String, _ arguments: [String], in dir: URL) throws -> Result {
        let out = dir.appendingPathComponent("stdout-\(UUID().uuidString)"), err = dir.appendingPathComponent("stderr-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        p.currentDirectoryURL = dir
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        try p.run()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: try Data(contentsOf: out),
                      stderr: String(decoding: try Data(contentsOf: err), as: UTF8.self))
    }

    /// `crampwatch monitor` under the virtual device with the given faults.
    static func monitor(faults: [String], capture: String, in dir: URL, extra: [String] = ["--no-journal"], source: String = nightA) throws -> Result {
        #expect(FileManager.default.fileExists(atPath: sim), "the virtual device is not built: run `make -C Firmware sim`")
        return try run(sim, ["--capture", source] + faults + ["--", crampwatch, "monitor", "--capture", capture, "--json",
                                                              "--stop-after-idle", "3", "--silence-warning", "1"] + extra, in: dir)
    }

    static func replay(_ capture: String, in dir: URL) throws -> Result {
        try run(crampwatch, ["replay", capture, "--json", "--no-journal"], in: dir)
    }

    /// Events without the fields that name the file.
    static func events(_ r: Result) -> [NSDictionary] {
        (r.json["events"] as? [[String: Any]] ?? []).map { $0 as NSDictionary }
    }

    static func summary(_ r: Result) -> [String: Any] { r.json["summary"] as? [String: Any] ?? [:] }
}
