import Foundation
import TestSupport
import Testing

@Suite(.tags(.cli), .temporaryFolder) struct DiaryReportCLITests {
    static let env = ["TZ": "UTC"]

    func run(_ args: [String]) async throws -> ProcessResult { try await CLI.run(args, environment: Self.env) }

    @Test func diaryAddListExportAndReportsFromTheCommandLine() async throws {
        let journal = TemporaryFolder.path("j.sqlite")
        let replay = try await run(["replay", Repository.night("night-a"), "--journal", journal, "--start",
                                    "2026-05-03T23:30:00Z"])
        #expect(replay.status == 0, "\(replay.stderr)")
        // The bundled night-a's cramps begin about 2, 5 and 9 minutes in: 23:32, 23:35, 23:39.
        let add = try await run(["journal", "diary", "add", "--date", "2026-05-03", "--magnesium", "300",
                                 "--magnesium-form", "citrate", "--calcium", "500", "--potassium", "3500",
                                 "--vitamin-d", "1000", "--fluids", "1800", "--caffeine", "95", "--alcohol", "1",
                                 "--exercise", "40", "--stretched", "--stress", "4", "--bedtime", "23:20",
                                 "--wake-time", "07:05", "--no-late-meal", "--screens", "20",
                                 "--notes", "long walk, then stretches", "--cramp", "23:33,left,7",
                                 "--cramp", "03:00,right,4", "--journal", journal, "--json"])
        #expect(add.status == 0, "\(add.stderr)")
        let saved = try JSONSerialization.jsonObject(with: Data(add.stdout.utf8)) as! [String: Any]
        let entry = saved["entry"] as! [String: Any]
        #expect(entry["magnesium_mg"] as? Double == 300 && entry["stretched_before_bed"] as? Bool == true
                && entry["late_meal"] as? Bool == false)
        #expect(entry["vitamin_diu"] as? Double == 1000 && entry["magnesium_form"] as? String == "citrate")
        #expect((saved["cramps"] as! [[String: Any]]).map { $0["occurred_at"] as! String }
                == ["2026-05-03T23:33:00Z", "2026-05-04T03:00:00Z"])

        // A cramp written down later with its full time (23:39 is the third detected cramp).
        let later = try await run(["journal", "diary", "cramp", "--time", "2026-05-03T23:39", "--leg", "right",
                                   "--pain", "5", "--duration", "1", "--journal", journal])
        #expect(later.status == 0, "\(later.stderr)")
        let badTime = try await run(["journal", "diary", "cramp", "--time", "yesterday", "--leg", "right", "--pain",
                                     "5", "--journal", journal])
        #expect(badTime.status == 64 && badTime.stderr.contains("--time must look like 2026-11-25T02:40"))
        let list = try await run(["journal", "diary", "list", "--journal", journal, "--json"])
        #expect(list.status == 0, "\(list.stderr)")
        let rows = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as! [[String: Any]]
        #expect(rows.count == 1)
        let statuses = (rows[0]["cramps"] as! [[String: Any]]).map { $0["status"] as? String }
        // 23:33 is the first detected cramp, 23:39 the third; 03:00 is after the 12-minute recording ended.
        #expect(statuses == ["matched", "matched", "not_recorded"])
        let text = try await run(["journal", "diary", "list", "--journal", journal])
        #expect(text.stdout.contains("2026-05-03: magnesium 300 mg (citrate)"))
        #expect(text.stdout.contains("23:33: left leg, pain 7/10 — detected too"))
        #expect(text.stdout.contains("1 detected cramp in these nights you did not note"))

        // Export: CSV rows equal the events the journal lists.
        let events = try await run(["journal", "events", "1", "--journal", journal, "--json"])
        let eventCount = ((try JSONSerialization.jsonObject(with: Data(events.stdout.utf8))
                           as! [String: Any])["events"] as! [Any]).count
        let csv = try await run(["journal", "export", "--format", "csv", "--table", "event", "--journal", journal])
        #expect(csv.status == 0, "\(csv.stderr)")
        let lines = csv.stdout.split(separator: "\n")
        #expect(lines.first?.hasPrefix("id,nightId,kind,onsetSeconds,offsetSeconds") == true)
        #expect(lines.count - 1 == eventCount)
        let out = TemporaryFolder.path("all.json")
        let json = try await run(["journal", "export", "--journal", journal, "--out", out])
        #expect(json.status == 0, "\(json.stderr)")
        #expect(try fileMode(out) == 0o600)
        let all = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out)))
                  as! [String: [[String: Any]]]
        #expect(all["event"]?.count == eventCount)
        #expect(all["diaryEntry"]?.first?["notes"] as? String == "long walk, then stretches")
        #expect(all["selfReportedCramp"]?.count == 3)

        // Reports: private files, with --json numbers.
        for (args, name) in [(["night", "1"], "n.html"), (["trend"], "t.html"),
                             (["clinician", "--name", "A. Patient <born 1950>"], "c.html")] {
            let path = TemporaryFolder.path(name)
            let r = try await run(["report"] + args + ["--journal", journal, "--out", path, "--json"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(try fileMode(path) == 0o600)
            let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
            #expect(object["path"] as? String == path)
            let html = try String(contentsOfFile: path, encoding: .utf8)
            #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("<svg"))
            // The clinician page has one small chart: cramp nights per week.
            #expect(html.contains("class=\"bar-week-cramp-nights\"") == (name == "c.html"))
            if name == "n.html" { #expect((object["numbers"] as! [String: Any])["cramps"] as? Int == 3) }
            if name == "c.html" {
                #expect(html.contains("A. Patient &lt;born 1950&gt;"))
                let numbers = object["numbers"] as! [String: Any]
                #expect(numbers["frequent"] as? String == "unknown" && numbers["cramp_nights"] as? Int == 1
                        && numbers["nights_recorded"] as? Int == 1)
            }
            if name == "t.html" { #expect((object["numbers"] as! [String: Any])["cramp_nights"] as? Int == 1) }
        }
    }

    @Test func referenceLabelsAreImportedAndDrawnBesideTheDetectedEvents() async throws {
        let journal = TemporaryFolder.path("j.sqlite")
        let night = Repository.samples.appendingPathComponent("night-a")
        let replay = try await run(["replay", night.appendingPathComponent("night.cwcap").path, "--journal", journal])
        #expect(replay.status == 0)
        let labelsPath = night.appendingPathComponent("labels.csv").path
        let labelCount = try String(contentsOfFile: labelsPath, encoding: .utf8)
                             .split(separator: "\n").dropFirst().count
        for _ in 0..<2 {
            let r = try await run(
                ["journal", "annotate", "1", labelsPath, "--source", "simulator", "--journal", journal])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("Imported \(labelCount) labels for night 1"))
        }
        let html = TemporaryFolder.path("n.html")
        #expect(try await run(["report", "night", "1", "--journal", journal, "--out", html]).status == 0)
        let text = try String(contentsOfFile: html, encoding: .utf8)
        #expect(text.components(separatedBy: "<rect class=\"reference\"").count - 1 == labelCount)
        let bad = TemporaryFolder.path("bad.csv")
        try "kind,onset_s,offset_s\ncramp,10,5\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let r = try await run(["journal", "annotate", "1", bad, "--journal", journal])
        #expect(r.status == 1 && r.stderr.contains("line 2"))
        let missing = try await run(["journal", "annotate", "4", labelsPath, "--journal", journal])
        #expect(missing.status == 1 && missing.stderr.contains("no night 4"))
        // The journal is an ordinary SQLite file: the sqlite3 tool reads it (when installed; else reported).
        if !FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3") {
            reportSkipped("/usr/bin/sqlite3 is not installed: the journal was not opened with the sqlite3 tool")
        } else {
            let check = try await Processes.run(
                "/usr/bin/sqlite3", [journal, "PRAGMA integrity_check; SELECT COUNT(*) FROM referenceAnnotation;"])
            let o = check.stdout
            #expect(o == "ok\n\(labelCount)\n")
        }
    }

    @Test func theFutureIsRefusedAndNotesHaveOneName() async throws {
        let journal = TemporaryFolder.path("future.sqlite")
        let tomorrow = Date().addingTimeInterval(2 * 86_400)
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyy-MM-dd"
        let day = f.string(from: tomorrow)
        let add = try await run(["journal", "diary", "add", "--date", day, "--fluids", "1500", "--journal", journal])
        #expect(add.status == 64 && add.stderr.contains("\(day) has not happened yet"), "\(add.stderr)")
        let cramp = try await run(["journal", "diary", "cramp", "--time", "\(day)T02:40", "--leg", "left",
                                   "--pain", "5", "--journal", journal])
        #expect(cramp.status == 64 && cramp.stderr.contains("is in the future"), "\(cramp.stderr)")
        #expect(!FileManager.default.fileExists(atPath: journal), "nothing was written")
        // --notes on both commands (diary add said --note).
        let noted = try await run(["journal", "diary", "add", "--date", "2026-05-03", "--notes", "walked",
                                   "--journal", journal])
        #expect(noted.status == 0, "\(noted.stderr)")
        let noticed = try await run(["journal", "diary", "cramp", "--time", "2026-05-04T02:40", "--leg", "left",
                                     "--pain", "5", "--notes", "calf", "--journal", journal])
        #expect(noticed.status == 0, "\(noticed.stderr)")
    }

    @Test func badDiaryInputSaysWhatToDo() async throws {
        let journal = TemporaryFolder.path("j.sqlite")
        let cases: [([String], String)] = [
            // The words are Journal's CheckedDiary's, the same as the web form's (DiaryCheckTests).
            (["--magnesium=-5"], "Magnesium must be a number from 0 to 5000 mg"),
            (["--stress", "11"], "Stress must be a whole number from 0 (calm) to 10 (worst)"),
            (["--bedtime", "11pm"], "Bedtime must be a 24-hour clock time like 23:15"),
            (["--cramp", "03:10,middle,3"], "the leg must be left, right or both"),
            (["--cramp", "03:10,left,12"], "the pain must be a whole number from 0 (none) to 10"),
            (["--cramp", "3am"], "needs its time, leg and pain, e.g. 03:10, left, 7"),
            (["--date", "2026-02-30"], "The date must be a calendar date like 2026-05-03"),
            (["--magnesium-form", "citrate"], "A magnesium form needs the amount of magnesium too"),
        ]
        for (args, message) in cases {
            let r = try await run(["journal", "diary", "add", "--journal", journal] + args)
            #expect(r.status == 64, "\(args)")
            #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
        }
        // Nothing was written by the refused commands.
        let list = try await run(["journal", "diary", "list", "--journal", journal, "--json"])
        #expect(list.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[\n\n]"
                || list.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]")
        let csv = try await run(["journal", "export", "--format", "csv", "--journal", journal])
        #expect(csv.status == 64 && csv.stderr.contains("add --table"))
        let missing = try await run(
            ["report", "night", "7", "--journal", journal, "--out", TemporaryFolder.path("x.html")])
        #expect(missing.status == 1 && missing.stderr.contains("no night 7"))
        let range = try await run(
            ["report", "trend", "--from", "2026-06-01", "--to", "2026-05-01", "--journal", journal])
        #expect(range.status == 64 && range.stderr.contains("swap them"))
        let help = try await run(["journal", "diary", "add", "--help"])
        for unit in ["--magnesium <mg>", "--vitamin-d <IU>", "--fluids <ml>", "--exercise <minutes>",
                     "--cramp <HH:mm,leg,pain>", "--stretched/--no-stretched"] {
            #expect(help.stdout.contains(unit), "\(unit)")
        }
        // Without `journal` in front, the command's place, not the top-level help and status 0.
        let shortcut = try await run(["diary", "add", "--help"])
        #expect(shortcut.status == 64)
        #expect(shortcut.stderr == "crampwatch: there is no command 'diary' on its own; it is part of 'journal': "
                + "crampwatch journal diary add --help\n")
        #expect(try await run(["nonsense"]).stderr.contains("Unexpected argument 'nonsense'"))
    }

    /// São Paulo skipped midnight on 2018-11-04 (clocks went from 00:00 to 01:00). The date is real all the same:
    /// the report's range and the diary's list take it there as everywhere, instead of calling it "not a date".
    @Test func aDateWhoseMidnightWasSkippedIsStillADate() async throws {
        let journal = TemporaryFolder.path("tz.sqlite")
        let env = ["TZ": "America/Sao_Paulo"]
        let trend = try await CLI.run(["report", "trend", "--from", "2018-11-04", "--to", "2018-11-04", "--journal",
                                       journal, "--out", TemporaryFolder.path("trend.html")], environment: env)
        #expect(trend.status == 0, "\(trend.stderr)")
        let list = try await CLI.run(["journal", "diary", "list", "--from", "2018-11-04", "--journal", journal],
                                     environment: env)
        #expect(list.status == 0, "\(list.stderr)")
        let bad = try await CLI.run(["report", "trend", "--from", "2018-11-31", "--journal", journal], environment: env)
        #expect(bad.status == 64 && bad.stderr.contains("--from must be a calendar date like 2026-05-03."))
    }
}
