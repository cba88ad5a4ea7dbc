import ArgumentParser
import DeviceIO
import DeviceProtocol
import Foundation

/// `monitor --cyton PORT` and how the Cyton's channels are set for EMG (docs/cyton.md).
struct CytonOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Read an OpenBCI Cyton through its USB dongle at this serial port (115200 8N1), "
                               + "e.g. /dev/ttyUSB0; `crampwatch devices` lists dongles.", valueName: "path"))
    var cyton: String?
    @Option(name: .customLong("cyton-channels"),
            help: ArgumentHelp("The Cyton's channels (1-8) that carry the leg's EMG, in order; the others are "
                               + "powered down.", valueName: "list")) var channels = "1,2"
    @Option(name: .customLong("cyton-gain"),
            help: ArgumentHelp("The ADS1299 gain of those channels: 1, 2, 4, 6, 8, 12 or 24.", valueName: "gain"))
    var gain = 24
    @Option(name: .customLong("cyton-input"),
            help: ArgumentHelp("The channels' input: normal (electrodes), shorted (noise check), testsignal, …",
                               valueName: "type")) var input = "normal"
    @Flag(name: .customLong("cyton-no-bias"),
          help: "Leave the channels out of the bias (driven reference) derivation.") var noBias = false
    @Flag(name: .customLong("cyton-srb2"),
          help: "Connect each channel's N input to SRB2 (a common reference) instead of bipolar pairs.")
    var srb2 = false

    var settings: CytonSettings {
        get throws {
            var s = CytonSettings()
            let list = channels.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard list.allSatisfy({ $0 != nil }) else {
                throw ValidationError("--cyton-channels takes channel numbers separated by commas, e.g. 1,2.")
            }
            s.channels = list.compactMap { $0 }
            s.gain = gain
            guard let i = CytonSettings.Input(name: input) else {
                let names = CytonSettings.Input.allCases.map { "\($0)".lowercased() }.joined(separator: ", ")
                throw ValidationError("--cyton-input must be one of \(names).")
            }
            s.input = i
            s.bias = !noBias
            s.srb2 = srb2
            if let problem = s.problem { throw ValidationError("--cyton-channels/--cyton-gain: \(problem).") }
            return s
        }
    }
}
