import Foundation
import Recordings
import TestSupport
import Testing

@Suite(.temporaryFolder) struct EDFWriterTests {
    /// 2 EMG channels at 1000 Hz (µV, an awkward range that must be rounded to 8 characters), 3 accelerometer axes at
    /// 50 Hz (g), 30 one-second records fed in uneven chunks, and annotations including UTF-8 text and one added after
    /// the last record.
    @Test(.tags(.slow, .python), arguments: [false, true])
    func writtenFileReadsBackIdenticallyInEdfioPyedflibAndMNE(bdf: Bool) async throws {
        let dir = try TemporaryFolder.make(bdf ? "wbdf" : "wedf")
        let path = dir.appendingPathComponent(bdf ? "night.bdf" : "night.edf").path
        let signals = [
            EDFSignal(label: "EMG Tibialis L", physicalDimension: "uV", physicalMinimum: -3276.8123456,
                      physicalMaximum: 3276.7123456,
                      digitalMinimum: 0, digitalMaximum: 0, samplesPerRecord: 1000),
            EDFSignal(label: "EMG Gastroc L", physicalDimension: "uV", physicalMinimum: -1000, physicalMaximum: 1000,
                      digitalMinimum: 0, digitalMaximum: 0, samplesPerRecord: 1000),
            EDFSignal(label: "Accel X", physicalDimension: "g", physicalMinimum: -2, physicalMaximum: 2,
                      digitalMinimum: 0, digitalMaximum: 0, samplesPerRecord: 50),
            EDFSignal(label: "Accel Y", physicalDimension: "g", physicalMinimum: -2, physicalMaximum: 2,
                      digitalMinimum: 0, digitalMaximum: 0, samplesPerRecord: 50),
            EDFSignal(label: "Accel Z", physicalDimension: "g", physicalMinimum: -2, physicalMaximum: 2,
                      digitalMinimum: 0, digitalMaximum: 0, samplesPerRecord: 50),
        ]
        let writer = try EDFWriter(path: path, bdf: bdf, signals: signals, recordDurationSeconds: 1,
                                   start: EDFStartTime(year: 2026, month: 11, day: 24, hour: 23, minute: 5, second: 7,
                                                       fraction: 0.25))
        // The 8-character fields were rounded, and the writer scales with the rounded values.
        #expect(writer.signal(0).physicalMinimum == -3276.81)  // "-3276.812" would be 9 characters
        #expect(writer.signal(0).physicalMaximum == 3276.712)
        var rng = SplitMix64(seed: bdf ? 11 : 7)
        let records = 30
        var intended = Array(repeating: [Double](), count: 5)
        var chunks: [[Float]] = Array(repeating: [], count: 5)
        for c in 0..<5 {
            let n = signals[c].samplesPerRecord * records
            let amplitude = c < 2 ? 900.0 : 1.5
            chunks[c] = (0..<n).map { k in Float(amplitude * sin(Double(k) * 0.013 * Double(c + 1))
                                                 + Double.random(in: -amplitude / 10...amplitude / 10, using: &rng)) }
        }
        // Uneven chunks, interleaving channels, so records complete at odd moments.
        var pos = Array(repeating: 0, count: 5)
        var step = 1
        while pos.enumerated().contains(where: { $0.element < chunks[$0.offset].count }) {
            for c in 0..<5 {
                let n = min(chunks[c].count - pos[c], c < 2 ? 37 * step : 3 * step)
                guard n > 0 else { continue }
                try chunks[c][pos[c]..<(pos[c] + n)].withUnsafeBufferPointer { try writer.append(channel: c, $0) }
                pos[c] += n
            }
            step = step % 9 + 1
        }
        let annotations = [
            EDFAnnotation(onsetSeconds: 2.5, durationSeconds: 12.75, text: "Cramp ch1 peak 347 uV"),
            EDFAnnotation(onsetSeconds: 3, durationSeconds: 20, text: "Sleep interruption"),
            EDFAnnotation(onsetSeconds: 17.125, durationSeconds: 0, text: "Krampf in der Wade – 抽筋"),
            EDFAnnotation(onsetSeconds: 29.25, durationSeconds: 0.5, text: "Leg movement ch2"),
        ]
        for a in annotations.prefix(3) {
            writer.annotate(onsetSeconds: a.onsetSeconds, durationSeconds: a.durationSeconds, text: a.text)
        }
        // This one arrives after every record was written: it must still land in the file.
        writer.annotate(onsetSeconds: annotations[3].onsetSeconds, durationSeconds: annotations[3].durationSeconds,
                        text: annotations[3].text)
        try writer.close()
        #expect(writer.recordsWritten == records)
        for c in 0..<5 { intended[c] = chunks[c].map { Double($0) } }
        let written = (0..<5).map { writer.signal($0) }
        try writeManifest(intended, signals: written, annotations: annotations, to: dir)

        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600, "file mode \(String(mode ?? 0, radix: 8))")
        let result = try await checker("written", path, dir)
        if ProcessInfo.processInfo.environment["KEEP"] != nil { print("KEEP", dir.path, result) }
        #expect((result["header_problems"] as? [String]) == [],
                "EDFbrowser's header rules: \(result["header_problems"] ?? "?")")
        for reader in ["pyedflib", "edfio", "mne"] {
            let w = try #require(worstSteps(result, reader), "\(reader): \(result)")
            // MNE resamples the 50-Hz accelerometer to 1000 Hz; it is compared on the EMG channels it leaves alone.
            #expect(w.signals == (reader == "mne" ? 2 : 5))
            #expect(w.countsAgree, "\(reader): sample counts differ: \(result[reader] ?? "")")
            // One digital step is the rounding of physical to digital; readers agree with what we meant within half a
            // step (plus float noise).
            #expect(w.steps <= 0.5 + 1e-6, "\(reader): samples differ by \(w.steps) digital steps")
            let r = try #require(result[reader] as? [String: Any])
            #expect(r["annotations"] as? Int == annotations.count, "\(reader): \(r)")
            #expect(r["annotations_equal"] as? Bool == true, "\(reader): annotations differ: \(r)")
        }
        // And our own reader gives back the digital values and annotations exactly.
        let back = try EDFReader(path: path)
        #expect(back.recordCount == records && !back.needsRepair)
        #expect(abs(back.startOffsetSeconds - 0.25) < 1e-9)
        #expect(back.header.startDate == "24.11.26" && back.header.startTime == "23.05.07")
        #expect(back.header.recording.hasPrefix("Startdate 24-NOV-2026 "))
        let ours = try back.allAnnotations().annotations
        // In onset order, with their onsets, durations and UTF-8 text as written (the late one included).
        #expect(ours == annotations, "\(ours)")
    }

    @Test func physicalToDigitalRoundsToTheNearestStepAndClamps() {
        let s = EDFSignal(label: "x", physicalDimension: "uV", physicalMinimum: -100, physicalMaximum: 100,
                          digitalMinimum: -1000, digitalMaximum: 1000, samplesPerRecord: 1)
        #expect(s.unitsPerStep == 0.1)
        #expect(s.digital(0.149) == 1 && s.digital(0.151) == 2 && s.digital(-0.151) == -2)
        #expect(s.digital(1e9) == 1000 && s.digital(-1e9) == -1000 && s.digital(.nan) == -1000)
        #expect(s.digital(42.3) == 423 && abs(s.physical(s.digital(42.3)) - 42.3) < 1e-9)
        // Inverted range: a larger physical value gives a smaller digital value.
        let inv = EDFSignal(label: "y", physicalDimension: "uV", physicalMinimum: 100, physicalMaximum: -100,
                            digitalMinimum: -1000, digitalMaximum: 1000, samplesPerRecord: 1)
        #expect(inv.digital(50) == -500)
    }

    @Test func eightCharacterNumbersKeepTheMostPrecisionThatFits() {
        #expect(EDFHeader.formatNumber(-3276.8123456)?.text == "-3276.81")
        #expect(EDFHeader.formatNumber(0.000123456789)?.text == "0.000123")
        #expect(EDFHeader.formatNumber(-0.0001234567)?.text == "-0.00012")
        #expect(EDFHeader.formatNumber(12345678)?.text == "12345678")
        #expect(EDFHeader.formatNumber(123456789) == nil)
        // Rounded to a whole number it needs nine characters, so it cannot be written.
        #expect(EDFHeader.formatNumber(99999999.6) == nil)
        // Rounding may carry into a new digit and still fit.
        #expect(EDFHeader.formatNumber(9999999.96)?.text == "10000000"
                && EDFHeader.formatNumber(9999999.96)?.value == 1e7)
        #expect(EDFHeader.formatNumber(2.5)?.text == "2.5")
    }

    @Test func discontinuousRecordingBecomesEDFPlusDWithTheRightRecordOnsets() throws {
        let dir = try TemporaryFolder.make("edfd")
        let path = dir.appendingPathComponent("d.edf").path
        let w = try oneSignalEDFWriter(path: path, label: "EMG Leg 1", dimension: "uV", range: 500,
                                       samplesPerRecord: 200)
        let block = [Float](repeating: 10, count: 500)  // 2.5 records
        try block.withUnsafeBufferPointer { try w.append(channel: 0, $0) }
        let dropped = try w.skip(seconds: 7)  // half a record pending is dropped
        #expect(dropped == 0.5)
        try block.withUnsafeBufferPointer { try w.append(channel: 0, $0) }
        try w.close()
        let r = try EDFReader(path: path)
        #expect(r.header.isDiscontinuous && r.recordCount == 4)
        #expect(try r.recordOnsets() == [0, 1, 2 + 0.5 + 7, 3 + 0.5 + 7])
    }
}
