import DeviceProtocol
import Exports
import NightAnalysis
import Recordings
import SignalCore

/// What a replay takes from an EDF+ file's annotation signal in its one pass over it.
struct EDFAnnotationRead {
    /// Seconds from the first sample at which each record begins.
    var recordOnsets: [Double]
    /// Only the "Sleep stage …" annotations (`SleepStageLabels`), when stages are wanted: the file's other
    /// annotations are never held, however many there are.
    var stages: [EDFAnnotation]
}

/// An EDF, EDF+ (C or D), BDF or BDF+ file as a source for the night runner: which signals are EMG and
/// accelerometer (by label and unit, or as asked), at what rates, and their records, one by one.
struct EDFSource {
    let path: String
    let format: RecordingFormat
    let reader: EDFReader
    let choice: ChannelChoice
    /// Signal indices in the file (annotation signals skipped).
    let emg: [Int], accel: [Int]
    /// Samples per second; 0 when there is no such channel. Without EMG the accelerometer is the clock.
    let emgRateHz: Int, accelRateHz: Int
    /// Sleep and wake are to come from the lab's scored stages, if this EDF+ carries them.
    let wantsStages: Bool
    /// The annotation signal's one read, once a use needed it (`annotations()`).
    private var annotationsRead: EDFAnnotationRead?

    init(path: String, format: RecordingFormat, reader: EDFReader, options: RecordingOptions) throws {
        self.path = path
        self.format = format
        self.reader = reader
        let h = reader.header
        let data = h.signals.indices.filter { !h.signals[$0].isAnnotations }
        let pick = { (emg: [String]?, accel: [String]?) in
            try ChannelSelector.choose(labels: data.map { h.signals[$0].label },
                                       dimensions: data.map { h.signals[$0].physicalDimension },
                                       ratesHz: data.map { h.sampleRateHz($0) }, path: path,
                                       emgRequested: emg, accelRequested: accel,
                                       unitsPerStep: data.map { h.signals[$0].unitsPerStep })
        }
        let choice = OpenBCIGUIBDF.recognises(h)
            ? try OpenBCIGUIBDF.choose(reader, path: path, options: options, choose: pick, data: data)
            : try pick(options.emgChannels, options.accelChannels)
        self.choice = choice
        emg = choice.emg.map { data[$0] }
        accel = choice.accel.map { data[$0] }
        emgRateHz = try emg.first.map { try Self.emgRate(reader, signal: $0, path: path) } ?? 0
        accelRateHz = try accel.first.map { try Self.accelRate(reader, signal: $0, path: path) } ?? 0
        wantsStages = options.useScoredStages && h.isPlus
    }

    /// The annotation signal, read once for both its uses: an EDF+D's record onsets, needed before the run, and the
    /// scored stages, needed after it. Each is read when first needed (an EDF+C's only after the run), so a damaged
    /// annotation signal is reported at the same point as when each use read the file itself.
    mutating func annotations() throws -> EDFAnnotationRead {
        if let annotationsRead { return annotationsRead }
        let keepStages = wantsStages
        let (onsets, stages) = try reader.allAnnotations { keepStages && SleepStageLabels.asleep($0.text) != nil }
        let read = EDFAnnotationRead(recordOnsets: onsets, stages: stages)
        annotationsRead = read
        return read
    }

    /// The lab's "Sleep stage …" annotations, or none when the file is no EDF+ or they are not wanted.
    mutating func stageAnnotations() throws -> [EDFAnnotation] {
        wantsStages ? try annotations().stages : []
    }

    /// The rate as a whole number of Hz, if it is one (within 1e-9) and inside `InputBounds.sampleRatesHz`.
    static func wholeRate(_ hz: Double) -> Int? {
        let r = hz.rounded()
        guard abs(hz - r) < 1e-9, r >= 1 else { return nil }
        return InputBounds.wholeIfInside(r, InputBounds.sampleRatesHz)
    }

