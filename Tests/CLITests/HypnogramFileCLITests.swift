import Foundation
import TestSupport
import Testing

/// `replay --hypnogram FILE`: a sleep lab's scoring kept apart from the recording (NSRR XML, a Noxturnal CSV export, an
/// EDF+ hypnogram) gives the night its sleep, read as `validate --labels` reads it; a scoring of another night is
/// refused before anything is written.
@Suite(.tags(.cli, .python), .temporaryFolder) struct HypnogramFileCLITests {
    func json(_ args: [String]) async throws -> [String: Any] {
        let r = try await CLI.run(["replay"] + args + ["--json"])
        try #require(r.status == 0, "\(r.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    /// The sleep figures of a replay's summary.
    static let sleepKeys = ["sleep_source", "total_sleep_s", "waso_s", "sleep_efficiency", "awakenings",
                            "sleep_window_onset_s", "sleep_window_offset_s", "plm_index_per_h", "plmw_index_per_h",
                            "periodic_leg_movements", "periodic_leg_movements_in_wake", "cramps_that_woke"]

    /// The independent generator writes each sleep-lab night's stages twice, as EDF+ annotations inside the
    /// recording and as NSRR XML beside it: both give the same night. A scoring that says otherwise is followed.
    @Test func aScoringFileBesideTheRecordingIsTheNightsSleep() async throws {
        let (edf, _) = try await ScoredStagesCLITests().night()
        let xml = (edf as NSString).deletingLastPathComponent + "/night-nsrr.xml"
        let inside = try await json([edf, "--no-journal"])
        let beside = try await json([edf, "--no-journal", "--hypnogram", xml])
        let a = try #require(inside["summary"] as? [String: Any]), b = try #require(beside["summary"] as? [String: Any])
        for key in Self.sleepKeys { #expect("\(a[key] ?? "none")" == "\(b[key] ?? "none")", "\(key)") }
        #expect(b["sleep_source"] as? String == "scored_stages")
        #expect((beside["recording"] as? [String: Any])?["hypnogram"] as? String == xml)
        #expect((inside["recording"] as? [String: Any])?["hypnogram"] == nil)

        // A scoring in which the sleeper slept one epoch: the night follows it, not the stages inside the EDF+.
        let duration = try #require(b["duration_s"] as? Double)
        let one = TemporaryFolder.path("one-epoch.xml")
        try Self.nsrr([(0, 600, "Wake|0"), (600, 30, "Stage 2 sleep|2"), (630, duration - 630, "Wake|0")])
            .write(toFile: one, atomically: true, encoding: .utf8)
        let journal = TemporaryFolder.path("j.sqlite")
        let saved = try await CLI.run(["replay", edf, "--journal", journal, "--hypnogram", one])
        try #require(saved.status == 0, "\(saved.stderr)")
        #expect(saved.stdout.contains("as the sleep lab scored it (the stages in \(one)), sleep period"),
                "\(saved.stdout)")
        let row = try await SQLiteShell.run(journal, "SELECT sleepSource, totalSleepSeconds, awakenings, "
                                            + "sleepWindowOnsetSeconds, sleepWindowOffsetSeconds FROM nightFigures")
        #expect(row.trimmingCharacters(in: .whitespacesAndNewlines) == "scored_stages|30.0|0|600.0|630.0")
        // The pages say where the sleep came from, and time awake is the lab's, beside the lab's awakenings.
        let page = TemporaryFolder.path("night.html"), doctor = TemporaryFolder.path("clinician.html")
        #expect(try await CLI.run(["report", "night", "1", "--journal", journal, "--out", page]).status == 0)
        #expect(try await CLI.run(["report", "clinician", "--journal", journal, "--out", doctor]).status == 0)
        let night = try String(contentsOfFile: page, encoding: .utf8)
        #expect(night.contains("Time awake after falling asleep</td><td class=\"n\" data-seconds=\"0.000\"")
                && night.contains("Sleep efficiency (the lab&#39;s scored stages)"), "night report")
        // Its timeline draws the lab's stages: one sleep epoch between two stretches of wake.
        #expect(night.components(separatedBy: "class=\"lab-sleep\"").count - 1 == 1
                && night.components(separatedBy: "class=\"lab-wake\"").count - 1 == 2
                && !night.contains("class=\"sleep\""), "the timeline's band")
        let clinician = try String(contentsOfFile: doctor, encoding: .utf8)
        #expect(clinician.contains("Sleep efficiency (mean, the lab&#39;s scored stages)")
                && clinician.contains("except on the 1 night whose sleep a sleep lab scored"), "clinician page")
    }

    /// The real Noxturnal export of a whole night (a sleep lab's, UTF-16, French, clock times) against a recording
    /// of that night: the night's total sleep, sleep period and awakenings are the lab's, as Python reads the same
    /// file. Against the 2-minute Nox A1 excerpt, another night, it is refused in one line and no journal is made.
    @Test(.enabled(if: ClinicalScoringCLITests.haveNox, "needs ../shared/data/psg_nox_a1_rsleep"))
    func theRealNoxturnalExportGivesTheNightsSleep() async throws {
        let recording = try await ClinicalScoringCLITests().recordingOfTheExportsNight()
        let export = ClinicalScoringCLITests.noxExport
        let night = try await json([recording, "--no-journal", "--hypnogram", export])
        let s = try #require(night["summary"] as? [String: Any])
        let lab = try await Self.pythonReading(export, recordingStart: "25/07/2018 23:45:40")
        #expect(s["sleep_source"] as? String == "scored_stages")
        #expect(s["total_sleep_s"] as? Double == lab.sleep, "the lab's \(lab)")
        #expect(s["sleep_window_onset_s"] as? Double == lab.onset
                && s["sleep_window_offset_s"] as? Double == lab.offset)
        #expect(s["awakenings"] as? Int == lab.awakenings && s["waso_s"] as? Double == lab.waso, "the lab's \(lab)")

        let journal = TemporaryFolder.path("other.sqlite")
        let wrong = try await CLI.run(["replay", ClinicalScoringCLITests.noxEDF, "--journal", journal,
                                       "--hypnogram", export])
        #expect(wrong.status == 1)
        #expect(wrong.stderr.split(separator: "\n").count == 1, "\(wrong.stderr)")
        #expect(wrong.stderr.contains("lies outside the recording (0–120 s)")
                && wrong.stderr.contains("more entries like it")
                && wrong.stderr.contains("is it the scoring of this recording?"), "\(wrong.stderr)")
        #expect(!FileManager.default.fileExists(atPath: journal), "refused before the journal was made")
    }

    @Test func whatCannotGiveTheNightsSleepIsRefusedInOneLine() async throws {
        let night = Repository.night("night-a")
        let labels = Repository.samples.appendingPathComponent("night-a/labels.csv").path
        let noStages = try await CLI.run(["replay", night, "--no-journal", "--hypnogram", labels])
        #expect(noStages.status == 1)
        #expect(noStages.stderr.contains("no sleep stage in this scoring") && noStages.stderr.contains("--label-map"),
                "\(noStages.stderr)")
        let both = try await CLI.run(["replay", night, "--no-journal", "--hypnogram", labels, "--sleep-from",
                                      "accelerometer"])
        #expect(both.status == 64 && both.stderr.contains("leave out --sleep-from accelerometer"), "\(both.stderr)")
        let map = try await CLI.run(["replay", night, "--no-journal", "--label-map", labels])
        #expect(map.status == 64 && map.stderr.contains("it goes with --hypnogram FILE"), "\(map.stderr)")
    }

    /// An NSRR XML scoring of these stages (onset, duration in seconds, NSRR's stage concept).
    static func nsrr(_ stages: [(Double, Double, String)]) -> String {
        let events = stages.map { onset, duration, concept in
            "<ScoredEvent><EventType>Stages|Stages</EventType><EventConcept>\(concept)</EventConcept>"
                + "<Start>\(onset)</Start><Duration>\(duration)</Duration></ScoredEvent>"
        }
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<PSGAnnotation><EpochLength>30</EpochLength><ScoredEvents>"
            + events.joined(separator: "\n") + "</ScoredEvents></PSGAnnotation>\n"
    }

    /// The export's stages as Python's csv module reads them: total sleep, the sleep period, and the runs of wake
    /// inside it (WASO, and awakenings of at least 60 s), in seconds from the recording's start.
    static func pythonReading(_ path: String, recordingStart: String) async throws
        -> (sleep: Double, onset: Double, offset: Double, waso: Double, awakenings: Int) {
        let script = """
            import csv, datetime, json, sys
            parse = lambda t: datetime.datetime.strptime(t, "%d/%m/%Y %H:%M:%S")
            t0 = parse(sys.argv[2])
            rows = list(csv.reader(open(sys.argv[1], encoding="utf-16")))[2:]
            names = {"Éveil": False, "N1": True, "N2": True, "N3": True, "REM": True}
            epochs = sorted(((parse(r[0]) - t0).total_seconds(), (parse(r[1]) - t0).total_seconds(), names[r[2]])
                            for r in rows if len(r) > 2 and r[2] in names)
            sleep = [e for e in epochs if e[2]]
            onset, offset = sleep[0][0], max(e[1] for e in sleep)
            runs = []
            for a, b, asleep in epochs:
                if asleep or a < onset or b > offset: continue
                if runs and a <= runs[-1][1]: runs[-1][1] = b
                else: runs.append([a, b])
            print(json.dumps([sum(b - a for a, b, s in sleep), onset, offset, sum(b - a for a, b in runs),
                              sum(1 for a, b in runs if b - a >= 60)]))
            """
        let r = try await Python.run(["-c", script, path, recordingStart])
        try #require(r.status == 0, "\(r.stderr)")
        let v = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [Double])
        return (v[0], v[1], v[2], v[3], Int(v[4]))
    }
}
