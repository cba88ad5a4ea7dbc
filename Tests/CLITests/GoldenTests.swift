import Foundation
import TestSupport
import Testing

/// `replay --json` is a contract scripts rely on: its output for the bundled nights is pinned byte for byte
/// (Tests/Golden, written by the release before the modules were reorganised). A change here is a change of
/// the contract or of detection: update the files only on purpose, and say so in the commit.
@Suite(.tags(.cli)) struct GoldenReplayTests {
    static let golden = Repository.tests.appendingPathComponent("Golden")

    @Test(arguments: [("night-a", "night-a/night.cwcap"), ("night-b-faulty", "night-b-faulty/night.cwcap"),
                      ("night-c-60hz", "night-c-60hz/night.cwcap"), ("night-a-edf", "night-a/night.edf")])
    func replayJSONIsThePinnedOne(name: String, file: String) async throws {
        let path = Repository.samples.appendingPathComponent(file).path
        // An EDF header's start is local civil time: read in one zone, so the pinned offset is the same everywhere.
        let r = try await CLI.run(["replay", path, "--no-journal", "--json"], environment: ["TZ": "UTC"])
        #expect(r.status == 0, "\(r.stderr)")
        // The pinned files name the recording as the repository does; the test runs it by its absolute path.
        let output = r.stdout.replacingOccurrences(of: "\"path\" : \"\(path)\"", with: "\"path\" : \"Samples/\(file)\"")
        let expected = try String(contentsOf: Self.golden.appendingPathComponent("replay-\(name).json"),
                                  encoding: .utf8)
        #expect(output == expected, "replay --json of \(file) differs from Tests/Golden/replay-\(name).json")
    }
}
