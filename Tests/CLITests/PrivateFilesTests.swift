import Foundation
import TestSupport
import Testing

/// Every file Crampwatch writes holds health data, so each one is readable by its owner alone: a new file, and
/// also a file that was already there with a wider mode (O_CREAT's mode applies only to files it creates).
@Suite(.tags(.cli), .temporaryFolder) struct PrivateFilesTests {
    @Test func everyWrittenFileIsPrivateEvenOverAnOlderOpenOne() async throws {
        let folder = try TemporaryFolder.make()
        func at(_ name: String) -> String { folder.appendingPathComponent(name).path }
        let names = ["night.edf", "night.bdf", "events.csv", "events.json", "signals.csv", "signals.json",
                     "journal.sqlite", "night.html", "trend.html"]
        for name in names where !name.hasSuffix(".sqlite") {
            // Older files, readable by everyone, with more bytes than some of the new ones will have.
            let path = at(name)
            #expect(FileManager.default.createFile(atPath: path, contents: Data(repeating: 65, count: 100_000),
                                                   attributes: [.posixPermissions: 0o644]))
        }
        let journal = at("journal.sqlite")
        let night = Repository.night("night-a")
        for (edf, events, signals) in [("night.edf", "events.csv", "signals.csv"),
                                       ("night.bdf", "events.json", "signals.json")] {
            let edfFlag = edf.hasSuffix(".bdf") ? "--write-bdf" : "--write-edf"
            let r = try await CLI.run(["replay", night, "--journal", journal, "--replace", edfFlag,
                                       at(edf), "--export-events", at(events),
                                       "--export-signals", at(signals)])
            #expect(r.status == 0, "\(r.stderr)")
        }
        for (report, out) in [(["night", "1"], "night.html"), (["trend"], "trend.html")] {
            let r = try await CLI.run(["report"] + report + ["--journal", journal, "--out", at(out)])
            #expect(r.status == 0, "\(r.stderr)")
        }
        for name in names {
            let path = at(name)
            let mode = try fileMode(path)
            #expect(mode == 0o600, "\(name): mode \(String(mode, radix: 8))")
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            // Written afresh: nothing of the older file's 100,000 "A"s is left, at its start or at its end (a
            // writer that did not empty the file would leave them after its own, shorter content).
            let old = Data(repeating: 65, count: 16)
            #expect(bytes.count > 0 && bytes.prefix(16) != old && bytes.suffix(16) != old, "\(name) was not emptied")
        }
    }
}
