import Foundation
import TestSupport
import Testing

/// One bad input: the corpus file, the command (FILE is replaced by the copy's path, JOURNAL by a fresh journal),
/// the exit code, and the words the one line on stderr must hold.
struct BadInput: Sendable, CustomTestStringConvertible {
    var file: String
    var arguments: [String] = ["replay", "FILE", "--no-journal"]
    var status: Int32 = 1
    var says: [String]
    /// Lines on stderr (replay into a journal it cannot use also says that the night was not saved).
    var lines = 1

    var testDescription: String { "\(file) → exit \(status)" }
}

/// Bad input through the real `crampwatch` executable: every file in Tests/Corpus (made by
/// Tests/Corpus/make_bad_inputs.py, or saved by the fuzzers in Fuzz/) gives its expected exit code and one clear
/// line naming the file and the place (byte offset, field, line), and never a crash: a signal fails the test.
@Suite(.tags(.cli, .fuzz), .temporaryFolder) struct BadInputTests {
    static let cases: [BadInput] = [
        // Empty, garbage, damaged captures.
        BadInput(file: "bad-input/empty.cwcap", says: ["empty.cwcap", "at byte offset 0", "the file is empty"]),
        BadInput(file: "bad-input/garbage.bin",
                 says: ["garbage.bin", "at byte offset 0", "not a recording Crampwatch knows",
                        "no device frame with a valid checksum"]),
        BadInput(file: "bad-input/capture-cut-mid-frame.cwcap", status: 3,
                 says: ["capture-cut-mid-frame.cwcap", "at byte offset 199900", "ends in the middle of a frame"]),
        BadInput(file: "bad-input/capture-garbage-inside.cwcap", status: 0, says: []),
        // EDF / BDF: cut short, wrong magic, oversized or impossible header fields, absurd sample rates.
        BadInput(file: "bad-input/edf-cut-in-header.edf",
                 says: ["edf-cut-in-header.edf", "at byte offset 100", "256-byte EDF/BDF header"]),
        BadInput(file: "bad-input/edf-cut-in-signal-header.edf",
                 says: ["edf-cut-in-signal-header.edf", "at byte offset 300", "signal headers"]),
        BadInput(file: "bad-input/edf-fewer-records-than-header.edf",
                 says: ["edf-fewer-records-than-header.edf", "at byte offset 236", "number of data records says 10",
                        "holds only 2 complete records", "crampwatch repair"]),
        BadInput(file: "bad-input/edf-wrong-version.edf",
                 says: ["edf-wrong-version.edf", "at byte offset 0", "not a recording Crampwatch knows"]),
        BadInput(file: "bad-input/edf-9999-signals.edf",
                 says: ["edf-9999-signals.edf", "at byte offset 252", "number of signals is 9999"]),
        BadInput(file: "bad-input/edf-header-bytes-wrong.edf",
                 says: ["edf-header-bytes-wrong.edf", "at byte offset 184", "99999999 bytes long",
                        "must be 512 bytes"]),
        BadInput(file: "bad-input/edf-huge-samples-per-record.edf",
                 says: ["edf-huge-samples-per-record.edf", "at byte offset 472",
                        "99999999 samples per data record is impossible"]),
        BadInput(file: "bad-input/edf-record-duration-1e9.edf",
                 says: ["edf-record-duration-1e9.edf", "at byte offset 244", "duration of a data record",
                        "expected 0 or 0.001 to 86400 s"]),
        BadInput(file: "bad-input/edf-physical-range-1e308.edf",
                 says: ["edf-physical-range-1e308.edf", "at byte offset 360", "physical minimum", "beyond ±1e20"]),
        BadInput(file: "bad-input/edf-digital-range-inverted.edf",
                 says: ["edf-digital-range-inverted.edf", "at byte offset 376",
                        "digital range 100…-100 is impossible"]),
        BadInput(file: "bad-input/edf-emg-rate-1hz.edf",
                 says: ["edf-emg-rate-1hz.edf", "EMG \"EMG tibialis\" is sampled at 1.0 Hz", "at least 100 Hz"]),
        BadInput(file: "bad-input/edf-emg-rate-absurd.edf",
                 says: ["edf-emg-rate-absurd.edf", "at byte offset 244", "duration of a data record is 1e-5 s"]),
        BadInput(file: "bad-input/bdf-cut-in-record.bdf",
                 says: ["bdf-cut-in-record.bdf", "at byte offset 236", "number of data records says 3",
                        "holds only 2 complete records"]),
        // CSV: NaN and infinities, non-numbers, missing fields, absurd and uneven rates, no rows, an empty cell.
        BadInput(file: "bad-input/csv-nan.csv",
                 says: ["csv-nan.csv", "at byte offset 28", "line 4, column \"emg_uv\"", "NaN or infinite"]),
        BadInput(file: "bad-input/csv-infinity.csv",
                 says: ["csv-infinity.csv", "at byte offset 36", "line 5, column \"emg_uv\"", "NaN or infinite"]),
        BadInput(file: "bad-input/csv-not-a-number.csv",
                 says: ["csv-not-a-number.csv", "at byte offset 36",
                        "line 5 has 3 fields but the header names 2 columns"]),
        BadInput(file: "bad-input/csv-missing-field.csv",
                 says: ["csv-missing-field.csv", "at byte offset 50",
                        "line 3 has 4 fields but the header names 5 columns"]),
        BadInput(file: "bad-input/csv-rate-absurd.csv",
                 says: ["csv-rate-absurd.csv", "sampling rate 1000000000", "from 100 to 20000"]),
        BadInput(file: "bad-input/csv-rate-not-whole.csv",
                 says: ["csv-rate-not-whole.csv", "steps by 0.0013 s", "not a whole number", "--rate HZ"]),
        BadInput(file: "bad-input/csv-header-only.csv",
                 says: ["csv-header-only.csv", "at byte offset 0", "a header but no data rows"]),
        BadInput(file: "bad-input/csv-empty-emg-cell.csv",
                 says: ["csv-empty-emg-cell.csv", "at byte offset 94", "line 7, column \"emg_uv\"",
                        "the EMG cell is empty"]),
        // Journals: from a newer Crampwatch (left untouched), not SQLite at all.
        BadInput(file: "bad-input/journal-future-schema.sqlite", arguments: ["journal", "nights", "--journal", "FILE"],
                 says: ["journal-future-schema.sqlite", "newer version of Crampwatch", "v9-from-a-future-crampwatch",
                        "nothing was changed"]),
        BadInput(file: "bad-input/journal-future-schema.sqlite",
                 arguments: ["replay", "CORPUS/bad-input/capture-garbage-inside.cwcap", "--journal", "FILE"],
                 says: ["journal-future-schema.sqlite", "newer version of Crampwatch", "nothing was changed"]),
        BadInput(file: "bad-input/journal-not-sqlite.sqlite", arguments: ["journal", "nights", "--journal", "FILE"],
                 says: ["journal-not-sqlite.sqlite", "not a Crampwatch journal"]),
        // Found by the fuzzers (Fuzz/): damaged text is quoted on one line, control bytes shown as \u{..}.
        BadInput(file: "edf/fuzz-tal-onset-binary.edf",
                 says: ["fuzz-tal-onset-binary.edf", "at byte offset 1607", "annotation onset",
                        "is not a signed number"]),
        BadInput(file: "edf/fuzz-header-control-byte-after-latin1.edf",
                 says: ["fuzz-header-control-byte-after-latin1.edf", "holds a control byte", "the header is damaged"]),
        BadInput(file: "bad-input/csv-nul-inside-number.csv",
                 says: ["csv-nul-inside-number.csv", "at byte offset 1212", "line 152, column \"emg_uv\"",
                        "\"2\\u{0}5\" is not a number"]),
        BadInput(file: "csv/fuzz-nan-with-nul-bytes.csv",
                 says: ["fuzz-nan-with-nul-bytes.csv", "at byte offset 0", "not a recording Crampwatch knows"]),
        BadInput(file: "csv/fuzz-carriage-return-in-label.csv",
                 says: ["fuzz-carriage-return-in-label.csv", "no leg EMG channel found", ".5\\u{d}Arr041"]),
        BadInput(file: "csv/fuzz-carriage-return-in-field.csv",
                 says: ["fuzz-carriage-return-in-field.csv", "line 20", "\\u{d}", "is not a number"]),
        // Found by the whole-pipeline fuzzer: a sample index 2^28 samples on (74.6 h) was read as a gap that long.
        BadInput(file: "replay-capture/fuzz-sample-index-past-48h.cwcap",
                 says: ["fuzz-sample-index-past-48h.cwcap", "at byte offset 70", "frame 154",
                        "268435.456 s into the night", "longer than 48 h"]),
        // The same fuzzer: EMG 32.5 s in, the accelerometer 1966 s in; read so, the 5-s epochs of the sleep window
        // ran 1934 s ahead of the night (393 epochs for 32.5 s).
        BadInput(file: "replay-capture/fuzz-accelerometer-index-ahead-of-emg.cwcap",
                 says: ["fuzz-accelerometer-index-ahead-of-emg.cwcap", "at byte offset 70", "frame 279",
                        "EMG runs from 32.512 to 32.544 s", "accelerometer from 1966.08 to 1966.12 s", "one clock"]),
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
            #expect(try Data(contentsOf: copy) == before, "the journal was changed")
        }
    }

    @Test func aDamagedCaptureCountsWhatItSkipped() async throws {
        // The garbage in the middle is skipped and counted; the night is still read and exits 0.
        let path = Repository.corpus.appendingPathComponent("bad-input/capture-garbage-inside.cwcap").path
        let r = try await CLI.run(["replay", path, "--no-journal", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        let summary = try #require(object["summary"] as? [String: Any])
        #expect((summary["corrupt_frames"] as? Int ?? 0) >= 1, "\(summary)")
        #expect((summary["gaps"] as? Int ?? 0) >= 1, "\(summary)")
    }

    @Test func aGapDuringMainsDetectionKeepsTheNightsLength() async throws {
        // 0.3 s of a 500-Hz CSV, then rows from 10 s to 10.04 s: the gap crosses the end of mains detection (2 s).
        // Found by the whole-pipeline fuzzer (ASan: a read before the samples): the detector went on to filter
        // 4000 samples of whatever memory lay before them, a night of 18.04 s with a flat-line artifact in it.
        let path = Repository.corpus.appendingPathComponent("replay-csv/fuzz-gap-during-mains-detection.tsv").path
        let r = try await CLI.run(["replay", path, "--no-journal", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        let summary = try #require(object["summary"] as? [String: Any])
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
