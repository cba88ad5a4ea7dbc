import Foundation
import TestSupport
import Testing

@Suite(.tags(.cli), .temporaryFolder) struct ValidateTests {
    var nights: [String] { ["night-a", "night-b-faulty", "night-c-60hz"].map { Repository.night("\($0)") } }

    func json(_ r: ProcessResult) throws -> [String: Any] {
        try #require(r.status == 0, "\(r.stderr)")
        return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
    }

    @Test func savedRecommendationReproducesTheSweepMetrics() async throws {
        let journal = TemporaryFolder.path("j.sqlite"), out = TemporaryFolder.path("sweep")
        let sweep = try json(try await CLI.run(["validate"] + nights + ["--sweep", "crampMinSeconds=8:20:4", "--sweep",
                                                                        "crampMinMeanAboveRestMicrovolts=10:50:20",
                                                                  "--tolerance", "1", "--save", "tuned", "--journal",
                                                                  journal, "--out", out, "--json"]))
        #expect(sweep["configurations"] as? Int == 12)
        let recommended = try #require(sweep["recommended_metrics"] as? [String: Any])
        // The saved configuration, used by name, gives the same numbers.
        let again = try json(try await CLI.run(["validate"] + nights + ["--config", "tuned", "--tolerance", "1",
                                                                        "--journal", journal, "--json"]))
        let pooled = try #require((again["pooled"] as? [[String: Any]])?.first { $0["kind"] as? String == "cramp" })
        for key in ["reference", "true_positives", "false_positives", "f1", "sensitivity", "precision",
                    "false_alarms_per_night"] {
            #expect("\(pooled[key] ?? "nil")" == "\(recommended[key] ?? "nil")", "\(key)")
        }
        // And replay --config uses it.
        let replay = try json(
            try await CLI.run(["replay", nights[0], "--config", "tuned", "--journal", journal, "--json"]))
        let detector = try #require(replay["detector"] as? [String: Any])
        let settings = try #require(detector["configuration"] as? [String: Any])
        let chosen = try #require(sweep["recommended"] as? [String: Double])
        #expect(settings["crampMinSeconds"] as? Double == chosen["crampMinSeconds"])
        for file in ["sweep.csv", "sweep.json", "sweep.svg"] {
            #expect(FileManager.default.fileExists(atPath: "\(out)/\(file)"))
        }
        let csv = try String(contentsOfFile: "\(out)/sweep.csv", encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 13)
        let svg = try String(contentsOfFile: "\(out)/sweep.svg", encoding: .utf8)
        #expect(svg.components(separatedBy: "<circle").count - 1 == 13)
    }

    @Test(arguments: [
        ("cramps,10,20\n", "line 1: unknown kind \"cramps\""),
        ("kind,onset_s,offset_s\ncramp,10\n", "line 2: expected kind,onset_s,offset_s"),
        ("cramp,5000,5030\n", "line 1: cramp at 5000.0–5030.0 s lies outside the recording"),
        ("cramp,10,40\ncramp,30,50\n", "lines 1 and 2: two cramp labels overlap"),
        ("cramp,40,10\n", "line 1: the label ends"),
        ("cramp,abc,10\n", "line 1: onset and offset must be numbers"),
    ])
    func badLabelFilesAreExplained(content: String, message: String) async throws {
        let labels = TemporaryFolder.path("labels.csv")
        try Data(content.utf8).write(to: URL(fileURLWithPath: labels))
        let r = try await CLI.run(["validate", nights[0], "--labels", labels])
        #expect(r.status == 1)
        #expect(r.stderr.contains(labels) && r.stderr.contains(message), "\(r.stderr)")
    }

    @Test func unknownSweepSettingListsTheValidOnes() async throws {
        let r = try await CLI.run(["validate", nights[0], "--sweep", "crampMinSecs=1:2:1"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("crampMinSeconds") && r.stderr.contains("NAME one of"))
    }
}
