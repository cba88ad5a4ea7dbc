import Foundation
import Sessions
import TestSupport
import Testing

@testable import Journal
@testable import Reports

/// Prints the reports to PDF with headless Chromium (Debian's `chromium`) and reads the pages back with poppler
/// (`pdfinfo`, `pdftotext`): the clinician page must fit one A4 and one US Letter page.
@Suite(.tags(.browser), .temporaryFolder) struct PrintingTests {
    static let tools = ["/usr/bin/pdfinfo", "/usr/bin/pdftotext"].allSatisfy {
        FileManager.default.isExecutableFile(atPath: $0)
    }
    static let ready = BrowserRenderingTests.chromium != nil && tools

    struct Printed {
        var pages: Int
        var size: String
        /// The text of each page.
        var text: [String]
    }

    /// Prints `html` to PDF as Chromium's print dialog would (no header or footer added), and reads it back.
    static func print(_ html: String, name: String) async throws -> Printed {
        let file = TemporaryFolder.path("\(name).html"), pdf = file + ".pdf"
        try ReportFile.write(html, to: file)
        let p = try await Processes.run(BrowserRenderingTests.chromium!, [
            "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer", "--print-to-pdf-no-header",
            "--user-data-dir=" + (file as NSString).deletingLastPathComponent + "/chromium-profile",
            "--print-to-pdf=" + pdf, "file://" + file,
        ])
        #expect(p.status == 0, "\(name): \(p.stderr.suffix(500))")
        let info = try await Processes.run("/usr/bin/pdfinfo", [pdf]).stdout
        let field = { (key: String) -> String in
            info.split(separator: "\n").first { $0.hasPrefix(key + ":") }
                .map { $0.dropFirst(key.count + 1).trimmingCharacters(in: .whitespaces) } ?? ""
        }
        let pages = Int(field("Pages")) ?? -1
        var text: [String] = []
        for page in 1...max(1, pages) {
            text.append(try await Processes.run("/usr/bin/pdftotext", ["-f", "\(page)", "-l", "\(page)", pdf, "-"])
                            .stdout)
        }
        return Printed(pages: pages, size: field("Page size"), text: text)
    }

    /// Seven evenings (2026-05-01 to 05-07) of the three bundled captures in turn, two configurations (50 and
    /// 60 Hz mains), a diary with magnesium on three evenings and two cramps noted, one of them on an evening
    /// nothing was recorded.
    static func sevenNights() throws -> Journal {
        let j = try Journal(path: TemporaryFolder.path("journal.sqlite"))
        for day in 0..<7 {
            let evening = String(format: "2026-05-%02d", day + 1)
            try NightStore.save(Fixture.replayed[day % 3], to: j, startedAt: Fixture.date("\(evening)T23:00:00Z"),
                                startSource: "user")
            var e = DiaryEntry(date: evening)
            e.magnesiumMg = day % 2 == 0 ? 300 : 0
            try j.amendDiary(e)
        }
        try Constructed.noted(j, evening: "2026-05-01", at: "2026-05-01T23:02:00Z", magnesium: 300)
        try Constructed.noted(j, evening: "2026-05-08", at: "2026-05-09T03:10:00Z")
        return j
    }

    @Test(.enabled(if: ready, "needs chromium and poppler-utils (apt-get install chromium poppler-utils)"),
          arguments: [Paper.a4, .letter, nil])
    func theClinicianPagePrintsOnOnePage(paper: Paper?) async throws {
        let expectedSize = paper == .a4 ? "(A4)" : "(letter)"  // Chromium's own default is Letter
        for (journal, nights) in [(try Self.sevenNights(), 7), (try Fixture.fourWeeks().0, 28)] {
            let s = try JournalSnapshot(journal: journal, timeZone: Fixture.utc)
            let html = ClinicianReport.render(snapshot: s, patient: "A. Patient, born 1950", paper: paper)
            #expect(html.contains(paper.map { "@page { size: \($0 == .a4 ? "A4" : "letter"); " } ?? "@page { margin"))
            let printed = try await Self.print(html, name: "clinician-\(paper?.rawValue ?? "default")-\(nights)")
            #expect(printed.pages == 1, "\(nights) nights on \(paper?.rawValue ?? "default") paper")
            #expect(printed.size.hasSuffix(expectedSize), "\(printed.size)")
            #expect(!html.contains("<details"), "the thresholds are printed, not folded away")
            let page = printed.text.first ?? ""
            // Everything is on that page: the chart, the thresholds (printed, not folded), the limits, the footer.
            for words in ["A. Patient, born 1950", "\(nights) nights recorded", "Cramp nights per week",
                          "crampMinSeconds 10", "mainsHz from each recording", "What this page does not say",
                          "Made by Crampwatch"] {
                #expect(page.contains(words), "\(nights) nights, \(paper?.rawValue ?? "default"): \(words)")
            }
        }
    }

    /// A script for a copy of a page (the reports themselves have none): after loading, it lists every SVG text
    /// whose box, as the browser laid it out, reaches outside its drawing's viewBox.
    static let clipCheck = """
        <script>
        window.addEventListener('load', () => {
          const out = [];
          for (const svg of document.querySelectorAll('svg')) {
            const v = svg.viewBox.baseVal;
            for (const t of svg.querySelectorAll('text')) {
              const b = t.getBBox();
              if (b.x < v.x - 0.5 || b.x + b.width > v.x + v.width + 0.5 || b.y < v.y - 0.5
                  || b.y + b.height > v.y + v.height + 0.5) out.push(t.textContent);
            }
          }
          const p = document.createElement('pre');
          p.textContent = 'CLIPPED[' + out.join('|') + '] of ' + document.querySelectorAll('svg text').length;
          document.body.appendChild(p);
        });
        </script>
        """

    @Test(.enabled(if: BrowserRenderingTests.chromium != nil, "needs chromium (apt-get install chromium)"))
    func noLabelIsCutAtTheEdgeOfItsDrawing() async throws {
        let j = try Self.sevenNights()
        // An 8-hour night from 23:00: its last axis label, 07:00, sits on the right edge.
        let long = try Constructed.save(.init(evening: "2026-05-09", cramps: [(3600, 461)], wakeSeconds: 3737), to: j)
        let s = try JournalSnapshot(journal: j, timeZone: Fixture.utc)
        let pages = [("night", try NightReport.render(snapshot: s, journal: j, night: long)),
                     ("faulty night", try NightReport.render(snapshot: s, journal: j, night: 2)),
                     ("trend", TrendReport.render(snapshot: s)), ("clinician", ClinicianReport.render(snapshot: s))]
        for (name, html) in pages {
            let file = TemporaryFolder.path("clip.html")
            try ReportFile.write(html.replacingOccurrences(of: "</body>", with: Self.clipCheck + "</body>"), to: file)
            let p = try await Processes.run(BrowserRenderingTests.chromium!, [
                "--headless", "--no-sandbox", "--disable-gpu",
                "--user-data-dir=" + (file as NSString).deletingLastPathComponent + "/chromium-profile",
                "--window-size=1100,1400", "--dump-dom", "file://" + file,
            ])
            let verdict = p.stdout.firstMatch(of: #/CLIPPED\[([^\]]*)\] of (\d+)/#)
            let cut = verdict.map { String($0.1) } ?? String(p.stderr.suffix(300))
            #expect(verdict?.1 == "", "\(name): cut labels \(cut)")
            #expect((verdict.flatMap { Int($0.2) } ?? 0) >= 5, "\(name): the check saw the labels")
        }
    }

    /// A table that would straddle a page break starts on the next page instead: a table pushed down by
    /// 180 to 250 mm of blank space, on Letter paper (255 mm of content height), crosses the break at some offset.
    @Test(.enabled(if: ready, "needs chromium and poppler-utils (apt-get install chromium poppler-utils)"))
    func aTableIsNeverSplitAcrossPages() async throws {
        let rows = (1...14).map { [cell("row \($0)"), cell("value")] }
        for offset in stride(from: 180, through: 250, by: 14) {
            let body = "<div style=\"height: \(offset)mm\"></div>" + table(["name", "value"], rows)
            let printed = try await Self.print(page(title: "t", body: body, paper: .letter), name: "table-\(offset)")
            let pages = printed.text.indices.filter { printed.text[$0].contains("row 1\n") }
            #expect(pages.count == 1 && printed.text[pages[0]].contains("row 14"),
                    "\(offset) mm down: the first row on pages \(pages) of \(printed.pages)")
        }
    }

    @Test(.enabled(if: ready, "needs chromium and poppler-utils (apt-get install chromium poppler-utils)"))
    func aPrintedTrendReportKeepsEachTableOnOnePage() async throws {
        let s = try JournalSnapshot(journal: try Fixture.fourWeeks().0, timeZone: Fixture.utc)
        let printed = try await Self.print(TrendReport.render(snapshot: s), name: "trend")
        #expect(printed.pages > 1)
        // The first and the last row of each table are on the same page.
        for (first, last) in [("Nights recorded", "Time without data"), ("Reported and detected",
                                                                           "Reported when nothing was recording"),
                              ("magnesium", "stretched")] {
            let pages = printed.text.indices.filter { printed.text[$0].contains(first) }
            #expect(pages.count == 1 && printed.text[pages[0]].contains(last), "\(first) … \(last): pages \(pages)")
        }
    }
}
