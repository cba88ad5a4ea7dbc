import Foundation
import TestSupport
import Testing

/// The OpenBCI GUI's BDF files (scripts/openbci-gui-bdf.py writes the GUI's layout): channels "EEG 1" … "EEG 8"
/// chosen as the Cyton's first two, whole microvolts written as counts (GUI 5 and later) told from counts by the
/// samples, the accelerometer left out; and the same night either way.
@Suite(.tags(.cli, .python), .temporaryFolder) struct OpenBCIGUIBDFTests {
    static let script = Repository.root.appendingPathComponent("scripts/openbci-gui-bdf.py").path

    /// The night's cramps as (onset, peak µV), and what replay said on stderr.
    func replay(_ mode: String) async throws -> (cramps: [(Double, Double)], stderr: String, device: [String: Any]) {
        let path = TemporaryFolder.path("OpenBCI-BDF-\(mode).bdf")
        let w = try await Python.run([Self.script, path, mode, "300"])
        try #require(w.status == 0, "\(w.stderr)")
        // An independent reader sees the layout the GUI writes: 8 EXG and 3 accelerometer signals, and (the reserved
        // field saying "24BIT", not "BDF+C") the annotations as one more signal.
        let check = try await Python.run(["-c", "import pyedflib, sys; f = pyedflib.EdfReader(sys.argv[1]); "
                                          + "print(','.join(f.getSignalLabels()))", path])
        let labels = (1...8).map { "EEG \($0)" } + ["Accel X", "Accel Y", "Accel Z", "BDF Annotations"]
        #expect(check.stdout == labels.joined(separator: ",") + "\n", "\(check.stderr)")
        let r = try await CLI.run(["replay", path, "--no-journal", "--json"])
        try #require(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let events = try #require(json["events"] as? [[String: Any]])
        let cramps = events.filter { $0["kind"] as? String == "cramp" }.map {
            ($0["onset_s"] as? Double ?? -1, $0["peak_uv"] as? Double ?? -1)
        }
        return (cramps, r.stderr, json["device"] as? [String: Any] ?? [:])
    }

    @Test func bothGUIGenerationsGiveTheSameNight() async throws {
        let counts = try await replay("counts"), microvolts = try await replay("int-uv")
        for night in [counts, microvolts] {
            // The one 30-s contraction of about 60 µV written at 140-170 s, on the first two channels.
            #expect(night.cramps.count == 1)
            #expect(abs((night.cramps.first?.0 ?? 0) - 140) < 2)
            #expect((40...80).contains(night.cramps.first?.1 ?? 0), "peak \(night.cramps.first?.1 ?? 0) µV")
            #expect(night.device["emg_channels"] as? Int == 2 && night.device["accel_axes"] as? Int == 0)
            #expect(night.stderr.contains("OpenBCI GUI recording: EMG from \"EEG 1\", \"EEG 2\" (the first two"))
            #expect(night.stderr.contains("its accelerometer is left out"))
            #expect(night.stderr.contains("if 11:15:00 should be 12 hours later, replay again with --start"))
        }
        #expect(!counts.stderr.contains("whole microvolts"))
        #expect(microvolts.stderr.contains("the samples are whole microvolts where the header says ADC counts "
                                           + "(GUI 5 and later), so each is read as 1 µV, not 0.0224 µV"))
        #expect(abs((counts.cramps.first?.1 ?? 0) - (microvolts.cramps.first?.1 ?? 0)) < 1)
    }
}
