import Foundation
import CrampwatchJSON
import Exports
import Ingest
import NightAnalysis
import Sessions
import Recordings
import SignalCore
import TestSupport
import Testing

@Suite(.serialized, .temporaryFolder) struct CrashAndReplayTests {
    /// A recording process is killed with SIGKILL mid-night; the file it leaves is repaired into a valid EDF+ holding
    /// every complete record, identical to the same records of an undisturbed recording, and pyedflib agrees.
    @Test(.tags(.cli, .python, .slow)) func killNineMidNightThenRepairKeepsEveryCompleteRecord() async throws {
        let dir = try TemporaryFolder.make("kill")
        let full = dir.appendingPathComponent("full.edf").path
        let partial = dir.appendingPathComponent("killed.edf").path
        let start = "2026-11-24T23:10:00Z"
        let whole = try await CLI.run(["replay", Repository.night("night-a"), "--no-journal", "--write-edf", full,
                                       "--start", start])
        #expect(whole.status == 0, "\(whole.stderr)")

        let reference = try EDFReader(path: full)
        let recordBytes = reference.header.recordBytes
        let headerBytes = reference.header.headerBytes
        let arguments = ["replay", Repository.night("night-a"), "--no-journal", "--write-edf", partial, "--start",
                         start,
                         "--pace", "10"]
        // Kill it once it has written at least 250 of the 720 one-second records (past the first cramp). The watch
        // runs in its own shell process, not in a Swift task: on a loaded CI machine every test shares two
        // cooperative threads, and a task's sleep there once came back only after the whole night had been written.
        let threshold = headerBytes + 250 * recordBytes
        let watch = """
            "$@" & child=$!
            while [ "$(stat -c %s "$0" 2>/dev/null || echo 0)" -lt \(threshold) ]; do
                kill -0 "$child" 2>/dev/null || break
                sleep 0.02
            done
            kill -KILL "$child"; wait "$child"
            """
        let killed = try await Processes.run("/bin/sh", ["-c", watch, partial, Binary.crampwatch] + arguments)
        // The shell's status for a child ended by SIGKILL is 128 + 9.
        #expect(killed.status == 128 + SIGKILL, "\(killed.stderr)")

        // What the kill left: header still says -1.
        let head = try #require(FileHandle(forReadingAtPath: partial)).readData(ofLength: 256)
        #expect(String(decoding: head[236..<244], as: UTF8.self).trimmingCharacters(in: .whitespaces) == "-1")
        let size = try #require(try FileManager.default.attributesOfItem(atPath: partial)[.size] as? Int)
        let complete = (size - headerBytes) / recordBytes
        // The kill may also land inside a record's write, leaving its first bytes.
        let cutByTheKill = (size - headerBytes) % recordBytes
        #expect(complete >= 250 && complete < 720, "killed after \(complete) records")
        let crashed = try EDFReader(path: partial)
        #expect(crashed.needsRepair && crashed.recordCount == complete)
        // A write cut in half by the kill: add the first bytes of a record, as a power cut could leave them.
        let handle = try #require(FileHandle(forWritingAtPath: partial))
        handle.seekToEndOfFile()
        handle.write(Data(repeating: 0x41, count: recordBytes / 3))
        handle.closeFile()

        let repaired = try await CLI.run(["repair", partial])
        #expect(repaired.status == 0)
        #expect(repaired.stdout.contains("\(complete) complete data records kept"), "\(repaired.stdout)")
        let dropped = cutByTheKill + recordBytes / 3
        #expect(repaired.stdout.contains("\(dropped) bytes of an incomplete record dropped"), "\(repaired.stdout)")
        let again = try await CLI.run(["repair", partial])
        #expect(again.stdout.contains("nothing to repair"))

        let fixed = try EDFReader(path: partial)
        #expect(!fixed.needsRepair && fixed.recordCount == complete && fixed.trailingBytes == 0)
        let mode = try FileManager.default.attributesOfItem(atPath: partial)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        // Every kept record equals the undisturbed recording's record, sample for sample.
        var a: [Int32] = [], b: [Int32] = []
        for r in 0..<complete {
            try fixed.load(record: r)
            try reference.load(record: r)
            for s in fixed.header.signals.indices where !fixed.header.signals[s].isAnnotations {
                a.removeAll(keepingCapacity: true); b.removeAll(keepingCapacity: true)
                fixed.appendDigital(signal: s, to: &a)
                reference.appendDigital(signal: s, to: &b)
                if a != b {
                    Issue.record("record \(r + 1), signal \(s + 1) differs from the undisturbed recording"); return
                }
            }
        }
        // Annotations written before the kill are all there, and are the undisturbed file's first ones.
        let kept = try fixed.allAnnotations().annotations
        let all = try reference.allAnnotations().annotations
        #expect(kept.count >= 1 && Array(all.prefix(kept.count)) == kept, "kept \(kept.map(\.text))")
        // The journal agrees with the repaired file: the night saved from it lasts exactly its complete records.
        let journal = dir.appendingPathComponent("journal.sqlite").path
        // A night cut short by the kill: shorter than a night, so saved only when asked.
        let saved = try await CLI.run(["replay", partial, "--journal", journal, "--json", "--min-night", "0"])
        #expect(saved.status == 0, "\(saved.stderr)")
        let night = try JSONSerialization.jsonObject(with: Data(saved.stdout.utf8)) as? [String: Any]
        let summary = night?["summary"] as? [String: Any]
        #expect((summary?["duration_s"] as? Double) == Double(complete), "\(summary ?? [:])")
        #expect(night?["night_id"] as? Int != nil)
        // And an independent reader opens it and agrees.
        let dump = dir.appendingPathComponent("dump")
        try FileManager.default.createDirectory(at: dump, withIntermediateDirectories: true)
        _ = try dumpWithOurReader(partial, to: dump)
        let result = try await checker("compare", partial, dump)
        let py = try #require(worstSteps(result, "pyedflib"))
        #expect(py.countsAgree && py.steps <= 1 && py.signals == 5)
        #expect((result["pyedflib"] as? [String: Any])?["annotations_equal"] as? Bool == true)
    }

