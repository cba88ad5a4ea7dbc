import ArgumentParser
import Foundation
import Journal
import Pipeline
import Recordings
import SignalCore

struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replays a recorded night through the detector and saves it in the journal.",
        discussion: """
            FILE may be a raw device capture (as written by the monitor or by `simulate`); the format is \
            recognised from the content, not the name. Damaged frames are skipped and counted; if the file \
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
    @Option(help: ArgumentHelp("Wall-clock time the recording started (ISO 8601, e.g. 2026-11-24T23:10:00Z). Default: estimated from the file's modification time.", valueName: "time"))
    var start: String?
    @Option(name: .customLong("min-cramp"), help: ArgumentHelp("Shortest contraction counted as a cramp (default 10, or the configuration's).", valueName: "seconds")) var minCramp: Double?
    @OptionGroup var detector: DetectorOptions

    func validate() throws {
        if let start, ISO8601DateFormatter().date(from: start) == nil {
            throw ValidationError("--start must look like 2026-11-24T23:10:00Z (ISO 8601 with a time zone).")
        }
        if let minCramp, !(1...600).contains(minCramp) { throw ValidationError("--min-cramp must be between 1 and 600 seconds.") }
    }

    func run() throws {
        var config: DetectorConfiguration
        do { config = try detector.resolve(journalPath: journal.resolvedPath) } catch {
            complain("\(error)")
            throw Exit.failure
        }
        if let minCramp { config.crampMinSeconds = minCramp }
        let showProgress = !json && stderrIsTerminal
        let replayer = Replayer(configuration: config, progress: showProgress ? { f in
            FileHandle.standardError.write(Data("\rreplaying \((file as NSString).lastPathComponent) … \(Int(f * 100))%".utf8))
        } : nil)
        let result: NightResult
        do {
            result = try replayer.replay(path: file)
        } catch {
            if showProgress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            complain("\(error)")
            throw Exit.failure
        }
        if showProgress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }

        var startedAt: Date?
        var startSource = "unknown"
        if let start {
            startedAt = ISO8601DateFormatter().date(from: start)
            startSource = "user"
        } else if let attributes = try? FileManager.default.attributesOfItem(atPath: file), let modified = attributes[.modificationDate] as? Date {
            startedAt = modified.addingTimeInterval(-result.durationSeconds)
            startSource = "file_time"
        }

        var nightID: Int64?
        if !noJournal {
            do {
                let j = try Journal(path: journal.resolvedPath)
                nightID = try NightStore.save(result, to: j, source: "replay", startedAt: startedAt, startSource: startSource)
            } catch {
                complain("\(error)")
                complain("the night was detected but NOT saved; the events are printed below.")
                printNight(result, nightID: nil, startedAt: startedAt)
                throw Exit.failure
            }
        }
        if json {
            try printJSON(NightJSON(result: result, nightID: nightID, journalPath: noJournal ? nil : journal.resolvedPath))
        } else {
            printNight(result, nightID: nightID, startedAt: startedAt)
        }
        if let truncated = result.truncatedAt {
            complain("\(file): at byte offset \(truncated): the file ends in the middle of a frame (was the recording cut off?). "
                     + "Everything before it was replayed" + (nightID.map { " and saved as night \($0)." } ?? "."))
            throw Exit.partial
        }
    }

    func printNight(_ r: NightResult, nightID: Int64?, startedAt: Date?) {
        let s = r.summary
        let d = r.deviceInfo
        var lines: [String] = []
        lines.append("Night\(nightID.map { " \($0)" } ?? "") — \(r.path): \(duration(s.durationSeconds)) from device \(d.serial), "
                     + "\(d.emgChannels) EMG channel\(d.emgChannels == 1 ? "" : "s") at \(d.emgRateHz) Hz")
        let cramps = r.events.filter { $0.kind == .cramp }
        let wakes = r.events.filter { $0.kind == .sleepInterruption }
        if cramps.isEmpty {
            lines.append("  Cramps: none detected.")
        } else {
            lines.append("  Cramps: \(cramps.count), \(duration(s.crampSeconds)) in all, longest \(duration(s.longestCrampSeconds)); \(s.crampsThatWoke) woke you.")
            for c in cramps {
                let woke = NightSummary.woke(c, wakes)
                lines.append("    \(clock(c.onsetSeconds, startedAt))  \(duration(c.durationSeconds)), \(site(d, c.channel)), peak \(Int(c.peakAboveRestMicrovolts)) µV above rest\(woke ? " — woke you" : "")")
            }
        }
        lines.append("  Leg movements: \(s.legMovements) (\(s.periodicLegMovements) in periodic series; PLM index \(format1(s.plmIndexPerHour)) per hour)")
        lines.append("  Sleep interruptions: \(s.sleepInterruptions), \(duration(s.wakeSeconds)) awake")
        lines.append("  Sleep: \(duration(s.totalSleepSeconds)) asleep of \(duration(s.durationSeconds)) recorded (efficiency \(Int((s.sleepEfficiency * 100).rounded())) %), "
                     + "\(s.awakenings) awakening\(s.awakenings == 1 ? "" : "s"), \(duration(s.wasoSeconds)) awake after falling asleep"
                     + (s.sleepWindowDetected ? "; sleep period \(clock(s.sleepWindowOnsetSeconds, startedAt))–\(clock(s.sleepWindowOffsetSeconds, startedAt))" : " (recording too short to find the sleep period: all of it counted)"))
        if s.artifacts > 0 { lines.append("  Signal problems: \(s.artifacts) stretch\(s.artifacts == 1 ? "" : "es"), \(duration(s.artifactSeconds)) (electrode off, clipping or mains); no events were counted in them") }
        if s.gaps > 0 || s.corruptFrames > 0 {
            lines.append("  Data gaps: \(s.gaps) (\(s.framesLost) frame\(s.framesLost == 1 ? "" : "s") lost, \(duration(s.gapSeconds)) without data); \(s.corruptFrames) damaged frame\(s.corruptFrames == 1 ? "" : "s") skipped")
        }
        if let nightID { lines.append("Saved to \(journal.resolvedPath) as night \(nightID).") }
        print(lines.joined(separator: "\n"))
    }
}

func duration(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    if s < 60 { return "\(s) s" }
    if s < 3600 { return s % 60 == 0 ? "\(s / 60) min" : "\(s / 60) min \(s % 60) s" }
    return "\(s / 3600) h \((s % 3600) / 60) min"
}

func clock(_ offset: Double, _ start: Date?) -> String {
    if let start {
        let f = DateFormatter()
        f.dateFormat = "HH:mm:ss"
        return f.string(from: start.addingTimeInterval(offset))
    }
    let s = Int(offset)
    return String(format: "+%d:%02d:%02d", s / 3600, (s % 3600) / 60, s % 60)
}

func site(_ d: DeviceInfoLike, _ channel: Int) -> String {
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

import DeviceProtocol
typealias DeviceInfoLike = DeviceInfo
