import Foundation
import TestSupport
import Testing

/// One bad input: the corpus file, the command (FILE is replaced by the copy's path, JOURNAL by a fresh journal),
/// the exit code, and the words the one line on stderr must hold besides the file's name.
struct BadInput: Sendable, CustomTestStringConvertible {
    /// The file's path inside Tests/Corpus.
    var file: String
    var arguments: [String]
    var status: Int32
    var says: [String]
    /// Lines on stderr (replay into a journal it cannot use also says that the night was not saved).
    var lines: Int

    /// `name` is a file in Tests/Corpus/`folder`. Every failing command must name its file, so the rows list only
    /// what is particular to each input and the test adds the name (a row cannot forget it).
    init(_ name: String, in folder: String = "bad-input", arguments: [String] = ["replay", "FILE", "--no-journal"],
         status: Int32 = 1, says: [String], lines: Int = 1) {
        file = "\(folder)/\(name)"
        (self.arguments, self.status, self.lines) = (arguments, status, lines)
        self.says = status == 0 ? says : [name] + says
    }

    var testDescription: String { "\(file) → exit \(status)" }
}

/// Bad input through the real `crampwatch` executable: every file in Tests/Corpus (made by
/// Tests/Corpus/make_bad_inputs.py, or saved by the fuzzers in Fuzz/) gives its expected exit code and one clear
/// line naming the file and the place (byte offset, field, line), and never a crash: a signal fails the test.
@Suite(.tags(.cli, .fuzz), .temporaryFolder) struct BadInputTests {
    static let cases: [BadInput] = [
        // Empty, garbage, damaged captures.
        BadInput("empty.cwcap", says: ["at byte offset 0", "the file is empty"]),
        BadInput("garbage.bin",
                 says: ["at byte offset 0", "not a recording Crampwatch knows",
                        "no device frame with a valid checksum"]),
        BadInput("capture-cut-mid-frame.cwcap", status: 3,
                 says: ["at byte offset 199900", "ends in the middle of a frame"]),
        BadInput("capture-garbage-inside.cwcap", status: 0, says: []),
        // EDF / BDF: cut short, wrong magic, oversized or impossible header fields, absurd sample rates.
        BadInput("edf-cut-in-header.edf", says: ["at byte offset 100", "256-byte EDF/BDF header"]),
        BadInput("edf-cut-in-signal-header.edf", says: ["at byte offset 300", "signal headers"]),
        BadInput("edf-fewer-records-than-header.edf",
                 says: ["at byte offset 236", "number of data records says 10", "holds only 2 complete records",
                        "crampwatch repair"]),
        BadInput("edf-wrong-version.edf", says: ["at byte offset 0", "not a recording Crampwatch knows"]),
        BadInput("edf-9999-signals.edf", says: ["at byte offset 252", "number of signals is 9999"]),
        BadInput("edf-header-bytes-wrong.edf",
                 says: ["at byte offset 184", "99999999 bytes long", "must be 512 bytes"]),
        BadInput("edf-huge-samples-per-record.edf",
                 says: ["at byte offset 472", "99999999 samples per data record is impossible"]),
        BadInput("edf-record-duration-1e9.edf",
                 says: ["at byte offset 244", "duration of a data record", "expected 0 or 0.001 to 86400 s"]),
        BadInput("edf-physical-range-1e308.edf", says: ["at byte offset 360", "physical minimum", "beyond ±1e20"]),
        BadInput("edf-digital-range-inverted.edf",
                 says: ["at byte offset 376", "digital range 100…-100 is impossible"]),
        BadInput("edf-emg-rate-1hz.edf", says: ["EMG \"EMG tibialis\" is sampled at 1.0 Hz", "at least 100 Hz"]),
        BadInput("edf-emg-rate-absurd.edf", says: ["at byte offset 244", "duration of a data record is 1e-5 s"]),
        BadInput("bdf-cut-in-record.bdf",
                 says: ["at byte offset 236", "number of data records says 3", "holds only 2 complete records"]),
        // CSV: NaN and infinities, non-numbers, missing fields, absurd and uneven rates, no rows, an empty cell.
        BadInput("csv-nan.csv", says: ["at byte offset 28", "line 4, column \"emg_uv\"", "NaN or infinite"]),
        BadInput("csv-infinity.csv", says: ["at byte offset 36", "line 5, column \"emg_uv\"", "NaN or infinite"]),
        BadInput("csv-not-a-number.csv",
                 says: ["at byte offset 36", "line 5 has 3 fields but the header names 2 columns"]),
        BadInput("csv-missing-field.csv",
                 says: ["at byte offset 50", "line 3 has 4 fields but the header names 5 columns"]),
        BadInput("csv-rate-absurd.csv", says: ["sampling rate 1000000000", "from 100 to 20000"]),
        BadInput("csv-rate-not-whole.csv", says: ["steps by 0.0013 s", "not a whole number", "--rate HZ"]),
        BadInput("csv-header-only.csv", says: ["at byte offset 0", "a header but no data rows"]),
        BadInput("csv-empty-emg-cell.csv",
                 says: ["at byte offset 94", "line 7, column \"emg_uv\"", "the EMG cell is empty"]),
        // Journals: from a newer Crampwatch (left untouched), not SQLite at all.
        BadInput("journal-future-schema.sqlite", arguments: ["journal", "nights", "--journal", "FILE"],
                 says: ["newer version of Crampwatch", "v9-from-a-future-crampwatch", "nothing was changed"]),
        BadInput("journal-future-schema.sqlite",
                 arguments: ["replay", "CORPUS/bad-input/capture-garbage-inside.cwcap", "--journal", "FILE"],
                 says: ["newer version of Crampwatch", "nothing was changed"]),
        BadInput("journal-not-sqlite.sqlite", arguments: ["journal", "nights", "--journal", "FILE"],
                 says: ["not a Crampwatch journal"]),
        // Found by the fuzzers (Fuzz/): damaged text is quoted on one line, control bytes shown as \u{..}.
        BadInput("fuzz-tal-onset-binary.edf", in: "edf",
                 says: ["at byte offset 1607", "annotation onset", "is not a signed number"]),
        BadInput("fuzz-header-control-byte-after-latin1.edf", in: "edf",
                 says: ["holds a control byte", "the header is damaged"]),
        BadInput("csv-nul-inside-number.csv",
                 says: ["at byte offset 1212", "line 152, column \"emg_uv\"", "\"2\\u{0}5\" is not a number"]),
        BadInput("fuzz-nan-with-nul-bytes.csv", in: "csv",
                 says: ["at byte offset 0", "not a recording Crampwatch knows"]),
        BadInput("fuzz-carriage-return-in-label.csv", in: "csv", says: ["no leg EMG channel found", ".5\\u{d}Arr041"]),
        BadInput("fuzz-carriage-return-in-field.csv", in: "csv", says: ["line 20", "\\u{d}", "is not a number"]),
        // Found by the whole-pipeline fuzzer: a sample index 2^28 samples on (74.6 h) was read as a gap that long.
        BadInput("fuzz-sample-index-past-48h.cwcap", in: "replay-capture",
                 says: ["at byte offset 70", "frame 154", "268435.456 s into the night", "longer than 48 h"]),
        // The same fuzzer: EMG 32.5 s in, the accelerometer 1966 s in; read so, the 5-s epochs of the sleep window
        // ran 1934 s ahead of the night (393 epochs for 32.5 s).
        BadInput("fuzz-accelerometer-index-ahead-of-emg.cwcap", in: "replay-capture",
                 says: ["at byte offset 70", "frame 279", "EMG runs from 32.512 to 32.544 s",
                        "accelerometer from 1966.08 to 1966.12 s", "one clock"]),
    ]

    @Test(arguments: cases)
    func badInputGivesItsClearLineAndExitCode(_ c: BadInput) async throws {
        let dir = try TemporaryFolder.make()
        let source = Repository.corpus.appendingPathComponent(c.file)
        let copy = dir.appendingPathComponent(source.lastPathComponent)
        try FileManager.default.copyItem(at: source, to: copy)
        let before = try Data(contentsOf: copy)
        let arguments = c.arguments.map {
            $0 == "FILE" ? copy.path : $0.replacingOccurrences(of: "CORPUS", with: Repository.corpus.path)
        }
        let r = try await CLI.run(arguments)
        #expect(!r.signalled, "crampwatch was killed by signal \(r.status): \(r.stderr)")
        #expect(r.status == c.status, "exit \(r.status), expected \(c.status); stderr: \(r.stderr)")
        for word in c.says {
            #expect(r.stderr.contains(word), "stderr lacks \"\(word)\": \(r.stderr)")
        }
        if c.status == 1 {
            let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.isEmpty }
            #expect(lines.count == c.lines, "expected \(c.lines) line(s) on stderr, got \(lines.count): \(r.stderr)")
            #expect(r.stderr.contains(copy.path), "the line does not name the file: \(r.stderr)")
        }
        if c.file.hasSuffix(".sqlite") {
            #expect(Bytes.difference(try Data(contentsOf: copy), before) == nil, "the journal was changed")
        }
    }

    /// Replays `file` of Tests/Corpus to JSON without a journal, expecting exit 0: what the command printed, and
    /// its summary (the inputs that are damaged but still a night).
    static func replayed(_ file: String) async throws -> (object: [String: Any], summary: [String: Any]) {
        let path = Repository.corpus.appendingPathComponent(file).path
        let r = try await CLI.run(["replay", path, "--no-journal", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: r.output) as? [String: Any], "\(r.stdout)")
        return (object, try #require(object["summary"] as? [String: Any]))
    }

    @Test func aDamagedCaptureCountsWhatItSkipped() async throws {
        // The garbage in the middle is skipped and counted; the night is still read and exits 0.
        let summary = try await Self.replayed("bad-input/capture-garbage-inside.cwcap").summary
        #expect((summary["corrupt_frames"] as? Int ?? 0) >= 1, "\(summary)")
        #expect((summary["gaps"] as? Int ?? 0) >= 1, "\(summary)")
    }

    @Test func aGapDuringMainsDetectionKeepsTheNightsLength() async throws {
        // 0.3 s of a 500-Hz CSV, then rows from 10 s to 10.04 s: the gap crosses the end of mains detection (2 s).
        // Found by the whole-pipeline fuzzer (ASan: a read before the samples): the detector went on to filter
        // 4000 samples of whatever memory lay before them, a night of 18.04 s with a flat-line artifact in it.
        let (object, summary) = try await Self.replayed("replay-csv/fuzz-gap-during-mains-detection.tsv")
        #expect(summary["duration_s"] as? Double == 10.04, "\(summary)")
        #expect(summary["gap_s"] as? Double == 9.7, "\(summary)")
        let kinds = (object["events"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
        #expect(kinds == ["gap"], "\(kinds)")
    }

    @Test func aFolderInsteadOfAFile() async throws {
        let dir = try TemporaryFolder.make()
        let folder = dir.appendingPathComponent("night.cwcap")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
        let r = try await CLI.run(["replay", folder.path, "--no-journal"])
        #expect(!r.signalled)
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr == "crampwatch: \(folder.path): this is a folder, not a recording; "
                            + "give the path of a file inside it\n")
    }

    @Test func aMissingFile() async throws {
        let r = try await CLI.run(["replay", "/nonexistent/night.cwcap", "--no-journal"])
        #expect(!r.signalled)
        #expect(r.status == 1)
        #expect(r.stderr == "crampwatch: /nonexistent/night.cwcap: no such file; check the path\n")
    }

    @Test func aFileWithoutReadPermission() async throws {
        let dir = try TemporaryFolder.make()
        let file = dir.appendingPathComponent("night.cwcap")
        let source = Repository.corpus.appendingPathComponent("bad-input/capture-cut-mid-frame.cwcap")
        try FileManager.default.copyItem(at: source, to: file)
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: file.path)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir.path)
        // root reads any file, so as root the command runs as "nobody" (setpriv, util-linux).
        let prefix = getuid() == 0 ? ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : []
        let r = try await CLI.run(["replay", file.path, "--no-journal"], prefix: prefix)
        #expect(!r.signalled)
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr == "crampwatch: \(file.path): permission denied; check who owns the file\n")
    }
}