    static func same(_ a: [DetectedEvent], _ b: [DetectedEvent]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { x, y in
            x.kind == y.kind && abs(x.onsetSeconds - y.onsetSeconds) < 1e-6
                && abs(x.offsetSeconds - y.offsetSeconds) < 1e-6 && x.channel == y.channel
        }
    }

    /// Replaying the EDF+ (and BDF+) written from a night gives the same events as replaying the night's raw capture.
    @Test(arguments: [false, true])
    func replayOfTheWrittenFileEqualsReplayOfTheCapture(bdf: Bool) throws {
        let dir = try TemporaryFolder.make("eq")
        let out = dir.appendingPathComponent(bdf ? "a.bdf" : "a.edf").path
        var replayer = Replayer()
        let writer = EDFNightWriter(path: out, bdf: bdf,
                                    start: EDFStartTime(year: 2026, month: 11, day: 24, hour: 23, minute: 10,
                                                        second: 0))
        replayer.observers = [writer]
        let fromCapture = try replayer.replay(path: Repository.night("night-a"))
        #expect(fromCapture.events.filter { $0.kind == .cramp }.count == 3)
        let fromFile = try Replayer().replay(path: out)
        #expect(fromFile.format == (bdf ? .bdfPlus : .edfPlus))
        #expect(fromFile.deviceInfo.emgRateHz == fromCapture.deviceInfo.emgRateHz
                && fromFile.deviceInfo.emgChannels == 2 && fromFile.deviceInfo.accelAxes == 3)
        #expect(abs(fromFile.durationSeconds - fromCapture.durationSeconds) < 1)
        #expect(Self.same(fromFile.events, fromCapture.events),
                Comment(rawValue: "capture: "
                        + "\(fromCapture.events.map { "\($0.kind) \($0.onsetSeconds)-\($0.offsetSeconds)" })"
                        + "\nfile: \(fromFile.events.map { "\($0.kind) \($0.onsetSeconds)-\($0.offsetSeconds)" })"))
        // Every final event is in the file as an annotation.
        let anns = try EDFReader(path: out).allAnnotations().annotations
        #expect(anns.count == fromCapture.events.count)
        #expect(anns.filter { $0.text.hasPrefix("Cramp") }.map(\.onsetSeconds)
                == fromCapture.events.filter { $0.kind == .cramp }.map(\.onsetSeconds))
    }

    /// The bundled EDF+ night (Samples/night-a/night.edf, see Samples/README.md) replays to the capture's events.
    @Test func bundledEDFNightGivesTheCapturesEvents() throws {
        let edf = Repository.samples.appendingPathComponent("night-a/night.edf").path
        let fromFile = try Replayer().replay(path: edf)
        let fromCapture = try Replayer().replay(path: Repository.night("night-a"))
        #expect(fromFile.format == .edfPlus)
        #expect(Self.same(fromFile.events, fromCapture.events),
                "\(fromFile.events.count) vs \(fromCapture.events.count)")
        #expect(fromFile.events.filter { $0.kind == .cramp }.count == 3)
    }

    /// Records that jump in time (EDF+D) are replayed with the jump as a gap.
    @Test func discontinuousRecordsBecomeGaps() throws {
        let dir = try TemporaryFolder.make("gap")
        let path = dir.appendingPathComponent("d.edf").path
        let w = try oneSignalEDFWriter(path: path, label: "EMG LAT", dimension: "mV", range: 5, samplesPerRecord: 500)
        var rng = SplitMix64(seed: 3)
        let noise = (0..<(60 * 500)).map { _ in Float.random(in: -0.005...0.005, using: &rng) }
        try noise.withUnsafeBufferPointer { try w.append(channel: 0, $0) }
        try w.skip(seconds: 30)
        try noise.withUnsafeBufferPointer { try w.append(channel: 0, $0) }
        try w.close()
        let result = try Replayer().replay(path: path)
        #expect(result.gaps.count == 1)
        #expect(result.gaps.first.map { abs($0.onsetSeconds - 60) < 1e-9 && abs($0.offsetSeconds - 90) < 1e-9 } == true,
                "\(result.gaps)")
        #expect(result.deviceInfo.emgRateHz == 500 && result.deviceInfo.accelAxes == 0)
        #expect(abs(result.durationSeconds - 150) < 1e-9)
    }

    @Test func channelChoiceByLabelAndUnitWithClearMessages() throws {
        let labels = ["EEG Fpz-Cz", "EMG submental", "EMG LAT", "EMG RAT", "Acc X", "Acc Y", "Acc Z", "Resp"]
        let dims = ["uV", "uV", "mV", "mV", "m/s^2", "m/s^2", "m/s^2", "uV"]
        let rates: [Double] = [100, 100, 500, 500, 50, 50, 50, 10]
        let c = try ChannelSelector.choose(labels: labels, dimensions: dims, ratesHz: rates, path: "x.edf",
                                           emgRequested: nil, accelRequested: nil)
        #expect(c.emg == [2, 3] && c.emgToMicrovolts == [1000, 1000])
        #expect(c.accel == [4, 5, 6] && abs(c.accelToG[0] - 1 / 9.80665) < 1e-12)
        let chosen = try ChannelSelector.choose(labels: labels, dimensions: dims, ratesHz: rates, path: "x.edf",
                                                emgRequested: ["4"], accelRequested: [])
        #expect(chosen.emg == [3] && chosen.accel.isEmpty)
        #expect(throws: RecordingError.self) {
            try ChannelSelector.choose(labels: ["EEG Fpz-Cz", "EMG submental"], dimensions: ["uV", "uV"],
                                       ratesHz: [100, 100], path: "psg.edf", emgRequested: nil, accelRequested: nil)
        }
        do {
            _ = try ChannelSelector.choose(labels: ["EEG Fpz-Cz", "EMG submental"], dimensions: ["uV", "uV"],
                                           ratesHz: [100, 100], path: "psg.edf", emgRequested: nil, accelRequested: nil)
        } catch {
            #expect("\(error)".contains("no leg EMG channel") && "\(error)".contains("\"EMG submental\"")
                    && "\(error)".contains("--emg-channel"))
        }
        do {
            _ = try ChannelSelector.choose(labels: labels, dimensions: dims, ratesHz: rates, path: "x.edf",
                                           emgRequested: ["Resp", "EMG LAT"], accelRequested: nil)
            Issue.record("mixed rates accepted")
        } catch {
            #expect("\(error)".contains("share one sampling rate"))
        }
    }

    @Test(.tags(.sharedData)) func aPSGWithOnlyAChinEMGEnvelopeIsRefusedClearly() throws {
        let path = Paths.edfSamples.appendingPathComponent("sleepedf_SC4001E0_first5min.edf").path
        #expect(throws: RecordingError.self) { try Replayer().replay(path: path) }
        var r = Replayer()
        r.recordingOptions.emgChannels = ["EMG submental"]
        do {
            _ = try r.replay(path: path)
            Issue.record("a 1-Hz envelope was replayed as EMG")
        } catch {
            #expect("\(error)".contains("sampled at 1.0 Hz") && "\(error)".contains("at least 100 Hz"), "\(error)")
        }
    }
}
