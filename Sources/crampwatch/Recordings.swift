import ArgumentParser
import Foundation
import CrampwatchJSON
import Exports
import Ingest
import NightAnalysis
import Sessions
import Recordings

/// Channel choice for EDF/BDF/CSV recordings (shared by replay and export).
struct ChannelOptions: ParsableArguments {
    @Option(name: .customLong("emg-channel"),
            help: ArgumentHelp("EDF/BDF/CSV: the leg EMG signal(s), by label or number (1 = first); repeat or separate "
                               + "with commas, up to 4; \"none\" for an accelerometer-only night. Default: signals "
                               + "labelled tibialis, TA, calf, gastrocnemius, leg or EMG in µV or mV (none found: the "
                               + "accelerometer alone).", valueName: "label"))
    var emg: [String] = []
    @Option(name: .customLong("accel-channels"),
            help: ArgumentHelp("EDF/BDF/CSV: the accelerometer's x,y,z signals, by label or number, comma-separated, "
                               + "or \"none\". Default: three signals in g or m/s².", valueName: "x,y,z"))
    var accel: String?
    @Option(name: .customLong("mains"),
            help: ArgumentHelp("EDF/BDF/CSV: mains frequency to notch out, 50 or 60 (a raw capture says it itself). "
                               + "Default: detected from the signal.", valueName: "Hz"))
    var mains: Int?
    @Option(name: .customLong("rate"),
            help: ArgumentHelp("CSV without a time column: samples per second.", valueName: "Hz"))
    var rate: Double?
    @Option(name: .customLong("time-column"),
            help: ArgumentHelp("CSV: the column holding time in seconds. Default: a column named time, t, time_s or "
                               + "seconds.", valueName: "name"))
    var timeColumn: String?
    @Option(name: .customLong("sleep-from"),
            help: ArgumentHelp("EDF+: where sleep and wake come from: \"stages\" (a sleep lab's scored stages in the "
                               + "recording when it has them, else the accelerometer) or \"accelerometer\" (the leg's "
                               + "movement only, as for a night at home).", valueName: "stages|accelerometer"))
    var sleepFrom: String = "stages"

    func validate() throws {
        guard ["stages", "accelerometer"].contains(sleepFrom) else {
            throw ValidationError("--sleep-from is \"stages\" or \"accelerometer\", not \"\(sleepFrom)\".")
        }
        if let mains, mains != 50 && mains != 60 { throw ValidationError("--mains must be 50 or 60 (Hz).") }
        if let rate, !(rate >= 100 && rate <= 20_000) {
            throw ValidationError("--rate must be between 100 and 20000 samples per second (surface EMG needs at least "
                                  + "100).")
        }
        if emg.flatMap({ $0.split(separator: ",") }).count > 4 { throw ValidationError("--emg-channel: at most 4 EMG "
                                                                                       + "channels.") }
        if let accel, accel.lowercased() != "none", accel.split(separator: ",").count != 3 {
            throw ValidationError("--accel-channels needs three signals separated by commas (x,y,z), or \"none\".")
        }
    }

    var recordingOptions: RecordingOptions {
        let emgList = emg.flatMap { $0.split(separator: ",").map(String.init) }
        let accelList: [String]? = accel.map { $0.lowercased() == "none" ? [] : $0.split(separator: ",")
            .map(String.init) }
        return RecordingOptions(emgChannels: emgList.isEmpty ? nil : emgList, accelChannels: accelList, mainsHz: mains,
                                csvRateHz: rate, csvTimeColumn: timeColumn, useScoredStages: sleepFrom == "stages")
    }
}

struct Repair: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Repairs an EDF/BDF recording cut off by a crash or power cut.",
        discussion: """
            Keeps every complete data record, drops a partial last one, and writes the true record count into the \
            header (a recording in progress says -1). A file that needs nothing is left untouched. Replay does the \
            same automatically when it opens such a file.
            """
    )
    @Argument(help: ArgumentHelp("The EDF or BDF file.", valueName: "file")) var file: String

    func run() throws {
        do {
            let r = try EDFRepair.repair(path: file)
            if r.changed {
                print("\(file): repaired: \(r.recordsKept) complete data records "
                      + "kept\(r.bytesDropped > 0 ? ", \(r.bytesDropped) bytes of an incomplete record dropped" : "") "
                      + "(the header said \(r.headerSaid)).")
            } else {
                print("\(file): nothing to repair (\(r.recordsKept) data records, header agrees).")
            }
        } catch {
            complain(error)
            throw Exit.failure
        }
    }
}
