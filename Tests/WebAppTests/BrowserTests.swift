import Foundation
import Testing
import TestSupport

/// The web app in a real browser: headless Chromium through Selenium (Debian's python3-selenium and
/// chromium-driver), axe-core through axe-selenium-python (scripts/setup-system.sh installs them).
@Suite(.tags(.browser, .slow), .temporaryFolder) struct WebAppBrowserTests {
    static var browserReady: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver")
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")
    }

    @Test func everyPageAtPhoneAndDesktopSizeWithFormsAndAccessibility() async throws {
        guard Self.browserReady else {
            reportSkipped("chromium-driver is not installed (scripts/setup-system.sh installs it)")
            return
        }
        let journal = try await WebAppTests.journalWithNight()
        let shots = try TemporaryFolder.make("screenshots")
        let script = Repository.tests.appendingPathComponent("WebAppTests/browser_check.py").path
        let r = try await Served.with(journal: journal) { s in
            try await Processes.run("/usr/bin/python3", [script, s.base, shots.path])
        }
        #expect(r.status == 0, "browser check: \(r.stdout) \(r.stderr)")
        let report = r.json
        #expect((report["failures"] as? [String])?.isEmpty == true, "\(report["failures"] ?? "no report")")
        let files = try FileManager.default.contentsOfDirectory(atPath: shots.path).filter { $0.hasSuffix(".png") }
        #expect(files.count == 14, "\(files)")
        // The diary's cramp line (left, pain 6, stored as `diary add --cramp` stores it: no notes), then the button.
        let rows = try await SQLiteShell.run(journal, "SELECT magnesiumMg || '|' || stretchedBeforeBed FROM diaryEntry;"
                                             + "SELECT leg || '|' || pain || '|' || (notes IS NULL) "
                                             + "FROM selfReportedCramp ORDER BY id")
        #expect(rows.split(separator: "\n") == ["250.0|1", "left|6|1", "right|5|0"])
    }
}
