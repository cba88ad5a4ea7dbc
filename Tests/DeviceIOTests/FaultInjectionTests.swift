import Foundation
import CrampwatchJSON
import Exports
import Ingest
import NightAnalysis
import Sessions
import TestSupport
import Testing

/// Issue 10: a night through every fault the virtual device can inject, at once — an unplug every 3,000
/// frames, a host suspend that overflows the device's buffer, bursts of noise, duplicated and swapped frames,
/// a device clock that steps by an hour, a dropped and a corrupted frame. Afterwards every frame the device
/// produced is accounted for: received, or inside a recorded gap.
@Suite(.tags(.usb, .slow), .temporaryFolder) struct FaultInjectionTests {
    static func count(_ pattern: String, in text: String) -> Int {
        text.components(separatedBy: "\n").filter { $0.contains(pattern) }.count
    }

    /// The number in `line` just before `suffix` (cwsim's own report of what it did).
    static func number(before suffix: String, in text: String) -> Int? {
        guard let r = text.range(of: suffix) else { return nil }
        let digits = text[..<r.lowerBound].reversed().drop { $0 == " " }.prefix { $0.isNumber }
        return Int(String(digits.reversed()))
    }

    @Test func everyFrameIsReceivedOrInsideARecordedGap() async throws {
        let (dir, capture) = try Harness.folder(capture: "faults.cwcap")
        let faults = ["--speed", "20", "--unplug-every", "3000", "--lost", "50", "--replug-ms", "300",
                      "--duplicate", "1000,7000,15000", "--swap", "2000,9000,16000", "--garbage",
                      "4000:300,11000:1000,20000:57",
                      "--clock-jump", "12000:3600", "--suspend-at", "18000", "--suspend-ms", "1500", "--device-buffer",
                      "200",
                      "--drop", "500", "--corrupt", "600"]
        let live = try await Harness.monitor(faults: faults, capture: capture, in: dir)
        #expect(live.status == 0, "\(live.stderr)")
        let unplugs = try #require(Self.number(before: "unplugs,", in: live.stderr))
        let unplugLost = try #require(Self.number(before: "lost to unplug", in: live.stderr))
        let suspendLost = try #require(Self.number(before: "frames lost to a host suspend", in: live.stderr))
        #expect(unplugs >= 5)
        #expect(unplugLost == 50 * unplugs)
        #expect(suspendLost > 500, "a 1.5 s suspend at 20x is 30 s of the device's frames, beyond its 200-frame buffer")
        #expect(Self.count("reconnected (attempt", in: live.stderr) == unplugs)
        #expect(Self.count("the device clock jumped", in: live.stderr) == 1)
        #expect(live.stderr.contains("no data from the device for 1 s"))

        // Lost: the dropped frame, the corrupted one, those gone while unplugged or overflowing during the suspend,
        // and of each swapped pair the frame that came too late to use.
        let s = Harness.summary(live)
        let expectedLost = 1 + 1 + unplugLost + suspendLost + 3
        #expect(s["frames_lost"] as? Int == expectedLost)
        #expect(s["duration_s"] as? Double == 720, "the night's timeline keeps its length: gaps are inside it")
        // Every frame accounted for: what arrived (less duplicates and late frames) plus what is inside a gap.
        let night = try Replayer().replay(path: capture)
        #expect(night.stats.outOfOrderFrames == 6, "3 duplicates and 3 late halves of swapped pairs")
        #expect(night.stats.frames - night.stats.outOfOrderFrames + night.stats.framesLost == Harness.nightAFrames)
        #expect(night.gaps.reduce(0) { $0 + $1.framesLost } == expectedLost)
        #expect(night.stats.corruptFrames >= 4, "3 noise bursts and the corrupted frame are skipped and counted")
        // The device clock, fitted again after its step: the virtual device runs 20x, so −950,000 ppm.
        let clock = try #require(live.json["clock"] as? [String: Any])
        #expect(abs((clock["drift_ppm"] as? Double ?? 0) - -950_000) < 5_000)
        // Replay equals live, faults and all.
        let replay = try await Harness.replay(capture, in: dir)
        #expect(Harness.events(live) == Harness.events(replay))
    }

    /// Unplugged for 4 s: libusb's hotplug event (a udev "add" uevent, which umockdev emulates) brings the reader
    /// back the moment the device returns. Polling alone, with its doubling backoff, would come back only at 6.35 s.
    @Test func hotplugReconnectsTheMomentTheDeviceReturns() async throws {
        let (dir, capture) = try Harness.folder(capture: "hotplug.cwcap")
        let r = try await Harness.run(Harness.sim,
                                      ["--capture", Harness.nightA, "--speed", "20", "--unplug-at", "5000", "--lost",
                                       "100", "--replug-ms", "4000",
                                              "--", Harness.crampwatch, "monitor", "--capture", capture, "--no-journal",
                                              "--json",
                                              "--stop-after-idle", "8", "--silence-warning", "1"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let line = try #require(r.stderr.components(separatedBy: "\n")
                                .first { $0.contains("reconnected (attempt 1) after ") })
        #expect(line.contains("(hotplug: the device announced itself)"), "\(line)")
        let seconds = try #require(Double(line.components(separatedBy: "after ")[1].components(separatedBy: " s")[0]))
        #expect(seconds >= 3.9 && seconds < 4.8, "reconnected \(seconds) s after the unplug")
        #expect(Harness.summary(r)["frames_lost"] as? Int == 100)
    }
}
