import Foundation
import TestSupport
import Testing

/// A sleep-lab EDF+ carries the lab's hypnogram ("Sleep stage W/N1/N2/N3/R" epochs): `replay` takes the night's
/// sleep from it, so total sleep, awakenings and the PLMS index are per hour of sleep as the lab scored it; the
/// recording's author (pyedflib, through the independent nights' generator) is not Crampwatch.
@Suite(.tags(.cli, .python), .temporaryFolder) struct ScoredStagesCLITests {
    static let generator = Repository.tests.appendingPathComponent("IndependentNights/generate.py").path

    /// One half-hour sleep-lab night (leg EMG among PSG channels, no accelerometer) and its truth.json.
    func night() async throws -> (edf: String, truth: [String: Any]) {
        let out = try TemporaryFolder.make("lab").path
        let g = try await Python.run([Self.generator, out, "--nights", "1", "--hours", "0.5", "--sets", "sleep-lab"])
        try #require(g.status == 0, "\(g.stderr)")
        let folder = "\(out)/sleep-lab/night-00"
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(folder)/truth.json"))
        return ("\(folder)/night.edf", try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any]))
    }

    func summary(_ args: [String]) async throws -> [String: Any] {
        let r = try await CLI.run(["replay"] + args + ["--no-journal", "--json"])
        try #require(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        return try #require(json["summary"] as? [String: Any])
    }

    @Test func theLabsStagesAreTheNightsSleep() async throws {
        let (edf, truth) = try await night()
        let sleep = try #require(truth["sleep"] as? [String: Any])
        let plm = try #require(truth["plm"] as? [String: Any])
        let tst = try #require(sleep["tst_h"] as? Double) * 3600
        let s = try await summary([edf])
        #expect(s["sleep_source"] as? String == "scored_stages")
        #expect(s["sleep_window_detected"] as? Bool == true)
        // The truth rounds hours to 4 decimals (0.36 s).
        #expect(abs((s["total_sleep_s"] as? Double ?? -1) - tst) < 0.5, "total sleep \(s["total_sleep_s"] ?? "nil")")
        #expect(s["awakenings"] as? Int == sleep["wake_bouts"] as? Int)
        let duration = try #require(s["duration_s"] as? Double)
        #expect(abs((s["sleep_efficiency"] as? Double ?? -1) - tst / duration) < 1e-3)
        // The PLMS index divides by that sleep: within 2 per hour of the lab's (WASM-scored) index.
        let index = try #require(s["plm_index_per_h"] as? Double)
        let labIndex = try #require(plm["plms_index_per_h"] as? Double)
        #expect(abs(index - labIndex) <= 2, "PLMS index \(index), the lab's \(labIndex)")
        let text = try await CLI.run(["replay", edf, "--no-journal"])
        #expect(text.stdout.contains("as the sleep lab scored it (the stages in the recording)"), "\(text.stdout)")
        #expect(text.stderr.contains("whether cramps woke you comes from the sleep lab's scored stages"),
                "\(text.stderr)")
        // Every cramp's "woke" and the night's count say the same.
        let replay = try await CLI.run(["replay", edf, "--no-journal", "--json"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(replay.stdout.utf8)) as? [String: Any])
        let cramps = try #require(json["events"] as? [[String: Any]]).filter { $0["kind"] as? String == "cramp" }
        try #require(!cramps.isEmpty, "the night has cramps")
        #expect(cramps.filter { $0["woke"] as? Bool == true }.count == s["cramps_that_woke"] as? Int)

    }

    /// The same recording without its stages has no accelerometer either: nothing in it tells sleep from wake, so
    /// total sleep, wake, awakenings and which cramps woke are not measured — null in the JSON, NULL in the journal,
    /// "not measured" in words and on the night's page — never "all asleep, no awakening".
    @Test func withNeitherStagesNorAnAccelerometerSleepIsNotMeasured() async throws {
        let (edf, _) = try await night()
        let s = try await summary([edf, "--sleep-from", "accelerometer"])
        #expect(s["sleep_source"] as? String == "not_measured" && s["wake_measured"] as? Bool == false)
        let unknown = ["total_sleep_s", "waso_s", "sleep_efficiency", "awakenings", "sleep_interruptions", "wake_s",
                       "cramps_that_woke", "periodic_leg_movements_in_wake", "plmw_index_per_h",
                       "sleep_window_onset_s", "sleep_window_offset_s"]
        #expect(unknown.filter { !(s[$0] is NSNull) } == [], "\(s)")
        #expect(s["not_measured"] as? [String] == ["sleep", "sleep_interruptions", "awakenings"])
        // The PLM index is then per hour of recording with data, and the leg movements are still counted.
        let duration = try #require(s["duration_s"] as? Double), gap = try #require(s["gap_s"] as? Double)
        let periodic = try #require(s["periodic_leg_movements"] as? Int)
        #expect(periodic > 0 && (s["leg_movements"] as? Int ?? 0) >= periodic)
        let perHour = Double(periodic) / ((duration - gap) / 3600)
        #expect(abs((s["plm_index_per_h"] as? Double ?? -1) - perHour) < 1e-6, "\(s)")

        let journal = TemporaryFolder.path("lab.sqlite")
        let saved = try await CLI.run(["replay", edf, "--sleep-from", "accelerometer", "--journal", journal])
        try #require(saved.status == 0, "\(saved.stderr)")
        #expect(saved.stdout.contains("Sleep and awakenings: not measured (no accelerometer and no scored sleep stages")
                && saved.stdout.contains("whether they woke you was not measured")
                && saved.stdout.contains("per hour of recording: sleep was not measured"), "\(saved.stdout)")
        let row = try await SQLiteShell.run(journal, "SELECT sleepSource, quote(awakenings), quote(sleepEfficiency), "
                                            + "quote(crampsThatWoke), (SELECT count(*) FROM event WHERE kind = "
                                            + "'cramp' AND woke IS NOT NULL) FROM nightFigures")
        #expect(row.trimmingCharacters(in: .whitespacesAndNewlines) == "not_measured|NULL|NULL|NULL|0")
        let show = try await CLI.run(["journal", "show", "1", "--journal", journal])
        #expect(show.stdout.contains("sleep interruptions not measured")
                && show.stdout.contains("Sleep and awakenings: not measured"), "\(show.stdout)")
        let nights = try await CLI.run(["journal", "nights", "--journal", journal])
        #expect(nights.stdout.contains("— awakenings: no accelerometer and no scored sleep stages"), "\(nights.stdout)")
        let html = TemporaryFolder.path("night.html")
        let report = try await CLI.run(["report", "night", "1", "--journal", journal, "--out", html, "--json"])
        try #require(report.status == 0, "\(report.stderr)")
        let numbers = try #require((try JSONSerialization.jsonObject(with: Data(report.stdout.utf8))
                                    as? [String: Any])?["numbers"] as? [String: Any])
        #expect(numbers["awakenings"] is NSNull && numbers["wake_s"] is NSNull && numbers["sleep_efficiency"] is NSNull
                && numbers["cramps_that_woke"] is NSNull, "\(numbers)")
        let page = try String(contentsOfFile: html, encoding: .utf8)
        for metric in ["awakenings", "wake_s", "sleep_efficiency", "cramps_that_woke"] {
            #expect(page.contains("data-metric=\"\(metric)\">not measured<"), "\(metric)")
        }
        #expect(page.contains("nothing could tell sleep from wake"))
        #expect(page.contains("class=\"not-measured\"") && !page.contains("class=\"sleep\""),
                "the timeline does not draw the night as all sleep")
        // Over weeks, such a night is left out of the sleep figures, not counted as a night without awakenings.
        let trendPage = TemporaryFolder.path("trend.html")
        let trend = try await CLI.run(["report", "trend", "--journal", journal, "--out", trendPage, "--json"])
        let t = try #require((try JSONSerialization.jsonObject(with: Data(trend.stdout.utf8))
                              as? [String: Any])?["numbers"] as? [String: Any], "\(trend.stderr)")
        #expect(t["nights_without_sleep_measured"] as? Int == 1 && t["awakenings"] as? Int == 0, "\(t)")
        #expect(t["mean_sleep_efficiency"] == nil || t["mean_sleep_efficiency"] is NSNull, "\(t)")
        #expect(try String(contentsOfFile: trendPage, encoding: .utf8).contains("over the 0 nights whose sleep was"))
    }

    @Test func aWrongSleepFromIsRefusedInOneLine() async throws {
        let r = try await CLI.run(["replay", Repository.night("night-a"), "--no-journal", "--sleep-from", "eeg"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("--sleep-from is \"stages\" or \"accelerometer\", not \"eeg\"."), "\(r.stderr)")
    }
}