    static func emgRate(_ reader: EDFReader, signal s: Int, path: String) throws -> Int {
        let raw = reader.header.sampleRateHz(s)
        guard let r = wholeRate(raw), r >= 100 else {
            throw RecordingError(path: path, offset: nil,
                                 "EMG \"\(reader.header.signals[s].label)\" is sampled at \(raw) Hz; the detector "
                                 + "needs a whole number of at least 100 Hz (surface EMG is normally 200 Hz or more; "
                                 + "500–2000 Hz is best). Choose another channel with --emg-channel")
        }
        return r
    }

    static func accelRate(_ reader: EDFReader, signal s: Int, path: String) throws -> Int {
        let raw = reader.header.sampleRateHz(s)
        guard let r = wholeRate(raw), r <= 1000 else {
            throw RecordingError(path: path, offset: nil,
                                 "accelerometer \"\(reader.header.signals[s].label)\" is sampled at \(raw) Hz; the "
                                 + "detector needs a whole number from 1 to 1000 Hz. Choose others with "
                                 + "--accel-channels, or --accel-channels none")
        }
        return r
    }

    /// The detector for the chosen channels; its clipping level is the smallest EMG channel's physical range.
    func detector(configuration cfg: DetectorConfiguration) throws -> NightDetector {
        let h = reader.header
        let clip = emg.enumerated().map { i, s in
            Float(max(abs(h.signals[s].physicalMinimum), abs(h.signals[s].physicalMaximum)) * choice.emgToMicrovolts[i])
        }.min() ?? .infinity
        do {
            return try NightDetector(configuration: cfg, sampleRateHz: emgRateHz, emgChannels: emg.count,
                                     accelRateHz: accelRateHz, accelAxes: accel.count, clipLevelMicrovolts: clip)
        } catch {
            throw RecordingError(path: path, offset: nil,
                                 "the chosen channels cannot be used by the detector: \(error)")
        }
    }

    /// The recording described as a device. The journal knows a device, and whether it has EMG and an
    /// accelerometer, by its serial: a recording replayed without EMG (`-ACCEL`), or without an accelerometer (`-EMG`,
    /// a sleep lab's montage), is another "device", so that a leg-worn night and a sleep-lab night from the same
    /// equipment field are not both taken for the first one's channels.
    func deviceInfo(mainsHz: Double) -> DeviceInfo {
        let h = reader.header
        let serial = Self.serial(fromRecordingField: h.recording, format: format)
            + (emg.isEmpty ? "-ACCEL" : accel.isEmpty ? "-EMG" : "")
        return DeviceInfo(serial: serial, emgChannels: emg.count, accelAxes: accel.count, mainsHz: Int(mainsHz),
                          adcBits: h.isBDF ? 24 : 16, emgRateHz: emgRateHz, accelRateHz: accelRateHz,
                          emgMicrovoltsPerLSB: emg.first.map {
                              Float(abs(h.signals[$0].unitsPerStep) * choice.emgToMicrovolts[0])
                          } ?? 0,
                          accelGPerLSB: accel.first.map {
                              Float(abs(h.signals[$0].unitsPerStep) * choice.accelToG[0])
                          } ?? 0,
                          emgBlockSamples: emg.first.map { h.signals[$0].samplesPerRecord } ?? 0, bootID: 0,
                          emgSites: emg.map { Self.siteCode(h.signals[$0].label) } + Array(repeating: 0,
                                                                                           count: 4 - emg.count))
    }

