import ArgumentParser
import DeviceProtocol
import Foundation
import Journal
import CrampwatchJSON
import Exports
import Ingest
import NightAnalysis
import Sessions
import Recordings
import SignalCore

struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replays a recorded night through the detector and saves it in the journal.",
        discussion: """
            FILE may be a raw device capture (as written by the monitor or by `simulate`), an EDF, EDF+, BDF or BDF+ \
            file, or CSV; the format is recognised from the content, not the name. An EDF/BDF left unclosed by a \
            crash is repaired first (every complete record kept). Damaged frames are skipped and counted; if the file \
            ends in the middle of a frame, everything before it is still detected and saved, and the exit \
            code is 3.

            With --json, prints one JSON object: {night_id, journal, recording, device, detector, summary, events[]}, \
            each event with kind (cramp, leg_movement, sleep_interruption, artifact, gap), onset_s and offset_s \
            in seconds from the recording's start.
            """
    )

    @Argument(help: ArgumentHelp("The recording to replay.", valueName: "file")) var file: String
    @OptionGroup var journal: JournalOptions
    @Flag(name: .customLong("no-journal"), help: "Detect and print only; do not save the night.") var noJournal = false
    @Flag(help: "Print the night as one JSON object (for scripts).") var json = false
    @Flag(help: ArgumentHelp("Analyse a recording already in the journal again, replacing that night's events and "
                             + "figures in place (its number, diary and labels kept)."))
    var replace = false
    @OptionGroup var minimumNight: MinimumNightOption
    @Option(help: ArgumentHelp("When the recording started: local time (\"2026-11-24 23:10\"), ISO 8601 with its "
                               + "offset (2026-11-24T23:10:00+01:00), or file-time (the file's modification time "
                               + "minus the recording's length, a guess). Default: the start the monitor kept beside "
                               + "its capture (<capture>.times.json) or an EDF/BDF header gives; else the start is "
                               + "unknown.",
                               valueName: "time"))
    var start: String?

    /// `--start` as read (validated before `run`).
    var startChoice: StartChoice? { start.flatMap { StartChoice.parse($0) } }
    /// The wall-clock start given with `--start`, if one was.
    var givenStart: Date? { if case .at(let d) = startChoice { d } else { nil } }
    @Option(name: .customLong("min-cramp"),
            help: ArgumentHelp("Shortest contraction counted as a cramp (default 10, or the configuration's).",
                               valueName: "seconds")) var minCramp: Double?
    @OptionGroup var detector: DetectorOptions
    @OptionGroup var channels: ChannelOptions
    @OptionGroup var labStages: LabStagesOptions
    @Option(name: .customLong("write-edf"),
            help: ArgumentHelp("Also write the night, with every detected event as an annotation, to this EDF+ file "
                               + "(16-bit; mode 0600).", valueName: "path"))
    var writeEDF: String?
    @Option(name: .customLong("export-events"),
            help: ArgumentHelp("Also write the detected events to this file: CSV if it ends in .csv, else JSON (the "
                               + "replay --json events).", valueName: "path"))
    var exportEvents: String?
    @Option(name: .customLong("export-signals"),
            help: ArgumentHelp("Also write the signals the detector saw (EMG in µV, accelerometer in g) to this file: "
                               + "JSON if it ends in .json (channels with name, unit, rate and samples, plus gaps and "
                               + "events), else CSV, which replay reads back.", valueName: "path"))
    var exportSignals: String?
    @Option(help: ArgumentHelp("Replay at this many times real time, as if the night were arriving live (demos, crash "
                               + "tests). Default: as fast as possible.", valueName: "factor"))
    var pace: Double?
    @Option(name: .customLong("write-bdf"),
            help: ArgumentHelp("The same as --write-edf, as 24-bit BDF+.", valueName: "path"))
    var writeBDF: String?

    func validate() throws {
        if start != nil && startChoice == nil { throw ValidationError(StartChoice.help) }
        if let given = givenStart, given > Date() {
            // One line, not the usage: the time was understood, it just cannot be a recording's start.
            complain("--start \(start ?? ""): \(StartChoice.describe(given)) is in the future; give the time the "
                     + "recording started.")
            throw Exit.failure
        }
        if let minCramp, !(1...600).contains(minCramp) {
            throw ValidationError("--min-cramp must be between 1 and 600 seconds.")
        }
        try channels.validate()
        if labStages.hypnogram != nil && channels.sleepFrom == "accelerometer" {
            throw ValidationError("--hypnogram gives the night's sleep from a lab's stages; leave out --sleep-from "
                                  + "accelerometer, or the hypnogram.")
        }
        if let pace, !(pace >= 1 && pace <= 100_000) {
            throw ValidationError("--pace must be between 1 (real time) and 100000.")
        }
        if writeEDF != nil && writeBDF != nil { throw ValidationError("Give --write-edf or --write-bdf, not both.") }
        if let out = writeEDF ?? writeBDF, (out as NSString).standardizingPath == (file as NSString).standardizingPath {
            throw ValidationError("--write-edf/--write-bdf must name a new file, not the recording being replayed.")
        }
    }

    func run() throws {
        var config: DetectorConfiguration
        do { config = try detector.resolve(journalPath: journal.resolvedPath) } catch {
            complain(error)
            throw Exit.failure
        }
        if let minCramp { config.crampMinSeconds = minCramp }
        let lab: LabHypnogram?
        do {
            lab = try labStages.lab(wakeMinSeconds: config.wakeMinSeconds)
            try lab?.check(recording: file)
        } catch {
            complain(error)
            throw Exit.failure
        }
        var content: String?
        if !noJournal {
            do {
                try Journal.checkUsable(path: journal.resolvedPath)
                content = try RecordingIdentity.sha256(path: file)
            } catch {
                complain(error)
                throw Exit.failure
            }
            if let content, !replace,
               let night = Journal.nightID(path: journal.resolvedPath, recordingSHA256: content) {
                try sayAlreadySaved(night)
                return
            }
        }
        let showProgress = !json && stderrIsTerminal
        var replayer = Replayer(configuration: config, progress: showProgress ? { f in
            FileHandle.standardError.write(Data(("\rreplaying \((file as NSString).lastPathComponent) … "
                                                 + "\(Int(f * 100))%").utf8))
        } : nil)
        replayer.recordingOptions = channels.recordingOptions
        let exporter = (writeEDF ?? writeBDF).map { out in
            // Unknown until the replay says otherwise ("Startdate X"), never the time of the replay.
            EDFNightWriter(path: out, bdf: writeBDF != nil,
                           start: givenStart.map { EDFStartTime(unixSeconds: $0.timeIntervalSince1970.rounded(.down)) }
                               ?? .unknown)
        }
        replayer.observers = observers(exporter)
        var result: NightResult
        do {
            result = try replayer.replay(path: file)
            if let lab { result = try lab.apply(to: result, startedAt: nightStart(result).0) }
        } catch {
            if showProgress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            complain(error)
            throw Exit.failure
        }
        if showProgress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        if let note = result.repairNote { complain(note) }
        for note in result.channelNotes { complain("\(file): \(note)") }
        let (startedAt, startSource) = nightStart(result)
        let nightID = try save(result, startedAt: startedAt, startSource: startSource, content: content)
        if let exporter, givenStart == nil, let startedAt {
            // The true start is known only now: put it in the written file's header.
            try? EDFWriter.setStart(path: exporter.path,
                                    EDFStartTime(unixSeconds: startedAt.timeIntervalSince1970.rounded(.down)))
        }
        try finishOutputs(result, nightID: nightID, startedAt: startedAt, startSource: startSource, exporter: exporter)
    }

    /// The export writers asked for, and pacing last (so the writers see each block before it waits).
    func observers(_ exporter: EDFNightWriter?) -> [NightObserver] {
        var list: [NightObserver] = exporter.map { [$0] } ?? []
        if let exportSignals {
            list.append(exportSignals.lowercased()
                            .hasSuffix(".json") ? SignalJSONWriter(path: exportSignals) as NightObserver
                                                                      : SignalCSVWriter(path: exportSignals))
        }
        if let pace { list.append(PacingObserver(factor: pace)) }
        return list
    }

    /// When the night began: as given with --start; else as the recording says (a monitor's capture: the start kept
    /// in its times file, the very one the live night was saved with; an EDF/BDF: its header); else unknown. The
    /// file's modification time only when asked for (`--start file-time`): a copy or a download changes it.
    func nightStart(_ result: NightResult) -> (Date?, String) {
        switch startChoice {
        case .at(let date): return (date, "user")
        case .fileTime:
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: file),
                  let modified = attributes[.modificationDate] as? Date else { return (nil, "unknown") }
            return (modified.addingTimeInterval(-result.durationSeconds), "file_time")
        case nil: break
        }
        switch result.format {
        case .rawCapture:
            do {
                if let times = try CaptureTimes.read(capturePath: file) {
                    return (times.nightStart.date, times.nightStart.source)
                }
            } catch {
                complain("\(error); the night's start is unknown (give --start)")
            }
        case .edf, .edfPlus, .bdf, .bdfPlus:
            if let header = try? EDFReader(path: file), let date = headerStart(header) {
                return (date, "recording_header")
            }
        case .csv: break
        }
        return (nil, "unknown")
    }

    /// `replay --json`'s answer for a recording the journal has: a boolean and a number, as every JSON of ours.
    struct AlreadySaved: Encodable {
        var already_saved = true
        var night_id: Int64
        var journal: String
    }

    /// The recording is a night of the journal already: nothing is analysed or changed.
    func sayAlreadySaved(_ night: Int64) throws {
        if json {
            try printJSON(AlreadySaved(night_id: night, journal: journal.resolvedPath))
        } else {
            print("\(file) is already in \(journal.resolvedPath) as night \(night) (the same bytes); nothing was "
                  + "changed. See it with `crampwatch journal show \(night)`, or give --replace to analyse it again.")
        }
    }

    func save(_ result: NightResult, startedAt: Date?, startSource: String, content: String?) throws -> Int64? {
        guard !noJournal else { return nil }
        guard minimumNight.rule.admits(result.durationSeconds) else {
            complain("\(file): \(minimumNight.rule.shortfall(recordedSeconds: result.durationSeconds)), so it was "
                     + "not saved in the journal; give --min-night 0 to save it anyway")
            return nil
        }
        do {
            let j = try Journal(path: journal.resolvedPath)
            let replacing = replace ? content.flatMap { try? j.nightID(recordingSHA256: $0) } : nil
            return try NightStore.save(result, to: j, source: "replay", startedAt: startedAt, startSource: startSource,
                                       contentSHA256: content, replacing: replacing)
        } catch {
            complain(error)
            complain("the night was detected but NOT saved; the events are printed below.")
            print(NightText.lines(result, nightID: nil, startedAt: startedAt, journalPath: journal.resolvedPath)
                      .joined(separator: "\n"))
            throw Exit.failure
        }
    }

    func finishOutputs(_ result: NightResult, nightID: Int64?, startedAt: Date?, startSource: String,
                       exporter: EDFNightWriter?) throws {
        if let exportEvents {
            do {
                try writeEvents(result, to: exportEvents)
            } catch {
                complain(error, "\(exportEvents): cannot write the events")
                throw Exit.failure
            }
        }
        if let exporter, !json {
            print("Wrote \(exporter.path) (\(exporter.bdf ? "BDF+" : "EDF+"), \(exporter.writer?.recordsWritten ?? 0) "
                  + "one-second records, \(exporter.annotations) annotations).")
        }
        if json {
            try printJSON(NightJSON(result: result, nightID: nightID,
                                    journalPath: noJournal ? nil : journal.resolvedPath, startedAt: startedAt,
                                    startSource: startSource))
        } else {
            print(NightText.lines(result, nightID: nightID, startedAt: startedAt, journalPath: journal.resolvedPath,
                                  startSource: startSource)
                      .joined(separator: "\n"))
        }
        if let truncated = result.truncatedAt {
            complain("\(file): at byte offset \(truncated): the file ends in the middle of a frame (was the recording "
                     + "cut off?). "
                     + "Everything before it was replayed" + (nightID.map { " and saved as night \($0)." } ?? "."))
            throw Exit.partial
        }
    }
}

