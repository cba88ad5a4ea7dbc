import Foundation
import Journal
import TestSupport
import Testing

/// Issue 16 part 6: the monitor as the nightly service runs it. At bedtime the device may not be plugged in yet:
/// `--wait-for-device` says so in one line and waits (libusb hotplug) instead of exiting with 1; the morning stop
/// (SIGTERM) then ends the night with status 0, its capture flushed and the night in the journal. Run through the
/// real binary under the virtual device, which can start with no device and plug it in later (`--plug-in-ms`).
@Suite(.serialized, .tags(.usb, .slow), .temporaryFolder) struct NightlyServiceTests {
    static func text(_ url: URL) -> String { (try? String(contentsOf: url, encoding: .utf8)) ?? "" }

    /// Waits until `stderr` holds `words` (true) or `seconds` pass (false).
    static func waitFor(_ words: String, in stderr: URL, seconds: Double) async throws -> Bool {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while Date() < deadline {
            if text(stderr).contains(words) { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    /// User plus system CPU time of a process so far, in clock ticks (/proc/PID/stat fields 14 and 15).
    static func cpuTicks(_ pid: Int32) -> Int {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 12 ? (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0) : 0
    }

    /// The seconds in "plugged in after 4.0 s of waiting".
    static func waited(_ stderr: String) -> Double? {
        guard let line = stderr.components(separatedBy: "\n").first(where: { $0.contains("s of waiting") }) else {
            return nil
        }
        return Double(line.components(separatedBy: "plugged in after ")[1].components(separatedBy: " s")[0])
    }

    /// Plugged in 4 s after the monitor started: one line says it waits, libusb's hotplug event ends the wait
    /// within a fraction of a second of the arrival (polling alone, 50 ms doubling, would try at 3.15 s and then
    /// 6.35 s), and the whole night is recorded and saved.
    @Test func waitsForTheDeviceAndRecordsTheNightOnceItIsPluggedIn() async throws {
        let dir = try TemporaryFolder.make("nightly")
        let capture = dir.appendingPathComponent("late.cwcap").path,
            journal = dir.appendingPathComponent("journal.sqlite").path
        let r = try await Harness.run(Harness.sim,
                                      ["--capture", Harness.nightA, "--plug-in-ms", "4000", "--", Harness.crampwatch,
                                       "monitor", "--wait-for-device", "--capture", capture, "--journal", journal,
                                       "--json", "--stop-after-idle", "2"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let waiting = r.stderr.components(separatedBy: "\n").filter { $0.contains("waiting for") }
        #expect(waiting.count == 1, "\(r.stderr)")
        #expect(waiting.first?.hasSuffix("waiting for a Crampwatch device (USB 1209:c4a3) to be plugged in; "
                                         + "Ctrl-C or SIGTERM ends the wait") == true, "\(waiting)")
        #expect(r.stderr.contains("cwsim: plugged in after 4000 ms"))
        let seconds = try #require(Self.waited(r.stderr), "\(r.stderr)")
        #expect(seconds >= 3.9 && seconds < 4.8, "connected \(seconds) s after the monitor began waiting")
        #expect(r.stderr.contains("of waiting (hotplug: the device announced itself)"), "\(r.stderr)")
        // The whole night arrived after the wait, and is in the journal.
        #expect(try Data(contentsOf: URL(fileURLWithPath: capture))
                == Data(contentsOf: URL(fileURLWithPath: Harness.nightA)))
        #expect(r.json["night_id"] as? Int == 1)
        let night = try #require(try Journal(path: journal).night(id: 1))
        #expect(night.status == NightStatus.complete)
        #expect(night.durationSeconds == 720)
    }

    /// The morning stop comes and the device was never plugged in: status 0 (not a failure for systemd to
    /// restart), nothing recorded, no empty capture left behind, no night in the journal.
    @Test func aStopWhileWaitingEndsWithStatusZeroAndRecordsNothing() async throws {
        let dir = try TemporaryFolder.make("nightly")
        let capture = dir.appendingPathComponent("never.cwcap").path,
            journal = dir.appendingPathComponent("journal.sqlite").path,
            out = dir.appendingPathComponent("out.txt"), err = dir.appendingPathComponent("err.txt")
        let args = ["--capture", Harness.nightA, "--plug-in-ms", "600000", "--", Harness.crampwatch, "monitor",
                    "--wait-for-device", "--capture", capture, "--journal", journal]
        // Without --json the monitor's log lines go to stdout (journald takes both under systemd).
        let (p, _) = try await Processes.start(Harness.sim, args, in: dir, stdout: .file(out),
                                               stderr: .file(err)) { sim in
            let waiting = try await Self.waitFor("to be plugged in", in: out, seconds: 60)
            let kids = sim.children
            if !waiting || kids.count != 1 { sim.send(SIGKILL) }
            try #require(waiting && kids.count == 1, "\(Self.text(out))\(Self.text(err))")
            // Still waiting a while later: it neither exits nor spins (CPU time from /proc, in clock ticks).
            let before = Self.cpuTicks(kids[0])
            try await Task.sleep(for: .seconds(3))
            let used = Double(Self.cpuTicks(kids[0]) - before) / Double(sysconf(Int32(_SC_CLK_TCK)))
            #expect(sim.isRunning)
            #expect(used < 0.3, "waiting used \(used) s of CPU in 3 s")
            kill(kids[0], SIGTERM)
        }
        let log = Self.text(out) + Self.text(err)
        #expect(p.status == 0 && !p.signalled, "\(log)")
        #expect(log.contains("stopping (signal) before a device was plugged in: nothing was recorded"))
        #expect(log.components(separatedBy: "waiting for").count == 2, "one waiting line: \(log)")
        #expect(!FileManager.default.fileExists(atPath: capture))
        #expect(try Journal(path: journal).nights().isEmpty)
    }
}
