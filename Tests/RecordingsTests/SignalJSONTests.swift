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

/// The JSON signals export: read back with Foundation's JSONSerialization (and Python's json), it holds the
/// same samples as the CSV export of the same replay, at the same times, with the night's gaps and events.
@Suite(.tags(.slow, .python), .temporaryFolder) struct SignalJSONTests {
    static let nightB = Repository.night("night-b-faulty")

    /// The CSV export as columns: times, and per column the non-empty cells with their row times.
    struct CSVColumns {
        var names: [String] = []
        var values: [[Float]] = []
        var times: [[Double]] = []
    }

    static func readCSV(_ path: String) throws -> CSVColumns {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true)[...]
        var c = CSVColumns()
        c.names = lines.removeFirst().split(separator: ",").dropFirst().map(String.init)
        c.values = Array(repeating: [], count: c.names.count)
        c.times = Array(repeating: [], count: c.names.count)
        for line in lines {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            let t = Double(cells[0])!
            for k in 0..<c.names.count where !cells[k + 1].isEmpty {
                c.values[k].append(Float(cells[k + 1])!)
                c.times[k].append(t)
            }
        }
        return c
    }

    @Test func jsonExportEqualsCSVExportAndTheNight() async throws {
        let dir = try TemporaryFolder.make("sigjson")
        let csvPath = dir.appendingPathComponent("signals.csv").path
        let jsonPath = dir.appendingPathComponent("signals.json").path
        let jsonWriter = SignalJSONWriter(path: jsonPath)
        var replayer = Replayer()
        replayer.observers = [SignalCSVWriter(path: csvPath), jsonWriter]
        let night = try replayer.replay(path: Self.nightB)
        #expect(night.gaps.filter { $0.emgSamplesLost > 0 }.count >= 20,
                "night-b must have gaps for this test: \(night.gaps.count)")

        // Private, and streamed: the text held in memory stays at a few 64-KiB buffers while the file is many MB.
        let attributes = try FileManager.default.attributesOfItem(atPath: jsonPath)
        #expect(attributes[.posixPermissions] as? Int == 0o600)
        let size = (attributes[.size] as? Int) ?? 0
        #expect(size > 8_000_000, "\(size) bytes")
        #expect(jsonWriter.peakBufferedBytes < 5 * 70_000, "\(jsonWriter.peakBufferedBytes) bytes held at once")
        print("signals JSON of night-b: \(size) bytes on disk, "
              + "at most \(jsonWriter.peakBufferedBytes) bytes of sample text held in memory")
        // No temporary file is left beside the output.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
                == ["signals.csv", "signals.json"])

        let object = try #require(try JSONSerialization.jsonObject(
                                      with: Data(contentsOf: URL(fileURLWithPath: jsonPath))) as? [String: Any])
        #expect(object["format"] as? String == "crampwatch-signals" && object["version"] as? Int == 1)
        let device = try #require(object["device"] as? [String: Any])
        #expect(device["emg_channels"] as? Int == 2 && device["accel_axes"] as? Int == 3
                && device["serial"] as? String == night.deviceInfo.serial)
        let channels = try #require(object["channels"] as? [[String: Any]])
        #expect(channels.map { $0["name"] as? String ?? "" } == ["emg1", "emg2", "accel_x", "accel_y", "accel_z"])

        let csv = try Self.readCSV(csvPath)
        #expect(csv.names == ["emg1_uV", "emg2_uV", "accel_x_g", "accel_y_g", "accel_z_g"])
        var compared = 0
        for (k, channel) in channels.enumerated() {
            let name = try #require(channel["name"] as? String), unit = try #require(channel["unit"] as? String)
            let rate = try #require(channel["rate_hz"] as? Int)
            #expect("\(name)_\(unit)" == csv.names[k])
            #expect(rate == (k < 2 ? night.deviceInfo.emgRateHz : night.deviceInfo.accelRateHz))
            let samples = try #require(channel["samples"] as? [Double])
            let segments = try #require(channel["segments"] as? [[String: Any]])
            #expect(channel["count"] as? Int == samples.count)
            #expect(samples.count == csv.values[k].count,
                    "\(name): \(samples.count) samples in JSON, \(csv.values[k].count) in CSV")
            // Every value as the CSV has it (both are the shortest text of the same Float).
            var mismatches = 0
            for i in 0..<min(samples.count, csv.values[k].count) where Float(samples[i]) != csv.values[k][i] {
                mismatches += 1
            }
            #expect(mismatches == 0, "\(name): \(mismatches) values differ")
            // Every sample's time from the segments equals the CSV row's time (6 decimals there).
            var worst = 0.0
            var covered = 0
            for s in segments {
                let start = try #require(s["start_s"] as? Double), first = try #require(s["first_sample"] as? Int),
                    count = try #require(s["count"] as? Int)
                #expect(first == covered)
                for i in first..<(first + count) where i < csv.times[k].count {
                    worst = max(worst, abs(start + Double(i - first) / Double(rate) - csv.times[k][i]))
                }
                covered += count
            }
            #expect(covered == samples.count)
            #expect(worst < 1e-6 + 0.5e-6, "\(name): time off by \(worst) s")
            // One segment per stretch of data: a new one after every gap that lost samples.
            if k == 0 { #expect(segments.count == 1 + night.gaps.filter { $0.emgSamplesLost > 0 }.count,
                                "\(segments.count) segments") }
            compared += samples.count
        }
        // The EMG channel holds every sample the night had (duration minus what the gaps lost).
        let lost = night.gaps.reduce(0) { $0 + $1.emgSamplesLost }
        #expect((channels[0]["samples"] as? [Double])?.count
                == Int((night.durationSeconds * Double(night.deviceInfo.emgRateHz)).rounded()) - lost)
        #expect(compared > 1_500_000, "\(compared) values compared")

        // Gaps and events as the replay found them.
        let gaps = try #require(object["gaps"] as? [[String: Any]])
        let lossy = night.gaps.filter { $0.emgSamplesLost > 0 }
        #expect(gaps.count == lossy.count)
        for (g, n) in zip(gaps, lossy) {
            #expect(abs((g["onset_s"] as? Double ?? -1) - n.onsetSeconds) < 1e-9
                    && abs((g["offset_s"] as? Double ?? -1) - n.offsetSeconds) < 1e-9)
        }
        let events = try #require(object["events"] as? [[String: Any]])
        #expect(events.count == night.events.count && events.count >= 3, "\(events.count) vs \(night.events.count)")
        for (e, n) in zip(events, night.events) {
            #expect(e["kind"] as? String == n.kind.rawValue)
            #expect(abs((e["onset_s"] as? Double ?? -1) - n.onsetSeconds) < 1e-9
                    && abs((e["offset_s"] as? Double ?? -1) - n.offsetSeconds) < 1e-9)
        }
        #expect(events.filter { $0["kind"] as? String == "cramp" }.count
                == night.events.filter { $0.kind == .cramp }.count)

        // An independent reader: Python's json module agrees on the shape and the counts.
        let script = """
            import json, sys
            d = json.load(open(sys.argv[1]))
            print(json.dumps({"names": [c["name"] for c in d["channels"]],
                              "counts": [len(c["samples"]) for c in d["channels"]],
                              "first": [c["samples"][0] for c in d["channels"]], "events": len(d["events"])}))
            """
        let r = try await Python.run(["-c", script, jsonPath])
        #expect(r.status == 0, "\(r.stderr)")
        let py = try #require(try JSONSerialization.jsonObject(with: r.output) as? [String: Any])
        #expect(py["names"] as? [String] == ["emg1", "emg2", "accel_x", "accel_y", "accel_z"])
        #expect(py["counts"] as? [Int] == csv.values.map(\.count))
        #expect((py["first"] as? [Double])?.map { Float($0) } == csv.values.map { $0[0] })
        #expect(py["events"] as? Int == night.events.count)
    }

    @Test func anUnwritablePathIsOneClearError() throws {
        var replayer = Replayer()
        replayer.observers = [SignalJSONWriter(path: "/nonexistent-dir/x.json")]
        do {
            _ = try replayer.replay(path: Self.nightB)
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("/nonexistent-dir/x.json") && "\(error)".contains("cannot create"), "\(error)")
        }
    }
}
