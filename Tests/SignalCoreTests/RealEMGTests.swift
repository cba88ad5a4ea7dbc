import Foundation
import TestSupport
import Testing

@testable import SignalCore

/// The detector's burst finder on real surface and needle EMG (../shared/data; see each folder's README).
/// None of it is sleep or cramp data: it checks that the onset/offset machinery finds real muscle activity.
enum SharedData {
    static let root = Repository.sharedData

    /// Columns of a UCI lower-limb text file: RF, BF, VM, ST (mV) and FX (degrees), at 1 kHz.
    static func uci(_ path: URL) throws -> [[Double]] {
        let text = try String(decoding: Data(contentsOf: path), as: UTF8.self)
        var columns = [[Double]](repeating: [], count: 5)
        var pastHeader = false
        // CRLF lines: "\r\n" is one Character in Swift, so split on any newline.
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if !pastHeader {
                if line.isEmpty { pastHeader = true }
                continue
            }
            let fields = raw.split(separator: "\t", omittingEmptySubsequences: false)
                            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            for c in 0..<min(5, fields.count) where !fields[c].isEmpty {
                if let v = Double(fields[c]) { columns[c].append(v) }
            }
        }
        return columns
    }
}

struct BurstRun {
    static func bursts(emg: [[Float]], fs: Int) throws -> [DetectedEvent] {
        var config = DetectorConfiguration()
        config.reportMuscleActivity = true
        config.mainsHz = 50
        let channels = emg.count
        let detector = try NightDetector(configuration: config, sampleRateHz: fs, emgChannels: channels, accelRateHz: 0,
                                         accelAxes: 0)
        let n = emg.map(\.count).min()!
        var interleaved = [Float](repeating: 0, count: n * channels)
        for i in 0..<n { for c in 0..<channels { interleaved[i * channels + c] = emg[c][i] } }
        return detector.events(feeding: interleaved, chunk: channels * 256, capacity: 4096)
            .filter { $0.kind == .muscleActivity }
    }
}

@Suite(.tags(.slow, .sharedData)) struct RealEMGTests {
    /// Sitting knee extension: the goniometer marks each repetition (knee extended ≥ 20° from its resting angle).
    @Test func kneeExtensionRepetitionsAreFoundInRealSurfaceEMG() throws {
        var repetitions = 0, found = 0, falseBursts = 0
        var restSeconds = 0.0
        var report: [String] = []
        for group in ["N_TXT", "A_TXT"] {
            let folder = SharedData.root.appendingPathComponent("lowerlimb_semg_uci/\(group)")
            let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
                            .filter { $0.hasSuffix("sen.txt") && $0 != "2Nsen.txt" }
                            .sorted()
            for file in files {
                let cols = try SharedData.uci(folder.appendingPathComponent(file))
                // Rectus femoris and vastus medialis (the knee extensors), mV → µV.
                let emg = [cols[0], cols[2]].map { $0.map { Float($0 * 1000) } }
                let fx = cols[4]
                try #require(fx.count > 2000, "\(file): no goniometer column")
                // Subjects start at rest; the knee's angle there is the reference (its sign differs between files).
                let rest = fx.prefix(500).reduce(0, +) / 500
                var reps: [(Double, Double)] = []
                var start: Int?
                for (i, angle) in fx.enumerated() {
                    if abs(angle - rest) > 20 { if start == nil { start = i } } else if let s = start {
                        if i - s > 300 { reps.append((Double(s) / 1000, Double(i) / 1000)) }
                        start = nil
                    }
                }
                if let s = start, fx.count - s > 300 { reps.append((Double(s) / 1000, Double(fx.count) / 1000)) }
                let bursts = try BurstRun.bursts(emg: emg, fs: 1000)
                let hit = reps.filter { r in bursts.contains { $0.onsetSeconds < r.1 + 0.5
                                                               && $0.offsetSeconds > r.0 - 0.5 } }.count
                let stray = bursts.filter { b in !reps.contains { b.onsetSeconds < $0.1 + 1
                                                                  && b.offsetSeconds > $0.0 - 1 } }.count
                let duration = Double(emg[0].count) / 1000
                restSeconds += max(0, duration - reps.reduce(0) { $0 + $1.1 - $1.0 } - 1)
                repetitions += reps.count
                found += hit
                falseBursts += stray
                report.append("\(file): \(hit)/\(reps.count) repetitions, "
                              + "\(stray) stray bursts, \(bursts.count) bursts")
            }
        }
        print("UCI sitting knee extension: \(found)/\(repetitions) repetitions found, "
              + "\(falseBursts) bursts outside them in \(Int(restSeconds)) s of rest\n  "
              + report.joined(separator: "\n  "))
        #expect(repetitions >= 80)
        #expect(Double(found) >= 0.95 * Double(repetitions), "\(found) of \(repetitions) repetitions found")
        #expect(Double(falseBursts) <= restSeconds / 60,
                "\(falseBursts) false bursts in \(restSeconds / 60) minutes of rest")
    }

    @Test func bitalinoRecordingHasItsActivationBursts() throws {
        let text = try String(contentsOf: SharedData.root.appendingPathComponent("biosppy_emg_bursts/emg_1.txt"),
                              encoding: .utf8)
        let counts = text.split(separator: "\n").filter { !$0.hasPrefix("#") }
                         .compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        // 12-bit ADC centred near 2048; the scale is not documented, so treat one count as 1 µV (relative thresholds
        // only matter).
        let mean = counts.reduce(0, +) / Double(counts.count)
        let bursts = try BurstRun.bursts(emg: [counts.map { Float($0 - mean) }], fs: 1000)
        print("BITalino emg_1: \(bursts.count) bursts: " + bursts.map {
            "\(Int($0.onsetSeconds))-\(Int($0.offsetSeconds)) s (\(Int($0.peakAboveRestMicrovolts)))"
        }.joined(separator: ", "))
        // Its README: "about 4–5 clear activation bursts separated by rest".
        #expect((4...5).contains(bursts.count))
        #expect(bursts.allSatisfy { $0.peakAboveRestMicrovolts > 8 })
    }

    @Test func tibialisNeedleRecordingsShowContractionAndRelaxation() throws {
        for record in ["emg_healthy", "emg_myopathy", "emg_neuropathy"] {
            let data = try Data(contentsOf: SharedData.root
                                            .appendingPathComponent("emgdb_tibialis_needle/\(record).dat"))
            let microvolts: [Float] = data.withUnsafeBytes { raw in
                // 10000 adu/mV
                (0..<(data.count / 2)).map {
                    Float(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: Int16.self))) / 10
                }
            }
            let bursts = try BurstRun.bursts(emg: [microvolts], fs: 4000)
            let active = bursts.reduce(0) { $0 + $1.durationSeconds }
            let duration = Double(microvolts.count) / 4000
            print("emgdb \(record): \(bursts.count) bursts, active \(String(format: "%.1f", active)) "
                  + "of \(String(format: "%.1f", duration)) s")
            #expect(!bursts.isEmpty)
            #expect(active < duration)
        }
    }
}
