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
}