    /// Feeds every record to the runner, with the jumps between EDF+D records as gaps.
    mutating func run(into runner: NightRunner, progress: ((Double) -> Void)?) throws {
        let h = reader.header
        let onsets = h.isDiscontinuous ? try annotations().recordOnsets : []
        let emgPer = emg.first.map { h.signals[$0].samplesPerRecord } ?? 0
        let accelPer = accel.first.map { h.signals[$0].samplesPerRecord } ?? 0
        let clockRate = Double(emg.isEmpty ? accelRateHz : emgRateHz)
        let emgBuffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(1, emgPer * emg.count))
        let accelBuffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(1, accelPer * accel.count))
        defer { emgBuffer.deallocate(); accelBuffer.deallocate() }
        var expectedOnset = 0.0
        var lastReported = 0.0
        for r in 0..<reader.recordCount {
            if h.isDiscontinuous {
                try jump(to: onsets[r], record: r, from: expectedOnset, clockRate: clockRate, runner: runner)
                expectedOnset = onsets[r] + h.recordDurationSeconds
            }
            try reader.load(record: r)
            for (c, s) in emg.enumerated() {
                reader.physical(signal: s, factor: choice.emgToMicrovolts[c], into: emgBuffer, start: c,
                                stride: emg.count)
            }
            for (c, s) in accel.enumerated() {
                reader.physical(signal: s, factor: choice.accelToG[c], into: accelBuffer, start: c, stride: accel.count)
            }
            try runner.process(emg: UnsafeBufferPointer(rebasing: emgBuffer[0..<(emgPer * emg.count)]),
                               accel: UnsafeBufferPointer(rebasing: accelBuffer[0..<(accelPer * accel.count)]))
            if let progress, reader.recordCount > 20 {
                let done = Double(r + 1) / Double(reader.recordCount)
                if done - lastReported >= 0.05 { lastReported = done; progress(done) }
            }
        }
    }

    /// An EDF+D record that starts later than the previous one ended leaves a gap; one that starts earlier is refused.
    private func jump(to onset: Double, record r: Int, from expected: Double, clockRate: Double,
                      runner: NightRunner) throws {
        let jump = onset - expected
        if jump > 0.5 / clockRate {
            try runner.gap(seconds: jump, reason: "no data between EDF+D records", path: path,
                           offset: reader.offset(ofRecord: r),
                           place: "data record \(r + 1), which starts at \(onset) s")
        } else if jump < -0.5 / clockRate {
            throw RecordingError(path: path, offset: reader.offset(ofRecord: r),
                                 "data record \(r + 1) starts at \(onset) s, before the previous one ended "
                                 + "(\(expected) s); EDF+D records must be in time order")
        }
    }

    static func serial(fromRecordingField field: String, format: RecordingFormat) -> String {
        // EDF+ recording field: "Startdate dd-MMM-yyyy code technician equipment".
        let parts = field.split(separator: " ")
        if parts.count >= 5, parts[0] == "Startdate", parts[4] != "X" { return String(parts[4]) }
        return format.rawValue.uppercased()
    }

    /// Electrode-site code (as in DeviceInfo.emgSites) guessed from a label; a sleep lab's "Leg" channel is
    /// the tibialis anterior (AASM electrode placement), and the side comes from a word or a letter.
    static func siteCode(_ label: String) -> UInt8 {
        let l = label.lowercased()
        let tokens = l.split { !$0.isLetter && !$0.isNumber }
            .map { String($0.reversed().drop { $0.isNumber }.reversed()) }
        let rightTokens: Set<String> = ["r", "right", "droite", "rat", "rleg", "legr", "rtib", "tibr", "rta", "plmr"]
        let right: UInt8 = l.hasSuffix(" r") || l.contains("right") || l.contains("droit")
            || tokens.contains(where: rightTokens.contains) ? 0x80 : 0
        let shin = ["tib", "lat", "rat", "leg", "jambe", "plm"]
        if l.contains("tib") || l.contains(" ta") || tokens.contains(where: { ["ta", "lta", "rta"].contains($0) })
            || tokens.contains(where: { t in shin.contains { t.contains($0) } }) {
            return 1 | right
        }
        if l.contains("gastro") || l.contains("calf") { return 2 | right }
        if l.contains("soleus") { return 3 | right }
        return 0
    }

}
