import DeviceProtocol
import Recordings
import SignalCore

/// How to read recordings that are not raw device captures.
public struct RecordingOptions: Sendable {
    /// `--emg-channel`: labels or 1-based numbers; nil picks leg EMG by label and unit.
    public var emgChannels: [String]?
    /// `--accel-channels`: three labels or numbers; nil picks by unit; [] for none.
    public var accelChannels: [String]?
    /// Mains frequency for the notch (Hz); nil keeps the configuration's.
    public var mainsHz: Int?
    /// CSV without a time column: the sampling rate (Hz).
    public var csvRateHz: Double?
    /// CSV: the time column's name (seconds).
    public var csvTimeColumn: String?
    /// Repair a crashed EDF/BDF (record count -1, partial last record) in place before reading it.
    public var repairInPlace = true

    public init(emgChannels: [String]? = nil, accelChannels: [String]? = nil, mainsHz: Int? = nil, csvRateHz: Double? = nil,
                csvTimeColumn: String? = nil, repairInPlace: Bool = true) {
        self.emgChannels = emgChannels
        self.accelChannels = accelChannels
        self.mainsHz = mainsHz
        self.csvRateHz = csvRateHz
        self.csvTimeColumn = csvTimeColumn
        self.repairInPlace = repairInPlace
    }
}

/// Receives a night's signals as they are replayed (µV EMG and g accel, interleaved), its gaps and its final events:
/// the EDF+/BDF+ export, and later the live monitor's recording.
public protocol NightSignalSink: AnyObject {
    func start(_ info: DeviceInfo) throws
    func samples(emg: UnsafeBufferPointer<Float>, accel: UnsafeBufferPointer<Float>) throws
    /// No data for `seconds` (lost frames, or a jump between EDF+D records).
    func gap(seconds: Double, note: String) throws
    func event(_ e: DetectedEvent) throws
    func finish() throws
}

/// Feeds a detector with physical samples and keeps the night's events and gaps (shared by EDF and CSV replay).
final class PhysicalRun {
    let detector: NightDetector
    let sink: NightSignalSink?
    var events = EventBuffer(capacity: 1024)
    var finalEvents: [DetectedEvent] = []
    var provisional = 0
    var gaps: [NightGap] = []

    init(detector: NightDetector, sink: NightSignalSink?) {
        self.detector = detector
        self.sink = sink
    }

    func process(emg: UnsafeBufferPointer<Float>, accel: UnsafeBufferPointer<Float>) throws {
        detector.process(emg: emg, accel: accel, into: &events)
        try sink?.samples(emg: emg, accel: accel)
        try drain()
    }

    func gap(seconds: Double, reason: String) throws {
        let fs = Double(detector.sampleRateHz)
        let n = Int((seconds * fs).rounded())
        guard n > 0 else { return }
        let onset = Double(detector.emgSampleIndex) / fs
        gaps.append(NightGap(onsetSeconds: onset, offsetSeconds: onset + Double(n) / fs, framesLost: 0, firstLostSequence: nil, emgSamplesLost: n, reason: reason))
        detector.skip(emgSamples: n, accelSamples: Int((seconds * Double(detector.accelRateHz)).rounded()), into: &events)
        try sink?.gap(seconds: Double(n) / fs, note: reason)
        try drain()
    }

    func drain() throws {
        guard !events.isEmpty else { return }
        for e in events.events {
            if e.isProvisional { provisional += 1 } else {
                finalEvents.append(e)
                try sink?.event(e)
            }
        }
        events.removeAll()
    }

    func finish() throws -> [DetectedEvent] {
        detector.finish(into: &events)
        try drain()
        try sink?.finish()
        finalEvents.sort { ($0.onsetSeconds, $0.kind.rawValue) < ($1.onsetSeconds, $1.kind.rawValue) }
        return finalEvents
    }
}

