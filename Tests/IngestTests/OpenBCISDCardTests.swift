import Exports
import Foundation
import Ingest
import NightAnalysis
import Recordings
import TestSupport
import Testing

@testable import DeviceProtocol

/// A Cyton SD card file as the firmware writes it: hex lines, stamps, the footer, then unused space.
@Suite(.temporaryFolder) struct OpenBCISDCardTests {
    static func hex(_ v: Int, digits: Int) -> String {
        let u = UInt32(bitPattern: Int32(truncatingIfNeeded: v)) & UInt32((1 << (4 * digits)) - 1)
        let s = String(u, radix: 16, uppercase: true)
        return String(repeating: "0", count: digits - s.count) + s
    }

    /// Channel c at packet n in counts.
    static func count(_ n: Int, _ c: Int) -> Int { (c + 1) * 1000 - n * 3 - 5_000_000 * (c % 2) }

    @Test func anSDCardFileReplaysWithItsLossAsAGap() throws {
        var text = "%START AT\n0000A2F1\n"
        for n in 0..<2500 where n != 1300 {
            var fields = [Self.hex(n % 256, digits: 2)] + (0..<8).map { Self.hex(Self.count(n, $0), digits: 6) }
            if n % 10 == 0 {
                fields += [Self.hex(128, digits: 4), Self.hex(-2000, digits: 4), Self.hex(8192, digits: 4)]
            }
            text += fields.joined(separator: ",") + "\n"
        }
        text += "%STOP AT\n0000C9A0\n%Total time mS:\n00002710\n"
        var bytes = Array(text.utf8) + [UInt8](repeating: 0, count: 4096)
        bytes += Array("garbage after the unused space".utf8)
        let path = TemporaryFolder.path("OBCI_1A.TXT")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(try FormatDetector.detect(path: path) == .csv)

        final class Collector: NightObserver {
            var emg: [Float] = [], accel: [Float] = []
            func samples(emg: UnsafeBufferPointer<Float>, accel: UnsafeBufferPointer<Float>) throws {
                self.emg += emg
                self.accel += accel
            }
        }
        let c = Collector()
        var r = Replayer()
        r.observers = [c]
        r.recordingOptions.emgChannels = ["2", "1"]
        let night = try r.replay(path: path)
        #expect(night.deviceInfo.emgRateHz == 250 && night.deviceInfo.accelRateHz == 25)
        #expect(night.stats.framesLost == 1)
        #expect(night.gaps.map(\.emgSamplesLost) == [1])
        #expect(abs(night.durationSeconds - 10) < 1e-9)
        // Counts at the default gain 24, channel 2 first as asked; channel 2's values are below −5,000,000 counts.
        let uv = Cyton.microvoltsPerCount(gain: 24)
        #expect(c.emg[0] == Float(Double(Self.count(0, 1)) * uv))
        #expect(c.emg[1] == Float(Double(Self.count(0, 0)) * uv))
        #expect(c.emg.count == 2 * 2499)
        #expect(c.accel.prefix(3) == [0.016, -0.25, 1.024])
    }
}
