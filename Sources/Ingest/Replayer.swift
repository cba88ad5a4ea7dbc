import DeviceProtocol
import Exports
import NightAnalysis
import Recordings
import SignalCore

/// Replays a recording of any supported format through the one night runner, as a live night would run.
public struct Replayer {
    public var configuration: DetectorConfiguration
    /// Called about every 5 % with the fraction done (on a TTY).
    public var progress: ((Double) -> Void)?
    /// Keep every tick's features in the result (for threshold sweeps).
    public var recordTicks = false
    /// Channel choice and CSV layout for recordings that are not raw captures.
    public var recordingOptions = RecordingOptions()
    /// Told of the night as it is replayed (e.g. an EDF+ export, pacing), in this order.
    public var observers: [NightObserver] = []

    public init(configuration: DetectorConfiguration = DetectorConfiguration(), recordTicks: Bool = false,
                progress: ((Double) -> Void)? = nil) {
        self.configuration = configuration
        self.recordTicks = recordTicks
        self.progress = progress
    }

    /// The format is recognised from the content, not the name.
    public func replay(path: String) throws -> NightResult {
        let format = try FormatDetector.detect(path: path)
        switch format {
        case .rawCapture: return try replayCapture(path: path)
        case .edf, .edfPlus, .bdf, .bdfPlus: return try replayEDF(path: path, format: format)
        case .csv: return try replayCSV(path: path)
        }
    }

    func replayCapture(path: String) throws -> NightResult {
        let reader = try ChunkedFileReader(path: path)
        let run: LiveRun = CytonCapture.recognises(try reader.peek(CytonCapture.magic.utf8.count))
            ? CytonRun(path: path, configuration: configuration, observers: observers, recordTicks: recordTicks)
            : CaptureRun(path: path, configuration: configuration, observers: observers, recordTicks: recordTicks)
        var lastReported = 0.0
        while true {
            let chunk = try reader.next()
            if chunk.isEmpty { break }
            try run.feed(chunk)
            if let progress, reader.size > 0 {
                let done = Double(reader.offset) / Double(reader.size)
                if done - lastReported >= 0.05 {
                    lastReported = done
                    progress(done)
                }
            }
        }
        return try run.finish(sizeBytes: reader.size)
    }

    /// The configuration with the recording options' mains frequency, if one was given.
    var effectiveConfiguration: DetectorConfiguration {
        var cfg = configuration
        if let mains = recordingOptions.mainsHz { cfg.mainsHz = Double(mains) }
        return cfg
    }

    /// Replays an EDF, EDF+ (C or D), BDF or BDF+ file record by record; one left unclosed by a crash is repaired
    /// first.
    func replayEDF(path: String, format: RecordingFormat) throws -> NightResult {
        let (reader, repairNote) = try Self.openRepairing(path: path, inPlace: recordingOptions.repairInPlace)
        var source = try EDFSource(path: path, format: format, reader: reader, options: recordingOptions)
        let cfg = effectiveConfiguration
        let runner = try NightRunner(detector: try source.detector(configuration: cfg),
                                     info: source.deviceInfo(mainsHz: cfg.mainsHz),
                                     observers: observers, recordTicks: recordTicks)
        try source.run(into: runner, progress: progress)
        let (hypnogram, stageNote) = ScoredStages.read(try source.stageAnnotations(), path: reader.path,
                                                       durationSeconds: runner.recordedSeconds)
        var result = try runner.finish(path: path, format: format, sizeBytes: reader.fileSize, hypnogram: hypnogram)
        result.repairNote = repairNote
        result.channelNoteKinds = source.choice.typedNotes
        result.stageNotes = stageNote.map { [$0] } ?? []
        return result
    }

    /// Opens an EDF/BDF; one that was not closed (crash, power cut) is repaired in place first when allowed:
    /// every complete record kept, the record count fixed. Returns what was done, in words, for the person.
    public static func openRepairing(path: String, inPlace: Bool) throws -> (EDFReader, String?) {
        let reader = try EDFReader(path: path)
        guard reader.needsRepair && inPlace else { return (reader, nil) }
        do {
            let report = try EDFRepair.repair(path: path)
            guard report.changed else { return (reader, nil) }
            let note = "\(path): the recording was not closed (a crash or power cut?); repaired: \(report.recordsKept) "
                       + "complete data records kept"
                + (report.bytesDropped > 0 ? ", \(report.bytesDropped) bytes of an incomplete record dropped." : ".")
            return (try EDFReader(path: path), note)
        } catch {
            return (reader, "\(path): the recording was not closed and cannot be repaired in place (\(error)); "
                            + "replaying its complete records.")
        }
    }

    /// Replays a CSV file (see `CSVSource` for the layouts it reads).
    func replayCSV(path: String) throws -> NightResult {
        if OpenBCITextSource.recognises(try ChunkedFileReader(path: path).peek(OpenBCITextSource.magic.utf8.count)) {
            return try OpenBCITextSource(path: path, options: recordingOptions)
                .replay(configuration: effectiveConfiguration, observers: observers, recordTicks: recordTicks)
        }
        if OpenBCISDSource.recognises(try ChunkedFileReader(path: path).peek(16)) {
            return try OpenBCISDSource(path: path, options: recordingOptions)
                .replay(configuration: effectiveConfiguration, observers: observers, recordTicks: recordTicks)
        }
        let source = try CSVSource(path: path, options: recordingOptions)
        let layout = try source.layout(rateHz: recordingOptions.csvRateHz)
        let cfg = effectiveConfiguration
        let runner = try NightRunner(detector: try source.detector(configuration: cfg, layout: layout),
                                     info: source.deviceInfo(layout: layout, mainsHz: cfg.mainsHz),
                                     observers: observers, recordTicks: recordTicks)
        try source.run(into: runner, layout: layout)
        let size = (try? ChunkedFileReader(path: path).size) ?? 0
        var result = try runner.finish(path: path, format: .csv, sizeBytes: size)
        result.channelNoteKinds = source.choice.typedNotes
        return result
    }
}
