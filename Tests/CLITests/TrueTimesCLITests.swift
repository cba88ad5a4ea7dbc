import Foundation
import TestSupport
import Testing

/// Issue 16, part 1: a night's start is what is known, never invented. Through the real CLI on real SQLite files
/// (read back with the sqlite3 shell), with the time zone set for each run.
@Suite(.tags(.cli), .temporaryFolder) struct TrueTimesCLITests {
    static let unknown = "start time unknown — give --start"
    static let hasSQLite = FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3")

    func run(_ args: [String], zone: String = "UTC") async throws -> ProcessResult {
        try await CLI.run(args, environment: ["TZ": zone])
    }

    func sqlite(_ journal: String, _ sql: String) async throws -> String { try await SQLiteShell.run(journal, sql) }

    func object(_ r: ProcessResult) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: r.output) as? [String: Any], "\(r.stdout) \(r.stderr)")
    }

    /// A copy of night-a's capture (no times file beside it), last modified on 2026-11-20 at 10:00 UTC.
    func plainCapture() throws -> String {
        let path = TemporaryFolder.path("plain.cwcap")
        try FileManager.default.copyItem(atPath: Repository.night("night-a"), toPath: path)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_795_168_800)],
                                              ofItemAtPath: path)
        return path
    }

    @Test(.enabled(if: hasSQLite, "needs the sqlite3 shell"))
    func aCaptureWithoutItsTimesHasAnUnknownStartAndEveryOutputSaysSo() async throws {
        let capture = try plainCapture()
        let journal = TemporaryFolder.path("j.sqlite")
        let text = try await run(["replay", capture, "--journal", journal])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.lowercased().contains(Self.unknown), "\(text.stdout)")
        // Cramp times count from the first sample, not from a guessed clock time.
        #expect(text.stdout.contains("    +0:02:06  23 s"), "\(text.stdout)")
        #expect(try await sqlite(journal, "SELECT startedAt IS NULL, startSource FROM night") == "1|unknown")

        let json = try object(try await run(["replay", capture, "--no-journal", "--json"]))
        #expect(json["started_at"] is NSNull)
        #expect(json["start_source"] as? String == "unknown")
        #expect(json["start_note"] as? String == Self.unknown)

        let nights = try await run(["journal", "nights", "--journal", journal])
        let lines = nights.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("    1  unknown? ") }, "\(nights.stdout)")
        #expect(lines.contains { $0.hasPrefix("? \(Self.unknown)") }, "\(nights.stdout)")
        let show = try await run(["journal", "show", "1", "--journal", journal])
        #expect(show.stdout.hasPrefix("Night 1: \(Self.unknown), 12 min"), "\(show.stdout)")
        #expect(show.stdout.contains("cramp                +0:02:06   +0:02:29"), "\(show.stdout)")
        let page = TemporaryFolder.path("night.html")
        let report = try await run(["report", "night", "1", "--journal", journal, "--out", page])
        #expect(report.status == 0, "\(report.stderr)")
        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(html.contains("<h1>Night 1</h1>\n<p>12 min recorded; \(Self.unknown)"), "the night report's header")
        // Given later, the start puts the same night (same number) on the clock.
        let given = try await run(["replay", capture, "--journal", journal, "--start", "2026-11-24 23:10", "--replace"])
        #expect(given.status == 0, "\(given.stderr)")
        #expect(try await sqlite(journal, "SELECT id, startedAt, startSource FROM night")
                == "1|2026-11-24 23:10:00.000|user")

        // The file's time only when asked for: modified at 10:00, 12 minutes long, so it began at 09:48.
        let guessed = TemporaryFolder.path("g.sqlite")
        let fileTime = try await run(["replay", capture, "--journal", guessed, "--start", "file-time"])
        #expect(fileTime.status == 0, "\(fileTime.stderr)")
        #expect(fileTime.stdout.contains("Started 2026-11-20 09:48:00 (estimated from the file's time)"),
                "\(fileTime.stdout)")
        #expect(try await sqlite(guessed, "SELECT startedAt, startSource FROM night")
                == "2026-11-20 09:48:00.000|file_time")
    }

    @Test(.enabled(if: hasSQLite, "needs the sqlite3 shell"))
    func aCSVHasNoStartUnlessGiven() async throws {
        let csv = TemporaryFolder.path("night-a.csv")
        let export = try await run(["replay", Repository.night("night-a"), "--no-journal", "--export-signals", csv])
        #expect(export.status == 0, "\(export.stderr)")
        let journal = TemporaryFolder.path("j.sqlite")
        let r = try await run(["replay", csv, "--journal", journal])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.lowercased().contains(Self.unknown), "\(r.stdout)")
        #expect(try await sqlite(journal, "SELECT startedAt IS NULL, startSource FROM night") == "1|unknown")
    }

    /// `--start` as the diary reads times: local time without an offset, or ISO 8601 with one.
    @Test(.enabled(if: hasSQLite, "needs the sqlite3 shell"))
    func startIsReadAsLocalTimeOrWithItsOffset() async throws {
        let capture = try plainCapture()
        let newYork = "America/New_York"
        for (given, utc) in [("2026-11-24 23:10", "2026-11-25T04:10:00Z"),
                             ("2026-11-24T23:10:05", "2026-11-25T04:10:05Z"),
                             ("2026-11-24T23:10:00+01:00", "2026-11-24T22:10:00Z"),
                             ("2026-11-24T22:10:00Z", "2026-11-24T22:10:00Z"),
                             ("2026-11-24T23:10+0100", "2026-11-24T22:10:00Z")] {
            let r = try await run(["replay", capture, "--no-journal", "--json", "--start", given], zone: newYork)
            #expect(r.status == 0, "--start \(given): \(r.stderr)")
            let json = try object(r)
            let at = try #require(json["started_at"] as? String, "--start \(given)")
            // Said in local time with its offset: the same moment.
            #expect(ISO8601DateFormatter().date(from: at) == ISO8601DateFormatter().date(from: utc),
                    "--start \(given) gave \(at), not \(utc)")
            #expect(at.hasSuffix("-05:00") && json["start_source"] as? String == "user" && json["start_note"] == nil)
        }
        let journal = TemporaryFolder.path("j.sqlite")
        let saved = try await run(["replay", capture, "--journal", journal, "--start", "2026-11-24 23:10"],
                                  zone: newYork)
        #expect(saved.stdout.contains("Started 2026-11-24 23:10:00 (given with --start)"), "\(saved.stdout)")
        #expect(saved.stdout.contains("    23:12:06  23 s"), "\(saved.stdout)")
        #expect(try await sqlite(journal, "SELECT startedAt, startSource FROM night") == "2026-11-25 04:10:00.000|user")
    }

    @Test func aStartInTheFutureOrUnreadableIsRefused() async throws {
        let capture = try plainCapture()
        let journal = TemporaryFolder.path("j.sqlite")
        let year = Calendar(identifier: .gregorian).component(.year, from: Date()) + 1
        let future = try await run(["replay", capture, "--journal", journal, "--start", "\(year)-01-01 00:00"])
        #expect(future.status == 1 && !future.signalled, "\(future.stderr)")
        #expect(future.stderr.split(separator: "\n").count == 1, "one line: \(future.stderr)")
        #expect(future.stderr.contains("is in the future"), "\(future.stderr)")
        #expect(future.stdout.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: journal), "refused before anything was saved")
        for bad in ["24.11.2026 23:10", "2026-02-30 23:10", "yesterday", "2026-11-24 25:10"] {
            let r = try await run(["replay", capture, "--no-journal", "--start", bad])
            #expect(r.status == 64, "--start \(bad): \(r.stderr)")
            #expect(r.stderr.contains("--start must be a local time like"), "\(r.stderr)")
        }
    }

    /// A capture's times file (written by the monitor; here by hand, as docs/formats.md describes it) gives the start.
    @Test(.enabled(if: hasSQLite, "needs the sqlite3 shell"))
    func theTimesFileBesideACaptureGivesItsStart() async throws {
        let capture = try plainCapture()
        let times = """
            {"format": "crampwatch-times", "version": 1, "capture": "plain.cwcap", "complete": true,
             "host_start": {"utc": "2026-11-24T22:09:58.500Z", "unix_s": 1795558198.5, "time_zone": "Europe/Berlin",
                            "utc_offset_s": 3600, "local": "2026-11-24T23:09:58.500+01:00"},
             "first_sample_device_us": 5000000,
             "night_start": {"utc": "2026-11-24T22:10:01.250Z", "unix_s": 1795558201.25, "source": "device"},
             "capture_bytes": 4194392, "written_at": "2026-11-24T22:22:00.000Z"}
            """
        try times.write(toFile: capture + ".times.json", atomically: true, encoding: .utf8)
        let journal = TemporaryFolder.path("j.sqlite")
        let r = try await run(["replay", capture, "--journal", journal], zone: "Europe/Berlin")
        #expect(r.status == 0 && r.stderr.isEmpty, "\(r.stderr)")
        #expect(r.stdout.contains("Started 2026-11-24 23:10:01 (the device clock, fitted to the monitor's)"),
                "\(r.stdout)")
        #expect(try await sqlite(journal, "SELECT startedAt, startSource FROM night")
                == "2026-11-24 22:10:01.250|device")
        let json = try object(try await run(["replay", capture, "--no-journal", "--json"], zone: "Europe/Berlin"))
        #expect(json["started_at"] as? String == "2026-11-24T23:10:01+01:00")

        // A damaged one is said in one line, and the start is unknown (not guessed).
        try "{\"format\": \"crampwatch-times\", \"version\": 1".write(toFile: capture + ".times.json", atomically: true,
                                                                      encoding: .utf8)
        let damaged = try await run(["replay", capture, "--no-journal", "--json"])
        #expect(damaged.status == 0)
        #expect(damaged.stderr.split(separator: "\n").count == 1 && damaged.stderr.contains("plain.cwcap.times.json"),
                "\(damaged.stderr)")
        #expect(try object(damaged)["start_source"] as? String == "unknown")
    }

    /// EDF+/BDF+ written from a night of unknown start say so as EDF+ does ("Startdate X", the 01.01.85 clipping
    /// date), and edfio and pyedflib read it that way; a known start is written as the local time.
    @Test(.tags(.python)) func edfWrittenFromANightOfUnknownStartMarksItUnknown() async throws {
        let capture = try plainCapture()
        let edf = TemporaryFolder.path("unknown.edf"), bdf = TemporaryFolder.path("unknown.bdf"),
            known = TemporaryFolder.path("known.edf")
        for (flag, out) in [("--write-edf", edf), ("--write-bdf", bdf)] {
            let r = try await run(["replay", capture, "--no-journal", flag, out])
            #expect(r.status == 0, "\(r.stderr)")
            let header = try #require(FileHandle(forReadingAtPath: out)).readData(ofLength: 192)
            #expect(String(decoding: header[88..<168], as: UTF8.self).hasPrefix("Startdate X X X SIM-11 "))
            #expect(String(decoding: header[168..<184], as: UTF8.self) == "01.01.8500.00.00")
        }
        let r = try await run(["replay", capture, "--no-journal", "--write-edf", known, "--start", "2026-11-24 23:10"])
        #expect(r.status == 0, "\(r.stderr)")
        let script = """
            import json, sys, edfio, pyedflib
            out = {}
            for path in sys.argv[1:]:
                e = edfio.read_bdf(path) if path.endswith(".bdf") else edfio.read_edf(path)
                try:
                    date = e.startdate.isoformat()
                except edfio.AnonymizedDateError:
                    date = "anonymized"
                f = pyedflib.EdfReader(path)
                out[path] = {"edfio": date, "edfio_time": e.starttime.isoformat(),
                             "pyedflib": f.getStartdatetime().isoformat()}
                f.close()
            print(json.dumps(out))
            """
        let py = try await Python.run(["-c", script, edf, bdf, known])
        #expect(py.status == 0, "\(py.stderr)")
        let read = try #require(try JSONSerialization.jsonObject(with: py.output) as? [String: [String: String]])
        for path in [edf, bdf] {
            #expect(read[path]?["edfio"] == "anonymized", "\(read)")
            #expect(read[path]?["pyedflib"] == "1985-01-01T00:00:00", "\(read)")
        }
        #expect(read[known]?["edfio"] == "2026-11-24" && read[known]?["edfio_time"] == "23:10:00", "\(read)")
        // And such a file replays as a night whose start nobody knows, not one of 1 January 1985.
        let back = try object(try await run(["replay", edf, "--no-journal", "--json"]))
        #expect(back["start_source"] as? String == "unknown" && back["started_at"] is NSNull)
        let knownBack = try object(try await run(["replay", known, "--no-journal", "--json"]))
        #expect(knownBack["started_at"] as? String == "2026-11-24T23:10:00Z")
        #expect(knownBack["start_source"] as? String == "recording_header")
    }
}
