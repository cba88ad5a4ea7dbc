import Exports
import Foundation
import Ingest
import NightAnalysis
import Recordings
import TestSupport
import Testing

/// The OpenBCI GUI's raw text files replay: both layouts, a lost packet as a gap, channels chosen as for EDF,
/// every value reaching the detector as written.
@Suite(.temporaryFolder) struct OpenBCIFileTests {
    /// Collects what the night runner hands the observers.
    final class Collector: NightObserver {
        var emg: [Float] = [], accel: [Float] = [], gaps: [NightGap] = []
        func samples(emg: UnsafeBufferPointer<Float>, accel: UnsafeBufferPointer<Float>) throws {
            self.emg += emg
            self.accel += accel
        }
        func gap(_ gap: NightGap, skippedSeconds: Double) throws { gaps.append(gap) }
    }

    /// Channel c (0-7) at packet n, in µV as the GUI writes it (2 decimals).
    static func uv(_ n: Int, _ c: Int) -> String { String(format: "%.2f", Double(c * 100 + n % 50) - 20.25) }

    /// 2,000 packets with `lost` left out; GUI 5 has the header row and the extra columns, GUI 4 neither.
    static func file(gui5: Bool, lost: Set<Int>) throws -> String {
        var text = "%OpenBCI Raw EXG Data\n%Number of channels = 8\n%Sample Rate = 250 Hz\n"
        if gui5 {
            text += "%Board = OpenBCI_GUI$BoardCytonSerial\nSample Index, "
                + (0..<8).map { "EXG Channel \($0)" }.joined(separator: ", ")
                + ", Accel Channel 0, Accel Channel 1, Accel Channel 2, Other, Timestamp, Timestamp (Formatted)\n"
        }
        for n in 0..<2000 where !lost.contains(n) {
            let accel = n % 10 == 0 ? ["0.016", "-0.250", "\(1 + Double(n / 250) / 100)"] : ["0.0", "0.0", "0.0"]
            var row = ["\(n % 256)"] + (0..<8).map { uv(n, $0) } + accel
            if gui5 { row += ["192.0", "\(1_607_000_000 + Double(n) / 250)", "2020-12-03 12:00:00.000"] }
            text += row.joined(separator: ", ") + "\n"
        }
        let path = TemporaryFolder.path(gui5 ? "OpenBCI-RAW-gui5.txt" : "OpenBCI-RAW-gui4.txt")
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    static func replay(_ path: String, emgChannels: [String]? = nil) throws -> (NightResult, Collector) {
        let c = Collector()
        var r = Replayer()
        r.observers = [c]
        r.recordingOptions.emgChannels = emgChannels
        return (try r.replay(path: path), c)
    }

    @Test(arguments: [true, false]) func aLostPacketIsAGapAndEveryValueArrives(gui5: Bool) throws {
        let (r, c) = try Self.replay(try Self.file(gui5: gui5, lost: [700, 701]))
        #expect(r.deviceInfo.emgRateHz == 250 && r.deviceInfo.accelRateHz == 25 && r.deviceInfo.emgChannels == 2)
        #expect(r.stats.framesLost == 2)
        #expect(c.gaps.map(\.emgSamplesLost) == [2])
        #expect(abs((c.gaps.first?.onsetSeconds ?? 0) - 2.8) < 1e-9)
        #expect(abs(r.durationSeconds - 8) < 1e-9)
        // Channels 1 and 2 (EXG 0 and 1) by default, interleaved, as the file has them.
        #expect(c.emg.count == 2 * 1998)
        #expect(c.emg[0] == Float(Self.uv(0, 0))! && c.emg[1] == Float(Self.uv(0, 1))!)
        #expect(c.emg[2 * 1500 + 1] == Float(Self.uv(1502, 1))!)
        // The accelerometer at 25 Hz, the reading held after every 10th sample (indices 9, 19, …): 200 in 8 s, the
        // lost samples 700 and 701 holding none of those places.
        #expect(c.accel.count == 3 * 200)
        #expect(c.accel.prefix(3) == [0.016, -0.25, 1])
        #expect(c.accel.suffix(3) == [0.016, -0.25, 1.07])
    }

    @Test func channelsAreChosenAsForEDF() throws {
        let path = try Self.file(gui5: true, lost: [])
        let (r, c) = try Self.replay(path, emgChannels: ["EXG Channel 5"])
        #expect(r.deviceInfo.emgChannels == 1)
        #expect(c.emg.first == Float(Self.uv(0, 5))!)
        #expect(throws: RecordingError.self) { try Self.replay(path, emgChannels: ["EXG Channel 9"]) }
    }
}
