import ArgumentParser
import Foundation
import Journal
import NightAnalysis
import Sessions

struct JournalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journal",
        abstract: "Looks into your journal: saved nights and their events.",
        subcommands: [Nights.self, Events.self, Show.self, Delete.self, Diary.self, Export.self, Annotate.self,
                      Recover.self]
    )

    struct Nights: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Lists the saved nights in the order they were slept (nights whose start is unknown last).")
        @OptionGroup var journal: JournalOptions
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let j = try openJournal(journal)
            // By when they were slept, not when they were saved: a night replayed late still lands in its place.
            let nights = try j.nights().sorted { a, b in
                switch (a.startedAt, b.startedAt) {
                case let (x?, y?): return x != y ? x < y : a.id! < b.id!
                case (.some, nil): return true
                case (nil, .some): return false
                case (nil, nil): return a.id! < b.id!
                }
            }
            let figures = try j.allFigures()
            if json {
                try printJSON(try nights.map { n in NightRow(n, counts: try j.eventCounts(night: n.id!),
                                                             figures: figures[n.id!]) })
                return
            }
            if nights.isEmpty {
                print("No nights yet in \(j.path). Replay a recording with `crampwatch replay FILE`.")
                return
            }
            print("night  started            length     cramps  leg mvts  awakenings  frames lost  source")
            var anyWithoutEMG = false
            for n in nights {
                let c = try j.eventCounts(night: n.id!)
                let started = n.startedAt.map { dayTime($0) + (n.startSource == "file_time" ? "~" : " ") }
                    ?? pad("unknown?", 17)
                let emg = try emgMeasured(n, j)
                if !emg { anyWithoutEMG = true }
                print([pad("\(n.id!)", 5, right: true), started, pad(duration(n.durationSeconds), 9),
                       pad(emg ? "\(c["cramp"] ?? 0)" : "—", 6, right: true),
                       pad(emg ? "\(c["leg_movement"] ?? 0)" : "—", 8, right: true),
                       pad(awakenings(figures[n.id!], counted: c["sleep_interruption"] ?? 0), 10, right: true),
                       pad("\(n.framesLost)", 11, right: true), n.source + statusNote(n)].joined(separator: "  "))
            }
            if nights.contains(where: { $0.startSource == "file_time" }) { print("~ start estimated from the file's "
                                                                                 + "time") }
            if nights.contains(where: { $0.startedAt == nil }) {
                print("? \(Words.startUnknown) (replay the recording again with --start and --replace)")
            }
            if anyWithoutEMG { print("— \(noEMGNote)") }
            if figures.values.contains(where: { $0.awakenings == nil }) {
                print("— awakenings: \(NightSummary.wakeNotMeasuredNote)")
            }
        }
    }

    struct Events: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lists one night's events and gaps.")
        @OptionGroup var chosen: OneNight
        var night: Int64 { chosen.night }

        func run() throws {
            let (j, n) = try chosen.open()
            let events = try j.events(night: night)
            let gaps = try j.gaps(night: night)
            if chosen.json {
                try printJSON(EventsJSON(night: night, events: events.map(EventRow.init), gaps: gaps.map(GapRow.init)))
                return
            }
            printEventTable(n, events, gaps)
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Shows one night: its summary, then its events.")
        @OptionGroup var chosen: OneNight
        var night: Int64 { chosen.night }

        func run() throws {
            let (j, n) = try chosen.open()
            let c = try j.eventCounts(night: night)
            let figures = try j.figures(night: night)
            let device = try n.deviceId.flatMap { try j.device(id: $0) }
            let recording = try n.recordingId.flatMap { try j.recording(id: $0) }
            let config = try n.detectorConfigId.flatMap { try j.configuration(id: $0) }
            if chosen.json {
                try printJSON(ShowJSON(night: NightRow(n, counts: c, figures: figures), device: device?.serial,
                                       recording: recording?.path, detectorHash: config?.hash,
                                       events: try j.events(night: night).map(EventRow.init),
                                       gaps: try j.gaps(night: night).map(GapRow.init)))
                return
            }
            print("Night \(night): \(n.startedAt.map(dayTime) ?? Words.startUnknown)"
                  + "\(n.startSource == "file_time" ? " (estimated)" : ""), \(duration(n.durationSeconds)), \(n.source)"
                  + (recording.map { " of \($0.path)" } ?? ""))
            print("  device \(device?.serial ?? "unknown"), detector configuration "
                  + "\(config.map { String($0.hash.prefix(12)) } ?? "unknown")")
            if let device, device.emgChannels == 0 {
                print("  \(noEMGNote); \(c["sleep_interruption"] ?? 0) sleep interruptions (from the accelerometer)")
            } else {
                let wakes = figures.map { $0.sleepInterruptions == nil } == true ? "sleep interruptions not measured"
                    : Words.count(c["sleep_interruption"] ?? 0, "sleep interruption")
                print("  \(Words.count(c["cramp"] ?? 0, "cramp")), "
                      + "\(Words.count(c["leg_movement"] ?? 0, "leg movement")), \(wakes), "
                      + "\(Words.count(c["artifact"] ?? 0, "signal problem"))")
            }
            if let f = figures { print("  " + sleepLine(f, start: n.startedAt)) }
            print("  \(n.framesReceived) frames received, \(n.framesLost) lost, \(n.corruptFrames) "
                  + "damaged" + (n.truncatedAtByte.map { "; recording cut off at byte \($0)" } ?? ""))
            print("")
            printEventTable(n, try j.events(night: night), try j.gaps(night: night))
        }
    }
}

