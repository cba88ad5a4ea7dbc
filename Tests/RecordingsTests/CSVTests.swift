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

@Suite(.temporaryFolder) struct CSVTests {
    static func write(_ text: String) throws -> String {
        let dir = try TemporaryFolder.make("csv")
        let path = dir.appendingPathComponent("night.csv").path
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    static func rows(_ n: Int, rate: Double = 200, start: Int = 0, emg: (Int) -> String = { _ in "1.5" }) -> String {
        (start..<(start + n)).map { "\(Double($0) / rate),\(emg($0))" }.joined(separator: "\n")
    }

    static func failure(_ text: String, options: RecordingOptions = RecordingOptions()) throws -> RecordingError? {
        let path = try write(text)
        var r = Replayer()
        r.recordingOptions = options
        do {
            _ = try r.replay(path: path)
            return nil
        } catch let e as RecordingError {
            #expect(e.path == path)
            return e
        }
    }

    @Test func nanAndInfinityAreRefusedWithLineColumnAndOffset() throws {
        let head = "time,emg_uv\n"
        let body = Self.rows(10) + "\n0.05,NaN\n"
        let e = try #require(try Self.failure(head + body))
        #expect(e.offset == UInt64((head + Self.rows(10) + "\n").utf8.count))
        #expect(e.message.contains("line 12") && e.message.contains("\"emg_uv\"")
                && e.message.contains("NaN or infinite"), "\(e)")
        let inf = try #require(try Self.failure(head + Self.rows(3) + "\n0.015,-inf\n"))
        #expect(inf.message.contains("line 5") && inf.message.contains("-inf"))
        let word = try #require(try Self.failure(head + Self.rows(3) + "\n0.015,abc\n"))
        #expect(word.message.contains("\"abc\" is not a number"))
    }

