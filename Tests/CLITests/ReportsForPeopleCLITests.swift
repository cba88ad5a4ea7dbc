import Foundation
import TestSupport
import Testing

/// The reports as a person gets them from the real command line: the three bundled nights replayed into a real
/// SQLite journal on the evenings of 2026-05-03, 05-04 and 05-06 (nothing on 05-05), and a diary.
@Suite(.tags(.cli), .temporaryFolder) struct ReportsForPeopleCLITests {
    static let env = ["TZ": "UTC"]

    func run(_ args: [String]) async throws -> ProcessResult { try await CLI.run(args, environment: Self.env) }

    func journal() async throws -> String {
        let journal = TemporaryFolder.path("j.sqlite")
        for (night, start) in [("night-a", "2026-05-03T23:30:00Z"), ("night-b-faulty", "2026-05-04T23:10:00Z"),
                               ("night-c-60hz", "2026-05-06T23:40:00Z")] {
            let r = try await run(["replay", Repository.night(night), "--journal", journal, "--start", start,
                                   "--min-night", "0"])
            #expect(r.status == 0, "\(night): \(r.stderr)")
        }
        // night-a's first cramp begins about 23:32; 02:10 on the evening of 05-05 is when nothing was recording.
        for args in [["--date", "2026-05-03", "--magnesium", "300", "--alcohol", "1", "--cramp", "23:33,left,7"],
                     ["--date", "2026-05-05", "--cramp", "02:10,right,6"]] {
            let r = try await run(["journal", "diary", "add", "--journal", journal] + args)
            #expect(r.status == 0, "\(r.stderr)")
        }
        return journal
    }

    func report(_ args: [String], _ journal: String) async throws -> (html: String, numbers: [String: Any]) {
        let path = TemporaryFolder.path("\(args[0]).html")
        let r = try await run(["report"] + args + ["--journal", journal, "--out", path, "--json"])
        #expect(r.status == 0, "\(args): \(r.stderr)")
        let numbers = (r.json["numbers"] as? [String: Any]) ?? [:]
        return (try String(contentsOfFile: path, encoding: .utf8), numbers)
    }

    @Test func theReportsReadAsWords() async throws {
        let journal = try await journal()
        let diary = try await run(["journal", "diary", "list", "--journal", journal])
        #expect(diary.stdout.contains("2026-05-03: magnesium 300 mg, alcohol 1 unit\n"), "\(diary.stdout)")

        // night-b-faulty lost 106 single frames: one line, not 106 rows.
        let night = try await report(["night", "2"], journal)
        #expect(night.html.contains("data-gap-run=\"106\">23:10–23:21</td><td>106 short gaps of under 1 s, 3 s in all"
                                    + "</td><td>106 in all</td>"))
        #expect(night.html.contains("data-metric=\"wake_s\">3 min 42 s<"))
        #expect(abs((night.numbers["wake_s"] as? Double ?? 0) - 221.86) < 0.01, "the JSON keeps the seconds")

        let trend = try await report(["trend"], journal)
        #expect(trend.numbers["reported_outside_recordings"] as? Int == 1)
        let dates = try #require(trend.numbers["dates"] as? [[String: Any]])
        #expect(dates.map { $0["date"] as? String } == ["2026-05-03", "2026-05-04", "2026-05-05", "2026-05-06"])
        #expect(dates.map { ($0["nights"] as? [Int])?.count } == [1, 1, 0, 1])
        #expect(dates.map { $0["reported_when_nothing_was_recording"] as? Int } == [0, 0, 1, 0])
        #expect(trend.html.contains("data-metric=\"reported_outside\">1<"))
        #expect(trend.html.contains("<title>2026-05-05: no recording; 1 cramp you noted while nothing was recording"))
        #expect(trend.html.contains(">cannot tell (no nights without magnesium)</td>"))
        let factors = try #require(trend.numbers["factors"] as? [[String: Any]])
        #expect(factors.first { $0["subject"] as? String == "magnesium" }?["comparable"] as? Bool == false)

        let clinician = try await report(["clinician"], journal)
        #expect(clinician.numbers["reported_when_nothing_was_recording"] as? Int == 1)
        #expect(clinician.numbers["self_reported_cramps"] as? Int == 2)
        #expect(clinician.html.contains("3 nights recorded between 2026-05-03 and 2026-05-06 (4 days)"))
        #expect(!clinician.html.contains("<details"))
    }

    @Test func theClinicianPageNamesItsPaper() async throws {
        let journal = try await journal()
        for (paper, css) in [("a4", "@page { size: A4; "), ("letter", "@page { size: letter; ")] {
            let page = try await report(["clinician", "--paper", paper], journal)
            #expect(page.html.contains(css))
        }
        let plain = try await report(["clinician"], journal)
        #expect(plain.html.contains("@page { margin: ") && !plain.html.contains("@page { size"))
        let bad = try await run(["report", "clinician", "--paper", "b5", "--journal", journal])
        #expect(bad.status == 64 && bad.stderr.contains("a4") && bad.stderr.contains("letter"), "\(bad.stderr)")
        let help = try await run(["report", "clinician", "--help"])
        #expect(help.stdout.contains("--paper <paper>"))
    }

    static let printing = ["/usr/bin/chromium", "/usr/bin/pdfinfo"].allSatisfy {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// Through the real command line, printed as Chromium prints: one page on A4 and one on Letter.
    @Test(.tags(.browser), .enabled(if: printing, "needs chromium and poppler-utils"))
    func theClinicianPagePrintsOnOnePageFromTheCommandLine() async throws {
        let journal = try await journal()
        for (paper, size) in [("a4", "(A4)"), ("letter", "(letter)")] {
            let html = TemporaryFolder.path("c-\(paper).html"), pdf = html + ".pdf"
            let r = try await run(["report", "clinician", "--paper", paper, "--name", "A. Patient", "--journal",
                                   journal, "--out", html])
            #expect(r.status == 0, "\(r.stderr)")
            let print = try await Processes.run("/usr/bin/chromium", [
                "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                "--user-data-dir=" + (html as NSString).deletingLastPathComponent + "/profile",
                "--print-to-pdf=" + pdf, "file://" + html,
            ])
            #expect(print.status == 0, "\(print.stderr.suffix(300))")
            let info = try await Processes.run("/usr/bin/pdfinfo", [pdf]).stdout
            #expect(info.contains("Pages:           1\n"), "\(paper): \(info)")
            #expect(info.split(separator: "\n").contains { $0.hasPrefix("Page size:") && $0.hasSuffix(size) })
        }
    }
}