extension JournalCommand {
    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deletes a night with its events, gaps and figures (a duplicate, or a test night).",
            discussion: """
                Your diary entries and the cramps you noted stay: they are your own words. The recording file \
                itself is not touched; replay it again to bring the night back.
                """)
        @Argument(help: ArgumentHelp("The night's number (see `crampwatch journal nights`).",
                                     valueName: "night")) var night: Int64
        @OptionGroup var journal: JournalOptions

        func run() throws {
            let j = try openJournal(journal)
            guard let d = try j.deleteNight(night) else {
                complain("there is no night \(night) in \(j.path); `crampwatch journal nights` lists them.")
                throw Exit.failure
            }
            let when = d.night.startedAt.map(dayTime) ?? "start unknown"
            print("Deleted night \(night) (\(when), \(duration(d.night.durationSeconds))) with its \(d.events) event"
                  + "\(d.events == 1 ? "" : "s") and \(d.gaps) gap\(d.gaps == 1 ? "" : "s"). Your diary is unchanged.")
        }
    }
}

/// Said wherever a night recorded without EMG would otherwise read "0 cramps".
let noEMGNote = "no EMG: cramps and leg movements were not measured"

/// A night's awakenings for the nights table: its stored figure, "—" when its wake was not measured (no
/// accelerometer, no scored stages), or the sleep interruptions counted from the rows of a night without figures.
func awakenings(_ figures: NightFiguresRecord?, counted: Int) -> String {
    guard let figures else { return "\(counted)" }
    return figures.awakenings.map { "\($0)" } ?? "—"
}

/// False for a night whose device had no EMG channels (an accelerometer-only night).
func emgMeasured(_ n: NightRecord, _ j: Journal) throws -> Bool {
    guard let id = n.deviceId, let d = try j.device(id: id) else { return true }
    return d.emgChannels > 0
}

/// The night with this number, or one line saying where to find the numbers.
func requireNight(_ id: Int64, in j: Journal) throws -> NightRecord {
    guard let n = try j.night(id: id) else {
        complain("there is no night \(id) in \(j.path); `crampwatch journal nights` lists them.")
        throw Exit.failure
    }
    return n
}

/// Opens the journal; nights saved by an older Crampwatch get their figures computed once
/// (`NightStore.fillMissingFigures`).
func openJournal(_ options: JournalOptions) throws -> Journal {
    do {
        let j = try Journal(path: options.resolvedPath)
        try NightStore.fillMissingFigures(in: j)
        return j
    } catch {
        complain(error)
        throw Exit.failure
    }
}

/// One night of the journal, as `journal show` and `journal events` take it.
struct OneNight: ParsableArguments {
    @Argument(help: ArgumentHelp("The night's number (see `crampwatch journal nights`).", valueName: "night"))
    var night: Int64
    @OptionGroup var journal: JournalOptions
    @Flag(help: "Print JSON.") var json = false

    /// The journal and the night; a night that is not there is said in one line and exits 1.
    func open() throws -> (Journal, NightRecord) {
        let j = try openJournal(journal)
        return (j, try requireNight(night, in: j))
    }
}

func dayTime(_ d: Date) -> String { Words.date(d, "yyyy-MM-dd HH:mm") }

