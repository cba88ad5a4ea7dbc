import Foundation
import Testing

/// Runs the real `crampwatch` executable, as a person or a script would.
struct CLI {
    static let binary: URL = {
        // The test bundle sits next to the executables in .build/<config>/.
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("crampwatch").path) && dir.path != "/" {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("crampwatch")
    }()

    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Samples")

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let p = Process()
        p.executableURL = binary
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    static func temporary(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cw-cli-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(name).path
    }
}

@Suite struct CLITests {
    @Test func replayJSONHasTheDocumentedShapeAndTheJournalIsPrivate() throws {
        let journal = CLI.temporary("j.sqlite")
        let r = try CLI.run(["replay", CLI.samples.appendingPathComponent("night-a/night.cwcap").path, "--journal", journal, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        let events = try #require(object["events"] as? [[String: Any]])
        let summary = try #require(object["summary"] as? [String: Any])
        #expect(object["night_id"] as? Int == 1)
        #expect(summary["cramps"] as? Int == 3)
        let kinds = Set(["cramp", "leg_movement", "sleep_interruption", "artifact", "gap"])
        for e in events {
            #expect(kinds.contains(e["kind"] as! String))
            #expect((e["onset_s"] as! Double) <= (e["offset_s"] as! Double))
        }
        #expect(events.filter { $0["kind"] as? String == "cramp" }.count == 3)
        let mode = (try FileManager.default.attributesOfItem(atPath: journal)[.posixPermissions] as! NSNumber).intValue
        #expect(mode == 0o600)

        let nights = try CLI.run(["journal", "nights", "--journal", journal])
        #expect(nights.status == 0)
        #expect(nights.stdout.contains("    1  "))
        let show = try CLI.run(["journal", "show", "1", "--journal", journal])
        #expect(show.stdout.components(separatedBy: "\ncramp ").count - 1 == 3)
        let missing = try CLI.run(["journal", "show", "9", "--journal", journal])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("there is no night 9"))
    }

    @Test func aFileThatIsNotACaptureGivesOneLineWithFileAndOffset() throws {
        let path = CLI.temporary("notes.bin")
        try Data((0..<5000).map { UInt8(1 + $0 % 200) }).write(to: URL(fileURLWithPath: path))
        let r = try CLI.run(["replay", path, "--no-journal"])
        #expect(r.status == 1)
        #expect(r.stdout.isEmpty)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(r.stderr.contains(path) && r.stderr.contains("byte offset 0"))
    }

    @Test func aTruncatedCaptureSaysWhereAndKeepsTheNight() throws {
        let source = CLI.samples.appendingPathComponent("night-c-60hz/night.cwcap")
        var bytes = try [UInt8](Data(contentsOf: source))
        bytes = Array(bytes[0..<(bytes.count / 2)])
        while bytes.last == 0 { bytes.removeLast() }
        let path = CLI.temporary("cut.cwcap")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let journal = CLI.temporary("j.sqlite")
        let r = try CLI.run(["replay", path, "--journal", journal])
        #expect(r.status == 3)
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(r.stderr.contains(path) && r.stderr.contains("byte offset"))
        #expect(r.stderr.contains("saved as night 1"))
        #expect(r.stdout.contains("Cramps"))
    }

    @Test func emptyAndMissingFilesAreExplained() throws {
        let empty = CLI.temporary("empty.cwcap")
        FileManager.default.createFile(atPath: empty, contents: Data())
        let r = try CLI.run(["replay", empty, "--no-journal"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("empty"))
        let m = try CLI.run(["replay", "/nonexistent/night.cwcap", "--no-journal"])
        #expect(m.status == 1)
        #expect(m.stderr.contains("no such file"))
    }

    @Test func helpNamesUnitsAndUsageErrorsSayWhatToDo() throws {
        let help = try CLI.run(["simulate", "--help"])
        #expect(help.stdout.contains("--hours <hours>"))
        #expect(help.stdout.contains("--emg-rate <Hz>"))
        let bad = try CLI.run(["simulate", "--out", "/tmp/x", "--mains", "55"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("--mains must be 50 or 60"))
    }

    @Test func simulateIsDeterministicAndPrivate() throws {
        let a = CLI.temporary("a"), b = CLI.temporary("b")
        for out in [a, b] {
            let r = try CLI.run(["simulate", "--seed", "5", "--hours", "0.02", "--emg-rate", "500", "--out", out])
            #expect(r.status == 0, "\(r.stderr)")
        }
        let x = try Data(contentsOf: URL(fileURLWithPath: a + "/night.cwcap"))
        let y = try Data(contentsOf: URL(fileURLWithPath: b + "/night.cwcap"))
        #expect(x == y && x.count > 10_000)
        let mode = (try FileManager.default.attributesOfItem(atPath: a + "/night.cwcap")[.posixPermissions] as! NSNumber).intValue
        #expect(mode == 0o600)
    }
}
