import DeviceProtocol
import Exports
import NightAnalysis
import Recordings
import SignalCore

/// A Cyton's SD card recording (`OBCI_*.TXT`, docs/cyton.md#sd-card-files), hex text as the board's firmware
/// writes it: one line per packet, `NN,CCCCCC,…` — the sample number (2 hex digits), the 8 channels (24-bit two's
/// complement, 6 hex digits each) and, on the packets with a reading, the accelerometer (3 × 16-bit, 4 hex
/// digits each). `%START AT`/`%STOP AT` stamps and the footer (`%Total time mS:` …) are each followed by one line
/// of a hex number, skipped; the file ends where its unused space (NUL bytes) begins.
///
/// The file does not say the channels' gain: the firmware's default, 24, is assumed (docs/cyton.md says what to
/// do otherwise). Lost packets are counted from the sample number; the rows go through `CytonNight`.
struct OpenBCISDSource {
    let path: String
    let options: RecordingOptions

    static func recognises(_ head: [UInt8]) -> Bool { FormatDetector.isOpenBCISDCard(head) }

    func replay(configuration: DetectorConfiguration, observers: [NightObserver], recordTicks: Bool) throws
        -> NightResult {
        let reader = try ChunkedFileReader(path: path)
        let night = CytonNight(path: path, configuration: configuration, observers: observers,
                               recordTicks: recordTicks)
        let labels = (1...8).map { "Channel \($0)" } + ["Accel X", "Accel Y", "Accel Z"]
        let choice = try ChannelSelector.choose(labels: labels, dimensions: Array(repeating: "uV", count: 8)
                                                    + ["g", "g", "g"], ratesHz: labels.map { _ in 250 }, path: path,
                                                emgRequested: options.emgChannels ?? ["1", "2"],
                                                accelRequested: options.accelChannels)
        let uv = Cyton.microvoltsPerCount(gain: 24)
        night.describe(serial: "OpenBCI SD card", channels: choice.emg.count, microvoltsPerCount: uv)
        var line = 0, skipNext = false
        var lastNumber: UInt8?
        try forEachLine(reader) { text in
            line += 1
            if text.contains("\0") || text.utf8.first == 0xFF { return false }  // the unused space
            if text.hasPrefix("%") { skipNext = true; return true }
            if skipNext || text.isEmpty { skipNext = false; return true }
            let fields = text.split(separator: ",")
            guard fields.count == 9 || fields.count == 12 else {
                throw RecordingError(path: path, offset: nil, "line \(line): \(fields.count) values; a Cyton's SD "
                                     + "line has 9 (sample number and 8 channels) or 12 (with the accelerometer)"
                                     + (fields.count >= 17 ? " — a Daisy's 16 channels are not read" : ""))
            }
            let values = try fields.map { f -> Int32 in
                guard let v = UInt32(f, radix: 16), f.count <= 8 else {
                    throw RecordingError(path: path, offset: nil, "line \(line): \"\(f.prefix(12))\" is not a hex "
                                         + "number; the file is damaged here")
                }
                return Int32(bitPattern: v)
            }
            let number = UInt8(truncatingIfNeeded: values[0])
            if let last = lastNumber { night.lost(Cyton.packetsLost(after: last, got: number)) }
            lastNumber = number
            night.stats.frames += 1
            // Sign-extend: 24 bits for the channels, 16 for the accelerometer.
            let counts = values[1...8].map { ($0 << 8) >> 8 }
            let accel = fields.count == 12 ? values[9...11].map { Float(Double(Int16(truncatingIfNeeded: $0))
                                                                         * Cyton.gPerCount) } : nil
            let all = counts.map { Float(Double($0) * uv) } + (accel ?? [0, 0, 0])
            try night.sample(emg: choice.emg.map { all[$0] }, accel: choice.accel.isEmpty ? nil : accel)
            return true
        }
        return try night.finish(sizeBytes: reader.size, format: .csv, truncatedAt: nil)
    }
}
