import DeviceProtocol
import Exports
import NightAnalysis
import Recordings
import SignalCore

/// The OpenBCI GUI's raw text files (`OpenBCI-RAW-*.txt`, docs/cyton.md#openbci-gui-files): `%` header lines
/// (`%Sample Rate = 250 Hz`, `%Number of channels = 8`), then — in the GUI 5 format — a header row
/// `Sample Index, EXG Channel 0, …, Accel Channel 0, …`, and one row per packet: the sample number (0-255,
/// wrapping), the channels in µV, the accelerometer in g (0 on the packets without a reading, or the last reading
/// held, as BrainFlow gives it), then columns Crampwatch does not use. GUI 4 files have no header row: the columns
/// are the sample number, the channels and the accelerometer, in that order.
///
/// Lost packets are counted from the sample number as from the board (bounded: see `Cyton.packetsLost`); the rows
/// go through the same `CytonNight` as `monitor --cyton`. Channels are chosen as for EDF: `--emg-channel` by label
/// ("EXG Channel 0") or number among the EXG channels; by default the first two.
struct OpenBCITextSource {
    static let magic = "%OpenBCI Raw E"
    let path: String
    let options: RecordingOptions

    static func recognises(_ head: [UInt8]) -> Bool { head.starts(with: magic.utf8) }

    /// Header facts and column places.
    struct Layout {
        var rateHz = 0
        var channels = 8
        var names: [String] = []
        var exg: [Int] = []
        var accel: [Int] = []
        var board = ""
    }

    func replay(configuration: DetectorConfiguration, observers: [NightObserver], recordTicks: Bool) throws
        -> NightResult {
        let reader = try ChunkedFileReader(path: path)
        let night = CytonNight(path: path, configuration: configuration, observers: observers,
                               recordTicks: recordTicks)
        var layout = Layout()
        var choice: (emg: [Int], accel: [Int])?
        var lastNumber: UInt8?
        var line = 0
        func row(_ text: Substring) throws -> Bool {
            line += 1
            if text.hasPrefix("%") {
                header(text, into: &layout)
                return true
            }
            let fields = text.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters() }
            if choice == nil {
                choice = try columns(fields, layout: &layout, night: night)
                if fields.first?.lowercased() == "sample index" { return true }
            }
            guard let c = choice, !fields.allSatisfy({ $0.isEmpty }) else { return true }
            try packet(fields, choice: c, line: line, lastNumber: &lastNumber, night: night)
            return true
        }
        try forEachLine(reader, row)
        return try night.finish(sizeBytes: reader.size, format: .csv, truncatedAt: nil)
    }

    private func header(_ text: Substring, into l: inout Layout) {
        let parts = text.dropFirst().split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters() }
        guard parts.count == 2 else { return }
        switch parts[0].lowercased() {
        case "sample rate": l.rateHz = Int(Double(parts[1].split(separator: " ").first ?? "") ?? 0)
        case "number of channels": l.channels = Int(parts[1]) ?? 8
        case "board": l.board = parts[1]
        default: break
        }
    }

    /// Finds the columns (from the header row, or by place in a GUI 4 file) and chooses the channels.
    private func columns(_ fields: [String], layout l: inout Layout, night: CytonNight) throws -> ([Int], [Int]) {
        guard l.rateHz == Cyton.sampleRateHz, l.channels == 8, !l.board.contains("Daisy") else {
            throw RecordingError(path: path, offset: 0, "an OpenBCI file of \(l.channels) channels at \(l.rateHz) Hz"
                                 + (l.board.isEmpty ? "" : " (\(l.board))") + ": Crampwatch reads the Cyton's 8 "
                                 + "channels at 250 Hz (a Daisy's 16 at 125 Hz are too slow for the EMG band)")
        }
        if fields.first?.lowercased() == "sample index" {
            l.names = fields
        } else {
            l.names = ["Sample Index"] + (0..<8).map { "EXG Channel \($0)" } + (0..<3).map { "Accel Channel \($0)" }
        }
        l.exg = l.names.indices.filter { l.names[$0].lowercased().hasPrefix("exg channel")
            || l.names[$0].lowercased().hasPrefix("eeg channel") }
        l.accel = l.names.indices.filter { l.names[$0].lowercased().hasPrefix("accel channel") }
        guard l.exg.count == 8 else {
            throw RecordingError(path: path, offset: 0, "the OpenBCI file's header row names \(l.exg.count) EXG "
                                 + "channels, not 8")
        }
        let labels = l.exg.map { l.names[$0] } + l.accel.map { l.names[$0] }
        let dims = l.exg.map { _ in "uV" } + l.accel.map { _ in "g" }
        let chosen = try ChannelSelector.choose(labels: labels, dimensions: dims, ratesHz: labels.map { _ in 250 },
                                                path: path, emgRequested: options.emgChannels ?? ["1", "2"],
                                                accelRequested: options.accelChannels)
        let all = l.exg + l.accel
        night.describe(serial: "OpenBCI GUI file", channels: chosen.emg.count, microvoltsPerCount: 0)
        return (chosen.emg.map { all[$0] }, chosen.accel.map { all[$0] })
    }

    private func packet(_ f: [String], choice c: (emg: [Int], accel: [Int]), line: Int, lastNumber: inout UInt8?,
                        night: CytonNight) throws {
        func number(_ i: Int) throws -> Double {
            guard i < f.count, let x = Double(f[i]), x.isFinite else {
                throw RecordingError(path: path, offset: nil, "line \(line), column \(i + 1): "
                                     + (i < f.count ? "\"\(f[i].prefix(40))\" is not a number" : "the row ends early")
                                     + "; the file is damaged here")
            }
            return x
        }
        let n = try number(0)
        guard n >= 0, n < 256, n == n.rounded() else {
            throw RecordingError(path: path, offset: nil, "line \(line): sample index \(n) is not a Cyton packet "
                                 + "number (0 to 255)")
        }
        if let last = lastNumber { night.lost(Cyton.packetsLost(after: last, got: UInt8(n))) }
        lastNumber = UInt8(n)
        night.stats.frames += 1
        let emg = try c.emg.map { Float(try number($0)) }
        let accel = try c.accel.map { Float(try number($0)) }
        try night.sample(emg: emg, accel: accel.count == 3 && accel.contains { $0 != 0 } ? accel : nil)
    }
}

/// Hands `body` the file's lines (without their newline) until it returns false.
func forEachLine(_ reader: ChunkedFileReader, _ body: (Substring) throws -> Bool) throws {
    var pending: [UInt8] = []
    while true {
        let chunk = try reader.next()
        if chunk.isEmpty { break }
        pending += chunk
        guard let lastNewline = pending.lastIndex(of: 10) else { continue }
        let text = String(decoding: pending[...lastNewline], as: UTF8.self)
        pending.removeSubrange(...lastNewline)
        for l in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() where try !body(l) {
            return
        }
    }
    if !pending.isEmpty { _ = try body(Substring(String(decoding: pending, as: UTF8.self))) }
}

extension Substring {
    func trimmingCharacters() -> String {
        String(drop(while: { $0 == " " || $0 == "\r" || $0 == "\t" }).reversed()
            .drop(while: { $0 == " " || $0 == "\r" || $0 == "\t" }).reversed())
    }
}
