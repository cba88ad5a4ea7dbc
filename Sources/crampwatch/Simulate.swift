import ArgumentParser
import Foundation
import Recordings
import SystemPackage
import NightSimulator
import NightAnalysis

struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Simulates a night with known answers: a raw device capture plus labels.csv.",
        discussion: """
            Writes into the output folder:
              night.cwcap      the bytes the device would have sent (protocol v1 frames)
              labels.csv       ground truth: kind,onset_s,offset_s
              simulation.json  the settings, and which frames were dropped or corrupted
            The same seed always gives the same night. --channels 0 simulates an accelerometer-only device worn \
            by the same sleeper: the night of that seed with 2 EMG channels, with only the accelerometer sent and \
            only what an accelerometer can be scored on (sleep interruptions) in labels.csv.
            """
    )

    @Option(help: ArgumentHelp("Random seed; the same seed gives the same night.", valueName: "n")) var seed: UInt64 = 1
    @Option(help: ArgumentHelp("Length of the night.", valueName: "hours")) var hours: Double = 8
    @Option(help: ArgumentHelp("Folder to write into (created if missing).", valueName: "folder")) var out: String
    @Option(name: .customLong("emg-rate"),
            help: ArgumentHelp("EMG sampling rate, 250–4000.", valueName: "Hz")) var emgRate: Int = 2000
    @Option(name: .customLong("accel-rate"),
            help: ArgumentHelp("Accelerometer sampling rate, 25–200.", valueName: "Hz")) var accelRate: Int = 100
    @Option(name: [.customLong("channels"), .customLong("emg-channels")],
            help: ArgumentHelp("EMG channels (0: none, an accelerometer-only device; 1: shin; 2: shin and calf).",
                               valueName: "n")) var channels: Int = 2
    @Option(help: ArgumentHelp("Mains frequency of the interference, 50 or 60.", valueName: "Hz")) var mains: Int = 50
    @Option(help: ArgumentHelp("Number of cramps; default: random, about 0.3 per hour.",
                               valueName: "n")) var cramps: Int?
    @Option(name: .customLong("max-cramp"),
            help: ArgumentHelp("Longest cramp.", valueName: "seconds")) var maxCramp: Double = 600
    @Option(name: .customLong("drop-rate"), help: ArgumentHelp("Fraction of frames lost in transit, 0–0.5.",
                                                               valueName: "fraction")) var dropRate: Double = 0
    @Option(name: .customLong("corrupt-rate"), help: ArgumentHelp("Fraction of frames with a corrupted byte, 0–0.5.",
                                                                  valueName: "fraction")) var corruptRate: Double = 0
    @Flag(help: "Print the result as JSON.") var json = false

    func validate() throws {
        guard hours > 0 && hours <= 24 else { throw ValidationError("--hours must be more than 0 and at most 24.") }
        guard (250...4000).contains(emgRate) else {
            throw ValidationError("--emg-rate must be between 250 and 4000 Hz.")
        }
        guard (0...4).contains(channels) else {
            throw ValidationError("--channels must be 0 (accelerometer only) to 4.")
        }
        guard mains == 50 || mains == 60 else { throw ValidationError("--mains must be 50 or 60.") }
        guard (0...0.5).contains(dropRate), (0...0.5).contains(corruptRate) else {
            throw ValidationError("--drop-rate and --corrupt-rate must be between 0 and 0.5.")
        }
        if let cramps, cramps < 0 { throw ValidationError("--cramps cannot be negative.") }
    }

    func run() throws {
        var o = SimulationOptions()
        o.seed = seed
        o.hours = hours
        o.emgRateHz = emgRate
        o.accelRateHz = accelRate
        o.emgChannels = channels
        o.mainsHz = mains
        o.cramps = cramps
        o.maxCrampSeconds = maxCramp
        o.dropProbability = dropRate
        o.corruptProbability = corruptRate
        let report: SimulationReport
        do {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            let simulator = try NightSimulator(options: o)
            let capturePath = out + "/night.cwcap"
            let file = try PrivateFile(path: capturePath)
            report = try simulator.run { try file.write($0) }
            try file.close()
            var csv = "kind,onset_s,offset_s\n"
            for l in report.labels {
                csv += "\(l.kind.rawValue),\(format3(l.onsetSeconds)),\(format3(l.offsetSeconds))\n"
            }
            try PrivateFile.write(path: out + "/labels.csv", Data(csv.utf8))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            try PrivateFile.write(path: out + "/simulation.json", try encoder.encode(report))
        } catch {
            complain(error, "could not simulate into \(out)")
            throw Exit.failure
        }
        if json {
            try printJSON(report)
        } else {
            let counts = Dictionary(grouping: report.labels, by: \.kind).mapValues(\.count)
            if channels == 0 {
                print("Simulated \(format1(report.durationSeconds / 3600)) h (seed \(seed)) into \(out)/night.cwcap "
                      + "from an accelerometer-only device: "
                      + "\(counts[.sleepInterruption] ?? 0) awakenings (no EMG: cramps and leg movements are not in "
                      + "the recording); \(report.framesWritten) frames"
                      + (report.droppedSequences.isEmpty ? "" : ", \(report.droppedSequences.count) dropped")
                      + (report.corruptedSequences.isEmpty ? "" : ", \(report.corruptedSequences.count) "
                                                                  + "corrupted") + ".")
                return
            }
            print("Simulated \(format1(report.durationSeconds / 3600)) h (seed \(seed)) into \(out)/night.cwcap: "
                  + "\(Words.count(counts[.cramp] ?? 0, "cramp")), "
                  + "\(Words.count(counts[.legMovement] ?? 0, "leg movement")), "
                  + "\(Words.count(counts[.sleepInterruption] ?? 0, "awakening")), "
                  + "\(Words.count(counts[.artifact] ?? 0, "electrode problem")); \(report.framesWritten) frames"
                  + (report.droppedSequences.isEmpty ? "" : ", \(report.droppedSequences.count) dropped")
                  + (report.corruptedSequences.isEmpty ? "" : ", \(report.corruptedSequences.count) corrupted") + ".")
        }
    }
}

