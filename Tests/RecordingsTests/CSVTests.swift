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
