import Foundation
import TestSupport
import Testing

/// An accelerometer-only night through the real command line: simulate, replay, journal and reports all say
/// "no EMG: cramps and leg movements were not measured", never "0 cramps", and keep the sleep figures.
@Suite(.tags(.cli), .temporaryFolder) struct AccelerometerOnlyCLITests {
    static let env = ["TZ": "UTC"]
    static let note = "no EMG: cramps and leg movements were not measured"

    func run(_ args: [String]) async throws -> ProcessResult { try await CLI.run(args, environment: Self.env) }

    @Test func simulateReplayJournalAndReportsWithoutEMG() async throws {
        let journal = TemporaryFolder.path("j.sqlite")
        let dir = (journal as NSString).deletingLastPathComponent
        let accel = dir + "/accel", emg = dir + "/emg"
        let common = ["--seed", "11", "--hours", "0.2", "--emg-rate", "1000", "--cramps", "3", "--max-cramp", "60"]
        let simulated = try await run(["simulate"] + common + ["--emg-channels", "0", "--out", accel])
        #expect(simulated.status == 0, "\(simulated.stderr)")
        #expect(simulated.stdout.contains("accelerometer-only device: 3 awakenings "
                                          + "(no EMG: cramps and leg movements are not in the recording)"),
                "\(simulated.stdout)")
        let labels = try String(contentsOfFile: accel + "/labels.csv", encoding: .utf8)
        #expect(!labels.contains("cramp,") && !labels.contains("leg_movement")
                && labels.components(separatedBy: "sleep_interruption").count - 1 == 3, "\(labels)")
        #expect(try await run(["simulate"] + common + ["--out", emg]).status == 0)

        // The night with EMG first, then the same sleeper without: the journal keeps them apart.
        let withEMG = try await run(
            ["replay", emg + "/night.cwcap", "--journal", journal, "--start", "2026-05-03T23:30:00Z"])
        #expect(withEMG.status == 0)
        let text = try await run(
            ["replay", accel + "/night.cwcap", "--journal", journal, "--start", "2026-05-04T23:30:00Z"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("from device SIMA-11, accelerometer only (100 Hz)"), "\(text.stdout)")
        #expect(text.stdout.contains("Cramps and leg movements: not measured (\(Self.note))."))
        #expect(!text.stdout.contains("Cramps: none") && !text.stdout.contains("Leg movements: 0"))
        #expect(text.stdout.contains("Sleep interruptions: 3") && text.stdout.contains("3 awakenings"))

        let json = try await run(["replay", accel + "/night.cwcap", "--no-journal", "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let summary = try #require(object["summary"] as? [String: Any])
        #expect(summary["cramps"] is NSNull && summary["leg_movements"] is NSNull
                && summary["emg_measured"] as? Bool == false)
        #expect(summary["note"] as? String == Self.note && summary["sleep_interruptions"] as? Int == 3)
        // README: every cramp, leg-movement and artifact figure is null, not 0, and "not_measured" says which.
        let notMeasured = ["cramps", "cramp_s", "longest_cramp_s", "cramps_that_woke", "leg_movements",
                           "periodic_leg_movements", "plm_index_per_h", "artifacts", "artifact_s"]
        #expect(notMeasured.filter { !(summary[$0] is NSNull) } == [], "\(summary)")
        #expect(summary["not_measured"] as? [String] == ["cramps", "leg_movements", "artifacts"])
        #expect((object["device"] as? [String: Any])?["emg_rate_hz"] as? Int == 0)
        #expect((object["device"] as? [String: Any])?["emg_channels"] as? Int == 0)
        #expect((object["events"] as? [[String: Any]])?
                 .allSatisfy { $0["kind"] as? String == "sleep_interruption" } == true)

        let nights = try await run(["journal", "nights", "--journal", journal])
        let lines = nights.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("    2 ") && $0.components(separatedBy: "—").count == 3 }
                && lines.last == "— \(Self.note)", "\(nights.stdout)")
        #expect(lines.contains { $0.hasPrefix("    1 ") && !$0.contains("—") }, "\(nights.stdout)")
        let show = try await run(["journal", "show", "2", "--journal", journal])
        #expect(show.stdout.contains("\(Self.note); 3 sleep interruptions (from the accelerometer)")
                && !show.stdout.contains("0 cramps"), "\(show.stdout)")

        // Reports: the night says "not measured"; trend and clinician leave the night out of every cramp figure.
        let nightReport = try await run(
            ["report", "night", "2", "--journal", journal, "--out", dir + "/n2.html", "--json"])
        #expect(nightReport.status == 0, "\(nightReport.stderr)")
        let numbers = try #require((try JSONSerialization.jsonObject(with: Data(nightReport.stdout.utf8))
                                    as? [String: Any])?["numbers"] as? [String: Any])
        #expect(numbers["cramps"] is NSNull && numbers["emg_measured"] as? Bool == false
                && numbers["note"] as? String == Self.note && numbers["awakenings"] as? Int == 3)
        let html = try String(contentsOfFile: dir + "/n2.html", encoding: .utf8)
        #expect(html.contains("data-metric=\"cramps\">not measured<")
                && html.contains("data-metric=\"leg_movements\">not measured<"), "night report cells")
        #expect(html.contains("recorded without EMG (an accelerometer only): \(Self.note)")
                && html.contains("EMG: none — \(Self.note)"))
        let trend = try await run(["report", "trend", "--journal", journal, "--out", dir + "/t.html", "--json"])
        let t = try #require((try JSONSerialization.jsonObject(with: Data(trend.stdout.utf8))
                              as? [String: Any])?["numbers"] as? [String: Any])
        #expect(t["nights"] as? Int == 2 && t["nights_without_emg"] as? Int == 1 && t["cramp_nights"] as? Int == 1
                && t["cramps"] as? Int == 3, "\(t)")
        #expect(t["awakenings"] as? Int == 6)
        #expect(try String(contentsOfFile: dir + "/t.html", encoding: .utf8)
                .contains("a night without EMG is not a night without cramps"))
        let clinician = try await run(["report", "clinician", "--journal", journal, "--out", dir + "/c.html", "--json"])
        let c = try #require((try JSONSerialization.jsonObject(with: Data(clinician.stdout.utf8))
                              as? [String: Any])?["numbers"] as? [String: Any])
        #expect(c["nights_recorded"] as? Int == 2 && c["nights_without_emg"] as? Int == 1
                && c["cramp_nights"] as? Int == 1, "\(c)")
        let page = try String(contentsOfFile: dir + "/c.html", encoding: .utf8)
        #expect(page.contains("1 of these nights were recorded without EMG (\(Self.note))")
                && page.contains("data-metric=\"cramp_nights\">1 of 1 with EMG<"))

        // Validation against the full truth of the same sleeper (cramps included): only sleep interruptions are scored
        // without EMG.
        let validate = try await run(["validate", accel + "/night.cwcap", "--labels", emg + "/labels.csv", "--json"])
        #expect(validate.status == 0, "\(validate.stderr)")
        let v = try #require(try JSONSerialization.jsonObject(with: Data(validate.stdout.utf8)) as? [String: Any])
        let pooled = try #require(v["pooled"] as? [[String: Any]])
        let byKind = Dictionary(uniqueKeysWithValues: pooled.map { ($0["kind"] as! String, $0) })
        #expect(byKind["cramp"]?["reference"] as? Int == 0 && byKind["cramp"]?["false_negatives"] as? Int == 0,
                "\(pooled)")
        #expect(byKind["sleep_interruption"]?["reference"] as? Int == 3
                && byKind["sleep_interruption"]?["true_positives"] as? Int == 3)
        #expect((v["recordings"] as? [[String: Any]])?.first?["emg_measured"] as? Bool == false)
        let validateText = try await run(["validate", accel + "/night.cwcap", "--labels", emg + "/labels.csv"])
        #expect(validateText.stdout.contains("1 recording without EMG (\(Self.note))"
                                             + ": only sleep interruptions are scored there"),
                "\(validateText.stdout)")

        // CSV export of the accelerometer-only night replays without EMG, and says so.
        let csv = dir + "/accel.csv"
        #expect(try await run(["replay", accel + "/night.cwcap", "--no-journal", "--export-signals", csv]).status == 0)
        let fromCSV = try await run(["replay", csv, "--no-journal"])
        #expect(fromCSV.status == 0 && fromCSV.stdout.contains("from device CSV-ACCEL, accelerometer only (100 Hz)")
                && fromCSV.stdout.contains("Sleep interruptions: 3"), "\(fromCSV.stdout) \(fromCSV.stderr)")
    }

    @Test func badChannelCountsSayWhatIsAllowed() async throws {
        let r = try await run(["simulate", "--channels", "5", "--out", TemporaryFolder.path("x")])
        #expect(r.status == 64 && r.stderr.contains("--channels must be 0 (accelerometer only) to 4"), "\(r.stderr)")
        // A CSV with neither EMG nor an accelerometer.
        let path = TemporaryFolder.path("t.csv")
        try "time,temperature_C\n0,36.5\n0.005,36.5\n".write(toFile: path, atomically: true, encoding: .utf8)
        let csv = try await run(["replay", path, "--no-journal"])
        #expect(csv.status == 1 && csv.stderr.contains("no leg EMG channel found")
                && csv.stderr.contains("no accelerometer either"), "\(csv.stderr)")
    }
}
