import Foundation
import TestSupport
import Testing

@testable import DeviceProtocol

/// The same Cyton byte stream, from our generator on a pseudo-terminal (scripts/cyton-sim.py), read once by
/// BrainFlow 5.23 (`BoardShim` with `CYTON_BOARD` on the pty) and once by `CytonDecoder` (the bytes the generator
/// sent, as it wrote them to a file): every EMG and accelerometer value and the count of lost packets must agree.
/// The same through the serial reader, the capture and the night runner (`monitor --cyton` on a second, identical
/// run of the generator): `CytonBrainFlowMonitorTests`, with the device tests.
@Suite(.tags(.python, .slow), .temporaryFolder) struct CytonBrainFlowTests {
    static let generator = Repository.root.appendingPathComponent("scripts/cyton-sim.py").path
    static let reader = Repository.tests.appendingPathComponent("Python/brainflow_cyton.py").path
    /// 10 s of packets with faults BrainFlow and Crampwatch treat alike: 6 dropped (a run of 3, one on the wrap
    /// 255 → 0), 2 with a damaged stop byte, noise without a header byte before 3 packets.
    static let packets = 2500
    static let faults = ["--drop", "100,101,102,256,1999,2400", "--damage", "500,1500", "--garbage", "40,750,2200"]

    static var brainFlowInstalled: Bool {
        get async { (try? await Python.run(["-c", "import brainflow"]).status) == 0 }
    }

    @Test(.enabled("BrainFlow is not installed: make setup installs brainflow 5.23") { await brainFlowInstalled })
    func everyValueAndEveryLossAgreesWithBrainFlow() async throws {
        let link = TemporaryFolder.path("ttyCyton")
        let sent = TemporaryFolder.path("sent.bin")
        let log = URL(fileURLWithPath: TemporaryFolder.path("sim.log"))
        let args = [Self.generator, "--link", link, "--packets", "\(Self.packets)", "--out", sent] + Self.faults
        let expectedRows = Self.packets - 8
        let (_, bf) = try await Processes.start("/usr/bin/env", ["python3"] + args, stdout: .file(log)) { _ in
            for _ in 0..<200 where !FileManager.default.fileExists(atPath: link) {
                try await Task.sleep(for: .milliseconds(50))
            }
            return try await Python.run([Self.reader, link, "\(expectedRows)"])
        }
        #expect(bf.status == 0, "BrainFlow: \(bf.stderr)")
        let json = bf.json
        let rows = json["rows"] as? [[String: Any]] ?? []
        #expect(json["version"] as? String == "5.23.0")

        let decoded = try Self.decodeFile(sent)
        #expect(decoded.packets.count == expectedRows)
        #expect(rows.count == decoded.packets.count)
        #expect(decoded.lost == 8)  // 6 dropped + 2 damaged
        #expect(json["lost"] as? Int == decoded.lost)
        #expect(decoded.damaged == 2)

        let report = Self.compare(decoded.packets, rows)
        #expect(report.numbersDiffer == 0)
        #expect(report.accelRows == 246)
        #expect(report.maxEMGDifference <= 1e-9, "largest EMG difference \(report.maxEMGDifference) µV")
        #expect(report.maxAccelDifference <= 1e-12, "largest accelerometer difference \(report.maxAccelDifference) g")
        // The values are not all zero (a comparison of nothing would pass).
        #expect(report.largestMicrovolts > 150)
    }

    static func decodeFile(_ path: String) throws -> (packets: [CytonPacket], lost: Int, damaged: Int) {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let d = CytonDecoder()
        var packets: [CytonPacket] = [], lost = 0, damaged = 0
        let handle: (CytonEvent) -> Void = { e in
            switch e {
            case .packet(let p): packets.append(p)
            case .lost(let n, _): lost += n
            case .damaged: damaged += 1
            case .skipped: break
            }
        }
        d.feed(bytes, handle)
        d.finish(handle)
        return (packets, lost, damaged)
    }

    struct Report {
        var numbersDiffer = 0, accelRows = 0
        var maxEMGDifference = 0.0, maxAccelDifference = 0.0, largestMicrovolts = 0.0
    }

    /// Row by row. BrainFlow repeats the last accelerometer reading on the rows without one, so only the rows
    /// where the packet carries a reading are compared there.
    static func compare(_ packets: [CytonPacket], _ rows: [[String: Any]]) -> Report {
        var r = Report()
        let uv = Cyton.microvoltsPerCount(gain: 24)
        for (p, row) in zip(packets, rows) {
            if row["number"] as? Int != Int(p.sampleNumber) { r.numbersDiffer += 1 }
            let theirs = row["uv"] as? [Double] ?? []
            for (c, t) in zip(p.counts, theirs) {
                let ours = Double(c) * uv
                r.maxEMGDifference = max(r.maxEMGDifference, abs(ours - t))
                r.largestMicrovolts = max(r.largestMicrovolts, abs(ours))
            }
            guard let a = p.accel else { continue }
            r.accelRows += 1
            let theirAccel = row["accel"] as? [Double] ?? []
            for (c, t) in zip(a, theirAccel) {
                r.maxAccelDifference = max(r.maxAccelDifference, abs(Double(c) * Cyton.gPerCount - t))
            }
        }
        return r
    }
}
