import Foundation
import Testing
import TestSupport

/// `journal diary add` and the web diary form go through one check (Journal's CheckedDiary): the same input gets
/// the same answer, the same stored rows and the same message, word for word.
@Suite(.tags(.cli), .temporaryFolder) struct DiaryCheckTests {
    /// The line a refused form shows above it, as text.
    static func problem(_ page: String) -> String? {
        guard let r = page.range(of: "<p class=\"message problem\" role=\"status\">"),
              let end = page[r.upperBound...].range(of: "</p>") else { return nil }
        var s = String(page[r.upperBound..<end.lowerBound])
        for (entity, ch) in [("&quot;", "\""), ("&#39;", "'"), ("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&")] {
            s = s.replacingOccurrences(of: entity, with: ch)
        }
        return s
    }

    /// The line the CLI's refusal starts with (ArgumentParser's "Error: "), without it.
    static func problem(cli stderr: String) -> String? {
        stderr.split(separator: "\n").first { $0.hasPrefix("Error: ") }.map { String($0.dropFirst("Error: ".count)) }
    }

    /// Posts the diary form with `fields` (and this page's token).
    static func post(_ s: Served, _ fields: [String: String], jar: String) async throws -> Answer {
        let token = try #require(Served.csrf(try await s.request("/diary", cookies: jar).body))
        return try await s.request("/diary", method: "POST", form: fields.merging(["csrf": token]) { a, _ in a },
                                   cookies: jar)
    }

    @Test func theSameBadInputGetsTheSameMessageInBoth() async throws {
        let journal = TemporaryFolder.path("journal.sqlite")
        let jar = TemporaryFolder.path("cookies")
        let longNote = String(repeating: "n", count: 4001)
        let cases: [([String], [String: String])] = [
            (["--magnesium", "6000"], ["magnesium": "6000"]),
            (["--fluids=-1"], ["fluids": "-1"]),
            (["--caffeine", "lots"], ["caffeine": "lots"]),
            (["--vitamin-d", "100000.5"], ["vitamin_d": "100000.5"]),
            (["--stress", "11"], ["stress": "11"]),
            (["--bedtime", "25:00"], ["bedtime": "25:00"]),
            (["--wake-time", "7am"], ["wake_time": "7am"]),
            (["--notes", longNote], ["notes": longNote]),
            (["--magnesium-form", "citrate"], ["magnesium_form": "citrate"]),
            (["--cramp", "03:10,middle,3"], ["cramp_time": "03:10", "cramp_leg": "middle", "cramp_pain": "3"]),
            (["--cramp", "03:10,left,12"], ["cramp_time": "03:10", "cramp_leg": "left", "cramp_pain": "12"]),
            (["--cramp", "03:10,left"], ["cramp_time": "03:10", "cramp_leg": "left"]),
            (["--date", "2026-02-30"], ["date": "2026-02-30"]),
            (["--date", "2099-01-01"], ["date": "2099-01-01"]),
        ]
        var compared = 0
        try await Served.with(journal: journal) { s in
            for (args, fields) in cases {
                let cli = try await CLI.run(["journal", "diary", "add", "--journal", journal] + args)
                let web = try await Self.post(s, fields, jar: jar)
                #expect(cli.status == 64 && web.status == 400, "\(args): \(cli.status) \(web.status)")
                let said = Self.problem(cli: cli.stderr)
                #expect(said != nil && said == Self.problem(web.body), "\(args): \(cli.stderr) | \(web.body)")
                if said != nil && said == Self.problem(web.body) { compared += 1 }
            }
        }
        #expect(compared == cases.count)
        let counts = try await SQLiteShell.run(journal, "SELECT (SELECT COUNT(*) FROM diaryEntry), "
                                               + "(SELECT COUNT(*) FROM selfReportedCramp)")
        #expect(counts.trimmingCharacters(in: .whitespacesAndNewlines) == "0|0", "nothing refused was stored")
    }

    @Test func theSameGoodInputStoresTheSameRowsInBoth() async throws {
        let byCLI = TemporaryFolder.path("cli.sqlite"), byWeb = TemporaryFolder.path("web.sqlite")
        let jar = TemporaryFolder.path("cookies")
        let added = try await CLI.run(["journal", "diary", "add", "--journal", byCLI, "--date", "2026-11-20",
                                       "--magnesium", "312,5", "--magnesium-form", "citrate", "--fluids", "1800",
                                       "--stretched", "--no-late-meal", "--stress", "4", "--bedtime", "23:15",
                                       "--notes", "calf, left", "--cramp", "03:10,left,7"])
        #expect(added.status == 0, "\(added.stderr)")
        try await Served.with(journal: byWeb) { s in
            let web = try await Self.post(s, ["date": "2026-11-20", "magnesium": "312,5", "magnesium_form": "citrate",
                                              "fluids": "1800", "stretched": "yes", "late_meal": "no", "stress": "4",
                                              "bedtime": "23:15", "notes": "calf, left", "cramp_time": "03:10",
                                              "cramp_leg": "left", "cramp_pain": "7"], jar: jar)
            #expect(web.status == 303, "\(web.body)")
        }
        let sql = "SELECT date, magnesiumMg, magnesiumForm, fluidsMl, stretchedBeforeBed, lateMeal, stress, bedtime, "
            + "notes FROM diaryEntry; SELECT strftime('%s', time), leg, pain, durationMinutes, notes "
            + "FROM selfReportedCramp"
        let (a, b) = (try await SQLiteShell.run(byCLI, sql), try await SQLiteShell.run(byWeb, sql))
        #expect(a == b)
        let rows = a.split(separator: "\n")
        #expect(rows.first == "2026-11-20|312.5|citrate|1800.0|1|0|4|23:15|calf, left")
        #expect(rows.count == 2 && rows.last?.hasSuffix("|left|7||") == true, "\(rows)")
    }

    @Test func theWebDiaryRecordsACrampLineAndCorrectsItInsteadOfCountingItTwice() async throws {
        let journal = TemporaryFolder.path("journal.sqlite")
        let jar = TemporaryFolder.path("cookies")
        let evening = "2026-11-20"
        try await Served.with(journal: journal) { s in
            let form = try await s.request("/diary", cookies: jar)
            for field in ["name=\"cramp_time\" type=\"time\"", "name=\"cramp_leg\" value=\"left\"",
                          "name=\"cramp_leg\" value=\"both\"", "<select id=\"cramp_pain\" name=\"cramp_pain\">"] {
                #expect(form.body.contains(field), "\(field)")
            }
            for pain in ["7", "4"] {
                let saved = try await Self.post(s, ["date": evening, "cramp_time": "03:10", "cramp_leg": "left",
                                                    "cramp_pain": pain], jar: jar)
                #expect(saved.status == 303 && saved.header("location") == "/diary?saved=\(evening)")
            }
            let once = try await SQLiteShell.run(journal, "SELECT leg, pain FROM selfReportedCramp")
            #expect(once.trimmingCharacters(in: .whitespacesAndNewlines) == "left|4")
            // The CLI, on the same journal while the server runs, follows the same rule.
            let cli = try await CLI.run(["journal", "diary", "add", "--journal", journal, "--date", evening,
                                         "--cramp", "03:10,left,5", "--cramp", "04:00,right,2"])
            #expect(cli.status == 0, "\(cli.stderr)")
            let listed = try await s.request("/diary", cookies: jar).body
            #expect(listed.contains("Cramp noticed at 03:10: left leg, pain 5/10"))
            #expect(listed.contains("Cramp noticed at 04:00: right leg, pain 2/10"))
            let half = try await Self.post(s, ["date": evening, "cramp_time": "03:10"], jar: jar)
            #expect(half.status == 400 && Self.problem(half.body)
                    == "A cramp you noticed needs its time, leg and pain, e.g. 03:10, left, 7.")
            // The refused form comes back as typed.
            #expect(half.body.contains("name=\"cramp_time\" type=\"time\" value=\"03:10\""))
        }
        let rows = try await SQLiteShell.run(journal, "SELECT leg, pain FROM selfReportedCramp ORDER BY time")
        #expect(rows.trimmingCharacters(in: .whitespacesAndNewlines) == "left|5\nright|2")
        // Both placed in the morning after the evening, in the server's time zone (the test's own).
        let stamps = try await SQLiteShell.run(journal, "SELECT strftime('%s', time) FROM selfReportedCramp "
                                               + "ORDER BY time")
        let cal = Calendar(identifier: .gregorian)
        let morning = try #require(cal.date(from: DateComponents(year: 2026, month: 11, day: 21, hour: 3,
                                                                 minute: 10)))
        #expect(stamps.split(separator: "\n").compactMap { Double($0) }
                == [morning.timeIntervalSince1970, morning.timeIntervalSince1970 + 50 * 60])
    }
}