/// Writes the events as CSV (by extension) or JSON, mode 0600.
func writeEvents(_ r: NightResult, to path: String) throws {
    let events = NightJSON(result: r, nightID: nil, journalPath: nil).events
    let data: Data
    if path.lowercased().hasSuffix(".csv") {
        func f(_ v: Double?) -> String { v.map { String($0) } ?? "" }
        var text = "kind,onset_s,offset_s,duration_s,channel,peak_uv,mean_uv,accel_activity_g,confidence,woke,cause,"
            + "frames_lost\n"
        for e in events {
            text += [e.kind, f(e.onset_s), f(e.offset_s), f(e.duration_s), e.channel.map(String.init) ?? "",
                     f(e.peak_uv), f(e.mean_uv),
                     f(e.accel_activity_g), f(e.confidence), e.woke.map { $0 ? "true" : "false" } ?? "", e.cause ?? "",
                     e.frames_lost.map(String.init) ?? ""].joined(separator: ",") + "\n"
        }
        data = Data(text.utf8)
    } else {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        data = try encoder.encode(events)
    }
    try PrivateFile.write(path: path, data)
}

/// The start an EDF header gives (local time; "yy" 85–99 is 19yy, else 20yy, as the EDF spec says); nil when it
/// says it is unknown: EDF+ "Startdate X", or a plain EDF's 01.01.85 00.00.00, the clipping date writers put there
/// when they do not know.
func headerStart(_ r: EDFReader) -> Date? {
    let recording = r.header.recording.split(separator: " ")
    if recording.first == "Startdate" && (recording.count < 2 || recording[1] == "X") { return nil }
    if recording.first != "Startdate" && r.header.startDate == "01.01.85" && r.header.startTime == "00.00.00" {
        return nil
    }
    let d = r.header.startDate.split(separator: ".").compactMap { Int($0) }
    let t = r.header.startTime.split(separator: ".").compactMap { Int($0) }
    guard d.count == 3, t.count == 3 else { return nil }
    var c = DateComponents()
    (c.day, c.month, c.year) = (d[0], d[1], d[2] >= 85 ? 1900 + d[2] : 2000 + d[2])
    (c.hour, c.minute, c.second) = (t[0], t[1], t[2])
    return Calendar.current.date(from: c)?.addingTimeInterval(r.startOffsetSeconds)
}

func duration(_ seconds: Double) -> String { Words.duration(seconds) }

func clock(_ offset: Double, _ start: Date?) -> String { Words.clock(offset, start) }

func site(_ d: DeviceInfo, _ channel: Int) -> String {
    guard channel >= 0 else { return "both legs" }
    let code = channel < d.emgSites.count ? d.emgSites[channel] : 0
    let side = code & 0x80 != 0 ? "right " : ""
    switch code & 0x7F {
    case 1: return "\(side)shin (tibialis anterior)"
    case 2: return "\(side)calf (gastrocnemius)"
    case 3: return "\(side)calf (soleus)"
    case 4: return "\(side)hamstrings"
    case 5: return "\(side)thigh (quadriceps)"
    case 6: return "\(side)foot"
    default: return "channel \(channel + 1)"
    }
}