    @Test func missingColumnsAndFieldsAreNamed() throws {
        let e = try #require(try Self.failure("time,emg_uv\n" + Self.rows(3) + "\n0.015\n"))
        #expect(e.message.contains("line 5 has 1 fields but the header names 2 columns"), "\(e)")
        let none = try #require(try Self.failure("time,temperature_C\n0,36.5\n0.005,36.5\n"))
        #expect(none.message.contains("no leg EMG channel") && none.message.contains("--emg-channel"), "\(none)")
        let named = try #require(try Self.failure("time,emg_uv\n" + Self.rows(3),
                                                  options: RecordingOptions(emgChannels: ["calf"])))
        #expect(named.message.contains("--emg-channel \"calf\": no such signal")
                && named.message.contains("\"emg_uv\""), "\(named)")
        let noTime = try #require(try Self.failure("emg_uv\n1\n2\n"))
        #expect(noTime.message.contains("no time column") && noTime.message.contains("--rate"), "\(noTime)")
        let headerOnly = try #require(try Self.failure("time,emg_uv\n"))
        #expect(headerOnly.message.contains("no data rows"))
    }

    @Test func badRatesAreExplained() throws {
        // 3 ms steps: 333.33 samples per second.
        let odd = try #require(try Self.failure("time,emg_uv\n0,1\n0.003,1\n0.006,1\n"))
        #expect(odd.message.contains("not a whole number") && odd.message.contains("--rate"), "\(odd)")
        let slow = try #require(try Self.failure("time,emg_uv\n0,1\n0.1,1\n"))
        #expect(slow.message.contains("10.0 Hz cannot be used") || slow.message.contains("from 100 to 20000"),
                "\(slow)")
        let back = try #require(try Self.failure("time,emg_uv\n0,1\n0.005,1\n0.01,1\n0.002,1\n"))
        #expect(back.message.contains("line 5") && back.message.contains("goes back"), "\(back)")
    }

    /// An OpenBCI file with one lost packet: 250 Hz, no time column (--rate), the accelerometer every 10th row,
    /// one row missing. It replays with the loss as a gap of one sample instead of being refused.
    @Test func aMissingRowAtTwoHundredFiftyHertzIsAGap() throws {
        var lines = ["emg1,emg2,ax,ay,az"]
        for k in 0..<(60 * 250) where k != 7_777 {
            let e = String(format: "%.3f", 20 * sin(Double(k) * 0.7))
            lines.append(k % 10 == 0 ? "\(e),\(e),0.01,0.02,0.98" : "\(e),\(e),,,")
        }
        var options = RecordingOptions()
        options.csvRateHz = 250
        var replayer = Replayer()
        replayer.recordingOptions = options
        let r = try replayer.replay(path: try Self.write(lines.joined(separator: "\n") + "\n"))
        #expect(r.deviceInfo.emgRateHz == 250 && r.deviceInfo.accelRateHz == 25)
        #expect(r.gaps.count == 1)
        // Row 7777 is missing; the accelerometer's next value (row 7780) shows it, 3 rows later: 31.108 s → 31.112 s.
        #expect(abs((r.gaps.first?.onsetSeconds ?? 0) - 7_779.0 / 250) < 1e-9, "\(r.gaps)")
        #expect(r.gaps.first?.emgSamplesLost == 1)
        #expect(abs(r.durationSeconds - 60) < 1e-9)
        // Samples 199 and 200 missing (200 carried the accelerometer), then sample 1001 (line 1002 of the file,
        // line 1000 once two are gone): gaps of 2, 1 and 1 samples.
        var two = lines
        two.removeSubrange(200...201)
        two.remove(at: 1_000)
        let r2 = try replayer.replay(path: try Self.write(two.joined(separator: "\n") + "\n"))
        #expect(r2.gaps.map(\.emgSamplesLost) == [2, 1, 1], "\(r2.gaps)")
        #expect(abs(r2.durationSeconds - 60) < 1e-9)
        // The accelerometer stopping while the EMG goes on is still refused.
        var stopped = lines
        for i in 2_000..<2_100 { stopped[i] = stopped[i].replacingOccurrences(of: ",0.01,0.02,0.98", with: ",,,") }
        #expect(throws: RecordingError.self) {
            try replayer.replay(path: try Self.write(stopped.joined(separator: "\n") + "\n"))
        }
    }

    @Test func rateGivenTimeJumpsAsGapsAndUnitsFromColumnNames() throws {
        // 200 Hz, EMG in mV, accelerometer in m/s² every 4th row (50 Hz); a 10-s jump in time after 30 s.
        var rng = SplitMix64(seed: 5)
        var lines = ["t;EMG calf (mV);acc_x_m/s^2;acc_y_m/s^2;acc_z_m/s^2"]
        func add(_ k: Int, _ t: Double, _ accelRow: Bool) {
            let emg = String(Double.random(in: -0.003...0.003, using: &rng))
            lines.append(accelRow ? "\(t);\(emg);0.01;0.02;9.81" : "\(t);\(emg);;;")
        }
        for k in 0..<(30 * 200) { add(k, Double(k) / 200, k % 4 == 0) }
        for k in 0..<(30 * 200) { add(k, 40 + Double(k) / 200, k % 4 == 0) }
        let path = try Self.write(lines.joined(separator: "\n") + "\n")
        let r = try Replayer().replay(path: path)
        #expect(r.format == .csv)
        #expect(r.deviceInfo.emgRateHz == 200 && r.deviceInfo.accelRateHz == 50 && r.deviceInfo.accelAxes == 3)
        #expect(r.gaps.count == 1)
        #expect(abs(r.gaps[0].onsetSeconds - 30) < 1e-9 && abs(r.gaps[0].offsetSeconds - 40) < 1e-9, "\(r.gaps)")
        #expect(abs(r.durationSeconds - 70) < 1e-9)
    }

    @Test(.tags(.slow)) func exportedSignalsReplayToTheSameEvents() throws {
        let dir = try TemporaryFolder.make("csvx")
        let out = dir.appendingPathComponent("signals.csv").path
        var replayer = Replayer()
        replayer.observers = [SignalCSVWriter(path: out)]
        let fromCapture = try replayer.replay(path: Repository.night("night-a"))
        #expect(try FileManager.default.attributesOfItem(atPath: out)[.posixPermissions] as? Int == 0o600)
        let fromCSV = try Replayer().replay(path: out)
        #expect(CrashAndReplayTests.same(fromCSV.events, fromCapture.events),
                "\(fromCSV.events.count) vs \(fromCapture.events.count)")
        #expect(fromCSV.events.filter { $0.kind == .cramp }.count == 3)
    }
}