extension Replayer {
    static func wholeRate(_ hz: Double) -> Int? {
        let r = hz.rounded()
        return abs(hz - r) < 1e-9 && r >= 1 ? Int(r) : nil
    }

    /// Replays an EDF, EDF+ (C or D), BDF or BDF+ file record by record.
    func replayEDF(path: String, format: RecordingFormat) throws -> NightResult {
        var reader = try EDFReader(path: path)
        var repairedNote: String?
        if reader.needsRepair && recordingOptions.repairInPlace {
            // A recording that was not closed (crash, power cut): keep every complete record, fix the count.
            if let report = try? EDFRepair.repair(path: path), report.changed {
                repairedNote = "repaired: \(report.recordsKept) complete records kept, \(report.bytesDropped) bytes of a partial record dropped"
                reader = try EDFReader(path: path)
            }
        }
        _ = repairedNote
        let h = reader.header
        let data = h.signals.indices.filter { !h.signals[$0].isAnnotations }
        let choice = try ChannelSelector.choose(labels: data.map { h.signals[$0].label }, dimensions: data.map { h.signals[$0].physicalDimension },
                                                ratesHz: data.map { h.sampleRateHz($0) }, path: path,
                                                emgRequested: recordingOptions.emgChannels, accelRequested: recordingOptions.accelChannels)
        let emg = choice.emg.map { data[$0] }
        let accel = choice.accel.map { data[$0] }
        // Without EMG (an accelerometer-only recording) the accelerometer is the clock.
        var emgRate = 0
        if let first = emg.first {
            let emgRateRaw = h.sampleRateHz(first)
            guard let r = Self.wholeRate(emgRateRaw), r >= 100 else {
                throw RecordingError(path: path, offset: nil, "EMG \"\(h.signals[first].label)\" is sampled at \(emgRateRaw) Hz; the detector needs a whole number of at least 100 Hz (surface EMG is normally 200 Hz or more; 500–2000 Hz is best). Choose another channel with --emg-channel")
            }
            emgRate = r
        }
        var accelRate = 0
        if let a = accel.first {
            let raw = h.sampleRateHz(a)
            guard let r = Self.wholeRate(raw), r <= 1000 else {
                throw RecordingError(path: path, offset: nil, "accelerometer \"\(h.signals[a].label)\" is sampled at \(raw) Hz; the detector needs a whole number from 1 to 1000 Hz. Choose others with --accel-channels, or --accel-channels none")
            }
            accelRate = r
        }
        var cfg = configuration
        if let mains = recordingOptions.mainsHz { cfg.mainsHz = Double(mains) }
        let clip = emg.enumerated().map { i, s in Float(max(abs(h.signals[s].physicalMinimum), abs(h.signals[s].physicalMaximum)) * choice.emgToMicrovolts[i]) }.min() ?? .infinity
        let detector: NightDetector
        do {
            detector = try NightDetector(configuration: cfg, sampleRateHz: emgRate, emgChannels: emg.count, accelRateHz: accelRate,
                                         accelAxes: accel.count, clipLevelMicrovolts: clip)
        } catch {
            throw RecordingError(path: path, offset: nil, "the chosen channels cannot be used by the detector: \(error)")
        }
        // The journal knows a device, and whether it has EMG, by its serial: a recording replayed without EMG is another "device".
        let info = DeviceInfo(serial: Self.serial(fromRecordingField: h.recording, format: format) + (emg.isEmpty ? "-ACCEL" : ""), emgChannels: emg.count, accelAxes: accel.count,
                              mainsHz: Int(cfg.mainsHz), adcBits: h.isBDF ? 24 : 16, emgRateHz: emgRate, accelRateHz: accelRate,
                              emgMicrovoltsPerLSB: emg.first.map { Float(abs(h.signals[$0].unitsPerStep) * choice.emgToMicrovolts[0]) } ?? 0,
                              accelGPerLSB: accel.first.map { Float(abs(h.signals[$0].unitsPerStep) * choice.accelToG[0]) } ?? 0,
                              emgBlockSamples: emg.first.map { h.signals[$0].samplesPerRecord } ?? 0, bootID: 0,
                              emgSites: emg.map { Self.siteCode(h.signals[$0].label) } + Array(repeating: 0, count: 4 - emg.count))
        try signalSink?.start(info)
        if recordTicks { detector.startTickLog() }
        let run = PhysicalRun(detector: detector, sink: signalSink)
        let onsets = h.isDiscontinuous ? try reader.recordOnsets() : []
        let emgPer = emg.first.map { h.signals[$0].samplesPerRecord } ?? 0
        let clockRate = Double(emg.isEmpty ? accelRate : emgRate)
        let accelPer = accel.first.map { h.signals[$0].samplesPerRecord } ?? 0
        let emgBuffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(1, emgPer * emg.count))
        let accelBuffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(1, accelPer * accel.count))
        defer { emgBuffer.deallocate(); accelBuffer.deallocate() }
        var expectedOnset = 0.0
        var lastReported = 0.0
        for r in 0..<reader.recordCount {
            if h.isDiscontinuous {
                let jump = onsets[r] - expectedOnset
                if jump > 0.5 / clockRate {
                    try run.gap(seconds: jump, reason: "no data between EDF+D records")
                } else if jump < -0.5 / clockRate {
                    throw RecordingError(path: path, offset: reader.offset(ofRecord: r),
                                         "data record \(r + 1) starts at \(onsets[r]) s, before the previous one ended (\(expectedOnset) s); EDF+D records must be in time order")
                }
                expectedOnset = onsets[r] + h.recordDurationSeconds
            }
            try reader.load(record: r)
            for (c, s) in emg.enumerated() {
                reader.physical(signal: s, factor: choice.emgToMicrovolts[c], into: emgBuffer, start: c, stride: emg.count)
            }
            for (c, s) in accel.enumerated() {
                reader.physical(signal: s, factor: choice.accelToG[c], into: accelBuffer, start: c, stride: accel.count)
            }
            try run.process(emg: UnsafeBufferPointer(rebasing: emgBuffer[0..<(emgPer * emg.count)]),
                            accel: UnsafeBufferPointer(rebasing: accelBuffer[0..<(accelPer * accel.count)]))
            if let progress, reader.recordCount > 20 {
                let done = Double(r + 1) / Double(reader.recordCount)
                if done - lastReported >= 0.05 { lastReported = done; progress(done) }
            }
        }
        let events = try run.finish()
        return NightResult(path: path, format: format, sizeBytes: reader.fileSize, deviceInfo: info, configuration: detector.configuration,
                           durationSeconds: detector.recordedSeconds, events: events,
                           provisionalCrampNotices: run.provisional, gaps: run.gaps, stats: FrameStats(), truncatedAt: nil, tickLog: detector.tickLog,
                           zAngleEpochs: detector.zAngleEpochs, traceEnvelope: detector.machines.traceEnvelope, traceActivity: detector.machines.traceActivity)
    }

    static func serial(fromRecordingField field: String, format: RecordingFormat) -> String {
        // EDF+ recording field: "Startdate dd-MMM-yyyy code technician equipment".
        let parts = field.split(separator: " ")
        if parts.count >= 5, parts[0] == "Startdate", parts[4] != "X" { return String(parts[4]) }
        return format.rawValue.uppercased()
    }

    /// Electrode-site code (as in DeviceInfo.emgSites) guessed from a label.
    static func siteCode(_ label: String) -> UInt8 {
        let l = label.lowercased()
        let right: UInt8 = l.hasSuffix(" r") || l.contains("right") || l.hasPrefix("r") && l.contains("rat") ? 0x80 : 0
        if l.contains("tib") || l.contains("lat") || l.contains("rat") || l.contains(" ta") { return 1 | right }
        if l.contains("gastro") || l.contains("calf") { return 2 | right }
        if l.contains("soleus") { return 3 | right }
        return 0
    }
}
