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

        // Without the stages this recording (no accelerometer) has no sleep period: all of it counts.
        let own = try await summary([edf, "--sleep-from", "accelerometer"])
        #expect(own["sleep_source"] as? String == "whole_recording")
        #expect(abs((own["total_sleep_s"] as? Double ?? -1) - (duration - (own["wake_s"] as? Double ?? 0))) < 1e-6)
    }

    @Test func aWrongSleepFromIsRefusedInOneLine() async throws {
        let r = try await CLI.run(["replay", Repository.night("night-a"), "--no-journal", "--sleep-from", "eeg"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("--sleep-from is \"stages\" or \"accelerometer\", not \"eeg\"."), "\(r.stderr)")
    }
}
