import Foundation
import TestSupport
import Testing

/// The BrainFlow comparison through Crampwatch's real path: the generator (scripts/cyton-sim.py, which sends the
/// same bytes for the same arguments) runs twice on a pty with the faults of `CytonBrainFlowTests`; BrainFlow 5.23
/// (`BoardShim`, `CYTON_BOARD`) reads one run, `crampwatch monitor --cyton` the other and writes its capture, and
/// `replay --export-signals` of that capture gives the samples the detector saw. Every EMG and accelerometer sample
/// must equal BrainFlow's value at Float precision (Crampwatch carries samples as Float), and both must count the
/// same lost packets. Here with the device tests: a live monitor runs alone (Makefile, test-swift).
@Suite(.tags(.cli, .python, .slow), .temporaryFolder, .serialized) struct CytonBrainFlowMonitorTests {
    static let reader = Repository.tests.appendingPathComponent("Python/brainflow_cyton.py").path
    /// 10 s of packets: 6 dropped (a run of 3, one on the wrap 255 → 0), 2 with a damaged stop byte, noise
    /// without a header byte before 3 packets (as `CytonBrainFlowTests`).
    static let board = ["--packets", "2500", "--drop", "100,101,102,256,1999,2400", "--damage", "500,1500",
                        "--garbage", "40,750,2200"]
    /// The board's channels the monitor reads, in the night's order: out of order and with the highest, so a
    /// channel read in the wrong place would show (each channel's sine has its own amplitude and frequency).
    static let channels = [2, 1, 8, 5]

    static var brainFlowInstalled: Bool {
        get async { (try? await Python.run(["-c", "import brainflow"]).status) == 0 }
    }

    /// Runs the generator at `link` with `board`'s arguments while `body` reads it.
    static func run<T: Sendable>(_ link: String, log: String, _ body: @escaping @Sendable () async throws -> T)
        async throws -> T {
        try await CytonMonitorTests.board(link, board, log: log, body: body)
    }

    @Test(.enabled("BrainFlow is not installed: make setup installs brainflow 5.23") { await brainFlowInstalled })
    func theMonitorsSamplesAreBrainFlowsValues() async throws {
        let link = TemporaryFolder.path("ttyUSB0")
        let capture = TemporaryFolder.path("night.cwcap"), signals = TemporaryFolder.path("signals.json")
        let bf = try await Self.run(link, log: TemporaryFolder.path("sim-brainflow.log")) {
            try await Python.run([Self.reader, link, "2492"])
        }
        #expect(bf.status == 0, "BrainFlow: \(bf.stderr)")
        #expect(bf.json["version"] as? String == "5.23.0")
        let live = try await Self.run(link, log: TemporaryFolder.path("sim-monitor.log")) {
            try await CLI.run(["monitor", "--cyton", link, "--cyton-channels",
                               Self.channels.map(String.init).joined(separator: ","), "--capture", capture,
                               "--no-journal", "--json", "--stop-after-idle", "2"])
        }
        #expect(live.status == 0, "\(live.stderr)")
        let replay = try await CLI.run(["replay", capture, "--no-journal", "--export-signals", signals])
        #expect(replay.status == 0, "\(replay.stderr)")

        // Both count 8 lost packets: 6 dropped and 2 damaged (a damaged packet is one the number skips over).
        #expect((live.json["summary"] as? [String: Any])?["frames_lost"] as? Int == 8)
        #expect(bf.json["lost"] as? Int == 8)
        let theirs = Self.byPacket(bf.json["rows"] as? [[String: Any]] ?? [])
        #expect(theirs.count == 2492)
        let export = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: signals)))
            as? [String: Any] ?? [:]
        let report = try Self.compare(export, theirs)
        // Every packet BrainFlow read is a sample of the night, and no other: the night starts at packet 0 (it
        // carries an accelerometer reading) and the lost packets are its gaps.
        #expect(report.packets == theirs.keys.sorted(), "\(report.packets.count) packets in the night")
        #expect(report.emgDiffer == 0, "\(report.emgDiffer) EMG samples differ; first: \(report.firstDifference)")
        #expect(report.emgCompared == 2492 * Self.channels.count)
        // The accelerometer at 25 Hz: the reading held at packets 9, 19, …, 2499, as BrainFlow holds it on the
        // rows without one; of those 250 packets 1999 was dropped.
        #expect(report.accelDiffer == 0, "\(report.accelDiffer) accelerometer samples differ")
        #expect(report.accelCompared == 3 * 249)
        // Not a comparison of nothing: the largest EMG value is channel 8's sine, 8000 counts (about 179 µV).
        #expect(report.largestMicrovolts > 170)
    }

    /// BrainFlow's rows by packet index, the Cyton's sample number unwrapped (the losses here are all under 256).
    static func byPacket(_ rows: [[String: Any]]) -> [Int: [String: Any]] {
        var out: [Int: [String: Any]] = [:], n = -1, previous = -1
        for row in rows {
            let number = row["number"] as? Int ?? -1
            n = previous < 0 ? number : n + (number - previous + 256) % 256
            previous = number
            out[n] = row
        }
        return out
    }

    struct Report {
        var packets: [Int] = []
        var emgCompared = 0, emgDiffer = 0, accelCompared = 0, accelDiffer = 0
        var largestMicrovolts = 0.0
        var firstDifference = ""
    }

    /// The export's channels against BrainFlow's rows. EMG sample k of a segment is packet
    /// `start_s × 250 + (k − first_sample)`; the accelerometer's samples are, in order, the night's packets whose
    /// index ends in 9 (the night holds the latest reading after every 10th packet, and skips those in gaps).
    static func compare(_ export: [String: Any], _ rows: [Int: [String: Any]]) throws -> Report {
        let channels = export["channels"] as? [[String: Any]] ?? []
        var r = Report()
        let same = { (ours: Any?, theirs: Any?) in
            guard let o = ours as? Double, let t = theirs as? Double else { return false }
            return Float(o) == Float(t)
        }
        for (c, board) in Self.channels.enumerated() {
            let channel = try #require(channels.first { $0["name"] as? String == "emg\(c + 1)" })
            let samples = channel["samples"] as? [Any] ?? []
            var packets: [Int] = []
            for segment in channel["segments"] as? [[String: Any]] ?? [] {
                let start = Int(((segment["start_s"] as? Double ?? -1) * 250).rounded())
                let first = segment["first_sample"] as? Int ?? 0
                for k in first..<(first + (segment["count"] as? Int ?? 0)) where k < samples.count {
                    let n = start + k - first
                    packets.append(n)
                    let theirs = (rows[n]?["uv"] as? [Double] ?? [])
                    let value = board <= theirs.count ? theirs[board - 1] : nil
                    r.emgCompared += 1
                    r.largestMicrovolts = max(r.largestMicrovolts, abs(value ?? 0))
                    if !same(samples[k], value) {
                        r.emgDiffer += 1
                        if r.firstDifference.isEmpty { r.firstDifference = "emg\(c + 1) packet \(n)" }
                    }
                }
            }
            r.packets = packets
        }
        let held = r.packets.filter { $0 % 10 == 9 }
        for (axis, name) in ["accel_x", "accel_y", "accel_z"].enumerated() {
            let channel = try #require(channels.first { $0["name"] as? String == name })
            let samples = channel["samples"] as? [Any] ?? []
            #expect(samples.count == held.count, "\(name): \(samples.count) samples, \(held.count) packets")
            for (sample, n) in zip(samples, held) {
                r.accelCompared += 1
                let theirs = rows[n]?["accel"] as? [Double] ?? []
                if !same(sample, axis < theirs.count ? theirs[axis] : nil) { r.accelDiffer += 1 }
            }
        }
        return r
    }
}
