import Foundation
import Journal
import TestSupport
import Testing

/// Issue 16, part 1: the monitor keeps its capture's wall-clock times beside it (`<capture>.times.json`), and a later
/// replay of the capture, into another journal, gives the night exactly the start the live night was saved with —
/// through the real libusb path under the virtual device, in a time zone that is not UTC.
@Suite(.serialized, .tags(.usb, .slow), .temporaryFolder) struct TrueTimesTests {
    static let zone = "Europe/Berlin"

    static func now() -> Double { Date().timeIntervalSince1970 }

    /// `crampwatch monitor` under the virtual device playing night-a at `speed`, in `zone`; `body` runs meanwhile.
    static func monitor(_ arguments: [String], speed: String, faults: [String] = [], in dir: URL,
                        while body: (RunningProcess, _ stderr: URL) async throws -> Void = { _, _ in })
        async throws -> (result: ProcessResult, stdout: URL, stderr: URL) {
        #expect(FileManager.default.fileExists(atPath: Harness.sim),
                "the virtual device is not built: run `make -C Firmware sim`")
        let out = dir.appendingPathComponent("out-\(UUID().uuidString)"),
            err = dir.appendingPathComponent("err-\(UUID().uuidString)")
        let args = ["--capture", Harness.nightA, "--speed", speed] + faults + ["--", Harness.crampwatch, "monitor"]
            + arguments
        let (result, _) = try await Processes.start(Harness.sim, args, environment: ["TZ": zone], in: dir,
                                                    stdout: .file(out), stderr: .file(err)) { try await body($0, err) }
        return (result, out, err)
    }

    static func text(_ url: URL) -> String { (try? String(contentsOf: url, encoding: .utf8)) ?? "" }

    static func times(_ capture: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: capture + ".times.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func nightStart(_ times: [String: Any]) throws -> (unix: Double, source: String) {
        let start = try #require(times["night_start"] as? [String: Any])
        return (try #require(start["unix_s"] as? Double), try #require(start["source"] as? String))
    }

    /// Replays `capture` into a journal of its own and returns the saved night and the replay's JSON.
    static func replayed(_ capture: String, in dir: URL) async throws -> (NightRecord, [String: Any]) {
        let journal = dir.appendingPathComponent("replayed-\(UUID().uuidString).sqlite").path
        // --min-night 0: a night killed after a minute is saved too.
        let r = try await CLI.run(["replay", capture, "--journal", journal, "--json", "--min-night", "0"],
                                  environment: ["TZ": zone])
        // 3: a killed night's capture ends inside a frame.
        #expect((r.status == 0 || r.status == 3) && !r.stderr.contains("times.json"), "\(r.stderr)")
        return (try #require(try Journal(path: journal).night(id: 1)), r.json)
    }

    @Test func aReplayOfTheMonitorsCaptureHasTheLiveNightsStart() async throws {
        let dir = try TemporaryFolder.make("times")
        let capture = dir.appendingPathComponent("live.cwcap").path,
            journalPath = dir.appendingPathComponent("journal.sqlite").path
        let before = Self.now()
        let (p, out, err) = try await Self.monitor(["--capture", capture, "--journal", journalPath, "--json",
                                                    "--stop-after-idle", "2", "--no-status"], speed: "8", in: dir)
        let after = Self.now()
        #expect(p.status == 0, "\(Self.text(err))")

        // The times file: private, whole, and what the monitor knew.
        #expect(try fileMode(capture + ".times.json") == 0o600)
        #expect(!FileManager.default.fileExists(atPath: capture + ".times.json.tmp"))
        let times = try Self.times(capture)
        #expect(times["format"] as? String == "crampwatch-times" && times["version"] as? Int == 1)
        #expect(times["capture"] as? String == "live.cwcap" && times["complete"] as? Bool == true)
        #expect((times["capture_bytes"] as? Int).map(UInt64.init)
                == (try FileManager.default.attributesOfItem(atPath: capture)[.size] as? UInt64))
        let host = try #require(times["host_start"] as? [String: Any])
        let hostUnix = try #require(host["unix_s"] as? Double)
        #expect(hostUnix >= before && hostUnix <= after, "the host's clock when the capture began")
        #expect(host["time_zone"] as? String == Self.zone)
        let offset = TimeZone(identifier: Self.zone)!.secondsFromGMT(for: Date(timeIntervalSince1970: hostUnix))
        #expect(host["utc_offset_s"] as? Int == offset)
        let sign = offset < 0 ? "-" : "+"
        #expect((host["local"] as? String)?.hasSuffix(String(format: "%@%02d:00", sign, abs(offset) / 3600)) == true,
                "\(host)")
        let fit = try #require(times["clock_fit"] as? [String: Any])
        let points = try #require(fit["points"] as? [[Double]])
        // 720 s of device time in 10-s windows; each point [device µs, host s], in device order.
        #expect(points.count >= 60 && points.allSatisfy { $0.count == 2 })
        #expect(zip(points, points.dropFirst()).allSatisfy { $0[0] < $1[0] && $0[1] <= $1[1] + 0.5 })
        #expect(abs((fit["drift_ppm"] as? Double ?? 0) - -875_000) < 5_000, "the virtual device runs 8x: \(fit)")

        // The live night was saved with the start the times file gives.
        let (start, source) = try Self.nightStart(times)
        #expect(source == "device")
        let live = try #require(try Journal(path: journalPath).night(id: 1))
        #expect(live.startSource == "device")
        let liveStart = try #require(live.startedAt).timeIntervalSince1970
        #expect(abs(liveStart - start) < 0.001, "live \(liveStart), times file \(start)")
        #expect(liveStart >= before - 1 && liveStart <= after, "a start within the run: \(liveStart)")

        // And a replay of the capture, into another journal, saves the very same start.
        let (night, json) = try await Self.replayed(capture, in: dir)
        let replayedStart = try #require(night.startedAt).timeIntervalSince1970
        #expect(Int(replayedStart.rounded(.down)) == Int(liveStart.rounded(.down)), "the same second")
        #expect(abs(replayedStart - liveStart) < 0.001, "replayed \(replayedStart), live \(liveStart)")
        #expect(night.startSource == "device")
        let monitorJSON = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out)) as? [String: Any])
        #expect(json["started_at"] as? String != nil && json["started_at"] as? String == monitorJSON["started_at"]
                as? String, "replay \(json["started_at"] ?? "-"), monitor \(monitorJSON["started_at"] ?? "-")")
        #expect(json["start_source"] as? String == "device" && monitorJSON["start_source"] as? String == "device")

        // Replayed into the monitor's own journal, the capture is the night the monitor saved: nothing is added.
        let mine = try await CLI.run(["replay", capture, "--journal", journalPath], environment: ["TZ": Self.zone])
        #expect(mine.status == 0, "\(mine.stderr)")
        #expect(mine.stdout.contains("is already in \(journalPath) as night 1"), "\(mine.stdout)")
        #expect(try Journal(path: journalPath).nights().count == 1)
    }

    /// Killed mid-night, the monitor leaves a times file that was rewritten as the fit grew (never half written), and
    /// `journal recover` and a replay of the capture both take the night's start from it.
    @Test func aKilledMonitorLeavesItsTimesAndRecoveryAndReplayAgree() async throws {
        let dir = try TemporaryFolder.make("times")
        let capture = dir.appendingPathComponent("killed.cwcap").path,
            journalPath = dir.appendingPathComponent("journal.sqlite").path
        var reads = 0, sources: Set<String> = []
        _ = try await Self.monitor(["--capture", capture, "--journal", journalPath, "--json", "--no-status",
                                    "--times-interval", "1"], speed: "8", in: dir) { monitor, err in
            let deadline = Self.now() + 90
            while Self.now() < deadline {
                if FileManager.default.fileExists(atPath: capture + ".times.json") {
                    // Every read finds a whole file: it is replaced by a rename, never rewritten in place.
                    let times = try Self.times(capture)
                    reads += 1
                    sources.insert(try Self.nightStart(times).source)
                    if let points = (times["clock_fit"] as? [String: Any])?["points"] as? [[Double]],
                       points.count >= 4 { break }
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            let kids = monitor.children
            try #require(kids.count == 1, "\(Self.text(err))")
            kill(kids[0], SIGKILL)
        }
        #expect(reads >= 3 && sources.contains("device"), "\(reads) reads, start sources \(sources)")
        let times = try Self.times(capture)
        #expect(times["complete"] as? Bool == false)
        let (start, source) = try Self.nightStart(times)
        #expect(source == "device")

        let recover = try await CLI.run(["journal", "recover", "--journal", journalPath, "--min-night", "0"],
                                        environment: ["TZ": Self.zone])
        #expect(recover.status == 0, "\(recover.stderr)")
        let recovered = try #require(try Journal(path: journalPath).night(id: 1))
        #expect(recovered.status == NightStatus.recovered && recovered.startSource == "device")
        let recoveredStart = try #require(recovered.startedAt).timeIntervalSince1970
        #expect(abs(recoveredStart - start) < 0.001, "recovered \(recoveredStart), times file \(start)")

        let (night, _) = try await Self.replayed(capture, in: dir)
        #expect(night.startSource == "device")
        #expect(abs(try #require(night.startedAt).timeIntervalSince1970 - recoveredStart) < 0.001)
    }

    /// The device clock steps by an hour mid-night: the line fitted after the step does not reach back to the first
    /// sample, so the night keeps the start the first line gave (at 8x an hour's step would otherwise move it by
    /// 450 s), live, in the times file and in a replay.
    @Test func aDeviceClockJumpDoesNotMoveTheStart() async throws {
        let dir = try TemporaryFolder.make("times")
        let capture = dir.appendingPathComponent("jump.cwcap").path,
            journalPath = dir.appendingPathComponent("journal.sqlite").path
        let (p, _, err) = try await Self.monitor(["--capture", capture, "--journal", journalPath, "--json",
                                                  "--stop-after-idle", "2", "--no-status"], speed: "8",
                                                 faults: ["--clock-jump", "4000:3600"], in: dir)
        #expect(p.status == 0, "\(Self.text(err))")
        #expect(Self.text(err).contains("the device clock jumped"))
        let times = try Self.times(capture)
        #expect((times["clock_fit"] as? [String: Any])?["resets"] as? Int == 1)
        let host = try #require((times["host_start"] as? [String: Any])?["unix_s"] as? Double)
        let (start, source) = try Self.nightStart(times)
        #expect(source == "device")
        // The first sample arrives within a second or two of the monitor starting.
        #expect(start - host > -1 && start - host < 3, "start \(start - host) s after the host's start")
        let live = try #require(try Journal(path: journalPath).night(id: 1))
        #expect(abs(try #require(live.startedAt).timeIntervalSince1970 - start) < 0.001)
        let (night, _) = try await Self.replayed(capture, in: dir)
        #expect(abs(try #require(night.startedAt).timeIntervalSince1970 - start) < 0.001)
        #expect(night.startSource == "device")
    }
}
