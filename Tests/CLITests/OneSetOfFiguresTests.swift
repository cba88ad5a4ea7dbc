import Foundation
import TestSupport
import Testing

/// A night shows the same figures wherever a person or a script reads it: `replay` (text and JSON),
/// `journal show`, `journal nights`, and the night report (its numbers and its HTML).
@Suite(.tags(.cli), .temporaryFolder) struct OneSetOfFiguresTests {
    func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test(arguments: ["night-a", "night-b-faulty", "night-c-60hz"])
    func sleepEfficiencyAndAwakeningsAgreeEverywhere(night: String) async throws {
        let journal = TemporaryFolder.path("j.sqlite")
        let capture = Repository.night(night)
        let replay = try await CLI.run(["replay", capture, "--journal", journal, "--json", "--min-night", "0"])
        #expect(replay.status == 0, "\(replay.stderr)")
        let summary = try #require(try object(replay.stdout)["summary"] as? [String: Any])
        let efficiency = try #require(summary["sleep_efficiency"] as? Double)
        let awakenings = try #require(summary["awakenings"] as? Int)

        let show = try await CLI.run(["journal", "show", "1", "--journal", journal, "--json"])
        let shown = try #require((try object(show.stdout)["night"] as? [String: Any])?["figures"] as? [String: Any])
        #expect(shown["sleep_efficiency"] as? Double == efficiency && shown["awakenings"] as? Int == awakenings)
        #expect(shown["total_sleep_s"] as? Double == summary["total_sleep_s"] as? Double)

        let report = TemporaryFolder.path("night.html")
        let numbers = try await CLI.run(["report", "night", "1", "--journal", journal, "--out", report, "--json"])
        #expect(numbers.status == 0, "\(numbers.stderr)")
        let reported = try #require(try object(numbers.stdout)["numbers"] as? [String: Any])
        #expect(reported["sleep_efficiency"] as? Double == efficiency && reported["awakenings"] as? Int == awakenings)
        let html = try String(contentsOfFile: report, encoding: .utf8)
        let percent = "\(Int((efficiency * 100).rounded())) %"
        #expect(html.contains("data-metric=\"sleep_efficiency\">\(percent)<"), "the report should say \(percent)")
        #expect(html.contains("data-metric=\"awakenings\">\(awakenings)<"))

        // The words replay prints say the same.
        let text = try await CLI.run(["replay", capture, "--no-journal"])
        #expect(text.stdout.contains("(efficiency \(percent)), \(awakenings) awakening"), "\(text.stdout)")
        let shownText = try await CLI.run(["journal", "show", "1", "--journal", journal])
        #expect(shownText.stdout.contains("(efficiency \(percent)), \(awakenings) awakening"), "\(shownText.stdout)")
    }
}
