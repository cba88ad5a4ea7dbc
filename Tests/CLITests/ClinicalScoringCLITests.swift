import Foundation
import TestSupport
import Testing

/// `validate` with clinical scorings: the same night's reference as labels.csv, NSRR XML, a Noxturnal CSV export
/// and EDF+ annotations inside the recording gives the same metrics, which agree with the `timescoring` package;
/// and the real Nox A1 recording and Noxturnal export from a sleep lab.
@Suite(.tags(.cli, .python), .temporaryFolder) struct ClinicalScoringCLITests {
    static let nox = Repository.sharedData.appendingPathComponent("psg_nox_a1_rsleep")
    static let noxExport = nox.appendingPathComponent("noxturnal_events_night2018-07-25_with_LM.csv").path
    static let noxEDF = nox.appendingPathComponent("subject1_noxA1_2min.edf").path
    static var haveNox: Bool { FileManager.default.fileExists(atPath: noxEDF) }
    static let script = Repository.tests.appendingPathComponent("Python/scoring_formats.py").path

    func json(_ r: ProcessResult) throws -> [String: Any] {
        try #require(r.status == 0, "\(r.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    func pooled(_ report: [String: Any], _ kind: String) throws -> [String: Any] {
        try #require((report["pooled"] as? [[String: Any]])?.first { $0["kind"] as? String == kind })
    }

    /// night-a's labels with one leg movement left out (the detector's becomes a false one) and a leg movement
    /// and a cramp nobody moved (missed), written in the four formats beside a copy of night.edf.
    func formats() async throws -> (folder: String, reference: [String: [[Double]]]) {
        let folder = try TemporaryFolder.make("formats").path
        let night = Repository.samples.appendingPathComponent("night-a").path
        try FileManager.default.copyItem(atPath: "\(night)/night.edf", toPath: "\(folder)/night.edf")
        let labels = try String(contentsOfFile: "\(night)/labels.csv", encoding: .utf8)
            .split(separator: "\n").filter { !$0.hasPrefix("leg_movement,472") }.joined(separator: "\n")
            + "\nleg_movement,600,602\ncramp,20,40\n"
        try labels.write(toFile: "\(folder)/labels.csv", atomically: true, encoding: .utf8)
        let r = try await Python.run([Self.script, "write", "\(folder)/labels.csv", "\(folder)/night.edf", folder])
        try #require(r.status == 0, "\(r.stderr)")
        struct Written: Decodable { var reference: [String: [[Double]]] }
        let written = try JSONDecoder().decode(Written.self, from: Data(r.stdout.utf8))
        return (folder, written.reference)
    }

    /// A sleep-lab recording (leg EMG among PSG channels, no accelerometer): wake is read from the leg's movement,
    /// so its sleep interruptions are not measured. validate says so in one line and leaves the interruption labels
    /// out (neither found nor missed) instead of scoring every one as missed; leg movements are still scored.
    @Test func withoutAnAccelerometerInterruptionsAreNotMeasured() async throws {
        let out = try TemporaryFolder.make("lab").path
        let generator = Repository.tests.appendingPathComponent("IndependentNights/generate.py").path
        let g = try await Python.run([generator, out, "--nights", "1", "--hours", "0.5", "--sets", "sleep-lab"])
        try #require(g.status == 0, "\(g.stderr)")
        let night = "\(out)/sleep-lab/night-00"
        let labels = try String(contentsOfFile: "\(night)/labels.csv", encoding: .utf8)
        try #require(labels.contains("sleep_interruption,"), "the night has interruptions to leave out")
        let report = try json(try await CLI.run(["validate", "\(night)/night.edf", "--labels", "\(night)/labels.csv",
                                                 "--json"]))
        let recording = try #require((report["recordings"] as? [[String: Any]])?.first)
        #expect(recording["accel_measured"] as? Bool == false)
        #expect(try pooled(report, "sleep_interruption")["reference"] as? Int == 0)
        #expect(try pooled(report, "leg_movement")["reference"] as? Int ?? 0 > 0)
        #expect((report["pooled_wake_epochs"] as? [String: Any])?["epochs"] as? Int == 0)
        let text = try await CLI.run(["validate", "\(night)/night.edf", "--labels", "\(night)/labels.csv"])
        #expect(text.stdout.contains("1 recording without an accelerometer: sleep interruptions were not measured"),
                "\(text.stdout)")
    }

    @Test func theFourFormatsGiveTheSameMetrics() async throws {
        let (folder, _) = try await formats()
        let fromCSV = try json(try await CLI.run(["validate", "\(folder)/night.edf", "--labels", "\(folder)/labels.csv",
                                                  "--json"]))
        // Alone in a folder, so that no labels.csv beside it comes first: its own annotations are the reference.
        let annotated = "\(try TemporaryFolder.make("inside").path)/annotated.edf"
        try FileManager.default.moveItem(atPath: "\(folder)/annotated.edf", toPath: annotated)
        var reports: [String: [String: Any]] = [:]
        for (name, args) in [("nsrr", ["\(folder)/night.edf", "--labels", "\(folder)/nsrr.xml"]),
                             ("noxturnal", ["\(folder)/night.edf", "--labels", "\(folder)/noxturnal.csv"]),
                             ("edf", [annotated])] {
            reports[name] = try json(try await CLI.run(["validate"] + args + ["--json"]))
        }
        for (name, report) in reports {
            for kind in ["cramp", "leg_movement"] {
                let a = try pooled(fromCSV, kind), b = try pooled(report, kind)
                for key in ["reference", "detected", "true_positives", "false_positives", "sensitivity", "precision"] {
                    #expect("\(a[key] ?? "nil")" == "\(b[key] ?? "nil")", "\(name) \(kind) \(key)")
                }
            }
            let recording = try #require((report["recordings"] as? [[String: Any]])?.first)
            let reference = try #require(recording["reference"] as? [String: Any])
            #expect((reference["unmapped"] as? [String: Int])?.values.first == 6, "\(name): voluntary movements")
            #expect(try pooled(report, "sleep_interruption")["reference"] as? Int == 3, "\(name)")
        }
        #expect(try pooled(fromCSV, "cramp")["reference"] as? Int == 4)
        #expect(try pooled(fromCSV, "cramp")["true_positives"] as? Int == 3)
        #expect(try pooled(fromCSV, "leg_movement")["false_positives"] as? Int == 1)
        let text = try await CLI.run(["validate", "\(folder)/night.edf", "--labels", "\(folder)/noxturnal.csv"])
        #expect(text.stdout.contains("Reference for \(folder)/night.edf: Noxturnal CSV \(folder)/noxturnal.csv: "
                                     + "4 cramp, 1 ignore, 8 leg_movement, 16 sleep, 8 wake"), "\(text.stdout)")
        #expect(text.stdout.contains("not scored, no meaning known (--label-map FILE gives one): "
                                     + "\"Mouvement volontaire\" ×6"))
    }

    @Test(arguments: [0.0, 3.0])
    func validateAgreesWithTimescoringOnTheSameEvents(tolerance: Double) async throws {
        let (folder, reference) = try await formats()
        let replay = try json(try await CLI.run(["replay", "\(folder)/night.edf", "--no-journal", "--json"]))
        var detected: [String: [[Double]]] = [:]
        for e in try #require(replay["events"] as? [[String: Any]]) {
            let kind = try #require(e["kind"] as? String)
            detected[kind, default: []].append([try #require(e["onset_s"] as? Double),
                                                try #require(e["offset_s"] as? Double)])
        }
        let ours = try json(try await CLI.run(["validate", "\(folder)/night.edf", "--labels", "\(folder)/nsrr.xml",
                                               "--tolerance", "\(tolerance)", "--json"]))
        struct Case: Encodable { var reference, detected: [String: [[Double]]]; var duration, tolerance: Double }
        let input = try JSONEncoder().encode(Case(reference: reference, detected: detected, duration: 720,
                                                  tolerance: tolerance))
        let r = try await Python.run([Self.script, "score"], input: input)
        try #require(r.status == 0, "\(r.stderr)")
        let theirs = try #require(
            try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: [String: Any]])
        #expect(theirs.count == 3)
        for (kind, t) in theirs {
            let o = try pooled(ours, kind)
            #expect(o["reference"] as? Int == t["refTrue"] as? Int, "\(kind)")
            #expect(o["true_positives"] as? Int == t["tp"] as? Int, "\(kind)")
            #expect(o["false_positives"] as? Int == t["fp"] as? Int, "\(kind)")
            for (key, theirKey) in [("sensitivity", "sensitivity"), ("precision", "precision"), ("f1", "f1")] {
                let a = o[key] as? Double, b = t[theirKey] as? Double
                #expect((a == nil) == (b == nil), "\(kind) \(key)")
                if let a, let b { #expect(abs(a - b) < 1e-4, "\(kind) \(key): ours \(a), timescoring \(b)") }
            }
        }
        // The edits show: a missed cramp, a missed and a false leg movement.
        #expect(theirs["cramp"]?["tp"] as? Int == 3 && theirs["cramp"]?["refTrue"] as? Int == 4)
        #expect(theirs["leg_movement"]?["fp"] as? Int == 1)
    }

    @Test(.enabled(if: haveNox, "needs ../shared/data/psg_nox_a1_rsleep"))
    func theNoxA1LegsAreTooCoarseAndSaidSoInOneLineEach() async throws {
        let replay = try await CLI.run(["replay", Self.noxEDF, "--no-journal"])
        #expect(replay.status == 0, "\(replay.stderr)")
        for leg in ["Right Leg", "Left Leg"] {
            #expect(replay.stderr.contains("\(Self.noxEDF): \(leg): resolution 31 uV per step, too coarse to score "
                                           + "leg movements"), "\(replay.stderr)")
        }
        #expect(!replay.stdout.contains("Signal problems"), "\(replay.stdout)")
        #expect(replay.stdout.contains("accelerometer only (20 Hz)"))
        let xml = """
            <PSGAnnotation><ScoredEvents>
            <ScoredEvent><EventConcept>Wake|0</EventConcept><Start>0</Start><Duration>30</Duration></ScoredEvent>
            <ScoredEvent><EventConcept>Stage 1 sleep|1</EventConcept><Start>30</Start><Duration>90</Duration>
            </ScoredEvent>
            <ScoredEvent><EventConcept>Limb Movement (Right)</EventConcept><Start>25</Start><Duration>4</Duration>
            </ScoredEvent>
            </ScoredEvents></PSGAnnotation>
            """
        let scoring = TemporaryFolder.path("nox.xml")
        try xml.write(toFile: scoring, atomically: true, encoding: .utf8)
        let v = try await CLI.run(["validate", Self.noxEDF, "--labels", scoring])
        #expect(v.status == 0, "\(v.stderr)")
        #expect(v.stdout.contains("\(Self.noxEDF): Right Leg: resolution 31 uV per step, too coarse to score leg "
                                  + "movements"), "\(v.stdout)")
        #expect(v.stdout.contains("1 recording without EMG"))
        let report = try json(try await CLI.run(["validate", Self.noxEDF, "--labels", scoring, "--json"]))
        let recording = try #require((report["recordings"] as? [[String: Any]])?.first)
        #expect((recording["channel_notes"] as? [String])?.count == 3)
        #expect(recording["emg_measured"] as? Bool == false)
        // Its own annotations are only time-keeping: no reference, said so, rather than scoring against nothing.
        let bare = try await CLI.run(["validate", Self.noxEDF])
        #expect(bare.status == 1)
        #expect(bare.stderr == "crampwatch: \(Self.noxEDF): its EDF+ annotations hold no scored event (only "
                + "time-keeping), so there is no reference; give the scoring with --labels FILE\n", "\(bare.stderr)")
    }

    /// An accelerometer-only EDF of the export's night: 25/07/2018 23:45:40 for 25,510 s, so every entry fits.
    func recordingOfTheExportsNight() async throws -> String {
        let path = TemporaryFolder.path("night-2018-07-25.edf")
        let script = """
            import datetime, numpy as np, pyedflib, sys
            n = 25510 * 10
            rng = np.random.default_rng(7)
            w = pyedflib.EdfWriter(sys.argv[1], 3, file_type=pyedflib.FILETYPE_EDFPLUS)
            w.setSignalHeaders([{"label": f"Accel {a}", "dimension": "g", "sample_frequency": 10,
                                 "physical_min": -8, "physical_max": 8, "digital_min": -32768,
                                 "digital_max": 32767, "transducer": "", "prefilter": ""} for a in "XYZ"])
            w.setStartdatetime(datetime.datetime(2018, 7, 25, 23, 45, 40))
            w.writeSamples([rng.normal(g, 0.002, n) for g in (0.0, 0.0, 1.0)])
            w.close()
            """
        let r = try await Python.run(["-c", script, path])
        try #require(r.status == 0, "\(r.stderr)")
        return path
    }

    @Test(.enabled(if: haveNox, "needs ../shared/data/psg_nox_a1_rsleep"))
    func theRealNoxturnalExportAgainstARecordingOfItsNight() async throws {
        let recording = try await recordingOfTheExportsNight()
        let report = try json(try await CLI.run(["validate", recording, "--labels", Self.noxExport, "--json"]))
        let r = try #require((report["recordings"] as? [[String: Any]])?.first)
        let reference = try #require(r["reference"] as? [String: Any])
        #expect(reference["format"] as? String == "Noxturnal CSV")
        #expect(reference["counts"] as? [String: Int]
                == ["leg_movement": 29, "plm_series": 1, "wake": 169, "sleep": 679, "ignore": 1])
        #expect((reference["unmapped"] as? [String: Int])?["Désat"] == 191)
        #expect((reference["unmapped"] as? [String: Int])?.count == 12)
        #expect(try pooled(report, "sleep_interruption")["reference"] as? Int == 8)
        // The epoch agreement counts the sleep period only: 2120–24410 s, 743 epochs.
        #expect((report["pooled_wake_epochs"] as? [String: Any])?["epochs"] as? Int == 743)
        // A label map silences what a lab chooses not to score, and the rest stays listed.
        let map = TemporaryFolder.path("map.txt")
        try "Micro-éveil = ignore\nDésat = ignore\n".write(toFile: map, atomically: true, encoding: .utf8)
        let mapped = try json(try await CLI.run(["validate", recording, "--labels", Self.noxExport, "--label-map", map,
                                                 "--json"]))
        let again = try #require((mapped["recordings"] as? [[String: Any]])?.first?["reference"] as? [String: Any])
        #expect((again["counts"] as? [String: Int])?["ignore"] == 1 + 76 + 191)
        #expect((again["unmapped"] as? [String: Int])?.count == 10)
        // Against the 2-minute Nox A1 excerpt (another night) it is refused: 20 lines, a count, and where it lies.
        let wrong = try await CLI.run(["validate", Self.noxEDF, "--labels", Self.noxExport])
        #expect(wrong.status == 1)
        let lines = wrong.stderr.split(separator: "\n")
        #expect(lines.count == 22, "\(wrong.stderr)")
        #expect(lines.last?.contains("is it the scoring of this recording?") == true)
    }
}