func format3(_ x: Double) -> String { String(format: "%.3f", x) }
func format1(_ x: Double) -> String { String(format: "%.1f", x) }

/// A file created with mode 0600 (health data), written through, fsynced on close.
final class PrivateFile {
    let path: String
    let fd: Int32
    private var closed = false

    init(path: String) throws {
        self.path = path
        do {
            fd = try FileDescriptor.createPrivate(path).rawValue
        } catch {
            throw FileError(path: path, errno: error.rawValue, doing: "create")
        }
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    func write(_ raw: UnsafeRawBufferPointer) throws {
        do {
            // FileDescriptor.writeAll retries interrupted and short writes.
            _ = try FileDescriptor(rawValue: fd).writeAll(raw)
        } catch {
            throw FileError(path: path, errno: (error as? Errno)?.rawValue ?? EIO, doing: "write")
        }
    }

    func close() throws {
        do { try retryingOnInterrupt { fsync(fd) } } catch {
            if error != .invalidArgument { throw FileError(path: path, errno: error.rawValue, doing: "flush") }
        }
        Foundation.close(fd)
        closed = true
    }

    /// A file left by a failed write is closed all the same (a caller may go on to another).
    deinit { if !closed { Foundation.close(fd) } }

    static func write(path: String, _ data: Data) throws {
        let f = try PrivateFile(path: path)
        try data.withUnsafeBytes { try f.write($0) }
        try f.close()
    }
}

struct FileError: Error, CustomStringConvertible {
    let path: String
    let errno: Int32
    let doing: String
    var description: String {
        switch errno {
        case ENOSPC: "\(path): the disk is full; free some space and try again"
        case EACCES: "\(path): permission denied; choose a folder you can write to"
        default: "\(path): cannot \(doing): \(String(cString: strerror(errno)))"
        }
    }
}