struct NightRow: Encodable {
    var id: Int64
    /// null when the start is unknown (said, not left out, as `replay --json` says it).
    var started_at: Nullable<Date>
    var start_source: String
    var duration_s: Double
    var source: String
    var frames_received: Int
    var frames_lost: Int
    var corrupt_frames: Int
    var truncated_at_byte: Int64?
    var status: String
    var clock_drift_ppm: Double?
    /// The mains frequency the night was filtered at (nil: saved before it was kept).
    var mains_hz: Int?
    var counts: [String: Int]
    /// The night's figures as the night analysis computed them (the `summary` of `replay --json`).
    var figures: NightSummary?
    init(_ n: NightRecord, counts: [String: Int], figures: NightFiguresRecord?) {
        id = n.id!; started_at = Nullable(n.startedAt); start_source = n.startSource; duration_s = n.durationSeconds
        source = n.source
        frames_received = n.framesReceived; frames_lost = n.framesLost; corrupt_frames = n.corruptFrames
        truncated_at_byte = n.truncatedAtByte
        status = n.status; clock_drift_ppm = n.clockDriftPPM; mains_hz = n.mainsHz
        // Every kind is present, a zero as 0: a tool should not have to know which kinds can be missing.
        self.counts = Dictionary(uniqueKeysWithValues: ["cramp", "leg_movement", "sleep_interruption", "artifact"]
                                     .map { ($0, 0) }).merging(counts) { $1 }
        self.figures = figures.map(NightStore.summary)
    }
}

/// The sleep figures in words, as `replay` prints them.
func sleepLine(_ f: NightFiguresRecord, start: Date?) -> String {
    NightText.sleep(NightStore.summary(f), startedAt: start).trimmingCharacters(in: .whitespaces)
}

struct EventRow: Encodable {
    var kind: String
    var onset_s: Double
    var offset_s: Double
    var channel: Int?
    var peak_uv: Double?
    var mean_uv: Double?
    var confidence: Double
    var woke: Bool?
    var accel_activity_after_g: Double?
    var median_frequency_hz: Double?
    var cause: String?
    var provisional: Bool
    init(_ e: EventRecord) {
        kind = e.kind; onset_s = e.onsetSeconds; offset_s = e.offsetSeconds; channel = e.channel
        peak_uv = e.peakMicrovolts
        mean_uv = e.meanMicrovolts; confidence = e.confidence; provisional = e.provisional
        woke = e.woke; accel_activity_after_g = e.accelActivityAfterG; median_frequency_hz = e.medianFrequencyHz
        cause = e.artifactCause
    }
}

struct GapRow: Encodable {
    var onset_s: Double
    var offset_s: Double
    var frames_lost: Int
    var first_lost_sequence: Int64?
    var emg_samples_lost: Int
    var reason: String
    init(_ g: GapRecord) {
        onset_s = g.onsetSeconds; offset_s = g.offsetSeconds; frames_lost = g.framesLost
        first_lost_sequence = g.firstLostSequence
        emg_samples_lost = g.emgSamplesLost; reason = g.reason
    }
}

struct EventsJSON: Encodable {
    var night: Int64
    var events: [EventRow]
    var gaps: [GapRow]
}

struct ShowJSON: Encodable {
    var night: NightRow
    var device: String?
    var recording: String?
    var detectorHash: String?
    var events: [EventRow]
    var gaps: [GapRow]
}

func printEventTable(_ n: NightRecord, _ events: [EventRecord], _ gaps: [GapRecord]) {
    print([pad("kind", 19), pad("onset", 9), pad("offset", 9), pad("duration", 10), "details"].joined(separator: "  "))
    var rows: [(Double, String)] = events.map { e in
        var details: [String] = []
        if let ch = e.channel { details.append("channel \(ch + 1)") }
        if let p = e.peakMicrovolts { details.append("peak \(Words.whole(p)) µV") }
        if let w = e.woke { details.append(w ? "woke you" : "did not wake you") }
        if let f = e.medianFrequencyHz { details.append("median \(Words.number(f)) Hz") }
        if let c = e.artifactCause { details.append(c.replacingOccurrences(of: "_", with: " ")) }
        let cells = [pad(e.kind, 19), pad(clock(e.onsetSeconds, n.startedAt), 9),
                     pad(clock(e.offsetSeconds, n.startedAt), 9),
                     pad(duration(e.offsetSeconds - e.onsetSeconds), 10), details.joined(separator: ", ")]
        return (e.onsetSeconds, cells.joined(separator: "  "))
    }
    rows += gaps.map { g in
        let cells = [pad("gap", 19), pad(clock(g.onsetSeconds, n.startedAt), 9),
                     pad(clock(g.offsetSeconds, n.startedAt), 9),
                     pad(duration(g.offsetSeconds - g.onsetSeconds), 10),
                     "\(g.framesLost) frame\(g.framesLost == 1 ? "" : "s") lost (\(g.reason))"]
        return (g.onsetSeconds, cells.joined(separator: "  "))
    }
    for r in rows.sorted(by: { $0.0 < $1.0 }) { print(r.1) }
}

/// Pads to a column width (counting characters, so "µV" lines up).
func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
    let fill = String(repeating: " ", count: max(0, width - s.count))
    return right ? fill + s : s + fill
}
