import Foundation
import Recordings

/// The OpenBCI GUI's BDF files (`OpenBCI-BDF-*.bdf`, docs/cyton.md#openbci-gui-files). The GUI labels the Cyton's
/// channels "EEG 1" … "EEG 8" whatever they record, so leg EMG cannot be found by label: as in the GUI's text files
/// and `monitor --cyton`, the first two channels are the EMG unless `--emg-channel` says otherwise.
///
/// Two things in these files are not what their header says (read from the GUI's BDF writer, DataWriterBDF):
/// - GUI 5 and later write each sample's microvolts, as a whole number, where the header describes ADC counts of
///   4.5 V / 24 / (2^23 − 1) = 0.0224 µV, so values read as the header says are 44.7 times too small (the GUI's
///   issue #1078: "amplitudes are different in GUI and exported bdf file"). Which GUI wrote a file is not in its
///   header; its samples tell (``wholeMicrovolts(_:signal:)``).
/// - The accelerometer: GUI 5 and later keep only whole g of it (0 nearly always), earlier GUIs a reading on one
///   sample in ten and 0 between. Neither is a movement signal, so it is left out unless `--accel-channels` names it.
enum OpenBCIGUIBDF {
    static let defaultEMG = ["EEG 1", "EEG 2"]

    /// The GUI's layout: data signals "EEG 1" … "EEG n" in uV (n of 4, 8 or 16), then optionally "Accel X", "Accel Y",
    /// "Accel Z" in g, and nothing else; a "BDF Annotations" signal, in a file whose reserved field says "24BIT".
    static func recognises(_ h: EDFHeader) -> Bool {
        let data = h.signals.filter { !$0.isAnnotations }
        let exg = data.prefix { $0.label.hasPrefix("EEG ") && $0.physicalDimension == "uV" }
        let rest = data.dropFirst(exg.count).map(\.label)
        return h.isBDF && [4, 8, 16].contains(exg.count) && h.annotationSignal != nil
            && exg.enumerated().allSatisfy { $0.element.label == "EEG \($0.offset + 1)" }
            && (rest.isEmpty || rest == ["Accel X", "Accel Y", "Accel Z"])
    }

    /// Records looked at to tell counts from whole microvolts, and the median step between successive samples, in
    /// digital units, below which they are microvolts: on skin, electrode noise alone (1 µV or more at 250 Hz) moves
    /// ADC counts of 0.0224 µV by 45 or more per sample, and whole microvolts by a few.
    static let recordsLookedAt = 30
    static let microvoltStepsBelow = 20.0

    /// True when the signal's samples are whole microvolts written as counts (GUI 5 and later).
    static func wholeMicrovolts(_ reader: EDFReader, signal s: Int) throws -> Bool {
        let off = reader.header.offsetInRecord(s)
        let n = reader.header.signals[s].samplesPerRecord
        var steps: [Int32] = []
        for r in 0..<min(recordsLookedAt, reader.recordCount) {
            try reader.load(record: r)
            var last = reader.digital(signal: s, sample: 0, signalOffset: off)
            for k in 1..<max(1, n) {
                let v = reader.digital(signal: s, sample: k, signalOffset: off)
                steps.append(v > last ? v &- last : last &- v)
                last = v
            }
        }
        guard !steps.isEmpty else { return false }
        steps.sort()
        return Double(steps[steps.count / 2]) < microvoltStepsBelow
    }

    /// The channel choice for a GUI file: the first two channels unless asked otherwise, no accelerometer unless
    /// asked for, and the EMG scaled to microvolts when the samples are whole microvolts; with notes that say so.
    static func choose(_ reader: EDFReader, path: String, options: RecordingOptions,
                       choose: ([String]?, [String]?) throws -> ChannelChoice, data: [Int]) throws -> ChannelChoice {
        var choice = try choose(options.emgChannels ?? defaultEMG, options.accelChannels ?? [])
        let named = choice.emg.map { "\"\(reader.header.signals[data[$0]].label)\"" }.joined(separator: ", ")
        var notes = ["OpenBCI GUI recording: EMG from " + named
                     + (options.emgChannels == nil ? " (the first two; others with --emg-channel)" : "")]
        if options.accelChannels == nil, reader.header.signals.contains(where: { $0.label == "Accel X" }) {
            notes.append("OpenBCI GUI recording: its accelerometer is left out (the GUI writes it with whole g only, "
                         + "or one sample in ten), so sleep and awakenings are not measured; --accel-channels uses it")
        }
        if let first = choice.emg.first, try wholeMicrovolts(reader, signal: data[first]) {
            let step = abs(reader.header.signals[data[first]].unitsPerStep)
            choice.emgToMicrovolts = choice.emgToMicrovolts.map { $0 / step }
            notes.append("OpenBCI GUI recording: the samples are whole microvolts where the header says ADC counts "
                         + "(GUI 5 and later), so each is read as 1 µV, not \(String(format: "%.4f", step)) µV")
        }
        // GUIs before 5 wrote the hour on a 12-hour clock (their issue #904): an hour up to 12 may be 12 hours off.
        let shown = reader.header.startTime.replacingOccurrences(of: ".", with: ":")
        if let hour = Int(shown.prefix(2)), hour <= 12 {
            notes.append("OpenBCI GUI recording: older GUIs wrote the start on a 12-hour clock; if \(shown) should "
                         + "be 12 hours later, replay again with --start and --replace")
        }
        choice.typedNotes = notes.map(ChannelNote.other) + choice.typedNotes
        return choice
    }
}
