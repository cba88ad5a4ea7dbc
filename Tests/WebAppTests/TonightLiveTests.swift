import Foundation
import Testing
import TestSupport

/// Tonight while a monitor streams a night from the virtual USB device (Firmware/build/cwsim under umockdev) into
/// the same journal the server reads: the live stream, no "database is locked" on either side, no frame lost; and
/// wrk's 50 clients on the nights pages at the same time.
@Suite(.serialized, .tags(.usb, .slow), .temporaryFolder) struct TonightLiveTests {
    static let sim = Repository.root.appendingPathComponent("Firmware/build/cwsim").path

    static var ready: Bool { FileManager.default.isExecutableFile(atPath: sim) }

    /// Runs a monitor under the virtual device into `journal` at `speed`, with `body` running beside it.
    static func monitor<T: Sendable>(journal: String, speed: String, _ body: () async throws -> T) async throws
        -> (result: ProcessResult, stderr: String, value: T) {
        let capture = TemporaryFolder.path("night.cwcap"), err = URL(fileURLWithPath: TemporaryFolder.path("err"))
        let (result, value) = try await Processes.start(
            sim, ["--capture", Repository.night("night-a"), "--speed", speed, "--", Binary.crampwatch, "monitor",
                  "--capture", capture, "--journal", journal, "--stop-after-idle", "3"],
            stdout: .discarded, stderr: .file(err)) { _ in try await body() }
        return (result, (try? String(contentsOf: err, encoding: .utf8)) ?? "", value)
    }

    /// The events curl saw on /events in `seconds`.
    static func sse(_ s: Served, seconds: Int) async throws -> String {
        try await Processes.run("/usr/bin/curl", ["-s", "-N", "--max-time", "\(seconds)", s.base + "/events"]).stdout
    }

    @Test func tonightFollowsTheMonitorLive() async throws {
        guard Self.ready else { return reportSkipped("the virtual device is not built: make -C Firmware sim") }
        let journal = TemporaryFolder.path("journal.sqlite")
        try await Served.with(journal: journal) { s in
            let (result, stderr, seen) = try await Self.monitor(journal: journal, speed: "16") {
                var recording = ""
                for _ in 0..<200 where !recording.contains("Recording:") {
                    recording = try await s.request("/").body
                    try await Task.sleep(for: .milliseconds(100))
                }
                return (page: recording, stream: try await Self.sse(s, seconds: 6))
            }
            #expect(result.status == 0, "monitor: \(stderr)")
            #expect(!stderr.contains("locked") && !stderr.contains("could not write to the journal"), "\(stderr)")
            #expect(seen.page.contains("data-recording=\"true\""))
            let messages = seen.stream.components(separatedBy: "event: tonight\n").dropFirst()
            #expect(messages.count >= 3, "one message a second while the levels change: \(seen.stream.prefix(400))")
            #expect(messages.allSatisfy { $0.contains("data: <p class=\"status\"") })
            #expect(messages.last?.contains("Channel 1: ") == true)
            #expect(messages.last?.contains("<svg") == true, "the last seconds of EMG level and movement")
            let after = try await s.request("/")
            #expect(after.body.contains("Not recording now."))
            #expect(try await s.request("/night").body.contains("Timeline"))
        }
        let lost = try await SQLiteShell.run(journal, "SELECT framesLost, status, (SELECT COUNT(*) FROM liveLevels) "
                                             + "FROM night")
        #expect(lost.trimmingCharacters(in: .whitespacesAndNewlines) == "0|complete|0")
    }

    @Test(.tags(.browser)) func tonightUpdatesInTheBrowserWhileTheMonitorRecords() async throws {
        guard Self.ready else { return reportSkipped("the virtual device is not built: make -C Firmware sim") }
        guard WebAppBrowserTests.browserReady else {
            return reportSkipped("chromium-driver is not installed (scripts/setup-system.sh installs it)")
        }
        let journal = TemporaryFolder.path("journal.sqlite")
        let script = Repository.tests.appendingPathComponent("WebAppTests/browser_check.py").path
        try await Served.with(journal: journal) { s in
            let (result, stderr, watched) = try await Self.monitor(journal: journal, speed: "16") {
                for _ in 0..<200 where !(try await s.request("/").body.contains("Recording:")) {
                    try await Task.sleep(for: .milliseconds(100))
                }
                return try await Processes.run("/usr/bin/python3", [script, "--watch", s.base])
            }
            #expect(result.status == 0, "monitor: \(stderr)")
            #expect(watched.status == 0, "\(watched.stdout) \(watched.stderr.suffix(600))")
            #expect((watched.json["seen"] as? [String])?.count ?? 0 >= 2, "\(watched.stdout)")
        }
    }

    /// wrk's latency line for a percentile ("99%   35.52ms") in milliseconds.
    static func percentile(_ wrk: String, _ p: String) -> Double? {
        guard let line = wrk.split(separator: "\n").first(where: { $0.trimmingCharacters(in: .whitespaces)
            .hasPrefix(p) }), let text = line.split(separator: " ").last else { return nil }
        for (unit, scale) in [("ms", 1.0), ("us", 0.001), ("s", 1000.0)] where text.hasSuffix(unit) {
            return Double(text.dropLast(unit.count)).map { $0 * scale }
        }
        return nil
    }

    @Test func fiftyClientsForTenSecondsWhileTheMonitorStreams() async throws {
        guard Self.ready else { return reportSkipped("the virtual device is not built: make -C Firmware sim") }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/wrk") else {
            return reportSkipped("wrk is not installed (scripts/setup-system.sh installs it)")
        }
        let journal = try await WebAppTests.journalWithNight()
        let jar = TemporaryFolder.path("cookies")
        try await Served.with(journal: journal) { s in
            _ = try await s.request("/", cookies: jar)
            let jarText = try String(contentsOfFile: jar, encoding: .utf8)
            let cookie = try #require(jarText.split(separator: "\n").last { $0.contains("cw_session") }?
                .split(separator: "\t").last)
            let (result, stderr, runs) = try await Self.monitor(journal: journal, speed: "16") {
                for _ in 0..<200 where !(try await s.request("/").body.contains("Recording:")) {
                    try await Task.sleep(for: .milliseconds(100))
                }
                var runs: [String: String] = [:]
                for path in ["/nights", "/night/1"] {
                    runs[path] = try await Processes.run("/usr/bin/wrk", [
                        "-t", "2", "-c", "50", "-d", "10s", "--latency", "-H", "Cookie: cw_session=\(cookie)",
                        s.base + path]).stdout
                }
                return runs
            }
            #expect(result.status == 0, "monitor: \(stderr)")
            #expect(!stderr.contains("locked") && !stderr.contains("could not write to the journal"), "\(stderr)")
            for (path, out) in runs {
                let p99 = try #require(Self.percentile(out, "99%"), "\(out)")
                #expect(p99 < 100, "\(path): p99 \(p99) ms\n\(out)")
                #expect(!out.contains("Socket errors") && !out.contains("Non-2xx"), "\(path): \(out)")
                let rate = out.split(separator: "\n").first { $0.hasPrefix("Requests/sec") }.map(String.init) ?? ""
                print("wrk \(path): p99 \(p99) ms, \(rate)")
            }
        }
        let nights = try await SQLiteShell.run(journal, "SELECT id, framesLost, status FROM night ORDER BY id")
        #expect(nights.trimmingCharacters(in: .whitespacesAndNewlines) == "1|0|complete\n2|0|complete")
    }
}
