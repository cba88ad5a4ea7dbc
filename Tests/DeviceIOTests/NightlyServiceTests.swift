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

    /// Plugged in 4 s after the virtual device started the monitor: one line says it waits, libusb's hotplug event
    /// ends the wait (the monitor says so only when its arrival callback fired), and the whole night is recorded
    /// and saved. The monitor's own clock starts once it is up (0.1 s after its launch here alone, 0.5 s with the
    /// other device suites running), so it waits a little under 4 s; polling alone (50 ms doubling to 5 s) would
    /// have connected only at 6.35 s of its waiting, unless a poll happened to fall just after the arrival.
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
        #expect(seconds >= 2.5 && seconds < 4.5, "connected \(seconds) s after the monitor began waiting")
        #expect(r.stderr.contains("of waiting (hotplug: the device announced itself)"), "\(r.stderr)")
        // The whole night arrived after the wait, and is in the journal.
        try Harness.expectCapture(capture, isByteForByte: Harness.nightA)
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

    /// A unit's ExecStart= from contrib/ (the template `make install` fills in), with the placeholders given.
    static func execStart(_ unit: String, _ values: [String: String]) throws -> [String] {
        let text = try String(contentsOf: Repository.root.appendingPathComponent("contrib/\(unit)"), encoding: .utf8)
        var line = try #require(text.components(separatedBy: "\n").first { $0.hasPrefix("ExecStart=") })
        line.removeFirst("ExecStart=".count)
        for (key, value) in values { line = line.replacingOccurrences(of: "@\(key)@", with: value) }
        #expect(!line.contains("@"), "a placeholder left in \(line)")
        return line.split(separator: " ").map(String.init)
    }

    /// One night as systemd runs it: the monitor unit's own command line in its state folder (WorkingDirectory=),
    /// the journal at its default place, the device plugged in `plugInMs` after bedtime (0: already there), and
    /// the morning stop's SIGTERM once `seconds` of streaming have passed. Returns the exit status and the log.
    static func serviceNight(in state: URL, data: URL, plugInMs: Int, seconds: Double) async throws
        -> (status: Int32, signalled: Bool, log: String) {
        let monitor = try execStart("crampwatch-monitor.service", ["CRAMPWATCH": Harness.crampwatch])
        let out = state.appendingPathComponent("out-\(UUID().uuidString).txt"),
            err = state.appendingPathComponent("err-\(UUID().uuidString).txt")
        let plug = plugInMs > 0 ? ["--plug-in-ms", "\(plugInMs)"] : []
        // As fast as the device goes, and stopped only once the device has fallen silent: the whole 12-minute night,
        // long enough to keep (a few minutes would not be: `MinimumNight`).
        let args = ["--capture", Harness.nightA, "--speed", "0"] + plug + ["--"] + monitor
        let (p, _) = try await Processes.start(Harness.sim, args, environment: ["XDG_DATA_HOME": data.path],
                                               in: state, stdout: .file(out), stderr: .file(err)) { sim in
            let streaming = try await waitFor("connected to", in: out, seconds: 60)
            // The whole night in (the device falls silent after its last frame), then the morning stop.
            _ = try await waitFor("no data from the device for", in: out, seconds: 120)
            try await Task.sleep(for: .seconds(seconds))
            let kids = sim.children
            if !streaming || kids.count != 1 { sim.send(SIGKILL) }
            try #require(streaming && kids.count == 1, "\(text(out))\(text(err))")
            kill(kids[0], SIGTERM)
        }
        let log = text(out) + text(err)
        try FileManager.default.removeItem(at: out)
        try FileManager.default.removeItem(at: err)
        return (p.status, p.signalled, log)
    }

    /// Two nights and a morning, each with the command line its unit gives: the first night the device comes
    /// 1.5 s after bedtime, the second it is there; each morning stop ends with status 0 and a saved night; the
    /// morning service, once the monitor has stopped, converts all but the newest night's capture.
    @Test func theUnitsCommandLinesRecordTwoNightsAndPruneInTheMorning() async throws {
        let state = try TemporaryFolder.make("state"), data = try TemporaryFolder.make("data")
        let first = try await Self.serviceNight(in: state, data: data, plugInMs: 1500, seconds: 3)
        #expect(first.status == 0 && !first.signalled, "\(first.log)")
        #expect(first.log.components(separatedBy: "to be plugged in").count == 2, "\(first.log)")
        #expect(first.log.contains("stopping (signal)"))
        let second = try await Self.serviceNight(in: state, data: data, plugInMs: 0, seconds: 3)
        #expect(second.status == 0 && !second.signalled, "\(second.log)")
        #expect(!second.log.contains("to be plugged in"), "a device already there is not waited for")
        // Both nights are complete in the journal at its default place, and each capture is in the state folder.
        let env = ["XDG_DATA_HOME": data.path]
        let nights = try await Processes.run(Harness.crampwatch, ["journal", "nights", "--json"], environment: env)
        let rows = try #require(try JSONSerialization.jsonObject(with: nights.output) as? [[String: Any]],
                                "\(nights.stderr)")
        #expect(rows.map { $0["status"] as? String } == ["complete", "complete"])
        #expect(rows.allSatisfy { $0["duration_s"] as? Double == 720 }, "\(rows)")
        let captures = try FileManager.default.contentsOfDirectory(atPath: state.path).filter { $0.hasSuffix(".cwcap") }
        #expect(captures.count == 2, "\(captures)")
        // The morning: the morning unit's command line, keeping one night.
        let morning = try Self.execStart("crampwatch-morning.service",
                                         ["CRAMPWATCH": Harness.crampwatch, "PRUNE": "--keep 1 --convert bdf"])
        let prune = try await Processes.run(morning[0], Array(morning.dropFirst()), environment: env)
        #expect(prune.status == 0, "\(prune.stdout)\(prune.stderr)")
        #expect(prune.stdout.contains("captures: 1 kept, 1 converted"), "\(prune.stdout)")
        // The kept capture keeps its times file; the converted one's start is in the BDF+ header now.
        let left = try FileManager.default.contentsOfDirectory(atPath: state.path).sorted()
        #expect(left == [captures.sorted()[0].replacingOccurrences(of: ".cwcap", with: ".bdf.gz"),
                         captures.sorted()[1], captures.sorted()[1] + ".times.json"], "\(left)")
    }
}

